//! The rules both vendors share: cards, money, the sandbox clock, number fingerprints,
//! masking, password hashes and the names of users and accounts.

pub mod cards;
pub mod clock;
pub mod fingerprint;
pub mod mask;
pub mod money;
pub mod names;
pub mod password;

//! The rules both vendors share: cards, money, the sandbox clock, number fingerprints,
//! masking and password hashes.

pub mod cards;
pub mod clock;
pub mod fingerprint;
pub mod mask;
pub mod money;
pub mod password;

//! The rules both vendors share: cards, money, the sandbox clock, number fingerprints and
//! the names of users and accounts.

pub mod cards;
pub mod clock;
pub mod fingerprint;
pub mod money;
pub mod names;

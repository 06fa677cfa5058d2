//! The rules both vendors share: cards, money, the sandbox clock and number fingerprints.

pub mod cards;
pub mod clock;
pub mod fingerprint;
pub mod money;

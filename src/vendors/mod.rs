//! What the vendors' clients see: the two emulated APIs, each with its own router, envelopes
//! and error type.

pub mod click2mail;
pub mod hostway;

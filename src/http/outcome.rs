//! Marks a handler or a fault leaves on a response for the journal, which cannot tell from the
//! status alone what decided it: a Click2Mail decline is an HTTP 200.

/// The request was well formed and authorized, and the card rules declined the payment.
#[derive(Debug, Clone, Copy)]
pub struct Declined;

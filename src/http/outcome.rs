//! Marks a handler or a fault leaves on a response for the journal, which cannot tell from the
//! status alone what decided it: a Click2Mail decline is an HTTP 200.

/// The request was well formed and authorized, and the card rules declined the payment.
#[derive(Debug, Clone, Copy)]
pub struct Declined;

/// What decided the answer, in a sentence without its final stop: the error's message, the
/// decline, the fault rule. The journal shows it as the entry's `reason`.
#[derive(Debug, Clone)]
pub struct Reason(pub String);

/// What a fault did to the request, in a sentence that needs nothing added:
/// `fault rule 3: dropped the connection (reset)`.
#[derive(Debug, Clone)]
pub struct FaultDone(pub String);

impl Reason {
    /// The sentence of a message that ends in a stop.
    pub fn of(message: &str) -> Reason {
        Reason(message.trim_end_matches('.').to_owned())
    }
}

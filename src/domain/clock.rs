//! The sandbox's notion of "now". Real time by default; it can be frozen at a chosen instant
//! so that expiry rules can be tested at month boundaries and timestamps are predictable.

use std::sync::RwLock;

use chrono::{DateTime, Utc};

#[derive(Debug, Default)]
pub struct Clock {
    frozen: RwLock<Option<DateTime<Utc>>>,
}

impl Clock {
    /// A clock that follows real time until frozen.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock frozen at `now`.
    pub fn frozen_at(now: DateTime<Utc>) -> Self {
        Clock { frozen: RwLock::new(Some(now)) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.frozen().unwrap_or_else(Utc::now)
    }

    /// The instant the clock is frozen at, if it is.
    pub fn frozen(&self) -> Option<DateTime<Utc>> {
        // The lock only guards a plain value, so a poisoned lock still holds a usable one.
        *self.frozen.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stops the clock at `now` until [`Clock::resume`].
    pub fn freeze(&self, now: DateTime<Utc>) {
        *self.frozen.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(now);
    }

    /// Returns to real time.
    pub fn resume(&self) {
        *self.frozen.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_stays_put_until_resumed() {
        let instant = DateTime::parse_from_rfc3339("2030-01-31T23:59:59Z").unwrap().with_timezone(&Utc);
        let clock = Clock::system();
        clock.freeze(instant);
        assert_eq!(clock.now(), instant);
        assert_eq!(clock.now(), instant);
        clock.resume();
        assert_ne!(clock.now(), instant);
    }
}

//! The sandbox's notion of "now". Real time by default; it can be frozen at a chosen instant
//! so that expiry rules can be tested at month boundaries and timestamps are predictable.

use std::sync::RwLock;

use chrono::{DateTime, Datelike, Timelike, Utc};

/// How a time is written to paymock, as a hint after the field's name.
pub const INSTANT_HINT: &str =
    "must be an RFC 3339 time that can happen, with seconds 00 to 59, such as 2030-12-31T23:59:59Z";

/// An RFC 3339 time that names a real instant, in UTC. chrono also reads a second of 60 (a
/// leap second, at any minute of any day) and keeps it as a 61st second that no clock shows;
/// paymock refuses it, as it refuses the 30th of February. The year, once in UTC, is 1 to
/// 9999, so that the instant can be written back as RFC 3339.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let instant = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    let real = instant.nanosecond() < 1_000_000_000 && (1..=9999).contains(&instant.year());
    real.then_some(instant)
}

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

    #[test]
    fn only_real_instants_are_read() {
        let utc = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc);
        for (text, expected) in [
            ("2030-12-31T23:59:59Z", "2030-12-31T23:59:59Z"),
            ("2030-12-31t23:59:59.999z", "2030-12-31T23:59:59.999Z"),
            ("2030-12-31 23:59:59+01:00", "2030-12-31T22:59:59Z"),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ] {
            assert_eq!(parse_instant(text), Some(utc(expected)), "{text}");
        }
        for text in [
            "2030-12-31T23:59:60Z",
            "2030-06-30T12:00:60.5Z",
            "2016-12-31T23:59:60Z",
            "2030-02-30T00:00:00Z",
            "2030-12-31T24:00:00Z",
            "2030-12-31T23:60:00Z",
            "2030-13-01T00:00:00Z",
            "2030-12-31T23:59:59",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "yesterday",
        ] {
            assert_eq!(parse_instant(text), None, "{text}");
        }
    }
}

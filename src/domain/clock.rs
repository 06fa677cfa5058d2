//! The sandbox's notion of "now". Real time by default; it can be frozen at a chosen instant
//! so that expiry rules can be tested at month boundaries and timestamps are predictable, or
//! set to an instant from which it runs on.

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
    setting: RwLock<Setting>,
}

#[derive(Debug, Default, Clone, Copy)]
enum Setting {
    #[default]
    Real,
    Frozen(DateTime<Utc>),
    /// Running, this far from real time.
    Shifted(chrono::TimeDelta),
}

impl Clock {
    /// A clock that follows real time until frozen.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock frozen at `now`.
    pub fn frozen_at(now: DateTime<Utc>) -> Self {
        Clock { setting: RwLock::new(Setting::Frozen(now)) }
    }

    fn setting(&self) -> Setting {
        // The lock only guards a plain value, so a poisoned lock still holds a usable one.
        *self.setting.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set(&self, setting: Setting) {
        *self.setting.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = setting;
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.setting() {
            Setting::Real => Utc::now(),
            Setting::Frozen(at) => at,
            Setting::Shifted(by) => Utc::now().checked_add_signed(by).unwrap_or_else(Utc::now),
        }
    }

    /// The instant the clock is frozen at, if it is.
    pub fn frozen(&self) -> Option<DateTime<Utc>> {
        match self.setting() {
            Setting::Frozen(at) => Some(at),
            Setting::Real | Setting::Shifted(_) => None,
        }
    }

    /// Stops the clock at `now` until [`Clock::resume`].
    pub fn freeze(&self, now: DateTime<Utc>) {
        self.set(Setting::Frozen(now));
    }

    /// Sets the clock to `now`, from where it runs on.
    pub fn run_from(&self, now: DateTime<Utc>) {
        self.set(Setting::Shifted(now - Utc::now()));
    }

    /// Returns to real time.
    pub fn resume(&self) {
        self.set(Setting::Real);
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
    fn a_clock_set_to_an_instant_runs_on_from_there() {
        let instant = DateTime::parse_from_rfc3339("2031-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let clock = Clock::system();
        clock.run_from(instant);
        let first = clock.now();
        assert!(first >= instant && first - instant < chrono::TimeDelta::seconds(5), "{first}");
        assert!(clock.now() >= first);
        assert_eq!(clock.frozen(), None);
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

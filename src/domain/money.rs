//! Money as integer cents: parsing the decimal strings clients send and rendering amounts
//! with exactly two decimals. Floats never touch money.

use std::fmt;

/// An amount of money in cents. Balances may in principle be negative; amounts sent by
/// clients never are (see [`Cents::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cents(i64);

/// Why a decimal string is not an amount of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("must be a decimal number such as 10 or 10.50")]
    NotADecimal,
    #[error("must have at most two decimal places")]
    TooManyDecimals,
    #[error("must be at most {}", Cents::MAX)]
    TooLarge,
}

impl Cents {
    pub const ZERO: Cents = Cents(0);
    /// The largest amount, and the largest balance, the sandbox holds: 9 999 999 999 999.99.
    /// Far below `i64::MAX`, so adding two in-range amounts can never overflow.
    pub const MAX: Cents = Cents(999_999_999_999_999);

    pub const fn new(cents: i64) -> Self {
        Cents(cents)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// Parses a non-negative decimal with at most two places: `10`, `10.5`, `10.50`.
    /// Signs, exponents, `NaN`, grouping separators and a bare or trailing `.` are refused.
    pub fn parse(text: &str) -> Result<Cents, AmountError> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(AmountError::NotADecimal);
        }
        if text.contains('.') && fraction.is_empty() {
            return Err(AmountError::NotADecimal);
        }
        if fraction.len() > 2 {
            return Err(AmountError::TooManyDecimals);
        }
        let whole = whole.trim_start_matches('0');
        // Thirteen integer digits is the most that MAX allows; checking the length first
        // keeps a 500-digit number from ever reaching integer arithmetic.
        if whole.len() > 13 {
            return Err(AmountError::TooLarge);
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| AmountError::TooLarge)? };
        let fraction: i64 = match fraction.len() {
            0 => 0,
            1 => i64::from(fraction.as_bytes()[0] - b'0') * 10,
            _ => fraction.parse().map_err(|_| AmountError::NotADecimal)?,
        };
        let cents = Cents(whole * 100 + fraction);
        if cents > Cents::MAX {
            return Err(AmountError::TooLarge);
        }
        Ok(cents)
    }

    /// Reads an amount from a JSON value's own text — a number such as `25.5` or a decimal
    /// string such as `"25.50"` — so that it never passes through a float.
    pub fn from_json(raw: &serde_json::value::RawValue) -> Result<Cents, AmountError> {
        match serde_json::from_str::<String>(raw.get()) {
            Ok(text) => Cents::parse(&text),
            Err(_) => Cents::parse(raw.get()),
        }
    }

    /// The sum, or `None` when it would pass [`Cents::MAX`].
    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        let sum = Cents(self.0.checked_add(other.0)?);
        (sum <= Cents::MAX).then_some(sum)
    }
}

/// Money is shown as a decimal string with two places, `"10.00"`, so that no JSON reader
/// takes it through a float.
impl serde::Serialize for Cents {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_and_fractional_amounts() {
        assert_eq!(Cents::parse("10"), Ok(Cents(1000)));
        assert_eq!(Cents::parse("10.5"), Ok(Cents(1050)));
        assert_eq!(Cents::parse("10.05"), Ok(Cents(1005)));
        assert_eq!(Cents::parse("0010.00"), Ok(Cents(1000)));
        assert_eq!(Cents::parse("0"), Ok(Cents(0)));
        assert_eq!(Cents::parse("9999999999999.99"), Ok(Cents::MAX));
    }

    #[test]
    fn refuses_what_is_not_a_plain_decimal() {
        for text in
            ["", ".", "10.", ".5", "-0", "-10", "+10", "1e9", "NaN", "inf", "1,000", " 10", "10 ", "1.2.3", "١٠"]
        {
            assert_eq!(Cents::parse(text), Err(AmountError::NotADecimal), "{text:?}");
        }
        assert_eq!(Cents::parse("10.001"), Err(AmountError::TooManyDecimals));
        assert_eq!(Cents::parse("10000000000000"), Err(AmountError::TooLarge));
        assert_eq!(Cents::parse(&"9".repeat(500)), Err(AmountError::TooLarge));
    }

    #[test]
    fn renders_two_decimals() {
        assert_eq!(Cents(0).to_string(), "0.00");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Cents(1000).to_string(), "10.00");
        assert_eq!(Cents(123456).to_string(), "1234.56");
        assert_eq!(Cents(-250).to_string(), "-2.50");
    }

    #[test]
    fn json_amounts_are_read_from_their_text() {
        let read =
            |json: &str| Cents::from_json(&serde_json::from_str::<Box<serde_json::value::RawValue>>(json).unwrap());
        assert_eq!(read("25.5"), Ok(Cents(2550)));
        assert_eq!(read(r#""25.50""#), Ok(Cents(2550)));
        assert_eq!(read("0.1"), Ok(Cents(10)));
        assert_eq!(read("1e2"), Err(AmountError::NotADecimal));
        assert_eq!(read("-1"), Err(AmountError::NotADecimal));
        assert_eq!(read("null"), Err(AmountError::NotADecimal));
        assert_eq!(read("10.001"), Err(AmountError::TooManyDecimals));
    }

    #[test]
    fn addition_stops_at_the_maximum() {
        assert_eq!(Cents(100).checked_add(Cents(50)), Some(Cents(150)));
        assert_eq!(Cents::MAX.checked_add(Cents(0)), Some(Cents::MAX));
        assert_eq!(Cents::MAX.checked_add(Cents(1)), None);
    }
}

//! The payment-card rules both emulated vendors share (CONTRACT.md §1), and the bank-account
//! rules of direct debits ([`check_routing_number`], [`check_bank_account_number`]).
//!
//! Raw strings are parsed once at the edge into [`CardNumber`], [`Cvv`] and [`Expiry`]; none of
//! them shows the full number or CVV through `Debug`, so they cannot leak into a log line by
//! accident. [`TestCards::authorize`] then runs the checks in the contract's order — Luhn,
//! brand, declared type, CVV length, expiry, test-card outcome, AVS — and names the first
//! that fails as a [`Decline`], which each vendor renders in its own envelope. A decline that
//! names what the client sent holds it [`Masked`].

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;

use crate::domain::mask::Masked;

/// A card network, told from the leading digits of the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
}

impl Brand {
    /// The brand the number belongs to: 4 visa; 51–55 and 2221–2720 mastercard; 34 and 37
    /// amex; 6011 and 65 discover.
    pub fn of(number: &CardNumber) -> Option<Brand> {
        let digits = number.0.as_str();
        // A CardNumber has at least 12 digits, so these prefixes always exist.
        let prefix = |len: usize| digits[..len].parse::<u32>().unwrap_or(0);
        if digits.starts_with('4') {
            Some(Brand::Visa)
        } else if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) {
            Some(Brand::Mastercard)
        } else if matches!(prefix(2), 34 | 37) {
            Some(Brand::Amex)
        } else if prefix(4) == 6011 || prefix(2) == 65 {
            Some(Brand::Discover)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Brand::Visa => "visa",
            Brand::Mastercard => "mastercard",
            Brand::Amex => "amex",
            Brand::Discover => "discover",
        }
    }

    /// How many digits this brand's CVV has.
    pub fn cvv_digits(self) -> usize {
        match self {
            Brand::Amex => 4,
            _ => 3,
        }
    }
}

impl fmt::Display for Brand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A primary account number: 12 to 19 ASCII digits, not yet checked for Luhn or brand.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 12 to 19 digits")]
pub struct InvalidCardNumber;

impl CardNumber {
    pub fn parse(text: &str) -> Result<CardNumber, InvalidCardNumber> {
        let well_formed = (12..=19).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        well_formed.then(|| CardNumber(text.to_owned())).ok_or(InvalidCardNumber)
    }

    /// The full number, for fingerprints and masks only: it is never stored or logged.
    pub fn digits(&self) -> &str {
        &self.0
    }

    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The form logs and journals may show: the first six and last four digits.
    pub fn masked(&self) -> String {
        let hidden = self.0.len() - 10;
        format!("{}{}{}", &self.0[..6], "*".repeat(hidden), self.last_four())
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber({})", self.masked())
    }
}

/// A card verification code: 3 or 4 ASCII digits. Never stored, never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Cvv(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 3 or 4 digits")]
pub struct InvalidCvv;

impl Cvv {
    pub fn parse(text: &str) -> Result<Cvv, InvalidCvv> {
        let well_formed = (3..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        well_formed.then(|| Cvv(text.to_owned())).ok_or(InvalidCvv)
    }

    pub fn digits(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Debug for Cvv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cvv(***)")
    }
}

/// The month a card expires in. A card is good until the end of that month (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expiry {
    year: i32,
    month: u32,
}

impl Expiry {
    /// `None` unless the month is 1–12 and the year 1–9999.
    pub fn new(year: i32, month: u32) -> Option<Expiry> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Expiry { year, month })
    }

    /// Parses `yyyy-m` or `yyyy-mm`, the form the Hostway API takes and shows.
    pub fn parse(text: &str) -> Option<Expiry> {
        let (year, month) = text.split_once('-')?;
        let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
            lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(year, 4..=4) || !digits(month, 1..=2) {
            return None;
        }
        Expiry::new(year.parse().ok()?, month.parse().ok()?)
    }

    pub fn has_passed(self, now: DateTime<Utc>) -> bool {
        (now.year(), now.month()) > (self.year, self.month)
    }
}

impl fmt::Display for Expiry {
    /// `yyyy-mm`, the form the Hostway API shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The billing address as far as the AVS-style check reads it.
#[derive(Debug, Clone, Copy)]
pub struct BillingAddress<'a> {
    pub street: &'a str,
    pub postal_code: Option<&'a str>,
    /// ISO 3166-1 alpha-2; `None` is taken as `US`.
    pub country: Option<&'a str>,
}

/// Everything a client sent about a card, parsed.
#[derive(Debug, Clone, Copy)]
pub struct Card<'a> {
    pub number: &'a CardNumber,
    /// The brand the client says the card is, when its API asks for one.
    pub declared_brand: Option<Brand>,
    pub cvv: &'a Cvv,
    pub expiry: Expiry,
    pub address: BillingAddress<'a>,
}

/// What the card is being authorized for: the credit-limit test card may be saved but not
/// charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Save,
    Charge,
}

/// What a test card does when it is used, as listed in the fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    Declined,
    ExpiredCard,
    IncorrectCvv,
    AvsFailure,
    /// Approved for saving; one-time payments are declined.
    CreditLimit,
    BlackListed,
}

impl Outcome {
    /// The name the fixtures use, which is also how a saved card keeps it.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Declined => "declined",
            Outcome::ExpiredCard => "expired_card",
            Outcome::IncorrectCvv => "incorrect_cvv",
            Outcome::AvsFailure => "avs_failure",
            Outcome::CreditLimit => "credit_limit",
            Outcome::BlackListed => "black_listed",
        }
    }

    pub fn from_name(name: &str) -> Option<Outcome> {
        const ALL: [Outcome; 7] = [
            Outcome::Approved,
            Outcome::Declined,
            Outcome::ExpiredCard,
            Outcome::IncorrectCvv,
            Outcome::AvsFailure,
            Outcome::CreditLimit,
            Outcome::BlackListed,
        ];
        ALL.into_iter().find(|outcome| outcome.name() == name)
    }

    /// Whether a card saved earlier, with this outcome and expiry, may be charged now.
    pub fn charge_saved(self, expiry: Expiry, now: DateTime<Utc>) -> Result<(), Decline> {
        if expiry.has_passed(now) {
            return Err(Decline::Expired { expiry });
        }
        match self {
            Outcome::Approved => Ok(()),
            Outcome::CreditLimit => Err(Decline::CreditLimit),
            Outcome::Declined => Err(Decline::Declined),
            Outcome::ExpiredCard => Err(Decline::ExpiredCard),
            Outcome::IncorrectCvv => Err(Decline::IncorrectCvv),
            Outcome::AvsFailure => Err(Decline::AvsMismatch),
            Outcome::BlackListed => Err(Decline::BlackListed),
        }
    }
}

/// A card or bank account number as shown back to clients: every digit but the last four
/// replaced by `X`, as in `XXXXXXXXXXXX1111`. A number of four digits or fewer still loses
/// its first digit, so that no number is ever shown whole.
pub fn mask_all_but_last_four(digits: &str) -> String {
    let length = digits.chars().count();
    let hidden = length.saturating_sub(4).max(1).min(length);
    digits.chars().enumerate().map(|(at, c)| if at < hidden { 'X' } else { c }).collect()
}

/// A US bank routing (ABA) number: nine ASCII digits whose weighted sum (3, 7, 1, repeated)
/// is a multiple of ten. All zeros passes that sum, but no bank has it. `Err` holds the hint
/// the client is given.
pub fn check_routing_number(text: &str) -> Result<(), &'static str> {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if text.len() != 9 || digits.len() != 9 {
        return Err(ROUTING_NUMBER_HINT);
    }
    let sum: u32 = digits.iter().zip([3, 7, 1].iter().cycle()).map(|(digit, weight)| digit * weight).sum();
    if !sum.is_multiple_of(10) {
        return Err(ROUTING_NUMBER_HINT);
    }
    if all_zeros(text) {
        return Err("must not be all zeros: no bank has that routing number");
    }
    Ok(())
}

const ROUTING_NUMBER_HINT: &str = "must be 9 digits with a valid ABA checksum";

/// A bank account number, already known to be ASCII digits: 4 to 17 of them, not all zeros.
/// `Err` holds the hint the client is given.
pub fn check_bank_account_number(digits: &str) -> Result<(), &'static str> {
    if !(4..=17).contains(&digits.len()) {
        return Err("must be 4 to 17 digits for a bank account");
    }
    if all_zeros(digits) {
        return Err("must not be all zeros: no bank has that account number");
    }
    Ok(())
}

fn all_zeros(digits: &str) -> bool {
    digits.bytes().all(|b| b == b'0')
}

/// One row of the test-card table in `fixtures/test-cards.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TestCardEntry {
    pub number: String,
    pub brand: Brand,
    pub outcome: Outcome,
    /// When set, the billing postal code must match it.
    #[serde(default)]
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone)]
struct TestCard {
    outcome: Outcome,
    postal_code: Option<String>,
}

/// The cards the sandbox knows, and what each does.
#[derive(Debug, Clone)]
pub struct TestCards {
    by_number: HashMap<String, TestCard>,
}

/// A card that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval {
    pub brand: Brand,
    pub outcome: Outcome,
}

/// The first check a card failed. The message is what both vendors show the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Decline {
    #[error("card number fails the Luhn check")]
    Luhn,
    #[error("card number is not a visa, mastercard, amex or discover number")]
    UnknownBrand,
    #[error("card type {declared} does not match the card number, which is {actual}")]
    TypeMismatch { declared: Brand, actual: Brand },
    #[error("CVV must be {} digits for {brand}", brand.cvv_digits())]
    CvvLength { brand: Brand },
    #[error("card expired at the end of {expiry}")]
    Expired { expiry: Expiry },
    #[error("not a test card: the sandbox accepts only the test cards listed in its README")]
    NotATestCard,
    #[error("card declined")]
    Declined,
    #[error("expired card")]
    ExpiredCard,
    #[error("incorrect CVV")]
    IncorrectCvv,
    #[error("billing address does not match the card's address (AVS)")]
    AvsMismatch,
    #[error("credit limit reached")]
    CreditLimit,
    #[error("card is black-listed")]
    BlackListed,
    #[error("billing street address must start with a house number (AVS)")]
    AvsStreet,
    /// The postal code is the client's, and so masked: a card number sent in its place is not
    /// shown back whole.
    #[error("postal code {postal_code} is not well formed for {country} (AVS)")]
    AvsPostalCode { postal_code: Masked, country: String },
}

impl TestCards {
    /// Builds the table, refusing rows whose number is malformed, fails Luhn, belongs to
    /// another brand than stated, or repeats an earlier row.
    pub fn new(entries: impl IntoIterator<Item = TestCardEntry>) -> Result<TestCards, String> {
        let mut by_number = HashMap::new();
        for entry in entries {
            let number = CardNumber::parse(&entry.number).map_err(|err| format!("test card number {err}"))?;
            let masked = number.masked();
            if !luhn::valid(&number.0) {
                return Err(format!("test card {masked} fails the Luhn check"));
            }
            let actual = Brand::of(&number);
            if actual != Some(entry.brand) {
                let actual = actual.map_or("of no known brand", Brand::name);
                return Err(format!("test card {masked} is listed as {} but its number is {actual}", entry.brand));
            }
            let card = TestCard { outcome: entry.outcome, postal_code: entry.postal_code };
            if by_number.insert(number.0, card).is_some() {
                return Err(format!("test card {masked} is listed twice"));
            }
        }
        Ok(TestCards { by_number })
    }

    pub fn len(&self) -> usize {
        self.by_number.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_number.is_empty()
    }

    /// Runs every check of CONTRACT.md §1 in order against the clock's `now`.
    pub fn authorize(&self, card: &Card<'_>, use_: Use, now: DateTime<Utc>) -> Result<Approval, Decline> {
        if !luhn::valid(&card.number.0) {
            return Err(Decline::Luhn);
        }
        let brand = Brand::of(card.number).ok_or(Decline::UnknownBrand)?;
        if let Some(declared) = card.declared_brand.filter(|&declared| declared != brand) {
            return Err(Decline::TypeMismatch { declared, actual: brand });
        }
        if card.cvv.digits() != brand.cvv_digits() {
            return Err(Decline::CvvLength { brand });
        }
        if card.expiry.has_passed(now) {
            return Err(Decline::Expired { expiry: card.expiry });
        }
        let test_card = self.by_number.get(&card.number.0).ok_or(Decline::NotATestCard)?;
        match (test_card.outcome, use_) {
            (Outcome::Approved, _) | (Outcome::CreditLimit, Use::Save) => {}
            (Outcome::CreditLimit, Use::Charge) => return Err(Decline::CreditLimit),
            (Outcome::Declined, _) => return Err(Decline::Declined),
            (Outcome::ExpiredCard, _) => return Err(Decline::ExpiredCard),
            (Outcome::IncorrectCvv, _) => return Err(Decline::IncorrectCvv),
            (Outcome::AvsFailure, _) => return Err(Decline::AvsMismatch),
            (Outcome::BlackListed, _) => return Err(Decline::BlackListed),
        }
        check_address(&card.address, test_card.postal_code.as_deref())?;
        Ok(Approval { brand, outcome: test_card.outcome })
    }
}

/// The AVS-style check: a street line that starts with a house number, a postal code well
/// formed for the country, and, where the test card has one on file, the same postal code.
fn check_address(address: &BillingAddress<'_>, registered_postal_code: Option<&str>) -> Result<(), Decline> {
    if !address.street.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
        return Err(Decline::AvsStreet);
    }
    let country = address.country.unwrap_or("US").to_ascii_uppercase();
    if let Some(postal_code) = address.postal_code
        && !postal_code_is_well_formed(&country, postal_code)
    {
        return Err(Decline::AvsPostalCode { postal_code: postal_code.into(), country });
    }
    if let Some(registered) = registered_postal_code {
        let matches = address.postal_code.is_some_and(|given| same_postal_code(&country, given, registered));
        if !matches {
            return Err(Decline::AvsMismatch);
        }
    }
    Ok(())
}

/// US: five digits, or ZIP+4 (`12345-6789`). Elsewhere: 2 to 10 letters, digits, spaces or
/// hyphens, starting with a letter or digit.
fn postal_code_is_well_formed(country: &str, code: &str) -> bool {
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if country == "US" {
        return match code.split_once('-') {
            Some((zip, plus_four)) => digits(zip, 5) && digits(plus_four, 4),
            None => digits(code, 5),
        };
    }
    (2..=10).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_alphanumeric())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
}

/// US codes compare on the five-digit ZIP, so ZIP+4 matches its ZIP; others compare
/// ignoring case and spaces.
fn same_postal_code(country: &str, given: &str, registered: &str) -> bool {
    if country == "US" {
        return given.get(..5) == registered.get(..5);
    }
    let normal = |s: &str| s.chars().filter(|c| *c != ' ').map(|c| c.to_ascii_uppercase()).collect::<String>();
    normal(given) == normal(registered)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn routing_numbers_need_the_aba_checksum_and_a_bank() {
        assert_eq!(check_routing_number("011000015"), Ok(()));
        assert_eq!(check_routing_number("021000021"), Ok(()));
        for bad in ["123456789", "01100001", "0110000150", "01100001a", "٠١١٠٠٠٠١٥", ""] {
            assert_eq!(check_routing_number(bad), Err("must be 9 digits with a valid ABA checksum"), "{bad}");
        }
        // All zeros has a checksum of 0, a multiple of ten.
        assert_eq!(check_routing_number("000000000"), Err("must not be all zeros: no bank has that routing number"));
    }

    #[test]
    fn bank_account_numbers_are_4_to_17_digits_of_a_real_account() {
        for good in ["2332", "123456782332", "0000000000000001", "10000"] {
            assert_eq!(check_bank_account_number(good), Ok(()), "{good}");
        }
        for (bad, hint) in [
            ("123", "must be 4 to 17 digits for a bank account"),
            ("123456789012345678", "must be 4 to 17 digits for a bank account"),
            ("0000", "must not be all zeros: no bank has that account number"),
            ("00000000000000000", "must not be all zeros: no bank has that account number"),
        ] {
            assert_eq!(check_bank_account_number(bad), Err(hint), "{bad}");
        }
    }

    fn number(text: &str) -> CardNumber {
        CardNumber::parse(text).unwrap()
    }

    fn table() -> TestCards {
        let row = |number: &str, brand, outcome, postal_code: Option<&str>| TestCardEntry {
            number: number.into(),
            brand,
            outcome,
            postal_code: postal_code.map(Into::into),
        };
        TestCards::new([
            row("4111111111111111", Brand::Visa, Outcome::Approved, None),
            row("378282246310005", Brand::Amex, Outcome::Approved, None),
            row("4000000000000002", Brand::Visa, Outcome::Declined, None),
            row("4000000000000069", Brand::Visa, Outcome::ExpiredCard, None),
            row("4000000000000127", Brand::Visa, Outcome::IncorrectCvv, None),
            row("4000000000000010", Brand::Visa, Outcome::AvsFailure, None),
            row("4000000000009995", Brand::Visa, Outcome::CreditLimit, None),
            row("4100000000000019", Brand::Visa, Outcome::BlackListed, None),
            row("5555555555554444", Brand::Mastercard, Outcome::Approved, Some("60606")),
        ])
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    /// Authorizes `number` with otherwise good details (visa-length CVV unless amex).
    fn authorize(number_text: &str, use_: Use) -> Result<Approval, Decline> {
        let number = number(number_text);
        let digits = Brand::of(&number).map_or(3, Brand::cvv_digits);
        let cvv = Cvv::parse(&"1234"[..digits]).unwrap();
        let card = Card {
            number: &number,
            declared_brand: None,
            cvv: &cvv,
            expiry: Expiry::new(2030, 12).unwrap(),
            address: BillingAddress { street: "221B Baker St", postal_code: Some("60606"), country: None },
        };
        table().authorize(&card, use_, now())
    }

    #[test]
    fn brands_follow_the_leading_digits() {
        let cases = [
            ("4111111111111111", Some(Brand::Visa)),
            ("5105105105105100", Some(Brand::Mastercard)),
            ("5555555555554444", Some(Brand::Mastercard)),
            ("2221000000000009", Some(Brand::Mastercard)),
            ("2720990000000007", Some(Brand::Mastercard)),
            ("2220990000000000", None),
            ("2721000000000000", None),
            ("5600000000000000", None),
            ("378282246310005", Some(Brand::Amex)),
            ("341111111111111", Some(Brand::Amex)),
            ("6011111111111117", Some(Brand::Discover)),
            ("6500000000000002", Some(Brand::Discover)),
            ("6012000000000000", None),
            ("3530111333300000", None),
        ];
        for (text, brand) in cases {
            assert_eq!(Brand::of(&number(text)), brand, "{text}");
        }
    }

    #[test]
    fn card_numbers_are_digits_only_and_never_shown_in_full() {
        for bad in [
            "",
            "41111111111",
            "41111111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "411111111111111a",
        ] {
            assert_eq!(CardNumber::parse(bad), Err(InvalidCardNumber), "{bad:?}");
        }
        let card = number("4111111111111111");
        assert_eq!(card.masked(), "411111******1111");
        assert_eq!(card.last_four(), "1111");
        assert_eq!(format!("{card:?}"), "CardNumber(411111******1111)");
        assert_eq!(number("378282246310005").masked(), "378282*****0005");
        assert_eq!(format!("{:?}", Cvv::parse("123").unwrap()), "Cvv(***)");
        assert_eq!(Cvv::parse("12"), Err(InvalidCvv));
        assert_eq!(Cvv::parse("12345"), Err(InvalidCvv));
        assert_eq!(Cvv::parse("12a"), Err(InvalidCvv));
    }

    #[test]
    fn a_card_expires_at_the_end_of_its_month() {
        let november = Expiry::new(2026, 11).unwrap();
        let last_moment = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap();
        let first_moment_after = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert!(!november.has_passed(last_moment));
        assert!(november.has_passed(first_moment_after));
        assert!(!Expiry::new(2027, 1).unwrap().has_passed(first_moment_after));
        assert!(Expiry::new(2025, 12).unwrap().has_passed(first_moment_after));
        assert_eq!(Expiry::new(2026, 13), None);
        assert_eq!(Expiry::new(2026, 0), None);
        assert_eq!(november.to_string(), "2026-11");
    }

    #[test]
    fn hostway_expiry_dates_and_masks() {
        assert_eq!(Expiry::parse("2030-4"), Expiry::new(2030, 4));
        assert_eq!(Expiry::parse("2030-04"), Expiry::new(2030, 4));
        for bad in ["2030", "30-04", "2030-13", "2030-0", "2030-004", "2030/04", "2030-4a", "+030-04", ""] {
            assert_eq!(Expiry::parse(bad), None, "{bad}");
        }
        assert_eq!(mask_all_but_last_four("4111111111111111"), "XXXXXXXXXXXX1111");
        assert_eq!(mask_all_but_last_four("123456782332"), "XXXXXXXX2332");
        assert_eq!(mask_all_but_last_four("12345"), "X2345");
        assert_eq!(mask_all_but_last_four("1234"), "X234");
        assert_eq!(mask_all_but_last_four(""), "");
    }

    #[test]
    fn saved_cards_are_charged_by_outcome_and_expiry() {
        let future = Expiry::new(2030, 1).unwrap();
        let past = Expiry::new(2026, 10).unwrap();
        assert_eq!(Outcome::Approved.charge_saved(future, now()), Ok(()));
        assert_eq!(Outcome::CreditLimit.charge_saved(future, now()), Err(Decline::CreditLimit));
        assert_eq!(Outcome::Approved.charge_saved(past, now()), Err(Decline::Expired { expiry: past }));
        for outcome in
            ["approved", "declined", "expired_card", "incorrect_cvv", "avs_failure", "credit_limit", "black_listed"]
        {
            assert_eq!(Outcome::from_name(outcome).map(Outcome::name), Some(outcome));
        }
        assert_eq!(Outcome::from_name("nope"), None);
    }

    #[test]
    fn each_test_card_has_its_outcome() {
        let approved = |brand| Ok(Approval { brand, outcome: Outcome::Approved });
        assert_eq!(authorize("4111111111111111", Use::Charge), approved(Brand::Visa));
        assert_eq!(authorize("378282246310005", Use::Charge), approved(Brand::Amex));
        assert_eq!(authorize("4000000000000002", Use::Charge), Err(Decline::Declined));
        assert_eq!(authorize("4000000000000069", Use::Charge), Err(Decline::ExpiredCard));
        assert_eq!(authorize("4000000000000127", Use::Charge), Err(Decline::IncorrectCvv));
        assert_eq!(authorize("4000000000000010", Use::Charge), Err(Decline::AvsMismatch));
        assert_eq!(authorize("4100000000000019", Use::Charge), Err(Decline::BlackListed));
        assert_eq!(authorize("4000000000009995", Use::Charge), Err(Decline::CreditLimit));
        assert_eq!(
            authorize("4000000000009995", Use::Save),
            Ok(Approval { brand: Brand::Visa, outcome: Outcome::CreditLimit })
        );
        assert_eq!(authorize("4242424242424242", Use::Charge), Err(Decline::NotATestCard));
    }

    #[test]
    fn checks_run_in_the_contract_order() {
        let cards = table();
        let good_number = number("4111111111111111");
        let luhn_failure = number("4111111111111112");
        let unknown_brand = number("9111111111111110");
        let good_cvv = Cvv::parse("123").unwrap();
        let long_cvv = Cvv::parse("1234").unwrap();
        let past = Expiry::new(2026, 10).unwrap();
        let future = Expiry::new(2030, 1).unwrap();
        let bad_street = BillingAddress { street: "Baker St", postal_code: Some("1234"), country: None };
        let good_address = BillingAddress { street: "1 Main St", postal_code: None, country: None };
        let card = |number, declared_brand, cvv, expiry, address| Card { number, declared_brand, cvv, expiry, address };
        let check = |card: Card<'_>| cards.authorize(&card, Use::Charge, now());

        // Each card below fails every later check too; only the first is named.
        assert_eq!(check(card(&luhn_failure, Some(Brand::Amex), &long_cvv, past, bad_street)), Err(Decline::Luhn));
        assert_eq!(
            check(card(&unknown_brand, Some(Brand::Amex), &long_cvv, past, bad_street)),
            Err(Decline::UnknownBrand)
        );
        assert_eq!(
            check(card(&good_number, Some(Brand::Amex), &long_cvv, past, bad_street)),
            Err(Decline::TypeMismatch { declared: Brand::Amex, actual: Brand::Visa })
        );
        assert_eq!(
            check(card(&good_number, Some(Brand::Visa), &long_cvv, past, bad_street)),
            Err(Decline::CvvLength { brand: Brand::Visa })
        );
        assert_eq!(
            check(card(&good_number, None, &good_cvv, past, bad_street)),
            Err(Decline::Expired { expiry: past })
        );
        assert_eq!(check(card(&good_number, None, &good_cvv, future, bad_street)), Err(Decline::AvsStreet));
        assert!(check(card(&good_number, None, &good_cvv, future, good_address)).is_ok());
    }

    #[test]
    fn avs_reads_street_postal_code_and_registered_code() {
        let address = |street, postal_code, country| BillingAddress { street, postal_code, country };
        assert_eq!(check_address(&address("221B Baker St", Some("34567"), None), None), Ok(()));
        assert_eq!(check_address(&address("  9 Elm", Some("34567-1234"), Some("us")), None), Ok(()));
        assert_eq!(check_address(&address("Address Line 1", Some("60606"), None), None), Err(Decline::AvsStreet));
        for bad in ["3456", "345678", "34567-12", "ABCDE", "34567 1234"] {
            assert_eq!(
                check_address(&address("1 Main", Some(bad), Some("US")), None),
                Err(Decline::AvsPostalCode { postal_code: bad.into(), country: "US".into() }),
                "{bad}"
            );
        }
        let card_number_for_a_zip = check_address(&address("1 Main", Some("4111111111111111"), None), None);
        assert_eq!(
            card_number_for_a_zip.unwrap_err().to_string(),
            "postal code 411111******1111 is not well formed for US (AVS)"
        );
        assert_eq!(check_address(&address("10 Downing St", Some("SW1A 2AA"), Some("GB")), None), Ok(()));
        assert!(check_address(&address("10 Downing St", Some("-"), Some("GB")), None).is_err());
        assert_eq!(check_address(&address("1 Main", Some("60606-0001"), None), Some("60606")), Ok(()));
        assert_eq!(check_address(&address("1 Main", Some("60607"), None), Some("60606")), Err(Decline::AvsMismatch));
        assert_eq!(check_address(&address("1 Main", None, None), Some("60606")), Err(Decline::AvsMismatch));
        assert_eq!(check_address(&address("1 Rue", Some("k1a 0b1"), Some("CA")), Some("K1A0B1")), Ok(()));
    }

    #[test]
    fn the_table_refuses_bad_rows() {
        let row = |number: &str, brand| TestCardEntry {
            number: number.into(),
            brand,
            outcome: Outcome::Approved,
            postal_code: None,
        };
        assert!(TestCards::new([row("4111111111111112", Brand::Visa)]).unwrap_err().contains("Luhn"));
        assert!(
            TestCards::new([row("4111111111111111", Brand::Amex)])
                .unwrap_err()
                .contains("listed as amex but its number is visa")
        );
        assert!(
            TestCards::new([row("4111111111111111", Brand::Visa), row("4111111111111111", Brand::Visa)])
                .unwrap_err()
                .contains("twice")
        );
        assert!(TestCards::new([row("4111", Brand::Visa)]).unwrap_err().contains("12 to 19 digits"));
    }
}

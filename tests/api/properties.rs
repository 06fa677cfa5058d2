//! Property-based tests: the shared card and money rules, the form decoder, and both vendors'
//! request parsers driven through the real router with arbitrary input.
//!
//! What holds for every input: nothing panics; card numbers and CVVs never show in full;
//! amounts are read exactly or refused; every reply to the vendor APIs is a 2xx or a 4xx in
//! that vendor's own envelope; and a Click2Mail balance moves by exactly the amount of a
//! successful purchase and not at all otherwise.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use http_body_util::BodyExt;
use paymock::domain::cards::{
    BillingAddress, Brand, Card, CardNumber, Cvv, Decline, Expiry, Outcome, TestCards, Use, mask_all_but_last_four,
};
use paymock::domain::mask::mask_card_numbers;
use paymock::domain::money::{AmountError, Cents};
use paymock::http::form::percent_decode;
use paymock::sandbox::fixtures::Fixtures;
use paymock::sandbox::journal::Filter;
use paymock::sandbox::namespaces::Namespaces;
use paymock::store::Database;
use paymock::store::Store;
use paymock::store::{DEFAULT_MAX_NAMESPACES, Template};
use paymock::{AppState, app};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use crate::helpers::{HOST, PASSWORD, USERNAME, VENDOR_EXAMPLE, XML_DECLARATION, basic};
use crate::hostway::{OWNER, card};

/// Unit-level properties are cheap: many cases.
const UNIT_CASES: u32 = 256;
/// Each router-level case is a few requests through the whole stack.
const ROUTER_CASES: u32 = 128;

fn config(cases: u32) -> ProptestConfig {
    // No regression files: a failing case is printed, shrunk, in the test's output.
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------
// Independent oracles, written from CONTRACT.md rather than from the code under test.
// ---------------------------------------------------------------------------------------

/// The Luhn check: from the right, every second digit doubled (less 9 when over 9).
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, byte)| {
            let digit = u32::from(byte - b'0');
            match (i % 2, digit * 2) {
                (0, _) => digit,
                (_, doubled) if doubled > 9 => doubled - 9,
                (_, doubled) => doubled,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `payload` followed by the one digit that makes it pass the Luhn check.
fn with_check_digit(payload: &str) -> String {
    (b'0'..=b'9')
        .map(|digit| format!("{payload}{}", digit as char))
        .find(|number| luhn_valid(number))
        .expect("one check digit always fits")
}

/// 4 visa; 51–55 and 2221–2720 mastercard; 34/37 amex; 6011 and 65 discover.
fn contract_brand(digits: &str) -> Option<Brand> {
    let prefix = |len: usize| digits[..len].parse::<u32>().expect("digits");
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

/// What `Cents::parse` must answer, worked out with wide integers from the text.
fn contract_amount(text: &str) -> Result<i64, AmountError> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|fraction| !digits(fraction)) {
        return Err(AmountError::NotADecimal);
    }
    let fraction = fraction.unwrap_or("");
    if fraction.len() > 2 {
        return Err(AmountError::TooManyDecimals);
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 20 {
        return Err(AmountError::TooLarge);
    }
    let cents = whole.parse::<u128>().unwrap_or(0) * 100 + format!("{fraction:0<2}").parse::<u128>().expect("digits");
    if cents > Cents::MAX.get() as u128 {
        return Err(AmountError::TooLarge);
    }
    Ok(cents as i64)
}

/// Characters XML 1.0 allows in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text content as XML requires it: no markup characters, every `&` starting an entity.
fn is_escaped_xml_text(text: &str) -> bool {
    let entities = ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;"];
    !text.contains('<')
        && text.match_indices('&').all(|(at, _)| {
            let rest = &text[at..];
            entities.iter().any(|entity| rest.starts_with(entity))
                || rest.strip_prefix("&#").and_then(|r| r.split_once(';')).is_some_and(|(code, _)| {
                    let code = code
                        .strip_prefix('x')
                        .map_or_else(|| code.parse().ok(), |hex| u32::from_str_radix(hex, 16).ok());
                    code.and_then(char::from_u32).is_some_and(is_xml_char)
                })
        })
}

fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

// ---------------------------------------------------------------------------------------
// Card numbers, CVVs and expiry dates.
// ---------------------------------------------------------------------------------------

/// Text near and far from a card number: arbitrary, all digits, digits with separators.
fn card_number_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[0-9]{0,22}", "[0-9 -]{10,22}", "[0-9]{11,20}[^0-9]?", "[٠-٩0-9]{12,19}"]
}

/// A Luhn-valid number of 12 to 19 digits, mostly with a known brand's prefix.
fn luhn_valid_number() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        Just(String::new()),
        select(vec!["4", "51", "55", "2221", "2720", "34", "37", "6011", "65", "2220", "2721", "56", "3530"])
            .prop_map(str::to_owned),
    ];
    (prefix, 12usize..=19)
        .prop_flat_map(|(prefix, len)| {
            let rest = len - 1 - prefix.len();
            (Just(prefix), proptest::collection::vec(0u8..10, rest))
        })
        .prop_map(|(prefix, rest)| {
            let payload: String = rest.into_iter().map(|digit| char::from(b'0' + digit)).collect();
            with_check_digit(&format!("{prefix}{payload}"))
        })
}

/// The numbers of `fixtures/test-cards.json`, with what each does.
const TEST_CARDS: [(&str, Outcome); 10] = [
    ("4111111111111111", Outcome::Approved),
    ("5555555555554444", Outcome::Approved),
    ("378282246310005", Outcome::Approved),
    ("6011111111111117", Outcome::Approved),
    ("4000000000000002", Outcome::Declined),
    ("4000000000000069", Outcome::ExpiredCard),
    ("4000000000000127", Outcome::IncorrectCvv),
    ("4000000000000010", Outcome::AvsFailure),
    ("4000000000009995", Outcome::CreditLimit),
    ("4100000000000019", Outcome::BlackListed),
];

fn test_cards() -> TestCards {
    Fixtures::builtin().expect("built-in fixtures").test_cards
}

fn test_card_number() -> impl Strategy<Value = String> {
    select(TEST_CARDS.map(|(number, _)| number.to_owned()).to_vec())
}

fn brand() -> impl Strategy<Value = Brand> {
    select(vec![Brand::Visa, Brand::Mastercard, Brand::Amex, Brand::Discover])
}

/// Where the clock stands in the card properties.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

proptest! {
    #![proptest_config(config(UNIT_CASES))]

    #[test]
    fn a_card_number_is_exactly_12_to_19_ascii_digits(text in card_number_text()) {
        let parsed = CardNumber::parse(&text);
        let well_formed = (12..=19).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        prop_assert_eq!(parsed.is_ok(), well_formed, "{:?}", text);
        if let Ok(number) = parsed {
            prop_assert_eq!(number.digits(), text.as_str());
            prop_assert_eq!(number.last_four(), &text[text.len() - 4..]);
            prop_assert_eq!(Brand::of(&number), contract_brand(&text));
        }
    }

    #[test]
    fn a_masked_card_number_shows_only_its_first_six_and_last_four_digits(text in "[0-9]{12,19}") {
        let number = CardNumber::parse(&text).unwrap();
        let masked = number.masked();
        let hidden = text.len() - 10;
        prop_assert_eq!(masked.len(), text.len());
        prop_assert_eq!(&masked[..6], &text[..6]);
        prop_assert_eq!(&masked[6..6 + hidden], "*".repeat(hidden));
        prop_assert_eq!(&masked[6 + hidden..], number.last_four());
        prop_assert!(!masked.contains(&text));
        let debug = format!("{number:?}");
        prop_assert_eq!(&debug, &format!("CardNumber({masked})"));
        prop_assert!(!debug.contains(&text));
    }

    #[test]
    fn a_cvv_is_three_or_four_ascii_digits_and_never_shown(text in prop_oneof![any::<String>(), "[0-9]{0,6}"]) {
        let parsed = Cvv::parse(&text);
        let well_formed = (3..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        prop_assert_eq!(parsed.is_ok(), well_formed, "{:?}", text);
        if let Ok(cvv) = parsed {
            prop_assert_eq!(cvv.digits(), text.len());
            prop_assert_eq!(format!("{cvv:?}"), "Cvv(***)");
        }
    }

    #[test]
    fn changing_one_digit_of_a_luhn_valid_number_fails_the_luhn_check(
        number in luhn_valid_number(),
        position in any::<prop::sample::Index>(),
        shift in 1u8..10,
    ) {
        let cards = test_cards();
        let cvv = Cvv::parse("123").unwrap();
        let authorize = |text: &str| {
            let number = CardNumber::parse(text).unwrap();
            let address = BillingAddress { street: "1 Main", postal_code: None, country: None };
            let expiry = Expiry::new(2030, 12).unwrap();
            let card = Card { number: &number, declared_brand: None, cvv: &cvv, expiry, address };
            cards.authorize(&card, Use::Save, now())
        };
        prop_assert_ne!(authorize(&number), Err(Decline::Luhn));
        let mut bytes = number.clone().into_bytes();
        let at = position.index(bytes.len());
        bytes[at] = b'0' + (bytes[at] - b'0' + shift) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(!luhn_valid(&changed));
        prop_assert_eq!(authorize(&changed), Err(Decline::Luhn), "{} from {}", changed, number);
    }

    #[test]
    fn authorization_runs_the_checks_in_the_contracts_order(
        number in prop_oneof![test_card_number(), luhn_valid_number(), "[0-9]{12,19}"],
        declared in proptest::option::of(brand()),
        cvv in "[0-9]{3,4}",
        (year, month) in (2024i32..2030, 1u32..=12),
        street in prop_oneof![Just("1 Main St".to_owned()), any::<String>()],
        postal_code in proptest::option::of(prop_oneof![Just("60606".to_owned()), "[0-9]{5}(-[0-9]{4})?", ".*"]),
        country in proptest::option::of(prop_oneof!["US|us|GB|CA", ".*"]),
        use_ in select(vec![Use::Save, Use::Charge]),
    ) {
        let parsed = CardNumber::parse(&number).unwrap();
        let cvv = Cvv::parse(&cvv).unwrap();
        let expiry = Expiry::new(year, month).unwrap();
        let (postal_code, country) = (postal_code.as_deref(), country.as_deref());
        let address = BillingAddress { street: &street, postal_code, country };
        let card = Card { number: &parsed, declared_brand: declared, cvv: &cvv, expiry, address };
        let answer = test_cards().authorize(&card, use_, now());

        let brand = contract_brand(&number);
        let outcome = TEST_CARDS.iter().find(|(known, _)| *known == number).map(|(_, outcome)| *outcome);
        let expected_first_failure = if !luhn_valid(&number) {
            Some(Decline::Luhn)
        } else if brand.is_none() {
            Some(Decline::UnknownBrand)
        } else if let Some(declared) = declared.filter(|declared| Some(*declared) != brand) {
            Some(Decline::TypeMismatch { declared, actual: brand.unwrap() })
        } else if cvv.digits() != brand.unwrap().cvv_digits() {
            Some(Decline::CvvLength { brand: brand.unwrap() })
        } else if (2026, 11) > (year, month) {
            Some(Decline::Expired { expiry })
        } else {
            match (outcome, use_) {
                (None, _) => Some(Decline::NotATestCard),
                (Some(Outcome::Approved), _) | (Some(Outcome::CreditLimit), Use::Save) => None,
                (Some(Outcome::CreditLimit), Use::Charge) => Some(Decline::CreditLimit),
                (Some(Outcome::Declined), _) => Some(Decline::Declined),
                (Some(Outcome::ExpiredCard), _) => Some(Decline::ExpiredCard),
                (Some(Outcome::IncorrectCvv), _) => Some(Decline::IncorrectCvv),
                (Some(Outcome::AvsFailure), _) => Some(Decline::AvsMismatch),
                (Some(Outcome::BlackListed), _) => Some(Decline::BlackListed),
            }
        };
        match (expected_first_failure, answer) {
            (Some(expected), answer) => prop_assert_eq!(answer, Err(expected)),
            (None, Ok(approval)) => {
                prop_assert_eq!(Some(approval.brand), brand);
                prop_assert_eq!(Some(approval.outcome), outcome);
                prop_assert!(street.trim_start().starts_with(|c: char| c.is_ascii_digit()));
            }
            // Only the address check is left to fail.
            (None, Err(decline)) => prop_assert!(
                matches!(decline, Decline::AvsStreet | Decline::AvsPostalCode { .. } | Decline::AvsMismatch),
                "{decline:?}"
            ),
        }
    }

    #[test]
    fn an_expiry_is_yyyy_dash_m_or_mm_and_round_trips(
        text in prop_oneof![any::<String>(), "[0-9]{3,5}-[0-9]{0,3}", "[0-9]{4}-[0-9]{1,2}"],
    ) {
        let parsed = Expiry::parse(&text);
        let shape = text.split_once('-').and_then(|(year, month)| {
            let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
                lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
            };
            let well_formed = digits(year, 4..=4) && digits(month, 1..=2);
            well_formed.then(|| (year.parse::<i32>().unwrap(), month.parse::<u32>().unwrap()))
        });
        let valid = shape.filter(|&(year, month)| year >= 1 && (1..=12).contains(&month));
        prop_assert_eq!(parsed, valid.and_then(|(year, month)| Expiry::new(year, month)), "{:?}", text);
        if let Some(expiry) = parsed {
            let shown = expiry.to_string();
            prop_assert_eq!(Expiry::parse(&shown), Some(expiry));
            prop_assert_eq!(shown.len(), 7);
        }
    }

    #[test]
    fn an_expiry_exists_only_for_years_1_to_9999_and_months_1_to_12(year in any::<i32>(), month in any::<u32>()) {
        let valid = (1..=9999).contains(&year) && (1..=12).contains(&month);
        prop_assert_eq!(Expiry::new(year, month).is_some(), valid);
    }

    #[test]
    fn a_card_is_good_until_the_last_second_of_its_month(
        year in 1970i32..9999,
        month in 1u32..=12,
        into in 0i64..28 * 86_400,
    ) {
        let expiry = Expiry::new(year, month).unwrap();
        let first = Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).unwrap();
        let next = if month == 12 {
            Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).unwrap()
        } else {
            Utc.with_ymd_and_hms(year, month + 1, 1, 0, 0, 0).unwrap()
        };
        prop_assert!(!expiry.has_passed(first));
        prop_assert!(!expiry.has_passed(first + Span::seconds(into)));
        prop_assert!(!expiry.has_passed(next - Span::seconds(1)));
        prop_assert!(expiry.has_passed(next));
        prop_assert!(!expiry.has_passed(first - Span::seconds(1)));
    }

    #[test]
    fn a_shown_account_number_hides_all_but_its_last_four_digits(digits in "[0-9]{0,25}") {
        let masked = mask_all_but_last_four(&digits);
        prop_assert_eq!(masked.len(), digits.len());
        if !digits.is_empty() {
            prop_assert_ne!(&masked, &digits);
            let shown = digits.len().saturating_sub(4).max(1);
            prop_assert_eq!(&masked[..shown], "X".repeat(shown));
            prop_assert_eq!(&masked[shown..], &digits[shown..]);
            prop_assert!(digits.len() < 5 || masked.ends_with(&digits[digits.len() - 4..]));
        }
    }

    #[test]
    fn journal_masking_hides_every_standalone_card_number(
        before in "[^0-9 -]{0,8}",
        number in "[0-9]{12,19}",
        after in "[^0-9 -]{0,8}",
    ) {
        let masked = mask_card_numbers(&format!("{before}{number}{after}"));
        prop_assert!(!masked.contains(&number), "{}", masked);
        prop_assert_eq!(masked, format!("{before}{}{after}", CardNumber::parse(&number).unwrap().masked()));
    }

    #[test]
    fn journal_masking_changes_nothing_but_digit_runs(text in prop_oneof![any::<String>(), "[0-9 a-]{0,40}"]) {
        let masked = mask_card_numbers(&text);
        let rest = |text: &str| text.chars().filter(|c| !matches!(c, '0'..='9' | ' ' | '-' | '*')).collect::<String>();
        prop_assert_eq!(rest(&masked), rest(&text));
        let digits = |text: &str| text.bytes().filter(u8::is_ascii_digit).count();
        prop_assert!(digits(&masked) <= digits(&text));
    }
}

/// Counted in characters, not bytes: text that is not all ASCII digits is masked too, and
/// never panics.
#[test]
fn masking_all_but_last_four_counts_characters() {
    assert_eq!(mask_all_but_last_four("€"), "X");
    assert_eq!(mask_all_but_last_four("€123456"), "XXX3456");
}

/// A card number run on with more digits (here `4111111111111111 1234`) is longer than any
/// card number, and keeps only its last four digits.
#[test]
fn a_card_number_run_on_with_more_digits_keeps_only_its_last_four() {
    assert_eq!(mask_card_numbers("n=4111111111111111 1234&"), "n=****************1234&");
}

// ---------------------------------------------------------------------------------------
// Money.
// ---------------------------------------------------------------------------------------

/// Text near and far from an amount.
fn amount_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{1,16}(\\.[0-9]{0,4})?",
        "[-+]?[0-9]{0,3}(\\.[0-9]{0,3})?([eE][-+]?[0-9]{1,3})?",
        "0{0,30}[0-9]{1,20}(\\.[0-9]{1,2})?",
        select(vec![
            "NaN", "nan", "inf", "-0", "-0.00", "10.001", "1e9", "1E2", "0x10", "1_000", "1,000", " 10", "10 ", ".5",
            "5.", "."
        ])
        .prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(config(UNIT_CASES))]

    #[test]
    fn an_amount_is_a_plain_decimal_with_at_most_two_places_up_to_the_maximum(text in amount_text()) {
        prop_assert_eq!(Cents::parse(&text).map(Cents::get), contract_amount(&text), "{:?}", text);
    }

    #[test]
    fn an_accepted_amount_round_trips_through_display(text in amount_text()) {
        if let Ok(cents) = Cents::parse(&text) {
            let shown = cents.to_string();
            prop_assert_eq!(Cents::parse(&shown), Ok(cents));
            let (whole, fraction) = shown.split_once('.').unwrap();
            prop_assert_eq!(fraction.len(), 2);
            prop_assert!(whole == "0" || !whole.starts_with('0'));
        }
    }

    #[test]
    fn every_amount_up_to_the_maximum_round_trips_through_display(cents in 0..=Cents::MAX.get()) {
        let shown = Cents::new(cents).to_string();
        prop_assert_eq!(Cents::parse(&shown), Ok(Cents::new(cents)));
        let (whole, fraction) = shown.split_once('.').unwrap();
        prop_assert_eq!(whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap(), cents);
    }

    #[test]
    fn negative_balances_show_a_sign_and_two_decimals(cents in -Cents::MAX.get()..0) {
        let shown = Cents::new(cents).to_string();
        prop_assert!(shown.starts_with('-'));
        prop_assert_eq!(Cents::parse(&shown), Err(AmountError::NotADecimal));
        prop_assert_eq!(Cents::parse(&shown[1..]), Ok(Cents::new(-cents)));
    }

    #[test]
    fn signs_exponents_and_third_decimals_are_always_refused(
        digits in "[0-9]{1,6}",
        exponent in "[eE][-+]?[0-9]{1,3}",
        decimals in "[0-9]{3,8}",
    ) {
        prop_assert_eq!(Cents::parse(&format!("-{digits}")), Err(AmountError::NotADecimal));
        prop_assert_eq!(Cents::parse(&format!("+{digits}")), Err(AmountError::NotADecimal));
        prop_assert_eq!(Cents::parse(&format!("{digits}{exponent}")), Err(AmountError::NotADecimal));
        prop_assert_eq!(Cents::parse(&format!("{digits}.{decimals}")), Err(AmountError::TooManyDecimals));
    }

    #[test]
    fn a_json_amount_is_read_from_its_text_as_number_or_string(text in amount_text()) {
        let as_string = serde_json::value::to_raw_value(&text).unwrap();
        prop_assert_eq!(Cents::from_json(&as_string), Cents::parse(&text));
        if let Ok(raw) = serde_json::from_str::<Box<serde_json::value::RawValue>>(&text) {
            prop_assert_eq!(Cents::from_json(&raw), Cents::parse(raw.get()));
        }
    }

    #[test]
    fn a_json_amount_is_a_number_or_a_string_and_nothing_else(value in json_value()) {
        let raw = serde_json::value::to_raw_value(&value).unwrap();
        let answer = Cents::from_json(&raw);
        match &value {
            Value::String(text) => prop_assert_eq!(answer, Cents::parse(text)),
            Value::Number(number) => prop_assert_eq!(answer, Cents::parse(&number.to_string())),
            _ => prop_assert_eq!(answer, Err(AmountError::NotADecimal)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The form decoder.
// ---------------------------------------------------------------------------------------

/// Each byte either as `%XX` (in either case) or, when it means itself, as is.
fn percent_encoded(bytes: &[u8], escape: &[bool], upper: &[bool]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &byte) in bytes.iter().enumerate() {
        let means_itself = byte != b'%' && byte != b'+';
        if means_itself && !escape[i % escape.len()] {
            out.push(byte);
        } else if upper[i % upper.len()] {
            out.extend_from_slice(format!("%{byte:02X}").as_bytes());
        } else {
            out.extend_from_slice(format!("%{byte:02x}").as_bytes());
        }
    }
    out
}

proptest! {
    #![proptest_config(config(UNIT_CASES))]

    #[test]
    fn percent_decoding_never_grows_its_input(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        prop_assert!(percent_decode(&input).len() <= input.len());
    }

    #[test]
    fn percent_decoding_undoes_percent_encoding(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        escape in proptest::collection::vec(any::<bool>(), 1..8),
        upper in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        prop_assert_eq!(percent_decode(&percent_encoded(&bytes, &escape, &upper)), bytes);
    }

    #[test]
    fn plus_is_a_space_and_a_stray_percent_stays(text in "[^%]{0,40}", tail in "%[0-9a-fA-F]?") {
        let input = format!("{text}{tail}");
        let expected = format!("{}{tail}", text.replace('+', " "));
        prop_assert_eq!(percent_decode(input.as_bytes()), expected.into_bytes());
    }

    #[test]
    fn a_percent_not_followed_by_two_hex_digits_stays(
        text in "([^%]|%[^0-9a-fA-F%]|%[0-9a-fA-F][^0-9a-fA-F%]){0,20}",
    ) {
        let expected = text.replace('+', " ");
        prop_assert_eq!(percent_decode(text.as_bytes()), expected.into_bytes());
    }
}

// ---------------------------------------------------------------------------------------
// The sandbox in memory, for the router-level properties.
// ---------------------------------------------------------------------------------------

const BASE_URL: &str = "http://paymock.test:8080";
/// Owns accounts 1001 and 1002 in `fixtures/hostway.json`.
const ACCOUNT: &str = "1001";

/// One sandbox on a fresh in-memory database, shared by every case of a property, with its
/// own single-threaded runtime.
struct Sandbox {
    runtime: tokio::runtime::Runtime,
    router: Router,
    state: AppState,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

impl Sandbox {
    fn new() -> Sandbox {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let now = now();
        let state = runtime.block_on(async {
            let fixtures = Fixtures::builtin().expect("built-in fixtures");
            let fixtures = Arc::new(fixtures);
            let template = Template { fixtures: Arc::clone(&fixtures), max_namespaces: DEFAULT_MAX_NAMESPACES };
            let store = Store::open(&Database::Memory, template).await.expect("store opens");
            store.load_fixtures(paymock::store::FixtureLoad::IfNew).await.expect("fixtures load");
            AppState {
                namespaces: Arc::new(Namespaces::new(store.clone(), 16, Some(now))),
                store,
                fixtures,
                public_url: None,
                admin_token: None,
                read_timeout: Duration::from_secs(10),
                access_log: true,
                fault_headers: true,
            }
        });
        Sandbox { runtime, router: app(state.clone()), state }
    }

    fn send(&self, request: Request<Body>) -> Reply {
        self.runtime.block_on(async {
            let response = self.router.clone().oneshot(request).await.expect("the router never fails");
            let (parts, body) = response.into_parts();
            let body = body.collect().await.expect("a body").to_bytes().to_vec();
            Reply { status: parts.status, headers: parts.headers, body }
        })
    }

    /// Runs `property` on `cases` inputs, panicking with the shrunk input on failure.
    fn check<S: Strategy>(&self, cases: u32, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>) {
        let mut runner = TestRunner::new(config(cases));
        if let Err(failure) = runner.run(&strategy, property) {
            panic!("{failure}");
        }
    }

    fn balance(&self) -> Cents {
        let request = Request::get("/molpro/credit")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
            .body(Body::empty())
            .unwrap();
        let reply = self.send(request);
        assert_eq!(reply.status, StatusCode::OK);
        let body = String::from_utf8(reply.body).expect("UTF-8");
        let balance = body.split("<balance>").nth(1).and_then(|rest| rest.split("</balance>").next());
        Cents::parse(balance.expect("a <balance> element")).expect("a balance")
    }

    /// The request body of the newest journal entry, as the journal keeps it.
    fn last_journaled_request_body(&self) -> String {
        let entries = self.state.namespaces.in_memory("default").journal.find(&Filter::default(), 1);
        entries.first().expect("a journal entry").request_body.clone()
    }
}

// ---------------------------------------------------------------------------------------
// Click2Mail: arbitrary forms through POST /molpro/credit/purchase.
// ---------------------------------------------------------------------------------------

const REQUIRED: [&str; 11] = paymock::vendors::click2mail::REQUIRED;

/// A value a client might send for any parameter: plausible, tricky or arbitrary bytes.
fn form_value() -> impl Strategy<Value = Vec<u8>> {
    let tricky = select(vec![
        "",
        " ",
        "10",
        "10.00",
        "10.5",
        "9.99",
        "10.001",
        "1e9",
        "NaN",
        "-0",
        "-10",
        "+10",
        "0",
        "99999999999999999999",
        "9999999999999.99",
        "9999999999999.999",
        "01",
        "12",
        "13",
        "00",
        "30",
        "2030",
        "2025",
        "VI",
        "MC",
        "AX",
        "DI",
        "vi",
        "123",
        "1234",
        "4111111111111111",
        "5555555555554444",
        "378282246310005",
        "6011111111111117",
        "4000000000000002",
        "4000000000009995",
        "4111111111111112",
        "4111 1111 1111 1111",
        "1 Main",
        "Main St",
        "60606",
        "34567-1234",
        "<&>\"'",
        "]]>",
        "\u{0}",
        "\u{1}",
        "\u{b}",
        "\u{7f}",
        "\u{fffe}",
        "€",
        " 10 ",
    ]);
    prop_oneof![
        4 => tricky.prop_map(|value| value.as_bytes().to_vec()),
        2 => "[0-9]{0,25}".prop_map(String::into_bytes),
        2 => ".{0,12}".prop_map(String::into_bytes),
        1 => xml_unsafe_text().prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..16),
    ]
}

/// Text holding a character that XML 1.0 cannot carry, even escaped.
fn xml_unsafe_text() -> impl Strategy<Value = String> {
    "[0-9a-z ]{0,4}[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x{fffe}\\x{ffff}][0-9a-z]{0,4}"
}

fn form_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(REQUIRED.to_vec()).prop_map(str::to_owned),
        1 => "|billingamount|BillingAmount|billingAmount |amount|billingNumber\\[\\]|=|&|%",
        1 => ".{0,10}",
    ]
}

/// What to do with one of the vendor example's parameters.
#[derive(Debug, Clone)]
enum Edit {
    Keep,
    Drop,
    Replace(Vec<u8>),
}

/// A well-formed purchase: one of the test cards (or a Luhn-valid card that is none) with
/// its own card type and CVV length, any expiry around the clock's month, and an amount that
/// may be under the minimum.
fn plausible_purchase() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let number = prop_oneof![
        4 => test_card_number(),
        1 => luhn_valid_number().prop_filter("a known brand", |number| contract_brand(number).is_some()),
    ];
    let amount = prop_oneof![4 => "[1-9][0-9]{1,3}(\\.[0-9]{1,2})?", 1 => "[0-9]{1,2}(\\.[0-9]{1,2})?"];
    let year = prop_oneof![3 => "20(2[7-9]|3[0-2])", 1 => "20(2[4-9]|3[0-2])", 1 => "(2[4-9]|3[0-2])"];
    let month = "0[1-9]|1[0-2]";
    let zip = prop_oneof![Just("34567".to_owned()), "[0-9]{5}(-[0-9]{4})?"];
    (number, amount, year, month, zip).prop_map(|(number, amount, year, month, zip)| {
        let (card_type, cvv) = match contract_brand(&number) {
            Some(Brand::Visa) => ("VI", "123"),
            Some(Brand::Mastercard) => ("MC", "123"),
            Some(Brand::Amex) => ("AX", "1234"),
            _ => ("DI", "123"),
        };
        let values = [
            "Awesome User",
            "221B Baker St",
            "Springfield",
            "MO",
            &zip,
            &amount,
            &number,
            &month,
            &year,
            cvv,
            card_type,
        ];
        REQUIRED.iter().zip(values).map(|(name, value)| (name.to_string(), value.as_bytes().to_vec())).collect()
    })
}

/// Name–value pairs, shown as the encoded body when a case fails.
#[derive(Clone)]
struct Form(Vec<(String, Vec<u8>)>);

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&encode_form(&self.0)))
    }
}

/// A plausible purchase with some parameters dropped or replaced, and extra pairs mixed in.
fn purchase_form() -> impl Strategy<Value = Form> {
    let edit = prop_oneof![
        60 => Just(Edit::Keep),
        1 => Just(Edit::Drop),
        5 => form_value().prop_map(Edit::Replace),
    ];
    let extra = prop_oneof![
        2 => Just(Vec::new()),
        1 => proptest::collection::vec((form_name(), form_value()), 1..4),
    ];
    (plausible_purchase(), proptest::collection::vec(edit, 11), extra)
        .prop_map(|(purchase, edits, extra)| {
            let mut pairs: Vec<(String, Vec<u8>)> = purchase
                .into_iter()
                .zip(edits)
                .filter_map(|((name, value), edit)| match edit {
                    Edit::Keep => Some((name, value)),
                    Edit::Drop => None,
                    Edit::Replace(value) => Some((name, value)),
                })
                .collect();
            pairs.extend(extra);
            pairs
        })
        .prop_shuffle()
        .prop_map(Form)
}

/// `application/x-www-form-urlencoded`, escaping every byte but letters, digits and `-._*`.
fn encode_form(pairs: &[(String, Vec<u8>)]) -> Vec<u8> {
    let encode = |bytes: &[u8]| -> String {
        bytes
            .iter()
            .map(|&byte| match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => char::from(byte).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{byte:02X}"),
            })
            .collect()
    };
    let pairs: Vec<String> =
        pairs.iter().map(|(name, value)| format!("{}={}", encode(name.as_bytes()), encode(value))).collect();
    pairs.join("&").into_bytes()
}

/// The required parameters the form lacks: absent, or given only empty or blank values.
fn missing_parameters(pairs: &[(String, Vec<u8>)]) -> Vec<&'static str> {
    REQUIRED
        .into_iter()
        .filter(|&name| {
            pairs
                .iter()
                .filter(|(key, _)| key == name)
                .all(|(_, value)| std::str::from_utf8(value).is_ok_and(|value| value.trim().is_empty()))
        })
        .collect()
}

/// The amount a form asks for, as the first non-blank `billingAmount` reads.
fn requested_amount(pairs: &[(String, Vec<u8>)]) -> Option<Cents> {
    let value = pairs
        .iter()
        .filter(|(key, _)| key == "billingAmount")
        .filter_map(|(_, value)| std::str::from_utf8(value).ok().map(str::trim))
        .find(|value| !value.is_empty())?;
    Cents::parse(value).ok()
}

fn purchase_request(body: Vec<u8>) -> Request<Body> {
    Request::post("/molpro/credit/purchase")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

/// A `<credit>` reply, read back from its exact shape.
#[derive(Debug, PartialEq, Eq)]
enum CreditAnswer {
    /// HTTP 200, status 0.
    Purchased,
    /// HTTP 200, status 2, with the reason after `payment not authorized: `.
    NotAuthorized(String),
    /// HTTP 400, status 9, with its description and the parameters it names.
    BadRequest(String, Vec<String>),
}

/// Checks that a purchase reply is one of the three `<credit>` documents the endpoint
/// answers with, byte for byte but for the description, in well-formed XML.
fn read_credit_reply(reply: &Reply) -> Result<CreditAnswer, TestCaseError> {
    prop_assert!(!reply.status.is_server_error(), "{}", reply.status);
    prop_assert_eq!(reply.header("content-type"), Some("application/xml"));
    prop_assert_eq!(reply.header("x-paymock-version"), Some(env!("CARGO_PKG_VERSION")));
    let body = std::str::from_utf8(&reply.body).map_err(|err| TestCaseError::fail(format!("not UTF-8: {err}")))?;
    prop_assert!(body.chars().all(is_xml_char), "a character XML forbids in {:?}", body);
    let body =
        body.strip_prefix(XML_DECLARATION).ok_or_else(|| TestCaseError::fail(format!("no declaration: {body}")))?;
    let status_url = format!("<statusUrl>{BASE_URL}/molpro/credit</statusUrl></credit>");
    let answer = match reply.status {
        StatusCode::OK => {
            let head = "<credit><allowNegative>false</allowNegative>";
            let rest = body.strip_prefix(head).and_then(|rest| rest.strip_suffix(status_url.as_str()));
            match rest {
                Some("<status>0</status><description>Success</description>") => CreditAnswer::Purchased,
                Some(rest) => {
                    let reason = rest
                        .strip_prefix("<status>2</status><description>payment not authorized: ")
                        .and_then(|rest| rest.strip_suffix("</description>"))
                        .ok_or_else(|| TestCaseError::fail(format!("not a <credit> answer: {body}")))?;
                    prop_assert!(is_escaped_xml_text(reason), "{:?}", reason);
                    CreditAnswer::NotAuthorized(unescape_xml(reason))
                }
                None => return Err(TestCaseError::fail(format!("not a <credit> answer: {body}"))),
            }
        }
        StatusCode::BAD_REQUEST => {
            let rest = body
                .strip_prefix("<credit><status>9</status><description>")
                .and_then(|rest| rest.strip_suffix("</credit>"))
                .ok_or_else(|| TestCaseError::fail(format!("not a <credit> error: {body}")))?;
            let (description, mut rest) = rest.split_once("</description>").unwrap_or((rest, "?"));
            prop_assert!(is_escaped_xml_text(description) && !description.is_empty(), "{:?}", description);
            let mut parameters = Vec::new();
            while let Some(after) = rest.strip_prefix("<parameter>") {
                let (name, after) = after.split_once("</parameter>").unwrap_or(("?", after));
                prop_assert!(REQUIRED.contains(&name), "{:?} in {}", name, body);
                parameters.push(name.to_owned());
                rest = after;
            }
            prop_assert_eq!(rest, "", "{}", body);
            prop_assert!(!parameters.is_empty(), "a 400 names its parameter: {}", body);
            CreditAnswer::BadRequest(unescape_xml(description), parameters)
        }
        status => return Err(TestCaseError::fail(format!("HTTP {status}: {body}"))),
    };
    Ok(answer)
}

#[test]
fn any_purchase_form_gets_a_credit_document_and_moves_the_balance_by_exactly_its_amount() {
    let sandbox = Sandbox::new();
    sandbox.check(ROUTER_CASES, purchase_form(), |Form(pairs)| {
        let before = sandbox.balance();
        let reply = sandbox.send(purchase_request(encode_form(&pairs)));
        let answer = read_credit_reply(&reply)?;
        let after = sandbox.balance();

        let missing = missing_parameters(&pairs);
        if !missing.is_empty() {
            let description = "One of the required parameters is missing.".to_owned();
            prop_assert_eq!(
                &answer,
                &CreditAnswer::BadRequest(description, missing.iter().map(|n| n.to_string()).collect())
            );
        }
        match &answer {
            CreditAnswer::Purchased => {
                let amount =
                    requested_amount(&pairs).ok_or_else(|| TestCaseError::fail("purchased without an amount"))?;
                prop_assert!(amount >= Cents::new(10_00));
                prop_assert_eq!(Some(after), before.checked_add(amount), "{} + {}", before, amount);
            }
            CreditAnswer::NotAuthorized(_) => prop_assert_eq!(after, before),
            CreditAnswer::BadRequest(_, parameters) => {
                prop_assert_eq!(after, before);
                prop_assert!(!missing.is_empty() || parameters.len() == 1, "{:?}", parameters);
            }
        }
        Ok(())
    });
}

#[test]
fn any_purchase_body_bytes_get_a_credit_document_and_leave_a_refused_balance_alone() {
    let sandbox = Sandbox::new();
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "([a-zA-Z%=&+]|%[0-9A-Fa-f]{2}|billing[A-Z][a-z]+|[0-9]){0,80}".prop_map(String::into_bytes),
    ];
    sandbox.check(ROUTER_CASES, body, |body| {
        let before = sandbox.balance();
        let answer = read_credit_reply(&sandbox.send(purchase_request(body)))?;
        if answer != CreditAnswer::Purchased {
            prop_assert_eq!(sandbox.balance(), before);
        }
        Ok(())
    });
}

#[test]
fn any_billing_text_gets_a_well_formed_xml_reply() {
    let sandbox = Sandbox::new();
    let text = || prop_oneof![3 => ".{0,12}", 1 => xml_unsafe_text(), 1 => Just("<&>\"']]>".to_owned())];
    let street = prop_oneof![Just("1 Main St".to_owned()), "[0-9]{1,3} .{0,8}", text()];
    let zip = prop_oneof!["[0-9]{5}(-[0-9]{4})?", text()];
    sandbox.check(ROUTER_CASES, (text(), street, text(), text(), zip), |(name, street, city, state, zip)| {
        let mut pairs: Vec<(String, Vec<u8>)> =
            VENDOR_EXAMPLE.iter().map(|&(name, value)| (name.to_owned(), value.as_bytes().to_vec())).collect();
        for (at, value) in [(0, name), (1, street), (2, city), (3, state), (4, zip)] {
            pairs[at].1 = value.into_bytes();
        }
        read_credit_reply(&sandbox.send(purchase_request(encode_form(&pairs))))?;
        Ok(())
    });
}

/// A control character, which XML 1.0 cannot carry even escaped, is refused by name before
/// anything could echo it: `billingZip=%01`.
#[test]
fn a_control_character_in_a_parameter_is_refused_by_name() {
    let sandbox = Sandbox::new();
    let pairs: Vec<(String, Vec<u8>)> = VENDOR_EXAMPLE
        .iter()
        .map(|&(name, value)| {
            (name.to_owned(), if name == "billingZip" { b"\x01".to_vec() } else { value.as_bytes().to_vec() })
        })
        .collect();
    let reply = sandbox.send(purchase_request(encode_form(&pairs)));
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body = String::from_utf8(reply.body).unwrap();
    assert_eq!(
        body,
        format!(
            "{XML_DECLARATION}<credit><status>9</status><description>billingZip must not contain control \
             characters.</description><parameter>billingZip</parameter></credit>"
        )
    );
}

#[test]
fn the_journal_never_keeps_a_purchases_card_number_in_full() {
    let sandbox = Sandbox::new();
    let number = select(TEST_CARDS.map(|(number, _)| number).to_vec());
    let before = prop_oneof![3 => Just(String::new()), 1 => "[0-9]{1,4}[ -]", 1 => ".{0,6}"];
    let after = prop_oneof![3 => Just(String::new()), 1 => "[ -][0-9]{1,4}", 1 => ".{0,6}"];
    sandbox.check(
        ROUTER_CASES,
        (purchase_form(), before, number, after),
        |(Form(mut pairs), before, number, after)| {
            pairs.retain(|(name, _)| name != "billingNumber");
            pairs.push(("billingNumber".to_owned(), format!("{before}{number}{after}").into_bytes()));
            read_credit_reply(&sandbox.send(purchase_request(encode_form(&pairs))))?;
            let journaled = sandbox.last_journaled_request_body();
            prop_assert!(!journaled.contains(number), "{}", journaled);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// Hostway: arbitrary JSON through POST /accounts/{id}/paymentInfo.
// ---------------------------------------------------------------------------------------

const HOSTWAY_FIELDS: [&str; 18] = [
    "paymentInfoType",
    "accountNumber",
    "cardHolderName",
    "expirationDate",
    "verificationNumber",
    "creditCardType",
    "billingAddress",
    "routingNumber",
    "accountOwner",
    "accountName",
    "bankName",
    "bankCity",
    "bankCountry",
    "street1",
    "street2",
    "city",
    "postalCode",
    "countryCode",
];

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![select(HOSTWAY_FIELDS.to_vec()).prop_map(str::to_owned), ".{0,8}"]
}

/// Any JSON value, a few levels deep, with strings and keys that the API knows mixed in.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        select(vec![
            "",
            " ",
            "credit_card",
            "direct_debit",
            "4111111111111111",
            "378282246310005",
            "4000000000000002",
            "123456782332",
            "011000015",
            "123",
            "1234",
            "2030-4",
            "2030-13",
            "0000-01",
            "2020-1",
            "visa",
            "amex",
            "US",
            "GB",
            "us",
            "60606",
            "1 Main St",
            "\u{0}",
        ])
        .prop_map(|text| Value::String(text.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((json_key(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A card that passes every form check: a test card or another Luhn-valid number, with the
/// card type and CVV length of its brand and an expiry around the clock's month.
fn plausible_card() -> impl Strategy<Value = Value> {
    let number = prop_oneof![2 => test_card_number(), 1 => luhn_valid_number()];
    let expiry = (2024..2032, 1..=12).prop_map(|(year, month)| format!("{year}-{month}"));
    let zip = prop_oneof![Just("60606".to_owned()), "[0-9]{5}"];
    (number, expiry, zip).prop_map(|(number, expiry, zip)| {
        let brand = contract_brand(&number);
        let mut card = card();
        card["accountNumber"] = json!(number);
        card["creditCardType"] = brand.map_or(Value::Null, |brand| json!(brand.name()));
        card["verificationNumber"] = json!(if brand == Some(Brand::Amex) { "1234" } else { "123" });
        card["expirationDate"] = json!(expiry);
        card["billingAddress"]["postalCode"] = json!(zip);
        card
    })
}

/// A direct debit that passes every check, with a fresh account number most of the time
/// (never all zeros, which no bank has).
fn plausible_direct_debit() -> impl Strategy<Value = Value> {
    let routing = select(vec!["011000015", "021000021"]);
    (routing, "[0-9]{3,16}[1-9]").prop_map(|(routing, account)| {
        json!({"paymentInfoType": "direct_debit", "routingNumber": routing, "accountNumber": account})
    })
}

/// What to do with one field of a valid body.
#[derive(Debug, Clone)]
enum FieldEdit {
    Keep,
    Drop,
    Replace(Value),
}

fn field_edit() -> impl Strategy<Value = FieldEdit> {
    prop_oneof![24 => Just(FieldEdit::Keep), 1 => Just(FieldEdit::Drop), 2 => json_value().prop_map(FieldEdit::Replace)]
}

fn edited(object: &Map<String, Value>, edits: &[FieldEdit]) -> Map<String, Value> {
    object
        .iter()
        .zip(edits.iter().cycle())
        .filter_map(|((key, value), edit)| match edit {
            FieldEdit::Keep => Some((key.clone(), value.clone())),
            FieldEdit::Drop => None,
            FieldEdit::Replace(new) => Some((key.clone(), new.clone())),
        })
        .collect()
}

/// A plausible card or direct debit with some fields, and some address fields, dropped or
/// replaced by any JSON, and extra fields mixed in.
fn edited_payment_info() -> impl Strategy<Value = Value> {
    let base = prop_oneof![plausible_card(), plausible_direct_debit()];
    let edits = proptest::collection::vec(field_edit(), 8);
    let address_edits = proptest::collection::vec(field_edit(), 4);
    let extra = prop_oneof![2 => Just(Vec::new()), 1 => proptest::collection::vec((json_key(), json_value()), 1..3)];
    (base, edits, address_edits, extra).prop_map(|(base, edits, address_edits, extra)| {
        let mut object = base.as_object().cloned().unwrap();
        if let Some(Value::Object(address)) = object.get("billingAddress") {
            let address = edited(address, &address_edits);
            object.insert("billingAddress".into(), Value::Object(address));
        }
        let mut object = edited(&object, &edits);
        object.extend(extra);
        Value::Object(object)
    })
}

fn payment_info_request(body: Vec<u8>) -> Request<Body> {
    Request::post(format!("/accounts/{ACCOUNT}/paymentInfo"))
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, basic(OWNER.0, OWNER.1))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// What a save answered.
#[derive(Debug)]
enum SaveAnswer {
    /// 201 with the new method's location.
    Created(String),
    /// 400 or 409: the envelope's kind, message and details.
    Refused { kind: String, details: Map<String, Value> },
}

/// Checks that a save reply is a 201 with a location and no body, or a 400 or 409 in the
/// Hostway JSON envelope `{"<kind>": {"guid", "message", "code", "details"}}`.
fn read_save_reply(reply: &Reply) -> Result<SaveAnswer, TestCaseError> {
    prop_assert!(!reply.status.is_server_error(), "{}: {}", reply.status, String::from_utf8_lossy(&reply.body));
    prop_assert_eq!(reply.header("x-paymock-version"), Some(env!("CARGO_PKG_VERSION")));
    if reply.status == StatusCode::CREATED {
        prop_assert!(reply.body.is_empty());
        let location = reply.header("location").unwrap_or_default();
        let id = location
            .strip_prefix(&format!("{BASE_URL}/accounts/{ACCOUNT}/paymentInfo/"))
            .and_then(|id| id.strip_prefix("cc-").or_else(|| id.strip_prefix("dd-")));
        prop_assert!(id.is_some_and(|id| id.parse::<u64>().is_ok()), "{:?}", location);
        return Ok(SaveAnswer::Created(location.to_owned()));
    }
    let kind = match reply.status {
        StatusCode::BAD_REQUEST => "badRequest",
        StatusCode::CONFLICT => "conflict",
        status => return Err(TestCaseError::fail(format!("HTTP {status}: {}", String::from_utf8_lossy(&reply.body)))),
    };
    prop_assert_eq!(reply.header("content-type"), Some("application/json"));
    let envelope: Value =
        serde_json::from_slice(&reply.body).map_err(|err| TestCaseError::fail(format!("not JSON: {err}")))?;
    let outer = envelope.as_object().ok_or_else(|| TestCaseError::fail("not an object"))?;
    prop_assert_eq!(outer.len(), 1);
    let inner = outer
        .get(kind)
        .and_then(Value::as_object)
        .ok_or_else(|| TestCaseError::fail(format!("no {kind}: {envelope}")))?;
    let mut keys: Vec<&str> = inner.keys().map(String::as_str).collect();
    keys.sort_unstable();
    prop_assert_eq!(keys, ["code", "details", "guid", "message"]);
    prop_assert_eq!(inner["code"].as_u64(), Some(u64::from(reply.status.as_u16())));
    prop_assert!(inner["guid"].as_str().is_some_and(|guid| uuid::Uuid::parse_str(guid).is_ok()));
    prop_assert!(inner["message"].as_str().is_some_and(|message| !message.is_empty()));
    let details = inner["details"].as_object().cloned().ok_or_else(|| TestCaseError::fail("details not an object"))?;
    prop_assert!(details.values().all(Value::is_string));
    if kind == "badRequest" {
        prop_assert!(!details.is_empty(), "a 400 names its fields: {}", envelope);
    } else {
        prop_assert!(details.is_empty());
    }
    let head = format!(r#"{{"{kind}":{{"guid":"#);
    prop_assert!(reply.body.starts_with(head.as_bytes()), "{}", String::from_utf8_lossy(&reply.body));
    Ok(SaveAnswer::Refused { kind: kind.to_owned(), details })
}

#[test]
fn any_json_value_as_payment_info_gets_a_201_or_the_hostway_envelope() {
    let sandbox = Sandbox::new();
    sandbox.check(ROUTER_CASES, json_value(), |value| {
        let answer = read_save_reply(&sandbox.send(payment_info_request(value.to_string().into_bytes())))?;
        if !value.is_object() {
            let SaveAnswer::Refused { kind, details } = answer else {
                return Err(TestCaseError::fail("a body that is no object was saved"));
            };
            prop_assert_eq!(kind, "badRequest");
            prop_assert_eq!(Value::Object(details), json!({"body": "must be a JSON object"}));
        }
        Ok(())
    });
}

#[test]
fn any_edited_payment_info_gets_a_201_with_a_masked_item_or_the_hostway_envelope() {
    let sandbox = Sandbox::new();
    sandbox.check(ROUTER_CASES, edited_payment_info(), |value| {
        let answer = read_save_reply(&sandbox.send(payment_info_request(value.to_string().into_bytes())))?;
        if let SaveAnswer::Created(location) = answer {
            let path = location.strip_prefix(BASE_URL).unwrap();
            let request = Request::get(path)
                .header(header::HOST, HOST)
                .header(header::AUTHORIZATION, basic(OWNER.0, OWNER.1))
                .body(Body::empty())
                .unwrap();
            let reply = sandbox.send(request);
            prop_assert_eq!(reply.status, StatusCode::OK);
            let item: Value = serde_json::from_slice(&reply.body).unwrap();
            let number = value["accountNumber"].as_str().unwrap();
            let masked = mask_all_but_last_four(number);
            prop_assert_eq!(item["accountNumber"].as_str(), Some(masked.as_str()));
        }
        Ok(())
    });
}

#[test]
fn any_payment_info_body_bytes_get_a_201_or_the_hostway_envelope() {
    let sandbox = Sandbox::new();
    let valid = card().to_string().into_bytes();
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        // A valid body cut short, or with one byte changed.
        (any::<prop::sample::Index>(), any::<u8>(), any::<bool>()).prop_map(move |(at, byte, cut)| {
            let mut body = valid.clone();
            let at = at.index(body.len());
            if cut {
                body.truncate(at);
            } else {
                body[at] = byte;
            }
            body
        }),
        // Nesting deeper than any parser should recurse.
        (1usize..10_000, any::<bool>()).prop_map(|(depth, arrays)| {
            let (open, close) = if arrays { ("[", "]") } else { (r#"{"a":"#, "}") };
            format!("{}1{}", open.repeat(depth), close.repeat(depth)).into_bytes()
        }),
    ];
    sandbox.check(ROUTER_CASES, body, |body| {
        read_save_reply(&sandbox.send(payment_info_request(body)))?;
        Ok(())
    });
}

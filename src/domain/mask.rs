//! What of a client's input may be shown again: card numbers masked to their first six and
//! last four digits, and CVV fields hidden. One rule wherever the input ends up — the
//! request journal, a log line, or a reply that names what it was sent (a decline reason, a
//! 400 hint, a 404 naming a path or id). [`Masked`] carries client text into messages.

use std::fmt;

/// Text a client sent, as a message may show it: card numbers masked as
/// [`mask_card_numbers`] does. Errors hold client input only as `Masked`, so that no
/// reason, message or hint can show a card number whole, in a reply, the journal or a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Masked(String);

impl Masked {
    pub fn new(text: &str) -> Masked {
        Masked(mask_card_numbers(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Masked {
    fn from(text: &str) -> Masked {
        Masked::new(text)
    }
}

impl From<String> for Masked {
    fn from(text: String) -> Masked {
        Masked::new(&text)
    }
}

impl From<&String> for Masked {
    fn from(text: &String) -> Masked {
        Masked::new(text)
    }
}

impl fmt::Display for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Masked {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl fmt::Debug for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Masks anything that looks like a card number — 12 to 19 digits, perhaps grouped by single
/// spaces or hyphens — to its first six and last four digits: `411111******1111`. A longer
/// run keeps only its last four digits, since a card number may be part of it.
pub fn mask_card_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    // Most text holds fewer digits than any card number.
    if bytes.iter().filter(|byte| byte.is_ascii_digit()).count() < 12 {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() {
            let next = text[at..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[at..at + next]);
            at += next;
            continue;
        }
        // The longest run of digits with single separators between them.
        let mut end = at;
        let mut digits = String::new();
        while end < bytes.len() {
            if bytes[end].is_ascii_digit() {
                digits.push(bytes[end] as char);
                end += 1;
            } else if matches!(bytes[end], b' ' | b'-') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
                end += 1;
            } else {
                break;
            }
        }
        if (12..=19).contains(&digits.len()) {
            let hidden = digits.len() - 10;
            out.push_str(&format!("{}{}{}", &digits[..6], "*".repeat(hidden), &digits[digits.len() - 4..]));
        } else if digits.len() > 19 {
            // Longer than any card number, but one may be inside it: all but the last four go.
            out.push_str(&format!("{}{}", "*".repeat(digits.len() - 4), &digits[digits.len() - 4..]));
        } else {
            out.push_str(&text[at..end]);
        }
        at = end;
    }
    out
}

/// Masks every run of at least `min` digits entirely.
pub fn mask_digit_runs(text: &str, min: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        out.push_str(&if run.len() >= min { "*".repeat(run.len()) } else { std::mem::take(&mut run) });
        run.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

/// Whether a field of this name holds a CVV, which is then shown as `***`: the vendors' own
/// names (`billingCvv`, `verificationNumber`) and those clients and processors commonly use
/// besides: any name with `cvv`, `cvc`, `ccv`, `cvd`, `cvn`, `csc` or `cv2` in it (`cardCvv`,
/// `cvv_number`, `CV2`), `cid`, and any ending in `securityCode`, `securityNumber`,
/// `cardCode`, `verificationCode`, `verificationValue`, `verificationNumber` or
/// `cardVerification`. Case, `_` and `-` do not count, and of a nested name only the
/// innermost part does: `card[cvc]`, `card.CVC` and `card_cvc` are all CVV fields.
pub fn is_cvv_field(name: &str) -> bool {
    // Any name with one of these in it: cardCvv, cvv_number, cvvCode, ccv, cvd, CV2, csc.
    const PARTS: [&str; 7] = ["cvv", "cvc", "ccv", "cvd", "cvn", "csc", "cv2"];
    // The spelled-out names processors use: securityCode, cardCode, verificationValue.
    const ENDINGS: [&str; 7] = [
        "securitycode",
        "securitynumber",
        "cardcode",
        "verificationcode",
        "verificationvalue",
        "verificationnumber",
        "cardverification",
    ];
    let innermost = name.trim_end_matches(']').rsplit(['[', '.']).next().unwrap_or(name);
    let normalized =
        innermost.bytes().filter(|byte| !matches!(byte, b'_' | b'-' | b' ')).map(|byte| byte.to_ascii_lowercase());
    // Every request's header names are looked at: a short name is normalized on the stack.
    let (mut on_stack, mut on_heap) = ([0u8; 64], Vec::new());
    let normal: &[u8] = if innermost.len() <= on_stack.len() {
        let mut len = 0;
        for byte in normalized {
            on_stack[len] = byte;
            len += 1;
        }
        &on_stack[..len]
    } else {
        on_heap.extend(normalized);
        &on_heap
    };
    let contains = |part: &str| normal.windows(part.len()).any(|window| window == part.as_bytes());
    normal == b"cid"
        || PARTS.iter().any(|part| contains(part))
        || ENDINGS.iter().any(|end| normal.ends_with(end.as_bytes()))
}

/// Names whose values are card or bank account numbers, however a client writes them.
pub const NUMBER_FIELDS: [&str; 2] = ["billingNumber", "accountNumber"];

/// The value of one of [`NUMBER_FIELDS`]: masked as any card number is when it looks like
/// one, and otherwise with every digit but the last four replaced, whatever separates them
/// (`4111.1111.1111.1111` is kept as `****.****.****.1111`).
pub fn mask_number_field(value: &str) -> String {
    let masked = mask_card_numbers(value);
    if masked != value {
        return masked;
    }
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen + 4 > digits { c } else { '*' }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvv_fields_go_by_their_common_names() {
        for name in [
            "billingCvv",
            "verificationNumber",
            "cvv",
            "CVV",
            "Cvc",
            "cvv2",
            "CVC2",
            "cvn",
            "csc",
            "securityCode",
            "security_code",
            "card-security-code",
            "card[cvc]",
            "card[CVV]",
            "payment[card][cvc]",
            "card.cvc",
            "cardCvv",
            "card_cvc",
            "creditCardVerificationNumber",
        ] {
            assert!(is_cvv_field(name), "{name}");
        }
        // Names processors and hand-written clients use.
        for name in [
            "cardCode",
            "card_code",
            "cvd",
            "cv2",
            "CV2",
            "verificationCode",
            "cvvCode",
            "card_verification",
            "securityNumber",
            "cvv_number",
            "ccv",
            "cvvNumber",
            "cvcNumber",
            "cid",
            "cvv_code",
            "verification_value",
            // Longer than most: normalized otherwise.
            "payment_instrument_primary_card_holder_supplied_card_security_code",
        ] {
            assert!(is_cvv_field(name), "{name}");
        }
        let long = "payment_instrument_primary_card_holder_supplied_card_description";
        for name in ["", "billingNumber", "accountNumber", "card[number]", "description", "csc[x]", "cardholder", long]
        {
            assert!(!is_cvv_field(name), "{name}");
        }
    }

    #[test]
    fn masked_text_hides_card_numbers_and_keeps_the_rest() {
        let masked = Masked::new("postal code 4111111111111111 is not well formed for US (AVS)");
        assert_eq!(masked.to_string(), "postal code 411111******1111 is not well formed for US (AVS)");
        assert_eq!(format!("{masked:?}"), r#""postal code 411111******1111 is not well formed for US (AVS)""#);
        assert_eq!(Masked::from("/accounts/1001/paymentInfo/cc-7").as_str(), "/accounts/1001/paymentInfo/cc-7");
        // Masking what is already masked changes nothing.
        assert_eq!(Masked::new(masked.as_str()), masked);
    }
}

//! The eleven parameters of `POST /molpro/credit/purchase`: gathered from the query string
//! and an `application/x-www-form-urlencoded` body, then checked and parsed into a
//! [`PurchaseRequest`] that cannot be invalid.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;

use super::error::Click2MailError;
use crate::AppState;
use crate::cards::{BillingAddress, Brand, Card, CardNumber, Cvv, Expiry};
use crate::money::Cents;

/// Every parameter the endpoint requires, in the vendor's documented order: missing ones are
/// listed in this order, and malformed ones are checked in it.
pub const REQUIRED: [&str; 11] = [
    "billingName",
    "billingAddress1",
    "billingCity",
    "billingState",
    "billingZip",
    "billingAmount",
    "billingNumber",
    "billingMonth",
    "billingYear",
    "billingCvv",
    "billingCcType",
];

/// The vendor's documented minimum purchase.
pub const MINIMUM_PURCHASE: Cents = Cents::new(10_00);

/// Name–value pairs from the query string followed by those of the body, decoded.
#[derive(Debug, Default)]
pub struct FormParams(Vec<(String, String)>);

impl FromRequest<AppState> for FormParams {
    type Rejection = Click2MailError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut params = decode_form(request.uri().query().unwrap_or("").as_bytes())?;
        let content_type = request.headers().get(CONTENT_TYPE).cloned();
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Click2MailError::PayloadTooLarge
            } else {
                Click2MailError::UnreadableBody
            }
        })?;
        if !body.is_empty() {
            let content_type =
                content_type.as_ref().map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
            let media_type = content_type.as_deref().and_then(|value| value.split(';').next()).map(str::trim);
            if !media_type
                .is_some_and(|media_type| media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
            {
                return Err(Click2MailError::UnsupportedMediaType(content_type.unwrap_or_else(|| "(none)".into())));
            }
            params.extend(decode_form(&body)?);
        }
        Ok(FormParams(params))
    }
}

/// Decodes `application/x-www-form-urlencoded` strictly: `+` is a space, `%XX` a byte, and
/// the result must be UTF-8. A `%` not followed by two hex digits is kept as it is.
fn decode_form(input: &[u8]) -> Result<Vec<(String, String)>, Click2MailError> {
    let mut pairs = Vec::new();
    for pair in input.split(|&byte| byte == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|&byte| byte == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let name = percent_decode(name).ok_or(Click2MailError::NotUtf8)?;
        let value = percent_decode(value).ok_or_else(|| Click2MailError::invalid(&name, "is not valid UTF-8 text"))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn percent_decode(input: &[u8]) -> Option<String> {
    let hex = |byte: u8| (byte as char).to_digit(16);
    let mut bytes = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let escaped = match input.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)).map(|(high, low)| (high * 16 + low) as u8),
            _ => None,
        };
        match (escaped, input[i]) {
            (Some(byte), _) => {
                bytes.push(byte);
                i += 3;
            }
            (None, b'+') => {
                bytes.push(b' ');
                i += 1;
            }
            (None, byte) => {
                bytes.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(bytes).ok()
}

/// A purchase whose every parameter is present and well formed. Whether the card is
/// authorized is decided afterwards, by the shared card rules.
#[derive(Debug)]
pub struct PurchaseRequest {
    pub amount: Cents,
    pub number: CardNumber,
    pub expiry: Expiry,
    pub cvv: Cvv,
    pub card_type: Brand,
    pub street: String,
    pub zip: String,
}

impl PurchaseRequest {
    /// Missing parameters are all named at once; otherwise the first malformed one is named,
    /// in [`REQUIRED`] order except that the card type comes before the CVV, whose length
    /// depends on it. Surrounding whitespace is ignored; an empty parameter counts as missing.
    pub fn parse(FormParams(params): &FormParams) -> Result<PurchaseRequest, Click2MailError> {
        let mut values = [""; REQUIRED.len()];
        let mut missing = Vec::new();
        for (name, slot) in REQUIRED.into_iter().zip(&mut values) {
            let mut given = params.iter().filter(|(key, _)| key == name).map(|(_, value)| value.trim());
            match (given.next(), given.next()) {
                (_, Some(_)) => return Err(Click2MailError::invalid(name, "is given more than once")),
                (Some(value), None) if !value.is_empty() => *slot = value,
                _ => missing.push(name),
            }
        }
        if !missing.is_empty() {
            return Err(Click2MailError::MissingParameters(missing));
        }
        let [_name, street, _city, _state, zip, amount, number, month, year, cvv, card_type] = values;

        let amount = Cents::parse(amount).map_err(|err| Click2MailError::invalid("billingAmount", err))?;
        if amount < MINIMUM_PURCHASE {
            return Err(Click2MailError::invalid("billingAmount", format!("must be at least {MINIMUM_PURCHASE}")));
        }
        let number = CardNumber::parse(number).map_err(|err| Click2MailError::invalid("billingNumber", err))?;
        let month = parse_month(month)
            .ok_or_else(|| Click2MailError::invalid("billingMonth", "must be two digits, 01 to 12"))?;
        let expiry = parse_year(year)
            .and_then(|year| Expiry::new(year, month))
            .ok_or_else(|| Click2MailError::invalid("billingYear", "must be 2 or 4 digits, such as 30 or 2030"))?;
        let card_type = parse_card_type(card_type)
            .ok_or_else(|| Click2MailError::invalid("billingCcType", "must be one of VI, MC, AX, DI"))?;
        let cvv = Cvv::parse(cvv)
            .ok()
            .filter(|cvv| cvv.digits() == card_type.cvv_digits())
            .ok_or_else(|| Click2MailError::invalid("billingCvv", "must be 3 digits (4 for AX)"))?;

        Ok(PurchaseRequest { amount, number, expiry, cvv, card_type, street: street.to_owned(), zip: zip.to_owned() })
    }

    /// The card as the shared rules see it. Click2Mail takes US billing addresses only.
    pub fn card(&self) -> Card<'_> {
        Card {
            number: &self.number,
            declared_brand: Some(self.card_type),
            cvv: &self.cvv,
            expiry: self.expiry,
            address: BillingAddress { street: &self.street, postal_code: Some(&self.zip), country: Some("US") },
        }
    }
}

fn parse_month(text: &str) -> Option<u32> {
    let month = (text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())??;
    (1..=12).contains(&month).then_some(month)
}

/// Two-digit years are in this century.
fn parse_year(text: &str) -> Option<i32> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match text.len() {
        2 => text.parse::<i32>().ok().map(|year| 2000 + year),
        4 => text.parse().ok(),
        _ => None,
    }
}

/// Click2Mail's two-letter card type codes.
fn parse_card_type(code: &str) -> Option<Brand> {
    match code {
        "VI" => Some(Brand::Visa),
        "MC" => Some(Brand::Mastercard),
        "AX" => Some(Brand::Amex),
        "DI" => Some(Brand::Discover),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms_strictly() {
        let pairs = decode_form(b"a=1&b=x+y%21&&c&d=%zz&e=%E2%82%AC").unwrap();
        let expected = [("a", "1"), ("b", "x y!"), ("c", ""), ("d", "%zz"), ("e", "€")];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_string(), v.to_string())));
        assert!(matches!(
            decode_form(b"billingName=%FF"),
            Err(Click2MailError::InvalidParameter { parameter, .. }) if parameter == "billingName"
        ));
        assert!(matches!(decode_form(b"%C3%28=x"), Err(Click2MailError::NotUtf8)));
        assert!(matches!(decode_form(b"a=\xff"), Err(Click2MailError::InvalidParameter { .. })));
    }

    #[test]
    fn months_years_and_types() {
        assert_eq!(parse_month("01"), Some(1));
        assert_eq!(parse_month("12"), Some(12));
        for bad in ["1", "00", "13", "+1", "1a", "001"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        assert_eq!(parse_year("30"), Some(2030));
        assert_eq!(parse_year("2030"), Some(2030));
        for bad in ["3", "203", "20300", "-030", "２０３０"] {
            assert_eq!(parse_year(bad), None, "{bad}");
        }
        assert_eq!(parse_card_type("AX"), Some(Brand::Amex));
        assert_eq!(parse_card_type("vi"), None);
    }
}

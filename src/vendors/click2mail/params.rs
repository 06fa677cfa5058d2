//! The eleven parameters of `POST /molpro/credit/purchase`: gathered from the query string
//! and the body, then checked and parsed into a [`PurchaseRequest`] that cannot be invalid.
//!
//! Like the real service, behind an ordinary web server, this reads parameters however a
//! client's HTTP library sends them: from the query string, and from a body that carries form
//! fields, `application/x-www-form-urlencoded` (UTF-8 unless its `charset` says ISO-8859-1 or
//! windows-1252) or `multipart/form-data`. A body of any other type, JSON included, carries no
//! form fields and is ignored.

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use encoding_rs::UTF_8;

use super::error::Click2MailError;
use crate::AppState;
use crate::domain::cards::{BillingAddress, Brand, Card, CardNumber, Cvv, Expiry};
use crate::domain::mask::Masked;
use crate::domain::money::Cents;
use crate::http::form;
use crate::http::request_body;

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

/// Name–value pairs from the query string followed by those of the body. A value that is
/// not UTF-8 is kept as `None`: it is an error only for one of the [`REQUIRED`] parameters.
#[derive(Default)]
pub struct FormParams {
    pairs: Vec<(String, Option<String>)>,
    /// The body was labelled a form but holds JSON text: when parameters are then missing,
    /// that is what the client is told, rather than the list of everything.
    json_labelled_as_form: bool,
    /// The media type of a body that was ignored as carrying no form fields: when parameters
    /// are then missing, the client is told where they are read from.
    ignored_body: Option<Masked>,
}

impl std::fmt::Debug for FormParams {
    /// Names only: the values include the card number and CVV.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.pairs.iter().map(|(name, _)| name)).finish()
    }
}

impl FromRequest<AppState> for FormParams {
    type Rejection = Click2MailError;

    async fn from_request(request: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        let mut params = FormParams {
            pairs: form::decode_urlencoded(request.uri().query().unwrap_or("").as_bytes(), UTF_8),
            ..FormParams::default()
        };
        let content_type =
            request.headers().get(CONTENT_TYPE).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let body = request_body::read(request).await?;
        if body.is_empty() {
            return Ok(params);
        }
        let media_type = content_type.as_deref().map(request_body::media_type);
        match media_type.as_deref() {
            Some("application/x-www-form-urlencoded") => {
                let encoding = form::charset(content_type.as_deref().unwrap_or(""))
                    .map_err(|charset| Click2MailError::UnsupportedCharset(charset.into()))?;
                let text = body.trim_ascii_start();
                params.json_labelled_as_form = text.starts_with(b"{") || text.starts_with(b"[");
                params.pairs.extend(form::decode_urlencoded(&body, encoding));
            }
            Some("multipart/form-data") => {
                let fields = form::decode_multipart(body, content_type.as_deref().unwrap_or("")).await;
                params.pairs.extend(fields.map_err(|reason| Click2MailError::MalformedMultipart(reason.into()))?);
            }
            Some("") | None => params.ignored_body = Some("(none)".into()),
            Some(other) => params.ignored_body = Some(other.into()),
        }
        Ok(params)
    }
}

/// What the client sent for one parameter, across the query string and the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Given<'a> {
    /// Absent, or only empty values.
    Missing,
    /// One value, perhaps sent more than once.
    Value(&'a str),
    NotUtf8,
    /// A value with a control character in it, which no parameter has and no XML reply
    /// could show.
    ControlCharacter,
    /// Two different non-empty values.
    Conflicting,
}

impl<'a> Given<'a> {
    fn of(params: &'a [(String, Option<String>)], name: &str) -> Given<'a> {
        let mut given = Given::Missing;
        for (_, value) in params.iter().filter(|(key, _)| key == name) {
            let Some(value) = value.as_deref().map(str::trim) else { return Given::NotUtf8 };
            if value.chars().any(char::is_control) {
                return Given::ControlCharacter;
            }
            given = match given {
                _ if value.is_empty() => given,
                Given::Missing => Given::Value(value),
                Given::Value(earlier) if earlier == value => given,
                _ => Given::Conflicting,
            };
        }
        given
    }
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
    /// Missing parameters are all named at once. Otherwise the first problem is named: a
    /// value that is not UTF-8, holds a control character or is given twice differently, then
    /// the malformed values in
    /// the order amount, number, month, year, card type, CVV (whose length depends on the
    /// card type). Surrounding whitespace is ignored; an empty parameter counts as missing.
    pub fn parse(params: &FormParams) -> Result<PurchaseRequest, Click2MailError> {
        let given = REQUIRED.map(|name| (name, Given::of(&params.pairs, name)));
        let missing: Vec<_> =
            given.iter().filter(|(_, given)| *given == Given::Missing).map(|(name, _)| *name).collect();
        if !missing.is_empty() && params.json_labelled_as_form {
            return Err(Click2MailError::JsonLabelledAsForm(missing));
        }
        if !missing.is_empty() {
            return Err(Click2MailError::MissingParameters {
                names: missing,
                ignored_body: params.ignored_body.clone(),
            });
        }
        for (name, given) in given {
            match given {
                Given::NotUtf8 => return Err(Click2MailError::invalid(name, "is not valid UTF-8 text")),
                Given::ControlCharacter => {
                    return Err(Click2MailError::invalid(name, "must not contain control characters"));
                }
                Given::Conflicting => {
                    return Err(Click2MailError::invalid(name, "is given more than once with different values"));
                }
                Given::Missing | Given::Value(_) => {}
            }
        }
        // Every required parameter has a value by now.
        let value = |name: &str| match given.iter().find(|(required, _)| *required == name) {
            Some((_, Given::Value(value))) => *value,
            _ => "",
        };

        let amount = value("billingAmount");
        let number = value("billingNumber");
        let month = value("billingMonth");
        let year = value("billingYear");
        let card_type = value("billingCcType");
        let cvv = value("billingCvv");
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

        Ok(PurchaseRequest {
            amount,
            number,
            expiry,
            cvv,
            card_type,
            street: value("billingAddress1").to_owned(),
            zip: value("billingZip").to_owned(),
        })
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
    fn repeated_parameters_count_once_unless_they_differ() {
        let params = form::decode_urlencoded(b"a=1&a=1&b=1&b=2&c=&c=3&d=%FF&d=1&e=&e=+&f=1%012", UTF_8);
        let given = |name| Given::of(&params, name);
        assert_eq!(given("a"), Given::Value("1"));
        assert_eq!(given("b"), Given::Conflicting);
        assert_eq!(given("c"), Given::Value("3"));
        assert_eq!(given("d"), Given::NotUtf8);
        assert_eq!(given("e"), Given::Missing);
        assert_eq!(given("f"), Given::ControlCharacter);
        assert_eq!(given("z"), Given::Missing);
        assert_eq!(
            format!("{:?}", FormParams { pairs: params, ..FormParams::default() }),
            r#"["a", "a", "b", "b", "c", "c", "d", "d", "e", "e", "f"]"#
        );
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

//! Hostway request bodies: the JSON extractor (415, 413, 400 for what is not JSON) and the
//! checks that turn each body into a value that cannot be invalid. A body with several
//! problems gets one 400 naming every field at once.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

use super::error::HostwayError;
use crate::AppState;
use crate::domain::cards::{Brand, CardNumber, Cvv, Expiry, check_bank_account_number, check_routing_number};
use crate::domain::money::Cents;
use crate::http::{json, request_body};

/// A JSON request body: its bytes, for fields that must be read exactly, and its value.
pub struct JsonBody {
    bytes: Bytes,
    value: Value,
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = HostwayError;

    async fn from_request(request: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = request_body::request_media_type(request.headers()).is_some_and(|media_type| {
            media_type == "application/json"
                || (media_type.starts_with("application/") && media_type.ends_with("+json"))
        });
        if !is_json {
            let shown = request_body::content_type_shown(request.headers());
            return Err(HostwayError::UnsupportedMediaType(shown.into()));
        }
        let bytes = request_body::read(request).await?;
        let value = json::parse(&bytes).map_err(|err| {
            let (field, hint) = err.field_and_hint();
            HostwayError::bad_field(field, hint)
        })?;
        Ok(JsonBody { bytes, value })
    }
}

impl JsonBody {
    fn object(&self) -> Result<&Map<String, Value>, HostwayError> {
        self.value.as_object().ok_or_else(|| HostwayError::bad_field("body", "must be a JSON object"))
    }
}

/// A payment method to save, every field checked for form (not yet against the card rules).
#[derive(Debug)]
pub enum NewMethod {
    CreditCard(NewCard),
    DirectDebit(NewDirectDebit),
}

#[derive(Debug)]
pub struct NewCard {
    pub number: CardNumber,
    pub holder_name: String,
    pub expiry: Expiry,
    pub cvv: Cvv,
    pub declared_brand: Option<Brand>,
    pub street: String,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug)]
pub struct NewDirectDebit {
    pub routing_number: String,
    pub account_number: String,
    pub account_owner: Option<String>,
    pub account_name: Option<String>,
    pub bank_name: Option<String>,
    pub bank_city: Option<String>,
    pub bank_country: Option<String>,
}

impl NewMethod {
    /// Checks the body of `POST /accounts/{id}/paymentInfo` (CONTRACT.md §3).
    pub fn parse(body: &JsonBody) -> Result<NewMethod, HostwayError> {
        let object = body.object()?;
        let mut problems = Problems::default();
        let kind = problems.string(object, "paymentInfoType", Required::Yes);
        let account_number = problems.string(object, "accountNumber", Required::Yes).filter(|number| {
            problems.check("accountNumber", number.bytes().all(|b| b.is_ascii_digit()), "must be digits only")
        });
        let method = match kind {
            Some("credit_card") => parse_card(object, account_number, &mut problems).map(NewMethod::CreditCard),
            Some("direct_debit") => {
                parse_direct_debit(object, account_number, &mut problems).map(NewMethod::DirectDebit)
            }
            Some(_) => {
                problems.add("paymentInfoType", "must be credit_card or direct_debit");
                check_field_types(object, &mut problems);
                None
            }
            None => {
                check_field_types(object, &mut problems);
                None
            }
        };
        match method {
            Some(method) if problems.0.is_empty() => Ok(method),
            _ => Err(HostwayError::BadRequest(problems.0)),
        }
    }
}

/// Without a known type no type-specific field can be required, but one of the wrong JSON
/// type is still named, so that a single 400 lists everything.
fn check_field_types(object: &Map<String, Value>, problems: &mut Problems) {
    for field in [
        "cardHolderName",
        "expirationDate",
        "verificationNumber",
        "creditCardType",
        "routingNumber",
        "accountOwner",
        "accountName",
        "bankName",
        "bankCity",
        "bankCountry",
    ] {
        problems.string(object, field, Required::No);
    }
    if object.get("billingAddress").is_some_and(|address| !address.is_object() && !address.is_null()) {
        problems.add("billingAddress", "must be an object");
    }
}

fn parse_card(object: &Map<String, Value>, number: Option<&str>, problems: &mut Problems) -> Option<NewCard> {
    let number = problems.parse(
        "accountNumber",
        number,
        |number| CardNumber::parse(number).ok(),
        "must be 12 to 19 digits for a credit card",
    );
    let holder_name = problems.string(object, "cardHolderName", Required::Yes);
    let expiry = problems.string(object, "expirationDate", Required::Yes);
    let expiry = problems.parse("expirationDate", expiry, Expiry::parse, "must be yyyy-m or yyyy-mm, such as 2030-04");
    let cvv = problems.string(object, "verificationNumber", Required::Yes);
    let cvv = problems.parse("verificationNumber", cvv, |text| Cvv::parse(text).ok(), "must be 3 or 4 digits");
    let brand = problems.string(object, "creditCardType", Required::No);
    let declared_brand = problems.parse(
        "creditCardType",
        brand,
        |text| {
            [Brand::Visa, Brand::Mastercard, Brand::Amex, Brand::Discover]
                .into_iter()
                .find(|brand| brand.name() == text)
        },
        "must be visa, mastercard, amex or discover",
    );
    let address = match object.get("billingAddress") {
        None | Some(Value::Null) => {
            problems.add("billingAddress", "is required");
            None
        }
        Some(Value::Object(address)) => Some(address),
        Some(_) => {
            problems.add("billingAddress", "must be an object");
            None
        }
    };
    let mut street = None;
    let mut postal_code = None;
    let mut country = None;
    if let Some(address) = address {
        let mut nested = Problems::default();
        street = nested.string(address, "street1", Required::Yes);
        nested.string(address, "city", Required::Yes);
        for optional in ["street2", "stateOrProvince"] {
            nested.string(address, optional, Required::No);
        }
        postal_code = nested.string(address, "postalCode", Required::No);
        let code = nested.string(address, "countryCode", Required::No);
        country = nested.parse(
            "countryCode",
            code,
            |code| COUNTRY_CODES.split(' ').find(|known| *known == code),
            "must be an ISO 3166-1 alpha-2 code such as US",
        );
        for (field, hint) in nested.0 {
            problems.add(&format!("billingAddress.{field}"), &hint);
        }
    }
    Some(NewCard {
        number: number?,
        holder_name: holder_name?.to_owned(),
        expiry: expiry?,
        cvv: cvv?,
        declared_brand,
        street: street?.to_owned(),
        postal_code: postal_code.map(str::to_owned),
        country: country.map(str::to_owned),
    })
}

fn parse_direct_debit(
    object: &Map<String, Value>,
    number: Option<&str>,
    problems: &mut Problems,
) -> Option<NewDirectDebit> {
    let number = number.filter(|number| problems.checked("accountNumber", check_bank_account_number(number)));
    let routing_number = problems
        .string(object, "routingNumber", Required::Yes)
        .filter(|routing| problems.checked("routingNumber", check_routing_number(routing)));
    let mut optional = |name| problems.string(object, name, Required::No).map(str::to_owned);
    let account_owner = optional("accountOwner");
    let account_name = optional("accountName");
    let bank_name = optional("bankName");
    let bank_city = optional("bankCity");
    let bank_country = optional("bankCountry");
    Some(NewDirectDebit {
        routing_number: routing_number?.to_owned(),
        account_number: number?.to_owned(),
        account_owner,
        account_name,
        bank_name,
        bank_city,
        bank_country,
    })
}

/// The body of `PUT /accounts/{id}/paymentInfo/default`: the link to a method.
pub fn default_link(body: &JsonBody) -> Result<String, HostwayError> {
    let object = body.object()?;
    let mut problems = Problems::default();
    let link = problems.string(object, "paymentInfo", Required::Yes);
    match link {
        Some(link) if problems.0.is_empty() => Ok(link.to_owned()),
        _ => Err(HostwayError::BadRequest(problems.0)),
    }
}

/// The body of `POST …/{pid}/payment`: an amount greater than zero with at most two
/// decimals, as a JSON number or a decimal string. The number is read from the body's own
/// text, never through a float.
pub fn payment_amount(body: &JsonBody) -> Result<Cents, HostwayError> {
    body.object()?;
    let raw: BTreeMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_slice(&body.bytes).map_err(|err| HostwayError::bad_field("body", err.to_string()))?;
    let hint = "must be a number greater than 0 with at most two decimals, such as 25.50";
    let amount = raw.get("amount").ok_or_else(|| HostwayError::bad_field("amount", "is required"))?;
    let cents = Cents::from_json(amount).map_err(|_| HostwayError::bad_field("amount", hint))?;
    if cents == Cents::ZERO {
        return Err(HostwayError::bad_field("amount", hint));
    }
    Ok(cents)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Required {
    Yes,
    No,
}

/// The fields found wrong so far, each with a hint.
#[derive(Debug, Default)]
struct Problems(BTreeMap<String, String>);

impl Problems {
    fn add(&mut self, field: &str, hint: &str) {
        self.0.entry(field.to_owned()).or_insert_with(|| hint.to_owned());
    }

    /// Records the hint of a domain rule that failed; returns whether it held.
    fn checked(&mut self, field: &str, rule: Result<(), &str>) -> bool {
        match rule {
            Ok(()) => true,
            Err(hint) => {
                self.add(field, hint);
                false
            }
        }
    }

    /// Records the hint unless `ok`; returns `ok`.
    fn check(&mut self, field: &str, ok: bool, hint: &str) -> bool {
        if !ok {
            self.add(field, hint);
        }
        ok
    }

    /// `text` parsed, when it is given; the hint is recorded when it does not parse.
    fn parse<T>(
        &mut self,
        field: &str,
        text: Option<&str>,
        parser: impl FnOnce(&str) -> Option<T>,
        hint: &str,
    ) -> Option<T> {
        let parsed = parser(text?);
        self.check(field, parsed.is_some(), hint);
        parsed
    }

    /// The field as a string. Absent, `null`, empty and blank all count as not given.
    fn string<'a>(&mut self, object: &'a Map<String, Value>, field: &str, required: Required) -> Option<&'a str> {
        match object.get(field) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.as_str()),
            None | Some(Value::Null) | Some(Value::String(_)) => {
                if required == Required::Yes {
                    self.add(field, "is required");
                }
                None
            }
            Some(_) => {
                self.add(field, "must be a string");
                None
            }
        }
    }
}

/// ISO 3166-1 alpha-2 country codes.
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI \
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT \
JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ \
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS \
RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA \
UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_list_is_the_iso_list() {
        let codes: Vec<_> = COUNTRY_CODES.split(' ').collect();
        assert_eq!(codes.len(), 249);
        assert!(codes.iter().all(|code| code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())));
        assert!(codes.windows(2).all(|pair| pair[0] < pair[1]));
    }

    fn body(json: &str) -> JsonBody {
        JsonBody { bytes: Bytes::from(json.to_owned()), value: serde_json::from_str(json).unwrap() }
    }

    #[test]
    fn amounts_are_read_exactly() {
        assert_eq!(payment_amount(&body(r#"{"amount": 25.5}"#)).unwrap(), Cents::new(2550));
        assert_eq!(payment_amount(&body(r#"{"amount": "25.50"}"#)).unwrap(), Cents::new(2550));
        assert_eq!(payment_amount(&body(r#"{"amount": 0.01}"#)).unwrap(), Cents::new(1));
        for bad in ["0", "-1", "-0", "1e9", "10.001", "\"NaN\"", "null", "true", "[1]", "\"\""] {
            let err = payment_amount(&body(&format!(r#"{{"amount": {bad}}}"#))).unwrap_err();
            assert!(
                matches!(&err, HostwayError::BadRequest(fields) if fields.contains_key("amount")),
                "{bad}: {err:?}"
            );
        }
    }
}

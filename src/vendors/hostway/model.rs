//! The JSON shapes the Hostway API answers with, and the absolute links inside them.

use serde::Serialize;

use crate::http::base_url::BaseUrl;
use crate::store::{MethodKind, PaymentMethodRecord};

#[derive(Debug, Serialize)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
}

/// One payment method as `GET …/paymentInfo/{pid}` and the list show it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInfo {
    pub payment_info_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_card_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    pub default: u8,
    pub links: Vec<Link>,
}

/// `GET …/paymentInfo`.
#[derive(Debug, Serialize)]
pub struct PaymentInfoList {
    pub list: Vec<PaymentInfo>,
    pub default: Vec<Link>,
    pub links: Vec<Link>,
}

/// Builds the absolute URLs of one account's payment info.
pub struct Links<'a> {
    base_url: &'a BaseUrl,
    account_id: &'a str,
}

impl<'a> Links<'a> {
    pub fn new(base_url: &'a BaseUrl, account_id: &'a str) -> Links<'a> {
        Links { base_url, account_id }
    }

    /// `…/accounts/{id}/paymentInfo` followed by `rest`.
    fn payment_info(&self, rest: &str) -> String {
        self.base_url.join(&format!("/accounts/{}/paymentInfo{rest}", path_segment(self.account_id)))
    }

    pub fn list(&self) -> String {
        self.payment_info("/")
    }

    pub fn default(&self) -> String {
        self.payment_info("/default/")
    }

    pub fn method(&self, kind: MethodKind, id: i64) -> String {
        self.payment_info(&format!("/{}", method_id(kind, id)))
    }

    pub fn item(&self, method: &PaymentMethodRecord, is_default: bool) -> PaymentInfo {
        let card = method.kind == MethodKind::CreditCard;
        PaymentInfo {
            payment_info_type: method.kind.name(),
            credit_card_type: method.card_brand.clone().filter(|_| card),
            routing_number: method.routing_number.clone().filter(|_| !card),
            account_number: Some(method.number_masked.clone()),
            expiration_date: method.expiration.clone().filter(|_| card),
            default: u8::from(is_default),
            links: vec![Link { href: self.method(method.kind, method.id), rel: "self" }],
        }
    }

    /// The default when it is the offline method, which has no resource of its own.
    pub fn offline_item(&self) -> PaymentInfo {
        PaymentInfo {
            payment_info_type: "offline",
            credit_card_type: None,
            routing_number: None,
            account_number: None,
            expiration_date: None,
            default: 1,
            links: vec![Link { href: self.default(), rel: "self" }],
        }
    }
}

/// `cc-<n>` or `dd-<n>`.
pub fn method_id(kind: MethodKind, id: i64) -> String {
    let prefix = match kind {
        MethodKind::CreditCard => "cc",
        MethodKind::DirectDebit => "dd",
    };
    format!("{prefix}-{id}")
}

/// Reads `cc-<n>` or `dd-<n>`.
pub fn parse_method_id(text: &str) -> Option<(MethodKind, i64)> {
    let (prefix, number) = text.split_once('-')?;
    let kind = match prefix {
        "cc" => MethodKind::CreditCard,
        "dd" => MethodKind::DirectDebit,
        _ => return None,
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((kind, number.parse().ok()?))
}

/// The method a link names, when it is one of this account's: an absolute or relative URL
/// whose path ends `/accounts/{id}/paymentInfo/{cc-n|dd-n}`.
pub fn method_from_link(link: &str, account_id: &str) -> Option<(MethodKind, i64)> {
    let path = link.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.trim_end_matches('/').rsplit('/');
    let method = parse_method_id(segments.next()?)?;
    let collection = segments.next()?;
    let account = segments.next()?;
    let accounts = segments.next()?;
    let account_matches = account == account_id || account == path_segment(account_id);
    (collection == "paymentInfo" && accounts == "accounts" && account_matches).then_some(method)
}

/// Percent-encodes everything in an account id but unreserved characters, so any id makes a
/// valid link.
pub fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_ids_round_trip() {
        assert_eq!(method_id(MethodKind::CreditCard, 7), "cc-7");
        assert_eq!(parse_method_id("cc-7"), Some((MethodKind::CreditCard, 7)));
        assert_eq!(parse_method_id("dd-12"), Some((MethodKind::DirectDebit, 12)));
        for bad in ["cc-", "cc-x", "xx-1", "cc1", "cc--1", "cc-+1", "cc-99999999999999999999", "default"] {
            assert_eq!(parse_method_id(bad), None, "{bad}");
        }
        assert_eq!(path_segment("1001"), "1001");
        assert_eq!(path_segment("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn links_name_methods_of_one_account() {
        let card = Some((MethodKind::CreditCard, 3));
        assert_eq!(method_from_link("http://h:1/accounts/1001/paymentInfo/cc-3", "1001"), card);
        assert_eq!(method_from_link("/accounts/1001/paymentInfo/cc-3/", "1001"), card);
        assert_eq!(method_from_link("https://x/base/accounts/1001/paymentInfo/cc-3?x=1", "1001"), card);
        assert_eq!(
            method_from_link("http://h/accounts/a%20b/paymentInfo/dd-1", "a b"),
            Some((MethodKind::DirectDebit, 1))
        );
        for bad in [
            "http://h/accounts/1002/paymentInfo/cc-3",
            "http://h/accounts/1001/payment/cc-3",
            "http://h/users/1001/paymentInfo/cc-3",
            "http://h/accounts/1001/paymentInfo/default",
            "cc-3",
            "",
        ] {
            assert_eq!(method_from_link(bad, "1001"), None, "{bad}");
        }
    }
}

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

    /// The path of a method, which a client may send for its link.
    pub fn method_path(&self, kind: MethodKind, id: i64) -> String {
        format!("/accounts/{}/paymentInfo/{}", path_segment(self.account_id), method_id(kind, id))
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

/// Reads `cc-<n>` or `dd-<n>`, spelled as [`method_id`] writes it: `cc-01` is no other name
/// for `cc-1`, and names nothing.
pub fn parse_method_id(text: &str) -> Option<(MethodKind, i64)> {
    let (prefix, number) = text.split_once('-')?;
    let kind = match prefix {
        "cc" => MethodKind::CreditCard,
        "dd" => MethodKind::DirectDebit,
        _ => return None,
    };
    let canonical = number.starts_with(|c: char| matches!(c, '1'..='9')) && number.bytes().all(|b| b.is_ascii_digit());
    if !canonical {
        return None;
    }
    Some((kind, number.parse().ok()?))
}

/// Why a link does not name a payment method of the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// Not spelled as a link to a payment method: another scheme (`javascript:`, `ftp:`), no
    /// host (`//host/…` or `http:///…`), a relative path, a query or fragment, an empty or
    /// dot segment, a character a path does not hold.
    Malformed,
    /// A link, but not to an active method of this account.
    NotThisAccounts,
}

/// The method a link names, when it is one of this account's. A link has one spelling:
/// `http://` or `https://`, a host, and the path; or the path alone. The path is
/// `/accounts/{id}/paymentInfo/{cc-n|dd-n}`, perhaps ending in `/`, perhaps after the path
/// of a `--public-url` (plain segments).
pub fn method_from_link(link: &str, account_id: &str) -> Result<(MethodKind, i64), LinkError> {
    let path = match link.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            let (host, path) = rest.split_at(rest.find('/').ok_or(LinkError::Malformed)?);
            let host_ok = !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_'));
            if !host_ok {
                return Err(LinkError::Malformed);
            }
            path
        }
        Some(_) => return Err(LinkError::Malformed),
        None if link.starts_with('/') => link,
        None => return Err(LinkError::Malformed),
    };
    let path = path.strip_suffix('/').unwrap_or(path);
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    if !segments.iter().all(|segment| is_plain_segment(segment)) {
        return Err(LinkError::Malformed);
    }
    let [.., accounts, account, collection, method] = segments[..] else { return Err(LinkError::NotThisAccounts) };
    let account_matches = account == account_id || account == path_segment(account_id);
    let method = parse_method_id(method).filter(|_| accounts == "accounts" && collection == "paymentInfo");
    method.filter(|_| account_matches).ok_or(LinkError::NotThisAccounts)
}

/// A path segment that is neither empty nor `.` or `..`, of the characters RFC 3986 lets a
/// segment hold unescaped, or percent-escapes.
fn is_plain_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'%' if bytes.get(at + 1..at + 3).is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) => at += 3,
            b if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) => at += 1,
            _ => return false,
        }
    }
    !matches!(segment, "" | "." | "..")
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
        for bad in [
            "cc-",
            "cc-x",
            "xx-1",
            "cc1",
            "cc--1",
            "cc-+1",
            "cc-99999999999999999999",
            "default",
            "cc-01",
            "dd-0001",
            "cc-0",
            "cc-1 ",
            "CC-1",
        ] {
            assert_eq!(parse_method_id(bad), None, "{bad}");
        }
        assert_eq!(path_segment("1001"), "1001");
        assert_eq!(path_segment("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn links_name_methods_of_one_account() {
        let card = Ok((MethodKind::CreditCard, 3));
        assert_eq!(method_from_link("http://h:1/accounts/1001/paymentInfo/cc-3", "1001"), card);
        assert_eq!(method_from_link("HTTPS://h/accounts/1001/paymentInfo/cc-3/", "1001"), card);
        assert_eq!(method_from_link("/accounts/1001/paymentInfo/cc-3/", "1001"), card);
        assert_eq!(method_from_link("https://x/base/accounts/1001/paymentInfo/cc-3", "1001"), card);
        assert_eq!(method_from_link("/base/accounts/1001/paymentInfo/cc-3", "1001"), card);
        assert_eq!(
            method_from_link("http://h/accounts/a%40b/paymentInfo/dd-1", "a@b"),
            Ok((MethodKind::DirectDebit, 1))
        );
        for other in [
            "http://h/accounts/1002/paymentInfo/cc-3",
            "http://h/accounts/1001/payment/cc-3",
            "http://h/users/1001/paymentInfo/cc-3",
            "http://h/accounts/1001/paymentInfo/default",
            "http://h/accounts/1001/paymentInfo/cc-03",
            "/paymentInfo/cc-3",
            "/",
        ] {
            assert_eq!(method_from_link(other, "1001"), Err(LinkError::NotThisAccounts), "{other}");
        }
        for malformed in [
            "cc-3",
            "",
            "not a link",
            "accounts/1001/paymentInfo/cc-3",
            "./accounts/1001/paymentInfo/cc-3",
            "//evil.example/accounts/1001/paymentInfo/cc-3",
            "javascript:alert(1)//accounts/1001/paymentInfo/cc-3",
            "mailto:a@b/accounts/1001/paymentInfo/cc-3",
            "ftp://h/accounts/1001/paymentInfo/cc-3",
            "http:/accounts/1001/paymentInfo/cc-3",
            "http:///accounts/1001/paymentInfo/cc-3",
            "http://user@h/accounts/1001/paymentInfo/cc-3",
            "http://h",
            "http://h/x/../accounts/1001/paymentInfo/cc-3",
            "http://h/./accounts/1001/paymentInfo/cc-3",
            "http://h/accounts//1001/paymentInfo/cc-3",
            "http://h/accounts/1001/paymentInfo/cc-3//",
            "http://h/accounts/1001/paymentInfo/cc-3?x=1",
            "http://h/accounts/1001/paymentInfo/cc-3#top",
            " /accounts/1001/paymentInfo/cc-3",
            "/accounts/1001/paymentInfo/cc-3 ",
            "/accounts/10%1/paymentInfo/cc-3",
        ] {
            assert_eq!(method_from_link(malformed, "1001"), Err(LinkError::Malformed), "{malformed}");
        }
    }
}

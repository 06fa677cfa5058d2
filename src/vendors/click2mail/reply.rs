//! The `<credit>` document every Click2Mail credit endpoint answers with, and the choice
//! between its XML form (the vendor's) and its JSON form (for clients that send
//! `Accept: application/json`).

use axum::extract::Request;
use axum::http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;

use crate::domain::money::Cents;
use crate::http::xml::Xml;

/// Status codes inside the document; the README lists them.
pub const STATUS_SUCCESS: i32 = 0;
pub const STATUS_AUTHENTICATION_FAILED: i32 = 1;
pub const STATUS_NOT_AUTHORIZED: i32 = 2;
pub const STATUS_BAD_REQUEST: i32 = 9;
pub const STATUS_INTERNAL_ERROR: i32 = -1;

/// Where `statusUrl` points, below the base URL.
pub const STATUS_PATH: &str = "/molpro/credit";

/// The document itself. Field order is element order, which clients of the real API rely on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename = "credit", rename_all = "camelCase")]
pub struct Credit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_negative: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    pub status: i32,
    pub description: String,
    /// The parameters a 400 is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameter: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_url: Option<String>,
}

/// A `<credit>` document with its HTTP status.
#[derive(Debug, Clone)]
pub struct CreditReply {
    pub http_status: StatusCode,
    pub credit: Credit,
}

impl CreditReply {
    pub fn purchased(status_url: String) -> CreditReply {
        CreditReply::answer(None, STATUS_SUCCESS, "Success".into(), status_url)
    }

    pub fn balance(balance: Cents, status_url: String) -> CreditReply {
        CreditReply::answer(Some(balance.to_string()), STATUS_SUCCESS, "Success".into(), status_url)
    }

    /// A purchase the card network (here, the test-card table) refused: still a 200.
    pub fn not_authorized(reason: &str, status_url: String) -> CreditReply {
        CreditReply::answer(None, STATUS_NOT_AUTHORIZED, format!("payment not authorized: {reason}"), status_url)
    }

    /// A `<credit>` answer with HTTP 200, whatever its status inside.
    fn answer(balance: Option<String>, status: i32, description: String, status_url: String) -> CreditReply {
        let credit = Credit {
            allow_negative: Some(false),
            balance,
            status,
            description,
            parameter: Vec::new(),
            status_url: Some(status_url),
        };
        CreditReply { http_status: StatusCode::OK, credit }
    }
}

impl IntoResponse for CreditReply {
    /// Renders XML and keeps the document in the response's extensions, so that
    /// [`negotiate`] can render it again as JSON.
    fn into_response(self) -> Response {
        let mut response = (self.http_status, Xml(&self.credit)).into_response();
        if self.credit.status == STATUS_NOT_AUTHORIZED {
            response.extensions_mut().insert(crate::http::outcome::Declined);
        }
        if self.credit.status != STATUS_SUCCESS {
            let mut reason = crate::http::outcome::Reason::of(&self.credit.description);
            if !self.credit.parameter.is_empty() {
                reason.0 = format!("{}: {}", reason.0, self.credit.parameter.join(", "));
            }
            response.extensions_mut().insert(reason);
        }
        response.extensions_mut().insert(self.credit);
        response
    }
}

/// Middleware for every route: a response carrying a [`Credit`] is answered as JSON instead
/// of XML when the client prefers `application/json` to the XML types in its `Accept`
/// header. Other responses pass through untouched.
pub async fn negotiate(request: Request, next: Next) -> Response {
    let wants_json = prefers_json(request.headers());
    let mut response = next.run(request).await;
    let Some(credit) = response.extensions_mut().remove::<Credit>() else {
        return response;
    };
    response.headers_mut().insert(VARY, HeaderValue::from_static("accept"));
    if !wants_json {
        return response;
    }
    let (mut parts, _xml) = response.into_parts();
    let (json_parts, json) = Json(credit).into_response().into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    if let Some(content_type) = json_parts.headers.get(CONTENT_TYPE) {
        parts.headers.insert(CONTENT_TYPE, content_type.clone());
    }
    Response::from_parts(parts, json)
}

/// True when `application/json` is preferred to `application/xml` and `text/xml`: by a
/// higher quality, or at the same quality by coming first. Wildcards count for neither, so
/// `*/*` keeps XML, the vendor's default.
fn prefers_json(headers: &HeaderMap) -> bool {
    // The best range of each kind, with its position in the list.
    type Best = Option<(u16, usize)>;
    let (mut json, mut xml): (Best, Best) = (None, None);
    let better = |best: Best, quality: u16, position: usize| match best {
        Some((q, _)) if q >= quality => best,
        _ => Some((quality, position)),
    };
    let ranges =
        headers.get_all(ACCEPT).iter().filter_map(|value| value.to_str().ok()).flat_map(|value| value.split(','));
    for (position, range) in ranges.enumerate() {
        let mut params = range.split(';');
        let media_type = params.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = params
            .filter_map(|param| param.trim().to_ascii_lowercase().strip_prefix("q=").map(str::to_owned))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
        match media_type.as_str() {
            "application/json" => json = better(json, quality, position),
            "application/xml" | "text/xml" => xml = better(xml, quality, position),
            _ => {}
        }
    }
    match (json, xml) {
        (Some((0, _)), _) | (None, _) => false,
        (Some(_), None) => true,
        (Some((jq, jp)), Some((xq, xp))) => jq > xq || (jq == xq && jp < xp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        prefers_json(&headers)
    }

    #[test]
    fn json_only_when_preferred_over_xml() {
        assert!(!prefers_json(&HeaderMap::new()));
        assert!(accept("application/json"));
        assert!(accept("Application/JSON; charset=utf-8"));
        assert!(accept("application/json, */*"));
        assert!(accept("text/xml;q=0.5, application/json"));
        assert!(accept("text/xml; Q=0.5, application/json"));
        assert!(!accept("*/*"));
        assert!(!accept("application/xml, application/json"));
        assert!(accept("application/json, application/xml"));
        assert!(accept("application/json, text/plain, */*"));
        assert!(!accept("text/xml, application/json;q=1"));
        assert!(!accept("application/xml;q=0.9, application/json;q=0.9"));
        assert!(accept("application/json;q=0.9, text/xml;q=0.9"));
        assert!(!accept("application/json;q=0.5, application/xml"));
        assert!(!accept("application/json;q=0"));
        assert!(!accept("text/html"));
    }
}

//! Request paths as real clients build them. A base URL that ends in `/` joined to a path
//! that starts with one gives `//molpro/credit`; some SDKs end every path in `/`. The vendors'
//! web servers forgive both, so paymock routes the canonical path: repeated slashes count as
//! one, and a vendor path may end in a slash. Replies build their URLs from their own
//! canonical paths, never from the request's.

use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;

/// The path prefixes of the vendor APIs, where a trailing slash is forgiven.
const VENDOR_PREFIXES: [&str; 2] = ["/molpro/", "/accounts/"];

/// `path` with each run of slashes made one, and a trailing slash dropped from a vendor path.
pub fn canonical(path: &str) -> std::borrow::Cow<'_, str> {
    let repeated = path.contains("//");
    let trailing =
        |path: &str| path.len() > 1 && path.ends_with('/') && VENDOR_PREFIXES.iter().any(|p| path.starts_with(p));
    if !repeated && !trailing(path) {
        return std::borrow::Cow::Borrowed(path);
    }
    let mut canonical = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && canonical.ends_with('/')) {
            canonical.push(c);
        }
    }
    if trailing(&canonical) {
        canonical.pop();
    }
    std::borrow::Cow::Owned(canonical)
}

/// Middleware, before routing: gives the request its canonical path, the query kept.
pub async fn canonicalize(mut request: Request) -> Request {
    let path = request.uri().path();
    let std::borrow::Cow::Owned(path) = canonical(path) else { return request };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = PathAndQuery::try_from(path_and_query) {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_slashes_are_one_and_vendor_paths_may_end_in_a_slash() {
        for (given, expected) in [
            ("/molpro/credit", "/molpro/credit"),
            ("/molpro/credit/", "/molpro/credit"),
            ("//molpro/credit", "/molpro/credit"),
            ("/molpro//credit///purchase/", "/molpro/credit/purchase"),
            ("/accounts//1001/paymentInfo/", "/accounts/1001/paymentInfo"),
            ("/accounts/1001/paymentInfo/default/", "/accounts/1001/paymentInfo/default"),
            ("/", "/"),
            ("//", "/"),
            ("/__admin/state/", "/__admin/state/"),
            ("//__admin//state", "/__admin/state"),
        ] {
            assert_eq!(canonical(given), expected, "{given}");
        }
    }
}

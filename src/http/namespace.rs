//! Which namespace a request is for, chosen by its base URL: a vendor path prefixed with
//! `/ns/{name}` (`/ns/worker-3/molpro/credit`), a control-plane path under
//! `/__admin/ns/{name}/…`, or the `X-Paymock-Namespace` header for clients that can set a
//! header but not a base path. Without either, the namespace is `default`.
//!
//! [`select`] runs before routing: it takes the prefix off the path, so every route serves
//! every namespace, and leaves a [`Selection`] in the request's extensions, with the problem
//! when the choice is not valid, for the route's own envelope to answer.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;

use crate::domain::mask::Masked;
use crate::http::path::{VENDOR_PREFIXES, canonical};
use crate::store::DEFAULT;

/// The header that names a namespace.
pub const HEADER: &str = "x-paymock-namespace";

pub use crate::domain::names::{NAMESPACE_RULE as RULE, is_namespace as is_valid};

/// The namespace a request chose.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The namespace, or `default` when the choice was not valid.
    pub name: Arc<str>,
    /// `/ns/{name}` when the path carried it: absolute URLs in replies keep it.
    pub prefix: Option<String>,
    /// Why the choice is not valid, when it is not.
    pub problem: Option<Problem>,
}

impl Selection {
    fn default_namespace() -> Selection {
        Selection { name: DEFAULT.into(), prefix: None, problem: None }
    }
}

/// A namespace that cannot serve the request, with the status and sentence to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    /// A sentence without its final stop; what the client sent is masked.
    pub message: String,
}

impl Problem {
    pub fn bad_name(name: &str) -> Problem {
        let name = Masked::new(name);
        Problem { status: StatusCode::BAD_REQUEST, message: format!("The namespace name '{name}' {RULE}") }
    }

    /// There are as many namespaces as there may be.
    pub fn limit(max: usize) -> Problem {
        Problem {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: format!(
                "There are already {max} namespaces, as many as --max-namespaces allows, so no new one can be made: \
                 drop some with DELETE /__admin/ns/{{name}} or DELETE /__admin/namespaces?idleFor=1h, or start \
                 paymock with a higher --max-namespaces"
            ),
        }
    }
}

/// Middleware, before routing: makes the path canonical (see [`canonical`]), takes a
/// namespace prefix off it, and records the [`Selection`].
pub async fn select(mut request: Request) -> Request {
    let path = canonical(request.uri().path()).into_owned();
    let (selection, path) = choose(&path, header(&request));
    // A vendor path may end in a slash once its prefix is off, too.
    let path = canonical(&path).into_owned();
    if path != request.uri().path() {
        set_path(&mut request, &path);
    }
    request.extensions_mut().insert(selection);
    request
}

/// The header's value: `Some(Err(()))` when it is there but not text.
/// `Err` when it is not text, or is given twice.
fn header(request: &Request) -> Option<Result<String, ()>> {
    let mut values = request.headers().get_all(HEADER).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return Some(Err(()));
    }
    Some(value.to_str().map(|text| text.trim().to_owned()).map_err(|_| ()))
}

/// The selection `path` and `header` make, and the path to route.
fn choose(path: &str, header: Option<Result<String, ()>>) -> (Selection, String) {
    let (from_path, routed) = match prefixed(path) {
        Some((name, rest)) => (Some(name.to_owned()), rest),
        None => (None, path.to_owned()),
    };
    let mut selection = Selection::default_namespace();
    if let Some(name) = &from_path
        && !routed.starts_with("/__admin")
    {
        selection.prefix = Some(format!("/ns/{name}"));
    }
    let header = match header {
        Some(Ok(name)) => Some(name),
        Some(Err(())) => {
            selection.problem = Some(Problem {
                status: StatusCode::BAD_REQUEST,
                message: "The X-Paymock-Namespace header must be given once, as text".into(),
            });
            return (selection, routed);
        }
        None => None,
    };
    let chosen = match (from_path, header) {
        (Some(path_name), Some(header_name)) if path_name != header_name => {
            selection.problem = Some(Problem {
                status: StatusCode::BAD_REQUEST,
                message: format!(
                    "The path names the namespace '{}' but the X-Paymock-Namespace header names '{}': send one of \
                     them, or the same name in both",
                    Masked::new(&path_name),
                    Masked::new(&header_name)
                ),
            });
            return (selection, routed);
        }
        (Some(name), _) | (None, Some(name)) => name,
        (None, None) => return (selection, routed),
    };
    if is_valid(&chosen) {
        selection.name = chosen.into();
    } else {
        selection.problem = Some(Problem::bad_name(&chosen));
        selection.prefix = None;
    }
    (selection, routed)
}

/// `(name, path without the prefix)` for `/ns/{name}/<vendor path>` and
/// `/__admin/ns/{name}/<control-plane route>`. The name is as written, valid or not.
fn prefixed(path: &str) -> Option<(&str, String)> {
    if let Some(rest) = path.strip_prefix("/ns/") {
        let (name, rest) = rest.split_once('/')?;
        let rest = format!("/{rest}");
        let vendor =
            VENDOR_PREFIXES.iter().any(|prefix| rest.starts_with(prefix) || rest == prefix[..prefix.len() - 1]);
        return vendor.then_some((name, rest));
    }
    let rest = path.strip_prefix("/__admin/ns/")?;
    let (name, rest) = rest.split_once('/')?;
    let whole_server = WHOLE_SERVER_ROUTES.iter().any(|route| rest == *route || rest.starts_with(&format!("{route}/")));
    (!whole_server).then(|| (name, format!("/__admin/{rest}")))
}

/// The control-plane routes that are not about one namespace: under `/__admin/ns/{name}/` they
/// are no route at all.
const WHOLE_SERVER_ROUTES: [&str; 8] =
    ["health", "openapi.json", "namespaces", "ns", "export", "import", "events", "ui"];

fn set_path(request: &mut Request, path: &str) {
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = PathAndQuery::try_from(path_and_query) {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(path: &str, header: Option<&str>) -> (String, Option<String>, Option<StatusCode>, String) {
        let (selection, routed) = choose(path, header.map(|name| Ok(name.to_owned())));
        (selection.name.to_string(), selection.prefix, selection.problem.map(|problem| problem.status), routed)
    }

    #[test]
    fn the_prefix_or_the_header_chooses_the_namespace() {
        let ns = |name: &str| Some(format!("/ns/{name}"));
        assert_eq!(chosen("/molpro/credit", None), ("default".into(), None, None, "/molpro/credit".into()));
        assert_eq!(chosen("/ns/w-3/molpro/credit", None), ("w-3".into(), ns("w-3"), None, "/molpro/credit".into()));
        assert_eq!(
            chosen("/ns/a/accounts/1001/paymentInfo", Some("a")),
            ("a".into(), ns("a"), None, "/accounts/1001/paymentInfo".into())
        );
        assert_eq!(chosen("/molpro/credit", Some("b")), ("b".into(), None, None, "/molpro/credit".into()));
        assert_eq!(chosen("/__admin/ns/c/state", None), ("c".into(), None, None, "/__admin/state".into()));
        assert_eq!(chosen("/__admin/state", Some("d")), ("d".into(), None, None, "/__admin/state".into()));
        // Not a vendor path below the prefix, nor a route below the control plane's: left alone.
        assert_eq!(chosen("/ns/a/elsewhere", None), ("default".into(), None, None, "/ns/a/elsewhere".into()));
        assert_eq!(chosen("/__admin/ns/a", None), ("default".into(), None, None, "/__admin/ns/a".into()));
        // The routes about the whole server are not about one namespace.
        for whole in ["/__admin/ns/a/namespaces", "/__admin/ns/a/ns/b", "/__admin/ns/a/export", "/__admin/ns/a/health"]
        {
            assert_eq!(chosen(whole, None), ("default".into(), None, None, whole.into()));
        }
    }

    #[test]
    fn bad_names_and_disagreements_are_problems() {
        let bad = Some(StatusCode::BAD_REQUEST);
        assert_eq!(chosen("/ns/a/molpro/credit", Some("b")).2, bad);
        assert_eq!(chosen("/ns/../molpro/credit", None).2, bad);
        assert_eq!(chosen("/ns/a%20b/molpro/credit", None).2, bad);
        assert_eq!(chosen("/molpro/credit", Some("a b")).2, bad);
        assert_eq!(chosen(&format!("/ns/{}/molpro/credit", "a".repeat(65)), None).2, bad);
        assert_eq!(chosen(&format!("/ns/{}/molpro/credit", "a".repeat(64)), None).2, None);
        for good in ["a", "A.b_c-1", "...", "x".repeat(64).as_str()] {
            assert!(is_valid(good), "{good}");
        }
        for bad in ["", ".", "..", "a b", "a@b", "a/b", "é"] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}

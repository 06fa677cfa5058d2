//! The dashboard at `/__admin/ui/`: every namespace's state and traffic, live, with the
//! controls of the control plane, in a browser.
//!
//! It is plain modern JavaScript (three ES modules) and one stylesheet, embedded in the
//! binary: no build step, so building paymock needs no Node toolchain, and no library to
//! vendor, since a page that draws a few tables from JSON is smaller without one. It fetches
//! nothing from another host.
//!
//! The page and its assets hold no data and need no token; everything it shows it reads
//! through the control plane, which does. With `--admin-token` the page says so, asks for the
//! token once, and keeps it for the tab (session storage). It stays live through
//! `GET /__admin/events` ([`crate::sandbox::events`]) and never polls.
//!
//! Every answer carries a Content-Security-Policy that allows only this server's own scripts,
//! styles and connections, with no inline script and no framing.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;

/// Where the dashboard lives.
pub const PATH: &str = "/__admin/ui/";

const INDEX: &str = include_str!("assets/index.html");

/// The assets besides the page, by file name, with their types.
const ASSETS: [(&str, &str, &str); 4] = [
    ("app.js", "text/javascript; charset=utf-8", include_str!("assets/app.js")),
    ("api.js", "text/javascript; charset=utf-8", include_str!("assets/api.js")),
    ("views.js", "text/javascript; charset=utf-8", include_str!("assets/views.js")),
    ("style.css", "text/css; charset=utf-8", include_str!("assets/style.css")),
];

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                      img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `GET /__admin`, `/__admin/` and `/__admin/ui`: to the dashboard.
pub async fn to_dashboard() -> Redirect {
    Redirect::to(PATH)
}

/// `GET /__admin/ui/`: the page, which knows whether it must ask for the token.
pub async fn page(State(state): State<AppState>) -> Response {
    let page = if state.admin_token.is_some() {
        INDEX.replacen("<body>", r#"<body data-token="required">"#, 1)
    } else {
        INDEX.to_owned()
    };
    secured("text/html; charset=utf-8", page)
}

/// `GET /__admin/ui/{file}`: one of the page's scripts or its stylesheet.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => secured(content_type, *body),
        None => {
            let mut response = secured("text/plain; charset=utf-8", "no such file");
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    }
}

/// The assets' total size, in bytes.
pub fn assets_size() -> usize {
    INDEX.len() + ASSETS.iter().map(|(_, _, body)| body.len()).sum::<usize>()
}

fn secured(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY")),
        (HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer")),
        // The assets change with the binary: always asked again, answered from memory.
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, body.into()).into_response()
}

//! Drives the real router in memory: a fresh in-memory database with the default fixtures
//! per test, and a clock frozen at a known instant.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use paymock::sandbox::fixtures::Fixtures;
use paymock::sandbox::namespaces::Namespaces;
use paymock::store::Database;
use paymock::store::Store;
use paymock::store::{DEFAULT_MAX_NAMESPACES, Template};
use paymock::{AppState, app};
use tower::ServiceExt;

pub const USERNAME: &str = "awesomeuser";
pub const PASSWORD: &str = "gReAt/PaSsWoRd123";
/// The Host header every request carries, so `statusUrl` is predictable.
pub const HOST: &str = "paymock.test:8080";
pub const STATUS_URL: &str = "http://paymock.test:8080/molpro/credit";
/// Where the frozen clock stands unless a test sets it.
pub const NOW: &str = "2026-11-22T12:00:00Z";

pub const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// The vendor's example purchase: $10 on the staging test card, expiring 12/2030.
pub const VENDOR_EXAMPLE: [(&str, &str); 11] = [
    ("billingName", "Awesome User"),
    ("billingAddress1", "221B Baker St"),
    ("billingCity", "Springfield"),
    ("billingState", "MO"),
    ("billingZip", "34567"),
    ("billingAmount", "10"),
    ("billingNumber", "4111111111111111"),
    ("billingMonth", "12"),
    ("billingYear", "2030"),
    ("billingCvv", "123"),
    ("billingCcType", "VI"),
];

pub struct TestApp {
    router: Router,
    pub state: AppState,
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_fixtures(Fixtures::builtin().expect("built-in fixtures")).await
    }

    pub async fn with_fixtures(fixtures: Fixtures) -> TestApp {
        TestApp::on(&Database::Memory, fixtures).await
    }

    /// A sandbox on the given database, loading the fixtures if it is new.
    pub async fn on(database: &Database, fixtures: Fixtures) -> TestApp {
        TestApp::limited(database, fixtures, DEFAULT_MAX_NAMESPACES).await
    }

    /// A sandbox that holds at most `max_namespaces`, as if started with `--max-namespaces`.
    pub async fn limited(database: &Database, fixtures: Fixtures, max_namespaces: usize) -> TestApp {
        let fixtures = Arc::new(fixtures);
        let template = Template { fixtures: Arc::clone(&fixtures), max_namespaces };
        let store = Store::open(database, template).await.expect("store opens");
        store.load_fixtures(paymock::store::FixtureLoad::IfNew).await.expect("fixtures load");
        let state = AppState {
            namespaces: Arc::new(Namespaces::new(store.clone(), 100, Some(instant(NOW)))),
            store,
            fixtures,
            public_url: None,
            admin_token: None,
            read_timeout: Duration::from_secs(10),
            access_log: true,
            fault_headers: true,
        };
        TestApp { router: app(state.clone()), state }
    }

    /// The same sandbox, as if started with `--public-url url`.
    pub fn with_public_url(mut self, url: &str) -> TestApp {
        self.state.public_url = Some(Arc::from(url));
        self.router = app(self.state.clone());
        self
    }

    /// The same sandbox, with a journal of `size` entries.
    pub fn with_journal_size(mut self, size: usize) -> TestApp {
        self.state.namespaces = Arc::new(Namespaces::new(self.state.store.clone(), size, Some(instant(NOW))));
        self.router = app(self.state.clone());
        self
    }

    /// The same sandbox, with journals that keep `bytes` together.
    pub fn with_journal_memory(mut self, bytes: usize) -> TestApp {
        self.state.namespaces =
            Arc::new(Namespaces::new(self.state.store.clone(), 100, Some(instant(NOW))).journal_memory(bytes));
        self.router = app(self.state.clone());
        self
    }

    /// The same sandbox, as if started with `--admin-token token`.
    pub fn with_admin_token(mut self, token: &str) -> TestApp {
        self.state.admin_token = Some(Arc::from(token));
        self.router = app(self.state.clone());
        self
    }

    /// The same sandbox, as if started with `--fault-headers on` or `off`.
    pub fn with_fault_headers(mut self, on: bool) -> TestApp {
        self.state.fault_headers = on;
        self.router = app(self.state.clone());
        self
    }

    /// The same sandbox, as if started with `--read-timeout`.
    pub fn with_read_timeout(mut self, timeout: Duration) -> TestApp {
        self.state.read_timeout = timeout;
        self.router = app(self.state.clone());
        self
    }

    /// Serves this sandbox on a loopback port, as the binary does, until the [`Served`] is
    /// dropped.
    pub async fn serve(&self) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(paymock::serve(listener, self.state.clone(), async move {
            let _ = stopped.await;
        }));
        Served { address, _stop: stop }
    }

    /// The `default` namespace: its store, clock, journal and faults.
    pub fn default_namespace(&self) -> std::sync::Arc<paymock::sandbox::namespaces::Namespace> {
        self.state.namespaces.in_memory("default")
    }

    pub fn freeze_clock(&self, now: &str) {
        self.state.namespaces.in_memory("default").clock.freeze(instant(now));
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = String::from_utf8(bytes.to_vec()).expect("UTF-8 body");
        Reply { status, headers, body }
    }

    /// The status and headers of the answer, its body left unread: for a stream.
    pub async fn head_of(&self, request: Request<Body>) -> (StatusCode, HeaderMap) {
        let response = self.router.clone().oneshot(request).await.expect("the router never fails");
        (response.status(), response.headers().clone())
    }

    /// POSTs the parameters as a form body, authenticated as the fixture user.
    pub async fn purchase(&self, params: &[(&str, &str)]) -> Reply {
        self.send(purchase_post().header(header::AUTHORIZATION, basic(USERNAME, PASSWORD)).body(form(params)).unwrap())
            .await
    }

    /// The fixture user's balance as `GET /molpro/credit` reports it.
    pub async fn balance(&self) -> String {
        let reply = self
            .send(
                get("/molpro/credit")
                    .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let balance = reply.body.split("<balance>").nth(1).and_then(|rest| rest.split("</balance>").next());
        balance.expect("a <balance> element").to_owned()
    }
}

/// A sandbox listening on a real socket; it stops accepting when this is dropped.
pub struct Served {
    pub address: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |value| value.to_str().expect("ASCII header"))
    }
}

pub fn instant(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("RFC 3339").with_timezone(&Utc)
}

pub fn basic(username: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}")))
}

pub fn get(path: &str) -> axum::http::request::Builder {
    Request::get(path).header(header::HOST, HOST)
}

/// A POST to the purchase endpoint with a form content type; the caller adds auth and body.
pub fn purchase_post() -> axum::http::request::Builder {
    Request::post("/molpro/credit/purchase")
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

/// An authenticated POST to the purchase endpoint with `params` in its query string; the
/// caller adds the body.
pub fn purchase_post_with_query(params: &[(&str, &str)]) -> axum::http::request::Builder {
    let query = serde_urlencoded::to_string(params).expect("query encoding");
    purchase_post()
        .uri(format!("/molpro/credit/purchase?{query}"))
        .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
}

pub fn form(params: &[(&str, &str)]) -> Body {
    Body::from(serde_urlencoded::to_string(params).expect("form encoding"))
}

/// The vendor example with one parameter's value replaced.
pub fn example_with(name: &str, value: &'static str) -> Vec<(&'static str, &'static str)> {
    VENDOR_EXAMPLE.iter().map(|&(key, old)| (key, if key == name { value } else { old })).collect()
}

/// The vendor example with several parameters' values replaced.
pub fn example_with_all(changes: &[(&str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    VENDOR_EXAMPLE
        .iter()
        .map(|&(key, old)| (key, changes.iter().find(|(name, _)| *name == key).map_or(old, |(_, new)| *new)))
        .collect()
}

/// The vendor example without one parameter.
pub fn example_without(name: &str) -> Vec<(&'static str, &'static str)> {
    VENDOR_EXAMPLE.iter().copied().filter(|(key, _)| *key != name).collect()
}

/// The documented success body, byte for byte.
pub fn success_xml() -> String {
    format!(
        "{XML_DECLARATION}<credit><allowNegative>false</allowNegative><status>0</status>\
         <description>Success</description><statusUrl>{STATUS_URL}</statusUrl></credit>"
    )
}

pub fn balance_xml(balance: &str) -> String {
    format!(
        "{XML_DECLARATION}<credit><allowNegative>false</allowNegative><balance>{balance}</balance><status>0</status>\
         <description>Success</description><statusUrl>{STATUS_URL}</statusUrl></credit>"
    )
}

/// A purchase the card rules refused: HTTP 200, status 2.
pub fn not_authorized_xml(reason: &str) -> String {
    format!(
        "{XML_DECLARATION}<credit><allowNegative>false</allowNegative><status>2</status>\
         <description>payment not authorized: {reason}</description><statusUrl>{STATUS_URL}</statusUrl></credit>"
    )
}

/// A 4xx `<credit>` error with its status code, description and the parameters it names.
pub fn error_xml(status: i32, description: &str, parameters: &[&str]) -> String {
    let parameters: String = parameters.iter().map(|name| format!("<parameter>{name}</parameter>")).collect();
    format!(
        "{XML_DECLARATION}<credit><status>{status}</status><description>{description}</description>{parameters}</credit>"
    )
}

//! Fault injection, so that clients' retry and timeout paths can be tested: rules set through
//! the control plane, and per-request headers (`X-Paymock-Delay: <ms>`,
//! `X-Paymock-Fault: <status>|reset|empty`). A fault delays the answer, replaces it with a
//! status in the vendor's own envelope (or a given body), or drops the connection.
//!
//! The headers need no admin token: they change only the request that carries them, so a
//! client can only hurt itself, and test suites send them without one. `--fault-headers off`
//! ignores them, and the request is served as if it had none.
//!
//! An injected answer is one the vendor could have given: a given body is labelled as what it
//! is (JSON, XML, or text, unless the rule names a `contentType`), and a 401 carries the
//! vendor's `WWW-Authenticate` challenge, as its clients expect.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::AppState;
use crate::http::auth::BasicCredentials;
use crate::http::connection::{ConnectionHandle, Drop};
use crate::http::glob::glob_matches;
use crate::http::outcome::FaultDone;
use crate::sandbox::events::Change;
use crate::sandbox::namespaces::{self, Unavailable};
use crate::vendors::Vendor;

/// The longest delay a fault may ask for.
pub const MAX_DELAY_MS: u64 = 60_000;

/// The statuses a fault may answer with: informational ones would change the protocol.
pub const STATUSES: std::ops::RangeInclusive<u16> = 200..=599;

/// Marks the response to a request whose connection a fault dropped: the client never got
/// it, and the journal says so.
#[derive(Debug, Clone, Copy)]
pub struct Dropped(pub DropKind);

/// Marks a response whose status a fault chose: not the server's own failure, so a 5xx of
/// this kind is not logged as an error.
#[derive(Debug, Clone, Copy)]
pub struct Injected;

/// Which requests a rule applies to; every field that is set must match.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Match {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A glob: `*` matches any run of characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// What a fault does: wait, then answer with a status, or drop the connection.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The `Content-Type` of `body`; told from the body itself when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop: Option<DropKind>,
}

/// `type/subtype`, perhaps with parameters, fit to be a header value.
pub(crate) fn is_media_type(text: &str) -> bool {
    let media_type = crate::http::request_body::media_type(text);
    let token =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    let shaped = media_type.split_once('/').is_some_and(|(kind, subtype)| token(kind) && token(subtype));
    shaped && HeaderValue::from_str(text).is_ok()
}

/// The statuses whose answers carry no body, so that a fault cannot give them one.
pub const BODILESS: [u16; 2] = [204, 304];

/// The `Content-Type` of a fault's own body: JSON when it parses as JSON, XML when it starts
/// with `<`, text otherwise.
pub fn content_type_of(body: &str) -> &'static str {
    if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() {
        "application/json"
    } else if body.trim_start().starts_with('<') {
        "application/xml"
    } else {
        "text/plain; charset=utf-8"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DropKind {
    Reset,
    Empty,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: u64,
    #[serde(rename = "match")]
    pub matches: Match,
    pub action: Action,
    /// How many more requests it applies to; `None` for every one.
    pub times: Option<u32>,
    /// How many requests it has decided so far.
    pub hits: u64,
}

#[derive(Debug, Default)]
pub struct Faults {
    next_id: AtomicU64,
    rules: Mutex<Vec<Rule>>,
}

impl Faults {
    fn rules(&self) -> std::sync::MutexGuard<'_, Vec<Rule>> {
        // Rules are plain values; a poisoned lock still holds usable ones.
        self.rules.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a rule and returns its id.
    pub fn add(&self, matches: Match, action: Action, times: Option<u32>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.rules().push(Rule { id, matches, action, times, hits: 0 });
        id
    }

    pub fn list(&self) -> Vec<Rule> {
        self.rules().clone()
    }

    /// Removes one rule; false when there is none with that id.
    pub fn remove(&self, id: u64) -> bool {
        let mut rules = self.rules();
        let before = rules.len();
        rules.retain(|rule| rule.id != id);
        rules.len() != before
    }

    pub fn clear(&self) {
        self.rules().clear();
    }

    pub fn is_empty(&self) -> bool {
        self.rules().is_empty()
    }

    /// The first rule that matches, by id, with what it does; one whose times are used up is
    /// removed.
    fn take(&self, method: &str, path: &str, user: Option<&str>) -> Option<(u64, Action)> {
        let mut rules = self.rules();
        let at = rules.iter().position(|rule| {
            let matches = &rule.matches;
            matches.method.as_ref().is_none_or(|wanted| wanted.eq_ignore_ascii_case(method))
                && matches.path.as_ref().is_none_or(|pattern| glob_matches(pattern, path))
                && matches.user.as_ref().is_none_or(|wanted| Some(wanted.as_str()) == user)
        })?;
        rules[at].hits += 1;
        let action = (rules[at].id, rules[at].action.clone());
        if let Some(times) = &mut rules[at].times {
            *times -= 1;
            if *times == 0 {
                rules.remove(at);
            }
        }
        Some(action)
    }
}

/// The action the request's own headers ask for, if any.
fn header_action(request: &Request) -> Result<Option<Action>, String> {
    for name in ["X-Paymock-Delay", "X-Paymock-Fault"] {
        if request.headers().get_all(name).iter().count() > 1 {
            return Err(format!("{name} is given more than once; give it once"));
        }
    }
    let header = |name: &str| request.headers().get(name).map(|value| value.to_str().unwrap_or("").trim().to_owned());
    let mut action = Action::default();
    if let Some(delay) = header("x-paymock-delay") {
        let delay = delay.parse::<u64>().ok().filter(|delay| *delay <= MAX_DELAY_MS);
        action.delay_ms = Some(delay.ok_or(format!("X-Paymock-Delay must be milliseconds from 0 to {MAX_DELAY_MS}"))?);
    }
    if let Some(fault) = header("x-paymock-fault") {
        match fault.to_ascii_lowercase().as_str() {
            "reset" => action.drop = Some(DropKind::Reset),
            "empty" => action.drop = Some(DropKind::Empty),
            status => {
                let status = status.parse::<u16>().ok().filter(|status| STATUSES.contains(status));
                action.status =
                    Some(status.ok_or("X-Paymock-Fault must be an HTTP status from 200 to 599, reset or empty")?);
            }
        }
    }
    let asked = action.delay_ms.is_some() || action.status.is_some() || action.drop.is_some();
    Ok(asked.then_some(action))
}

/// Middleware on the vendor APIs: applies the request's fault headers (unless
/// `--fault-headers off`), or else the first matching rule.
pub async fn inject(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let vendor = Vendor::of_path(&path);
    if vendor == Vendor::Sandbox {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let namespace = match namespaces::resolve(&mut parts, &state).await {
        Ok(namespace) => namespace,
        Err(Unavailable(problem)) => return vendor.error(problem),
    };
    let request = Request::from_parts(parts, body);
    let asked_by_headers = if state.fault_headers {
        header_action(&request)
    } else {
        if request.headers().contains_key("x-paymock-delay") || request.headers().contains_key("x-paymock-fault") {
            tracing::debug!("X-Paymock-* headers ignored: --fault-headers is off");
        }
        Ok(None)
    };
    let action = match asked_by_headers {
        Ok(Some(action)) => Some(("the X-Paymock-* headers".to_owned(), action)),
        // Most requests meet no rule at all; they skip decoding the credentials.
        Ok(None) if namespace.faults.is_empty() => None,
        Ok(None) => {
            let user = BasicCredentials::from_headers(request.headers()).ok().map(|credentials| credentials.username);
            let taken = namespace.faults.take(request.method().as_str(), &path, user.as_deref());
            if taken.is_some() {
                namespace.tell(Change::Faults);
            }
            taken.map(|(id, action)| (format!("fault rule {id}"), action))
        }
        Err(reason) => return vendor.reply(StatusCode::BAD_REQUEST, &reason),
    };
    let Some((by, action)) = action else {
        return next.run(request).await;
    };
    if let Some(delay) = action.delay_ms {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let decided = |what: String| FaultDone(format!("{by}: {what}"));
    if let Some(drop) = action.drop {
        let connection = request.extensions().get::<ConnectInfo<ConnectionHandle>>();
        if let Some(ConnectInfo(connection)) = connection {
            connection.drop_connection(if drop == DropKind::Reset { Drop::Reset } else { Drop::Empty });
        }
        // Never written when the connection is dropped; seen only without a real connection.
        let mut response = vendor.reply(StatusCode::BAD_GATEWAY, "The connection was dropped by a fault");
        response.extensions_mut().insert(Dropped(drop));
        let how = if drop == DropKind::Reset { "reset" } else { "closed without a byte" };
        response.extensions_mut().insert(decided(format!("dropped the connection ({how})")));
        return response;
    }
    let with_body = if action.body.is_some() { " with its body" } else { "" };
    let mut response = match (action.status.and_then(|status| StatusCode::from_u16(status).ok()), action.body) {
        // These statuses carry no body; a rule cannot give them one.
        (Some(status @ (StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)), _) => status.into_response(),
        (Some(status), Some(body)) => {
            let content_type = match &action.content_type {
                Some(given) => HeaderValue::from_str(given).ok(),
                None => None,
            };
            let content_type = content_type.unwrap_or_else(|| HeaderValue::from_static(content_type_of(&body)));
            let mut response = (status, body).into_response();
            response.headers_mut().insert(CONTENT_TYPE, content_type);
            response
        }
        (Some(status), None) => vendor.reply(status, &format!("Fault injected by paymock: HTTP {}", status.as_u16())),
        (None, _) => {
            // Only delayed: what the API answered decides, after the wait.
            let mut response = next.run(request).await;
            response.extensions_mut().insert(decided(format!("delayed it {} ms", action.delay_ms.unwrap_or(0))));
            return response;
        }
    };
    let answered = format!("answered {}{with_body}", response.status().as_u16());
    if response.status() == StatusCode::UNAUTHORIZED
        && let Some(challenge) = vendor.challenge()
    {
        response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
    }
    response.extensions_mut().insert(Injected);
    response.extensions_mut().insert(decided(answered));
    response
}

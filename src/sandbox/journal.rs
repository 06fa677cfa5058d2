//! The request journal: every request to the vendor APIs with its answer, so that a test can
//! check what its client sent. Each namespace has its own, held in memory, newest last, at
//! most `--journal-size` entries (the oldest are dropped), each body cut to
//! [`BODY_KEPT_BYTES`]; all of them together keep at most `--journal-memory` ([`Journals`]).
//! Entry ids are one sequence across namespaces, so that the journals of all of them read as
//! one. Card numbers and CVVs are masked before anything is kept.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, PROXY_AUTHORIZATION, SET_COOKIE};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use encoding_rs::{Encoding, UTF_8};
use serde::Serialize;
use serde_json::Value;

use crate::AppState;
use crate::domain::mask::{Masked, NUMBER_FIELDS, is_cvv_field, mask_card_numbers, mask_digit_runs, mask_number_field};
use crate::http::auth::BasicCredentials;
use crate::http::form::{self, decode_multipart, percent_decode};
use crate::http::glob::glob_matches;
use crate::http::outcome::{Declined, FaultDone, Reason};
use crate::http::request_body::media_type;
use crate::sandbox::events::Change;
use crate::sandbox::faults::{DropKind, Dropped, Injected};
use crate::sandbox::namespaces::{self, Namespace};
use crate::vendors::Vendor;

/// How much of each request and response body an entry keeps.
pub const BODY_KEPT_BYTES: usize = 2048;

/// How much memory the journals of all namespaces take together, unless told otherwise:
/// about 13 000 entries of a purchase.
pub const DEFAULT_JOURNAL_MEMORY: usize = 16 << 20;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: u64,
    /// The namespace the request was for; `default` when the one it named could not serve it.
    pub namespace: Arc<str>,
    /// The sandbox clock's time when the request arrived, given as `time`: RFC 3339 in UTC,
    /// to the millisecond.
    #[serde(rename = "time", serialize_with = "journal_time")]
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The Basic username sent, masked as any text is: a username may be a card number.
    pub user: Option<String>,
    /// 0 when a fault dropped the connection.
    pub status: u16,
    /// How a fault dropped the connection, if it did: `reset` or `empty`.
    pub dropped: Option<DropKind>,
    /// What became of the request, in one word: see [`Outcome`].
    pub outcome: Outcome,
    /// What decided it, in a sentence: `declined: payment not authorized: …`,
    /// `409: Payment info already exists …`, `fault rule 3: dropped the connection (reset)`.
    /// Masked like every echo of client input.
    pub reason: String,
    pub duration_ms: f64,
    /// The request's headers, in the order sent.
    pub request_headers: Headers,
    pub request_body: String,
    /// The response's headers as the client got them, but for the `X-Paymock-Version` every
    /// answer carries; none when nothing was sent.
    pub response_headers: Headers,
    pub response_body: String,
}

/// An entry's time as the journal gives it: RFC 3339 in UTC, to the millisecond.
pub(crate) fn journal_time<S: serde::Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Headers as an entry keeps them, given as `[name, value]` pairs in the order sent:
/// credentials, cookies and CVVs replaced by `***` (an `Authorization` header keeps its
/// scheme), card numbers masked. They are one buffer, each name and each value ended by a
/// NUL, which no header holds: a request's headers cost one allocation, not two each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Box<str>);

impl Headers {
    /// The `(name, value)` pairs, in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut fields = self.0.split_terminator('\0');
        std::iter::from_fn(move || Some((fields.next()?, fields.next().unwrap_or_default())))
    }

    /// The first value of the header `name`, in any case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(sent, _)| sent.eq_ignore_ascii_case(name)).map(|(_, value)| value)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> FromIterator<(&'a str, &'a str)> for Headers {
    fn from_iter<T: IntoIterator<Item = (&'a str, &'a str)>>(pairs: T) -> Headers {
        let mut buffer = String::new();
        for (name, value) in pairs {
            for field in [name, value] {
                // Not sent by any client, but no text may end a field early.
                buffer.extend(field.chars().map(|c| if c == '\0' { char::REPLACEMENT_CHARACTER } else { c }));
                buffer.push('\0');
            }
        }
        Headers(buffer.into_boxed_str())
    }
}

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl Entry {
    /// What it takes in memory, near enough: itself, its texts, and where its journal and
    /// [`Held`] keep it, each allocation counted [`ALLOCATION_BYTES`] more than it asked for.
    fn bytes(&self) -> usize {
        let Entry {
            method,
            path,
            query,
            user,
            reason,
            request_headers,
            request_body,
            response_headers,
            response_body,
            ..
        } = self;
        let texts = [method, path, reason, request_body, response_body].into_iter().chain(query).chain(user);
        let texts = texts.map(String::as_str).chain([&*request_headers.0, &*response_headers.0]);
        let texts: usize = texts.filter(|text| !text.is_empty()).map(|text| text.len() + ALLOCATION_BYTES).sum();
        // The entry behind its `Arc`, its place in its journal, and its place in `Held`.
        let places = std::mem::size_of::<Entry>() + 16 + 8 + 32 + ALLOCATION_BYTES;
        texts + places
    }

    /// Gives back the spare capacity of its texts: an entry is kept long.
    fn shrink(&mut self) {
        let Entry { method, path, query, user, reason, request_body, response_body, .. } = self;
        for text in [method, path, reason, request_body, response_body].into_iter().chain(query).chain(user) {
            text.shrink_to_fit();
        }
    }
}

/// What became of a request, as the journal's `outcome` says it and filters on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered with success (2xx, 3xx).
    Ok,
    /// The card rules declined the payment.
    Declined,
    /// Refused as malformed or unacceptable: 400, 405, 408, 413, 414, 415, 431.
    Invalid,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    /// A fault rule or header chose the status.
    Fault,
    /// A fault dropped the connection: no response was sent.
    Dropped,
    /// The client went away before it was answered, during an injected delay or otherwise.
    Abandoned,
    /// A 5xx of the sandbox's own.
    Error,
}

impl Outcome {
    pub const NAMES: [&str; 11] = [
        "ok",
        "declined",
        "invalid",
        "unauthorized",
        "forbidden",
        "not_found",
        "conflict",
        "fault",
        "dropped",
        "abandoned",
        "error",
    ];

    pub fn parse(name: &str) -> Option<Outcome> {
        let all = [
            Outcome::Ok,
            Outcome::Declined,
            Outcome::Invalid,
            Outcome::Unauthorized,
            Outcome::Forbidden,
            Outcome::NotFound,
            Outcome::Conflict,
            Outcome::Fault,
            Outcome::Dropped,
            Outcome::Abandoned,
            Outcome::Error,
        ];
        Outcome::NAMES.iter().position(|known| *known == name).map(|at| all[at])
    }

    fn of(response: &axum::http::response::Parts) -> Outcome {
        if response.extensions.get::<Dropped>().is_some() {
            return Outcome::Dropped;
        }
        if response.extensions.get::<Injected>().is_some() {
            return Outcome::Fault;
        }
        if response.extensions.get::<Declined>().is_some() {
            return Outcome::Declined;
        }
        match response.status.as_u16() {
            0..=399 => Outcome::Ok,
            401 => Outcome::Unauthorized,
            403 => Outcome::Forbidden,
            404 => Outcome::NotFound,
            409 => Outcome::Conflict,
            500.. => Outcome::Error,
            _ => Outcome::Invalid,
        }
    }
}

/// Which entries a query wants; every field that is set must match.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub method: Option<String>,
    /// A glob: `*` matches any run of characters.
    pub path: Option<String>,
    /// As the client sent it or as the journal shows it: it is masked before it is compared.
    pub user: Option<String>,
    pub status: Option<u16>,
    pub since: Option<DateTime<Utc>>,
    /// Entries journaled after the one with this id.
    pub after: Option<u64>,
    pub outcome: Option<Outcome>,
}

impl Filter {
    fn matches(&self, entry: &Entry) -> bool {
        self.method.as_ref().is_none_or(|method| method.eq_ignore_ascii_case(&entry.method))
            && self.path.as_ref().is_none_or(|pattern| glob_matches(pattern, &entry.path))
            && self.user.as_deref().is_none_or(|user| entry.user.as_deref() == Some(Masked::new(user).as_str()))
            && self.status.is_none_or(|status| status == entry.status)
            && self.since.is_none_or(|since| entry.at >= since)
            && self.after.is_none_or(|after| entry.id > after)
            && self.outcome.is_none_or(|outcome| outcome == entry.outcome)
    }
}

/// What the journals of one server share: one sequence of entry ids, so that the entries of
/// all of them sort as one, and one memory budget for all their entries. Past the budget the
/// oldest entries go first, whichever journal holds them, so that many namespaces cannot
/// make the journals grow without end.
#[derive(Debug)]
pub struct Journals {
    budget: usize,
    held: Mutex<Held>,
}

/// What the allocator adds to an allocation, on average: the rounding up to its size class,
/// and its own bookkeeping. With it, what [`Entry::bytes`] counts is within a tenth of what a
/// server's resident memory grows by per entry.
const ALLOCATION_BYTES: usize = 32;

/// The entries held by every journal, under one lock: it is taken before a journal's own.
#[derive(Debug)]
struct Held {
    next_id: u64,
    /// What the entries take in memory, as [`Entry::bytes`] counts it.
    bytes: usize,
    /// Where each entry is held, by id: oldest first.
    journals: BTreeMap<u64, Weak<Mutex<VecDeque<Arc<Entry>>>>>,
}

impl Held {
    fn forget(&mut self, entry: &Entry) {
        self.bytes -= entry.bytes();
        self.journals.remove(&entry.id);
    }
}

impl Journals {
    /// Journals whose entries take at most `budget` bytes together.
    pub fn with_budget(budget: usize) -> Arc<Journals> {
        Arc::new(Journals { budget, held: Mutex::new(Held { next_id: 1, bytes: 0, journals: BTreeMap::new() }) })
    }

    /// What the entries of all journals take in memory, near enough.
    pub fn bytes(&self) -> usize {
        self.held().bytes
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        // Plain values; a poisoned lock still holds usable ones.
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The entries of one journal, newest last; shared, so that a read copies pointers under the
/// lock, never the entries.
type Entries = Arc<Mutex<VecDeque<Arc<Entry>>>>;

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    shared: Arc<Journals>,
    entries: Entries,
}

impl Journal {
    /// A journal of at most `capacity` entries, of its own; 0 keeps none.
    pub fn new(capacity: usize) -> Journal {
        Journal::within(capacity, Journals::with_budget(usize::MAX))
    }

    /// A journal of at most `capacity` entries, one of `journals`.
    pub fn within(capacity: usize, journals: Arc<Journals>) -> Journal {
        Journal { capacity, shared: journals, entries: Entries::default() }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Entry>>> {
        lock(&self.entries)
    }

    fn push(&self, mut entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut held = self.shared.held();
        entry.id = held.next_id;
        held.next_id += 1;
        entry.shrink();
        held.bytes += entry.bytes();
        held.journals.insert(entry.id, Arc::downgrade(&self.entries));
        {
            let mut entries = self.entries();
            if entries.len() == self.capacity
                && let Some(oldest) = entries.pop_front()
            {
                held.forget(&oldest);
            }
            entries.push_back(Arc::new(entry));
        }
        // Past the budget, the oldest entry of all is also the oldest of its journal.
        while held.bytes > self.shared.budget
            && let Some((id, journal)) = held.journals.pop_first()
        {
            let Some(journal) = journal.upgrade() else { continue };
            let mut entries = lock(&journal);
            if let Some(oldest) = entries.pop_front_if(|oldest| oldest.id == id) {
                held.bytes -= oldest.bytes();
            }
        }
    }

    /// Matching entries, newest first, at most `limit`.
    pub fn find(&self, filter: &Filter, limit: usize) -> Vec<Entry> {
        self.find_shared(filter, limit).iter().map(|entry| Entry::clone(entry)).collect()
    }

    /// As [`Journal::find`], sharing the entries rather than copying them.
    pub fn find_shared(&self, filter: &Filter, limit: usize) -> Vec<Arc<Entry>> {
        let entries = self.entries();
        newest_first(&entries, filter).take(limit).cloned().collect()
    }

    /// The entry with this id, if the journal still holds it.
    pub fn get(&self, id: u64) -> Option<Arc<Entry>> {
        let entries = self.entries();
        // Ids grow from oldest to newest.
        let index = entries.binary_search_by_key(&id, |entry| entry.id).ok()?;
        Some(Arc::clone(&entries[index]))
    }

    pub fn count(&self, filter: &Filter) -> usize {
        newest_first(&self.entries(), filter).count()
    }

    pub fn clear(&self) {
        let mut held = self.shared.held();
        for entry in self.entries().drain(..) {
            held.forget(&entry);
        }
    }
}

impl Drop for Journal {
    /// What it held leaves the budget of the journals.
    fn drop(&mut self) {
        self.clear();
    }
}

fn lock(entries: &Mutex<VecDeque<Arc<Entry>>>) -> std::sync::MutexGuard<'_, VecDeque<Arc<Entry>>> {
    // Entries are plain values; a poisoned lock still holds usable ones.
    entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The entries `filter` matches, newest first. Ids grow from oldest to newest, so a read of
/// the entries `after` an id stops at it rather than going through the whole journal.
fn newest_first<'a>(entries: &'a VecDeque<Arc<Entry>>, filter: &'a Filter) -> impl Iterator<Item = &'a Arc<Entry>> {
    entries
        .iter()
        .rev()
        .take_while(|entry| filter.after.is_none_or(|after| entry.id > after))
        .filter(|entry| filter.matches(entry))
}

/// Middleware: records each vendor request, with its masked bodies, once it is answered, in
/// the journal of the namespace it chose. The namespace is made here, if it is new, and left
/// in the request for what comes after. A request whose namespace cannot serve it (a bad
/// name, the limit) is in no namespace: it is answered by the fault layer and journaled
/// nowhere.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if Vendor::of_path(&path) == Vendor::Sandbox {
        return next.run(request).await;
    }
    let started = Instant::now();
    let (mut parts, body) = request.into_parts();
    let namespace = namespaces::resolve(&mut parts, &state).await.ok();
    let request = Request::from_parts(parts, body);
    let Some(namespace) = namespace.filter(|namespace| namespace.journal.capacity > 0) else {
        return next.run(request).await;
    };
    let at = namespace.clock.now();
    let method = Masked::new(request.method().as_str()).to_string();
    let query = request.uri().query().map(|query| cut(mask_form(query.as_bytes(), UTF_8)));
    let user = BasicCredentials::from_headers(request.headers())
        .ok()
        .map(|credentials| cut(Masked::new(&credentials.username).to_string()));
    let content_type = request.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let request_headers = mask_headers(request.headers());

    let (parts, body) = request.into_parts();
    // Already in memory: see `request_body::buffer`.
    let request_bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let request_body = match content_type.as_deref().map(media_type).as_deref() {
        // Its fields are shown as a form's are: decoded, then masked by name.
        Some("multipart/form-data") => {
            match decode_multipart(request_bytes.clone(), content_type.as_deref().unwrap_or("")).await {
                Ok(fields) => {
                    cut(mask_pairs(fields.into_iter().map(|(name, value)| (name, value.unwrap_or_default()))))
                }
                Err(_) => mask_body(Sender::Client, content_type.as_deref(), &request_bytes),
            }
        }
        _ => mask_body(Sender::Client, content_type.as_deref(), &request_bytes),
    };
    let entry = Entry {
        id: 0,
        namespace: Arc::clone(namespace.store.shared_name()),
        at,
        method,
        path: cut(mask_card_numbers(&path)),
        query,
        user,
        status: 0,
        dropped: None,
        outcome: Outcome::Abandoned,
        reason: ABANDONED.to_owned(),
        duration_ms: 0.0,
        request_headers,
        request_body,
        response_headers: Headers::default(),
        response_body: String::new(),
    };
    // Should the client go away first, this future is dropped unfinished, and the guard
    // journals the request as abandoned.
    let mut unanswered = Unanswered { namespace: &namespace, entry: Some(entry), started };
    let response = next.run(Request::from_parts(parts, Body::from(request_bytes))).await;

    let (parts, body) = response.into_parts();
    let response_bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    if let Some(mut entry) = unanswered.entry.take() {
        entry.dropped = parts.extensions.get::<Dropped>().map(|Dropped(kind)| *kind);
        entry.outcome = Outcome::of(&parts);
        entry.reason = reason_of(&parts, entry.outcome);
        // A dropped connection was sent nothing.
        if entry.dropped.is_none() {
            let response_type = parts.headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok());
            entry.status = parts.status.as_u16();
            entry.response_headers = mask_headers(&parts.headers);
            entry.response_body = mask_body(Sender::Sandbox, response_type, &response_bytes);
        }
        entry.duration_ms = milliseconds(started);
        namespace.journal.push(entry);
        namespace.tell(Change::Journal);
    }
    Response::from_parts(parts, Body::from(response_bytes))
}

const ABANDONED: &str = "abandoned: the client went away before it was answered";

/// The entry's `reason`: what decided the answer, from the sentences left on the response (a
/// fault's [`FaultDone`], the API's [`Reason`]), headed by the status or the decline; masked and
/// cut.
fn reason_of(response: &axum::http::response::Parts, outcome: Outcome) -> String {
    let status = response.status.as_u16();
    let fault = response.extensions.get::<FaultDone>().map(|FaultDone(sentence)| sentence.as_str());
    let answered = match response.extensions.get::<Reason>() {
        Some(Reason(sentence)) if outcome == Outcome::Declined => format!("declined: {sentence}"),
        Some(Reason(sentence)) => format!("{status}: {sentence}"),
        None => format!("{status}: {}", response.status.canonical_reason().unwrap_or("answered")),
    };
    let sentence = match (outcome, fault) {
        (Outcome::Fault | Outcome::Dropped, Some(fault)) => fault.to_owned(),
        // Only delayed, then answered by the API.
        (_, Some(fault)) => format!("{fault}, then {answered}"),
        (_, None) => answered,
    };
    cut(mask_card_numbers(&sentence))
}

fn milliseconds(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

/// A journal entry still waiting for its response; dropped unanswered, it is journaled as
/// abandoned.
struct Unanswered<'a> {
    namespace: &'a Namespace,
    entry: Option<Entry>,
    started: Instant,
}

impl Drop for Unanswered<'_> {
    fn drop(&mut self) {
        if let Some(mut entry) = self.entry.take() {
            entry.duration_ms = milliseconds(self.started);
            self.namespace.journal.push(entry);
            self.namespace.tell(Change::Journal);
        }
    }
}

/// Whose body it is: what a client sends may hold a CVV anywhere; what the sandbox answers
/// never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sender {
    Client,
    Sandbox,
}

/// A body as the journal keeps it. A client's form (shown decoded) and JSON have their CVV
/// fields replaced by `***`; anything else a client sends (JSON that gives a key twice
/// included, which is shown as sent) has every run of three or more digits masked, since a
/// CVV in it cannot be told apart. Card numbers are masked everywhere.
fn mask_body(sender: Sender, content_type: Option<&str>, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let media_type = content_type.map(media_type);
    let masked = match (sender, media_type.as_deref()) {
        _ if text.is_empty() => String::new(),
        (Sender::Sandbox, _) => mask_card_numbers(&text),
        (Sender::Client, Some("application/x-www-form-urlencoded")) => {
            // A charset paymock cannot read was refused; shown as UTF-8 here.
            mask_form(bytes, content_type.and_then(|content_type| form::charset(content_type).ok()).unwrap_or(UTF_8))
        }
        (Sender::Client, Some(json)) if json.ends_with("json") => {
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => mask_card_numbers(&mask_json_text(&text)),
                Err(_) => mask_digit_runs(&text, 3),
            }
        }
        (Sender::Client, _) => mask_digit_runs(&text, 3),
    };
    cut(masked)
}

/// Headers as the journal keeps them: see [`Headers`].
fn mask_headers(headers: &HeaderMap) -> Headers {
    let masked: Vec<(&str, String)> = headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            let value = match *name {
                AUTHORIZATION | PROXY_AUTHORIZATION => match value.split_once(' ') {
                    Some((scheme, _)) => format!("{} ***", Masked::new(scheme)),
                    None => "***".to_owned(),
                },
                COOKIE | SET_COOKIE => "***".to_owned(),
                _ if is_cvv_field(name.as_str()) => "***".to_owned(),
                _ => cut(mask_card_numbers(&value)),
            };
            (name.as_str(), value)
        })
        .collect();
    masked.iter().map(|(name, value)| (*name, value.as_str())).collect()
}

/// Cuts text to [`BODY_KEPT_BYTES`], saying how long it was.
fn cut(mut text: String) -> String {
    if text.len() > BODY_KEPT_BYTES {
        let mut at = BODY_KEPT_BYTES;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let total = text.len();
        text.truncate(at);
        text.push_str(&format!("…({total} bytes)"));
    }
    text
}

/// A form or query string in `encoding`, decoded pair by pair so that no escape hides a
/// number, with CVVs replaced and card numbers masked.
fn mask_form(form: &[u8], encoding: &'static Encoding) -> String {
    let decode = |text: &[u8]| encoding.decode_without_bom_handling(&percent_decode(text)).0.into_owned();
    mask_pairs(form.split(|&byte| byte == b'&').map(|pair| match pair.iter().position(|&byte| byte == b'=') {
        Some(at) => (decode(&pair[..at]), decode(&pair[at + 1..])),
        None => (decode(pair), String::new()),
    }))
}

/// Decoded name–value pairs written as a form, with CVVs replaced and card numbers masked.
fn mask_pairs(pairs: impl Iterator<Item = (String, String)>) -> String {
    let mut form = String::new();
    for (name, value) in pairs {
        if !form.is_empty() {
            form.push('&');
        }
        form.push_str(&name);
        form.push('=');
        match name.as_str() {
            name if is_cvv_field(name) => form.push_str("***"),
            name if NUMBER_FIELDS.contains(&name) => form.push_str(&mask_number_field(&value)),
            _ => form.push_str(&value),
        }
    }
    mask_card_numbers(&form)
}

/// Valid JSON text with the values of CVV fields replaced by `"***"` and those of number
/// fields masked, and nothing else changed: keys keep their order and repeats, numbers their
/// spelling (`25.50`), whitespace its place. The journal shows what the client sent.
fn mask_json_text(text: &str) -> String {
    /// Where the scanner is: in an object (expecting a key, or the value of the last key read)
    /// or an array.
    enum Scope {
        Object { key: Option<String>, expecting_key: bool },
        Array,
    }
    let mut out = String::with_capacity(text.len());
    let mut scopes: Vec<Scope> = Vec::new();
    // While a CVV field's whole object or array value is being left out: the depth it started at.
    let mut hiding: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let field = match scopes.last() {
            Some(Scope::Object { key: Some(key), expecting_key: false }) => Some(key.clone()),
            _ => None,
        };
        let is_cvv = field.as_deref().is_some_and(is_cvv_field);
        let is_number = field.as_deref().is_some_and(|name| NUMBER_FIELDS.contains(&name));
        match c {
            '"' => {
                let mut end = at + 1;
                let mut escaped = false;
                for (i, c) in chars.by_ref() {
                    end = i + c.len_utf8();
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => break,
                        _ => {}
                    }
                }
                let raw = &text[at..end];
                let decoded: String = serde_json::from_str(raw).unwrap_or_default();
                match scopes.last_mut() {
                    Some(Scope::Object { key, expecting_key }) if *expecting_key => {
                        *key = Some(decoded);
                        if hiding.is_none() {
                            out.push_str(raw);
                        }
                        continue;
                    }
                    _ => {}
                }
                if hiding.is_some() {
                    continue;
                }
                if is_cvv {
                    out.push_str("\"***\"");
                } else if is_number {
                    out.push_str(&Value::String(mask_number_field(&decoded)).to_string());
                } else {
                    out.push_str(raw);
                }
            }
            '{' | '[' => {
                if is_cvv && hiding.is_none() {
                    hiding = Some(scopes.len());
                    out.push_str("\"***\"");
                }
                scopes.push(if c == '{' { Scope::Object { key: None, expecting_key: true } } else { Scope::Array });
                if hiding.is_none() {
                    out.push(c);
                }
            }
            '}' | ']' => {
                scopes.pop();
                if hiding.is_none() {
                    out.push(c);
                } else if hiding == Some(scopes.len()) {
                    hiding = None;
                }
            }
            ':' | ',' => {
                if let Some(Scope::Object { expecting_key, .. }) = scopes.last_mut() {
                    *expecting_key = c == ',';
                }
                if hiding.is_none() {
                    out.push(c);
                }
            }
            c if c.is_ascii_whitespace() => {
                if hiding.is_none() {
                    out.push(c);
                }
            }
            _ => {
                // A number, true, false or null: read it whole.
                let mut end = at + c.len_utf8();
                while let Some(&(i, next)) = chars.peek() {
                    if matches!(next, ',' | '}' | ']' | ':') || next.is_ascii_whitespace() {
                        break;
                    }
                    end = i + next.len_utf8();
                    chars.next();
                }
                if hiding.is_some() {
                    continue;
                }
                let raw = &text[at..end];
                if is_cvv {
                    out.push_str("\"***\"");
                } else if is_number {
                    out.push_str(&Value::String(mask_number_field(raw)).to_string());
                } else {
                    out.push_str(raw);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_and_cvvs_are_masked() {
        assert_eq!(
            mask_form(b"billingNumber=4111111111111111&billingCvv=123&billingZip=34567&billingName=A+B", UTF_8),
            "billingNumber=411111******1111&billingCvv=***&billingZip=34567&billingName=A B"
        );
        // Escapes hide nothing.
        assert_eq!(
            mask_form(b"billingNumber=%34%31%31%31111111111111&billing%43vv=123", UTF_8),
            "billingNumber=411111******1111&billingCvv=***"
        );
        // Raw Latin-1 bytes are read as Latin-1, not first as UTF-8.
        assert_eq!(
            mask_body(
                Sender::Client,
                Some("application/x-www-form-urlencoded; charset=ISO-8859-1"),
                b"billingName=Jos\xe9+\x80"
            ),
            "billingName=José €"
        );
        let json = br#"{"accountNumber":"378282246310005","verificationNumber":"1234","routingNumber":"011000015"}"#;
        assert_eq!(
            mask_body(Sender::Client, Some("application/json"), json),
            r#"{"accountNumber":"378282*****0005","verificationNumber":"***","routingNumber":"011000015"}"#
        );
        // Otherwise as sent: key order, repeated keys, the spelling of numbers, whitespace.
        let json = br#"{ "amount": 25.50, "amount": 1e2, "note": "a \"b\" c", "verificationNumber": {"x": [1, 2]},
                         "card": {"accountNumber": 4111111111111111, "verificationNumber": "123"}, "ok": [true, null] }"#;
        assert_eq!(
            mask_body(Sender::Client, Some("application/json"), json),
            r#"{ "amount": 25.50, "amount": 1e2, "note": "a \"b\" c", "verificationNumber": "***",
                         "card": {"accountNumber": "411111******1111", "verificationNumber": "***"}, "ok": [true, null] }"#
        );
        let escaped = br#"{"accountNumber":"\u00341111111111111111"}"#;
        assert_eq!(
            mask_body(Sender::Client, Some("application/json"), escaped),
            r#"{"accountNumber":"411111*******1111"}"#
        );
        assert_eq!(
            mask_body(Sender::Client, Some("application/json"), br#"{"cvv": 123, oops"#),
            r#"{"cvv": ***, oops"#
        );
        assert_eq!(mask_body(Sender::Client, Some("application/xml"), b"<cvv>123</cvv>"), "<cvv>***</cvv>");
        assert_eq!(mask_body(Sender::Client, Some("text/plain"), b"4111111111111111 12"), "**************** 12");
        assert_eq!(
            mask_body(Sender::Sandbox, Some("application/xml"), b"<balance>1000.00</balance>"),
            "<balance>1000.00</balance>"
        );
        assert_eq!(mask_card_numbers("a4111111111111111b 12345678901"), "a411111******1111b 12345678901");
        assert_eq!(
            mask_card_numbers("4111 1111 1111 1111 and 4111-1111-1111-1111"),
            "411111******1111 and 411111******1111"
        );
        assert_eq!(mask_card_numbers("2026-11-22 12:00"), "2026-11-22 12:00");
    }

    #[test]
    fn number_fields_are_masked_however_they_are_written() {
        assert_eq!(
            mask_form(b"billingNumber=4111.1111.1111.1111&billingZip=34567", UTF_8),
            "billingNumber=****.****.****.1111&billingZip=34567"
        );
        let json = br#"{"accountNumber":"4111/1111/1111/1111","bank":{"accountNumber":12345678}}"#;
        assert_eq!(
            mask_body(Sender::Client, Some("application/json"), json),
            r#"{"accountNumber":"****/****/****/1111","bank":{"accountNumber":"****5678"}}"#
        );
        assert_eq!(mask_number_field("4111111111111111"), "411111******1111");
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(BODY_KEPT_BYTES + 10);
        let kept = mask_body(Sender::Client, Some("text/plain"), body.as_bytes());
        assert_eq!(kept, format!("{}…({} bytes)", "x".repeat(BODY_KEPT_BYTES), BODY_KEPT_BYTES + 10));
    }

    fn entry(status: u16) -> Entry {
        Entry {
            namespace: "default".into(),
            id: 0,
            at: Utc::now(),
            method: "GET".into(),
            path: "/molpro/credit".into(),
            query: None,
            user: Some("u".into()),
            status,
            dropped: None,
            outcome: Outcome::Ok,
            reason: String::new(),
            duration_ms: 0.0,
            request_headers: Headers::default(),
            request_body: String::new(),
            response_headers: Headers::default(),
            response_body: String::new(),
        }
    }

    #[test]
    fn headers_keep_no_secret() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, "Basic dXNlcjpwYXNzd29yZA==".parse().unwrap());
        headers.insert(PROXY_AUTHORIZATION, "secret".parse().unwrap());
        headers.insert(COOKIE, "session=abc".parse().unwrap());
        headers.insert("x-cvv", "123".parse().unwrap());
        headers.insert("x-note", "card 4111111111111111".parse().unwrap());
        headers.append("accept", "text/xml".parse().unwrap());
        headers.append("accept", "*/*".parse().unwrap());
        let masked = mask_headers(&headers);
        assert_eq!(
            masked.iter().collect::<Vec<_>>(),
            [
                ("authorization", "Basic ***"),
                ("proxy-authorization", "***"),
                ("cookie", "***"),
                ("x-cvv", "***"),
                ("x-note", "card 411111******1111"),
                ("accept", "text/xml"),
                ("accept", "*/*"),
            ]
        );
        assert_eq!(masked.get("Accept"), Some("text/xml"));
        assert_eq!(
            serde_json::to_string(&masked).unwrap(),
            r#"[["authorization","Basic ***"],["proxy-authorization","***"],["cookie","***"],["x-cvv","***"],"#
                .to_owned()
                + r#"["x-note","card 411111******1111"],["accept","text/xml"],["accept","*/*"]]"#
        );
    }

    /// The ids and statuses a journal holds, newest first.
    fn kept(journal: &Journal) -> Vec<(u64, u16)> {
        journal.find(&Filter::default(), usize::MAX).iter().map(|entry| (entry.id, entry.status)).collect()
    }

    #[test]
    fn past_their_budget_the_journals_drop_the_oldest_entries_of_all() {
        let one = entry(200).bytes();
        let journals = Journals::with_budget(3 * one);
        let (a, b) = (Journal::within(10, Arc::clone(&journals)), Journal::within(10, Arc::clone(&journals)));
        a.push(entry(200));
        a.push(entry(201));
        b.push(entry(202));
        assert_eq!(journals.bytes(), 3 * one);
        b.push(entry(203));
        assert_eq!((kept(&a), kept(&b)), (vec![(2, 201)], vec![(4, 203), (3, 202)]));
        b.push(entry(204));
        assert_eq!((kept(&a), kept(&b)), (vec![], vec![(5, 204), (4, 203), (3, 202)]));
        assert_eq!(journals.bytes(), 3 * one);

        // What a journal drops by itself, clears, or holds when it goes leaves the budget too.
        let c = Journal::within(1, Arc::clone(&journals));
        c.push(entry(205));
        c.push(entry(206));
        assert_eq!((kept(&b), kept(&c)), (vec![(5, 204), (4, 203)], vec![(7, 206)]));
        b.clear();
        assert_eq!(journals.bytes(), one);
        a.push(entry(207));
        drop(c);
        assert_eq!(journals.bytes(), one);
        a.push(entry(208));
        b.push(entry(209));
        assert_eq!((kept(&a), kept(&b)), (vec![(9, 208), (8, 207)], vec![(10, 209)]));
        assert_eq!(journals.bytes(), 3 * one);
    }

    #[test]
    fn the_journal_keeps_only_the_newest_entries() {
        let journal = Journal::new(3);
        for status in [200, 201, 202, 203, 204] {
            journal.push(entry(status));
        }
        assert_eq!(kept(&journal), [(5, 204), (4, 203), (3, 202)]);
        assert_eq!(journal.count(&Filter { status: Some(203), ..Filter::default() }), 1);
        assert_eq!(journal.find(&Filter::default(), 1).len(), 1);
        journal.clear();
        assert_eq!(journal.count(&Filter::default()), 0);
        let off = Journal::new(0);
        off.push(entry(200));
        assert_eq!(off.count(&Filter::default()), 0);
    }
}

//! Query parameters of the control plane's reads, with one rule for all: a parameter the
//! route does not take, or one given twice, is refused by name, so that a typo never reads as
//! "no filter"; a malformed value is named with a hint. Every problem is named at once.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use axum::extract::Query;
use axum::http::Uri;
use chrono::{DateTime, Utc};

use crate::domain::clock;

use super::error::AdminError;
use crate::domain::mask::Masked;

pub struct QueryParams {
    given: BTreeMap<String, String>,
    problems: BTreeMap<String, String>,
}

impl QueryParams {
    /// The parameters of `uri`, which may be any of `known`.
    pub fn parse(uri: &Uri, known: &[&str]) -> Result<QueryParams, AdminError> {
        let pairs: Vec<(String, String)> = Query::try_from_uri(uri).map(|Query(pairs)| pairs).map_err(|err| {
            AdminError::BadQuery(BTreeMap::from([("query".to_owned(), Masked::new(&err.body_text()).to_string())]))
        })?;
        let mut params = QueryParams { given: BTreeMap::new(), problems: BTreeMap::new() };
        for (name, value) in pairs {
            // A name that is not a parameter is shown back, so masked.
            if !known.contains(&name.as_str()) {
                let name = Masked::new(&name).to_string();
                let names = match known.split_last() {
                    Some((last, [])) => last.to_string(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => "none".to_owned(),
                };
                params.problems.insert(name, format!("is not a parameter of this route; use {names}"));
            } else {
                match params.given.entry(name) {
                    Entry::Occupied(given) => {
                        params.problems.insert(given.key().clone(), "is given more than once".to_owned());
                    }
                    Entry::Vacant(free) => {
                        free.insert(value);
                    }
                }
            }
        }
        Ok(params)
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.given.get(name).cloned()
    }

    /// An RFC 3339 instant that can happen (no second 60).
    pub fn instant(&mut self, name: &str) -> Option<DateTime<Utc>> {
        let text = self.given.get(name)?;
        let instant = clock::parse_instant(text);
        if instant.is_none() {
            // A `+` in a query string reads as a space: `+01:00` arrives as ` 01:00`.
            let hint = if text.contains(' ') {
                format!("{}; in a query string, write the + of an offset as %2B", clock::INSTANT_HINT)
            } else {
                clock::INSTANT_HINT.to_owned()
            };
            self.problems.insert(name.to_owned(), hint);
        }
        instant
    }

    /// A whole number from `min` to `max`.
    pub fn number(&mut self, name: &str, min: usize, max: usize) -> Option<usize> {
        let text = self.given.get(name)?;
        match text.parse::<usize>() {
            Ok(number) if (min..=max).contains(&number) => Some(number),
            _ => {
                self.problems.insert(name.to_owned(), format!("must be a whole number from {min} to {max}"));
                None
            }
        }
    }

    pub fn add_problem(&mut self, name: &str, hint: String) {
        self.problems.insert(name.to_owned(), hint);
    }

    /// Every problem found, as one 400.
    pub fn finish(self) -> Result<(), AdminError> {
        if self.problems.is_empty() { Ok(()) } else { Err(AdminError::BadQuery(self.problems)) }
    }
}

/// The one parameter of a control-plane path, refused in the control plane's envelope when it
/// is not text (`%FF`), rather than in the web framework's plain text.
pub struct PathParam(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathParam {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(PathParam(value)),
            Err(_) => Err(AdminError::BadPath),
        }
    }
}

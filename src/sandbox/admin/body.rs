//! Control-plane request bodies: any JSON object (the content type is not insisted on, for
//! the convenience of test suites), read field by field with every problem collected.
//!
//! The fields a route reads are the fields its body has: any other is refused by name, at
//! any depth, so that a typo (`"salesAgnet"`, a fault rule's `"mtach"`) never passes as a
//! field left out. Objects inside a body (a fault rule's `match` and `action`) are read the
//! same way, through [`AdminBody::nested`].

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::error::AdminError;
use crate::AppState;
use crate::domain::money::Cents;
use crate::domain::names;
use crate::http::{json, request_body};

pub struct AdminBody {
    /// Where this object is in the request body: empty for the body itself, `match.` for
    /// its `match` object. Problems are named by their whole path.
    prefix: String,
    object: Map<String, Value>,
    /// The same fields as raw JSON text, so that amounts are read exactly.
    raw: BTreeMap<String, Box<RawValue>>,
    /// The fields read so far, in the order read: the fields this object may have.
    read: Vec<String>,
    problems: BTreeMap<String, String>,
}

impl FromRequest<AppState> for AdminBody {
    type Rejection = AdminError;

    async fn from_request(request: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = request_body::read(request).await?;
        let value = json::parse(&bytes).map_err(|err| {
            let (field, hint) = err.field_and_hint();
            AdminError::bad_field(field, hint)
        })?;
        let Value::Object(object) = value else {
            return Err(AdminError::bad_field("body", "must be a JSON object"));
        };
        let raw = serde_json::from_slice(&bytes).map_err(|err| AdminError::bad_field("body", err.to_string()))?;
        Ok(AdminBody { prefix: String::new(), object, raw, read: Vec::new(), problems: BTreeMap::new() })
    }
}

impl AdminBody {
    /// Marks `field` as one this object may have, and returns its value unless it is absent
    /// or `null`.
    fn get(&mut self, field: &str) -> Option<&Value> {
        if !self.read.iter().any(|known| known == field) {
            self.read.push(field.to_owned());
        }
        self.object.get(field).filter(|value| !value.is_null())
    }

    fn problem(&mut self, field: &str, hint: &str) {
        self.problems.entry(format!("{}{field}", self.prefix)).or_insert_with(|| hint.to_owned());
    }

    /// A required non-empty string field.
    pub fn string(&mut self, field: &str) -> Option<String> {
        match self.get(field) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.clone()),
            Some(Value::String(_)) | None => {
                self.problem(field, "is required");
                None
            }
            Some(_) => {
                self.problem(field, "must be a string");
                None
            }
        }
    }

    /// An optional string field, which may be empty.
    pub fn optional_string(&mut self, field: &str) -> Option<String> {
        match self.get(field) {
            None => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                self.problem(field, "must be a string");
                None
            }
        }
    }

    /// A required name of a user or an account, as [`names`] has it: a string, or a whole
    /// number taken as its digits.
    pub fn name(&mut self, field: &str) -> Option<String> {
        let name = match self.get(field) {
            Some(Value::Number(number)) if number.is_u64() => Some(number.to_string()),
            _ => self.string(field),
        }?;
        if !names::is_valid(&name) {
            self.problem(field, names::RULE);
            return None;
        }
        Some(name)
    }

    pub fn optional_bool(&mut self, field: &str) -> bool {
        match self.get(field) {
            Some(Value::Bool(value)) => *value,
            None => false,
            Some(_) => {
                self.problem(field, "must be true or false");
                false
            }
        }
    }

    /// An optional whole number within `range`; `hint` names the range.
    pub fn optional_whole(&mut self, field: &str, range: std::ops::RangeInclusive<u64>, hint: &str) -> Option<u64> {
        let number = self.get(field)?.as_u64();
        let number = number.filter(|number| range.contains(number));
        if number.is_none() {
            self.problem(field, hint);
        }
        number
    }

    /// An amount of money: a JSON number or a decimal string, at most two decimals.
    pub fn amount(&mut self, field: &str, required: bool) -> Option<Cents> {
        self.get(field);
        let Some(raw) = self.raw.get(field).filter(|raw| raw.get() != "null") else {
            if required {
                self.problem(field, "is required");
            }
            return None;
        };
        match Cents::from_json(raw) {
            Ok(amount) => Some(amount),
            Err(err) => {
                self.problem(field, &format!("{err} (a JSON number or a decimal string such as \"25.00\")"));
                None
            }
        }
    }

    /// The raw value of a field, for shapes the readers above do not cover.
    pub fn value(&mut self, field: &str) -> Option<Value> {
        self.get(field).cloned()
    }

    /// Whether the field is given, as anything but `null`.
    pub fn given(&mut self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// An object inside this one, to be read with these same readers and then handed back
    /// through [`AdminBody::absorb`]; `None` when it is absent, `null` or not an object (which
    /// is a problem).
    pub fn nested(&mut self, field: &str) -> Option<AdminBody> {
        let object = match self.get(field)? {
            Value::Object(object) => object.clone(),
            _ => {
                self.problem(field, "must be an object");
                return None;
            }
        };
        // The text of a field of a parsed object parses again.
        let raw = self.raw.get(field).and_then(|raw| serde_json::from_str(raw.get()).ok()).unwrap_or_default();
        let prefix = format!("{}{field}.", self.prefix);
        Some(AdminBody { prefix, object, raw, read: Vec::new(), problems: BTreeMap::new() })
    }

    /// Takes over the problems of an object read through [`AdminBody::nested`], its unknown
    /// fields among them.
    pub fn absorb(&mut self, nested: AdminBody) {
        for (field, hint) in nested.all_problems() {
            self.problems.entry(field).or_insert(hint);
        }
    }

    pub fn add_problem(&mut self, field: &str, hint: &str) {
        self.problem(field, hint);
    }

    /// Every problem: those of the fields read, and every field that was not read.
    fn all_problems(mut self) -> BTreeMap<String, String> {
        let unknown: Vec<String> = self.object.keys().filter(|key| !self.read.contains(key)).cloned().collect();
        if !unknown.is_empty() {
            let of = match self.prefix.strip_suffix('.') {
                Some(parent) => parent.to_owned(),
                None => "this body".to_owned(),
            };
            let hint = format!("is not a field of {of}; use {}", one_of(&self.read));
            for field in unknown {
                self.problem(&field, &hint);
            }
        }
        self.problems
    }

    /// Ok when every field read so far was right and the body has no other.
    pub fn finish(self) -> Result<(), AdminError> {
        let problems = self.all_problems();
        if problems.is_empty() { Ok(()) } else { Err(AdminError::BadRequest(problems)) }
    }
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(names: &[String]) -> String {
    match names {
        [] => "no fields".to_owned(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

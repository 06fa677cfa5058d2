//! Control-plane request bodies: any JSON object (the content type is not insisted on, for
//! the convenience of test suites), read field by field with every problem collected.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::error::AdminError;
use crate::AppState;
use crate::domain::money::Cents;
use crate::http::{json, request_body};

pub struct AdminBody {
    object: Map<String, Value>,
    /// The same fields as raw JSON text, so that amounts are read exactly.
    raw: BTreeMap<String, Box<RawValue>>,
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
        Ok(AdminBody { object, raw, problems: BTreeMap::new() })
    }
}

impl AdminBody {
    fn problem(&mut self, field: &str, hint: &str) {
        self.problems.entry(field.to_owned()).or_insert_with(|| hint.to_owned());
    }

    /// A required non-empty string field.
    pub fn string(&mut self, field: &str) -> Option<String> {
        match self.object.get(field) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.clone()),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                self.problem(field, "is required");
                None
            }
            Some(_) => {
                self.problem(field, "must be a string");
                None
            }
        }
    }

    /// A required identifier: a non-empty string (or a whole number, taken as its digits)
    /// of printable characters, without `:` so that it works in Basic credentials.
    pub fn name(&mut self, field: &str) -> Option<String> {
        let name = match self.object.get(field) {
            Some(Value::Number(number)) if number.is_u64() => Some(number.to_string()),
            _ => self.string(field),
        }?;
        let usable = name.len() <= 100 && !name.contains(':') && !name.chars().any(char::is_control);
        if !usable {
            self.problem(field, "must be at most 100 characters, with no ':' and no control characters");
            return None;
        }
        Some(name)
    }

    pub fn optional_bool(&mut self, field: &str) -> bool {
        match self.object.get(field) {
            Some(Value::Bool(value)) => *value,
            None | Some(Value::Null) => false,
            Some(_) => {
                self.problem(field, "must be true or false");
                false
            }
        }
    }

    /// An amount of money: a JSON number or a decimal string, at most two decimals.
    pub fn amount(&mut self, field: &str, required: bool) -> Option<Cents> {
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
    pub fn value(&self, field: &str) -> Option<&Value> {
        self.object.get(field).filter(|value| !value.is_null())
    }

    pub fn add_problem(&mut self, field: &str, hint: &str) {
        self.problem(field, hint);
    }

    /// Ok when every field read so far was right.
    pub fn finish(self) -> Result<(), AdminError> {
        if self.problems.is_empty() { Ok(()) } else { Err(AdminError::BadRequest(self.problems)) }
    }
}

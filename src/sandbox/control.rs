//! What the control plane does to a namespace, in one place: the routes under `/__admin` and
//! the in-process [`Sandbox`](crate::Sandbox) both call these, so that a test gets the same
//! answer however it asks. Each returns the type the control plane serialises.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::admin::AdminError;
use super::events::Change;
use super::faults::{Action, BODILESS, MAX_DELAY_MS, Match, Rule, STATUSES};
use super::journal::{Entry, Filter};
use super::namespaces::Namespace;
use crate::domain::money::Cents;
use crate::domain::names;
use crate::store::{Click2MailState, CreateUserResult, HostwayState, Restored, SnapshotFilter, SnapshotInfo};

/// The state document of `GET /__admin/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateDocument {
    pub clock: ClockDocument,
    pub click2mail: Click2MailState,
    pub hostway: HostwayState,
}

/// The namespace's clock, as `GET /__admin/clock` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockDocument {
    pub now: String,
    pub frozen: bool,
}

/// A fault rule to add: which requests it applies to, what it does, and how many times.
#[derive(Debug, Clone, Default)]
pub struct FaultRule {
    pub matches: Match,
    pub action: Action,
    /// `None`: every matching request, until removed.
    pub times: Option<u32>,
}

impl FaultRule {
    /// What is wrong with the rule, by field of its action (`status`, `body`, …), or `action`
    /// when it does nothing.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let action = &self.action;
        let mut problems = Vec::new();
        if action.delay_ms.is_some_and(|delay| delay > MAX_DELAY_MS) {
            problems.push(("delayMs", format!("must be milliseconds from 0 to {MAX_DELAY_MS}")));
        }
        if action.status.is_some_and(|status| !STATUSES.contains(&status)) {
            problems.push(("status", "must be an HTTP status from 200 to 599".to_owned()));
        }
        if action.body.is_some() && action.status.is_none() {
            problems.push(("body", "goes with a status".to_owned()));
        }
        if action.body.is_some() && action.status.is_some_and(|status| BODILESS.contains(&status)) {
            problems.push(("body", "cannot go with status 204 or 304, which carry no body".to_owned()));
        }
        if let Some(content_type) = &action.content_type {
            if action.body.is_none() {
                problems.push(("contentType", "goes with a body".to_owned()));
            } else if !super::faults::is_media_type(content_type) {
                problems.push(("contentType", "must be a media type such as application/json".to_owned()));
            }
        }
        if action.drop.is_some() && (action.status.is_some() || action.body.is_some()) {
            problems.push(("drop", "cannot go with status or body: a dropped connection answers nothing".to_owned()));
        }
        if action.delay_ms.is_none() && action.status.is_none() && action.drop.is_none() {
            problems.push(("action", "needs delayMs, status or drop".to_owned()));
        }
        if self.times == Some(0) {
            problems.push(("times", "must be a whole number of at least 1".to_owned()));
        }
        problems
    }
}

impl Namespace {
    /// Back to the fixtures and real time, with an empty journal and no fault rules.
    pub async fn reset(&self) -> Result<(), AdminError> {
        self.clock.resume();
        self.journal.clear();
        self.faults.clear();
        self.tell_all();
        self.store.reset().await?;
        tracing::info!(namespace = self.name(), "namespace reset to its fixtures");
        Ok(())
    }

    pub fn clock_document(&self) -> ClockDocument {
        ClockDocument {
            now: self.clock.now().to_rfc3339_opts(SecondsFormat::Millis, true),
            frozen: self.clock.frozen().is_some(),
        }
    }

    /// The state as `filter` narrows it, read at one instant.
    pub async fn state(&self, filter: &SnapshotFilter) -> Result<StateDocument, AdminError> {
        let snapshot = self.store.snapshot(filter).await?;
        Ok(StateDocument { clock: self.clock_document(), click2mail: snapshot.click2mail, hostway: snapshot.hostway })
    }

    /// The journal entries `filter` picks, newest first, at most `limit`.
    pub fn journal(&self, filter: &Filter, limit: usize) -> Vec<Entry> {
        self.journal.find(filter, limit)
    }

    /// How many journaled requests had this method and path (a glob).
    pub fn received(&self, method: &str, path: &str) -> usize {
        let filter = Filter { method: Some(method.to_owned()), path: Some(path.to_owned()), ..Filter::default() };
        self.journal.count(&filter)
    }

    /// Adds a fault rule, once it is checked; gives its id.
    pub fn add_fault(&self, rule: FaultRule) -> Result<u64, AdminError> {
        let problems = rule.problems();
        if !problems.is_empty() {
            let path = |field: &str| match field {
                "action" | "times" => field.to_owned(),
                _ => format!("action.{field}"),
            };
            let fields = problems.into_iter().map(|(field, hint)| (path(field), hint)).collect();
            return Err(AdminError::BadRequest(fields));
        }
        let id = self.faults.add(rule.matches, rule.action, rule.times);
        self.tell(Change::Faults);
        Ok(id)
    }

    pub fn faults(&self) -> Vec<Rule> {
        self.faults.list()
    }

    /// Removes a fault rule; false when there is none with that id.
    pub fn remove_fault(&self, id: u64) -> bool {
        let removed = self.faults.remove(id);
        self.tell(Change::Faults);
        removed
    }

    pub fn clear_faults(&self) {
        self.faults.clear();
        self.tell(Change::Faults);
    }

    pub fn clear_journal(&self) {
        self.journal.clear();
        self.tell(Change::Journal);
    }

    /// Sets the clock to `now`: stopped there when `frozen`, else running on from there.
    pub fn set_clock(&self, now: DateTime<Utc>, frozen: bool) {
        if frozen {
            self.clock.freeze(now);
        } else {
            self.clock.run_from(now);
        }
        self.tell(Change::Clock);
    }

    /// Back to real time.
    pub fn resume_clock(&self) {
        self.clock.resume();
        self.tell(Change::Clock);
    }

    /// Adds a Click2Mail user; 409 when the name is taken.
    pub async fn seed_click2mail_user(&self, username: &str, password: &str, balance: Cents) -> Result<(), AdminError> {
        checked_name("username", username)?;
        if !self.store.create_click2mail_user(username, password, balance, self.clock.now()).await? {
            return Err(AdminError::Conflict(format!("Click2Mail user {username} already exists.").as_str().into()));
        }
        Ok(())
    }

    /// Sets a Click2Mail user's balance; 404 when there is no such user.
    pub async fn set_click2mail_balance(&self, username: &str, balance: Cents) -> Result<(), AdminError> {
        if !self.store.set_click2mail_balance(username, balance).await? {
            return Err(AdminError::NotFound(format!("Click2Mail user {username} does not exist.").as_str().into()));
        }
        Ok(())
    }

    /// Adds a Hostway account; 409 when the id is taken.
    pub async fn seed_hostway_account(&self, id: &str, allow_offline: bool) -> Result<(), AdminError> {
        checked_name("id", id)?;
        if !self.store.create_hostway_account(id, allow_offline, self.clock.now()).await? {
            return Err(AdminError::Conflict(format!("Hostway account {id} already exists.").as_str().into()));
        }
        Ok(())
    }

    /// Adds a Hostway user with roles, as (account id, role) pairs; 409 when the name is taken,
    /// 400 when a role names an account that does not exist.
    pub async fn seed_hostway_user(
        &self,
        username: &str,
        password: &str,
        sales_agent: bool,
        roles: &[(String, String)],
    ) -> Result<(), AdminError> {
        checked_name("username", username)?;
        match self.store.create_hostway_user(username, password, sales_agent, roles, self.clock.now()).await? {
            CreateUserResult::Created => Ok(()),
            CreateUserResult::UsernameTaken => {
                Err(AdminError::Conflict(format!("Hostway user {username} already exists.").as_str().into()))
            }
            CreateUserResult::UnknownAccount(account) => {
                Err(AdminError::bad_field("roles", format!("account {account} does not exist")))
            }
        }
    }

    /// Saves the whole state under `name`; true when it replaced a snapshot of that name.
    pub async fn save_snapshot(&self, name: &str) -> Result<(SnapshotInfo, bool), AdminError> {
        checked_name("name", name)?;
        let now = self.clock.now();
        let replaced = self.store.save_snapshot(name, self.clock.frozen(), now).await?;
        let created_at = now.to_rfc3339_opts(SecondsFormat::Millis, true);
        Ok((SnapshotInfo { name: name.to_owned(), created_at }, replaced))
    }

    /// Brings back into this namespace the state `from` saved under `name`, and its clock.
    pub async fn restore_snapshot(&self, from: &Namespace, name: &str) -> Result<(), AdminError> {
        checked_name("name", name)?;
        match self.store.restore_snapshot(from.name(), name).await? {
            Restored::Done { frozen_at } => {
                match frozen_at {
                    Some(instant) => self.clock.freeze(instant),
                    None => self.clock.resume(),
                }
                self.tell(Change::Clock);
                tracing::info!(snapshot = %name, from = from.name(), into = self.name(), "namespace restored from a snapshot");
                Ok(())
            }
            Restored::NoSuchSnapshot => Err(no_such_snapshot(name)),
        }
    }
}

pub fn no_such_snapshot(name: &str) -> AdminError {
    AdminError::NotFound(format!("There is no snapshot named {name}.").as_str().into())
}

fn checked_name(field: &str, name: &str) -> Result<(), AdminError> {
    if names::is_valid(name) { Ok(()) } else { Err(AdminError::bad_field(field, names::RULE)) }
}

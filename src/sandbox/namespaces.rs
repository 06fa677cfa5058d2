//! The namespaces a running sandbox serves, each with what lives only in memory beside its
//! stored state: its clock, its request journal and its fault rules. A namespace is made on
//! the first request that names it (see [`crate::http::namespace`]), so isolation needs no
//! setup call; [`Namespaces::get`] makes it, once, however many requests ask at the same time.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};

use crate::AppState;
use crate::domain::clock::Clock;
use crate::http::namespace::{Problem, Selection};
use crate::sandbox::events::{Change, Events};
use crate::sandbox::faults::Faults;
use crate::sandbox::journal::{DEFAULT_JOURNAL_MEMORY, Journal, Journals};
use crate::store::{self, NamespaceStore, Store};

/// One namespace: its store, and what it keeps in memory.
#[derive(Debug)]
pub struct Namespace {
    pub store: NamespaceStore,
    pub clock: Clock,
    pub journal: Journal,
    pub faults: Faults,
    events: Events,
}

impl Namespace {
    pub fn name(&self) -> &str {
        self.store.name()
    }

    /// Tells whoever watches (see [`crate::sandbox::events`]) that this changed here. What is
    /// stored tells of itself, once committed.
    pub fn tell(&self, change: Change) {
        self.events.tell(self.store.shared_name(), change);
    }

    /// Tells of a change to everything the namespace keeps in memory: after a reset or a
    /// restore.
    pub fn tell_all(&self) {
        for change in [Change::Journal, Change::Faults, Change::Clock] {
            self.tell(change);
        }
    }
}

/// Every namespace served since the start; cheap to share.
#[derive(Debug)]
pub struct Namespaces {
    store: Store,
    journal_size: usize,
    /// Where the clock of each namespace starts: frozen at this instant, or real time.
    clock_start: Option<DateTime<Utc>>,
    /// What the journals of all namespaces share: their entry ids and their memory.
    journals: Arc<Journals>,
    events: Events,
    served: RwLock<HashMap<Arc<str>, Arc<Namespace>>>,
}

impl Namespaces {
    /// Namespaces over `store`, each with a journal of `journal_size` entries and a clock
    /// that starts frozen at `clock_start`, or in real time.
    pub fn new(store: Store, journal_size: usize, clock_start: Option<DateTime<Utc>>) -> Namespaces {
        Namespaces {
            store,
            journal_size,
            clock_start,
            journals: Journals::with_budget(DEFAULT_JOURNAL_MEMORY),
            events: Events::default(),
            served: RwLock::default(),
        }
    }

    /// The journals of all namespaces keep at most `bytes` of entries together; the oldest go
    /// first. Set before any namespace is served.
    pub fn journal_memory(mut self, bytes: usize) -> Namespaces {
        self.journals = Journals::with_budget(bytes);
        self
    }

    /// What the journals of all namespaces share.
    pub fn journals(&self) -> &Journals {
        &self.journals
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where the namespaces tell what changes in memory.
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// The namespace `name`, made (from the fixtures) if there is none yet.
    pub async fn get(&self, name: &str) -> Result<Arc<Namespace>, store::Error> {
        let namespace = self.in_memory(name);
        if let Err(err) = namespace.store.ensure().await {
            // Names refused (past the limit) leave nothing behind in memory either.
            if !self.store.has_namespace(name) {
                self.served.write().unwrap_or_else(PoisonError::into_inner).remove(name);
            }
            return Err(err);
        }
        Ok(namespace)
    }

    /// The namespace's part in memory, made if needed, without making its stored state: that
    /// is made by [`Namespaces::get`], or by its first write.
    pub fn in_memory(&self, name: &str) -> Arc<Namespace> {
        if let Some(namespace) = self.served.read().unwrap_or_else(PoisonError::into_inner).get(name) {
            return Arc::clone(namespace);
        }
        let mut served = self.served.write().unwrap_or_else(PoisonError::into_inner);
        let namespace = served.entry(name.into()).or_insert_with(|| {
            Arc::new(Namespace {
                store: self.store.namespace(name),
                clock: self.clock_start.map_or_else(Clock::system, Clock::frozen_at),
                journal: Journal::within(self.journal_size, Arc::clone(&self.journals)),
                faults: Faults::default(),
                events: self.events.clone(),
            })
        });
        Arc::clone(namespace)
    }

    /// The namespaces in memory that still exist, by name: those requests have used since the
    /// start.
    pub fn served(&self) -> Vec<Arc<Namespace>> {
        let served = self.served.read().unwrap_or_else(PoisonError::into_inner);
        let mut served: Vec<Arc<Namespace>> =
            served.values().filter(|namespace| self.store.has_namespace(namespace.name())).cloned().collect();
        served.sort_by(|a, b| a.name().cmp(b.name()));
        served
    }

    /// The namespace's part in memory, if it has one.
    pub fn served_one(&self, name: &str) -> Option<Arc<Namespace>> {
        self.served.read().unwrap_or_else(PoisonError::into_inner).get(name).cloned()
    }

    /// Deletes the namespaces, stored state and memory both; gives the names of those that
    /// existed.
    pub async fn delete(&self, names: &[String]) -> Result<Vec<String>, store::Error> {
        let deleted = self.store.delete_namespaces(names).await?;
        let mut served = self.served.write().unwrap_or_else(PoisonError::into_inner);
        for name in &deleted {
            served.remove(name.as_str());
        }
        Ok(deleted)
    }
}

/// The namespace the request chose, made if needed; a request that chose none is for
/// `default`. Vendor routes find it where the journal left it.
#[derive(Debug, Clone)]
pub struct Ns(pub Arc<Namespace>);

/// Why the chosen namespace cannot serve a request.
#[derive(Debug, Clone)]
pub struct Unavailable(pub Problem);

impl From<store::Error> for Unavailable {
    fn from(error: store::Error) -> Unavailable {
        match error {
            store::Error::NamespaceLimit { max } => Unavailable(Problem::limit(max)),
            store::Error::Database(err) => {
                tracing::error!(%err, "cannot make a namespace");
                Unavailable(Problem {
                    status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    message: "Internal error".into(),
                })
            }
        }
    }
}

/// The namespace `parts` chose, made if needed, and left in its extensions for what comes
/// after.
pub async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Arc<Namespace>, Unavailable> {
    if let Some(Ns(namespace)) = parts.extensions.get::<Ns>() {
        return Ok(Arc::clone(namespace));
    }
    let selection = parts.extensions.get::<Selection>().cloned();
    let name = selection.as_ref().map_or(store::DEFAULT, |selection| &selection.name);
    if let Some(problem) = selection.as_ref().and_then(|selection| selection.problem.clone()) {
        return Err(Unavailable(problem));
    }
    let namespace = state.namespaces.get(name).await?;
    parts.extensions.insert(Ns(Arc::clone(&namespace)));
    Ok(namespace)
}

impl FromRequestParts<AppState> for Ns {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match resolve(parts, state).await {
            Ok(namespace) => Ok(Ns(namespace)),
            Err(Unavailable(problem)) => Err(crate::vendors::Vendor::of_path(parts.uri.path()).error(problem)),
        }
    }
}

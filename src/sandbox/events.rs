//! The live feed of what changes, for the dashboard: `GET /__admin/events`, a stream of
//! Server-Sent Events that says which part of which namespace changed (its journal, its
//! stored state, its fault rules, its clock) or that the set of namespaces did. An event
//! carries no data of its own: the page reads what changed through the control plane, so
//! the token and the masking rules of those routes hold for it too.
//!
//! Nobody watching costs the vendor APIs nothing but a check that nobody is subscribed. A
//! watcher gets the changes of 100 ms at a time, each named once, so a load of thousands of
//! requests a second sends it ten small events a second; one that falls behind is told to
//! read everything again (`{"resync": true}`).

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::AppState;
use crate::store;

/// Changes a watcher may not have read yet before it is told to read everything again.
const BACKLOG: usize = 4096;
/// How long a watcher's changes are gathered before they are sent as one event.
const GATHER: Duration = Duration::from_millis(100);
/// A comment sent on an idle stream, so that nothing in between closes it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What changed in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// A request was journaled, or the journal emptied.
    Journal,
    /// Its stored state: users, balances, purchases, accounts, methods, payments, snapshots.
    State,
    /// A fault rule was added, removed or used.
    Faults,
    Clock,
}

#[derive(Debug, Clone)]
struct Told {
    namespace: Arc<str>,
    change: Change,
}

/// Where the in-memory parts of the namespaces tell what changed; cheap to clone.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<Told>,
    /// Set to true when the server stops, which ends every stream.
    stopping: watch::Sender<bool>,
}

impl Default for Events {
    fn default() -> Events {
        Events { sender: broadcast::Sender::new(BACKLOG), stopping: watch::Sender::new(false) }
    }
}

impl Events {
    /// Tells whoever watches that `change` happened in `namespace`.
    pub fn tell(&self, namespace: &Arc<str>, change: Change) {
        if self.sender.receiver_count() > 0 {
            // A send fails only when the last watcher has just gone.
            let _ = self.sender.send(Told { namespace: Arc::clone(namespace), change });
        }
    }

    /// Ends every stream, so that a graceful shutdown need not wait for watchers that never
    /// go.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }
}

/// One event as the page reads it: the changes gathered, by namespace.
#[derive(Debug, Default, Serialize)]
struct Gathered {
    /// Namespace name → what changed in it.
    changes: std::collections::BTreeMap<Arc<str>, BTreeSet<Change>>,
    /// Namespaces were made, deleted or imported: read the list again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    namespaces: bool,
    /// Changes were missed: read everything again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    resync: bool,
}

impl Gathered {
    fn is_empty(&self) -> bool {
        self.changes.is_empty() && !self.namespaces && !self.resync
    }

    fn add(&mut self, told: Result<Told, broadcast::error::TryRecvError>) {
        match told {
            Ok(Told { namespace, change }) => {
                self.changes.entry(namespace).or_default().insert(change);
            }
            Err(broadcast::error::TryRecvError::Lagged(_)) => self.resync = true,
            Err(_) => {}
        }
    }

    fn add_stored(&mut self, changed: Result<store::Changed, broadcast::error::TryRecvError>) {
        match changed {
            Ok(store::Changed::Namespace { name, created }) => {
                self.changes.entry(name).or_default().insert(Change::State);
                self.namespaces |= created;
            }
            Ok(store::Changed::Namespaces) => self.namespaces = true,
            Err(broadcast::error::TryRecvError::Lagged(_)) => self.resync = true,
            Err(_) => {}
        }
    }
}

/// What one watcher's stream waits on.
struct Watcher {
    told: broadcast::Receiver<Told>,
    stored: broadcast::Receiver<store::Changed>,
    stopping: watch::Receiver<bool>,
    first: bool,
}

impl Watcher {
    /// The next event: the changes of the next [`GATHER`] after one happens; `None` once
    /// the server stops.
    async fn next(&mut self) -> Option<Gathered> {
        let mut gathered = Gathered::default();
        if std::mem::take(&mut self.first) {
            // Says the stream is open: the page reads everything once it is.
            gathered.resync = true;
            return Some(gathered);
        }
        // Waits for the first change, then gathers for a while.
        tokio::select! {
            told = self.told.recv() => gathered.add(told.map_err(recv_to_try)),
            stored = self.stored.recv() => gathered.add_stored(stored.map_err(recv_to_try)),
            _ = self.stopping.wait_for(|stopping| *stopping) => return None,
        }
        tokio::select! {
            () = tokio::time::sleep(GATHER) => {}
            _ = self.stopping.wait_for(|stopping| *stopping) => return None,
        }
        loop {
            match self.told.try_recv() {
                Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed) => break,
                told => gathered.add(told),
            }
        }
        loop {
            match self.stored.try_recv() {
                Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed) => break,
                stored => gathered.add_stored(stored),
            }
        }
        Some(gathered)
    }
}

fn recv_to_try(error: broadcast::error::RecvError) -> broadcast::error::TryRecvError {
    match error {
        broadcast::error::RecvError::Lagged(missed) => broadcast::error::TryRecvError::Lagged(missed),
        broadcast::error::RecvError::Closed => broadcast::error::TryRecvError::Closed,
    }
}

/// `GET /__admin/events`: the stream. Its first event is `{"resync": true}`, once it is
/// open; each after names what changed, such as
/// `{"changes": {"default": ["journal", "state"]}}`.
pub async fn stream(State(state): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = state.namespaces.events();
    let watcher = Watcher {
        told: events.sender.subscribe(),
        stored: state.store.changes(),
        stopping: events.stopping.subscribe(),
        first: true,
    };
    let stream = futures_util::stream::unfold(watcher, |mut watcher| async move {
        loop {
            let gathered = watcher.next().await?;
            if !gathered.is_empty() {
                let data = serde_json::to_string(&gathered).unwrap_or_else(|_| r#"{"resync":true}"#.to_owned());
                return Some((Ok(Event::default().event("change").data(data)), watcher));
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

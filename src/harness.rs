//! paymock in-process, for Rust tests: [`Sandbox::start`] serves it on `127.0.0.1` at a free
//! port, with an in-memory store and the default fixtures, and dropping it stops it.
//! [`Sandbox::namespace`] gives a test state of its own on the same server. The controls
//! ([`SandboxNamespace`]) are called in-process, with no HTTP client, and return the types
//! the control plane serialises.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sandbox = paymock::Sandbox::start().await;
//! let ns = sandbox.namespace("case-42");
//! assert_eq!(ns.url(), format!("{}/ns/case-42", sandbox.url()));
//! // Point the client under test at ns.url(); then look at what it did:
//! assert_eq!(ns.received("POST", "/molpro/credit/purchase"), 0);
//! # }
//! ```
//!
//! A crate uses it from its dev-dependencies, without the command line:
//! `paymock = { path = "…", default-features = false }`.

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::AppState;
use crate::domain::money::Cents;
use crate::domain::names;
use crate::sandbox::admin::AdminError;
use crate::sandbox::control::{FaultRule, StateDocument};
use crate::sandbox::fixtures::{FixtureError, Fixtures};
use crate::sandbox::journal::{DEFAULT_JOURNAL_MEMORY, Entry, Filter};
use crate::sandbox::namespaces::{Namespace, Namespaces};
use crate::store::{
    DEFAULT, DEFAULT_MAX_NAMESPACES, Database, FixtureLoad, SnapshotFilter, SnapshotInfo, Store, StoreError, Template,
};

/// How to start a [`Sandbox`]; [`Sandbox::builder`] makes one.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sandbox = paymock::Sandbox::builder()
///     .frozen_clock("2031-01-01T00:00:00Z".parse().unwrap())
///     .journal_size(100)
///     .start()
///     .await;
/// assert_eq!(sandbox.clock().now, "2031-01-01T00:00:00.000Z");
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until started"]
pub struct SandboxBuilder {
    fixtures: Option<PathBuf>,
    database: Database,
    admin_token: Option<String>,
    frozen_at: Option<DateTime<Utc>>,
    journal_size: usize,
    journal_memory: usize,
    max_namespaces: usize,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            fixtures: None,
            database: Database::Memory,
            admin_token: None,
            frozen_at: None,
            journal_size: 10_000,
            journal_memory: DEFAULT_JOURNAL_MEMORY,
            max_namespaces: DEFAULT_MAX_NAMESPACES,
        }
    }
}

impl SandboxBuilder {
    /// Fixture files to use instead of the built-in ones, file by file, as `--fixtures DIR`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::builder().fixtures("fixtures").start().await;
    /// assert_eq!(sandbox.state().await.hostway.accounts.len(), 2);
    /// # }
    /// ```
    pub fn fixtures(mut self, dir: impl Into<PathBuf>) -> Self {
        self.fixtures = Some(dir.into());
        self
    }

    /// A SQLite file to keep the state in, instead of memory.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dir = std::env::temp_dir().join(format!("paymock-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let sandbox = paymock::Sandbox::builder().database(dir.join("paymock.db")).start().await;
    /// sandbox.shutdown().await;
    /// assert!(dir.join("paymock.db").exists());
    /// std::fs::remove_dir_all(&dir).unwrap();
    /// # }
    /// ```
    pub fn database(mut self, path: impl Into<PathBuf>) -> Self {
        self.database = Database::File(path.into());
        self
    }

    /// The bearer token the control plane's HTTP routes require (the in-process controls
    /// never do).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::builder().admin_token("s3cret").start().await;
    /// sandbox.reset().await.unwrap(); // in-process controls need no token
    /// # }
    /// ```
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// Every namespace's clock starts frozen at this instant, rather than in real time.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let at = "2031-01-01T00:00:00Z".parse().unwrap();
    /// let sandbox = paymock::Sandbox::builder().frozen_clock(at).start().await;
    /// assert!(sandbox.clock().frozen);
    /// # }
    /// ```
    pub fn frozen_clock(mut self, at: DateTime<Utc>) -> Self {
        self.frozen_at = Some(at);
        self
    }

    /// How many requests each namespace's journal keeps.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::builder().journal_size(0).start().await;
    /// assert_eq!(sandbox.received("GET", "/molpro/credit"), 0);
    /// # }
    /// ```
    pub fn journal_size(mut self, size: usize) -> Self {
        self.journal_size = size;
        self
    }

    /// How many bytes of memory the journals of all namespaces keep together; past it the
    /// oldest entries are dropped, whichever namespace's they are.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::builder().journal_memory(64 << 20).start().await;
    /// # }
    /// ```
    pub fn journal_memory(mut self, bytes: usize) -> Self {
        self.journal_memory = bytes;
        self
    }

    /// How many namespaces there may be.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::builder().max_namespaces(100).start().await;
    /// sandbox.namespace("one").reset().await.unwrap();
    /// # }
    /// ```
    pub fn max_namespaces(mut self, max: usize) -> Self {
        self.max_namespaces = max;
        self
    }

    /// Starts the sandbox; panics, saying why, if it cannot (see [`SandboxBuilder::try_start`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::builder().start().await;
    /// assert!(sandbox.url().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub async fn start(self) -> Sandbox {
        match self.try_start().await {
            Ok(sandbox) => sandbox,
            Err(err) => panic!("paymock cannot start: {err}"),
        }
    }

    /// Starts the sandbox, or says why it cannot.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let failed = paymock::Sandbox::builder().fixtures("/no/such/folder").try_start().await;
    /// assert!(failed.is_err());
    /// # }
    /// ```
    pub async fn try_start(self) -> Result<Sandbox, StartError> {
        let fixtures = Arc::new(Fixtures::load(self.fixtures.as_deref())?);
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.map_err(StartError::Listen)?;
        let address = listener.local_addr().map_err(StartError::Listen)?;
        let template = Template { fixtures: Arc::clone(&fixtures), max_namespaces: self.max_namespaces };
        let store = Store::open(&self.database, template).await?;
        store.load_fixtures(FixtureLoad::IfNew).await.map_err(StartError::Fixtures)?;
        let state = AppState {
            namespaces: Arc::new(
                Namespaces::new(store.clone(), self.journal_size, self.frozen_at).journal_memory(self.journal_memory),
            ),
            store,
            fixtures,
            public_url: None,
            admin_token: self.admin_token.map(Arc::from),
            read_timeout: Duration::from_secs(30),
            access_log: false,
            fault_headers: true,
        };
        let (stop, stopped) = oneshot::channel();
        let served = tokio::spawn(crate::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        let url = format!("http://{address}");
        let default = SandboxNamespace::new(&state, &url, DEFAULT);
        Ok(Sandbox { url, state, default, stop: Some(stop), served: Some(served) })
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the fixtures: {0}")]
    Fixtures(#[source] crate::store::Error),
    #[error(transparent)]
    FixtureFiles(#[from] FixtureError),
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// paymock, served on `127.0.0.1` at a port of its own until dropped. It is also the
/// namespace `default` (through `Deref`), so the controls of [`SandboxNamespace`] work on it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sandbox = paymock::Sandbox::start().await;
/// assert!(sandbox.url().starts_with("http://127.0.0.1:"));
/// sandbox.seed_click2mail_user("buyer", "pw", paymock::Cents::new(25_00)).await.unwrap();
/// assert_eq!(sandbox.state().await.click2mail.users.len(), 2);
/// sandbox.shutdown().await;
/// # }
/// ```
#[derive(Debug)]
pub struct Sandbox {
    url: String,
    state: AppState,
    default: SandboxNamespace,
    stop: Option<oneshot::Sender<()>>,
    served: Option<JoinHandle<std::io::Result<()>>>,
}

impl Sandbox {
    /// A sandbox with an in-memory store and the default fixtures, on a free port.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// assert_eq!(sandbox.name(), "default");
    /// # }
    /// ```
    pub async fn start() -> Sandbox {
        SandboxBuilder::default().start().await
    }

    /// Options first: fixtures, a database file, an admin token, a frozen clock, the journal
    /// size.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::builder().journal_size(10).start().await;
    /// drop(sandbox); // stops it
    /// # }
    /// ```
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, the base URL of the namespace `default`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// let status_url = format!("{}/molpro/credit", sandbox.url());
    /// assert!(status_url.starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The namespace `name`: its base URL is `url()/ns/{name}`, and its state its own. It is
    /// made, from the fixtures, on its first request or control. Panics if `name` is not 1 to
    /// 64 of `A-Z a-z 0-9 . _ -` (nor `.` or `..`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// let ns = sandbox.namespace("worker-1");
    /// ns.seed_hostway_account("42", true).await.unwrap();
    /// assert_eq!(ns.state().await.hostway.accounts.len(), 3);
    /// assert_eq!(sandbox.state().await.hostway.accounts.len(), 2);
    /// # }
    /// ```
    pub fn namespace(&self, name: &str) -> SandboxNamespace {
        assert!(names::is_namespace(name), "the namespace name {name:?} {}", names::NAMESPACE_RULE);
        SandboxNamespace::new(&self.state, &self.url, name)
    }

    /// Stops serving and waits until the server has stopped and its database is closed; the
    /// port is free again. Dropping the sandbox stops it too, without waiting.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// let address = sandbox.url().trim_start_matches("http://").to_owned();
    /// sandbox.shutdown().await;
    /// assert!(std::net::TcpStream::connect(address).is_err());
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = served.await;
        }
        self.state.store.close().await;
    }
}

impl Deref for Sandbox {
    type Target = SandboxNamespace;

    /// The namespace `default`.
    fn deref(&self) -> &SandboxNamespace {
        &self.default
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One namespace of a [`Sandbox`], and its controls.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sandbox = paymock::Sandbox::start().await;
/// let ns = sandbox.namespace("snapshots");
/// ns.seed_click2mail_user("buyer", "pw", paymock::Cents::new(5_00)).await.unwrap();
/// ns.save_snapshot("seeded").await.unwrap();
/// ns.reset().await.unwrap();
/// ns.restore_snapshot("seeded").await.unwrap();
/// assert!(ns.state().await.click2mail.users.iter().any(|user| user.username == "buyer"));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SandboxNamespace {
    name: Arc<str>,
    url: String,
    namespaces: Arc<Namespaces>,
}

impl SandboxNamespace {
    fn new(state: &AppState, base: &str, name: &str) -> SandboxNamespace {
        let url = if name == DEFAULT { base.to_owned() } else { format!("{base}/ns/{name}") };
        SandboxNamespace { name: name.into(), url, namespaces: Arc::clone(&state.namespaces) }
    }

    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// assert_eq!(sandbox.namespace("case-1").name(), "case-1");
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The base URL to point a client at: `http://127.0.0.1:PORT/ns/{name}`, or without the
    /// prefix for `default`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// assert_eq!(sandbox.namespace("case-1").url(), format!("{}/ns/case-1", sandbox.url()));
    /// # }
    /// ```
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The namespace, made if it is new; a failure here is the store's, which a test cannot
    /// go on from.
    async fn namespace(&self) -> Arc<Namespace> {
        match self.namespaces.get(&self.name).await {
            Ok(namespace) => namespace,
            Err(err) => panic!("paymock: the namespace {} is not available: {err}", self.name),
        }
    }

    /// Its part in memory: the clock, the journal and the faults need nothing stored.
    fn in_memory(&self) -> Arc<Namespace> {
        self.namespaces.in_memory(&self.name)
    }

    /// Back to the fixtures and real time, with an empty journal and no fault rules.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// let ns = sandbox.namespace("reset");
    /// ns.seed_hostway_account("9", false).await.unwrap();
    /// ns.reset().await.unwrap();
    /// assert_eq!(ns.state().await.hostway.accounts.len(), 2);
    /// # }
    /// ```
    pub async fn reset(&self) -> Result<(), AdminError> {
        self.namespace().await.reset().await
    }

    /// The whole state, as `GET /__admin/state` shows it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// let state = sandbox.state().await;
    /// assert_eq!(state.click2mail.users[0].username, "awesomeuser");
    /// # }
    /// ```
    pub async fn state(&self) -> StateDocument {
        self.state_where(&SnapshotFilter::default()).await
    }

    /// The state narrowed to a user, an account, history since an instant, or a number of
    /// history entries, as the query parameters of `GET /__admin/state` narrow it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// let filter = paymock::store::SnapshotFilter { account: Some("1002".into()), ..Default::default() };
    /// assert_eq!(sandbox.state_where(&filter).await.hostway.accounts.len(), 1);
    /// # }
    /// ```
    pub async fn state_where(&self, filter: &SnapshotFilter) -> StateDocument {
        match self.namespace().await.state(filter).await {
            Ok(state) => state,
            Err(err) => panic!("paymock: cannot read the state of {}: {err}", self.name),
        }
    }

    /// The journal entries the filter picks (by method, path glob, user, status, since or
    /// outcome), newest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use paymock::journal::{Filter, Outcome};
    /// let sandbox = paymock::Sandbox::start().await;
    /// let declined = Filter { outcome: Some(Outcome::Declined), ..Filter::default() };
    /// assert!(sandbox.journal(&declined).is_empty());
    /// # }
    /// ```
    pub fn journal(&self, filter: &Filter) -> Vec<Entry> {
        self.in_memory().journal(filter, usize::MAX)
    }

    /// How many requests had this method and path (a glob such as `/accounts/*/paymentInfo`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// assert_eq!(sandbox.received("POST", "/accounts/*/paymentInfo"), 0);
    /// # }
    /// ```
    pub fn received(&self, method: &str, path: &str) -> usize {
        self.in_memory().received(method, path)
    }

    /// Sets the clock to `at`, from where it runs on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// sandbox.set_clock("2040-01-01T00:00:00Z".parse().unwrap());
    /// assert!(sandbox.clock().now.starts_with("2040-01-01T00:00:0"));
    /// # }
    /// ```
    pub fn set_clock(&self, at: DateTime<Utc>) {
        self.in_memory().set_clock(at, false);
    }

    /// Stops the clock at `at` until [`SandboxNamespace::resume_clock`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// sandbox.freeze_clock("2031-01-01T00:00:00Z".parse().unwrap());
    /// assert_eq!(sandbox.clock().now, "2031-01-01T00:00:00.000Z");
    /// # }
    /// ```
    pub fn freeze_clock(&self, at: DateTime<Utc>) {
        self.in_memory().set_clock(at, true);
    }

    /// Real time again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// sandbox.freeze_clock("2031-01-01T00:00:00Z".parse().unwrap());
    /// sandbox.resume_clock();
    /// assert!(!sandbox.clock().frozen);
    /// # }
    /// ```
    pub fn resume_clock(&self) {
        self.in_memory().resume_clock();
    }

    /// The clock, as `GET /__admin/clock` shows it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// assert!(!sandbox.clock().frozen);
    /// # }
    /// ```
    pub fn clock(&self) -> crate::sandbox::control::ClockDocument {
        self.in_memory().clock_document()
    }

    /// Adds a fault rule; gives its id. A rule that could not act (a body without a status,
    /// say) is refused as the control plane refuses it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use paymock::faults::{Action, Match};
    /// let sandbox = paymock::Sandbox::start().await;
    /// let rule = paymock::FaultRule {
    ///     matches: Match { path: Some("/molpro/*".into()), ..Match::default() },
    ///     action: Action { status: Some(503), ..Action::default() },
    ///     times: Some(1),
    /// };
    /// assert_eq!(sandbox.add_fault(rule).unwrap(), 1);
    /// # }
    /// ```
    pub fn add_fault(&self, rule: FaultRule) -> Result<u64, AdminError> {
        self.in_memory().add_fault(rule)
    }

    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// sandbox.clear_faults();
    /// # }
    /// ```
    pub fn clear_faults(&self) {
        self.in_memory().clear_faults();
    }

    /// Adds a Click2Mail user.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// sandbox.seed_click2mail_user("buyer", "pw", paymock::Cents::new(10_00)).await.unwrap();
    /// assert!(sandbox.seed_click2mail_user("buyer", "pw", paymock::Cents::ZERO).await.is_err());
    /// # }
    /// ```
    pub async fn seed_click2mail_user(&self, username: &str, password: &str, balance: Cents) -> Result<(), AdminError> {
        self.namespace().await.seed_click2mail_user(username, password, balance).await
    }

    /// Adds a Hostway account.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// sandbox.seed_hostway_account("42", true).await.unwrap();
    /// # }
    /// ```
    pub async fn seed_hostway_account(&self, id: &str, allow_offline: bool) -> Result<(), AdminError> {
        self.namespace().await.seed_hostway_account(id, allow_offline).await
    }

    /// Adds a Hostway user with roles, as (account id, role) pairs.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// let roles = [("1001".to_owned(), "sitecontrol_account_owner".to_owned())];
    /// sandbox.seed_hostway_user("owner-2", "pw", false, &roles).await.unwrap();
    /// # }
    /// ```
    pub async fn seed_hostway_user(
        &self,
        username: &str,
        password: &str,
        sales_agent: bool,
        roles: &[(String, String)],
    ) -> Result<(), AdminError> {
        self.namespace().await.seed_hostway_user(username, password, sales_agent, roles).await
    }

    /// Saves the whole state under `name`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// let saved = sandbox.save_snapshot("start").await.unwrap();
    /// assert_eq!(saved.name, "start");
    /// # }
    /// ```
    pub async fn save_snapshot(&self, name: &str) -> Result<SnapshotInfo, AdminError> {
        Ok(self.namespace().await.save_snapshot(name).await?.0)
    }

    /// Brings back the state saved under `name`, and its clock.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sandbox = paymock::Sandbox::start().await;
    /// sandbox.save_snapshot("start").await.unwrap();
    /// sandbox.restore_snapshot("start").await.unwrap();
    /// assert!(sandbox.restore_snapshot("missing").await.is_err());
    /// # }
    /// ```
    pub async fn restore_snapshot(&self, name: &str) -> Result<(), AdminError> {
        let namespace = self.namespace().await;
        namespace.restore_snapshot(&namespace, name).await
    }
}

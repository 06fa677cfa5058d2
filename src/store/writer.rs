//! The one writer: every change to the database goes through a single task that commits the
//! writes of many concurrent requests in one transaction (group commit) and answers each only
//! after that commit. One fsync then serves a whole batch, and since nothing else writes, the
//! in-memory [`Model`] can be kept in step: each write updates it after its commit and before
//! its answer, so a client that got an answer reads its own write.
//!
//! A batch whose transaction fails is rolled back and its writes are retried one transaction
//! each, so one failing write never takes the others with it.
//!
//! No commit waits for a checkpoint: the writer tells [`Checkpoints`] of each commit, which
//! copies the write-ahead log into the database file on another connection.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::Error;
use super::checkpoint::Checkpoints;
use super::model::{Model, NamespaceModel, load_namespace, read_lock, write_lock};
use super::namespaces::{self, Template};

/// At most this many writes share one transaction.
const MAX_BATCH: usize = 256;
/// Writes waiting for the writer beyond this make their requests wait to be queued.
const QUEUE_DEPTH: usize = 4096;

/// A change to one namespace. The writer gives it the namespace to write into, creating the
/// namespace from the fixtures first when it does not exist (yet, or any more): a write never
/// finds its namespace missing.
pub(super) trait NamespaceWrite: Send + Sync + 'static {
    type Output: Send + 'static;

    /// Makes the change inside the batch's transaction and says what became of it.
    fn apply<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
        namespace: Scope,
    ) -> impl Future<Output = Result<Self::Output, sqlx::Error>> + Send + 'a;

    /// Makes a run of changes of this kind, each into its namespace, as `apply` would one
    /// after the other, and says what became of each, in order. By default it does just that;
    /// a kind whose run can be one statement says so here, so that a batch of like writes
    /// costs one round trip to the database instead of one each.
    fn apply_run<'a>(
        run: &'a [(&'a Self, Scope)],
        conn: &'a mut SqliteConnection,
    ) -> impl Future<Output = Result<Vec<Self::Output>, sqlx::Error>> + Send + 'a
    where
        Self: Sized,
    {
        async move {
            let mut outputs = Vec::with_capacity(run.len());
            for (write, namespace) in run {
                outputs.push(write.apply(conn, *namespace).await?);
            }
            Ok(outputs)
        }
    }

    /// Brings the namespace's model in step with the committed change, completing the output
    /// from it where the change left that to the model.
    fn mirror(&self, output: &mut Self::Output, model: &mut NamespaceModel);

    /// Whether the change was too broad to mirror, so the namespace's model is loaded again.
    fn reloads_namespace(&self, _output: &Self::Output) -> bool {
        false
    }
}

/// A change to the store as a whole, such as deleting namespaces. It is committed in a
/// transaction of its own.
pub(super) trait StoreWrite: Send + Sync + 'static {
    type Output: Send + 'static;

    fn apply<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
    ) -> impl Future<Output = Result<Self::Output, sqlx::Error>> + Send + 'a;

    fn mirror(&self, output: &mut Self::Output, model: &mut Model);

    /// Whether the change was too broad to mirror, so the whole model is loaded again.
    fn reloads_model(&self, _output: &Self::Output) -> bool {
        false
    }

    /// The namespaces the change rewrote, whose models are loaded again.
    fn reloads_namespaces(&self, _output: &Self::Output) -> Vec<Arc<str>> {
        Vec::new()
    }
}

/// The namespace a write goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scope {
    /// Its id, which its rows carry.
    pub(super) id: i64,
    /// Whether it was created, from the fixtures, for this write.
    pub(super) created: bool,
}

/// A handle on the writer task; cheap to clone. The task ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
    counts: Arc<Counts>,
    #[cfg(test)]
    checkpoints: tokio::sync::watch::Receiver<super::checkpoint::Progress>,
    changed: broadcast::Sender<Changed>,
}

/// What a committed write changed, told to whoever subscribed with [`Writer::changes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// The stored state of one namespace, which the write made when `created`.
    Namespace { name: Arc<str>, created: bool },
    /// The store as a whole: namespaces were deleted, or imported.
    Namespaces,
}

/// Changes a subscriber may not have read yet before it misses some.
const CHANGES_BACKLOG: usize = 4096;

/// How much the writer has committed: its design is that many writes share a commit, and
/// like writes in it share their statements.
#[derive(Debug, Default)]
struct Counts {
    commits: AtomicU64,
    writes: AtomicU64,
    runs: AtomicU64,
}

/// Transactions committed, the writes they held, and the runs those made, since the store
/// was opened. A run is writes of one kind next to each other in a transaction, applied
/// together: a run of purchases is one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteCounts {
    pub commits: u64,
    pub writes: u64,
    pub runs: u64,
}

/// What the writer task owns.
struct Task {
    pool: SqlitePool,
    model: Arc<RwLock<Model>>,
    counts: Arc<Counts>,
    template: Arc<Template>,
    changed: broadcast::Sender<Changed>,
    /// Told of each commit; the checkpoints end with the task.
    checkpoints: Checkpoints,
}

impl Writer {
    pub(super) fn start(
        pool: SqlitePool,
        model: Arc<RwLock<Model>>,
        template: Arc<Template>,
    ) -> (Writer, tokio::task::JoinHandle<()>) {
        let (jobs, queue) = mpsc::channel(QUEUE_DEPTH);
        let counts = Arc::new(Counts::default());
        let changed = broadcast::Sender::new(CHANGES_BACKLOG);
        let checkpoints = Checkpoints::start(pool.clone());
        let writer = Writer {
            jobs,
            counts: Arc::clone(&counts),
            changed: changed.clone(),
            #[cfg(test)]
            checkpoints: checkpoints.progress(),
        };
        let task = Task { pool, model, counts, template, changed, checkpoints };
        (writer, tokio::spawn(task.run(queue)))
    }

    /// How far the checkpoints have got.
    #[cfg(test)]
    pub(super) fn checkpoints(&self) -> tokio::sync::watch::Receiver<super::checkpoint::Progress> {
        self.checkpoints.clone()
    }

    /// What each commit changes from now on.
    pub(super) fn changes(&self) -> broadcast::Receiver<Changed> {
        self.changed.subscribe()
    }

    pub(super) fn counts(&self) -> WriteCounts {
        WriteCounts {
            commits: self.counts.commits.load(Ordering::Relaxed),
            writes: self.counts.writes.load(Ordering::Relaxed),
            runs: self.counts.runs.load(Ordering::Relaxed),
        }
    }

    /// Queues a write into the namespace and waits for its commit.
    pub(super) async fn write_in<W: NamespaceWrite>(&self, namespace: &Arc<str>, write: W) -> Result<W::Output, Error> {
        let job = InNamespace { namespace: Arc::clone(namespace), write, output: None, refused: None, reply: None };
        self.send(job, |job, reply| job.reply = Some(reply)).await
    }

    /// Queues a write to the whole store and waits for its commit.
    pub(super) async fn write<W: StoreWrite>(&self, write: W) -> Result<W::Output, Error> {
        let job = WholeStore { write, output: None, reply: None };
        self.send(job, |job, reply| job.reply = Some(reply)).await
    }

    async fn send<J: Job + 'static, T>(
        &self,
        mut job: J,
        set_reply: impl FnOnce(&mut J, oneshot::Sender<Result<T, Error>>),
    ) -> Result<T, Error> {
        let (reply, answer) = oneshot::channel();
        set_reply(&mut job, reply);
        self.jobs.send(Box::new(job)).await.map_err(|_| Error::Database(sqlx::Error::PoolClosed))?;
        answer.await.map_err(|_| Error::Database(sqlx::Error::PoolClosed))?
    }
}

/// What a committed job asks of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reload {
    Nothing,
    /// The namespace it wrote into.
    Namespace,
    Namespaces(Vec<Arc<str>>),
    Everything,
}

/// A future the writer awaits within its transaction.
type Applying<'a> = Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'a>>;

/// Applies a run of jobs of one kind of [`NamespaceWrite`], each into its namespace.
type ApplyRun = for<'a> fn(&'a mut [Box<dyn Job>], &'a [Scope], &'a mut SqliteConnection) -> Applying<'a>;

/// A write with its answer, its type erased so writes of every kind share one queue.
trait Job: Send + Any {
    /// The namespace it writes into; `None` for a write to the whole store.
    fn namespace(&self) -> Option<&Arc<str>>;
    fn apply<'a>(&'a mut self, conn: &'a mut SqliteConnection, scope: Option<Scope>) -> Applying<'a>;
    /// Its kind of [`NamespaceWrite`], and how a run of that kind is applied, when it writes
    /// into a namespace: jobs of one kind next to each other in a batch make one run.
    fn run_applier(&self) -> Option<(TypeId, ApplyRun)>;
    /// Answers it with this error, without applying it.
    fn refuse(&mut self, error: Error);
    fn mirror(&mut self, model: &mut Model);
    fn reloads(&self) -> Reload;
    /// Forgets the output of an attempt that was rolled back.
    fn roll_back(&mut self);
    fn answer(&mut self, result: Result<(), sqlx::Error>);
}

struct InNamespace<W: NamespaceWrite> {
    namespace: Arc<str>,
    write: W,
    output: Option<W::Output>,
    refused: Option<Error>,
    reply: Option<oneshot::Sender<Result<W::Output, Error>>>,
}

impl<W: NamespaceWrite> Job for InNamespace<W> {
    fn namespace(&self) -> Option<&Arc<str>> {
        Some(&self.namespace)
    }

    fn apply<'a>(&'a mut self, conn: &'a mut SqliteConnection, scope: Option<Scope>) -> Applying<'a> {
        Box::pin(async move {
            let scope =
                scope.ok_or_else(|| sqlx::Error::Protocol("a namespace write was given no namespace".into()))?;
            self.output = Some(self.write.apply(conn, scope).await?);
            Ok(())
        })
    }

    fn run_applier(&self) -> Option<(TypeId, ApplyRun)> {
        Some((TypeId::of::<W>(), apply_run::<W>))
    }

    fn refuse(&mut self, error: Error) {
        self.refused = Some(error);
    }

    fn mirror(&mut self, model: &mut Model) {
        if let (Some(output), Some(namespace)) = (&mut self.output, model.namespaces.get_mut(&self.namespace)) {
            self.write.mirror(output, namespace);
        }
    }

    fn reloads(&self) -> Reload {
        match &self.output {
            Some(output) if self.write.reloads_namespace(output) => Reload::Namespace,
            _ => Reload::Nothing,
        }
    }

    fn roll_back(&mut self) {
        self.output = None;
        self.refused = None;
    }

    fn answer(&mut self, result: Result<(), sqlx::Error>) {
        let result = match self.refused.take() {
            Some(refused) => Err(refused),
            None => result.and_then(|()| self.output.take().ok_or(sqlx::Error::RowNotFound)).map_err(Error::Database),
        };
        if let Some(reply) = self.reply.take() {
            // The request may have gone; its write stands all the same.
            let _ = reply.send(result);
        }
    }
}

/// Applies a run of jobs that are all [`InNamespace<W>`], through [`NamespaceWrite::apply_run`].
fn apply_run<'a, W: NamespaceWrite>(
    run: &'a mut [Box<dyn Job>],
    scopes: &'a [Scope],
    conn: &'a mut SqliteConnection,
) -> Applying<'a> {
    Box::pin(async move {
        let mixed = || sqlx::Error::Protocol("a run of writes mixed their kinds".into());
        let outputs = {
            let writes: Vec<(&W, Scope)> = run
                .iter()
                .zip(scopes)
                .filter_map(|(job, scope)| {
                    Some((&(job.as_ref() as &dyn Any).downcast_ref::<InNamespace<W>>()?.write, *scope))
                })
                .collect();
            if writes.len() != run.len() {
                return Err(mixed());
            }
            W::apply_run(&writes, conn).await?
        };
        if outputs.len() != run.len() {
            return Err(sqlx::Error::Protocol("a run of writes did not say what became of each".into()));
        }
        for (job, output) in run.iter_mut().zip(outputs) {
            let job = (job.as_mut() as &mut dyn Any).downcast_mut::<InNamespace<W>>().ok_or_else(mixed)?;
            job.output = Some(output);
        }
        Ok(())
    })
}

struct WholeStore<W: StoreWrite> {
    write: W,
    output: Option<W::Output>,
    reply: Option<oneshot::Sender<Result<W::Output, Error>>>,
}

impl<W: StoreWrite> Job for WholeStore<W> {
    fn namespace(&self) -> Option<&Arc<str>> {
        None
    }

    fn apply<'a>(&'a mut self, conn: &'a mut SqliteConnection, _: Option<Scope>) -> Applying<'a> {
        Box::pin(async move {
            self.output = Some(self.write.apply(conn).await?);
            Ok(())
        })
    }

    fn run_applier(&self) -> Option<(TypeId, ApplyRun)> {
        None
    }

    fn refuse(&mut self, _: Error) {}

    fn mirror(&mut self, model: &mut Model) {
        if let Some(output) = &mut self.output {
            self.write.mirror(output, model);
        }
    }

    fn reloads(&self) -> Reload {
        match &self.output {
            Some(output) if self.write.reloads_model(output) => Reload::Everything,
            Some(output) => match self.write.reloads_namespaces(output) {
                names if names.is_empty() => Reload::Nothing,
                names => Reload::Namespaces(names),
            },
            None => Reload::Nothing,
        }
    }

    fn roll_back(&mut self) {
        self.output = None;
    }

    fn answer(&mut self, result: Result<(), sqlx::Error>) {
        let result = result.and_then(|()| self.output.take().ok_or(sqlx::Error::RowNotFound)).map_err(Error::Database);
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(result);
        }
    }
}

/// Where a job in a batch writes.
#[derive(Debug, Clone, Copy)]
enum Target {
    In(Scope),
    Store,
    /// Nowhere: it was refused, and is answered so.
    Refused,
}

impl Target {
    fn scope(&self) -> Option<Scope> {
        match self {
            Target::In(scope) => Some(*scope),
            Target::Store | Target::Refused => None,
        }
    }
}

/// How many jobs from the first make one run: namespace writes of one kind, next to each
/// other. Any other job is a run of its own.
fn run_length(jobs: &[Box<dyn Job>], targets: &[Target]) -> usize {
    let kind = match (targets[0], jobs[0].run_applier()) {
        (Target::In(_), Some((kind, _))) => kind,
        _ => return 1,
    };
    1 + jobs[1..]
        .iter()
        .zip(&targets[1..])
        .take_while(|(job, target)| {
            matches!(target, Target::In(_)) && job.run_applier().is_some_and(|(other, _)| other == kind)
        })
        .count()
}

/// Namespaces a transaction created, by name, with their models, made without reading the
/// database back.
type Created = HashMap<Arc<str>, NamespaceModel>;

impl Task {
    async fn run(mut self, mut queue: mpsc::Receiver<Box<dyn Job>>) {
        let mut received = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut received, MAX_BATCH).await > 0 {
            // Writes to namespaces share a transaction; a write to the whole store has its own.
            let mut rest = received.as_mut_slice();
            while !rest.is_empty() {
                let whole_store = rest[0].namespace().is_none();
                let len = if whole_store { 1 } else { rest.iter().take_while(|job| job.namespace().is_some()).count() };
                let (batch, after) = rest.split_at_mut(len);
                self.process(batch).await;
                rest = after;
            }
            received.clear();
            // Its batch answered, the writer has no transaction open.
            self.checkpoints.restart_log_when_due(&self.pool).await;
        }
    }

    async fn process(&self, batch: &mut [Box<dyn Job>]) {
        match self.commit(batch).await {
            Ok(created) => self.publish(batch, created).await,
            Err(err) if batch.len() == 1 => {
                batch[0].answer(Err(err));
                self.reload_everything().await;
            }
            Err(_) => {
                // Find the write that failed: each on its own.
                for job in batch {
                    job.roll_back();
                    let job = std::slice::from_mut(job);
                    match self.commit(job).await {
                        Ok(created) => self.publish(job, created).await,
                        Err(err) => {
                            job[0].answer(Err(err));
                            self.reload_everything().await;
                        }
                    }
                }
            }
        }
    }

    /// Applies the writes in one transaction, creating the namespaces they need, and commits
    /// it. Like writes next to each other are applied as one run.
    async fn commit(&self, batch: &mut [Box<dyn Job>]) -> Result<Created, sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut created = Created::new();
        let mut targets = Vec::with_capacity(batch.len());
        for job in batch.iter_mut() {
            targets.push(self.target(job.as_mut(), &mut tx, &mut created).await?);
        }
        let (mut at, mut runs) = (0, 0);
        while at < batch.len() {
            let len = run_length(&batch[at..], &targets[at..]);
            let (jobs, run_targets) = (&mut batch[at..at + len], &targets[at..at + len]);
            match (run_targets[0], jobs[0].run_applier()) {
                (Target::Refused, _) => {}
                (Target::Store, _) => jobs[0].apply(&mut tx, None).await?,
                (Target::In(scope), _) if len == 1 => jobs[0].apply(&mut tx, Some(scope)).await?,
                (Target::In(_), Some((_, apply_run))) => {
                    let scopes: Vec<Scope> = run_targets.iter().filter_map(Target::scope).collect();
                    apply_run(jobs, &scopes, &mut tx).await?
                }
                (Target::In(_), None) => return Err(sqlx::Error::Protocol("a run of writes has no applier".into())),
            }
            at += len;
            // A refused write makes no statement.
            runs += u64::from(!matches!(run_targets[0], Target::Refused));
        }
        tx.commit().await?;
        self.checkpoints.committed(self.counts.commits.fetch_add(1, Ordering::Relaxed) + 1);
        self.counts.writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.counts.runs.fetch_add(runs, Ordering::Relaxed);
        Ok(created)
    }

    /// Where the job writes: into a namespace (created from the fixtures first when it does
    /// not exist), the whole store, or nowhere, when a new namespace would pass the limit.
    async fn target(
        &self,
        job: &mut dyn Job,
        conn: &mut SqliteConnection,
        created: &mut Created,
    ) -> Result<Target, sqlx::Error> {
        let Some(name) = job.namespace().cloned() else { return Ok(Target::Store) };
        let (existing, count) = {
            let model = read_lock(&self.model);
            (model.namespaces.get(&name).map(|namespace| namespace.id), model.namespaces.len())
        };
        Ok(match existing.or_else(|| created.get(&name).map(|namespace| namespace.id)) {
            Some(id) => Target::In(Scope { id, created: false }),
            None if count + created.len() >= self.template.max_namespaces => {
                job.refuse(Error::NamespaceLimit { max: self.template.max_namespaces });
                Target::Refused
            }
            None => {
                let namespace = namespaces::create(conn, &name, &self.template).await?;
                let id = namespace.id;
                created.insert(name, namespace);
                Target::In(Scope { id, created: true })
            }
        })
    }

    /// Brings the model in step with a committed batch, then answers its writes.
    async fn publish(&self, batch: &mut [Box<dyn Job>], created: Created) {
        // Told once the writes are answered, so that a subscriber reads them.
        let created_names: Vec<Arc<str>> =
            if self.changed.receiver_count() > 0 { created.keys().cloned().collect() } else { Vec::new() };
        if batch.iter().any(|job| job.reloads() == Reload::Everything) {
            self.reload_everything().await;
        } else {
            let reloaded: Vec<Arc<str>> = batch
                .iter()
                .flat_map(|job| match job.reloads() {
                    Reload::Namespace => job.namespace().cloned().into_iter().collect(),
                    Reload::Namespaces(names) => names,
                    Reload::Nothing | Reload::Everything => Vec::new(),
                })
                .collect();
            write_lock(&self.model).namespaces.extend(created);
            {
                let mut model = write_lock(&self.model);
                for job in batch.iter_mut() {
                    if !job.namespace().is_some_and(|name| reloaded.contains(name)) {
                        job.mirror(&mut model);
                    }
                }
            }
            for name in reloaded {
                self.reload_namespace(&name).await;
            }
        }
        for job in batch.iter_mut() {
            job.answer(Ok(()));
        }
        self.tell(batch, &created_names);
    }

    /// Tells subscribers, if there are any, what a committed batch changed.
    fn tell(&self, batch: &[Box<dyn Job>], created: &[Arc<str>]) {
        if self.changed.receiver_count() == 0 {
            return;
        }
        for job in batch {
            let changed = match job.namespace() {
                Some(name) => Changed::Namespace { name: Arc::clone(name), created: created.contains(name) },
                None => Changed::Namespaces,
            };
            // A send fails only when the last subscriber has just gone.
            let _ = self.changed.send(changed);
        }
    }

    /// Loads the namespace's model again, by its name: one the change made is added, one it
    /// deleted removed.
    async fn reload_namespace(&self, name: &Arc<str>) {
        let loaded = match self.pool.acquire().await {
            Ok(mut conn) => {
                let id: Result<Option<i64>, _> =
                    sqlx::query_scalar("SELECT id FROM paymock_namespaces WHERE name = ?1")
                        .bind(&**name)
                        .fetch_optional(&mut *conn)
                        .await;
                match id {
                    Ok(Some(id)) => load_namespace(&mut conn, id).await,
                    Ok(None) => Ok(None),
                    Err(err) => Err(err),
                }
            }
            Err(err) => Err(err),
        };
        match loaded {
            Ok(Some((name, namespace))) => {
                let mut model = write_lock(&self.model);
                // Its last use is the model's to keep.
                if let Some(old) = model.namespaces.get(&name) {
                    namespace.touch(old.last_used_ms());
                }
                model.namespaces.insert(name, namespace);
            }
            Ok(None) => {
                write_lock(&self.model).namespaces.remove(name);
            }
            Err(err) => tracing::error!(%err, namespace = %name, "cannot load a namespace from the database"),
        }
    }

    /// Loads the model from the database again, after a change too broad to mirror or a failed
    /// commit whose effect is uncertain.
    async fn reload_everything(&self) {
        let loaded = match self.pool.acquire().await {
            Ok(mut conn) => Model::load(&mut conn).await,
            Err(err) => Err(err),
        };
        match loaded {
            Ok(loaded) => {
                let mut model = write_lock(&self.model);
                for (name, namespace) in &loaded.namespaces {
                    if let Some(old) = model.namespaces.get(name) {
                        namespace.touch(old.last_used_ms());
                    }
                }
                *model = loaded;
            }
            Err(err) => tracing::error!(%err, "cannot load the model from the database"),
        }
    }
}

//! The one writer: every change to the database goes through a single task that commits the
//! writes of many concurrent requests in one transaction (group commit) and answers each only
//! after that commit. One fsync then serves a whole batch, and since nothing else writes, the
//! in-memory [`Model`] can be kept in step: each write updates it after its commit and before
//! its answer, so a client that got an answer reads its own write.
//!
//! A batch whose transaction fails is rolled back and its writes are retried one transaction
//! each, so one failing write never takes the others with it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::model::{Model, write_lock};

/// At most this many writes share one transaction.
const MAX_BATCH: usize = 256;
/// Writes waiting for the writer beyond this make their requests wait to be queued.
const QUEUE_DEPTH: usize = 4096;

/// One kind of change to the database.
pub(super) trait Write: Send + Sync + 'static {
    type Output: Send + 'static;

    /// Makes the change inside the batch's transaction and says what became of it.
    fn apply<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
    ) -> impl Future<Output = Result<Self::Output, sqlx::Error>> + Send + 'a;

    /// Brings the model in step with the committed change, completing the output from it
    /// where the change left that to the model.
    fn mirror(&self, output: &mut Self::Output, model: &mut Model);

    /// Whether the change was too broad to mirror, so the model is loaded again after it.
    fn reloads_model(&self, _output: &Self::Output) -> bool {
        false
    }
}

/// A handle on the writer task; cheap to clone. The task ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
    counts: Arc<Counts>,
}

/// How much the writer has committed: its design is that many writes share a commit.
#[derive(Debug, Default)]
struct Counts {
    commits: AtomicU64,
    writes: AtomicU64,
}

/// Transactions committed, and the writes they held, since the store was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteCounts {
    pub commits: u64,
    pub writes: u64,
}

impl Writer {
    pub(super) fn start(pool: SqlitePool, model: Arc<RwLock<Model>>) -> (Writer, tokio::task::JoinHandle<()>) {
        let (jobs, queue) = mpsc::channel(QUEUE_DEPTH);
        let counts = Arc::new(Counts::default());
        let task = tokio::spawn(run(pool, model, Arc::clone(&counts), queue));
        (Writer { jobs, counts }, task)
    }

    pub(super) fn counts(&self) -> WriteCounts {
        WriteCounts {
            commits: self.counts.commits.load(Ordering::Relaxed),
            writes: self.counts.writes.load(Ordering::Relaxed),
        }
    }

    /// Queues the write and waits for its commit.
    pub(super) async fn write<W: Write>(&self, write: W) -> Result<W::Output, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Pending { write, output: None, reply: Some(reply) });
        self.jobs.send(job).await.map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

/// A write with its answer, its type erased so writes of every kind share one queue.
trait Job: Send {
    fn apply<'a>(
        &'a mut self,
        conn: &'a mut SqliteConnection,
    ) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'a>>;
    fn mirror(&mut self, model: &mut Model);
    fn reloads_model(&self) -> bool;
    /// Forgets the output of an attempt that was rolled back.
    fn roll_back(&mut self);
    fn answer(&mut self, result: Result<(), sqlx::Error>);
}

impl std::fmt::Debug for dyn Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

struct Pending<W: Write> {
    write: W,
    output: Option<W::Output>,
    reply: Option<oneshot::Sender<Result<W::Output, sqlx::Error>>>,
}

impl<W: Write> Job for Pending<W> {
    fn apply<'a>(
        &'a mut self,
        conn: &'a mut SqliteConnection,
    ) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'a>> {
        Box::pin(async move {
            self.output = Some(self.write.apply(conn).await?);
            Ok(())
        })
    }

    fn mirror(&mut self, model: &mut Model) {
        if let Some(output) = &mut self.output {
            self.write.mirror(output, model);
        }
    }

    fn reloads_model(&self) -> bool {
        self.output.as_ref().is_some_and(|output| self.write.reloads_model(output))
    }

    fn roll_back(&mut self) {
        self.output = None;
    }

    fn answer(&mut self, result: Result<(), sqlx::Error>) {
        let result = result.and_then(|()| self.output.take().ok_or(sqlx::Error::RowNotFound));
        if let Some(reply) = self.reply.take() {
            // The request may have gone; its write stands all the same.
            let _ = reply.send(result);
        }
    }
}

async fn run(
    pool: SqlitePool,
    model: Arc<RwLock<Model>>,
    counts: Arc<Counts>,
    mut queue: mpsc::Receiver<Box<dyn Job>>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match commit(&pool, &counts, &mut batch).await {
            Ok(()) => publish(&pool, &model, &mut batch).await,
            Err(err) if batch.len() == 1 => {
                batch[0].answer(Err(err));
                reload(&pool, &model).await;
            }
            Err(_) => {
                // Find the write that failed: each on its own.
                for job in &mut batch {
                    job.roll_back();
                    match commit(&pool, &counts, std::slice::from_mut(job)).await {
                        Ok(()) => publish(&pool, &model, std::slice::from_mut(job)).await,
                        Err(err) => {
                            job.answer(Err(err));
                            reload(&pool, &model).await;
                        }
                    }
                }
            }
        }
        batch.clear();
    }
}

/// Applies the writes in one transaction and commits it.
async fn commit(pool: &SqlitePool, counts: &Counts, batch: &mut [Box<dyn Job>]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for job in batch.iter_mut() {
        job.apply(&mut tx).await?;
    }
    tx.commit().await?;
    counts.commits.fetch_add(1, Ordering::Relaxed);
    counts.writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
    Ok(())
}

/// Brings the model in step with a committed batch, then answers its writes.
async fn publish(pool: &SqlitePool, model: &RwLock<Model>, batch: &mut [Box<dyn Job>]) {
    if batch.iter().any(|job| job.reloads_model()) {
        reload(pool, model).await;
    } else {
        let mut model = write_lock(model);
        for job in batch.iter_mut() {
            job.mirror(&mut model);
        }
    }
    for job in batch {
        job.answer(Ok(()));
    }
}

/// Loads the model from the database again, after a change too broad to mirror or a failed
/// commit whose effect is uncertain.
async fn reload(pool: &SqlitePool, model: &RwLock<Model>) {
    match Model::load(pool).await {
        Ok(loaded) => *write_lock(model) = loaded,
        Err(err) => tracing::error!(%err, "cannot load the model from the database"),
    }
}

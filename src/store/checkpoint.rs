//! Copies the write-ahead log into the database file, off the commit path. The connections do
//! not checkpoint by themselves (`wal_autocheckpoint` is off, see [`super::Store::open`]), so
//! no commit waits for one; a task of its own does, on another connection:
//!
//! - as soon as [`EVERY`] commits are not in the file yet, however busy the writer is;
//! - once the writer has been quiet for [`QUIET`], so that a suite's last writes reach the file
//!   too.
//!
//! Its checkpoints are `PASSIVE`: they never block the writer, and so may leave frames behind,
//! those a reader still uses or whose read lock was taken at that instant. Such a checkpoint is
//! tried again after [`QUIET`], whether or not anything more is committed, until every commit
//! is in the file.
//!
//! The log itself is written from its beginning again only by a transaction that begins when
//! everything in it is checkpointed. Under a steady stream of commits that never happens by
//! itself, since the writer commits more while the task checkpoints, and the log would grow
//! for as long as the stream lasts. So every [`RESTART_EVERY`] commits the writer, between two
//! of its transactions, checkpoints what the task has left, and its next transaction starts the
//! log over (cut back to `journal_size_limit`, see [`super::Store::open`]). That checkpoint is
//! the one the writes queued meanwhile wait for: a few commits' worth, about a millisecond. A
//! reader still in the log, or the task's own checkpoint at that instant, puts the restart off:
//! an incomplete checkpoint is tried again [`EVERY`] commits later, a restart skipped for a
//! reader [`RESTART_EVERY`] commits later.

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::watch;

/// A checkpoint is due as soon as this many commits are not in the database file yet.
pub(super) const EVERY: u64 = 64;
/// The writer checkpoints itself, so that the log starts over, once in this many commits.
pub(super) const RESTART_EVERY: u64 = 512;
/// How long the writer stays quiet before what it committed is checkpointed, and how long an
/// incomplete checkpoint waits before it is tried again.
const QUIET: Duration = Duration::from_millis(200);

/// The writer's side of the checkpoints: it tells each commit. The checkpoints end when this
/// is dropped, or when the pool is closed.
#[derive(Debug)]
pub(super) struct Checkpoints {
    committed: watch::Sender<u64>,
    /// The commits told when the log was last checkpointed whole by the writer.
    restarted_at: u64,
    #[cfg(test)]
    progress: watch::Receiver<Progress>,
}

/// How far the checkpoints have got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Progress {
    /// Checkpoints begun, complete or not.
    pub(super) attempts: u64,
    /// Commits known to be in the database file.
    pub(super) in_file: u64,
}

impl Checkpoints {
    pub(super) fn start(pool: SqlitePool) -> Checkpoints {
        let (committed, commits) = watch::channel(0);
        let (progress, _progress) = watch::channel(Progress::default());
        tokio::spawn(checkpoint_as_due(pool, commits, progress));
        Checkpoints {
            committed,
            restarted_at: 0,
            #[cfg(test)]
            progress: _progress,
        }
    }

    /// Tells that `commits` transactions have been committed since the store was opened.
    pub(super) fn committed(&self, commits: u64) {
        self.committed.send_replace(commits);
    }

    /// Called by the writer between two transactions: once in [`RESTART_EVERY`] commits,
    /// checkpoints what the task has left, so that the next transaction starts the log over.
    /// An incomplete checkpoint is tried again [`EVERY`] commits later.
    pub(super) async fn restart_log_when_due(&mut self, pool: &SqlitePool) {
        let commits = *self.committed.borrow();
        if commits - self.restarted_at < RESTART_EVERY {
            return;
        }
        match checkpoint(pool).await {
            Ok(Outcome::Complete | Outcome::NoLog) => self.restarted_at = commits,
            Ok(Outcome::Partial) => self.restarted_at = commits + EVERY - RESTART_EVERY,
            Err(err) => {
                tracing::warn!(%err, "cannot checkpoint the write-ahead log");
                self.restarted_at = commits + EVERY - RESTART_EVERY;
            }
        }
    }

    #[cfg(test)]
    pub(super) fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.clone()
    }
}

async fn checkpoint_as_due(pool: SqlitePool, mut committed: watch::Receiver<u64>, progress: watch::Sender<Progress>) {
    let mut checkpointed = 0;
    loop {
        let commits = *committed.borrow_and_update();
        if commits == checkpointed {
            if committed.changed().await.is_err() {
                return;
            }
            continue;
        }
        if commits - checkpointed < EVERY {
            // Not due yet: wait for the writer to go quiet, or for its next commit.
            match tokio::time::timeout(QUIET, committed.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) => return,
                Err(_quiet) => {}
            }
        }
        let outcome = checkpoint(&pool).await;
        progress.send_modify(|progress| progress.attempts += 1);
        match outcome {
            Ok(Outcome::Complete) => {
                checkpointed = commits;
                progress.send_modify(|progress| progress.in_file = commits);
            }
            Ok(Outcome::Partial) => tokio::time::sleep(QUIET).await,
            Ok(Outcome::NoLog) => return,
            Err(_) if pool.is_closed() => return,
            Err(err) => {
                tracing::warn!(%err, "cannot checkpoint the write-ahead log");
                tokio::time::sleep(QUIET).await;
            }
        }
    }
}

/// What a checkpoint did.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Everything in the log when it began is in the database file.
    Complete,
    /// Some of it is left for the next checkpoint.
    Partial,
    /// The database has no write-ahead log (it is in memory), so nothing is ever checkpointed.
    NoLog,
}

async fn checkpoint(pool: &SqlitePool) -> Result<Outcome, sqlx::Error> {
    let row: (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?;
    Ok(Outcome::of(row))
}

impl Outcome {
    /// What `PRAGMA wal_checkpoint` answered: whether it was busy, the frames in the log, and
    /// those copied into the database file.
    fn of((busy, log, copied): (i64, i64, i64)) -> Outcome {
        match (busy, log, copied) {
            (0, -1, _) => Outcome::NoLog,
            (0, log, copied) if copied == log => Outcome::Complete,
            // Busy: a checkpoint under way on another connection leaves both counts at -1.
            _ => Outcome::Partial,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_complete_only_when_it_copied_the_whole_log() {
        assert_eq!(Outcome::of((0, 120, 120)), Outcome::Complete);
        assert_eq!(Outcome::of((0, 0, 0)), Outcome::Complete);
        assert_eq!(Outcome::of((0, 120, 80)), Outcome::Partial);
        assert_eq!(Outcome::of((1, 120, 80)), Outcome::Partial);
        // Not a database without a log: another checkpoint was under way.
        assert_eq!(Outcome::of((1, -1, -1)), Outcome::Partial);
        assert_eq!(Outcome::of((0, -1, -1)), Outcome::NoLog);
    }
}

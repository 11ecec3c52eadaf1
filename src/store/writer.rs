//! The one write path: a task that owns the only writing connection and commits the writes that
//! arrive together in one transaction (group commit). Each write runs after its own savepoint,
//! so a write that fails leaves the others of its batch untouched; its caller gets its answer
//! only after the batch is durably committed.

use futures_util::future::BoxFuture;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use super::StoreError;

/// Called once the batch a write belonged to is committed (`true`) or rolled back (`false`).
type Completion = Box<dyn FnOnce(bool) + Send>;
type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Completion)> + Send>;

/// Most writes one transaction carries; bounds the latency a batch adds to its first write.
const MAX_BATCH: usize = 512;

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub fn start(conn: SqliteConnection) -> Self {
        let (jobs, rx) = mpsc::channel(8192);
        tokio::spawn(run(conn, rx));
        Writer { jobs }
    }

    /// Run `write` in the write transaction and return its result once it is on disk.
    pub async fn write<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let result = write(conn).await;
                let ok = result.is_ok();
                let completion: Completion = Box::new(move |committed| {
                    let _ = tx.send(if committed { result } else { Err(StoreError::CommitFailed) });
                });
                (ok, completion)
            })
        });
        self.jobs.send(job).await.map_err(|_| StoreError::WriterStopped)?;
        rx.await.map_err(|_| StoreError::CommitFailed)?
    }
}

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let completions = run_batch(&mut conn, &mut batch).await;
        let committed = match &completions {
            Ok(_) => commit(&mut conn).await,
            Err(_) => false,
        };
        if !committed {
            let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
        }
        for completion in completions.unwrap_or_default() {
            completion(committed);
        }
        if !committed {
            // The connection may be broken (disk full, I/O error); a fresh ping tells.
            if conn.ping().await.is_err() {
                tracing::error!("the database connection failed; writes will be refused");
            }
        }
    }
}

async fn run_batch(conn: &mut SqliteConnection, batch: &mut Vec<Job>) -> Result<Vec<Completion>, StoreError> {
    let mut completions = Vec::with_capacity(batch.len());
    if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
        tracing::error!(error = %e, "could not begin a write transaction");
        for job in batch.drain(..) {
            drop(job);
        }
        return Err(e.into());
    }
    for job in batch.drain(..) {
        let step = async {
            // Savepoints are never released: COMMIT ends them all, and `ROLLBACK TO` goes back
            // to the newest one, so a failed write undoes only itself. One statement saved per write.
            sqlx::query("SAVEPOINT write").execute(&mut *conn).await?;
            let (ok, completion) = job(&mut *conn).await;
            if !ok {
                sqlx::query("ROLLBACK TO write").execute(&mut *conn).await?;
            }
            Ok::<_, sqlx::Error>(completion)
        };
        match step.await {
            Ok(completion) => completions.push(completion),
            Err(e) => {
                tracing::error!(error = %e, "a write's savepoint failed; the batch is rolled back");
                for completion in completions {
                    completion(false);
                }
                return Err(e.into());
            }
        }
    }
    Ok(completions)
}

async fn commit(conn: &mut SqliteConnection) -> bool {
    match sqlx::query("COMMIT").execute(&mut *conn).await {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch's writes are refused");
            false
        }
    }
}

//! The one write path: a task that owns the only writing connection and commits the writes that
//! arrive together in one transaction (group commit). Each write runs after its own savepoint,
//! so a write that fails leaves the others of its batch untouched; its caller gets its answer
//! only after the batch is durably committed.
//!
//! New users that arrive together (Entra's initial cycle) are inserted with one statement per
//! group of them: each statement is a trip to SQLite's thread, and those trips, not SQLite, are
//! what limits a write. A clash in the group sends its users down the one-by-one path.

use futures_util::future::BoxFuture;
use serde_json::Value;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use super::users::{self, StoredResource};
use super::StoreError;

/// Called once the batch a write belonged to is committed (`true`) or rolled back (`false`).
type Completion = Box<dyn FnOnce(bool) + Send>;
type SingleJob = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Completion)> + Send>;

enum Job {
    /// A write of its own, after its own savepoint.
    Single(SingleJob),
    /// A new user, inserted together with the new users next to it in the batch.
    NewUser(NewUser),
}

struct NewUser {
    source_id: i64,
    id: String,
    doc: Value,
    reply: oneshot::Sender<Result<StoredResource, StoreError>>,
}

impl NewUser {
    fn completion(self, result: Result<StoredResource, StoreError>) -> Completion {
        let reply = self.reply;
        Box::new(move |committed| {
            let _ = reply.send(if committed { result } else { Err(StoreError::CommitFailed) });
        })
    }
}

/// New users per multi-row INSERT.
const USERS_PER_INSERT: usize = 64;

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
        let job: SingleJob = Box::new(move |conn| {
            Box::pin(async move {
                let result = write(conn).await;
                let ok = result.is_ok();
                let completion: Completion = Box::new(move |committed| {
                    let _ = tx.send(if committed { result } else { Err(StoreError::CommitFailed) });
                });
                (ok, completion)
            })
        });
        self.jobs.send(Job::Single(job)).await.map_err(|_| StoreError::WriterStopped)?;
        rx.await.map_err(|_| StoreError::CommitFailed)?
    }

    /// Insert a new user (a userName taken in any letter case is a 409) once it is on disk.
    pub async fn create_user(&self, source_id: i64, id: String, doc: Value) -> Result<StoredResource, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.jobs.send(Job::NewUser(NewUser { source_id, id, doc, reply })).await.map_err(|_| StoreError::WriterStopped)?;
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
        batch.clear();
        return Err(e.into());
    }
    let mut jobs = batch.drain(..).peekable();
    while let Some(job) = jobs.next() {
        let step = match job {
            Job::Single(job) => run_single(conn, job).await.map(|c| completions.push(c)),
            Job::NewUser(first) => {
                let mut group = vec![first];
                while let Some(Job::NewUser(_)) = jobs.peek() {
                    if let Some(Job::NewUser(next)) = jobs.next() {
                        group.push(next);
                    }
                }
                insert_new_users(conn, group, &mut completions).await
            }
        };
        if let Err(e) = step {
            tracing::error!(error = %e, "a write's savepoint failed; the batch is rolled back");
            for completion in completions {
                completion(false);
            }
            return Err(e);
        }
    }
    Ok(completions)
}

// Savepoints are never released: COMMIT ends them all, and `ROLLBACK TO` goes back to the
// newest one, so a failed write undoes only itself. One statement saved per write.
async fn run_single(conn: &mut SqliteConnection, job: SingleJob) -> Result<Completion, StoreError> {
    sqlx::query("SAVEPOINT write").execute(&mut *conn).await?;
    let (ok, completion) = job(&mut *conn).await;
    if !ok {
        sqlx::query("ROLLBACK TO write").execute(&mut *conn).await?;
    }
    Ok(completion)
}

async fn insert_new_users(conn: &mut SqliteConnection, mut group: Vec<NewUser>, completions: &mut Vec<Completion>) -> Result<(), StoreError> {
    while !group.is_empty() {
        let chunk: Vec<NewUser> = group.drain(..group.len().min(USERS_PER_INSERT)).collect();
        sqlx::query("SAVEPOINT write").execute(&mut *conn).await?;
        let rows: Vec<(i64, &str, &Value)> = chunk.iter().map(|u| (u.source_id, u.id.as_str(), &u.doc)).collect();
        match users::insert_users(conn, &rows).await {
            Ok(stored) => {
                for (user, stored) in chunk.into_iter().zip(stored) {
                    completions.push(user.completion(Ok(stored)));
                }
            }
            Err(e) if e.is_unique_violation() => {
                // Someone in the chunk clashes: insert them one by one so each gets its own answer.
                sqlx::query("ROLLBACK TO write").execute(&mut *conn).await?;
                for user in chunk {
                    sqlx::query("SAVEPOINT write").execute(&mut *conn).await?;
                    let result = users::insert_user(conn, user.source_id, &user.id, &user.doc).await;
                    if result.is_err() {
                        sqlx::query("ROLLBACK TO write").execute(&mut *conn).await?;
                    }
                    completions.push(user.completion(result));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
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

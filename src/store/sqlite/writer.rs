//! The one write path: a thread that owns the only writing connection and commits the writes
//! that arrive together in one transaction (group commit). Each write runs after its own
//! savepoint, so a write that fails leaves the others of its batch untouched; its caller gets its
//! answer only after the batch is durably committed.
//!
//! New users that arrive together (Entra's initial cycle) are inserted with one statement per
//! group of them; a clash in the group sends its users down the one-by-one path.
//!
//! Budget: one request holds this thread for at most 50 ms on the 2-vCPU benchmark machine, at
//! the request limits (10,000 member ids per request, 1,000 values per attribute, 1,000
//! operations per PATCH), all checked before a write is queued here. Measured one request at a
//! time (BENCHMARKS.md, "Hostile load"): a group PATCH adding 10,000 members 16 ms median (46 ms
//! worst), a PUT group with 10,000 members 16 ms (22 ms), a user PATCH replacing 1,000 emails
//! 9 ms (10 ms). A large user update brings only its SQL here: its document is computed before.

use std::sync::mpsc;

use rusqlite::Connection;
use serde_json::Value;
use tokio::sync::oneshot;

use super::connection::exec;
use super::directory_tx::SqliteTx;
use super::users;
use crate::store::backend::{written, Completion, WriteJob};
use crate::store::{StoreError, StoredResource};

type SingleJob = Box<dyn FnOnce(&Connection) -> (bool, Completion) + Send>;

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
        Box::new(move |ended| {
            let _ = reply.send(ended.and(result));
        })
    }
}

/// New users per multi-row INSERT.
const USERS_PER_INSERT: usize = 64;

/// Most writes one transaction carries; bounds the latency a batch adds to its first write.
const MAX_BATCH: usize = 512;

/// The handle every writer of the store uses; the thread stops when the last handle is dropped.
#[derive(Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub(super) fn start(conn: Connection) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel();
        std::thread::Builder::new().name("scimdesk-writer".into()).spawn(move || run(conn, rx))?;
        Ok(Writer { jobs })
    }

    /// Queue a write of the directory; its completion answers its caller.
    pub(super) fn write_job(&self, job: WriteJob) -> Result<(), StoreError> {
        let job: SingleJob = Box::new(move |conn| job(&mut SqliteTx(conn)));
        self.jobs.send(Job::Single(job)).map_err(|_| StoreError::WriterStopped)
    }

    /// Run `write` in the write transaction and return its result once it is on disk. A write
    /// that returns an error is undone (its savepoint is rolled back).
    pub(super) async fn write_raw<T, E, F>(&self, write: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, E>>();
        let job: SingleJob = Box::new(move |conn| written(write(conn), tx));
        self.jobs.send(Job::Single(job)).map_err(|_| StoreError::WriterStopped)?;
        rx.await.map_err(|_| StoreError::CommitFailed)?
    }

    /// Insert a new user (a userName taken in any letter case is a 409) once it is on disk.
    pub(super) async fn create_user(
        &self,
        source_id: i64,
        id: String,
        doc: Value,
    ) -> Result<StoredResource, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.jobs.send(Job::NewUser(NewUser { source_id, id, doc, reply })).map_err(|_| StoreError::WriterStopped)?;
        rx.await.map_err(|_| StoreError::CommitFailed)?
    }
}

fn run(conn: Connection, rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let completions = run_batch(&conn, &mut batch);
        let committed = match &completions {
            Ok(_) => commit(&conn),
            Err(_) => false,
        };
        if !committed {
            let _ = exec(&conn, "ROLLBACK");
        }
        for completion in completions.unwrap_or_default() {
            completion(if committed { Ok(()) } else { Err(StoreError::CommitFailed) });
        }
    }
}

fn run_batch(conn: &Connection, batch: &mut Vec<Job>) -> Result<Vec<Completion>, StoreError> {
    let mut completions = Vec::with_capacity(batch.len());
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "could not begin a write transaction");
        batch.clear();
        return Err(e.into());
    }
    let mut jobs = batch.drain(..).peekable();
    while let Some(job) = jobs.next() {
        let step = match job {
            Job::Single(job) => run_single(conn, job).map(|c| completions.push(c)),
            Job::NewUser(first) => {
                let mut group = vec![first];
                while let Some(Job::NewUser(_)) = jobs.peek() {
                    if let Some(Job::NewUser(next)) = jobs.next() {
                        group.push(next);
                    }
                }
                insert_new_users(conn, group, &mut completions)
            }
        };
        if let Err(e) = step {
            tracing::error!(error = %e, "a write's savepoint failed; the batch is rolled back");
            for completion in completions {
                completion(Err(StoreError::CommitFailed));
            }
            return Err(e);
        }
    }
    Ok(completions)
}

// Savepoints are never released: COMMIT ends them all, and `ROLLBACK TO` goes back to the
// newest one, so a failed write undoes only itself. One statement saved per write.
fn run_single(conn: &Connection, job: SingleJob) -> Result<Completion, StoreError> {
    exec(conn, "SAVEPOINT write")?;
    let (ok, completion) = job(conn);
    if !ok {
        exec(conn, "ROLLBACK TO write")?;
    }
    Ok(completion)
}

fn insert_new_users(
    conn: &Connection,
    mut group: Vec<NewUser>,
    completions: &mut Vec<Completion>,
) -> Result<(), StoreError> {
    while !group.is_empty() {
        let chunk: Vec<NewUser> = group.drain(..group.len().min(USERS_PER_INSERT)).collect();
        exec(conn, "SAVEPOINT write")?;
        let rows: Vec<(i64, &str, &Value)> = chunk.iter().map(|u| (u.source_id, u.id.as_str(), &u.doc)).collect();
        match users::insert_users(conn, &rows) {
            Ok(stored) => {
                for (user, stored) in chunk.into_iter().zip(stored) {
                    completions.push(user.completion(Ok(stored)));
                }
            }
            Err(e) if e.unique_index().is_some() => {
                // Someone in the chunk clashes: insert them one by one so each gets its own answer.
                exec(conn, "ROLLBACK TO write")?;
                for user in chunk {
                    exec(conn, "SAVEPOINT write")?;
                    let result = users::insert_user(conn, user.source_id, &user.id, &user.doc);
                    if result.is_err() {
                        exec(conn, "ROLLBACK TO write")?;
                    }
                    completions.push(user.completion(result));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn commit(conn: &Connection) -> bool {
    match exec(conn, "COMMIT") {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch's writes are refused");
            false
        }
    }
}

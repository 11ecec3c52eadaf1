//! PostgreSQL's errors in the store's terms: a unique index that refused a write, a database out
//! of reach (answered 503 and retried by Entra), or anything else.

use crate::store::{StoreError, UniqueIndex};

/// The SQLSTATE classes and codes that mean "not now" rather than "never": the server is
/// shutting down or starting, the connection broke, or two writes waited on each other.
fn is_transient(code: &str) -> bool {
    code.starts_with("08") // connection exception
        || code.starts_with("57P") // admin shutdown, crash shutdown, cannot connect now
        || code == "53300" // too many connections
        || code == "40001" // serialization failure
        || code == "40P01" // deadlock detected
}

/// `err` as a [`StoreError`]; `target` (host:port) names the server in messages.
pub(super) fn store_error(err: sqlx::Error, target: &str) -> StoreError {
    use sqlx::Error;
    match &err {
        Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            if code == "23505" {
                return StoreError::UniqueViolation(match db.constraint() {
                    Some("users_user_name") => UniqueIndex::UserName,
                    Some("groups_display_name") => UniqueIndex::GroupDisplayName,
                    Some("sources_slug_key") => UniqueIndex::SourceSlug,
                    _ => UniqueIndex::Other,
                });
            }
            if code == "40001" || code == "40P01" {
                return StoreError::Busy;
            }
            if is_transient(&code) {
                return unreachable(target, &err);
            }
            StoreError::Database(err.to_string())
        }
        Error::Io(_) | Error::Tls(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => {
            unreachable(target, &err)
        }
        Error::Protocol(_) => unreachable(target, &err),
        _ => StoreError::Database(err.to_string()),
    }
}

pub(super) fn unreachable(target: &str, err: &dyn std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("PostgreSQL at {target} cannot be reached: {err}"))
}

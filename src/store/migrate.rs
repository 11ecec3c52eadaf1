//! Schema migrations: the numbered files in `migrations/`, compiled in, applied at open, each in
//! its own transaction.
//!
//! The ledger is the `_sqlx_migrations` table with the columns and checksums (SHA-384 of the
//! file) that the first builds of ScimDesk wrote through sqlx, so a data folder keeps working
//! across versions in both directions. A database that has a migration this build does not know
//! comes from a newer ScimDesk: it is refused before anything is written to it.

use std::time::Instant;

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha384};

use super::{Result, StoreError};

struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

/// Every migration, oldest first. A file, once released, is never edited: add a new one.
const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, description: "initial", sql: include_str!("../../migrations/0001_initial.sql") },
    Migration {
        version: 2,
        description: "activity to its own file",
        sql: include_str!("../../migrations/0002_activity_to_its_own_file.sql"),
    },
];

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
)";

fn checksum(sql: &str) -> Vec<u8> {
    Sha384::digest(sql.as_bytes()).to_vec()
}

/// Bring the schema up to date, or refuse a database from a newer version untouched.
pub(super) fn run(conn: &mut Connection) -> Result<()> {
    let has_ledger = conn
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'", [], |_| Ok(()))
        .optional()?
        .is_some();
    let mut applied: Vec<(i64, Vec<u8>, bool)> = Vec::new();
    if has_ledger {
        let mut stmt = conn.prepare("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")?;
        applied = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    }
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if let Some((newest, _, _)) = applied.iter().max_by_key(|(v, _, _)| *v) {
        if *newest > known {
            return Err(StoreError::NewerSchema(*newest));
        }
    }
    if let Some((version, _, _)) = applied.iter().find(|(_, _, success)| !success) {
        return Err(StoreError::Migrate(format!("migration {version} failed part-way in an earlier run; restore the database from a backup")));
    }
    conn.execute_batch(LEDGER)?;
    for migration in MIGRATIONS {
        match applied.iter().find(|(v, _, _)| *v == migration.version) {
            Some((_, sum, _)) if *sum == checksum(migration.sql) => continue,
            Some(_) => {
                return Err(StoreError::Migrate(format!(
                    "migration {} was applied from a different file than this build has",
                    migration.version
                )))
            }
            None => apply(conn, migration)?,
        }
    }
    Ok(())
}

fn apply(conn: &mut Connection, migration: &Migration) -> Result<()> {
    let started = Instant::now();
    let tx = conn.transaction()?;
    tx.execute_batch(migration.sql)
        .map_err(|e| StoreError::Migrate(format!("migration {} ({}): {e}", migration.version, migration.description)))?;
    tx.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?1, ?2, 1, ?3, ?4)",
        params![migration.version, migration.description, checksum(migration.sql), started.elapsed().as_nanos() as i64],
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_database_gets_every_migration_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("t.db")).unwrap();
        run(&mut conn).unwrap();
        run(&mut conn).unwrap();
        let rows: i64 = conn.query_row("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = 1", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, MIGRATIONS.len() as i64);
        let tables: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('users', 'groups', 'group_members')", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 3);
    }

    #[test]
    fn an_edited_migration_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("t.db")).unwrap();
        run(&mut conn).unwrap();
        conn.execute("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1", []).unwrap();
        let err = run(&mut conn).unwrap_err();
        assert!(err.to_string().contains("different file"), "{err}");
    }
}

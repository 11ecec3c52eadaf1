//! Schema migrations: the numbered files in `migrations/`, compiled in, applied at open, each in
//! its own transaction.
//!
//! The ledger is the `_sqlx_migrations` table with the columns and checksums (SHA-384 of the
//! file) that the first builds of ScimDesk wrote through sqlx, so a data folder keeps working
//! across versions in both directions. A database that has a migration this build does not know
//! comes from a newer ScimDesk: it is refused before anything is written to it.

use std::time::Instant;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha384};

use super::keys;
use crate::store::{Result, StoreError};

struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
    /// Work SQLite cannot do, run after `sql` in the same transaction (so the ledger row records
    /// both, and a failure undoes both).
    then: Option<fn(&Transaction) -> Result<()>>,
}

/// Every migration, oldest first. A file, once released, is never edited: add a new one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "initial",
        sql: include_str!("../../../migrations/0001_initial.sql"),
        then: None,
    },
    Migration {
        version: 2,
        description: "activity to its own file",
        sql: include_str!("../../../migrations/0002_activity_to_its_own_file.sql"),
        then: None,
    },
    Migration {
        version: 3,
        description: "unicode name keys",
        sql: include_str!("../../../migrations/0003_unicode_name_keys.sql"),
        then: Some(rebuild_name_keys),
    },
    Migration {
        version: 4,
        description: "source provider",
        sql: include_str!("../../../migrations/0004_source_provider.sql"),
        then: None,
    },
];

fn rebuild_name_keys(tx: &Transaction) -> Result<()> {
    let started = Instant::now();
    let done = keys::rebuild_name_keys(tx)?;
    if done.rows > 0 {
        tracing::info!(
            rows = done.rows,
            clashes = done.clashes,
            ms = started.elapsed().as_millis() as u64,
            "rebuilt the userName and displayName keys (Unicode normalisation and case folding)"
        );
    }
    Ok(())
}

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
    run_through(conn, MIGRATIONS)
}

/// [`run`] with `migrations` as the ones this build knows (tests build older databases with it).
fn run_through(conn: &mut Connection, migrations: &[Migration]) -> Result<()> {
    let has_ledger = conn
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'", [], |_| Ok(()))
        .optional()?
        .is_some();
    let mut applied: Vec<(i64, Vec<u8>, bool)> = Vec::new();
    if has_ledger {
        let mut stmt = conn.prepare("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")?;
        applied = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    }
    let known = migrations.last().map_or(0, |m| m.version);
    if let Some((newest, _, _)) = applied.iter().max_by_key(|(v, _, _)| *v) {
        if *newest > known {
            return Err(StoreError::NewerSchema(*newest));
        }
    }
    if let Some((version, _, _)) = applied.iter().find(|(_, _, success)| !success) {
        return Err(StoreError::Migrate(format!(
            "migration {version} failed part-way in an earlier run; restore the database from a backup"
        )));
    }
    conn.execute_batch(LEDGER)?;
    for migration in migrations {
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
    tx.execute_batch(migration.sql).map_err(|e| {
        StoreError::Migrate(format!("migration {} ({}): {e}", migration.version, migration.description))
    })?;
    if let Some(then) = migration.then {
        then(&tx)?;
    }
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
        let rows: i64 =
            conn.query_row("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = 1", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, MIGRATIONS.len() as i64);
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('users', 'groups', 'group_members')",
                [],
                |r| r.get(0),
            )
            .unwrap();
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

    #[test]
    fn sources_from_before_providers_are_entra_and_unknown_providers_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("t.db")).unwrap();
        run_through(&mut conn, &MIGRATIONS[..3]).unwrap();
        conn.execute_batch(
            "INSERT INTO sources (uid, name, slug, enabled, token_hash, token_prefix, created, updated)
             VALUES ('a', 'Entra', 'entra', 1, 'h', 'p', 't', 't')",
        )
        .unwrap();
        run(&mut conn).unwrap();
        let provider: String = conn.query_row("SELECT provider FROM sources", [], |r| r.get(0)).unwrap();
        assert_eq!(provider, "entra");
        let refused = conn.execute(
            "INSERT INTO sources (uid, name, slug, enabled, token_hash, token_prefix, created, updated, provider)
             VALUES ('b', 'G', 'g', 1, 'h2', 'p', 't', 't', 'google')",
            [],
        );
        assert!(refused.is_err(), "the CHECK admits only the providers ScimDesk knows");
    }

    /// A database as ScimDesk left it before migration 3: keys lower-cased with `to_lowercase`.
    fn database_with_old_keys(path: &std::path::Path) -> Connection {
        let mut conn = Connection::open(path).unwrap();
        run_through(&mut conn, &MIGRATIONS[..2]).unwrap();
        conn.execute_batch(
            "INSERT INTO sources (id, uid, name, slug, enabled, token_hash, token_prefix, created, updated)
             VALUES (1, 'a', 'Entra', 'entra', 1, 'h', 'p', 't', 't'), (2, 'b', 'Okta', 'okta', 1, 'h2', 'p2', 't', 't')",
        )
        .unwrap();
        let users = [
            (1, "u-composed", 1, "\u{00C4}nne@contoso.com", Some("\u{00C4}nne")),
            (2, "u-decomposed", 1, "A\u{0308}nne@contoso.com", None),
            (3, "u-ligature", 1, "\u{FB01}nance@contoso.com", None),
            (4, "u-plain", 1, "Finance@contoso.com", None),
            (5, "u-other-source", 2, "A\u{0308}nne@contoso.com", None),
            (6, "u-ascii", 1, "Bob@Contoso.com", Some("Bob")),
        ];
        for (rowid, id, source, name, display) in users {
            let mut doc = serde_json::json!({"userName": name});
            if let Some(d) = display {
                doc["displayName"] = d.into();
            }
            conn.execute(
                "INSERT INTO users (rowid, id, source_id, user_name_key, display_name, display_name_key, active, doc,
                   created, last_modified, version) VALUES (?, ?, ?, ?, ?, ?, 1, ?, 't', 't', 1)",
                params![
                    rowid,
                    id,
                    source,
                    name.to_lowercase(),
                    display,
                    display.map(str::to_lowercase),
                    doc.to_string()
                ],
            )
            .unwrap();
        }
        for (rowid, id, name) in
            [(1, "g-composed", "\u{00C4}rzte"), (2, "g-decomposed", "A\u{0308}RZTE"), (3, "g-sales", "Sales")]
        {
            conn.execute(
                "INSERT INTO groups (rowid, id, source_id, display_name, display_name_key, doc, created, last_modified,
                   version) VALUES (?, ?, 1, ?, ?, ?, 't', 't', 1)",
                params![rowid, id, name, name.to_lowercase(), serde_json::json!({"displayName": name}).to_string()],
            )
            .unwrap();
        }
        conn
    }

    fn key_of(conn: &Connection, table: &str, id: &str) -> String {
        let column = if table == "users" { "user_name_key" } else { "display_name_key" };
        conn.query_row(&format!("SELECT {column} FROM {table} WHERE id = ?"), [id], |r| r.get(0)).unwrap()
    }

    #[test]
    fn migration_3_rebuilds_old_keys_once_and_keeps_clashing_rows_apart() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = database_with_old_keys(&dir.path().join("t.db"));
        // Under the old keys the two spellings of one name were two names.
        assert_ne!(key_of(&conn, "users", "u-composed"), key_of(&conn, "users", "u-decomposed"));

        run(&mut conn).unwrap();
        let anne = crate::store::columns::name_key("\u{00C4}nne@contoso.com");
        // The older row keeps the plain key; the later one a distinct key that starts with it.
        assert_eq!(key_of(&conn, "users", "u-composed"), anne);
        assert_eq!(key_of(&conn, "users", "u-decomposed"), keys::clash_key(&anne, "u-decomposed"));
        assert_eq!(key_of(&conn, "users", "u-ligature"), "finance@contoso.com");
        assert_eq!(key_of(&conn, "users", "u-plain"), keys::clash_key("finance@contoso.com", "u-plain"));
        // Another source may have the same name: no clash there.
        assert_eq!(key_of(&conn, "users", "u-other-source"), anne);
        assert_eq!(key_of(&conn, "users", "u-ascii"), "bob@contoso.com");
        let display: String =
            conn.query_row("SELECT display_name_key FROM users WHERE id = 'u-composed'", [], |r| r.get(0)).unwrap();
        assert_eq!(display, crate::store::columns::name_key("A\u{0308}NNE"));
        let arzte = crate::store::columns::name_key("\u{00C4}rzte");
        assert_eq!(key_of(&conn, "groups", "g-composed"), arzte);
        assert_eq!(key_of(&conn, "groups", "g-decomposed"), keys::clash_key(&arzte, "g-decomposed"));
        assert_eq!(key_of(&conn, "groups", "g-sales"), "sales");
        // Nothing dropped, and the documents are as they were sent.
        let (users, groups): (i64, i64) = conn
            .query_row("SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM groups)", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((users, groups), (6, 3));
        let doc: String = conn.query_row("SELECT doc FROM users WHERE id = 'u-decomposed'", [], |r| r.get(0)).unwrap();
        assert!(doc.contains("A\u{0308}nne@contoso.com"), "{doc}");

        // Recorded in the ledger: a second open does not rebuild (a key changed by hand stays).
        let recorded: i64 =
            conn.query_row("SELECT COUNT(*) FROM _sqlx_migrations WHERE version = 3", [], |r| r.get(0)).unwrap();
        assert_eq!(recorded, 1);
        conn.execute("UPDATE users SET user_name_key = 'marker' WHERE id = 'u-ascii'", []).unwrap();
        run(&mut conn).unwrap();
        assert_eq!(key_of(&conn, "users", "u-ascii"), "marker");
    }

    #[test]
    fn a_failed_rebuild_leaves_the_database_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = database_with_old_keys(&dir.path().join("t.db"));
        fn fail(_: &Transaction) -> Result<()> {
            Err(StoreError::Migrate("injected".into()))
        }
        let failing = [
            Migration { then: None, ..MIGRATIONS[0] },
            Migration { then: None, ..MIGRATIONS[1] },
            Migration { then: Some(|tx| keys::rebuild_name_keys(tx).and_then(|_| fail(tx))), ..MIGRATIONS[2] },
        ];
        assert!(run_through(&mut conn, &failing).is_err());
        assert_eq!(key_of(&conn, "users", "u-decomposed"), "a\u{0308}nne@contoso.com");
        let recorded: i64 =
            conn.query_row("SELECT COUNT(*) FROM _sqlx_migrations WHERE version = 3", [], |r| r.get(0)).unwrap();
        assert_eq!(recorded, 0);
        run(&mut conn).unwrap();
        assert_eq!(
            key_of(&conn, "users", "u-decomposed").split('\0').next(),
            Some(key_of(&conn, "users", "u-composed").as_str())
        );
    }
}

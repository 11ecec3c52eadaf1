//! Which database a store opens: the data folder's SQLite file (the default), another SQLite
//! file, or PostgreSQL; and the settings of a PostgreSQL connection pool.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The environment variable that names the database (`--database`).
pub const DATABASE_URL_ENV: &str = "SCIMDESK_DATABASE_URL";

/// A connection pool's size and waits (PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOptions {
    /// Connections kept open at most, per process.
    pub size: u32,
    /// How long connecting, and a request waiting for a free connection, may take before the
    /// database counts as unavailable (the request is answered 503).
    pub timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions { size: 10, timeout: Duration::from_secs(5) }
    }
}

/// Where the store keeps its data.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// `scimdesk.db` (and `activity.db`) in this folder.
    Sqlite { data_dir: PathBuf },
    /// A PostgreSQL database (`postgres://user:password@host:port/db?sslmode=...`).
    Postgres { url: String, pool: PoolOptions },
}

impl Database {
    /// The SQLite files of a data folder.
    pub fn in_folder(data_dir: &Path) -> Database {
        Database::Sqlite { data_dir: data_dir.to_path_buf() }
    }

    /// The database a `--database` value names: a `postgres://` or `postgresql://` URL, else
    /// the path of a SQLite file (its folder holds the activity log beside it; the file must be
    /// named `scimdesk.db`, so that a folder never holds two databases).
    pub fn parse(value: &str, pool: PoolOptions) -> Result<Database, String> {
        let lower = value.trim_start().to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Database::Postgres { url: value.trim().to_string(), pool });
        }
        if lower.contains("://") {
            return Err(format!(
                "{} is not a database ScimDesk can use: give a postgres:// URL or the path of a SQLite file",
                redact(value)
            ));
        }
        let path = Path::new(value);
        if path.is_dir() {
            return Ok(Database::in_folder(path));
        }
        match (path.file_name().and_then(|n| n.to_str()), path.parent()) {
            (Some(super::DATABASE_FILE), Some(folder)) => {
                let folder = if folder.as_os_str().is_empty() { Path::new(".") } else { folder };
                Ok(Database::in_folder(folder))
            }
            _ => {
                Err(format!("{value}: a SQLite database must be a file named {} (or its folder)", super::DATABASE_FILE))
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Database::Postgres { .. })
    }
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let Some((user_info, host)) = authority.rsplit_once('@') else { return url.to_string() };
    let user = user_info.split(':').next().unwrap_or_default();
    format!("{scheme}://{user}@{host}{tail}")
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite { data_dir } => write!(f, "SQLite in {}", data_dir.display()),
            Database::Postgres { url, .. } => write!(f, "PostgreSQL {}", redact(url)),
        }
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_postgres_and_paths_choose_sqlite() {
        let pool = PoolOptions::default();
        assert!(Database::parse("postgres://u:p@127.0.0.1:5432/db", pool.clone()).unwrap().is_postgres());
        assert!(Database::parse("PostgreSQL://u@h/db", pool.clone()).unwrap().is_postgres());
        assert_eq!(
            Database::parse("/srv/scimdesk/scimdesk.db", pool.clone()).unwrap(),
            Database::in_folder(Path::new("/srv/scimdesk"))
        );
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Database::parse(dir.path().to_str().unwrap(), pool.clone()).unwrap(),
            Database::in_folder(dir.path())
        );
        assert!(Database::parse("/srv/other.sqlite", pool.clone()).unwrap_err().contains("scimdesk.db"));
        let err = Database::parse("mysql://root:hunter2@db/x", pool).unwrap_err();
        assert!(err.contains("postgres://") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            redact("postgres://scim:s3cret@db.lan:5432/scim?sslmode=require"),
            "postgres://scim@db.lan:5432/scim?sslmode=require"
        );
        assert_eq!(redact("postgres://db.lan/scim"), "postgres://db.lan/scim");
        let shown =
            format!("{}", Database::Postgres { url: "postgres://a:pw@h/d".into(), pool: PoolOptions::default() });
        assert!(!shown.contains("pw"), "{shown}");
    }
}

//! SQL for admin settings (key/value).

use rusqlite::OptionalExtension;

use super::SqliteStore;
use crate::store::Result;

impl SqliteStore {
    pub(super) fn setting(&self, key: &str) -> Result<Option<String>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM settings WHERE key = ?")?
                .query_row([key], |r| r.get(0))
                .optional()?)
        })
    }

    /// Set (`Some`) or clear (`None`) a setting.
    pub(super) async fn set_setting(&self, key: &str, value: Option<String>) -> Result<()> {
        let key = key.to_string();
        self.writer
            .write_raw(move |conn| {
                match value {
                    Some(v) => conn
                        .prepare_cached("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?
                        .execute([&key, &v])?,
                    None => conn.prepare_cached("DELETE FROM settings WHERE key = ?")?.execute([&key])?,
                };
                Ok(())
            })
            .await
    }

    /// The setting `key`; when it has none, `value` is saved first. Two processes racing both
    /// get the value that was saved first.
    pub(super) async fn setting_or_insert(&self, key: &str, value: String) -> Result<String> {
        let key = key.to_string();
        self.writer
            .write_raw(move |conn| {
                conn.prepare_cached("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING")?
                    .execute([&key, &value])?;
                Ok(conn.prepare_cached("SELECT value FROM settings WHERE key = ?")?.query_row([&key], |r| r.get(0))?)
            })
            .await
    }
}

//! SQL for admin settings (key/value).

use super::{Result, Store};

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?").bind(key).fetch_optional(&self.read).await?)
    }

    /// Set (`Some`) or clear (`None`) a setting.
    pub async fn set_setting(&self, key: &str, value: Option<String>) -> Result<()> {
        let key = key.to_string();
        self.writer
            .write(move |conn| {
                Box::pin(async move {
                    match value {
                        Some(v) => sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                            .bind(&key)
                            .bind(v)
                            .execute(&mut *conn)
                            .await?,
                        None => sqlx::query("DELETE FROM settings WHERE key = ?").bind(&key).execute(&mut *conn).await?,
                    };
                    Ok(())
                })
            })
            .await
    }
}

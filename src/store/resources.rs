//! A user or group as either backend stores it.

use serde_json::Value;

use super::{Result, StoreError};

/// A user or group as stored: its document (no `id`, `meta`, `members`) and its meta columns.
/// The document is parsed JSON, or (`StoredResource<String>`) the JSON text as stored, for
/// reads that hand it on without looking inside.
#[derive(Debug, Clone)]
pub struct StoredResource<Doc = Value> {
    pub rowid: i64,
    pub id: String,
    pub doc: Doc,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
}

impl StoredResource<String> {
    /// The same resource with its document parsed.
    pub fn parse(self) -> Result<StoredResource> {
        let doc = serde_json::from_str(&self.doc)
            .map_err(|e| StoreError::Corrupt(format!("the stored document of {} is not JSON: {e}", self.id)))?;
        Ok(StoredResource {
            rowid: self.rowid,
            id: self.id,
            doc,
            created: self.created,
            last_modified: self.last_modified,
            version: self.version,
        })
    }
}

impl<Doc> StoredResource<Doc> {
    /// The resource's row and meta without its document.
    pub fn meta(&self) -> StoredResource<()> {
        StoredResource {
            rowid: self.rowid,
            id: self.id.clone(),
            doc: (),
            created: self.created.clone(),
            last_modified: self.last_modified.clone(),
            version: self.version,
        }
    }
}

impl StoredResource {
    /// The same resource with its document as JSON text.
    pub fn to_text(self) -> StoredResource<String> {
        StoredResource {
            doc: self.doc.to_string(),
            rowid: self.rowid,
            id: self.id,
            created: self.created,
            last_modified: self.last_modified,
            version: self.version,
        }
    }
}

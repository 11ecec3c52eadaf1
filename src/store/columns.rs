//! The indexed columns extracted from a SCIM document (what Entra's queries look up), and the
//! JSON columns of the activity log's traffic counts.

use serde_json::Value;

use crate::scim::filter::comparison_key;
use crate::scim::ENTERPRISE_USER_SCHEMA;
use crate::traffic::RefusalRun;

/// Lower-case key for case-insensitive matching of email addresses (RFC 7643 caseExact false).
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// The uniqueness and lookup key of a userName or displayName: NFKC_Casefold, so that names
/// that differ only in Unicode form or letter case are one name (see `scim::filter::key` for
/// the choice). `user_name_key` and `display_name_key` hold it; `migrate` rebuilt older keys.
pub fn name_key(s: &str) -> String {
    comparison_key(s)
}

fn text(doc: &Value, key: &str) -> Option<String> {
    doc.get(key).and_then(Value::as_str).map(str::to_string)
}

pub struct UserColumns {
    pub user_name_key: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub display_name_key: Option<String>,
    pub active: bool,
    pub manager_id: Option<String>,
    /// emails[].value, folded, without duplicates.
    pub email_keys: Vec<String>,
}

impl UserColumns {
    /// From a normalised user document (canonical attribute names).
    pub fn from_doc(doc: &Value) -> Self {
        let display_name = text(doc, "displayName");
        let mut email_keys: Vec<String> = doc
            .get("emails")
            .and_then(Value::as_array)
            .map(|emails| emails.iter().filter_map(|e| e.get("value").and_then(Value::as_str)).map(fold).collect())
            .unwrap_or_default();
        email_keys.sort();
        email_keys.dedup();
        UserColumns {
            user_name_key: name_key(doc.get("userName").and_then(Value::as_str).unwrap_or_default()),
            external_id: text(doc, "externalId"),
            display_name_key: display_name.as_deref().map(name_key),
            display_name,
            // RFC 7643 leaves a missing `active` to the provider; a user Entra sent without it is active.
            active: doc.get("active").and_then(Value::as_bool).unwrap_or(true),
            manager_id: doc
                .get(ENTERPRISE_USER_SCHEMA)
                .and_then(|ext| ext.get("manager"))
                .and_then(|m| m.get("value"))
                .and_then(Value::as_str)
                .map(str::to_string),
            email_keys,
        }
    }
}

pub struct GroupColumns {
    pub display_name: String,
    pub display_name_key: String,
    pub external_id: Option<String>,
}

impl GroupColumns {
    pub fn from_doc(doc: &Value) -> Self {
        let display_name = text(doc, "displayName").unwrap_or_default();
        GroupColumns { display_name_key: name_key(&display_name), display_name, external_id: text(doc, "externalId") }
    }
}

/// A user's new document made ready for the writer: its indexed columns and its text computed
/// beforehand, so that the write itself is only SQL (a large document's columns take
/// milliseconds; the writer serves every source).
pub struct PreparedUser {
    pub(crate) doc: Value,
    pub(crate) text: String,
    pub(crate) cols: UserColumns,
    pub(crate) emails_changed: bool,
}

impl PreparedUser {
    /// `doc`, the new document of the user whose document is now `current`.
    pub fn new(current: &Value, doc: Value) -> Self {
        let cols = UserColumns::from_doc(&doc);
        let emails_changed = UserColumns::from_doc(current).email_keys != cols.email_keys;
        PreparedUser { text: doc.to_string(), doc, cols, emails_changed }
    }

    pub fn doc(&self) -> &Value {
        &self.doc
    }
}

pub fn run_json(run: &RefusalRun) -> String {
    serde_json::to_string(run).expect("a RefusalRun serialises")
}

pub fn run_from_json(text: &str) -> serde_json::Result<RefusalRun> {
    serde_json::from_str(text)
}

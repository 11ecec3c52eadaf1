//! Rebuilding the userName and displayName keys of a database whose keys were made by an
//! older key function (migration 3: lower case -> NFKC_Casefold, see [`super::columns::name_key`]).
//!
//! Two rows whose names were distinct under the old keys can be one name under the new ones
//! ("Ä" precomposed and decomposed). Nothing is dropped: the oldest row of such a set keeps the
//! plain key, each later one gets `<key>\0clash:<id>`, distinct, so the UNIQUE index holds, and
//! a warning names the source, both ids and the name. The admin sees it in the server's log
//! (`scimdesk serve`'s output; the desktop app's log file in the data folder). The later row is
//! still found by `GET /Users/{id}`, `id eq` filters, lists and the window's search (its key
//! starts with the plain key); `userName eq` finds the older one. Until one of the two is renamed
//! or deleted, a change that keeps the later row's name is refused with 409 uniqueness, which is
//! the truth: the name belongs to the other row.

use std::collections::HashMap;

use rusqlite::{params, Transaction};
use serde_json::Value;

use crate::store::columns::name_key;
use crate::store::Result;

/// The key a row gets when its name's key is already taken by an older row of its source.
pub(super) fn clash_key(key: &str, id: &str) -> String {
    format!("{key}\0clash:{id}")
}

/// What a rebuild did: rows whose keys were recomputed, and rows that clashed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Rebuilt {
    pub rows: usize,
    pub clashes: usize,
}

struct Row {
    rowid: i64,
    id: String,
    source_id: i64,
    doc: String,
}

fn rows(tx: &Transaction, table: &str) -> Result<Vec<Row>> {
    let mut stmt = tx.prepare(&format!("SELECT rowid, id, source_id, doc FROM {table} ORDER BY rowid"))?;
    let rows = stmt
        .query_map([], |r| Ok(Row { rowid: r.get(0)?, id: r.get(1)?, source_id: r.get(2)?, doc: r.get(3)? }))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

fn text(doc: &Value, key: &str) -> Option<String> {
    doc.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Recompute every userName and displayName key from the stored documents, in `tx`.
pub(super) fn rebuild_name_keys(tx: &Transaction) -> Result<Rebuilt> {
    let slugs: HashMap<i64, String> = tx
        .prepare("SELECT id, slug FROM sources")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut done = Rebuilt::default();
    for (table, unique_name) in [("users", "userName"), ("groups", "displayName")] {
        // Park every unique key on a value no name can have, so that assigning the new keys in
        // any order never meets an old key still in place.
        let unique_column = if table == "users" { "user_name_key" } else { "display_name_key" };
        tx.execute(&format!("UPDATE {table} SET {unique_column} = char(0) || 'rekey:' || rowid"), [])?;
        let mut taken: HashMap<(i64, String), String> = HashMap::new();
        for row in rows(tx, table)? {
            let doc: Value = serde_json::from_str(&row.doc).unwrap_or(Value::Null);
            let name = text(&doc, unique_name).unwrap_or_default();
            let mut key = name_key(&name);
            match taken.get(&(row.source_id, key.clone())) {
                Some(kept) => {
                    let source = slugs.get(&row.source_id).map_or("?", String::as_str);
                    tracing::warn!(
                        source,
                        kept = %kept,
                        other = %row.id,
                        name = %name,
                        "two {table} of source {source} have the same {unique_name} once Unicode forms and letter \
                         case are compared ({kept} and {}); both are kept, `{unique_name} eq` finds {kept}. Rename or \
                         delete one of them in the identity provider",
                        row.id
                    );
                    key = clash_key(&key, &row.id);
                    done.clashes += 1;
                }
                None => {
                    taken.insert((row.source_id, key.clone()), row.id.clone());
                }
            }
            if table == "users" {
                let display_key = text(&doc, "displayName").map(|d| name_key(&d));
                tx.prepare_cached("UPDATE users SET user_name_key = ?, display_name_key = ? WHERE rowid = ?")?
                    .execute(params![key, display_key, row.rowid])?;
            } else {
                tx.prepare_cached("UPDATE groups SET display_name_key = ? WHERE rowid = ?")?
                    .execute(params![key, row.rowid])?;
            }
            done.rows += 1;
        }
    }
    Ok(done)
}

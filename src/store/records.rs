//! The rows the store hands out and takes in, the same for either backend: sources, members,
//! traffic and the requests for unknown slugs.

use serde::Serialize;

use crate::traffic::{Cycle, RefusalRun, Traffic};

#[derive(Debug, Clone)]
pub struct SourceRow {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub slug: String,
    pub enabled: bool,
    pub token_hash: Vec<u8>,
    pub token_prefix: String,
    pub previous_token_hash: Option<Vec<u8>>,
    pub previous_token_expires: Option<String>,
    pub created: String,
    pub updated: String,
    /// The identity provider's name (`entra`, `okta`, `onelogin`, `other`); the schema checks it.
    pub provider: String,
}

pub struct NewSource {
    pub uid: String,
    pub name: String,
    pub slug: String,
    pub token_hash: [u8; 32],
    pub token_prefix: String,
    pub provider: String,
}

/// What a source holds, counted from the indexes.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceCounts {
    pub users: i64,
    pub active_users: i64,
    pub groups: i64,
    pub memberships: i64,
}

/// A member of a group as returned in `members`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemberRow {
    pub value: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub display: Option<String>,
}

/// What [`add_members`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MembersAdded {
    /// This many were added; the others were members already.
    Added(u64),
    /// This id is neither a user nor a group of the source. Some of the others may have been
    /// added: the caller refuses the write, and its savepoint undoes them.
    UnknownMember(String),
}

/// Cycles kept per source: about four weeks at Entra's pace.
pub const CYCLES_KEPT: i64 = 1_000;

/// A source with its traffic and newest cycle.
#[derive(Debug, Clone)]
pub struct SourceTraffic {
    pub source_id: i64,
    pub slug: String,
    pub name: String,
    pub enabled: bool,
    pub traffic: Traffic,
    pub last_cycle: Option<Cycle>,
}

/// Slugs of their own in `unknown_slugs`; the requests for any more are counted under [`OTHER_SLUGS`].
pub const MAX_UNKNOWN_SLUGS: usize = 100;
/// The row of `unknown_slugs` that counts the slugs past [`MAX_UNKNOWN_SLUGS`] (no slug is empty).
pub const OTHER_SLUGS: &str = "";
/// A slug that was requested though no source has it.
#[derive(Debug, Clone)]
pub struct UnknownSlugRow {
    /// [`OTHER_SLUGS`] for the slugs past the limit.
    pub slug: String,
    pub first_seen: String,
    pub last_seen: String,
    pub requests: u64,
    pub run: RefusalRun,
}

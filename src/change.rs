//! What a request changed, in the SCIM vocabulary the Activity feed shows: told by the directory,
//! carried by events, kept with each activity row.

use serde::{Deserialize, Serialize};

/// What a request changed, in the SCIM vocabulary the Activity feed shows. Stored in the
/// activity log as this JSON, so it is read back too.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Change {
    UserCreated,
    UserUpdated,
    UserDisabled,
    UserEnabled,
    UserDeleted,
    GroupCreated,
    GroupUpdated,
    GroupRenamed,
    GroupDeleted,
    MembersChanged {
        added: u64,
        removed: u64,
    },
    /// The request was refused (4xx/5xx); `summary` says why.
    Refused,
    /// The request read data and changed nothing.
    Read,
    SourceCreated,
    SourceUpdated,
    SourceDeleted,
    TokenRotated,
    /// A reachability check (`scimdesk check`, the window's Check button) arrived through the
    /// public URL: not Entra's traffic.
    Checked,
}

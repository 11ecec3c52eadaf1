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

/// How the Activity chart groups requests (the window's `kindOfChange` groups them the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Users,
    Groups,
    Reads,
    Refused,
}

impl Change {
    /// The chart's kind of a request with this change; `None` for what is not a SCIM request
    /// (the admin's changes to the source, a reachability check).
    pub fn request_kind(&self) -> Option<RequestKind> {
        match self {
            Change::UserCreated
            | Change::UserUpdated
            | Change::UserDisabled
            | Change::UserEnabled
            | Change::UserDeleted => Some(RequestKind::Users),
            Change::GroupCreated
            | Change::GroupUpdated
            | Change::GroupRenamed
            | Change::GroupDeleted
            | Change::MembersChanged { .. } => Some(RequestKind::Groups),
            Change::Refused => Some(RequestKind::Refused),
            Change::Read => Some(RequestKind::Reads),
            Change::SourceCreated
            | Change::SourceUpdated
            | Change::SourceDeleted
            | Change::TokenRotated
            | Change::Checked => None,
        }
    }
}

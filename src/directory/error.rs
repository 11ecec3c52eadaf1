//! The directory's error: why a provisioning operation was refused, in words an admin (and the
//! provider's log) can act on. It knows the directory's rules, not HTTP: the server turns it into
//! a SCIM error, the CLI into a message and an exit code, the window into a typed error.

use crate::scim::{ResourceKind, ScimError};
use crate::store::{StoreError, UniqueIndex};

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The request breaks a rule of the SCIM protocol (a bad filter, path, value or document);
    /// the protocol layer said which.
    #[error("{}", .0.detail)]
    Invalid(#[from] ScimError),
    #[error("no {} with id \"{id}\" exists in this source", kind_word(*.kind))]
    NotFound { kind: ResourceKind, id: String },
    /// `If-Match` named a version that is no longer current.
    #[error(
        "the resource has changed since version {expected} (it is now at version {current}); read it again and retry"
    )]
    VersionMismatch { expected: i64, current: i64 },
    #[error(
        "a user with the userName \"{0}\" already exists in this source (userName is compared without regard to letter case)"
    )]
    UserNameTaken(String),
    #[error(
        "a group with the displayName \"{0}\" already exists in this source (compared without regard to letter case)"
    )]
    DisplayNameTaken(String),
    #[error("member \"{0}\" is not a user or group of this source; provision it before adding it to a group")]
    UnknownMember(String),
    #[error("group \"{0}\" cannot be a member of itself")]
    SelfMember(String),
    /// The store failed: not the caller's doing. Logged in full where it is translated, shown
    /// to clients and admins only as "could not complete".
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn kind_word(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "user",
        ResourceKind::Group => "group",
    }
}

impl DirectoryError {
    pub(crate) fn not_found(kind: ResourceKind, id: &str) -> Self {
        DirectoryError::NotFound { kind, id: id.to_string() }
    }

    /// A store error from writing `name` as a userName or group displayName: the unique index on
    /// that name refusing it is the name being taken; anything else stays a store error.
    pub(crate) fn on_name_clash(error: StoreError, name: &str) -> Self {
        match error.unique_index() {
            Some(UniqueIndex::UserName) => DirectoryError::UserNameTaken(name.to_string()),
            Some(UniqueIndex::GroupDisplayName) => DirectoryError::DisplayNameTaken(name.to_string()),
            _ => DirectoryError::Store(error),
        }
    }
}

pub type Result<T, E = DirectoryError> = std::result::Result<T, E>;

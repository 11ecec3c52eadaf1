//! What a command answers when it fails: `{kind, message}`, the message a sentence for the admin.

use scimdesk::server::BindError;
use scimdesk::store::StoreError;
use scimdesk::{DirectoryError, EngineError};
use serde::Serialize;

/// What went wrong, for the window to choose its presentation by (a string union in TypeScript).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// The database could not be read or written; details are in the log, not in the window.
    Store,
    /// Something that is no one's input went wrong (a failed task).
    Internal,
    /// The database was written by a newer ScimDesk.
    NewerDatabase,
    /// The data folder cannot be used.
    DataDir,
    InvalidSlug,
    SourceNotFound,
    SlugTaken,
    InvalidInput,
    Keychain,
    /// The SCIM server cannot listen on the address asked for.
    Bind,
    Clipboard,
    /// Another process (the background service) serves the data folder and decides this.
    ServedElsewhere,
    /// Starting at login could not be registered or removed.
    LaunchAtLogin,
    /// A user or group that does not exist (any more).
    NotFound,
    /// The directory refused the request (a conflict, an invalid value).
    Directory,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
}

/// Shown for store and internal errors, which are logged in full instead.
const STORE_MESSAGE: &str =
    "ScimDesk could not read or write its database; the log file (Settings, Files) has the details. Try again, or restart ScimDesk";
const INTERNAL_MESSAGE: &str =
    "something went wrong inside ScimDesk; the log file (Settings, Files) has the details. Try again, or restart ScimDesk";

impl CommandError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CommandError { kind, message: message.into() }
    }

    /// An error that is not the admin's doing: logged in full, shown as a generic sentence.
    pub fn internal(kind: ErrorKind, err: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %err, ?kind, "command failed");
        CommandError::new(kind, if kind == ErrorKind::Store { STORE_MESSAGE } else { INTERNAL_MESSAGE })
    }
}

/// The kind of a store error: the data folder and a newer database say what to do and are shown
/// as they are; anything else is an internal failure (`None`).
fn store_kind(err: &StoreError) -> Option<ErrorKind> {
    match err {
        StoreError::NewerSchema(_) => Some(ErrorKind::NewerDatabase),
        StoreError::DataDir(..) => Some(ErrorKind::DataDir),
        _ => None,
    }
}

impl From<EngineError> for CommandError {
    fn from(err: EngineError) -> Self {
        let kind = match &err {
            EngineError::Store(e) => match store_kind(e) {
                Some(kind) => kind,
                None => return CommandError::internal(ErrorKind::Store, &err),
            },
            EngineError::InvalidSlug(_) => ErrorKind::InvalidSlug,
            EngineError::SourceNotFound(_) => ErrorKind::SourceNotFound,
            EngineError::SlugTaken(_) => ErrorKind::SlugTaken,
            EngineError::InvalidInput(_) => ErrorKind::InvalidInput,
            EngineError::Keychain(_) => ErrorKind::Keychain,
        };
        CommandError::new(kind, err.to_string())
    }
}

impl From<DirectoryError> for CommandError {
    fn from(err: DirectoryError) -> Self {
        let kind = match &err {
            DirectoryError::Store(e) => match store_kind(e) {
                Some(kind) => kind,
                None => return CommandError::internal(ErrorKind::Store, &err),
            },
            DirectoryError::NotFound { .. } => ErrorKind::NotFound,
            DirectoryError::Invalid(_)
            | DirectoryError::VersionMismatch { .. }
            | DirectoryError::UserNameTaken(_)
            | DirectoryError::DisplayNameTaken(_)
            | DirectoryError::UnknownMember(_)
            | DirectoryError::SelfMember(_) => ErrorKind::Directory,
        };
        CommandError::new(kind, err.to_string())
    }
}

impl From<BindError> for CommandError {
    fn from(err: BindError) -> Self {
        CommandError::new(ErrorKind::Bind, err.to_string())
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_reach_the_window_in_camel_case() {
        let err = CommandError::from(EngineError::SlugTaken("entra".into()));
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["kind"], "slugTaken");
        assert_eq!(json["message"], "a source with the slug \"entra\" already exists; choose another slug");
    }

    #[test]
    fn store_errors_are_not_shown_as_the_admins_mistake() {
        let err = CommandError::from(EngineError::Store(StoreError::Corrupt("users row 7 has no document".into())));
        assert_eq!(err.kind, ErrorKind::Store);
        assert_eq!(err.message, STORE_MESSAGE, "the details go to the log only");
        let err = CommandError::from(DirectoryError::Store(StoreError::Io("disk I/O error".into())));
        assert_eq!(err.kind, ErrorKind::Store);
        assert_eq!(err.message, STORE_MESSAGE);
        let err = CommandError::from(EngineError::Store(StoreError::NewerSchema(9)));
        assert_eq!(err.kind, ErrorKind::NewerDatabase, "a newer database says what to do");
    }

    #[test]
    fn a_missing_resource_is_not_found_and_a_conflict_is_the_directorys_answer() {
        let missing = DirectoryError::NotFound { kind: scimdesk::scim::ResourceKind::User, id: "u1".into() };
        assert_eq!(CommandError::from(missing).kind, ErrorKind::NotFound);
        let conflict = CommandError::from(DirectoryError::UserNameTaken("ada@contoso.com".into()));
        assert_eq!(conflict.kind, ErrorKind::Directory);
        assert!(conflict.message.contains("ada@contoso.com"), "{}", conflict.message);
    }
}

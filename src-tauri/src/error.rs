//! What a command answers when it fails: `{kind, message}`, the message a sentence for the admin.

use scimdesk::scim::ScimError;
use scimdesk::EngineError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct CommandError {
    /// A short kind the window chooses its presentation by (`bind`, `keychain`, `clipboard`, ...).
    pub kind: String,
    pub message: String,
}

impl CommandError {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        CommandError { kind: kind.to_string(), message: message.into() }
    }
}

impl From<EngineError> for CommandError {
    fn from(err: EngineError) -> Self {
        // Database internals are logged in full, not shown; data-folder and newer-database errors
        // say what to do and are shown as they are.
        if err.kind() == "store" {
            tracing::error!(error = %err, "store error");
            return CommandError::new(
                "store",
                "ScimDesk could not read or write its database; the log file (Settings, Files) has the details. Try again, or restart ScimDesk",
            );
        }
        CommandError::new(err.kind(), err.to_string())
    }
}

impl From<ScimError> for CommandError {
    fn from(err: ScimError) -> Self {
        let kind = if err.status == 404 { "notFound" } else { "directory" };
        CommandError::new(kind, err.detail)
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

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
        if matches!(err, EngineError::Store(_)) {
            // Store failures are logged in full; the window gets the engine's sentence.
            tracing::error!(error = ?err, "store error");
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

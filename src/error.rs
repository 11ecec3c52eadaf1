//! The services' error (sources, settings): what an admin can meet in the window or on the CLI,
//! said so they can act. The CLI and the window translate it at their edge.

use crate::store::StoreError;
use crate::tokens::KeychainError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed, or the data folder or database cannot be used (the message says which).
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    InvalidSlug(String),
    #[error("no source with the slug \"{0}\" exists; `scimdesk source list` shows the sources")]
    SourceNotFound(String),
    #[error("a source with the slug \"{0}\" already exists; choose another slug")]
    SlugTaken(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    Keychain(#[from] KeychainError),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

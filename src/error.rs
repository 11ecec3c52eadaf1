//! The engine's error: what an admin can meet in the window or on the CLI, said so they can act.

use std::net::SocketAddr;

use crate::store::StoreError;
use crate::tokens::KeychainError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
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
    #[error("cannot listen on {addr}: {reason}. Pick another address or port (--bind, SCIMDESK_BIND or the bind setting)")]
    Bind { addr: SocketAddr, reason: String },
}

impl EngineError {
    /// A short machine-readable kind, for the window to choose how to show the error.
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::Store(StoreError::NewerSchema(_)) => "newerDatabase",
            EngineError::Store(StoreError::DataDir(..)) => "dataDir",
            EngineError::Store(_) => "store",
            EngineError::InvalidSlug(_) => "invalidSlug",
            EngineError::SourceNotFound(_) => "sourceNotFound",
            EngineError::SlugTaken(_) => "slugTaken",
            EngineError::InvalidInput(_) => "invalidInput",
            EngineError::Keychain(_) => "keychain",
            EngineError::Bind { .. } => "bind",
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

//! The CLI's edge for errors: each layer's error becomes a message and an exit code. A failure
//! of the store or the machine is said as such, never as the admin's own mistake.

use std::process::ExitCode;

use scimdesk::server::BindError;
use scimdesk::{DirectoryError, EngineError, StoreError};

use super::service::ServiceError;

/// Exit codes, documented in the README (`scimdesk --help` too).
pub mod exit {
    /// The request was wrong: a bad argument, name, slug, URL or filter.
    pub const INVALID_INPUT: u8 = 2;
    /// No such source (or user, group).
    pub const NOT_FOUND: u8 = 3;
    /// The slug (or name) is taken, or the background service serves another data folder.
    pub const CONFLICT: u8 = 4;
    /// The OS keychain could not be used.
    pub const KEYCHAIN: u8 = 5;
    /// The data folder or its database cannot be used (not writable, from a newer version).
    pub const DATA: u8 = 6;
    /// The server could not listen where it was asked to.
    pub const BIND: u8 = 7;
    /// `service status`: the background service is not installed.
    pub const NOT_INSTALLED: u8 = 8;
    /// `check`: the public URL does not reach this ScimDesk.
    pub const UNREACHABLE: u8 = 9;
    /// ScimDesk itself failed (the database could not be read or written, output failed).
    pub const INTERNAL: u8 = 1;
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Bind(#[from] BindError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The data folder's serving lock could not be used.
    #[error("could not use {path} to serve this data folder: {source}")]
    ServingLock { path: std::path::PathBuf, source: std::io::Error },
    /// `check`: a source cannot be reached through the public URL (the report is printed).
    #[error("{0}")]
    Unreachable(String),
    /// Writing the output failed (a closed pipe, a full disk).
    #[error("could not write the output: {0}")]
    Output(String),
    #[error("{0}")]
    Database(String),
}

fn store_exit(e: &StoreError) -> u8 {
    match e {
        StoreError::NewerSchema(_) | StoreError::DataDir(..) | StoreError::Migrate(_) | StoreError::Unavailable(_) => {
            exit::DATA
        }
        _ => exit::INTERNAL,
    }
}

fn engine_exit(e: &EngineError) -> u8 {
    match e {
        EngineError::Store(e) => store_exit(e),
        EngineError::InvalidSlug(_) | EngineError::InvalidInput(_) => exit::INVALID_INPUT,
        EngineError::SourceNotFound(_) => exit::NOT_FOUND,
        EngineError::SlugTaken(_) => exit::CONFLICT,
        EngineError::Keychain(_) => exit::KEYCHAIN,
    }
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CliError::Engine(e) => engine_exit(e),
            CliError::Directory(e) => match e {
                DirectoryError::Store(e) => store_exit(e),
                DirectoryError::NotFound { .. } => exit::NOT_FOUND,
                DirectoryError::UserNameTaken(_) | DirectoryError::DisplayNameTaken(_) => exit::CONFLICT,
                DirectoryError::Invalid(_)
                | DirectoryError::VersionMismatch { .. }
                | DirectoryError::UnknownMember(_)
                | DirectoryError::SelfMember(_) => exit::INVALID_INPUT,
            },
            CliError::Bind(_) => exit::BIND,
            CliError::Service(e) => match e {
                ServiceError::Engine(e) => engine_exit(e),
                ServiceError::NotInstalled(_) => exit::NOT_INSTALLED,
                ServiceError::OtherDataFolder { .. } => exit::CONFLICT,
                ServiceError::Unsupported(_) => exit::INVALID_INPUT,
                ServiceError::Io { .. } | ServiceError::Manager(_) => exit::INTERNAL,
            },
            CliError::ServingLock { .. } => exit::DATA,
            CliError::Unreachable(_) => exit::UNREACHABLE,
            CliError::Output(_) => exit::INTERNAL,
            CliError::Database(_) => exit::INVALID_INPUT,
        })
    }

    /// The line to print after "error: ".
    pub fn message(&self) -> String {
        let store = match self {
            CliError::Engine(EngineError::Store(e))
            | CliError::Directory(DirectoryError::Store(e))
            | CliError::Service(ServiceError::Engine(EngineError::Store(e))) => Some(e),
            _ => None,
        };
        match store {
            Some(e) if store_exit(e) == exit::INTERNAL => {
                format!("ScimDesk could not read or write its database ({e}); this is not a problem with what you typed. Try again; if it persists, check the disk and the data folder")
            }
            _ => self.to_string(),
        }
    }
}

//! Commands: thin adapters from the window to engine calls.

pub mod directory;
pub mod health;
pub mod settings;
pub mod sources;

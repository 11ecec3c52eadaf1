use std::path::{Path, PathBuf};

use super::{ServiceError, ServiceSpec};

pub const START_HINT: &str = "";

pub fn definition_path() -> Result<PathBuf, ServiceError> {
    Err(ServiceError::Unsupported(
        "`scimdesk service` is not implemented on this system. On Windows, keep ScimDesk running with a \
         scheduled task at logon that runs `scimdesk serve`, e.g. schtasks /Create /SC ONLOGON /TN ScimDesk \
         /TR \"C:\\path\\to\\scimdesk.exe serve\" (see the README)"
            .into(),
    ))
}

pub fn parse(_text: &str) -> Option<ServiceSpec> {
    None
}

pub fn render(_spec: &ServiceSpec) -> String {
    String::new()
}

pub fn start(_path: &Path, _changed: bool) -> Result<(), ServiceError> {
    definition_path().map(drop)
}

pub fn stop(_path: &Path) -> Result<bool, ServiceError> {
    definition_path().map(|_| false)
}

pub fn removed() {}

pub fn state(_path: &Path) -> Vec<(&'static str, String)> {
    Vec::new()
}

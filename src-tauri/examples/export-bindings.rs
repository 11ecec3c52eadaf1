//! Write the window's TypeScript bindings (`ui/src/bindings.ts`, or the path given) from the
//! shell's commands and events. Needs no window and no built UI.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(scimdesk_shell::BINDINGS_PATH));
    match scimdesk_shell::export_bindings(&path) {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("export-bindings: could not write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

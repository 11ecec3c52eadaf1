//! ScimDesk's desktop app: a native window over the engine (the shell is `scimdesk_shell`).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    scimdesk_shell::run(tauri::generate_context!());
}

//! What a closed window leaves behind on Linux, given back while the app serves from its own tray
//! (when the tray program cannot take over: see `to_tray.rs`; it is the usual path).
//!
//! WebKitGTK keeps its network process running after the last webview is gone, and Tauri keeps
//! the web context that owns it for the life of the app (tauri#14626). With the window closed it
//! serves nothing; ending it took the tray-only footprint from 167 to 148 MiB PSS (issue 11,
//! BENCHMARKS.md). WebKit starts a new one when a window opens again. The shell's heap keeps what
//! the window freed until it is trimmed.

use std::time::Duration;

use tauri::{AppHandle, Manager};

/// How long the closed window's page process may take to end before the network process is left alone.
const PAGE_EXIT_WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(500);

/// After the window was destroyed: once its page process has ended, and if no window has opened
/// since, end WebKit's network process and trim the heap. Elsewhere than Linux, nothing to do.
pub fn release(app: &AppHandle) {
    #[cfg(target_os = "linux")]
    {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let deadline = tokio::time::Instant::now() + PAGE_EXIT_WAIT;
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(POLL).await;
                let children = linux::children();
                // A window opened again in the meantime has a page that needs the network process.
                if app.webview_windows().is_empty() && !children.iter().any(|(_, name)| linux::is_page_process(name)) {
                    let ended = linux::end_network_processes(&children);
                    let trimmed = linux::trim_heap();
                    tracing::info!(ended, trimmed, "window memory released");
                    return;
                }
            }
            tracing::info!("a window or its page process is still there; WebKit's network process is kept");
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;

    // /proc/PID/comm holds the first 15 bytes of the program's name.
    const PAGE_PROCESS: &str = "WebKitWebProces";
    const NETWORK_PROCESS: &str = "WebKitNetworkPr";

    pub fn is_page_process(name: &str) -> bool {
        name == PAGE_PROCESS
    }

    /// This process's children (any thread's), with their names.
    pub fn children() -> Vec<(i32, String)> {
        let Ok(tasks) = fs::read_dir("/proc/self/task") else { return Vec::new() };
        tasks
            .flatten()
            .filter_map(|task| fs::read_to_string(task.path().join("children")).ok())
            .flat_map(|list| list.split_whitespace().filter_map(|pid| pid.parse().ok()).collect::<Vec<i32>>())
            .filter_map(|pid| Some((pid, fs::read_to_string(format!("/proc/{pid}/comm")).ok()?.trim_end().to_owned())))
            .collect()
    }

    /// SIGTERM to each child network process; how many were sent one.
    pub fn end_network_processes(children: &[(i32, String)]) -> usize {
        children
            .iter()
            .filter(|(_, name)| name == NETWORK_PROCESS)
            // SAFETY: kill(2) with a pid read from our own children list; no memory is involved.
            .filter(|(pid, _)| unsafe { libc::kill(*pid, libc::SIGTERM) } == 0)
            .count()
    }

    /// Give the allocator's free pages back to the system (glibc keeps them otherwise).
    pub fn trim_heap() -> bool {
        // SAFETY: malloc_trim only walks the allocator's own free lists.
        #[cfg(target_env = "gnu")]
        let trimmed = unsafe { libc::malloc_trim(0) } == 1;
        #[cfg(not(target_env = "gnu"))]
        let trimmed = false;
        trimmed
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_process_without_webkit_children_finds_none_to_end() {
            let children = children();
            assert!(children.iter().all(|(pid, _)| *pid > 0));
            assert_eq!(end_network_processes(&[]), 0);
            assert!(!is_page_process("WebKitNetworkPr") && is_page_process("WebKitWebProces"));
        }
    }
}

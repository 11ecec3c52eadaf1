//! The processes under test: the `scimdesk` server on a fresh data directory, and the floor server.
//! Both are children that are stopped (SIGTERM, then SIGKILL) and cleaned up on drop.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::serverlog::{self, LogSummary};

/// The workspace the bench was built from; `cargo build -p scimdesk` runs there.
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A child process serving HTTP on a loopback port.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    /// Dropped (deleted) after the process has stopped: fields drop after `Drop::drop`.
    _data_dir: Option<DataDir>,
    /// The server's stderr, tallied (only for the SCIM server; the floor's is passed through).
    pub log: Option<Arc<Mutex<LogSummary>>>,
}

impl ServerProcess {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stop the process and return what it logged (waits for its stderr to close).
    pub fn stop(mut self) -> Option<LogSummary> {
        stop(&mut self.child);
        let log = self.log.take()?;
        // The reader thread finishes once the child's stderr is closed; give it a moment.
        for _ in 0..50 {
            if Arc::strong_count(&log) == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let summary = log.lock().unwrap().clone();
        Some(summary)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A fresh data directory under the system temp dir, deleted on drop.
struct DataDir(PathBuf);

impl DataDir {
    fn create() -> Result<Self, String> {
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let path = std::env::temp_dir().join(format!("scimdesk-bench-{}-{stamp:x}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
        Ok(DataDir(path))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A started ScimDesk server with its sources: the one the phases load, and a second one that
/// the hostile-load phase attacks from.
pub struct ScimServer {
    pub process: ServerProcess,
    pub slug: String,
    pub token: String,
    pub attacker_slug: String,
    pub attacker_token: String,
}

/// Build the `scimdesk` binary in release mode and return its path.
pub fn build_release_server() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the server: cargo build --release -p scimdesk");
    let output = Command::new(cargo)
        .current_dir(WORKSPACE)
        .args(["build", "--release", "-p", "scimdesk", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run cargo ({e}); pass --server-bin PATH to use a built scimdesk"))?;
    if !output.status.success() {
        return Err("cargo build --release -p scimdesk failed (see above)".into());
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "scimdesk" {
            if let Some(exe) = msg["executable"].as_str() {
                return Ok(PathBuf::from(exe));
            }
        }
    }
    Err("cargo built no scimdesk executable; pass --server-bin PATH".into())
}

/// `scimdesk source create NAME --slug SLUG` on `data_dir`; the token it printed.
fn create_source(bin: &Path, data_dir: &Path, name: &str, slug: &str) -> Result<String, String> {
    let created = Command::new(bin)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--log", "error", "source", "create", name, "--slug", slug])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run {} ({e}); check --server-bin", bin.display()))?;
    let stdout = String::from_utf8_lossy(&created.stdout);
    if !created.status.success() {
        return Err(format!("`scimdesk source create` failed: {}{}", stdout, String::from_utf8_lossy(&created.stderr)));
    }
    let Some(token) = stdout.lines().map(str::trim).find(|l| l.starts_with("scimdesk_")) else {
        return Err(format!("`scimdesk source create` printed no token line:\n{stdout}"));
    };
    Ok(token.to_string())
}

/// Create a fresh data directory with two sources (`bench`, and `attacker` for the hostile-load
/// phase), then serve it on 127.0.0.1 with quiet logging.
pub fn start_scimdesk(bin: &Path, log: &str) -> Result<ScimServer, String> {
    let dir = DataDir::create()?;
    let data_dir = dir.0.clone();
    let slug = "bench".to_string();
    let token = create_source(bin, &data_dir, "Benchmark", &slug)?;
    let attacker_slug = "attacker".to_string();
    let attacker_token = create_source(bin, &data_dir, "Attacker", &attacker_slug)?;
    let mut command = Command::new(bin);
    command
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["--log", log, "serve", "--bind", "127.0.0.1:0"])
        .env("NO_COLOR", "1");
    let (mut child, addr) = spawn_listening(command, "ScimDesk is listening on http://", Stdio::piped())?;
    let log = child.stderr.take().map(serverlog::collect);
    let process = ServerProcess { child, addr, _data_dir: Some(dir), log };
    Ok(ScimServer { process, slug, token, attacker_slug, attacker_token })
}

/// Start the floor server: this same binary's hidden `floor-server` subcommand.
pub fn start_floor() -> Result<ServerProcess, String> {
    let exe = std::env::current_exe().map_err(|e| format!("locating the bench binary: {e}"))?;
    let mut command = Command::new(exe);
    command.args(["floor-server", "--bind", "127.0.0.1:0"]);
    let (child, addr) = spawn_listening(command, "Floor server listening on http://", Stdio::inherit())?;
    Ok(ServerProcess { child, addr, _data_dir: None, log: None })
}

/// Spawn `command` and wait for the stdout line `<prefix><addr>`; the rest of stdout is drained
/// in the background so the child never blocks on a full pipe.
fn spawn_listening(mut command: Command, prefix: &str, stderr: Stdio) -> Result<(Child, SocketAddr), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut seen = String::new();
    let mut line = String::new();
    let addr = loop {
        line.clear();
        match stdout.read_line(&mut line) {
            Ok(0) | Err(_) => {
                stop(&mut child);
                let mut errors = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = stderr.read_to_string(&mut errors);
                }
                return Err(format!("{command:?} exited before listening; it printed:\n{seen}{errors}"));
            }
            Ok(_) => {}
        }
        seen.push_str(&line);
        if let Some(rest) = line.trim().strip_prefix(prefix) {
            match rest.trim_end_matches('/').parse::<SocketAddr>() {
                Ok(addr) => break addr,
                Err(e) => {
                    stop(&mut child);
                    return Err(format!("unreadable address in {line:?}: {e}"));
                }
            }
        }
    };
    std::thread::spawn(move || {
        let mut sink = [0u8; 4096];
        while matches!(stdout.read(&mut sink), Ok(n) if n > 0) {}
    });
    Ok((child, addr))
}

/// SIGTERM (graceful), then SIGKILL after 10 s.
fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    // SAFETY: kill(2) with a pid we spawned and still own (not yet reaped).
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A process's memory, in bytes (Linux /proc/PID/status).
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// VmRSS: everything resident, the figure the target is checked against.
    pub rss: u64,
    /// VmHWM: the peak of VmRSS.
    pub peak: u64,
    /// RssAnon: the process's own memory (heap, stacks).
    pub anon: u64,
    /// RssFile: resident pages of mapped files (the binary, the memory-mapped database),
    /// which are the kernel's page cache.
    pub file: u64,
}

/// The memory of a process, if readable.
pub fn memory(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line[name.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024)
    };
    Some(Memory { rss: field("VmRSS:")?, peak: field("VmHWM:")?, anon: field("RssAnon:")?, file: field("RssFile:")? })
}

/// CPU time (user + system) a process has used so far (Linux /proc), if readable.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name: state is the first, utime the 12th, stime the 13th.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

/// Context switches (voluntary and not) of all a process's threads so far (Linux /proc).
/// Threads that ended meanwhile are not counted, which is fine for long-lived worker threads.
pub fn context_switches(pid: u32) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else { continue };
        for line in status.lines() {
            if let Some(n) = line
                .strip_prefix("voluntary_ctxt_switches:")
                .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
            {
                total += n.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    Some(total)
}

/// The highest VmRSS and the highest RssAnon of a process while it is watched, sampled every
/// 100 ms by a thread of its own.
pub struct PeakMemory {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(u64, u64)>,
}

impl PeakMemory {
    pub fn watch(pid: u32) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let (mut rss, mut anon) = (0, 0);
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(m) = memory(pid) {
                    rss = rss.max(m.rss);
                    anon = anon.max(m.anon);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            (rss, anon)
        });
        PeakMemory { stop, thread }
    }

    /// (highest VmRSS, highest RssAnon) seen, in bytes.
    pub fn finish(self) -> (u64, u64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or((0, 0))
    }
}

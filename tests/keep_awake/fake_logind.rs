//! What stands in for the machine's system bus and logind, which cannot run here: a private
//! `dbus-daemon`, and on it a service that owns `org.freedesktop.login1` and answers
//! `Manager.Inhibit` as logind does, with a file descriptor that is the lock. It hands out the
//! write end of a pipe and keeps the read end: the read end sees end-of-file once the server has
//! closed the lock.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dbus::arg::OwnedFd;
use dbus::blocking::Connection;
use dbus::message::MessageType;
use dbus::Message;

/// A private bus, ended on drop.
pub struct Bus {
    daemon: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Bus {
    pub fn start() -> Bus {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("bus.conf");
        std::fs::write(&config, bus_config(&dir.path().join("bus"))).expect("bus config");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("dbus-daemon could not be run ({e}): install the Debian package `dbus` (scripts/setup.sh does)")
            });
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().expect("stdout")).read_line(&mut line).expect("bus address");
        assert!(line.starts_with("unix:"), "dbus-daemon printed no address: {line:?}");
        Bus { daemon, address: line.trim().to_string(), _dir: dir }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A bus for this user only, on which anyone may own any name and call anything.
fn bus_config(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"#,
        socket.display()
    )
}

/// One `Inhibit` call as the fake logind received it, and the read end of the lock it handed out.
pub struct InhibitCall {
    pub what: String,
    pub who: String,
    pub why: String,
    pub mode: String,
    lock: File,
}

impl InhibitCall {
    /// Whether the caller still holds the lock (the pipe has not reached end-of-file).
    pub fn held(&self) -> bool {
        !self.closed_within(Duration::ZERO)
    }

    /// Wait up to `within` for the caller to close the lock; true when it did.
    pub fn closed_within(&self, within: Duration) -> bool {
        let mut poll = libc::pollfd { fd: self.lock.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        let ms = within.as_millis().try_into().unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd for a descriptor this call owns.
        let ready = unsafe { libc::poll(&mut poll, 1, ms) };
        if ready <= 0 {
            return false;
        }
        // Nobody writes to the pipe: readable means end-of-file, which a read of 0 bytes confirms.
        let mut byte = [0u8; 1];
        matches!((&self.lock).read(&mut byte), Ok(0))
    }
}

/// The stand-in for logind, answering on `bus` until dropped.
pub struct FakeLogind {
    calls: Arc<Mutex<Vec<InhibitCall>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeLogind {
    pub fn start(bus: &Bus) -> FakeLogind {
        let conn = Connection::new_address(&bus.address).expect("connect to the private bus");
        conn.request_name("org.freedesktop.login1", false, true, true).expect("own org.freedesktop.login1");
        let calls = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (calls, stop) = (calls.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Some(msg) = conn.channel().blocking_pop_message(Duration::from_millis(50)).expect("bus") else {
                        continue;
                    };
                    if let Some(reply) = answer(&msg, &calls) {
                        conn.channel().send(reply).expect("send the reply");
                        conn.channel().flush();
                    }
                }
            })
        };
        FakeLogind { calls, stop, thread: Some(thread) }
    }

    pub fn calls(&self) -> std::sync::MutexGuard<'_, Vec<InhibitCall>> {
        self.calls.lock().unwrap()
    }

    pub fn count(&self) -> usize {
        self.calls().len()
    }

    /// Wait up to `within` for at least `n` calls; the number there is then.
    pub fn wait_for_calls(&self, n: usize, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        while self.count() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.count()
    }
}

impl Drop for FakeLogind {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// logind's answer to a method call: a lock for `Manager.Inhibit`, an error for anything else.
fn answer(msg: &Message, calls: &Mutex<Vec<InhibitCall>>) -> Option<Message> {
    if msg.msg_type() != MessageType::MethodCall {
        return None;
    }
    let interface = msg.interface().map(|i| i.to_string()).unwrap_or_default();
    let member = msg.member().map(|m| m.to_string()).unwrap_or_default();
    let path = msg.path().map(|p| p.to_string()).unwrap_or_default();
    if (path.as_str(), interface.as_str(), member.as_str())
        != ("/org/freedesktop/login1", "org.freedesktop.login1.Manager", "Inhibit")
    {
        let name = "org.freedesktop.DBus.Error.UnknownMethod".into();
        return Some(msg.error(&name, c"the stand-in for logind answers Manager.Inhibit only"));
    }
    let (what, who, why, mode): (String, String, String, String) = msg.read4().expect("Inhibit(ssss)");
    let mut ends = [0; 2];
    // SAFETY: `ends` has room for the two descriptors pipe2 writes.
    assert_eq!(unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) }, 0, "pipe2");
    // SAFETY: both descriptors were just made and are owned here alone.
    let (read_end, write_end) = unsafe { (File::from_raw_fd(ends[0]), OwnedFd::new(ends[1])) };
    // The message keeps a copy of the write end until it is sent; this one closes here, so the
    // caller's copy is the only one left.
    let reply = msg.method_return().append1(write_end);
    calls.lock().unwrap().push(InhibitCall { what, who, why, mode, lock: read_end });
    Some(reply)
}

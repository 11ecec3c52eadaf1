//! Linux: an inhibitor lock from systemd-logind, asked for on the system bus. logind keeps the
//! lock while the file descriptor it hands out stays open; closing it gives the lock back.

use std::time::Duration;

use dbus::arg::OwnedFd;
use dbus::blocking::Connection;

/// What the log says keeps the machine awake.
pub(super) const MECHANISM: &str = "a logind idle inhibitor";

/// How long logind may take to answer (it answers in milliseconds; a hung bus must not hold the
/// worker for long).
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// An idle inhibitor lock, held until dropped.
pub(super) struct Lock {
    _fd: OwnedFd,
}

/// Take an inhibitor lock of kind "idle" in "block" mode: the machine does not go to sleep on its
/// own, while a suspend the admin asks for (a "sleep" lock would stop it) still goes ahead.
/// `Err` says why not, in words for the log.
pub(super) fn acquire(why: &str) -> Result<Lock, String> {
    // `new_system` follows DBUS_SYSTEM_BUS_ADDRESS when it is set. The connection is closed when
    // this returns: the lock lives with the file descriptor, not with the connection.
    let bus = Connection::new_system().map_err(|e| format!("the system bus cannot be reached ({})", described(&e)))?;
    let logind = bus.with_proxy("org.freedesktop.login1", "/org/freedesktop/login1", CALL_TIMEOUT);
    let (fd,): (OwnedFd,) = logind
        .method_call("org.freedesktop.login1.Manager", "Inhibit", ("idle", "ScimDesk", why, "block"))
        .map_err(|e| format!("logind did not give an idle inhibitor lock ({})", described(&e)))?;
    Ok(Lock { _fd: fd })
}

fn described(e: &dbus::Error) -> String {
    match (e.name(), e.message()) {
        (Some(name), Some(message)) => format!("{name}: {message}"),
        (Some(name), None) => name.to_string(),
        (None, Some(message)) => message.to_string(),
        (None, None) => "no reason given".to_string(),
    }
}

//! Other systems: not done yet. macOS would take a power assertion
//! (`IOPMAssertionCreateWithName`, kIOPMAssertionTypePreventUserIdleSystemSleep) and Windows
//! would set the thread's execution state (`SetThreadExecutionState(ES_SYSTEM_REQUIRED)`); neither
//! can be built or tested where ScimDesk is developed, so both report keep-awake unavailable.

/// What the log says keeps the machine awake.
pub(super) const MECHANISM: &str = "nothing on this system";

/// Never made: there is no lock to hold here.
pub(super) enum Lock {}

pub(super) fn acquire(_why: &str) -> Result<Lock, String> {
    Err("it is not implemented on this operating system yet (only on Linux, through logind)".to_string())
}

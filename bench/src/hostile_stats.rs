//! What the hostile-load phase is given and what it measured, shared with the runner and the
//! report.

use std::time::Duration;

/// How big the phase is.
#[derive(Clone, Copy, Debug)]
pub struct HostileScenario {
    /// How long each Entra-load run (alone, under attack) lasts.
    pub duration: Duration,
    /// Connections of the Entra load.
    pub connections: usize,
    /// Sockets the connection abuser keeps open at most.
    pub sockets: usize,
}

/// What one kind of worst-case request measured.
#[derive(Default, Clone)]
pub struct AttackStats {
    pub name: &'static str,
    pub latencies_us: Vec<u32>,
    pub unexpected: u64,
    pub first_unexpected: Option<String>,
}

impl AttackStats {
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1] as f64 / 1000.0
    }
    pub fn max_ms(&self) -> f64 {
        self.latencies_us.iter().copied().max().unwrap_or(0) as f64 / 1000.0
    }
}

/// What the connection abuser saw.
#[derive(Default, Clone, Debug)]
pub struct SocketStats {
    pub target: usize,
    pub opened: u64,
    pub connect_failures: u64,
    /// Sockets the server closed (EOF or reset) while the client stayed silent.
    pub closed_by_server: u64,
    /// Sockets still open when the phase ended.
    pub open_at_end: u64,
    /// Seconds from connect to the server's close, shortest and longest seen.
    pub closed_after_s: Option<(f64, f64)>,
}

/// Everything the hostile phase reports beyond its two Entra-load phases.
#[derive(Default, Clone)]
pub struct HostileReport {
    pub attacks: Vec<AttackStats>,
    pub sockets: SocketStats,
    pub attack_seconds: f64,
}

//! `scimdesk-bench`: an Entra-shaped load benchmark for ScimDesk (issue 4; see BENCHMARKS.md).
//! It starts the server on a fresh data directory (or targets `--url`), runs the phases with
//! keep-alive connections, and prints requests/s, p50 and p99 and errors per phase, with the targets.

mod client;
mod entra;
mod floor;
mod groups;
mod hostile;
mod hostile_stats;
mod phases;
mod process;
mod report;
mod runner;
mod serverlog;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};

use client::{Load, Target};
use runner::{Scenario, Targets};

#[derive(Parser, Debug)]
#[command(name = "scimdesk-bench", about = "Entra-shaped load benchmark for the ScimDesk SCIM server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Hidden>,
    /// Users to seed in phase 1 (default 100000; 2000 with --smoke).
    #[arg(long)]
    users: Option<u64>,
    /// Keep-alive connections, one task each.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Upper bound on each measured phase's duration (default 10; 1 with --smoke).
    #[arg(long)]
    phase_seconds: Option<f64>,
    /// Upper bound on each measured phase's request count.
    #[arg(long, default_value_t = 2_000_000)]
    phase_requests: u64,
    /// Upper bound on the time phase 1 may take to seed the users.
    #[arg(long, default_value_t = 900.0)]
    seed_seconds: f64,
    /// A run of seconds for the test suite: 2000 users, 1-second phases, small groups.
    #[arg(long)]
    smoke: bool,
    /// Benchmark a running server instead: its SCIM Base URL on 127.0.0.1, e.g.
    /// http://127.0.0.1:7643/source/scim/bench/v2 (needs --token).
    #[arg(long, requires = "token")]
    url: Option<String>,
    /// The source's bearer token, with --url.
    #[arg(long)]
    token: Option<String>,
    /// With --url: the server's pid, to report its memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// A built `scimdesk` binary to start (default: build it with `cargo build --release -p scimdesk`).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Log filter for the started server (`--log` of scimdesk).
    #[arg(long, default_value = "warn")]
    server_log: String,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Run only these phases: `hostile` seeds users (default 10000) and runs the hostile-load
    /// phase alone.
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// Sockets the hostile-load phase's connection abuser keeps open (default 2000; 200 with --smoke).
    #[arg(long)]
    hostile_sockets: Option<usize>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Only {
    Hostile,
}

#[derive(Subcommand, Debug)]
enum Hidden {
    /// The trivial HTTP server the loopback floor is measured against.
    #[command(hide = true)]
    FloorServer {
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Hidden::FloorServer { bind }) = &cli.command {
        return match floor::serve(bind) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("floor server: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn scenario(cli: &Cli) -> Scenario {
    let phase_seconds = cli.phase_seconds.unwrap_or(if cli.smoke { 1.0 } else { 10.0 });
    let load = Load {
        connections: cli.concurrency.max(1),
        max_requests: cli.phase_requests,
        duration: Duration::from_secs_f64(phase_seconds),
    };
    let only_hostile = cli.only == Some(Only::Hostile);
    let default_users = match (cli.smoke, only_hostile) {
        (true, _) => 2_000,
        (false, true) => 10_000,
        (false, false) => 100_000,
    };
    let (users, big, small, listed, members) = if cli.smoke {
        (cli.users.unwrap_or(default_users), 1_000, 10, 20, 50)
    } else {
        (cli.users.unwrap_or(default_users), 50_000, 250, 200, 500)
    };
    let hostile = hostile::HostileScenario {
        duration: Duration::from_secs_f64(phase_seconds),
        connections: load.connections.min(8),
        sockets: cli.hostile_sockets.unwrap_or(if cli.smoke { 200 } else { 2_000 }),
    };
    Scenario {
        users,
        load,
        seed_duration: Duration::from_secs_f64(cli.seed_seconds),
        big_group_members: big,
        small_groups: small,
        listed_groups: listed,
        listed_group_members: members,
        hostile: Some(hostile),
        only_hostile,
    }
}

/// Split `http://HOST:PORT/path` into a loopback socket address and the path.
fn parse_url(url: &str) -> Result<(SocketAddr, String), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        format!("--url must start with http:// (got {url}); the bench only talks plain HTTP on loopback")
    })?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("--url host {authority}: {e}"))?
        .find(|a| a.ip().is_loopback())
        .ok_or_else(|| format!("--url must point at this machine (127.0.0.1), got {authority}"))?;
    Ok((addr, path.to_string()))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let sc = scenario(&cli);
    let started_server;
    let mut attacker = None;
    let scim = match &cli.url {
        Some(url) => {
            let (addr, path) = parse_url(url)?;
            started_server = None;
            Target::new(addr, &path, cli.token.as_deref(), cli.server_pid)
        }
        None => {
            let bin = match &cli.server_bin {
                Some(b) => b.clone(),
                None => process::build_release_server()?,
            };
            let server = process::start_scimdesk(&bin, &cli.server_log)?;
            eprintln!("started {} (pid {}) on http://{}", bin.display(), server.process.pid(), server.process.addr);
            let base = format!("/source/scim/{}/v2", server.slug);
            let target = Target::new(server.process.addr, &base, Some(&server.token), Some(server.process.pid()));
            let attacker_base = format!("/source/scim/{}/v2", server.attacker_slug);
            attacker = Some(Target::new(
                server.process.addr,
                &attacker_base,
                Some(&server.attacker_token),
                Some(server.process.pid()),
            ));
            started_server = Some(server);
            target
        }
    };
    let floor_server = process::start_floor()?;
    let floor = Target::new(floor_server.addr, "", None, Some(floor_server.pid()));
    let targets = Targets { scim, floor, attacker };
    let run_id =
        format!("{:x}", SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0) & 0xffff_ffff);

    let load_before = report::load_average();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let results = runtime.block_on(phases::run(&targets, &sc, &run_id));
    drop(floor_server);
    let server_log = started_server.and_then(|s| s.process.stop());

    let verdicts = report::verdicts(&results, sc.users);
    report::print(&results, &verdicts, sc.load.connections, &load_before);
    if let Some(log) = &server_log {
        report::print_server_log(log);
    }
    if let Some(path) = &cli.json {
        let mut json = report::to_json(&results, &verdicts);
        if let Some(log) = &server_log {
            json["server_log"] = serde_json::json!({"lines": log.lines, "messages": log.messages});
        }
        let text = serde_json::to_string_pretty(&json).expect("results serialise");
        std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    let last_phase = if sc.only_hostile { "hostile_under_attack" } else { "list_groups" };
    let all_ran = results.phases.iter().all(|p| p.stats.requests > 0) && results.get(last_phase).is_some();
    let clean = results.phases.iter().all(|p| p.stats.errors == 0);
    Ok(if all_ran && clean { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_must_be_loopback_http() {
        let (addr, path) = parse_url("http://127.0.0.1:7643/source/scim/a/v2").unwrap();
        assert_eq!(addr.port(), 7643);
        assert_eq!(path, "/source/scim/a/v2");
        assert!(parse_url("https://127.0.0.1:1/x").is_err());
        assert!(parse_url("http://10.1.2.3:80/x").is_err());
    }
}

//! The results table, the targets of issue 4 with PASS/FAIL, and the JSON summary.

use serde_json::json;

use crate::process::Memory;
use crate::runner::RunResults;

/// One target of the issue and whether this run met it (`None`: not measured in this run).
pub struct Verdict {
    pub target: String,
    pub measured: String,
    pub pass: Option<bool>,
}

const MIB: f64 = 1024.0 * 1024.0;
const RSS_LIMIT_MIB: f64 = 150.0;

/// Judge the run against the targets.
pub fn verdicts(res: &RunResults, users: u64) -> Vec<Verdict> {
    let mut out = Vec::new();
    let rps = |key: &str| res.get(key).filter(|s| s.requests > 0).map(|s| s.rps());
    let floor = rps("floor");
    for (key, name) in [("get_user", "GET /Users/{id}"), ("filter_users", "GET /Users?filter=userName eq")] {
        let (pass, measured) = match (rps(key), floor) {
            (Some(r), Some(f)) if f > 0.0 => {
                (Some(r >= 0.3 * f), format!("{r:.0}/s = {:.0}% of floor {f:.0}/s", 100.0 * r / f))
            }
            _ => (None, "not measured".into()),
        };
        out.push(Verdict { target: format!("{name} >= 30% of the loopback floor"), measured, pass });
    }
    let post = rps("post_users");
    out.push(Verdict {
        target: "POST /Users >= 5,000/s".into(),
        measured: post.map_or("not measured".into(), |r| format!("{r:.0}/s")),
        pass: post.map(|r| r >= 5_000.0),
    });
    let adds = match (rps("add_member_small"), rps("add_member_big")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => None,
    };
    out.push(Verdict {
        target: "PATCH member add >= 3,000/s (slower of 5a, 5b)".into(),
        measured: adds.map_or("not measured".into(), |r| format!("{r:.0}/s")),
        pass: adds.map(|r| r >= 3_000.0),
    });
    let p99 = |key: &str| res.get(key).filter(|s| s.requests > 0).map(|s| s.quantile_ms(0.99));
    let (pass, measured) = match (p99("add_member_big"), p99("add_member_small")) {
        (Some(big), Some(small)) if small > 0.0 => {
            (Some(big <= 2.0 * small), format!("{big:.2} ms vs {small:.2} ms = {:.2}x", big / small))
        }
        _ => (None, "not measured".into()),
    };
    out.push(Verdict { target: "member add p99, big group <= 2x small groups".into(), measured, pass });
    let rss = res.memory_after_seed.map(|m| m.rss as f64 / MIB);
    out.push(Verdict {
        target: format!("server RSS after seeding {users} users <= {RSS_LIMIT_MIB:.0} MiB"),
        measured: rss.map_or("not measured (no server pid)".into(), |m| format!("{m:.1} MiB")),
        pass: rss.map(|m| m <= RSS_LIMIT_MIB),
    });
    let errors: u64 = res.phases.iter().map(|p| p.stats.errors).sum();
    out.push(Verdict {
        target: "no errors in any phase".into(),
        measured: format!("{errors} errors"),
        pass: Some(errors == 0),
    });
    out.extend(hostile_verdicts(res));
    out
}

/// The hostile-load targets of issue 10.
fn hostile_verdicts(res: &RunResults) -> Vec<Verdict> {
    let Some(report) = &res.hostile else { return Vec::new() };
    let (alone, attacked) = match (res.get("hostile_alone"), res.get("hostile_under_attack")) {
        (Some(a), Some(b)) if a.requests > 0 && b.requests > 0 => (a, b),
        _ => return Vec::new(),
    };
    let p99 = attacked.quantile_ms(0.99);
    let ratio = attacked.rps() / alone.rps().max(1e-9);
    let worst = report.attacks.iter().map(|a| a.max_ms()).fold(0.0, f64::max);
    let unexpected: u64 = report.attacks.iter().map(|a| a.unexpected).sum();
    vec![
        Verdict {
            target: "hostile: Entra mix p99 under attack < 100 ms".into(),
            measured: format!("{p99:.2} ms (alone {:.2} ms)", alone.quantile_ms(0.99)),
            pass: Some(p99 < 100.0),
        },
        Verdict {
            target: "hostile: Entra mix throughput under attack >= 50% of alone".into(),
            measured: format!("{:.0}/s vs {:.0}/s = {:.0}%", attacked.rps(), alone.rps(), 100.0 * ratio),
            pass: Some(ratio >= 0.5),
        },
        Verdict {
            target: format!(
                "hostile: each worst-case request answered <= {:.0} ms",
                crate::hostile::WORST_CASE_BUDGET_MS
            ),
            measured: format!("slowest {worst:.1} ms"),
            pass: Some(worst <= crate::hostile::WORST_CASE_BUDGET_MS),
        },
        Verdict {
            target: "hostile: worst-case requests answered as expected".into(),
            measured: format!("{unexpected} unexpected"),
            pass: Some(unexpected == 0),
        },
    ]
}

/// This machine in one line: CPUs, CPU model, memory (Linux /proc).
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']))
        .unwrap_or("unknown CPU");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!("{cpus} CPUs ({model}), {:.1} GiB RAM", mem_kib as f64 / 1024.0 / 1024.0)
}

/// The 1-minute load average (Linux /proc): how busy the machine was besides this run.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Print the table (valid Markdown), the seed time, memory, notes and the verdicts.
pub fn print(res: &RunResults, verdicts: &[Verdict], connections: usize, load_before: &str) {
    println!();
    println!("Machine: {}; 1-minute load average {load_before} before the run, {} after", machine(), load_average());
    println!("Connections: {connections} keep-alive HTTP/1.1");
    println!();
    println!("| phase | requests | errors | req/s | p50 ms | p99 ms | server CPU µs/req | bench CPU µs/req | server ctx switches/req |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut ordered: Vec<_> = res.phases.iter().collect();
    // The floor runs first but reads best last, as phase 7.
    ordered.sort_by_key(|p| p.key == "floor");
    for p in ordered {
        let s = &p.stats;
        let cpu = |c| s.cpu_us_per_request(c).map_or("-".to_string(), |us| format!("{us:.0}"));
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} |",
            p.label,
            s.requests,
            s.errors,
            s.rps(),
            s.quantile_ms(0.50),
            s.quantile_ms(0.99),
            cpu(s.server_cpu),
            cpu(s.bench_cpu),
            s.switches_per_request().map_or("-".to_string(), |n| format!("{n:.1}"))
        );
    }
    println!();
    if let Some((n, t)) = res.seeded {
        println!(
            "Time to seed {n} users: {:.1} s ({:.0} users/s)",
            t.as_secs_f64(),
            n as f64 / t.as_secs_f64().max(1e-9)
        );
    }
    let mem = |m: Option<Memory>| {
        m.map_or("not measured".to_string(), |m: Memory| {
            format!(
                "VmRSS {:.1} MiB = RssAnon {:.1} MiB (own memory) + RssFile {:.1} MiB (mapped files); peak VmHWM {:.1} MiB",
                m.rss as f64 / MIB,
                m.anon as f64 / MIB,
                m.file as f64 / MIB,
                m.peak as f64 / MIB
            )
        })
    };
    println!("Server memory after seeding: {}", mem(res.memory_after_seed));
    println!("Server memory at the end:    {}", mem(res.memory_at_end));
    if let Some((rss, anon)) = res.memory_peak {
        println!(
            "Server memory, highest over the run (sampled every 100 ms): VmRSS {:.1} MiB, RssAnon {:.1} MiB",
            rss as f64 / MIB,
            anon as f64 / MIB
        );
    }
    for note in &res.notes {
        println!("Note: {note}");
    }
    let errored: Vec<_> = res.phases.iter().filter(|p| p.stats.first_error.is_some()).collect();
    for p in errored {
        println!("First error in {}: {}", p.label, p.stats.first_error.as_deref().unwrap_or_default());
    }
    if let Some(h) = &res.hostile {
        crate::hostile::print(h);
    }
    println!();
    println!("Targets (issues 4 and 10):");
    for v in verdicts {
        let mark = match v.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "N/A ",
        };
        println!("  {mark}  {:<58} {}", v.target, v.measured);
    }
}

/// What the server logged during the run, counted by message.
pub fn print_server_log(log: &crate::serverlog::LogSummary) {
    println!();
    if log.lines == 0 {
        println!("Server log: nothing at the chosen level.");
        return;
    }
    println!("Server log: {} lines", log.lines);
    for (message, count) in &log.messages {
        let shown: String = message.chars().take(160).collect();
        println!("  {count:>8} x {shown}");
    }
}

/// A machine-readable summary (used by the smoke test).
pub fn to_json(res: &RunResults, verdicts: &[Verdict]) -> serde_json::Value {
    let phases: Vec<_> = res
        .phases
        .iter()
        .map(|p| {
            let s = &p.stats;
            json!({
                "key": p.key, "label": p.label, "setup": p.setup,
                "requests": s.requests, "errors": s.errors, "first_error": s.first_error,
                "seconds": s.elapsed.as_secs_f64(), "rps": s.rps(),
                "p50_ms": s.quantile_ms(0.50), "p99_ms": s.quantile_ms(0.99),
                "server_cpu_us_per_request": s.cpu_us_per_request(s.server_cpu),
                "bench_cpu_us_per_request": s.cpu_us_per_request(s.bench_cpu),
                "server_context_switches_per_request": s.switches_per_request(),
            })
        })
        .collect();
    json!({
        "phases": phases,
        "seeded_users": res.seeded.map(|(n, _)| n),
        "seed_seconds": res.seeded.map(|(_, t)| t.as_secs_f64()),
        "rss_after_seed_bytes": res.memory_after_seed.map(|m| m.rss),
        "rss_at_end_bytes": res.memory_at_end.map(|m| m.rss),
        "rss_anon_at_end_bytes": res.memory_at_end.map(|m| m.anon),
        "rss_peak_bytes": res.memory_peak.map(|(rss, _)| rss),
        "rss_anon_peak_bytes": res.memory_peak.map(|(_, anon)| anon),
        "rss_file_at_end_bytes": res.memory_at_end.map(|m| m.file),
        "notes": res.notes,
        "hostile": res.hostile.as_ref().map(crate::hostile::to_json),
        "targets": verdicts.iter().map(|v| json!({"target": v.target, "measured": v.measured, "pass": v.pass})).collect::<Vec<_>>(),
    })
}

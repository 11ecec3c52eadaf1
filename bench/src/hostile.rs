//! The hostile-load phase (issue 10): an Entra-shaped load on one source, measured alone and
//! while two clients holding a valid token of another source send worst-case requests (at the
//! size limits and just over them) as fast as they are answered, and a third opens connections
//! and abandons them (half a header block, then silence; or nothing at all).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::{self, Call, Load, Target};
use crate::entra;
pub use crate::hostile_stats::{AttackStats, HostileReport, HostileScenario, SocketStats};
use crate::runner::{Make, Runner};

/// The server's limits (scimdesk: `scim::resource::MAX_MEMBERS`, `MAX_ARRAY_ITEMS`,
/// `scim::filter::MAX_FILTER_LEN`, `MAX_FILTER_DEPTH`).
const MAX_MEMBERS: usize = 10_000;
const MAX_VALUES: usize = 1_000;
const MAX_FILTER_LEN: usize = 4096;
const MAX_FILTER_DEPTH: usize = 64;
/// Users of the attacking source that the member lists cycle over.
const ATTACK_USERS: usize = 50;
/// The worst-case requests' own target: each answered within this.
pub const WORST_CASE_BUDGET_MS: f64 = 250.0;

/// One kind of worst-case request, with what it must be answered with.
struct Attack {
    name: &'static str,
    method: Method,
    path: String,
    body: Option<Bytes>,
    /// `None`: any 2xx.
    status: Option<u16>,
}

/// The Entra-shaped request mix of the other phases: userName eq filter, GET by id, PATCH.
fn entra_mix(users: Arc<Vec<(u64, String)>>, run: Arc<str>) -> Make {
    let n = users.len();
    Arc::new(move |i| {
        let (k, id) = &users[(i.wrapping_mul(2_654_435_761) % n as u64) as usize];
        match i % 3 {
            0 => Call::get(entra::user_name_filter(&entra::user_name(&run, *k))),
            1 => Call::get(format!("/Users/{id}")),
            _ => {
                let manager = &users[((i + 1).wrapping_mul(2_654_435_761) % n as u64) as usize].1;
                Call::patch(format!("/Users/{id}"), entra::update_user(i, manager))
            }
        }
    })
}

fn patch_body(ops: Value) -> Bytes {
    Bytes::from(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}).to_string())
}

fn member_list(ids: &[String], n: usize) -> Value {
    Value::Array((0..n).map(|i| json!({"$ref": null, "value": ids[i % ids.len()]})).collect())
}

fn email_list(n: usize, tag: &str) -> Value {
    Value::Array((0..n).map(|i| json!({"type": "other", "value": format!("{tag}.{i}@attack.example")})).collect())
}

/// A filter of `userName eq` terms joined by `or`, padded to exactly `len` bytes.
fn long_filter(len: usize) -> String {
    let mut f = String::from("userName eq \"nobody@attack.example\"");
    let mut k = 0;
    while f.len() + 60 < len {
        f.push_str(&format!(" or userName eq \"nobody{k}@attack.example\""));
        k += 1;
    }
    let head = " or userName eq \"";
    let pad = len - f.len() - head.len() - 1;
    format!("{f}{head}{}\"", "x".repeat(pad))
}

fn deep_filter(depth: usize) -> String {
    format!("{}userName eq \"nobody@attack.example\"{}", "(".repeat(depth), ")".repeat(depth))
}

fn encoded(filter: &str) -> String {
    filter
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The worst-case requests, at the limits (accepted) and one over them (400). The PATCH and PUT
/// bodies alternate between two lists so that each accepted one really writes.
fn attacks(users: &[String], group: &str, put_group: &str, mailbox: &str) -> Vec<Attack> {
    let patch =
        |name, path: String, body, status| Attack { name, method: Method::PATCH, path, body: Some(body), status };
    let (first, second) = users.split_at(users.len() / 2);
    let mut out = vec![
        patch(
            "PATCH group: add 10,000 members",
            format!("/Groups/{group}"),
            patch_body(json!([{"op": "Add", "path": "members", "value": member_list(users, MAX_MEMBERS)}])),
            None,
        ),
        patch(
            "PATCH group: remove 10,000 members",
            format!("/Groups/{group}"),
            patch_body(json!([{"op": "Remove", "path": "members", "value": member_list(users, MAX_MEMBERS)}])),
            None,
        ),
        patch(
            "PATCH group: add 10,001 members (400)",
            format!("/Groups/{group}"),
            patch_body(json!([{"op": "Add", "path": "members", "value": member_list(users, MAX_MEMBERS + 1)}])),
            Some(400),
        ),
        patch(
            "PATCH user: replace with 1,000 emails",
            format!("/Users/{mailbox}"),
            patch_body(json!([{"op": "Replace", "path": "emails", "value": email_list(MAX_VALUES, "a")}])),
            None,
        ),
        patch(
            "PATCH user: replace with 1,000 other emails",
            format!("/Users/{mailbox}"),
            patch_body(json!([{"op": "Replace", "path": "emails", "value": email_list(MAX_VALUES, "b")}])),
            None,
        ),
        patch(
            "PATCH user: add 1,001 emails (400)",
            format!("/Users/{mailbox}"),
            patch_body(json!([{"op": "Add", "path": "emails", "value": email_list(MAX_VALUES + 1, "c")}])),
            Some(400),
        ),
    ];
    for (name, members) in [("PUT group: 10,000 members", first), ("PUT group: 10,000 other members", second)] {
        let body = json!({"displayName": "attack-put", "members": member_list(members, MAX_MEMBERS)});
        out.push(Attack {
            name,
            method: Method::PUT,
            path: format!("/Groups/{put_group}"),
            body: Some(Bytes::from(body.to_string())),
            status: None,
        });
    }
    let over = json!({"displayName": "attack-put", "members": member_list(users, MAX_MEMBERS + 1)});
    out.push(Attack {
        name: "PUT group: 10,001 members (400)",
        method: Method::PUT,
        path: format!("/Groups/{put_group}"),
        body: Some(Bytes::from(over.to_string())),
        status: Some(400),
    });
    for (name, filter, status) in [
        ("GET filter: 4,096 bytes of or-ed eq", long_filter(MAX_FILTER_LEN), None),
        ("GET filter: 4,097 bytes (400)", long_filter(MAX_FILTER_LEN + 1), Some(400)),
        ("GET filter: nested 64 deep", deep_filter(MAX_FILTER_DEPTH), None),
        ("GET filter: nested 65 deep (400)", deep_filter(MAX_FILTER_DEPTH + 1), Some(400)),
    ] {
        out.push(Attack {
            name,
            method: Method::GET,
            path: format!("/Users?filter={}", encoded(&filter)),
            body: None,
            status,
        });
    }
    out
}

/// Set up the attacking source: its users, the groups it patches and the user it mails.
async fn attack_setup(attacker: &Target, run: &str) -> Result<Vec<Attack>, String> {
    let one = |call: Call| {
        let attacker = attacker.clone();
        async move { client::request_once(&attacker, call).await }
    };
    let mut users = Vec::new();
    for i in 0..ATTACK_USERS {
        let (status, body) =
            one(Call::post("/Users".into(), entra::create_user(&format!("attack-{run}"), i as u64))).await?;
        users.push(client::extract_id(&body).ok_or_else(|| format!("attacker user create answered {status}"))?);
    }
    let mut groups = Vec::new();
    for name in ["attack-patch", "attack-put"] {
        let (status, body) = one(Call::post("/Groups".into(), entra::create_group(&format!("{name}-{run}")))).await?;
        groups.push(client::extract_id(&body).ok_or_else(|| format!("attacker group create answered {status}"))?);
    }
    let (status, body) =
        one(Call::post("/Users".into(), format!(r#"{{"userName":"mailbox-{run}@attack.example"}}"#))).await?;
    let mailbox = client::extract_id(&body).ok_or_else(|| format!("attacker mailbox create answered {status}"))?;
    Ok(attacks(&users, &groups[0], &groups[1], &mailbox))
}

/// One attacking client: one keep-alive connection, the attacks in turn, as fast as answered.
async fn attack_client(
    target: Target,
    attacks: Arc<Vec<Attack>>,
    start: usize,
    stop: Arc<AtomicBool>,
) -> Vec<AttackStats> {
    let mut stats: Vec<AttackStats> =
        attacks.iter().map(|a| AttackStats { name: a.name, ..Default::default() }).collect();
    let mut conn = None;
    let mut k = start;
    while !stop.load(Ordering::Relaxed) {
        let i = k % attacks.len();
        k += 1;
        let a = &attacks[i];
        let call = Call { method: a.method.clone(), path: a.path.clone(), body: a.body.clone() };
        let t0 = Instant::now();
        let answer = client::request_on(&target, &mut conn, call).await;
        let s = &mut stats[i];
        match answer {
            Ok((status, body)) => {
                s.latencies_us.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                let ok = match a.status {
                    None => status.is_success(),
                    Some(want) => status.as_u16() == want,
                };
                if !ok {
                    s.unexpected += 1;
                    s.first_unexpected.get_or_insert_with(|| {
                        format!("HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]))
                    });
                }
            }
            Err(e) => {
                s.unexpected += 1;
                s.first_unexpected.get_or_insert_with(|| format!("transport error: {e}"));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    stats
}

/// The connection abuser: `sockets` tasks, each connecting and then going quiet (every other one
/// after half a header block), reconnecting when the server closes it, until `stop`.
async fn abandon_connections(target: Target, sockets: usize, stop: Arc<AtomicBool>) -> SocketStats {
    let opened = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let closed = Arc::new(AtomicU64::new(0));
    let open_now = Arc::new(AtomicU64::new(0));
    let closed_after: Arc<Mutex<Option<(f64, f64)>>> = Arc::new(Mutex::new(None));
    let half_header = format!(
        "GET {}/Users HTTP/1.1\r\nHost: {}\r\nAccept: application/scim+json\r\nX-Slow: ",
        target.base_path, target.addr
    );
    let mut tasks = Vec::with_capacity(sockets);
    for k in 0..sockets {
        let (opened, failed, closed, open_now, closed_after, stop) =
            (opened.clone(), failed.clone(), closed.clone(), open_now.clone(), closed_after.clone(), stop.clone());
        let (addr, half) = (target.addr, half_header.clone());
        tasks.push(tokio::spawn(async move {
            // Spread the connects over the first half second: a real flood is not one SYN burst.
            tokio::time::sleep(Duration::from_micros(250 * k as u64)).await;
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut stream) = TcpStream::connect(addr).await else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                opened.fetch_add(1, Ordering::Relaxed);
                let since = Instant::now();
                if k % 2 == 0 && stream.write_all(half.as_bytes()).await.is_err() {
                    continue;
                }
                open_now.fetch_add(1, Ordering::Relaxed);
                let mut buf = [0u8; 512];
                let closed_by_server = loop {
                    tokio::select! {
                        r = stream.read(&mut buf) => match r {
                            Ok(0) | Err(_) => break true,
                            Ok(_) => continue,
                        },
                        _ = tokio::time::sleep(Duration::from_millis(100)) => {
                            if stop.load(Ordering::Relaxed) { break false; }
                        }
                    }
                };
                if !closed_by_server {
                    break;
                }
                open_now.fetch_sub(1, Ordering::Relaxed);
                closed.fetch_add(1, Ordering::Relaxed);
                let s = since.elapsed().as_secs_f64();
                {
                    let mut slot = closed_after.lock().unwrap();
                    *slot = Some(slot.map_or((s, s), |(lo, hi)| (lo.min(s), hi.max(s))));
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let closed_after = *closed_after.lock().unwrap();
    SocketStats {
        target: sockets,
        opened: opened.load(Ordering::Relaxed),
        connect_failures: failed.load(Ordering::Relaxed),
        closed_by_server: closed.load(Ordering::Relaxed),
        open_at_end: open_now.load(Ordering::Relaxed),
        closed_after_s: closed_after,
    }
}

/// The phase: the Entra load on `users` (source B) alone, then under attack from source A.
pub(crate) async fn hostile_phase(
    r: &mut Runner<'_>,
    attacker: &Target,
    hs: HostileScenario,
    users: &Arc<Vec<(u64, String)>>,
    run: &Arc<str>,
) {
    let scim = r.targets.scim.clone();
    eprintln!("hostile load: set-up of the attacking source");
    let attacks = match attack_setup(attacker, run).await {
        Ok(a) => Arc::new(a),
        Err(e) => {
            r.results.notes.push(format!("hostile load skipped: attacker set-up failed: {e}"));
            return;
        }
    };
    let load = Load { connections: hs.connections, max_requests: u64::MAX, duration: hs.duration };
    let make = entra_mix(users.clone(), run.clone());
    r.phase("hostile_alone", "H1. Entra mix on source B, alone".into(), false, &scim, load, make.clone(), None).await;

    eprintln!("hostile load: 2 attacking clients on source A, {} abandoned sockets", hs.sockets);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let clients: Vec<_> = (0..2)
        .map(|c| tokio::spawn(attack_client(attacker.clone(), attacks.clone(), c * attacks.len() / 2, stop.clone())))
        .collect();
    let abuser = tokio::spawn(abandon_connections(attacker.clone(), hs.sockets, stop.clone()));
    // Let the attack reach full strength (every socket opened) before measuring.
    tokio::time::sleep(Duration::from_micros(250 * hs.sockets as u64) + Duration::from_millis(300)).await;
    r.phase("hostile_under_attack", "H2. Entra mix on source B, under attack".into(), false, &scim, load, make, None)
        .await;
    stop.store(true, Ordering::Relaxed);
    let mut merged: Vec<AttackStats> =
        attacks.iter().map(|a| AttackStats { name: a.name, ..Default::default() }).collect();
    for c in clients {
        if let Ok(stats) = c.await {
            for (m, s) in merged.iter_mut().zip(stats) {
                m.latencies_us.extend(s.latencies_us);
                m.unexpected += s.unexpected;
                if m.first_unexpected.is_none() {
                    m.first_unexpected = s.first_unexpected;
                }
            }
        }
    }
    let sockets = abuser.await.unwrap_or_default();
    r.results.hostile =
        Some(HostileReport { attacks: merged, sockets, attack_seconds: started.elapsed().as_secs_f64() });
}

/// The report's section for the phase.
pub fn print(report: &HostileReport) {
    println!();
    println!("Hostile load: worst-case requests of source A ({:.1} s, 2 clients)", report.attack_seconds);
    println!();
    println!("| worst-case request | answered | unexpected | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for a in &report.attacks {
        println!(
            "| {} | {} | {} | {:.1} | {:.1} |",
            a.name,
            a.latencies_us.len(),
            a.unexpected,
            a.quantile_ms(0.99),
            a.max_ms()
        );
    }
    for a in report.attacks.iter().filter(|a| a.first_unexpected.is_some()) {
        println!("First unexpected answer to {}: {}", a.name, a.first_unexpected.as_deref().unwrap_or_default());
    }
    let s = &report.sockets;
    println!();
    println!(
        "Abandoned connections (up to {} at once, half of them after half a header block): {} opened, {} connects \
         failed, {} closed by the server{}, {} still open at the end",
        s.target,
        s.opened,
        s.connect_failures,
        s.closed_by_server,
        s.closed_after_s.map_or(String::new(), |(lo, hi)| format!(" (after {lo:.1} to {hi:.1} s)")),
        s.open_at_end
    );
}

pub fn to_json(report: &HostileReport) -> Value {
    let s = &report.sockets;
    json!({
        "attacks": report.attacks.iter().map(|a| json!({
            "name": a.name, "answered": a.latencies_us.len(), "unexpected": a.unexpected,
            "first_unexpected": a.first_unexpected, "p99_ms": a.quantile_ms(0.99), "max_ms": a.max_ms(),
        })).collect::<Vec<_>>(),
        "sockets": {"target": s.target, "opened": s.opened, "connect_failures": s.connect_failures,
            "closed_by_server": s.closed_by_server, "open_at_end": s.open_at_end},
    })
}

//! How the CLI shows Entra's cycles: a source's last request, last cycle, refusals and whether it
//! went quiet (`source show`, `source list`), and the requests for slugs that name no source.

use std::time::Duration;

use scimdesk::health::display_time;
use scimdesk::{Cycle, Engine, EngineError, SourceHealth, UnknownSlug};

/// The lines of `source show` about Entra's traffic.
pub fn print_source(health: &SourceHealth, interval: Duration) {
    let last = health.last_request.as_deref().map_or_else(|| "none yet".to_owned(), display_time);
    println!("Last request:    {last}");
    match &health.last_cycle {
        Some(cycle) => println!(
            "Last cycle:      {} to {} ({}): {}",
            display_time(&cycle.started),
            display_time(&cycle.ended),
            length(cycle),
            counts(cycle)
        ),
        None => println!("Last cycle:      none yet"),
    }
    println!("Refused:         {} of {} requests since the first", health.refused, health.requests);
    println!("Watch:           {}", status_sentence(health, interval));
}

/// What the watch thinks of the source, in a sentence.
fn status_sentence(health: &SourceHealth, interval: Duration) -> String {
    if let Some(burst) = &health.refusals {
        return format!(
            "{} requests refused with {} since the last accepted one: {}. To fix it, {}",
            burst.count,
            burst.status,
            burst.cause.explanation(),
            burst.cause.fix()
        );
    }
    if health.quiet {
        return format!(
            "quiet: no request for longer than two cycles ({} each); if users or groups changed in Entra since, \
             check its provisioning job (running? in quarantine?) and the tunnel (`scimdesk check {}`)",
            humantime::format_duration(interval),
            health.slug
        );
    }
    match (health.enabled, health.provisioned) {
        (false, _) => "disabled: not watched".into(),
        (true, false) => "not provisioned yet: Entra has had no request accepted".into(),
        (true, true) => "ok".into(),
    }
}

/// One word for the table.
fn status_word(health: &SourceHealth) -> String {
    match (&health.refusals, health.quiet, health.enabled, health.provisioned) {
        (Some(burst), ..) => format!("refused ({})", burst.status),
        (None, true, ..) => "quiet".into(),
        (None, false, false, _) => "disabled".into(),
        (None, false, true, false) => "not provisioned".into(),
        (None, false, true, true) => "ok".into(),
    }
}

fn counts(c: &Cycle) -> String {
    format!(
        "{} requests ({} created, {} updated, {} deleted, {} refused)",
        c.requests, c.created, c.updated, c.deleted, c.refused
    )
}

/// How long a cycle lasted, to the second.
fn length(c: &Cycle) -> String {
    let ms = scimdesk::traffic::unix_ms(&c.ended).zip(scimdesk::traffic::unix_ms(&c.started)).map(|(e, s)| e - s);
    let seconds = ms.map_or(0, |ms| (ms.max(0) as u64).div_ceil(1000));
    humantime::format_duration(Duration::from_secs(seconds)).to_string()
}

/// The table of `source list` about Entra's traffic, then the unknown slugs.
pub fn print_list(engine: &Engine) -> Result<(), EngineError> {
    let sources = engine.health().sources()?;
    if !sources.is_empty() {
        println!();
        println!(
            "{:<24} {:<24} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}  STATUS",
            "SLUG", "LAST REQUEST", "CYCLE", "REQUESTS", "CREATED", "UPDATED", "DELETED", "REFUSED"
        );
        for s in &sources {
            let last = s.last_request.as_deref().map_or_else(|| "none yet".to_owned(), display_time);
            match &s.last_cycle {
                Some(c) => println!(
                    "{:<24} {:<24} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}  {}",
                    s.slug,
                    last,
                    length(c),
                    c.requests,
                    c.created,
                    c.updated,
                    c.deleted,
                    c.refused,
                    status_word(s)
                ),
                None => println!(
                    "{:<24} {:<24} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}  {}",
                    s.slug,
                    last,
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    status_word(s)
                ),
            }
        }
    }
    print_unknown_slugs(&engine.health().unknown_slugs()?);
    Ok(())
}

fn print_unknown_slugs(slugs: &[UnknownSlug]) {
    if slugs.is_empty() {
        return;
    }
    println!();
    println!("Requests for slugs that name no source (a wrong Tenant URL in Entra, or a scanner):");
    println!("{:<24} {:>9}  {:<24} LAST", "SLUG", "REQUESTS", "FIRST");
    for u in slugs {
        let slug = if u.others { "(other slugs)" } else { u.slug.as_str() };
        let burst = if u.refusals.is_some() { "  refused in a burst: check Entra's Tenant URL" } else { "" };
        println!(
            "{:<24} {:>9}  {:<24} {}{burst}",
            slug,
            u.requests,
            display_time(&u.first_seen),
            display_time(&u.last_seen)
        );
    }
}

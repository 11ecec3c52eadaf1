//! `scimdesk users`, `scimdesk groups` and `scimdesk activity`: tables of provisioned resources
//! and of a source's requests.

use serde_json::Value;

use scimdesk::directory::ListRequest;
use scimdesk::scim::ResourceKind;
use scimdesk::Engine;

use super::CliError;

/// Every resource of a source matching `filter`, walking the pages.
pub async fn all(
    engine: &Engine,
    slug: &str,
    kind: ResourceKind,
    filter: Option<String>,
) -> Result<Vec<Value>, CliError> {
    let source = engine.sources().source_ref(slug)?;
    let mut out = Vec::new();
    loop {
        let req = ListRequest {
            filter: filter.clone(),
            start_index: Some(out.len() as i64 + 1),
            count: Some(1000),
            ..Default::default()
        };
        let page = match engine.directory().list(&source, kind, &req).await?.body {
            Some(body) => body.into_value()?,
            None => Value::Null,
        };
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        let total = page["totalResults"].as_u64().unwrap_or(0) as usize;
        let done = resources.is_empty();
        out.extend(resources);
        if done || out.len() >= total {
            return Ok(out);
        }
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

pub async fn users(engine: &Engine, slug: &str, filter: Option<String>) -> Result<(), CliError> {
    let users = all(engine, slug, ResourceKind::User, filter).await?;
    println!("{:<36}  {:<32} {:<24} {:<8} EXTERNAL ID", "ID", "USERNAME", "DISPLAY NAME", "ACTIVE");
    for u in &users {
        let active = u.get("active").and_then(Value::as_bool).unwrap_or(true);
        println!(
            "{:<36}  {:<32} {:<24} {:<8} {}",
            s(u, "id"),
            s(u, "userName"),
            s(u, "displayName"),
            if active { "yes" } else { "disabled" },
            s(u, "externalId")
        );
    }
    println!("{} user(s)", users.len());
    Ok(())
}

pub async fn groups(engine: &Engine, slug: &str, filter: Option<String>) -> Result<(), CliError> {
    let groups = all(engine, slug, ResourceKind::Group, filter).await?;
    println!("{:<36}  {:<32} {:>8}  EXTERNAL ID", "ID", "DISPLAY NAME", "MEMBERS");
    for g in &groups {
        let members = g.get("members").and_then(Value::as_array).map_or(0, Vec::len);
        println!("{:<36}  {:<32} {:>8}  {}", s(g, "id"), s(g, "displayName"), members, s(g, "externalId"));
    }
    println!("{} group(s)", groups.len());
    Ok(())
}

/// A source's newest activity rows, newest first: "<time>  <method> <path>  <status>  <summary>".
pub fn activity(engine: &Engine, slug: &str, limit: i64) -> Result<(), CliError> {
    for row in engine.sources().activity(slug, limit)? {
        println!("{}  {} {}  {}  {}", row.time, row.method, row.path, row.status, row.summary);
    }
    Ok(())
}

//! `scimdesk export`: a source's users and groups as SCIM JSON or CSV.

use serde_json::{json, Value};

use scimdesk::scim::{ResourceKind, ENTERPRISE_USER_SCHEMA};
use scimdesk::Engine;

use super::CliError;

use super::listing::all;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Which {
    Users,
    Groups,
}

fn text(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for key in path {
        match cur.get(*key) {
            Some(next) => cur = next,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn primary_email(user: &Value) -> String {
    let emails = user.get("emails").and_then(Value::as_array);
    let chosen = emails.and_then(|e| e.iter().find(|m| m.get("primary") == Some(&Value::Bool(true))).or(e.first()));
    chosen.map(|m| text(m, &["value"])).unwrap_or_default()
}

pub async fn run(engine: &Engine, slug: &str, format: Format, which: Which) -> Result<(), CliError> {
    let csv_error = |e: csv::Error| CliError::Output(format!("CSV: {e}"));
    match format {
        Format::Json => {
            let users = all(engine, slug, ResourceKind::User, None).await?;
            let groups = all(engine, slug, ResourceKind::Group, None).await?;
            let doc = json!({ "source": slug, "exported": scimdesk::store::now(), "users": users, "groups": groups });
            println!("{}", serde_json::to_string_pretty(&doc).expect("JSON"));
        }
        Format::Csv => {
            let mut out = csv::Writer::from_writer(std::io::stdout());
            match which {
                Which::Users => {
                    out.write_record([
                        "id",
                        "userName",
                        "displayName",
                        "givenName",
                        "familyName",
                        "email",
                        "active",
                        "externalId",
                        "title",
                        "department",
                        "employeeNumber",
                        "manager",
                    ])
                    .map_err(csv_error)?;
                    for u in all(engine, slug, ResourceKind::User, None).await? {
                        let active = u.get("active").and_then(Value::as_bool).unwrap_or(true).to_string();
                        out.write_record([
                            text(&u, &["id"]),
                            text(&u, &["userName"]),
                            text(&u, &["displayName"]),
                            text(&u, &["name", "givenName"]),
                            text(&u, &["name", "familyName"]),
                            primary_email(&u),
                            active,
                            text(&u, &["externalId"]),
                            text(&u, &["title"]),
                            text(&u, &[ENTERPRISE_USER_SCHEMA, "department"]),
                            text(&u, &[ENTERPRISE_USER_SCHEMA, "employeeNumber"]),
                            text(&u, &[ENTERPRISE_USER_SCHEMA, "manager", "value"]),
                        ])
                        .map_err(csv_error)?;
                    }
                }
                Which::Groups => {
                    out.write_record(["id", "displayName", "externalId", "members"]).map_err(csv_error)?;
                    for g in all(engine, slug, ResourceKind::Group, None).await? {
                        let members: Vec<String> = g
                            .get("members")
                            .and_then(Value::as_array)
                            .map(|m| m.iter().map(|m| text(m, &["value"])).collect())
                            .unwrap_or_default();
                        out.write_record([
                            text(&g, &["id"]),
                            text(&g, &["displayName"]),
                            text(&g, &["externalId"]),
                            members.join(" "),
                        ])
                        .map_err(csv_error)?;
                    }
                }
            }
            out.flush().map_err(|e| CliError::Output(format!("CSV: {e}")))?;
        }
    }
    Ok(())
}

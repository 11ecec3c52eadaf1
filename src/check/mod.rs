//! The reachability check: from this machine, send a request to a source's SCIM Base URL through
//! the public URL (the tunnel), carrying a one-time code, and tell precisely what happened: the
//! name does not resolve, the connection is refused or times out, TLS fails (and why), the tunnel
//! answers but does not reach ScimDesk, it reached a different server, or it arrived here, with
//! the round-trip time. Each outcome comes with the sentence that says what to do.

mod probe;
pub mod proof;
pub mod watch;

use std::time::Duration;

use serde::Serialize;

/// What one check found.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "result")]
pub enum Outcome {
    /// No public URL is set: Entra has no address to call.
    NoPublicUrl,
    /// The public URL is http://; Entra only calls https.
    NotHttps,
    /// The public URL's host name does not resolve.
    NameNotResolved { host: String },
    /// The host resolves but refuses the connection.
    ConnectionRefused { address: String },
    /// No answer within the time limit (connecting, TLS or the reply).
    TimedOut { step: String },
    /// The connection failed otherwise (no route, network down).
    Unreachable { detail: String },
    /// The certificate is not signed by an authority this system trusts (Entra will refuse it too).
    CertificateUntrusted,
    /// The certificate has expired (or is not valid yet).
    CertificateExpired,
    /// The certificate is for another name.
    CertificateWrongName { host: String },
    /// TLS failed for another reason.
    TlsFailed { detail: String },
    /// The tunnel answered, but with its own error: it does not reach ScimDesk.
    TunnelNotReachingScimDesk { status: u16 },
    /// Something answered that is not ScimDesk on this data folder.
    DifferentServer { status: u16 },
    /// The request arrived here and the answer came back.
    Reachable { round_trip_ms: u64 },
}

/// The result of a check, for the window, the CLI and the log.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub slug: String,
    /// The SCIM Base URL that was checked (none without a public URL).
    pub url: Option<String>,
    pub outcome: Outcome,
    /// One sentence: what was found and what to do.
    pub message: String,
    /// RFC 3339 time of the check.
    pub time: String,
}

impl CheckReport {
    pub fn reachable(&self) -> bool {
        matches!(self.outcome, Outcome::Reachable { .. })
    }

    /// A public URL is set and Entra cannot reach ScimDesk through it. (No public URL at all is
    /// shown, not told: there is nothing to fix on a tunnel.)
    pub fn unreachable(&self) -> bool {
        !self.reachable() && self.outcome != Outcome::NoPublicUrl
    }
}

/// Follows the checks and says when the admin is to be told: Entra lost its way to ScimDesk, or
/// found it again. Each is told once, not at every check.
#[derive(Debug, Default)]
pub struct ReachChanges {
    lost: bool,
}

/// A change of reach to tell the admin: a title and the check's sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachNotice {
    pub title: &'static str,
    pub message: String,
    /// Entra can reach ScimDesk again.
    pub regained: bool,
}

impl ReachChanges {
    pub fn observe(&mut self, report: &CheckReport) -> Option<ReachNotice> {
        let (was_lost, lost) = (self.lost, report.unreachable());
        self.lost = lost;
        if lost && !was_lost {
            Some(ReachNotice { title: "Entra cannot reach ScimDesk", message: report.message.clone(), regained: false })
        } else if was_lost && report.reachable() {
            Some(ReachNotice {
                title: "Entra can reach ScimDesk again",
                message: report.message.clone(),
                regained: true,
            })
        } else {
            None
        }
    }
}

/// Time allowed for each step: resolving, connecting, TLS, the answer.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Check `base_url` (a source's SCIM Base URL under the public URL); `secret` is the data folder's
/// check secret, with which ScimDesk answers the code.
pub async fn run(slug: &str, base_url: Option<String>, secret: &str) -> CheckReport {
    let outcome = match &base_url {
        None => Outcome::NoPublicUrl,
        Some(url) => probe::probe(url, secret, STEP_TIMEOUT).await,
    };
    CheckReport {
        slug: slug.to_owned(),
        message: message(&outcome, base_url.as_deref()),
        url: base_url,
        outcome,
        time: crate::store::now(),
    }
}

/// What the admin reads: what was found, then what to do.
pub fn message(outcome: &Outcome, url: Option<&str>) -> String {
    let url = url.unwrap_or("the SCIM Base URL");
    match outcome {
        Outcome::NoPublicUrl => "No public URL is set, so Entra has no address to call: start a tunnel (cloudflared, ngrok) to this port and save its https address as the public URL in Settings".into(),
        Outcome::NotHttps => format!("{url} is http://, and Entra only calls https: use your tunnel's https address as the public URL"),
        Outcome::NameNotResolved { host } => format!("The name {host} does not resolve: check the public URL for typos, and that the tunnel (or its DNS record) is running"),
        Outcome::ConnectionRefused { address } => format!("{address} refused the connection: the tunnel is not running there; start it, or correct the public URL"),
        Outcome::TimedOut { step } => format!("No answer while {step} within {} s: the tunnel or a firewall is not letting requests through; check that the tunnel runs", STEP_TIMEOUT.as_secs()),
        Outcome::Unreachable { detail } => format!("The public URL cannot be reached from this machine ({detail}): check the network and the tunnel"),
        Outcome::CertificateUntrusted => "The certificate of the public URL is not signed by an authority this system trusts, and Entra will refuse it too: use a tunnel that serves a publicly trusted certificate (cloudflared and ngrok do)".into(),
        Outcome::CertificateExpired => "The certificate of the public URL has expired (or is not valid yet), and Entra will refuse it: renew it, or restart the tunnel that serves it".into(),
        Outcome::CertificateWrongName { host } => format!("The certificate of the public URL is for another name than {host}, and Entra will refuse it: correct the public URL, or the tunnel's host name"),
        Outcome::TlsFailed { detail } => format!("TLS to the public URL failed ({detail}): check the tunnel's https set-up"),
        Outcome::TunnelNotReachingScimDesk { status } => format!("The tunnel answers (HTTP {status}) but does not reach ScimDesk: point it at this machine's ScimDesk port, and check that ScimDesk is serving"),
        Outcome::DifferentServer { status } => format!("The public URL reached a server that is not this ScimDesk (HTTP {status}): the tunnel points at another port or machine (an old tunnel?); point it at the port ScimDesk listens on"),
        Outcome::Reachable { round_trip_ms } => format!("Entra can reach this ScimDesk through {url} ({round_trip_ms} ms round trip)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_a_public_url_nothing_is_sent_and_the_message_says_what_to_do() {
        let report = run("entra", None, "secret").await;
        assert_eq!(report.outcome, Outcome::NoPublicUrl);
        assert!(!report.reachable());
        assert!(report.message.contains("Settings"), "{}", report.message);
    }

    #[tokio::test]
    async fn an_http_public_url_is_refused_before_any_request() {
        let report = run("entra", Some("http://127.0.0.1:9/source/scim/entra/v2".into()), "secret").await;
        assert_eq!(report.outcome, Outcome::NotHttps);
        assert!(report.message.contains("only calls https"), "{}", report.message);
    }

    #[test]
    fn losing_and_regaining_reach_is_told_once_each_and_no_public_url_is_not_told() {
        let report = |outcome: Outcome| CheckReport {
            slug: "entra".into(),
            url: None,
            outcome,
            message: "what was found".into(),
            time: "2026-12-01T12:00:00Z".into(),
        };
        let mut changes = ReachChanges::default();
        assert_eq!(changes.observe(&report(Outcome::NoPublicUrl)), None, "nothing to fix on a tunnel");
        assert_eq!(changes.observe(&report(Outcome::Reachable { round_trip_ms: 40 })), None);
        let lost = changes.observe(&report(Outcome::ConnectionRefused { address: "x".into() })).expect("lost");
        assert_eq!((lost.title, lost.regained), ("Entra cannot reach ScimDesk", false));
        assert_eq!(changes.observe(&report(Outcome::TimedOut { step: "connecting".into() })), None, "told once");
        let back = changes.observe(&report(Outcome::Reachable { round_trip_ms: 40 })).expect("regained");
        assert_eq!((back.title, back.regained), ("Entra can reach ScimDesk again", true));
        assert_eq!(changes.observe(&report(Outcome::Reachable { round_trip_ms: 40 })), None);
    }
}

//! Alerts: a condition of a source that the admin should hear about (it went quiet, its requests
//! are refused), when it starts and, where that can be told, when it ends; each with the sentence
//! that says what happened and what to do.

use std::time::Duration;

use serde::Serialize;

/// Why requests were refused in a burst, as far as ScimDesk can tell.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RefusalCause {
    /// 401: the token Entra sends is not the source's (typically after a rotation).
    TokenMismatch,
    /// 401: Entra sends no token.
    MissingToken,
    /// 401: the source is disabled in ScimDesk.
    SourceDisabled,
    /// 404: no source has the slug of the URL Entra calls.
    UnknownSlug,
}

impl RefusalCause {
    /// The answer these requests got.
    pub fn status(self) -> u16 {
        match self {
            RefusalCause::UnknownSlug => 404,
            _ => 401,
        }
    }

    /// The likely cause, for an admin.
    pub fn explanation(self) -> &'static str {
        match self {
            RefusalCause::TokenMismatch => {
                "the token Entra sends does not match the source's token; after a Rotate, Entra keeps sending the old one until the new one is pasted in"
            }
            RefusalCause::MissingToken => "Entra sends no token: its Secret Token is empty",
            RefusalCause::SourceDisabled => "the source is disabled in ScimDesk",
            RefusalCause::UnknownSlug => {
                "no source in ScimDesk has this slug: the Tenant URL in Entra is wrong (or a scanner is guessing)"
            }
        }
    }

    /// What to do about it.
    pub fn fix(self) -> &'static str {
        match self {
            RefusalCause::TokenMismatch | RefusalCause::MissingToken => {
                "copy the source's token in ScimDesk (Copy token) and paste it into Entra's Secret Token (Provisioning → Admin Credentials), then Test Connection"
            }
            RefusalCause::SourceDisabled => {
                "enable the source in ScimDesk, or turn provisioning off in Entra if it should stay disabled"
            }
            RefusalCause::UnknownSlug => {
                "copy the SCIM Base URL again from the source's page in ScimDesk and paste it into Entra's Tenant URL, then Test Connection"
            }
        }
    }
}

/// A change in a source's condition, published once when it happens.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Alert {
    /// A provisioned source has had no request for longer than two cycle intervals.
    QuietSource {
        slug: String,
        name: String,
        /// RFC 3339 time of the source's newest request.
        last_request: String,
        interval_seconds: u64,
    },
    /// A quiet source received a request again.
    QuietSourceResumed { slug: String, name: String, last_request: String },
    /// At least five refusals of one kind came within two minutes (and no request was accepted
    /// since): what it likely means and how to fix it.
    RefusalBurst {
        /// The source's slug, or the slug requested though no source has it.
        slug: String,
        /// The source's name (`None` for an unknown slug).
        name: Option<String>,
        status: u16,
        /// Refusals so far (since the last accepted request).
        count: u64,
        cause: RefusalCause,
        /// What to do: [`RefusalCause::fix`].
        fix: String,
    },
    /// The source accepts Entra's requests again after a burst of refusals.
    RefusalBurstEnded { slug: String, name: String, status: u16, cause: RefusalCause },
}

impl Alert {
    /// The Settings switch that lets this alert be notified.
    pub fn notification_kind(&self) -> crate::settings::NotificationKind {
        use crate::settings::NotificationKind;
        match self {
            Alert::QuietSource { .. } | Alert::QuietSourceResumed { .. } => NotificationKind::QuietSource,
            Alert::RefusalBurst { .. } | Alert::RefusalBurstEnded { .. } => NotificationKind::Refusals,
        }
    }

    /// The slug the alert is about.
    pub fn slug(&self) -> &str {
        match self {
            Alert::QuietSource { slug, .. }
            | Alert::QuietSourceResumed { slug, .. }
            | Alert::RefusalBurst { slug, .. }
            | Alert::RefusalBurstEnded { slug, .. } => slug,
        }
    }

    /// Whether the admin has something to do (the alerts of an end do not ask for anything).
    pub fn needs_action(&self) -> bool {
        matches!(self, Alert::QuietSource { .. } | Alert::RefusalBurst { .. })
    }

    /// A short title, for a notification.
    pub fn title(&self) -> String {
        match self {
            Alert::QuietSource { name, .. } => format!("{name}: no provisioning from Entra"),
            Alert::QuietSourceResumed { name, .. } => format!("{name}: provisioning resumed"),
            Alert::RefusalBurst { name: Some(name), .. } => format!("{name}: Entra's requests are refused"),
            Alert::RefusalBurst { slug, name: None, .. } => format!("Requests for an unknown source \"{slug}\""),
            Alert::RefusalBurstEnded { name, .. } => format!("{name}: Entra's requests are accepted again"),
        }
    }

    /// What happened and what to do, in the admin's words.
    pub fn message(&self) -> String {
        match self {
            Alert::QuietSource { slug, name, last_request, interval_seconds } => format!(
                "Entra has not called {name} ({slug}) since {}, longer than two of its cycles ({} each). If users or \
                 groups changed in Entra since, check that the provisioning job runs and is not in quarantine (Entra \
                 admin center → Enterprise applications → your app → Provisioning), and that the tunnel still reaches \
                 ScimDesk (the reachability check).",
                display_time(last_request),
                humantime::format_duration(Duration::from_secs(*interval_seconds)),
            ),
            Alert::QuietSourceResumed { slug, name, last_request } => {
                format!("Entra called {name} ({slug}) again at {}: provisioning goes on.", display_time(last_request))
            }
            Alert::RefusalBurst { slug, name: Some(name), status, count, cause, fix } => format!(
                "ScimDesk refused {count} requests in a row from Entra to {name} ({slug}) with {status}: {}. To fix it, \
                 {fix}.",
                cause.explanation()
            ),
            Alert::RefusalBurst { slug, name: None, status, count, cause, fix } => format!(
                "{count} requests for /source/scim/{slug}/v2 were refused with {status}: {}. To fix it, {fix}.",
                cause.explanation()
            ),
            Alert::RefusalBurstEnded { slug, name, status, .. } => format!(
                "ScimDesk accepts Entra's requests to {name} ({slug}) again, after refusing them with {status}."
            ),
        }
    }
}

/// An RFC 3339 time from the log as an admin reads it: `2026-05-01 10:02:03 UTC`.
pub fn display_time(rfc3339: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| rfc3339.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alert_says_what_happened_and_what_to_do() {
        let quiet = Alert::QuietSource {
            slug: "entra".into(),
            name: "Entra ID".into(),
            last_request: "2026-05-01T10:02:03.456Z".into(),
            interval_seconds: 2400,
        };
        let message = quiet.message();
        assert!(message.contains("since 2026-05-01 10:02:03 UTC") && message.contains("40m"), "{message}");
        assert!(message.contains("quarantine") && message.contains("tunnel"), "{message}");

        let token = RefusalCause::TokenMismatch;
        let burst = Alert::RefusalBurst {
            slug: "entra".into(),
            name: Some("Entra ID".into()),
            status: 401,
            count: 7,
            cause: token,
            fix: token.fix().into(),
        };
        let message = burst.message();
        assert!(message.contains("7 requests") && message.contains("Rotate"), "{message}");
        assert!(message.contains("Secret Token"), "{message}");

        let unknown = RefusalCause::UnknownSlug;
        let burst = Alert::RefusalBurst {
            slug: "entra-prod".into(),
            name: None,
            status: unknown.status(),
            count: 12,
            cause: unknown,
            fix: unknown.fix().into(),
        };
        let message = burst.message();
        assert!(message.contains("/source/scim/entra-prod/v2") && message.contains("with 404"), "{message}");
        assert!(message.contains("Tenant URL") && message.contains("SCIM Base URL"), "{message}");
    }

    #[test]
    fn alerts_cross_to_the_window_as_tagged_camel_case_json() {
        let alert = Alert::QuietSourceResumed { slug: "e".into(), name: "E".into(), last_request: "t".into() };
        assert_eq!(
            serde_json::to_value(&alert).unwrap(),
            serde_json::json!({"kind": "quietSourceResumed", "slug": "e", "name": "E", "lastRequest": "t"})
        );
    }
}

//! Which identity provider provisions a source: a label that chooses the setup guide the window
//! and the README show. Every source accepts every request form, whatever its provider.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The identity provider an admin connects to a source.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityProvider {
    /// Microsoft Entra ID; the default, and what sources made before providers were told apart are.
    #[default]
    Entra,
    Okta,
    OneLogin,
    /// Any other SCIM 2.0 client (Google, JumpCloud, a script).
    Other,
}

impl IdentityProvider {
    pub const ALL: [IdentityProvider; 4] =
        [IdentityProvider::Entra, IdentityProvider::Okta, IdentityProvider::OneLogin, IdentityProvider::Other];

    /// The stored and typed name: `entra`, `okta`, `onelogin`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityProvider::Entra => "entra",
            IdentityProvider::Okta => "okta",
            IdentityProvider::OneLogin => "onelogin",
            IdentityProvider::Other => "other",
        }
    }

    /// The name the admin knows it by.
    pub fn label(self) -> &'static str {
        match self {
            IdentityProvider::Entra => "Microsoft Entra ID",
            IdentityProvider::Okta => "Okta",
            IdentityProvider::OneLogin => "OneLogin",
            IdentityProvider::Other => "another SCIM client",
        }
    }
}

impl IdentityProvider {
    /// The provider console's field for the SCIM Base URL.
    pub fn base_url_field(self) -> &'static str {
        match self {
            IdentityProvider::Entra => "Tenant URL",
            IdentityProvider::Okta => "SCIM connector base URL",
            IdentityProvider::OneLogin => "SCIM Base URL",
            IdentityProvider::Other => "SCIM base URL",
        }
    }

    /// The provider console's field for the token.
    pub fn token_field(self) -> &'static str {
        match self {
            IdentityProvider::Entra => "Secret Token",
            IdentityProvider::Okta => "Authorization (Authentication Mode: HTTP Header)",
            IdentityProvider::OneLogin => "SCIM Bearer Token",
            IdentityProvider::Other => "bearer token",
        }
    }
}

impl fmt::Display for IdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider name that is none of `entra`, `okta`, `onelogin`, `other`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is no identity provider ScimDesk knows: use entra, okta, onelogin or other")]
pub struct UnknownProvider(pub String);

impl FromStr for IdentityProvider {
    type Err = UnknownProvider;

    /// Any letter case; `entra-id`, `azure` and `one-login` are read too.
    fn from_str(text: &str) -> Result<Self, UnknownProvider> {
        let key: String = text.trim().to_ascii_lowercase().chars().filter(|c| !matches!(c, '-' | '_' | ' ')).collect();
        match key.as_str() {
            "entra" | "entraid" | "azure" | "azuread" => Ok(IdentityProvider::Entra),
            "okta" => Ok(IdentityProvider::Okta),
            "onelogin" => Ok(IdentityProvider::OneLogin),
            "other" => Ok(IdentityProvider::Other),
            _ => Err(UnknownProvider(text.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_reads_back_from_its_stored_name() {
        for provider in IdentityProvider::ALL {
            assert_eq!(provider.as_str().parse::<IdentityProvider>(), Ok(provider));
        }
        assert_eq!("One-Login".parse::<IdentityProvider>(), Ok(IdentityProvider::OneLogin));
        assert_eq!("Entra ID".parse::<IdentityProvider>(), Ok(IdentityProvider::Entra));
        assert!("google".parse::<IdentityProvider>().is_err());
    }
}

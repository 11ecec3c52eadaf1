//! Bearer tokens: generation, hashing, constant-time verification, and the OS keychain.
//!
//! The plaintext token exists only when it is generated, in the keychain, and on the clipboard
//! after "Copy token". The database keeps its SHA-256 hash.

use std::fmt;

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Prefix that lets secret scanners recognise a leaked ScimDesk token.
pub const TOKEN_PREFIX: &str = "scimdesk_";
/// The keychain service under which each source's token is an entry (account = source uid).
pub const KEYCHAIN_SERVICE: &str = "scimdesk";

/// A plaintext bearer token. Its `Debug` and `Display` never show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// 256 random bits from the OS generator, hex-encoded after the prefix.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Token(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
    }

    pub fn from_secret(secret: String) -> Self {
        Token(secret)
    }

    /// The secret itself, for the one moment it is shown, copied or stored in the keychain.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> [u8; 32] {
        hash_token(&self.0)
    }

    /// What may be shown to tell tokens apart: the prefix and four characters.
    pub fn display_prefix(&self) -> String {
        self.0.chars().take(TOKEN_PREFIX.len() + 4).collect()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***SECRET***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***SECRET***")
    }
}

pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `presented` hashes to `expected_hash`, compared in constant time.
pub fn verify(presented: &str, expected_hash: &[u8]) -> bool {
    let hash = hash_token(presented);
    expected_hash.len() == hash.len() && bool::from(hash.as_slice().ct_eq(expected_hash))
}

/// Why the keychain could not be used, in words an admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    #[error("the OS keychain is not available ({0}); on Linux, ScimDesk needs a Secret Service such as gnome-keyring running in your session")]
    Unavailable(String),
    #[error("the OS keychain is locked or refused access ({0}); unlock it and try again")]
    Locked(String),
    #[error("the keychain holds no token for this source (it may have been created where no keychain was available); rotate the token to issue a new one")]
    NotFound,
    #[error("the OS keychain failed: {0}")]
    Other(String),
}

impl From<keyring::Error> for KeychainError {
    fn from(err: keyring::Error) -> Self {
        use keyring::Error as E;
        match err {
            E::NoEntry => KeychainError::NotFound,
            E::NoStorageAccess(inner) => KeychainError::Locked(inner.to_string()),
            E::PlatformFailure(inner) => KeychainError::Unavailable(inner.to_string()),
            other => KeychainError::Other(other.to_string()),
        }
    }
}

/// The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager).
/// Calls block; the engine runs them on the blocking pool.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Default for Keychain {
    fn default() -> Self {
        Self { service: KEYCHAIN_SERVICE.to_string() }
    }
}

impl Keychain {
    fn entry(&self, account: &str) -> Result<keyring::Entry, KeychainError> {
        Ok(keyring::Entry::new(&self.service, account)?)
    }

    pub fn store(&self, account: &str, token: &Token) -> Result<(), KeychainError> {
        self.entry(account)?.set_password(token.expose_secret()).map_err(Into::into)
    }

    pub fn load(&self, account: &str) -> Result<Token, KeychainError> {
        Ok(Token(self.entry(account)?.get_password()?))
    }

    /// Remove the entry; an entry that is not there is not an error.
    pub fn delete(&self, account: &str) -> Result<(), KeychainError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_token_has_prefix_and_256_bits() {
        let t = Token::generate();
        let hex_part = t.expose_secret().strip_prefix(TOKEN_PREFIX).expect("prefix");
        assert_eq!(hex_part.len(), 64);
        assert!(hex_part.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(Token::generate(), t);
    }

    #[test]
    fn verify_accepts_only_the_matching_token() {
        let t = Token::generate();
        assert!(verify(t.expose_secret(), &t.hash()));
        assert!(!verify("scimdesk_wrong", &t.hash()));
        assert!(!verify(t.expose_secret(), &[0u8; 31]));
    }

    #[test]
    fn debug_and_display_hide_the_secret() {
        let t = Token::generate();
        assert!(!format!("{t:?}").contains(t.expose_secret()));
        assert!(!format!("{t}").contains(&t.expose_secret()[TOKEN_PREFIX.len()..]));
    }
}

//! How a check knows its request reached ScimDesk on this data folder: it sends a fresh random
//! code in a request header, and the server answers with a proof made from the code and the
//! data folder's check secret. Any process on the same data folder can verify the proof (the
//! window attached to the background service checks the service), no other server can make it,
//! and the code never repeats, so a cache or an old tunnel cannot replay an answer.

use sha2::{Digest, Sha256};

/// The request header carrying the check's code (64 hex digits).
pub const CHECK_HEADER: &str = "scimdesk-check";
/// The response header carrying the proof (64 hex digits).
pub const PROOF_HEADER: &str = "scimdesk-check-proof";

/// A fresh code for one check.
pub fn new_code() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Whether `code` has the shape of a check code (the server answers nothing else as a check).
pub fn is_code(code: &str) -> bool {
    code.len() == 64 && code.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The proof for `code` under the data folder's `secret`.
pub fn proof(secret: &str, code: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"scimdesk-check-v1\0");
    hash.update(secret.as_bytes());
    hash.update(b"\0");
    hash.update(code.to_ascii_lowercase().as_bytes());
    hex::encode(hash.finalize())
}

/// Whether `answer` proves that `code` reached a server holding `secret`.
pub fn verify(secret: &str, code: &str, answer: &str) -> bool {
    use subtle::ConstantTimeEq;
    proof(secret, code).as_bytes().ct_eq(answer.trim().to_ascii_lowercase().as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_secret_proves_a_code() {
        let code = new_code();
        assert!(is_code(&code));
        assert!(verify("folder-a", &code, &proof("folder-a", &code)));
        assert!(!verify("folder-a", &code, &proof("folder-b", &code)), "another data folder's server");
        assert!(!verify("folder-a", &code, &proof("folder-a", &new_code())), "an answer to another code");
        assert!(!is_code("not a code") && !is_code(&"g".repeat(64)));
    }
}

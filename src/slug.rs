//! Source slugs: the URL segment in `/source/scim/<slug>/v2`.

/// Longest slug accepted; keeps URLs and keychain entries readable.
pub const MAX_SLUG_LEN: usize = 63;

/// Check a slug an admin typed: lower-case letters, digits and single hyphens inside.
pub fn validate(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("the slug is empty; use lower-case letters, digits and hyphens, e.g. \"entra-id\"".into());
    }
    if slug.len() > MAX_SLUG_LEN {
        return Err(format!("the slug is {} characters long; use at most {MAX_SLUG_LEN}", slug.len()));
    }
    if let Some(c) = slug.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        return Err(format!(
            "the slug \"{slug}\" contains {c:?}; use only lower-case letters a-z, digits and hyphens, e.g. \"entra-id\""
        ));
    }
    if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(format!("the slug \"{slug}\" must not start or end with a hyphen or contain two in a row"));
    }
    Ok(())
}

/// Suggest a slug from a source name: "Entra ID (Contoso)" -> "entra-id-contoso".
pub fn from_name(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'a'..='z' | '0'..='9' => c,
            'à'..='å' => 'a',
            'ç' => 'c',
            'è'..='ë' => 'e',
            'ì'..='ï' => 'i',
            'ñ' => 'n',
            'ò'..='ö' | 'ø' => 'o',
            'ù'..='ü' => 'u',
            'ß' => 's',
            _ => '-',
        };
        if c != '-' || !slug.ends_with('-') && !slug.is_empty() {
            slug.push(c);
        }
    }
    let mut slug = slug.trim_end_matches('-').to_string();
    slug.truncate(MAX_SLUG_LEN);
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "source".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_from_name_is_lower_case_and_url_safe() {
        assert_eq!(from_name("Entra ID"), "entra-id");
        assert_eq!(from_name("  Contoso -- Entra (Prod)  "), "contoso-entra-prod");
        assert_eq!(from_name("Zürich Büro"), "zurich-buro");
        assert_eq!(from_name("!!!"), "source");
        assert!(validate(&from_name(&"x".repeat(200))).is_ok());
    }

    #[test]
    fn invalid_slugs_are_refused_with_a_reason() {
        assert!(validate("entra-id").is_ok());
        for bad in ["", "Entra", "a b", "a/b", "../x", "-a", "a-", "a--b", "a'b", "é"] {
            assert!(validate(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate("Entra").unwrap_err().contains("lower-case"));
    }
}

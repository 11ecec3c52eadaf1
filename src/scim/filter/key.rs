//! The comparison key of attributes whose `caseExact` is false (userName, displayName, ...):
//! two strings are the same name exactly when their keys are equal.
//!
//! The key is NFKC_Casefold: Unicode's compatibility caseless match (D146 of The Unicode
//! Standard, chapter 3.13: `NFKD(toCasefold(NFKD(toCasefold(NFD(X)))))`) of the text without its
//! default-ignorable code points, composed again (NFC) so keys stay short. So:
//! - canonically equivalent spellings are one name: "Ä" (U+00C4) and "A" + U+0308;
//! - letter case is folded in full, not just lower-cased: "STRASSE" = "straße", "ΣΑΣ" = "σας";
//! - compatibility forms are one name too: "ﬁ" (U+FB01) = "fi", fullwidth "ＡＢＣ" = "abc",
//!   "ℌ" = "h", superscript "²" = "2";
//! - invisible characters do not count: a soft hyphen or zero-width space inside a name.
//!
//! Why compatibility forms too (NFKC_Casefold rather than NFC + case folding): a userName or a
//! group displayName is an identifier people read, and the forms NFKC folds (ligatures,
//! fullwidth and mathematical letters, invisible characters) render like the plain letters in
//! Entra, the window and every export. Two users "ﬁnance@x" and "finance@x" would be exactly
//! the confusion that the canonical case is about. RFC 8265 (PRECIS) maps fullwidth forms for
//! usernames for the same reason, and UTS #39 uses NFKC_Casefold for identifier comparison.
//! The price is that a few names that look different ("x²" and "x2") are one name; they are
//! refused with 409 like any duplicate. The stored document keeps the name as it was sent.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// The key two names are compared by (see the module comment). ASCII text, which is nearly all
/// of it, takes a fast path with the same result: its key is its lower-case form.
pub fn comparison_key(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars()
        .filter(|c| !is_default_ignorable(*c))
        .nfd()
        .default_case_fold()
        .nfkd()
        .default_case_fold()
        .nfkc()
        .collect()
}

/// Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15): characters that render
/// as nothing, which NFKC_Casefold removes.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

#[cfg(test)]
mod tests {
    use super::comparison_key as key;

    #[test]
    fn canonically_equivalent_names_have_one_key() {
        assert_eq!(key("\u{00C4}lice"), key("A\u{0308}lice"));
        assert_eq!(key("\u{00C4}lice"), key("\u{00E4}LICE"));
        assert_eq!(key("Ångström"), key("A\u{030A}ngstro\u{0308}m"));
        // U+212B ANGSTROM SIGN is canonically U+00C5.
        assert_eq!(key("\u{212B}"), key("\u{00E5}"));
    }

    #[test]
    fn compatibility_forms_have_the_key_of_the_plain_letters() {
        assert_eq!(key("\u{FB01}nance@contoso.com"), key("finance@contoso.com"));
        assert_eq!(key("\u{FF21}\u{FF22}\u{FF23}"), "abc");
        assert_eq!(key("\u{210C}"), "h");
        assert_eq!(key("x\u{00B2}"), "x2");
    }

    #[test]
    fn case_is_folded_in_full() {
        assert_eq!(key("STRASSE"), key("straße"));
        assert_eq!(key("ΣΑΣ"), key("σας"));
        assert_eq!(key("İstanbul"), key("i\u{0307}stanbul"));
    }

    #[test]
    fn invisible_characters_do_not_count() {
        assert_eq!(key("al\u{00AD}ice"), "alice");
        assert_eq!(key("al\u{200B}ice\u{FEFF}"), "alice");
    }

    #[test]
    fn different_names_keep_different_keys() {
        assert_ne!(key("alice"), key("alicé"));
        assert_ne!(key("Ä"), key("A"));
        assert_ne!(key("Sales"), key("Sales "));
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_full_computation() {
        for text in ["Alice@Contoso.COM", "x", "", "A-Z_0-9 {}[]"] {
            let full: String = super::UnicodeNormalization::nfkc(text.chars()).collect::<String>().to_lowercase();
            assert_eq!(key(text), full);
        }
    }

    #[test]
    fn a_key_is_its_own_key() {
        for text in ["\u{FB01}", "ÄÖÜ", "ΣΑΣ", "x\u{00B2}", "\u{1E9E}", "ǅ"] {
            assert_eq!(key(&key(text)), key(text), "{text}");
        }
    }
}

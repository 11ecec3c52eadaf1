//! RFC 7643 schemas (User, Group, EnterpriseUser): attributes and their characteristics.
//! These tables drive validation, `/Schemas`, case-sensitivity of filters and returned rules.

mod common;
mod enterprise;
mod group;
mod user;

use super::{ResourceKind, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

pub use common::COMMON_ATTRIBUTES;
pub use enterprise::ENTERPRISE_USER_ATTRIBUTES;
pub use group::GROUP_ATTRIBUTES;
pub use user::USER_ATTRIBUTES;

/// The enterprise extension URN as older Entra tenants spell it (no colon before `User`).
pub const MISTYPED_ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0User";

/// An attribute reference as written in a filter or PATCH path: `[uri:]name[.sub]`.
/// `uri` is `None` for the resource's core schema (a core URN prefix is stripped when parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub uri: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Complex,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// One attribute of a schema with the characteristics of RFC 7643 §2.2.
#[derive(Debug, Clone)]
pub struct AttributeDef {
    pub name: &'static str,
    pub kind: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [AttributeDef],
}

// Builders for the static tables: an attribute starts with the defaults RFC 7643 §2.2 gives one
// that says nothing else, so each table entry only spells out where it differs.
impl AttributeDef {
    const fn new(name: &'static str, kind: AttrType, description: &'static str) -> Self {
        AttributeDef {
            name,
            kind,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }
    const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::String, description)
    }
    const fn boolean(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }
    const fn reference(
        name: &'static str,
        reference_types: &'static [&'static str],
        description: &'static str,
    ) -> Self {
        let mut def = Self::new(name, AttrType::Reference, description);
        def.reference_types = reference_types;
        def
    }
    const fn complex(name: &'static str, sub_attributes: &'static [AttributeDef], description: &'static str) -> Self {
        let mut def = Self::new(name, AttrType::Complex, description);
        def.sub_attributes = sub_attributes;
        def
    }
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }
    const fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }
    const fn uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }
    const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    /// The sub-attribute called `name` (any letter case).
    pub fn sub_attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        find_attribute(self.sub_attributes, name)
    }
}

/// A schema document's identity and attributes, as `/Schemas` publishes it.
#[derive(Debug)]
pub struct SchemaDef {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [AttributeDef],
}

/// The schemas ScimDesk serves, in the order `/Schemas` lists them.
pub static SCHEMAS: [SchemaDef; 3] = [
    SchemaDef { id: USER_SCHEMA, name: "User", description: "User Account", attributes: USER_ATTRIBUTES },
    SchemaDef { id: GROUP_SCHEMA, name: "Group", description: "Group", attributes: GROUP_ATTRIBUTES },
    SchemaDef {
        id: ENTERPRISE_USER_SCHEMA,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attributes: ENTERPRISE_USER_ATTRIBUTES,
    },
];

/// The core schema URN of `kind`.
pub fn core_schema(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => USER_SCHEMA,
        ResourceKind::Group => GROUP_SCHEMA,
    }
}

/// The attributes of `kind`'s core schema (without the common `id`, `externalId`, `meta`).
pub fn core_attributes(kind: ResourceKind) -> &'static [AttributeDef] {
    match kind {
        ResourceKind::User => USER_ATTRIBUTES,
        ResourceKind::Group => GROUP_ATTRIBUTES,
    }
}

/// The schema extensions a resource of `kind` may carry.
pub fn extension_schemas(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::User => &[ENTERPRISE_USER_SCHEMA],
        ResourceKind::Group => &[],
    }
}

/// The attributes of the extension `uri` (any letter case, or Entra's mistyped enterprise URN)
/// when `kind` supports it.
pub fn extension_attributes(kind: ResourceKind, uri: &str) -> Option<&'static [AttributeDef]> {
    match canonical_schema_uri(kind, uri)? {
        ENTERPRISE_USER_SCHEMA => Some(ENTERPRISE_USER_ATTRIBUTES),
        _ => None,
    }
}

/// The canonical spelling of a schema URN that `kind` knows (its core schema or one of its
/// extensions), matched case-insensitively; Entra's mistyped enterprise URN counts as the real one.
pub fn canonical_schema_uri(kind: ResourceKind, uri: &str) -> Option<&'static str> {
    let core = core_schema(kind);
    if uri.eq_ignore_ascii_case(core) {
        return Some(core);
    }
    if kind == ResourceKind::User && uri.eq_ignore_ascii_case(MISTYPED_ENTERPRISE_USER_SCHEMA) {
        return Some(ENTERPRISE_USER_SCHEMA);
    }
    extension_schemas(kind).iter().copied().find(|ext| uri.eq_ignore_ascii_case(ext))
}

/// The attribute called `name` (any letter case) in `attributes`.
pub fn find_attribute(attributes: &'static [AttributeDef], name: &str) -> Option<&'static AttributeDef> {
    attributes.iter().find(|def| def.name.eq_ignore_ascii_case(name))
}

/// The definition of the attribute `path` names for resources of `kind` (names compared
/// case-insensitively; `path.uri` `None` means the core schema, and for users an attribute not in
/// the core schema is also looked up in the enterprise extension only when its URN is given).
/// With `path.sub` set, the sub-attribute's definition. `None` for attributes no schema defines.
pub fn lookup(kind: ResourceKind, path: &AttrPath) -> Option<&'static AttributeDef> {
    let attribute = match path.uri.as_deref() {
        Some(uri) if canonical_schema_uri(kind, uri) != Some(core_schema(kind)) => {
            find_attribute(extension_attributes(kind, uri)?, &path.name)
        }
        _ => {
            find_attribute(core_attributes(kind), &path.name).or_else(|| find_attribute(COMMON_ATTRIBUTES, &path.name))
        }
    }?;
    match path.sub.as_deref() {
        Some(sub) => attribute.sub_attribute(sub),
        None => Some(attribute),
    }
}

/// `path` with its schema URN, attribute and sub-attribute names in schema spelling, or `None`
/// when no schema of `kind` defines it. A core URN becomes `uri: None`.
pub fn canonical_name(kind: ResourceKind, path: &AttrPath) -> Option<AttrPath> {
    let uri = match path.uri.as_deref() {
        None => None,
        Some(uri) => match canonical_schema_uri(kind, uri)? {
            core if core == core_schema(kind) => None,
            extension => Some(extension.to_string()),
        },
    };
    let attribute = lookup(kind, &AttrPath { uri: uri.clone(), name: path.name.clone(), sub: None })?;
    let sub = match path.sub.as_deref() {
        Some(sub) => Some(attribute.sub_attribute(sub)?.name.to_string()),
        None => None,
    };
    Some(AttrPath { uri, name: attribute.name.to_string(), sub })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(uri: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath { uri: uri.map(str::to_string), name: name.to_string(), sub: sub.map(str::to_string) }
    }

    fn user(name: &str) -> &'static AttributeDef {
        lookup(ResourceKind::User, &path(None, name, None)).expect(name)
    }

    #[test]
    fn user_name_is_required_case_insensitive_and_unique_on_the_server() {
        let def = user("userName");
        assert!(def.required);
        assert!(!def.case_exact);
        assert_eq!(def.uniqueness, Uniqueness::Server);
        assert_eq!(def.kind, AttrType::String);
    }

    #[test]
    fn id_is_read_only_case_exact_unique_and_always_returned() {
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let def = lookup(kind, &path(None, "ID", None)).unwrap();
            assert_eq!(def.returned, Returned::Always);
            assert_eq!(def.mutability, Mutability::ReadOnly);
            assert_eq!(def.uniqueness, Uniqueness::Server);
            assert!(def.case_exact);
        }
        assert!(user("externalId").case_exact);
    }

    #[test]
    fn password_is_write_only_and_never_returned() {
        let def = user("password");
        assert_eq!(def.mutability, Mutability::WriteOnly);
        assert_eq!(def.returned, Returned::Never);
    }

    #[test]
    fn names_match_in_any_letter_case() {
        assert_eq!(user("USERNAME").name, "userName");
        let def = lookup(ResourceKind::User, &path(None, "NAME", Some("GIVENNAME"))).unwrap();
        assert_eq!(def.name, "givenName");
    }

    #[test]
    fn multi_valued_complex_attributes_have_typed_sub_attributes() {
        for name in
            ["emails", "phoneNumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509Certificates"]
        {
            let def = user(name);
            assert!(def.multi_valued && def.kind == AttrType::Complex, "{name}");
            assert_eq!(def.sub_attribute("primary").map(|p| p.kind), Some(AttrType::Boolean), "{name}");
        }
        assert_eq!(user("emails").sub_attribute("type").unwrap().canonical_values, ["work", "home", "other"]);
        assert_eq!(user("active").kind, AttrType::Boolean);
        assert_eq!(user("groups").mutability, Mutability::ReadOnly);
        assert_eq!(user("x509Certificates").sub_attribute("value").unwrap().kind, AttrType::Binary);
    }

    #[test]
    fn group_display_name_is_required_and_unique_and_member_value_immutable() {
        let def = lookup(ResourceKind::Group, &path(None, "displayName", None)).unwrap();
        assert!(def.required);
        assert_eq!(def.uniqueness, Uniqueness::Server);
        let value = lookup(ResourceKind::Group, &path(None, "members", Some("value"))).unwrap();
        assert_eq!(value.mutability, Mutability::Immutable);
        assert!(lookup(ResourceKind::Group, &path(None, "userName", None)).is_none());
    }

    #[test]
    fn enterprise_attributes_need_their_urn() {
        assert!(lookup(ResourceKind::User, &path(None, "department", None)).is_none());
        let ent = Some(ENTERPRISE_USER_SCHEMA);
        assert_eq!(lookup(ResourceKind::User, &path(ent, "Department", None)).unwrap().name, "department");
        let mistyped = Some(MISTYPED_ENTERPRISE_USER_SCHEMA);
        assert_eq!(lookup(ResourceKind::User, &path(mistyped, "manager", Some("value"))).unwrap().name, "value");
        assert!(lookup(ResourceKind::Group, &path(ent, "department", None)).is_none());
        assert!(lookup(ResourceKind::User, &path(Some("urn:example:custom"), "department", None)).is_none());
    }

    #[test]
    fn a_core_urn_prefix_means_the_core_schema() {
        let upper = USER_SCHEMA.to_ascii_uppercase();
        assert_eq!(lookup(ResourceKind::User, &path(Some(&upper), "userName", None)).unwrap().name, "userName");
    }

    #[test]
    fn canonical_name_respells_uri_name_and_sub() {
        let got =
            canonical_name(ResourceKind::User, &path(Some(MISTYPED_ENTERPRISE_USER_SCHEMA), "MANAGER", Some("VALUE")));
        assert_eq!(got, Some(path(Some(ENTERPRISE_USER_SCHEMA), "manager", Some("value"))));
        let got = canonical_name(ResourceKind::User, &path(Some(USER_SCHEMA), "emails", Some("Value")));
        assert_eq!(got, Some(path(None, "emails", Some("value"))));
        assert_eq!(canonical_name(ResourceKind::User, &path(None, "nickname", Some("x"))), None);
    }

    #[test]
    fn meta_sub_attributes_are_read_only() {
        let meta = user("meta");
        assert_eq!(meta.mutability, Mutability::ReadOnly);
        for sub in meta.sub_attributes {
            assert_eq!(sub.mutability, Mutability::ReadOnly, "{}", sub.name);
        }
        assert_eq!(meta.sub_attribute("created").unwrap().kind, AttrType::DateTime);
    }
}

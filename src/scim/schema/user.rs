//! The core User schema, `urn:ietf:params:scim:schemas:core:2.0:User` (RFC 7643 §4.1, §8.7.1).

use super::AttributeDef as A;
use super::{Mutability, Uniqueness};

/// The `primary` sub-attribute that every multi-valued attribute of RFC 7643 §2.4 may carry.
const PRIMARY: A =
    A::boolean("primary", "Whether this is the preferred value of the attribute; true appears at most once.");
const DISPLAY: A = A::string("display", "A human-readable name, primarily used for display purposes.");

/// The attributes of the User schema, in RFC 7643 §8.7.1 order.
pub const USER_ATTRIBUTES: &[A] = &[
    A::string("userName", "Unique identifier for the User, typically used by the user to sign in to the service provider. Unique across the provider's Users, compared without regard to letter case.")
        .required()
        .uniqueness(Uniqueness::Server),
    A::complex("name", &[
        A::string("formatted", "The full name, including all middle names, titles, and suffixes, formatted for display."),
        A::string("familyName", "The family name of the User, or last name in most Western languages."),
        A::string("givenName", "The given name of the User, or first name in most Western languages."),
        A::string("middleName", "The middle name(s) of the User."),
        A::string("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages."),
        A::string("honorificSuffix", "The honorific suffix(es) of the User."),
    ], "The components of the User's real name."),
    A::string("displayName", "The name of the User, suitable for display to end-users."),
    A::string("nickName", "The casual way to address the User in real life."),
    A::reference("profileUrl", &["external"], "A fully qualified URL pointing to a page representing the User's online profile."),
    A::string("title", "The User's title, such as \"Vice President\"."),
    A::string("userType", "The relationship between the organization and the User, such as 'Employee' or 'Contractor'."),
    A::string("preferredLanguage", "The User's preferred written or spoken language, e.g. 'en-US'."),
    A::string("locale", "The User's default location for localizing currency, date and number formats."),
    A::string("timezone", "The User's time zone in IANA ('Olson') format, e.g. 'America/Los_Angeles'."),
    A::boolean("active", "The User's administrative status."),
    A::string("password", "The User's cleartext password, for setting an initial one or resetting it.")
        .mutability(Mutability::WriteOnly)
        .returned(super::Returned::Never),
    A::complex("emails", &[
        A::string("value", "An email address of the User."),
        DISPLAY,
        A::string("type", "A label indicating the address's function, e.g. 'work' or 'home'.").canonical(&["work", "home", "other"]),
        PRIMARY,
    ], "Email addresses of the User.")
        .multi(),
    A::complex("phoneNumbers", &[
        A::string("value", "A phone number of the User."),
        DISPLAY,
        A::string("type", "A label indicating the number's function, e.g. 'work' or 'mobile'.")
            .canonical(&["work", "home", "mobile", "fax", "pager", "other"]),
        PRIMARY,
    ], "Phone numbers of the User.")
        .multi(),
    A::complex("ims", &[
        A::string("value", "An instant messaging address of the User."),
        DISPLAY,
        A::string("type", "A label indicating the messaging service.")
            .canonical(&["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
        PRIMARY,
    ], "Instant messaging addresses of the User.")
        .multi(),
    A::complex("photos", &[
        A::reference("value", &["external"], "The URL of a photo of the User."),
        DISPLAY,
        A::string("type", "A label indicating the photo's function.").canonical(&["photo", "thumbnail"]),
        PRIMARY,
    ], "URLs of photos of the User.")
        .multi(),
    // §8.7.1 leaves `primary` out of the addresses listing, but §4.1.2 defines it for every
    // multi-valued attribute and the §8.2 example sends it; listing it lets "true" strings become
    // booleans here too.
    A::complex("addresses", &[
        A::string("formatted", "The full mailing address, formatted for display or a mailing label."),
        A::string("streetAddress", "The full street address component."),
        A::string("locality", "The city or locality component."),
        A::string("region", "The state or region component."),
        A::string("postalCode", "The zip code or postal code component."),
        A::string("country", "The country name component."),
        A::string("type", "A label indicating the address's function, e.g. 'work' or 'home'.").canonical(&["work", "home", "other"]),
        PRIMARY,
    ], "Physical mailing addresses of the User.")
        .multi(),
    A::complex("groups", &[
        A::string("value", "The id of a Group the User belongs to.").mutability(Mutability::ReadOnly),
        A::reference("$ref", &["User", "Group"], "The URI of the Group resource.").mutability(Mutability::ReadOnly),
        DISPLAY.mutability(Mutability::ReadOnly),
        A::string("type", "Whether the membership is direct or through a nested group.")
            .canonical(&["direct", "indirect"])
            .mutability(Mutability::ReadOnly),
    ], "The Groups the User belongs to; maintained by the server from Group memberships.")
        .multi()
        .mutability(Mutability::ReadOnly),
    A::complex("entitlements", &[
        A::string("value", "The value of an entitlement."),
        DISPLAY,
        A::string("type", "A label indicating the entitlement's function."),
        PRIMARY,
    ], "Entitlements of the User: things the User has.")
        .multi(),
    A::complex("roles", &[
        A::string("value", "The value of a role."),
        DISPLAY,
        A::string("type", "A label indicating the role's function."),
        PRIMARY,
    ], "Roles of the User, which together say who the User is.")
        .multi(),
    A::complex("x509Certificates", &[
        A::new("value", super::AttrType::Binary, "A DER-encoded X.509 certificate, base64-encoded."),
        DISPLAY,
        A::string("type", "A label indicating the certificate's function."),
        PRIMARY,
    ], "X.509 certificates issued to the User.")
        .multi(),
];

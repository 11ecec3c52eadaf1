//! The core Group schema, `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 §4.2, §8.7.1).

use super::AttributeDef as A;
use super::{Mutability, Uniqueness};

/// The attributes of the Group schema.
pub const GROUP_ATTRIBUTES: &[A] = &[
    // RFC 7643 marks displayName optional with no uniqueness; Entra matches groups by it and
    // requires it on create, and ScimDesk keeps it unique per source, so we advertise both.
    A::string("displayName", "A human-readable name for the Group, unique among the source's Groups.")
        .required()
        .uniqueness(Uniqueness::Server),
    A::complex(
        "members",
        &[
            A::string("value", "The id of a member of this Group.").mutability(Mutability::Immutable),
            A::reference("$ref", &["User", "Group"], "The URI of the member resource.")
                .mutability(Mutability::Immutable),
            A::string("type", "The type of the member resource.")
                .canonical(&["User", "Group"])
                .mutability(Mutability::Immutable),
            // Not in RFC 7643 §8.7.1 but sent by clients and in §8.4's example; the server fills it
            // in from the member, so a client's value is never stored.
            A::string("display", "The member's display name.").mutability(Mutability::ReadOnly),
        ],
        "The members of this Group.",
    )
    .multi(),
];

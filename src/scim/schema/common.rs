//! The common attributes every resource carries (RFC 7643 §3.1). They belong to no schema
//! document, so `/Schemas` does not list them, but lookups find them for every resource type.

use super::AttributeDef as A;
use super::{AttrType, Mutability, Returned, Uniqueness};

/// `id`, `externalId` and `meta`.
pub const COMMON_ATTRIBUTES: &[A] = &[
    A::string("id", "The server's unique, stable identifier of the resource.")
        .case_exact()
        .mutability(Mutability::ReadOnly)
        .returned(Returned::Always)
        .uniqueness(Uniqueness::Server),
    A::string("externalId", "The client's identifier of the resource.").case_exact(),
    A::complex(
        "meta",
        &[
            A::string("resourceType", "The name of the resource type.").case_exact().mutability(Mutability::ReadOnly),
            A::new("created", AttrType::DateTime, "When the resource was added.").mutability(Mutability::ReadOnly),
            A::new("lastModified", AttrType::DateTime, "When the resource was last changed.")
                .mutability(Mutability::ReadOnly),
            A::reference("location", &["uri"], "The URI of the resource.")
                .case_exact()
                .mutability(Mutability::ReadOnly),
            A::string("version", "The version (entity tag) of the resource.")
                .case_exact()
                .mutability(Mutability::ReadOnly),
        ],
        "Resource metadata maintained by the server.",
    )
    .mutability(Mutability::ReadOnly),
];

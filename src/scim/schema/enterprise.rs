//! The Enterprise User extension, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`
//! (RFC 7643 §4.3, §8.7.1).

use super::AttributeDef as A;
use super::Mutability;

/// The attributes of the Enterprise User extension.
pub const ENTERPRISE_USER_ATTRIBUTES: &[A] = &[
    A::string(
        "employeeNumber",
        "A numeric or alphanumeric identifier assigned to the User, typically by order of hire.",
    ),
    A::string("costCenter", "The name of a cost center."),
    A::string("organization", "The name of an organization."),
    A::string("division", "The name of a division."),
    A::string("department", "The name of a department."),
    A::complex(
        "manager",
        &[
            A::string("value", "The id of the SCIM resource representing the User's manager."),
            A::reference("$ref", &["User"], "The URI of the SCIM resource representing the User's manager."),
            A::string("displayName", "The manager's display name.").mutability(Mutability::ReadOnly),
        ],
        "The User's manager, a reference to another User by id.",
    ),
];

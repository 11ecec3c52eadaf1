//! RFC 7644 §3.4.2.2 filter grammar -> AST, printing, and evaluation against a resource document.
//! The same parser reads PATCH paths (RFC 7644 §3.5.2), which embed value filters.

use std::fmt;

use serde_json::Value;

use super::error::ScimError;
pub use super::schema::AttrPath;
pub use key::comparison_key;

mod eval;
mod key;
mod parse;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_typed;

/// Filters and paths longer than this are refused before parsing: no client needs more, and it
/// bounds the work a request can cause.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses, brackets and `not`; keeps recursion far from the stack's end.
pub const MAX_FILTER_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// The operator's keyword as the grammar spells it (lower case).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator named `word` (any letter case).
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        const ALL: [CompareOp; 9] = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ];
        ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

/// A parsed SCIM filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `path op value`; value is a JSON string, number, boolean or null.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    /// `path pr`
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`: some element of the multi-valued (or complex) `attr` matches `filter`,
    /// whose paths are relative to the element. `path.sub` is always `None`.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// A PATCH `path` (RFC 7644 §3.5.2): `attrPath` or `valuePath[.subAttr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// Sub-attribute after a value filter: `emails[type eq "work"].value`.
    pub sub: Option<String>,
}

/// Parse a `filter` query parameter; errors are `invalidFilter` and say what was expected where.
pub fn parse_filter(input: &str) -> Result<Filter, ScimError> {
    parse::filter(input)
}

/// Parse a PATCH operation's `path`; errors are `invalidPath`.
pub fn parse_patch_path(input: &str) -> Result<PatchPath, ScimError> {
    parse::patch_path(input)
}

impl Filter {
    /// Refuse an ordering comparison (`gt`, `ge`, `lt`, `le`) on a boolean or binary attribute,
    /// which RFC 7644 §3.4.2.2 says "SHALL cause a failed response" with `invalidFilter`.
    pub fn check_orderable(&self, kind: super::ResourceKind) -> Result<(), ScimError> {
        self.check_orderable_in(kind, None)
    }

    fn check_orderable_in(&self, kind: super::ResourceKind, parent: Option<&AttrPath>) -> Result<(), ScimError> {
        use super::schema::{lookup, AttrType};
        match self {
            Filter::Compare { path, op: CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le, .. } => {
                let full = match parent {
                    Some(p) => AttrPath { uri: p.uri.clone(), name: p.name.clone(), sub: Some(path.name.clone()) },
                    None => path.clone(),
                };
                match lookup(kind, &full).map(|def| def.kind) {
                    Some(AttrType::Boolean | AttrType::Binary) => Err(ScimError::invalid_filter(format!(
                        "\"{self}\": {} is a true/false or binary attribute, which has no order; use eq or ne",
                        full.name
                    ))),
                    _ => Ok(()),
                }
            }
            Filter::Compare { .. } | Filter::Present(_) => Ok(()),
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.check_orderable_in(kind, parent)?;
                b.check_orderable_in(kind, parent)
            }
            Filter::Not(f) => f.check_orderable_in(kind, parent),
            Filter::ValuePath { path, filter } => filter.check_orderable_in(kind, Some(path)),
        }
    }

    /// Whether the resource document `doc` (core attributes at top level, extensions under their
    /// URN, `id`, `meta`, and a group's `members`) satisfies the filter.
    pub fn matches(&self, doc: &Value, kind: super::ResourceKind) -> bool {
        eval::eval(self, doc, eval::Scope { kind, parent: None })
    }

    /// Whether `element`, one value of the multi-valued attribute `parent` (e.g. a member
    /// `{value, display, type, $ref}` of a group's `members`), satisfies this value filter.
    pub fn matches_element(&self, element: &Value, kind: super::ResourceKind, parent: &AttrPath) -> bool {
        eval::eval(self, element, eval::Scope { kind, parent: Some(parent) })
    }
}

fn fmt_attr_path(path: &AttrPath, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if let Some(uri) = &path.uri {
        write!(f, "{uri}:")?;
    }
    f.write_str(&path.name)?;
    if let Some(sub) = &path.sub {
        write!(f, ".{sub}")?;
    }
    Ok(())
}

/// Operands are parenthesised only where the parser would otherwise build a different tree:
/// `and` binds tighter than `or`, and both associate to the left.
fn fmt_operand(child: &Filter, parent_is_and: bool, right: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let wrap = match child {
        Filter::Or(..) => parent_is_and || right,
        Filter::And(..) => parent_is_and && right,
        _ => false,
    };
    if wrap {
        write!(f, "({child})")
    } else {
        write!(f, "{child}")
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => {
                fmt_attr_path(path, f)?;
                write!(f, " {} {value}", op.as_str())
            }
            Filter::Present(path) => {
                fmt_attr_path(path, f)?;
                f.write_str(" pr")
            }
            Filter::And(a, b) | Filter::Or(a, b) => {
                let is_and = matches!(self, Filter::And(..));
                fmt_operand(a, is_and, false, f)?;
                f.write_str(if is_and { " and " } else { " or " })?;
                fmt_operand(b, is_and, true, f)
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => {
                fmt_attr_path(path, f)?;
                write!(f, "[{filter}]")
            }
        }
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_attr_path(&self.attr, f)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

//! What can go wrong when rendering a notice or checking a tenant's templates.

use crate::kind::{Channel, Key, Kind};

/// Why a notice could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The product does not offer this kind over this channel (see [`Kind::channels`]): pick
    /// another channel.
    #[error("{kind} notices are not offered over {channel}")]
    NotOffered { kind: Kind, channel: Channel },
    /// The context is not a JSON object.
    #[error("the context of a {kind} notice must be a JSON object")]
    ContextNotObject { kind: Kind },
    /// The context lacks a variable the kind requires (or the template uses).
    #[error("missing variable `{variable}` for template {key}")]
    MissingVariable { key: Key, variable: String },
    /// A variable has the wrong shape: a date that is not `YYYY-MM-DD`, text where a list
    /// belongs, an unknown deadline name.
    #[error("variable `{variable}` for template {key} must be {expected}")]
    InvalidVariable {
        key: Key,
        variable: String,
        expected: &'static str,
    },
    /// The template itself is broken: fix it (or roll back to the shipped one).
    #[error(transparent)]
    Template(#[from] Invalid),
}

/// A template that does not compile, uses variables its kind does not have, fails on the
/// kind's sample contexts, or does not set what its channel needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {key} is invalid: {problem}")]
pub struct Invalid {
    /// The template at fault.
    pub key: Key,
    /// What is wrong, with the line where the engine knows it.
    pub problem: String,
}

//! The organisation directory: the shared pure [`directory`] crate, re-exported whole so routing's
//! `crate::org::…` paths stay as they were. It lives in its own crate because investigation keeps
//! a copy of each tenant's published directory too, and no service depends on another's crate.

pub use directory::*;

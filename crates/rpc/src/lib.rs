//! Generated prost/tonic code for `proto/`, and nothing else.
//!
//! The code in `src/gen/` is produced by `cargo xtask codegen` and committed, so builds need
//! no `protoc` and reviews show API changes as diffs; `tests/stale.rs` fails when it is out of
//! date. Only `services/*` convert these wire types into domain types and back.

#![allow(clippy::all, missing_docs, unused_qualifications)]

/// The `redress.*` protobuf packages.
pub mod redress {
    /// `redress.timeline.v1`: the case history every service answers.
    pub mod timeline {
        pub mod v1 {
            include!("gen/redress.timeline.v1.rs");
        }
    }
    /// `redress.events.v1`: payloads of the events on the bus.
    pub mod events {
        pub mod v1 {
            include!("gen/redress.events.v1.rs");
        }
    }
    /// `redress.intake.v1`.
    pub mod intake {
        pub mod v1 {
            include!("gen/redress.intake.v1.rs");
        }
    }
    /// `redress.routing.v1`.
    pub mod routing {
        pub mod v1 {
            include!("gen/redress.routing.v1.rs");
        }
    }
    /// `redress.investigation.v1`.
    pub mod investigation {
        pub mod v1 {
            include!("gen/redress.investigation.v1.rs");
        }
    }
    /// `redress.notification.v1`.
    pub mod notification {
        pub mod v1 {
            include!("gen/redress.notification.v1.rs");
        }
    }
    /// `redress.analytics.v1`.
    pub mod analytics {
        pub mod v1 {
            include!("gen/redress.analytics.v1.rs");
        }
    }
}

pub use redress::{analytics, events, intake, investigation, notification, routing, timeline};

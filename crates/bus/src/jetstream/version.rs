//! The oldest nats-server Redress accepts, checked against the version the server announces in
//! its `INFO` when a connection opens.
//!
//! 2.10 brought several filter subjects per consumer (`filter_subjects`). An older server does not
//! refuse the field: it ignores it, and the consumer then receives every message of its stream,
//! which would feed a service events it never subscribed to. So an older server is refused at
//! connect, loudly, instead of misbehaving later.

use crate::transport::Error;

/// The oldest (major, minor) accepted.
pub const MINIMUM: (u64, u64) = (2, 10);

/// Accepts `version` (as in the server's `INFO`, e.g. `2.12.8` or `2.11.0-RC.1`) when it is 2.10
/// or newer; refuses it otherwise, naming it.
pub fn check(version: &str) -> Result<(), Error> {
    match major_minor(version) {
        Some(found) if found >= MINIMUM => Ok(()),
        Some(_) => Err(Error::Refused(format!(
            "nats-server {version} is older than 2.10: Redress needs 2.10 or newer (several filter subjects per consumer)"
        ))),
        None => Err(Error::Refused(format!(
            "nats-server announced the version {version:?}, which is not major.minor.patch: Redress needs 2.10 or newer"
        ))),
    }
}

/// The major and minor numbers of `2.10.3`, `v2.10.3` or `2.11.0-beta.2`.
fn major_minor(version: &str) -> Option<(u64, u64)> {
    let version = version.trim();
    let version = version.strip_prefix('v').unwrap_or(version);
    let mut parts = version.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_two_ten_on_are_accepted() {
        for version in ["2.10.0", "2.10.22", "2.11.0-RC.1", "v2.12.8", "3.0.0", "2.100.1"] {
            assert!(check(version).is_ok(), "{version} refused");
        }
    }

    #[test]
    fn older_or_unreadable_versions_are_refused_by_name() {
        match check("2.9.10") {
            Err(Error::Refused(message)) => assert_eq!(
                message,
                "nats-server 2.9.10 is older than 2.10: Redress needs 2.10 or newer (several filter subjects per consumer)"
            ),
            other => panic!("2.9.10: {other:?}"),
        }
        for version in ["1.4.1", "2.2.0", "", "two.ten", "2"] {
            assert!(matches!(check(version), Err(Error::Refused(_))), "{version:?} accepted");
        }
    }
}

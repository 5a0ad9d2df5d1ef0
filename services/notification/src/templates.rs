//! A tenant's templates (decision 0005): the shipped ones with the tenant's latest published
//! overrides, versioned; publishing checks every template first and names the key at fault.

use std::collections::BTreeMap;

use notices::{Key, TemplateSet};
use store::Db;

use crate::store as sql;

/// Why a set of overrides cannot be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// `templates.<key>`, or `templates` for the whole set.
    pub field: String,
    /// `unknown_key`, `not_offered` or `invalid`.
    pub rule: &'static str,
    pub message: String,
}

/// The shipped templates with `overrides` on top, as `version`; every key must be one the
/// product offers, and the set must pass [`TemplateSet::check`].
pub fn assemble(overrides: &BTreeMap<String, String>, version: u32) -> Result<TemplateSet, Refused> {
    let mut set = TemplateSet::shipped().with_version(version);
    for (name, source) in overrides {
        let field = format!("templates.{name}");
        let key = Key::parse(name).ok_or_else(|| Refused {
            field: field.clone(),
            rule: "unknown_key",
            message: format!("{field}: not a key of the form <kind>.<channel>.<zh-CN|en>"),
        })?;
        set = set.with_override(key, source.clone()).map_err(|invalid| Refused {
            field: field.clone(),
            rule: "not_offered",
            message: format!("{field}: {}", invalid.problem),
        })?;
    }
    set.check().map_err(|invalid| Refused {
        field: format!("templates.{}", invalid.key),
        rule: "invalid",
        message: format!("templates.{}: {}", invalid.key, invalid.problem),
    })?;
    Ok(set)
}

/// The templates a tenant's notices are rendered with now.
pub async fn for_tenant(db: &Db, tenant: &str) -> Result<TemplateSet, store::Error> {
    let Some(latest) = sql::latest_templates(db, tenant).await? else {
        return Ok(TemplateSet::shipped());
    };
    let version = u32::try_from(latest.version).unwrap_or(u32::MAX);
    // A published set was checked when it was published; one that no longer assembles (a key
    // the product stopped offering) falls back to the shipped templates rather than stop notices.
    Ok(assemble(&latest.overrides, version).unwrap_or_else(|refused| {
        tracing::error!(%tenant, field = %refused.field, "published templates no longer assemble; using the shipped ones");
        TemplateSet::shipped()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_are_checked_and_the_key_at_fault_named() {
        let good: BTreeMap<String, String> = [("acknowledgement.inbox.zh-CN".to_owned(), "x".to_owned())].into();
        let refused = assemble(&good, 1).expect_err("not offered");
        assert_eq!(
            (refused.field.as_str(), refused.rule),
            ("templates.acknowledgement.inbox.zh-CN", "not_offered")
        );
        let unknown: BTreeMap<String, String> = [("greeting.email.zh-CN".to_owned(), "x".to_owned())].into();
        assert_eq!(assemble(&unknown, 1).expect_err("unknown").rule, "unknown_key");
        let broken: BTreeMap<String, String> = [(
            "acknowledgement.email.en".to_owned(),
            "{% set subject = 'x' %}{{ nonsense }".to_owned(),
        )]
        .into();
        let refused = assemble(&broken, 1).expect_err("invalid");
        assert_eq!(
            (refused.field.as_str(), refused.rule),
            ("templates.acknowledgement.email.en", "invalid")
        );
        let shipped = TemplateSet::shipped();
        let key = Key::parse("acknowledgement.email.en").expect("key");
        let source = shipped.source(key).expect("shipped").replace("Dear", "Hello");
        let own: BTreeMap<String, String> = [(key.to_string(), source)].into();
        let set = assemble(&own, 3).expect("assembles");
        assert_eq!(set.version(), 3);
        assert!(set.is_overridden(key));
    }
}

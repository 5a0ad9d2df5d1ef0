//! A tenant's templates: one minijinja source for every offered (kind, channel, language), the
//! product's defaults under `templates/` with the tenant's overrides on top, and a version.

use std::collections::BTreeMap;

use crate::error::Invalid;
use crate::kind::Key;

/// The templates one tenant renders its notices with: a source for every offered [`Key`]
/// (the shipped default unless the tenant overrode it) and the version the tenant published
/// them as, which every [`crate::Rendered`] carries so a notice records what it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSet {
    version: u32,
    sources: BTreeMap<Key, String>,
}

/// The shipped defaults, `<kind>.<channel>.<language>`, one file each under `templates/`.
macro_rules! shipped {
    ($($kind:literal => [$($channel:literal),+];)+) => {
        &[$($(
            (
                concat!($kind, ".", $channel, ".zh-CN"),
                include_str!(concat!("../templates/", $kind, ".", $channel, ".zh-CN.j2")),
            ),
            (
                concat!($kind, ".", $channel, ".en"),
                include_str!(concat!("../templates/", $kind, ".", $channel, ".en.j2")),
            ),
        )+)+]
    };
}

const SHIPPED: &[(&str, &str)] = shipped! {
    "acknowledgement" => ["email", "sms", "letter"];
    "rejection" => ["email", "sms", "letter"];
    "dispatch" => ["email", "sms", "inbox", "wecom"];
    "extension" => ["email", "sms", "letter"];
    "result" => ["email", "sms", "letter"];
    "callback_invitation" => ["email", "sms"];
    "deadline_warning" => ["email", "sms", "inbox", "wecom"];
    "deadline_breach" => ["email", "sms", "inbox", "wecom"];
    "escalation" => ["email", "sms", "inbox", "wecom"];
    "batch_alert" => ["email", "sms", "inbox", "wecom"];
    "supervision" => ["email", "sms", "inbox", "wecom"];
    "anonymous_question" => ["email", "sms", "inbox"];
    "question" => ["email", "sms"];
    "report_due" => ["email", "sms", "inbox", "wecom"];
    "report_ready" => ["email", "sms", "inbox", "wecom"];
};

impl TemplateSet {
    /// The version of the product's defaults; a tenant publishes its sets from 1 up.
    pub const SHIPPED_VERSION: u32 = 0;

    /// The product's defaults: every kind over each of its channels in zh-CN and en.
    pub fn shipped() -> Self {
        let sources = SHIPPED
            .iter()
            .filter_map(|(key, source)| Some((Key::parse(key)?, (*source).to_owned())))
            .collect();
        TemplateSet {
            version: Self::SHIPPED_VERSION,
            sources,
        }
    }

    /// The shipped default for `key`, if the product offers it.
    pub fn shipped_source(key: Key) -> Option<&'static str> {
        let name = key.to_string();
        SHIPPED
            .iter()
            .find(|(shipped, _)| *shipped == name)
            .map(|(_, source)| *source)
    }

    /// The version these templates were published as ([`TemplateSet::SHIPPED_VERSION`] for the
    /// defaults).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The same templates published as `version`.
    pub fn with_version(mut self, version: u32) -> Self {
        self.version = version;
        self
    }

    /// The same templates with the tenant's `source` for `key`. Refused for a key the product
    /// does not offer (a letter for a staff warning); the source itself is judged by
    /// [`TemplateSet::check`], which a tenant's set must pass before it is published.
    pub fn with_override(mut self, key: Key, source: impl Into<String>) -> Result<Self, Invalid> {
        if !key.is_offered() {
            return Err(Invalid {
                key,
                problem: format!("{} notices are not offered over {}", key.kind, key.channel),
            });
        }
        self.sources.insert(key, source.into());
        Ok(self)
    }

    /// The source for `key`, if the product offers it.
    pub fn source(&self, key: Key) -> Option<&str> {
        self.sources.get(&key).map(String::as_str)
    }

    /// Whether the tenant replaced the shipped default for `key`.
    pub fn is_overridden(&self, key: Key) -> bool {
        self.source(key)
            .is_some_and(|source| Self::shipped_source(key) != Some(source))
    }

    /// Every key and its source, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (Key, &str)> {
        self.sources.iter().map(|(key, source)| (*key, source.as_str()))
    }

    /// Checks every template and names the first that fails: it must compile, use only its
    /// kind's variables (and what it sets itself), render each of the kind's sample contexts
    /// ([`crate::samples`]) and their neighbours (optional variables left out, each flag
    /// flipped, counts at 0 and 2) within the engine's fuel, and set what its channel needs
    /// (`subject`; for SMS `template_id` and `params`).
    pub fn check(&self) -> Result<(), Invalid> {
        for (key, source) in self.iter() {
            crate::render::check_source(key, source)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_covers_exactly_the_offered_keys() {
        let shipped = TemplateSet::shipped();
        let keys: Vec<Key> = shipped.iter().map(|(key, _)| key).collect();
        let mut offered: Vec<Key> = Key::offered().collect();
        offered.sort();
        assert_eq!(keys, offered);
        assert_eq!(SHIPPED.len(), offered.len(), "a shipped file name does not parse");
    }

    #[test]
    fn an_override_replaces_one_source_and_refuses_keys_not_offered() {
        use crate::kind::{Channel, Kind};
        use domain::vocabulary::Language;

        let key = Key::new(Kind::Rejection, Channel::Email, Language::En);
        let set = TemplateSet::shipped()
            .with_override(key, "{% set subject = 'x' %}y")
            .expect("offered");
        assert!(set.is_overridden(key));
        assert_eq!(set.source(key), Some("{% set subject = 'x' %}y"));
        assert!(!set.is_overridden(Key::new(Kind::Rejection, Channel::Email, Language::ZhCn)));
        let letter = Key::new(Kind::Escalation, Channel::Letter, Language::ZhCn);
        let refused = TemplateSet::shipped()
            .with_override(letter, "x")
            .expect_err("not offered");
        assert_eq!(refused.key, letter);
        assert_eq!(TemplateSet::shipped().with_version(4).version(), 4);
    }
}

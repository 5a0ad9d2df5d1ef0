//! The register of outside sources (issue 5; decision 0007's "As built" addendum): what each
//! source a case can come from expects at registration — its reference (required or not, and its
//! format) and its reply deadline in working days, which becomes the case's `source` deadline when
//! the source gave none. The starter register holds the sources of the contract; a tenant's
//! `[[intake.gate.sources]]` (or `[[intake.gate.tenants.<t>.sources]]`) replaces an entry by code
//! or adds one. Every number is data.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};
use domain::FieldError;
use serde::{Deserialize, Serialize};

/// What one source expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRule {
    /// The source's code (`hotline_12345`, …; `domain::vocabulary::Source`).
    pub source: String,
    /// Whether a case from it must carry its reference (`source_ref`).
    #[serde(default)]
    pub reference_required: bool,
    /// The reference's format, a regular expression matched against the whole reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_pattern: Option<String>,
    /// The reply it expects, in working days from receipt, when the case does not bring its own
    /// `source_due_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_working_days: Option<u32>,
    /// Whether the result must be entered back into the source's platform (回填).
    #[serde(default)]
    pub result_back: bool,
}

/// The starter register: the contract's outside sources with the deadlines DOMAIN.md names (the
/// market regulator's 7 working days, a bank's 15) and common practice for the others.
pub fn starter() -> Vec<SourceRule> {
    let rule = |source: &str, required: bool, pattern: Option<&str>, days: Option<u32>, back: bool| SourceRule {
        source: source.into(),
        reference_required: required,
        reference_pattern: pattern.map(str::to_owned),
        reply_working_days: days,
        result_back: back,
    };
    // Platform work-order numbers: letters, digits and dashes, 6 to 40 of them.
    let ticket = Some("[0-9A-Za-z][0-9A-Za-z-]{5,39}");
    vec![
        rule("hotline_12345", true, ticket, Some(5), true),
        rule("hotline_12315", true, ticket, Some(7), true),
        rule("regulator", true, ticket, Some(15), true),
        rule("manufacturer", false, ticket, Some(3), true),
        rule("consumer_association", false, None, Some(10), true),
        rule("complaint_site", false, None, Some(3), true),
        rule("petition", true, None, None, true),
        rule("media", false, None, None, false),
    ]
}

/// The starter register, built once.
pub fn starter_register() -> &'static [SourceRule] {
    static STARTER: OnceLock<Vec<SourceRule>> = OnceLock::new();
    STARTER.get_or_init(starter)
}

/// The rule of `source` in a register given as starter entries overridden by `configured`.
pub fn rule_of<'a>(configured: &'a [SourceRule], starter: &'a [SourceRule], source: &str) -> Option<&'a SourceRule> {
    configured
        .iter()
        .find(|rule| rule.source == source)
        .or_else(|| starter.iter().find(|rule| rule.source == source))
}

/// The compiled patterns, by their text (compiled once per process).
fn pattern(text: &str) -> Result<regex::Regex, String> {
    static COMPILED: OnceLock<Mutex<HashMap<String, regex::Regex>>> = OnceLock::new();
    let mut compiled = COMPILED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = compiled.get(text) {
        return Ok(found.clone());
    }
    let regex = regex::Regex::new(&format!("^(?:{text})$")).map_err(|e| e.to_string())?;
    compiled.insert(text.to_owned(), regex.clone());
    Ok(regex)
}

impl SourceRule {
    /// Checks the values a file may get wrong; names the key under `field`.
    pub fn validate(&self, field: &str) -> Result<(), String> {
        if domain::vocabulary::Source::parse(&self.source).is_none() {
            return Err(format!("{field}.source `{}` is not a source", self.source));
        }
        if let Some(text) = &self.reference_pattern {
            pattern(text).map_err(|e| format!("{field}.reference_pattern: {e}"))?;
        }
        if self.reply_working_days == Some(0) {
            return Err(format!("{field}.reply_working_days must be at least 1"));
        }
        Ok(())
    }

    /// The errors of a case's reference against this rule.
    pub fn check(&self, source_ref: Option<&str>) -> Vec<FieldError> {
        let label = || {
            domain::vocabulary::Source::parse(&self.source)
                .map_or(self.source.as_str(), |s| s.label(domain::vocabulary::Language::En))
                .to_owned()
        };
        match source_ref.map(str::trim).filter(|r| !r.is_empty()) {
            None if self.reference_required => vec![FieldError::new(
                "source_ref",
                "required",
                format!(
                    "source_ref is required for a case from {} (its reference number)",
                    label()
                ),
            )],
            Some(reference) => match self.reference_pattern.as_deref().map(pattern) {
                Some(Ok(regex)) if !regex.is_match(reference) => vec![FieldError::new(
                    "source_ref",
                    "pattern",
                    format!(
                        "source_ref `{reference}` is not in the format {} uses ({})",
                        label(),
                        self.reference_pattern.as_deref().unwrap_or_default()
                    ),
                )],
                _ => vec![],
            },
            None => vec![],
        }
    }

    /// The reply deadline counted in `calendar` from `received_at`, when the rule sets one.
    pub fn reply_due(&self, calendar: &calendar::Calendar, received_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = self.reply_working_days?;
        Some(
            calendar
                .due(
                    received_at,
                    calendar::Period::WorkingDays(days),
                    calendar::EndOf::EndOfDay,
                )
                .at,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_register_is_valid_and_a_tenant_entry_replaces_the_starters() {
        for rule in starter() {
            rule.validate("intake.gate.sources").expect("a valid starter entry");
        }
        let starter = starter();
        let mine = vec![SourceRule {
            source: "hotline_12345".into(),
            reference_required: true,
            reference_pattern: Some("GZ12345-[0-9]{8}".into()),
            reply_working_days: Some(3),
            result_back: true,
        }];
        assert_eq!(
            rule_of(&mine, &starter, "hotline_12345").and_then(|r| r.reply_working_days),
            Some(3)
        );
        assert_eq!(
            rule_of(&mine, &starter, "hotline_12315").and_then(|r| r.reply_working_days),
            Some(7)
        );
        assert!(rule_of(&mine, &starter, "direct").is_none());
        let wrong = SourceRule {
            source: "hotline_9999".into(),
            ..mine[0].clone()
        };
        assert!(
            wrong
                .validate("intake.gate.sources[0]")
                .expect_err("refused")
                .contains("not a source")
        );
        let broken = SourceRule {
            reference_pattern: Some("([".into()),
            ..mine[0].clone()
        };
        assert!(
            broken
                .validate("k")
                .expect_err("refused")
                .starts_with("k.reference_pattern")
        );
    }

    #[test]
    fn a_reference_is_required_and_checked_against_the_sources_format() {
        let rule = SourceRule {
            source: "hotline_12345".into(),
            reference_required: true,
            reference_pattern: Some("GZ12345-[0-9]{8}".into()),
            reply_working_days: Some(5),
            result_back: true,
        };
        assert!(rule.check(Some("GZ12345-20261205")).is_empty());
        let missing = rule.check(Some("  "));
        assert_eq!((missing[0].field.as_str(), missing[0].rule), ("source_ref", "required"));
        let wrong = rule.check(Some("GZ12345-2026120"));
        assert_eq!((wrong[0].field.as_str(), wrong[0].rule), ("source_ref", "pattern"));
        assert!(
            wrong[0].message.contains("12345 government hotline"),
            "{}",
            wrong[0].message
        );
        // Anchored: a valid reference inside a longer text is not the reference.
        assert_eq!(rule.check(Some("xGZ12345-20261205"))[0].rule, "pattern");
    }

    #[test]
    fn the_reply_is_due_after_working_days_in_the_calendar() {
        let calendars = calendar::Registry::builtin();
        let cn = calendars.get("cn").expect("cn");
        let rule = &starter()[1];
        // The market regulator's 7 working days from Wednesday 23 September 2026 (2026's notice):
        // Thu 24 (1); Fri 25 to Sun 27 off (Mid-Autumn); Mon 28 to Wed 30 (2-4); 1-7 October off
        // (National Day); Thu 8, Fri 9 (5, 6) and Saturday 10 October, an adjusted working day (7).
        let received = chrono::DateTime::parse_from_rfc3339("2026-09-23T10:00:00+08:00")
            .expect("instant")
            .with_timezone(&Utc);
        let due = rule.reply_due(cn, received).expect("a reply deadline");
        let local = due.with_timezone(&chrono_tz::Asia::Shanghai);
        assert_eq!(
            local.date_naive(),
            chrono::NaiveDate::from_ymd_opt(2026, 10, 10).expect("date")
        );
        assert_eq!(
            starter()[7].reply_due(cn, received),
            None,
            "the media set no reply deadline"
        );
    }
}

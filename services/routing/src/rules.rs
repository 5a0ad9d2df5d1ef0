//! The dispatch decision, pure. Rules become data with the routing issue; this is the default
//! rule set every tenant starts with.

/// What routing knows of a case when it dispatches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub kind: String,
    pub channel: String,
    pub source: String,
    pub requested_unit: Option<String>,
    pub category_code: Option<String>,
    pub signals: Vec<String>,
}

/// A dispatch decision and the reason stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub unit: String,
    pub severity: &'static str,
    pub rule_id: &'static str,
    pub reason: String,
}

/// The unit that takes what no rule claims: head office's customer-service centre.
pub const DEFAULT_UNIT: &str = "hq";

/// Signals that make a complaint major (DOMAIN.md "Major complaints").
const MAJOR_SIGNALS: &[&str] = &["demand:return_or_exchange", "keyword:media", "keyword:disturbance"];

/// Decides where a case goes.
pub fn decide(facts: &CaseFacts) -> Decision {
    let major: Vec<&str> = facts
        .signals
        .iter()
        .map(String::as_str)
        .filter(|s| MAJOR_SIGNALS.contains(s))
        .collect();
    let severity = if !major.is_empty() || facts.source == "media" || facts.source == "regulator" {
        "major"
    } else {
        "general"
    };
    let severity_reason = if severity == "major" {
        format!(
            "; severity major because of {}",
            if major.is_empty() {
                facts.source.clone()
            } else {
                major.join(", ")
            }
        )
    } else {
        String::new()
    };
    match &facts.requested_unit {
        Some(unit) => Decision {
            unit: unit.clone(),
            severity,
            rule_id: "default.named_unit",
            reason: format!("the submission named unit {unit}{severity_reason}"),
        },
        None => Decision {
            unit: DEFAULT_UNIT.to_owned(),
            severity,
            rule_id: "default.head_office",
            reason: format!("no unit named: head office's customer-service centre{severity_reason}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> CaseFacts {
        CaseFacts {
            kind: "complaint".into(),
            channel: "web".into(),
            source: "direct".into(),
            requested_unit: None,
            category_code: None,
            signals: vec![],
        }
    }

    #[test]
    fn unnamed_cases_go_to_head_office() {
        let decision = decide(&facts());
        assert_eq!(decision.unit, "hq");
        assert_eq!(decision.severity, "general");
    }

    #[test]
    fn a_named_unit_and_a_media_signal_are_honoured() {
        let mut facts = facts();
        facts.requested_unit = Some("store-sz-01".into());
        facts.signals = vec!["keyword:media".into()];
        let decision = decide(&facts);
        assert_eq!(decision.unit, "store-sz-01");
        assert_eq!(decision.severity, "major");
        assert!(decision.reason.contains("keyword:media"), "{}", decision.reason);
    }
}

//! The context each kind of notice is rendered from: its variables, their shapes, which are
//! required; and the check that turns a caller's JSON into a context the templates can trust.

use serde_json::{Map, Value};

use crate::error::Error;
use crate::format;
use crate::kind::{Key, Kind};

/// One variable of a kind's context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// The name templates use.
    pub name: &'static str,
    /// What the value must look like.
    pub shape: Shape,
    /// Whether the context must carry it.
    pub presence: Presence,
}

/// What a variable's value looks like in the JSON context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A string (may be empty).
    Text,
    /// A date as `YYYY-MM-DD`; templates print it with the `date` filter.
    Date,
    /// A time as RFC 3339 (`2026-12-05T18:00:00+08:00`) or without an offset, read as the wall
    /// clock it names; templates print it with the `datetime` filter.
    DateTime,
    /// `true` or `false`.
    Bool,
    /// A whole number ≥ 0.
    Count,
    /// An amount in fen (a whole number ≥ 0); templates print it with `capitals` and `money`.
    Fen,
    /// A list of strings.
    TextList,
    /// A deadline's name as `calendar` names it (`first_contact`, `resolution`, …); templates
    /// print it with `deadline_label`.
    Deadline,
    /// `chase`, `notice` or `instruction`; templates print it with `supervision_label`.
    Supervision,
    /// A report of the filing calendar (`half_year_report`, …, [`format::REPORTS`]); templates
    /// print it with `report_label`.
    Report,
    /// A reporting period: `2026-12-05`, `2026-W49`, `2026-11`, `2026-Q4`, `2026-H2` or `2026`;
    /// templates print it with `period_label`.
    Period,
}

/// Whether a context must carry a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always (a JSON `null` counts as missing).
    Required,
    /// May be left out or `null`; templates test it with `is defined`.
    Optional,
    /// Required when the named boolean variable is `true`.
    RequiredWhen(&'static str),
}

impl Shape {
    /// What the value must be, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Shape::Text => "a string",
            Shape::Date => "a date as YYYY-MM-DD",
            Shape::DateTime => "a time as RFC 3339 or YYYY-MM-DDTHH:MM",
            Shape::Bool => "true or false",
            Shape::Count => "a whole number >= 0",
            Shape::Fen => "an amount in fen (a whole number >= 0)",
            Shape::TextList => "a list of strings",
            Shape::Deadline => "a deadline name (acknowledgement, first_contact, resolution, ...)",
            Shape::Supervision => "chase, notice or instruction",
            Shape::Report => {
                "a report (daily_overdue, weekly_summary, monthly_summary, monthly_analysis, quarterly_statistics, half_year_report)"
            }
            Shape::Period => "a period (2026-12-05, 2026-W49, 2026-11, 2026-Q4, 2026-H2 or 2026)",
        }
    }

    fn accepts(self, value: &Value) -> bool {
        match self {
            Shape::Text => value.is_string(),
            Shape::Date => value.as_str().and_then(format::parse_date).is_some(),
            Shape::DateTime => value.as_str().and_then(format::parse_datetime).is_some(),
            Shape::Bool => value.is_boolean(),
            Shape::Count | Shape::Fen => value.is_u64(),
            Shape::TextList => value.as_array().is_some_and(|items| items.iter().all(Value::is_string)),
            Shape::Deadline => value
                .as_str()
                .is_some_and(|name| calendar::DeadlineKind::parse(name).is_some()),
            Shape::Supervision => value
                .as_str()
                .is_some_and(|name| format::SUPERVISION_KINDS.contains(&name)),
            Shape::Report => value.as_str().is_some_and(|name| format::REPORTS.contains(&name)),
            Shape::Period => value
                .as_str()
                .is_some_and(|period| format::period_label(period, domain::vocabulary::Language::En).is_some()),
        }
    }
}

const fn required(name: &'static str, shape: Shape) -> Variable {
    Variable {
        name,
        shape,
        presence: Presence::Required,
    }
}

const fn optional(name: &'static str, shape: Shape) -> Variable {
    Variable {
        name,
        shape,
        presence: Presence::Optional,
    }
}

/// The reporter's receipt code: required when the notice is confidential.
const RECEIPT: Variable = Variable {
    name: "receipt",
    shape: Shape::Text,
    presence: Presence::RequiredWhen("confidential"),
};

const ACKNOWLEDGEMENT: &[Variable] = &[
    required("case_number", Shape::Text),
    required("name", Shape::Text),
    required("accepted_on", Shape::Date),
    required("due_on", Shape::Date),
    required("contact", Shape::Text),
    required("confidential", Shape::Bool),
    RECEIPT,
    required("organisation", Shape::Text),
    required("issued_on", Shape::Date),
];

const REJECTION: &[Variable] = &[
    required("case_number", Shape::Text),
    required("name", Shape::Text),
    required("reason", Shape::Text),
    required("suggestion", Shape::Text),
    required("contact", Shape::Text),
    required("confidential", Shape::Bool),
    RECEIPT,
    required("organisation", Shape::Text),
    required("issued_on", Shape::Date),
];

const DISPATCH: &[Variable] = &[
    required("case_number", Shape::Text),
    required("unit", Shape::Text),
    required("due_at", Shape::DateTime),
    required("severity", Shape::Text),
    required("priority", Shape::Text),
    required("summary", Shape::Text),
];

const EXTENSION: &[Variable] = &[
    required("case_number", Shape::Text),
    required("name", Shape::Text),
    required("new_due_on", Shape::Date),
    required("reason", Shape::Text),
    required("contact", Shape::Text),
    required("confidential", Shape::Bool),
    RECEIPT,
    required("organisation", Shape::Text),
    required("issued_on", Shape::Date),
];

const RESULT: &[Variable] = &[
    required("case_number", Shape::Text),
    required("name", Shape::Text),
    required("outcome", Shape::Text),
    required("basis", Shape::Text),
    required("improvements", Shape::Text),
    optional("amount_fen", Shape::Fen),
    optional("remedies", Shape::TextList),
    required("contact", Shape::Text),
    required("confidential", Shape::Bool),
    RECEIPT,
    required("organisation", Shape::Text),
    required("issued_on", Shape::Date),
];

const CALLBACK_INVITATION: &[Variable] = &[
    required("case_number", Shape::Text),
    required("name", Shape::Text),
    required("contact", Shape::Text),
    required("confidential", Shape::Bool),
    RECEIPT,
    required("organisation", Shape::Text),
];

const DEADLINE_ALERT: &[Variable] = &[
    required("case_number", Shape::Text),
    required("deadline", Shape::Deadline),
    required("due_at", Shape::DateTime),
    required("unit", Shape::Text),
    required("level", Shape::Count),
];

const ESCALATION: &[Variable] = &[
    required("case_number", Shape::Text),
    required("trigger", Shape::Text),
    required("unit", Shape::Text),
    required("acknowledge_by", Shape::DateTime),
];

const BATCH_ALERT: &[Variable] = &[
    required("matter", Shape::Text),
    required("complainants", Shape::Count),
    required("reportable", Shape::Bool),
];

const SUPERVISION: &[Variable] = &[
    required("case_number", Shape::Text),
    required("kind", Shape::Supervision),
    required("text", Shape::Text),
    optional("due_at", Shape::DateTime),
];

const ANONYMOUS_QUESTION: &[Variable] = &[required("receipt", Shape::Text), required("question", Shape::Text)];

const QUESTION: &[Variable] = &[
    required("case_number", Shape::Text),
    required("name", Shape::Text),
    required("question", Shape::Text),
    required("contact", Shape::Text),
    required("organisation", Shape::Text),
];

const REPORT_DUE: &[Variable] = &[
    required("report", Shape::Report),
    required("period", Shape::Period),
    required("unit", Shape::Text),
    required("due_at", Shape::DateTime),
    required("overdue", Shape::Bool),
];

const REPORT_READY: &[Variable] = &[
    required("report", Shape::Report),
    required("period", Shape::Period),
    required("unit", Shape::Text),
    required("version", Shape::Count),
    required("formats", Shape::TextList),
    required("link", Shape::Text),
];

impl Kind {
    /// The variables of this kind's context (documented per kind in the crate docs).
    pub fn variables(self) -> &'static [Variable] {
        match self {
            Kind::Acknowledgement => ACKNOWLEDGEMENT,
            Kind::Rejection => REJECTION,
            Kind::Dispatch => DISPATCH,
            Kind::Extension => EXTENSION,
            Kind::Result => RESULT,
            Kind::CallbackInvitation => CALLBACK_INVITATION,
            Kind::DeadlineWarning | Kind::DeadlineBreach => DEADLINE_ALERT,
            Kind::Escalation => ESCALATION,
            Kind::BatchAlert => BATCH_ALERT,
            Kind::Supervision => SUPERVISION,
            Kind::AnonymousQuestion => ANONYMOUS_QUESTION,
            Kind::Question => QUESTION,
            Kind::ReportDue => REPORT_DUE,
            Kind::ReportReady => REPORT_READY,
        }
    }

    /// The variable named `name`, if this kind has one.
    pub fn variable(self, name: &str) -> Option<&'static Variable> {
        self.variables().iter().find(|variable| variable.name == name)
    }
}

/// Checks `context` against the key's kind and answers it without `null`s (an optional
/// variable set to `null` is absent), ready for the template.
pub(crate) fn prepare(key: Key, context: &Value) -> Result<Map<String, Value>, Error> {
    let object = context.as_object().ok_or(Error::ContextNotObject { kind: key.kind })?;
    let present = |name: &str| object.get(name).filter(|value| !value.is_null());
    for variable in key.kind.variables() {
        let needed = match variable.presence {
            Presence::Required => true,
            Presence::Optional => false,
            Presence::RequiredWhen(flag) => present(flag).and_then(Value::as_bool).unwrap_or(false),
        };
        match present(variable.name) {
            None if needed => {
                return Err(Error::MissingVariable {
                    key,
                    variable: variable.name.to_owned(),
                });
            }
            Some(value) if !variable.shape.accepts(value) => {
                return Err(Error::InvalidVariable {
                    key,
                    variable: variable.name.to_owned(),
                    expected: variable.shape.expected(),
                });
            }
            _ => {}
        }
    }
    Ok(object
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect())
}

#[cfg(test)]
mod tests {
    use domain::vocabulary::Language;
    use serde_json::json;

    use super::*;
    use crate::kind::Channel;

    fn key(kind: Kind) -> Key {
        Key::new(kind, Channel::Email, Language::ZhCn)
    }

    #[test]
    fn names_the_first_missing_variable() {
        let error = prepare(
            key(Kind::BatchAlert),
            &json!({"matter": "加收金融服务费", "reportable": false}),
        )
        .expect_err("complainants is missing");
        assert_eq!(
            error,
            Error::MissingVariable {
                key: key(Kind::BatchAlert),
                variable: "complainants".to_owned()
            }
        );
        assert!(error.to_string().contains("`complainants`"), "{error}");
    }

    #[test]
    fn null_is_missing_for_required_and_absent_for_optional() {
        let context = json!({"case_number": "TS202612050001", "kind": "chase", "text": "请加快办理", "due_at": null});
        let prepared = prepare(key(Kind::Supervision), &context).expect("due_at is optional");
        assert!(!prepared.contains_key("due_at"));
        let context = json!({"case_number": null, "kind": "chase", "text": "请加快办理"});
        assert!(matches!(
            prepare(key(Kind::Supervision), &context),
            Err(Error::MissingVariable { variable, .. }) if variable == "case_number"
        ));
    }

    #[test]
    fn the_receipt_is_required_only_when_confidential() {
        let mut context = json!({
            "case_number": "TS202612050001", "name": "", "contact": "400-830-1234",
            "confidential": false, "organisation": "客户服务中心",
        });
        assert!(prepare(key(Kind::CallbackInvitation), &context).is_ok());
        context["confidential"] = json!(true);
        assert!(matches!(
            prepare(key(Kind::CallbackInvitation), &context),
            Err(Error::MissingVariable { variable, .. }) if variable == "receipt"
        ));
    }

    #[test]
    fn shapes_are_checked() {
        let context =
            json!({"case_number": "TS1", "deadline": "lunch", "due_at": "2026-12-05T18:00", "unit": "u", "level": 0});
        assert!(matches!(
            prepare(key(Kind::DeadlineWarning), &context),
            Err(Error::InvalidVariable { variable, .. }) if variable == "deadline"
        ));
        let context =
            json!({"case_number": "TS1", "deadline": "resolution", "due_at": "soon", "unit": "u", "level": 0});
        assert!(matches!(
            prepare(key(Kind::DeadlineWarning), &context),
            Err(Error::InvalidVariable { variable, .. }) if variable == "due_at"
        ));
        assert_eq!(
            prepare(key(Kind::BatchAlert), &json!(["not", "an", "object"])),
            Err(Error::ContextNotObject { kind: Kind::BatchAlert })
        );
    }
}

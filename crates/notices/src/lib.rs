//! Every notice's text, in Simplified Chinese and English, rendered from versioned templates.
//!
//! The notification service calls [`render`] when an event arrives: a tenant's [`TemplateSet`]
//! (the product's defaults from [`TemplateSet::shipped`], with the tenant's overrides), the
//! notice's [`Kind`], the [`Channel`] and the language, and a JSON context. It answers a
//! [`Rendered`] subject and body, and for SMS the provider's template id, parameters, text and
//! segment count. The crate is pure: no I/O, no clock, no async; it must never depend on a
//! runtime, a database or a service crate. Start with [`render`], then [`Kind::variables`] and
//! the templates under `templates/` (one file per `<kind>.<channel>.<language>`).
//!
//! # Channels
//!
//! [`Kind::channels`] fixes which channels the product offers; any other is
//! [`Error::NotOffered`]:
//!
//! | kinds | channels |
//! |---|---|
//! | acknowledgement, rejection, extension, result | email, sms, letter |
//! | callback_invitation, question | email, sms |
//! | dispatch, deadline_warning, deadline_breach, escalation, batch_alert, supervision | email, sms, inbox, wecom |
//! | anonymous_question | email, sms, inbox (the reporter's mailbox behind the receipt code) |
//! | report_due, report_ready | email, sms, inbox, wecom |
//!
//! # Context variables
//!
//! The context is a JSON object. Dates are `YYYY-MM-DD`; times are RFC 3339 and print as the
//! wall clock of the offset they carry, so pass the organisation's local time (Beijing time,
//! `+08:00`). A `null` is the same as leaving a variable out. A missing required variable, or
//! one of the wrong shape, is an error that names it ([`Error::MissingVariable`],
//! [`Error::InvalidVariable`]); templates run with strict undefined values, so a variable a
//! template uses but the context lacks is named as well. Variables that come from a tenant's own
//! vocabulary (a unit's name, a severity or priority label) are passed as the text to print.
//!
//! Every notice to a complainant carries `confidential`: `true` for a misconduct report (举报).
//! Its SMS then carries no content at all, only a prompt to read the message with the receipt
//! code (`receipt`, required then); its e-mail comes under a neutral subject, and neither
//! e-mail nor letter uses the words 举报 or 投诉. These notices also carry `organisation`, the
//! sender's name that signs e-mails and letters, and those with a letter carry `issued_on`, the
//! letter's date.
//!
//! - **acknowledgement** (受理告知书): `case_number`; `name` (may be empty: the salutation is then
//!   您好 / Dear complainant); `accepted_on` (date); `due_on` (date by which the result is due);
//!   `contact` (the organisation's hotline); `confidential` (bool); `receipt` (when
//!   confidential); `organisation`; `issued_on` (date).
//! - **rejection** (不予受理告知书): `case_number`, `name`, `reason`, `suggestion` (where else to go),
//!   `contact`, `confidential`, `receipt` (when confidential), `organisation`, `issued_on`.
//! - **dispatch** (转办, to the unit and its customer-relations manager): `case_number`, `unit`,
//!   `due_at` (time), `severity` (label), `priority` (label), `summary` (short, no personal data).
//! - **extension** (延期处理告知书): `case_number`, `name`, `new_due_on` (date), `reason`, `contact`,
//!   `confidential`, `receipt` (when confidential), `organisation`, `issued_on`.
//! - **result** (处理结果告知书): `case_number`, `name`, `outcome`, `basis`, `improvements`,
//!   `amount_fen` (optional; printed in capitals and figures: 人民币叁仟元整（¥3,000.00）),
//!   `remedies` (optional list of further remedies; a bank lists mediation, the regulator's
//!   hotline 12378, arbitration and the courts), `contact`, `confidential`, `receipt` (when
//!   confidential), `organisation`, `issued_on`.
//! - **callback_invitation** (回访): `case_number`, `name`, `contact`, `confidential`, `receipt`
//!   (when confidential), `organisation`.
//! - **deadline_warning**, **deadline_breach** (staff): `case_number`; `deadline` (a deadline
//!   name as `calendar` has it: `acknowledgement`, `first_contact`, `next_contact`,
//!   `resolution`, `result_notice`, `callback`, `take_or_return`,
//!   `early_warning_acknowledgement`, `supervision_notice`, `source_reply`,
//!   `source_first_contact`; printed as 办结期限 / resolution deadline …); `due_at` (time);
//!   `unit`; `level` (how far up the manager chain the alert goes: 0 the handler, 1 their
//!   manager, …; mentioned from 1 up).
//! - **escalation** (重大投诉预警, staff): `case_number`; `trigger` (the rule's trigger name: the
//!   starter set's names print as labels, e.g. `media` → 媒体曝光, a tenant's own as written);
//!   `unit`; `acknowledge_by` (time).
//! - **batch_alert** (批量投诉预警, staff): `matter` (what the complaints share), `complainants`
//!   (count), `reportable` (bool: past the regulator's threshold).
//! - **supervision** (staff): `case_number`; `kind` (`chase` 催办, `notice` 督办, `instruction`
//!   领导批示); `text`; `due_at` (optional time).
//! - **anonymous_question** (to an anonymous reporter): `receipt`, `question`.
//! - **question** (to a complainant, answered on the status page): `case_number`, `name`,
//!   `question`, `contact`, `organisation`.
//! - **report_due** (staff who file it): `report` (`report_label`), `period` (`period_label`),
//!   `unit`, `due_at`, `overdue` (the date passed and nothing was filed).
//! - **report_ready** (staff): `report`, `period`, `unit`, `version`, `formats` (`xlsx`, `docx`,
//!   `pdf`, `csv`), `link` (where the console serves the pack).
//!
//! [`samples`] has a realistic context for every kind in each language.
//!
//! # Templates
//!
//! A template is [minijinja](https://docs.rs/minijinja) (Jinja2) text. Its output is the body
//! (for SMS, the text the provider sends); e-mail, letter, inbox and WeCom templates
//! `{% set subject %}…{% endset %}` (a letter's subject is its heading, the notice's name); SMS
//! templates set `template_id` and `params`, a map of the provider template's parameters, and
//! write their text from `params` so that it is exactly what the provider will send. Block tags
//! leave no blank lines behind; trailing spaces and runs of blank lines are tidied away, so
//! paragraphs are separated by one blank line. No HTML escaping. Filters, in the notice's
//! language: `date`, `datetime`, `capitals` (fen → 人民币大写), `money` (fen → ¥1,000.00 /
//! RMB 1,000.00), `deadline_label`, `supervision_label`, `trigger_label`, `report_label`, `period_label`. [`TemplateSet::check`]
//! compiles every template, refuses variables its kind does not have, and renders the samples
//! with each of their branches (optional variables left out, flags flipped).

mod error;
mod format;
mod kind;
mod render;
mod samples;
mod templates;
mod variables;

pub use error::{Error, Invalid};
pub use format::{
    amount_in_capitals, amount_in_figures, chinese_date, deadline_label, english_date, localized_date,
    localized_datetime, period_label, report_label, sms_segments, supervision_label, trigger_label,
};
pub use kind::{Audience, Channel, Key, Kind};
pub use render::{Rendered, Sms, render};
pub use samples::{Sample, samples};
pub use templates::TemplateSet;
pub use variables::{Presence, Shape, Variable};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_docs_name_every_variable_of_every_kind() {
        let docs = include_str!("lib.rs");
        for kind in Kind::ALL {
            let section = docs
                .find(&format!("**{}**", kind.as_str()))
                .map(|start| &docs[start..])
                .unwrap_or_else(|| panic!("the docs have no section for {kind}"));
            let section = &section[..section[2..].find("//! - **").map_or(section.len(), |end| end + 2)];
            for variable in kind.variables() {
                assert!(
                    section.contains(&format!("`{}`", variable.name)),
                    "{kind}: `{}`",
                    variable.name
                );
            }
        }
    }
}

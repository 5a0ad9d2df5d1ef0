//! Rendering one template: the engine's settings, the filters templates may use, and what each
//! channel takes from the result.

use std::collections::BTreeMap;

use domain::vocabulary::Language;
use minijinja::value::Value as TemplateValue;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use serde_json::{Map, Value};

use crate::error::{Error, Invalid};
use crate::format;
use crate::kind::{Channel, Key, Kind};
use crate::templates::TemplateSet;

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The e-mail subject, the letter's heading, the inbox or WeCom title; empty for SMS.
    pub subject: String,
    /// The plain-text body (paragraphs separated by one blank line); for SMS the text the
    /// provider will send.
    pub body: String,
    /// What the SMS provider is asked to send; only for [`Channel::Sms`].
    pub sms: Option<Sms>,
    /// The [`TemplateSet::version`] it was rendered from.
    pub version: u32,
}

/// An SMS as a provider's approved template takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    /// The provider's approved template (`SMS_ACK_ZH_001` in the shipped set: a tenant sets
    /// the ids its provider approved by overriding the SMS templates).
    pub template_id: String,
    /// The template's parameters, as the provider substitutes them.
    pub params: BTreeMap<String, String>,
    /// What the provider will send (without its signature), kept for the record.
    pub text: String,
    /// How many messages that is ([`format::sms_segments`] of `text`).
    pub segments: u32,
}

/// The most work one template may do (minijinja's fuel, roughly one unit per instruction): far
/// above what a notice needs, low enough that a tenant's runaway loop fails fast.
const FUEL: u64 = 50_000;

/// Renders `kind` over `channel` in `language` from `context` with `set`'s template.
///
/// The context is checked against [`Kind::variables`] first (a missing or malformed variable
/// is named); the template then runs with strict undefined values, so a variable it uses that
/// the context lacks is named as well.
pub fn render(
    set: &TemplateSet,
    kind: Kind,
    channel: Channel,
    language: Language,
    context: &Value,
) -> Result<Rendered, Error> {
    let key = Key::new(kind, channel, language);
    let source = set.source(key).ok_or(Error::NotOffered { kind, channel })?;
    let context = crate::variables::prepare(key, context)?;
    let mut rendered = render_source(key, source, &context)?;
    rendered.version = set.version();
    Ok(rendered)
}

/// Compiles `source`, checks that it uses only its kind's variables, and renders every sample.
pub(crate) fn check_source(key: Key, source: &str) -> Result<(), Invalid> {
    let environment = environment(key.language);
    let name = key.to_string();
    let template = environment
        .template_from_named_str(&name, source)
        .map_err(|error| invalid(key, describe(&error)))?;
    let globals: Vec<&str> = environment.globals().map(|(global, _)| global).collect();
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|variable| key.kind.variable(variable).is_none() && !globals.contains(&variable.as_str()))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        return Err(invalid(
            key,
            format!("uses {}, which {} notices do not have", unknown.join(", "), key.kind),
        ));
    }
    for sample in crate::samples::samples(key.kind, key.language) {
        for (variant, context) in variants(key.kind, &sample.context) {
            let context = crate::variables::prepare(key, &context).map_err(|error| {
                invalid(
                    key,
                    format!("the sample `{}{variant}` does not fit: {error}", sample.name),
                )
            })?;
            render_source(key, source, &context).map_err(|error| {
                let problem = match error {
                    Error::Template(Invalid { problem, .. }) => problem,
                    other => other.to_string(),
                };
                invalid(key, format!("on the sample `{}{variant}`: {problem}", sample.name))
            })?;
        }
    }
    Ok(())
}

/// A sample and its neighbours, so that a check walks each branch a template is likely to
/// have: without the optional variables, each flag flipped (with what it then requires), each
/// count at 0 and at 2.
fn variants(kind: Kind, sample: &Value) -> Vec<(String, Value)> {
    use crate::variables::{Presence, Shape};
    let mut variants = vec![(String::new(), sample.clone())];
    let variables = kind.variables();
    if variables.iter().any(|variable| variable.presence == Presence::Optional) {
        let mut without = sample.clone();
        for variable in variables
            .iter()
            .filter(|variable| variable.presence == Presence::Optional)
        {
            without[variable.name] = Value::Null;
        }
        variants.push((" without optional variables".to_owned(), without));
    }
    for variable in variables {
        match variable.shape {
            Shape::Bool => {
                let flipped = !sample[variable.name].as_bool().unwrap_or(false);
                let mut context = sample.clone();
                context[variable.name] = Value::Bool(flipped);
                for dependent in variables {
                    if dependent.presence == Presence::RequiredWhen(variable.name) && context[dependent.name].is_null()
                    {
                        context[dependent.name] = Value::from("R7K3-9QXM");
                    }
                }
                variants.push((format!(" with {} = {flipped}", variable.name), context));
            }
            Shape::Count => {
                for count in [0, 2] {
                    let mut context = sample.clone();
                    context[variable.name] = Value::from(count);
                    variants.push((format!(" with {} = {count}", variable.name), context));
                }
            }
            _ => {}
        }
    }
    variants
}

fn render_source(key: Key, source: &str, context: &Map<String, Value>) -> Result<Rendered, Error> {
    let environment = environment(key.language);
    let name = key.to_string();
    let template = environment
        .template_from_named_str(&name, source)
        .map_err(|error| invalid(key, describe(&error)))?;
    let captured = template
        .render_captured(TemplateValue::from_serialize(context))
        .map_err(|error| match error.kind() {
            ErrorKind::UndefinedError => Error::MissingVariable {
                key,
                variable: undefined_name(source, &error),
            },
            _ => Error::Template(invalid(key, describe(&error))),
        })?;
    let state = captured.state();
    let body = tidy(captured.output());
    if key.channel == Channel::Sms {
        let template_id = state
            .lookup("template_id")
            .and_then(|value| value.as_str().map(str::to_owned))
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                invalid(
                    key,
                    "an SMS template must `set template_id` to the provider's template".into(),
                )
            })?;
        let params = sms_params(key, state.lookup("params"))?;
        let segments = format::sms_segments(&body);
        return Ok(Rendered {
            subject: String::new(),
            body: body.clone(),
            sms: Some(Sms {
                template_id,
                params,
                text: body,
                segments,
            }),
            version: 0,
        });
    }
    let subject = state
        .lookup("subject")
        .and_then(|value| {
            value
                .as_str()
                .map(|subject| subject.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .filter(|subject| !subject.is_empty())
        .ok_or_else(|| invalid(key, "the template must `set subject`".into()))?;
    Ok(Rendered {
        subject,
        body,
        sms: None,
        version: 0,
    })
}

/// The engine every template runs in: strict about undefined values, no HTML escaping (notices
/// are plain text), block tags leave no blank lines, bounded fuel, and the crate's filters.
fn environment<'source>(language: Language) -> Environment<'source> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.set_auto_escape_callback(|_| AutoEscape::None);
    environment.set_trim_blocks(true);
    environment.set_lstrip_blocks(true);
    environment.set_fuel(Some(FUEL));
    environment.add_filter("date", move |value: TemplateValue| {
        let text = text_argument(&value)?;
        format::parse_date(text)
            .map(|date| format::localized_date(date, language))
            .ok_or_else(|| filter_error(format!("`{text}` is not a date (YYYY-MM-DD)")))
    });
    environment.add_filter("datetime", move |value: TemplateValue| {
        let text = text_argument(&value)?;
        format::parse_datetime(text)
            .map(|at| format::localized_datetime(at, language))
            .ok_or_else(|| filter_error(format!("`{text}` is not a time (RFC 3339)")))
    });
    environment.add_filter("capitals", |value: TemplateValue| {
        fen_argument(value).map(format::amount_in_capitals)
    });
    environment.add_filter("money", move |value: TemplateValue| {
        fen_argument(value).map(|fen| format::amount_in_figures(fen, language))
    });
    environment.add_filter("deadline_label", move |value: TemplateValue| {
        let name = text_argument(&value)?;
        format::deadline_label(name, language).ok_or_else(|| filter_error(format!("`{name}` is not a deadline")))
    });
    environment.add_filter("supervision_label", move |value: TemplateValue| {
        let name = text_argument(&value)?;
        format::supervision_label(name, language)
            .ok_or_else(|| filter_error(format!("`{name}` is not chase, notice or instruction")))
    });
    environment.add_filter("report_label", move |value: TemplateValue| {
        let name = text_argument(&value)?;
        format::report_label(name, language).ok_or_else(|| filter_error(format!("`{name}` is not a report")))
    });
    environment.add_filter("period_label", move |value: TemplateValue| {
        let period = text_argument(&value)?;
        format::period_label(period, language).ok_or_else(|| filter_error(format!("`{period}` is not a period")))
    });
    environment.add_filter("trigger_label", move |value: TemplateValue| {
        let name = text_argument(&value)?;
        Ok::<_, minijinja::Error>(format::trigger_label(name, language).map_or_else(|| name.to_owned(), str::to_owned))
    });
    environment
}

fn sms_params(key: Key, params: Option<TemplateValue>) -> Result<BTreeMap<String, String>, Error> {
    let params = params.ok_or_else(|| invalid(key, "an SMS template must `set params` to a map".into()))?;
    let names = params.try_iter().map_err(|_| {
        invalid(
            key,
            "`params` must be a map of the provider template's parameters".into(),
        )
    })?;
    let mut map = BTreeMap::new();
    for name in names {
        let value = params.get_item(&name).map_err(|error| invalid(key, describe(&error)))?;
        if value.is_undefined() || value.is_none() {
            return Err(invalid(key, format!("the SMS parameter `{name}` has no value")).into());
        }
        map.insert(name.to_string(), value.to_string());
    }
    Ok(map)
}

/// Collapses what conditional blocks leave behind: trailing spaces, runs of blank lines, blank
/// lines at the start and end.
fn tidy(output: &str) -> String {
    let mut text = String::new();
    let mut blank_pending = false;
    for line in output.lines().map(str::trim_end) {
        if line.is_empty() {
            blank_pending = !text.is_empty();
            continue;
        }
        if blank_pending {
            text.push('\n');
            blank_pending = false;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    }
    text
}

/// The variable an undefined-value error points at: the expression at the error's span up to
/// its first filter or operator (`due_on` of `due_on.year`), or, when the span is a filter
/// (`date` in `due_on | date`), the expression the filter chain starts from.
fn undefined_name(source: &str, error: &minijinja::Error) -> String {
    let Some(range) = error.range().filter(|range| source.get(range.clone()).is_some()) else {
        return "(unknown)".to_owned();
    };
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let mut start = range.start;
    // Walk back over `expression |` (and `| filter` of a longer chain) to the first expression.
    loop {
        let before = source[..start].trim_end();
        let Some(before) = before.strip_suffix('|') else { break };
        let before = before.trim_end();
        let name_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_name(*c))
            .last()
            .map(|(index, _)| index);
        match name_start {
            Some(index) => start = index,
            None => break,
        }
    }
    let name: String = source[start..].chars().take_while(|c| is_name(*c)).collect();
    if name.is_empty() { "(unknown)".to_owned() } else { name }
}

fn describe(error: &minijinja::Error) -> String {
    let mut text = error.to_string();
    if let Some(detail) = error.detail()
        && !text.contains(detail)
    {
        text.push_str(": ");
        text.push_str(detail);
    }
    text
}

/// A filter's text argument; an undefined one is reported as undefined (so the error names
/// the variable), not as a type mismatch.
fn text_argument(value: &TemplateValue) -> Result<&str, minijinja::Error> {
    if value.is_undefined() {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    value
        .as_str()
        .ok_or_else(|| filter_error(format!("expects text, not {value}")))
}

/// A filter's amount in fen, as [`text_argument`] does for text.
fn fen_argument(value: TemplateValue) -> Result<u64, minijinja::Error> {
    if value.is_undefined() {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    let shown = value.to_string();
    u64::try_from(value).map_err(|_| filter_error(format!("expects an amount in fen, not {shown}")))
}

fn filter_error(detail: String) -> minijinja::Error {
    minijinja::Error::new(ErrorKind::InvalidOperation, detail)
}

fn invalid(key: Key, problem: String) -> Invalid {
    Invalid { key, problem }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_keeps_one_blank_line_between_paragraphs() {
        assert_eq!(tidy("\n\nA  \n\n\n\nB\nC\n\n"), "A\n\nB\nC");
        assert_eq!(tidy(""), "");
    }
}

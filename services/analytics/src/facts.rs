//! From an event to the facts it knows (decision 0012): a pure function, so rebuilding from
//! the stream gives the same rows. Each column is written by one producer's events only.

use bus::Envelope;
use bus::consumer::HandlerError;
use chrono::{DateTime, Utc};
use prost::Message as _;
use rpc::events::v1::{
    BatchAlerted, CaseAccepted, CaseDispatched, CaseOpened, CaseProgressed, CaseRegistered, CaseRejected, CaseReturned,
    CaseTaken, CaseTransferred, CaseWithdrawn, DeadlineRecomputed, DocumentPublished, NoticeSent,
};
use serde_json::Value;

use crate::figures::OUTSIDE_SOURCES;
use crate::store::{FactUpdate, Inspection, Update};

/// One normal form for instants, so they compare as text.
pub fn instant(text: &str) -> Result<String, HandlerError> {
    Ok(parse(text)?.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

fn parse(text: &str) -> Result<DateTime<Utc>, HandlerError> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}

/// The local day (Beijing time) of an instant, `YYYY-MM-DD`.
pub fn local_day(text: &str) -> Result<String, HandlerError> {
    Ok(parse(text)?
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string())
}

/// The events analytics reads.
pub fn handles(event: &Envelope) -> bool {
    matches!(
        (event.source.as_str(), event.event_type.as_str()),
        (
            "intake",
            "case.registered" | "case.accepted" | "case.rejected" | "case.withdrawn" | "case.closed"
        ) | (
            "routing",
            "case.dispatched"
                | "case.taken"
                | "case.returned"
                | "case.transferred"
                | "case.escalated"
                | "batch.alerted"
                | "organisation.published"
        ) | (
            "investigation",
            "case.opened"
                | "case.progressed"
                | "case.resolved"
                | "case.closed"
                | "case.reopened"
                | "case.deadline_breached"
                | "case.deadline_recomputed"
        ) | ("notification", "notice.sent")
    )
}

/// Regulatory codes as `set.dimension:code` (`jrt0169.cause:0102`, `nfra:credit_card`,
/// `cfpb.product:Mortgage`), joined with `|`.
pub fn codes(codes_json: &str) -> Result<String, HandlerError> {
    if codes_json.is_empty() {
        return Ok(String::new());
    }
    let maps: Value = serde_json::from_str(codes_json)?;
    let mut codes = Vec::new();
    for (set, value) in maps.as_object().into_iter().flatten() {
        match value {
            Value::String(code) => codes.push(format!("{set}:{code}")),
            Value::Object(dimensions) => {
                for (dimension, code) in dimensions {
                    if let Some(code) = code.as_str() {
                        codes.push(format!("{set}.{dimension}:{code}"));
                    }
                }
            }
            _ => {}
        }
    }
    codes.sort();
    Ok(codes.join("|"))
}

fn registered(event: &Envelope) -> Result<Vec<Update>, HandlerError> {
    let registered = CaseRegistered::decode(event.payload.as_ref())?;
    let received = parse(&registered.received_at)?;
    let local = received.with_timezone(&chrono_tz::Asia::Shanghai);
    let repeat = !registered.repeat_of.is_empty() || registered.signals.iter().any(|s| s == "repeat");
    let facts = FactUpdate::default()
        .set("tenant", event.tenant.clone())
        .set("case_number", registered.case_number)
        .set("kind", registered.kind)
        .set("channel", registered.channel)
        .set("source", registered.source.clone())
        .set("category", registered.category_code)
        .set("product", registered.product)
        .set("brand", registered.brand)
        .set("registered_unit", registered.unit)
        .set("received_at", instant(&registered.received_at)?)
        .set("received_day", local.format("%Y-%m-%d").to_string())
        .set("received_month", local.format("%Y-%m").to_string())
        .set_int("received_s", received.timestamp())
        .set_int("repeat_case", i64::from(repeat))
        .set_int("imported", i64::from(registered.imported))
        .set_int("imported_closed", i64::from(registered.imported_closed))
        .set_timely(&registered.imported_timely);
    let mut updates = vec![Update::Facts(Box::new(facts))];
    // A later case from outside that repeats an earlier one: the earlier was escalated outside.
    if !registered.repeat_of.is_empty() && OUTSIDE_SOURCES.contains(&registered.source.as_str()) {
        let earlier = FactUpdate {
            case: Some(registered.repeat_of),
            ..FactUpdate::default()
        }
        .earliest("escalated_outside_at", instant(&registered.received_at)?);
        updates.push(Update::Facts(Box::new(earlier)));
    }
    Ok(updates)
}

trait Timely {
    fn set_timely(self, flag: &str) -> Self;
}

impl Timely for FactUpdate {
    /// The imported source's "handled in time" flag: `yes`, `no`, or unknown when empty.
    fn set_timely(self, flag: &str) -> Self {
        match flag {
            "yes" => self.set_int("imported_timely", 1),
            "no" => self.set_int("imported_timely", 0),
            _ => self,
        }
    }
}

/// What a casework step adds (investigation's `case.progressed` and its kinds).
fn progressed(event: &Envelope) -> Result<Vec<Update>, HandlerError> {
    let progressed = CaseProgressed::decode(event.payload.as_ref())?;
    if event.source == "intake" {
        // The on-the-spot fast path: registered and closed at once.
        let facts = FactUpdate::default().set_int("on_the_spot", i64::from(progressed.step == "on_the_spot"));
        return Ok(vec![Update::Facts(Box::new(facts))]);
    }
    let facts: Value = if progressed.facts_json.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&progressed.facts_json)?
    };
    let at = instant(&progressed.at)?;
    let text = |key: &str| facts[key].as_str().unwrap_or_default().to_owned();
    let mut update = FactUpdate::default();
    let mut updates = Vec::new();
    match progressed.step.as_str() {
        "assign" => update = update.set("handler", text("assignee")),
        "first_contact" => {
            let when = facts["at"]
                .as_str()
                .map(instant)
                .transpose()?
                .unwrap_or_else(|| at.clone());
            update = update.first("first_contact_at", when);
        }
        "finding" => {
            let founded = matches!(facts["outcome"].as_str(), Some("substantiated" | "partly"));
            update = update.add("findings", 1).max("substantiated", i64::from(founded));
        }
        "extension" => update = update.add("extensions", 1).set("resolution_due_at", due(&facts)?),
        "resolve" => {
            update = update
                .first("resolved_at", at.clone())
                .first_int("resolved_s", parse(&progressed.at)?.timestamp())
                .copy_first("resolved_due_at", "resolution_due_at")
                .max("compensation_fen", facts["amount_fen"].as_i64().unwrap_or(0));
        }
        "reopen" | "escalate_senior" => {
            update = update
                .max("reopens", facts["round"].as_i64().unwrap_or(1))
                .set("resolution_due_at", due(&facts)?);
        }
        "inspect_rework" => update = update.set("resolution_due_at", due(&facts)?),
        step @ ("callback_failed" | "callback_satisfied" | "callback_dissatisfied") => {
            update = update
                .add("callbacks_attempted", 1)
                .add("callbacks_successful", i64::from(step != "callback_failed"))
                .add("callbacks_satisfied", i64::from(step == "callback_satisfied"));
            if step != "callback_failed" {
                let scores = facts["scores"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(dimension, score)| Some((dimension.clone(), score.as_i64()?)))
                    .collect();
                let n = facts["callback"].as_i64().unwrap_or(0);
                updates.push(Update::Scores { n, scores });
            }
        }
        _ => {}
    }
    if progressed.status == "closed" {
        update = update
            .set("closed_at", at)
            .set("closing_reason", progressed.closing_reason.clone());
    }
    if let Some(inspection) = inspection(&event.tenant, &progressed)? {
        updates.push(Update::Inspection(inspection));
    }
    if !update.facts.is_empty() {
        updates.push(Update::Facts(Box::new(update)));
    }
    Ok(updates)
}

/// A step's new resolution deadline, normalised; empty when it gives none.
fn due(facts: &Value) -> Result<String, HandlerError> {
    facts["due_at"]
        .as_str()
        .filter(|d| !d.is_empty())
        .map(instant)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// The inspection a casework event records, if it is one (`inspect_pass`, `inspect_rework`).
fn inspection(tenant: &str, progressed: &CaseProgressed) -> Result<Option<Inspection>, HandlerError> {
    if !matches!(progressed.step.as_str(), "inspect_pass" | "inspect_rework") {
        return Ok(None);
    }
    let facts: Value = serde_json::from_str(&progressed.facts_json)?;
    let n = facts["inspection"]
        .as_i64()
        .ok_or_else(|| format!("an inspection event without its number: {}", progressed.facts_json))?;
    Ok(Some(Inspection {
        tenant: tenant.to_owned(),
        n,
        unit: progressed.unit.clone(),
        passed: progressed.step == "inspect_pass",
        score: facts["score"].as_f64(),
        at: instant(&progressed.at)?,
        day: local_day(&progressed.at)?,
    }))
}

/// The updates an event makes.
pub fn decide(event: &Envelope) -> Result<Vec<Update>, HandlerError> {
    let payload = event.payload.as_ref();
    let facts = match (event.source.as_str(), event.event_type.as_str()) {
        ("intake", "case.registered") => return registered(event),
        ("intake", "case.accepted") => {
            let accepted = CaseAccepted::decode(payload)?;
            let due = accepted.acknowledgement.map(|d| instant(&d.due_at)).transpose()?;
            FactUpdate::default()
                .set("accepted_at", instant(&accepted.accepted_at)?)
                .set("acknowledgement_due_at", due.unwrap_or_default())
        }
        ("intake", "case.rejected") => {
            FactUpdate::default().set("rejected_at", instant(&CaseRejected::decode(payload)?.rejected_at)?)
        }
        ("intake", "case.withdrawn") => {
            FactUpdate::default().set("withdrawn_at", instant(&CaseWithdrawn::decode(payload)?.withdrawn_at)?)
        }
        // Casework steps, and the on-the-spot fast path's closing.
        ("intake", "case.closed")
        | ("investigation", "case.progressed" | "case.resolved" | "case.closed" | "case.reopened") => {
            return progressed(event);
        }
        ("investigation", "case.deadline_breached") => FactUpdate::default().add("breaches", 1),
        ("investigation", "case.deadline_recomputed") => {
            let current = DeadlineRecomputed::decode(payload)?.current.unwrap_or_default();
            if current.kind != "resolution" || current.due_at.is_empty() {
                return Ok(vec![]);
            }
            FactUpdate::default().set("resolution_due_at", instant(&current.due_at)?)
        }
        ("investigation", "case.opened") => {
            let opened = CaseOpened::decode(payload)?;
            let due_of = |kind: &str| {
                opened
                    .deadlines
                    .iter()
                    .chain(opened.resolution.iter())
                    .find(|d| d.kind == kind && !d.due_at.is_empty())
                    .map(|d| instant(&d.due_at))
                    .transpose()
            };
            FactUpdate::default()
                .first("opened_at", instant(&opened.opened_at)?)
                .set("resolution_due_at", due_of("resolution")?.unwrap_or_default())
                .set("first_contact_due_at", due_of("first_contact")?.unwrap_or_default())
        }
        ("routing", "case.dispatched") => {
            let dispatched = CaseDispatched::decode(payload)?;
            let first = if dispatched.dispatch_no <= 1 {
                instant(&dispatched.dispatched_at)?
            } else {
                String::new()
            };
            FactUpdate::default()
                // Time to dispatch counts to the first dispatch; a re-dispatch or transfer moves
                // the unit and the severity, not that instant.
                .first("dispatched_at", first)
                .set("unit", dispatched.unit)
                .set("severity", dispatched.severity)
                .set("taken_by", dispatched.assignee)
                .set("codes", codes(&dispatched.codes_json)?)
        }
        ("routing", "case.taken") => {
            let taken = CaseTaken::decode(payload)?;
            FactUpdate::default().set("taken_by", taken.staff)
        }
        ("routing", "case.returned") => {
            CaseReturned::decode(payload)?;
            FactUpdate::default().add("returns", 1)
        }
        ("routing", "case.transferred") => {
            let transferred = CaseTransferred::decode(payload)?;
            FactUpdate::default()
                .add("transfers", 1)
                .set("unit", transferred.to_unit)
        }
        ("routing", "case.escalated") => FactUpdate::default().add("escalations", 1),
        // Every case a batch alert names was part of a mass event.
        ("routing", "batch.alerted") => {
            let alerted = BatchAlerted::decode(payload)?;
            return Ok(alerted
                .case_ids
                .into_iter()
                .map(|case| {
                    let update = FactUpdate {
                        case: Some(case),
                        ..FactUpdate::default()
                    };
                    Update::Facts(Box::new(update.max("mass_event", 1)))
                })
                .collect());
        }
        ("routing", "organisation.published") => {
            let published = DocumentPublished::decode(payload)?;
            return Ok(vec![Update::Organisation {
                version: i64::from(published.version),
                body_json: published.body_json,
            }]);
        }
        // The acknowledgement counts from when it went out (decision 0005), not when it was
        // written.
        ("notification", "notice.sent") => {
            let notice = NoticeSent::decode(payload)?;
            if notice.notice_kind != "acknowledgement" {
                return Ok(vec![]);
            }
            FactUpdate::default().first("acknowledged_at", instant(&notice.sent_at)?)
        }
        _ => return Ok(vec![]),
    };
    Ok(vec![Update::Facts(Box::new(facts))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regulatory_codes_flatten_by_set_and_dimension() {
        let json = r#"{"jrt0169": {"channel": "01", "business": "0201", "cause": "0102"}, "nfra": "credit_card",
            "cfpb": {"product": "Mortgage"}}"#;
        assert_eq!(
            codes(json).expect("codes"),
            "cfpb.product:Mortgage|jrt0169.business:0201|jrt0169.cause:0102|jrt0169.channel:01|nfra:credit_card"
        );
        assert_eq!(codes("").expect("none"), "");
    }
}

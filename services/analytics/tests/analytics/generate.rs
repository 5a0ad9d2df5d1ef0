//! A generated set of cases with known outcomes, and the events their producers would have
//! published for them: what analytics must reconcile with.

use std::collections::BTreeMap;

use bus::Envelope;
use bytes::Bytes;
use chrono::{DateTime, Duration, TimeZone, Utc};
use prost::Message as _;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rpc::events::v1::{
    CaseAccepted, CaseDispatched, CaseOpened, CaseProgressed, CaseRegistered, CaseTaken, DocumentPublished, NoticeSent,
};
use rpc::timeline::v1::Deadline;
use serde_json::json;
use uuid::Uuid;

pub const TENANT: &str = "bank";

/// The bank: head office, two regions, four branches tagged by region and brand.
pub const UNITS: &[(&str, Option<&str>, &[&str])] = &[
    ("hq", None, &[]),
    ("north", Some("hq"), &["region:north"]),
    ("south", Some("hq"), &["region:south"]),
    ("n1", Some("north"), &["brand:alpha"]),
    ("n2", Some("north"), &["brand:beta"]),
    ("s1", Some("south"), &["brand:alpha"]),
    ("s2", Some("south"), &["brand:beta"]),
];

pub const BRANCHES: &[&str] = &["n1", "n2", "s1", "s2"];

/// The organisation document as routing publishes it.
pub fn organisation() -> String {
    let units: Vec<_> = UNITS
        .iter()
        .map(|(id, parent, tags)| {
            json!({"id": id, "kind": if parent.is_none() { "group" } else { "store" }, "parent": parent,
                "name_zh": id, "name_en": id, "tags": tags})
        })
        .collect();
    json!({"units": units}).to_string()
}

/// One case as it happened.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: Uuid,
    pub kind: &'static str,
    pub channel: &'static str,
    pub source: &'static str,
    pub category: &'static str,
    pub product: &'static str,
    /// The unit registered (`""` for none) and the unit dispatched to, if dispatched.
    pub registered_unit: &'static str,
    pub dispatched_to: Option<&'static str>,
    pub staff: Option<String>,
    pub codes: Option<(&'static str, &'static str)>,
    pub received: DateTime<Utc>,
    /// Imported history: closed there, and its timely flag.
    pub imported: Option<(bool, Option<bool>)>,
    pub on_the_spot: bool,
    pub accepted: Option<DateTime<Utc>>,
    pub acknowledgement_due: Option<DateTime<Utc>>,
    pub acknowledged: Option<DateTime<Utc>>,
    pub first_contact_due: Option<DateTime<Utc>>,
    pub first_contact: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    /// An extension before the first resolution moves the deadline here.
    pub extended_to: Option<DateTime<Utc>>,
    /// The first resolution, and a second after a reopen.
    pub resolved: Option<DateTime<Utc>>,
    pub compensation_fen: u64,
    pub finding: Option<&'static str>,
    /// Callback outcomes in order: `failed`, `satisfied`, `dissatisfied`; a dissatisfied one
    /// reopens the case, resolved again before the next.
    pub callbacks: Vec<&'static str>,
    pub closed: Option<DateTime<Utc>>,
    /// The earlier case this one repeats.
    pub repeat_of: Option<usize>,
}

const KINDS: &[(&str, u32)] = &[
    ("complaint", 70),
    ("report", 5),
    ("inquiry", 15),
    ("suggestion", 5),
    ("praise", 5),
];
const CHANNELS: &[&str] = &["phone", "web", "email", "letter", "walk_in"];
const CATEGORIES: &[&str] = &["fees", "collection", "mis_selling", "service"];
const PRODUCTS: &[&str] = &["credit_card", "personal_loan", "deposit"];
const CODES: &[(&str, &str)] = &[
    ("nfra", "credit_card"),
    ("nfra", "personal_loan"),
    ("jrt0169.cause", "0102"),
];

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn weighted(rng: &mut StdRng, items: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut n = rng.random_range(0..total);
    for (item, weight) in items {
        if n < *weight {
            return item;
        }
        n -= weight;
    }
    items[0].0
}

fn hours(rng: &mut StdRng, low: i64, high: i64) -> Duration {
    Duration::minutes(rng.random_range(low * 60..high * 60)) + Duration::seconds(rng.random_range(0..60))
}

/// `n` cases received from January to June 2025 (Beijing time), reproducibly from `seed`.
pub fn cases(n: usize, seed: u64) -> Vec<Case> {
    let start = Utc.with_ymd_and_hms(2024, 12, 31, 16, 0, 0).single().expect("start");
    let end = Utc.with_ymd_and_hms(2025, 6, 30, 16, 0, 0).single().expect("end");
    cases_between(n, seed, start, end)
}

/// `n` cases received between two instants, reproducibly from `seed`.
pub fn cases_between(n: usize, seed: u64, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(seed);
    let span = (end - start).num_seconds();
    let mut cases: Vec<Case> = Vec::with_capacity(n);
    for i in 0..n {
        let received = start + Duration::seconds(rng.random_range(0..span));
        let kind = weighted(&mut rng, KINDS);
        let mut case = Case {
            id: Uuid::new_v4(),
            kind,
            channel: pick(&mut rng, CHANNELS),
            source: "direct",
            category: pick(&mut rng, CATEGORIES),
            product: pick(&mut rng, PRODUCTS),
            registered_unit: if rng.random_bool(0.5) {
                pick(&mut rng, BRANCHES)
            } else {
                ""
            },
            dispatched_to: None,
            staff: None,
            codes: None,
            received,
            imported: None,
            on_the_spot: false,
            accepted: None,
            acknowledgement_due: None,
            acknowledged: None,
            first_contact_due: None,
            first_contact: None,
            resolution_due: None,
            extended_to: None,
            resolved: None,
            compensation_fen: 0,
            finding: None,
            callbacks: vec![],
            closed: None,
            repeat_of: None,
        };
        // A repeat of an earlier case, sometimes through an outside source.
        if i > 10 && rng.random_bool(0.08) {
            case.repeat_of = Some(rng.random_range(0..i));
            case.source = if rng.random_bool(0.5) { "regulator" } else { "direct" };
        }
        let roll: f64 = rng.random();
        if roll < 0.03 {
            case.imported = Some((
                rng.random_bool(0.6),
                [None, Some(true), Some(false)][rng.random_range(0..3)],
            ));
            case.registered_unit = pick(&mut rng, BRANCHES);
            cases.push(case);
            continue;
        }
        if roll < 0.05 {
            case.on_the_spot = true;
            cases.push(case);
            continue;
        }
        if roll < 0.12 {
            // Waits at the gate.
            cases.push(case);
            continue;
        }
        let accepted = received + hours(&mut rng, 0, 4);
        case.accepted = Some(accepted);
        case.acknowledgement_due = Some(accepted + Duration::hours(24));
        if rng.random_bool(0.9) {
            case.acknowledged = Some(accepted + hours(&mut rng, 0, 30));
        }
        if rng.random_bool(0.1) {
            cases.push(case);
            continue;
        }
        let unit = pick(&mut rng, BRANCHES);
        case.dispatched_to = Some(unit);
        case.codes = rng.random_bool(0.7).then(|| pick(&mut rng, CODES));
        if rng.random_bool(0.85) {
            case.staff = Some(format!("{unit}-staff-{}", rng.random_range(1..4)));
        }
        let opened = accepted + hours(&mut rng, 1, 8);
        case.first_contact_due = Some(opened + Duration::hours(24));
        case.resolution_due = Some(opened + Duration::days(15));
        if rng.random_bool(0.85) {
            case.first_contact = Some(opened + hours(&mut rng, 0, 36));
        }
        if rng.random_bool(0.1) {
            case.extended_to = Some(opened + Duration::days(30));
        }
        if rng.random_bool(0.4) {
            case.finding = Some(pick(
                &mut rng,
                &["substantiated", "partly", "unsubstantiated", "malicious"],
            ));
        }
        if rng.random_bool(0.2) {
            cases.push(case);
            continue;
        }
        let resolved = opened + hours(&mut rng, 24, 24 * 25);
        case.resolved = Some(resolved);
        if rng.random_bool(0.2) {
            case.compensation_fen = rng.random_range(1..500_000);
        }
        // Callbacks: a few failures, then an answer; a dissatisfied one may be followed by more.
        let mut at = resolved;
        for _ in 0..4 {
            at += hours(&mut rng, 2, 48);
            let outcome = weighted(
                &mut rng,
                &[("failed", 25), ("satisfied", 55), ("dissatisfied", 15), ("none", 5)],
            );
            if outcome == "none" {
                break;
            }
            case.callbacks.push(outcome);
            if outcome == "satisfied" {
                case.closed = Some(at);
                break;
            }
        }
        cases.push(case);
    }
    cases
}

/// Builds envelopes with each producer's gapless sequence per case.
pub struct Stream {
    seqs: BTreeMap<(Uuid, &'static str), u64>,
    pub events: Vec<Envelope>,
}

fn at(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Stream {
    pub fn new() -> Self {
        Self {
            seqs: BTreeMap::new(),
            events: vec![],
        }
    }

    pub fn push(
        &mut self,
        case: Uuid,
        source: &'static str,
        event_type: &str,
        occurred: DateTime<Utc>,
        payload: Vec<u8>,
    ) {
        let seq = self.seqs.entry((case, source)).or_default();
        *seq += 1;
        self.events.push(Envelope {
            event_id: Uuid::new_v4(),
            event_type: event_type.to_owned(),
            schema_version: 1,
            source: source.to_owned(),
            tenant: TENANT.to_owned(),
            case_id: case,
            source_seq: *seq,
            causation_id: None,
            correlation_id: None,
            occurred_at: occurred,
            traceparent: None,
            payload: Bytes::from(payload),
        });
    }

    fn progressed(
        &mut self,
        case: &Case,
        event_type: &str,
        step: &str,
        when: DateTime<Utc>,
        status: &str,
        facts: serde_json::Value,
    ) {
        let progressed = CaseProgressed {
            action: step.to_owned(),
            step: step.to_owned(),
            status: status.to_owned(),
            at: at(when),
            unit: case.dispatched_to.unwrap_or_default().to_owned(),
            closing_reason: if status == "closed" {
                "satisfied".into()
            } else {
                String::new()
            },
            facts_json: facts.to_string(),
            ..CaseProgressed::default()
        };
        self.push(case.id, "investigation", event_type, when, progressed.encode_to_vec());
    }

    /// Every event of the cases and the organisation, in an order a real run could have.
    pub fn of(cases: &[Case]) -> Self {
        let mut stream = Self::new();
        let published = DocumentPublished {
            document: "organisation".into(),
            version: 1,
            published_at: "2024-12-01T00:00:00.000000Z".into(),
            body_json: organisation(),
            ..DocumentPublished::default()
        };
        let org_stream = Uuid::new_v5(&Uuid::NAMESPACE_OID, b"bank/organisation");
        let when = Utc.with_ymd_and_hms(2024, 12, 1, 0, 0, 0).single().expect("instant");
        stream.push(
            org_stream,
            "routing",
            "organisation.published",
            when,
            published.encode_to_vec(),
        );
        for case in cases {
            stream.case(case, cases);
        }
        stream
    }

    fn case(&mut self, case: &Case, all: &[Case]) {
        let registered = CaseRegistered {
            case_number: format!("T{}", case.id.simple()),
            kind: case.kind.into(),
            channel: case.channel.into(),
            source: case.source.into(),
            received_at: at(case.received),
            category_code: case.category.into(),
            unit: case.registered_unit.into(),
            product: case.product.into(),
            repeat_of: case.repeat_of.map(|i| all[i].id.to_string()).unwrap_or_default(),
            signals: if case.repeat_of.is_some() {
                vec!["repeat".into()]
            } else {
                vec![]
            },
            imported: case.imported.is_some(),
            imported_closed: case.imported.is_some_and(|(closed, _)| closed),
            imported_timely: match case.imported {
                Some((_, Some(true))) => "yes".into(),
                Some((_, Some(false))) => "no".into(),
                _ => String::new(),
            },
            ..CaseRegistered::default()
        };
        self.push(
            case.id,
            "intake",
            "case.registered",
            case.received,
            registered.encode_to_vec(),
        );
        if case.on_the_spot {
            let closed = CaseProgressed {
                action: "on_the_spot".into(),
                step: "on_the_spot".into(),
                previous_status: "received".into(),
                status: "closed".into(),
                at: at(case.received),
                closing_reason: "on_the_spot".into(),
                facts_json: json!({"confirmed_by": "code"}).to_string(),
                ..CaseProgressed::default()
            };
            self.push(case.id, "intake", "case.closed", case.received, closed.encode_to_vec());
        }
        let Some(accepted) = case.accepted else { return };
        let acceptance = CaseAccepted {
            accepted_at: at(accepted),
            acknowledgement: case.acknowledgement_due.map(|due| Deadline {
                kind: "acknowledgement".into(),
                due_at: at(due),
                state: "open".into(),
                provisional: false,
            }),
            kind: case.kind.into(),
            channel: case.channel.into(),
            ..CaseAccepted::default()
        };
        self.push(case.id, "intake", "case.accepted", accepted, acceptance.encode_to_vec());
        if let Some(sent) = case.acknowledged {
            let notice = NoticeSent {
                notice_id: Uuid::new_v4().to_string(),
                notice_kind: "acknowledgement".into(),
                channel: "sms".into(),
                sent_at: at(sent),
                attempts: 1,
                ..NoticeSent::default()
            };
            self.push(case.id, "notification", "notice.sent", sent, notice.encode_to_vec());
        }
        let Some(unit) = case.dispatched_to else { return };
        let codes = case
            .codes
            .map(|(set, code)| match set.split_once('.') {
                Some((set, dimension)) => json!({set: {dimension: code}}),
                None => json!({set: code}),
            })
            .map(|codes| codes.to_string())
            .unwrap_or_default();
        let dispatched = CaseDispatched {
            dispatched_at: at(accepted),
            unit: unit.into(),
            severity: "normal".into(),
            dispatch_no: 1,
            codes_json: codes,
            ..CaseDispatched::default()
        };
        self.push(
            case.id,
            "routing",
            "case.dispatched",
            accepted,
            dispatched.encode_to_vec(),
        );
        if let Some(staff) = &case.staff {
            let taken = CaseTaken {
                taken_at: at(accepted),
                unit: unit.into(),
                staff: staff.clone(),
                dispatch_no: 1,
                late: false,
            };
            self.push(case.id, "routing", "case.taken", accepted, taken.encode_to_vec());
        }
        let first_contact_due = case.first_contact_due.expect("opened");
        let resolution_due = case.resolution_due.expect("opened");
        let deadline = |kind: &str, due: DateTime<Utc>| Deadline {
            kind: kind.into(),
            due_at: at(due),
            state: "open".into(),
            provisional: false,
        };
        let opened_at = first_contact_due - Duration::hours(24);
        let opened = CaseOpened {
            opened_at: at(opened_at),
            unit: unit.into(),
            resolution: Some(deadline("resolution", resolution_due)),
            deadlines: vec![
                deadline("first_contact", first_contact_due),
                deadline("resolution", resolution_due),
            ],
        };
        self.push(
            case.id,
            "investigation",
            "case.opened",
            opened_at,
            opened.encode_to_vec(),
        );
        if let Some(contact) = case.first_contact {
            self.progressed(
                case,
                "case.progressed",
                "first_contact",
                contact,
                "investigating",
                json!({"purpose": "first_contact", "at": at(contact), "method": "phone"}),
            );
        }
        if let Some(finding) = case.finding {
            self.progressed(
                case,
                "case.progressed",
                "finding",
                opened_at + Duration::hours(2),
                "investigating",
                json!({"finding": 1, "outcome": finding, "against_named_person": false}),
            );
        }
        if let Some(extended) = case.extended_to {
            self.progressed(
                case,
                "case.progressed",
                "extension",
                opened_at + Duration::hours(3),
                "investigating",
                json!({"step": 1, "extend_to": "30", "due_at": at(extended)}),
            );
        }
        let Some(resolved) = case.resolved else { return };
        self.progressed(
            case,
            "case.resolved",
            "resolve",
            resolved,
            "resolved",
            json!({"resolution": 1, "complainant_signed_off": false, "amount_fen": case.compensation_fen}),
        );
        let mut when = resolved;
        let (mut round, mut failures) = (0, 0);
        for (n, outcome) in case.callbacks.iter().enumerate() {
            when += Duration::hours(1);
            let step = format!("callback_{outcome}");
            let status = match *outcome {
                "satisfied" => "closed",
                "dissatisfied" => "dissatisfied",
                _ => "awaiting_callback",
            };
            let at_time = if status == "closed" {
                case.closed.expect("closed")
            } else {
                when
            };
            failures += usize::from(*outcome == "failed");
            let scores = if *outcome == "failed" {
                json!({})
            } else {
                json!({"attitude": 4, "result": 3})
            };
            self.progressed(
                case,
                if status == "closed" {
                    "case.closed"
                } else {
                    "case.progressed"
                },
                &step,
                at_time,
                status,
                json!({"callback": n + 1, "outcome": outcome, "scores": scores, "attempt": failures + 1}),
            );
            if *outcome == "dissatisfied" {
                round += 1;
                self.progressed(case, "case.reopened", "reopen", when + Duration::minutes(5), "investigating",
                    json!({"reopen": round, "escalate_senior": false, "round": round, "due_at": at(when + Duration::days(10))}));
                self.progressed(case, "case.resolved", "resolve", when + Duration::minutes(30), "resolved",
                    json!({"resolution": round + 1, "complainant_signed_off": false, "amount_fen": case.compensation_fen}));
            }
        }
    }
}

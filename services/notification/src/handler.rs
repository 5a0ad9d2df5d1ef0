//! Notification's consumer (decision 0005): the events that call for a notice (see `plan`) are
//! turned into notices, each recorded once — its id is a UUID v5 of the event, the kind and the
//! audience, so a redelivered event records nothing new — with its delivery queued in the same
//! transaction. It also remembers each case's number from `case.registered`, so staff notices
//! name the case without asking intake for anyone's personal data.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Clock;
use domain::vocabulary::Language;
use notices::Kind;
use prost::Message as _;
use rpc::events::v1::{
    BatchAlerted, CaseAccepted, CaseDispatched, CaseEscalated, CaseProgressed, CaseQuestionAsked, CaseRegistered,
    CaseRejected, DeadlineAlert, DocumentPublished, NoticeRecorded, ReportDue, ReportReady,
};
use rpc::intake::v1::intake_client::IntakeClient;
use rpc::intake::v1::{Contact, ReleaseContactsRequest};
use rpc::investigation::v1::GetFileRequest;
use rpc::investigation::v1::investigation_client::InvestigationClient;
use runtime::grpc::with_tenant;
use serde_json::{Value, json};
use store::{Db, NewEvent, Origin};
use tonic::transport::Channel;

use crate::SERVICE;
use crate::plan::{self, Settings, ToComplainant};
use crate::store::{self as sql, Delivery, Notice};

/// The consumer of intake's and investigation's events.
pub struct NotificationHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub intake: IntakeClient<Channel>,
    pub investigation: InvestigationClient<Channel>,
    pub calendars: Arc<calendar::Registry>,
    pub settings: Arc<Settings>,
}

/// The namespace of notice ids (a UUID v5 of the event id, the kind and the audience).
const NOTICE_NAMESPACE: uuid::Uuid = uuid::uuid!("4f0b6a61-93f4-5d0e-9b0c-8a1d2c3e4f50");

/// The id of the notice of `kind` to `audience` that `event_id` causes: the same every time the
/// event is delivered.
pub fn notice_id(event_id: uuid::Uuid, kind: &str, audience: &str) -> String {
    let name = format!("{event_id}/{kind}/{audience}");
    uuid::Uuid::new_v5(&NOTICE_NAMESPACE, name.as_bytes()).to_string()
}

/// The channel's idempotency key of a notice: the e-mail Message-ID, else the notice id (an SMS
/// provider's `out_id`, a letter's file name).
pub fn idempotency_key(channel: &str, tenant: &str, notice_id: &str) -> String {
    match channel {
        "email" => format!("<{notice_id}@{tenant}.redress>"),
        _ => notice_id.to_owned(),
    }
}

/// What one event changes.
#[derive(Debug)]
pub enum Effect {
    /// A case's number, kind and category, from `case.registered`.
    Remember(sql::Case),
    /// A case's policy, from `case.accepted`.
    Policy(String),
    /// A notice, with its delivery when its channel has a provider.
    Notice(Box<Notice>, Option<Box<Delivery>>),
    /// Whom the case's staff notices reach from now on (a dispatch, an assignment).
    Staff { unit: String, staff: Vec<String> },
    /// A change to the agents' call list.
    Call(CallChange),
    /// The tenant's work-app user ids, from its newest directory.
    Apps(Vec<sql::StaffApp>),
}

/// What happens to a case's entry on the agents' call list.
#[derive(Debug)]
pub enum CallChange {
    /// A callback to make by `due_at` (the result notice went out).
    Open(Box<sql::Call>),
    /// An attempt reached nobody: the next is due later.
    Attempted { attempt: i64, next_due_at: String },
    /// The call for `purpose` was made (every call of the case when `None`: it closed).
    Done {
        purpose: Option<&'static str>,
        outcome: String,
    },
}

/// What a batch's decisions read: the complainants' contacts (released by intake for this
/// purpose), the case files of result and extension notices, the case numbers and kinds known.
#[derive(Debug, Default)]
pub struct Loaded {
    contacts: HashMap<String, Contact>,
    records: HashMap<String, Vec<Value>>,
    cases: HashMap<String, sql::Case>,
    /// Each tenant's templates as now published.
    templates: HashMap<String, notices::TemplateSet>,
    /// Each tenant's work-app user ids by member of staff (when an app is configured).
    apps: HashMap<String, HashMap<String, sql::StaffApp>>,
    /// The questions staff asked anonymous reporters, by case (their text stays in intake).
    questions: HashMap<String, Vec<rpc::intake::v1::Question>>,
}

fn parse(text: &str) -> Result<DateTime<Utc>, HandlerError> {
    Ok(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc))
}

/// A question staff asked the complainant (`case.question_asked`).
fn question_asked(event: &Envelope) -> Option<CaseQuestionAsked> {
    if event.event_type != "case.question_asked" {
        return None;
    }
    CaseQuestionAsked::decode(event.payload.as_ref()).ok()
}

/// What notification keeps of a registered case.
fn remembered(registered: &CaseRegistered) -> sql::Case {
    let category = if registered.category_code.is_empty() {
        &registered.reported_category
    } else {
        &registered.category_code
    };
    sql::Case {
        case_number: registered.case_number.clone(),
        kind: registered.kind.clone(),
        policy: String::new(),
        category: category.clone(),
        unit: String::new(),
        staff: Vec::new(),
    }
}

/// The staff a dispatch names: the unit's customer-relations managers routing names, and the
/// assignee.
fn dispatched_staff(dispatched: &CaseDispatched) -> Vec<String> {
    let mut staff = dispatched.notify_staff.clone();
    if !dispatched.assignee.is_empty() && !staff.contains(&dispatched.assignee) {
        staff.push(dispatched.assignee.clone());
    }
    staff
}

/// A casework step (`case.progressed`, `.resolved`, `.closed`, `.reopened`), decoded.
fn casework_step(event: &Envelope) -> Option<CaseProgressed> {
    if !matches!(
        event.event_type.as_str(),
        "case.progressed" | "case.resolved" | "case.closed" | "case.reopened"
    ) {
        return None;
    }
    CaseProgressed::decode(event.payload.as_ref()).ok()
}

/// Whether an event is a casework step that tells the complainant something.
fn tells_complainant(event: &Envelope) -> Option<CaseProgressed> {
    casework_step(event).filter(|p| matches!(p.step.as_str(), "result_notice" | "extension"))
}

/// The date the result is due under the policy and calendar, counted from acceptance.
fn resolution_due(calendars: &calendar::Registry, accepted: &CaseAccepted) -> Result<DateTime<Utc>, HandlerError> {
    let accepted_at = parse(&accepted.accepted_at)?;
    let calendar_id = if accepted.calendar_id.is_empty() {
        "cn"
    } else {
        accepted.calendar_id.as_str()
    };
    let rule = calendar::presets::get(&accepted.policy)
        .filter(|policy| policy.rule(calendar::DeadlineKind::Resolution, None).is_some())
        .map(|policy| policy.clock_rule(calendar::DeadlineKind::Resolution, None))
        .transpose()?;
    let Some(rule) = rule else {
        return Ok(accepted_at + chrono::Duration::days(15));
    };
    let clock = calendar::SlaClock::from_events(rule, &[calendar::ClockEvent::Started { at: accepted_at }])?;
    Ok(clock.due(calendars.get(calendar_id)?).at)
}

#[async_trait]
impl Handler for NotificationHandler {
    type State = Loaded;
    type Effect = Effect;

    fn handles(&self, event: &Envelope) -> bool {
        matches!(
            event.event_type.as_str(),
            "case.registered"
                | "case.accepted"
                | "case.dispatched"
                | "case.escalated"
                | "case.rejected"
                | "case.progressed"
                | "case.resolved"
                | "case.closed"
                | "case.reopened"
                | "case.deadline_warned"
                | "case.deadline_breached"
                | "batch.alerted"
                | "organisation.published"
                | "report.due"
                | "report.ready"
                | "case.question_asked"
        )
    }

    async fn load(&self, events: &[Envelope]) -> Result<Loaded, HandlerError> {
        let mut loaded = Loaded::default();
        let mut by_tenant: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for event in events {
            let progressed = tells_complainant(event);
            let asked = question_asked(event);
            if matches!(event.event_type.as_str(), "case.accepted" | "case.rejected")
                || progressed.is_some()
                || asked.is_some()
            {
                by_tenant
                    .entry(event.tenant.as_str())
                    .or_default()
                    .push(event.case_id.to_string());
            }
            if asked.is_some() && !loaded.questions.contains_key(&event.case_id.to_string()) {
                let request = rpc::intake::v1::ListQuestionsRequest {
                    case_id: event.case_id.to_string(),
                };
                let reply = self
                    .intake
                    .clone()
                    .list_questions(with_tenant(&event.tenant, request))
                    .await?
                    .into_inner();
                loaded.questions.insert(event.case_id.to_string(), reply.questions);
            }
            let supervised = casework_step(event).is_some_and(|p| p.step == "supervise");
            if progressed.is_some() || supervised {
                let file = self
                    .investigation
                    .clone()
                    .get_file(with_tenant(
                        &event.tenant,
                        GetFileRequest {
                            case_id: event.case_id.to_string(),
                        },
                    ))
                    .await?
                    .into_inner();
                let casework: Value = serde_json::from_str(&file.casework_json).unwrap_or_default();
                let records = casework["records"].as_array().cloned().unwrap_or_default();
                loaded.records.insert(event.case_id.to_string(), records);
            }
        }
        for (tenant, mut case_ids) in by_tenant {
            case_ids.sort();
            case_ids.dedup();
            let request = ReleaseContactsRequest {
                case_ids,
                purpose: "notice_rendering".into(),
                requester: SERVICE.into(),
            };
            let reply = self
                .intake
                .clone()
                .release_contacts(with_tenant(tenant, request))
                .await?
                .into_inner();
            loaded
                .contacts
                .extend(reply.contacts.into_iter().map(|c| (c.case_id.clone(), c)));
        }
        // What the batch's own registrations and acceptances say of their cases counts too: a
        // case registered and dispatched in one batch is not yet in the table when it is read.
        let ids: Vec<String> = events
            .iter()
            .filter(|e| !matches!(e.event_type.as_str(), "case.registered" | "case.accepted"))
            .map(|e| e.case_id.to_string())
            .collect();
        loaded.cases = sql::cases(&self.db, &ids).await?;
        for event in events {
            let case_id = event.case_id.to_string();
            match event.event_type.as_str() {
                "case.registered" => {
                    let case = remembered(&CaseRegistered::decode(event.payload.as_ref())?);
                    loaded.cases.insert(case_id, case);
                }
                "case.accepted" => {
                    let accepted = CaseAccepted::decode(event.payload.as_ref())?;
                    if let Some(case) = loaded.cases.get_mut(&case_id) {
                        case.policy = accepted.policy;
                    }
                }
                "case.dispatched" => {
                    let dispatched = CaseDispatched::decode(event.payload.as_ref())?;
                    if let Some(case) = loaded.cases.get_mut(&case_id) {
                        case.unit.clone_from(&dispatched.unit);
                        case.staff = dispatched_staff(&dispatched);
                    }
                }
                _ => {
                    if let Some(step) = casework_step(event).filter(|p| p.step == "assign")
                        && let Some(case) = loaded.cases.get_mut(&case_id)
                        && let Some(assignee) = assignee_of(&step)
                        && !case.staff.contains(&assignee)
                    {
                        case.staff.push(assignee);
                    }
                }
            }
        }
        for event in events {
            if !loaded.templates.contains_key(&event.tenant) {
                let set = crate::templates::for_tenant(&self.db, &event.tenant).await?;
                loaded.templates.insert(event.tenant.clone(), set);
            }
            // Staff notices come from these; only their batches need the work-app user ids.
            let for_staff = matches!(
                event.event_type.as_str(),
                "case.dispatched"
                    | "case.escalated"
                    | "batch.alerted"
                    | "report.due"
                    | "report.ready"
                    | "case.deadline_warned"
                    | "case.deadline_breached"
                    | "case.progressed"
            );
            if for_staff && !self.settings.apps.is_empty() && !loaded.apps.contains_key(&event.tenant) {
                let apps = sql::staff_apps(&self.db, &event.tenant).await?;
                loaded.apps.insert(event.tenant.clone(), apps);
            }
        }
        Ok(loaded)
    }

    fn decide(&self, loaded: &Loaded, event: &Envelope) -> Result<Vec<Effect>, HandlerError> {
        let case_id = event.case_id.to_string();
        let shipped;
        let templates = match loaded.templates.get(&event.tenant) {
            Some(set) => set,
            None => {
                shipped = notices::TemplateSet::shipped();
                &shipped
            }
        };
        let now = self.clock.now();
        let payload = event.payload.as_ref();
        let decide = Decide {
            handler: self,
            loaded,
            event,
            case_id: &case_id,
            templates,
            now,
        };
        match event.event_type.as_str() {
            "case.registered" => {
                let registered = CaseRegistered::decode(payload)?;
                Ok(vec![Effect::Remember(remembered(&registered))])
            }
            "case.accepted" => {
                let accepted = CaseAccepted::decode(payload)?;
                // A case imported from the old system was acknowledged there, long ago.
                if accepted.imported {
                    return Ok(vec![Effect::Policy(accepted.policy)]);
                }
                let accepted_on = plan::local_date(parse(&accepted.accepted_at)?);
                let due_on = plan::local_date(resolution_due(&self.calendars, &accepted)?);
                let mut context = serde_json::Map::new();
                context.insert("accepted_on".into(), json!(accepted_on.format("%Y-%m-%d").to_string()));
                context.insert("due_on".into(), json!(due_on.format("%Y-%m-%d").to_string()));
                let planned = decide.to_complainant(Kind::Acknowledgement, accepted.kind == "report", |_| context)?;
                Ok(vec![Effect::Policy(accepted.policy), planned])
            }
            "case.rejected" => {
                let rejected = CaseRejected::decode(payload)?;
                let confidential = loaded.cases.get(&case_id).is_some_and(|c| c.kind == "report");
                let planned = decide.to_complainant(Kind::Rejection, confidential, |language| {
                    plan::rejection_context(&rejected.reason_code, &rejected.suggestion, language)
                })?;
                Ok(vec![planned])
            }
            "case.dispatched" => {
                let dispatched = CaseDispatched::decode(payload)?;
                let Some(case) = loaded.cases.get(&case_id) else {
                    return Ok(vec![]);
                };
                let staff = dispatched_staff(&dispatched);
                let context = json!({"case_number": case.case_number, "unit": dispatched.unit,
                    "due_at": dispatched.take_due_at, "severity": dispatched.severity,
                    "priority": dispatched.priority, "summary": case.category});
                let mut effects = vec![Effect::Staff {
                    unit: dispatched.unit.clone(),
                    staff: staff.clone(),
                }];
                effects.extend(decide.to_staff(Kind::Dispatch, &staff, &[dispatched.unit.as_str()], &context)?);
                Ok(effects)
            }
            "case.escalated" => {
                // A major-complaint early warning to the groups of the units it names.
                let escalated = CaseEscalated::decode(payload)?;
                let Some(case) = loaded.cases.get(&case_id) else {
                    return Ok(vec![]);
                };
                let context = json!({"case_number": case.case_number, "trigger": escalated.trigger,
                    "unit": escalated.unit, "acknowledge_by": escalated.acknowledge_by});
                let units: Vec<&str> = escalated.units.iter().map(String::as_str).collect();
                decide.to_staff(Kind::Escalation, &[], &units, &context)
            }
            "batch.alerted" => {
                // Many complainants on one matter: the unit's group, the case's staff and the
                // supervisors configured for alerts.
                let alerted = BatchAlerted::decode(payload)?;
                let case = loaded.cases.get(&case_id).cloned().unwrap_or_default();
                let matter = match (case.category.is_empty(), alerted.unit.is_empty()) {
                    (false, false) => format!("{} · {}", case.category, alerted.unit),
                    (false, true) => case.category.clone(),
                    (true, false) => alerted.unit.clone(),
                    (true, true) => alerted.matter_ref.clone(),
                };
                let context = json!({"matter": matter, "complainants": alerted.complainants,
                    "reportable": alerted.reportable, "batch_id": alerted.batch_id,
                    "window_days": alerted.window_days, "case_number": case.case_number});
                let mut staff = self.settings.supervisors.clone();
                for member in &case.staff {
                    if !staff.contains(member) {
                        staff.push(member.clone());
                    }
                }
                // One alert per batch and member, whichever case tipped it (and again when it
                // becomes reportable).
                let stage = if alerted.reportable { "reportable" } else { "alert" };
                decide.to_staff_keyed(
                    Kind::BatchAlert,
                    &format!("{}/{stage}", alerted.batch_id),
                    &staff,
                    &[alerted.unit.as_str()],
                    &context,
                )
            }
            // A question to the complainant, answered on the status page: a prompt by e-mail (with
            // the question), SMS (that only says to look) or WeChat in its window. An anonymous
            // reporter's goes through the private channel they left, under the neutral sender,
            // naming the receipt by its last four characters; one who left none reads it on the
            // status page with the receipt code.
            "case.question_asked" => {
                let Some(asked) = question_asked(event) else {
                    return Ok(vec![]);
                };
                let Some(contact) = loaded.contacts.get(&case_id) else {
                    return Ok(vec![]);
                };
                let kind = if asked.anonymous {
                    Kind::AnonymousQuestion
                } else {
                    Kind::Question
                };
                let route = plan::route_of(contact, self.settings.wechat, now);
                if !(route.wechat || kind.offers(route.channel)) {
                    return Ok(vec![]);
                }
                let question = loaded
                    .questions
                    .get(&case_id)
                    .and_then(|all| all.iter().find(|q| q.n == asked.n))
                    .map(|q| q.text.clone())
                    .unwrap_or_default();
                let receipt = format!("****-{}", contact.receipt_hint);
                let planned = decide.to_complainant(kind, asked.anonymous, |_| {
                    let mut context = serde_json::Map::new();
                    if asked.anonymous {
                        context.insert("receipt".into(), json!(receipt));
                    }
                    context.insert("question".into(), json!(question));
                    context
                })?;
                Ok(vec![planned])
            }
            // Analytics' filing calendar: to the staff who file the report, and the unit's group.
            // One notice per filing and stage (due, then overdue), and per version made ready.
            "report.due" => {
                let due = ReportDue::decode(payload)?;
                let unit = if due.unit_name.is_empty() {
                    &due.unit
                } else {
                    &due.unit_name
                };
                let context = json!({"report": due.report, "period": due.period, "unit": unit,
                    "due_at": due.due_at, "overdue": due.overdue});
                let stage = if due.overdue { "overdue" } else { "due" };
                let key = format!("{case_id}/{}/{stage}", due.due_at);
                decide.to_staff_keyed(Kind::ReportDue, &key, &due.staff, &[due.unit.as_str()], &context)
            }
            "report.ready" => {
                let ready = ReportReady::decode(payload)?;
                let unit = if ready.unit_name.is_empty() {
                    &ready.unit
                } else {
                    &ready.unit_name
                };
                let context = json!({"report": ready.report, "period": ready.period, "unit": unit,
                    "version": ready.version, "formats": ready.formats, "link": ready.link});
                let key = format!("{case_id}/v{}", ready.version);
                decide.to_staff_keyed(Kind::ReportReady, &key, &ready.staff, &[ready.unit.as_str()], &context)
            }
            "organisation.published" => {
                let published = DocumentPublished::decode(payload)?;
                Ok(vec![Effect::Apps(staff_apps(&published.body_json))])
            }
            "case.deadline_warned" | "case.deadline_breached" => {
                let alert = DeadlineAlert::decode(payload)?;
                let Some(deadline) = alert.deadline else {
                    return Ok(vec![]);
                };
                let Some(sql::Case { case_number, .. }) = loaded.cases.get(&case_id) else {
                    return Ok(vec![]);
                };
                let kind = if event.event_type == "case.deadline_breached" {
                    Kind::DeadlineBreach
                } else {
                    Kind::DeadlineWarning
                };
                let context =
                    plan::alert_context(case_number, &deadline.kind, &deadline.due_at, &alert.unit, alert.level);
                decide.to_staff(kind, &alert.recipients, &[], &context)
            }
            _ => {
                let Some(step) = casework_step(event) else {
                    return Ok(vec![]);
                };
                decide.casework(&step)
            }
        }
    }

    async fn apply(&self, batch: Batch<Effect>) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.db.begin().await?;
        for (event, effects) in batch.decided {
            for effect in effects {
                let (mut notice, delivery) = match effect {
                    Effect::Remember(case) => {
                        sql::remember(&mut tx, &event.tenant, &event.case_id.to_string(), &case).await?;
                        continue;
                    }
                    Effect::Policy(policy) => {
                        sql::remember_policy(&mut tx, &event.case_id.to_string(), &policy).await?;
                        continue;
                    }
                    Effect::Staff { unit, staff } => {
                        sql::remember_staff(&mut tx, &event.case_id.to_string(), &unit, &staff).await?;
                        continue;
                    }
                    Effect::Apps(apps) => {
                        sql::replace_staff_apps(&mut tx, &event.tenant, &apps).await?;
                        continue;
                    }
                    Effect::Call(change) => {
                        let case_id = event.case_id.to_string();
                        match change {
                            CallChange::Open(call) => sql::open_call(&mut tx, &call).await?,
                            CallChange::Attempted { attempt, next_due_at } => {
                                sql::call_attempted(&mut tx, &event.tenant, &case_id, attempt, &next_due_at, &at)
                                    .await?;
                            }
                            CallChange::Done { purpose, outcome } => {
                                sql::call_done(&mut tx, &event.tenant, &case_id, purpose, &outcome, &at).await?;
                            }
                        }
                        continue;
                    }
                    Effect::Notice(notice, delivery) => (*notice, delivery),
                };
                notice.recorded_at = at.clone();
                if !sql::record(&mut tx, &notice).await? {
                    continue;
                }
                if let Some(mut delivery) = delivery {
                    delivery.next_attempt_at = at.clone();
                    sql::enqueue(&mut tx, &delivery).await?;
                }
                let recorded = NoticeRecorded {
                    notice_id: notice.notice_id.clone(),
                    notice_kind: notice.notice_kind.clone(),
                    channel: notice.channel.clone(),
                    language: notice.language.clone(),
                    recorded_at: at.clone(),
                    audience: notice.audience.clone(),
                };
                let detail = serde_json::json!({"notice": notice.notice_kind, "channel": notice.channel,
                    "language": notice.language, "recipient": notice.recipient_masked, "audience": notice.audience});
                let origin = Origin::caused_by(SERVICE, now, &event);
                let new_event = NewEvent {
                    tenant: event.tenant.clone(),
                    event_type: "notice.recorded",
                    case_id: event.case_id,
                    payload: Bytes::from(recorded.encode_to_vec()),
                };
                let action = format!("{}_recorded", notice.notice_kind);
                store::messaging::emit(&mut tx, &origin, new_event, &action, &detail).await?;
            }
        }
        store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
        self.db.commit(tx).await?;
        Ok(())
    }
}

/// The staff member an assignment names.
fn assignee_of(step: &CaseProgressed) -> Option<String> {
    let facts: Value = serde_json::from_str(&step.facts_json).ok()?;
    facts["assignee"].as_str().filter(|a| !a.is_empty()).map(str::to_owned)
}

/// The work-app user ids a published organisation names (its `staff[].apps`).
fn staff_apps(body_json: &str) -> Vec<sql::StaffApp> {
    let body: Value = serde_json::from_str(body_json).unwrap_or_default();
    body["staff"]
        .as_array()
        .map(|staff| {
            staff
                .iter()
                .filter_map(|member| {
                    let text = |app: &str| member["apps"][app].as_str().unwrap_or_default().to_owned();
                    let app = sql::StaffApp {
                        staff: member["id"].as_str()?.to_owned(),
                        wecom: text("wecom"),
                        dingtalk: text("dingtalk"),
                    };
                    (!app.wecom.is_empty() || !app.dingtalk.is_empty()).then_some(app)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One event's decision: what it has to hand.
struct Decide<'a> {
    handler: &'a NotificationHandler,
    loaded: &'a Loaded,
    event: &'a Envelope,
    case_id: &'a str,
    templates: &'a notices::TemplateSet,
    now: DateTime<Utc>,
}

impl Decide<'_> {
    fn contact(&self) -> Result<&Contact, HandlerError> {
        Ok(self
            .loaded
            .contacts
            .get(self.case_id)
            .ok_or_else(|| format!("intake released no contact for case {}", self.case_id))?)
    }

    /// A notice of `kind` to the complainant; `context` gets their language.
    fn to_complainant(
        &self,
        kind: Kind,
        confidential: bool,
        context: impl FnOnce(Language) -> serde_json::Map<String, Value>,
    ) -> Result<Effect, HandlerError> {
        let contact = self.contact()?;
        let to = ToComplainant {
            tenant: &self.event.tenant,
            case_id: self.case_id,
            notice_id: notice_id(self.event.event_id, kind.as_str(), "complainant"),
            contact,
            confidential,
            now: self.now,
        };
        let context = context(plan::language_of(contact));
        let planned = plan::to_complainant(&self.handler.settings, self.templates, kind, &to, context)?;
        Ok(Effect::Notice(Box::new(planned.notice), planned.delivery.map(Box::new)))
    }

    /// A staff notice of `kind` in each member's inbox, and to each unit's group robot.
    fn to_staff(
        &self,
        kind: Kind,
        staff: &[String],
        units: &[&str],
        context: &Value,
    ) -> Result<Vec<Effect>, HandlerError> {
        self.to_staff_keyed(kind, &self.event.event_id.to_string(), staff, units, context)
    }

    /// As [`Self::to_staff`], the notices' ids made from `key` instead of the event's id.
    fn to_staff_keyed(
        &self,
        kind: Kind,
        key: &str,
        staff: &[String],
        units: &[&str],
        context: &Value,
    ) -> Result<Vec<Effect>, HandlerError> {
        let settings = &self.handler.settings;
        // One notice per (who, route): its id is made of the key, the kind and the audience.
        let plan = |who: &str, route: plan::StaffRoute<'_>| -> Result<Effect, HandlerError> {
            let audience = match route {
                plan::StaffRoute::Inbox => format!("staff:{who}"),
                plan::StaffRoute::Group => format!("unit:{who}"),
                plan::StaffRoute::App(_) => format!("app:{who}"),
            };
            let name = format!("{key}/{}/{audience}", kind.as_str());
            let to = plan::ToStaff {
                tenant: &self.event.tenant,
                case_id: self.case_id,
                notice_id: uuid::Uuid::new_v5(&NOTICE_NAMESPACE, name.as_bytes()).to_string(),
                staff: who,
                now: self.now,
            };
            let planned = plan::to_staff(settings, self.templates, kind, to, route, context)?;
            Ok(Effect::Notice(Box::new(planned.notice), planned.delivery.map(Box::new)))
        };
        let mut effects = Vec::new();
        for unit in units.iter().filter(|u| settings.group_units.contains(**u)) {
            effects.push(plan(unit, plan::StaffRoute::Group)?);
        }
        let apps = self.loaded.apps.get(&self.event.tenant);
        for member in staff {
            effects.push(plan(member, plan::StaffRoute::Inbox)?);
            // In person, on the first work app configured that knows the member.
            let app = apps.and_then(|apps| apps.get(member)).and_then(|known| {
                settings.apps.iter().find_map(|kind| {
                    let user = if *kind == "wecom" {
                        &known.wecom
                    } else {
                        &known.dingtalk
                    };
                    (!user.is_empty()).then(|| format!("{kind}:{user}"))
                })
            });
            if let Some(app) = app {
                effects.push(plan(member, plan::StaffRoute::App(&app))?);
            }
        }
        Ok(effects)
    }

    /// A casework step: the extension and result notices (the result with the callback
    /// invitation and the call on the agents' list), supervision notices to the case's staff,
    /// assignments, and the call list following the callbacks.
    fn casework(&self, step: &CaseProgressed) -> Result<Vec<Effect>, HandlerError> {
        let facts: Value = serde_json::from_str(&step.facts_json).unwrap_or_default();
        let case = self.loaded.cases.get(self.case_id);
        let confidential = case.is_some_and(|c| c.kind == "report");
        let at = self.now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let callbacks = &self.handler.settings.callbacks;
        let mut effects = Vec::new();
        match step.step.as_str() {
            "extension" => {
                let records = self
                    .loaded
                    .records
                    .get(self.case_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let Some(context) = plan::extension_context(records, &facts) else {
                    return Ok(effects);
                };
                effects.push(self.to_complainant(Kind::Extension, confidential, |_| context)?);
            }
            "result_notice" => {
                let records = self
                    .loaded
                    .records
                    .get(self.case_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                // A bank's result letter names the further remedies (DOMAIN.md).
                let bank = case.is_some_and(|c| c.policy.starts_with("bank"));
                effects.push(self.to_complainant(Kind::Result, confidential, |language| {
                    plan::result_context(records, bank, language)
                })?);
                // The invitation goes where the complainant reads (e-mail, SMS); one who takes
                // letters is called without one.
                let contact = self.contact()?;
                let route = plan::route_of(contact, self.handler.settings.wechat, self.now);
                let recipient_masked = route.recipient_masked;
                if callbacks.invitation && Kind::CallbackInvitation.offers(route.channel) {
                    effects
                        .push(self.to_complainant(Kind::CallbackInvitation, confidential, |_| serde_json::Map::new())?);
                }
                let phone = if contact.phone.is_empty() {
                    recipient_masked
                } else {
                    domain::masking::mask_phone(&contact.phone)
                };
                let due = self.now + chrono::Duration::hours(i64::from(callbacks.within_hours));
                effects.push(Effect::Call(CallChange::Open(Box::new(sql::Call {
                    tenant: self.event.tenant.clone(),
                    case_id: self.case_id.to_owned(),
                    purpose: "callback".into(),
                    case_number: contact.case_number.clone(),
                    recipient_masked: phone,
                    language: plan::language_of(contact).tag().to_owned(),
                    state: "open".into(),
                    attempts: 0,
                    due_at: due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    opened_at: at.clone(),
                    updated_at: at,
                    outcome: String::new(),
                }))));
            }
            "supervise" => {
                let Some(case) = case else {
                    return Ok(effects);
                };
                let mut context = json!({"case_number": case.case_number, "kind": facts["kind"],
                    "text": supervision_text(&self.loaded.records, self.case_id, &facts)});
                if let Some(due) = facts["due_at"].as_str() {
                    context["due_at"] = json!(due);
                }
                let mut staff = case.staff.clone();
                staff.retain(|member| member != &step.actor);
                effects.extend(self.to_staff(Kind::Supervision, &staff, &[case.unit.as_str()], &context)?);
            }
            "assign" => {
                if let (Some(case), Some(assignee)) = (case, assignee_of(step)) {
                    let mut staff = case.staff.clone();
                    if !staff.contains(&assignee) {
                        staff.push(assignee);
                    }
                    effects.push(Effect::Staff {
                        unit: case.unit.clone(),
                        staff,
                    });
                }
            }
            "callback_failed" => {
                let attempt = facts["attempt"].as_i64().unwrap_or(1);
                let next = self.now + chrono::Duration::hours(i64::from(callbacks.retry_hours));
                effects.push(Effect::Call(CallChange::Attempted {
                    attempt,
                    next_due_at: next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                }));
            }
            "callback_satisfied" | "callback_dissatisfied" => {
                effects.push(Effect::Call(CallChange::Done {
                    purpose: Some("callback"),
                    outcome: step.step.trim_start_matches("callback_").to_owned(),
                }));
            }
            // Staff reached the complainant: a bounced notice's call is made.
            "first_contact" | "progress_update" => {
                effects.push(Effect::Call(CallChange::Done {
                    purpose: Some("undelivered"),
                    outcome: "contacted".into(),
                }));
            }
            _ => {}
        }
        // Calls the step did not make are not made once the case closes.
        if self.event.event_type == "case.closed" {
            effects.push(Effect::Call(CallChange::Done {
                purpose: None,
                outcome: "closed".into(),
            }));
        }
        Ok(effects)
    }
}

/// A supervision's text: from the case file (the event carries no free text), else its kind.
fn supervision_text(records: &HashMap<String, Vec<Value>>, case_id: &str, facts: &Value) -> Value {
    let n = facts["supervision"].as_i64();
    records
        .get(case_id)
        .and_then(|records| {
            records
                .iter()
                .rev()
                .find(|r| r["kind"] == "supervision" && (n.is_none() || r["n"].as_i64() == n))
        })
        .and_then(|r| r["body"]["text"].as_str())
        .map_or_else(|| json!(""), |text| json!(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(event_id: uuid::Uuid) -> Notice {
        Notice {
            notice_id: notice_id(event_id, "acknowledgement", "complainant"),
            tenant: "default".into(),
            case_id: uuid::Uuid::now_v7().to_string(),
            notice_kind: "acknowledgement".into(),
            audience: "complainant".into(),
            channel: "email".into(),
            language: "en".into(),
            recipient_masked: "l***@example.com".into(),
            subject: "s".into(),
            body: "b".into(),
            state: "recorded".into(),
            recorded_at: "2026-12-05T02:00:00Z".into(),
            detail_json: "{}".into(),
        }
    }

    #[test]
    fn a_notice_id_depends_on_the_event_the_kind_and_the_audience_only() {
        let event = uuid::Uuid::now_v7();
        assert_eq!(
            notice_id(event, "acknowledgement", "complainant"),
            notice_id(event, "acknowledgement", "complainant")
        );
        assert_ne!(
            notice_id(event, "acknowledgement", "complainant"),
            notice_id(event, "dispatch", "complainant")
        );
        assert_ne!(
            notice_id(event, "dispatch", "staff:a"),
            notice_id(event, "dispatch", "staff:b")
        );
        assert_ne!(
            notice_id(event, "acknowledgement", "complainant"),
            notice_id(uuid::Uuid::now_v7(), "acknowledgement", "complainant")
        );
        assert_eq!(idempotency_key("email", "default", "n1"), "<n1@default.redress>");
        assert_eq!(idempotency_key("sms", "default", "n1"), "n1");
    }

    #[tokio::test]
    async fn the_same_event_again_records_no_second_notice_or_delivery() {
        let dir = tempfile::tempdir().expect("dir");
        let db = Db::open(&dir.path().join("n.db"), sql::MIGRATIONS, store::OpenOptions::default())
            .await
            .expect("opens");
        let event = uuid::Uuid::now_v7();
        let first = notice(event);
        let again = Notice {
            case_id: first.case_id.clone(),
            ..notice(event)
        };
        let delivery = |n: &Notice| Delivery {
            notice_id: n.notice_id.clone(),
            tenant: n.tenant.clone(),
            case_id: n.case_id.clone(),
            notice_kind: n.notice_kind.clone(),
            channel: n.channel.clone(),
            state: "queued".into(),
            attempts: 0,
            next_attempt_at: n.recorded_at.clone(),
            idempotency_key: idempotency_key(&n.channel, &n.tenant, &n.notice_id),
            provider_reference: None,
            last_error: None,
            sent_at: None,
            urgent: false,
        };
        let mut tx = db.begin().await.expect("tx");
        assert!(sql::record(&mut tx, &first).await.expect("records"));
        sql::enqueue(&mut tx, &delivery(&first)).await.expect("queues");
        assert!(
            !sql::record(&mut tx, &again).await.expect("records"),
            "the redelivered event's notice"
        );
        sql::enqueue(&mut tx, &delivery(&again)).await.expect("queues");
        db.commit(tx).await.expect("commits");
        assert_eq!(
            sql::for_case(&db, "default", &first.case_id)
                .await
                .expect("lists")
                .len(),
            1
        );
        let deliveries = sql::deliveries_of(&db, &first.case_id).await.expect("lists");
        assert_eq!(deliveries.len(), 1);
        assert_eq!(
            deliveries[0].idempotency_key,
            format!("<{}@default.redress>", first.notice_id)
        );
    }
}

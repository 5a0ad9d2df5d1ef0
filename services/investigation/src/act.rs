//! The casework (decision 0004): every action on a case from the take to the closing, each
//! checked against the one lifecycle (`domain::lifecycle`), against who may act, and against the
//! rules of its body, then written with its record, its deadlines, one timeline entry and one
//! event in a single transaction.
//!
//! The API action (`contact`, `tasks`, `review` …) and its body choose one lifecycle step
//! ([`step_of`]); the file and its records give the guards their [`Facts`]; a refusal answers
//! `invalid_transition` (or the guard's code) with the current status and the API actions
//! allowed instead.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;
use calendar::ApprovalLevel;
use chrono::{DateTime, Utc};
use domain::lifecycle::{self, Action, Facts};
use domain::vocabulary::{Language, Status as CaseStatus};
use domain::{Clock, ErrorCode};
use prost::Message as _;
use rpc::events::v1::CaseProgressed;
use rpc::investigation::v1::{ActRequest, FileView, HearingSummary, HearingSummaryView};
use runtime::grpc::{conflict, internal, invalid, status};
use serde_json::{Map, Value, json};
use store::{Db, NewEvent, Origin};
use tonic::Status;

use directory::CaseworkRules;

use crate::SERVICE;
use crate::deadlines::{self, Basis, parse_level};
use crate::directory::Directories;
use crate::store::{self as sql, Casefile, Record};

/// The casework actions of the API (CONTRACT.md), in the order decision 0004 lists them.
pub const API_ACTIONS: &[&str] = &[
    "assign",
    "contact",
    "tasks",
    "hearings",
    "findings",
    "plans",
    "approvals",
    "extensions",
    "resolve",
    "review",
    "callbacks",
    "reopen",
    "close",
    "withdraw",
    "supervise",
    "notes",
    "inspections",
    "sanctions",
    "rewards",
];

/// Why a member of staff is held to account (DOMAIN.md, "Rewards and accountability").
pub const SANCTION_GROUNDS: &[&str] = &["missed_deadline", "leak", "obstruction", "retaliation"];
/// The sanctions an accountability record may carry, mildest first.
pub const SANCTIONS: &[&str] = &[
    "reminder",
    "warning",
    "criticism",
    "demerit",
    "fine",
    "demotion",
    "dismissal",
];

/// The casework of investigation.
pub struct Casework {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendars: Arc<calendar::Registry>,
    pub directories: Arc<Directories>,
}

/// The API action a lifecycle step belongs to (routing's and intake's steps keep their names).
pub fn api_of(action: Action) -> &'static str {
    use Action as A;
    match action {
        A::Accept => "accept",
        A::Reject => "reject",
        A::OnTheSpot => "on_the_spot",
        A::Dispatch => "dispatch",
        A::Take => "take",
        A::Return => "return",
        A::Transfer => "transfer",
        A::Recuse => "recuse",
        A::Assign => "assign",
        A::FirstContact | A::ProgressUpdate | A::ResultNotice => "contact",
        A::Task | A::TaskDone => "tasks",
        A::Hearing => "hearings",
        A::Finding => "findings",
        A::Plan => "plans",
        A::Approval => "approvals",
        A::Extension => "extensions",
        A::Resolve => "resolve",
        A::ReviewApprove | A::ReviewRework => "review",
        A::CallbackFailed | A::CallbackSatisfied | A::CallbackDissatisfied => "callbacks",
        A::Reopen | A::EscalateSenior => "reopen",
        A::Close | A::Conclude => "close",
        A::Withdraw => "withdraw",
        A::Supervise => "supervise",
        A::Note => "notes",
        A::InspectPass | A::InspectRework => "inspections",
        A::Sanction => "sanctions",
        A::Reward => "rewards",
    }
}

/// The API actions of lifecycle steps, each once, in the steps' order.
fn api_names(steps: &[Action]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    steps
        .iter()
        .map(|step| api_of(*step))
        .filter(|name| seen.insert(*name))
        .map(str::to_owned)
        .collect()
}

/// The API actions the lifecycle allows now, each once, in the lifecycle's order.
pub fn allowed_api(status: CaseStatus, facts: &Facts) -> Vec<String> {
    api_names(&lifecycle::allowed(status, facts))
}

/// The approval level the organisation's authority matrix requires for a remedy of
/// `amount_fen` (分).
pub fn required_level(rules: &CaseworkRules, kind: &str, amount_fen: u64) -> ApprovalLevel {
    parse_level(rules.approver(kind, amount_fen))
}

fn level_name(level: ApprovalLevel) -> String {
    level.to_string()
}

/// Who acts: the administrator, or a member of staff of the tenant's directory.
#[derive(Debug, Clone)]
struct Actor {
    id: String,
    admin: bool,
    /// The staff's unit and its ancestors, nearest first.
    line: Vec<String>,
    level: ApprovalLevel,
}

impl Actor {
    fn resolve(org: &directory::Org, staff: &str) -> Result<Self, Status> {
        if staff.is_empty() || staff == "admin" {
            return Ok(Self {
                id: "admin".to_owned(),
                admin: true,
                line: Vec::new(),
                level: ApprovalLevel::SeniorManagement,
            });
        }
        let member = org
            .staff(staff)
            .ok_or_else(|| invalid("staff", "unknown", format!("staff: no `{staff}` in the organisation")))?;
        let line: Vec<String> = org.ancestry(&member.unit).iter().map(|u| u.id.clone()).collect();
        let has = |role: &str| member.roles.contains(role);
        let level = if has("general_manager") || member.roles.iter().any(|r| r.starts_with("approver:")) {
            if member.unit == org.root().id {
                ApprovalLevel::SeniorManagement
            } else {
                ApprovalLevel::DepartmentHead
            }
        } else if has("crm_manager") || has("duty_supervisor") || has("supervisor") {
            ApprovalLevel::Supervisor
        } else {
            ApprovalLevel::Handler
        };
        Ok(Self {
            id: member.id.clone(),
            admin: false,
            line,
            level,
        })
    }

    fn inside(&self, unit: &str) -> bool {
        self.line.iter().any(|u| u == unit)
    }
}

/// Who may take a step (decision 0004, "Who may act").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Staff of the handling unit.
    Handling,
    /// Anyone outside the handling unit: the callback, the reopen, the closing, the inspection.
    Independent,
    /// Outside the handling unit and inside the reviewing unit.
    Reviewer,
    Anyone,
}

fn who(action: Action) -> Who {
    use Action as A;
    match action {
        A::Assign
        | A::FirstContact
        | A::ProgressUpdate
        | A::Task
        | A::TaskDone
        | A::Hearing
        | A::Finding
        | A::Plan
        | A::Extension
        | A::Resolve => Who::Handling,
        A::ReviewApprove | A::ReviewRework => Who::Reviewer,
        A::CallbackFailed
        | A::CallbackSatisfied
        | A::CallbackDissatisfied
        | A::Reopen
        | A::EscalateSenior
        | A::Close
        | A::Conclude
        | A::InspectPass
        | A::InspectRework
        | A::Reward => Who::Independent,
        _ => Who::Anyone,
    }
}

fn check_who(actor: &Actor, file: &Casefile, action: Action) -> Result<(), Status> {
    if actor.admin {
        return Ok(());
    }
    let unit = &file.unit;
    match who(action) {
        Who::Anyone => Ok(()),
        Who::Handling if actor.inside(unit) => Ok(()),
        Who::Handling => Err(invalid(
            "staff",
            "not_of_unit",
            format!("staff: `{}` is not of {unit}, which handles the case", actor.id),
        )),
        Who::Independent | Who::Reviewer if actor.inside(unit) => Err(invalid(
            "staff",
            "independence",
            format!(
                "staff: `{}` is of {unit}, which handles the case; {} is done by someone outside it",
                actor.id,
                action.as_str()
            ),
        )),
        Who::Reviewer => match &file.review_unit {
            Some(review) if !actor.inside(review) => Err(invalid(
                "staff",
                "not_of_unit",
                format!("staff: the review is done by {review}, and `{}` is not of it", actor.id),
            )),
            _ => Ok(()),
        },
        Who::Independent => Ok(()),
    }
}

/// A body's fields, read by name with the rule each breaks named in the error.
struct Body<'a> {
    fields: &'a Map<String, Value>,
}

impl<'a> Body<'a> {
    fn get(&self, field: &str) -> Option<&'a Value> {
        self.fields.get(field).filter(|v| !v.is_null())
    }

    fn text(&self, field: &str, max: usize) -> Result<Option<String>, Status> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(text)) => {
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                if text.chars().count() > max {
                    return Err(invalid(
                        field,
                        "max_length",
                        format!("{field}: at most {max} characters"),
                    ));
                }
                Ok(Some(text.to_owned()))
            }
            Some(_) => Err(invalid(field, "type", format!("{field}: must be text"))),
        }
    }

    fn required_text(&self, field: &str, max: usize) -> Result<String, Status> {
        self.text(field, max)?
            .ok_or_else(|| invalid(field, "required", format!("{field}: required")))
    }

    fn one_of(&self, field: &str, values: &[&str]) -> Result<Option<String>, Status> {
        match self.text(field, 64)? {
            None => Ok(None),
            Some(value) if values.contains(&value.as_str()) => Ok(Some(value)),
            Some(value) => Err(invalid(
                field,
                "one_of",
                format!("{field}: `{value}` is not one of {}", values.join(", ")),
            )),
        }
    }

    fn required_one_of(&self, field: &str, values: &[&str]) -> Result<String, Status> {
        self.one_of(field, values)?.ok_or_else(|| {
            invalid(
                field,
                "required",
                format!("{field}: required, one of {}", values.join(", ")),
            )
        })
    }

    fn flag(&self, field: &str) -> Result<Option<bool>, Status> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Bool(value)) => Ok(Some(*value)),
            Some(_) => Err(invalid(field, "type", format!("{field}: must be true or false"))),
        }
    }

    fn instant(&self, field: &str) -> Result<Option<DateTime<Utc>>, Status> {
        match self.text(field, 64)? {
            None => Ok(None),
            Some(text) => DateTime::parse_from_rfc3339(&text)
                .map(|at| Some(at.with_timezone(&Utc)))
                .map_err(|_| {
                    invalid(
                        field,
                        "date_time",
                        format!("{field}: an RFC 3339 instant such as 2026-11-23T10:00:00+08:00"),
                    )
                }),
        }
    }

    fn count(&self, field: &str) -> Result<Option<u64>, Status> {
        match self.get(field) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| invalid(field, "type", format!("{field}: a whole number, 0 or more"))),
        }
    }

    fn list(&self, field: &str, max: usize) -> Result<Vec<&'a Value>, Status> {
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) if items.len() <= max => Ok(items.iter().collect()),
            Some(Value::Array(_)) => Err(invalid(field, "max_items", format!("{field}: at most {max} items"))),
            Some(_) => Err(invalid(field, "type", format!("{field}: must be a list"))),
        }
    }

    fn texts(&self, field: &str, max_items: usize, max: usize) -> Result<Vec<String>, Status> {
        self.list(field, max_items)?
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(text) if !text.trim().is_empty() && text.chars().count() <= max => {
                    Ok(text.trim().to_owned())
                }
                _ => Err(invalid(
                    &format!("{field}[{i}]"),
                    "text",
                    format!("{field}[{i}]: text of 1 to {max} characters"),
                )),
            })
            .collect()
    }

    /// `{dimension: score}` with each score from `low` to `high`.
    fn scores(&self, field: &str, low: u64, high: u64) -> Result<Map<String, Value>, Status> {
        match self.get(field) {
            None => Ok(Map::new()),
            Some(Value::Object(scores)) if scores.len() <= 20 => {
                for (dimension, score) in scores {
                    let path = format!("{field}.{dimension}");
                    if dimension.is_empty() || dimension.len() > 32 {
                        return Err(invalid(
                            &path,
                            "key",
                            format!("{path}: a dimension of 1 to 32 characters"),
                        ));
                    }
                    if !score.as_u64().is_some_and(|s| (low..=high).contains(&s)) {
                        return Err(invalid(
                            &path,
                            "range",
                            format!("{path}: a whole number from {low} to {high}"),
                        ));
                    }
                }
                Ok(scores.clone())
            }
            Some(_) => Err(invalid(
                field,
                "type",
                format!("{field}: an object of at most 20 dimensions"),
            )),
        }
    }

    fn nested(&self, value: &'a Value, path: &str) -> Result<Body<'a>, Status> {
        value
            .as_object()
            .map(|fields| Body { fields })
            .ok_or_else(|| invalid(path, "type", format!("{path}: must be an object")))
    }
}

/// The field names an invalid nested body names: `corrective_actions[0].owner`.
fn within(error: Status, prefix: &str) -> Status {
    if error.code() != tonic::Code::InvalidArgument {
        return error;
    }
    let metadata = |key: &str| {
        error
            .metadata()
            .get(key)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let field = metadata(runtime::grpc::ERROR_FIELD_METADATA);
    let details: Value = serde_json::from_str(&metadata("x-redress-error-details")).unwrap_or_default();
    let rule = details[0]["rule"].as_str().unwrap_or("invalid");
    let path = format!("{prefix}.{field}");
    let message = error.message().replacen(&format!("{field}:"), &format!("{path}:"), 1);
    invalid(&path, rule, message)
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The lifecycle step an API action takes with this body in this status.
pub fn step_of(
    api: &str,
    status: CaseStatus,
    fields: &Map<String, Value>,
    rules: &CaseworkRules,
) -> Result<Action, Status> {
    let body = Body { fields };
    Ok(match api {
        "assign" => Action::Assign,
        "contact" => match body
            .required_one_of("purpose", &["first", "progress", "result"])?
            .as_str()
        {
            "first" => Action::FirstContact,
            "progress" => Action::ProgressUpdate,
            _ => Action::ResultNotice,
        },
        "tasks" if body.get("task_id").is_some() => Action::TaskDone,
        "tasks" => Action::Task,
        "hearings" => Action::Hearing,
        "findings" => Action::Finding,
        "plans" => Action::Plan,
        "approvals" => Action::Approval,
        "extensions" => Action::Extension,
        "resolve" => Action::Resolve,
        "review" => match body.required_one_of("outcome", &["approve", "rework"])?.as_str() {
            "approve" => Action::ReviewApprove,
            _ => Action::ReviewRework,
        },
        "callbacks" => match callback_outcome(&body, rules)?.as_str() {
            "failed" => Action::CallbackFailed,
            "satisfied" => Action::CallbackSatisfied,
            _ => Action::CallbackDissatisfied,
        },
        "reopen" if body.flag("escalate_senior")?.unwrap_or(false) => Action::EscalateSenior,
        "reopen" => Action::Reopen,
        "close" if status == CaseStatus::Dissatisfied => Action::Conclude,
        "close" => Action::Close,
        "withdraw" => Action::Withdraw,
        "supervise" => Action::Supervise,
        "notes" => Action::Note,
        "inspections" => match body.flag("passed")? {
            Some(true) => Action::InspectPass,
            Some(false) => Action::InspectRework,
            None => return Err(invalid("passed", "required", "passed: required, true or false")),
        },
        "sanctions" => Action::Sanction,
        "rewards" => Action::Reward,
        other => {
            return Err(invalid(
                "action",
                "one_of",
                format!("action: `{other}` is not a casework action"),
            ));
        }
    })
}

/// A callback's outcome: as given, or from the scores when only they are given.
fn callback_outcome(body: &Body<'_>, rules: &CaseworkRules) -> Result<String, Status> {
    if let Some(outcome) = body.one_of("outcome", &["failed", "satisfied", "dissatisfied"])? {
        return Ok(outcome);
    }
    let scores = body.scores("scores", 1, u64::from(rules.score_scale))?;
    if scores.is_empty() {
        return Err(invalid(
            "outcome",
            "required",
            "outcome: required (failed, satisfied, dissatisfied) unless scores are given",
        ));
    }
    let total: u64 = scores.values().filter_map(Value::as_u64).sum();
    let mean = total as f64 / scores.len() as f64;
    Ok(if mean >= f64::from(rules.satisfied_from) {
        "satisfied"
    } else {
        "dissatisfied"
    }
    .to_owned())
}

fn count(records: &[Record], kind: &str, state: &str) -> u32 {
    u32::try_from(records.iter().filter(|r| r.kind == kind && r.state == state).count()).unwrap_or(u32::MAX)
}

fn signed_hearing(records: &[Record], staff: &str) -> bool {
    records.iter().any(|r| {
        r.kind == "hearing" && r.subject.as_deref() == Some(staff) && r.body["signed_off"] == Value::Bool(true)
    })
}

/// What the guards read, from the file and its records.
pub fn facts(file: &Casefile, records: &[Record], rules: &CaseworkRules) -> Facts {
    let ladder = deadlines::ladder(&file.policy, calendar::DeadlineKind::Resolution)
        .ok()
        .flatten();
    Facts {
        review_required: file.review_unit.is_some(),
        contactable: !file.anonymous,
        first_contact_recorded: file.first_contact_at.is_some(),
        open_tasks: count(records, "task", "open"),
        pending_approvals: count(records, "approval", "pending"),
        finding_against_named_person: file.against_staff.is_some(),
        hearing_signed_off: file
            .against_staff
            .as_deref()
            .is_some_and(|staff| signed_hearing(records, staff)),
        extensions_used: count(records, "extension", "recorded"),
        extension_cap: ladder.map_or(0, |l| u32::try_from(l.steps.len()).unwrap_or(u32::MAX)),
        callback_attempts_made: u32::try_from(file.callback_attempts).unwrap_or(u32::MAX),
        callback_attempts_max: rules.callback_attempts,
        reopen_count: u32::try_from(file.reopen_count).unwrap_or(u32::MAX),
        reopen_cap: rules.reopen_cap,
        finding_substantiated: records
            .iter()
            .filter(|r| r.kind == "finding")
            .max_by_key(|r| (r.round, r.n))
            .is_some_and(|r| matches!(r.body["outcome"].as_str(), Some("substantiated" | "partly"))),
    }
}

fn facts_json(facts: &Facts) -> Value {
    json!({
        "review_required": facts.review_required,
        "contactable": facts.contactable,
        "first_contact_recorded": facts.first_contact_recorded,
        "open_tasks": facts.open_tasks,
        "pending_approvals": facts.pending_approvals,
        "finding_against_named_person": facts.finding_against_named_person,
        "hearing_signed_off": facts.hearing_signed_off,
        "extensions_used": facts.extensions_used,
        "extension_cap": facts.extension_cap,
        "callback_attempts_made": facts.callback_attempts_made,
        "callback_attempts_max": facts.callback_attempts_max,
        "reopen_count": facts.reopen_count,
        "reopen_cap": facts.reopen_cap,
        "finding_substantiated": facts.finding_substantiated,
    })
}

fn record_json(record: &Record) -> Value {
    json!({"kind": record.kind, "n": record.n, "state": record.state, "actor": record.actor, "at": record.at,
        "due_at": record.due_at, "subject": record.subject, "link": record.link, "level": record.level,
        "round": record.round, "body": record.body})
}

fn status_of(file: &Casefile) -> Result<CaseStatus, Status> {
    CaseStatus::parse(&file.status).ok_or_else(|| internal(format!("a file in status `{}`", file.status)))
}

/// What one action writes besides the file.
struct Written {
    /// Timeline detail (staff's view).
    detail: Value,
    /// The event's public facts (no free text).
    public: Value,
    /// What the reply names as recorded.
    recorded: Value,
}

/// The change an action makes, worked out inside the transaction.
struct Doing<'a> {
    tx: &'a mut store::Conn,
    file: &'a mut Casefile,
    records: &'a [Record],
    actor: &'a Actor,
    org: &'a directory::Org,
    now: DateTime<Utc>,
    calendars: &'a calendar::Registry,
}

impl Doing<'_> {
    fn now_text(&self) -> String {
        instant(self.now)
    }

    fn record(&self, kind: &str, n: i64, state: &str, body: Value) -> Record {
        Record {
            case_id: self.file.case_id.clone(),
            tenant: self.file.tenant.clone(),
            kind: kind.to_owned(),
            n,
            state: state.to_owned(),
            actor: self.actor.id.clone(),
            at: self.now_text(),
            due_at: None,
            subject: None,
            link: None,
            level: None,
            round: self.file.reopen_count,
            body,
        }
    }

    async fn add(&mut self, record: Record) -> Result<i64, Status> {
        let n = sql::next_record(self.tx, &self.file.case_id, &record.kind)
            .await
            .map_err(internal)?;
        sql::insert_record(self.tx, &Record { n, ..record })
            .await
            .map_err(internal)?;
        Ok(n)
    }

    async fn fixed_deadline(&mut self, kind: &str, due: DateTime<Utc>) -> Result<(), Status> {
        let planned = deadlines::plan_fixed(&self.file.tenant, &self.file.case_id, kind, self.now, due);
        sql::put_deadline(self.tx, &planned.deadline, &planned.timers)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn settle(&mut self, kinds: &[&str], state: &str) -> Result<(), Status> {
        sql::settle_deadlines(self.tx, &self.file.case_id, kinds, state)
            .await
            .map_err(internal)
    }

    /// The resolution deadline again from now under the case's policy (a reopen, a rework after
    /// an inspection).
    async fn restart_resolution(&mut self) -> Result<Option<String>, Status> {
        let basis = Basis {
            tenant: &self.file.tenant,
            case_id: &self.file.case_id,
            kind: calendar::DeadlineKind::Resolution,
            policy: &self.file.policy,
            calendar_id: &self.file.calendar_id,
            started_at: self.now,
            version: 1,
        };
        let Some(planned) = deadlines::plan(self.calendars, &basis).map_err(internal)? else {
            return Ok(None);
        };
        sql::put_deadline(self.tx, &planned.deadline, &planned.timers)
            .await
            .map_err(internal)?;
        Ok(Some(planned.deadline.due_at))
    }

    fn member_of_unit(&self, field: &str, staff: &str) -> Result<(), Status> {
        let member = self
            .org
            .staff(staff)
            .ok_or_else(|| invalid(field, "unknown", format!("{field}: no `{staff}` in the organisation")))?;
        if self.org.ancestry(&member.unit).iter().any(|u| u.id == self.file.unit) {
            Ok(())
        } else {
            Err(invalid(
                field,
                "not_of_unit",
                format!(
                    "{field}: `{staff}` is not of {}, which handles the case",
                    self.file.unit
                ),
            ))
        }
    }

    fn staff_known(&self, field: &str, staff: &str) -> Result<(), Status> {
        if self.org.staff(staff).is_some() {
            Ok(())
        } else {
            Err(invalid(
                field,
                "unknown",
                format!("{field}: no `{staff}` in the organisation"),
            ))
        }
    }

    async fn assign(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let assignee = body.required_text("assignee", 64)?;
        self.member_of_unit("assignee", &assignee)?;
        let previous = self.file.handler.clone();
        self.file.handler = Some(assignee.clone());
        let n = self
            .add(self.record(
                "assignment",
                0,
                "recorded",
                json!({"assignee": assignee, "previous": previous}),
            ))
            .await?;
        Ok(Written {
            detail: json!({"assignee": assignee, "previous": previous}),
            public: json!({"assignee": assignee}),
            recorded: json!({"kind": "assignment", "n": n}),
        })
    }

    async fn contact(&mut self, body: &Body<'_>, action: Action) -> Result<Written, Status> {
        let at = body.instant("at")?.unwrap_or(self.now);
        if at > self.now + chrono::Duration::minutes(5) {
            return Err(invalid(
                "at",
                "not_future",
                "at: a contact cannot be recorded before it happens",
            ));
        }
        let method = body.required_one_of(
            "method",
            &[
                "phone",
                "sms",
                "email",
                "visit",
                "letter",
                "wechat",
                "in_person",
                "video",
            ],
        )?;
        let apology = body.flag("apology")?.unwrap_or(false);
        let summary = body.text("summary", 2000)?;
        let next = body.instant("next_contact_at")?;
        if let Some(next) = next
            && next <= at
        {
            return Err(invalid(
                "next_contact_at",
                "after",
                "next_contact_at: must come after the contact",
            ));
        }
        let purpose = match action {
            Action::FirstContact => "first",
            Action::ProgressUpdate => "progress",
            _ => "result",
        };
        if action == Action::ProgressUpdate && next.is_none() {
            return Err(invalid(
                "next_contact_at",
                "required",
                "next_contact_at: a progress update promises the date of the next contact",
            ));
        }
        let at_text = instant(at);
        match action {
            Action::FirstContact => {
                self.file.first_contact_at = Some(at_text.clone());
                self.settle(&["first_contact"], "met").await?;
            }
            Action::ResultNotice => {
                self.file.callback_attempts = 0;
                self.settle(&["next_contact"], "met").await?;
                let basis = Basis {
                    tenant: &self.file.tenant,
                    case_id: &self.file.case_id,
                    kind: calendar::DeadlineKind::Callback,
                    policy: &self.file.policy,
                    calendar_id: &self.file.calendar_id,
                    started_at: at,
                    version: 1,
                };
                if let Some(planned) = deadlines::plan(self.calendars, &basis).map_err(internal)? {
                    sql::put_deadline(self.tx, &planned.deadline, &planned.timers)
                        .await
                        .map_err(internal)?;
                }
            }
            _ => {}
        }
        if let Some(next) = next
            && action != Action::ResultNotice
        {
            self.fixed_deadline("next_contact", next).await?;
        }
        let next_text = next.map(instant);
        let content = json!({"purpose": purpose, "at": at_text, "method": method, "apology": apology,
            "summary": summary, "next_contact_at": next_text});
        let mut record = self.record("contact", 0, "recorded", content.clone());
        record.subject = Some(purpose.to_owned());
        record.due_at = next_text.clone();
        let n = self.add(record).await?;
        Ok(Written {
            detail: content,
            public: json!({"purpose": purpose, "at": at_text, "method": method, "apology": apology,
                "next_contact_at": next_text}),
            recorded: json!({"kind": "contact", "n": n}),
        })
    }

    async fn task(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let department = body.required_text("department", 64)?;
        let title = body.required_text("title", 200)?;
        let due = body.instant("due_at")?.ok_or_else(|| {
            invalid(
                "due_at",
                "required",
                "due_at: required, when the department must answer",
            )
        })?;
        if due <= self.now {
            return Err(invalid("due_at", "future", "due_at: must be in the future"));
        }
        let due_text = instant(due);
        let content = json!({"department": department, "title": title, "due_at": due_text});
        let mut record = self.record("task", 0, "open", content.clone());
        record.subject = Some(department.clone());
        record.due_at = Some(due_text.clone());
        let n = self.add(record).await?;
        self.fixed_deadline(&format!("task.{n}"), due).await?;
        Ok(Written {
            detail: json!({"task_id": n, "department": department, "title": title, "due_at": due_text}),
            public: json!({"task_id": n, "department": department, "due_at": due_text}),
            recorded: json!({"kind": "task", "n": n}),
        })
    }

    async fn task_done(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let n = body.count("task_id")?.unwrap_or(0);
        let outcome = body.required_text("outcome", 2000)?;
        let task = self
            .records
            .iter()
            .find(|r| r.kind == "task" && r.n == i64::try_from(n).unwrap_or(-1))
            .ok_or_else(|| invalid("task_id", "unknown", format!("task_id: the case has no task {n}")))?;
        if task.state != "open" {
            return Err(invalid(
                "task_id",
                "not_open",
                format!("task_id: task {n} is already done"),
            ));
        }
        let mut content = task.body.clone();
        content["outcome"] = json!(outcome);
        content["done_at"] = json!(self.now_text());
        content["done_by"] = json!(self.actor.id);
        let late = task.due_at.as_deref().is_some_and(|due| self.now_text().as_str() > due);
        if !sql::move_record(self.tx, &self.file.case_id, "task", task.n, "open", "done", &content)
            .await
            .map_err(internal)?
        {
            return Err(conflict("version_mismatch", "the task changed meanwhile", None));
        }
        self.settle(&[&format!("task.{}", task.n)], "met").await?;
        Ok(Written {
            detail: json!({"task_id": task.n, "outcome": outcome, "late": late}),
            public: json!({"task_id": task.n, "late": late}),
            recorded: json!({"kind": "task", "n": task.n}),
        })
    }

    async fn hearing(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let subject = body.required_text("subject_staff", 64)?;
        self.staff_known("subject_staff", &subject)?;
        if subject == self.actor.id {
            return Err(invalid(
                "subject_staff",
                "recusal",
                "subject_staff: the accused cannot hold their own hearing",
            ));
        }
        let statement = body.required_text("statement", 5000)?;
        let summary = body.required_text("summary", 2000)?;
        let evidence = body.texts("evidence", 20, 200)?;
        let signed_off = body.flag("signed_off")?.unwrap_or(false);
        let held_at = instant(body.instant("held_at")?.unwrap_or(self.now));
        let content = json!({"subject_staff": subject, "statement": statement, "summary": summary,
            "evidence": evidence, "signed_off": signed_off, "held_at": held_at});
        let mut record = self.record("hearing", 0, "recorded", content);
        record.subject = Some(subject.clone());
        let n = self.add(record).await?;
        Ok(Written {
            detail: json!({"hearing": n, "subject_staff": subject, "signed_off": signed_off, "held_at": held_at,
                "evidence": evidence.len()}),
            public: json!({"hearing": n, "signed_off": signed_off, "held_at": held_at}),
            recorded: json!({"kind": "hearing", "n": n}),
        })
    }

    async fn finding(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let outcome = body.required_one_of("outcome", &["substantiated", "partly", "unsubstantiated", "malicious"])?;
        let founded = matches!(outcome.as_str(), "substantiated" | "partly");
        let root_cause = body.text("root_cause", 2000)?;
        if founded && root_cause.is_none() {
            return Err(invalid(
                "root_cause",
                "required",
                "root_cause: required when the complaint is substantiated",
            ));
        }
        let responsible = body.text("responsible_staff", 64)?;
        let named = body.flag("against_named_person")?.unwrap_or(responsible.is_some());
        if named && responsible.is_none() {
            return Err(invalid(
                "responsible_staff",
                "required",
                "responsible_staff: required for a finding against a named person",
            ));
        }
        if let Some(staff) = &responsible {
            self.staff_known("responsible_staff", staff)?;
        }
        let clearance = body.text("clearance_note", 2000)?;
        if named && !founded && clearance.is_none() {
            return Err(invalid(
                "clearance_note",
                "required",
                "clearance_note: required when a named person is cleared",
            ));
        }
        let referral = body.one_of("referral", &["police", "discipline", "mediation", "court"])?;
        let mut actions = Vec::new();
        for (i, item) in body.list("corrective_actions", 20)?.into_iter().enumerate() {
            let path = format!("corrective_actions[{i}]");
            let item = body.nested(item, &path)?;
            let read = || -> Result<(String, String, DateTime<Utc>, Option<String>), Status> {
                let action = item.required_text("action", 500)?;
                let owner = item.required_text("owner", 64)?;
                let due = item
                    .instant("due_at")?
                    .ok_or_else(|| invalid("due_at", "required", "due_at: required"))?;
                Ok((action, owner, due, item.text("code", 64)?))
            };
            actions.push(read().map_err(|e| within(e, &path))?);
        }
        if named {
            self.file.against_staff = responsible.clone();
        }
        let content = json!({"outcome": outcome, "root_cause": root_cause, "responsible_staff": responsible,
            "against_named_person": named, "clearance_note": clearance, "referral": referral});
        let mut record = self.record("finding", 0, "recorded", content);
        record.subject = responsible.clone();
        let n = self.add(record).await?;
        let mut corrective = Vec::new();
        for (action, owner, due, code) in actions {
            let due_text = instant(due);
            let mut record = self.record(
                "corrective_action",
                0,
                "open",
                json!({"action": action, "owner": owner, "due_at": due_text, "finding": n}),
            );
            record.subject = Some(owner.clone());
            record.due_at = Some(due_text.clone());
            record.link = code.clone();
            let ca = self.add(record).await?;
            corrective.push(json!({"n": ca, "owner": owner, "due_at": due_text, "code": code}));
        }
        Ok(Written {
            detail: json!({"finding": n, "outcome": outcome, "responsible_staff": responsible,
                "against_named_person": named, "referral": referral, "corrective_actions": corrective}),
            public: json!({"finding": n, "outcome": outcome, "against_named_person": named, "referral": referral,
                "corrective_actions": corrective.len()}),
            recorded: json!({"kind": "finding", "n": n}),
        })
    }

    async fn plan(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let measures = body.texts("measures", 20, 500)?;
        if measures.is_empty() {
            return Err(invalid("measures", "required", "measures: at least one measure"));
        }
        let view = body.text("complainant_view", 2000)?;
        let mut remedies = Vec::new();
        for (i, item) in body.list("remedies", 10)?.into_iter().enumerate() {
            let path = format!("remedies[{i}]");
            let item = body.nested(item, &path)?;
            let read = || -> Result<(String, u64), Status> {
                let kind = item.required_one_of("kind", &["refund", "compensation", "gift", "written_apology"])?;
                let amount = item.count("amount_fen")?;
                match (kind.as_str(), amount) {
                    ("written_apology", _) => Ok((kind, amount.unwrap_or(0))),
                    (_, Some(amount)) if amount > 0 => Ok((kind, amount)),
                    _ => Err(invalid(
                        "amount_fen",
                        "required",
                        "amount_fen: required, in fen (分), more than 0",
                    )),
                }
            };
            remedies.push(read().map_err(|e| within(e, &path))?);
        }
        // A new plan replaces the earlier one: its approvals still pending lapse.
        for pending in self
            .records
            .iter()
            .filter(|r| r.kind == "approval" && r.state == "pending")
        {
            sql::move_record(
                self.tx,
                &self.file.case_id,
                "approval",
                pending.n,
                "pending",
                "superseded",
                &pending.body,
            )
            .await
            .map_err(internal)?;
        }
        let remedies_json: Vec<Value> = remedies
            .iter()
            .map(|(kind, amount)| json!({"kind": kind, "amount_fen": amount}))
            .collect();
        let content = json!({"measures": measures, "complainant_view": view, "remedies": remedies_json});
        let n = self.add(self.record("plan", 0, "recorded", content)).await?;
        let mut approvals = Vec::new();
        for (kind, amount) in &remedies {
            let level = required_level(self.org.casework(), kind, *amount);
            let mut record = self.record(
                "approval",
                0,
                "pending",
                json!({"plan": n, "kind": kind, "amount_fen": amount, "requested_by": self.actor.id}),
            );
            record.subject = Some(kind.clone());
            record.level = Some(level_name(level));
            let a = self.add(record).await?;
            approvals.push(json!({"approval_id": a, "kind": kind, "amount_fen": amount, "level": level_name(level)}));
        }
        let total: u64 = remedies.iter().map(|(_, amount)| amount).sum();
        Ok(Written {
            detail: json!({"plan": n, "measures": measures.len(), "remedies": remedies_json, "approvals": approvals}),
            public: json!({"plan": n, "remedies": remedies_json, "amount_fen": total, "approvals": approvals.len()}),
            recorded: json!({"kind": "plan", "n": n, "approvals": approvals}),
        })
    }

    async fn approval(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let n = body
            .count("approval_id")?
            .ok_or_else(|| invalid("approval_id", "required", "approval_id: required"))?;
        let decision = body.required_one_of("decision", &["approved", "declined"])?;
        let note = body.text("note", 1000)?;
        let approval = self
            .records
            .iter()
            .find(|r| r.kind == "approval" && r.n == i64::try_from(n).unwrap_or(-1))
            .ok_or_else(|| {
                invalid(
                    "approval_id",
                    "unknown",
                    format!("approval_id: the case has no approval {n}"),
                )
            })?;
        if approval.state != "pending" {
            return Err(invalid(
                "approval_id",
                "not_pending",
                format!("approval_id: approval {n} is {}", approval.state),
            ));
        }
        let needed = parse_level(approval.level.as_deref().unwrap_or_default());
        if self.actor.level < needed {
            return Err(invalid(
                "staff",
                "approval_level",
                format!(
                    "staff: approval {n} needs {needed} or higher; `{}` is {}",
                    self.actor.id, self.actor.level
                ),
            ));
        }
        if !self.actor.admin && approval.body["requested_by"] == json!(self.actor.id) {
            return Err(invalid(
                "staff",
                "segregation",
                "staff: whoever proposed the plan cannot approve it",
            ));
        }
        let mut content = approval.body.clone();
        content["decision"] = json!(decision);
        content["note"] = json!(note);
        content["decided_by"] = json!(self.actor.id);
        content["decided_at"] = json!(self.now_text());
        if !sql::move_record(
            self.tx,
            &self.file.case_id,
            "approval",
            approval.n,
            "pending",
            &decision,
            &content,
        )
        .await
        .map_err(internal)?
        {
            return Err(conflict("version_mismatch", "the approval changed meanwhile", None));
        }
        let facts = json!({"approval_id": approval.n, "decision": decision, "kind": approval.body["kind"],
            "amount_fen": approval.body["amount_fen"], "level": approval.level});
        Ok(Written {
            detail: facts.clone(),
            public: facts,
            recorded: json!({"kind": "approval", "n": approval.n}),
        })
    }

    async fn extension(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let reason = body.required_text("reason", 500)?;
        let kind = calendar::DeadlineKind::Resolution;
        let deadline = sql::deadline_in(self.tx, &self.file.case_id, "resolution")
            .await
            .map_err(internal)?
            .ok_or_else(|| conflict("no_deadline", "the case has no resolution deadline to extend", None))?;
        let started_at = DateTime::parse_from_rfc3339(&deadline.started_at)
            .map_err(internal)?
            .with_timezone(&Utc);
        let ladder = deadlines::ladder(&deadline.policy, kind)
            .map_err(internal)?
            .ok_or_else(|| conflict("extension_cap_reached", "this deadline cannot be extended", None))?;
        let mut events = deadlines::resolution_events(self.records, started_at).map_err(internal)?;
        let granted = events
            .iter()
            .filter(|e| matches!(e, calendar::ClockEvent::Extended { .. }))
            .count();
        let number = granted + 1;
        let step = ladder.steps.get(granted).cloned().ok_or_else(|| {
            conflict(
                "extension_cap_reached",
                format!("no extension is left: the cap is {}", ladder.cap),
                None,
            )
        })?;
        if self.actor.level < step.approval {
            return Err(invalid(
                "staff",
                "approval_level",
                format!(
                    "staff: extension {number} needs approval by {} or higher; `{}` is {}",
                    step.approval, self.actor.id, self.actor.level
                ),
            ));
        }
        events.push(calendar::ClockEvent::Extended {
            at: self.now.max(started_at),
            reason: reason.clone(),
            approved_by: self.actor.level,
        });
        let basis = Basis {
            tenant: &self.file.tenant,
            case_id: &self.file.case_id,
            kind,
            policy: &deadline.policy,
            calendar_id: &deadline.calendar_id,
            started_at,
            version: deadline.version + 1,
        };
        let planned = deadlines::plan_with(self.calendars, &basis, &events)
            .map_err(|e| invalid("reason", "extension", format!("reason: {e}")))?
            .ok_or_else(|| conflict("no_deadline", "the case has no resolution deadline to extend", None))?;
        sql::put_deadline(self.tx, &planned.deadline, &planned.timers)
            .await
            .map_err(internal)?;
        let content = json!({"reason": reason, "step": number, "extend_to": step.extend_to.to_string(),
            "previous_due_at": deadline.due_at, "due_at": planned.deadline.due_at,
            "notify_complainant": step.notify_complainant});
        let mut record = self.record("extension", 0, "recorded", content.clone());
        record.level = Some(level_name(self.actor.level));
        record.due_at = Some(planned.deadline.due_at.clone());
        let n = self.add(record).await?;
        Ok(Written {
            detail: content,
            public: json!({"step": number, "extend_to": step.extend_to.to_string(), "due_at": planned.deadline.due_at,
                "approved_by": level_name(self.actor.level), "notify_complainant": step.notify_complainant}),
            recorded: json!({"kind": "extension", "n": n}),
        })
    }

    async fn resolve(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let result = body.required_text("result", 5000)?;
        let basis = body.text("basis", 2000)?;
        let improvements = body.text("improvements", 2000)?;
        let signed_off = body.flag("complainant_signed_off")?.unwrap_or(false);
        let money: u64 = self
            .records
            .iter()
            .filter(|r| r.kind == "approval" && r.state == "approved")
            .filter(|r| r.body["kind"] != json!("written_apology"))
            .filter_map(|r| r.body["amount_fen"].as_u64())
            .sum();
        let settlement = match body.get("settlement") {
            None => None,
            Some(value) => {
                let item = body.nested(value, "settlement")?;
                let read = || -> Result<Value, Status> {
                    let reference = item.required_text("agreement_ref", 64)?;
                    let amount = item
                        .count("amount_fen")?
                        .ok_or_else(|| invalid("amount_fen", "required", "amount_fen: required, in fen (分)"))?;
                    let signed_at = item
                        .instant("signed_at")?
                        .ok_or_else(|| invalid("signed_at", "required", "signed_at: required"))?;
                    Ok(json!({"agreement_ref": reference, "amount_fen": amount, "signed_at": instant(signed_at)}))
                };
                Some(read().map_err(|e| within(e, "settlement"))?)
            }
        };
        if money > 0 && settlement.is_none() {
            return Err(invalid(
                "settlement",
                "required",
                format!(
                    "settlement: money changes hands ({money} fen approved), so a signed settlement agreement is required"
                ),
            ));
        }
        self.file.resolved_at = Some(self.now_text());
        self.settle(&["resolution", "next_contact", "first_contact"], "met")
            .await?;
        let content = json!({"result": result, "basis": basis, "improvements": improvements,
            "complainant_signed_off": signed_off, "settlement": settlement});
        let n = self.add(self.record("resolution", 0, "recorded", content)).await?;
        Ok(Written {
            detail: json!({"resolution": n, "complainant_signed_off": signed_off, "settlement": settlement,
                "review_by": self.file.review_unit}),
            public: json!({"resolution": n, "complainant_signed_off": signed_off, "amount_fen": money,
                "settlement": settlement.is_some(), "review": self.file.review_unit.is_some()}),
            recorded: json!({"kind": "resolution", "n": n}),
        })
    }

    async fn review(&mut self, body: &Body<'_>, action: Action) -> Result<Written, Status> {
        let note = body.text("note", 1000)?;
        let rework = action == Action::ReviewRework;
        if rework && note.is_none() {
            return Err(invalid("note", "required", "note: say what must be reworked"));
        }
        if rework {
            self.file.resolved_at = None;
            sql::reopen_deadline(self.tx, &self.file.case_id, "resolution")
                .await
                .map_err(internal)?;
        }
        let outcome = if rework { "rework" } else { "approve" };
        let n = self
            .add(self.record("review", 0, "recorded", json!({"outcome": outcome, "note": note})))
            .await?;
        Ok(Written {
            detail: json!({"review": n, "outcome": outcome, "note": note}),
            public: json!({"review": n, "outcome": outcome}),
            recorded: json!({"kind": "review", "n": n}),
        })
    }

    async fn callback(&mut self, body: &Body<'_>, action: Action) -> Result<Written, Status> {
        let scores = body.scores("scores", 1, u64::from(self.org.casework().score_scale))?;
        let note = body.text("note", 1000)?;
        let at = instant(body.instant("at")?.unwrap_or(self.now));
        let outcome = match action {
            Action::CallbackFailed => "failed",
            Action::CallbackSatisfied => "satisfied",
            _ => "dissatisfied",
        };
        if action == Action::CallbackFailed {
            self.file.callback_attempts += 1;
        }
        let attempt = self.file.callback_attempts + i64::from(action != Action::CallbackFailed);
        let content = json!({"outcome": outcome, "scores": scores, "note": note, "at": at, "attempt": attempt});
        let mut record = self.record("callback", 0, "recorded", content);
        record.subject = Some(outcome.to_owned());
        let n = self.add(record).await?;
        if action != Action::CallbackFailed {
            self.settle(&["callback"], "met").await?;
        }
        Ok(Written {
            detail: json!({"callback": n, "outcome": outcome, "scores": scores, "attempt": attempt, "at": at}),
            public: json!({"callback": n, "outcome": outcome, "scores": scores, "attempt": attempt}),
            recorded: json!({"kind": "callback", "n": n}),
        })
    }

    async fn reopen(&mut self, body: &Body<'_>, action: Action) -> Result<Written, Status> {
        let reason = body.required_text("reason", 1000)?;
        let escalated = action == Action::EscalateSenior;
        self.file.reopen_count += 1;
        self.file.callback_attempts = 0;
        self.file.resolved_at = None;
        let due = self.restart_resolution().await?;
        let n = self
            .add(self.record(
                "reopen",
                0,
                "recorded",
                json!({"reason": reason, "escalate_senior": escalated, "due_at": due}),
            ))
            .await?;
        Ok(Written {
            detail: json!({"reopen": n, "reason": reason, "escalate_senior": escalated, "round": self.file.reopen_count,
                "due_at": due}),
            public: json!({"reopen": n, "escalate_senior": escalated, "round": self.file.reopen_count, "due_at": due}),
            recorded: json!({"kind": "reopen", "n": n}),
        })
    }

    async fn close(&mut self, body: &Body<'_>, action: Action) -> Result<Written, Status> {
        let conclusion = body.text("conclusion", 2000)?;
        if action == Action::Conclude && conclusion.is_none() {
            return Err(invalid(
                "conclusion",
                "required",
                "conclusion: a formal conclusion states the organisation's final position",
            ));
        }
        let n = self
            .add(self.record("closing", 0, "recorded", json!({"conclusion": conclusion})))
            .await?;
        Ok(Written {
            detail: json!({"closing": n, "conclusion": conclusion}),
            public: json!({"closing": n}),
            recorded: json!({"kind": "closing", "n": n}),
        })
    }

    async fn withdraw(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let reason = body.required_text("reason", 1000)?;
        self.settle(&[], "cancelled").await?;
        let n = self
            .add(self.record("withdrawal", 0, "recorded", json!({"reason": reason})))
            .await?;
        Ok(Written {
            detail: json!({"withdrawal": n, "reason": reason}),
            public: json!({"withdrawal": n}),
            recorded: json!({"kind": "withdrawal", "n": n}),
        })
    }

    async fn supervise(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let kind = body.required_one_of("kind", &["chase", "notice", "instruction"])?;
        let text = body.required_text("text", 2000)?;
        let due = body.instant("due_at")?;
        if kind == "notice" && due.is_none() {
            return Err(invalid(
                "due_at",
                "required",
                "due_at: a supervision notice (督办) sets its own deadline",
            ));
        }
        if let Some(due) = due
            && due <= self.now
        {
            return Err(invalid("due_at", "future", "due_at: must be in the future"));
        }
        let due_text = due.map(instant);
        let mut record = self.record(
            "supervision",
            0,
            "recorded",
            json!({"kind": kind, "text": text, "due_at": due_text}),
        );
        record.subject = Some(kind.clone());
        record.due_at = due_text.clone();
        let n = self.add(record).await?;
        if let Some(due) = due {
            self.fixed_deadline(&format!("supervision.{n}"), due).await?;
        }
        Ok(Written {
            detail: json!({"supervision": n, "kind": kind, "text": text, "due_at": due_text}),
            public: json!({"supervision": n, "kind": kind, "due_at": due_text}),
            recorded: json!({"kind": "supervision", "n": n}),
        })
    }

    async fn note(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let text = body.required_text("text", 5000)?;
        let n = self
            .add(self.record("note", 0, "recorded", json!({"text": text})))
            .await?;
        Ok(Written {
            detail: json!({"note": n, "text": text}),
            public: json!({"note": n}),
            recorded: json!({"kind": "note", "n": n}),
        })
    }

    async fn inspection(&mut self, body: &Body<'_>, action: Action) -> Result<Written, Status> {
        let scores = body.scores("scores", 0, 100)?;
        let note = body.text("note", 2000)?;
        let passed = action == Action::InspectPass;
        if !passed && note.is_none() {
            return Err(invalid(
                "note",
                "required",
                "note: say why the case fails the inspection",
            ));
        }
        let total: u64 = scores.values().filter_map(Value::as_u64).sum();
        let score = if scores.is_empty() {
            None
        } else {
            Some(total as f64 / scores.len() as f64)
        };
        let mut due = None;
        if !passed {
            self.file.closing_reason = None;
            self.file.closed_at = None;
            self.file.resolved_at = None;
            due = self.restart_resolution().await?;
        }
        let mut record = self.record(
            "inspection",
            0,
            "recorded",
            json!({"passed": passed, "scores": scores, "score": score, "note": note, "unit": self.file.unit}),
        );
        record.subject = Some(self.file.unit.clone());
        let n = self.add(record).await?;
        Ok(Written {
            detail: json!({"inspection": n, "passed": passed, "scores": scores, "score": score, "note": note,
                "due_at": due}),
            public: json!({"inspection": n, "passed": passed, "scores": scores, "score": score, "unit": self.file.unit}),
            recorded: json!({"kind": "inspection", "n": n}),
        })
    }
    /// An accountability record: who, on what ground, with which sanction. Recorded by someone at
    /// supervisor level or above who is not the person held to account; a leak, obstruction or
    /// retaliation is judged by someone outside the unit that handles the case.
    async fn sanction(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        let staff = body.required_text("subject_staff", 64)?;
        self.staff_known("subject_staff", &staff)?;
        let ground = body.required_one_of("ground", SANCTION_GROUNDS)?;
        let sanction = body.required_one_of("sanction", SANCTIONS)?;
        let note = body.required_text("note", 2000)?;
        let amount = body.count("amount_fen")?;
        match (sanction.as_str(), amount) {
            ("fine", None | Some(0)) => {
                return Err(invalid(
                    "amount_fen",
                    "required",
                    "amount_fen: a fine needs its amount in fen, more than 0",
                ));
            }
            ("fine", _) | (_, None) => {}
            (_, Some(_)) => {
                return Err(invalid(
                    "amount_fen",
                    "only_for_fine",
                    "amount_fen: only a fine carries an amount",
                ));
            }
        }
        if !self.actor.admin {
            if self.actor.id == staff {
                return Err(invalid(
                    "subject_staff",
                    "self",
                    "subject_staff: nobody records their own accountability",
                ));
            }
            if self.actor.level < ApprovalLevel::Supervisor {
                return Err(invalid(
                    "staff",
                    "approval_level",
                    format!(
                        "staff: an accountability record needs {} or higher; `{}` is {}",
                        ApprovalLevel::Supervisor,
                        self.actor.id,
                        self.actor.level
                    ),
                ));
            }
            if ground != "missed_deadline" && self.actor.inside(&self.file.unit) {
                return Err(invalid(
                    "staff",
                    "independence",
                    format!(
                        "staff: `{}` is of {}, which handles the case; {ground} is judged from outside it",
                        self.actor.id, self.file.unit
                    ),
                ));
            }
        }
        let unit = self.org.staff(&staff).map(|m| m.unit.clone());
        let content = json!({"staff": staff, "unit": unit, "ground": ground, "sanction": sanction,
            "amount_fen": amount, "note": note});
        let mut record = self.record("sanction", 0, "recorded", content);
        record.subject = Some(staff.clone());
        let n = self.add(record).await?;
        let facts = json!({"sanction_id": n, "staff": staff, "unit": unit, "ground": ground, "sanction": sanction,
            "amount_fen": amount});
        Ok(Written {
            detail: facts.clone(),
            public: facts,
            recorded: json!({"kind": "sanction", "n": n}),
        })
    }

    /// The reward for a substantiated report: only with the reporter's consent, once per case,
    /// as a share of the fine or of the value recovered within the shares allowed, or a
    /// discretionary amount; decided outside the handling unit at the level the authority
    /// matrix sets for the amount. The record never names the reporter.
    async fn reward(&mut self, body: &Body<'_>) -> Result<Written, Status> {
        if body.flag("reporter_consent")? != Some(true) {
            return Err(invalid(
                "reporter_consent",
                "consent_required",
                "reporter_consent: a reward is granted only with the reporter's consent (true)",
            ));
        }
        if self.file.kind != "report" {
            return Err(conflict(
                "not_a_report",
                format!(
                    "a reward is for a report of misconduct; this case is a {}",
                    self.file.kind
                ),
                None,
            ));
        }
        if self.records.iter().any(|r| r.kind == "reward") {
            return Err(conflict(
                "already_rewarded",
                "the report has already been rewarded",
                None,
            ));
        }
        let basis = body.required_one_of("basis", &["fine_share", "recovered_share", "discretionary"])?;
        let amount_of = |field: &str| -> Result<u64, Status> {
            match body.count(field)? {
                Some(amount) if amount > 0 => Ok(amount),
                _ => Err(invalid(
                    field,
                    "required",
                    format!("{field}: required, in fen, more than 0"),
                )),
            }
        };
        let (base, percent, amount) = match basis.as_str() {
            "discretionary" => (None, None, amount_of("amount_fen")?),
            share => {
                let base = amount_of("base_amount_fen")?;
                let rules = self.org.casework();
                let range = if share == "fine_share" {
                    rules.fine_share
                } else {
                    rules.recovered_share
                };
                let percent = body
                    .count("percent")?
                    .ok_or_else(|| invalid("percent", "required", "percent: required for a share"))?;
                if !range.contains(percent) {
                    return Err(invalid(
                        "percent",
                        "range",
                        format!("percent: a {share} is {}% to {}%", range.from, range.to),
                    ));
                }
                let amount = base.saturating_mul(percent) / 100;
                (Some(base), Some(percent), amount)
            }
        };
        let needed = required_level(self.org.casework(), "reward", amount);
        if self.actor.level < needed {
            return Err(invalid(
                "staff",
                "approval_level",
                format!(
                    "staff: a reward of {amount} fen needs {needed} or higher; `{}` is {}",
                    self.actor.id, self.actor.level
                ),
            ));
        }
        let publicise = body.flag("publicise")?.unwrap_or(false);
        let note = body.text("note", 2000)?;
        let content = json!({"basis": basis, "base_amount_fen": base, "percent": percent, "amount_fen": amount,
            "reporter_consent": true, "publicise": publicise, "note": note});
        let mut record = self.record("reward", 0, "granted", content);
        record.level = Some(level_name(needed));
        let n = self.add(record).await?;
        let facts = json!({"reward_id": n, "basis": basis, "amount_fen": amount, "level": level_name(needed)});
        Ok(Written {
            detail: facts.clone(),
            public: facts,
            recorded: json!({"kind": "reward", "n": n}),
        })
    }
}

impl Casework {
    /// The file as the API shows it; `known: false` before the first dispatch reached it.
    pub async fn view(&self, tenant: &str, case_id: &str, recorded: Option<&Value>) -> Result<FileView, Status> {
        let Some(file) = sql::casefile(&self.db, tenant, case_id).await.map_err(internal)? else {
            return Ok(FileView::default());
        };
        let records = sql::records(&self.db, tenant, case_id).await.map_err(internal)?;
        let deadlines = sql::deadlines_of(&self.db, tenant, case_id).await.map_err(internal)?;
        let org = self.directories.get(tenant).await.map_err(internal)?;
        let facts = facts(&file, &records, org.casework());
        let allowed = allowed_api(status_of(&file)?, &facts);
        let casework = json!({"facts": facts_json(&facts), "handler": file.handler,
            "first_contact_at": file.first_contact_at, "resolved_at": file.resolved_at, "closed_at": file.closed_at,
            "records": records.iter().map(record_json).collect::<Vec<_>>()});
        Ok(FileView {
            known: true,
            status: file.status,
            unit: file.unit,
            deadlines: deadlines.iter().map(deadlines::wire).collect(),
            version: u64::try_from(file.version).unwrap_or(0),
            handler: file.handler.unwrap_or_default(),
            allowed,
            closing_reason: file.closing_reason.unwrap_or_default(),
            review_unit: file.review_unit.unwrap_or_default(),
            casework_json: casework.to_string(),
            recorded_json: recorded.map(Value::to_string).unwrap_or_default(),
        })
    }

    /// Takes one casework action.
    pub async fn act(&self, tenant: &str, request: ActRequest) -> Result<FileView, Status> {
        let case_id = runtime::grpc::case_id(&request.case_id)?.to_string();
        let api = request.action.as_str();
        if !API_ACTIONS.contains(&api) {
            return Err(invalid(
                "action",
                "one_of",
                format!("action: `{api}` is not a casework action"),
            ));
        }
        let parsed: Value = if request.body_json.trim().is_empty() {
            json!({})
        } else {
            serde_json::from_str(&request.body_json).map_err(|_| invalid("body", "json", "body: not JSON"))?
        };
        let Value::Object(fields) = parsed else {
            return Err(invalid("body", "object", "body: must be a JSON object"));
        };
        let body = Body { fields: &fields };
        let org = self.directories.get(tenant).await.map_err(internal)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await.map_err(internal)?;
        let Some(mut file) = sql::casefile_for_update(&mut tx, tenant, &case_id)
            .await
            .map_err(internal)?
        else {
            return Err(conflict(
                "not_ready",
                "investigation has no file for this case yet: it opens at the first dispatch",
                None,
            ));
        };
        if request.expected_version != 0 && request.expected_version != u64::try_from(file.version).unwrap_or(0) {
            return Err(status(
                ErrorCode::Conflict,
                "version_mismatch",
                &format!(
                    "the case file is at version {}, not {}",
                    file.version, request.expected_version
                ),
                Some("If-Match"),
            ));
        }
        let records = sql::records_in(&mut tx, &case_id).await.map_err(internal)?;
        let current = status_of(&file)?;
        let action = step_of(api, current, &fields, org.casework())?;
        let mut guard_facts = facts(&file, &records, org.casework());
        if action == Action::Finding {
            let responsible = body.text("responsible_staff", 64)?;
            let named = body.flag("against_named_person")?.unwrap_or(responsible.is_some());
            guard_facts.finding_against_named_person = named;
            guard_facts.hearing_signed_off = responsible.as_deref().is_some_and(|s| signed_hearing(&records, s));
        }
        let step = lifecycle::step(current, action, &guard_facts).map_err(|refused| {
            let allowed = api_names(&refused.allowed);
            conflict(
                refused.reason.as_str(),
                format!(
                    "`{api}` ({}) is not allowed while the case is {}: {}",
                    action.as_str(),
                    current.as_str(),
                    refused.reason.label(Language::En)
                ),
                Some(json!({"current_state": current.as_str(), "allowed": allowed,
                    "refused_step": action.as_str(), "reason": refused.reason.as_str()})),
            )
        })?;
        let actor = Actor::resolve(&org, &request.staff)?;
        check_who(&actor, &file, action)?;
        let previous = file.status.clone();
        let written = {
            let mut doing = Doing {
                tx: &mut tx,
                file: &mut file,
                records: &records,
                actor: &actor,
                org: &org,
                now,
                calendars: &self.calendars,
            };
            use Action as A;
            match action {
                A::Assign => doing.assign(&body).await?,
                A::FirstContact | A::ProgressUpdate | A::ResultNotice => doing.contact(&body, action).await?,
                A::Task => doing.task(&body).await?,
                A::TaskDone => doing.task_done(&body).await?,
                A::Hearing => doing.hearing(&body).await?,
                A::Finding => doing.finding(&body).await?,
                A::Plan => doing.plan(&body).await?,
                A::Approval => doing.approval(&body).await?,
                A::Extension => doing.extension(&body).await?,
                A::Resolve => doing.resolve(&body).await?,
                A::ReviewApprove | A::ReviewRework => doing.review(&body, action).await?,
                A::CallbackFailed | A::CallbackSatisfied | A::CallbackDissatisfied => {
                    doing.callback(&body, action).await?
                }
                A::Reopen | A::EscalateSenior => doing.reopen(&body, action).await?,
                A::Close | A::Conclude => doing.close(&body, action).await?,
                A::Withdraw => doing.withdraw(&body).await?,
                A::Supervise => doing.supervise(&body).await?,
                A::Note => doing.note(&body).await?,
                A::InspectPass | A::InspectRework => doing.inspection(&body, action).await?,
                A::Sanction => doing.sanction(&body).await?,
                A::Reward => doing.reward(&body).await?,
                other => {
                    return Err(invalid(
                        "action",
                        "one_of",
                        format!("action: `{}` is not a casework step", other.as_str()),
                    ));
                }
            }
        };
        let now_text = instant(now);
        file.status = step.next.as_str().to_owned();
        if let Some(reason) = step.closing {
            file.closing_reason = Some(reason.as_str().to_owned());
            file.closed_at = Some(now_text.clone());
            sql::settle_deadlines(&mut tx, &case_id, &[], "met")
                .await
                .map_err(internal)?;
        }
        if step.next == CaseStatus::Investigating && current != CaseStatus::Investigating {
            file.closing_reason = None;
            file.closed_at = None;
        }
        file.version += 1;
        if !sql::save_casefile(&mut tx, &file).await.map_err(internal)? {
            return Err(status(
                ErrorCode::Conflict,
                "version_mismatch",
                "the case file changed meanwhile",
                Some("If-Match"),
            ));
        }
        let event_type = match action {
            _ if step.closing.is_some() => "case.closed",
            Action::Resolve => "case.resolved",
            Action::Reopen | Action::EscalateSenior | Action::InspectRework => "case.reopened",
            _ => "case.progressed",
        };
        let event = CaseProgressed {
            action: api.to_owned(),
            step: action.as_str().to_owned(),
            previous_status: previous.clone(),
            status: file.status.clone(),
            actor: actor.id.clone(),
            at: now_text.clone(),
            unit: file.unit.clone(),
            closing_reason: step.closing.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            reopen_count: u32::try_from(file.reopen_count).unwrap_or(u32::MAX),
            facts_json: written.public.to_string(),
        };
        let mut detail = written.detail;
        if let Value::Object(map) = &mut detail {
            map.insert("status".into(), json!(file.status));
            map.insert("previous_status".into(), json!(previous));
            if let Some(reason) = step.closing {
                map.insert("closing_reason".into(), json!(reason.as_str()));
            }
        }
        let origin = Origin::at(SERVICE, now);
        let new_event = NewEvent {
            tenant: tenant.to_owned(),
            event_type,
            case_id: uuid::Uuid::parse_str(&case_id).map_err(internal)?,
            payload: Bytes::from(event.encode_to_vec()),
        };
        store::messaging::emit_by(&mut tx, &origin, new_event, &actor.id, action.as_str(), &detail)
            .await
            .map_err(internal)?;
        self.db.commit(tx).await.map_err(internal)?;
        self.view(tenant, &case_id, Some(&written.recorded)).await
    }

    /// What the accused sees: the summaries the handler wrote for the hearings of `staff`, and
    /// the finding's outcome and clearance note about them. Nothing else of the case.
    pub async fn hearing_summary(
        &self,
        tenant: &str,
        case_id: &str,
        staff: &str,
    ) -> Result<HearingSummaryView, Status> {
        let Some(file) = sql::casefile(&self.db, tenant, case_id).await.map_err(internal)? else {
            return Ok(HearingSummaryView::default());
        };
        let about = sql::about_staff(&self.db, tenant, case_id, staff)
            .await
            .map_err(internal)?;
        let finding = about.iter().rev().find(|r| r.kind == "finding");
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        let hearings: Vec<HearingSummary> = about
            .iter()
            .filter(|r| r.kind == "hearing")
            .map(|r| HearingSummary {
                n: u32::try_from(r.n).unwrap_or(0),
                held_at: text(&r.body["held_at"]),
                summary: text(&r.body["summary"]),
                signed_off: r.body["signed_off"] == Value::Bool(true),
                outcome: finding.map(|f| text(&f.body["outcome"])).unwrap_or_default(),
                clearance_note: finding.map(|f| text(&f.body["clearance_note"])).unwrap_or_default(),
            })
            .collect();
        Ok(HearingSummaryView {
            known: !hearings.is_empty(),
            kind: file.kind,
            status: file.status,
            opened_at: file.opened_at,
            hearings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_action_maps_to_steps_and_back() {
        let empty = Map::new();
        for api in API_ACTIONS {
            let mut fields = empty.clone();
            fields.insert("purpose".into(), json!("first"));
            fields.insert("outcome".into(), json!("approve"));
            fields.insert("passed".into(), json!(true));
            let step = match *api {
                "callbacks" => {
                    fields.insert("outcome".into(), json!("failed"));
                    step_of(api, CaseStatus::AwaitingCallback, &fields, &CaseworkRules::default())
                }
                _ => step_of(api, CaseStatus::Investigating, &fields, &CaseworkRules::default()),
            }
            .expect("a step");
            assert_eq!(api_of(step), *api, "{api} → {}", step.as_str());
        }
    }

    #[test]
    fn a_callback_of_scores_only_is_satisfied_from_the_threshold() {
        let scores_under = |values: &[u64], rules: &CaseworkRules| {
            let mut fields = Map::new();
            let map: Map<String, Value> = values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("d{i}"), json!(v)))
                .collect();
            fields.insert("scores".into(), Value::Object(map));
            step_of("callbacks", CaseStatus::AwaitingCallback, &fields, rules)
        };
        let shipped = CaseworkRules::default();
        let scores = |values: &[u64]| scores_under(values, &shipped);
        assert_eq!(scores(&[4, 4, 5]).expect("step"), Action::CallbackSatisfied);
        assert_eq!(scores(&[4, 3, 4]).expect("step"), Action::CallbackDissatisfied);
        assert!(scores(&[6]).is_err(), "a score above the scale is refused");
        assert!(step_of("callbacks", CaseStatus::AwaitingCallback, &Map::new(), &shipped).is_err());
        // An organisation on a 1–3 scale (satisfied / fairly satisfied / dissatisfied) that counts
        // "fairly satisfied" (2) as satisfied.
        let three = CaseworkRules {
            score_scale: 3,
            satisfied_from: 2,
            ..CaseworkRules::default()
        };
        assert_eq!(scores_under(&[2, 2], &three).expect("step"), Action::CallbackSatisfied);
        assert_eq!(
            scores_under(&[1, 2], &three).expect("step"),
            Action::CallbackDissatisfied
        );
        assert!(scores_under(&[4], &three).is_err(), "4 is off a 1–3 scale");
    }

    #[test]
    fn the_authority_matrix_rises_with_the_amount() {
        let rules = CaseworkRules::default();
        assert_eq!(required_level(&rules, "written_apology", 0), ApprovalLevel::Supervisor);
        assert_eq!(required_level(&rules, "gift", 50_000), ApprovalLevel::Supervisor);
        assert_eq!(required_level(&rules, "gift", 50_001), ApprovalLevel::DepartmentHead);
        assert_eq!(
            required_level(&rules, "compensation", 100_000),
            ApprovalLevel::Supervisor
        );
        assert_eq!(
            required_level(&rules, "compensation", 500_000),
            ApprovalLevel::DepartmentHead
        );
        assert_eq!(
            required_level(&rules, "refund", 1_000_001),
            ApprovalLevel::SeniorManagement
        );
        // An organisation whose store managers may approve any gift.
        let generous = CaseworkRules {
            authority: vec![
                directory::AuthorityRule {
                    remedy: "gift".into(),
                    up_to_fen: None,
                    level: "supervisor".into(),
                },
                directory::AuthorityRule {
                    remedy: "*".into(),
                    up_to_fen: None,
                    level: "senior_management".into(),
                },
            ],
            ..CaseworkRules::default()
        };
        assert_eq!(required_level(&generous, "gift", 9_000_000), ApprovalLevel::Supervisor);
        assert_eq!(required_level(&generous, "refund", 1), ApprovalLevel::SeniorManagement);
    }

    const STORE_ORG: &str = r#"{"units": [
        {"id": "hq", "kind": "group", "name_zh": "总部", "name_en": "Head office"},
        {"id": "store", "kind": "store", "parent": "hq", "name_zh": "门店", "name_en": "Store"}],
      "staff": [
        {"id": "store-crm", "unit": "store", "display_name": "store-crm", "roles": ["crm_manager"]},
        {"id": "store-service", "unit": "store", "display_name": "store-service", "roles": ["handler"]},
        {"id": "accused", "unit": "store", "display_name": "accused", "roles": ["handler"]},
        {"id": "hq-agent", "unit": "hq", "display_name": "hq-agent", "roles": ["handler"]},
        {"id": "hq-gm", "unit": "hq", "display_name": "hq-gm", "roles": ["general_manager"]}]}"#;

    async fn casework() -> (tempfile::TempDir, Casework) {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("investigation.db").display());
        let db = Db::connect(&url, crate::store::MIGRATIONS, store::OpenOptions::default())
            .await
            .expect("opens");
        let mut tx = db.begin().await.expect("tx");
        sqlx::query("INSERT INTO directories (tenant, version, published_at, body_json) VALUES ('t', 1, '', $1)")
            .bind(STORE_ORG)
            .execute(&mut *tx)
            .await
            .expect("directory stored");
        db.commit(tx).await.expect("commits");
        let start = DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
            .expect("instant")
            .with_timezone(&Utc);
        let casework = Casework {
            directories: Arc::new(Directories::new(db.clone())),
            db,
            clock: Arc::new(domain::clock::ManualClock::new(start)),
            calendars: Arc::new(calendar::Registry::builtin()),
        };
        (dir, casework)
    }

    /// A file of the store in `status`, with its resolution deadline, as a dispatch opens it.
    async fn file_in(casework: &Casework, status: CaseStatus) -> String {
        let case_id = uuid::Uuid::now_v7().to_string();
        let now = casework.clock.now();
        let mut tx = casework.db.begin().await.expect("tx");
        let file = sql::File {
            case_id: case_id.clone(),
            tenant: "t".into(),
            status: status.as_str().into(),
            unit: "store".into(),
            kind: "complaint".into(),
            policy: "dealership_store".into(),
            calendar_id: "cn".into(),
            opened_at: instant(now),
            version: 1,
            review_unit: None,
            anonymous: false,
        };
        assert!(sql::open_file(&mut tx, &file).await.expect("opens"));
        let basis = Basis {
            tenant: "t",
            case_id: &case_id,
            kind: calendar::DeadlineKind::Resolution,
            policy: "dealership_store",
            calendar_id: "cn",
            started_at: now,
            version: 1,
        };
        let planned = deadlines::plan(&casework.calendars, &basis)
            .expect("plans")
            .expect("a resolution rule");
        sql::insert_deadline(&mut tx, &planned.deadline, &planned.timers)
            .await
            .expect("deadline");
        casework.db.commit(tx).await.expect("commits");
        case_id
    }

    /// Every API action with a body that breaks no rule of its own, one per lifecycle step.
    fn bodies() -> Vec<(&'static str, Value)> {
        let later = "2026-11-30T02:00:00Z";
        vec![
            ("assign", json!({"assignee": "store-service"})),
            ("contact", json!({"purpose": "first", "method": "phone"})),
            (
                "contact",
                json!({"purpose": "progress", "method": "sms", "next_contact_at": later}),
            ),
            ("contact", json!({"purpose": "result", "method": "letter"})),
            (
                "tasks",
                json!({"department": "parts", "title": "check stock", "due_at": later}),
            ),
            ("tasks", json!({"task_id": 1, "outcome": "done"})),
            (
                "hearings",
                json!({"subject_staff": "accused", "statement": "s", "summary": "s", "signed_off": true}),
            ),
            ("findings", json!({"outcome": "unsubstantiated"})),
            ("plans", json!({"measures": ["apologise"]})),
            ("approvals", json!({"approval_id": 1, "decision": "approved"})),
            ("extensions", json!({"reason": "complex"})),
            ("resolve", json!({"result": "r"})),
            ("review", json!({"outcome": "approve"})),
            ("review", json!({"outcome": "rework", "note": "n"})),
            ("callbacks", json!({"outcome": "failed"})),
            ("callbacks", json!({"outcome": "satisfied"})),
            ("callbacks", json!({"outcome": "dissatisfied"})),
            ("reopen", json!({"reason": "r"})),
            ("reopen", json!({"reason": "r", "escalate_senior": true})),
            ("close", json!({"conclusion": "c"})),
            ("withdraw", json!({"reason": "r"})),
            ("supervise", json!({"kind": "chase", "text": "t"})),
            ("notes", json!({"text": "t"})),
            ("inspections", json!({"passed": true})),
            ("inspections", json!({"passed": false, "note": "n"})),
            (
                "sanctions",
                json!({"subject_staff": "accused", "ground": "missed_deadline", "sanction": "warning", "note": "n"}),
            ),
            (
                "rewards",
                json!({"reporter_consent": true, "basis": "discretionary", "amount_fen": 10_000}),
            ),
        ]
    }

    /// The table of every status against every action through the Act RPC's implementation: each
    /// is taken exactly when the lifecycle allows it (to the status it says), and refused with the
    /// lifecycle's reason otherwise, an illegal step as `invalid_transition` naming the current
    /// status and the API actions allowed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_action_in_every_status_is_taken_or_refused_as_the_lifecycle_says() {
        let (_dir, casework) = casework().await;
        let mut taken = 0;
        let mut refused = 0;
        for status in CaseStatus::ALL.iter().copied() {
            for (api, body) in bodies() {
                let case_id = file_in(&casework, status).await;
                let fields = body.as_object().expect("object").clone();
                let action = step_of(api, status, &fields, &CaseworkRules::default()).expect("a step");
                let file = sql::casefile(&casework.db, "t", &case_id)
                    .await
                    .expect("reads")
                    .expect("file");
                let facts = facts(&file, &[], &CaseworkRules::default());
                let expected = lifecycle::step(status, action, &facts);
                let request = ActRequest {
                    case_id: case_id.clone(),
                    action: api.to_owned(),
                    staff: "admin".to_owned(),
                    expected_version: 1,
                    body_json: body.to_string(),
                };
                let answer = casework.act("t", request).await;
                let pair = format!("{} × {api} ({})", status.as_str(), action.as_str());
                match (expected, answer) {
                    (Ok(step), Ok(view)) => {
                        assert_eq!(view.status, step.next.as_str(), "{pair}");
                        assert_eq!(view.version, 2, "{pair}");
                        taken += 1;
                    }
                    (Err(refusal), Err(error)) => {
                        assert_eq!(error.code(), tonic::Code::FailedPrecondition, "{pair}: {error:?}");
                        let code = error.metadata().get(runtime::grpc::ERROR_CODE_METADATA);
                        assert_eq!(
                            code.and_then(|c| c.to_str().ok()),
                            Some(refusal.reason.as_str()),
                            "{pair}"
                        );
                        let details: Value = serde_json::from_str(
                            error
                                .metadata()
                                .get("x-redress-error-details")
                                .and_then(|d| d.to_str().ok())
                                .expect("details"),
                        )
                        .expect("json");
                        assert_eq!(details["current_state"], status.as_str(), "{pair}");
                        assert_eq!(details["allowed"], json!(allowed_api(status, &facts)), "{pair}");
                        let after = sql::casefile(&casework.db, "t", &case_id)
                            .await
                            .expect("reads")
                            .expect("file");
                        assert_eq!(
                            (after.status.as_str(), after.version),
                            (status.as_str(), 1),
                            "{pair}: unchanged"
                        );
                        refused += 1;
                    }
                    (expected, answer) => panic!("{pair}: the lifecycle says {expected:?}, the API {answer:?}"),
                }
            }
        }
        assert_eq!(taken + refused, CaseStatus::ALL.len() * bodies().len());
        assert!(taken > 40 && refused > 200, "taken {taken}, refused {refused}");
    }

    /// Takes `api` on the case as `staff`, answering the error's field and rule on a refusal.
    async fn try_act(
        casework: &Casework,
        case_id: &str,
        staff: &str,
        api: &str,
        body: Value,
    ) -> Result<FileView, String> {
        let request = ActRequest {
            case_id: case_id.to_owned(),
            action: api.to_owned(),
            staff: staff.to_owned(),
            expected_version: 0,
            body_json: body.to_string(),
        };
        casework.act("t", request).await.map_err(|error| {
            let meta = |key: &str| {
                error
                    .metadata()
                    .get(key)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let details = meta("x-redress-error-details");
            let rule = serde_json::from_str::<Value>(&details)
                .ok()
                .and_then(|d| d[0]["rule"].as_str().map(str::to_owned));
            format!(
                "{}:{}",
                meta(runtime::grpc::ERROR_FIELD_METADATA),
                rule.unwrap_or_else(|| meta(runtime::grpc::ERROR_CODE_METADATA))
            )
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn accountability_and_rewards_keep_their_rules() {
        let (_dir, casework) = casework().await;
        let case_id = file_in(&casework, CaseStatus::Investigating).await;
        let sanction = |staff: &str, ground: &str, sanction: &str| json!({"subject_staff": staff, "ground": ground, "sanction": sanction, "note": "did not call back in time"});
        let refusals = [
            (
                "store-service",
                sanction("accused", "missed_deadline", "warning"),
                "staff:approval_level",
            ),
            (
                "store-crm",
                sanction("store-crm", "missed_deadline", "warning"),
                "subject_staff:self",
            ),
            (
                "store-crm",
                sanction("accused", "retaliation", "demerit"),
                "staff:independence",
            ),
            ("hq-gm", sanction("accused", "gossip", "warning"), "ground:one_of"),
            ("hq-gm", sanction("accused", "leak", "fine"), "amount_fen:required"),
            ("hq-gm", sanction("nobody", "leak", "warning"), "subject_staff:unknown"),
        ];
        for (staff, body, expected) in refusals {
            let error = try_act(&casework, &case_id, staff, "sanctions", body.clone())
                .await
                .expect_err("refused");
            assert_eq!(error, expected, "{staff} {body}");
        }
        let mut fine = sanction("accused", "leak", "fine");
        fine["amount_fen"] = json!(50_000);
        let view = try_act(&casework, &case_id, "hq-gm", "sanctions", fine)
            .await
            .expect("recorded");
        assert_eq!(view.status, "investigating");
        try_act(
            &casework,
            &case_id,
            "store-crm",
            "sanctions",
            sanction("accused", "missed_deadline", "reminder"),
        )
        .await
        .expect("the unit's manager records a missed deadline");
        let casework_json: Value =
            serde_json::from_str(&casework.view("t", &case_id, None).await.expect("view").casework_json).expect("json");
        let sanctions: Vec<&Value> = casework_json["records"]
            .as_array()
            .expect("records")
            .iter()
            .filter(|r| r["kind"] == "sanction")
            .collect();
        assert_eq!(sanctions.len(), 2);
        assert_eq!(sanctions[0]["subject"], "accused");
        assert_eq!(sanctions[0]["body"]["amount_fen"], 50_000);
        assert_eq!(sanctions[0]["body"]["unit"], "store");

        let reward =
            json!({"reporter_consent": true, "basis": "fine_share", "base_amount_fen": 1_000_000, "percent": 30});
        let refused = try_act(&casework, &case_id, "hq-gm", "rewards", reward.clone())
            .await
            .expect_err("refused");
        assert_eq!(refused, ":invalid_transition", "no reward while investigating");
        try_act(
            &casework,
            &case_id,
            "store-crm",
            "findings",
            json!({"outcome": "substantiated", "root_cause": "fee abuse"}),
        )
        .await
        .expect("finding");
        let mut tx = casework.db.begin().await.expect("tx");
        sqlx::query("UPDATE files SET status = 'closed' WHERE case_id = $1")
            .bind(&case_id)
            .execute(&mut *tx)
            .await
            .expect("closed");
        casework.db.commit(tx).await.expect("commits");
        let refused = try_act(&casework, &case_id, "hq-gm", "rewards", reward.clone())
            .await
            .expect_err("refused");
        assert_eq!(refused, ":not_a_report", "a complaint earns no reward");
        let mut tx = casework.db.begin().await.expect("tx");
        sqlx::query("UPDATE files SET kind = 'report' WHERE case_id = $1")
            .bind(&case_id)
            .execute(&mut *tx)
            .await
            .expect("a report");
        casework.db.commit(tx).await.expect("commits");
        let without_consent = json!({"basis": "discretionary", "amount_fen": 10_000});
        let cases = [
            ("hq-gm", without_consent, "reporter_consent:consent_required"),
            ("store-crm", reward.clone(), "staff:independence"),
            ("hq-agent", reward.clone(), "staff:approval_level"),
            (
                "hq-gm",
                json!({"reporter_consent": true, "basis": "fine_share", "base_amount_fen": 1_000_000, "percent": 60}),
                "percent:range",
            ),
            (
                "hq-gm",
                json!({"reporter_consent": true, "basis": "recovered_share", "percent": 15}),
                "base_amount_fen:required",
            ),
        ];
        for (staff, body, expected) in cases {
            let error = try_act(&casework, &case_id, staff, "rewards", body.clone())
                .await
                .expect_err("refused");
            assert_eq!(error, expected, "{staff} {body}");
        }
        let granted = try_act(&casework, &case_id, "hq-gm", "rewards", reward.clone())
            .await
            .expect("granted");
        let recorded: Value = serde_json::from_str(&granted.recorded_json).expect("json");
        assert_eq!(recorded["kind"], "reward");
        let casework_json: Value = serde_json::from_str(&granted.casework_json).expect("json");
        let reward_record = casework_json["records"]
            .as_array()
            .expect("records")
            .iter()
            .find(|r| r["kind"] == "reward")
            .expect("reward")
            .clone();
        assert_eq!(reward_record["body"]["amount_fen"], 300_000, "30% of 10 000 yuan");
        assert_eq!(reward_record["level"], "department_head");
        let again = try_act(&casework, &case_id, "hq-gm", "rewards", reward)
            .await
            .expect_err("once");
        assert_eq!(again, ":already_rewarded");
    }

    #[test]
    fn a_nested_field_error_names_its_path() {
        let error = within(invalid("owner", "required", "owner: required"), "corrective_actions[1]");
        assert_eq!(
            error
                .metadata()
                .get(runtime::grpc::ERROR_FIELD_METADATA)
                .and_then(|v| v.to_str().ok()),
            Some("corrective_actions[1].owner")
        );
        assert_eq!(error.message(), "corrective_actions[1].owner: required");
        let details = error
            .metadata()
            .get("x-redress-error-details")
            .and_then(|v| v.to_str().ok())
            .expect("details");
        assert!(details.contains(r#""rule":"required""#), "{details}");
    }
}

//! Registration: validate, number, encrypt, store, and (for complete submissions) accept —
//! all in one transaction with the events it produces.

use std::sync::Arc;

use catalog::Catalog;
use chrono::{DateTime, Utc};
use domain::complaint::{ComplaintInput, NewComplaint};
use domain::vocabulary::Kind;
use domain::{CaseId, Clock, FieldError, Tenant};
use rpc::timeline::v1::Deadline;
use sha2::{Digest, Sha256};
use store::Db;

use crate::cipher::Cipher;
use crate::store::{self as sql, CaseRow};

/// Why a registration was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid complaint: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("the idempotency key was used with a different body")]
    IdempotencyKeyReused,
    #[error("storage: {0}")]
    Store(#[from] store::Error),
    #[error("encryption: {0}")]
    Cipher(#[from] crate::cipher::Error),
    #[error("calendar {0} is not loaded")]
    UnknownCalendar(String),
    #[error("policy {0} is not known")]
    UnknownPolicy(String),
    #[error("the acknowledgement deadline: {0}")]
    Deadline(#[from] calendar::Error),
    #[error("the batch this registration was written in failed: {0}")]
    Batch(String),
    #[error("attachments: {0}")]
    Attachments(#[from] crate::web::attachments::Error),
}

/// What acceptance fixes for the case's life: the acknowledgement deadline (when the policy
/// has one) and the policy's version.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub acknowledgement: Option<Deadline>,
    pub policy_version: u32,
}

/// A registration ready to write: validated, encrypted, its deadlines computed.
#[derive(Debug)]
pub struct Prepared {
    pub tenant: Tenant,
    pub now: DateTime<Utc>,
    /// The tenant's case-number format and the period (the Beijing day, month or year) whose
    /// sequence numbers the case (decision 0010).
    pub number_format: crate::numbers::CaseNumberFormat,
    pub period: String,
    pub case_id: CaseId,
    /// (key hash, body SHA-256) of an idempotency key.
    pub idempotency: Option<(String, String)>,
    /// The row, its case number still empty.
    pub row: CaseRow,
    pub complaint: NewComplaint,
    /// `Some` when the case is accepted at once.
    pub acceptance: Option<Acceptance>,
    pub registered_by: String,
    /// Keyed pseudonyms for routing (see `CaseRegistered`): the complainant, the matter.
    pub complainant_ref: String,
    pub matter_ref: String,
    /// The e-mail it comes from, remembered in the same transaction (decision 0006).
    pub mail: Option<MailReceipt>,
    /// Days back a repeat is looked for (decision 0007).
    pub repeat_window_days: u32,
    /// `Some` when the case is rejected at registration (a time bar).
    pub rejection: Option<domain::vocabulary::RejectionReason>,
    /// Imported history (back-dated): no acceptance, no pseudonyms.
    pub imported: bool,
    /// An import's "handled in time" flag: `yes`, `no` or empty (decision 0012).
    pub imported_timely: String,
    /// The receipt code and attachments of the web channel (decision 0008).
    pub web: crate::web::WebParts,
    /// What the case's channel adds, written in the same transaction (decision 0009).
    pub channel: crate::channels::Extras,
    /// The identity document, role, vehicle and bank blocks, encrypted (decision 0010).
    pub particulars: Option<crate::particulars::ParticularsRow>,
    /// The customer the registration is confirmed as (decision 0011).
    pub customer: crate::customers::Confirmation,
}

/// The message a registration by e-mail comes from, with its attachments (encrypted for the
/// case): the ledger remembers both in the registration's transaction, and replays the case of
/// a message it already remembers instead of numbering a second one.
#[derive(Debug, Clone)]
pub struct MailReceipt {
    /// Its `case_id` is filled in by the ledger.
    pub message: sql::MailMessageRow,
    pub attachments: Vec<sql::AttachmentRow>,
}

/// The acknowledgement deadline of a policy, counted from receipt; `None` when the policy sets
/// no acknowledgement.
pub(crate) fn acknowledgement_due(
    policy: &calendar::Policy,
    calendar: &calendar::Calendar,
    received_at: DateTime<Utc>,
) -> Result<Option<(DateTime<Utc>, bool)>, Error> {
    if policy.rule(calendar::DeadlineKind::Acknowledgement, None).is_none() {
        return Ok(None);
    }
    let rule = policy.clock_rule(calendar::DeadlineKind::Acknowledgement, None)?;
    let clock = calendar::SlaClock::from_events(rule, &[calendar::ClockEvent::Started { at: received_at }])?;
    let due = clock.due(calendar);
    Ok(Some((due.at, due.provisional)))
}

/// The outcome of a registration.
#[derive(Debug, Clone)]
pub struct Registered {
    pub case_id: String,
    pub case_number: String,
    /// `received`, `accepted`, `rejected` or `closed` (an imported closed case).
    pub status: &'static str,
    pub received_at: DateTime<Utc>,
    pub replayed: bool,
    pub acknowledgement: Option<Deadline>,
    /// An anonymous case's receipt code, on the first answer only (decision 0008).
    pub receipt_code: Option<String>,
    /// The files registered with it.
    pub attachments: Vec<crate::web::AttachmentFacts>,
    /// The outside source's deadline, a deadline of the case (decision 0009).
    pub source_deadline: Option<Deadline>,
    /// The scans and signatures the registration kept.
    pub files: Vec<crate::channels::FileFacts>,
}

/// An idempotency key as the console passes it.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub scope: String,
    pub body_sha256: String,
}

/// Who registers and how.
#[derive(Debug, Clone)]
pub struct Submission {
    pub input: ComplaintInput,
    pub idempotency: Option<IdempotencyKey>,
    pub registered_by: String,
    pub language_hint: Option<String>,
    pub channel_details_json: Option<String>,
}

/// The registration desk: intake's store, cipher, clock and calendars.
pub struct Desk {
    pub db: Db,
    pub cipher: Arc<dyn Cipher>,
    pub clock: Arc<dyn Clock>,
    pub calendars: Arc<calendar::Registry>,
    pub calendar_id: String,
    /// The tenants' category catalogs.
    pub catalogs: Arc<crate::catalogs::Catalogs>,
    /// The channels' settings and adapters (decision 0009).
    pub channels: Arc<crate::channels::Channels>,
    pub policy: String,
    pub auto_accept: bool,
    /// The acceptance gate's rules (decision 0007).
    pub gate: crate::config::GateConfig,
    /// The one writer of new cases.
    pub ledger: crate::ledger::Handle,
    /// The web channel: attachments, the status page's codes (decision 0008).
    pub web: Arc<crate::web::Web>,
    /// The tenants' case-number formats (`[intake.case_numbers]`, decision 0010).
    pub case_numbers: crate::numbers::CaseNumbersConfig,
    /// The organisation's customer system and its synced copy (decision 0011).
    pub customers: Arc<crate::customers::Customers>,
}

/// A stored status as the `'static` name replies carry.
pub fn status_name(status: &str) -> &'static str {
    match status {
        "accepted" => "accepted",
        "rejected" => "rejected",
        "withdrawn" => "withdrawn",
        "closed" => "closed",
        _ => "received",
    }
}

/// What a repeat is compared on besides the complainant: the unit complained about (or named)
/// with the category code, else the reported category, else the subject line; `None` when
/// there is too little to tell.
fn repeat_subject(complaint: &NewComplaint) -> Option<String> {
    let unit = complaint
        .refs
        .subject_unit
        .as_deref()
        .or(complaint.unit.as_deref())
        .unwrap_or_default();
    let normalise = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let about = complaint
        .category_code
        .clone()
        .or_else(|| complaint.reported_category.as_deref().map(normalise))
        .or_else(|| complaint.subject.as_deref().map(normalise))
        .filter(|about| !about.is_empty());
    match (unit, about) {
        ("", None) => None,
        (unit, about) => Some(format!("{unit}|{}", about.unwrap_or_default())),
    }
}

/// Whether a time bar of the tenant refuses the complaint: its event is older, when received,
/// than the first limit that applies to it.
fn time_barred(rules: &crate::config::GateRules, complaint: &NewComplaint) -> bool {
    let Some(occurred_at) = complaint.occurred_at else {
        return false;
    };
    if !rules.allows(domain::vocabulary::RejectionReason::TimeBarred) {
        return false;
    }
    rules
        .time_bars
        .iter()
        .find(|bar| {
            bar.applies(
                complaint.kind.as_str(),
                complaint.source.as_str(),
                complaint.category_code.as_deref(),
            )
        })
        .and_then(|bar| bar.earliest_event(complaint.received_at))
        .is_some_and(|earliest| occurred_at < earliest)
}

/// What a case is about, for finding many complainants on one matter: the unit complained
/// about (or named) with the category or the subject line; `None` when there is too little.
fn matter(complaint: &NewComplaint) -> Option<String> {
    let unit = complaint.refs.subject_unit.as_deref().or(complaint.unit.as_deref())?;
    let about = complaint.category_code.clone().or_else(|| {
        complaint
            .subject
            .as_deref()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
            .filter(|s| !s.is_empty())
    })?;
    Some(format!("{unit}|{about}"))
}

/// Signals routing's rules read: derived facts, never the text itself.
pub fn signals(complaint: &NewComplaint) -> Vec<String> {
    let mut found = Vec::new();
    let text = format!("{} {}", complaint.narrative, complaint.demands.join(" ")).to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if any(&[
        "退车",
        "换车",
        "退换",
        "return the car",
        "replace the car",
        "refund the car",
    ]) {
        found.push("demand:return_or_exchange".to_owned());
    }
    if any(&[
        "媒体",
        "记者",
        "曝光",
        "微博",
        "抖音",
        "media",
        "journalist",
        "newspaper",
    ]) {
        found.push("keyword:media".to_owned());
    }
    if any(&["堵门", "拉横幅", "闹事", "blocking the door", "protest"]) {
        found.push("keyword:disturbance".to_owned());
    }
    if any(&["厂家", "主机厂", "厂方", "manufacturer"]) {
        found.push("keyword:manufacturer".to_owned());
    }
    if any(&[
        "12315",
        "12378",
        "12363",
        "市场监管",
        "消协",
        "消费者协会",
        "金融监管",
        "银保监",
        "监管局",
        "regulator",
        "consumer association",
    ]) {
        found.push("keyword:regulator".to_owned());
    }
    if any(&[
        "集体投诉",
        "联名",
        "多名车主",
        "多位业主",
        "我们几个",
        "collective complaint",
        "group of customers",
    ]) {
        found.push("collective".to_owned());
    }
    if any(&[
        "漏水",
        "停电",
        "停水",
        "燃气泄漏",
        "电梯困人",
        "火灾",
        "gas leak",
        "flooding",
        "trapped in the lift",
    ]) {
        found.push("keyword:emergency".to_owned());
    }
    for demand in &complaint.demands {
        let demand = demand.to_lowercase();
        for kind in ["refund", "exchange", "repair", "compensation", "apology", "explanation"] {
            if demand.contains(kind) {
                found.push(format!("demand:{kind}"));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

impl Desk {
    /// Registers a submission; replays an earlier registration with the same idempotency key
    /// and body.
    pub async fn register(&self, tenant: &Tenant, submission: Submission) -> Result<Registered, Error> {
        let catalog = self.catalogs.get(tenant).await?;
        let mut prepared = self.prepare(tenant, submission, &catalog)?;
        self.confirm_customer(&mut prepared).await;
        self.ledger.write(prepared).await
    }

    /// Registers a submission made from an e-mail; `receipt` is given the new case's id (its
    /// attachments are encrypted for it). A message already remembered replays its case.
    pub async fn register_mail(
        &self,
        tenant: &Tenant,
        submission: Submission,
        receipt: impl FnOnce(&str) -> Result<MailReceipt, Error>,
    ) -> Result<Registered, Error> {
        let catalog = self.catalogs.get(tenant).await?;
        let mut prepared = self.prepare(tenant, submission, &catalog)?;
        prepared.mail = Some(receipt(&prepared.row.id)?);
        self.confirm_customer(&mut prepared).await;
        self.ledger.write(prepared).await
    }

    /// Registers a historical complaint (decision 0007): back-dated, never accepted at once,
    /// without repeat or batch pseudonyms; `closed` with its outcome when it closed where it
    /// came from, else `received`.
    ///
    /// `catalog` is the tenant's, read once for the whole import.
    pub async fn register_imported(
        &self,
        tenant: &Tenant,
        submission: Submission,
        history: crate::import::History,
        catalog: &Catalog,
    ) -> Result<Registered, Error> {
        let closed_with = history.closed_with;
        let mut prepared = self.prepare(tenant, submission, catalog)?;
        prepared.imported = true;
        prepared.imported_timely = history.timely;
        prepared.acceptance = None;
        prepared.rejection = None;
        prepared.complainant_ref = String::new();
        prepared.matter_ref = String::new();
        prepared.web = crate::web::WebParts::default();
        let row = &mut prepared.row;
        row.imported = true;
        row.accepted_at = None;
        row.ack_due_at = None;
        row.ack_provisional = false;
        row.complainant_ref = None;
        row.subject_ref = None;
        row.rejection_reason = None;
        row.decided_at = None;
        row.status = if closed_with.is_some() { "closed" } else { "received" }.to_owned();
        row.outcome = closed_with;
        self.ledger.write(prepared).await
    }

    /// Everything that needs no lock: validation, deadlines, encryption. The case number, the
    /// idempotency check and the writes happen in the ledger's transaction.
    ///
    /// `category_code` must be a code of the tenant's catalog; free text in `category` that names
    /// one of its categories (code, name or synonym) is classified as that code.
    pub(crate) fn prepare(
        &self,
        tenant: &Tenant,
        submission: Submission,
        catalog: &Catalog,
    ) -> Result<Prepared, Error> {
        let now = self.clock.now();
        let mut complaint = domain::complaint::validate(submission.input, now, &|code| catalog.contains(code))
            .map_err(Error::Invalid)?;
        if complaint.category_code.is_none() {
            complaint.category_code = complaint
                .reported_category
                .as_deref()
                .and_then(|text| catalog.classify(text))
                .map(str::to_owned);
        }
        let idempotency = submission.idempotency.as_ref().map(|key| {
            let key_hash = hex::encode(Sha256::digest(format!("{}\0{}", key.scope, key.key).as_bytes()));
            (key_hash, key.body_sha256.clone())
        });
        let case_id = CaseId::new();
        let rules = self.gate.of(tenant.as_str());
        let calendar = self
            .calendars
            .get(&self.calendar_id)
            .map_err(|_| Error::UnknownCalendar(self.calendar_id.clone()))?;
        // The outside source's reference and reply deadline (history brings its own, as it was).
        let history = submission.registered_by.starts_with("import:");
        let source = crate::sources::rule_of(
            &rules.sources,
            crate::sources::starter_register(),
            complaint.source.as_str(),
        );
        if let Some(rule) = source.filter(|_| !history) {
            let errors = rule.check(complaint.source_ref.as_deref());
            if !errors.is_empty() {
                return Err(Error::Invalid(errors));
            }
            if complaint.source_due_at.is_none() {
                complaint.source_due_at = rule.reply_due(calendar, complaint.received_at);
            }
        }
        let rejection = time_barred(&rules, &complaint).then_some(domain::vocabulary::RejectionReason::TimeBarred);
        let accept = self.auto_accept && is_complete(&complaint) && rejection.is_none();
        let policy = calendar::presets::get(&self.policy).ok_or_else(|| Error::UnknownPolicy(self.policy.clone()))?;
        let acknowledgement = if accept {
            acknowledgement_due(&policy, calendar, complaint.received_at)?
        } else {
            None
        };
        let mut row = self.case_row(
            tenant,
            &case_id,
            "",
            &complaint,
            accept.then_some(now),
            acknowledgement,
            &submission.registered_by,
            submission.language_hint.as_deref(),
        )?;
        if let Some(reason) = rejection {
            row.status = "rejected".to_owned();
            row.rejection_reason = Some(reason.as_str().to_owned());
            row.decided_at = Some(sql::at(now));
        }
        let acceptance = accept.then(|| Acceptance {
            acknowledgement: acknowledgement.map(|(at, provisional)| Deadline {
                kind: "acknowledgement".into(),
                due_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                state: "open".into(),
                provisional,
            }),
            policy_version: policy.version,
        });
        let complainant_ref = complaint
            .complainant
            .as_ref()
            .and_then(|p| p.phone.as_deref())
            .filter(|_| !complaint.anonymous)
            .map(|phone| {
                self.cipher
                    .blind_index(tenant.as_str(), "repeat", &crate::channels::normalised_phone(phone))
            })
            .unwrap_or_default();
        let matter_ref = matter(&complaint)
            .map(|matter| self.cipher.blind_index(tenant.as_str(), "matter", &matter))
            .unwrap_or_default();
        if !complainant_ref.is_empty() {
            row.complainant_ref = Some(complainant_ref.clone());
            row.subject_ref = repeat_subject(&complaint)
                .map(|subject| self.cipher.blind_index(tenant.as_str(), "repeat_subject", &subject));
        }
        let web = crate::web::WebParts {
            receipt: complaint.anonymous.then(|| {
                let code = crate::web::new_receipt_code();
                let plain = crate::web::normalise_receipt_code(&code).unwrap_or_default();
                let receipt_ref = self.cipher.blind_index(tenant.as_str(), "receipt", &plain);
                (code, receipt_ref)
            }),
            ..Default::default()
        };
        let channel = self.channel_extras(tenant, &row.id, &complaint, submission.channel_details_json.as_deref())?;
        let particulars = self.particulars_row(tenant, &row.id, &complaint)?;
        let number_format = self.case_numbers.of(tenant.as_str());
        let customer = crate::customers::Confirmation::asked(&complaint, submission.channel_details_json.as_deref());
        Ok(Prepared {
            customer,
            web,
            channel,
            particulars,
            repeat_window_days: rules.repeat_window_days,
            rejection,
            imported: false,
            imported_timely: String::new(),
            complainant_ref,
            matter_ref,
            tenant: tenant.clone(),
            now,
            period: number_format.period(now),
            number_format,
            case_id,
            idempotency,
            row,
            complaint,
            acceptance,
            registered_by: submission.registered_by,
            mail: None,
        })
    }

    /// The channel facts every registration may carry: the channel-specific block (encrypted)
    /// and the blind index of a WeChat OpenID.
    fn channel_extras(
        &self,
        tenant: &Tenant,
        case_id: &str,
        complaint: &NewComplaint,
        details_json: Option<&str>,
    ) -> Result<crate::channels::Extras, Error> {
        let mut extras = crate::channels::Extras::default();
        if let Some(details) = details_json.filter(|d| !d.is_empty() && *d != "null") {
            let sealed = self
                .cipher
                .encrypt(tenant.as_str(), case_id.as_bytes(), details.as_bytes())?;
            extras.row_for(tenant.as_str(), case_id).details = Some(sealed);
        }
        if let Some(openid) = complaint.complainant.as_ref().and_then(|p| p.wechat_openid.as_deref()) {
            let index = self.cipher.blind_index(tenant.as_str(), "wechat_openid", openid);
            extras.row_for(tenant.as_str(), case_id).wechat_index = Some(index);
        }
        Ok(extras)
    }

    #[allow(clippy::too_many_arguments)]
    fn case_row(
        &self,
        tenant: &Tenant,
        case_id: &CaseId,
        case_number: &str,
        complaint: &NewComplaint,
        accepted_at: Option<DateTime<Utc>>,
        acknowledgement: Option<(DateTime<Utc>, bool)>,
        registered_by: &str,
        language_hint: Option<&str>,
    ) -> Result<CaseRow, Error> {
        let id = case_id.to_string();
        let associated = id.as_bytes();
        let personal_data = match &complaint.complainant {
            None => None,
            Some(person) => {
                let language = person.preferred_language.clone().unwrap_or_else(|| {
                    domain::vocabulary::Language::negotiate(language_hint.unwrap_or(""))
                        .tag()
                        .to_owned()
                });
                let json = serde_json::json!({
                    "name": person.name, "phone": person.phone, "email": person.email, "address": person.address,
                    "preferred_language": language, "preferred_channel": person.preferred_channel,
                    "keep_confidential": person.keep_confidential, "wechat_openid": person.wechat_openid,
                });
                Some(
                    self.cipher
                        .encrypt(tenant.as_str(), associated, json.to_string().as_bytes())?,
                )
            }
        };
        let phone_index = complaint
            .complainant
            .as_ref()
            .and_then(|p| p.phone.as_deref())
            .map(|phone| {
                self.cipher
                    .blind_index(tenant.as_str(), "phone", &crate::channels::normalised_phone(phone))
            });
        Ok(CaseRow {
            id: id.clone(),
            tenant: tenant.to_string(),
            case_number: case_number.to_owned(),
            status: if accepted_at.is_some() { "accepted" } else { "received" }.to_owned(),
            kind: complaint.kind.as_str().to_owned(),
            channel: complaint.channel.as_str().to_owned(),
            source: complaint.source.as_str().to_owned(),
            source_ref: complaint.source_ref.clone(),
            source_due_at: complaint.source_due_at.map(sql::at),
            external_ref: complaint.external_ref.clone(),
            received_at: sql::at(complaint.received_at),
            accepted_at: accepted_at.map(sql::at),
            subject: complaint.subject.clone(),
            demands_json: serde_json::to_string(&complaint.demands).unwrap_or_else(|_| "[]".into()),
            unit: complaint.unit.clone(),
            reported_category: complaint.reported_category.clone(),
            category_code: complaint.category_code.clone(),
            anonymous: complaint.anonymous,
            personal_data,
            narrative: self
                .cipher
                .encrypt(tenant.as_str(), associated, complaint.narrative.as_bytes())?,
            phone_index,
            ack_due_at: acknowledgement.map(|(at, _)| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ack_provisional: acknowledgement.is_some_and(|(_, provisional)| provisional),
            policy: self.policy.clone(),
            version: 1,
            registered_by: registered_by.to_owned(),
            occurred_at: complaint.occurred_at.map(sql::at),
            complainant_ref: None,
            subject_ref: None,
            repeat_of: None,
            merged_into: None,
            rejection_reason: None,
            rejection_suggestion: None,
            decided_at: None,
            imported: false,
            outcome: None,
        })
    }
}

/// Complete enough to accept without a person looking: a complaint or report with a way to
/// answer (a phone or e-mail), or anonymous with a narrative of some substance.
fn is_complete(complaint: &NewComplaint) -> bool {
    let reachable = complaint
        .complainant
        .as_ref()
        .is_some_and(|p| p.phone.is_some() || p.email.is_some() || p.wechat_openid.is_some());
    let substantial = complaint.narrative.trim().chars().count() >= 5;
    substantial && (reachable || complaint.anonymous) && complaint.kind != Kind::Praise
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn complaint(extra: impl FnOnce(&mut domain::complaint::ComplaintInput)) -> NewComplaint {
        let mut input = domain::complaint::ComplaintInput {
            channel: Some("phone".into()),
            narrative: Some("服务顾问态度恶劣".into()),
            anonymous: true,
            received_at: Some("2026-11-23T02:00:00Z".into()),
            ..Default::default()
        };
        extra(&mut input);
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
        domain::complaint::validate(input, now, &|_| true).expect("valid")
    }

    #[test]
    fn a_repeat_is_compared_on_the_unit_and_what_it_is_about() {
        assert_eq!(repeat_subject(&complaint(|_| {})), None, "too little to tell");
        let store = complaint(|c| {
            c.unit = Some("gz-tianhe".into());
            c.category_code = Some("service.attitude".into());
        });
        assert_eq!(repeat_subject(&store).as_deref(), Some("gz-tianhe|service.attitude"));
        let reported = complaint(|c| c.category = Some("  Rude   STAFF ".into()));
        assert_eq!(repeat_subject(&reported).as_deref(), Some("|rude staff"));
    }

    #[test]
    fn a_time_bar_refuses_an_event_older_than_its_limit_when_the_reason_is_allowed() {
        let rules = crate::config::GateRules {
            time_bars: vec![crate::config::TimeBar {
                category: Some("service.attitude".into()),
                months: Some(1),
                ..Default::default()
            }],
            ..Default::default()
        };
        let attitude = |occurred: &'static str| {
            complaint(move |c| {
                c.category_code = Some("service.attitude".into());
                c.occurred_at = Some(occurred.into());
            })
        };
        assert!(time_barred(&rules, &attitude("2026-10-01T00:00:00Z")));
        assert!(!time_barred(&rules, &attitude("2026-11-01T00:00:00Z")));
        let other = complaint(|c| {
            c.category_code = Some("service.efficiency".into());
            c.occurred_at = Some("2020-01-01T00:00:00Z".into());
        });
        assert!(!time_barred(&rules, &other), "no limit for that category");
        let without = crate::config::GateRules {
            rejection_reasons: Some(vec!["no_target".into()]),
            ..rules.clone()
        };
        assert!(
            !time_barred(&without, &attitude("2026-10-01T00:00:00Z")),
            "the tenant does not allow time_barred"
        );
    }

    #[test]
    fn the_acknowledgement_deadline_comes_from_the_policy() {
        let calendars = calendar::Registry::builtin();
        let calendar = calendars.get("cn").expect("cn");
        // Thursday 30 April 2026, 10:00 in Beijing: 1–5 May are off, Saturday 9 May is worked.
        let received = Utc.with_ymd_and_hms(2026, 4, 30, 2, 0, 0).single().expect("valid");
        let service = calendar::presets::get("service_commitment").expect("preset");
        let (due, provisional) = acknowledgement_due(&service, calendar, received)
            .expect("computed")
            .expect("a deadline");
        assert_eq!(due.to_rfc3339(), "2026-05-07T15:59:59+00:00");
        assert!(!provisional);
        let market = calendar::presets::get("market_regulator_12315").expect("preset");
        let (due, _) = acknowledgement_due(&market, calendar, received)
            .expect("computed")
            .expect("a deadline");
        assert!(
            due > Utc.with_ymd_and_hms(2026, 5, 7, 16, 0, 0).single().expect("valid"),
            "7 working days is later"
        );
        let bank = calendar::presets::get("bank_2020_measures").expect("preset");
        assert!(
            acknowledgement_due(&bank, calendar, received)
                .expect("computed")
                .is_none(),
            "no acknowledgement rule"
        );
    }
}

//! The ledger: the one writer of new cases, committing many registrations per transaction
//! (group commit) so that intake is durable before each 201 without one commit per case.
//!
//! Registrations arrive prepared (validated, encrypted, deadlines computed) through a [`Handle`];
//! the writer takes what is waiting (up to [`BATCH`]), writes each in a savepoint of one
//! transaction — so one that fails rolls back alone — commits, and only then answers each
//! caller. A caller that goes away still has its case written; a retry with its idempotency key
//! finds it.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Tenant;
use prost::Message as _;
use rpc::events::v1::{CaseAccepted, CaseRegistered, CaseRejected};
use rpc::timeline::v1::Deadline;
use sqlx::Acquire;
use store::{Db, HistoryEntry, NewEvent, Origin};
use tokio::sync::{mpsc, oneshot};

use crate::SERVICE;
use crate::register::{Error, Prepared, Registered, signals};
use crate::store as sql;

/// The most registrations one transaction writes.
pub const BATCH: usize = 256;

type Job = (Prepared, oneshot::Sender<Result<Registered, Error>>);

/// The way to the writer; cheap to clone.
#[derive(Debug, Clone)]
pub struct Handle {
    jobs: mpsc::Sender<Job>,
}

impl Handle {
    /// Writes a registration and returns once its transaction has committed.
    pub async fn write(&self, prepared: Prepared) -> Result<Registered, Error> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send((prepared, answer))
            .await
            .map_err(|_| Error::Batch("the ledger has stopped".into()))?;
        answered
            .await
            .map_err(|_| Error::Batch("the ledger stopped before answering".into()))?
    }
}

/// The writer's state.
pub struct Ledger {
    pub db: Db,
    /// The SLA policy and calendar named in `case.accepted`.
    pub policy: String,
    pub calendar_id: String,
}

impl Ledger {
    /// Starts the writer; it stops when every [`Handle`] is dropped.
    pub fn start(self) -> Handle {
        let (jobs, receiver) = mpsc::channel(4 * BATCH);
        tokio::spawn(self.run(receiver));
        Handle { jobs }
    }

    async fn run(self, mut receiver: mpsc::Receiver<Job>) {
        while let Some(first) = receiver.recv().await {
            let mut jobs = vec![first];
            while jobs.len() < BATCH {
                match receiver.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let (prepared, answers): (Vec<Prepared>, Vec<_>) = jobs.into_iter().unzip();
            let results = self.write_batch(prepared).await;
            for (answer, result) in answers.into_iter().zip(results) {
                let _ = answer.send(result);
            }
        }
    }

    /// Writes a batch in one transaction, each registration in its own savepoint.
    async fn write_batch(&self, batch: Vec<Prepared>) -> Vec<Result<Registered, Error>> {
        let count = batch.len();
        let failed = |error: &dyn std::fmt::Display| (0..count).map(|_| Err(Error::Batch(error.to_string()))).collect();
        let mut tx = match self.db.begin().await {
            Ok(tx) => tx,
            Err(error) => return failed(&error),
        };
        let mut results = Vec::with_capacity(count);
        for prepared in batch {
            let result = match tx.begin().await {
                Ok(mut savepoint) => match self.write(&mut savepoint, prepared).await {
                    Ok(registered) => match savepoint.commit().await {
                        Ok(()) => Ok(registered),
                        Err(error) => Err(Error::Store(error.into())),
                    },
                    Err(error) => {
                        let _ = savepoint.rollback().await;
                        Err(error)
                    }
                },
                Err(error) => Err(Error::Store(error.into())),
            };
            results.push(result);
        }
        match self.db.commit(tx).await {
            Ok(()) => results,
            Err(error) => failed(&error),
        }
    }

    /// Writes one registration: its idempotency check, case number, row, events and timeline.
    async fn write(&self, conn: &mut store::Conn, mut prepared: Prepared) -> Result<Registered, Error> {
        let tenant = prepared.tenant.clone();
        if let Some((key_hash, body)) = &prepared.idempotency
            && let Some((stored_body, case_id)) = sql::idempotency(conn, tenant.as_str(), key_hash).await?
        {
            if *body != stored_body {
                return Err(Error::IdempotencyKeyReused);
            }
            return Self::replay(conn, &tenant, &case_id).await;
        }
        if let Some(mail) = &prepared.mail {
            let message = &mail.message;
            let place = (message.mailbox.as_str(), message.uid_validity, message.uid);
            if let Some((_, Some(case_id))) =
                sql::known_mail_message(conn, tenant.as_str(), &message.message_ref, place).await?
            {
                return Self::replay(conn, &tenant, &case_id).await;
            }
        }
        if let Some(case_id) = crate::channels::replayed_case(conn, &tenant, &prepared.channel).await? {
            return Self::replay(conn, &tenant, &case_id).await;
        }
        let case_number =
            crate::numbers::next_case_number(conn, tenant.as_str(), &prepared.number_format, &prepared.period).await?;
        prepared.row.case_number = case_number.clone();
        let repeat = match (&prepared.row.complainant_ref, &prepared.row.subject_ref) {
            (Some(who), Some(about)) => {
                let received_at = prepared.complaint.received_at;
                let since = received_at - chrono::Duration::days(i64::from(prepared.repeat_window_days));
                sql::repeated_case(conn, tenant.as_str(), (who, about), since, received_at).await?
            }
            _ => None,
        };
        prepared.row.repeat_of = repeat.as_ref().map(|(id, _)| id.clone());
        sql::insert_case(conn, &prepared.row).await?;
        if let Some((earlier, _)) = &repeat {
            sql::link_cases(conn, tenant.as_str(), &prepared.row.id, "repeat", earlier, prepared.now).await?;
        }
        if let Some((key_hash, body)) = &prepared.idempotency {
            sql::remember_idempotency(conn, tenant.as_str(), key_hash, body, &prepared.row.id, prepared.now).await?;
        }
        if let Some(mail) = &prepared.mail {
            let mut message = mail.message.clone();
            message.case_id = Some(prepared.row.id.clone());
            sql::remember_mail_message(conn, &message).await?;
            for attachment in &mail.attachments {
                sql::insert_mail_attachment(conn, attachment).await?;
            }
        }
        if let Some((code, receipt_ref)) = &prepared.web.receipt {
            let hint = crate::web::normalise_receipt_code(code).unwrap_or_default();
            let hint: String = hint.chars().skip(hint.chars().count().saturating_sub(4)).collect();
            sql::web::insert_receipt(conn, tenant.as_str(), receipt_ref, &prepared.row.id, &hint).await?;
        }
        for attachment in &prepared.web.attachments {
            sql::web::insert_attachment(conn, attachment).await?;
        }
        crate::channels::write_extras(conn, &tenant, &prepared.row.id, &prepared.channel, prepared.now).await?;
        if let Some(particulars) = &prepared.particulars {
            crate::particulars::insert(conn, particulars).await?;
        }
        crate::customers::lookup::write_match(conn, &prepared).await?;
        let acknowledgement = prepared.acceptance.as_ref().and_then(|a| a.acknowledgement.clone());
        let (mut events, mut history) = self.facts(&prepared, &case_number, repeat.as_ref());
        crate::channels::closing_facts(&prepared, &mut events, &mut history);
        let origin = Origin {
            source: SERVICE,
            occurred_at: prepared.now,
            causation_id: None,
            correlation_id: Some(prepared.case_id.0),
            traceparent: None,
        };
        store::messaging::append_events(conn, &origin, events).await?;
        store::messaging::append_history(conn, &history).await?;
        Ok(Registered {
            case_id: prepared.row.id,
            case_number,
            status: crate::register::status_name(&prepared.row.status),
            received_at: prepared.complaint.received_at,
            replayed: false,
            acknowledgement,
            receipt_code: prepared.web.receipt.map(|(code, _)| code),
            attachments: prepared.web.facts,
            source_deadline: crate::channels::source_deadline(
                prepared.row.source_due_at.as_deref(),
                prepared.channel.row.as_ref().and_then(|row| row.closed_at.as_deref()),
            ),
            files: prepared.channel.files.iter().map(Into::into).collect(),
        })
    }

    /// The registration an earlier request made, answered again.
    pub(crate) async fn replay(conn: &mut store::Conn, tenant: &Tenant, case_id: &str) -> Result<Registered, Error> {
        let row = sql::find_case_in(conn, tenant.as_str(), case_id)
            .await?
            .ok_or_else(|| store::Error::Corrupt(format!("idempotency key points at missing case {case_id}")))?;
        let received_at = DateTime::parse_from_rfc3339(&row.received_at)
            .map_err(|_| store::Error::Corrupt("received_at".into()))?
            .with_timezone(&Utc);
        let channel = crate::channels::sql::channel_in(conn, tenant.as_str(), case_id).await?;
        let closed_at = channel.as_ref().and_then(|c| c.closed_at.clone());
        let files = crate::channels::sql::files_in(conn, tenant.as_str(), case_id).await?;
        Ok(Registered {
            source_deadline: crate::channels::source_deadline(row.source_due_at.as_deref(), closed_at.as_deref()),
            files: files.iter().map(Into::into).collect(),
            acknowledgement: row.ack_due_at.as_ref().map(|due| Deadline {
                kind: "acknowledgement".into(),
                due_at: due.clone(),
                state: "open".into(),
                provisional: row.ack_provisional,
            }),
            case_id: row.id,
            case_number: row.case_number,
            status: crate::register::status_name(&row.status),
            received_at,
            replayed: true,
            receipt_code: None,
            attachments: Vec::new(),
        })
    }

    /// The events and timeline entries of a registration: `case.registered`, then
    /// `case.accepted` or `case.rejected` when the registration decides either.
    fn facts(
        &self,
        prepared: &Prepared,
        case_number: &str,
        repeat: Option<&(String, String)>,
    ) -> (Vec<NewEvent>, Vec<HistoryEntry>) {
        let (tenant, case_id, complaint, now) =
            (&prepared.tenant, &prepared.case_id, &prepared.complaint, prepared.now);
        let registered_by = prepared.registered_by.as_str();
        let (complainant_ref, matter_ref) = (prepared.complainant_ref.as_str(), prepared.matter_ref.as_str());
        let mut signals = if prepared.imported {
            Vec::new()
        } else {
            signals(complaint)
        };
        if repeat.is_some() {
            signals.push("repeat".to_owned());
            signals.sort();
        }
        let category_code = complaint.category_code.clone().unwrap_or_default();
        let matched = prepared.customer.matched.as_ref();
        let registered = CaseRegistered {
            case_number: case_number.to_owned(),
            kind: complaint.kind.as_str().to_owned(),
            channel: complaint.channel.as_str().to_owned(),
            source: complaint.source.as_str().to_owned(),
            received_at: complaint
                .received_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            reported_category: complaint.reported_category.clone().unwrap_or_default(),
            category_code: category_code.clone(),
            unit: complaint.unit.clone().unwrap_or_default(),
            anonymous: complaint.anonymous,
            signals,
            source_ref: complaint.source_ref.clone().unwrap_or_default(),
            source_due_at: complaint.source_due_at.map(sql::at).unwrap_or_default(),
            subject_unit: complaint.refs.subject_unit.clone().unwrap_or_default(),
            subject_staff: complaint.refs.subject_staff.clone().unwrap_or_default(),
            account_unit: complaint.refs.account_unit.clone().unwrap_or_default(),
            division_code: complaint.refs.division_code.clone().unwrap_or_default(),
            customer_tier: complaint.refs.customer_tier.clone().unwrap_or_default(),
            brand: complaint.refs.brand.clone().unwrap_or_default(),
            product: complaint.refs.product.clone().unwrap_or_default(),
            complainant_ref: complainant_ref.to_owned(),
            matter_ref: matter_ref.to_owned(),
            repeat_of: repeat.map(|(id, _)| id.clone()).unwrap_or_default(),
            imported: prepared.imported,
            imported_closed: prepared.imported && prepared.row.status == "closed",
            imported_timely: prepared.imported_timely.clone(),
            customer_confirmed: matched.is_some(),
            customer_id: matched.map(|m| m.customer_id.clone()).unwrap_or_default(),
            customer_store: matched.and_then(|m| m.store.clone()).unwrap_or_default(),
            customer_salesperson: matched.and_then(|m| m.salesperson.clone()).unwrap_or_default(),
        };
        let mut events = vec![NewEvent {
            tenant: tenant.to_string(),
            event_type: "case.registered",
            case_id: case_id.0,
            payload: Bytes::from(registered.encode_to_vec()),
        }];
        let entry = |action: &str, actor: &str, detail: serde_json::Value| HistoryEntry {
            tenant: tenant.to_string(),
            case_id: case_id.0,
            at: now,
            action: action.to_owned(),
            actor: actor.to_owned(),
            detail_json: detail.to_string(),
        };
        let mut history = vec![entry(
            "registered",
            registered_by,
            serde_json::json!({"case_number": case_number, "channel": complaint.channel.as_str(), "kind": complaint.kind.as_str(),
                "category": if category_code.is_empty() { "unclassified" } else { category_code.as_str() },
                "imported": prepared.imported, "status": prepared.row.status}),
        )];
        if let Some(matched) = matched {
            history.push(entry(
                "customer_confirmed",
                "system",
                crate::customers::lookup::confirmed_detail(matched),
            ));
        }
        if let Some((earlier, earlier_number)) = repeat {
            history.push(entry(
                "repeat_linked",
                "system",
                serde_json::json!({"repeat_of": earlier, "repeat_of_case_number": earlier_number,
                    "window_days": prepared.repeat_window_days}),
            ));
        }
        if let Some(reason) = prepared.rejection {
            history.push(entry(
                "rejected",
                "system",
                serde_json::json!({"reason_code": reason.as_str()}),
            ));
            let rejected = CaseRejected {
                rejected_at: now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                reason_code: reason.as_str().to_owned(),
                suggestion: String::new(),
                duplicate_of: String::new(),
            };
            events.push(NewEvent {
                tenant: tenant.to_string(),
                event_type: "case.rejected",
                case_id: case_id.0,
                payload: Bytes::from(rejected.encode_to_vec()),
            });
        }
        if let Some(acceptance) = prepared.acceptance.clone() {
            history.push(entry(
                "accepted",
                "system",
                serde_json::json!({"acknowledgement_due_at": acceptance.acknowledgement.as_ref().map(|d| d.due_at.clone()), "policy": self.policy, "policy_version": acceptance.policy_version}),
            ));
            let accepted = CaseAccepted {
                accepted_at: now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                policy: self.policy.clone(),
                policy_version: acceptance.policy_version,
                calendar_id: self.calendar_id.clone(),
                acknowledgement: acceptance.acknowledgement,
                kind: complaint.kind.as_str().to_owned(),
                channel: complaint.channel.as_str().to_owned(),
                imported: prepared.imported,
            };
            events.push(NewEvent {
                tenant: tenant.to_string(),
                event_type: "case.accepted",
                case_id: case_id.0,
                payload: Bytes::from(accepted.encode_to_vec()),
            });
        }
        (events, history)
    }
}

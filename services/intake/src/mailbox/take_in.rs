//! One message's fate: a new case, correspondence of its case, or the quarantine — written
//! with the message's identity in one transaction (decision 0006).

use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::complaint::{ComplainantInput, ComplaintInput};
use prost::Message as _;
use rpc::events::v1::CaseCorrespondenceReceived;
use store::{HistoryEntry, NewEvent, Origin};

use super::{Error, Fetched, Mailbox, Outcome};
use crate::SERVICE;
use crate::mail::{self, Mail, Refusal};
use crate::register::{self, MailReceipt, Submission};
use crate::store::{self as sql, AttachmentRow, CorrespondenceRow, MailMessageRow, QuarantineRow};

impl Mailbox {
    /// Decides what one message becomes and writes it with the message's identity, in one
    /// transaction. Errors are the system's (the store, the cipher), never the message's.
    pub async fn take_in(&self, fetched: Fetched) -> Result<Outcome, Error> {
        let tenant = self.tenant.as_str();
        let cipher = &self.desk.cipher;
        let place = (
            self.name.as_str(),
            i64::from(fetched.uid_validity),
            i64::from(fetched.uid),
        );
        let (identity, read) = match &fetched.raw {
            None => (
                format!("uid:{}:{}:{}", self.name, fetched.uid_validity, fetched.uid),
                Err(Refusal::TooLarge {
                    size: fetched.size,
                    limit: self.config.max_message_bytes,
                }),
            ),
            Some(raw) => {
                let read = mail::read(raw);
                (mail::identity(read.as_ref().ok(), raw), read)
            }
        };
        let message_ref = cipher.blind_index(tenant, "message_id", &identity);
        {
            let mut conn = self.desk.db.reader().acquire().await.map_err(store::Error::from)?;
            if sql::known_mail_message(&mut conn, tenant, &message_ref, place)
                .await?
                .is_some()
            {
                return Ok(Outcome::AlreadyTaken);
            }
        }
        let message = MailMessageRow {
            tenant: tenant.to_owned(),
            message_ref,
            mailbox: self.name.clone(),
            uid_validity: place.1,
            uid: place.2,
            outcome: "case",
            case_id: None,
            recorded_at: sql::at(self.desk.clock.now()),
        };
        let mail = match read {
            Ok(mail) => mail,
            Err(refusal) => return self.quarantine(message, refusal, fetched.raw.as_deref()).await,
        };
        let received_at = self.received_at(fetched.internal_date);
        if let Some((case_id, matched_by)) = self.thread_of(&mail).await? {
            return self.correspond(message, &mail, &case_id, matched_by, received_at).await;
        }
        let submission = self.submission(&mail, received_at);
        let limit = self.config.max_attachment_bytes;
        let registered = self
            .desk
            .register_mail(&self.tenant, submission, |case_id| {
                Ok(MailReceipt {
                    attachments: self
                        .attachment_rows(case_id, None, &mail.attachments, limit)
                        .map_err(register::Error::Cipher)?,
                    message: message.clone(),
                })
            })
            .await;
        match registered {
            Ok(registered) => Ok(Outcome::Case {
                case_id: registered.case_id,
                case_number: registered.case_number,
                replayed: registered.replayed,
            }),
            Err(register::Error::Invalid(errors)) => {
                let first = errors.into_iter().next();
                let refusal = Refusal::Invalid {
                    field: first.as_ref().map_or_else(|| "body".into(), |e| e.field.clone()),
                    rule: first.as_ref().map_or("invalid", |e| e.rule).to_owned(),
                    message: first.map_or_else(|| "the complaint is incomplete".into(), |e| e.message),
                };
                self.quarantine(message, refusal, fetched.raw.as_deref()).await
            }
            Err(error) => Err(Error::Register(error)),
        }
    }

    /// The case a message belongs to: by a remembered id it answers, else by a case number of
    /// the tenant in its subject.
    async fn thread_of(&self, mail: &Mail) -> Result<Option<(String, &'static str)>, Error> {
        let tenant = self.tenant.as_str();
        let refs: Vec<String> = mail
            .replies_to
            .iter()
            .map(|id| {
                self.desk
                    .cipher
                    .blind_index(tenant, "message_id", &mail::reply_identity(id))
            })
            .collect();
        let mut conn = self.desk.db.reader().acquire().await.map_err(store::Error::from)?;
        if let Some(case_id) = sql::case_of_mail_messages(&mut conn, tenant, &refs).await? {
            return Ok(Some((case_id, "thread")));
        }
        let format = self.desk.case_numbers.of(tenant);
        for number in format.find_in(mail.subject.as_deref().unwrap_or_default()) {
            if let Some(case) = sql::find_case_in(&mut conn, tenant, &number).await? {
                return Ok(Some((case.id, "case_number")));
            }
        }
        Ok(None)
    }

    fn received_at(&self, internal_date: Option<DateTime<Utc>>) -> DateTime<Utc> {
        let now = self.desk.clock.now();
        internal_date.filter(|at| *at <= now).unwrap_or(now)
    }

    fn submission(&self, mail: &Mail, received_at: DateTime<Utc>) -> Submission {
        // A display name that is not a person's name (`ACME Support (no-reply)`, `user123`) is
        // left out: the sender is known by the address (decision 0010).
        let name = mail
            .from_name
            .as_deref()
            .and_then(|name| domain::formats::parse_name(name).ok())
            .map(|name| name.as_str().to_owned());
        let narrative = mail::narrative(mail);
        let chinese = narrative.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        Submission {
            input: ComplaintInput {
                channel: Some("email".into()),
                narrative: Some(narrative),
                subject: mail.subject.as_ref().map(|subject| subject.chars().take(500).collect()),
                received_at: Some(received_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
                complainant: Some(ComplainantInput {
                    name,
                    email: Some(mail.from_address.clone()),
                    preferred_channel: Some("email".into()),
                    ..ComplainantInput::default()
                }),
                ..ComplaintInput::default()
            },
            idempotency: None,
            registered_by: format!("mailbox:{}", self.name),
            language_hint: Some(if chinese { "zh-CN" } else { "en" }.into()),
            channel_details_json: None,
        }
    }

    fn attachment_rows(
        &self,
        case_id: &str,
        correspondence_id: Option<&str>,
        attachments: &[mail::Attachment],
        limit: u64,
    ) -> Result<Vec<AttachmentRow>, crate::cipher::Error> {
        let tenant = self.tenant.as_str();
        let cipher = &self.desk.cipher;
        attachments
            .iter()
            .map(|attachment| {
                let size = attachment.bytes.len() as u64;
                let stored = size <= limit;
                Ok(AttachmentRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    tenant: tenant.to_owned(),
                    case_id: case_id.to_owned(),
                    correspondence_id: correspondence_id.map(str::to_owned),
                    file_name: cipher.encrypt(tenant, case_id.as_bytes(), attachment.file_name.as_bytes())?,
                    content_type: attachment.content_type.clone(),
                    size: i64::try_from(size).unwrap_or(i64::MAX),
                    sha256: attachment.sha256(),
                    stored,
                    content: if stored {
                        Some(cipher.encrypt(tenant, case_id.as_bytes(), &attachment.bytes)?)
                    } else {
                        None
                    },
                })
            })
            .collect()
    }

    /// Records a message that joined a case, its event and its timeline entry.
    async fn correspond(
        &self,
        mut message: MailMessageRow,
        mail: &Mail,
        case_id: &str,
        matched_by: &'static str,
        received_at: DateTime<Utc>,
    ) -> Result<Outcome, Error> {
        let tenant = self.tenant.as_str();
        let cipher = &self.desk.cipher;
        let case_uuid = uuid::Uuid::parse_str(case_id)
            .map_err(|_| store::Error::Corrupt(format!("case id {case_id} is not a UUID")))?;
        let now = self.desk.clock.now();
        let from_complainant = self.is_complainant(case_id, &mail.from_address).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let sender = serde_json::json!({"name": mail.from_name, "email": mail.from_address}).to_string();
        let content = serde_json::json!({"subject": mail.subject, "text": mail.text}).to_string();
        let row = CorrespondenceRow {
            id: id.clone(),
            tenant: tenant.to_owned(),
            case_id: case_id.to_owned(),
            channel: "email".into(),
            matched_by: matched_by.into(),
            from_complainant,
            received_at: sql::at(received_at),
            sender: cipher.encrypt(tenant, case_id.as_bytes(), sender.as_bytes())?,
            content: cipher.encrypt(tenant, case_id.as_bytes(), content.as_bytes())?,
            recorded_at: sql::at(now),
        };
        let attachments =
            self.attachment_rows(case_id, Some(&id), &mail.attachments, self.config.max_attachment_bytes)?;
        message.outcome = "correspondence";
        message.case_id = Some(case_id.to_owned());
        let event = CaseCorrespondenceReceived {
            channel: "email".into(),
            received_at: received_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            matched_by: matched_by.into(),
            from_complainant,
            attachments: u32::try_from(attachments.len()).unwrap_or(u32::MAX),
        };
        let history = HistoryEntry {
            tenant: tenant.to_owned(),
            case_id: case_uuid,
            at: now,
            action: "correspondence_received".into(),
            actor: format!("mailbox:{}", self.name),
            detail_json: serde_json::json!({"channel": "email", "matched_by": matched_by,
                "from_complainant": from_complainant, "attachments": attachments.len()})
            .to_string(),
        };
        let origin = Origin {
            source: SERVICE,
            occurred_at: now,
            causation_id: None,
            correlation_id: Some(case_uuid),
            traceparent: None,
        };
        let db = &self.desk.db;
        let mut tx = db.begin().await?;
        let place = (message.mailbox.as_str(), message.uid_validity, message.uid);
        if sql::known_mail_message(&mut tx, tenant, &message.message_ref, place)
            .await?
            .is_some()
        {
            return Ok(Outcome::AlreadyTaken);
        }
        sql::remember_mail_message(&mut tx, &message).await?;
        sql::insert_correspondence(&mut tx, &row).await?;
        for attachment in &attachments {
            sql::insert_mail_attachment(&mut tx, attachment).await?;
        }
        let events = vec![NewEvent {
            tenant: tenant.to_owned(),
            event_type: "case.correspondence_received",
            case_id: case_uuid,
            payload: Bytes::from(event.encode_to_vec()),
        }];
        store::messaging::append_events(&mut tx, &origin, events).await?;
        store::messaging::append_history(&mut tx, &[history]).await?;
        db.commit(tx).await?;
        Ok(Outcome::Correspondence {
            case_id: case_id.to_owned(),
            matched_by,
        })
    }

    /// Whether `address` is the e-mail of the case's complainant on record.
    async fn is_complainant(&self, case_id: &str, address: &str) -> Result<bool, Error> {
        let tenant = self.tenant.as_str();
        let Some(case) = sql::find_case(self.desk.db.reader(), tenant, case_id).await? else {
            return Ok(false);
        };
        let Some(personal_data) = case.personal_data else {
            return Ok(false);
        };
        let plain = self.desk.cipher.decrypt(tenant, case.id.as_bytes(), &personal_data)?;
        let on_record = serde_json::from_slice::<serde_json::Value>(&plain)
            .ok()
            .and_then(|person| person.get("email").and_then(|e| e.as_str()).map(str::to_lowercase));
        Ok(on_record.is_some_and(|email| email == address.to_lowercase()))
    }

    /// Keeps a message aside with its reason.
    async fn quarantine(
        &self,
        mut message: MailMessageRow,
        refusal: Refusal,
        raw: Option<&[u8]>,
    ) -> Result<Outcome, Error> {
        let tenant = self.tenant.as_str();
        let id = uuid::Uuid::now_v7().to_string();
        let row = QuarantineRow {
            raw: self
                .desk
                .cipher
                .encrypt(tenant, id.as_bytes(), raw.unwrap_or_default())?,
            id,
            tenant: tenant.to_owned(),
            mailbox: self.name.clone(),
            uid_validity: message.uid_validity,
            uid: message.uid,
            reason: refusal.code(),
            detail: refusal.detail(),
            quarantined_at: sql::at(self.desk.clock.now()),
        };
        message.outcome = "quarantined";
        message.case_id = None;
        let db = &self.desk.db;
        let mut tx = db.begin().await?;
        let place = (message.mailbox.as_str(), message.uid_validity, message.uid);
        if sql::known_mail_message(&mut tx, tenant, &message.message_ref, place)
            .await?
            .is_some()
        {
            return Ok(Outcome::AlreadyTaken);
        }
        sql::remember_mail_message(&mut tx, &message).await?;
        sql::insert_quarantine(&mut tx, &row).await?;
        db.commit(tx).await?;
        tracing::warn!(mailbox = %self.name, uid = message.uid, reason = %row.reason, "mail quarantined");
        Ok(Outcome::Quarantined { reason: row.reason })
    }
}

//! Notification's consumer: an accepted case gets its acknowledgement notice, once (its id is a
//! UUID v5 of the event, the kind and the audience, so a redelivered event records nothing new),
//! and the notice's delivery is queued in the same transaction (decision 0005).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use bus::Envelope;
use bus::consumer::{Batch, Handler, HandlerError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Clock;
use domain::masking::{mask_email, mask_phone};
use domain::vocabulary::Language;
use prost::Message as _;
use rpc::events::v1::{CaseAccepted, NoticeRecorded};
use rpc::intake::v1::intake_client::IntakeClient;
use rpc::intake::v1::{Contact, ReleaseContactsRequest};
use runtime::grpc::with_tenant;
use store::{Db, NewEvent, Origin};
use tonic::transport::Channel;

use crate::SERVICE;
use crate::store::{self as sql, Delivery, Notice};
use crate::templates::{self, Acknowledgement};

/// The consumer of intake's events.
pub struct NotificationHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub intake: IntakeClient<Channel>,
    /// The organisation's contact line printed on notices.
    pub contact_line: String,
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
/// provider's `out_id`).
pub fn idempotency_key(channel: &str, tenant: &str, notice_id: &str) -> String {
    match channel {
        "email" => format!("<{notice_id}@{tenant}.redress>"),
        _ => notice_id.to_owned(),
    }
}

/// The local date of an instant in Beijing time, as each language writes it.
fn local_date(at: DateTime<Utc>, language: Language) -> String {
    let local = at.with_timezone(&chrono_tz::Asia::Shanghai);
    match language {
        Language::ZhCn => local.format("%Y年%-m月%-d日").to_string(),
        Language::En => local.format("%-d %B %Y").to_string(),
    }
}

#[async_trait]
impl Handler for NotificationHandler {
    /// Contacts by case id.
    type State = HashMap<String, Contact>;
    type Effect = Notice;

    fn handles(&self, event: &Envelope) -> bool {
        event.event_type == "case.accepted"
    }

    async fn load(&self, events: &[Envelope]) -> Result<Self::State, HandlerError> {
        let mut by_tenant: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for event in events {
            by_tenant
                .entry(event.tenant.as_str())
                .or_default()
                .push(event.case_id.to_string());
        }
        let mut contacts = HashMap::new();
        for (tenant, case_ids) in by_tenant {
            let request = ReleaseContactsRequest {
                case_ids,
                purpose: "acknowledgement_notice".into(),
                requester: SERVICE.into(),
            };
            let reply = self
                .intake
                .clone()
                .release_contacts(with_tenant(tenant, request))
                .await?
                .into_inner();
            contacts.extend(reply.contacts.into_iter().map(|c| (c.case_id.clone(), c)));
        }
        Ok(contacts)
    }

    fn decide(&self, contacts: &Self::State, event: &Envelope) -> Result<Vec<Notice>, HandlerError> {
        let accepted = CaseAccepted::decode(event.payload.as_ref())?;
        let case_id = event.case_id.to_string();
        let contact = contacts
            .get(&case_id)
            .ok_or_else(|| format!("intake released no contact for case {case_id}"))?;
        let language = if contact.preferred_language == "en" {
            Language::En
        } else {
            Language::ZhCn
        };
        let accepted_at = DateTime::parse_from_rfc3339(&accepted.accepted_at)?.with_timezone(&Utc);
        let name = if contact.anonymous { "" } else { contact.name.as_str() };
        let rendered = templates::acknowledgement(
            language,
            &Acknowledgement {
                case_number: &contact.case_number,
                name,
                accepted_on: &local_date(accepted_at, language),
                resolve_working_days: 15,
                contact: &self.contact_line,
            },
        );
        let (channel, recipient_masked) = match contact.preferred_channel.as_str() {
            "email" if !contact.email.is_empty() => ("email", mask_email(&contact.email)),
            _ if !contact.phone.is_empty() => ("sms", mask_phone(&contact.phone)),
            _ if !contact.email.is_empty() => ("email", mask_email(&contact.email)),
            _ => ("none", String::new()),
        };
        let detail = serde_json::json!({"sms_template_id": format!("SMS_ACK_{}", language.tag()),
            "sms_params": {"case_number": contact.case_number, "accepted_on": local_date(accepted_at, language)}});
        Ok(vec![Notice {
            notice_id: notice_id(event.event_id, "acknowledgement", "complainant"),
            tenant: event.tenant.clone(),
            case_id,
            notice_kind: "acknowledgement".into(),
            audience: "complainant".into(),
            channel: channel.into(),
            language: language.tag().into(),
            recipient_masked,
            subject: rendered.subject,
            body: rendered.body,
            state: "recorded".into(),
            recorded_at: String::new(),
            detail_json: detail.to_string(),
        }])
    }

    async fn apply(&self, batch: Batch<Notice>) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut tx = self.db.begin().await?;
        for (event, notices) in batch.decided {
            for mut notice in notices {
                notice.recorded_at = at.clone();
                if !sql::record(&mut tx, &notice).await? {
                    continue;
                }
                if matches!(notice.channel.as_str(), "email" | "sms") {
                    let delivery = Delivery {
                        notice_id: notice.notice_id.clone(),
                        tenant: notice.tenant.clone(),
                        case_id: notice.case_id.clone(),
                        notice_kind: notice.notice_kind.clone(),
                        channel: notice.channel.clone(),
                        state: "queued".into(),
                        attempts: 0,
                        next_attempt_at: at.clone(),
                        idempotency_key: idempotency_key(&notice.channel, &notice.tenant, &notice.notice_id),
                        provider_reference: None,
                        last_error: None,
                        sent_at: None,
                        urgent: false,
                    };
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
                    "language": notice.language, "recipient": notice.recipient_masked});
                let origin = Origin::caused_by(SERVICE, now, &event);
                let new_event = NewEvent {
                    tenant: event.tenant.clone(),
                    event_type: "notice.recorded",
                    case_id: event.case_id,
                    payload: Bytes::from(recorded.encode_to_vec()),
                };
                store::messaging::emit(&mut tx, &origin, new_event, "acknowledgement_recorded", &detail).await?;
            }
        }
        store::messaging::advance_marks(&mut tx, &batch.consumer, &batch.marks).await?;
        self.db.commit(tx).await?;
        Ok(())
    }
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

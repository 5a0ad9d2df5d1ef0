//! Notification's consumer: an accepted case gets its acknowledgement notice, once.

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
use crate::store::{self as sql, Notice};
use crate::templates::{self, Acknowledgement};

/// The consumer of intake's events.
pub struct NotificationHandler {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub intake: IntakeClient<Channel>,
    /// The organisation's contact line printed on notices.
    pub contact_line: String,
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
        Ok(vec![Notice {
            notice_id: uuid::Uuid::now_v7().to_string(),
            tenant: event.tenant.clone(),
            case_id,
            notice_kind: "acknowledgement".into(),
            channel: channel.into(),
            language: language.tag().into(),
            recipient_masked,
            subject: rendered.subject,
            body: rendered.body,
            state: "recorded".into(),
            recorded_at: String::new(),
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
                let recorded = NoticeRecorded {
                    notice_id: notice.notice_id.clone(),
                    notice_kind: notice.notice_kind.clone(),
                    channel: notice.channel.clone(),
                    language: notice.language.clone(),
                    recorded_at: at.clone(),
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

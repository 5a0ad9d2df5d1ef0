//! The delivery loop (decision 0005): claims the deliveries due, asks intake for the contacts of
//! their cases (one audited release per tenant and round), sends each through its channel's
//! adapter outside any transaction, and records the outcome with `notice.sent` or
//! `notice.failed`. A delivery is leased while it is being sent; a process killed mid-send leaves
//! the lease to expire and the next round sends it again with the same idempotency key.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Clock;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use prost::Message as _;
use rpc::events::v1::{NoticeFailed, NoticeSent};
use rpc::intake::v1::intake_client::IntakeClient;
use rpc::intake::v1::{Contact, ReleaseContactsRequest};
use runtime::grpc::with_tenant;
use store::{Db, NewEvent, Origin};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use crate::SERVICE;
use crate::channels::{Channels, Outgoing, SendError};
use crate::store::{self as sql, Delivery, Notice};

/// How long a claimed delivery is held before another round may take it again.
const LEASE: Duration = Duration::from_secs(120);

/// Counters of what the loop did (`notification_notices_sent_total`, …).
#[derive(Debug, Clone, Default)]
pub struct DeliveryMetrics {
    pub sent: Counter,
    pub retried: Counter,
    pub dead: Counter,
}

impl DeliveryMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register("notices_sent", "Notices a provider accepted", metrics.sent.clone());
        registry.register(
            "delivery_retries",
            "Failed attempts scheduled to be tried again",
            metrics.retried.clone(),
        );
        registry.register(
            "deliveries_dead",
            "Deliveries given up (retries exhausted or refused for good)",
            metrics.dead.clone(),
        );
        metrics
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: u64,
    pub retried: u64,
    pub dead: u64,
    /// Held back until the SMS sending window opens.
    pub deferred: u64,
}

impl Round {
    pub fn total(&self) -> u64 {
        self.sent + self.retried + self.dead + self.deferred
    }
}

/// What the loop needs.
#[derive(Clone)]
pub struct Deliverer {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub intake: IntakeClient<Channel>,
    pub channels: Arc<Channels>,
    pub metrics: DeliveryMetrics,
}

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The outcome of one delivery's attempt.
enum Outcome {
    Sent(String),
    Failed(SendError),
    /// Not attempted: held until this instant (the SMS window).
    Deferred(DateTime<Utc>),
}

impl Deliverer {
    /// Runs rounds until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        let tick = Duration::from_millis(self.channels.delivery.tick_ms.max(10));
        loop {
            match self.deliver_due().await {
                // Only deferrals: what is left is not due before the next tick.
                Ok(round) if round.total() > round.deferred && !shutdown.is_cancelled() => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "delivering notices failed; retrying"),
            }
            tokio::select! {
                () = tokio::time::sleep(tick) => {}
                () = shutdown.cancelled() => return,
            }
        }
    }

    /// One round: claims what is due, sends it, records the outcomes.
    pub async fn deliver_due(&self) -> Result<Round, store::Error> {
        let now = self.clock.now();
        let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let mut tx = self.db.begin().await?;
        let claimed = sql::claim_due(&mut tx, &text(now), &text(lease_until), self.channels.delivery.batch).await?;
        let mut work = Vec::new();
        for delivery in claimed {
            if let Some(notice) = sql::notice(&mut tx, &delivery.notice_id).await? {
                work.push((delivery, notice));
            }
        }
        self.db.commit(tx).await?;
        if work.is_empty() {
            return Ok(Round::default());
        }
        let contacts = self.contacts(&work).await;
        let mut round = Round::default();
        for (mut delivery, notice) in work {
            let outcome = self.attempt(&delivery, &notice, &contacts, now).await;
            let mut tx = self.db.begin().await?;
            match outcome {
                Outcome::Deferred(until) => {
                    sql::settle(&mut tx, &delivery, "queued", &text(until), None).await?;
                    round.deferred += 1;
                }
                Outcome::Sent(reference) => {
                    delivery.attempts += 1;
                    delivery.provider_reference = Some(reference.clone());
                    delivery.sent_at = Some(text(now));
                    if sql::settle(&mut tx, &delivery, "sent", &text(now), None).await? {
                        sql::set_notice_state(&mut tx, &notice.notice_id, "sent").await?;
                        let sent = NoticeSent {
                            notice_id: notice.notice_id.clone(),
                            notice_kind: notice.notice_kind.clone(),
                            channel: delivery.channel.clone(),
                            sent_at: text(now),
                            attempts: u32::try_from(delivery.attempts).unwrap_or(u32::MAX),
                            idempotency_key: delivery.idempotency_key.clone(),
                            provider_reference: reference,
                        };
                        let detail = serde_json::json!({"notice": notice.notice_kind, "channel": delivery.channel,
                            "attempts": delivery.attempts, "recipient": notice.recipient_masked,
                            "idempotency_key": delivery.idempotency_key});
                        emit(
                            &mut tx,
                            (&delivery.tenant, &delivery.case_id),
                            now,
                            "notice.sent",
                            sent.encode_to_vec(),
                            "notice_sent",
                            &detail,
                        )
                        .await?;
                        round.sent += 1;
                        self.metrics.sent.inc();
                    }
                }
                Outcome::Failed(error) => {
                    delivery.attempts += 1;
                    let attempts = u32::try_from(delivery.attempts).unwrap_or(u32::MAX);
                    let give_up =
                        matches!(error, SendError::Permanent(_)) || attempts >= self.channels.delivery.max_attempts;
                    let message = error.to_string();
                    if give_up {
                        if sql::settle(&mut tx, &delivery, "dead", &text(now), Some(&message)).await? {
                            sql::set_notice_state(&mut tx, &notice.notice_id, "failed").await?;
                            sql::open_undelivered_call(&mut tx, &notice.notice_id, &text(now)).await?;
                            let failed = NoticeFailed {
                                notice_id: notice.notice_id.clone(),
                                notice_kind: notice.notice_kind.clone(),
                                channel: delivery.channel.clone(),
                                failed_at: text(now),
                                attempts,
                                error: message.clone(),
                            };
                            let detail = serde_json::json!({"notice": notice.notice_kind, "channel": delivery.channel,
                                "attempts": attempts, "error": message});
                            emit(
                                &mut tx,
                                (&delivery.tenant, &delivery.case_id),
                                now,
                                "notice.failed",
                                failed.encode_to_vec(),
                                "notice_failed",
                                &detail,
                            )
                            .await?;
                            round.dead += 1;
                            self.metrics.dead.inc();
                        }
                    } else {
                        let next = now
                            + chrono::Duration::from_std(self.channels.delivery.backoff(attempts)).unwrap_or_default();
                        sql::settle(&mut tx, &delivery, "failed", &text(next), Some(&message)).await?;
                        tracing::info!(notice = %notice.notice_id, attempts, %message, "delivery failed; retrying later");
                        round.retried += 1;
                        self.metrics.retried.inc();
                    }
                }
            }
            self.db.commit(tx).await?;
        }
        Ok(round)
    }

    /// The contacts of the complainants the claimed notices go to, released by intake for this
    /// purpose (one call per tenant); empty for a tenant whose release failed (its deliveries are
    /// then retried).
    async fn contacts(&self, work: &[(Delivery, Notice)]) -> HashMap<String, Contact> {
        let mut by_tenant: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (delivery, notice) in work {
            // A letter needs the name too (the slot of `plan::NAME_SLOT`), though not an address.
            if notice.audience == "complainant" {
                by_tenant
                    .entry(delivery.tenant.as_str())
                    .or_default()
                    .push(delivery.case_id.clone());
            }
        }
        let mut contacts = HashMap::new();
        for (tenant, mut case_ids) in by_tenant {
            case_ids.sort();
            case_ids.dedup();
            let request = ReleaseContactsRequest {
                case_ids,
                purpose: "notice_delivery".into(),
                requester: SERVICE.into(),
            };
            match self.intake.clone().release_contacts(with_tenant(tenant, request)).await {
                Ok(reply) => contacts.extend(reply.into_inner().contacts.into_iter().map(|c| (c.case_id.clone(), c))),
                Err(status) => tracing::warn!(%tenant, %status, "intake released no contacts; deliveries wait"),
            }
        }
        contacts
    }

    async fn attempt(
        &self,
        delivery: &Delivery,
        notice: &Notice,
        contacts: &HashMap<String, Contact>,
        now: DateTime<Utc>,
    ) -> Outcome {
        if delivery.channel == "sms"
            && !delivery.urgent
            && let Some(until) = self.outside_window(now)
        {
            return Outcome::Deferred(until);
        }
        // Over the provider's rate: the next round tries again, no attempt counted.
        if let Err(wait) = self.channels.admit(&delivery.channel, &delivery.tenant) {
            let wait = wait.max(Duration::from_secs(1));
            return Outcome::Deferred(now + chrono::Duration::from_std(wait).unwrap_or_default());
        }
        let mut wechat_address = String::new();
        let address = if delivery.channel == "letter" {
            // The print queue needs no address: the post room prints it on the envelope.
            ""
        } else if delivery.channel == "wecom" {
            // A unit's group robot.
            notice.audience.strip_prefix("unit:").unwrap_or_default()
        } else if delivery.channel == "app" {
            // A member of staff's work app: `wecom:<userid>` or `dingtalk:<userId>`.
            notice.recipient_masked.as_str()
        } else {
            let Some(contact) = contacts.get(&delivery.case_id) else {
                return Outcome::Failed(SendError::Transient("intake released no contact for the case".into()));
            };
            if delivery.channel == "wechat" {
                // Free-form replies only within WeChat's window after the user's last message.
                let open = DateTime::parse_from_rfc3339(&contact.reply_window_ends_at)
                    .is_ok_and(|ends| ends.with_timezone(&Utc) > now);
                if !open || contact.wechat_openid.is_empty() {
                    return Outcome::Failed(SendError::Permanent(
                        "WeChat's 48-hour window for replies has closed".into(),
                    ));
                }
                wechat_address = format!("wechat:{}", contact.wechat_openid);
            }
            match delivery.channel.as_str() {
                "email" => contact.email.as_str(),
                "sms" => contact.phone.as_str(),
                "wechat" => wechat_address.as_str(),
                other => return Outcome::Failed(SendError::Permanent(format!("no adapter sends `{other}`"))),
            }
        };
        if address.is_empty() && delivery.channel != "letter" {
            return Outcome::Failed(SendError::Permanent(format!(
                "the complainant left no {} address",
                delivery.channel
            )));
        }
        let Some(sender) = self.channels.sender(&delivery.channel) else {
            return Outcome::Failed(SendError::Transient(format!(
                "no provider is configured for {}",
                delivery.channel
            )));
        };
        // The complainant's name, released for this send only, fills the notice's slot.
        let named;
        let notice = if notice.audience == "complainant" {
            let Some(contact) = contacts.get(&delivery.case_id) else {
                return Outcome::Failed(SendError::Transient("intake released no contact for the case".into()));
            };
            named = crate::plan::with_name(notice, &contact.name);
            &named
        } else {
            notice
        };
        let outgoing = Outgoing {
            notice,
            delivery,
            address,
        };
        match sender.send(&outgoing).await {
            Ok(reference) => Outcome::Sent(reference),
            // A provider's words may quote the address it refused ("550 <li.wei@…>: unknown"):
            // they are logged and kept with the delivery, so the address is masked first.
            Err(error) => Outcome::Failed(scrubbed(error, address, &notice.recipient_masked)),
        }
    }

    /// When the SMS window opens next, if `now` is outside it (Beijing time).
    fn outside_window(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (from, to) = self.channels.sms_window?;
        outside(from, to, now)
    }
}

/// A send's error with the recipient's address, as it was sent (an e-mail address, a phone, an
/// OpenID), replaced by its masked form.
fn scrubbed(error: SendError, address: &str, masked: &str) -> SendError {
    let scrub = |text: String| {
        let bare = address.split_once(':').map_or(address, |(_, id)| id);
        if bare.len() < 4 {
            text
        } else {
            text.replace(bare, if masked.is_empty() { "***" } else { masked })
        }
    };
    match error {
        SendError::Transient(text) => SendError::Transient(scrub(text)),
        SendError::Permanent(text) => SendError::Permanent(scrub(text)),
    }
}

/// When a window from `from` to `to` (Beijing time; equal ends: always open) opens next, if `now`
/// is outside it.
fn outside(from: chrono::NaiveTime, to: chrono::NaiveTime, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    {
        if from == to {
            return None;
        }
        let local = now.with_timezone(&chrono_tz::Asia::Shanghai);
        let time = local.time();
        if time >= from && time < to {
            return None;
        }
        let day = if time < from {
            local.date_naive()
        } else {
            local.date_naive().succ_opt()?
        };
        day.and_time(from)
            .and_local_timezone(chrono_tz::Asia::Shanghai)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// Records a provider's report on a sent message found by its idempotency key (an SMS receipt
/// by its `out_id`, an e-mail's delivery status notification by its Message-ID): `delivered`, or
/// `bounced` with the provider's code — then `notice.failed` (action `notice_bounced` on the
/// case's timeline) and, for the complainant's notice, a call on the agents' list. Answers
/// whether a sent message had the key (`false`: unknown, or reported before).
#[allow(clippy::too_many_arguments)]
pub async fn report(
    tx: &mut store::Conn,
    tenant: &str,
    channel: &str,
    key: &str,
    delivered: bool,
    code: &str,
    reported_at: &str,
    now: DateTime<Utc>,
) -> Result<bool, store::Error> {
    let Some(notice_id) = sql::record_receipt(tx, tenant, channel, key, delivered, code, reported_at).await? else {
        return Ok(false);
    };
    if delivered {
        return Ok(true);
    }
    let Some(notice) = sql::notice(tx, &notice_id).await? else {
        return Ok(true);
    };
    let failed = NoticeFailed {
        notice_id: notice.notice_id.clone(),
        notice_kind: notice.notice_kind.clone(),
        channel: channel.to_owned(),
        failed_at: text(now),
        attempts: 1,
        error: format!("bounced: {code}"),
    };
    let detail = serde_json::json!({"notice": notice.notice_kind, "channel": channel,
        "recipient": notice.recipient_masked, "code": code, "idempotency_key": key});
    emit(
        tx,
        (&notice.tenant, &notice.case_id),
        now,
        "notice.failed",
        failed.encode_to_vec(),
        "notice_bounced",
        &detail,
    )
    .await?;
    Ok(true)
}

async fn emit(
    tx: &mut store::Conn,
    (tenant, case_id): (&str, &str),
    now: DateTime<Utc>,
    event_type: &'static str,
    payload: Vec<u8>,
    action: &str,
    detail: &serde_json::Value,
) -> Result<(), store::Error> {
    let case_id = uuid::Uuid::parse_str(case_id).map_err(|_| store::Error::Corrupt(format!("case id {case_id}")))?;
    let new_event = NewEvent {
        tenant: tenant.to_owned(),
        event_type,
        case_id,
        payload: Bytes::from(payload),
    };
    store::messaging::emit(tx, &Origin::at(SERVICE, now), new_event, action, detail).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone};

    #[test]
    fn a_providers_error_never_keeps_the_address_it_quotes() {
        let refused = SendError::Permanent("550 5.1.1 <li.wei@example.com>: Recipient address rejected".into());
        let kept = scrubbed(refused, "li.wei@example.com", "l***@example.com");
        assert_eq!(
            kept.to_string(),
            "550 5.1.1 <l***@example.com>: Recipient address rejected"
        );
        let sms = scrubbed(
            SendError::Transient("isv.MOBILE_NUMBER_ILLEGAL: 13800000001".into()),
            "13800000001",
            "138****0001",
        );
        assert!(matches!(sms, SendError::Transient(ref t) if t == "isv.MOBILE_NUMBER_ILLEGAL: 138****0001"));
        let wechat = scrubbed(
            SendError::Permanent("wechat: 40003: invalid openid oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
            "wechat:oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "wechat:oUpF***WeS6o",
        );
        assert!(!wechat.to_string().contains("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"), "{wechat}");
    }

    #[test]
    fn a_non_urgent_sms_waits_for_eight_in_the_morning_beijing_time() {
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
        let utc = |d, h, m| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).single().expect("instant");
        // 22:30 in Beijing is 14:30 UTC: held until 08:00 the next morning (00:00 UTC).
        assert_eq!(outside(at(8, 0), at(21, 0), utc(5, 14, 30)), Some(utc(6, 0, 0)));
        // 06:00 in Beijing (22:00 UTC the day before): held until 08:00 the same morning.
        assert_eq!(outside(at(8, 0), at(21, 0), utc(4, 22, 0)), Some(utc(5, 0, 0)));
        // 10:00 in Beijing: goes now.
        assert_eq!(outside(at(8, 0), at(21, 0), utc(5, 2, 0)), None);
        // Equal ends: no window.
        assert_eq!(outside(at(0, 0), at(0, 0), utc(5, 14, 30)), None);
    }
}

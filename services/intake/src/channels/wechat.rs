//! WeChat official account: messages WeChat's server pushes to the account's server URL
//! (plaintext mode). The signature is the hex SHA-1 of the token, the timestamp and the nonce,
//! sorted and concatenated; the server configuration check (GET with `echostr`) answers the
//! echo. A message is read from XML per WeChat's documented format with `quick-xml`'s serde
//! support; a new one from an OpenID opens a case or joins that OpenID's open case as
//! correspondence, and moves the time of the complainant's last message (the 48-hour window).

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use domain::Tenant;
use domain::complaint::{ComplainantInput, ComplaintInput, is_wechat_openid};
use prost::Message as _;
use rpc::events::v1::CaseCorrespondenceReceived;
use serde::Deserialize;
use sha1::{Digest, Sha1};
use store::{HistoryEntry, NewEvent, Origin};

use super::config::WechatConfig;
use super::{Error, sql};
use crate::SERVICE;
use crate::register::{Desk, Submission};
use crate::store::{self as case_sql, CorrespondenceRow, at};

/// How long after the user's last message a free-form reply may go out.
pub const REPLY_WINDOW_HOURS: i64 = 48;

/// The end of WeChat's window for free-form replies: 48 hours after the last message.
pub fn reply_window_ends_at(last_message_at: Option<&str>) -> Option<String> {
    let last = DateTime::parse_from_rfc3339(last_message_at?).ok()?.with_timezone(&Utc);
    Some((last + chrono::Duration::hours(REPLY_WINDOW_HOURS)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The query WeChat signs.
#[derive(Debug, Clone, Default)]
pub struct Signed {
    pub signature: String,
    pub timestamp: String,
    pub nonce: String,
}

/// A pushed message (the fields intake reads; others are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Message {
    #[serde(rename = "ToUserName")]
    pub to_user: String,
    #[serde(rename = "FromUserName")]
    pub from_user: String,
    #[serde(rename = "CreateTime")]
    pub create_time: i64,
    #[serde(rename = "MsgType")]
    pub msg_type: String,
    #[serde(rename = "Content", default)]
    pub content: Option<String>,
    #[serde(rename = "MsgId", default)]
    pub msg_id: Option<String>,
    #[serde(rename = "Recognition", default)]
    pub recognition: Option<String>,
    #[serde(rename = "Label", default)]
    pub label: Option<String>,
    #[serde(rename = "Title", default)]
    pub title: Option<String>,
    #[serde(rename = "Url", default)]
    pub url: Option<String>,
    #[serde(rename = "Event", default)]
    pub event: Option<String>,
}

/// What a push became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// It opened this case.
    Case(String),
    /// It joined this open case.
    Correspondence(String),
    /// Its `MsgId` was taken in before (WeChat retries).
    Duplicate(String),
    /// An event or a message with nothing to register.
    Ignored,
}

/// The signature WeChat computes: hex SHA-1 of token, timestamp and nonce sorted and joined.
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> String {
    let mut parts = [token, timestamp, nonce];
    parts.sort_unstable();
    hex::encode(Sha1::digest(parts.concat().as_bytes()))
}

/// Checks a signed query: the signature, and a timestamp within `tolerance_secs` of `now` (in
/// plaintext mode the signature does not cover the body, so a stale one is refused).
pub fn verify(config: &WechatConfig, signed: &Signed, now: DateTime<Utc>) -> Result<(), Error> {
    let expected = signature(&config.token, &signed.timestamp, &signed.nonce);
    let given = signed.signature.trim().to_ascii_lowercase();
    if !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(Error::Unauthorized {
            field: "signature",
            message: "the signature does not match the token, timestamp and nonce".into(),
        });
    }
    let timestamp: i64 = signed.timestamp.trim().parse().map_err(|_| Error::Unauthorized {
        field: "timestamp",
        message: "timestamp must be Unix seconds".into(),
    })?;
    if now.timestamp().abs_diff(timestamp) > config.tolerance_secs {
        return Err(Error::Unauthorized {
            field: "timestamp",
            message: "timestamp is too far from now; the push may be replayed".into(),
        });
    }
    Ok(())
}

/// Equality that takes as long whatever the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads a pushed message.
pub fn parse(body: &[u8]) -> Result<Message, Error> {
    let text = std::str::from_utf8(body).map_err(|_| Error::invalid("body", "utf8", "the message is not UTF-8"))?;
    quick_xml::de::from_str(text)
        .map_err(|e| Error::invalid("body", "xml", format!("the message is not WeChat's XML: {e}")))
}

/// The text a message contributes, or `None` for what registers nothing.
pub fn text_of(message: &Message) -> Option<String> {
    let some = |text: &Option<String>| {
        text.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    match message.msg_type.as_str() {
        "text" => some(&message.content),
        "voice" => Some(some(&message.recognition).unwrap_or_else(|| "[语音 voice message]".into())),
        "image" => Some("[图片 image]".into()),
        "video" | "shortvideo" => Some("[视频 video]".into()),
        "location" => Some(format!("[位置 location] {}", some(&message.label).unwrap_or_default())),
        "link" => Some(format!(
            "[链接 link] {} {}",
            some(&message.title).unwrap_or_default(),
            some(&message.url).unwrap_or_default()
        )),
        _ => None,
    }
}

impl Desk {
    fn wechat_config(&self, tenant: &Tenant) -> Result<&WechatConfig, Error> {
        self.channels
            .config
            .wechat
            .as_ref()
            .filter(|wechat| wechat.tenant == tenant.as_str())
            .ok_or(Error::NotFound("WeChat official account for this tenant"))
    }

    /// WeChat's server configuration check: answers `echostr` when the query is signed.
    pub fn wechat_verify(&self, tenant: &Tenant, signed: &Signed, echostr: &str) -> Result<String, Error> {
        verify(self.wechat_config(tenant)?, signed, self.clock.now())?;
        Ok(echostr.to_owned())
    }

    /// Takes a pushed message: a new case, correspondence of its OpenID's open case, a
    /// duplicate, or nothing.
    pub async fn wechat_push(&self, tenant: &Tenant, signed: &Signed, body: &[u8]) -> Result<Pushed, Error> {
        let config = self.wechat_config(tenant)?;
        let now = self.clock.now();
        verify(config, signed, now)?;
        let message = parse(body)?;
        let (Some(msg_id), Some(text)) = (message.msg_id.clone(), text_of(&message)) else {
            return Ok(Pushed::Ignored);
        };
        if !is_wechat_openid(&message.from_user) {
            return Err(Error::invalid(
                "FromUserName",
                "format",
                "FromUserName must be an OpenID",
            ));
        }
        let received_at = Utc
            .timestamp_opt(message.create_time, 0)
            .single()
            .filter(|at| *at <= now)
            .unwrap_or(now);
        let index = self
            .cipher
            .blind_index(tenant.as_str(), "wechat_openid", &message.from_user);
        let since = received_at - chrono::Duration::days(i64::from(config.join_window_days));
        let open_case = {
            let mut conn = self.db.reader().acquire().await.map_err(store::Error::from)?;
            if let Some((_, case_id)) = sql::known_wechat_message(&mut conn, tenant.as_str(), &msg_id).await? {
                return Ok(Pushed::Duplicate(case_id));
            }
            sql::open_wechat_case(&mut conn, tenant.as_str(), &index, since).await?
        };
        if let Some(case_id) = open_case {
            return self
                .wechat_correspondence(tenant, &message, &msg_id, &text, &case_id, received_at)
                .await;
        }
        let chinese = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let submission = Submission {
            input: ComplaintInput {
                channel: Some("wechat".into()),
                narrative: Some(text.chars().take(domain::complaint::NARRATIVE_MAX_CHARS).collect()),
                received_at: Some(at(received_at)),
                complainant: Some(ComplainantInput {
                    wechat_openid: Some(message.from_user.clone()),
                    preferred_channel: Some("wechat".into()),
                    ..ComplainantInput::default()
                }),
                ..ComplaintInput::default()
            },
            idempotency: None,
            registered_by: format!("wechat:{}", message.to_user),
            language_hint: Some(if chinese { "zh-CN" } else { "en" }.into()),
            channel_details_json: Some(
                serde_json::json!({"wechat": {"account": message.to_user, "msg_id": msg_id,
                    "msg_type": message.msg_type}})
                .to_string(),
            ),
        };
        let registered = self
            .register_with(tenant, submission, |prepared| {
                prepared.channel.wechat_message = Some(msg_id.clone());
                let (tenant, case_id) = (prepared.tenant.to_string(), prepared.row.id.clone());
                prepared.channel.row_for(&tenant, &case_id).last_inbound_at = Some(at(received_at));
                Ok(())
            })
            .await?;
        Ok(Pushed::Case(registered.case_id))
    }

    /// Records a message that joined its OpenID's open case, as a reply by e-mail is
    /// (decision 0006): the row, `last_inbound_at`, the message's id, a timeline entry and
    /// `case.correspondence_received`, in one transaction.
    async fn wechat_correspondence(
        &self,
        tenant: &Tenant,
        message: &Message,
        msg_id: &str,
        text: &str,
        case_id: &str,
        received_at: DateTime<Utc>,
    ) -> Result<Pushed, Error> {
        let case_uuid = uuid::Uuid::parse_str(case_id)
            .map_err(|_| store::Error::Corrupt(format!("case id {case_id} is not a UUID")))?;
        let now = self.clock.now();
        let sealed = |json: serde_json::Value| {
            self.cipher
                .encrypt(tenant.as_str(), case_id.as_bytes(), json.to_string().as_bytes())
        };
        let row = CorrespondenceRow {
            id: uuid::Uuid::now_v7().to_string(),
            tenant: tenant.to_string(),
            case_id: case_id.to_owned(),
            channel: "wechat".into(),
            matched_by: "open_case".into(),
            from_complainant: true,
            received_at: at(received_at),
            sender: sealed(serde_json::json!({"wechat_openid": message.from_user}))?,
            content: sealed(serde_json::json!({"msg_type": message.msg_type, "text": text}))?,
            recorded_at: at(now),
        };
        let event = CaseCorrespondenceReceived {
            channel: "wechat".into(),
            received_at: received_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            matched_by: "open_case".into(),
            from_complainant: true,
            attachments: 0,
        };
        let origin = Origin {
            source: SERVICE,
            occurred_at: now,
            causation_id: None,
            correlation_id: Some(case_uuid),
            traceparent: None,
        };
        let mut tx = self.db.begin().await?;
        if let Some((_, earlier)) = sql::known_wechat_message(&mut tx, tenant.as_str(), msg_id).await? {
            return Ok(Pushed::Duplicate(earlier));
        }
        sql::remember_wechat_message(&mut tx, tenant.as_str(), msg_id, "correspondence", case_id, now).await?;
        case_sql::insert_correspondence(&mut tx, &row).await?;
        sql::touch_inbound(&mut tx, tenant.as_str(), case_id, received_at).await?;
        store::messaging::append_events(
            &mut tx,
            &origin,
            vec![NewEvent {
                tenant: tenant.to_string(),
                event_type: "case.correspondence_received",
                case_id: case_uuid,
                payload: Bytes::from(event.encode_to_vec()),
            }],
        )
        .await?;
        store::messaging::append_history(
            &mut tx,
            &[HistoryEntry {
                tenant: tenant.to_string(),
                case_id: case_uuid,
                at: now,
                action: "correspondence_received".into(),
                actor: format!("wechat:{}", message.to_user),
                detail_json: serde_json::json!({"channel": "wechat", "matched_by": "open_case",
                    "from_complainant": true, "msg_type": message.msg_type})
                .to_string(),
            }],
        )
        .await?;
        self.db.commit(tx).await?;
        Ok(Pushed::Correspondence(case_id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> WechatConfig {
        WechatConfig {
            tenant: "default".into(),
            token: "redresstoken".into(),
            tolerance_secs: 300,
            join_window_days: 30,
        }
    }

    #[test]
    fn the_signature_is_the_sha1_of_the_sorted_token_timestamp_and_nonce() {
        // sorted: "1409304348" < "redresstoken" < "xxxxxx"
        let expected = hex::encode(Sha1::digest(b"1409304348redresstokenxxxxxx"));
        assert_eq!(signature("redresstoken", "1409304348", "xxxxxx"), expected);
        let now = Utc.timestamp_opt(1_409_304_348, 0).single().expect("valid");
        let signed = Signed {
            signature: expected.clone(),
            timestamp: "1409304348".into(),
            nonce: "xxxxxx".into(),
        };
        verify(&config(), &signed, now).expect("valid");
        let forged = Signed {
            nonce: "yyyyyy".into(),
            ..signed.clone()
        };
        assert!(matches!(
            verify(&config(), &forged, now),
            Err(Error::Unauthorized { field: "signature", .. })
        ));
        let later = now + chrono::Duration::seconds(301);
        assert!(matches!(
            verify(&config(), &signed, later),
            Err(Error::Unauthorized { field: "timestamp", .. })
        ));
    }

    #[test]
    fn a_text_message_is_read_from_wechats_xml() {
        let xml = "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
            <FromUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName>\
            <CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>\
            <Content><![CDATA[4S店维修后又漏油 <急>]]></Content><MsgId>1234567890123456</MsgId>\
            <MsgDataId>xxxx</MsgDataId></xml>";
        let message = parse(xml.as_bytes()).expect("parses");
        assert_eq!(message.from_user, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
        assert_eq!(message.create_time, 1_348_831_860);
        assert_eq!(message.msg_id.as_deref(), Some("1234567890123456"));
        assert_eq!(text_of(&message).as_deref(), Some("4S店维修后又漏油 <急>"));
        let event = "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
            <FromUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName>\
            <CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType>\
            <Event><![CDATA[subscribe]]></Event></xml>";
        let subscribe = parse(event.as_bytes()).expect("parses");
        assert_eq!((subscribe.msg_id.clone(), text_of(&subscribe)), (None, None));
        assert!(matches!(
            parse(b"<xml><broken>"),
            Err(Error::Invalid { rule: "xml", .. })
        ));
    }
}

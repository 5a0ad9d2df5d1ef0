//! The channels a notice goes out on (decision 0005), behind one trait: e-mail over SMTP
//! (`lettre`), SMS through an HTTP provider modelled on Chinese SMS APIs (approved template id,
//! parameters, the organisation's signature, an `out_id` for idempotency), and, for a channel
//! without a provider, files in an outbox directory (the embedded default, so a newcomer sees what
//! would have been sent).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::store::{Delivery, Notice};

/// How notification reaches people.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelsConfig {
    /// The SMTP server e-mail goes through.
    pub email: Option<SmtpConfig>,
    /// The SMS provider.
    pub sms: Option<SmsConfig>,
    /// Group robots by unit id: where a unit's staff notices (escalations, dispatches) are posted
    /// as WeCom or DingTalk group messages.
    pub groups: BTreeMap<String, GroupWebhook>,
    /// Where notices of a channel without a provider are written as files
    /// (`<channel>/<notice id>.eml` or `.json`), and printable letters as PDF (`letter/`, the
    /// print queue); without it such deliveries fail and are retried.
    pub outbox_dir: Option<PathBuf>,
    pub delivery: DeliveryConfig,
    /// The staff every batch alert reaches (head office's customer-service supervisors).
    pub supervisors: Vec<String>,
    /// The callback after a result notice: the invitation, and the agents' call list.
    pub callbacks: CallbackConfig,
    /// Sends per minute a channel's provider accepts from a tenant (`sms = 60`); a send over the
    /// rate waits for the next round without counting as an attempt.
    pub rate_limits: BTreeMap<String, u32>,
    /// The work apps whose messages reach a member of staff in person (`[notification.apps.wecom]`,
    /// `[notification.apps.dingtalk]`); the directory names each member's user id.
    pub apps: AppsConfig,
    /// The mailbox e-mail bounces come back to (`[notification.email] return_path`), read over
    /// IMAP: a bounced e-mail's delivery becomes `bounced`.
    pub bounces: Option<crate::bounces::BounceMailbox>,
    /// The organisation's WeChat official account (公众号): a complainant who wrote through it is
    /// answered there while WeChat's 48-hour window for free-form replies is open.
    pub wechat: Option<WechatAccount>,
}

/// The organisation's work apps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppsConfig {
    pub wecom: Option<WecomApp>,
    pub dingtalk: Option<DingtalkApp>,
}

impl AppsConfig {
    /// The apps configured (`wecom`, `dingtalk`).
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds = Vec::new();
        if self.wecom.is_some() {
            kinds.push("wecom");
        }
        if self.dingtalk.is_some() {
            kinds.push("dingtalk");
        }
        kinds
    }
}

/// A WeCom (企业微信) self-built app: its messages come from the app to one member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomApp {
    pub corp_id: String,
    pub secret: String,
    pub agent_id: i64,
    /// `https://qyapi.weixin.qq.com` unless a proxy stands in between.
    #[serde(default = "default_wecom_base")]
    pub base_url: String,
}

fn default_wecom_base() -> String {
    "https://qyapi.weixin.qq.com".into()
}

/// A DingTalk (钉钉) internal app: its work notices reach one member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DingtalkApp {
    pub app_key: String,
    pub app_secret: String,
    pub agent_id: i64,
    /// `https://oapi.dingtalk.com` unless a proxy stands in between.
    #[serde(default = "default_dingtalk_base")]
    pub base_url: String,
}

fn default_dingtalk_base() -> String {
    "https://oapi.dingtalk.com".into()
}

/// A WeChat official account (公众号): its customer-service messages (客服消息) answer a user
/// within 48 hours of their last message.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatAccount {
    pub app_id: String,
    pub app_secret: String,
    /// `https://api.weixin.qq.com` unless a proxy stands in between.
    #[serde(default = "default_wechat_base")]
    pub base_url: String,
}

impl std::fmt::Debug for WechatAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatAccount")
            .field("app_id", &self.app_id)
            .field("app_secret", &"<redacted>")
            .field("base_url", &self.base_url)
            .finish()
    }
}

fn default_wechat_base() -> String {
    "https://api.weixin.qq.com".into()
}

/// The most bytes of text one WeChat customer-service message carries.
const WECHAT_TEXT_BYTES: usize = 2048;

/// `text` cut at a character boundary to at most `limit` bytes, with `…` when cut.
fn cut_to_bytes(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut end = limit.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The callback after a result notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackConfig {
    /// Send the complainant the callback invitation with the result.
    pub invitation: bool,
    /// The call is due this many hours after the result notice.
    pub within_hours: u32,
    /// After an attempt that reached nobody, the next is due this many hours later.
    pub retry_hours: u32,
}

impl Default for CallbackConfig {
    fn default() -> Self {
        Self {
            invitation: true,
            within_hours: 72,
            retry_hours: 4,
        }
    }
}

/// An SMTP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// The sender's address, e.g. `notice@example.com`.
    pub from: String,
    /// The sender's name, e.g. the organisation's.
    #[serde(default)]
    pub from_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// `starttls` (the default: upgrade when the server offers it), `required_starttls`,
    /// `smtps` (TLS from the first byte, port 465) or `none`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// The envelope sender (`MAIL FROM`) bounces go back to, e.g. `bounces@example.com`: the
    /// mailbox `[notification.bounces]` reads. Without it bounces go to `from`.
    #[serde(default)]
    pub return_path: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    #[default]
    Starttls,
    RequiredStarttls,
    Smtps,
    None,
}

fn default_smtp_port() -> u16 {
    25
}

/// A group robot's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupWebhook {
    pub kind: GroupKind,
    /// The robot's webhook address (WeCom: `…/cgi-bin/webhook/send?key=…`; DingTalk:
    /// `…/robot/send?access_token=…`).
    pub url: String,
    /// DingTalk's signing secret (`SEC…`): each request is signed with it.
    #[serde(default)]
    pub secret: Option<String>,
}

/// Which robot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Wecom,
    Dingtalk,
}

/// An SMS provider's HTTP endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// Where requests are posted.
    pub endpoint: String,
    /// The organisation's approved signature (签名), e.g. `【天河比亚迪】` without the brackets.
    pub sign_name: String,
    /// Sent as a bearer token when set.
    #[serde(default)]
    pub access_key: Option<String>,
    /// Non-urgent messages go out only inside this window of Beijing time (`HH:MM-HH:MM`; equal
    /// ends mean no window).
    #[serde(default = "default_window")]
    pub window: String,
    /// The token the provider's receipt callback (回执) carries (`?token=`); receipts are refused
    /// without it.
    #[serde(default)]
    pub receipt_token: Option<String>,
}

fn default_window() -> String {
    "08:00-21:00".into()
}

/// Retries and pacing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Attempts before a delivery is dead.
    pub max_attempts: u32,
    /// The first retry's delay, doubling up to `backoff_max_seconds`.
    pub backoff_min_seconds: u64,
    pub backoff_max_seconds: u64,
    /// Deliveries claimed per round.
    pub batch: i64,
    /// How often due deliveries are looked for, in milliseconds.
    pub tick_ms: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            backoff_min_seconds: 30,
            backoff_max_seconds: 3600,
            batch: 20,
            tick_ms: 500,
        }
    }
}

impl DeliveryConfig {
    /// The delay before attempt `attempts + 1` after `attempts` failed ones: exponential from
    /// the minimum, capped, with jitter (`backon`).
    pub fn backoff(&self, attempts: u32) -> Duration {
        use backon::BackoffBuilder as _;
        let builder = backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(self.backoff_min_seconds.max(1)))
            .with_max_delay(Duration::from_secs(self.backoff_max_seconds.max(1)))
            .with_jitter()
            .with_max_times(usize::MAX);
        builder
            .build()
            .nth(attempts.saturating_sub(1) as usize)
            .unwrap_or(Duration::from_secs(self.backoff_max_seconds))
    }
}

/// What goes out: a recorded notice, its delivery, and the address intake released for it.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub notice: &'a Notice,
    pub delivery: &'a Delivery,
    /// The e-mail address or phone number, in the clear, for this send only.
    pub address: &'a str,
}

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another attempt later (the server is down, a timeout, a 5xx).
    #[error("{0}")]
    Transient(String),
    /// Another attempt would fail the same way (a refused address, a bad template).
    #[error("{0}")]
    Permanent(String),
}

/// A channel's adapter.
#[async_trait]
pub trait Sender: Send + Sync {
    /// Sends; answers the provider's reference.
    async fn send(&self, outgoing: &Outgoing<'_>) -> Result<String, SendError>;
}

/// What a notice's detail says for its channel: an SMS's template and parameters, a neutral
/// sender, a letter's parts, the template version it was rendered from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Detail {
    pub sms_template_id: Option<String>,
    pub sms_params: BTreeMap<String, String>,
    /// What the provider will send, kept for the record.
    pub sms_text: Option<String>,
    /// Send under this name instead of the organisation's (a misconduct report's reporter).
    pub sender_name: Option<String>,
    pub letter: Option<LetterDetail>,
    pub template_version: u32,
}

/// A printable letter's parts (`dossier::Letter`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LetterDetail {
    /// `zh-CN` or `en`.
    pub language: String,
    pub organisation: String,
    pub title: String,
    pub reference: String,
    pub salutation: String,
    pub paragraphs: Vec<String>,
    pub closing: String,
    pub signature: String,
    pub date: String,
    pub contact: Option<String>,
}

impl LetterDetail {
    /// The letter the PDF is drawn from.
    pub fn letter(&self) -> dossier::Letter {
        dossier::Letter {
            language: if self.language == "en" {
                dossier::Language::En
            } else {
                dossier::Language::Zh
            },
            organisation: self.organisation.clone(),
            title: self.title.clone(),
            reference: self.reference.clone(),
            salutation: self.salutation.clone(),
            paragraphs: self.paragraphs.clone(),
            closing: self.closing.clone(),
            signature: self.signature.clone(),
            date: self.date.clone(),
            contact: self.contact.clone(),
        }
    }
}

impl Detail {
    /// The detail of a notice; an unreadable one is empty.
    pub fn of(notice: &Notice) -> Self {
        serde_json::from_str(&notice.detail_json).unwrap_or_default()
    }
}

/// The e-mail a notice becomes.
fn email_message(
    config_from: &str,
    from_name: Option<&str>,
    return_path: Option<&str>,
    outgoing: &Outgoing<'_>,
) -> Result<Message, SendError> {
    let detail = Detail::of(outgoing.notice);
    let name = detail.sender_name.or_else(|| from_name.map(str::to_owned));
    let from: Mailbox = format!("{} <{config_from}>", name.unwrap_or_default())
        .trim()
        .parse()
        .or_else(|_| config_from.parse())
        .map_err(|e| SendError::Permanent(format!("the sender `{config_from}`: {e}")))?;
    let to: Mailbox = outgoing
        .address
        .parse()
        .map_err(|e| SendError::Permanent(format!("the address: {e}")))?;
    let mut builder = Message::builder();
    if let Some(return_path) = return_path {
        let sender: lettre::Address = return_path
            .parse()
            .map_err(|e| SendError::Permanent(format!("notification.email.return_path `{return_path}`: {e}")))?;
        let envelope = lettre::address::Envelope::new(Some(sender), vec![to.email.clone()])
            .map_err(|e| SendError::Permanent(format!("the envelope: {e}")))?;
        builder = builder.envelope(envelope);
    }
    builder
        .from(from)
        .to(to)
        .subject(outgoing.notice.subject.clone())
        .message_id(Some(outgoing.delivery.idempotency_key.clone()))
        .header(ContentType::TEXT_PLAIN)
        .body(outgoing.notice.body.clone())
        .map_err(|e| SendError::Permanent(format!("the message: {e}")))
}

/// E-mail over SMTP.
pub struct Smtp {
    config: SmtpConfig,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Smtp {
    pub fn new(config: SmtpConfig) -> Result<Self, String> {
        use lettre::transport::smtp::client::{Tls, TlsParameters};
        let parameters =
            || TlsParameters::new(config.host.clone()).map_err(|error| format!("notification.email.tls: {error}"));
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Opportunistic(parameters()?),
            SmtpTls::RequiredStarttls => Tls::Required(parameters()?),
            SmtpTls::Smtps => Tls::Wrapper(parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(15)));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            config,
        })
    }
}

#[async_trait]
impl Sender for Smtp {
    async fn send(&self, outgoing: &Outgoing<'_>) -> Result<String, SendError> {
        let config = &self.config;
        let message = email_message(
            &config.from,
            config.from_name.as_deref(),
            config.return_path.as_deref(),
            outgoing,
        )?;
        match self.transport.send(message).await {
            Ok(response) => Ok(response.message().collect::<Vec<_>>().join(" ")),
            Err(error) if error.is_permanent() => Err(SendError::Permanent(error.to_string())),
            Err(error) => Err(SendError::Transient(error.to_string())),
        }
    }
}

/// The request an SMS provider receives (Aliyun-like field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsRequest {
    pub phone_numbers: String,
    pub sign_name: String,
    pub template_code: String,
    /// The template's parameters as a JSON object in a string, as such APIs take them.
    pub template_param: String,
    /// Our idempotency key: the provider sends a message once per `out_id`.
    pub out_id: String,
}

/// What an SMS provider answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsReply {
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub biz_id: String,
}

/// Provider codes that another attempt would not change.
const PERMANENT_SMS_CODES: &[&str] = &[
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
];

fn sms_request(sign_name: &str, outgoing: &Outgoing<'_>) -> Result<SmsRequest, SendError> {
    let detail = Detail::of(outgoing.notice);
    let template_code = detail
        .sms_template_id
        .ok_or_else(|| SendError::Permanent("the notice has no SMS template".into()))?;
    Ok(SmsRequest {
        phone_numbers: outgoing.address.to_owned(),
        sign_name: sign_name.to_owned(),
        template_code,
        template_param: serde_json::to_string(&detail.sms_params).unwrap_or_else(|_| "{}".into()),
        out_id: outgoing.delivery.idempotency_key.clone(),
    })
}

/// SMS through the provider's HTTP API.
pub struct HttpSms {
    config: SmsConfig,
    client: reqwest::Client,
}

impl HttpSms {
    pub fn new(config: SmsConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self { config, client }
    }
}

#[async_trait]
impl Sender for HttpSms {
    async fn send(&self, outgoing: &Outgoing<'_>) -> Result<String, SendError> {
        let request = sms_request(&self.config.sign_name, outgoing)?;
        let mut call = self.client.post(&self.config.endpoint).json(&request);
        if let Some(key) = &self.config.access_key {
            call = call.bearer_auth(key);
        }
        let response = call
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("the SMS provider: {e}")))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(SendError::Transient(format!("the SMS provider answered {status}")));
        }
        if !status.is_success() {
            return Err(SendError::Permanent(format!("the SMS provider answered {status}")));
        }
        let reply: SmsReply = response
            .json()
            .await
            .map_err(|e| SendError::Transient(format!("the SMS provider's answer: {e}")))?;
        match reply.code.as_str() {
            "OK" => Ok(reply.biz_id),
            code if PERMANENT_SMS_CODES.contains(&code) => {
                Err(SendError::Permanent(format!("{code}: {}", reply.message)))
            }
            code => Err(SendError::Transient(format!("{code}: {}", reply.message))),
        }
    }
}

/// Files in the outbox directory, for a channel without a provider.
pub struct OutboxFiles {
    pub dir: PathBuf,
    pub from: String,
}

#[async_trait]
impl Sender for OutboxFiles {
    async fn send(&self, outgoing: &Outgoing<'_>) -> Result<String, SendError> {
        let channel = outgoing.delivery.channel.as_str();
        let dir = self.dir.join(channel);
        let (name, bytes) = match channel {
            "email" => (
                format!("{}.eml", outgoing.notice.notice_id),
                email_message(&self.from, None, None, outgoing)?.formatted(),
            ),
            _ => (
                format!("{}.json", outgoing.notice.notice_id),
                serde_json::to_vec_pretty(&sms_request("outbox", outgoing)?)
                    .map_err(|e| SendError::Permanent(e.to_string()))?,
            ),
        };
        let path = dir.join(name);
        let write = async {
            tokio::fs::create_dir_all(&dir).await?;
            tokio::fs::write(&path, bytes).await
        };
        write
            .await
            .map_err(|e| SendError::Transient(format!("{}: {e}", path.display())))?;
        Ok(format!("file:{}", path.display()))
    }
}

/// WeCom and DingTalk group robots, in their documented shapes: a text message; DingTalk's
/// requests signed with HMAC-SHA256 over `timestamp\nsecret` when the robot has a secret.
pub struct GroupRobots {
    groups: BTreeMap<String, GroupWebhook>,
    client: reqwest::Client,
}

/// The DingTalk signature of `timestamp` (milliseconds) with `secret`: base64 of
/// HMAC-SHA256(secret, "timestamp\nsecret").
pub fn dingtalk_sign(timestamp: i64, secret: &str) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// What a group robot answers.
#[derive(Debug, Clone, Deserialize)]
struct RobotReply {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

impl GroupRobots {
    pub fn new(groups: BTreeMap<String, GroupWebhook>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self { groups, client }
    }
}

#[async_trait]
impl Sender for GroupRobots {
    async fn send(&self, outgoing: &Outgoing<'_>) -> Result<String, SendError> {
        let group = self
            .groups
            .get(outgoing.address)
            .ok_or_else(|| SendError::Permanent(format!("no group robot for unit `{}`", outgoing.address)))?;
        let mut url =
            reqwest::Url::parse(&group.url).map_err(|e| SendError::Permanent(format!("the robot's address: {e}")))?;
        if let (GroupKind::Dingtalk, Some(secret)) = (group.kind, &group.secret) {
            let timestamp = chrono::Utc::now().timestamp_millis();
            url.query_pairs_mut()
                .append_pair("timestamp", &timestamp.to_string())
                .append_pair("sign", &dingtalk_sign(timestamp, secret));
        }
        let content = format!("{}\n{}", outgoing.notice.subject, outgoing.notice.body);
        let body = serde_json::json!({"msgtype": "text", "text": {"content": content}});
        let response = self
            .client
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("the group robot: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(if status.is_server_error() {
                SendError::Transient(format!("the group robot answered {status}"))
            } else {
                SendError::Permanent(format!("the group robot answered {status}"))
            });
        }
        let reply: RobotReply = response
            .json()
            .await
            .map_err(|e| SendError::Transient(format!("the group robot's answer: {e}")))?;
        match reply.errcode {
            0 => Ok(format!("{:?}:{}", group.kind, reply.errmsg)),
            // Too many messages this minute (WeCom 45009, DingTalk 130101): later.
            45009 | 130101 => Err(SendError::Transient(format!("{}: {}", reply.errcode, reply.errmsg))),
            code => Err(SendError::Permanent(format!("{code}: {}", reply.errmsg))),
        }
    }
}

/// Messages from the work apps to one member of staff: WeCom's `message/send` (text, with
/// WeCom's duplicate check over 30 minutes, so a resend after a crash shows once) and DingTalk's
/// work notice `corpconversation/asyncsend_v2`; and the official account's customer-service
/// message (`message/custom/send`) to a complainant who wrote through WeChat. Each with the
/// app's access token (fetched with `gettoken` or `token`, kept until shortly before it expires,
/// fetched again when the app says it is no longer valid). The address is `wecom:<userid>`,
/// `dingtalk:<userId>` or `wechat:<openid>`.
pub struct AppMessages {
    apps: AppsConfig,
    wechat: Option<WechatAccount>,
    client: reqwest::Client,
    tokens: tokio::sync::Mutex<BTreeMap<&'static str, (String, std::time::Instant)>>,
}

/// What the apps' APIs answer (the fields Redress reads).
#[derive(Debug, Clone, Deserialize)]
struct AppReply {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    msgid: Option<String>,
    #[serde(default)]
    task_id: Option<i64>,
    #[serde(default)]
    invaliduser: Option<String>,
}

/// The app's access token is no longer valid: WeCom 40001/40014/42001, DingTalk 40014/42001/88.
fn token_expired(errcode: i64) -> bool {
    matches!(errcode, 40001 | 40014 | 42001 | 88)
}

impl AppMessages {
    pub fn new(apps: AppsConfig, wechat: Option<WechatAccount>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self {
            apps,
            wechat,
            client,
            tokens: tokio::sync::Mutex::new(BTreeMap::new()),
        }
    }

    async fn call(&self, request: reqwest::RequestBuilder, what: &str) -> Result<AppReply, SendError> {
        let response = request
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("{what}: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(if status.is_server_error() {
                SendError::Transient(format!("{what} answered {status}"))
            } else {
                SendError::Permanent(format!("{what} answered {status}"))
            });
        }
        response
            .json()
            .await
            .map_err(|e| SendError::Transient(format!("{what}'s answer: {e}")))
    }

    /// The app's access token, fetched when there is none or it is about to expire.
    async fn token(&self, kind: &'static str) -> Result<String, SendError> {
        let mut tokens = self.tokens.lock().await;
        if let Some((token, until)) = tokens.get(kind)
            && std::time::Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let request = match (kind, &self.apps.wecom, &self.apps.dingtalk) {
            ("wechat", _, _) if let Some(account) = &self.wechat => {
                self.client.get(format!("{}/cgi-bin/token", account.base_url)).query(&[
                    ("grant_type", "client_credential"),
                    ("appid", &account.app_id),
                    ("secret", &account.app_secret),
                ])
            }
            ("wecom", Some(app), _) => self
                .client
                .get(format!("{}/cgi-bin/gettoken", app.base_url))
                .query(&[("corpid", &app.corp_id), ("corpsecret", &app.secret)]),
            ("dingtalk", _, Some(app)) => self
                .client
                .get(format!("{}/gettoken", app.base_url))
                .query(&[("appkey", &app.app_key), ("appsecret", &app.app_secret)]),
            _ => return Err(SendError::Permanent(format!("no {kind} app is configured"))),
        };
        let reply = self.call(request, &format!("{kind} gettoken")).await?;
        // WeChat's `token` answers without `errcode` when it succeeds.
        match (reply.errcode, reply.access_token) {
            (0, Some(token)) => {
                // Kept for what the app grants less five minutes (2 hours is usual).
                let seconds = reply.expires_in.unwrap_or(7200).saturating_sub(300).max(60);
                let until = std::time::Instant::now() + Duration::from_secs(seconds);
                tokens.insert(kind, (token.clone(), until));
                Ok(token)
            }
            (code, _) => Err(SendError::Permanent(format!(
                "{kind} gettoken: {code}: {}",
                reply.errmsg
            ))),
        }
    }

    async fn forget(&self, kind: &'static str) {
        self.tokens.lock().await.remove(kind);
    }
}

#[async_trait]
impl Sender for AppMessages {
    async fn send(&self, outgoing: &Outgoing<'_>) -> Result<String, SendError> {
        let (kind, user) = match outgoing.address.split_once(':') {
            Some(("wecom", user)) => ("wecom", user),
            Some(("dingtalk", user)) => ("dingtalk", user),
            Some(("wechat", user)) => ("wechat", user),
            _ => {
                return Err(SendError::Permanent(format!(
                    "`{}` is not wecom:<userid>, dingtalk:<userId> or wechat:<openid>",
                    outgoing.address
                )));
            }
        };
        let content = format!("{}\n{}", outgoing.notice.subject, outgoing.notice.body);
        let token = self.token(kind).await?;
        let request = match (kind, &self.apps.wecom, &self.apps.dingtalk) {
            ("wechat", _, _) if let Some(account) = &self.wechat => self
                .client
                .post(format!("{}/cgi-bin/message/custom/send", account.base_url))
                .query(&[("access_token", &token)])
                .json(&serde_json::json!({"touser": user, "msgtype": "text",
                    "text": {"content": cut_to_bytes(&content, WECHAT_TEXT_BYTES)}})),
            ("wecom", Some(app), _) => self
                .client
                .post(format!("{}/cgi-bin/message/send", app.base_url))
                .query(&[("access_token", &token)])
                .json(
                    &serde_json::json!({"touser": user, "msgtype": "text", "agentid": app.agent_id,
                    "text": {"content": content}, "safe": 0, "enable_duplicate_check": 1,
                    "duplicate_check_interval": 1800}),
                ),
            ("dingtalk", _, Some(app)) => self
                .client
                .post(format!("{}/topapi/message/corpconversation/asyncsend_v2", app.base_url))
                .query(&[("access_token", &token)])
                .json(&serde_json::json!({"agent_id": app.agent_id, "userid_list": user,
                    "msg": {"msgtype": "text", "text": {"content": content}}})),
            _ => return Err(SendError::Permanent(format!("no {kind} app is configured"))),
        };
        let reply = self.call(request, &format!("the {kind} app")).await?;
        match reply.errcode {
            0 if reply.invaliduser.as_deref().is_some_and(|u| !u.is_empty()) => Err(SendError::Permanent(format!(
                "{kind}: `{user}` is not a member the app reaches"
            ))),
            0 => Ok(reply
                .msgid
                .or_else(|| reply.task_id.map(|t| t.to_string()))
                .unwrap_or_else(|| "ok".into())),
            code if token_expired(code) => {
                self.forget(kind).await;
                Err(SendError::Transient(format!(
                    "{kind}: the access token expired ({code})"
                )))
            }
            // Over the app's rate (WeCom 45009, 45033; DingTalk 90018, 130101): later.
            45009 | 45033 | 90018 | 130101 | -1 => Err(SendError::Transient(format!(
                "{kind}: {code}: {}",
                reply.errmsg,
                code = reply.errcode
            ))),
            code => Err(SendError::Permanent(format!("{kind}: {code}: {}", reply.errmsg))),
        }
    }
}

/// Printable letters: the PDF (CJK font embedded) written into the print queue, the outbox's
/// `letter/` directory, where the post room prints and posts it.
pub struct LetterPrinter {
    pub dir: PathBuf,
    fonts: dossier::FontCache,
}

impl LetterPrinter {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            fonts: dossier::FontCache::default(),
        }
    }
}

#[async_trait]
impl Sender for LetterPrinter {
    async fn send(&self, outgoing: &Outgoing<'_>) -> Result<String, SendError> {
        let letter = Detail::of(outgoing.notice)
            .letter
            .ok_or_else(|| SendError::Permanent("the notice has no letter".into()))?
            .letter();
        let fonts = self.fonts.get().map_err(|e| SendError::Transient(e.to_string()))?;
        let pdf = tokio::task::spawn_blocking(move || dossier::letter_pdf(&letter, &fonts))
            .await
            .map_err(|e| SendError::Transient(e.to_string()))?
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        let path = self.dir.join(format!("{}.pdf", outgoing.notice.notice_id));
        let write = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(&path, pdf).await
        };
        write
            .await
            .map_err(|e| SendError::Transient(format!("{}: {e}", path.display())))?;
        Ok(format!("file:{}", path.display()))
    }
}

/// The adapters of the configured channels.
pub struct Channels {
    email: Option<Box<dyn Sender>>,
    sms: Option<Box<dyn Sender>>,
    letter: Option<Box<dyn Sender>>,
    groups: Option<Box<dyn Sender>>,
    apps: Option<std::sync::Arc<AppMessages>>,
    /// Whether an official account answers complainants on WeChat.
    wechat: bool,
    /// The units with a group robot.
    pub group_units: std::collections::BTreeSet<String>,
    /// The SMS sending window, when an SMS provider is configured.
    pub sms_window: Option<(chrono::NaiveTime, chrono::NaiveTime)>,
    pub delivery: DeliveryConfig,
    /// Each rate-limited channel's limiter, keyed by tenant.
    limits: BTreeMap<String, governor::DefaultKeyedRateLimiter<String>>,
}

fn window(text: &str) -> Option<(chrono::NaiveTime, chrono::NaiveTime)> {
    let (from, to) = text.split_once('-')?;
    let parse = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
    Some((parse(from)?, parse(to)?))
}

impl Channels {
    /// The adapters `config` describes; a channel without a provider writes to the outbox
    /// directory when there is one.
    pub fn new(config: &ChannelsConfig) -> Result<Self, String> {
        let outbox = |from: &str| -> Option<Box<dyn Sender>> {
            config.outbox_dir.as_ref().map(|dir| {
                Box::new(OutboxFiles {
                    dir: dir.clone(),
                    from: from.to_owned(),
                }) as Box<dyn Sender>
            })
        };
        let email: Option<Box<dyn Sender>> = match &config.email {
            Some(smtp) => Some(Box::new(Smtp::new(smtp.clone())?)),
            None => outbox("notice@redress.invalid"),
        };
        let (sms, sms_window): (Option<Box<dyn Sender>>, _) = match &config.sms {
            Some(sms) => {
                let parsed = window(&sms.window)
                    .ok_or_else(|| format!("notification.sms.window: `{}` is not HH:MM-HH:MM", sms.window))?;
                (Some(Box::new(HttpSms::new(sms.clone()))), Some(parsed))
            }
            None => (outbox("notice@redress.invalid"), None),
        };
        let letter = config
            .outbox_dir
            .as_ref()
            .map(|dir| Box::new(LetterPrinter::new(dir.join("letter"))) as Box<dyn Sender>);
        let groups =
            (!config.groups.is_empty()).then(|| Box::new(GroupRobots::new(config.groups.clone())) as Box<dyn Sender>);
        let apps = (!config.apps.kinds().is_empty() || config.wechat.is_some())
            .then(|| std::sync::Arc::new(AppMessages::new(config.apps.clone(), config.wechat.clone())));
        let mut limits = BTreeMap::new();
        for (channel, per_minute) in &config.rate_limits {
            if !matches!(
                channel.as_str(),
                "email" | "sms" | "letter" | "wecom" | "app" | "wechat"
            ) {
                return Err(format!(
                    "notification.rate_limits.{channel}: not a channel (email, sms, letter, wecom, app, wechat)"
                ));
            }
            let per_minute = std::num::NonZeroU32::new(*per_minute)
                .ok_or_else(|| format!("notification.rate_limits.{channel}: at least 1 a minute"))?;
            limits.insert(
                channel.clone(),
                governor::RateLimiter::keyed(governor::Quota::per_minute(per_minute)),
            );
        }
        Ok(Self {
            email,
            sms,
            letter,
            groups,
            apps,
            wechat: config.wechat.is_some(),
            group_units: config.groups.keys().cloned().collect(),
            sms_window,
            delivery: config.delivery.clone(),
            limits,
        })
    }

    /// Whether `tenant` may send over `channel` now; else how long until it may.
    pub fn admit(&self, channel: &str, tenant: &str) -> Result<(), Duration> {
        use governor::clock::{Clock as _, DefaultClock};
        let Some(limiter) = self.limits.get(channel) else {
            return Ok(());
        };
        limiter
            .check_key(&tenant.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// The adapter of a channel.
    pub fn sender(&self, channel: &str) -> Option<&dyn Sender> {
        match channel {
            "email" => self.email.as_deref(),
            "sms" => self.sms.as_deref(),
            "letter" => self.letter.as_deref(),
            "wecom" => self.groups.as_deref(),
            "app" => self.apps.as_deref().map(|apps| apps as &dyn Sender),
            "wechat" if self.wechat => self.apps.as_deref().map(|apps| apps as &dyn Sender),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limited_channel_admits_its_rate_per_tenant_and_no_more() {
        let config = ChannelsConfig {
            rate_limits: BTreeMap::from([("sms".to_owned(), 2)]),
            ..ChannelsConfig::default()
        };
        let channels = Channels::new(&config).expect("valid");
        assert!(channels.admit("sms", "bank").is_ok());
        assert!(channels.admit("sms", "bank").is_ok());
        let wait = channels.admit("sms", "bank").expect_err("over the rate");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30), "{wait:?}");
        // Another tenant has its own allowance; another channel is not limited.
        assert!(channels.admit("sms", "dealer").is_ok());
        assert!((0..10).all(|_| channels.admit("email", "bank").is_ok()));
        let bad = ChannelsConfig {
            rate_limits: BTreeMap::from([("fax".to_owned(), 2)]),
            ..ChannelsConfig::default()
        };
        assert!(Channels::new(&bad).err().expect("refused").contains("rate_limits.fax"));
        let zero = ChannelsConfig {
            rate_limits: BTreeMap::from([("sms".to_owned(), 0)]),
            ..ChannelsConfig::default()
        };
        assert!(Channels::new(&zero).is_err());
    }

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let config = DeliveryConfig {
            backoff_min_seconds: 10,
            backoff_max_seconds: 100,
            ..DeliveryConfig::default()
        };
        let first = config.backoff(1);
        assert!(
            (Duration::from_secs(10)..=Duration::from_secs(20)).contains(&first),
            "{first:?}"
        );
        let later = config.backoff(6);
        assert!(
            later >= Duration::from_secs(100) && later <= Duration::from_secs(200),
            "{later:?}"
        );
    }

    #[test]
    fn dingtalk_signs_the_timestamp_and_secret() {
        // Computed independently with Python's hmac: HMAC-SHA256("SECabc", "1700000000000\nSECabc").
        assert_eq!(
            dingtalk_sign(1_700_000_000_000, "SECabc"),
            "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
        );
    }

    #[test]
    fn the_sms_window_is_read_or_refused() {
        assert!(window("08:00-21:00").is_some());
        assert!(window("8 to 9").is_none());
        let config = ChannelsConfig {
            sms: Some(SmsConfig {
                endpoint: "http://127.0.0.1:9/sms".into(),
                sign_name: "天河比亚迪".into(),
                access_key: None,
                window: "late".into(),
                receipt_token: None,
            }),
            ..ChannelsConfig::default()
        };
        let refused = Channels::new(&config).err().expect("refused");
        assert!(refused.contains("notification.sms.window"), "{refused}");
    }
}

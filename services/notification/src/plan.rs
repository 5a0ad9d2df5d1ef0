//! What notices an event calls for, to whom, on which channel, rendered from the tenant's
//! templates (`notices` crate) — pure, so every rule here is tested without a store or a bus.
//!
//! - `case.accepted` → the acknowledgement (受理告知书) to the complainant, with the date the
//!   result is due under the case's policy and calendar;
//! - `case.progressed` at the extension → the extension notice (延期处理告知书) with the new date
//!   and the reason;
//! - `case.progressed` at the result notice → the result (处理结果告知书): outcome, basis,
//!   improvements, the amount in capitals, and for banks the further remedies;
//! - `case.deadline_warned` / `case.deadline_breached` → an inbox notice to each member of staff
//!   the alert names.
//!
//! A misconduct report's notices (or a complainant who asked for confidentiality) are
//! `confidential`: the SMS carries no content, the sender is neutral.

use chrono::{DateTime, NaiveDate, Utc};
use domain::masking::{mask_email, mask_phone};
use domain::vocabulary::Language;
use notices::{Channel, Kind, TemplateSet};
use rpc::intake::v1::Contact;
use serde_json::{Value, json};

use crate::channels::{Detail, LetterDetail};
use crate::store::{Delivery, Notice};

/// What every notice of a tenant is written with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The hotline printed on notices.
    pub contact_line: String,
    /// The organisation that signs, in each language.
    pub organisation_zh: String,
    pub organisation_en: String,
    /// Staff notices' language.
    pub staff_language: Language,
    /// The units with a group robot (their staff notices also go to the group).
    pub group_units: std::collections::BTreeSet<String>,
    /// The staff every batch alert reaches (head office's customer-service supervisors).
    pub supervisors: Vec<String>,
    /// When agents call back after a result notice.
    pub callbacks: crate::channels::CallbackConfig,
    /// The work apps configured (`wecom`, `dingtalk`): a staff notice also reaches the member in
    /// person on the first of them the directory names a user id for.
    pub apps: Vec<&'static str>,
    /// Whether an official account answers complainants on WeChat (`[notification.wechat]`).
    pub wechat: bool,
}

impl Settings {
    fn organisation(&self, language: Language) -> &str {
        match language {
            Language::ZhCn => &self.organisation_zh,
            Language::En => &self.organisation_en,
        }
    }
}

/// The local date of an instant in Beijing time.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A complainant's language.
pub fn language_of(contact: &Contact) -> Language {
    if contact.preferred_language == "en" {
        Language::En
    } else {
        Language::ZhCn
    }
}

/// The channel a complainant is reached on, and their address masked for the record:
/// their preference where they left the address for it, else SMS, else e-mail, else a letter.
pub fn channel_of(contact: &Contact) -> (Channel, String) {
    let email = || (Channel::Email, mask_email(&contact.email));
    let sms = || (Channel::Sms, mask_phone(&contact.phone));
    match contact.preferred_channel.as_str() {
        "email" if !contact.email.is_empty() => email(),
        "letter" => (Channel::Letter, String::new()),
        _ if !contact.phone.is_empty() => sms(),
        _ if !contact.email.is_empty() => email(),
        _ => (Channel::Letter, String::new()),
    }
}

/// Where a notice to the complainant goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The channel its text is written for.
    pub channel: Channel,
    /// Whether it travels as the official account's reply on WeChat (written as the e-mail's
    /// text, which WeChat shows in full).
    pub wechat: bool,
    pub recipient_masked: String,
}

/// How long WeChat's window must stay open after a notice is planned for the reply to go there:
/// the delivery loop sends within seconds, retries within minutes.
const WECHAT_MARGIN_MINUTES: i64 = 30;

/// The route of a complainant's notice: WeChat while its 48-hour window for free-form replies is
/// open (for one who wrote through the official account and chose it or nothing else), else the
/// preferred channel where its address exists ([`channel_of`]).
pub fn route_of(contact: &Contact, wechat: bool, now: DateTime<Utc>) -> Route {
    let window_open = DateTime::parse_from_rfc3339(&contact.reply_window_ends_at)
        .is_ok_and(|ends| ends.with_timezone(&Utc) > now + chrono::Duration::minutes(WECHAT_MARGIN_MINUTES));
    let chose = matches!(contact.preferred_channel.as_str(), "wechat" | "");
    if wechat && window_open && chose && !contact.wechat_openid.is_empty() {
        return Route {
            channel: Channel::Email,
            wechat: true,
            recipient_masked: mask_openid(&contact.wechat_openid),
        };
    }
    let (channel, recipient_masked) = channel_of(contact);
    Route {
        channel,
        wechat: false,
        recipient_masked,
    }
}

/// An OpenID as the record shows it: its first and last four characters.
fn mask_openid(openid: &str) -> String {
    let chars: Vec<char> = openid.chars().collect();
    if chars.len() <= 8 {
        return "wechat:***".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("wechat:{head}***{tail}")
}

/// The further remedies a bank's result letter names (DOMAIN.md).
pub fn bank_remedies(language: Language) -> Vec<&'static str> {
    match language {
        Language::ZhCn => vec![
            "向金融纠纷调解组织申请调解",
            "拨打12378银行保险消费者投诉维权热线",
            "依法申请仲裁",
            "向人民法院提起诉讼",
        ],
        Language::En => vec![
            "apply to a financial dispute mediation organisation",
            "call the banking and insurance consumer hotline 12378",
            "apply for arbitration as the law provides",
            "bring the matter before the people's court",
        ],
    }
}

/// A notice's delivery, queued from when it is recorded, with its channel's idempotency key.
fn queued(notice: &Notice, urgent: bool) -> Delivery {
    Delivery {
        notice_id: notice.notice_id.clone(),
        tenant: notice.tenant.clone(),
        case_id: notice.case_id.clone(),
        notice_kind: notice.notice_kind.clone(),
        channel: notice.channel.clone(),
        state: "queued".into(),
        attempts: 0,
        next_attempt_at: notice.recorded_at.clone(),
        idempotency_key: crate::handler::idempotency_key(&notice.channel, &notice.tenant, &notice.notice_id),
        provider_reference: None,
        last_error: None,
        sent_at: None,
        urgent,
    }
}

/// A notice to the complainant, ready to record, with its delivery when the channel has one.
pub struct Planned {
    pub notice: Notice,
    pub delivery: Option<Delivery>,
}

/// What a complainant's notice needs besides its kind and context.
pub struct ToComplainant<'a> {
    pub tenant: &'a str,
    pub case_id: &'a str,
    pub notice_id: String,
    pub contact: &'a Contact,
    pub confidential: bool,
    pub now: DateTime<Utc>,
}

/// What a complainant's notice holds in place of their name: the recorded notice (its text,
/// its letter, its SMS parameters) never holds the name, which stays in intake; the delivery
/// fills it in for the send only ([`with_name`]), and staff reading the record see a label
/// ([`name_shown`]).
pub const NAME_SLOT: &str = "[[complainant_name]]";

/// A recorded notice as it is sent: the slot filled with the complainant's name, in its text,
/// its subject and its detail (JSON, so the name goes in JSON-escaped).
pub fn with_name(notice: &Notice, name: &str) -> Notice {
    let escaped = serde_json::to_string(name).unwrap_or_default();
    let in_json = escaped.trim_matches('"');
    Notice {
        subject: notice.subject.replace(NAME_SLOT, name),
        body: notice.body.replace(NAME_SLOT, name),
        detail_json: notice.detail_json.replace(NAME_SLOT, in_json),
        ..notice.clone()
    }
}

/// A recorded text as staff read it: the slot as a label (投诉人 / the complainant).
pub fn name_shown(text: &str, language: &str) -> String {
    let label = if language.starts_with("en") {
        "Complainant"
    } else {
        "投诉人"
    };
    text.replace(NAME_SLOT, label)
}

/// Renders a notice of `kind` to the complainant; `context` holds the kind's own variables and
/// gets the common ones (case number, name — as [`NAME_SLOT`] —, contact line, organisation,
/// date, confidentiality).
pub fn to_complainant(
    settings: &Settings,
    templates: &TemplateSet,
    kind: Kind,
    to: &ToComplainant<'_>,
    mut context: serde_json::Map<String, Value>,
) -> Result<Planned, notices::Error> {
    let language = language_of(to.contact);
    let route = route_of(to.contact, settings.wechat, to.now);
    let recipient_masked = route.recipient_masked;
    let channel = if kind.offers(route.channel) {
        route.channel
    } else {
        Channel::Letter
    };
    let name = if to.contact.anonymous || to.contact.name.is_empty() {
        ""
    } else {
        NAME_SLOT
    };
    context.insert("case_number".into(), json!(to.contact.case_number));
    context.insert("name".into(), json!(name));
    context.insert("contact".into(), json!(settings.contact_line));
    context.insert("confidential".into(), json!(to.confidential));
    // A prompt to an anonymous reporter names their receipt (by its last characters); other
    // notices have none and the case number stands in.
    context
        .entry("receipt")
        .or_insert_with(|| json!(to.contact.case_number));
    context.insert("organisation".into(), json!(settings.organisation(language)));
    context.insert("issued_on".into(), json!(day(local_date(to.now))));
    let context = Value::Object(context);
    let rendered = notices::render(templates, kind, channel, language, &context)?;
    let mut detail = Detail::default();
    if let Some(sms) = &rendered.sms {
        detail.sms_template_id = Some(sms.template_id.clone());
        detail.sms_params = sms.params.clone();
        detail.sms_text = Some(sms.text.clone());
    }
    if to.confidential {
        detail.sender_name = Some(match language {
            Language::ZhCn => "通知".to_owned(),
            Language::En => "Notification".to_owned(),
        });
    }
    if channel == Channel::Letter {
        detail.letter = Some(letter_of(
            &rendered.subject,
            &rendered.body,
            &to.contact.case_number,
            settings,
            language,
        ));
    }
    detail.template_version = rendered.version;
    let at = to.now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let notice = Notice {
        notice_id: to.notice_id.clone(),
        tenant: to.tenant.to_owned(),
        case_id: to.case_id.to_owned(),
        notice_kind: kind.as_str().to_owned(),
        audience: "complainant".into(),
        channel: if route.wechat { "wechat" } else { channel.as_str() }.to_owned(),
        language: language.tag().to_owned(),
        recipient_masked,
        subject: rendered.subject,
        body: rendered.body,
        state: "recorded".into(),
        recorded_at: at.clone(),
        detail_json: serde_json::to_string(&detail).unwrap_or_else(|_| "{}".into()),
    };
    let delivery = queued(&notice, false);
    Ok(Planned {
        notice,
        delivery: Some(delivery),
    })
}

/// Whom a staff notice goes to.
pub struct ToStaff<'a> {
    pub tenant: &'a str,
    pub case_id: &'a str,
    pub notice_id: String,
    /// The member of staff (a directory id), or the unit for a group robot.
    pub staff: &'a str,
    pub now: DateTime<Utc>,
}

/// Where a staff notice goes.
#[derive(Debug, Clone, Copy)]
pub enum StaffRoute<'a> {
    /// The member's in-app inbox: delivered when recorded.
    Inbox,
    /// The unit's group robot (WeCom or DingTalk), urgent.
    Group,
    /// The member's work app (`wecom:<userid>` or `dingtalk:<userId>`), urgent.
    App(&'a str),
}

/// A notice to a member of staff (or, for [`StaffRoute::Group`], a unit), with its delivery
/// unless it lands in the inbox.
pub fn to_staff(
    settings: &Settings,
    templates: &TemplateSet,
    kind: Kind,
    to: ToStaff<'_>,
    route: StaffRoute<'_>,
    context: &Value,
) -> Result<Planned, notices::Error> {
    let language = settings.staff_language;
    let (template, audience, channel, recipient) = match route {
        StaffRoute::Inbox => (Channel::Inbox, format!("staff:{}", to.staff), "inbox", to.staff),
        StaffRoute::Group => (Channel::Wecom, format!("unit:{}", to.staff), "wecom", to.staff),
        StaffRoute::App(app) => (Channel::Wecom, format!("app:{}", to.staff), "app", app),
    };
    let rendered = notices::render(templates, kind, template, language, context)?;
    let detail = Detail {
        template_version: rendered.version,
        ..Detail::default()
    };
    let inbox = matches!(route, StaffRoute::Inbox);
    let notice = Notice {
        notice_id: to.notice_id,
        tenant: to.tenant.to_owned(),
        case_id: to.case_id.to_owned(),
        notice_kind: kind.as_str().to_owned(),
        audience,
        channel: channel.to_owned(),
        language: language.tag().to_owned(),
        recipient_masked: recipient.to_owned(),
        subject: rendered.subject,
        body: rendered.body,
        state: if inbox { "delivered" } else { "recorded" }.into(),
        recorded_at: to.now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        detail_json: serde_json::to_string(&detail).unwrap_or_else(|_| "{}".into()),
    };
    let delivery = (!inbox).then(|| queued(&notice, true));
    Ok(Planned { notice, delivery })
}

/// The printable letter a rendered letter template becomes: its blocks (separated by blank
/// lines) are the reference, the salutation, the paragraphs, the closing and the signature with
/// the date, as the shipped templates write them; a tenant's template that does not follow the
/// shape prints every block as a paragraph.
pub fn letter_of(
    subject: &str,
    body: &str,
    case_number: &str,
    settings: &Settings,
    language: Language,
) -> LetterDetail {
    let mut blocks: Vec<String> = body
        .split("\n\n")
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .collect();
    if blocks
        .first()
        .is_some_and(|b| b.contains(case_number) && !b.contains('\n'))
    {
        blocks.remove(0);
    }
    let mut signature = String::new();
    let mut date = String::new();
    if let Some(last) = blocks.last()
        && let Some((who, when)) = last.rsplit_once('\n')
        && (when.contains('年') || when.chars().filter(char::is_ascii_digit).count() >= 4)
        && !who.contains('\n')
    {
        signature = who.trim().to_owned();
        date = when.trim().to_owned();
        blocks.pop();
    }
    let mut closing = String::new();
    if let Some(last) = blocks.last()
        && last.chars().count() <= 20
        && !last.contains('\n')
    {
        closing = last.clone();
        blocks.pop();
    }
    let mut salutation = String::new();
    if let Some(first) = blocks.first()
        && (first.ends_with('：') || first.ends_with(',') || first.ends_with(':'))
        && !first.contains('\n')
    {
        salutation = blocks.remove(0);
    }
    LetterDetail {
        language: language.tag().to_owned(),
        organisation: settings.organisation(language).to_owned(),
        title: subject.to_owned(),
        reference: case_number.to_owned(),
        salutation,
        paragraphs: blocks,
        closing,
        signature,
        date,
        contact: Some(match language {
            Language::ZhCn => format!("咨询电话：{}", settings.contact_line),
            Language::En => format!("Enquiries: {}", settings.contact_line),
        }),
    }
}

/// The amount of money a resolution moves: the settlement's, else the approved remedies' other
/// than a written apology.
pub fn amount_of(records: &[Value]) -> Option<u64> {
    let resolution = records.iter().rev().find(|r| r["kind"] == "resolution")?;
    if let Some(amount) = resolution["body"]["settlement"]["amount_fen"].as_u64() {
        return Some(amount);
    }
    let approved: u64 = records
        .iter()
        .filter(|r| r["kind"] == "approval" && r["state"] == "approved" && r["body"]["kind"] != "written_apology")
        .filter_map(|r| r["body"]["amount_fen"].as_u64())
        .sum();
    (approved > 0).then_some(approved)
}

/// The context of a result notice from the case file's records.
pub fn result_context(records: &[Value], bank: bool, language: Language) -> serde_json::Map<String, Value> {
    let resolution = records
        .iter()
        .rev()
        .find(|r| r["kind"] == "resolution")
        .map(|r| r["body"].clone())
        .unwrap_or_default();
    let none = match language {
        Language::ZhCn => "无",
        Language::En => "none",
    };
    let text = |field: &str| {
        resolution[field]
            .as_str()
            .filter(|t| !t.is_empty())
            .unwrap_or(none)
            .to_owned()
    };
    let mut context = serde_json::Map::new();
    context.insert("outcome".into(), json!(text("result")));
    context.insert("basis".into(), json!(text("basis")));
    context.insert("improvements".into(), json!(text("improvements")));
    if let Some(amount) = amount_of(records) {
        context.insert("amount_fen".into(), json!(amount));
    }
    if bank {
        context.insert("remedies".into(), json!(bank_remedies(language)));
    }
    context
}

/// The reason and new date of the latest extension, from the records and the event's facts.
pub fn extension_context(records: &[Value], facts: &Value) -> Option<serde_json::Map<String, Value>> {
    let extension = records.iter().rev().find(|r| r["kind"] == "extension")?;
    let due_at = facts["due_at"]
        .as_str()
        .or_else(|| extension["body"]["due_at"].as_str())?;
    let due = DateTime::parse_from_rfc3339(due_at).ok()?.with_timezone(&Utc);
    let mut context = serde_json::Map::new();
    context.insert("new_due_on".into(), json!(day(local_date(due))));
    context.insert(
        "reason".into(),
        json!(extension["body"]["reason"].as_str().unwrap_or_default()),
    );
    Some(context)
}

/// A rejection notice's reason and suggestion: the reason's wording in the complainant's
/// language (an unknown code is printed as it is), the suggestion the rejection gave or the
/// reason's own.
pub fn rejection_context(reason_code: &str, suggestion: &str, language: Language) -> serde_json::Map<String, Value> {
    let reason = domain::vocabulary::RejectionReason::parse(reason_code);
    let mut context = serde_json::Map::new();
    context.insert(
        "reason".into(),
        json!(reason.map_or(reason_code, |r| r.label(language))),
    );
    let suggestion = match (suggestion.trim(), reason) {
        ("", Some(reason)) => reason.suggestion(language),
        ("", None) => match language {
            Language::ZhCn => "如有疑问，欢迎致电咨询。",
            Language::En => "If you have any questions, you are welcome to call us.",
        },
        (given, _) => given,
    };
    context.insert("suggestion".into(), json!(suggestion));
    context
}

/// The staff alerts' context of a deadline alert.
pub fn alert_context(case_number: &str, deadline: &str, due_at: &str, unit: &str, level: u32) -> Value {
    json!({"case_number": case_number, "deadline": deadline, "due_at": due_at, "unit": unit, "level": level})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            contact_line: "400-830-1234".into(),
            organisation_zh: "粤通汽车集团客户服务中心".into(),
            organisation_en: "Yuetong Motor Group customer service".into(),
            staff_language: Language::ZhCn,
            group_units: std::collections::BTreeSet::new(),
            supervisors: vec![],
            callbacks: crate::channels::CallbackConfig::default(),
            apps: vec![],
            wechat: false,
        }
    }

    fn contact(channel: &str, language: &str) -> Contact {
        Contact {
            case_id: "c".into(),
            name: "王芳".into(),
            phone: "13800000001".into(),
            email: "wang@example.com".into(),
            preferred_language: language.into(),
            preferred_channel: channel.into(),
            case_number: "TS202612050001".into(),
            anonymous: false,
            ..Contact::default()
        }
    }

    #[test]
    fn the_preferred_channel_wins_where_its_address_exists() {
        assert_eq!(channel_of(&contact("email", "zh-CN")).0, Channel::Email);
        assert_eq!(channel_of(&contact("sms", "zh-CN")).0, Channel::Sms);
        assert_eq!(channel_of(&contact("letter", "zh-CN")).0, Channel::Letter);
        assert_eq!(channel_of(&contact("wechat", "zh-CN")).0, Channel::Sms);
        let no_email = Contact {
            email: String::new(),
            ..contact("email", "zh-CN")
        };
        assert_eq!(channel_of(&no_email), (Channel::Sms, "138****0001".into()));
    }

    #[test]
    fn wechat_answers_while_its_window_is_open_and_the_complainant_chose_it() {
        let now = Utc::now();
        let wrote = |minutes_ago: i64, preferred: &str| Contact {
            wechat_openid: "oX1aZ3b9QmT2w8Kp4Lr6Ns0Vd5Yc".into(),
            reply_window_ends_at: (now - chrono::Duration::minutes(minutes_ago) + chrono::Duration::hours(48))
                .to_rfc3339(),
            phone: String::new(),
            email: String::new(),
            ..contact(preferred, "zh-CN")
        };
        let route = route_of(&wrote(60, "wechat"), true, now);
        assert_eq!(
            (route.channel, route.wechat, route.recipient_masked.as_str()),
            (Channel::Email, true, "wechat:oX1a***d5Yc")
        );
        // No preference at all counts as WeChat for one who wrote there.
        assert!(route_of(&wrote(60, ""), true, now).wechat);
        // The window closes within the margin, has closed, or no account is configured: the
        // preferred channel's rules, here a letter (no phone, no e-mail).
        for (minutes_ago, configured) in [(48 * 60 - 10, true), (49 * 60, true), (60, false)] {
            let route = route_of(&wrote(minutes_ago, "wechat"), configured, now);
            assert_eq!(
                (route.channel, route.wechat),
                (Channel::Letter, false),
                "{minutes_ago} {configured}"
            );
        }
        // One who asked for e-mail gets e-mail though the window is open.
        let by_email = Contact {
            email: "wang@example.com".into(),
            ..wrote(60, "email")
        };
        assert_eq!(route_of(&by_email, true, now).channel, Channel::Email);
        assert!(!route_of(&by_email, true, now).wechat);
    }

    #[test]
    fn a_result_letter_carries_the_outcome_and_the_amount_in_capitals() {
        let records = vec![
            json!({"kind": "approval", "state": "approved", "body": {"kind": "compensation", "amount_fen": 120_000}}),
            json!({"kind": "approval", "state": "approved", "body": {"kind": "written_apology", "amount_fen": null}}),
            json!({"kind": "resolution", "body": {"result": "门店退还服务费并书面道歉", "basis": "消费者权益保护法",
                "improvements": null}}),
        ];
        let context = result_context(&records, true, Language::ZhCn);
        let to = ToComplainant {
            tenant: "default",
            case_id: "c",
            notice_id: "n".into(),
            contact: &contact("letter", "zh-CN"),
            confidential: false,
            now: DateTime::parse_from_rfc3339("2026-12-05T02:00:00Z")
                .expect("t")
                .with_timezone(&Utc),
        };
        let planned =
            to_complainant(&settings(), &TemplateSet::shipped(), Kind::Result, &to, context).expect("renders");
        assert_eq!(planned.notice.channel, "letter");
        let detail = Detail::of(&planned.notice);
        let letter = detail.letter.expect("a letter");
        let text = letter.paragraphs.join("\n");
        assert!(text.contains("门店退还服务费并书面道歉"), "{text}");
        assert!(text.contains("人民币壹仟贰佰元整"), "{text}");
        assert!(text.contains("12378"), "{text}");
        assert_eq!(letter.reference, "TS202612050001");
        assert_eq!(letter.date, "2026年12月5日");
        assert_eq!(letter.signature, "粤通汽车集团客户服务中心");
        assert!(letter.salutation.contains(NAME_SLOT), "{}", letter.salutation);
        assert!(!planned.notice.body.contains("王芳") && !planned.notice.detail_json.contains("王芳"));
        let sent = with_name(&planned.notice, "王芳");
        let letter = Detail::of(&sent).letter.expect("a letter");
        assert!(letter.salutation.contains("王芳"), "{}", letter.salutation);
        assert!(!sent.body.contains(NAME_SLOT));
        assert_eq!(name_shown("尊敬的[[complainant_name]]：", "zh-CN"), "尊敬的投诉人：");
    }

    #[test]
    fn a_rejection_states_the_reason_and_where_to_turn_in_the_complainants_language() {
        let zh = rejection_context("before_court", "", Language::ZhCn);
        assert_eq!(zh["reason"], "该事项已进入诉讼程序");
        assert_eq!(zh["suggestion"], "请在诉讼程序中主张您的权利。");
        let en = rejection_context(
            "not_our_matter",
            "Please contact the city's housing bureau.",
            Language::En,
        );
        assert_eq!(en["reason"], "the matter is not this organisation's to handle");
        assert_eq!(en["suggestion"], "Please contact the city's housing bureau.");
        let to = ToComplainant {
            tenant: "default",
            case_id: "c",
            notice_id: "n".into(),
            contact: &contact("email", "en"),
            confidential: false,
            now: Utc::now(),
        };
        let planned = to_complainant(&settings(), &TemplateSet::shipped(), Kind::Rejection, &to, en).expect("renders");
        assert_eq!(planned.notice.channel, "email");
        assert!(
            planned.notice.body.contains("housing bureau"),
            "{}",
            planned.notice.body
        );
        assert!(
            planned.notice.subject.contains("TS202612050001"),
            "{}",
            planned.notice.subject
        );
    }

    #[test]
    fn a_confidential_acknowledgement_by_sms_says_nothing_of_the_report() {
        let mut context = serde_json::Map::new();
        context.insert("accepted_on".into(), json!("2026-12-05"));
        context.insert("due_on".into(), json!("2026-12-25"));
        let to = ToComplainant {
            tenant: "default",
            case_id: "c",
            notice_id: "n".into(),
            contact: &contact("sms", "zh-CN"),
            confidential: true,
            now: Utc::now(),
        };
        let planned = to_complainant(
            &settings(),
            &TemplateSet::shipped(),
            Kind::Acknowledgement,
            &to,
            context,
        )
        .expect("renders");
        let detail = Detail::of(&planned.notice);
        let text = detail.sms_text.expect("an SMS text");
        for secret in ["举报", "投诉", "受理"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert_eq!(detail.sender_name.as_deref(), Some("通知"));
    }
}

//! What a notice is about ([`Kind`]), how it travels ([`Channel`]), and which pairs the product
//! offers.

use std::fmt;

use domain::vocabulary::Language;

/// What a notice tells its audience (decision 0005's notice kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// 受理告知书: the case was accepted.
    Acknowledgement,
    /// 不予受理告知书: the case was not accepted, with a reason and where else to go.
    Rejection,
    /// 转办: a case dispatched to a unit and its customer-relations manager.
    Dispatch,
    /// 延期处理告知书: the resolution deadline moved, with the reason.
    Extension,
    /// 处理结果告知书: the result, its basis, improvements, amounts and further remedies.
    Result,
    /// An invitation to the callback survey (回访).
    CallbackInvitation,
    /// A deadline is near (staff).
    DeadlineWarning,
    /// A deadline passed (staff).
    DeadlineBreach,
    /// A major-complaint early warning (staff).
    Escalation,
    /// Many complainants on one matter (staff).
    BatchAlert,
    /// 催办, 督办 or a leader's instruction (领导批示) on a case (staff).
    Supervision,
    /// A handler's question to an anonymous reporter, read with their receipt code.
    AnonymousQuestion,
    /// A handler's question to a complainant, answered on the status page.
    Question,
    /// A report on the filing calendar falls due (staff who file it).
    ReportDue,
    /// A report pack was generated and can be downloaded (staff who file or read it).
    ReportReady,
}

/// How a notice travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// E-mail: a subject and a plain-text body.
    Email,
    /// SMS through a provider's approved template: template id, parameters, the text it sends.
    Sms,
    /// A printed letter: the notice's name as the heading, paragraphs separated by blank lines.
    Letter,
    /// The in-app inbox: staff's inbox in the console, and for
    /// [`Kind::AnonymousQuestion`] the reporter's mailbox opened with the receipt code.
    Inbox,
    /// A WeCom (企业微信) app message to a member of staff: a short title and body.
    Wecom,
}

/// Who a kind of notice goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The complainant or reporter who filed the case.
    Complainant,
    /// Staff: the handling unit, its managers, legal, the brand division.
    Staff,
    /// An anonymous reporter, reached only through their receipt code.
    AnonymousReporter,
}

/// Where one template lives in a [`crate::TemplateSet`]: kind, channel and language.
/// Displayed and parsed as `acknowledgement.sms.zh-CN`; ordered by kind, channel, then zh-CN before en.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub kind: Kind,
    pub channel: Channel,
    pub language: Language,
}

impl Kind {
    /// Every kind, in the order of a case's life.
    pub const ALL: [Kind; 15] = [
        Kind::Acknowledgement,
        Kind::Rejection,
        Kind::Dispatch,
        Kind::Extension,
        Kind::Result,
        Kind::CallbackInvitation,
        Kind::DeadlineWarning,
        Kind::DeadlineBreach,
        Kind::Escalation,
        Kind::BatchAlert,
        Kind::Supervision,
        Kind::AnonymousQuestion,
        Kind::Question,
        Kind::ReportDue,
        Kind::ReportReady,
    ];

    /// The snake-case name on the wire (`callback_invitation`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Acknowledgement => "acknowledgement",
            Kind::Rejection => "rejection",
            Kind::Dispatch => "dispatch",
            Kind::Extension => "extension",
            Kind::Result => "result",
            Kind::CallbackInvitation => "callback_invitation",
            Kind::DeadlineWarning => "deadline_warning",
            Kind::DeadlineBreach => "deadline_breach",
            Kind::Escalation => "escalation",
            Kind::BatchAlert => "batch_alert",
            Kind::Supervision => "supervision",
            Kind::AnonymousQuestion => "anonymous_question",
            Kind::Question => "question",
            Kind::ReportDue => "report_due",
            Kind::ReportReady => "report_ready",
        }
    }

    /// The kind named by [`Kind::as_str`], if any.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Who this kind of notice goes to.
    pub fn audience(self) -> Audience {
        match self {
            Kind::Acknowledgement
            | Kind::Rejection
            | Kind::Extension
            | Kind::Result
            | Kind::CallbackInvitation
            | Kind::Question => Audience::Complainant,
            Kind::Dispatch
            | Kind::DeadlineWarning
            | Kind::DeadlineBreach
            | Kind::Escalation
            | Kind::BatchAlert
            | Kind::Supervision
            | Kind::ReportDue
            | Kind::ReportReady => Audience::Staff,
            Kind::AnonymousQuestion => Audience::AnonymousReporter,
        }
    }

    /// The channels the product offers for this kind; every other channel is "not offered"
    /// ([`crate::Error::NotOffered`]).
    ///
    /// - Formal notices to a complainant (acknowledgement, rejection, extension, result):
    ///   e-mail, SMS and a printed letter.
    /// - The callback invitation: e-mail and SMS (the survey itself is a call).
    /// - Staff notices: e-mail, SMS, the inbox and WeCom; never a letter.
    /// - A question to an anonymous reporter: the mailbox behind their receipt code, e-mail if
    ///   they left one, and an SMS that only prompts them to look.
    pub fn channels(self) -> &'static [Channel] {
        match self {
            Kind::Acknowledgement | Kind::Rejection | Kind::Extension | Kind::Result => {
                &[Channel::Email, Channel::Sms, Channel::Letter]
            }
            Kind::CallbackInvitation | Kind::Question => &[Channel::Email, Channel::Sms],
            Kind::Dispatch
            | Kind::DeadlineWarning
            | Kind::DeadlineBreach
            | Kind::Escalation
            | Kind::BatchAlert
            | Kind::Supervision
            | Kind::ReportDue
            | Kind::ReportReady => &[Channel::Email, Channel::Sms, Channel::Inbox, Channel::Wecom],
            Kind::AnonymousQuestion => &[Channel::Email, Channel::Sms, Channel::Inbox],
        }
    }

    /// Whether the product offers this kind over `channel`.
    pub fn offers(self, channel: Channel) -> bool {
        self.channels().contains(&channel)
    }
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Email,
        Channel::Sms,
        Channel::Letter,
        Channel::Inbox,
        Channel::Wecom,
    ];

    /// The snake-case name on the wire (`wecom`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Letter => "letter",
            Channel::Inbox => "inbox",
            Channel::Wecom => "wecom",
        }
    }

    /// The channel named by [`Channel::as_str`], if any.
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|channel| channel.as_str() == name)
    }
}

impl Key {
    /// The key of `kind` over `channel` in `language`.
    pub fn new(kind: Kind, channel: Channel, language: Language) -> Self {
        Key {
            kind,
            channel,
            language,
        }
    }

    /// Every key the product offers: each kind over each of its channels, in both languages.
    pub fn offered() -> impl Iterator<Item = Key> {
        Kind::ALL.into_iter().flat_map(|kind| {
            kind.channels().iter().flat_map(move |&channel| {
                [Language::ZhCn, Language::En].map(|language| Key::new(kind, channel, language))
            })
        })
    }

    /// Parses `acknowledgement.sms.zh-CN`.
    pub fn parse(text: &str) -> Option<Key> {
        let mut parts = text.splitn(3, '.');
        let kind = Kind::parse(parts.next()?)?;
        let channel = Channel::parse(parts.next()?)?;
        let language = match parts.next()? {
            "zh-CN" => Language::ZhCn,
            "en" => Language::En,
            _ => return None,
        };
        Some(Key::new(kind, channel, language))
    }

    /// Whether the product offers this key's kind over its channel.
    pub fn is_offered(self) -> bool {
        self.kind.offers(self.channel)
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |language: Language| match language {
            Language::ZhCn => 0,
            Language::En => 1,
        };
        (self.kind, self.channel, rank(self.language)).cmp(&(other.kind, other.channel, rank(other.language)))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl fmt::Display for Key {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}.{}.{}", self.kind, self.channel, self.language.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
        assert_eq!(Kind::parse("complaint"), None);
        assert_eq!(Channel::parse("pigeon"), None);
    }

    #[test]
    fn keys_display_and_parse() {
        let key = Key::new(Kind::CallbackInvitation, Channel::Sms, Language::ZhCn);
        assert_eq!(key.to_string(), "callback_invitation.sms.zh-CN");
        assert_eq!(Key::parse("callback_invitation.sms.zh-CN"), Some(key));
        assert_eq!(
            Key::parse("result.letter.en"),
            Some(Key::new(Kind::Result, Channel::Letter, Language::En))
        );
        assert_eq!(Key::parse("result.letter.fr"), None);
        assert_eq!(Key::parse("result.letter"), None);
    }

    #[test]
    fn letters_only_for_complainants_and_staff_never_get_one() {
        for kind in Kind::ALL {
            if kind.offers(Channel::Letter) {
                assert_eq!(kind.audience(), Audience::Complainant, "{kind}");
            }
            if kind.audience() == Audience::Staff {
                assert!(kind.offers(Channel::Wecom) && kind.offers(Channel::Inbox), "{kind}");
            }
            assert!(kind.offers(Channel::Email) && kind.offers(Channel::Sms), "{kind}");
        }
        assert_eq!(Key::offered().count(), 102);
    }
}

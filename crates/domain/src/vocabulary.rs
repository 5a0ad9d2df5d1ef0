//! The fixed vocabulary of a case, with its labels in Simplified Chinese and English
//! (DOMAIN.md: a case is a 投诉单, never a 工单).

/// A language Redress speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    ZhCn,
    En,
}

impl Language {
    /// `zh-CN` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// Picks a language from a tag or an `Accept-Language` value: English only when the first
    /// preference is English; Simplified Chinese otherwise.
    pub fn negotiate(value: &str) -> Self {
        let first = value
            .split(',')
            .next()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if first == "en" || first.starts_with("en-") {
            Self::En
        } else {
            Self::ZhCn
        }
    }
}

/// Declares a closed vocabulary: an enum whose values each have a snake-case wire name and a
/// label in every [`Language`]. Used here and by [`crate::lifecycle`].
macro_rules! vocabulary {
    (
        $(#[$meta:meta])* $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident => $wire:literal, $zh:literal, $en:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$variant_meta])* $variant,)+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The snake-case name on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)+ }
            }

            /// Parses the wire name.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($wire => Some(Self::$variant),)+ _ => None }
            }

            /// The label shown to people.
            pub fn label(self, language: Language) -> &'static str {
                match (self, language) {
                    $((Self::$variant, Language::ZhCn) => $zh,
                      (Self::$variant, Language::En) => $en,)+
                }
            }

            /// The wire names, comma-separated, for error messages.
            pub fn wire_list() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

pub(crate) use vocabulary;

vocabulary!(
    /// How a case arrived.
    Channel {
        Phone => "phone", "电话", "phone";
        Web => "web", "网站", "web form";
        Email => "email", "电子邮件", "e-mail";
        Wechat => "wechat", "微信", "WeChat";
        App => "app", "移动应用", "app";
        Letter => "letter", "信函", "letter";
        WalkIn => "walk_in", "来访", "walk-in";
        Fax => "fax", "传真", "fax";
        Forwarded => "forwarded", "转来", "forwarded";
    }
);

vocabulary!(
    /// Why a submission is not accepted (不予受理, DOMAIN.md), as the rejection notice states it.
    RejectionReason {
        BeforeCourt => "before_court", "该事项已进入诉讼程序", "the matter is already before a court";
        PetitionDecided => "petition_decided", "该事项已由信访部门作出处理决定", "the petitions office has already decided the matter";
        NoTarget => "no_target", "反映内容缺少明确的对象或具体事实", "the submission names no identifiable target or facts";
        PoliceCase => "police_case", "公安机关已就该事项立案", "the police have already opened a case on the matter";
        NotOurMatter => "not_our_matter", "该事项不属于本单位的处理范围", "the matter is not this organisation's to handle";
        TimeBarred => "time_barred", "该事项已超过本单位受理投诉的时限", "the matter is older than the time limit for complaints";
        Duplicate => "duplicate", "该事项与您已提交的投诉重复，已并入原投诉单办理", "the matter duplicates a complaint you already made, which is being handled";
        NotByConsumer => "not_by_consumer", "投诉未由消费者本人或其委托代理人提出", "the complaint was not filed by the consumer or their representative";
    }
);

impl RejectionReason {
    /// Where the complainant can turn instead, as the notice suggests it.
    pub fn suggestion(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::BeforeCourt, Language::ZhCn) => "请在诉讼程序中主张您的权利。",
            (Self::BeforeCourt, Language::En) => "Please pursue your claim in the court proceedings.",
            (Self::PetitionDecided, Language::ZhCn) => "如对处理决定不服，可依照《信访工作条例》申请复查。",
            (Self::PetitionDecided, Language::En) => {
                "If you disagree with the decision, you may ask for a review under the petition regulations."
            }
            (Self::NoTarget, Language::ZhCn) => "请补充被投诉的对象、时间、地点和经过后重新提交。",
            (Self::NoTarget, Language::En) => {
                "Please submit again with whom or what you complain about, when, where and what happened."
            }
            (Self::PoliceCase, Language::ZhCn) => "请向立案的公安机关了解办理进展。",
            (Self::PoliceCase, Language::En) => "Please ask the police who opened the case about its progress.",
            (Self::NotOurMatter, Language::ZhCn) => "请向有权处理该事项的单位或部门反映。",
            (Self::NotOurMatter, Language::En) => {
                "Please raise the matter with the body that is competent to handle it."
            }
            (Self::TimeBarred, Language::ZhCn) => "如有新的情况，欢迎再次联系我们。",
            (Self::TimeBarred, Language::En) => "If anything new arises, you are welcome to contact us again.",
            (Self::Duplicate, Language::ZhCn) => "原投诉单的处理进展和结果将继续告知您。",
            (Self::Duplicate, Language::En) => {
                "You will be kept informed of the progress and result of the original complaint."
            }
            (Self::NotByConsumer, Language::ZhCn) => "请由消费者本人提出，或由其委托代理人持授权委托书提出。",
            (Self::NotByConsumer, Language::En) => {
                "Please have the consumer file it, or their representative with a power of attorney."
            }
        }
    }
}

vocabulary!(
    /// What kind of submission it is; only complaints and reports count in complaint KPIs.
    Kind {
        Complaint => "complaint", "投诉", "complaint";
        Report => "report", "举报", "misconduct report";
        Inquiry => "inquiry", "咨询", "inquiry";
        Suggestion => "suggestion", "建议", "suggestion";
        Praise => "praise", "表扬", "praise";
        Help => "help", "求助", "request for help";
    }
);

vocabulary!(
    /// Where a case came from, apart from how it arrived.
    Source {
        Direct => "direct", "客户直接", "the complainant directly";
        HqCallCentre => "hq_call_centre", "集团呼叫中心", "head-office call centre";
        Manufacturer => "manufacturer", "厂家", "the manufacturer";
        Hotline12345 => "hotline_12345", "12345热线", "12345 government hotline";
        Hotline12315 => "hotline_12315", "12315平台", "12315 market-regulation platform";
        Regulator => "regulator", "监管机构", "the regulator";
        ConsumerAssociation => "consumer_association", "消费者协会", "a consumer association";
        ComplaintSite => "complaint_site", "投诉网站", "a complaint website";
        Media => "media", "媒体", "the media";
        Petition => "petition", "信访", "the petitions office";
        CallbackFound => "callback_found", "回访发现", "found in a service callback";
    }
);

vocabulary!(
    /// The case's status as the complainant and staff see it, in lifecycle order. Which action
    /// leads from which status to which is [`crate::lifecycle`]'s business.
    Status {
        /// Registered (登记); waiting for initial verification, to be accepted or rejected.
        Received => "received", "已登记", "received";
        /// Accepted (受理); waiting to be dispatched to the responsible unit.
        Accepted => "accepted", "已受理", "accepted";
        /// Not accepted (不予受理), with a reason and a suggestion. Terminal.
        Rejected => "rejected", "不予受理", "not accepted";
        /// Dispatched (转办) to a unit; waiting for the unit to take it (接单).
        Dispatched => "dispatched", "已转办", "dispatched";
        /// Returned by the unit (退单) with a reason; waiting for head office to dispatch it again.
        Returned => "returned", "已退单", "returned by the unit";
        /// Taken by a unit and being handled: contact, investigation, plan, approvals.
        Investigating => "investigating", "处理中", "being handled";
        /// Resolved by the unit; waiting for head office to review the result (审核).
        UnderReview => "under_review", "待审核", "awaiting review";
        /// Resolved (办结): reviewed, or needing no review; waiting for the result notice.
        Resolved => "resolved", "已办结", "resolved";
        /// The complainant was told the result; waiting for the callback (回访).
        AwaitingCallback => "awaiting_callback", "待回访", "awaiting callback";
        /// The callback found the complainant not satisfied; waiting to be reopened or formally
        /// concluded.
        Dissatisfied => "dissatisfied", "不满意", "not satisfied";
        /// Closed (结案). Final, except that quality inspection may send it back for rework.
        Closed => "closed", "已结案", "closed";
        /// Withdrawn by the complainant (撤回), which ends processing. Terminal.
        Withdrawn => "withdrawn", "已撤回", "withdrawn";
    }
);

vocabulary!(
    /// What a deadline is for.
    DeadlineKind {
        Acknowledgement => "acknowledgement", "受理告知", "acknowledgement";
        FirstContact => "first_contact", "首次联系", "first contact";
        Resolution => "resolution", "办结", "resolution";
        Callback => "callback", "回访", "callback";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_labels_exist() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(*channel));
            assert!(!channel.label(Language::ZhCn).is_empty());
        }
        assert_eq!(Kind::parse("report"), Some(Kind::Report));
        assert_eq!(Kind::Complaint.label(Language::ZhCn), "投诉");
        assert_eq!(Channel::parse("pigeon"), None);
    }

    #[test]
    fn language_negotiation_prefers_chinese() {
        assert_eq!(Language::negotiate("en-GB,en;q=0.8"), Language::En);
        assert_eq!(Language::negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Language::ZhCn);
        assert_eq!(Language::negotiate(""), Language::ZhCn);
        assert_eq!(Language::negotiate("fr"), Language::ZhCn);
    }
}

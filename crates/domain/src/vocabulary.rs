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

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)+ }

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
    /// The case's status as the complainant and staff see it.
    Status {
        Received => "received", "已登记", "received";
        Accepted => "accepted", "已受理", "accepted";
        Rejected => "rejected", "不予受理", "not accepted";
        Dispatched => "dispatched", "已转办", "dispatched";
        Investigating => "investigating", "处理中", "being handled";
        Resolved => "resolved", "已办结", "resolved";
        Closed => "closed", "已结案", "closed";
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

//! Notice templates in Simplified Chinese and English (DOMAIN.md's vocabulary: 受理告知书).

use domain::vocabulary::Language;

/// What an acknowledgement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement<'a> {
    pub case_number: &'a str,
    /// The salutation's name, or empty for an anonymous complainant.
    pub name: &'a str,
    /// The acknowledgement deadline as a local date, e.g. 2026年11月25日 / 25 November 2026.
    pub accepted_on: &'a str,
    pub resolve_working_days: u32,
    pub contact: &'a str,
}

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Renders the acknowledgement (受理告知书).
pub fn acknowledgement(language: Language, notice: &Acknowledgement<'_>) -> Rendered {
    match language {
        Language::ZhCn => {
            let salutation = if notice.name.is_empty() {
                "您好".to_owned()
            } else {
                format!("{}，您好", notice.name)
            };
            Rendered {
                subject: format!("受理告知书（投诉单号 {}）", notice.case_number),
                body: format!(
                    "{salutation}：\n您的投诉已于{}受理，投诉单号为 {}。我们将转办相关单位调查处理，并在{}个工作日内办结、告知您处理结果。\
                     如需查询进度，请凭投诉单号联系我们：{}。",
                    notice.accepted_on, notice.case_number, notice.resolve_working_days, notice.contact
                ),
            }
        }
        Language::En => {
            let salutation = if notice.name.is_empty() {
                "Dear complainant".to_owned()
            } else {
                format!("Dear {}", notice.name)
            };
            Rendered {
                subject: format!("Acknowledgement of your complaint {}", notice.case_number),
                body: format!(
                    "{salutation},\nyour complaint was accepted on {} under case number {}. We will pass it to the unit \
                     responsible, resolve it within {} working days and tell you the result. To follow it, quote the case \
                     number and contact us: {}.",
                    notice.accepted_on, notice.case_number, notice.resolve_working_days, notice.contact
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_carry_the_case_number_and_period() {
        let notice = Acknowledgement {
            case_number: "TS202611230001",
            name: "李伟",
            accepted_on: "2026年11月23日",
            resolve_working_days: 15,
            contact: "400-800-1234",
        };
        let zh = acknowledgement(Language::ZhCn, &notice);
        assert!(
            zh.subject.contains("受理告知书") && zh.body.contains("TS202611230001") && zh.body.contains("15个工作日")
        );
        assert!(zh.body.starts_with("李伟，您好"));
        let en = acknowledgement(Language::En, &Acknowledgement { name: "", ..notice });
        assert!(en.body.starts_with("Dear complainant") && en.body.contains("15 working days"));
    }
}

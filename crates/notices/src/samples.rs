//! Sample contexts for every kind, in each language: what [`crate::TemplateSet::check`]
//! renders a tenant's templates against, what a console preview can show, and what the
//! snapshot tests render. A dealership group (粤通汽车集团) and its Guangzhou Tianhe BYD store,
//! plus a bank for the result letter that lists the regulator's hotline.

use domain::vocabulary::Language;
use serde_json::{Value, json};

use crate::kind::Kind;

/// One sample context.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The kind's wire name for its main sample; `<kind>-<variant>` for the others.
    pub name: &'static str,
    /// The context, as the notification service would pass it.
    pub context: Value,
}

/// The samples of `kind` in `language`: the main one first, then variants that take the
/// templates' other branches (a confidential report, a bank's result without an amount).
pub fn samples(kind: Kind, language: Language) -> Vec<Sample> {
    let zh = language == Language::ZhCn;
    let text = |chinese: &str, english: &str| Value::from(if zh { chinese } else { english });
    let organisation = text("粤通汽车集团客户服务中心", "Yuetong Auto Group Customer Service Centre");
    let unit = text("广州天河比亚迪4S店", "Guangzhou Tianhe BYD 4S Store");
    let name = text("李伟", "Li Wei");
    let sample = |name: &'static str, context: Value| Sample { name, context };
    match kind {
        Kind::Acknowledgement => {
            let ordinary = json!({
                "case_number": "TS202612050001",
                "name": name,
                "accepted_on": "2026-12-05",
                "due_on": "2026-12-25",
                "contact": "400-830-1234",
                "confidential": false,
                "organisation": organisation,
                "issued_on": "2026-12-05",
            });
            let mut confidential = ordinary.clone();
            confidential["name"] = json!("");
            confidential["confidential"] = json!(true);
            confidential["receipt"] = json!("R7K3-9QXM");
            vec![
                sample("acknowledgement", ordinary),
                sample("acknowledgement-confidential", confidential),
            ]
        }
        Kind::Rejection => vec![sample(
            "rejection",
            json!({
                "case_number": "TS202612050002",
                "name": text("陈静", "Chen Jing"),
                "reason": text(
                    "您反映的购车合同纠纷已由广州市天河区人民法院立案受理。依照我们的投诉处理规定，已进入诉讼程序的事项不再重复受理。",
                    "Your dispute over the vehicle purchase contract is already before the Tianhe District People's Court in Guangzhou. Under our complaint procedure we do not take up matters that are already before a court.",
                ),
                "suggestion": text(
                    "请在诉讼程序中主张您的权利；诉讼结束后如有与我们服务相关的新问题，欢迎再次联系我们。",
                    "Please pursue your claim in the court proceedings. If a new issue with our service arises after they end, you are welcome to contact us again.",
                ),
                "contact": "400-830-1234",
                "confidential": false,
                "organisation": organisation,
                "issued_on": "2026-12-07",
            }),
        )],
        Kind::Dispatch => vec![sample(
            "dispatch",
            json!({
                "case_number": "TS202612050001",
                "unit": unit,
                "due_at": "2026-12-08T18:00:00+08:00",
                "severity": text("重大", "major"),
                "priority": text("高", "high"),
                "summary": text(
                    "客户反映购车时被加收3,000元“金融服务费”，要求退还。",
                    "The customer says a CNY 3,000 \"finance service fee\" was added at purchase and asks for a refund.",
                ),
            }),
        )],
        Kind::Extension => vec![sample(
            "extension",
            json!({
                "case_number": "TS202612050001",
                "name": name,
                "new_due_on": "2027-01-15",
                "reason": text(
                    "需委托第三方检测机构对车辆变速箱异响进行检测，检测约需10个工作日。",
                    "The noise from the gearbox has to be tested by an independent testing body, which takes about 10 working days.",
                ),
                "contact": "400-830-1234",
                "confidential": false,
                "organisation": organisation,
                "issued_on": "2026-12-18",
            }),
        )],
        Kind::Result => {
            let dealership = json!({
                "case_number": "TS202612050001",
                "name": name,
                "outcome": text(
                    "经核查，门店在销售过程中加收的“金融服务费”缺乏合同依据，您的投诉属实。门店已全额退还该笔费用，并就服务不周向您致歉。",
                    "We found that the store had no contractual basis for the \"finance service fee\" it added at the sale, so your complaint is upheld. The store has refunded the fee in full and apologises for the poor service.",
                ),
                "basis": text(
                    "《中华人民共和国消费者权益保护法》第二十条、第二十六条，以及本集团《销售服务收费管理规定》。",
                    "Articles 20 and 26 of the Law of the People's Republic of China on the Protection of Consumer Rights and Interests, and the group's rules on sales service charges.",
                ),
                "improvements": text(
                    "门店已停止收取该项费用，对全体销售顾问开展收费规范培训，集团客户服务中心每月抽查门店收费记录。",
                    "The store has stopped charging the fee and trained all its sales consultants on the charging rules; the group's customer service centre will check the store's charges every month.",
                ),
                "amount_fen": 300_000,
                "remedies": if zh {
                    json!(["向广州市消费者委员会申请调解", "拨打12315热线向市场监督管理部门投诉", "依法申请仲裁", "向人民法院提起诉讼"])
                } else {
                    json!([
                        "ask the Guangzhou Consumer Council to mediate",
                        "complain to the market regulator on the 12315 hotline",
                        "apply for arbitration as the law allows",
                        "bring a claim in the people's court",
                    ])
                },
                "contact": "400-830-1234",
                "confidential": false,
                "organisation": organisation,
                "issued_on": "2026-12-22",
            });
            let bank = json!({
                "case_number": "TS202612050007",
                "name": text("王芳", "Wang Fang"),
                "outcome": text(
                    "经核查，您信用卡的年费按《信用卡领用合约》约定收取，投诉事项不成立。考虑到办卡时未充分提示年费规则，我行已为您办理本年度年费减免。",
                    "We found that your credit card's annual fee was charged as the card agreement provides, so the complaint is not upheld. As the fee was not explained clearly when you applied, we have waived this year's fee.",
                ),
                "basis": text("《信用卡领用合约》第八条及我行信用卡收费标准。", "Clause 8 of the credit card agreement and the bank's credit card tariff."),
                "improvements": text(
                    "我行将在办卡环节以显著方式提示年费收取规则，并对网点客户经理开展培训。",
                    "We will show the annual-fee rules prominently when customers apply and train our branch relationship managers.",
                ),
                "remedies": if zh {
                    json!(["向广东银行业保险业消费者权益保护中心申请调解", "拨打国家金融监督管理总局消费者投诉热线12378", "依法申请仲裁", "向人民法院提起诉讼"])
                } else {
                    json!([
                        "ask the Guangdong banking and insurance consumer protection centre to mediate",
                        "call the National Financial Regulatory Administration's consumer hotline, 12378",
                        "apply for arbitration as the law allows",
                        "bring a claim in the people's court",
                    ])
                },
                "contact": "400-880-5678",
                "confidential": false,
                "organisation": text("华南商业银行广州分行", "South China Commercial Bank, Guangzhou Branch"),
                "issued_on": "2026-12-21",
            });
            vec![sample("result", dealership), sample("result-bank", bank)]
        }
        Kind::CallbackInvitation => vec![sample(
            "callback_invitation",
            json!({
                "case_number": "TS202612050001",
                "name": name,
                "contact": "400-830-1234",
                "confidential": false,
                "organisation": organisation,
            }),
        )],
        Kind::DeadlineWarning => vec![sample(
            "deadline_warning",
            json!({
                "case_number": "TS202612050001",
                "deadline": "resolution",
                "due_at": "2026-12-25T18:00:00+08:00",
                "unit": unit,
                "level": 0,
            }),
        )],
        Kind::DeadlineBreach => vec![sample(
            "deadline_breach",
            json!({
                "case_number": "TS202612050001",
                "deadline": "first_contact",
                "due_at": "2026-12-05T14:00:00+08:00",
                "unit": unit,
                "level": 1,
            }),
        )],
        Kind::Escalation => vec![sample(
            "escalation",
            json!({
                "case_number": "TS202612050001",
                "trigger": "media",
                "unit": unit,
                "acknowledge_by": "2026-12-06T10:00:00+08:00",
            }),
        )],
        Kind::BatchAlert => vec![sample(
            "batch_alert",
            json!({
                "matter": text("广州天河比亚迪4S店购车加收“金融服务费”", "\"Finance service fee\" on car sales at the Tianhe BYD store"),
                "complainants": 12,
                "reportable": true,
            }),
        )],
        Kind::Supervision => vec![sample(
            "supervision",
            json!({
                "case_number": "TS202612050001",
                "kind": "notice",
                "text": text(
                    "客户已向媒体反映此事。请门店总经理亲自跟进，尽快与客户商定处理方案，并报集团客户服务中心备案。",
                    "The customer has gone to the media. The store's general manager is to take charge, agree a resolution with the customer as soon as possible and report it to the group's customer service centre.",
                ),
                "due_at": "2026-12-10T17:00:00+08:00",
            }),
        )],
        Kind::Question => vec![sample(
            "question",
            json!({
                "case_number": "TS202612050001",
                "name": name,
                "question": text(
                    "请问您是哪一天在门店提车的？交车时是哪位销售顾问经手？",
                    "On which day did you collect the car at the store, and which sales adviser handed it over?",
                ),
                "contact": "400-830-1234",
                "organisation": organisation,
            }),
        )],
        Kind::ReportDue => vec![sample(
            "report_due",
            json!({
                "report": "half_year_report",
                "period": "2026-H2",
                "unit": text("广州分行", "Guangzhou Branch"),
                "due_at": "2027-01-30T17:00:00+08:00",
                "overdue": false,
            }),
        )],
        Kind::ReportReady => vec![sample(
            "report_ready",
            json!({
                "report": "half_year_report",
                "period": "2026-H2",
                "unit": text("广州分行", "Guangzhou Branch"),
                "version": 2,
                "formats": ["docx", "xlsx"],
                "link": "/api/v1/analytics/filings/6f1c2a9e-3b7d-5e2f-9a41-0c8d7e6b5a43",
            }),
        )],
        Kind::AnonymousQuestion => vec![sample(
            "anonymous_question",
            json!({
                "receipt": "R7K3-9QXM",
                "question": text(
                    "您提到的“回扣”大约发生在哪个月？是否有转账记录或聊天记录可以提供？",
                    "Roughly which month did the \"kickback\" you mention take place? Do you have any transfer records or chat messages you could share?",
                ),
            }),
        )],
    }
}

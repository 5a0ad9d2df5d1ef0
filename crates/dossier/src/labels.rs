//! The summary's fixed wording in both languages. The case's own values arrive localized.

use crate::Language;

/// Every heading and label the summary prints.
pub(crate) struct Labels {
    pub(crate) title: &'static str,
    pub(crate) case_number: &'static str,
    pub(crate) case_id: &'static str,
    pub(crate) exported_by: &'static str,
    pub(crate) exported_at: &'static str,
    pub(crate) facts: &'static str,
    pub(crate) deadlines: &'static str,
    pub(crate) timeline: &'static str,
    pub(crate) records: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) due_at: &'static str,
    pub(crate) state: &'static str,
    pub(crate) provisional: &'static str,
    pub(crate) at: &'static str,
    pub(crate) service: &'static str,
    pub(crate) action: &'static str,
    pub(crate) actor: &'static str,
    pub(crate) by: &'static str,
    pub(crate) none: &'static str,
    /// Between a label and its value in running text.
    pub(crate) colon: &'static str,
    /// Between two label-value pairs in running text.
    pub(crate) pair_separator: &'static str,
    /// The BCP 47 tag of the PDF's language.
    pub(crate) language_tag: &'static str,
    page_of: fn(usize, usize) -> String,
}

impl Labels {
    /// "第 n 页，共 m 页" or "Page n of m".
    pub(crate) fn page_of(&self, page: usize, pages: usize) -> String {
        (self.page_of)(page, pages)
    }
}

pub(crate) fn for_language(language: Language) -> &'static Labels {
    match language {
        Language::Zh => &ZH,
        Language::En => &EN,
    }
}

static ZH: Labels = Labels {
    title: "案件档案",
    case_number: "案件编号",
    case_id: "案件 ID",
    exported_by: "导出人",
    exported_at: "导出时间",
    facts: "基本信息",
    deadlines: "时限",
    timeline: "时间线",
    records: "处理记录",
    kind: "类型",
    due_at: "到期时间",
    state: "状态",
    provisional: "（暂定）",
    at: "时间",
    service: "服务",
    action: "动作",
    actor: "操作人",
    by: "经办人",
    none: "（无）",
    colon: "：",
    pair_separator: "　",
    language_tag: "zh-CN",
    page_of: |page, pages| format!("第 {page} 页，共 {pages} 页"),
};

static EN: Labels = Labels {
    title: "Case dossier",
    case_number: "Case number",
    case_id: "Case ID",
    exported_by: "Exported by",
    exported_at: "Exported at",
    facts: "Case facts",
    deadlines: "Deadlines",
    timeline: "Timeline",
    records: "Records",
    kind: "Kind",
    due_at: "Due at",
    state: "State",
    provisional: " (provisional)",
    at: "At",
    service: "Service",
    action: "Action",
    actor: "Actor",
    by: "By",
    none: "(none)",
    colon: ": ",
    pair_separator: "   ",
    language_tag: "en",
    page_of: |page, pages| format!("Page {page} of {pages}"),
};

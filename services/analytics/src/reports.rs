//! Report packs (decision 0012). The bank's half-year report as the regulator receives it: a
//! DOCX narrative with the figures filled in and XLSX tables, per branch and consolidated for
//! head office, computed by [`crate::figures`] (one figure, one definition).
//!
//! Every label exists in zh-CN and en; the regulator gets zh-CN.

use std::collections::BTreeMap;

use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow};
use rust_xlsxwriter::{Format, Workbook};

use crate::figures::{Denominator, Figures, Ratio, Tally};

/// A report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

impl Language {
    /// `zh-CN` (the default) or `en`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "" | "zh-CN" | "zh" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}

/// A reporting period: a month (statistics due by the 10th of the next), a quarter (due by the
/// 15th of the month after it) or a half year (due by 30 July and 30 January).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
    Half { year: i32, half: u32 },
}

fn day(year: i32, month: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

impl Period {
    /// `2025-03`, `2025-Q1` or `2025-H1`.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, rest) = text.split_once('-')?;
        let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y))?;
        let number = |digits: &str| digits.parse::<u32>().ok();
        match rest.as_bytes().first()? {
            b'Q' => number(&rest[1..])
                .filter(|q| (1..=4).contains(q))
                .map(|quarter| Self::Quarter { year, quarter }),
            b'H' => number(&rest[1..])
                .filter(|h| (1..=2).contains(h))
                .map(|half| Self::Half { year, half }),
            _ if rest.len() == 2 => number(rest)
                .filter(|m| (1..=12).contains(m))
                .map(|month| Self::Month { year, month }),
            _ => None,
        }
    }

    /// The period of this kind (`monthly`, `quarterly`, `half_year`) containing a day.
    pub fn containing(kind: &str, date: chrono::NaiveDate) -> Option<Self> {
        use chrono::Datelike as _;
        let (year, month) = (date.year(), date.month());
        match kind {
            "monthly" => Some(Self::Month { year, month }),
            "quarterly" => Some(Self::Quarter {
                year,
                quarter: (month - 1) / 3 + 1,
            }),
            "half_year" => Some(Self::Half {
                year,
                half: if month <= 6 { 1 } else { 2 },
            }),
            _ => None,
        }
    }

    /// The kind of report filed for it.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Month { .. } => "monthly",
            Self::Quarter { .. } => "quarterly",
            Self::Half { .. } => "half_year",
        }
    }

    /// `2025-03`, `2025-Q1`, `2025-H1`.
    pub fn key(self) -> String {
        match self {
            Self::Month { year, month } => format!("{year}-{month:02}"),
            Self::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
            Self::Half { year, half } => format!("{year}-H{half}"),
        }
    }

    pub fn year(self) -> i32 {
        match self {
            Self::Month { year, .. } | Self::Quarter { year, .. } | Self::Half { year, .. } => year,
        }
    }

    fn first_and_months(self) -> (chrono::NaiveDate, u32) {
        match self {
            Self::Month { year, month } => (day(year, month, 1), 1),
            Self::Quarter { year, quarter } => (day(year, (quarter - 1) * 3 + 1, 1), 3),
            Self::Half { year, half } => (day(year, (half - 1) * 6 + 1, 1), 6),
        }
    }

    /// Its first and last local days, `YYYY-MM-DD`.
    pub fn days(self) -> (String, String) {
        let (first, months) = self.first_and_months();
        let next = first + chrono::Months::new(months);
        let last = next.pred_opt().unwrap_or(next);
        (
            first.format("%Y-%m-%d").to_string(),
            last.format("%Y-%m-%d").to_string(),
        )
    }

    /// The period of the same kind before it.
    pub fn previous(self) -> Self {
        match self {
            Self::Month { year, month: 1 } => Self::Month {
                year: year - 1,
                month: 12,
            },
            Self::Month { year, month } => Self::Month { year, month: month - 1 },
            Self::Quarter { year, quarter: 1 } => Self::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Self::Quarter { year, quarter } => Self::Quarter {
                year,
                quarter: quarter - 1,
            },
            Self::Half { year, half: 1 } => Self::Half {
                year: year - 1,
                half: 2,
            },
            Self::Half { year, .. } => Self::Half { year, half: 1 },
        }
    }

    /// The local day its report is due: the 10th of the next month; the 15th of the month after
    /// a quarter; 30 July and 30 January for the halves.
    pub fn due(self) -> chrono::NaiveDate {
        use chrono::Datelike as _;
        let (first, months) = self.first_and_months();
        let next = first + chrono::Months::new(months);
        match self {
            Self::Month { .. } => next.with_day0(9).unwrap_or(next),
            Self::Quarter { .. } => next.with_day0(14).unwrap_or(next),
            Self::Half { .. } => next.with_day0(29).unwrap_or(next),
        }
    }

    fn title(self, language: Language) -> String {
        let zh_quarter = ["一", "二", "三", "四"];
        match (language, self) {
            (Language::Zh, Self::Half { year, half: 1 }) => format!("{year}年上半年"),
            (Language::Zh, Self::Half { year, .. }) => format!("{year}年下半年"),
            (Language::Zh, Self::Quarter { year, quarter }) => {
                format!("{year}年第{}季度", zh_quarter[(quarter as usize - 1).min(3)])
            }
            (Language::Zh, Self::Month { year, month }) => format!("{year}年{month}月"),
            (Language::En, Self::Half { year, half: 1 }) => format!("first half of {year}"),
            (Language::En, Self::Half { year, .. }) => format!("second half of {year}"),
            (Language::En, Self::Quarter { year, quarter }) => format!("Q{quarter} {year}"),
            (Language::En, Self::Month { year, month }) => format!("{year}-{month:02}"),
        }
    }
}

/// One branch's line in the pack.
#[derive(Debug, Clone)]
pub struct Branch {
    pub unit: String,
    pub name: String,
    pub tally: Tally,
    pub denominator: Option<Denominator>,
}

/// Everything a pack says (the half-year report, or the monthly and quarterly statistics in its
/// shape), computed before it is rendered.
#[derive(Debug, Clone)]
pub struct Pack {
    pub organisation: String,
    pub unit: String,
    pub unit_name: String,
    pub period: Period,
    pub language: Language,
    pub current: Figures,
    /// Complaints received in the period before.
    pub previous_complaints: u64,
    /// The unit's direct children, each over its subtree.
    pub branches: Vec<Branch>,
    pub denominator: Option<Denominator>,
}

/// A table of the pack: its name in zh-CN and en, and (key, complaints) rows.
type PackTable = (&'static str, &'static str, Vec<(String, u64)>);

/// A summary line: its key, its labels, its value and, for a rate, its parts.
struct Line {
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    value: f64,
    parts: Option<(u64, u64)>,
}

fn rate(key: &'static str, zh: &'static str, en: &'static str, r: Ratio) -> Line {
    Line {
        key,
        zh,
        en,
        value: r.value,
        parts: Some((r.numerator, r.denominator)),
    }
}

fn count(key: &'static str, zh: &'static str, en: &'static str, n: u64) -> Line {
    Line {
        key,
        zh,
        en,
        value: n as f64,
        parts: None,
    }
}

/// Fen as yuan with two decimals.
fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn percent(r: Ratio) -> String {
    format!("{:.2}%", r.value * 100.0)
}

impl Pack {
    fn kpi(&self, name: &str) -> Ratio {
        self.current.total.kpis().get(name).copied().unwrap_or(Ratio::of(0, 0))
    }

    /// The change in complaints from the previous period, as a ratio of it.
    pub fn change(&self) -> Option<f64> {
        (self.previous_complaints > 0).then(|| {
            (self.current.total.complaints as f64 - self.previous_complaints as f64) / self.previous_complaints as f64
        })
    }

    fn summary(&self) -> Vec<Line> {
        let total = &self.current.total;
        let mut lines = vec![
            count(
                "received",
                "登记总量（各类）",
                "cases received (all kinds)",
                total.count,
            ),
            count("complaints", "投诉量", "complaints", total.complaints),
            count(
                "previous_complaints",
                "上期投诉量",
                "complaints in the previous period",
                self.previous_complaints,
            ),
            Line {
                key: "change",
                zh: "环比变化",
                en: "change from the previous period",
                value: self.change().unwrap_or(0.0),
                parts: None,
            },
            count(
                "from_regulator",
                "监管转送投诉量",
                "forwarded by the regulator",
                total.from_regulator,
            ),
            rate(
                "escalation_outside",
                "外部升级率",
                "escalated outside the bank",
                self.kpi("escalation_outside"),
            ),
            rate("closure", "办结率", "closure rate", self.kpi("closure")),
            rate("timeliness", "及时率", "timeliness rate", self.kpi("timeliness")),
            rate("satisfaction", "满意率", "satisfaction rate", self.kpi("satisfaction")),
            rate("repeat", "重复投诉率", "repeat complaints", self.kpi("repeat")),
            rate(
                "callback_success",
                "回访成功率",
                "callback success",
                self.kpi("callback_success"),
            ),
            count(
                "compensation_fen",
                "赔偿金额（分）",
                "compensation (fen)",
                total.compensation_fen,
            ),
            count("major", "重大投诉", "major complaints", total.major),
            count(
                "mass_events",
                "群体性事件涉及投诉",
                "complaints in mass events",
                total.mass_events,
            ),
        ];
        if let Some(denominator) = self.denominator {
            let [(_, per_customers), (_, per_outlet)] = crate::figures::per_customers_and_outlets(total, denominator);
            lines.push(rate(
                "per_10000_customers",
                "万名客户投诉量",
                "complaints per 10,000 customers",
                per_customers,
            ));
            lines.push(rate(
                "per_outlet",
                "网点平均投诉量",
                "complaints per outlet",
                per_outlet,
            ));
        }
        lines
    }

    /// Entries of a breakdown whose keys start with one of `prefixes`, the prefix cut off.
    fn codes(&self, prefixes: &[&str]) -> Vec<(String, u64)> {
        let mut rows: Vec<(String, u64)> = self
            .current
            .by_regulatory_code
            .iter()
            .filter_map(|(key, tally)| {
                prefixes
                    .iter()
                    .find_map(|p| key.strip_prefix(p))
                    .map(|code| (code.to_owned(), tally.complaints))
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        rows
    }

    fn complaints_by(map: &BTreeMap<String, Tally>) -> Vec<(String, u64)> {
        let mut rows: Vec<(String, u64)> = map
            .iter()
            .map(|(key, tally)| (key.clone(), tally.complaints))
            .filter(|(_, n)| *n > 0)
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        rows
    }

    /// The tables of the pack: name (zh, en) and rows.
    fn tables(&self) -> Vec<PackTable> {
        vec![
            ("业务类型", "Business type", self.codes(&["jrt0169.business:", "nfra:"])),
            ("投诉原因", "Cause", self.codes(&["jrt0169.cause:"])),
            ("投诉类别", "Category", Self::complaints_by(&self.current.by_category)),
            ("渠道", "Channel", Self::complaints_by(&self.current.by_channel)),
            ("来源", "Source", Self::complaints_by(&self.current.by_source)),
        ]
    }

    fn title(&self) -> String {
        match self.language {
            Language::Zh => format!(
                "{}{}{}消费投诉处理工作报告",
                self.organisation,
                self.unit_name,
                self.period.title(Language::Zh)
            ),
            Language::En => format!(
                "{} {}: report on complaint handling, {}",
                self.organisation,
                self.unit_name,
                self.period.title(Language::En)
            ),
        }
    }

    /// The XLSX tables: the summary (key, labels, value, numerator, denominator), each breakdown
    /// and the branches.
    pub fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let l = self.language;
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let summary = workbook.add_worksheet();
        summary.set_name(l.pick("汇总", "Summary"))?;
        summary.write_string_with_format(0, 0, self.title(), &bold)?;
        let header = [
            "key",
            l.pick("指标", "measure"),
            l.pick("数值", "value"),
            l.pick("分子", "numerator"),
            l.pick("分母", "denominator"),
        ];
        for (col, text) in header.iter().enumerate() {
            summary.write_string_with_format(1, col as u16, *text, &bold)?;
        }
        for (n, line) in self.summary().iter().enumerate() {
            let row = n as u32 + 2;
            summary.write_string(row, 0, line.key)?;
            summary.write_string(row, 1, l.pick(line.zh, line.en))?;
            summary.write_number(row, 2, line.value)?;
            if let Some((numerator, denominator)) = line.parts {
                summary.write_number(row, 3, numerator as f64)?;
                summary.write_number(row, 4, denominator as f64)?;
            }
        }
        summary.set_column_width(1, 28)?;
        for (zh, en, rows) in self.tables() {
            let sheet = workbook.add_worksheet();
            sheet.set_name(l.pick(zh, en))?;
            sheet.write_string_with_format(0, 0, l.pick(zh, en), &bold)?;
            sheet.write_string_with_format(0, 1, l.pick("投诉量", "complaints"), &bold)?;
            for (n, (key, complaints)) in rows.iter().enumerate() {
                sheet.write_string(n as u32 + 1, 0, key)?;
                sheet.write_number(n as u32 + 1, 1, *complaints as f64)?;
            }
            sheet.set_column_width(0, 24)?;
        }
        let sheet = workbook.add_worksheet();
        sheet.set_name(l.pick("分支机构", "Branches"))?;
        let header = [
            "unit",
            l.pick("机构", "branch"),
            l.pick("投诉量", "complaints"),
            l.pick("办结", "closed"),
            l.pick("办结率", "closure"),
            l.pick("及时", "in time"),
            l.pick("及时率", "timeliness"),
            l.pick("满意", "satisfied"),
            l.pick("满意率", "satisfaction"),
            l.pick("万名客户投诉量", "per 10,000 customers"),
        ];
        for (col, text) in header.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *text, &bold)?;
        }
        for (n, branch) in self.branches.iter().enumerate() {
            let row = n as u32 + 1;
            let kpis = branch.tally.kpis();
            sheet.write_string(row, 0, &branch.unit)?;
            sheet.write_string(row, 1, &branch.name)?;
            sheet.write_number(row, 2, branch.tally.complaints as f64)?;
            sheet.write_number(row, 3, kpis["closure"].numerator as f64)?;
            sheet.write_number(row, 4, kpis["closure"].value)?;
            sheet.write_number(row, 5, kpis["timeliness"].numerator as f64)?;
            sheet.write_number(row, 6, kpis["timeliness"].value)?;
            sheet.write_number(row, 7, kpis["satisfaction"].numerator as f64)?;
            sheet.write_number(row, 8, kpis["satisfaction"].value)?;
            if let Some(denominator) = branch.denominator.filter(|d| d.customers > 0) {
                let [(_, per), _] = crate::figures::per_customers_and_outlets(&branch.tally, denominator);
                sheet.write_number(row, 9, per.value)?;
            }
        }
        workbook.save_to_buffer()
    }

    /// The narrative (DOCX), the figures filled in; the sections only people can write are
    /// marked to be completed.
    pub fn docx(&self) -> Result<Vec<u8>, docx_rs::DocxError> {
        let l = self.language;
        let total = &self.current.total;
        let p = |text: String| Paragraph::new().add_run(Run::new().add_text(text));
        let heading = |text: &str| Paragraph::new().add_run(Run::new().add_text(text).bold().size(28));
        let todo = || p(l.pick("（待填写）", "(to be completed)").to_owned());
        let mut doc =
            Docx::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text(self.title()).bold().size(36)));
        let (from, to) = self.period.days();
        doc = doc.add_paragraph(p(match l {
            Language::Zh => format!("报告期间：{from} 至 {to}"),
            Language::En => format!("Period: {from} to {to}"),
        }));
        let change = match (self.change(), l) {
            (Some(c), Language::Zh) if c >= 0.0 => {
                format!("较上期 {} 件增长 {:.2}%", self.previous_complaints, c * 100.0)
            }
            (Some(c), Language::Zh) => format!("较上期 {} 件下降 {:.2}%", self.previous_complaints, -c * 100.0),
            (Some(c), Language::En) => format!(
                "{:+.2}% from {} in the previous period",
                c * 100.0,
                self.previous_complaints
            ),
            (None, Language::Zh) => "上期无投诉".to_owned(),
            (None, Language::En) => "none in the previous period".to_owned(),
        };
        doc = doc
            .add_paragraph(heading(l.pick("一、投诉总体情况", "1. Overview")))
            .add_paragraph(p(match l {
                Language::Zh => format!("本期共受理投诉 {} 件，{}。", total.complaints, change),
                Language::En => format!("{} complaints were received this period, {}.", total.complaints, change),
            }))
            .add_paragraph(heading(l.pick("二、投诉分布", "2. Breakdown")));
        for (zh, en, rows) in self.tables() {
            doc = doc.add_paragraph(p(l.pick(zh, en).to_owned()));
            let mut table_rows = vec![TableRow::new(vec![
                TableCell::new().add_paragraph(p(l.pick(zh, en).to_owned())),
                TableCell::new().add_paragraph(p(l.pick("投诉量", "complaints").to_owned())),
            ])];
            for (key, n) in rows {
                table_rows.push(TableRow::new(vec![
                    TableCell::new().add_paragraph(p(key)),
                    TableCell::new().add_paragraph(p(n.to_string())),
                ]));
            }
            doc = doc.add_table(Table::new(table_rows));
        }
        let mut branch_rows = vec![TableRow::new(
            [
                l.pick("机构", "branch"),
                l.pick("投诉量", "complaints"),
                l.pick("办结率", "closure"),
                l.pick("及时率", "timeliness"),
                l.pick("满意率", "satisfaction"),
            ]
            .iter()
            .map(|h| TableCell::new().add_paragraph(p((*h).to_owned())))
            .collect(),
        )];
        for branch in &self.branches {
            let kpis = branch.tally.kpis();
            branch_rows.push(TableRow::new(
                [
                    branch.name.clone(),
                    branch.tally.complaints.to_string(),
                    percent(kpis["closure"]),
                    percent(kpis["timeliness"]),
                    percent(kpis["satisfaction"]),
                ]
                .into_iter()
                .map(|text| TableCell::new().add_paragraph(p(text)))
                .collect(),
            ));
        }
        doc = doc
            .add_paragraph(p(l.pick("分支机构", "Branches").to_owned()))
            .add_table(Table::new(branch_rows))
            .add_paragraph(heading(l.pick(
                "三、监管转送及外部升级",
                "3. Forwarded by the regulator and escalated outside",
            )))
            .add_paragraph(p(match l {
                Language::Zh => format!(
                    "监管转送投诉 {} 件；外部升级 {} 件，外部升级率 {}。",
                    total.from_regulator,
                    total.escalated_outside,
                    percent(self.kpi("escalation_outside"))
                ),
                Language::En => format!(
                    "{} complaints were forwarded by the regulator; {} were escalated outside the bank ({}).",
                    total.from_regulator,
                    total.escalated_outside,
                    percent(self.kpi("escalation_outside"))
                ),
            }))
            .add_paragraph(heading(
                l.pick("四、处理质效", "4. Closure, timeliness and satisfaction"),
            ))
            .add_paragraph(p(match l {
                Language::Zh => format!(
                    "办结率 {}（{}/{}），及时率 {}（{}/{}），满意率 {}（{}/{}）。",
                    percent(self.kpi("closure")),
                    self.kpi("closure").numerator,
                    self.kpi("closure").denominator,
                    percent(self.kpi("timeliness")),
                    self.kpi("timeliness").numerator,
                    self.kpi("timeliness").denominator,
                    percent(self.kpi("satisfaction")),
                    self.kpi("satisfaction").numerator,
                    self.kpi("satisfaction").denominator,
                ),
                Language::En => format!(
                    "Closure {} ({}/{}), timeliness {} ({}/{}), satisfaction {} ({}/{}).",
                    percent(self.kpi("closure")),
                    self.kpi("closure").numerator,
                    self.kpi("closure").denominator,
                    percent(self.kpi("timeliness")),
                    self.kpi("timeliness").numerator,
                    self.kpi("timeliness").denominator,
                    percent(self.kpi("satisfaction")),
                    self.kpi("satisfaction").numerator,
                    self.kpi("satisfaction").denominator,
                ),
            }))
            .add_paragraph(heading(l.pick("五、赔偿情况", "5. Compensation")))
            .add_paragraph(p(match l {
                Language::Zh => format!(
                    "赔偿 {} 件，金额合计 {} 元。",
                    total.compensated,
                    yuan(total.compensation_fen)
                ),
                Language::En => format!(
                    "Compensation in {} cases, CNY {} in all.",
                    total.compensated,
                    yuan(total.compensation_fen)
                ),
            }))
            .add_paragraph(heading(l.pick("六、重大及群体性事件", "6. Major and mass events")))
            .add_paragraph(p(match l {
                Language::Zh => format!(
                    "重大投诉 {} 件，群体性事件涉及投诉 {} 件。",
                    total.major, total.mass_events
                ),
                Language::En => format!(
                    "{} major complaints; {} complaints in mass events.",
                    total.major, total.mass_events
                ),
            }))
            .add_paragraph(heading(l.pick("七、热点问题及原因分析", "7. Hot spots and causes")));
        for (key, n) in Self::complaints_by(&self.current.by_category).into_iter().take(5) {
            doc = doc.add_paragraph(p(match l {
                Language::Zh => format!("{key}：{n} 件"),
                Language::En => format!("{key}: {n}"),
            }));
        }
        for (zh, en) in [
            ("八、典型案例", "8. Typical cases"),
            ("九、整改措施及成效", "9. Remediation and its effect"),
            ("十、投诉管理制度变化", "10. Changes to the complaint policy"),
            ("十一、投诉渠道及联系方式", "11. Channels and contacts"),
            ("十二、下一步工作", "12. Next steps"),
        ] {
            doc = doc.add_paragraph(heading(l.pick(zh, en))).add_paragraph(todo());
        }
        let mut bytes = std::io::Cursor::new(Vec::new());
        doc.build().pack(&mut bytes)?;
        Ok(bytes.into_inner())
    }

    /// The summary as CSV (key, measure, value, numerator, denominator).
    pub fn csv(&self) -> String {
        let l = self.language;
        let mut out = String::from("key,measure,value,numerator,denominator\n");
        for line in self.summary() {
            let (numerator, denominator) = line
                .parts
                .map_or((String::new(), String::new()), |(n, d)| (n.to_string(), d.to_string()));
            out.push_str(&format!(
                "{},\"{}\",{},{numerator},{denominator}\n",
                line.key,
                l.pick(line.zh, line.en),
                line.value
            ));
        }
        out
    }
}

/// Why a pack cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("unit: no unit {0} in the organisation")]
    UnknownUnit(String),
    #[error("the organisation has not been published")]
    NoOrganisation,
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Computes the pack of `unit` for a period (the half-year report, or the monthly and
/// quarterly statistics in its shape) (its whole subtree; head office's is the
/// consolidation).
pub async fn pack(
    db: &store::Db,
    tenant: &str,
    org: Option<directory::Org>,
    unit: &str,
    period: Period,
    language: Language,
) -> Result<Pack, PackError> {
    let org = org.ok_or(PackError::NoOrganisation)?;
    let this = org.unit(unit).ok_or_else(|| PackError::UnknownUnit(unit.to_owned()))?;
    let name = |u: &directory::Unit| language.pick(&u.name_zh, &u.name_en).to_owned();
    let root = org.root();
    let organisation = name(root);
    let unit_name = if this.id == root.id {
        language.pick("（总行汇总）", "(consolidated)").to_owned()
    } else {
        name(this)
    };
    let children: Vec<(String, String)> = org
        .units()
        .filter(|u| u.parent.as_deref() == Some(unit))
        .map(|u| (u.id.clone(), name(u)))
        .collect();
    let tree = crate::figures::Tree::new(Some(org));
    let filter = crate::figures::Filter {
        unit: unit.to_owned(),
        ..Default::default()
    };
    let (from, to) = period.days();
    let mut current = Figures::default();
    crate::store::each_case(db, tenant, &from, &to, |case| current.add(&case, &tree, &filter)).await?;
    let (from, to) = period.previous().days();
    let subtree: Vec<String> = tree.subtree(unit);
    let previous_complaints = crate::store::complaints(db, tenant, &from, &to, &subtree).await?;
    let entered = crate::store::denominators(db, tenant, period.year()).await?;
    let denominator_of = |u: &str| (!entered.is_empty()).then(|| crate::figures::denominator_of(u, &tree, &entered));
    let branches = children
        .into_iter()
        .map(|(id, name)| Branch {
            tally: current.by_unit.get(&id).cloned().unwrap_or_default(),
            denominator: denominator_of(&id),
            unit: id,
            name,
        })
        .collect();
    Ok(Pack {
        organisation,
        unit: unit.to_owned(),
        unit_name,
        period,
        language,
        previous_complaints,
        branches,
        denominator: denominator_of(unit),
        current,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_fall_due_on_the_filing_calendar() {
        let due = |text: &str| Period::parse(text).expect(text).due().to_string();
        assert_eq!(due("2025-H1"), "2025-07-30");
        assert_eq!(due("2025-H2"), "2026-01-30");
        assert_eq!(due("2025-03"), "2025-04-10");
        assert_eq!(due("2025-12"), "2026-01-10");
        assert_eq!(due("2025-Q4"), "2026-01-15");
        let days = |text: &str| Period::parse(text).expect(text).days();
        assert_eq!(days("2024-02"), ("2024-02-01".into(), "2024-02-29".into()));
        assert_eq!(days("2025-Q3"), ("2025-07-01".into(), "2025-09-30".into()));
        assert_eq!(days("2025-H2"), ("2025-07-01".into(), "2025-12-31".into()));
        assert_eq!(Period::parse("2025-01").expect("month").previous().key(), "2024-12");
        assert_eq!(Period::parse("2025-Q1").expect("quarter").previous().key(), "2024-Q4");
        for bad in ["2025", "2025-13", "2025-Q5", "2025-H3", "1999-H1", "2025-3", "x-H1"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        let day = chrono::NaiveDate::from_ymd_opt(2025, 8, 17).expect("day");
        assert_eq!(
            Period::containing("half_year", day).map(Period::key).as_deref(),
            Some("2025-H2")
        );
        assert_eq!(
            Period::containing("quarterly", day).map(Period::key).as_deref(),
            Some("2025-Q3")
        );
    }
}

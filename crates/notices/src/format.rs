//! The formats letters and messages need: amounts in capitals (人民币大写) and in figures, dates
//! and times in each language, SMS segments, and the labels of the closed vocabularies a
//! notice names (deadlines, supervision, the starter escalation triggers).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike};
use domain::vocabulary::Language;

const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];

/// An amount in fen written in capitals as letters and agreements do: `人民币壹仟贰佰叁拾肆元伍角陆分`.
///
/// The rules are the People's Bank's for filling in payment documents (支付结算办法, 附件一):
/// `人民币` stands directly before the amount; an amount that ends at 元 ends with `整`, one
/// that ends at 角 or 分 does not (`壹拾元伍角`); a run of zeros inside the number is one `零`
/// (`壹仟零伍元`), zeros at the end of a 万 or 亿 group are not written (`壹拾万壹仟元`), a group
/// that starts with zeros after a higher one takes one `零` (`壹亿零壹万元`); when the 元
/// digit is zero and 角 is not, the optional `零` is left out (`壹拾元伍角`), but a zero 角
/// before a 分 is written (`壹仟零伍元零柒分`); below one yuan no `零元` is written (`伍角`).
/// Ten is `壹拾`, never a bare `拾`. Zero is `人民币零元整`.
pub fn amount_in_capitals(fen: u64) -> String {
    let yuan = fen / 100;
    let jiao = (fen / 10 % 10) as usize;
    let fen_digit = (fen % 10) as usize;
    let mut text = String::from("人民币");
    if yuan > 0 {
        text.push_str(&spell_integer(yuan));
        text.push('元');
    }
    match (jiao, fen_digit) {
        (0, 0) if yuan == 0 => text.push_str("零元整"),
        (0, 0) => text.push('整'),
        (0, _) => {
            if yuan > 0 {
                text.push('零');
            }
            text.push_str(DIGITS[fen_digit]);
            text.push('分');
        }
        (_, 0) => {
            text.push_str(DIGITS[jiao]);
            text.push('角');
        }
        (_, _) => {
            text.push_str(DIGITS[jiao]);
            text.push('角');
            text.push_str(DIGITS[fen_digit]);
            text.push('分');
        }
    }
    text
}

/// Spells a positive integer with 亿 above 万: each 亿 block is spelt recursively.
fn spell_integer(number: u64) -> String {
    const YI: u64 = 100_000_000;
    if number < YI {
        return spell_below_yi(number);
    }
    let (high, low) = (number / YI, number % YI);
    let mut text = spell_integer(high);
    text.push('亿');
    if low > 0 {
        if low < YI / 10 {
            text.push('零');
        }
        text.push_str(&spell_below_yi(low));
    }
    text
}

/// Spells 1..10⁸ as a 万 group and a units group.
fn spell_below_yi(number: u64) -> String {
    let (high, low) = (number / 10_000, number % 10_000);
    let mut text = String::new();
    if high > 0 {
        text.push_str(&spell_group(high));
        text.push('万');
        if low > 0 && low < 1_000 {
            text.push('零');
        }
    }
    if low > 0 {
        text.push_str(&spell_group(low));
    }
    text
}

/// Spells 1..9999: leading and trailing zeros silent, a run of inner zeros one `零`.
fn spell_group(number: u64) -> String {
    const UNITS: [&str; 4] = ["仟", "佰", "拾", ""];
    let digits = [number / 1000 % 10, number / 100 % 10, number / 10 % 10, number % 10];
    let mut text = String::new();
    let mut zero_pending = false;
    for (digit, unit) in digits.into_iter().zip(UNITS) {
        if digit == 0 {
            zero_pending = !text.is_empty();
            continue;
        }
        if zero_pending {
            text.push('零');
            zero_pending = false;
        }
        text.push_str(DIGITS[digit as usize]);
        text.push_str(unit);
    }
    text
}

/// An amount in fen in figures with thousands separators: `¥1,000.00` in Chinese,
/// `RMB 1,000.00` in English.
pub fn amount_in_figures(fen: u64, language: Language) -> String {
    let yuan = (fen / 100).to_string();
    let mut grouped = String::new();
    for (index, digit) in yuan.chars().enumerate() {
        if index > 0 && (yuan.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let prefix = match language {
        Language::ZhCn => "¥",
        Language::En => "RMB ",
    };
    format!("{prefix}{grouped}.{:02}", fen % 100)
}

/// A date as Chinese letters write it: `2026年12月5日`.
pub fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// A date as English letters write it: `5 December 2026`.
pub fn english_date(date: NaiveDate) -> String {
    format!("{} {} {}", date.day(), MONTHS[date.month0() as usize], date.year())
}

/// The months' names in English.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date in `language`: [`chinese_date`] or [`english_date`].
pub fn localized_date(date: NaiveDate, language: Language) -> String {
    match language {
        Language::ZhCn => chinese_date(date),
        Language::En => english_date(date),
    }
}

/// A wall-clock time in `language`: `2026年12月5日 18:00` or `5 December 2026, 18:00`.
pub fn localized_datetime(at: NaiveDateTime, language: Language) -> String {
    let date = localized_date(at.date(), language);
    match language {
        Language::ZhCn => format!("{date} {:02}:{:02}", at.hour(), at.minute()),
        Language::En => format!("{date}, {:02}:{:02}", at.hour(), at.minute()),
    }
}

/// Parses a context's date: `2026-12-05`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Parses a context's time as the wall clock it names: RFC 3339 with an offset
/// (`2026-12-05T18:00:00+08:00`, read in that offset, so the caller passes the organisation's
/// local time) or without one (`2026-12-05T18:00`, `2026-12-05 18:00:00`).
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.naive_local());
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .into_iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// How many messages a Chinese SMS provider sends for `text`: up to 70 characters is one;
/// a longer text goes in parts of 67 characters each. Characters, not bytes, and the same for
/// Latin letters (Chinese providers count every character alike). An empty text is none.
/// The provider's signature (`【…】`) counts too: pass it in if it should be counted.
pub fn sms_segments(text: &str) -> u32 {
    let characters = text.chars().count() as u64;
    let segments = match characters {
        0 => 0,
        1..=70 => 1,
        _ => characters.div_ceil(67),
    };
    u32::try_from(segments).unwrap_or(u32::MAX)
}

/// The label of a deadline named as `calendar` names it (`resolution` → `办结期限`), or `None`
/// for a name `calendar` does not know.
pub fn deadline_label(name: &str, language: Language) -> Option<&'static str> {
    use calendar::DeadlineKind as D;
    let (zh, en) = match D::parse(name)? {
        D::Acknowledgement => ("受理告知期限", "acknowledgement deadline"),
        D::FirstContact => ("首次联系期限", "first-contact deadline"),
        D::NextContact => ("约定联系期限", "promised next-contact deadline"),
        D::Resolution => ("办结期限", "resolution deadline"),
        D::ResultNotice => ("结果告知期限", "result-notice deadline"),
        D::Callback => ("回访期限", "callback deadline"),
        D::TakeOrReturn => ("接单期限", "take-or-return deadline"),
        D::EarlyWarningAcknowledgement => ("预警确认期限", "early-warning acknowledgement deadline"),
        D::SupervisionNotice => ("督办答复期限", "supervision reply deadline"),
        D::SourceReply => ("外部平台答复期限", "outside platform's reply deadline"),
        D::SourceFirstContact => ("外部平台首次联系期限", "outside platform's first-contact deadline"),
    };
    Some(pick(language, zh, en))
}

/// The wire names of supervision: `chase` (催办), `notice` (督办), `instruction` (领导批示).
pub const SUPERVISION_KINDS: [&str; 3] = ["chase", "notice", "instruction"];

/// The label of a supervision kind (`notice` → `督办`), or `None` for another name.
pub fn supervision_label(name: &str, language: Language) -> Option<&'static str> {
    let (zh, en) = match name {
        "chase" => ("催办", "chase"),
        "notice" => ("督办", "supervision notice"),
        "instruction" => ("领导批示", "leader's instruction"),
        _ => return None,
    };
    Some(pick(language, zh, en))
}

/// The reports of the filing calendar, by their wire names.
pub const REPORTS: [&str; 6] = [
    "daily_overdue",
    "weekly_summary",
    "monthly_summary",
    "monthly_analysis",
    "quarterly_statistics",
    "half_year_report",
];

/// The label of a report of the filing calendar, written to follow its period in Chinese
/// (`2026年下半年` + `投诉统计报告`), or `None` for another name.
pub fn report_label(name: &str, language: Language) -> Option<&'static str> {
    let (zh, en) = match name {
        "daily_overdue" => ("超期投诉清单", "daily overdue list"),
        "weekly_summary" => ("投诉周报", "weekly summary and rankings"),
        "monthly_summary" => ("投诉月报", "monthly summary and rankings"),
        "monthly_analysis" => ("投诉分析报告", "monthly complaint analysis"),
        "quarterly_statistics" => ("投诉统计报表", "quarterly complaint statistics"),
        "half_year_report" => ("投诉统计报告", "half-year complaint report"),
        _ => return None,
    };
    Some(pick(language, zh, en))
}

/// A reporting period in words: `2026-12-05` (a day), `2026-W49` (an ISO week), `2026-11` (a
/// month), `2026-Q4`, `2026-H2` (a half year) or `2026`; `None` for anything else.
pub fn period_label(period: &str, language: Language) -> Option<String> {
    let zh = language == Language::ZhCn;
    let (year, rest) = match period.split_once('-') {
        Some((year, rest)) => (year, Some(rest)),
        None => (period, None),
    };
    let year: u32 = year.parse().ok().filter(|y| (1990..=2999).contains(y))?;
    let Some(rest) = rest else {
        return Some(if zh { format!("{year}年度") } else { format!("{year}") });
    };
    if let Some(day) = parse_date(period) {
        return Some(localized_date(day, language));
    }
    let number = |text: &str, max: u32| text.parse::<u32>().ok().filter(|n| (1..=max).contains(n));
    if let Some(week) = rest.strip_prefix('W').and_then(|w| number(w, 53)) {
        return Some(if zh {
            format!("{year}年第{week}周")
        } else {
            format!("week {week} of {year}")
        });
    }
    if let Some(quarter) = rest.strip_prefix('Q').and_then(|q| number(q, 4)) {
        const ZH: [&str; 4] = ["一", "二", "三", "四"];
        return Some(if zh {
            format!("{year}年第{}季度", ZH[quarter as usize - 1])
        } else {
            format!("Q{quarter} {year}")
        });
    }
    if let Some(half) = rest.strip_prefix('H').and_then(|h| number(h, 2)) {
        return Some(match (zh, half) {
            (true, 1) => format!("{year}年上半年"),
            (true, _) => format!("{year}年下半年"),
            (false, 1) => format!("the first half of {year}"),
            (false, _) => format!("the second half of {year}"),
        });
    }
    if rest.len() == 2
        && let Some(month) = number(rest, 12)
    {
        return Some(if zh {
            format!("{year}年{month}月")
        } else {
            format!("{} {year}", MONTHS[month as usize - 1])
        });
    }
    None
}

/// The label of one of the starter rule set's escalation triggers (`media` → `媒体曝光`), or
/// `None` for a trigger a tenant named itself (a notice prints such a name as it was written).
pub fn trigger_label(name: &str, language: Language) -> Option<&'static str> {
    let (zh, en) = match name {
        "repeat" => ("重复投诉", "repeat complaint"),
        "to_manufacturer" => ("向厂家投诉", "complaint to the manufacturer"),
        "to_regulator" => ("向监管部门投诉", "complaint to the regulator"),
        "media" => ("媒体曝光", "negative media coverage"),
        "disturbance" => ("堵门或现场纠纷", "showroom blocked or disturbance"),
        "return_or_exchange" => ("要求退换车", "demand to return or exchange the vehicle"),
        "collective" => ("集体投诉", "collective complaint"),
        "vip" => ("VIP客户投诉", "VIP customer"),
        "emergency" => ("突发事件", "emergency"),
        "take_overdue" => ("接单超时", "not taken in time"),
        _ => return None,
    };
    Some(pick(language, zh, en))
}

fn pick(language: Language, zh: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::ZhCn => zh,
        Language::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_follow_the_rules_for_zeros() {
        let table: &[(u64, &str)] = &[
            (0, "人民币零元整"),
            (1, "人民币壹分"),
            (7, "人民币柒分"),
            (50, "人民币伍角"),
            (56, "人民币伍角陆分"),
            (100, "人民币壹元整"),
            (105, "人民币壹元零伍分"),
            (1_000, "人民币壹拾元整"),
            (1_050, "人民币壹拾元伍角"),
            (1_001, "人民币壹拾元零壹分"),
            (11_000, "人民币壹佰壹拾元整"),
            (32_504, "人民币叁佰贰拾伍元零肆分"),
            (100_000, "人民币壹仟元整"),
            (123_456, "人民币壹仟贰佰叁拾肆元伍角陆分"),
            (100_507, "人民币壹仟零伍元零柒分"),
            (140_950, "人民币壹仟肆佰零玖元伍角"),
            (600_714, "人民币陆仟零柒元壹角肆分"),
            (168_032, "人民币壹仟陆佰捌拾元叁角贰分"),
            (1_000_000, "人民币壹万元整"),
            (1_000_100, "人民币壹万零壹元整"),
            (10_000_000, "人民币壹拾万元整"),
            (10_100_000, "人民币壹拾万壹仟元整"),
            (10_700_053, "人民币壹拾万柒仟元伍角叁分"),
            (20_600_075, "人民币贰拾万陆仟元柒角伍分"),
            (100_000_000, "人民币壹佰万元整"),
            (100_010_000, "人民币壹佰万零壹佰元整"),
            (1_001_000_000, "人民币壹仟零壹万元整"),
            (10_000_000_000, "人民币壹亿元整"),
            (10_001_000_000, "人民币壹亿零壹万元整"),
            (10_000_000_100, "人民币壹亿零壹元整"),
            (10_100_000_000, "人民币壹亿零壹佰万元整"),
            (11_000_000_000, "人民币壹亿壹仟万元整"),
            (12_345_678_901, "人民币壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分"),
            (100_000_000_000_000, "人民币壹万亿元整"),
            (100_010_000_000_000, "人民币壹万零壹亿元整"),
            (
                432_100_987_654_321_000,
                "人民币肆仟叁佰贰拾壹万零玖拾捌亿柒仟陆佰伍拾肆万叁仟贰佰壹拾元整",
            ),
        ];
        for (fen, expected) in table {
            assert_eq!(amount_in_capitals(*fen), *expected, "{fen} fen");
        }
    }

    #[test]
    fn capitals_never_panic_and_never_double_a_zero() {
        let largest = amount_in_capitals(u64::MAX);
        assert!(
            largest.starts_with("人民币壹拾捌亿") && largest.ends_with("元壹角伍分"),
            "{largest}"
        );
        let mut fen = 1u64;
        while fen < u64::MAX / 7 {
            let text = amount_in_capitals(fen);
            assert!(
                !text.contains("零零") && !text.contains("零万") && !text.contains("零亿"),
                "{fen}: {text}"
            );
            assert!(!text.contains("零元") || fen == 0, "{fen}: {text}");
            assert!(
                !text.starts_with("人民币拾") && !text.starts_with("人民币零"),
                "{fen}: {text}"
            );
            fen = fen * 7 + 3;
        }
    }

    #[test]
    fn figures_group_thousands() {
        assert_eq!(amount_in_figures(100_000, Language::ZhCn), "¥1,000.00");
        assert_eq!(amount_in_figures(5, Language::ZhCn), "¥0.05");
        assert_eq!(amount_in_figures(12_345_678_901, Language::En), "RMB 123,456,789.01");
        assert_eq!(amount_in_figures(99_999, Language::En), "RMB 999.99");
    }

    #[test]
    fn dates_in_both_languages() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 5).expect("a date");
        assert_eq!(chinese_date(date), "2026年12月5日");
        assert_eq!(english_date(date), "5 December 2026");
        let at = parse_datetime("2026-12-05T18:30:00+08:00").expect("rfc 3339");
        assert_eq!(localized_datetime(at, Language::ZhCn), "2026年12月5日 18:30");
        assert_eq!(localized_datetime(at, Language::En), "5 December 2026, 18:30");
        assert_eq!(
            parse_datetime("2026-12-05 09:05"),
            parse_datetime("2026-12-05T09:05:00")
        );
        assert_eq!(parse_datetime("2026-12-05"), None);
        assert_eq!(parse_date("2026-02-30"), None);
    }

    #[test]
    fn segments_at_the_boundaries() {
        let text = |n: usize| "投".repeat(n);
        assert_eq!(sms_segments(""), 0);
        assert_eq!(sms_segments(&text(1)), 1);
        assert_eq!(sms_segments(&text(70)), 1);
        assert_eq!(sms_segments(&text(71)), 2);
        assert_eq!(sms_segments(&text(134)), 2);
        assert_eq!(sms_segments(&text(135)), 3);
        assert_eq!(sms_segments(&"a".repeat(70)), 1);
    }

    #[test]
    fn every_calendar_deadline_has_labels() {
        for kind in calendar::DeadlineKind::ALL {
            assert!(deadline_label(kind.as_str(), Language::ZhCn).is_some());
            assert!(deadline_label(kind.as_str(), Language::En).is_some());
        }
        assert_eq!(deadline_label("resolution", Language::ZhCn), Some("办结期限"));
        assert_eq!(deadline_label("lunch", Language::En), None);
        assert_eq!(supervision_label("instruction", Language::ZhCn), Some("领导批示"));
    }

    #[test]
    fn periods_read_as_days_weeks_months_quarters_halves_and_years() {
        let both = |period: &str| {
            (
                period_label(period, Language::ZhCn).unwrap_or_default(),
                period_label(period, Language::En).unwrap_or_default(),
            )
        };
        assert_eq!(both("2026-12-05"), ("2026年12月5日".into(), "5 December 2026".into()));
        assert_eq!(both("2026-W49"), ("2026年第49周".into(), "week 49 of 2026".into()));
        assert_eq!(both("2026-11"), ("2026年11月".into(), "November 2026".into()));
        assert_eq!(both("2026-Q4"), ("2026年第四季度".into(), "Q4 2026".into()));
        assert_eq!(
            both("2026-H1"),
            ("2026年上半年".into(), "the first half of 2026".into())
        );
        assert_eq!(both("2026"), ("2026年度".into(), "2026".into()));
        for wrong in [
            "2026-13",
            "2026-Q5",
            "2026-H3",
            "2026-W54",
            "2026-1",
            "26-11",
            "2026-12-32",
            "H2",
            "",
        ] {
            assert_eq!(period_label(wrong, Language::En), None, "{wrong}");
        }
        assert_eq!(report_label("half_year_report", Language::ZhCn), Some("投诉统计报告"));
        assert_eq!(report_label("annual", Language::En), None);
    }
}

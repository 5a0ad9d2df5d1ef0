//! The daily overdue list (decision 0012): every open case past its resolution deadline, by the
//! unit handling it, most overdue first — what supervisors chase each morning.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, Workbook};
use sqlx::Row as _;
use store::Db;

use crate::figures::Tree;
use crate::reports::Language;

/// One overdue case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    pub case_number: String,
    pub unit: String,
    pub kind: String,
    pub category: String,
    pub received_at: String,
    pub due_at: String,
    /// Whole days since the deadline passed.
    pub days: i64,
}

/// The open cases of `unit`'s subtree (every unit when empty) whose resolution deadline had
/// passed at `at`: not resolved, closed, withdrawn or rejected.
pub async fn overdue(
    db: &Db,
    tenant: &str,
    tree: &Tree,
    unit: &str,
    at: DateTime<Utc>,
) -> Result<Vec<Overdue>, store::Error> {
    let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let rows = sqlx::query(
        "SELECT coalesce(case_number, case_id) AS case_number, coalesce(unit, registered_unit, '') AS unit,
                coalesce(kind, '') AS kind, coalesce(category, '') AS category, coalesce(received_at, '') AS received_at,
                resolution_due_at
         FROM case_facts
         WHERE tenant = $1 AND resolution_due_at IS NOT NULL AND resolution_due_at < $2 AND resolved_at IS NULL
           AND closed_at IS NULL AND withdrawn_at IS NULL AND rejected_at IS NULL
         ORDER BY resolution_due_at, case_number",
    )
    .bind(tenant)
    .bind(&at_text)
    .fetch_all(db.reader())
    .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let case_unit: String = row.try_get("unit")?;
        if !unit.is_empty() && !tree.line(&case_unit).0.iter().any(|u| u == unit) {
            continue;
        }
        let due_at: String = row.try_get("resolution_due_at")?;
        let days = DateTime::parse_from_rfc3339(&due_at)
            .map(|due| (at - due.with_timezone(&Utc)).num_days())
            .unwrap_or_default();
        list.push(Overdue {
            case_number: row.try_get("case_number")?,
            unit: case_unit,
            kind: row.try_get("kind")?,
            category: row.try_get("category")?,
            received_at: row.try_get("received_at")?,
            due_at,
            days,
        });
    }
    Ok(list)
}

fn header(language: Language) -> [&'static str; 7] {
    match language {
        Language::Zh => [
            "投诉单号",
            "承办单位",
            "类型",
            "类别",
            "登记时间",
            "办理期限",
            "逾期天数",
        ],
        Language::En => [
            "case number",
            "unit",
            "kind",
            "category",
            "received",
            "due",
            "days overdue",
        ],
    }
}

fn cells(case: &Overdue) -> [String; 6] {
    [
        case.case_number.clone(),
        case.unit.clone(),
        case.kind.clone(),
        case.category.clone(),
        case.received_at.clone(),
        case.due_at.clone(),
    ]
}

/// The list as an XLSX sheet.
pub fn xlsx(list: &[Overdue], language: Language) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(match language {
        Language::Zh => "逾期清单",
        Language::En => "Overdue",
    })?;
    for (col, text) in header(language).iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *text, &bold)?;
    }
    for (n, case) in list.iter().enumerate() {
        let row = n as u32 + 1;
        for (col, text) in cells(case).iter().enumerate() {
            sheet.write_string(row, col as u16, text)?;
        }
        sheet.write_number(row, 6, case.days as f64)?;
    }
    sheet.set_column_width(0, 18)?;
    workbook.save_to_buffer()
}

/// The list as CSV (values quoted where needed).
pub fn csv(list: &[Overdue], language: Language) -> String {
    let quote = |text: &str| {
        if text.contains([',', '"', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    };
    let mut out = header(language).join(",");
    out.push('\n');
    for case in list {
        let mut line: Vec<String> = cells(case).iter().map(|c| quote(c)).collect();
        line.push(case.days.to_string());
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

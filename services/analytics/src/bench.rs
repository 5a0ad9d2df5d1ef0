//! `redress bench analytics`: the half-year report over cases generated straight into
//! analytics' store, beside a plain GROUP BY over the same rows in the same run. Figures, never
//! assertions; the one check is that both count the same cases per unit.

use std::collections::BTreeMap;
use std::time::Instant;

use sqlx::Row as _;
use store::Db;

use crate::reports::{Language, Period};

/// The tenant the benchmark fills.
pub const TENANT: &str = "bench-bank";

/// A small, fast, reproducible generator (splitmix64).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The bank: head office, `branches` branches of `subs` sub-branches each.
pub fn organisation(branches: usize, subs: usize) -> (String, Vec<String>) {
    let mut units = vec![serde_json::json!({"id": "hq", "kind": "group", "name_zh": "某银行", "name_en": "A bank"})];
    let mut leaves = vec![];
    for b in 0..branches {
        let branch = format!("b{b}");
        units.push(serde_json::json!({"id": branch, "kind": "branch", "parent": "hq",
            "name_zh": format!("第{b}分行"), "name_en": format!("Branch {b}"), "tags": [format!("region:r{}", b % 3)]}));
        for s in 0..subs {
            let leaf = format!("b{b}-s{s}");
            units.push(serde_json::json!({"id": leaf, "kind": "store", "parent": branch,
                "name_zh": format!("第{b}分行第{s}支行"), "name_en": format!("Branch {b} sub-branch {s}")}));
            leaves.push(leaf);
        }
    }
    (serde_json::json!({"units": units}).to_string(), leaves)
}

const CHANNELS: &[&str] = &["phone", "web", "email", "letter", "walk_in", "wechat"];
const SOURCES: &[&str] = &["direct", "direct", "direct", "regulator", "hotline_12378"];
const CATEGORIES: &[&str] = &[
    "fees",
    "collection",
    "mis_selling",
    "service",
    "credit_report",
    "privacy",
];
const CODES: &[&str] = &[
    "nfra:credit_card",
    "nfra:personal_loan",
    "nfra:debit_card",
    "jrt0169.cause:0102|nfra:wealth",
];

fn instant(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Generates `n` cases' facts straight into the store, received from July 2024 to June 2025,
/// in transactions of 5,000 rows. Returns the seconds it took.
pub async fn generate(db: &Db, n: usize, seed: u64) -> Result<f64, store::Error> {
    let started = Instant::now();
    let (org, leaves) = organisation(4, 10);
    let mut tx = db.begin().await?;
    crate::store::keep_organisation(&mut tx, TENANT, 1, &org).await?;
    db.commit(tx).await?;
    let mut mix = Mix(seed);
    let start = chrono::NaiveDate::from_ymd_opt(2024, 7, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp() - 8 * 3600)
        .unwrap_or_default();
    let span = 365 * 86_400;
    const COLUMNS: &str = "case_id, tenant, kind, channel, source, category, product, unit, received_at, received_day, \
        received_month, received_s, accepted_at, acknowledgement_due_at, acknowledged_at, first_contact_due_at, \
        first_contact_at, resolved_at, resolved_s, resolved_due_at, closed_at, callbacks_attempted, \
        callbacks_successful, callbacks_satisfied, compensation_fen, codes, severity, repeat_case, handler, reopens";
    // One prepared statement, many rows per transaction (the store's statement cache keeps it).
    let sql = format!(
        "INSERT INTO case_facts ({COLUMNS}) VALUES ({})",
        (1..=30).map(|c| format!("${c}")).collect::<Vec<_>>().join(", ")
    );
    const BATCH: usize = 5_000;
    let mut written = 0;
    while written < n {
        let rows = BATCH.min(n - written);
        let mut tx = db.begin().await?;
        for i in written..written + rows {
            let received = start + mix.below(span) as i64;
            let local = chrono::DateTime::from_timestamp(received + 8 * 3600, 0).unwrap_or_default();
            let kind = if mix.chance(85) { "complaint" } else { "inquiry" };
            let accepted = mix.chance(95);
            let resolved = accepted && mix.chance(85);
            let due = received + 15 * 86_400;
            let resolved_at = received + mix.below(25 * 86_400) as i64;
            let closed = resolved && mix.chance(80);
            let attempts = if resolved { 1 + mix.below(3) as i64 } else { 0 };
            let successful = i64::from(closed);
            let satisfied = i64::from(closed && mix.chance(85));
            let when = |ok: bool, at: i64| ok.then(|| instant(at));
            sqlx::query(&sql)
                .bind(format!("bench-{i:010}"))
                .bind(TENANT)
                .bind(kind)
                .bind(CHANNELS[mix.below(CHANNELS.len() as u64) as usize])
                .bind(SOURCES[mix.below(SOURCES.len() as u64) as usize])
                .bind(CATEGORIES[mix.below(CATEGORIES.len() as u64) as usize])
                .bind("card")
                .bind(leaves[mix.below(leaves.len() as u64) as usize].clone())
                .bind(instant(received))
                .bind(local.format("%Y-%m-%d").to_string())
                .bind(local.format("%Y-%m").to_string())
                .bind(received)
                .bind(when(accepted, received + 3600))
                .bind(when(accepted, received + 86_400))
                .bind(when(accepted, received + mix.below(2 * 86_400) as i64))
                .bind(when(accepted, received + 2 * 86_400))
                .bind(when(accepted, received + mix.below(3 * 86_400) as i64))
                .bind(when(resolved, resolved_at))
                .bind(resolved.then_some(resolved_at))
                .bind(when(resolved, due))
                .bind(when(closed, resolved_at + 86_400))
                .bind(attempts)
                .bind(successful)
                .bind(satisfied)
                .bind(if resolved && mix.chance(10) {
                    mix.below(1_000_000) as i64
                } else {
                    0
                })
                .bind(CODES[mix.below(CODES.len() as u64) as usize])
                .bind(if mix.chance(3) { "major" } else { "normal" })
                .bind(i64::from(mix.chance(6)))
                .bind(format!("staff-{}", mix.below(200)))
                .bind(i64::from(mix.chance(4)))
                .execute(&mut *tx)
                .await?;
        }
        db.commit(tx).await?;
        written += rows;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// What the benchmark measured.
#[derive(Debug, Clone)]
pub struct Measured {
    pub cases: usize,
    pub generate_seconds: f64,
    /// The half-year pack: the half's figures and the half before's count, rendered as XLSX and DOCX.
    pub pack_seconds: f64,
    pub xlsx_bytes: usize,
    pub docx_bytes: usize,
    /// A plain GROUP BY unit over the same half's rows.
    pub group_by_seconds: f64,
    /// Units whose case counts differ between the two.
    pub mismatches: usize,
    /// Cases in the half.
    pub in_half: u64,
}

/// Measures the head office's half-year pack for the first half of 2025 against a plain
/// GROUP BY of the same rows.
pub async fn measure(
    db: &Db,
    cases: usize,
    generate_seconds: f64,
) -> Result<Measured, Box<dyn std::error::Error + Send + Sync>> {
    let half = Period::Half { year: 2025, half: 1 };
    let body = crate::store::organisation(db, TENANT).await?.ok_or("no organisation")?;
    let document: directory::OrgDocument = serde_json::from_str(&body)?;
    let started = Instant::now();
    let org = document.build().map_err(|e| format!("{e:?}"))?;
    let pack = crate::reports::pack(db, TENANT, Some(org), "hq", half, Language::Zh).await?;
    let xlsx = pack.xlsx()?;
    let docx = pack.docx().map_err(|e| format!("{e:?}"))?;
    let pack_seconds = started.elapsed().as_secs_f64();
    let (from, to) = half.days();
    let started = Instant::now();
    let rows = sqlx::query(
        "SELECT unit, count(*) AS n, sum(CASE WHEN closed_at IS NOT NULL THEN 1 ELSE 0 END) AS closed,
                sum(callbacks_satisfied) AS satisfied, sum(compensation_fen) AS fen
         FROM case_facts WHERE tenant = $1 AND received_day BETWEEN $2 AND $3 GROUP BY unit",
    )
    .bind(TENANT)
    .bind(&from)
    .bind(&to)
    .fetch_all(db.reader())
    .await?;
    let group_by_seconds = started.elapsed().as_secs_f64();
    let grouped: BTreeMap<String, u64> = rows
        .iter()
        .map(|row| Ok((row.try_get::<String, _>("unit")?, row.try_get::<i64, _>("n")? as u64)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mismatches = grouped
        .iter()
        .filter(|(unit, n)| pack.current.by_unit.get(*unit).map(|t| t.count) != Some(**n))
        .count()
        + usize::from(grouped.values().sum::<u64>() != pack.current.total.count);
    Ok(Measured {
        cases,
        generate_seconds,
        pack_seconds,
        xlsx_bytes: xlsx.len(),
        docx_bytes: docx.len(),
        group_by_seconds,
        mismatches,
        in_half: pack.current.total.count,
    })
}

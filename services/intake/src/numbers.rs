//! Case numbers (decision 0010): per tenant, a short prefix and digits only, so that a number
//! can be read out on the phone and typed into a voice menu — `TS` + the date + the day's
//! sequence by default (`TS202612050001`). `[intake.case_numbers]` sets the prefix, the layout
//! and the sequence's width for every tenant, `[intake.case_numbers.tenants.<tenant>]` for one.
//!
//! Counters are kept per tenant and period (the ledger's `case_number_counters`), and the
//! ledger skips a number the tenant already has, so no change of format reuses one.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// How the digits after the prefix are laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `YYYYMMDD` and the day's sequence (the default).
    #[default]
    Daily,
    /// `YYYYMM` and the month's sequence.
    Monthly,
    /// `YYYY` and the year's sequence.
    Yearly,
    /// A sequence only, never restarting.
    Continuous,
}

impl Layout {
    /// The characters of the date part.
    fn date_len(self) -> usize {
        match self {
            Self::Daily => 8,
            Self::Monthly => 6,
            Self::Yearly => 4,
            Self::Continuous => 0,
        }
    }
}

/// One tenant's format, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseNumberFormat {
    pub prefix: String,
    pub layout: Layout,
    pub sequence_digits: usize,
}

impl Default for CaseNumberFormat {
    fn default() -> Self {
        Self {
            prefix: default_prefix(),
            layout: Layout::Daily,
            sequence_digits: usize::from(default_sequence_digits()),
        }
    }
}

impl CaseNumberFormat {
    /// The counter's period for an instant, in Beijing time: `20261205`, `202612`, `2026` or
    /// empty.
    pub fn period(&self, now: DateTime<Utc>) -> String {
        let beijing = FixedOffset::east_opt(8 * 3600).map(|offset| now.with_timezone(&offset));
        let Some(local) = beijing else { return String::new() };
        match self.layout {
            Layout::Daily => local.format("%Y%m%d").to_string(),
            Layout::Monthly => local.format("%Y%m").to_string(),
            Layout::Yearly => local.format("%Y").to_string(),
            Layout::Continuous => String::new(),
        }
    }

    /// The case number of a period's `sequence`-th case (the sequence grows past its width
    /// rather than wrap).
    pub fn render(&self, period: &str, sequence: i64) -> String {
        let width = self.sequence_digits;
        format!("{}{period}{sequence:0width$}", self.prefix)
    }

    /// The case numbers of this format in a text, in order, standing alone (not inside a longer
    /// word): the prefix and at least the date's and the sequence's digits.
    pub fn find_in(&self, text: &str) -> Vec<String> {
        let prefix = self.prefix.as_bytes();
        let min_digits = self.layout.date_len() + self.sequence_digits;
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut index = 0;
        while index + prefix.len() <= bytes.len() {
            let alone = index == 0 || !bytes[index - 1].is_ascii_alphanumeric();
            if alone && &bytes[index..index + prefix.len()] == prefix {
                let start = index + prefix.len();
                let digits = bytes[start..].iter().take_while(|b| b.is_ascii_digit()).count();
                let end = start + digits;
                let ends_alone = end == bytes.len() || !bytes[end].is_ascii_alphabetic();
                if digits >= min_digits && ends_alone {
                    found.push(text[index..end].to_owned());
                    index = end;
                    continue;
                }
            }
            index += 1;
        }
        found
    }
}

/// The next case number of a tenant in a period: the period's counter moves on, and a number
/// the tenant already has (after a change of format) is skipped, so none is ever reused.
pub async fn next_case_number(
    conn: &mut store::Conn,
    tenant: &str,
    format: &CaseNumberFormat,
    period: &str,
) -> Result<String, store::Error> {
    loop {
        let sequence = crate::store::next_daily_number(conn, tenant, period).await?;
        let number = format.render(period, sequence);
        if !crate::store::case_number_taken(conn, tenant, &number).await? {
            return Ok(number);
        }
    }
}

/// A tenant's own format; what it leaves out comes from `[intake.case_numbers]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantCaseNumbers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_digits: Option<u8>,
}

/// `[intake.case_numbers]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseNumbersConfig {
    /// 1 to 4 capital letters without O and I (`TS`).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// `daily` (the default), `monthly`, `yearly` or `continuous`.
    #[serde(default)]
    pub layout: Layout,
    /// The sequence's minimum width, 3 to 8 (4).
    #[serde(default = "default_sequence_digits")]
    pub sequence_digits: u8,
    /// Tenants with a format of their own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tenants: BTreeMap<String, TenantCaseNumbers>,
}

impl Default for CaseNumbersConfig {
    fn default() -> Self {
        Self {
            prefix: default_prefix(),
            layout: Layout::Daily,
            sequence_digits: default_sequence_digits(),
            tenants: BTreeMap::new(),
        }
    }
}

fn default_prefix() -> String {
    "TS".into()
}

fn default_sequence_digits() -> u8 {
    4
}

/// Whether a prefix can be read out and typed: 1–4 of A–Z, without O and I (mistaken for 0
/// and 1).
fn check_prefix(at: &str, prefix: &str) -> Result<(), String> {
    if !(1..=4).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "{at}.prefix must be 1 to 4 capital letters A-Z (got {prefix:?})"
        ));
    }
    if prefix.contains(['O', 'I']) {
        return Err(format!(
            "{at}.prefix must not contain O or I, which are heard and typed as 0 and 1 (got {prefix:?})"
        ));
    }
    Ok(())
}

fn check_digits(at: &str, digits: u8) -> Result<(), String> {
    if (3..=8).contains(&digits) {
        Ok(())
    } else {
        Err(format!("{at}.sequence_digits must be between 3 and 8 (got {digits})"))
    }
}

impl CaseNumbersConfig {
    /// The format of a tenant.
    pub fn of(&self, tenant: &str) -> CaseNumberFormat {
        let own = self.tenants.get(tenant).cloned().unwrap_or_default();
        CaseNumberFormat {
            prefix: own.prefix.unwrap_or_else(|| self.prefix.clone()),
            layout: own.layout.unwrap_or(self.layout),
            sequence_digits: usize::from(own.sequence_digits.unwrap_or(self.sequence_digits)),
        }
    }

    /// Checks the values a file may get wrong; names the field and the rule.
    pub fn validate(&self) -> Result<(), String> {
        check_prefix("intake.case_numbers", &self.prefix)?;
        check_digits("intake.case_numbers", self.sequence_digits)?;
        for (tenant, own) in &self.tenants {
            let at = format!("intake.case_numbers.tenants.{tenant}");
            if domain::Tenant::parse(tenant).is_none() {
                return Err(format!("{at} must name a tenant id"));
            }
            if let Some(prefix) = &own.prefix {
                check_prefix(&at, prefix)?;
            }
            if let Some(digits) = own.sequence_digits {
                check_digits(&at, digits)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn config(value: serde_json::Value) -> CaseNumbersConfig {
        serde_json::from_value(value).expect("settings")
    }

    #[test]
    fn the_default_is_ts_the_beijing_date_and_four_digits() {
        let format = CaseNumbersConfig::default().of("default");
        // 17:30 UTC on 4 December is 01:30 on 5 December in Beijing.
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 17, 30, 0).single().expect("valid");
        let period = format.period(now);
        assert_eq!(period, "20261205");
        assert_eq!(format.render(&period, 1), "TS202612050001");
        assert_eq!(format.render(&period, 12345), "TS2026120512345", "grows, never wraps");
    }

    #[test]
    fn a_tenant_may_have_its_own_prefix_and_layout() {
        let settings = config(serde_json::json!({
            "prefix": "KF", "sequence_digits": 5,
            "tenants": {"bank": {"prefix": "YH", "layout": "monthly"}, "dealer": {"layout": "continuous", "sequence_digits": 8}}
        }));
        settings.validate().expect("valid");
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 2, 0, 0).single().expect("valid");
        let bank = settings.of("bank");
        assert_eq!(
            bank.render(&bank.period(now), 7),
            "YH20261200007",
            "the tenant keeps the shared width"
        );
        let dealer = settings.of("dealer");
        assert_eq!(dealer.render(&dealer.period(now), 42), "KF00000042");
        let other = settings.of("default");
        assert_eq!(other.render(&other.period(now), 3), "KF2026120500003");
        for number in ["YH20261200007", "KF00000042", "KF2026120500003"] {
            assert!(
                number[2..].bytes().all(|b| b.is_ascii_digit()),
                "digits after the prefix"
            );
        }
    }

    #[test]
    fn prefixes_with_o_or_i_and_odd_widths_are_refused() {
        let cases = [
            (
                serde_json::json!({"prefix": "TO"}),
                "intake.case_numbers.prefix must not contain O or I",
            ),
            (
                serde_json::json!({"prefix": "ts"}),
                "intake.case_numbers.prefix must be 1 to 4 capital",
            ),
            (
                serde_json::json!({"prefix": "TSXYZ"}),
                "intake.case_numbers.prefix must be 1 to 4 capital",
            ),
            (
                serde_json::json!({"sequence_digits": 2}),
                "intake.case_numbers.sequence_digits must be between 3 and 8",
            ),
            (
                serde_json::json!({"tenants": {"bank": {"prefix": "BI"}}}),
                "intake.case_numbers.tenants.bank.prefix must not contain O or I",
            ),
        ];
        for (value, expected) in cases {
            let error = config(value.clone()).validate().expect_err("refused");
            assert!(error.starts_with(expected), "{value}: {error}");
        }
        assert!(
            serde_json::from_value::<CaseNumbersConfig>(serde_json::json!({"layout": "weekly"})).is_err(),
            "an unknown layout"
        );
    }

    #[tokio::test]
    async fn a_number_already_taken_is_skipped_and_tenants_count_apart() {
        let dir = tempfile::tempdir().expect("dir");
        let url = store::sqlite_url(&dir.path().join("intake.db"));
        let db = store::Db::connect(&url, crate::store::MIGRATIONS, store::OpenOptions::default())
            .await
            .expect("store");
        let mut tx = db.begin().await.expect("transaction");
        // A case numbered as the next one would be (the format was monthly once, say).
        sqlx::query(
            "INSERT INTO cases (id, tenant, case_number, status, kind, channel, source, received_at, demands_json,
                anonymous, narrative, policy, version, registered_by)
             VALUES ('c1', 'default', 'TS202612050002', 'received', 'complaint', 'web', 'direct',
                '2026-12-05T01:00:00Z', '[]', 1, $1, 'service_commitment', 1, 'test')",
        )
        .bind(b"sealed".to_vec())
        .execute(&mut *tx)
        .await
        .expect("a case");
        let format = CaseNumberFormat::default();
        let mut numbers = Vec::new();
        for _ in 0..3 {
            numbers.push(
                next_case_number(&mut tx, "default", &format, "20261205")
                    .await
                    .expect("numbered"),
            );
        }
        assert_eq!(numbers, ["TS202612050001", "TS202612050003", "TS202612050004"]);
        let other = next_case_number(&mut tx, "bank", &format, "20261205")
            .await
            .expect("numbered");
        assert_eq!(other, "TS202612050001", "each tenant has its own sequence");
        db.commit(tx).await.expect("committed");
        db.close().await;
    }

    #[test]
    fn numbers_of_the_format_are_found_standing_alone() {
        let format = CaseNumberFormat::default();
        assert_eq!(format.find_in("Re: 您的投诉 TS202612050001 已受理"), ["TS202612050001"]);
        assert_eq!(
            format.find_in("[TS2026120512345] and TS202612050002."),
            ["TS2026120512345", "TS202612050002"]
        );
        assert!(format.find_in("XTS202612050001 TS20261205 TS202612050001A").is_empty());
        let monthly = CaseNumberFormat {
            prefix: "YH".into(),
            layout: Layout::Monthly,
            sequence_digits: 5,
        };
        assert_eq!(monthly.find_in("回复：YH20261200007 TS202612050001"), ["YH20261200007"]);
    }
}

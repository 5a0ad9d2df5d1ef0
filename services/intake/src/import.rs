//! The import of historical complaints (decision 0007): CSV or JSON lines with a column
//! mapping. Every row is validated and written like a registration (through the ledger, in its
//! group commits) as imported history, or refused with its row number and reason.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use domain::Tenant;
use domain::complaint::ComplaintInput;
use futures::StreamExt;
use sha2::{Digest, Sha256};

use crate::register::{Desk, IdempotencyKey, Submission};

/// The most bytes one import takes (a gRPC message carries at most 4 MiB).
pub const MAX_CONTENT_BYTES: usize = 3 * 1024 * 1024;

/// How many rows are in the ledger's hands at once.
const IN_FLIGHT: usize = 512;

/// How the file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated with a header row.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl Format {
    /// `csv` or `jsonl`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "jsonl" => Some(Self::JsonLines),
            _ => None,
        }
    }
}

/// Which column (CSV header or JSON key; matched ignoring case, spaces, `_` and `-`) gives which
/// field.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub channel: String,
    /// A column value → a channel's wire name; the value itself (lower-cased) when empty.
    pub channel_values: BTreeMap<String, String>,
    pub received_at: String,
    /// A chrono format (`%d-%m-%Y`); RFC 3339 when empty. A date alone is midnight in Beijing.
    pub date_format: String,
    /// The first non-empty of these columns.
    pub narrative: Vec<String>,
    /// The non-empty ones, joined with " / ".
    pub category: Vec<String>,
    pub unit: String,
    pub subject: String,
    pub external_ref: String,
    /// Fixed for every row.
    pub source: String,
    pub kind: String,
    pub outcome: String,
    /// Outcome values meaning the case closed where it came from.
    pub closed_values: Vec<String>,
    pub product: String,
    /// A column value → a product id; a value that is an id itself needs none.
    pub product_values: BTreeMap<String, String>,
    /// The old system's "handled in time" flag, and the values meaning yes.
    pub timely: String,
    pub timely_values: Vec<String>,
}

/// A row imported.
#[derive(Debug, Clone)]
pub struct Imported {
    pub row: u64,
    pub case_id: String,
    pub case_number: String,
    pub channel: String,
    pub status: &'static str,
    pub replayed: bool,
}

/// A row refused, with the field to blame (if one is) and why.
#[derive(Debug, Clone)]
pub struct Refused {
    pub row: u64,
    pub field: Option<String>,
    pub reason: String,
}

/// What an import did, row by row.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rows: u64,
    pub imported: Vec<Imported>,
    pub refused: Vec<Refused>,
}

/// Why a whole import was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {message}")]
    Invalid {
        field: String,
        rule: &'static str,
        message: String,
    },
    #[error("registration failed: {0}")]
    Register(crate::register::Error),
}

fn invalid(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Error {
    Error::Invalid {
        field: field.into(),
        rule,
        message: message.into(),
    }
}

/// A column name as compared: lower case without spaces, `_` and `-`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// One row's values by normalised column name.
type Row = BTreeMap<String, String>;

/// A row, or why it could not be read.
type ReadRow = (u64, Result<Row, String>);

/// A row ready to register: the submission, the outcome that closed it (if any), the channel.
type ReadySubmission = (Submission, History, String);

/// What a row says of the case's history where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The outcome that closed it, if one did.
    pub closed_with: Option<String>,
    /// Its "handled in time" flag: `yes`, `no`, or empty when the row gives none.
    pub timely: String,
}

fn read_csv(content: &str) -> Result<(Vec<String>, Vec<ReadRow>), Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(content.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| invalid("content", "csv", format!("the header row does not read: {e}")))?
        .iter()
        .map(normalise)
        .collect();
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let number = n as u64 + 1;
        rows.push((
            number,
            record
                .map_err(|e| match e.kind() {
                    csv::ErrorKind::UnequalLengths { len, expected_len, .. } => {
                        format!("the row has {len} fields, the header {expected_len}")
                    }
                    _ => format!("the row does not read as CSV: {e}"),
                })
                .map(|record| {
                    headers
                        .iter()
                        .cloned()
                        .zip(record.iter().map(|v| v.trim().to_owned()))
                        .collect()
                }),
        ));
    }
    Ok((headers, rows))
}

fn read_json_lines(content: &str) -> Vec<ReadRow> {
    content
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            let number = n as u64 + 1;
            let row = match serde_json::from_str::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(fields)) => Ok(fields
                    .into_iter()
                    .filter_map(|(key, value)| {
                        let text = match value {
                            serde_json::Value::String(text) => text,
                            serde_json::Value::Null => return None,
                            other => other.to_string(),
                        };
                        Some((normalise(&key), text.trim().to_owned()))
                    })
                    .collect()),
                Ok(_) => Err("the line is not a JSON object".to_owned()),
                Err(e) => Err(format!("the line is not JSON: {e}")),
            };
            (number, row)
        })
        .collect()
}

impl Mapping {
    /// Every column it names, with the mapping field naming it.
    fn columns(&self) -> Vec<(String, &str)> {
        let mut columns = vec![
            ("mapping.channel".to_owned(), self.channel.as_str()),
            ("mapping.received_at".to_owned(), self.received_at.as_str()),
        ];
        for (field, column) in [
            ("unit", &self.unit),
            ("subject", &self.subject),
            ("external_ref", &self.external_ref),
            ("outcome", &self.outcome),
            ("product", &self.product),
            ("timely", &self.timely),
        ] {
            if !column.is_empty() {
                columns.push((format!("mapping.{field}"), column.as_str()));
            }
        }
        for (n, column) in self.narrative.iter().enumerate() {
            columns.push((format!("mapping.narrative[{n}]"), column));
        }
        for (n, column) in self.category.iter().enumerate() {
            columns.push((format!("mapping.category[{n}]"), column));
        }
        columns
    }

    fn check(&self) -> Result<(), Error> {
        if self.channel.is_empty() {
            return Err(invalid(
                "mapping.channel",
                "required",
                "mapping.channel names the channel's column",
            ));
        }
        if self.received_at.is_empty() {
            return Err(invalid(
                "mapping.received_at",
                "required",
                "mapping.received_at names the column of when each complaint was received",
            ));
        }
        if self.narrative.is_empty() {
            return Err(invalid(
                "mapping.narrative",
                "required",
                "mapping.narrative names at least one column",
            ));
        }
        for (value, channel) in &self.channel_values {
            if domain::vocabulary::Channel::parse(channel).is_none() {
                return Err(invalid(
                    format!("mapping.channel_values.{value}"),
                    "one_of",
                    format!("a channel is one of: {}", domain::vocabulary::Channel::wire_list()),
                ));
            }
        }
        if !self.source.is_empty() && domain::vocabulary::Source::parse(&self.source).is_none() {
            return Err(invalid(
                "mapping.source",
                "one_of",
                format!("mapping.source is one of: {}", domain::vocabulary::Source::wire_list()),
            ));
        }
        if !self.kind.is_empty() && domain::vocabulary::Kind::parse(&self.kind).is_none() {
            return Err(invalid(
                "mapping.kind",
                "one_of",
                format!("mapping.kind is one of: {}", domain::vocabulary::Kind::wire_list()),
            ));
        }
        for (value, product) in &self.product_values {
            if !domain::complaint::is_directory_id(product) {
                return Err(invalid(
                    format!("mapping.product_values.{value}"),
                    "directory_id",
                    "a product id is 1 to 64 of a-z, 0-9, - and _",
                ));
            }
        }
        if self.timely.is_empty() != self.timely_values.is_empty() {
            return Err(invalid(
                "mapping.timely_values",
                "required",
                "mapping.timely and mapping.timely_values go together: the column and the values meaning in time",
            ));
        }
        if !self.closed_values.is_empty() && self.outcome.is_empty() {
            return Err(invalid(
                "mapping.outcome",
                "required",
                "mapping.closed_values needs mapping.outcome",
            ));
        }
        Ok(())
    }

    fn received_at(&self, text: &str) -> Result<String, String> {
        if self.date_format.is_empty() {
            return DateTime::parse_from_rfc3339(text)
                .map(|at| at.with_timezone(&Utc).to_rfc3339())
                .map_err(|_| format!("`{text}` is not an RFC 3339 instant"));
        }
        let local = NaiveDateTime::parse_from_str(text, &self.date_format)
            .or_else(|_| NaiveDate::parse_from_str(text, &self.date_format).map(|day| day.and_time(Default::default())))
            .map_err(|_| format!("`{text}` does not match the date format `{}`", self.date_format))?;
        Shanghai
            .from_local_datetime(&local)
            .earliest()
            .map(|at| at.with_timezone(&Utc).to_rfc3339())
            .ok_or_else(|| format!("`{text}` is not a time in Beijing"))
    }

    fn channel(&self, value: &str) -> Result<String, String> {
        if self.channel_values.is_empty() {
            return Ok(value.to_lowercase());
        }
        self.channel_values
            .get(value)
            .or_else(|| {
                self.channel_values
                    .iter()
                    .find(|(known, _)| known.eq_ignore_ascii_case(value))
                    .map(|(_, channel)| channel)
            })
            .cloned()
            .ok_or_else(|| format!("`{value}` has no channel in mapping.channel_values"))
    }

    /// A row as a submission and whether it closed, or the field and why not.
    fn submission(&self, row: &Row, imported_by: &str) -> Result<ReadySubmission, (Option<String>, String)> {
        let get = |column: &str| {
            if column.is_empty() {
                return None;
            }
            row.get(&normalise(column)).filter(|v| !v.is_empty()).cloned()
        };
        let refuse = |field: &str, rule: &str, why: String| (Some(field.to_owned()), format!("{field}: {rule}: {why}"));
        let raw_channel =
            get(&self.channel).ok_or_else(|| refuse("channel", "required", "the channel's column is empty".into()))?;
        let channel = self
            .channel(&raw_channel)
            .map_err(|why| refuse("channel", "one_of", why))?;
        let received_at = get(&self.received_at)
            .ok_or_else(|| {
                refuse(
                    "received_at",
                    "required",
                    "an import needs when each complaint was received".into(),
                )
            })
            .and_then(|text| {
                self.received_at(&text)
                    .map_err(|why| refuse("received_at", "date_format", why))
            })?;
        let narrative = self
            .narrative
            .iter()
            .find_map(|column| get(column))
            .ok_or_else(|| refuse("narrative", "required", "every narrative column is empty".into()))?;
        let category: Vec<String> = self.category.iter().filter_map(|column| get(column)).collect();
        let outcome = get(&self.outcome);
        let closed_with = outcome.filter(|outcome| self.closed_values.iter().any(|closed| closed == outcome));
        let product = get(&self.product)
            .map(|value| match self.product_values.get(&value) {
                Some(id) => Ok(id.clone()),
                None if domain::complaint::is_directory_id(&value) => Ok(value),
                None => Err(refuse(
                    "product",
                    "directory_id",
                    format!("`{value}` is not a product id and mapping.product_values has no entry for it"),
                )),
            })
            .transpose()?;
        let timely = match get(&self.timely) {
            Some(value) if self.timely_values.contains(&value) => "yes",
            Some(_) => "no",
            None => "",
        };
        let external_ref = get(&self.external_ref);
        let input = ComplaintInput {
            channel: Some(channel.clone()),
            kind: (!self.kind.is_empty()).then(|| self.kind.clone()),
            source: (!self.source.is_empty()).then(|| self.source.clone()),
            external_ref: external_ref.clone(),
            received_at: Some(received_at),
            subject: get(&self.subject),
            unit: get(&self.unit),
            category: (!category.is_empty()).then(|| category.join(" / ")),
            narrative: Some(narrative),
            // Imported rows carry no complainant's identity.
            anonymous: true,
            refs: domain::complaint::RoutingRefs {
                product,
                ..Default::default()
            },
            ..ComplaintInput::default()
        };
        let idempotency = external_ref.map(|reference| {
            // serde_json's map is ordered, so equal rows hash alike.
            let canonical = serde_json::to_string(row).unwrap_or_default();
            IdempotencyKey {
                key: format!("import:{reference}"),
                scope: format!("import:{imported_by}"),
                body_sha256: hex::encode(Sha256::digest(format!("{canonical}\0{closed_with:?}").as_bytes())),
            }
        });
        Ok((
            Submission {
                input,
                idempotency,
                registered_by: format!("import:{imported_by}"),
                language_hint: None,
                channel_details_json: None,
            },
            History {
                closed_with,
                timely: timely.to_owned(),
            },
            channel,
        ))
    }
}

impl Desk {
    /// Imports historical complaints; each row imported or refused with its number and reason.
    pub async fn import(
        &self,
        tenant: &Tenant,
        format: &str,
        content: &str,
        mapping: &Mapping,
        imported_by: &str,
    ) -> Result<Report, Error> {
        let format = Format::parse(format).ok_or_else(|| invalid("format", "one_of", "format is csv or jsonl"))?;
        if content.trim().is_empty() {
            return Err(invalid("content", "required", "content holds the file to import"));
        }
        if content.len() > MAX_CONTENT_BYTES {
            return Err(invalid(
                "content",
                "max_length",
                format!("content must be at most {MAX_CONTENT_BYTES} bytes; split the file"),
            ));
        }
        mapping.check()?;
        let content = content.strip_prefix('\u{feff}').unwrap_or(content);
        let rows = match format {
            Format::Csv => {
                let (headers, rows) = read_csv(content)?;
                for (field, column) in mapping.columns() {
                    if !headers.contains(&normalise(column)) {
                        return Err(invalid(
                            field,
                            "known_column",
                            format!("the file has no column `{column}`"),
                        ));
                    }
                }
                rows
            }
            Format::JsonLines => read_json_lines(content),
        };
        let mut report = Report {
            rows: rows.len() as u64,
            ..Report::default()
        };
        let mut ready = Vec::new();
        for (number, row) in rows {
            match row
                .map_err(|why| (None, why))
                .and_then(|row| mapping.submission(&row, imported_by))
            {
                Ok(submission) => ready.push((number, submission)),
                Err((field, reason)) => report.refused.push(Refused {
                    row: number,
                    field,
                    reason,
                }),
            }
        }
        let catalog = self.catalogs.get(tenant).await.map_err(|e| Error::Register(e.into()))?;
        let catalog = &*catalog;
        let mut written = futures::stream::iter(ready.into_iter().map(
            |(number, (submission, history, channel))| async move {
                let result = self.register_imported(tenant, submission, history, catalog).await;
                (number, channel, result)
            },
        ))
        .buffered(IN_FLIGHT);
        while let Some((number, channel, result)) = written.next().await {
            match result {
                Ok(registered) => report.imported.push(Imported {
                    row: number,
                    case_id: registered.case_id,
                    case_number: registered.case_number,
                    channel,
                    status: registered.status,
                    replayed: registered.replayed,
                }),
                Err(crate::register::Error::Invalid(errors)) => report.refused.push(Refused {
                    row: number,
                    field: errors.first().map(|e| e.field.clone()),
                    reason: errors
                        .iter()
                        .map(|e| format!("{}: {}: {}", e.field, e.rule, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                }),
                Err(crate::register::Error::IdempotencyKeyReused) => report.refused.push(Refused {
                    row: number,
                    field: Some("external_ref".to_owned()),
                    reason: "external_ref: imported_before: this reference was imported before with other values"
                        .into(),
                }),
                Err(other) => return Err(Error::Register(other)),
            }
        }
        report.refused.sort_by_key(|refused| refused.row);
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        Mapping {
            channel: "Submitted via".into(),
            channel_values: [("Web".to_owned(), "web".to_owned())].into(),
            received_at: "Date received".into(),
            date_format: "%d-%m-%Y".into(),
            narrative: vec!["Narrative".into(), "Issue".into()],
            category: vec!["Product".into(), "Issue".into()],
            unit: "Company".into(),
            outcome: "Response".into(),
            closed_values: vec!["Closed with explanation".into()],
            ..Mapping::default()
        }
    }

    #[test]
    fn columns_match_ignoring_case_spaces_and_underscores() {
        assert_eq!(normalise("Submitted via"), normalise("submitted_via"));
        assert_eq!(normalise("\u{feff}Date_received"), "datereceived");
    }

    #[test]
    fn a_row_becomes_a_back_dated_anonymous_submission() {
        let (headers, rows) = read_csv(
            "Date_received,Product,Issue,Narrative,Company,Submitted_via,Response\n\
             27-04-2023,Mortgage,Trouble paying,,\"ACME, INC.\",Web,Closed with explanation\n\
             27-04-2023,Mortgage,Trouble paying,,ACME,Fax,In progress\n\
             27-04-2023,Mortgage\n",
        )
        .expect("read");
        assert_eq!(headers.len(), 7);
        let first = rows[0].1.as_ref().expect("a row");
        let (submission, closed, channel) = mapping().submission(first, "admin").expect("valid");
        assert_eq!(channel, "web");
        assert_eq!(closed.closed_with.as_deref(), Some("Closed with explanation"));
        let input = submission.input;
        assert_eq!(input.received_at.as_deref(), Some("2023-04-26T16:00:00+00:00"));
        assert_eq!(
            input.narrative.as_deref(),
            Some("Trouble paying"),
            "the first non-empty column"
        );
        assert_eq!(input.category.as_deref(), Some("Mortgage / Trouble paying"));
        assert_eq!(input.unit.as_deref(), Some("ACME, INC."));
        assert!(input.anonymous);
        let second = rows[1].1.as_ref().expect("a row");
        let (field, reason) = mapping().submission(second, "admin").expect_err("fax is not mapped");
        assert_eq!(field.as_deref(), Some("channel"));
        assert!(reason.contains("`Fax`"), "{reason}");
        assert!(rows[2].1.as_ref().expect_err("short").contains("2 fields"));
    }
}

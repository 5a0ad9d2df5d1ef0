//! Letters and faxes: the mailroom uploads the scan, types the transcription as the narrative
//! and records the postal metadata (postmark date, sender address, tracking number) or the fax's
//! number. `received_at` is the postmark's day when given; the scan is kept with its SHA-256.

use chrono::{Datelike as _, NaiveDate, TimeZone};
use chrono_tz::Asia::Shanghai;
use domain::Tenant;
use domain::masking::is_valid_phone;

use super::{Error, Upload, check_upload, file_row, merge_details};
use crate::register::{Desk, Registered, Submission};
use crate::store::at;

/// The content types a scan may have.
pub const SCAN_TYPES: &[&str] = &["application/pdf", "image/jpeg", "image/png", "image/tiff"];

/// What the envelope says.
#[derive(Debug, Clone, Default)]
pub struct Postal {
    /// `YYYY-MM-DD`.
    pub postmark_date: Option<String>,
    pub sender_address: Option<String>,
    pub tracking_number: Option<String>,
}

/// A letter or fax as the mailroom registers it.
#[derive(Debug, Clone, Default)]
pub struct Letter {
    pub postal: Postal,
    pub fax_number: Option<String>,
    pub scan: Option<Upload>,
}

fn bounded(field: &str, value: Option<String>, max_chars: usize) -> Result<Option<String>, Error> {
    match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max_chars => Err(Error::invalid(
            field,
            "max_length",
            format!("{field} must be at most {max_chars} characters"),
        )),
        other => Ok(other),
    }
}

impl Desk {
    /// Registers a letter or a fax with its scan and postal metadata.
    pub async fn register_letter(
        &self,
        tenant: &Tenant,
        mut submission: Submission,
        letter: Letter,
    ) -> Result<Registered, Error> {
        let channel = submission.input.channel.clone().unwrap_or_default();
        if channel != "letter" && channel != "fax" {
            return Err(Error::invalid(
                "complaint.channel",
                "one_of",
                "complaint.channel must be letter or fax",
            ));
        }
        let today = self.clock.now().with_timezone(&Shanghai).date_naive();
        let postmark = match letter.postal.postmark_date.as_deref().filter(|d| !d.is_empty()) {
            None => None,
            Some(text) => {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    Error::invalid(
                        "postal.postmark_date",
                        "date",
                        "postal.postmark_date must be a date YYYY-MM-DD",
                    )
                })?;
                if date > today || date.year() < 1990 {
                    return Err(Error::invalid(
                        "postal.postmark_date",
                        "range",
                        "postal.postmark_date must lie between 1990-01-01 and today",
                    ));
                }
                Some(date)
            }
        };
        let sender_address = bounded("postal.sender_address", letter.postal.sender_address, 500)?;
        let tracking_number = bounded("postal.tracking_number", letter.postal.tracking_number, 64)?;
        let fax_number = bounded("fax.sender_number", letter.fax_number, 32)?;
        if let Some(number) = &fax_number {
            if channel != "fax" {
                return Err(Error::invalid("fax", "channel", "fax is for complaint.channel fax"));
            }
            if !is_valid_phone(number) {
                return Err(Error::invalid(
                    "fax.sender_number",
                    "format",
                    "fax.sender_number must be a landline with area code or a service number",
                ));
            }
        }
        let limit = self.channels.config.letters.max_scan_bytes;
        if let Some(scan) = &letter.scan {
            check_upload("scan", scan, SCAN_TYPES, limit)?;
        }
        if submission.input.received_at.is_none()
            && let Some(day) = postmark
            && let Some(midnight) = day.and_hms_opt(0, 0, 0)
            && let Some(local) = Shanghai.from_local_datetime(&midnight).single()
        {
            submission.input.received_at = Some(at(local.with_timezone(&chrono::Utc)));
        }
        submission.channel_details_json = Some(merge_details(
            submission.channel_details_json.take(),
            serde_json::json!({
                "postal": {"postmark_date": postmark.map(|d| d.format("%Y-%m-%d").to_string()),
                    "sender_address": sender_address, "tracking_number": tracking_number},
                "fax": {"sender_number": fax_number},
                "scan_file_name": letter.scan.as_ref().map(|s| s.file_name.clone()),
            }),
        )?);
        self.register_with(tenant, submission, |prepared| {
            if let Some(scan) = &letter.scan {
                let file = file_row(
                    self.cipher.as_ref(),
                    prepared.tenant.as_str(),
                    &prepared.row.id,
                    "scan",
                    "scan",
                    scan,
                    SCAN_TYPES,
                    limit,
                    prepared.now,
                )?;
                prepared.channel.files.push(file);
            }
            Ok(())
        })
        .await
        .map_err(|error| match error {
            Error::Register(crate::register::Error::Invalid(errors)) => super::prefixed("complaint", errors),
            other => other,
        })
    }
}

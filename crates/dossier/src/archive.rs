//! The ZIP: the dossier's own files, the caller's attachments under safe names, and the manifest.
//!
//! The output depends on nothing but the [`Dossier`]: every entry carries `exported_at` as its
//! time and the files are written in a fixed order, so the same dossier gives the same bytes.
//! Files that are compressed already (the PDF, images, archives) are stored, the rest deflated.

use std::borrow::Cow;
use std::io::{Cursor, Write};

use serde_json::json;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::names::Names;
use crate::{Attachment, Built, Dossier, Error, Language};

pub(crate) const SUMMARY: &str = "summary.pdf";
pub(crate) const TIMELINE: &str = "timeline.csv";
pub(crate) const RECORDS: &str = "records.json";
pub(crate) const MANIFEST: &str = "manifest.json";
const LETTERS: &str = "letters/";
const MATERIALS: &str = "materials/";
/// The version of the layout of `manifest.json` and `records.json`; raise it when a field changes
/// meaning or goes away.
const FORMAT_VERSION: u32 = 1;

struct File<'a> {
    path: String,
    content_type: Cow<'a, str>,
    bytes: Cow<'a, [u8]>,
}

/// Writes the ZIP for `dossier` around its rendered `summary`.
pub(crate) fn write(dossier: &Dossier, summary: Vec<u8>) -> Result<Built, Error> {
    let mut names = Names::default();
    for own in [SUMMARY, TIMELINE, RECORDS, MANIFEST, "letters", "materials"] {
        names.reserve(own);
    }
    let own = |path: &str, content_type: &'static str, bytes: Vec<u8>| File {
        path: path.to_string(),
        content_type: Cow::Borrowed(content_type),
        bytes: Cow::Owned(bytes),
    };
    let mut files = vec![
        own(SUMMARY, "application/pdf", summary),
        own(TIMELINE, "text/csv; charset=utf-8", timeline_csv(dossier).into_bytes()),
        own(RECORDS, "application/json", records_json(dossier)?),
    ];
    let attachments = [
        (LETTERS, &dossier.letters, "letter"),
        (MATERIALS, &dossier.materials, "material"),
        ("", &dossier.data, "data"),
    ];
    for (directory, attachments, fallback) in attachments {
        files.extend(attachments.iter().map(|attachment: &Attachment| File {
            path: names.claim(directory, &attachment.name, fallback),
            content_type: Cow::Borrowed(attachment.content_type.as_str()),
            bytes: Cow::Borrowed(attachment.bytes.as_slice()),
        }));
    }
    let manifest = manifest_json(dossier, &files)?;
    files.push(own(MANIFEST, "application/json", manifest));

    let modified = zip_time(&dossier.exported_at);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for file in &files {
        let method = match is_compressed(&file.content_type) {
            true => CompressionMethod::Stored,
            false => CompressionMethod::Deflated,
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(modified)
            .unix_permissions(0o644)
            .large_file(file.bytes.len() as u64 >= u64::from(u32::MAX));
        writer.start_file(file.path.as_str(), options)?;
        writer.write_all(&file.bytes).map_err(zip::result::ZipError::Io)?;
    }
    let zip = writer.finish()?.into_inner();
    Ok(Built {
        sha256: sha256_hex(&zip),
        zip,
        files: files.into_iter().map(|file| file.path).collect(),
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Formats whose bytes deflate would not shrink.
fn is_compressed(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence.starts_with("image/") && essence != "image/svg+xml" && essence != "image/bmp"
        || essence.starts_with("video/")
        || essence.starts_with("audio/") && essence != "audio/wav"
        || matches!(
            essence.as_str(),
            "application/pdf" | "application/zip" | "application/gzip" | "application/x-7z-compressed"
        )
}

/// `exported_at`'s date and wall-clock time (the offset is dropped: ZIP times have none); the
/// ZIP epoch if it cannot be read.
fn zip_time(rfc3339: &str) -> DateTime {
    let field = |range: std::ops::Range<usize>| rfc3339.get(range).and_then(|digits| digits.parse::<u16>().ok());
    let parts = (
        field(0..4),
        field(5..7),
        field(8..10),
        field(11..13),
        field(14..16),
        field(17..19),
    );
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = parts else {
        return DateTime::default();
    };
    let narrow = |value: u16| u8::try_from(value).unwrap_or(u8::MAX);
    DateTime::from_date_and_time(
        year,
        narrow(month),
        narrow(day),
        narrow(hour),
        narrow(minute),
        narrow(second),
    )
    .unwrap_or_default()
}

/// The timeline as CSV (RFC 4180, CRLF line ends), with a byte-order mark so that spreadsheet
/// programs read it as UTF-8. A cell that a spreadsheet would take for a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises.
pub(crate) fn timeline_csv(dossier: &Dossier) -> String {
    let mut csv = String::from("\u{FEFF}at,service,action,actor\r\n");
    for entry in &dossier.timeline {
        let cells = [&entry.at, &entry.service, &entry.action, &entry.actor].map(|cell| csv_cell(cell));
        csv.push_str(&cells.join(","));
        csv.push_str("\r\n");
    }
    csv
}

fn csv_cell(value: &str) -> String {
    let value = match value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => Cow::Owned(format!("'{value}")),
        false => Cow::Borrowed(value),
    };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.into_owned()
    }
}

/// The summary's content as data: facts, deadlines and records.
fn records_json(dossier: &Dossier) -> Result<Vec<u8>, Error> {
    let facts: Vec<_> = dossier
        .facts
        .iter()
        .map(|(label, value)| json!({ "label": label, "value": value }))
        .collect();
    let deadlines: Vec<_> = dossier
        .deadlines
        .iter()
        .map(|deadline| {
            json!({
                "kind": deadline.kind,
                "due_at": deadline.due_at,
                "state": deadline.state,
                "provisional": deadline.provisional,
            })
        })
        .collect();
    let records: Vec<_> = dossier
        .records
        .iter()
        .map(|record| {
            json!({
                "kind": record.kind,
                "n": record.n,
                "state": record.state,
                "at": record.at,
                "by": record.by,
                "summary": record.summary,
            })
        })
        .collect();
    let document = json!({
        "format_version": FORMAT_VERSION,
        "case_id": dossier.case_id,
        "case_number": dossier.case_number,
        "facts": facts,
        "deadlines": deadlines,
        "records": records,
    });
    pretty(RECORDS, &document)
}

/// Every file but the manifest itself, with its size and SHA-256, and who exported the case when.
fn manifest_json(dossier: &Dossier, files: &[File<'_>]) -> Result<Vec<u8>, Error> {
    let listed: Vec<_> = files
        .iter()
        .map(|file| {
            json!({
                "name": file.path,
                "content_type": file.content_type,
                "size": file.bytes.len(),
                "sha256": sha256_hex(&file.bytes),
            })
        })
        .collect();
    let document = json!({
        "format_version": FORMAT_VERSION,
        "case_id": dossier.case_id,
        "case_number": dossier.case_number,
        "language": match dossier.language {
            Language::Zh => "zh",
            Language::En => "en",
        },
        "exported_by": dossier.exported_by,
        "exported_at": dossier.exported_at,
        "files": listed,
    });
    pretty(MANIFEST, &document)
}

fn pretty(file: &'static str, document: &serde_json::Value) -> Result<Vec<u8>, Error> {
    let mut bytes = serde_json::to_vec_pretty(document).map_err(|source| Error::Json { file, source })?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TimelineLine;

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("@sum"), "'@sum");
        assert_eq!(csv_cell("投诉受理"), "投诉受理");
    }

    #[test]
    fn timeline_csv_has_a_header_and_one_line_per_entry() {
        let dossier = Dossier {
            language: Language::Zh,
            case_id: "c".into(),
            case_number: "n".into(),
            exported_by: "s".into(),
            exported_at: "2026-03-02T10:00:00+08:00".into(),
            facts: Vec::new(),
            deadlines: Vec::new(),
            timeline: vec![TimelineLine {
                at: "2026-03-01T09:00:00+08:00".into(),
                service: "intake".into(),
                action: "登记, 受理".into(),
                actor: "staff-1".into(),
            }],
            records: Vec::new(),
            letters: Vec::new(),
            materials: Vec::new(),
            data: Vec::new(),
        };
        assert_eq!(
            timeline_csv(&dossier),
            "\u{FEFF}at,service,action,actor\r\n2026-03-01T09:00:00+08:00,intake,\"登记, 受理\",staff-1\r\n"
        );
    }

    #[test]
    fn zip_time_is_the_wall_clock_of_the_export() {
        assert_eq!(
            zip_time("2026-03-02T10:20:30+08:00"),
            DateTime::from_date_and_time(2026, 3, 2, 10, 20, 30).expect("a valid time")
        );
        assert_eq!(zip_time("yesterday"), DateTime::default());
    }

    #[test]
    fn compressed_formats_are_stored() {
        assert!(is_compressed("image/jpeg"));
        assert!(is_compressed("application/pdf"));
        assert!(!is_compressed("text/plain; charset=utf-8"));
        assert!(!is_compressed("image/svg+xml"));
        assert!(!is_compressed("application/json"));
    }
}

//! The channels of decision 0009, each a path into the same registration: the telephony
//! webhook, drafts, caller lookup and privacy numbers ([`phone`], [`privacy`]), WeChat pushes
//! ([`wechat`]), letters and faxes with their scans ([`letter`]), walk-in confirmation by a
//! one-time code or a signature ([`walk_in`]), and the
//! on-the-spot fast path ([`on_the_spot`]). Walk-in codes leave by decision 0008's seam
//! (`web::codes::CodeSender`), like the status page's. What a channel adds to a case ([`Extras`]) is
//! written by the ledger in the registration's transaction; the SQL is in [`sql`].

pub mod config;
pub mod sql;
pub mod phone;
pub mod privacy;
pub mod wechat;
pub mod letter;
pub mod walk_in;
pub mod on_the_spot;
pub mod adapter;

use chrono::{DateTime, Utc};
use rpc::timeline::v1::Deadline;
use sha2::{Digest, Sha256};

pub use config::ChannelsConfig;

use crate::cipher::Cipher;
use crate::register;

/// Why a channel's request was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {message}")]
    Invalid {
        field: String,
        rule: &'static str,
        message: String,
    },
    /// A webhook whose signature or timestamp does not check out.
    #[error("{field}: {message}")]
    Unauthorized { field: &'static str, message: String },
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A provider (privacy numbers, SMS) could not be reached or failed; worth another try.
    #[error("{0}")]
    Unavailable(String),
    #[error("registration: {0}")]
    Register(#[from] register::Error),
    #[error("storage: {0}")]
    Store(#[from] store::Error),
    #[error("encryption: {0}")]
    Cipher(#[from] crate::cipher::Error),
}

impl Error {
    /// A broken rule of a field.
    pub fn invalid(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }
}

/// The channels' settings and adapters, shared by the desk.
pub struct Channels {
    pub config: ChannelsConfig,
    pub privacy: Option<privacy::PrivacyNumbers>,
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channels")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Channels {
    /// The adapters the settings call for.
    pub fn new(config: ChannelsConfig) -> Result<Self, String> {
        config.validate()?;
        let privacy = config
            .phone
            .as_ref()
            .and_then(|phone| phone.privacy.clone())
            .map(privacy::PrivacyNumbers::new);
        Ok(Self { config, privacy })
    }
}

/// A closing at registration (the on-the-spot fast path).
#[derive(Debug, Clone)]
pub struct Closing {
    /// `signature` or `verbal`.
    pub confirmed_by: String,
}

/// What a channel adds to a registration, written by the ledger in its transaction.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// The `case_channels` row (its case id is the registration's).
    pub row: Option<sql::ChannelRow>,
    /// Scans and signatures, encrypted for the case.
    pub files: Vec<sql::FileRow>,
    /// The draft the case completes: marked registered, or its case replayed.
    pub draft: Option<String>,
    /// The WeChat message the case comes from: remembered, or its case replayed.
    pub wechat_message: Option<String>,
    /// Set when the case closes at registration.
    pub closing: Option<Closing>,
}

impl Extras {
    /// The `case_channels` row, created on first use.
    pub fn row_for(&mut self, tenant: &str, case_id: &str) -> &mut sql::ChannelRow {
        self.row.get_or_insert_with(|| sql::ChannelRow {
            case_id: case_id.to_owned(),
            tenant: tenant.to_owned(),
            ..sql::ChannelRow::default()
        })
    }
}

/// A file's facts as replies carry them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub id: String,
    pub kind: &'static str,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

impl From<&sql::FileRow> for FileFacts {
    fn from(row: &sql::FileRow) -> Self {
        Self {
            id: row.id.clone(),
            kind: row.kind,
            content_type: row.content_type.clone(),
            size: u64::try_from(row.size).unwrap_or(0),
            sha256: row.sha256.clone(),
        }
    }
}

/// A file as uploaded.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// Whether bytes begin as their content type says (PDF, JPEG, PNG, TIFF).
fn looks_like(content_type: &str, bytes: &[u8]) -> bool {
    match content_type {
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/tiff" => bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*"),
        _ => false,
    }
}

/// Checks an upload against the allowed content types and the size limit, naming `field`'s
/// parts; answers it encrypted for the case as a file row.
#[allow(clippy::too_many_arguments)]
pub(crate) fn file_row(
    cipher: &dyn Cipher,
    tenant: &str,
    case_id: &str,
    kind: &'static str,
    field: &str,
    upload: &Upload,
    allowed: &[&str],
    max_bytes: u64,
    now: DateTime<Utc>,
) -> Result<sql::FileRow, Error> {
    check_upload(field, upload, allowed, max_bytes)?;
    Ok(sql::FileRow {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.to_owned(),
        case_id: case_id.to_owned(),
        kind,
        content_type: upload.content_type.clone(),
        size: i64::try_from(upload.content.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(&upload.content)),
        content: cipher.encrypt(tenant, case_id.as_bytes(), &upload.content)?,
        recorded_at: crate::store::at(now),
    })
}

/// The upload's rules alone (before there is a case to encrypt it for).
pub(crate) fn check_upload(field: &str, upload: &Upload, allowed: &[&str], max_bytes: u64) -> Result<(), Error> {
    if !allowed.contains(&upload.content_type.as_str()) {
        return Err(Error::invalid(
            format!("{field}.content_type"),
            "one_of",
            format!("{field}.content_type must be one of: {}", allowed.join(", ")),
        ));
    }
    if upload.content.is_empty() {
        return Err(Error::invalid(
            format!("{field}.content_base64"),
            "required",
            format!("{field} is empty"),
        ));
    }
    if upload.content.len() as u64 > max_bytes {
        return Err(Error::invalid(
            format!("{field}.content_base64"),
            "max_size",
            format!("{field} must be at most {max_bytes} bytes"),
        ));
    }
    if !looks_like(&upload.content_type, &upload.content) {
        return Err(Error::invalid(
            format!("{field}.content_base64"),
            "content_mismatch",
            format!("{field}'s bytes are not {}", upload.content_type),
        ));
    }
    if upload.file_name.chars().count() > 255 {
        return Err(Error::invalid(
            format!("{field}.file_name"),
            "max_length",
            format!("{field}.file_name must be at most 255 characters"),
        ));
    }
    Ok(())
}

/// The deadline an outside source set, as a deadline of the case: `open`, or `met`/`breached`
/// once intake closed the case.
pub fn source_deadline(source_due_at: Option<&str>, closed_at: Option<&str>) -> Option<Deadline> {
    let due_text = source_due_at?;
    let due = DateTime::parse_from_rfc3339(due_text).ok()?.with_timezone(&Utc);
    let state = match closed_at.and_then(|at| DateTime::parse_from_rfc3339(at).ok()) {
        Some(closed) if closed.with_timezone(&Utc) <= due => "met",
        Some(_) => "breached",
        None => "open",
    };
    Some(Deadline {
        kind: "source".into(),
        due_at: due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        state: state.into(),
        provisional: false,
    })
}

/// Merges `more` into a channel-details JSON object (given as text, possibly absent).
pub(crate) fn merge_details(existing: Option<String>, more: serde_json::Value) -> Result<String, Error> {
    let mut details = match existing {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(Error::invalid(
                    "channel_details",
                    "object",
                    "channel_details must be a JSON object",
                ));
            }
        },
    };
    if let serde_json::Value::Object(more) = more {
        details.extend(more);
    }
    Ok(serde_json::Value::Object(details).to_string())
}

impl register::Desk {
    /// Registers a submission with what its channel adds (`extend` sees the prepared
    /// registration, its case id fixed, before the ledger writes it).
    pub(crate) async fn register_with(
        &self,
        tenant: &domain::Tenant,
        submission: register::Submission,
        extend: impl FnOnce(&mut register::Prepared) -> Result<(), Error>,
    ) -> Result<register::Registered, Error> {
        let catalog = self.catalogs.get(tenant).await.map_err(register::Error::from)?;
        let mut prepared = self.prepare(tenant, submission, &catalog)?;
        extend(&mut prepared)?;
        self.confirm_customer(&mut prepared).await;
        Ok(self.ledger.write(prepared).await?)
    }
}

/// The case an earlier registration of the same draft or WeChat message made, if any: the
/// ledger answers it again instead of numbering a second case.
pub(crate) async fn replayed_case(
    conn: &mut store::Conn,
    tenant: &domain::Tenant,
    extras: &Extras,
) -> Result<Option<String>, store::Error> {
    if let Some(draft_id) = &extras.draft
        && let Some(draft) = sql::draft_in(conn, tenant.as_str(), draft_id).await?
        && draft.status == "registered"
    {
        return Ok(draft.case_id);
    }
    if let Some(msg_id) = &extras.wechat_message
        && let Some((_, case_id)) = sql::known_wechat_message(conn, tenant.as_str(), msg_id).await?
    {
        return Ok(Some(case_id));
    }
    Ok(None)
}

/// Writes what a channel adds to a new case, in its registration's transaction.
pub(crate) async fn write_extras(
    conn: &mut store::Conn,
    tenant: &domain::Tenant,
    case_id: &str,
    extras: &Extras,
    now: DateTime<Utc>,
) -> Result<(), store::Error> {
    if let Some(row) = &extras.row {
        sql::insert_channel(conn, row).await?;
    }
    for file in &extras.files {
        sql::insert_file(conn, file).await?;
    }
    if let Some(draft_id) = &extras.draft
        && !sql::register_draft(conn, tenant.as_str(), draft_id, case_id, now).await?
    {
        return Err(store::Error::Corrupt(format!(
            "draft {draft_id} was registered meanwhile"
        )));
    }
    if let Some(msg_id) = &extras.wechat_message {
        sql::remember_wechat_message(conn, tenant.as_str(), msg_id, "case", case_id, now).await?;
    }
    Ok(())
}

/// The closing of a case closed at registration (the on-the-spot fast path): its timeline
/// entry and `case.closed`, read like investigation's closings (decision 0009).
pub(crate) fn closing_facts(
    prepared: &register::Prepared,
    events: &mut Vec<store::NewEvent>,
    history: &mut Vec<store::HistoryEntry>,
) {
    use prost::Message as _;
    let Some(closing) = &prepared.channel.closing else {
        return;
    };
    let now = prepared.now;
    let step = on_the_spot::STEP;
    let progressed = rpc::events::v1::CaseProgressed {
        action: step.to_owned(),
        step: step.to_owned(),
        previous_status: "received".into(),
        status: "closed".into(),
        actor: prepared.registered_by.clone(),
        at: now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        unit: prepared.complaint.unit.clone().unwrap_or_default(),
        closing_reason: on_the_spot::CLOSING_REASON.to_owned(),
        reopen_count: 0,
        facts_json: serde_json::json!({"confirmed_by": closing.confirmed_by}).to_string(),
    };
    history.push(store::HistoryEntry {
        tenant: prepared.tenant.to_string(),
        case_id: prepared.case_id.0,
        at: now,
        action: "resolved_on_the_spot".into(),
        actor: prepared.registered_by.clone(),
        detail_json: serde_json::json!({"closing_reason": on_the_spot::CLOSING_REASON,
            "confirmed_by": closing.confirmed_by})
        .to_string(),
    });
    events.push(store::NewEvent {
        tenant: prepared.tenant.to_string(),
        event_type: "case.closed",
        case_id: prepared.case_id.0,
        payload: bytes::Bytes::from(progressed.encode_to_vec()),
    });
}

/// Validation errors of a complaint nested under `prefix` in the request (`complaint.narrative`).
pub(crate) fn prefixed(prefix: &str, errors: Vec<domain::FieldError>) -> Error {
    Error::Register(register::Error::Invalid(
        errors
            .into_iter()
            .map(|mut error| {
                error.field = format!("{prefix}.{}", error.field);
                error
            })
            .collect(),
    ))
}

/// A phone number as intake indexes and compares it: `domain::formats::parse_phone`'s
/// normalised form (decision 0010: digits, `#` and the extension, `+852…`/`+853…`), so that
/// `+86 138-1234-5678` and `13812345678` are one number; a caller id the parser refuses keeps
/// the earlier rule (spaces and hyphens removed).
pub(crate) fn normalised_phone(phone: &str) -> String {
    domain::formats::parse_phone(phone).map_or_else(|_| phone.replace([' ', '-'], ""), |p| p.normalized())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_deadline_is_open_until_the_case_closes_then_met_or_breached() {
        let due = Some("2026-11-30T09:00:00+08:00");
        let open = source_deadline(due, None).expect("a deadline");
        assert_eq!(
            (open.kind.as_str(), open.due_at.as_str(), open.state.as_str()),
            ("source", "2026-11-30T01:00:00Z", "open")
        );
        assert_eq!(
            source_deadline(due, Some("2026-11-29T01:00:00Z")).map(|d| d.state),
            Some("met".into())
        );
        assert_eq!(
            source_deadline(due, Some("2026-11-30T02:00:00Z")).map(|d| d.state),
            Some("breached".into())
        );
        assert!(source_deadline(None, None).is_none());
    }

    #[test]
    fn uploads_are_checked_by_type_size_and_their_first_bytes() {
        let pdf = Upload {
            file_name: "scan.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.4 ...".to_vec(),
        };
        let allowed = ["application/pdf", "image/png"];
        check_upload("scan", &pdf, &allowed, 1024).expect("a PDF");
        let error = check_upload("scan", &pdf, &allowed, 4).expect_err("too large");
        assert!(matches!(error, Error::Invalid { rule: "max_size", .. }), "{error:?}");
        let disguised = Upload {
            content_type: "image/png".into(),
            ..pdf.clone()
        };
        let error = check_upload("scan", &disguised, &allowed, 1024).expect_err("not a PNG");
        assert!(
            matches!(&error, Error::Invalid { field, rule: "content_mismatch", .. } if field == "scan.content_base64"),
            "{error:?}"
        );
        let exe = Upload {
            content_type: "application/x-msdownload".into(),
            ..pdf
        };
        let error = check_upload("scan", &exe, &allowed, 1024).expect_err("not allowed");
        assert!(matches!(error, Error::Invalid { rule: "one_of", .. }), "{error:?}");
    }

    #[test]
    fn details_merge_into_the_object_given_and_refuse_other_json() {
        let merged =
            merge_details(Some(r#"{"agent":"a7"}"#.into()), serde_json::json!({"call_ref": "C1"})).expect("merged");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&merged).expect("json"),
            serde_json::json!({"agent": "a7", "call_ref": "C1"})
        );
        assert!(merge_details(Some("[1]".into()), serde_json::json!({})).is_err());
    }
}

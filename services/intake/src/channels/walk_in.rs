//! Walk-in: counter staff register the complaint, and the complainant confirms it there — with a
//! one-time code sent by SMS to their phone (through decision 0008's code seam, as the status
//! page's codes), or a signature image. Until confirmed the
//! registration is a draft (the complaint kept encrypted): no case number, no event.

use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore as _;
use chrono::{DateTime, Utc};
use domain::Tenant;
use domain::masking::mask_phone;
use domain::vocabulary::Language;
use prost::Message as _;
use rpc::intake::v1::RegisterRequest;

use super::phone::DraftView;
use super::sql::{self, DraftRow};
use super::{Error, Upload, file_row, merge_details, normalised_phone, prefixed};
use crate::register::{Desk, Registered};
use crate::store::at;
use crate::web::codes::CodeMessage;

/// The content types a signature image may have.
pub const SIGNATURE_TYPES: &[&str] = &["image/png", "image/jpeg"];

/// The largest signature image kept.
pub const SIGNATURE_MAX_BYTES: u64 = 1024 * 1024;

/// How the complainant confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmBy {
    Code,
    Signature,
}

impl ConfirmBy {
    /// `code` or `signature`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "code" => Some(Self::Code),
            "signature" => Some(Self::Signature),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Signature => "signature",
        }
    }
}

/// The complainant's confirmation.
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    pub code: Option<String>,
    pub signature: Option<Upload>,
}

/// A six-digit code, uniform over 000000–999999.
fn new_code() -> String {
    loop {
        let value = OsRng.next_u32();
        // Reject the top of the range so every code is as likely.
        if value < 4_294_000_000 {
            return format!("{:06}", value % 1_000_000);
        }
    }
}

impl Desk {
    fn code_hash(&self, tenant: &Tenant, draft_id: &str, code: &str) -> String {
        self.cipher
            .blind_index(tenant.as_str(), "walk_in_code", &format!("{draft_id}:{code}"))
    }

    /// Keeps a walk-in registration as a draft awaiting the complainant's confirmation; with
    /// `code`, sends them a one-time code by SMS.
    pub async fn start_walk_in(
        &self,
        tenant: &Tenant,
        request: RegisterRequest,
        confirm_by: &str,
    ) -> Result<DraftView, Error> {
        let confirm_by = ConfirmBy::parse(confirm_by)
            .ok_or_else(|| Error::invalid("confirm_by", "one_of", "confirm_by must be code or signature"))?;
        if !request.channel.is_empty() && request.channel != "walk_in" {
            return Err(Error::invalid(
                "complaint.channel",
                "one_of",
                "a walk-in registration has channel walk_in",
            ));
        }
        let mut request = request;
        request.channel = "walk_in".into();
        let submission = crate::grpc::submission(request.clone());
        let now = self.clock.now();
        let catalog = self.catalogs.get(tenant).await.map_err(crate::register::Error::from)?;
        let complaint = domain::complaint::validate(submission.input, now, &|code| catalog.contains(code))
            .map_err(|errors| prefixed("complaint", errors))?;
        let phone = complaint
            .complainant
            .as_ref()
            .and_then(|person| person.phone.as_deref())
            .filter(|_| !complaint.anonymous)
            .map(normalised_phone);
        if confirm_by == ConfirmBy::Code && !phone.as_deref().is_some_and(|p| p.len() == 11 && p.starts_with('1')) {
            return Err(Error::invalid(
                "complaint.complainant.phone",
                "required_for_code",
                "a one-time code goes to the complainant's mobile phone: give one, or confirm by signature",
            ));
        }
        let language = match complaint
            .complainant
            .as_ref()
            .and_then(|person| person.preferred_language.as_deref())
        {
            Some(tag) => Language::negotiate(tag),
            None => Language::negotiate(submission.language_hint.as_deref().unwrap_or("")),
        };
        let id = uuid::Uuid::now_v7().to_string();
        let code = (confirm_by == ConfirmBy::Code).then(new_code);
        let expires_at = now + chrono::Duration::minutes(i64::from(self.channels.config.walk_in.code_minutes));
        let draft = DraftRow {
            tenant: tenant.to_string(),
            channel: "walk_in".into(),
            status: "awaiting_confirmation".into(),
            phone_index: phone
                .as_deref()
                .map(|p| self.cipher.blind_index(tenant.as_str(), "phone", p)),
            phone: phone
                .as_deref()
                .map(|p| self.cipher.encrypt(tenant.as_str(), id.as_bytes(), p.as_bytes()))
                .transpose()?,
            body: Some(
                self.cipher
                    .encrypt(tenant.as_str(), id.as_bytes(), &request.encode_to_vec())?,
            ),
            received_at: at(complaint.received_at),
            created_at: at(now),
            created_by: submission.registered_by.clone(),
            confirm_by: Some(confirm_by.as_str().into()),
            code_hash: code.as_deref().map(|code| self.code_hash(tenant, &id, code)),
            code_expires_at: code.as_ref().map(|_| at(expires_at)),
            id,
            ..DraftRow::default()
        };
        let mut tx = self.db.begin().await?;
        sql::open_draft(&mut tx, &draft).await?;
        self.db.commit(tx).await?;
        if let (Some(code), Some(phone)) = (code, phone.as_deref()) {
            let message = CodeMessage {
                tenant: tenant.as_str(),
                phone,
                code: &code,
                language,
                out_id: &draft.id,
            };
            self.web.codes.send(&message).await.map_err(Error::Unavailable)?;
        }
        Ok(DraftView {
            phone_masked: phone.as_deref().map(mask_phone).unwrap_or_default(),
            case_number: None,
            previous_cases: Vec::new(),
            replayed: false,
            draft,
        })
    }

    /// Checks the complainant's confirmation and registers the walk-in; a draft already
    /// registered answers its case.
    pub async fn confirm_walk_in(
        &self,
        tenant: &Tenant,
        draft_id: &str,
        confirmation: Confirmation,
    ) -> Result<Registered, Error> {
        let draft = sql::draft(self.db.reader(), tenant.as_str(), draft_id)
            .await?
            .filter(|draft| draft.channel == "walk_in")
            .ok_or(Error::NotFound("draft"))?;
        if let (true, Some(case_id)) = (draft.status == "registered", &draft.case_id) {
            let mut conn = self.db.reader().acquire().await.map_err(store::Error::from)?;
            return Ok(crate::ledger::Ledger::replay(&mut conn, tenant, case_id).await?);
        }
        let now = self.clock.now();
        let confirm_by = draft
            .confirm_by
            .as_deref()
            .and_then(ConfirmBy::parse)
            .unwrap_or(ConfirmBy::Signature);
        let signature = match confirm_by {
            ConfirmBy::Code => {
                self.check_code(tenant, &draft, confirmation.code.as_deref(), now)
                    .await?;
                None
            }
            ConfirmBy::Signature => {
                let signature = confirmation.signature.ok_or_else(|| {
                    Error::invalid("signature", "required", "the complainant's signature image is required")
                })?;
                super::check_upload("signature", &signature, SIGNATURE_TYPES, SIGNATURE_MAX_BYTES)?;
                Some(signature)
            }
        };
        let sealed = draft
            .body
            .as_ref()
            .ok_or_else(|| store::Error::Corrupt(format!("draft {draft_id} has no body")))?;
        let plain = self.cipher.decrypt(tenant.as_str(), draft.id.as_bytes(), sealed)?;
        let request = RegisterRequest::decode(plain.as_slice())
            .map_err(|e| store::Error::Corrupt(format!("draft {draft_id}: {e}")))?;
        let mut submission = crate::grpc::submission(request);
        submission.input.received_at = Some(draft.received_at.clone());
        submission.channel_details_json = Some(merge_details(
            submission.channel_details_json.take(),
            serde_json::json!({"walk_in": {"confirmed_by": confirm_by.as_str(), "confirmed_at": at(now)}}),
        )?);
        self.register_with(tenant, submission, |prepared| {
            prepared.channel.draft = Some(draft.id.clone());
            if let Some(signature) = &signature {
                let file = file_row(
                    self.cipher.as_ref(),
                    prepared.tenant.as_str(),
                    &prepared.row.id,
                    "signature",
                    "signature",
                    signature,
                    SIGNATURE_TYPES,
                    SIGNATURE_MAX_BYTES,
                    prepared.now,
                )?;
                prepared.channel.files.push(file);
            }
            Ok(())
        })
        .await
    }

    /// Checks a one-time code: present, not expired, tries left, equal to the one sent. Each
    /// try is counted (and committed) before the comparison.
    async fn check_code(
        &self,
        tenant: &Tenant,
        draft: &DraftRow,
        code: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let code = code
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::invalid("code", "required", "the one-time code is required"))?;
        let expired = draft
            .code_expires_at
            .as_deref()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .is_none_or(|at| at.with_timezone(&Utc) < now);
        if expired {
            return Err(Error::invalid(
                "code",
                "code_expired",
                "the one-time code has expired; register the walk-in again for a new one",
            ));
        }
        let max = i64::from(self.channels.config.walk_in.max_attempts);
        if draft.code_attempts >= max {
            return Err(Error::invalid(
                "code",
                "too_many_attempts",
                "too many wrong codes; register the walk-in again for a new one",
            ));
        }
        let mut tx = self.db.begin().await?;
        let tries = sql::count_code_attempt(&mut tx, tenant.as_str(), &draft.id).await?;
        self.db.commit(tx).await?;
        if draft.code_hash.as_deref() != Some(self.code_hash(tenant, &draft.id, code).as_str()) {
            return Err(Error::invalid(
                "code",
                "code_mismatch",
                format!("the code does not match; {} tries left", (max - tries).max(0)),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
        }
        assert_eq!(ConfirmBy::parse("code"), Some(ConfirmBy::Code));
        assert_eq!(ConfirmBy::parse("fingerprint"), None);
    }
}

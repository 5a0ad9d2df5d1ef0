//! Phone: the telephony platform's signed webhook opens a draft from the caller number and the
//! call reference; the agent's screen reads the draft with the caller's earlier cases (found by
//! the blind index of the number, never by decrypting); the agent completes it into a case.

use chrono::{DateTime, Utc};
use domain::Tenant;
use domain::masking::{is_valid_phone, mask_phone};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::sql::{self, CaseSummaryRow, DraftRow};
use super::{Error, merge_details, normalised_phone};
use crate::register::{Desk, Registered, Submission};
use crate::store::at;

/// The earlier cases a caller lookup lists at most.
pub const LOOKUP_LIMIT: i64 = 50;

/// A webhook as received.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub body: Vec<u8>,
    /// `X-Redress-Timestamp`.
    pub timestamp: String,
    /// `X-Redress-Signature`: `sha256=<hex>`.
    pub signature: String,
}

/// The call the platform reports (fields it adds are ignored).
#[derive(Debug, Clone, Deserialize)]
struct CallEvent {
    call_id: String,
    caller: String,
    #[serde(default)]
    started_at: Option<String>,
}

/// A draft a webhook opened (or found).
#[derive(Debug, Clone)]
pub struct Opened {
    pub draft_id: String,
    pub status: String,
    pub replayed: bool,
}

/// A draft as the agent's screen shows it.
#[derive(Debug, Clone)]
pub struct DraftView {
    pub draft: DraftRow,
    pub phone_masked: String,
    pub case_number: Option<String>,
    pub previous_cases: Vec<CaseSummaryRow>,
    pub replayed: bool,
}

/// Checks a webhook's signature: HMAC-SHA256 of `timestamp + "." + body` with the shared secret,
/// compared in constant time, and a timestamp within `tolerance_secs` of `now`.
pub fn verify(secret: &str, webhook: &Webhook, now: DateTime<Utc>, tolerance_secs: u64) -> Result<(), Error> {
    let unauthorized = |field: &'static str, message: &str| Error::Unauthorized {
        field,
        message: message.to_owned(),
    };
    let timestamp: i64 = webhook
        .timestamp
        .trim()
        .parse()
        .map_err(|_| unauthorized("X-Redress-Timestamp", "X-Redress-Timestamp must be Unix seconds"))?;
    if now.timestamp().abs_diff(timestamp) > tolerance_secs {
        return Err(unauthorized(
            "X-Redress-Timestamp",
            "X-Redress-Timestamp is too far from now; the webhook may be replayed",
        ));
    }
    let signature = webhook
        .signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|hex_text| hex::decode(hex_text).ok())
        .ok_or_else(|| unauthorized("X-Redress-Signature", "X-Redress-Signature must be sha256=<hex>"))?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .map_err(|_| unauthorized("X-Redress-Signature", "the secret is unusable"))?;
    mac.update(webhook.timestamp.trim().as_bytes());
    mac.update(b".");
    mac.update(&webhook.body);
    mac.verify_slice(&signature)
        .map_err(|_| unauthorized("X-Redress-Signature", "the signature does not match the body"))
}

/// The signature a platform puts on a body (for its side, and for tests).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
        // HMAC takes keys of any length.
        std::process::abort()
    });
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn call_event(body: &[u8]) -> Result<CallEvent, Error> {
    let event: CallEvent = serde_json::from_slice(body)
        .map_err(|e| Error::invalid("body", "json", format!("the call is not the expected JSON: {e}")))?;
    let call_id = event.call_id.trim();
    if call_id.is_empty() || call_id.chars().count() > 128 || call_id.chars().any(char::is_control) {
        return Err(Error::invalid(
            "call_id",
            "format",
            "call_id must be 1 to 128 printable characters",
        ));
    }
    if !is_valid_phone(&event.caller) {
        return Err(Error::invalid(
            "caller",
            "format",
            "caller must be a mainland mobile, a landline with area code, or a service number",
        ));
    }
    Ok(event)
}

impl Desk {
    /// Takes a call from the telephony platform: checks its signature, then opens a draft (or
    /// finds the draft of the same call).
    pub async fn phone_call(&self, tenant: &Tenant, webhook: Webhook) -> Result<Opened, Error> {
        let phone = self
            .channels
            .config
            .phone
            .as_ref()
            .filter(|phone| phone.tenant == tenant.as_str())
            .ok_or(Error::NotFound("telephony webhook for this tenant"))?;
        let now = self.clock.now();
        verify(&phone.webhook_secret, &webhook, now, phone.tolerance_secs)?;
        let event = call_event(&webhook.body)?;
        let received_at = match event.started_at.as_deref() {
            None => now,
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|at| at.with_timezone(&Utc))
                .ok()
                .filter(|at| *at <= now + chrono::Duration::minutes(5))
                .ok_or_else(|| {
                    Error::invalid(
                        "started_at",
                        "rfc3339",
                        "started_at must be an RFC 3339 instant, not in the future",
                    )
                })?,
        };
        let id = uuid::Uuid::now_v7().to_string();
        let number = normalised_phone(&event.caller);
        let draft = DraftRow {
            tenant: tenant.to_string(),
            channel: "phone".into(),
            status: "open".into(),
            call_ref: Some(event.call_id.trim().to_owned()),
            phone_index: Some(self.cipher.blind_index(tenant.as_str(), "phone", &number)),
            phone: Some(self.cipher.encrypt(tenant.as_str(), id.as_bytes(), number.as_bytes())?),
            received_at: at(received_at),
            created_at: at(now),
            created_by: "telephony".into(),
            id,
            ..DraftRow::default()
        };
        let mut tx = self.db.begin().await?;
        let (stored, inserted) = sql::open_draft(&mut tx, &draft).await?;
        self.db.commit(tx).await?;
        Ok(Opened {
            draft_id: stored.id,
            status: stored.status,
            replayed: !inserted,
        })
    }

    /// The number of a draft, decrypted (inside intake only).
    pub(crate) fn draft_phone(&self, draft: &DraftRow) -> Result<Option<String>, Error> {
        draft
            .phone
            .as_ref()
            .map(|sealed| {
                let plain = self.cipher.decrypt(&draft.tenant, draft.id.as_bytes(), sealed)?;
                Ok(String::from_utf8_lossy(&plain).into_owned())
            })
            .transpose()
    }

    /// A draft with its masked number and, for a call, the caller's earlier cases.
    pub async fn draft_view(&self, tenant: &Tenant, id: &str) -> Result<DraftView, Error> {
        let draft = sql::draft(self.db.reader(), tenant.as_str(), id)
            .await?
            .ok_or(Error::NotFound("draft"))?;
        let phone_masked = self.draft_phone(&draft)?.map(|p| mask_phone(&p)).unwrap_or_default();
        let previous_cases = match (&draft.channel[..], &draft.phone_index) {
            ("phone", Some(index)) => {
                sql::cases_by_phone(self.db.reader(), tenant.as_str(), index, LOOKUP_LIMIT).await?
            }
            _ => Vec::new(),
        };
        let case_number = match &draft.case_id {
            Some(case_id) => crate::store::find_case(self.db.reader(), tenant.as_str(), case_id)
                .await?
                .map(|case| case.case_number),
            None => None,
        };
        Ok(DraftView {
            draft,
            phone_masked,
            case_number,
            previous_cases,
            replayed: false,
        })
    }

    /// The earlier cases of a number, newest first, by its blind index.
    pub async fn lookup_caller(&self, tenant: &Tenant, phone: &str) -> Result<(String, Vec<CaseSummaryRow>), Error> {
        // However the number is typed (+86, spaces, full-width digits), it is looked up in its
        // normalised form (decision 0010).
        let parsed = domain::formats::parse_phone(phone)
            .map_err(|e| Error::invalid("phone", e.rule.as_str(), e.message(domain::vocabulary::Language::En)))?;
        let index = self.cipher.blind_index(tenant.as_str(), "phone", &parsed.normalized());
        let cases = sql::cases_by_phone(self.db.reader(), tenant.as_str(), &index, LOOKUP_LIMIT).await?;
        Ok((parsed.masked(), cases))
    }

    /// Completes a call's draft into a case: the complaint as the agent entered it, the caller's
    /// number as the complainant's unless they gave another (or stay anonymous), the call's start
    /// as `received_at`, the call reference in the channel details. A draft already completed
    /// answers its case.
    pub async fn complete_draft(
        &self,
        tenant: &Tenant,
        draft_id: &str,
        mut submission: Submission,
    ) -> Result<Registered, Error> {
        let draft = sql::draft(self.db.reader(), tenant.as_str(), draft_id)
            .await?
            .filter(|draft| draft.channel == "phone")
            .ok_or(Error::NotFound("draft"))?;
        let input = &mut submission.input;
        match input.channel.as_deref() {
            None => input.channel = Some("phone".into()),
            Some("phone") => {}
            Some(_) => {
                return Err(Error::invalid(
                    "channel",
                    "one_of",
                    "a call's draft completes with channel phone",
                ));
            }
        }
        if !input.anonymous {
            let caller = self.draft_phone(&draft)?;
            let person = input.complainant.get_or_insert_with(Default::default);
            if person.phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
                person.phone = caller;
            }
        }
        if input.received_at.is_none() {
            input.received_at = Some(draft.received_at.clone());
        }
        submission.channel_details_json = Some(merge_details(
            submission.channel_details_json.take(),
            serde_json::json!({"call_ref": draft.call_ref}),
        )?);
        self.register_with(tenant, submission, |prepared| {
            prepared.channel.draft = Some(draft.id.clone());
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_webhook_is_accepted_only_with_the_right_signature_and_a_fresh_timestamp() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
        let body = br#"{"call_id":"C-1","caller":"13812345678"}"#.to_vec();
        let timestamp = now.timestamp().to_string();
        let good = Webhook {
            signature: sign("secret-secret-secret", &timestamp, &body),
            timestamp: timestamp.clone(),
            body: body.clone(),
        };
        verify("secret-secret-secret", &good, now, 300).expect("valid");
        let error = verify("another-secret-secret", &good, now, 300).expect_err("wrong secret");
        assert!(matches!(
            error,
            Error::Unauthorized {
                field: "X-Redress-Signature",
                ..
            }
        ));
        let tampered = Webhook {
            body: br#"{"call_id":"C-1","caller":"13900000000"}"#.to_vec(),
            ..good.clone()
        };
        assert!(
            verify("secret-secret-secret", &tampered, now, 300).is_err(),
            "the body is signed"
        );
        let later = now + chrono::Duration::seconds(301);
        let error = verify("secret-secret-secret", &good, later, 300).expect_err("stale");
        assert!(matches!(
            error,
            Error::Unauthorized {
                field: "X-Redress-Timestamp",
                ..
            }
        ));
    }

    #[test]
    fn a_call_needs_an_id_and_a_valid_caller_number() {
        assert!(call_event(br#"{"call_id":"C-1","caller":"13812345678","extra":1}"#).is_ok());
        let error = call_event(br#"{"call_id":"C-1","caller":"12"}"#).expect_err("bad number");
        assert!(matches!(error, Error::Invalid { rule: "format", ref field, .. } if field == "caller"));
        let error = call_event(br#"{"call_id":"","caller":"13812345678"}"#).expect_err("no id");
        assert!(matches!(error, Error::Invalid { ref field, .. } if field == "call_id"));
        assert!(matches!(
            call_event(b"not json"),
            Err(Error::Invalid { rule: "json", .. })
        ));
    }
}

//! The on-the-spot fast path (当场办结, DOMAIN.md): registered, resolved and confirmed by the
//! complainant in one step — `domain::lifecycle`'s `on_the_spot` from `received` to `closed`,
//! written with the registration. Its events are `case.registered` and `case.closed` (no
//! `case.accepted`, so nothing is dispatched).

use domain::Tenant;
use domain::lifecycle::{self, Action, Facts};
use domain::vocabulary::Status;

use super::walk_in::{SIGNATURE_MAX_BYTES, SIGNATURE_TYPES};
use super::{Closing, Error, Upload, check_upload, file_row, merge_details, prefixed};
use crate::register::{Desk, Registered, Submission};
use crate::store::at;

/// The lifecycle step (and API action) of the fast path.
pub const STEP: &str = "on_the_spot";

/// Why the case closed.
pub const CLOSING_REASON: &str = "on_the_spot";

/// The most characters the result may have.
pub const RESULT_MAX_CHARS: usize = 2000;

/// What was done and how the complainant confirmed it.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    pub result: String,
    /// `signature` or `verbal` (on the phone, recorded by the agent).
    pub method: String,
    pub signature: Option<Upload>,
}

impl Desk {
    /// Registers a case resolved on the spot and closes it in the same transaction.
    pub async fn resolve_on_the_spot(
        &self,
        tenant: &Tenant,
        mut submission: Submission,
        resolution: Resolution,
    ) -> Result<Registered, Error> {
        let result = resolution.result.trim().to_owned();
        if result.is_empty() || result.chars().count() > RESULT_MAX_CHARS {
            return Err(Error::invalid(
                "result",
                "length",
                format!("result must have 1 to {RESULT_MAX_CHARS} characters"),
            ));
        }
        let signature = match resolution.method.as_str() {
            "verbal" => None,
            "signature" => {
                let signature = resolution.signature.ok_or_else(|| {
                    Error::invalid(
                        "confirmation.signature",
                        "required",
                        "a confirmation by signature needs the signature image",
                    )
                })?;
                check_upload(
                    "confirmation.signature",
                    &signature,
                    SIGNATURE_TYPES,
                    SIGNATURE_MAX_BYTES,
                )?;
                Some(signature)
            }
            _ => {
                return Err(Error::invalid(
                    "confirmation.method",
                    "one_of",
                    "confirmation.method must be signature or verbal",
                ));
            }
        };
        let step = lifecycle::step(Status::Received, Action::OnTheSpot, &Facts::default()).map_err(|refused| {
            Error::Conflict {
                code: "invalid_transition",
                message: refused.to_string(),
            }
        })?;
        let method = resolution.method.clone();
        submission.channel_details_json = Some(merge_details(
            submission.channel_details_json.take(),
            serde_json::json!({"on_the_spot": {"confirmed_by": method}}),
        )?);
        self.register_with(tenant, submission, |prepared| {
            if prepared.rejection.is_some() {
                return Err(Error::invalid(
                    "complaint.occurred_at",
                    "time_barred",
                    "the complaint is time-barred: register it to be rejected with its notice instead",
                ));
            }
            let (tenant, case_id, now) = (prepared.tenant.to_string(), prepared.row.id.clone(), prepared.now);
            prepared.acceptance = None;
            let row = &mut prepared.row;
            row.status = step.next.as_str().to_owned();
            row.accepted_at = None;
            row.ack_due_at = None;
            row.ack_provisional = false;
            row.decided_at = Some(at(now));
            let sealed_result = self.cipher.encrypt(&tenant, case_id.as_bytes(), result.as_bytes())?;
            let channel_row = prepared.channel.row_for(&tenant, &case_id);
            channel_row.closing_reason = step.closing.map(|reason| reason.as_str().to_owned());
            channel_row.closed_at = Some(at(now));
            channel_row.result = Some(sealed_result);
            if let Some(signature) = &signature {
                let file = file_row(
                    self.cipher.as_ref(),
                    &tenant,
                    &case_id,
                    "signature",
                    "confirmation.signature",
                    signature,
                    SIGNATURE_TYPES,
                    SIGNATURE_MAX_BYTES,
                    now,
                )?;
                prepared.channel.files.push(file);
            }
            prepared.channel.closing = Some(Closing { confirmed_by: method });
            Ok(())
        })
        .await
        .map_err(|error| match error {
            Error::Register(crate::register::Error::Invalid(errors)) => prefixed("complaint", errors),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_is_the_lifecycles_own_step() {
        let step = lifecycle::step(Status::Received, Action::OnTheSpot, &Facts::default()).expect("allowed");
        assert_eq!(step.next, Status::Closed);
        assert_eq!(step.closing.map(|c| c.as_str()), Some(CLOSING_REASON));
        assert_eq!(Action::OnTheSpot.as_str(), STEP);
    }
}

//! The acceptance gate (decision 0007): accept (受理), reject (不予受理) with a reason the tenant
//! allows, withdraw before acceptance, and merge a duplicate into the case that goes on. Each is
//! one `domain::lifecycle` step written with its timeline entry and its event in one
//! transaction; a refused step writes nothing.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::lifecycle::{self, Action, Facts};
use domain::vocabulary::{RejectionReason, Status};
use domain::{CaseId, Tenant};
use prost::Message as _;
use rpc::events::v1::{CaseAccepted, CaseRejected, CaseWithdrawn};
use rpc::timeline::v1::Deadline;
use store::{HistoryEntry, NewEvent, Origin};

use crate::SERVICE;
use crate::register::Desk;
use crate::store::{self as sql, CaseRow, Decision};

/// The longest suggestion a rejection carries.
pub const SUGGESTION_MAX_CHARS: usize = 1000;

/// Why a gate action was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such case")]
    NotFound,
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        rule: &'static str,
        message: String,
    },
    #[error("`{action}` is not allowed while the case is {current}")]
    InvalidTransition {
        action: &'static str,
        current: String,
        allowed: Vec<&'static str>,
    },
    #[error("the case changed meanwhile; read it again")]
    Moved,
    #[error("storage: {0}")]
    Store(#[from] store::Error),
    #[error("the acknowledgement deadline: {0}")]
    Register(#[from] crate::register::Error),
}

/// Intake's part of a case after a gate action.
#[derive(Debug, Clone)]
pub struct Gated {
    pub row: CaseRow,
    pub deadlines: Vec<Deadline>,
}

/// What a rejection says.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub reason_code: String,
    pub suggestion: String,
}

/// The API's names of the gate's actions allowed in a status of intake's.
fn allowed_names(status: Status) -> Vec<&'static str> {
    lifecycle::allowed(status, &Facts::default())
        .into_iter()
        .filter_map(|action| match action {
            Action::Accept => Some("accept"),
            Action::Reject => Some("reject"),
            Action::Withdraw => Some("withdraw"),
            _ => None,
        })
        .chain((status == Status::Received).then_some("merge"))
        .collect()
}

fn status_of(row: &CaseRow) -> Result<Status, Error> {
    // An imported case closed where it came from takes no gate action.
    Status::parse(&row.status).ok_or_else(|| Error::Store(store::Error::Corrupt(format!("status {}", row.status))))
}

/// The step, or `invalid_transition` naming the current state and the gate actions allowed.
fn step(row: &CaseRow, action: Action, api: &'static str) -> Result<Status, Error> {
    let current = status_of(row)?;
    lifecycle::step(current, action, &Facts::default())
        .map(|step| step.next)
        .map_err(|refused| Error::InvalidTransition {
            action: api,
            current: refused.current.as_str().to_owned(),
            allowed: allowed_names(current),
        })
}

fn deadlines(row: &CaseRow) -> Vec<Deadline> {
    row.ack_due_at
        .iter()
        .map(|due| Deadline {
            kind: "acknowledgement".into(),
            due_at: due.clone(),
            state: "open".into(),
            provisional: row.ack_provisional,
        })
        .collect()
}

fn micros(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Desk {
    async fn case_in(&self, conn: &mut store::Conn, tenant: &Tenant, id: &str) -> Result<CaseRow, Error> {
        sql::find_case_in(conn, tenant.as_str(), id)
            .await?
            .ok_or(Error::NotFound)
    }

    /// Writes a decision with its events and timeline entries (by `staff`), or nothing.
    #[allow(clippy::too_many_arguments)]
    async fn write_decision(
        &self,
        mut tx: store::Tx,
        tenant: &Tenant,
        staff: &str,
        row: &CaseRow,
        decision: Decision<'_>,
        events: Vec<(&'static str, Vec<u8>)>,
        history: Vec<(String, &str, serde_json::Value)>,
    ) -> Result<Gated, Error> {
        let now = decision.decided_at;
        if !sql::decide(&mut tx, tenant.as_str(), &row.id, row.version, &decision).await? {
            return Err(Error::Moved);
        }
        let case_id = CaseId::parse(&row.id).ok_or_else(|| store::Error::Corrupt(format!("case id {}", row.id)))?;
        let origin = Origin {
            source: SERVICE,
            occurred_at: now,
            causation_id: None,
            correlation_id: Some(case_id.0),
            traceparent: None,
        };
        let events = events
            .into_iter()
            .map(|(event_type, payload)| NewEvent {
                tenant: tenant.to_string(),
                event_type,
                case_id: case_id.0,
                payload: Bytes::from(payload),
            })
            .collect();
        store::messaging::append_events(&mut tx, &origin, events).await?;
        let entries: Vec<HistoryEntry> = history
            .into_iter()
            .map(|(for_case, action, detail)| HistoryEntry {
                tenant: tenant.to_string(),
                case_id: CaseId::parse(&for_case).map_or(case_id.0, |id| id.0),
                at: now,
                action: action.to_owned(),
                actor: staff.to_owned(),
                detail_json: detail.to_string(),
            })
            .collect();
        store::messaging::append_history(&mut tx, &entries).await?;
        let after = self.case_in(&mut tx, tenant, &row.id).await?;
        self.db.commit(tx).await?;
        Ok(Gated {
            deadlines: deadlines(&after),
            row: after,
        })
    }

    /// Accepts a received case: `case.accepted` with the acknowledgement deadline counted from
    /// receipt under the desk's policy.
    pub async fn accept(&self, tenant: &Tenant, id: &str, staff: &str) -> Result<Gated, Error> {
        let mut tx = self.db.begin().await?;
        let row = self.case_in(&mut tx, tenant, id).await?;
        step(&row, Action::Accept, "accept")?;
        let now = self.clock.now();
        let calendar = self
            .calendars
            .get(&self.calendar_id)
            .map_err(|_| crate::register::Error::UnknownCalendar(self.calendar_id.clone()))?;
        let policy = calendar::presets::get(&self.policy)
            .ok_or_else(|| crate::register::Error::UnknownPolicy(self.policy.clone()))?;
        let received_at = DateTime::parse_from_rfc3339(&row.received_at)
            .map_err(|_| store::Error::Corrupt("received_at".into()))?
            .with_timezone(&Utc);
        // History brought in by an import was acknowledged where it came from.
        let due = if row.imported {
            None
        } else {
            crate::register::acknowledgement_due(&policy, calendar, received_at)?
        };
        let acknowledgement = due.map(|(at, provisional)| Deadline {
            kind: "acknowledgement".into(),
            due_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            state: "open".into(),
            provisional,
        });
        let accepted = CaseAccepted {
            accepted_at: micros(now),
            policy: self.policy.clone(),
            policy_version: policy.version,
            calendar_id: self.calendar_id.clone(),
            acknowledgement: acknowledgement.clone(),
            kind: row.kind.clone(),
            channel: row.channel.clone(),
            imported: row.imported,
        };
        let decision = Decision {
            status: "accepted",
            decided_at: now,
            accepted_at: Some(now),
            ack_due_at: acknowledgement.as_ref().map(|d| (d.due_at.clone(), d.provisional)),
            rejection: None,
            merged_into: None,
        };
        let detail = serde_json::json!({"acknowledgement_due_at": acknowledgement.map(|d| d.due_at),
            "policy": self.policy, "policy_version": policy.version});
        self.write_decision(
            tx,
            tenant,
            staff,
            &row,
            decision,
            vec![("case.accepted", accepted.encode_to_vec())],
            vec![(row.id.clone(), "accepted", detail)],
        )
        .await
    }

    /// Checks a rejection against the tenant's reasons: the reason and a suggestion of at most
    /// [`SUGGESTION_MAX_CHARS`].
    fn check_rejection(&self, tenant: &Tenant, rejection: &Rejection) -> Result<RejectionReason, Error> {
        let rules = self.gate.of(tenant.as_str());
        let allowed = rules.allowed_reasons();
        let list = || allowed.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        let reason = match RejectionReason::parse(&rejection.reason_code) {
            Some(reason) if allowed.contains(&reason) => reason,
            _ if rejection.reason_code.is_empty() => {
                return Err(Error::Invalid {
                    field: "reason_code",
                    rule: "required",
                    message: format!("reason_code is required: one of {}", list()),
                });
            }
            _ => {
                return Err(Error::Invalid {
                    field: "reason_code",
                    rule: "one_of",
                    message: format!("reason_code must be one of the tenant's reasons: {}", list()),
                });
            }
        };
        if rejection.suggestion.chars().count() > SUGGESTION_MAX_CHARS {
            return Err(Error::Invalid {
                field: "suggestion",
                rule: "max_length",
                message: format!("suggestion must be at most {SUGGESTION_MAX_CHARS} characters"),
            });
        }
        Ok(reason)
    }

    /// Rejects a received case with a reason the tenant allows: `case.rejected`, which
    /// notification turns into the rejection notice (不予受理告知书).
    pub async fn reject(&self, tenant: &Tenant, id: &str, staff: &str, rejection: Rejection) -> Result<Gated, Error> {
        let reason = self.check_rejection(tenant, &rejection)?;
        let mut tx = self.db.begin().await?;
        let row = self.case_in(&mut tx, tenant, id).await?;
        step(&row, Action::Reject, "reject")?;
        let now = self.clock.now();
        let suggestion = rejection.suggestion.trim();
        let rejected = CaseRejected {
            rejected_at: micros(now),
            reason_code: reason.as_str().to_owned(),
            suggestion: suggestion.to_owned(),
            duplicate_of: String::new(),
        };
        let decision = Decision {
            status: "rejected",
            decided_at: now,
            accepted_at: None,
            ack_due_at: None,
            rejection: Some((reason.as_str(), suggestion)),
            merged_into: None,
        };
        self.write_decision(
            tx,
            tenant,
            staff,
            &row,
            decision,
            vec![("case.rejected", rejected.encode_to_vec())],
            vec![(
                row.id.clone(),
                "rejected",
                serde_json::json!({"reason_code": reason.as_str()}),
            )],
        )
        .await
    }

    /// Withdraws a case intake still holds (received): `case.withdrawn`; processing ends.
    pub async fn withdraw(&self, tenant: &Tenant, id: &str, staff: &str) -> Result<Gated, Error> {
        let mut tx = self.db.begin().await?;
        let row = self.case_in(&mut tx, tenant, id).await?;
        if row.status != "received" {
            // After acceptance the case is routing's and investigation's (their `withdraw`).
            return Err(Error::InvalidTransition {
                action: "withdraw",
                current: row.status.clone(),
                allowed: Status::parse(&row.status).map(allowed_names).unwrap_or_default(),
            });
        }
        step(&row, Action::Withdraw, "withdraw")?;
        let now = self.clock.now();
        let withdrawn = CaseWithdrawn {
            withdrawn_at: micros(now),
            actor: staff.to_owned(),
        };
        let decision = Decision {
            status: "withdrawn",
            decided_at: now,
            accepted_at: None,
            ack_due_at: None,
            rejection: None,
            merged_into: None,
        };
        self.write_decision(
            tx,
            tenant,
            staff,
            &row,
            decision,
            vec![("case.withdrawn", withdrawn.encode_to_vec())],
            vec![(row.id.clone(), "withdrawn", serde_json::json!({}))],
        )
        .await
    }

    /// Merges a received duplicate into the case that goes on: the duplicate is rejected as
    /// `duplicate` (its notice names the other case's number), the two are linked, and each
    /// timeline says so. Both histories stay.
    pub async fn merge(&self, tenant: &Tenant, id: &str, into: &str, staff: &str) -> Result<Gated, Error> {
        let rules = self.gate.of(tenant.as_str());
        if !rules.allows(RejectionReason::Duplicate) {
            return Err(Error::Invalid {
                field: "into",
                rule: "reason_allowed",
                message: "the tenant does not allow the rejection reason `duplicate`, which a merge records".into(),
            });
        }
        let mut tx = self.db.begin().await?;
        let row = self.case_in(&mut tx, tenant, id).await?;
        let target = match sql::find_case_in(&mut tx, tenant.as_str(), into).await? {
            Some(target) => target,
            None => {
                return Err(Error::Invalid {
                    field: "into",
                    rule: "known_case",
                    message: "into must be another case of the tenant (id or case number)".into(),
                });
            }
        };
        if target.id == row.id {
            return Err(Error::Invalid {
                field: "into",
                rule: "other_case",
                message: "a case cannot be merged into itself".into(),
            });
        }
        if matches!(target.status.as_str(), "rejected" | "withdrawn") {
            return Err(Error::Invalid {
                field: "into",
                rule: "open_case",
                message: format!("into is {}: merge into a case that goes on", target.status),
            });
        }
        step(&row, Action::Reject, "merge")?;
        let now = self.clock.now();
        sql::link_cases(&mut tx, tenant.as_str(), &row.id, "merged", &target.id, now).await?;
        let rejected = CaseRejected {
            rejected_at: micros(now),
            reason_code: RejectionReason::Duplicate.as_str().to_owned(),
            suggestion: String::new(),
            duplicate_of: target.case_number.clone(),
        };
        let decision = Decision {
            status: "rejected",
            decided_at: now,
            accepted_at: None,
            ack_due_at: None,
            rejection: Some((RejectionReason::Duplicate.as_str(), "")),
            merged_into: Some(&target.id),
        };
        self.write_decision(
            tx,
            tenant,
            staff,
            &row,
            decision,
            vec![("case.rejected", rejected.encode_to_vec())],
            vec![
                (
                    row.id.clone(),
                    "merged_into",
                    serde_json::json!({"into": target.id, "into_case_number": target.case_number,
                        "reason_code": RejectionReason::Duplicate.as_str()}),
                ),
                (
                    target.id.clone(),
                    "merged_from",
                    serde_json::json!({"from": row.id, "from_case_number": row.case_number}),
                ),
            ],
        )
        .await
    }
}

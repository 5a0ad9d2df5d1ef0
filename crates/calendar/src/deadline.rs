//! What a deadline is for ([`DeadlineKind`]), what starts its clock ([`StartEvent`]), why a
//! clock may pause ([`PauseReason`]) and who may approve an extension ([`ApprovalLevel`]).

use serde::{Deserialize, Serialize};

/// What a deadline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Acknowledge (受理告知) or accept/reject the case.
    Acknowledgement,
    /// The handling unit's first contact with the complainant.
    FirstContact,
    /// The next contact the handler promised the complainant.
    NextContact,
    /// Resolve the case (办结).
    Resolution,
    /// Tell the complainant (or the group) the result after completion.
    ResultNotice,
    /// Head office's callback survey (回访).
    Callback,
    /// A store or branch takes (接单) or returns (退单) a dispatched case.
    TakeOrReturn,
    /// Acknowledge the early warning of a major complaint.
    EarlyWarningAcknowledgement,
    /// Answer a supervision notice (督办).
    SupervisionNotice,
    /// An outside platform's own reply deadline (12345, 12315, the manufacturer's CRM).
    SourceReply,
    /// An outside platform's own first-contact deadline.
    SourceFirstContact,
}

impl DeadlineKind {
    /// Every kind, in declaration order.
    pub const ALL: [DeadlineKind; 11] = [
        DeadlineKind::Acknowledgement,
        DeadlineKind::FirstContact,
        DeadlineKind::NextContact,
        DeadlineKind::Resolution,
        DeadlineKind::ResultNotice,
        DeadlineKind::Callback,
        DeadlineKind::TakeOrReturn,
        DeadlineKind::EarlyWarningAcknowledgement,
        DeadlineKind::SupervisionNotice,
        DeadlineKind::SourceReply,
        DeadlineKind::SourceFirstContact,
    ];

    /// The snake_case name used in files and messages (`first_contact`).
    pub fn as_str(&self) -> &'static str {
        match self {
            DeadlineKind::Acknowledgement => "acknowledgement",
            DeadlineKind::FirstContact => "first_contact",
            DeadlineKind::NextContact => "next_contact",
            DeadlineKind::Resolution => "resolution",
            DeadlineKind::ResultNotice => "result_notice",
            DeadlineKind::Callback => "callback",
            DeadlineKind::TakeOrReturn => "take_or_return",
            DeadlineKind::EarlyWarningAcknowledgement => "early_warning_acknowledgement",
            DeadlineKind::SupervisionNotice => "supervision_notice",
            DeadlineKind::SourceReply => "source_reply",
            DeadlineKind::SourceFirstContact => "source_first_contact",
        }
    }

    /// The kind named by [`DeadlineKind::as_str`], if any.
    pub fn parse(name: &str) -> Option<DeadlineKind> {
        DeadlineKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

#[cfg(test)]
mod kind_tests {
    use super::DeadlineKind;

    #[test]
    fn every_kind_parses_back_from_its_name() {
        for kind in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(DeadlineKind::parse("lunch"), None);
    }
}

impl std::fmt::Display for DeadlineKind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The case event that starts a deadline's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartEvent {
    /// The case was received (registered).
    Received,
    /// The case was accepted (受理).
    Accepted,
    /// The acknowledgement was sent to the complainant.
    Acknowledged,
    /// The case was dispatched (转办/派单) to a unit, or a check commissioned from it.
    Dispatched,
    /// The handler promised the next contact.
    ContactPromised,
    /// Handling was completed (办结).
    Completed,
    /// The case was flagged as a major complaint.
    MajorComplaintFlagged,
    /// A supervision notice (督办) was issued.
    SupervisionIssued,
}

/// Why an SLA clock is paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// Waiting for the complainant (documents, a reply, availability).
    AwaitingComplainant,
    /// External appraisal or testing, excluded from the clock by rules such as the 2020
    /// bank and insurance measures.
    ExternalAppraisal,
    /// The unit returned the case to the dispatcher and the organisation's routing policy stops
    /// the clock until the next dispatch (`clock_on_return: pause`). Every rule accepts it: the
    /// organisation decides, not the deadline's rule.
    Returned,
}

impl std::fmt::Display for PauseReason {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            PauseReason::AwaitingComplainant => "awaiting_complainant",
            PauseReason::ExternalAppraisal => "external_appraisal",
            PauseReason::Returned => "returned",
        })
    }
}

/// Who approves an extension step, lowest first; a higher level may always approve a step
/// that needs a lower one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalLevel {
    /// The handler.
    Handler,
    /// The handler's supervisor or coordinator.
    Supervisor,
    /// The head of the department or unit.
    DepartmentHead,
    /// Senior management.
    SeniorManagement,
}

impl std::fmt::Display for ApprovalLevel {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            ApprovalLevel::Handler => "handler",
            ApprovalLevel::Supervisor => "supervisor",
            ApprovalLevel::DepartmentHead => "department_head",
            ApprovalLevel::SeniorManagement => "senior_management",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_as_in_files() {
        for kind in DeadlineKind::ALL {
            let json = serde_json::to_string(&kind).expect("serialise");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(
            DeadlineKind::EarlyWarningAcknowledgement.to_string(),
            "early_warning_acknowledgement"
        );
    }

    #[test]
    fn approval_levels_are_ordered_upwards() {
        assert!(ApprovalLevel::SeniorManagement > ApprovalLevel::DepartmentHead);
        assert!(ApprovalLevel::Supervisor > ApprovalLevel::Handler);
    }
}

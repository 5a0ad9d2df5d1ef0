//! The lifecycle of a case (DOMAIN.md, "Lifecycle"): which [`Action`] is allowed in which
//! [`Status`], where it leads, and why it is refused otherwise.
//!
//! A pure state machine. [`step`] takes the current status, an action and the [`Facts`] its guards
//! read, and answers either the next status (with a [`ClosingReason`] when the step closes the
//! case) or [`Refused`], which names the [`Refusal`] and the actions allowed instead. [`allowed`]
//! lists those actions; both are derived from one private decision, so they never disagree.
//! Nothing here stores, counts or sends anything: the caller owns the facts and updates them after
//! each step it records (one more reopen after `reopen`, one fewer open task after `task_done`, a
//! callback attempt after each callback, `first_contact_recorded` after `first_contact`, …).
//!
//! # Transitions
//!
//! `note` is accepted in every status and never moves the case. `supervise` (催办, 督办, a
//! leader's instruction 领导批示) is accepted in every status that is neither closed nor
//! terminal, and never moves the case either. Every pair not listed is refused as
//! [`Refusal::InvalidTransition`].
//!
//! | status | action → next status (guard) |
//! |---|---|
//! | received | accept → accepted; reject → rejected; on_the_spot → closed (on_the_spot); withdraw → withdrawn |
//! | accepted | dispatch → dispatched; on_the_spot → closed (on_the_spot); withdraw → withdrawn |
//! | dispatched | take → investigating; return → returned; transfer, recuse → dispatched; extension (cap) → dispatched; withdraw → withdrawn |
//! | returned | dispatch → dispatched; withdraw → withdrawn |
//! | investigating | assign, task, hearing, plan → investigating; first_contact (not yet recorded), progress_update (first contact), task_done (an open task), finding (hearing), approval (a pending approval), extension (cap) → investigating; transfer, recuse → dispatched; resolve (no open task, no pending approval, first contact, hearing) → under_review when head office reviews, else resolved; withdraw → withdrawn |
//! | under_review | review_approve → resolved; review_rework → investigating; withdraw → withdrawn |
//! | resolved | result_notice (contactable) → awaiting_callback; close (not contactable) → closed (no_callback); withdraw → withdrawn |
//! | awaiting_callback | callback_failed → awaiting_callback, or closed (unreachable) on the last attempt; callback_satisfied → closed (satisfied); callback_dissatisfied → dissatisfied |
//! | dissatisfied | reopen, escalate_senior (below the reopen cap) → investigating; conclude (cap reached) → closed (concluded) |
//! | closed | inspect_pass → closed; inspect_rework → investigating |
//! | rejected, withdrawn | (note only) |
//!
//! So a case cannot skip steps: no result notice before a resolution, no closing before the
//! callback or its recorded failure (or before a resolution that has nobody to tell), no finding
//! against someone without a signed-off hearing.
//!
//! # Decisions the design left open
//!
//! - `note` is an internal note: it is allowed everywhere, terminal statuses included, because
//!   staff must be able to record a late call or letter on any case. It is never shown to the
//!   complainant and never moves the case.
//! - [`Status::is_terminal`] is true for rejected and withdrawn only; closed accepts quality
//!   inspection, so it is not terminal, but processing has ended: [`Status::is_open`] is false
//!   for all three.
//! - Withdrawal is accepted up to and including `resolved`, and refused once the result notice
//!   has gone out (awaiting_callback, dissatisfied, closed): from then on the complainant's view
//!   is recorded by the callback, and a unit must not be able to have a dissatisfied complainant
//!   "withdraw" in order to dodge the satisfaction survey or the reopen count.
//! - The guard for a finding against a named person is a fact, not a property of the action:
//!   the caller sets [`Facts::finding_against_named_person`] when the finding being recorded (or
//!   one already on the case) is against a named person. `finding` and `resolve` are then
//!   refused with [`Refusal::HearingRequired`] until [`Facts::hearing_signed_off`].
//! - `first_contact` is refused once first contact is recorded
//!   ([`Refusal::FirstContactAlreadyRecorded`]): its time is the unit's most watched figure and
//!   must not be overwritten; later contacts are progress updates.
//! - `approval` records an approver's decision and needs one pending
//!   ([`Refusal::NoPendingApproval`]), as `task_done` needs an open task; the caller counts the
//!   approvals a plan requires (the authority matrix) in [`Facts::pending_approvals`].
//! - When the complainant has no channel back ([`Facts::contactable`] false: an anonymous case),
//!   first contact is not required, a `result_notice` is refused
//!   ([`Refusal::NoContactChannel`]) and `close` from resolved closes the case as
//!   [`ClosingReason::NoCallback`]. When they can be reached, `close` is refused
//!   ([`Refusal::CallbackRequired`]): the case closes only through the callback. `first_contact`
//!   stays possible for an anonymous complainant who calls in.
//! - `callback_failed` closes the case as unreachable when it is the last attempt
//!   (`callback_attempts_made + 1 >= callback_attempts_max`); a maximum of 0 therefore closes on
//!   the first failure. The caller counts attempts per callback round.
//! - `reopen` and `escalate_senior` share one cap and one count; `review_rework` and
//!   `inspect_rework` do not count against it. `conclude` is allowed only once the cap is
//!   reached: a formal conclusion ends the cycles, it does not replace them.
//! - `resolve` checks its guards in this order and reports the first that fails: open tasks,
//!   pending approvals, first contact, hearing.
//! - [`Facts::default`] is a contactable complainant with nothing recorded and every cap at 0
//!   (no extension, no reopen, one callback attempt): caps are configuration, so the domain
//!   ships none and the caller fills them in from the organisation's preset.

use crate::vocabulary::{Language, Status, vocabulary};

vocabulary!(
    /// What someone does to a case. The wire name is what the API and the events carry; the
    /// label is what a person sees on a button or in the case history.
    Action {
        /// Accept the case after initial verification (受理).
        Accept => "accept", "受理", "accept";
        /// Refuse to accept the case, with a reason and a suggestion (不予受理).
        Reject => "reject", "不予受理", "do not accept";
        /// Register, resolve and have the complainant confirm in one step (当场办结).
        OnTheSpot => "on_the_spot", "当场办结", "resolve on the spot";
        /// Dispatch the case to the responsible unit (转办, 派单).
        Dispatch => "dispatch", "转办", "dispatch";
        /// The unit takes the case (接单).
        Take => "take", "接单", "take";
        /// The unit returns the case with a reason (退单).
        Return => "return", "退单", "return";
        /// Move the case to another unit (改派).
        Transfer => "transfer", "改派", "transfer";
        /// A handler with a stake in the case steps aside and the case goes to someone else (回避).
        Recuse => "recuse", "回避", "recuse";
        /// Assign a handler inside the unit (指派).
        Assign => "assign", "指派承办人", "assign a handler";
        /// Record the handling unit's first contact with the complainant (首次联系).
        FirstContact => "first_contact", "首次联系", "first contact";
        /// Tell the complainant the progress and the date of the next contact (进展告知).
        ProgressUpdate => "progress_update", "进展告知", "progress update";
        /// Hand a sub-task to another department (交办).
        Task => "task", "交办", "hand a task to another department";
        /// Record that a sub-task is done (交办完成).
        TaskDone => "task_done", "交办完成", "task done";
        /// Hear the accused (听取申辩).
        Hearing => "hearing", "听取申辩", "hear the accused";
        /// Record a finding of the investigation (调查结论).
        Finding => "finding", "调查结论", "finding";
        /// Propose a handling plan: measures, who, by when (处理方案).
        Plan => "plan", "处理方案", "handling plan";
        /// Record an approver's decision on a plan, a compensation or a gift (审批).
        Approval => "approval", "审批", "approval";
        /// Extend the deadline, with a reason, within the cap (延期).
        Extension => "extension", "延期", "extension";
        /// The unit resolves the case (办结).
        Resolve => "resolve", "办结", "resolve";
        /// Head office approves the unit's result (审核通过).
        ReviewApprove => "review_approve", "审核通过", "approve the result";
        /// Head office sends the result back for rework (驳回重办).
        ReviewRework => "review_rework", "驳回重办", "send back for rework";
        /// Tell the complainant the result (处理结果告知).
        ResultNotice => "result_notice", "结果告知", "result notice";
        /// A callback attempt that reached nobody (回访未成功).
        CallbackFailed => "callback_failed", "回访未成功", "callback failed";
        /// The callback found the complainant satisfied (回访满意).
        CallbackSatisfied => "callback_satisfied", "回访满意", "callback: satisfied";
        /// The callback found the complainant not satisfied (回访不满意).
        CallbackDissatisfied => "callback_dissatisfied", "回访不满意", "callback: not satisfied";
        /// Reopen the case for investigation after a dissatisfied callback (重新办理).
        Reopen => "reopen", "重新办理", "reopen";
        /// Reopen the case and escalate it to senior management (升级处理).
        EscalateSenior => "escalate_senior", "升级至高层处理", "escalate to senior management";
        /// Formally conclude a case that stays disputed after the last reopen (终结办理).
        Conclude => "conclude", "终结办理", "formal conclusion";
        /// Close a resolved case that has no callback because nobody can be reached (结案).
        Close => "close", "结案", "close";
        /// The complainant withdraws the case (撤回).
        Withdraw => "withdraw", "撤回", "withdraw";
        /// Add an internal note (内部备注); never shown to the complainant.
        Note => "note", "内部备注", "internal note";
        /// Chase, issue a supervision notice, or record a leader's instruction (督办, 催办, 领导批示).
        Supervise => "supervise", "督办/催办", "supervise";
        /// A quality inspection passed the closed case (质检通过).
        InspectPass => "inspect_pass", "质检通过", "quality inspection passed";
        /// A quality inspection failed the closed case and sends it back for rework (质检重办).
        InspectRework => "inspect_rework", "质检重办", "quality inspection: rework";
        /// Record a staff member's accountability for this case and its sanction (问责).
        Sanction => "sanction", "问责记录", "accountability record";
        /// Grant the reporter of a substantiated report a reward, with their consent (举报奖励).
        Reward => "reward", "举报奖励", "reward for the report";
    }
);

vocabulary!(
    /// Why a case was closed.
    ClosingReason {
        /// Resolved on the spot and confirmed by the complainant.
        OnTheSpot => "on_the_spot", "当场办结", "resolved on the spot";
        /// The callback found the complainant satisfied.
        Satisfied => "satisfied", "回访满意", "satisfied at the callback";
        /// The last callback attempt failed.
        Unreachable => "unreachable", "回访无法联系", "unreachable for the callback";
        /// Formally concluded after the reopen cap was reached.
        Concluded => "concluded", "终结办理", "formally concluded";
        /// Resolved with no channel back to the complainant, so no result notice or callback.
        NoCallback => "no_callback", "无法回访", "no channel for a callback";
    }
);

vocabulary!(
    /// Why [`step`] refused an action. The label is the message shown to people.
    Refusal {
        /// The action is not allowed in the case's current status.
        InvalidTransition => "invalid_transition", "当前状态不允许此操作", "not allowed in the case's current status";
        /// A finding against a named person needs a signed-off hearing of that person first.
        HearingRequired => "hearing_required",
            "对具名人员作出认定前须听取其申辩并签字确认",
            "the accused must be heard, and the hearing signed off, before a finding against them";
        /// Sub-tasks handed to other departments are still open.
        OpenTasks => "open_tasks", "尚有未完成的交办事项", "tasks handed to other departments are still open";
        /// There is no open sub-task to mark done.
        NoOpenTask => "no_open_task", "没有未完成的交办事项", "no task is open";
        /// Approvals are still pending.
        PendingApprovals => "pending_approvals", "尚有未完成的审批", "approvals are still pending";
        /// There is no pending approval to record.
        NoPendingApproval => "no_pending_approval", "没有待审批的事项", "nothing awaits approval";
        /// The first contact with the complainant must be recorded first.
        FirstContactRequired => "first_contact_required", "须先记录首次联系", "the first contact must be recorded first";
        /// The first contact is already recorded; later contacts are progress updates.
        FirstContactAlreadyRecorded => "first_contact_already_recorded",
            "首次联系已记录",
            "the first contact is already recorded";
        /// Every allowed extension has been used.
        ExtensionCapReached => "extension_cap_reached", "延期次数已达上限", "no extension is left";
        /// Every allowed reopen has been used; the case can only be concluded.
        ReopenCapReached => "reopen_cap_reached", "重新办理次数已达上限", "no reopen is left";
        /// Reopens are left, so the case cannot be formally concluded yet.
        ReopenCapNotReached => "reopen_cap_not_reached",
            "重新办理次数未达上限，不能终结",
            "reopens are left, so the case cannot be concluded yet";
        /// The complainant can be reached, so the case closes only through the callback.
        CallbackRequired => "callback_required", "须经回访方可结案", "the case closes only through the callback";
        /// The complainant left no channel back, so there is nobody to send a notice to.
        NoContactChannel => "no_contact_channel", "无可联系投诉人的渠道", "the complainant left no channel back";
        /// A reward needs a finding that substantiates the report, at least in part.
        FindingNotSubstantiated => "finding_not_substantiated",
            "举报未经查实，不能奖励",
            "the report is not substantiated, so there is nothing to reward";
    }
);

/// What the guards need to know about a case besides its status. The caller keeps these up to
/// date from the case's history and configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Head office dispatched the case, so it reviews the result before the complainant is told.
    pub review_required: bool,
    /// The complainant can be reached. False for an anonymous case with no channel back: then
    /// first contact, result notice and callback are not required.
    pub contactable: bool,
    /// The handling unit's first contact with the complainant is recorded.
    pub first_contact_recorded: bool,
    /// Sub-tasks handed to other departments and not done yet.
    pub open_tasks: u32,
    /// Approvals the authority matrix requires and nobody has given yet.
    pub pending_approvals: u32,
    /// The finding being recorded, or one already on the case, is against a named person.
    pub finding_against_named_person: bool,
    /// A hearing of the accused is recorded and signed off.
    pub hearing_signed_off: bool,
    /// Extensions already granted.
    pub extensions_used: u32,
    /// Extensions the organisation allows.
    pub extension_cap: u32,
    /// Failed callback attempts in the current callback round.
    pub callback_attempts_made: u32,
    /// Callback attempts the organisation makes before closing the case as unreachable.
    pub callback_attempts_max: u32,
    /// Times the case was reopened or escalated after a dissatisfied callback.
    pub reopen_count: u32,
    /// Reopens the organisation allows before the case must be formally concluded.
    pub reopen_cap: u32,
    /// The latest finding substantiates the report, wholly or in part.
    pub finding_substantiated: bool,
}

impl Default for Facts {
    /// A contactable complainant, nothing recorded, every cap at 0.
    fn default() -> Self {
        Self {
            review_required: false,
            contactable: true,
            first_contact_recorded: false,
            open_tasks: 0,
            pending_approvals: 0,
            finding_against_named_person: false,
            hearing_signed_off: false,
            extensions_used: 0,
            extension_cap: 0,
            callback_attempts_made: 0,
            callback_attempts_max: 0,
            reopen_count: 0,
            reopen_cap: 0,
            finding_substantiated: false,
        }
    }
}

/// Where an accepted action leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The status after the action; the same status for an action that does not move the case.
    pub next: Status,
    /// Why the case closed, exactly when this step closes it (not for a note or an inspection
    /// of a case that was already closed).
    pub closing: Option<ClosingReason>,
}

/// An action [`step`] refused, with the actions it would accept instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not allowed while the case is {}: {}", .action.as_str(), .current.as_str(), .reason.as_str())]
pub struct Refused {
    /// The case's status, unchanged.
    pub current: Status,
    /// The refused action.
    pub action: Action,
    /// The actions allowed right now, in [`Action::ALL`] order; the same as [`allowed`].
    pub allowed: Vec<Action>,
    /// Why the action was refused.
    pub reason: Refusal,
}

impl Refused {
    /// The reason as a sentence for people.
    pub fn message(&self, language: Language) -> &'static str {
        self.reason.label(language)
    }
}

/// Applies `action` to a case in `status`: the next status, or why not.
pub fn step(status: Status, action: Action, facts: &Facts) -> Result<Step, Refused> {
    decide(status, action, facts).map_err(|reason| Refused {
        current: status,
        action,
        allowed: allowed(status, facts),
        reason,
    })
}

/// The actions [`step`] accepts right now, in [`Action::ALL`] order.
pub fn allowed(status: Status, facts: &Facts) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|action| decide(status, *action, facts).is_ok())
        .collect()
}

impl Status {
    /// Nothing but an internal note can happen any more: rejected or withdrawn. A closed case is
    /// not terminal, since quality inspection may send it back for rework.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Rejected | Self::Withdrawn)
    }

    /// Processing goes on: neither terminal nor closed. Deadlines run only for open cases.
    pub fn is_open(self) -> bool {
        !self.is_terminal() && self != Self::Closed
    }
}

impl Step {
    fn to(next: Status) -> Self {
        Self { next, closing: None }
    }

    fn close(reason: ClosingReason) -> Self {
        Self {
            next: Status::Closed,
            closing: Some(reason),
        }
    }
}

/// The one decision behind [`step`] and [`allowed`].
fn decide(status: Status, action: Action, facts: &Facts) -> Result<Step, Refusal> {
    use Action as A;
    use Status as S;
    let stay = Step::to(status);
    match (status, action) {
        (_, A::Note) => Ok(stay),
        (
            S::Received
            | S::Accepted
            | S::Dispatched
            | S::Returned
            | S::Investigating
            | S::UnderReview
            | S::Resolved
            | S::AwaitingCallback
            | S::Dissatisfied,
            A::Supervise,
        ) => Ok(stay),
        (
            S::Received | S::Accepted | S::Dispatched | S::Returned | S::Investigating | S::UnderReview | S::Resolved,
            A::Withdraw,
        ) => Ok(Step::to(S::Withdrawn)),

        (S::Received, A::Accept) => Ok(Step::to(S::Accepted)),
        (S::Received, A::Reject) => Ok(Step::to(S::Rejected)),
        (S::Received | S::Accepted, A::OnTheSpot) => Ok(Step::close(ClosingReason::OnTheSpot)),
        (S::Accepted | S::Returned, A::Dispatch) => Ok(Step::to(S::Dispatched)),

        (S::Dispatched, A::Take) => Ok(Step::to(S::Investigating)),
        (S::Dispatched, A::Return) => Ok(Step::to(S::Returned)),
        (S::Dispatched | S::Investigating, A::Transfer | A::Recuse) => Ok(Step::to(S::Dispatched)),
        (S::Dispatched | S::Investigating, A::Extension) => {
            require(
                facts.extensions_used < facts.extension_cap,
                Refusal::ExtensionCapReached,
            )?;
            Ok(stay)
        }

        (S::Investigating, A::Assign | A::Task | A::Hearing | A::Plan) => Ok(stay),
        (S::Investigating, A::FirstContact) => {
            require(!facts.first_contact_recorded, Refusal::FirstContactAlreadyRecorded)?;
            Ok(stay)
        }
        (S::Investigating, A::ProgressUpdate) => {
            require_first_contact(facts)?;
            Ok(stay)
        }
        (S::Investigating, A::TaskDone) => {
            require(facts.open_tasks > 0, Refusal::NoOpenTask)?;
            Ok(stay)
        }
        (S::Investigating, A::Approval) => {
            require(facts.pending_approvals > 0, Refusal::NoPendingApproval)?;
            Ok(stay)
        }
        (S::Investigating, A::Finding) => {
            require_hearing(facts)?;
            Ok(stay)
        }
        (S::Investigating, A::Resolve) => {
            require(facts.open_tasks == 0, Refusal::OpenTasks)?;
            require(facts.pending_approvals == 0, Refusal::PendingApprovals)?;
            require_first_contact(facts)?;
            require_hearing(facts)?;
            Ok(Step::to(if facts.review_required {
                S::UnderReview
            } else {
                S::Resolved
            }))
        }

        (S::UnderReview, A::ReviewApprove) => Ok(Step::to(S::Resolved)),
        (S::UnderReview, A::ReviewRework) => Ok(Step::to(S::Investigating)),

        (S::Resolved, A::ResultNotice) => {
            require(facts.contactable, Refusal::NoContactChannel)?;
            Ok(Step::to(S::AwaitingCallback))
        }
        (S::Resolved, A::Close) => {
            require(!facts.contactable, Refusal::CallbackRequired)?;
            Ok(Step::close(ClosingReason::NoCallback))
        }

        (S::AwaitingCallback, A::CallbackFailed) => {
            let last_attempt = facts.callback_attempts_made.saturating_add(1) >= facts.callback_attempts_max;
            Ok(if last_attempt {
                Step::close(ClosingReason::Unreachable)
            } else {
                stay
            })
        }
        (S::AwaitingCallback, A::CallbackSatisfied) => Ok(Step::close(ClosingReason::Satisfied)),
        (S::AwaitingCallback, A::CallbackDissatisfied) => Ok(Step::to(S::Dissatisfied)),

        (S::Dissatisfied, A::Reopen | A::EscalateSenior) => {
            require(facts.reopen_count < facts.reopen_cap, Refusal::ReopenCapReached)?;
            Ok(Step::to(S::Investigating))
        }
        (S::Dissatisfied, A::Conclude) => {
            require(facts.reopen_count >= facts.reopen_cap, Refusal::ReopenCapNotReached)?;
            Ok(Step::close(ClosingReason::Concluded))
        }

        (S::Closed, A::InspectPass) => Ok(stay),
        (S::Closed, A::InspectRework) => Ok(Step::to(S::Investigating)),

        (
            S::Dispatched
            | S::Returned
            | S::Investigating
            | S::UnderReview
            | S::Resolved
            | S::AwaitingCallback
            | S::Dissatisfied
            | S::Closed,
            A::Sanction,
        ) => Ok(stay),
        (S::Resolved | S::AwaitingCallback | S::Dissatisfied | S::Closed, A::Reward) => {
            require(facts.finding_substantiated, Refusal::FindingNotSubstantiated)?;
            Ok(stay)
        }

        _ => Err(Refusal::InvalidTransition),
    }
}

fn require(condition: bool, refusal: Refusal) -> Result<(), Refusal> {
    if condition { Ok(()) } else { Err(refusal) }
}

/// Contact comes before progress updates and the resolution, unless nobody can be contacted.
fn require_first_contact(facts: &Facts) -> Result<(), Refusal> {
    require(
        facts.first_contact_recorded || !facts.contactable,
        Refusal::FirstContactRequired,
    )
}

/// The accused is heard, and the hearing signed off, before a finding against them.
fn require_hearing(facts: &Facts) -> Result<(), Refusal> {
    require(
        !facts.finding_against_named_person || facts.hearing_signed_off,
        Refusal::HearingRequired,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Expect::{Closes, Go, No};
    use Status as S;

    /// What the table expects of one (status, action) pair.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expect {
        /// Accepted, leading to this status without closing the case.
        Go(Status),
        /// Accepted, closing the case for this reason.
        Closes(ClosingReason),
        /// Refused for this reason.
        No(Refusal),
    }

    const INVALID: Expect = No(Refusal::InvalidTransition);

    /// The facts the table is written for: a case head office dispatched, a reachable
    /// complainant already contacted, nothing open or pending, caps not reached.
    fn table_facts() -> Facts {
        Facts {
            review_required: true,
            contactable: true,
            first_contact_recorded: true,
            extension_cap: 2,
            callback_attempts_max: 3,
            reopen_cap: 2,
            ..Facts::default()
        }
    }

    /// Every (status, action) pair and what `step` must answer under [`table_facts`], written
    /// out from the design rather than computed.
    const TABLE: &[(Status, Action, Expect)] = &[
        // received
        (S::Received, A::Accept, Go(S::Accepted)),
        (S::Received, A::Reject, Go(S::Rejected)),
        (S::Received, A::OnTheSpot, Closes(ClosingReason::OnTheSpot)),
        (S::Received, A::Dispatch, INVALID),
        (S::Received, A::Take, INVALID),
        (S::Received, A::Return, INVALID),
        (S::Received, A::Transfer, INVALID),
        (S::Received, A::Recuse, INVALID),
        (S::Received, A::Assign, INVALID),
        (S::Received, A::FirstContact, INVALID),
        (S::Received, A::ProgressUpdate, INVALID),
        (S::Received, A::Task, INVALID),
        (S::Received, A::TaskDone, INVALID),
        (S::Received, A::Hearing, INVALID),
        (S::Received, A::Finding, INVALID),
        (S::Received, A::Plan, INVALID),
        (S::Received, A::Approval, INVALID),
        (S::Received, A::Extension, INVALID),
        (S::Received, A::Resolve, INVALID),
        (S::Received, A::ReviewApprove, INVALID),
        (S::Received, A::ReviewRework, INVALID),
        (S::Received, A::ResultNotice, INVALID),
        (S::Received, A::CallbackFailed, INVALID),
        (S::Received, A::CallbackSatisfied, INVALID),
        (S::Received, A::CallbackDissatisfied, INVALID),
        (S::Received, A::Reopen, INVALID),
        (S::Received, A::EscalateSenior, INVALID),
        (S::Received, A::Conclude, INVALID),
        (S::Received, A::Close, INVALID),
        (S::Received, A::Withdraw, Go(S::Withdrawn)),
        (S::Received, A::Note, Go(S::Received)),
        (S::Received, A::Supervise, Go(S::Received)),
        (S::Received, A::InspectPass, INVALID),
        (S::Received, A::InspectRework, INVALID),
        (S::Received, A::Sanction, INVALID),
        (S::Received, A::Reward, INVALID),
        // accepted
        (S::Accepted, A::Accept, INVALID),
        (S::Accepted, A::Reject, INVALID),
        (S::Accepted, A::OnTheSpot, Closes(ClosingReason::OnTheSpot)),
        (S::Accepted, A::Dispatch, Go(S::Dispatched)),
        (S::Accepted, A::Take, INVALID),
        (S::Accepted, A::Return, INVALID),
        (S::Accepted, A::Transfer, INVALID),
        (S::Accepted, A::Recuse, INVALID),
        (S::Accepted, A::Assign, INVALID),
        (S::Accepted, A::FirstContact, INVALID),
        (S::Accepted, A::ProgressUpdate, INVALID),
        (S::Accepted, A::Task, INVALID),
        (S::Accepted, A::TaskDone, INVALID),
        (S::Accepted, A::Hearing, INVALID),
        (S::Accepted, A::Finding, INVALID),
        (S::Accepted, A::Plan, INVALID),
        (S::Accepted, A::Approval, INVALID),
        (S::Accepted, A::Extension, INVALID),
        (S::Accepted, A::Resolve, INVALID),
        (S::Accepted, A::ReviewApprove, INVALID),
        (S::Accepted, A::ReviewRework, INVALID),
        (S::Accepted, A::ResultNotice, INVALID),
        (S::Accepted, A::CallbackFailed, INVALID),
        (S::Accepted, A::CallbackSatisfied, INVALID),
        (S::Accepted, A::CallbackDissatisfied, INVALID),
        (S::Accepted, A::Reopen, INVALID),
        (S::Accepted, A::EscalateSenior, INVALID),
        (S::Accepted, A::Conclude, INVALID),
        (S::Accepted, A::Close, INVALID),
        (S::Accepted, A::Withdraw, Go(S::Withdrawn)),
        (S::Accepted, A::Note, Go(S::Accepted)),
        (S::Accepted, A::Supervise, Go(S::Accepted)),
        (S::Accepted, A::InspectPass, INVALID),
        (S::Accepted, A::InspectRework, INVALID),
        (S::Accepted, A::Sanction, INVALID),
        (S::Accepted, A::Reward, INVALID),
        // rejected
        (S::Rejected, A::Accept, INVALID),
        (S::Rejected, A::Reject, INVALID),
        (S::Rejected, A::OnTheSpot, INVALID),
        (S::Rejected, A::Dispatch, INVALID),
        (S::Rejected, A::Take, INVALID),
        (S::Rejected, A::Return, INVALID),
        (S::Rejected, A::Transfer, INVALID),
        (S::Rejected, A::Recuse, INVALID),
        (S::Rejected, A::Assign, INVALID),
        (S::Rejected, A::FirstContact, INVALID),
        (S::Rejected, A::ProgressUpdate, INVALID),
        (S::Rejected, A::Task, INVALID),
        (S::Rejected, A::TaskDone, INVALID),
        (S::Rejected, A::Hearing, INVALID),
        (S::Rejected, A::Finding, INVALID),
        (S::Rejected, A::Plan, INVALID),
        (S::Rejected, A::Approval, INVALID),
        (S::Rejected, A::Extension, INVALID),
        (S::Rejected, A::Resolve, INVALID),
        (S::Rejected, A::ReviewApprove, INVALID),
        (S::Rejected, A::ReviewRework, INVALID),
        (S::Rejected, A::ResultNotice, INVALID),
        (S::Rejected, A::CallbackFailed, INVALID),
        (S::Rejected, A::CallbackSatisfied, INVALID),
        (S::Rejected, A::CallbackDissatisfied, INVALID),
        (S::Rejected, A::Reopen, INVALID),
        (S::Rejected, A::EscalateSenior, INVALID),
        (S::Rejected, A::Conclude, INVALID),
        (S::Rejected, A::Close, INVALID),
        (S::Rejected, A::Withdraw, INVALID),
        (S::Rejected, A::Note, Go(S::Rejected)),
        (S::Rejected, A::Supervise, INVALID),
        (S::Rejected, A::InspectPass, INVALID),
        (S::Rejected, A::InspectRework, INVALID),
        (S::Rejected, A::Sanction, INVALID),
        (S::Rejected, A::Reward, INVALID),
        // dispatched
        (S::Dispatched, A::Accept, INVALID),
        (S::Dispatched, A::Reject, INVALID),
        (S::Dispatched, A::OnTheSpot, INVALID),
        (S::Dispatched, A::Dispatch, INVALID),
        (S::Dispatched, A::Take, Go(S::Investigating)),
        (S::Dispatched, A::Return, Go(S::Returned)),
        (S::Dispatched, A::Transfer, Go(S::Dispatched)),
        (S::Dispatched, A::Recuse, Go(S::Dispatched)),
        (S::Dispatched, A::Assign, INVALID),
        (S::Dispatched, A::FirstContact, INVALID),
        (S::Dispatched, A::ProgressUpdate, INVALID),
        (S::Dispatched, A::Task, INVALID),
        (S::Dispatched, A::TaskDone, INVALID),
        (S::Dispatched, A::Hearing, INVALID),
        (S::Dispatched, A::Finding, INVALID),
        (S::Dispatched, A::Plan, INVALID),
        (S::Dispatched, A::Approval, INVALID),
        (S::Dispatched, A::Extension, Go(S::Dispatched)),
        (S::Dispatched, A::Resolve, INVALID),
        (S::Dispatched, A::ReviewApprove, INVALID),
        (S::Dispatched, A::ReviewRework, INVALID),
        (S::Dispatched, A::ResultNotice, INVALID),
        (S::Dispatched, A::CallbackFailed, INVALID),
        (S::Dispatched, A::CallbackSatisfied, INVALID),
        (S::Dispatched, A::CallbackDissatisfied, INVALID),
        (S::Dispatched, A::Reopen, INVALID),
        (S::Dispatched, A::EscalateSenior, INVALID),
        (S::Dispatched, A::Conclude, INVALID),
        (S::Dispatched, A::Close, INVALID),
        (S::Dispatched, A::Withdraw, Go(S::Withdrawn)),
        (S::Dispatched, A::Note, Go(S::Dispatched)),
        (S::Dispatched, A::Supervise, Go(S::Dispatched)),
        (S::Dispatched, A::InspectPass, INVALID),
        (S::Dispatched, A::InspectRework, INVALID),
        (S::Dispatched, A::Sanction, Go(S::Dispatched)),
        (S::Dispatched, A::Reward, INVALID),
        // returned
        (S::Returned, A::Accept, INVALID),
        (S::Returned, A::Reject, INVALID),
        (S::Returned, A::OnTheSpot, INVALID),
        (S::Returned, A::Dispatch, Go(S::Dispatched)),
        (S::Returned, A::Take, INVALID),
        (S::Returned, A::Return, INVALID),
        (S::Returned, A::Transfer, INVALID),
        (S::Returned, A::Recuse, INVALID),
        (S::Returned, A::Assign, INVALID),
        (S::Returned, A::FirstContact, INVALID),
        (S::Returned, A::ProgressUpdate, INVALID),
        (S::Returned, A::Task, INVALID),
        (S::Returned, A::TaskDone, INVALID),
        (S::Returned, A::Hearing, INVALID),
        (S::Returned, A::Finding, INVALID),
        (S::Returned, A::Plan, INVALID),
        (S::Returned, A::Approval, INVALID),
        (S::Returned, A::Extension, INVALID),
        (S::Returned, A::Resolve, INVALID),
        (S::Returned, A::ReviewApprove, INVALID),
        (S::Returned, A::ReviewRework, INVALID),
        (S::Returned, A::ResultNotice, INVALID),
        (S::Returned, A::CallbackFailed, INVALID),
        (S::Returned, A::CallbackSatisfied, INVALID),
        (S::Returned, A::CallbackDissatisfied, INVALID),
        (S::Returned, A::Reopen, INVALID),
        (S::Returned, A::EscalateSenior, INVALID),
        (S::Returned, A::Conclude, INVALID),
        (S::Returned, A::Close, INVALID),
        (S::Returned, A::Withdraw, Go(S::Withdrawn)),
        (S::Returned, A::Note, Go(S::Returned)),
        (S::Returned, A::Supervise, Go(S::Returned)),
        (S::Returned, A::InspectPass, INVALID),
        (S::Returned, A::InspectRework, INVALID),
        (S::Returned, A::Sanction, Go(S::Returned)),
        (S::Returned, A::Reward, INVALID),
        // investigating
        (S::Investigating, A::Accept, INVALID),
        (S::Investigating, A::Reject, INVALID),
        (S::Investigating, A::OnTheSpot, INVALID),
        (S::Investigating, A::Dispatch, INVALID),
        (S::Investigating, A::Take, INVALID),
        (S::Investigating, A::Return, INVALID),
        (S::Investigating, A::Transfer, Go(S::Dispatched)),
        (S::Investigating, A::Recuse, Go(S::Dispatched)),
        (S::Investigating, A::Assign, Go(S::Investigating)),
        (
            S::Investigating,
            A::FirstContact,
            No(Refusal::FirstContactAlreadyRecorded),
        ),
        (S::Investigating, A::ProgressUpdate, Go(S::Investigating)),
        (S::Investigating, A::Task, Go(S::Investigating)),
        (S::Investigating, A::TaskDone, No(Refusal::NoOpenTask)),
        (S::Investigating, A::Hearing, Go(S::Investigating)),
        (S::Investigating, A::Finding, Go(S::Investigating)),
        (S::Investigating, A::Plan, Go(S::Investigating)),
        (S::Investigating, A::Approval, No(Refusal::NoPendingApproval)),
        (S::Investigating, A::Extension, Go(S::Investigating)),
        (S::Investigating, A::Resolve, Go(S::UnderReview)),
        (S::Investigating, A::ReviewApprove, INVALID),
        (S::Investigating, A::ReviewRework, INVALID),
        (S::Investigating, A::ResultNotice, INVALID),
        (S::Investigating, A::CallbackFailed, INVALID),
        (S::Investigating, A::CallbackSatisfied, INVALID),
        (S::Investigating, A::CallbackDissatisfied, INVALID),
        (S::Investigating, A::Reopen, INVALID),
        (S::Investigating, A::EscalateSenior, INVALID),
        (S::Investigating, A::Conclude, INVALID),
        (S::Investigating, A::Close, INVALID),
        (S::Investigating, A::Withdraw, Go(S::Withdrawn)),
        (S::Investigating, A::Note, Go(S::Investigating)),
        (S::Investigating, A::Supervise, Go(S::Investigating)),
        (S::Investigating, A::InspectPass, INVALID),
        (S::Investigating, A::InspectRework, INVALID),
        (S::Investigating, A::Sanction, Go(S::Investigating)),
        (S::Investigating, A::Reward, INVALID),
        // under_review
        (S::UnderReview, A::Accept, INVALID),
        (S::UnderReview, A::Reject, INVALID),
        (S::UnderReview, A::OnTheSpot, INVALID),
        (S::UnderReview, A::Dispatch, INVALID),
        (S::UnderReview, A::Take, INVALID),
        (S::UnderReview, A::Return, INVALID),
        (S::UnderReview, A::Transfer, INVALID),
        (S::UnderReview, A::Recuse, INVALID),
        (S::UnderReview, A::Assign, INVALID),
        (S::UnderReview, A::FirstContact, INVALID),
        (S::UnderReview, A::ProgressUpdate, INVALID),
        (S::UnderReview, A::Task, INVALID),
        (S::UnderReview, A::TaskDone, INVALID),
        (S::UnderReview, A::Hearing, INVALID),
        (S::UnderReview, A::Finding, INVALID),
        (S::UnderReview, A::Plan, INVALID),
        (S::UnderReview, A::Approval, INVALID),
        (S::UnderReview, A::Extension, INVALID),
        (S::UnderReview, A::Resolve, INVALID),
        (S::UnderReview, A::ReviewApprove, Go(S::Resolved)),
        (S::UnderReview, A::ReviewRework, Go(S::Investigating)),
        (S::UnderReview, A::ResultNotice, INVALID),
        (S::UnderReview, A::CallbackFailed, INVALID),
        (S::UnderReview, A::CallbackSatisfied, INVALID),
        (S::UnderReview, A::CallbackDissatisfied, INVALID),
        (S::UnderReview, A::Reopen, INVALID),
        (S::UnderReview, A::EscalateSenior, INVALID),
        (S::UnderReview, A::Conclude, INVALID),
        (S::UnderReview, A::Close, INVALID),
        (S::UnderReview, A::Withdraw, Go(S::Withdrawn)),
        (S::UnderReview, A::Note, Go(S::UnderReview)),
        (S::UnderReview, A::Supervise, Go(S::UnderReview)),
        (S::UnderReview, A::InspectPass, INVALID),
        (S::UnderReview, A::InspectRework, INVALID),
        (S::UnderReview, A::Sanction, Go(S::UnderReview)),
        (S::UnderReview, A::Reward, INVALID),
        // resolved
        (S::Resolved, A::Accept, INVALID),
        (S::Resolved, A::Reject, INVALID),
        (S::Resolved, A::OnTheSpot, INVALID),
        (S::Resolved, A::Dispatch, INVALID),
        (S::Resolved, A::Take, INVALID),
        (S::Resolved, A::Return, INVALID),
        (S::Resolved, A::Transfer, INVALID),
        (S::Resolved, A::Recuse, INVALID),
        (S::Resolved, A::Assign, INVALID),
        (S::Resolved, A::FirstContact, INVALID),
        (S::Resolved, A::ProgressUpdate, INVALID),
        (S::Resolved, A::Task, INVALID),
        (S::Resolved, A::TaskDone, INVALID),
        (S::Resolved, A::Hearing, INVALID),
        (S::Resolved, A::Finding, INVALID),
        (S::Resolved, A::Plan, INVALID),
        (S::Resolved, A::Approval, INVALID),
        (S::Resolved, A::Extension, INVALID),
        (S::Resolved, A::Resolve, INVALID),
        (S::Resolved, A::ReviewApprove, INVALID),
        (S::Resolved, A::ReviewRework, INVALID),
        (S::Resolved, A::ResultNotice, Go(S::AwaitingCallback)),
        (S::Resolved, A::CallbackFailed, INVALID),
        (S::Resolved, A::CallbackSatisfied, INVALID),
        (S::Resolved, A::CallbackDissatisfied, INVALID),
        (S::Resolved, A::Reopen, INVALID),
        (S::Resolved, A::EscalateSenior, INVALID),
        (S::Resolved, A::Conclude, INVALID),
        (S::Resolved, A::Close, No(Refusal::CallbackRequired)),
        (S::Resolved, A::Withdraw, Go(S::Withdrawn)),
        (S::Resolved, A::Note, Go(S::Resolved)),
        (S::Resolved, A::Supervise, Go(S::Resolved)),
        (S::Resolved, A::InspectPass, INVALID),
        (S::Resolved, A::InspectRework, INVALID),
        (S::Resolved, A::Sanction, Go(S::Resolved)),
        (S::Resolved, A::Reward, No(Refusal::FindingNotSubstantiated)),
        // awaiting_callback
        (S::AwaitingCallback, A::Accept, INVALID),
        (S::AwaitingCallback, A::Reject, INVALID),
        (S::AwaitingCallback, A::OnTheSpot, INVALID),
        (S::AwaitingCallback, A::Dispatch, INVALID),
        (S::AwaitingCallback, A::Take, INVALID),
        (S::AwaitingCallback, A::Return, INVALID),
        (S::AwaitingCallback, A::Transfer, INVALID),
        (S::AwaitingCallback, A::Recuse, INVALID),
        (S::AwaitingCallback, A::Assign, INVALID),
        (S::AwaitingCallback, A::FirstContact, INVALID),
        (S::AwaitingCallback, A::ProgressUpdate, INVALID),
        (S::AwaitingCallback, A::Task, INVALID),
        (S::AwaitingCallback, A::TaskDone, INVALID),
        (S::AwaitingCallback, A::Hearing, INVALID),
        (S::AwaitingCallback, A::Finding, INVALID),
        (S::AwaitingCallback, A::Plan, INVALID),
        (S::AwaitingCallback, A::Approval, INVALID),
        (S::AwaitingCallback, A::Extension, INVALID),
        (S::AwaitingCallback, A::Resolve, INVALID),
        (S::AwaitingCallback, A::ReviewApprove, INVALID),
        (S::AwaitingCallback, A::ReviewRework, INVALID),
        (S::AwaitingCallback, A::ResultNotice, INVALID),
        (S::AwaitingCallback, A::CallbackFailed, Go(S::AwaitingCallback)),
        (
            S::AwaitingCallback,
            A::CallbackSatisfied,
            Closes(ClosingReason::Satisfied),
        ),
        (S::AwaitingCallback, A::CallbackDissatisfied, Go(S::Dissatisfied)),
        (S::AwaitingCallback, A::Reopen, INVALID),
        (S::AwaitingCallback, A::EscalateSenior, INVALID),
        (S::AwaitingCallback, A::Conclude, INVALID),
        (S::AwaitingCallback, A::Close, INVALID),
        (S::AwaitingCallback, A::Withdraw, INVALID),
        (S::AwaitingCallback, A::Note, Go(S::AwaitingCallback)),
        (S::AwaitingCallback, A::Supervise, Go(S::AwaitingCallback)),
        (S::AwaitingCallback, A::InspectPass, INVALID),
        (S::AwaitingCallback, A::InspectRework, INVALID),
        (S::AwaitingCallback, A::Sanction, Go(S::AwaitingCallback)),
        (S::AwaitingCallback, A::Reward, No(Refusal::FindingNotSubstantiated)),
        // dissatisfied
        (S::Dissatisfied, A::Accept, INVALID),
        (S::Dissatisfied, A::Reject, INVALID),
        (S::Dissatisfied, A::OnTheSpot, INVALID),
        (S::Dissatisfied, A::Dispatch, INVALID),
        (S::Dissatisfied, A::Take, INVALID),
        (S::Dissatisfied, A::Return, INVALID),
        (S::Dissatisfied, A::Transfer, INVALID),
        (S::Dissatisfied, A::Recuse, INVALID),
        (S::Dissatisfied, A::Assign, INVALID),
        (S::Dissatisfied, A::FirstContact, INVALID),
        (S::Dissatisfied, A::ProgressUpdate, INVALID),
        (S::Dissatisfied, A::Task, INVALID),
        (S::Dissatisfied, A::TaskDone, INVALID),
        (S::Dissatisfied, A::Hearing, INVALID),
        (S::Dissatisfied, A::Finding, INVALID),
        (S::Dissatisfied, A::Plan, INVALID),
        (S::Dissatisfied, A::Approval, INVALID),
        (S::Dissatisfied, A::Extension, INVALID),
        (S::Dissatisfied, A::Resolve, INVALID),
        (S::Dissatisfied, A::ReviewApprove, INVALID),
        (S::Dissatisfied, A::ReviewRework, INVALID),
        (S::Dissatisfied, A::ResultNotice, INVALID),
        (S::Dissatisfied, A::CallbackFailed, INVALID),
        (S::Dissatisfied, A::CallbackSatisfied, INVALID),
        (S::Dissatisfied, A::CallbackDissatisfied, INVALID),
        (S::Dissatisfied, A::Reopen, Go(S::Investigating)),
        (S::Dissatisfied, A::EscalateSenior, Go(S::Investigating)),
        (S::Dissatisfied, A::Conclude, No(Refusal::ReopenCapNotReached)),
        (S::Dissatisfied, A::Close, INVALID),
        (S::Dissatisfied, A::Withdraw, INVALID),
        (S::Dissatisfied, A::Note, Go(S::Dissatisfied)),
        (S::Dissatisfied, A::Supervise, Go(S::Dissatisfied)),
        (S::Dissatisfied, A::InspectPass, INVALID),
        (S::Dissatisfied, A::InspectRework, INVALID),
        (S::Dissatisfied, A::Sanction, Go(S::Dissatisfied)),
        (S::Dissatisfied, A::Reward, No(Refusal::FindingNotSubstantiated)),
        // closed
        (S::Closed, A::Accept, INVALID),
        (S::Closed, A::Reject, INVALID),
        (S::Closed, A::OnTheSpot, INVALID),
        (S::Closed, A::Dispatch, INVALID),
        (S::Closed, A::Take, INVALID),
        (S::Closed, A::Return, INVALID),
        (S::Closed, A::Transfer, INVALID),
        (S::Closed, A::Recuse, INVALID),
        (S::Closed, A::Assign, INVALID),
        (S::Closed, A::FirstContact, INVALID),
        (S::Closed, A::ProgressUpdate, INVALID),
        (S::Closed, A::Task, INVALID),
        (S::Closed, A::TaskDone, INVALID),
        (S::Closed, A::Hearing, INVALID),
        (S::Closed, A::Finding, INVALID),
        (S::Closed, A::Plan, INVALID),
        (S::Closed, A::Approval, INVALID),
        (S::Closed, A::Extension, INVALID),
        (S::Closed, A::Resolve, INVALID),
        (S::Closed, A::ReviewApprove, INVALID),
        (S::Closed, A::ReviewRework, INVALID),
        (S::Closed, A::ResultNotice, INVALID),
        (S::Closed, A::CallbackFailed, INVALID),
        (S::Closed, A::CallbackSatisfied, INVALID),
        (S::Closed, A::CallbackDissatisfied, INVALID),
        (S::Closed, A::Reopen, INVALID),
        (S::Closed, A::EscalateSenior, INVALID),
        (S::Closed, A::Conclude, INVALID),
        (S::Closed, A::Close, INVALID),
        (S::Closed, A::Withdraw, INVALID),
        (S::Closed, A::Note, Go(S::Closed)),
        (S::Closed, A::Supervise, INVALID),
        (S::Closed, A::InspectPass, Go(S::Closed)),
        (S::Closed, A::InspectRework, Go(S::Investigating)),
        (S::Closed, A::Sanction, Go(S::Closed)),
        (S::Closed, A::Reward, No(Refusal::FindingNotSubstantiated)),
        // withdrawn
        (S::Withdrawn, A::Accept, INVALID),
        (S::Withdrawn, A::Reject, INVALID),
        (S::Withdrawn, A::OnTheSpot, INVALID),
        (S::Withdrawn, A::Dispatch, INVALID),
        (S::Withdrawn, A::Take, INVALID),
        (S::Withdrawn, A::Return, INVALID),
        (S::Withdrawn, A::Transfer, INVALID),
        (S::Withdrawn, A::Recuse, INVALID),
        (S::Withdrawn, A::Assign, INVALID),
        (S::Withdrawn, A::FirstContact, INVALID),
        (S::Withdrawn, A::ProgressUpdate, INVALID),
        (S::Withdrawn, A::Task, INVALID),
        (S::Withdrawn, A::TaskDone, INVALID),
        (S::Withdrawn, A::Hearing, INVALID),
        (S::Withdrawn, A::Finding, INVALID),
        (S::Withdrawn, A::Plan, INVALID),
        (S::Withdrawn, A::Approval, INVALID),
        (S::Withdrawn, A::Extension, INVALID),
        (S::Withdrawn, A::Resolve, INVALID),
        (S::Withdrawn, A::ReviewApprove, INVALID),
        (S::Withdrawn, A::ReviewRework, INVALID),
        (S::Withdrawn, A::ResultNotice, INVALID),
        (S::Withdrawn, A::CallbackFailed, INVALID),
        (S::Withdrawn, A::CallbackSatisfied, INVALID),
        (S::Withdrawn, A::CallbackDissatisfied, INVALID),
        (S::Withdrawn, A::Reopen, INVALID),
        (S::Withdrawn, A::EscalateSenior, INVALID),
        (S::Withdrawn, A::Conclude, INVALID),
        (S::Withdrawn, A::Close, INVALID),
        (S::Withdrawn, A::Withdraw, INVALID),
        (S::Withdrawn, A::Note, Go(S::Withdrawn)),
        (S::Withdrawn, A::Supervise, INVALID),
        (S::Withdrawn, A::InspectPass, INVALID),
        (S::Withdrawn, A::InspectRework, INVALID),
        (S::Withdrawn, A::Sanction, INVALID),
        (S::Withdrawn, A::Reward, INVALID),
    ];

    fn outcome(status: Status, action: Action, facts: &Facts) -> Expect {
        match step(status, action, facts) {
            Ok(Step { next, closing: None }) => Go(next),
            Ok(Step {
                next,
                closing: Some(reason),
            }) => {
                assert_eq!(
                    next,
                    S::Closed,
                    "{action:?} from {status:?} closes with {reason:?} but leads to {next:?}"
                );
                Closes(reason)
            }
            Err(refused) => No(refused.reason),
        }
    }

    /// Applies an action that must be accepted and returns where it leads.
    #[track_caller]
    fn go(status: Status, action: Action, facts: &Facts) -> Step {
        match step(status, action, facts) {
            Ok(step) => step,
            Err(refused) => panic!("{refused} (facts: {facts:?})"),
        }
    }

    /// Applies an action that must be refused and returns the reason.
    #[track_caller]
    fn refused(status: Status, action: Action, facts: &Facts) -> Refusal {
        match step(status, action, facts) {
            Ok(step) => panic!("{action:?} from {status:?} was accepted ({step:?}) under {facts:?}"),
            Err(refused) => refused.reason,
        }
    }

    /// Facts under which the structure must hold: every guard passing or failing somewhere.
    fn assorted_facts() -> Vec<Facts> {
        vec![
            Facts::default(),
            table_facts(),
            Facts {
                contactable: false,
                ..Facts::default()
            },
            Facts {
                review_required: true,
                first_contact_recorded: true,
                open_tasks: 2,
                pending_approvals: 1,
                finding_against_named_person: true,
                extensions_used: 1,
                extension_cap: 1,
                callback_attempts_made: 2,
                callback_attempts_max: 3,
                reopen_count: 2,
                reopen_cap: 2,
                ..Facts::default()
            },
            Facts {
                contactable: false,
                first_contact_recorded: true,
                open_tasks: 1,
                finding_against_named_person: true,
                hearing_signed_off: true,
                extension_cap: 3,
                callback_attempts_max: 5,
                reopen_cap: 1,
                finding_substantiated: true,
                ..Facts::default()
            },
        ]
    }

    #[test]
    fn the_table_covers_every_pair_exactly_once() {
        assert_eq!(S::ALL.len(), 12);
        assert_eq!(A::ALL.len(), 36);
        assert_eq!(TABLE.len(), S::ALL.len() * A::ALL.len());
        for status in S::ALL {
            for action in A::ALL {
                let rows = TABLE.iter().filter(|(s, a, _)| s == status && a == action).count();
                assert_eq!(rows, 1, "{status:?} × {action:?} appears {rows} times");
            }
        }
    }

    #[test]
    fn every_pair_does_what_the_table_says() {
        let facts = table_facts();
        let mut wrong = Vec::new();
        for status in S::ALL {
            for action in A::ALL {
                let expected = TABLE
                    .iter()
                    .find(|(s, a, _)| s == status && a == action)
                    .map(|(_, _, expected)| *expected);
                let actual = outcome(*status, *action, &facts);
                if expected != Some(actual) {
                    wrong.push(format!(
                        "{status:?} × {action:?}: expected {expected:?}, got {actual:?}"
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{} pairs differ:\n{}", wrong.len(), wrong.join("\n"));
    }

    #[test]
    fn an_invalid_transition_stays_invalid_whatever_the_facts() {
        for facts in assorted_facts() {
            for (status, action, expected) in TABLE {
                let actual = outcome(*status, *action, &facts);
                if *expected == INVALID {
                    assert_eq!(actual, INVALID, "{status:?} × {action:?} under {facts:?}");
                } else {
                    assert_ne!(actual, INVALID, "{status:?} × {action:?} under {facts:?}");
                }
            }
        }
    }

    #[test]
    fn the_table_allows_no_more_than_the_design_lists() {
        // Counts of accepted pairs per status under the table's facts, as the design lists them
        // (including note everywhere, supervise where processing goes on, and the accountability
        // record from the dispatch on).
        let expected = [
            (S::Received, 6),
            (S::Accepted, 5),
            (S::Rejected, 1),
            (S::Dispatched, 9),
            (S::Returned, 5),
            (S::Investigating, 14),
            (S::UnderReview, 6),
            (S::Resolved, 5),
            (S::AwaitingCallback, 6),
            (S::Dissatisfied, 5),
            (S::Closed, 4),
            (S::Withdrawn, 1),
        ];
        for (status, count) in expected {
            let accepted = TABLE
                .iter()
                .filter(|(s, _, e)| *s == status && !matches!(e, No(_)))
                .count();
            assert_eq!(accepted, count, "{status:?}");
        }
    }

    #[test]
    fn allowed_agrees_with_step_everywhere() {
        for facts in assorted_facts() {
            for status in S::ALL {
                let listed = allowed(*status, &facts);
                for action in A::ALL {
                    let result = step(*status, *action, &facts);
                    assert_eq!(
                        listed.contains(action),
                        result.is_ok(),
                        "{status:?} × {action:?} under {facts:?}"
                    );
                    if let Err(refused) = result {
                        assert_eq!(refused.current, *status);
                        assert_eq!(refused.action, *action);
                        assert_eq!(refused.allowed, listed);
                    }
                }
                let in_order: Vec<Action> = A::ALL.iter().copied().filter(|a| listed.contains(a)).collect();
                assert_eq!(listed, in_order, "allowed lists actions in Action::ALL order");
            }
        }
    }

    #[test]
    fn allowed_lists_what_the_design_lists() {
        let facts = table_facts();
        assert_eq!(
            allowed(S::Received, &facts),
            [A::Accept, A::Reject, A::OnTheSpot, A::Withdraw, A::Note, A::Supervise]
        );
        assert_eq!(
            allowed(S::Dispatched, &facts),
            [
                A::Take,
                A::Return,
                A::Transfer,
                A::Recuse,
                A::Extension,
                A::Withdraw,
                A::Note,
                A::Supervise,
                A::Sanction
            ]
        );
        assert_eq!(
            allowed(S::Resolved, &facts),
            [A::ResultNotice, A::Withdraw, A::Note, A::Supervise, A::Sanction]
        );
        let substantiated = Facts {
            finding_substantiated: true,
            ..facts.clone()
        };
        assert_eq!(
            allowed(S::Resolved, &substantiated),
            [
                A::ResultNotice,
                A::Withdraw,
                A::Note,
                A::Supervise,
                A::Sanction,
                A::Reward
            ]
        );
        let anonymous = Facts {
            contactable: false,
            ..facts.clone()
        };
        assert_eq!(
            allowed(S::Resolved, &anonymous),
            [A::Close, A::Withdraw, A::Note, A::Supervise, A::Sanction]
        );
        assert_eq!(
            allowed(S::Closed, &facts),
            [A::Note, A::InspectPass, A::InspectRework, A::Sanction]
        );
        let capped = Facts {
            reopen_count: 2,
            ..facts
        };
        assert_eq!(
            allowed(S::Dissatisfied, &capped),
            [A::Conclude, A::Note, A::Supervise, A::Sanction]
        );
    }

    #[test]
    fn only_rejected_and_withdrawn_are_terminal() {
        let terminal: Vec<Status> = S::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [S::Rejected, S::Withdrawn]);
        let ended: Vec<Status> = S::ALL.iter().copied().filter(|s| !s.is_open()).collect();
        assert_eq!(ended, [S::Rejected, S::Closed, S::Withdrawn]);
        for facts in assorted_facts() {
            for status in S::ALL {
                let listed = allowed(*status, &facts);
                assert_eq!(status.is_terminal(), listed == [A::Note], "{status:?} under {facts:?}");
            }
        }
    }

    #[test]
    fn a_refusal_says_what_and_why() {
        let refusal = step(S::Resolved, A::Close, &table_facts()).expect_err("refused");
        assert_eq!(refusal.reason, Refusal::CallbackRequired);
        assert_eq!(
            refusal.allowed,
            [A::ResultNotice, A::Withdraw, A::Note, A::Supervise, A::Sanction]
        );
        assert_eq!(
            refusal.to_string(),
            "`close` is not allowed while the case is resolved: callback_required"
        );
        assert_eq!(refusal.message(Language::ZhCn), "须经回访方可结案");
        let invalid = step(S::Received, A::Resolve, &table_facts()).expect_err("refused");
        assert_eq!(invalid.reason, Refusal::InvalidTransition);
        assert_eq!(
            invalid.to_string(),
            "`resolve` is not allowed while the case is received: invalid_transition"
        );
    }

    // Guards: each refused while failing, accepted once met.

    fn investigating_facts() -> Facts {
        Facts {
            first_contact_recorded: true,
            ..Facts::default()
        }
    }

    #[test]
    fn progress_updates_wait_for_first_contact_unless_nobody_can_be_contacted() {
        let not_contacted = Facts::default();
        assert_eq!(
            refused(S::Investigating, A::ProgressUpdate, &not_contacted),
            Refusal::FirstContactRequired
        );
        let contacted = investigating_facts();
        assert_eq!(
            go(S::Investigating, A::ProgressUpdate, &contacted).next,
            S::Investigating
        );
        let anonymous = Facts {
            contactable: false,
            ..Facts::default()
        };
        assert_eq!(
            go(S::Investigating, A::ProgressUpdate, &anonymous).next,
            S::Investigating
        );
    }

    #[test]
    fn first_contact_is_recorded_once() {
        assert_eq!(
            go(S::Investigating, A::FirstContact, &Facts::default()),
            Step::to(S::Investigating)
        );
        assert_eq!(
            refused(S::Investigating, A::FirstContact, &investigating_facts()),
            Refusal::FirstContactAlreadyRecorded
        );
    }

    #[test]
    fn no_finding_against_a_named_person_without_a_signed_off_hearing() {
        let unheard = Facts {
            finding_against_named_person: true,
            ..investigating_facts()
        };
        assert_eq!(
            refused(S::Investigating, A::Finding, &unheard),
            Refusal::HearingRequired
        );
        assert_eq!(
            refused(S::Investigating, A::Resolve, &unheard),
            Refusal::HearingRequired
        );
        let heard = Facts {
            hearing_signed_off: true,
            ..unheard
        };
        assert_eq!(go(S::Investigating, A::Finding, &heard).next, S::Investigating);
        assert_eq!(go(S::Investigating, A::Resolve, &heard).next, S::Resolved);
        // A finding against nobody in particular needs no hearing.
        assert_eq!(
            go(S::Investigating, A::Finding, &investigating_facts()).next,
            S::Investigating
        );
    }

    #[test]
    fn extensions_stop_at_the_cap() {
        for status in [S::Dispatched, S::Investigating] {
            let none_allowed = Facts::default();
            assert_eq!(
                refused(status, A::Extension, &none_allowed),
                Refusal::ExtensionCapReached
            );
            let one_left = Facts {
                extensions_used: 1,
                extension_cap: 2,
                ..Facts::default()
            };
            assert_eq!(go(status, A::Extension, &one_left), Step::to(status));
            let used_up = Facts {
                extensions_used: 2,
                extension_cap: 2,
                ..Facts::default()
            };
            assert_eq!(refused(status, A::Extension, &used_up), Refusal::ExtensionCapReached);
        }
    }

    #[test]
    fn a_task_is_done_only_when_one_is_open() {
        assert_eq!(
            refused(S::Investigating, A::TaskDone, &investigating_facts()),
            Refusal::NoOpenTask
        );
        let one_open = Facts {
            open_tasks: 1,
            ..investigating_facts()
        };
        assert_eq!(go(S::Investigating, A::TaskDone, &one_open).next, S::Investigating);
    }

    #[test]
    fn an_approval_is_recorded_only_when_one_is_pending() {
        assert_eq!(
            refused(S::Investigating, A::Approval, &investigating_facts()),
            Refusal::NoPendingApproval
        );
        let pending = Facts {
            pending_approvals: 1,
            ..investigating_facts()
        };
        assert_eq!(go(S::Investigating, A::Approval, &pending).next, S::Investigating);
    }

    #[test]
    fn resolving_needs_tasks_done_approvals_given_and_first_contact() {
        let ready = investigating_facts();
        assert_eq!(go(S::Investigating, A::Resolve, &ready), Step::to(S::Resolved));
        let reviewed = Facts {
            review_required: true,
            ..ready.clone()
        };
        assert_eq!(go(S::Investigating, A::Resolve, &reviewed), Step::to(S::UnderReview));

        let open_task = Facts {
            open_tasks: 1,
            ..ready.clone()
        };
        assert_eq!(refused(S::Investigating, A::Resolve, &open_task), Refusal::OpenTasks);
        let pending = Facts {
            pending_approvals: 2,
            ..ready.clone()
        };
        assert_eq!(
            refused(S::Investigating, A::Resolve, &pending),
            Refusal::PendingApprovals
        );
        let not_contacted = Facts {
            first_contact_recorded: false,
            ..ready.clone()
        };
        assert_eq!(
            refused(S::Investigating, A::Resolve, &not_contacted),
            Refusal::FirstContactRequired
        );
        let anonymous = Facts {
            contactable: false,
            ..not_contacted
        };
        assert_eq!(go(S::Investigating, A::Resolve, &anonymous), Step::to(S::Resolved));

        // Several failing at once: the documented order decides which one is reported.
        let everything_missing = Facts {
            first_contact_recorded: false,
            open_tasks: 1,
            pending_approvals: 1,
            finding_against_named_person: true,
            ..Facts::default()
        };
        assert_eq!(
            refused(S::Investigating, A::Resolve, &everything_missing),
            Refusal::OpenTasks
        );
        let tasks_done = Facts {
            open_tasks: 0,
            ..everything_missing
        };
        assert_eq!(
            refused(S::Investigating, A::Resolve, &tasks_done),
            Refusal::PendingApprovals
        );
        let approved = Facts {
            pending_approvals: 0,
            ..tasks_done
        };
        assert_eq!(
            refused(S::Investigating, A::Resolve, &approved),
            Refusal::FirstContactRequired
        );
        let contacted = Facts {
            first_contact_recorded: true,
            ..approved
        };
        assert_eq!(
            refused(S::Investigating, A::Resolve, &contacted),
            Refusal::HearingRequired
        );
    }

    #[test]
    fn the_result_notice_needs_someone_to_tell_and_closing_needs_nobody_to_call() {
        let reachable = Facts::default();
        assert_eq!(
            go(S::Resolved, A::ResultNotice, &reachable),
            Step::to(S::AwaitingCallback)
        );
        assert_eq!(refused(S::Resolved, A::Close, &reachable), Refusal::CallbackRequired);
        let anonymous = Facts {
            contactable: false,
            ..Facts::default()
        };
        assert_eq!(
            refused(S::Resolved, A::ResultNotice, &anonymous),
            Refusal::NoContactChannel
        );
        assert_eq!(
            go(S::Resolved, A::Close, &anonymous),
            Step::close(ClosingReason::NoCallback)
        );
    }

    #[test]
    fn the_last_failed_callback_closes_the_case_as_unreachable() {
        let attempts = |made| Facts {
            callback_attempts_made: made,
            callback_attempts_max: 3,
            ..Facts::default()
        };
        assert_eq!(
            go(S::AwaitingCallback, A::CallbackFailed, &attempts(0)),
            Step::to(S::AwaitingCallback)
        );
        assert_eq!(
            go(S::AwaitingCallback, A::CallbackFailed, &attempts(1)),
            Step::to(S::AwaitingCallback)
        );
        assert_eq!(
            go(S::AwaitingCallback, A::CallbackFailed, &attempts(2)),
            Step::close(ClosingReason::Unreachable)
        );
        assert_eq!(
            go(S::AwaitingCallback, A::CallbackFailed, &attempts(7)),
            Step::close(ClosingReason::Unreachable)
        );
        // With no attempt configured beyond the first, the first failure is the last.
        assert_eq!(
            go(S::AwaitingCallback, A::CallbackFailed, &Facts::default()),
            Step::close(ClosingReason::Unreachable)
        );
    }

    #[test]
    fn reopening_stops_at_the_cap_and_concluding_waits_for_it() {
        let below = Facts {
            reopen_count: 1,
            reopen_cap: 2,
            ..Facts::default()
        };
        assert_eq!(go(S::Dissatisfied, A::Reopen, &below), Step::to(S::Investigating));
        assert_eq!(
            go(S::Dissatisfied, A::EscalateSenior, &below),
            Step::to(S::Investigating)
        );
        assert_eq!(
            refused(S::Dissatisfied, A::Conclude, &below),
            Refusal::ReopenCapNotReached
        );
        let reached = Facts {
            reopen_count: 2,
            ..below
        };
        assert_eq!(refused(S::Dissatisfied, A::Reopen, &reached), Refusal::ReopenCapReached);
        assert_eq!(
            refused(S::Dissatisfied, A::EscalateSenior, &reached),
            Refusal::ReopenCapReached
        );
        assert_eq!(
            go(S::Dissatisfied, A::Conclude, &reached),
            Step::close(ClosingReason::Concluded)
        );
    }

    // Walks through whole cases.

    #[test]
    fn a_case_walks_the_whole_lifecycle() {
        let mut facts = Facts {
            review_required: true,
            extension_cap: 1,
            callback_attempts_max: 3,
            reopen_cap: 1,
            ..Facts::default()
        };
        let mut status = S::Received;
        let mut walk = |action: Action, facts: &Facts, next: Status| {
            let step = go(status, action, facts);
            assert_eq!(step, Step::to(next), "{action:?} from {status:?}");
            status = step.next;
        };

        walk(A::Accept, &facts, S::Accepted);
        walk(A::Dispatch, &facts, S::Dispatched);
        walk(A::Return, &facts, S::Returned);
        walk(A::Supervise, &facts, S::Returned);
        walk(A::Dispatch, &facts, S::Dispatched);
        walk(A::Take, &facts, S::Investigating);
        walk(A::Assign, &facts, S::Investigating);
        assert_eq!(
            refused(S::Investigating, A::ProgressUpdate, &facts),
            Refusal::FirstContactRequired
        );
        walk(A::FirstContact, &facts, S::Investigating);
        facts.first_contact_recorded = true;
        walk(A::ProgressUpdate, &facts, S::Investigating);
        walk(A::Task, &facts, S::Investigating);
        facts.open_tasks = 1;
        assert_eq!(refused(S::Investigating, A::Resolve, &facts), Refusal::OpenTasks);
        walk(A::TaskDone, &facts, S::Investigating);
        facts.open_tasks = 0;
        facts.finding_against_named_person = true;
        assert_eq!(refused(S::Investigating, A::Finding, &facts), Refusal::HearingRequired);
        walk(A::Hearing, &facts, S::Investigating);
        facts.hearing_signed_off = true;
        walk(A::Finding, &facts, S::Investigating);
        walk(A::Plan, &facts, S::Investigating);
        facts.pending_approvals = 1;
        assert_eq!(refused(S::Investigating, A::Resolve, &facts), Refusal::PendingApprovals);
        walk(A::Approval, &facts, S::Investigating);
        facts.pending_approvals = 0;
        walk(A::Extension, &facts, S::Investigating);
        facts.extensions_used = 1;
        assert_eq!(
            refused(S::Investigating, A::Extension, &facts),
            Refusal::ExtensionCapReached
        );
        walk(A::Resolve, &facts, S::UnderReview);
        walk(A::ReviewRework, &facts, S::Investigating);
        walk(A::ProgressUpdate, &facts, S::Investigating);
        walk(A::Resolve, &facts, S::UnderReview);
        walk(A::ReviewApprove, &facts, S::Resolved);
        assert_eq!(refused(S::Resolved, A::Close, &facts), Refusal::CallbackRequired);
        walk(A::ResultNotice, &facts, S::AwaitingCallback);
        walk(A::CallbackFailed, &facts, S::AwaitingCallback);
        facts.callback_attempts_made = 1;
        walk(A::CallbackDissatisfied, &facts, S::Dissatisfied);
        assert_eq!(
            refused(S::Dissatisfied, A::Conclude, &facts),
            Refusal::ReopenCapNotReached
        );
        walk(A::Reopen, &facts, S::Investigating);
        facts.reopen_count = 1;
        facts.callback_attempts_made = 0;
        walk(A::Note, &facts, S::Investigating);
        walk(A::Resolve, &facts, S::UnderReview);
        walk(A::ReviewApprove, &facts, S::Resolved);
        walk(A::ResultNotice, &facts, S::AwaitingCallback);

        assert_eq!(
            go(status, A::CallbackSatisfied, &facts),
            Step::close(ClosingReason::Satisfied)
        );
        let closed = S::Closed;
        assert_eq!(go(closed, A::InspectPass, &facts), Step::to(S::Closed));
        assert_eq!(go(closed, A::Note, &facts), Step::to(S::Closed));
        assert_eq!(refused(closed, A::Withdraw, &facts), Refusal::InvalidTransition);
    }

    #[test]
    fn quality_inspection_sends_a_closed_case_back_for_rework() {
        let facts = investigating_facts();
        assert_eq!(go(S::Closed, A::InspectRework, &facts), Step::to(S::Investigating));
        assert_eq!(go(S::Investigating, A::Resolve, &facts), Step::to(S::Resolved));
    }

    #[test]
    fn the_fast_path_closes_on_the_spot() {
        for status in [S::Received, S::Accepted] {
            assert_eq!(
                go(status, A::OnTheSpot, &Facts::default()),
                Step::close(ClosingReason::OnTheSpot)
            );
        }
        for status in [S::Dispatched, S::Investigating, S::Resolved] {
            assert_eq!(
                refused(status, A::OnTheSpot, &Facts::default()),
                Refusal::InvalidTransition
            );
        }
    }

    #[test]
    fn an_anonymous_case_closes_without_notice_or_callback() {
        let facts = Facts {
            contactable: false,
            ..Facts::default()
        };
        let mut status = S::Received;
        for (action, next) in [
            (A::Accept, S::Accepted),
            (A::Dispatch, S::Dispatched),
            (A::Take, S::Investigating),
            (A::ProgressUpdate, S::Investigating),
            (A::Resolve, S::Resolved),
        ] {
            status = go(status, action, &facts).next;
            assert_eq!(status, next, "after {action:?}");
        }
        assert_eq!(refused(status, A::ResultNotice, &facts), Refusal::NoContactChannel);
        assert_eq!(go(status, A::Close, &facts), Step::close(ClosingReason::NoCallback));
    }

    #[test]
    fn the_complainant_may_withdraw_until_the_result_is_out() {
        let facts = table_facts();
        for status in [
            S::Received,
            S::Accepted,
            S::Dispatched,
            S::Returned,
            S::Investigating,
            S::UnderReview,
            S::Resolved,
        ] {
            assert_eq!(
                go(status, A::Withdraw, &facts),
                Step::to(S::Withdrawn),
                "from {status:?}"
            );
        }
        for status in [
            S::Rejected,
            S::AwaitingCallback,
            S::Dissatisfied,
            S::Closed,
            S::Withdrawn,
        ] {
            assert_eq!(
                refused(status, A::Withdraw, &facts),
                Refusal::InvalidTransition,
                "from {status:?}"
            );
        }
    }

    #[test]
    fn repeated_dissatisfaction_ends_in_a_formal_conclusion() {
        let mut facts = Facts {
            first_contact_recorded: true,
            reopen_cap: 2,
            callback_attempts_max: 2,
            ..Facts::default()
        };
        let mut status = S::Dissatisfied;
        for reopen in [A::Reopen, A::EscalateSenior] {
            assert_eq!(refused(status, A::Conclude, &facts), Refusal::ReopenCapNotReached);
            for (action, next) in [
                (reopen, S::Investigating),
                (A::Resolve, S::Resolved),
                (A::ResultNotice, S::AwaitingCallback),
                (A::CallbackDissatisfied, S::Dissatisfied),
            ] {
                status = go(status, action, &facts).next;
                assert_eq!(status, next, "after {action:?}");
            }
            facts.reopen_count += 1;
        }
        assert_eq!(refused(status, A::Reopen, &facts), Refusal::ReopenCapReached);
        assert_eq!(refused(status, A::EscalateSenior, &facts), Refusal::ReopenCapReached);
        assert_eq!(go(status, A::Conclude, &facts), Step::close(ClosingReason::Concluded));
    }

    #[test]
    fn failed_callbacks_end_as_unreachable() {
        let mut facts = Facts {
            callback_attempts_max: 3,
            ..Facts::default()
        };
        let status = go(S::Resolved, A::ResultNotice, &facts).next;
        for made in 0..2 {
            facts.callback_attempts_made = made;
            assert_eq!(
                go(status, A::CallbackFailed, &facts),
                Step::to(S::AwaitingCallback),
                "attempt {made}"
            );
        }
        facts.callback_attempts_made = 2;
        assert_eq!(
            go(status, A::CallbackFailed, &facts),
            Step::close(ClosingReason::Unreachable)
        );
    }

    // Vocabulary.

    fn has_han(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    macro_rules! check_vocabulary {
        ($name:ident) => {{
            let mut wire = std::collections::HashSet::new();
            let mut zh = std::collections::HashSet::new();
            let mut en = std::collections::HashSet::new();
            for value in $name::ALL {
                let name = value.as_str();
                assert_eq!($name::parse(name), Some(*value), "{name} round-trips");
                assert!(
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{name} is snake case"
                );
                let chinese = value.label(Language::ZhCn);
                let english = value.label(Language::En);
                assert!(has_han(chinese), "{name}: {chinese} is Chinese");
                assert!(
                    !english.is_empty() && english.is_ascii(),
                    "{name}: {english} is English"
                );
                assert!(wire.insert(name), "{name} is unique");
                assert!(zh.insert(chinese), "{chinese} is unique");
                assert!(en.insert(english), "{english} is unique");
            }
            assert_eq!($name::parse("nonsense"), None);
            assert_eq!($name::parse(""), None);
        }};
    }

    #[test]
    fn every_value_has_a_wire_name_and_labels_in_both_languages() {
        check_vocabulary!(Status);
        check_vocabulary!(Action);
        check_vocabulary!(ClosingReason);
        check_vocabulary!(Refusal);
    }

    #[test]
    fn status_keeps_its_wire_names_and_labels() {
        let expected = [
            (S::Received, "received", "已登记"),
            (S::Accepted, "accepted", "已受理"),
            (S::Rejected, "rejected", "不予受理"),
            (S::Dispatched, "dispatched", "已转办"),
            (S::Returned, "returned", "已退单"),
            (S::Investigating, "investigating", "处理中"),
            (S::UnderReview, "under_review", "待审核"),
            (S::Resolved, "resolved", "已办结"),
            (S::AwaitingCallback, "awaiting_callback", "待回访"),
            (S::Dissatisfied, "dissatisfied", "不满意"),
            (S::Closed, "closed", "已结案"),
            (S::Withdrawn, "withdrawn", "已撤回"),
        ];
        assert_eq!(S::ALL, expected.map(|(status, _, _)| status));
        for (status, wire, chinese) in expected {
            assert_eq!(status.as_str(), wire);
            assert_eq!(status.label(Language::ZhCn), chinese);
        }
    }
}

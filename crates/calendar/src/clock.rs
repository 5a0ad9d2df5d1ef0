//! [`SlaClock`]: one deadline's clock, rebuilt from its ordered events.
//!
//! A clock starts, may pause (only for the reasons its rule accepts) and resume, may be
//! extended one ladder step at a time (each step with its reason and approval), and stops.
//! Nothing but the events is stored, so replaying the same events always gives the same
//! deadline, and [`SlaClock::state_at`] replays only the events up to `now`.
//! How pauses move the deadline is defined on [`SlaClock`]: never earlier, by the paused
//! working days, days or business time.

use chrono::{DateTime, TimeDelta, Utc};

use crate::due::Pause;
use crate::{ApprovalLevel, Calendar, ClockRule, Due, Error, ExtensionStep, PauseReason, Period};

/// Something that happened to a clock. Events are kept in the order they happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClockEvent {
    /// The clock started (the rule's start event happened).
    Started {
        /// When.
        at: DateTime<Utc>,
    },
    /// The clock paused.
    Paused {
        /// When.
        at: DateTime<Utc>,
        /// Why; the rule must accept it.
        reason: PauseReason,
    },
    /// The clock resumed after a pause.
    Resumed {
        /// When.
        at: DateTime<Utc>,
    },
    /// The deadline was extended to the ladder's next step.
    Extended {
        /// When.
        at: DateTime<Utc>,
        /// Why; required when the step says so.
        reason: String,
        /// Who approved it; at least the step's level.
        approved_by: ApprovalLevel,
    },
    /// The clock stopped (the deadline's work was done, or the case ended).
    Stopped {
        /// When.
        at: DateTime<Utc>,
    },
}

impl ClockEvent {
    /// When the event happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            ClockEvent::Started { at }
            | ClockEvent::Paused { at, .. }
            | ClockEvent::Resumed { at }
            | ClockEvent::Extended { at, .. }
            | ClockEvent::Stopped { at } => *at,
        }
    }
}

/// Where a clock stands at an instant, the most pressing first: a stopped clock is
/// `Stopped`; otherwise past its due instant it is `Breached` (also while paused); a paused
/// clock is `Paused`; a running one is `Warned` with the highest warning fraction reached,
/// or `Running`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClockState {
    /// Running, no warning reached.
    Running,
    /// Paused, before the due instant.
    Paused,
    /// Running, and at least this fraction of the allowed running time has passed.
    Warned(f64),
    /// The due instant has passed and the clock has not stopped.
    Breached,
    /// Stopped.
    Stopped,
}

/// A deadline's clock, replayed from its events.
///
/// # How a pause moves the deadline
///
/// Pauses never shorten a deadline. A pause pushes it later by what the pause covered, in
/// the period's own unit, and only when the pause begins before the (moving) due instant; a
/// pause that begins after the deadline has passed changes nothing.
///
/// * Working days, days, weeks, months: a day after the start day counts towards the period
///   only if the clock is running when the day ends (at the local midnight that closes it),
///   and the due date is the day on which the Nth counted day ends. So a pause covers the
///   days whose closing midnight falls inside it, and the deadline moves by the covered
///   working days (working-day periods) or covered days (the others). A pause that begins
///   and ends on the same local day covers nothing; one from Friday evening to Monday
///   morning covers Friday (and the weekend, which only matters for calendar days).
/// * Clock hours and minutes: the deadline moves by the paused wall-clock time.
/// * Business hours: the deadline moves by the business time inside the pause, that is, the
///   business time left when the clock paused is counted again from the resume.
///
/// Warnings are measured in running wall-clock time: the warning at fraction `f` fires
/// when `f` of the unpaused time from the start to the due instant has passed.
#[derive(Clone, Debug)]
pub struct SlaClock {
    rule: ClockRule,
    events: Vec<ClockEvent>,
    started_at: DateTime<Utc>,
    pauses: Vec<Pause>,
    paused_since: Option<DateTime<Utc>>,
    period: Period,
    n_extensions: usize,
    stopped_at: Option<DateTime<Utc>>,
}

impl SlaClock {
    /// Replays the events under the rule. The first event must be `Started`; events must not
    /// go back in time; pauses and resumes alternate; nothing follows `Stopped`; each
    /// extension takes the ladder's next step and must carry the reason and approval it needs.
    pub fn from_events(rule: ClockRule, events: &[ClockEvent]) -> Result<SlaClock, Error> {
        rule.validate()?;
        let Some(ClockEvent::Started { at: started_at }) = events.first() else {
            return Err(Error::clock_event(0, "the first event must be `started`"));
        };
        let mut clock = SlaClock {
            period: rule.period,
            rule,
            events: events.to_vec(),
            started_at: *started_at,
            pauses: Vec::new(),
            paused_since: None,
            n_extensions: 0,
            stopped_at: None,
        };
        for (index, event) in events.iter().enumerate().skip(1) {
            clock.apply(index, event, events[index - 1].at())?;
        }
        Ok(clock)
    }

    fn apply(&mut self, index: usize, event: &ClockEvent, previous_at: DateTime<Utc>) -> Result<(), Error> {
        if event.at() < previous_at {
            return Err(Error::clock_event(index, "happens before the event listed before it"));
        }
        if self.stopped_at.is_some() {
            return Err(Error::clock_event(index, "the clock has already stopped"));
        }
        match event {
            ClockEvent::Started { .. } => {
                return Err(Error::clock_event(index, "the clock has already started"));
            }
            ClockEvent::Paused { at, reason } => {
                if self.paused_since.is_some() {
                    return Err(Error::clock_event(index, "the clock is already paused"));
                }
                if *reason != PauseReason::Returned && !self.rule.pause_reasons.contains(reason) {
                    return Err(Error::clock_event(
                        index,
                        format!("this deadline does not pause for `{reason}`"),
                    ));
                }
                self.paused_since = Some(*at);
            }
            ClockEvent::Resumed { at } => {
                let paused_at = self
                    .paused_since
                    .take()
                    .ok_or_else(|| Error::clock_event(index, "the clock is not paused"))?;
                self.pauses.push((paused_at, *at));
            }
            ClockEvent::Extended {
                reason, approved_by, ..
            } => {
                let step = self.check_extension(index, reason, *approved_by)?;
                self.period = step.extend_to;
                self.n_extensions += 1;
            }
            ClockEvent::Stopped { at } => {
                if let Some(paused_at) = self.paused_since.take() {
                    self.pauses.push((paused_at, *at));
                }
                self.stopped_at = Some(*at);
            }
        }
        Ok(())
    }

    fn check_extension(&self, index: usize, reason: &str, approved_by: ApprovalLevel) -> Result<ExtensionStep, Error> {
        let ladder = self
            .rule
            .extension_ladder
            .as_ref()
            .ok_or_else(|| Error::clock_event(index, "this deadline cannot be extended"))?;
        let number = self.n_extensions + 1;
        let step = ladder.steps.get(self.n_extensions).ok_or_else(|| {
            Error::clock_event(
                index,
                format!("the extension ladder has no step {number}: the cap is {}", ladder.cap),
            )
        })?;
        if step.reason_required && reason.trim().is_empty() {
            return Err(Error::clock_event(
                index,
                format!("extension step {number} needs a reason"),
            ));
        }
        if approved_by < step.approval {
            return Err(Error::clock_event(
                index,
                format!(
                    "extension step {number} needs approval by {} or higher, not {approved_by}",
                    step.approval
                ),
            ));
        }
        Ok(step.clone())
    }

    /// When the clock started.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// The period now in force, after extensions.
    pub fn period(&self) -> Period {
        self.period
    }

    /// How many extension steps were taken.
    pub fn n_extensions(&self) -> usize {
        self.n_extensions
    }

    /// The ladder step the next extension would take, if any is left.
    pub fn next_extension_step(&self) -> Option<&ExtensionStep> {
        self.rule.extension_ladder.as_ref()?.steps.get(self.n_extensions)
    }

    /// Since when the clock is paused, if it is.
    pub fn paused_since(&self) -> Option<DateTime<Utc>> {
        self.paused_since
    }

    /// When the clock stopped, if it did.
    pub fn stopped_at(&self) -> Option<DateTime<Utc>> {
        self.stopped_at
    }

    /// The due instant. While the clock is paused this is the deadline as if it resumed at
    /// the moment it paused: the earliest it can become; see [`SlaClock::due_if_resumed_at`].
    pub fn due(&self, calendar: &Calendar) -> Due {
        calendar.due_with_pauses(self.started_at, self.period, self.rule.end, &self.pauses)
    }

    /// The due instant if the current pause ends at `resumed_at` (the plain due instant when
    /// the clock is not paused).
    pub fn due_if_resumed_at(&self, calendar: &Calendar, resumed_at: DateTime<Utc>) -> Due {
        let mut pauses = self.pauses.clone();
        if let Some(paused_at) = self.paused_since {
            pauses.push((paused_at, resumed_at.max(paused_at)));
        }
        calendar.due_with_pauses(self.started_at, self.period, self.rule.end, &pauses)
    }

    /// True when the clock stopped at or before its due instant; `None` while it runs.
    pub fn met(&self, calendar: &Calendar) -> Option<bool> {
        self.stopped_at.map(|stopped_at| stopped_at <= self.due(calendar).at)
    }

    /// The state at `now`, from the events that happened at or before `now`. Before the
    /// clock has started it is `Running` with nothing elapsed.
    pub fn state_at(&self, calendar: &Calendar, now: DateTime<Utc>) -> ClockState {
        let happened: Vec<ClockEvent> = self.events.iter().filter(|event| event.at() <= now).cloned().collect();
        let Ok(clock) = SlaClock::from_events(self.rule.clone(), &happened) else {
            return ClockState::Running;
        };
        if clock.stopped_at.is_some() {
            return ClockState::Stopped;
        }
        let due = clock.due_if_resumed_at(calendar, now);
        if now > due.at {
            return ClockState::Breached;
        }
        if clock.paused_since.is_some() {
            return ClockState::Paused;
        }
        let allowed = clock.running_time_until(due.at);
        if allowed <= TimeDelta::zero() {
            return ClockState::Running;
        }
        let elapsed = clock.running_time_until(now).as_seconds_f64() / allowed.as_seconds_f64();
        match self.rule.warnings.iter().rev().find(|fraction| elapsed >= **fraction) {
            Some(fraction) => ClockState::Warned(*fraction),
            None => ClockState::Running,
        }
    }

    /// When each warning fraction is reached: the instant at which that fraction of the
    /// running (unpaused) wall-clock time from the start to the due instant has passed.
    pub fn warnings_at(&self, calendar: &Calendar) -> Vec<(f64, DateTime<Utc>)> {
        let due = self.due(calendar).at;
        let allowed = self.running_time_until(due).as_seconds_f64();
        self.rule
            .warnings
            .iter()
            .map(|fraction| {
                let nanos = (allowed * fraction * 1e9) as i64;
                (*fraction, self.instant_after_running(TimeDelta::nanoseconds(nanos)))
            })
            .collect()
    }

    /// The pauses, the open one ending at `until`.
    fn pauses_until(&self, until: DateTime<Utc>) -> Vec<Pause> {
        let mut pauses = self.pauses.clone();
        if let Some(paused_at) = self.paused_since {
            pauses.push((paused_at, until.max(paused_at)));
        }
        pauses
    }

    /// Running (unpaused) wall-clock time from the start to `until`.
    fn running_time_until(&self, until: DateTime<Utc>) -> TimeDelta {
        let mut running = until - self.started_at;
        for (paused_at, resumed_at) in self.pauses_until(until) {
            let overlap = resumed_at.min(until) - paused_at.min(until);
            running -= overlap.max(TimeDelta::zero());
        }
        running
    }

    /// The instant at which the clock has run for `amount` since its start.
    fn instant_after_running(&self, amount: TimeDelta) -> DateTime<Utc> {
        let mut segment_start = self.started_at;
        let mut remaining = amount;
        for (paused_at, resumed_at) in self.pauses_until(DateTime::<Utc>::MAX_UTC) {
            let segment = paused_at - segment_start;
            if remaining <= segment {
                break;
            }
            remaining -= segment;
            segment_start = resumed_at;
        }
        segment_start
            .checked_add_signed(remaining)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

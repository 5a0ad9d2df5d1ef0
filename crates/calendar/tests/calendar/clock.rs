//! SLA clocks: pauses, extension ladders, warnings, breach and replay.

use calendar::{
    ApprovalLevel, ClockEvent, ClockRule, ClockState, DeadlineKind, EndOf, PauseReason, Period, SlaClock, presets,
};
use chrono::{DateTime, Utc};

use crate::{cn, instant, local};

fn started(at: &str) -> ClockEvent {
    ClockEvent::Started { at: instant(at) }
}

fn paused(at: &str) -> ClockEvent {
    ClockEvent::Paused {
        at: instant(at),
        reason: PauseReason::AwaitingComplainant,
    }
}

fn resumed(at: &str) -> ClockEvent {
    ClockEvent::Resumed { at: instant(at) }
}

fn stopped(at: &str) -> ClockEvent {
    ClockEvent::Stopped { at: instant(at) }
}

fn extended(at: &str, reason: &str, approved_by: ApprovalLevel) -> ClockEvent {
    ClockEvent::Extended {
        at: instant(at),
        reason: reason.to_owned(),
        approved_by,
    }
}

fn working_days_rule(n: u32) -> ClockRule {
    ClockRule {
        pause_reasons: vec![PauseReason::AwaitingComplainant],
        warnings: vec![0.5, 0.8],
        ..ClockRule::new(Period::WorkingDays(n), EndOf::EndOfDay)
    }
}

fn due_text(clock: &SlaClock) -> String {
    local(cn(), clock.due(cn()).at)
}

#[test]
fn a_pause_adds_the_working_days_whose_end_it_covered() {
    // Mon 2 Mar 2026 + 5 working days = Mon 9 Mar.
    let plain = SlaClock::from_events(working_days_rule(5), &[started("2026-03-02T10:00:00+08:00")]).expect("valid");
    assert_eq!(due_text(&plain), "2026-03-09T23:59:59+08:00");
    // Paused Tue 15:00 to Thu 10:00: the pause covers the ends of Tuesday and Wednesday,
    // two working days, so the deadline moves two working days later, to Wed 11 Mar.
    let events = [
        started("2026-03-02T10:00:00+08:00"),
        paused("2026-03-03T15:00:00+08:00"),
        resumed("2026-03-05T10:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(working_days_rule(5), &events).expect("valid");
    assert_eq!(due_text(&clock), "2026-03-11T23:59:59+08:00");
    // A pause within one day covers no day's end and moves nothing.
    let events = [
        started("2026-03-02T10:00:00+08:00"),
        paused("2026-03-03T09:00:00+08:00"),
        resumed("2026-03-03T17:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(working_days_rule(5), &events).expect("valid");
    assert_eq!(due_text(&clock), "2026-03-09T23:59:59+08:00");
    // A pause over the National Day holiday covers only days off and 30 September:
    // one working day.
    let events = [
        started("2026-09-29T10:00:00+08:00"),
        paused("2026-09-30T16:00:00+08:00"),
        resumed("2026-10-08T09:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(working_days_rule(2), &events).expect("valid");
    // Without the pause: 30 Sep and 8 Oct. With it: 8 and 9 Oct.
    assert_eq!(due_text(&clock), "2026-10-09T23:59:59+08:00");
}

#[test]
fn a_return_pauses_any_rule_but_other_reasons_only_where_the_rule_lists_them() {
    // A rule that lists no pause reason at all: the organisation's `clock_on_return: pause`
    // still stops it while the case is back with the dispatcher.
    let rule = ClockRule {
        warnings: vec![0.8],
        ..ClockRule::new(Period::WorkingDays(5), EndOf::EndOfDay)
    };
    let returned = [
        started("2026-03-02T10:00:00+08:00"),
        ClockEvent::Paused {
            at: instant("2026-03-03T15:00:00+08:00"),
            reason: PauseReason::Returned,
        },
        resumed("2026-03-05T10:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(rule.clone(), &returned).expect("a return pauses any rule");
    assert_eq!(due_text(&clock), "2026-03-11T23:59:59+08:00");
    let waiting = [
        started("2026-03-02T10:00:00+08:00"),
        paused("2026-03-03T15:00:00+08:00"),
    ];
    let refused = SlaClock::from_events(rule, &waiting).expect_err("not a reason of this rule");
    assert!(refused.to_string().contains("awaiting_complainant"), "{refused}");
}

#[test]
fn a_pause_after_the_due_instant_does_not_move_it() {
    let events = [
        started("2026-03-02T10:00:00+08:00"),
        paused("2026-03-12T10:00:00+08:00"),
        resumed("2026-03-20T10:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(working_days_rule(5), &events).expect("valid");
    assert_eq!(due_text(&clock), "2026-03-09T23:59:59+08:00");
}

#[test]
fn clock_and_business_hour_pauses_add_the_time_they_covered() {
    let rule = ClockRule {
        pause_reasons: vec![PauseReason::AwaitingComplainant],
        ..ClockRule::new(Period::ClockHours(24), EndOf::Exact)
    };
    let events = [
        started("2026-03-02T10:00:00+08:00"),
        paused("2026-03-02T20:00:00+08:00"),
        resumed("2026-03-02T22:30:00+08:00"),
    ];
    let clock = SlaClock::from_events(rule, &events).expect("valid");
    assert_eq!(due_text(&clock), "2026-03-03T12:30:00+08:00");

    let rule = ClockRule {
        pause_reasons: vec![PauseReason::AwaitingComplainant],
        ..ClockRule::new(Period::BusinessHours(4), EndOf::Exact)
    };
    // Started 10:00, due 15:30 unpaused. Paused 11:00 (3 h of business time left),
    // resumed at 17:00: 1 h today, 2 h tomorrow from 09:00 → 11:00.
    let events = [
        started("2026-03-02T10:00:00+08:00"),
        paused("2026-03-02T11:00:00+08:00"),
        resumed("2026-03-02T17:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(rule, &events).expect("valid");
    assert_eq!(due_text(&clock), "2026-03-03T11:00:00+08:00");
}

#[test]
fn bank_2020_measures_exclude_appraisal_and_extend_step_by_step() {
    let policy = presets::get("bank_2020_measures").expect("preset");
    let rule = policy.clock_rule(DeadlineKind::Resolution, None).expect("rule");
    let start = "2026-03-02T10:00:00+08:00";
    // 15 calendar days; appraisal from 5 Mar 10:00 to 10 Mar 10:00 covers the ends of
    // 5–9 Mar: five days later.
    let events = vec![
        started(start),
        ClockEvent::Paused {
            at: instant("2026-03-05T10:00:00+08:00"),
            reason: PauseReason::ExternalAppraisal,
        },
        resumed("2026-03-10T10:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(rule.clone(), &events).expect("valid");
    assert_eq!(due_text(&clock), "2026-03-22T23:59:59+08:00");

    let mut extended_events = events.clone();
    extended_events.push(extended(
        "2026-03-12T10:00:00+08:00",
        "complex case",
        ApprovalLevel::DepartmentHead,
    ));
    let clock = SlaClock::from_events(rule.clone(), &extended_events).expect("valid");
    assert_eq!(clock.period(), Period::Days(30));
    assert_eq!(due_text(&clock), "2026-04-06T23:59:59+08:00");
    let next = clock.next_extension_step().expect("a second step");
    assert_eq!(next.approval, ApprovalLevel::SeniorManagement);
    assert!(next.notify_complainant);

    // The second step needs senior management.
    let mut too_low = extended_events.clone();
    too_low.push(extended(
        "2026-03-20T10:00:00+08:00",
        "special",
        ApprovalLevel::DepartmentHead,
    ));
    let error = SlaClock::from_events(rule.clone(), &too_low).expect_err("approval too low");
    assert_eq!(
        error.to_string(),
        "events[4]: extension step 2 needs approval by senior_management or higher, not department_head"
    );

    let mut second = extended_events.clone();
    second.push(extended(
        "2026-03-20T10:00:00+08:00",
        "special",
        ApprovalLevel::SeniorManagement,
    ));
    let clock = SlaClock::from_events(rule.clone(), &second).expect("valid");
    assert_eq!(clock.period(), Period::Days(60));
    assert_eq!(due_text(&clock), "2026-05-06T23:59:59+08:00");

    // No third step: 60 days is the cap.
    let mut third = second.clone();
    third.push(extended(
        "2026-03-21T10:00:00+08:00",
        "more",
        ApprovalLevel::SeniorManagement,
    ));
    let error = SlaClock::from_events(rule.clone(), &third).expect_err("past the cap");
    assert_eq!(
        error.to_string(),
        "events[5]: the extension ladder has no step 3: the cap is 60 days"
    );

    // A reason is required.
    let mut no_reason = events.clone();
    no_reason.push(extended(
        "2026-03-12T10:00:00+08:00",
        "  ",
        ApprovalLevel::SeniorManagement,
    ));
    let error = SlaClock::from_events(rule, &no_reason).expect_err("no reason");
    assert_eq!(error.to_string(), "events[3]: extension step 1 needs a reason");
}

#[test]
fn clocks_refuse_events_out_of_order_or_against_the_rule() {
    let rule = working_days_rule(5);
    let check = |events: &[ClockEvent], expected: &str| {
        let error = SlaClock::from_events(rule.clone(), events).expect_err(expected);
        assert_eq!(error.to_string(), expected);
    };
    check(&[], "events[0]: the first event must be `started`");
    check(
        &[paused("2026-03-02T10:00:00+08:00")],
        "events[0]: the first event must be `started`",
    );
    check(
        &[
            started("2026-03-02T10:00:00+08:00"),
            paused("2026-03-01T10:00:00+08:00"),
        ],
        "events[1]: happens before the event listed before it",
    );
    check(
        &[
            started("2026-03-02T10:00:00+08:00"),
            resumed("2026-03-03T10:00:00+08:00"),
        ],
        "events[1]: the clock is not paused",
    );
    check(
        &[
            started("2026-03-02T10:00:00+08:00"),
            paused("2026-03-03T10:00:00+08:00"),
            paused("2026-03-03T11:00:00+08:00"),
        ],
        "events[2]: the clock is already paused",
    );
    check(
        &[
            started("2026-03-02T10:00:00+08:00"),
            stopped("2026-03-03T10:00:00+08:00"),
            paused("2026-03-04T10:00:00+08:00"),
        ],
        "events[2]: the clock has already stopped",
    );
    check(
        &[
            started("2026-03-02T10:00:00+08:00"),
            ClockEvent::Paused {
                at: instant("2026-03-03T10:00:00+08:00"),
                reason: PauseReason::ExternalAppraisal,
            },
        ],
        "events[1]: this deadline does not pause for `external_appraisal`",
    );
    check(
        &[
            started("2026-03-02T10:00:00+08:00"),
            extended("2026-03-03T10:00:00+08:00", "why", ApprovalLevel::SeniorManagement),
        ],
        "events[1]: this deadline cannot be extended",
    );
}

#[test]
fn states_over_a_clocks_life() {
    // 5 working days from Mon 2 Mar 00:00 → due Mon 9 Mar 23:59:59 (about 8 days of clock).
    let events = [
        started("2026-03-02T00:00:00+08:00"),
        paused("2026-03-03T12:00:00+08:00"),
        resumed("2026-03-04T12:00:00+08:00"),
        stopped("2026-03-12T09:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(working_days_rule(5), &events).expect("valid");
    // The pause covered the end of Tuesday: due Tue 10 Mar.
    assert_eq!(due_text(&clock), "2026-03-10T23:59:59+08:00");
    let state = |at: &str| clock.state_at(cn(), instant(at));
    assert_eq!(state("2026-03-01T10:00:00+08:00"), ClockState::Running);
    assert_eq!(state("2026-03-02T10:00:00+08:00"), ClockState::Running);
    assert_eq!(state("2026-03-03T18:00:00+08:00"), ClockState::Paused);
    // Allowed running time: 9 days less a second, minus the 1-day pause; half is reached
    // half a second before Sat 7 Mar, four fifths 0.8 s before Mon 9 Mar 09:36.
    assert_eq!(state("2026-03-06T23:00:00+08:00"), ClockState::Running);
    assert_eq!(state("2026-03-07T01:00:00+08:00"), ClockState::Warned(0.5));
    assert_eq!(state("2026-03-09T10:00:00+08:00"), ClockState::Warned(0.8));
    assert_eq!(state("2026-03-11T00:00:00+08:00"), ClockState::Breached);
    assert_eq!(state("2026-03-12T09:00:00+08:00"), ClockState::Stopped);
    assert_eq!(clock.met(cn()), Some(false));
    let warnings: Vec<(f64, String)> = clock
        .warnings_at(cn())
        .into_iter()
        .map(|(fraction, at)| (fraction, local(cn(), at)))
        .collect();
    assert_eq!(warnings[0], (0.5, "2026-03-06T23:59:59.500+08:00".to_owned()));
    assert_eq!(warnings[1].1, "2026-03-09T09:35:59.200+08:00");
}

#[test]
fn an_open_pause_holds_the_deadline_and_never_breaches_on_its_own() {
    let events = [
        started("2026-03-02T10:00:00+08:00"),
        paused("2026-03-03T10:00:00+08:00"),
    ];
    let clock = SlaClock::from_events(working_days_rule(2), &events).expect("valid");
    // As if resumed at the moment it paused: Wed 4 Mar.
    assert_eq!(due_text(&clock), "2026-03-04T23:59:59+08:00");
    let later = clock.due_if_resumed_at(cn(), instant("2026-03-10T10:00:00+08:00"));
    // The pause covered the ends of 3, 4, 5, 6 (working) and 7, 8 (weekend), 9 (working):
    // five working days → 4 Mar + 5 working days = Wed 11 Mar.
    assert_eq!(local(cn(), later.at), "2026-03-11T23:59:59+08:00");
    assert_eq!(
        clock.state_at(cn(), instant("2026-03-20T10:00:00+08:00")),
        ClockState::Paused
    );
    assert_eq!(clock.paused_since(), Some(instant("2026-03-03T10:00:00+08:00")));
    assert_eq!(clock.met(cn()), None);
}

#[test]
fn replaying_the_same_events_gives_the_same_deadlines() {
    let policy = presets::get("service_commitment").expect("preset");
    let events = [
        started("2026-09-28T10:00:00+08:00"),
        paused("2026-09-29T10:00:00+08:00"),
        resumed("2026-10-09T10:00:00+08:00"),
    ];
    let first = SlaClock::from_events(
        policy.clock_rule(DeadlineKind::Resolution, None).expect("rule"),
        &events,
    )
    .expect("valid");
    let again = SlaClock::from_events(
        policy.clock_rule(DeadlineKind::Resolution, None).expect("rule"),
        &events,
    )
    .expect("valid");
    assert_eq!(first.due(cn()), again.due(cn()));
    let at: DateTime<Utc> = instant("2026-10-01T10:00:00+08:00");
    assert_eq!(first.state_at(cn(), at), again.state_at(cn(), at));
    // The pause covered 29 and 30 Sep, the holiday, and 8 Oct: three working days.
    let unpaused = cn().due(
        instant("2026-09-28T10:00:00+08:00"),
        Period::WorkingDays(15),
        EndOf::EndOfDay,
    );
    assert_eq!(local(cn(), unpaused.at), "2026-10-23T23:59:59+08:00");
    assert_eq!(due_text(&first), "2026-10-28T23:59:59+08:00");
}

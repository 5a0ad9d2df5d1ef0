//! The filing calendar and the filing log: a reminder a week before the half-year pack is due
//! and again once it is overdue, each once; a filed pack logged with its version, author and
//! time and announced to the staff who file it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use domain::clock::ManualClock;
use rpc::analytics::v1::{FileRequest, GetFilingRequest, ListFilingsRequest, ObligationRequest};
use rpc::events::v1::{ReportDue, ReportReady};
use runtime::grpc::with_tenant;
use testkit::stores::StoreTarget;

use crate::Running;
use crate::generate::{self, Stream, TENANT};

/// The events analytics published on one subject kind, decoded.
async fn published<T: prost::Message + Default>(running: &Running, event: &str) -> Vec<T> {
    let filter = format!("redress.{TENANT}.analytics.{event}.*");
    running
        .log
        .read_subject(&filter, 0, 1000)
        .await
        .expect("the log reads")
        .into_iter()
        .map(|(_, message)| T::decode(message.payload.as_ref()).expect("decodes"))
        .collect()
}

fn obligation(report: &str, unit: &str, staff: &str) -> ObligationRequest {
    ObligationRequest {
        report: report.into(),
        unit: unit.into(),
        staff: vec![staff.into()],
        entered_by: "admin".into(),
    }
}

testkit::on_both_backends!(the_filing_calendar_reminds_once_per_stage_and_every_filing_is_logged_and_announced);

async fn the_filing_calendar_reminds_once_per_stage_and_every_filing_is_logged_and_announced(target: &StoreTarget) {
    // Thursday 24 July 2025, 10:00 in Beijing: the first half's pack is due by 30 July.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2025, 7, 24, 2, 0, 0).single().expect("valid"),
    ));
    let running = Running::start_with(target, "analytics.db", clock.clone(), Duration::from_millis(100)).await;
    running.publish(&Stream::of(&generate::cases(600, 3)).events).await;
    running.caught_up().await;
    let client = || running.client.clone();
    for request in [
        obligation("half_year", "north", "north-crm"),
        obligation("half_year", "south", "south-crm"),
        obligation("monthly", "n1", "n1-crm"),
    ] {
        client()
            .enter_obligation(with_tenant(TENANT, request))
            .await
            .expect("entered");
    }
    let refused = client()
        .enter_obligation(with_tenant(TENANT, obligation("weekly", "n1", "n1-crm")))
        .await
        .expect_err("no weekly report");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(refused.message().contains("report"), "{refused:?}");

    // A week before: both branches' half-year packs are due; the monthly statistics of June
    // (due 10 July) are overdue.
    let due = testkit::wait_until(Duration::from_secs(30), || async {
        let due: Vec<ReportDue> = published(&running, "report.due").await;
        (due.len() >= 3).then_some(due)
    })
    .await
    .expect("three reminders");
    let mut seen: Vec<(String, String, String, bool, Vec<String>)> = due
        .iter()
        .map(|d| {
            (
                d.report.clone(),
                d.period.clone(),
                d.unit.clone(),
                d.overdue,
                d.staff.clone(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            (
                "half_year".into(),
                "2025-H1".into(),
                "north".into(),
                false,
                vec!["north-crm".into()]
            ),
            (
                "half_year".into(),
                "2025-H1".into(),
                "south".into(),
                false,
                vec!["south-crm".into()]
            ),
            (
                "monthly".into(),
                "2025-06".into(),
                "n1".into(),
                true,
                vec!["n1-crm".into()]
            ),
        ]
    );
    let north = due.iter().find(|d| d.unit == "north").expect("north");
    assert_eq!(
        north.due_at, "2025-07-30T16:00:00.000000Z",
        "the end of 30 July in Beijing"
    );

    // North files its pack twice: two versions, logged with who and when, each announced.
    let file = |by: &str| FileRequest {
        report: "half_year".into(),
        period: "2025-H1".into(),
        unit: "north".into(),
        filed_by: by.into(),
    };
    let first = client()
        .file_report(with_tenant(TENANT, file("north-crm")))
        .await
        .expect("filed")
        .into_inner();
    clock.advance(chrono::Duration::hours(2));
    let second = client()
        .file_report(with_tenant(TENANT, file("north-head")))
        .await
        .expect("filed")
        .into_inner();
    assert_eq!((first.version, second.version), (1, 2));
    assert_eq!(first.filed_at, "2025-07-24T02:00:00.000000Z");
    assert_eq!(
        (second.filed_by.as_str(), second.filed_at.as_str()),
        ("north-head", "2025-07-24T04:00:00.000000Z")
    );
    let log = client()
        .list_filings(with_tenant(
            TENANT,
            ListFilingsRequest {
                unit: "north".into(),
                period: String::new(),
            },
        ))
        .await
        .expect("the log")
        .into_inner()
        .filings;
    assert_eq!(
        log.iter().map(|f| f.version).collect::<Vec<_>>(),
        vec![2, 1],
        "newest first"
    );
    let file = client()
        .get_filing(with_tenant(
            TENANT,
            GetFilingRequest {
                id: first.id.clone(),
                format: "docx".into(),
            },
        ))
        .await
        .expect("the file")
        .into_inner();
    assert_eq!(file.filename, "half_year-2025-H1-north-v1.docx");
    assert_eq!(&file.content[..2], b"PK", "a DOCX is a zip");
    let ready = testkit::wait_until(Duration::from_secs(30), || async {
        let ready: Vec<ReportReady> = published(&running, "report.ready").await;
        (ready.len() == 2).then_some(ready)
    })
    .await
    .expect("two announcements");
    assert_eq!(ready.iter().map(|r| r.version).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(ready[0].staff, vec!["north-crm".to_owned()]);
    assert_eq!(ready[0].link, format!("/api/v1/analytics/filings/{}/xlsx", first.id));
    let wrong = FileRequest {
        report: "half_year".into(),
        period: "2025-06".into(),
        unit: "north".into(),
        filed_by: "north-crm".into(),
    };
    let refused = client()
        .file_report(with_tenant(TENANT, wrong))
        .await
        .expect_err("a month is not a half");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(refused.message().contains("period"), "{refused:?}");

    // 1 August: south has not filed, so it is overdue; north filed, so it is not. Nothing is
    // raised twice however often the calendar is read.
    clock.advance(chrono::Duration::days(8));
    let due = testkit::wait_until(Duration::from_secs(30), || async {
        let due: Vec<ReportDue> = published(&running, "report.due").await;
        (due.len() >= 4).then_some(due)
    })
    .await
    .expect("a fourth reminder");
    let overdue = due.last().expect("the last");
    assert_eq!((overdue.unit.as_str(), overdue.overdue), ("south", true));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(published::<ReportDue>(&running, "report.due").await.len(), 4);
    running.stop().await;
}

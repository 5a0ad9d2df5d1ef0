//! The platform tables every service store has: migrations, the outbox sequence, inbox marks,
//! history and the audit chain.

use bus::consumer::{Inbox, Mark};
use bus::relay::OutboxSource;
use bytes::Bytes;
use store::audit::{self, AuditEntry, Verdict};
use store::{Db, Migration, NewEvent, OpenOptions, Origin, SqliteInbox, SqliteOutbox};
use uuid::Uuid;

const SERVICE: &[Migration] = &[Migration {
    version: 100,
    name: "demo",
    sql: "CREATE TABLE demo (id INTEGER PRIMARY KEY);",
}];

async fn open(dir: &tempfile::TempDir) -> Db {
    Db::open(&dir.path().join("demo.db"), SERVICE, OpenOptions::default())
        .await
        .expect("opens")
}

fn origin() -> Origin {
    Origin {
        source: "demo",
        occurred_at: chrono::Utc::now(),
        causation_id: None,
        correlation_id: None,
        traceparent: None,
    }
}

fn new_event(case_id: Uuid) -> NewEvent {
    NewEvent {
        tenant: "default".into(),
        event_type: "case.noted",
        case_id,
        payload: Bytes::from_static(b"x"),
    }
}

#[tokio::test]
async fn sequences_are_gapless_per_case_and_the_outbox_drains_in_order() {
    let dir = tempfile::tempdir().expect("dir");
    let db = open(&dir).await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let mut tx = db.begin().await.expect("tx");
    let written = store::messaging::append_events(
        &mut tx,
        &origin(),
        vec![new_event(a), new_event(b), new_event(a), new_event(a)],
    )
    .await
    .expect("appended");
    db.commit(tx).await.expect("committed");
    let seqs: Vec<(Uuid, u64)> = written.iter().map(|e| (e.case_id, e.source_seq)).collect();
    assert_eq!(seqs, vec![(a, 1), (b, 1), (a, 2), (a, 3)]);
    let outbox = SqliteOutbox(db.clone());
    let claimed = outbox.claim(10).await.expect("claimed");
    assert_eq!(
        claimed.iter().map(|r| r.envelope.event_id).collect::<Vec<_>>(),
        written.iter().map(|e| e.event_id).collect::<Vec<_>>()
    );
    outbox
        .remove(&claimed.iter().map(|r| r.id).collect::<Vec<_>>())
        .await
        .expect("removed");
    assert!(outbox.claim(10).await.expect("claimed").is_empty());
    // A rolled-back transaction leaves no sequence behind.
    let mut tx = db.begin().await.expect("tx");
    store::messaging::append_events(&mut tx, &origin(), vec![new_event(a)])
        .await
        .expect("appended");
    drop(tx);
    let mut tx = db.begin().await.expect("tx");
    let next = store::messaging::append_events(&mut tx, &origin(), vec![new_event(a)])
        .await
        .expect("appended");
    db.commit(tx).await.expect("committed");
    assert_eq!(next[0].source_seq, 4);
}

#[tokio::test]
async fn marks_only_move_forward_and_failures_count() {
    let dir = tempfile::tempdir().expect("dir");
    let db = open(&dir).await;
    let case = Uuid::now_v7();
    let mut tx = db.begin().await.expect("tx");
    let mark = |seq| Mark {
        case_id: case,
        producer: "intake".into(),
        seq,
    };
    store::messaging::advance_marks(&mut tx, "routing", &[mark(3)])
        .await
        .expect("advanced");
    store::messaging::advance_marks(&mut tx, "routing", &[mark(2)])
        .await
        .expect("not moved back");
    db.commit(tx).await.expect("committed");
    let inbox = SqliteInbox(db.clone());
    let marks = inbox
        .marks("routing", &[(case, "intake".into()), (Uuid::now_v7(), "intake".into())])
        .await
        .expect("marks");
    assert_eq!(marks.get(&(case, "intake".to_owned())), Some(&3));
    assert_eq!(marks.len(), 1);
    let event = Uuid::now_v7();
    assert_eq!(
        inbox.record_failure("routing", event, "boom").await.expect("counted"),
        1
    );
    assert_eq!(
        inbox.record_failure("routing", event, "boom").await.expect("counted"),
        2
    );
    assert_eq!(
        inbox.record_failure("analytics", event, "boom").await.expect("counted"),
        1
    );
}

#[tokio::test]
async fn an_edited_migration_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("dir");
    open(&dir).await.close().await;
    let edited: &[Migration] = &[Migration {
        version: 100,
        name: "demo",
        sql: "CREATE TABLE demo (id INTEGER PRIMARY KEY, x TEXT);",
    }];
    let error = Db::open(&dir.path().join("demo.db"), edited, OpenOptions::default())
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("append-only"), "{error}");
    // The original still opens, and a new migration is applied on top.
    let extended: &[Migration] = &[
        SERVICE[0],
        Migration {
            version: 101,
            name: "more",
            sql: "ALTER TABLE demo ADD COLUMN x TEXT;",
        },
    ];
    Db::open(&dir.path().join("demo.db"), extended, OpenOptions::default())
        .await
        .expect("extended");
}

#[tokio::test]
async fn the_audit_chain_detects_an_altered_and_a_removed_entry() {
    let dir = tempfile::tempdir().expect("dir");
    let db = open(&dir).await;
    for n in 0..4 {
        let mut tx = db.begin().await.expect("tx");
        let subject = format!("case-{n}");
        audit::append(
            &mut tx,
            &AuditEntry {
                tenant: "default",
                at: chrono::Utc::now(),
                actor: "notification",
                action: "contact.released",
                subject: &subject,
                detail_json: "{}",
            },
        )
        .await
        .expect("appended");
        db.commit(tx).await.expect("committed");
    }
    assert_eq!(
        audit::verify(&db).await.expect("verified"),
        Verdict::Intact { entries: 4 }
    );
    sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2")
        .execute(db.writer())
        .await
        .expect("tampered");
    match audit::verify(&db).await.expect("verified") {
        Verdict::Broken { entry_id, reason, .. } => {
            assert_eq!(entry_id, 2);
            assert!(reason.contains("altered"), "{reason}");
        }
        other => panic!("tampering went unnoticed: {other:?}"),
    }
    sqlx::query("UPDATE audit_log SET actor = 'notification' WHERE id = 2")
        .execute(db.writer())
        .await
        .expect("restored");
    sqlx::query("DELETE FROM audit_log WHERE id = 3")
        .execute(db.writer())
        .await
        .expect("removed");
    assert!(matches!(
        audit::verify(&db).await.expect("verified"),
        Verdict::Broken { entry_id: 4, .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_dropped_while_beginning_does_not_poison_the_writer() {
    let dir = tempfile::tempdir().expect("dir");
    let db = open(&dir).await;
    for micros in 0..300u64 {
        // Drop the begin at every point of its await, as a hung-up gRPC client would.
        let _ = tokio::time::timeout(std::time::Duration::from_micros(micros % 50), db.begin()).await;
    }
    let mut tx = db.begin().await.expect("the writer still begins");
    store::messaging::append_events(&mut tx, &origin(), vec![new_event(Uuid::now_v7())])
        .await
        .expect("writes");
    db.commit(tx).await.expect("commits");
}

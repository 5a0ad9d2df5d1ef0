//! The platform tables every service store has: migrations, the outbox sequence, inbox marks,
//! history and the audit chain — each test on SQLite and on PostgreSQL.

use bus::consumer::{Inbox, Mark};
use bus::relay::OutboxSource;
use bytes::Bytes;
use store::audit::{self, AuditEntry, Verdict};
use store::{Backend, Db, Error, Migration, NewEvent, OpenOptions, Origin, StoreInbox, StoreOutbox};
use testkit::stores::StoreTarget;
use uuid::Uuid;

const SERVICE: &[Migration] = &[Migration {
    version: 100,
    name: "demo",
    sqlite: "CREATE TABLE demo (id INTEGER PRIMARY KEY);",
    postgres: "CREATE TABLE demo (id BIGINT PRIMARY KEY);",
}];

async fn open(target: &StoreTarget, migrations: &[Migration]) -> Result<Db, Error> {
    Db::connect(&target.url("demo.db"), migrations, OpenOptions::default()).await
}

testkit::on_both_backends!(
    sequences_are_gapless_per_case_and_the_outbox_drains_in_order,
    marks_only_move_forward_and_failures_count,
    an_edited_migration_is_refused_at_start,
    the_audit_chain_detects_an_altered_and_a_removed_entry,
    a_caller_dropped_while_beginning_does_not_poison_the_writer,
    two_relays_on_one_outbox_publish_each_row_once_in_order,
);

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

async fn sequences_are_gapless_per_case_and_the_outbox_drains_in_order(target: &StoreTarget) {
    let db = open(target, SERVICE).await.expect("opens");
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
    let outbox = StoreOutbox::new(db.clone());
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

async fn marks_only_move_forward_and_failures_count(target: &StoreTarget) {
    let db = open(target, SERVICE).await.expect("opens");
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
    db.commit(tx).await.expect("committed");
    // Moving a mark back (or to where it is) means another replica got there first: the
    // transaction is refused, so nothing it wrote beside the mark survives.
    for stale in [2, 3] {
        let mut tx = db.begin().await.expect("tx");
        let error = store::messaging::advance_marks(&mut tx, "routing", &[mark(stale)])
            .await
            .expect_err("a mark does not move back");
        assert!(matches!(error, Error::Conflict(_)), "{error}");
    }
    let inbox = StoreInbox(db.clone());
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

async fn an_edited_migration_is_refused_at_start(target: &StoreTarget) {
    open(target, SERVICE).await.expect("opens").close().await;
    let edited: &[Migration] = &[Migration {
        version: 100,
        name: "demo",
        sqlite: "CREATE TABLE demo (id INTEGER PRIMARY KEY, x TEXT);",
        postgres: "CREATE TABLE demo (id BIGINT PRIMARY KEY, x TEXT);",
    }];
    let error = open(target, edited).await.expect_err("refused");
    assert!(error.to_string().contains("append-only"), "{error}");
    // The original still opens, and a new migration is applied on top.
    let extended: &[Migration] = &[
        SERVICE[0],
        Migration {
            version: 101,
            name: "more",
            sqlite: "ALTER TABLE demo ADD COLUMN x TEXT;",
            postgres: "ALTER TABLE demo ADD COLUMN x TEXT;",
        },
    ];
    let db = open(target, extended).await.expect("extended");
    sqlx::query("INSERT INTO demo (id, x) VALUES (1, 'y')")
        .execute(db.writer())
        .await
        .expect("the new column exists");
}

async fn the_audit_chain_detects_an_altered_and_a_removed_entry(target: &StoreTarget) {
    let db = open(target, SERVICE).await.expect("opens");
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
    let listed = audit::entries(&db, "default").await.expect("listed");
    let subjects: Vec<&str> = listed.iter().map(|e| e.subject.as_str()).collect();
    assert_eq!(subjects, ["case-0", "case-1", "case-2", "case-3"]);
    assert!(
        listed
            .iter()
            .all(|e| e.action == "contact.released" && e.hash.len() == 64)
    );
    assert!(audit::entries(&db, "other").await.expect("listed").is_empty());
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

async fn a_caller_dropped_while_beginning_does_not_poison_the_writer(target: &StoreTarget) {
    let db = open(target, SERVICE).await.expect("opens");
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

/// Two relays (replicas) drain one outbox concurrently: every row is published once, and the
/// rows of each case in sequence order.
async fn two_relays_on_one_outbox_publish_each_row_once_in_order(target: &StoreTarget) {
    let db = open(target, SERVICE).await.expect("opens");
    let cases: Vec<Uuid> = (0..20).map(|_| Uuid::now_v7()).collect();
    for _ in 0..30 {
        let mut tx = db.begin().await.expect("tx");
        let events = cases.iter().map(|case| new_event(*case)).collect();
        store::messaging::append_events(&mut tx, &origin(), events)
            .await
            .expect("appended");
        db.commit(tx).await.expect("committed");
    }
    // SQLite has one relay per file by design; PostgreSQL replicas share the outbox.
    let relays = if db.backend() == Backend::Postgres { 2 } else { 1 };
    let published = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::<(Uuid, u64)>::new()));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..relays {
        let outbox = StoreOutbox::new(db.clone());
        let published = published.clone();
        tasks.spawn(async move {
            loop {
                let rows = outbox.claim(25).await.expect("claimed");
                if rows.is_empty() {
                    return;
                }
                // "Publishing" while holding the claim: appended under the same lock order.
                published
                    .lock()
                    .await
                    .extend(rows.iter().map(|row| (row.envelope.case_id, row.envelope.source_seq)));
                tokio::task::yield_now().await;
                let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
                outbox.remove(&ids).await.expect("removed");
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("relay task");
    }
    let published = published.lock().await.clone();
    assert_eq!(published.len(), 600, "every row published exactly once");
    for case in &cases {
        let seqs: Vec<u64> = published.iter().filter(|(c, _)| c == case).map(|(_, s)| *s).collect();
        assert_eq!(seqs, (1..=30).collect::<Vec<u64>>(), "case {case} in order, once each");
    }
}

//! Routing's store on both backends: versioned documents (organisation, catalog, rules), the
//! version in force at an instant, old versions readable.

use routing::store::{self as routing_store, DocumentKind};
use store::{Db, OpenOptions};
use testkit::stores::StoreTarget;

async fn open(target: &StoreTarget) -> Db {
    Db::connect(
        &target.url("routing.db"),
        routing_store::MIGRATIONS,
        OpenOptions::default(),
    )
    .await
    .expect("opens")
}

testkit::on_both_backends!(rule_versions_apply_from_their_publication_and_old_ones_stay_readable);

async fn rule_versions_apply_from_their_publication_and_old_ones_stay_readable(target: &StoreTarget) {
    let db = open(target).await;
    let publish = |body: &'static str, at: &'static str| {
        let db = db.clone();
        async move {
            let mut tx = db.begin().await.expect("tx");
            let version = routing_store::publish(&mut tx, "bank", DocumentKind::Rules, body, "admin", "test", at)
                .await
                .expect("published");
            db.commit(tx).await.expect("committed");
            version
        }
    };
    assert_eq!(publish(r#"{"v":1}"#, "2026-11-01T00:00:00.000000Z").await, 1);
    assert_eq!(publish(r#"{"v":2}"#, "2026-11-20T08:00:00.000000Z").await, 2);
    let in_force = |at: &'static str| {
        let db = db.clone();
        async move {
            routing_store::in_force(&db, "bank", DocumentKind::Rules, at)
                .await
                .expect("read")
                .map(|d| d.version)
        }
    };
    assert_eq!(in_force("2026-10-31T23:59:59.000000Z").await, None, "before the first");
    assert_eq!(
        in_force("2026-11-20T07:59:59.999999Z").await,
        Some(1),
        "registered before the change"
    );
    assert_eq!(
        in_force("2026-11-20T08:00:00.000000Z").await,
        Some(2),
        "registered after it"
    );
    let old = routing_store::version(&db, "bank", DocumentKind::Rules, 1)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(old.body_json, r#"{"v":1}"#);
    // Another tenant and another kind number their own versions.
    let mut tx = db.begin().await.expect("tx");
    let other = routing_store::publish(
        &mut tx,
        "dealer",
        DocumentKind::Rules,
        "{}",
        "admin",
        "",
        "2026-11-21T00:00:00.000000Z",
    )
    .await
    .expect("published");
    let catalog = routing_store::publish(
        &mut tx,
        "bank",
        DocumentKind::Catalog,
        "{}",
        "admin",
        "",
        "2026-11-21T00:00:00.000000Z",
    )
    .await
    .expect("published");
    db.commit(tx).await.expect("committed");
    assert_eq!((other, catalog), (1, 1));
}

//! Rebuilding analytics from the stream gives byte-identical tables.

use std::sync::Arc;
use std::time::Duration;

use rpc::analytics::v1::DenominatorRequest;
use runtime::grpc::with_tenant;
use store::{Db, OpenOptions};
use testkit::stores::{Backend, StoreTarget};

use crate::generate::{self, Stream, TENANT};
use crate::{PARTITIONS, Running};

testkit::on_both_backends!(rebuilding_from_the_stream_gives_byte_identical_tables);

async fn rebuilding_from_the_stream_gives_byte_identical_tables(target: &StoreTarget) {
    let cases = generate::cases(2_000, 7);
    let stream = Stream::of(&cases);
    let running = Running::start(target, "analytics.db").await;
    let request = DenominatorRequest {
        unit: "n1".into(),
        year: 2025,
        customers: 120_000,
        outlets: 3,
        entered_by: "admin".into(),
    };
    running
        .client
        .clone()
        .enter_denominator(with_tenant(TENANT, request))
        .await
        .expect("entered");
    running.publish(&stream.events).await;
    running.caught_up().await;
    let live = Db::connect(
        &target.url("analytics.db"),
        analytics::store::MIGRATIONS,
        OpenOptions::default(),
    )
    .await
    .expect("the live store");
    let before = analytics::rebuild::digests(&live).await.expect("digests");
    let rows = |table: &str| before.iter().find(|d| d.table == table).expect(table).rows;
    assert_eq!(rows("case_facts"), 2_000);
    assert!(
        rows("callback_scores") > 0 && rows("organisations") == 1 && rows("denominators") == 1,
        "{before:?}"
    );

    // Into a fresh store of the same backend.
    let other = match target {
        StoreTarget::Sqlite(_) => None,
        StoreTarget::Postgres(_) => Some(StoreTarget::new(Backend::Postgres, "rebuilt").expect("a second database")),
    };
    let url = other.as_ref().unwrap_or(target).url("rebuilt.db");
    let rebuilt = analytics::rebuild::rebuild(
        Arc::new(running.log.clone()),
        PARTITIONS,
        &url,
        &live,
        Arc::new(domain::SystemClock),
        Duration::from_secs(120),
    )
    .await
    .expect("rebuilt");
    assert!(
        rebuilt.consumer.starts_with("analytics-rebuild-"),
        "{}",
        rebuilt.consumer
    );
    assert_eq!(
        rebuilt.digests, before,
        "the rebuilt tables equal the live ones, byte for byte"
    );

    // Rebuilding into a store that already holds figures is refused.
    let refused = analytics::rebuild::rebuild(
        Arc::new(running.log.clone()),
        PARTITIONS,
        &url,
        &live,
        Arc::new(domain::SystemClock),
        Duration::from_secs(10),
    )
    .await;
    assert!(refused.is_err_and(|e| e.to_string().contains("already holds")));
    live.close().await;
    running.stop().await;
}

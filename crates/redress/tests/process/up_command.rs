//! `redress up` as CONTRACT.md describes it.

use std::process::Command;

use crate::harness::{ADMIN_TOKEN, Product};

#[test]
fn a_second_process_on_the_same_directory_is_refused_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut first = Product::start(dir.path(), &[]);
    let second = Command::new(env!("CARGO_BIN_EXE_redress"))
        .args([
            "up",
            "--http",
            "127.0.0.1:0",
            "--admin-token",
            ADMIN_TOKEN,
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .expect("second runs");
    assert!(!second.status.success());
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(message.contains("another redress process"), "{message}");
    let status = first.signal("TERM");
    assert!(status.success(), "SIGTERM is a clean shutdown: {status}");
    // The directory is free again and the product continues where it stopped.
    let mut again = Product::start(dir.path(), &[]);
    assert!(again.signal("INT").success());
}

#[test]
fn first_start_creates_an_admin_token_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_redress"))
        .args(["up", "--http", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .env_remove("REDRESS_ADMIN_TOKEN")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let token_path = dir.path().join("admin-token");
    let found = testkit::wait_until_blocking(std::time::Duration::from_secs(60), || token_path.exists().then_some(()));
    let _ = child.kill();
    let _ = child.wait();
    assert!(found.is_some(), "an admin token file is created on first start");
    let token = std::fs::read_to_string(&token_path).expect("readable");
    assert!(token.trim().len() >= 16);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn calendar_due_prints_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_redress"))
        .args([
            "calendar",
            "due",
            "--calendar",
            "cn",
            "--start",
            "2026-09-30T10:00:00+08:00",
            "--working-days",
            "2",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.lines().count(), 1);
    // 2026: National Day 1–7 October off (Saturday 10 October is worked). The start day does not
    // count: two working days after Wednesday 30 September are Thursday 8 and Friday 9 October.
    assert_eq!(text.trim(), "2026-10-09T23:59:59+08:00");
}

#[test]
fn an_administrator_loads_next_years_notice_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("cn-2027.json");
    std::fs::write(
        &good,
        r#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#,
    )
    .expect("written");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-13-01", "isOffDay": true}]}"#,
    )
    .expect("written");
    let data_dir = dir.path().join("data");
    let load = |file: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_redress"))
            .args([
                "admin",
                "calendar",
                "load-notice",
                "--calendar",
                "cn",
                "--year",
                "2027",
                "--data-dir",
            ])
            .arg(&data_dir)
            .arg("--file")
            .arg(file)
            .output()
            .expect("runs")
    };
    let refused = load(&bad);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("2027-13-01") || message.contains("date"), "{message}");
    assert!(
        !data_dir.join("calendars/cn-2027.json").exists(),
        "a refused notice is not kept"
    );
    let kept = load(&good);
    assert!(kept.status.success(), "{}", String::from_utf8_lossy(&kept.stderr));
    assert!(data_dir.join("calendars/cn-2027.json").exists());
    // The product computes with it: two working days after Thursday 31 December 2026 skip the
    // new holiday (Friday 1 January 2027) and the weekend.
    let due = Command::new(env!("CARGO_BIN_EXE_redress"))
        .args([
            "calendar",
            "due",
            "--calendar",
            "cn",
            "--start",
            "2026-12-31T10:00:00+08:00",
            "--working-days",
            "2",
        ])
        .arg("--data-dir")
        .arg(&data_dir)
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&due.stdout).trim(), "2027-01-05T23:59:59+08:00");
}

#[test]
fn an_administrator_loads_a_hong_kong_calendar() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("hk.json");
    std::fs::write(
        &file,
        r#"{"id": "hk", "name": "Hong Kong (test data)", "time_zone": "Asia/Hong_Kong",
            "working_weekdays": ["mon", "tue", "wed", "thu", "fri"], "business_hours": ["09:00-13:00", "14:00-17:30"],
            "published_from": 2026, "published_through": 2026,
            "days": [{"date": "2026-10-01", "name": "National Day", "isOffDay": true}]}"#,
    )
    .expect("written");
    let data_dir = dir.path().join("data");
    let loaded = Command::new(env!("CARGO_BIN_EXE_redress"))
        .args(["admin", "calendar", "load", "--data-dir"])
        .arg(&data_dir)
        .arg("--file")
        .arg(&file)
        .output()
        .expect("runs");
    assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
    let due = |calendar: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_redress"))
            .args([
                "calendar",
                "due",
                "--calendar",
                calendar,
                "--start",
                "2026-09-30T10:00:00+08:00",
                "--working-days",
                "2",
            ])
            .arg("--data-dir")
            .arg(&data_dir)
            .output()
            .expect("runs");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    // Hong Kong is off on 1 October only (this test data): 2 and 5 October; the mainland works 8 and 9.
    assert_eq!(due("hk"), "2026-10-05T23:59:59+08:00");
    assert_eq!(due("cn"), "2026-10-09T23:59:59+08:00");
}

async fn get_json(base_url: &str, path: &str) -> serde_json::Value {
    crate::harness::client()
        .get(format!("{base_url}{path}"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json")
}

/// Cases analytics counted for the default tenant from yesterday to tomorrow (Beijing time).
async fn counted(base_url: &str) -> u64 {
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let today = chrono::Utc::now().with_timezone(&beijing).date_naive();
    let (from, to) = (today.pred_opt().expect("a day"), today.succ_opt().expect("a day"));
    let report = get_json(base_url, &format!("/api/v1/analytics/kpis?from={from}&to={to}")).await;
    report["by_channel"].as_object().map_or(0, |channels| {
        channels.values().filter_map(|c| c["count"].as_u64()).sum()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_with_demo_publishes_the_dealer_group_and_the_bank_and_registers_their_cases_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut product = Product::start_with(dir.path(), &[], &["--demo"]);
    let said = product.startup_lines.join("\n");
    assert!(
        said.contains("demo: 6 documents published, 6 demonstration cases registered"),
        "{said}"
    );
    let base = product.base_url.clone();
    // The administrator's tenant holds the dealership group, its rules and the dealer tree.
    let org = get_json(&base, "/api/v1/org").await;
    assert_eq!(org["version"], 1, "{org}");
    let units = org["body"]["units"].as_array().expect("units");
    let stores = units.iter().filter(|u| u["kind"] == "store").count();
    assert_eq!(stores, 6, "six 4S stores: {org}");
    let rules = get_json(&base, "/api/v1/routing/rules").await;
    assert_eq!(rules["version"], 1, "{rules}");
    let catalog = get_json(&base, "/api/v1/catalog").await;
    assert_eq!(catalog["body"]["sector"], "dealer", "{catalog}");
    // Four of the six cases are the dealership group's; the bank's two are in tenant `bank`.
    let four = testkit::wait_until(std::time::Duration::from_secs(20), || async {
        (counted(&base).await == 4).then_some(())
    })
    .await;
    assert!(
        four.is_some(),
        "analytics counts the group's four cases: {}",
        counted(&base).await
    );
    assert!(product.signal("TERM").success());

    // Again on the same directory: nothing more is published or registered.
    let mut again = Product::start_with(dir.path(), &[], &["--demo"]);
    let said = again.startup_lines.join("\n");
    assert!(
        said.contains("demo: 0 documents published, 0 demonstration cases registered"),
        "{said}"
    );
    assert_eq!(counted(&again.base_url).await, 4);
    assert!(again.signal("INT").success());
}

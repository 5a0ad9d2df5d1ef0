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
fn demo_cases_are_seeded_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut first = Product::start_with(dir.path(), &[], &["--demo"]);
    assert!(
        first
            .startup_lines
            .iter()
            .any(|l| l == "demo: 6 demonstration cases registered"),
        "{:?}",
        first.startup_lines
    );
    assert!(first.signal("TERM").success());
    let mut again = Product::start_with(dir.path(), &[], &["--demo"]);
    assert!(
        again
            .startup_lines
            .iter()
            .any(|l| l == "demo: 0 demonstration cases registered"),
        "{:?}",
        again.startup_lines
    );
    assert!(again.signal("TERM").success());
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

//! Routing end to end: a dealership group and a bank set up through the API, cases landing
//! where the rules say with the stored explanation, the dispatch loop (return, re-dispatch,
//! take deadline), early warnings reaching the manufacturer and escalating when nobody
//! acknowledges, recusal, and rule versions applying by `received_at`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use domain::clock::ManualClock;
use e2e::{Sandbox, Stores, act, dispatched, publish, until};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::wait_until;

on_both_stores!(
    a_dealership_group_dispatches_returns_warns_and_recuses,
    a_bank_routes_by_the_account_branch_and_keeps_reports_off_the_accused_line
);

fn escalations(case: &Value) -> Vec<Value> {
    case["dispatch"]["escalations"].as_array().cloned().unwrap_or_default()
}

fn units_of(escalation: &Value) -> Vec<String> {
    escalation["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u.as_str().expect("unit").to_owned())
        .collect()
}

fn complaint(narrative: &str, phone: &str, extra: Value) -> Value {
    let mut body = json!({"channel": "phone", "source": "hq_call_centre", "narrative": narrative,
        "complainant": {"name": "王芳", "phone": phone}});
    for (key, value) in extra.as_object().expect("an object") {
        body[key] = value.clone();
    }
    body
}

async fn a_dealership_group_dispatches_returns_warns_and_recuses(stores: Stores) {
    // Monday 23 November 2026, 10:00 in Beijing.
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
    let clock = Arc::new(ManualClock::new(start));
    let sandbox = Sandbox::start_on(stores, clock.clone()).await.expect("sandbox starts");
    let organisation: Value =
        serde_json::from_str(include_str!("../../services/routing/demo/dealer-organisation.json")).expect("json");
    let rules: Value =
        serde_json::from_str(include_str!("../../services/routing/demo/dealer-rules.json")).expect("json");

    // A directory that does not hold together is refused by field and rule, and nothing is published.
    let mut broken = organisation.clone();
    broken["units"][1]["parent"] = json!("nowhere");
    let (status, error) = publish(&sandbox, "/api/v1/org", broken, "broken").await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["error"]["field"], "units[hq-call-centre].parent", "{error}");
    let (status, published) = publish(&sandbox, "/api/v1/org", organisation, "the group").await;
    assert_eq!((status, published["version"].as_u64()), (201, Some(1)), "{published}");
    let (status, published) = publish(&sandbox, "/api/v1/routing/rules", rules.clone(), "dealer rules").await;
    assert_eq!((status, published["version"].as_u64()), (201, Some(1)), "{published}");

    // The call centre forwards a complaint naming a store: it lands there, with why, watched by hq.
    let (id, case) = dispatched(
        &sandbox,
        complaint(
            "销售顾问承诺的优惠没有兑现",
            "13800000001",
            json!({"unit": "gz-tianhe-byd", "brand": "byd"}),
        ),
    )
    .await;
    let dispatch = &case["dispatch"];
    assert_eq!(dispatch["unit"], "gz-tianhe-byd", "{dispatch}");
    assert_eq!(dispatch["rule_id"], "store.named", "{dispatch}");
    assert_eq!(dispatch["rule_set_version"], 1);
    assert!(
        dispatch["because"][0].as_str().expect("why").contains("store.named"),
        "{dispatch}"
    );
    assert!(
        dispatch["watchers"]
            .as_array()
            .expect("watchers")
            .contains(&json!("hq")),
        "{dispatch}"
    );

    // The store returns it with a reason; it goes back to head office, which re-dispatches it.
    let version = case["version"].as_u64().expect("version");
    let (status, returned) = act(
        &sandbox,
        &id,
        "return",
        json!({"staff": "gz-tianhe-byd-crm", "reason": "车辆在深圳购买，应由福田店处理"}),
        Some(version),
    )
    .await;
    assert_eq!(status, 200, "{returned}");
    assert_eq!(
        (returned["state"].as_str(), returned["unit"].as_str()),
        (Some("returned"), Some("hq"))
    );
    // The case's status follows (investigation's file, decision 0004).
    until(&sandbox, &id, |case| case["status"] == "returned").await;
    let (status, refused) = act(&sandbox, &id, "take", json!({"staff": "gz-tianhe-byd-crm"}), None).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_transition");
    assert_eq!(refused["error"]["details"]["current_state"], "returned");
    assert_eq!(
        refused["error"]["details"]["allowed"],
        json!(["dispatch", "acknowledge"])
    );
    let (status, stale) = act(
        &sandbox,
        &id,
        "dispatch",
        json!({"unit": "sz-futian-byd"}),
        Some(version),
    )
    .await;
    assert_eq!(status, 412, "a stale If-Match is refused: {stale}");
    let version = returned["version"].as_u64().expect("version");
    let (status, again) = act(
        &sandbox,
        &id,
        "dispatch",
        json!({"unit": "sz-futian-byd"}),
        Some(version),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["unit"].as_str(), again["dispatch_no"].as_u64()),
        (Some("sz-futian-byd"), Some(2))
    );
    until(&sandbox, &id, |case| {
        case["status"] == "dispatched" && case["unit"] == "sz-futian-byd"
    })
    .await;

    // Nobody at Futian takes it within the BYD division's two hours: it escalates one level up.
    clock.advance(chrono::Duration::hours(3));
    let case = until(&sandbox, &id, |case| {
        escalations(case).iter().any(|e| e["trigger"] == "take_overdue")
    })
    .await;
    let overdue = escalations(&case)
        .into_iter()
        .find(|e| e["trigger"] == "take_overdue")
        .expect("raised");
    assert_eq!(units_of(&overdue), vec!["byd-division", "hq"], "{overdue}");
    let (status, taken) = act(&sandbox, &id, "take", json!({"staff": "sz-futian-byd-service"}), None).await;
    assert_eq!((status, taken["state"].as_str()), (200, Some("taken")), "{taken}");
    until(&sandbox, &id, |case| case["status"] == "investigating").await;

    // A repeat of the same complainant, a vehicle-return demand and a media mention each raise
    // an early warning that reaches the manufacturer's liaison and legal.
    let (repeat, _) = dispatched(
        &sandbox,
        complaint(
            "上次的问题还是没有解决",
            "13800000001",
            json!({"unit": "gz-tianhe-byd", "brand": "byd"}),
        ),
    )
    .await;
    let (vehicle, _) = dispatched(
        &sandbox,
        complaint(
            "新车三次维修仍漏油，要求退车",
            "13800000002",
            json!({"unit": "sh-pudong-byd", "brand": "byd"}),
        ),
    )
    .await;
    let (media, _) = dispatched(
        &sandbox,
        complaint(
            "再不处理我就找媒体曝光",
            "13800000003",
            json!({"unit": "sz-futian-byd", "brand": "byd"}),
        ),
    )
    .await;
    for (id, trigger) in [(&repeat, "repeat"), (&vehicle, "return_or_exchange"), (&media, "media")] {
        let case = until(&sandbox, id, |case| !escalations(case).is_empty()).await;
        let raised = escalations(&case);
        let warning = raised
            .iter()
            .find(|e| e["trigger"] == trigger)
            .expect("the trigger raised");
        let units = units_of(warning);
        for unit in ["byd-liaison", "hq-legal", "byd-division", "hq"] {
            assert!(units.contains(&unit.to_owned()), "{trigger}: {unit} is told: {units:?}");
        }
        assert_ne!(case["severity"], "general", "{trigger} makes the case grave");
    }

    // The media warning (critical: 4 hours to acknowledge) is not acknowledged: it goes up again.
    clock.advance(chrono::Duration::hours(5));
    let case = until(&sandbox, &media, |case| {
        escalations(case).iter().any(|e| e["level"] == 2)
    })
    .await;
    let second = escalations(&case)
        .into_iter()
        .find(|e| e["level"] == 2)
        .expect("level 2");
    assert_eq!(second["trigger"], "media");
    // Transferred with a reason, the case goes to the other store; its warning is not raised twice.
    let (status, moved) = act(
        &sandbox,
        &media,
        "transfer",
        json!({"unit": "gz-tianhe-byd", "reason": "客户改到天河店处理"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (moved["unit"].as_str(), moved["dispatch_no"].as_u64()),
        (Some("gz-tianhe-byd"), Some(2))
    );
    let first_level = |e: &&Value| e["trigger"] == "media" && e["level"] == 1;
    assert_eq!(
        moved["escalations"]
            .as_array()
            .expect("escalations")
            .iter()
            .filter(first_level)
            .count(),
        1
    );
    let (status, refused) = act(&sandbox, &media, "transfer", json!({"unit": "gz-tianhe-byd"}), None).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("reason")),
        "{refused}"
    );
    // The repeat warning is acknowledged by the division head; a second acknowledgement conflicts.
    let case = until(&sandbox, &repeat, |case| !escalations(case).is_empty()).await;
    let first = escalations(&case)
        .into_iter()
        .find(|e| e["trigger"] == "repeat")
        .expect("repeat");
    let escalation_id = first["escalation_id"].as_str().expect("id");
    let body = json!({"staff": "byd-division-head", "escalation_id": escalation_id});
    let (status, acknowledged) = act(&sandbox, &repeat, "acknowledge", body.clone(), None).await;
    assert_eq!(status, 200, "{acknowledged}");
    let (status, twice) = act(&sandbox, &repeat, "acknowledge", body, None).await;
    assert_eq!(
        (status, twice["error"]["code"].as_str()),
        (409, Some("already_acknowledged"))
    );

    // A complaint about a store's salesperson is never assigned to that salesperson.
    let (about, case) = dispatched(
        &sandbox,
        complaint(
            "销售顾问态度恶劣",
            "13800000004",
            // Received during the store's hours (the clock is past them now).
            json!({"unit": "gz-tianhe-byd", "subject_staff": "gz-tianhe-byd-sales",
                "received_at": "2026-11-23T03:00:00Z"}),
        ),
    )
    .await;
    assert_eq!(case["dispatch"]["unit"], "gz-tianhe-byd", "{}", case["dispatch"]);
    assert_ne!(case["dispatch"]["assignee"], "gz-tianhe-byd-sales");
    let (status, refused) = act(&sandbox, &about, "take", json!({"staff": "gz-tianhe-byd-sales"}), None).await;
    assert_eq!(
        (status, refused["error"]["details"]["errors"][0]["rule"].as_str()),
        (422, Some("recusal")),
        "the salesperson is of the unit, but the case is about them: {refused}"
    );
    // A handler declares a conflict (a relative of the complainant): they can no longer take it.
    let body = json!({"staff": "gz-tianhe-byd-service", "reason": "投诉人是我的亲属"});
    let (status, recused) = act(&sandbox, &about, "recuse", body, None).await;
    assert_eq!(
        (status, recused["state"].as_str()),
        (200, Some("dispatched")),
        "{recused}"
    );
    let (status, refused) = act(
        &sandbox,
        &about,
        "take",
        json!({"staff": "gz-tianhe-byd-service"}),
        None,
    )
    .await;
    assert_eq!(
        (status, refused["error"]["details"]["errors"][0]["rule"].as_str()),
        (422, Some("recusal")),
        "{refused}"
    );
    let (status, _) = act(&sandbox, &about, "take", json!({"staff": "gz-tianhe-byd-crm"}), None).await;
    assert_eq!(status, 200, "a colleague takes it");

    // Three complainants on one matter within the window raise one batch alert.
    let mut batch = Vec::new();
    for n in 0..3 {
        let body = complaint(
            "店里加价提车",
            &format!("1370000000{n}"),
            json!({"subject_unit": "sh-pudong-byd", "brand": "byd", "category_code": "dealer.sales.price_markup"}),
        );
        batch.push(dispatched(&sandbox, body).await.0);
    }
    let third = until(&sandbox, &batch[2], |case| {
        e2e::count_entries(case, "routing", "batch_alerted") == 1
    })
    .await;
    assert_ne!(
        third["dispatch"]["unit"], "sh-pudong-byd",
        "never the accused store: {}",
        third["dispatch"]
    );
    let (_, first) = sandbox.case(&batch[0]).await.expect("case");
    assert_eq!(
        e2e::count_entries(&first, "routing", "batch_alerted"),
        0,
        "two complainants are no batch"
    );
    // Notification tells the staff of the unit the third case went to (batch_alert notices).
    let alerted = until(&sandbox, &batch[2], |case| {
        e2e::count_entries(case, "notification", "batch_alert_recorded") >= 1
    })
    .await;
    let audience = alerted["timeline"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["action"] == "batch_alert_recorded"))
        .map(|e| e["detail"]["audience"].clone())
        .expect("a batch alert");
    assert!(audience.as_str().is_some_and(|a| a.starts_with("staff:")), "{audience}");

    // A VIP takes the green channel; the dry-run shows the same decision without writing anything.
    let (_, vip) = dispatched(
        &sandbox,
        complaint(
            "VIP客户投诉交车延误",
            "13800000005",
            json!({"unit": "nj-gulou-toyota", "customer_tier": "vip"}),
        ),
    )
    .await;
    assert_eq!(vip["dispatch"]["priority"], "green_channel", "{}", vip["dispatch"]);
    let response = sandbox
        .api(Method::POST, "/api/v1/routing/dry-run")
        .json(&json!({"unit": "nj-gulou-toyota", "customer_tier": "vip", "source": "hq_call_centre"}))
        .send()
        .await
        .expect("sent");
    let dry: Value = response.json().await.expect("json");
    assert_eq!(
        (&dry["unit"], &dry["priority"]),
        (&vip["dispatch"]["unit"], &json!("green_channel"))
    );
    assert_eq!(dry["because"], vip["dispatch"]["because"], "the same explanation");

    // A new rule version applies to cases received after it; the old one stays readable.
    let mut changed = rules.clone();
    changed["rules"].as_array_mut().expect("rules").push(
        json!({"id": "letters.to_call_centre", "kind": "dispatch", "priority": 0,
            "when": {"channel": ["letter"]}, "then": {"unit": "hq-call-centre"}}),
    );
    let (status, _) = publish(&sandbox, "/api/v1/routing/rules", changed, "letters to the call centre").await;
    assert_eq!(status, 201);
    clock.advance(chrono::Duration::minutes(1));
    let mut letter = complaint("来信反映维修质量问题", "13800000006", json!({"unit": "gz-tianhe-byd"}));
    letter["channel"] = json!("letter");
    let (_, case) = dispatched(&sandbox, letter.clone()).await;
    assert_eq!(
        (
            case["dispatch"]["unit"].as_str(),
            case["dispatch"]["rule_set_version"].as_u64()
        ),
        (Some("hq-call-centre"), Some(2))
    );
    letter["received_at"] = json!("2026-11-23T02:30:00Z");
    let (_, old) = dispatched(&sandbox, letter).await;
    assert_eq!(
        (
            old["dispatch"]["unit"].as_str(),
            old["dispatch"]["rule_set_version"].as_u64()
        ),
        (Some("gz-tianhe-byd"), Some(1)),
        "a letter received before the change is routed by the rules then in force"
    );
    let response = sandbox
        .api(Method::GET, "/api/v1/routing/rules?version=1")
        .send()
        .await
        .expect("sent");
    let first: Value = response.json().await.expect("json");
    assert_eq!(first["version"], 1);
    assert!(!first["body"].to_string().contains("letters.to_call_centre"));

    // After hours (22:00 in Beijing) a case placed in Guangzhou reaches the region's duty supervisor.
    clock.advance(chrono::Duration::hours(3));
    let (_, night) = dispatched(
        &sandbox,
        complaint("晚上到店提车被拒", "13800000007", json!({"division_code": "440106"})),
    )
    .await;
    assert_eq!(
        (
            night["dispatch"]["unit"].as_str(),
            night["dispatch"]["assignee"].as_str()
        ),
        (Some("south-region"), Some("south-duty")),
        "{}",
        night["dispatch"]
    );
    sandbox.stop().await;
}

async fn a_bank_routes_by_the_account_branch_and_keeps_reports_off_the_accused_line(stores: Stores) {
    // Monday 23 November 2026, 10:00 in Beijing.
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
    let sandbox = Sandbox::start_on(stores, Arc::new(ManualClock::new(start)))
        .await
        .expect("sandbox starts");
    let organisation: Value =
        serde_json::from_str(include_str!("../../services/routing/demo/bank-organisation.json")).expect("json");
    let rules: Value = serde_json::from_str(include_str!("../../services/routing/demo/bank-rules.json")).expect("json");
    assert_eq!(publish(&sandbox, "/api/v1/org", organisation, "the bank").await.0, 201);
    assert_eq!(
        publish(&sandbox, "/api/v1/routing/rules", rules, "bank rules").await.0,
        201
    );

    // Calling from Guangzhou about an account held in Nanjing: the Nanjing sub-branch handles it.
    let (_, case) = dispatched(
        &sandbox,
        json!({"channel": "phone", "narrative": "信用卡年费被重复收取", "complainant": {"phone": "13900000001"},
            "account_unit": "js-xuanwu", "division_code": "440106", "category_code": "bank.credit_card"}),
    )
    .await;
    assert_eq!(case["dispatch"]["unit"], "js-xuanwu", "{}", case["dispatch"]);
    // The case carries the central bank's three codes (channel and cause from the `bank` branch
    // of the tree, the business type from the category) and the regulator's category.
    assert_eq!(
        case["dispatch"]["codes"],
        json!({"jrt0169": {"channel": "A011", "business": "B032", "cause": "C01"}, "nfra": "bank.credit_card",
            "cfpb": {"product": "Credit card"}}),
        "{}",
        case["dispatch"]
    );
    assert!(
        case["dispatch"]["because"][0]
            .as_str()
            .expect("why")
            .contains("account"),
        "{}",
        case["dispatch"]
    );

    // The bank's own tree: intake refuses a code the tenant has not published ...
    let green = json!({"channel": "web", "narrative": "绿色信贷利率与宣传不符", "complainant": {"phone": "13900000002"},
        "account_unit": "js-xuanwu", "category_code": "bank.green_credit"});
    let (status, refused) = sandbox.post_complaint(&green, None).await.expect("posted");
    assert_eq!(
        (status, &refused["error"]["field"]),
        (422, &json!("category_code")),
        "{refused}"
    );
    let mut tree: Value =
        serde_json::from_str(include_str!("../../crates/catalog/data/starter-bank.json")).expect("json");
    tree["categories"].as_array_mut().expect("categories").push(json!({"code": "bank.green_credit",
        "name_zh": "绿色信贷", "name_en": "green credit", "synonyms": ["绿色贷款"], "maps": {"nfra": "bank.personal_loan"}}));
    assert_eq!(
        publish(&sandbox, "/api/v1/catalog", tree, "the bank's tree").await.0,
        201
    );
    // ... and accepts it once routing's `catalog.published` has reached intake.
    let created = wait_until(Duration::from_secs(10), || async {
        let (status, created) = sandbox.post_complaint(&green, None).await.ok()?;
        (status == 201).then_some(created)
    })
    .await
    .expect("intake learns the published tree");
    let green_case = until(&sandbox, created["id"].as_str().expect("id"), |c| {
        c["dispatch"]["state"] == "dispatched"
    })
    .await;
    assert_eq!(green_case["category"], "bank.green_credit");
    assert_eq!(
        green_case["dispatch"]["codes"]["nfra"], "bank.personal_loan",
        "{}",
        green_case["dispatch"]
    );
    // Free text naming one of its synonyms is classified against the same tree.
    let (status, classified) = sandbox
        .post_complaint(
            &json!({"channel": "phone", "narrative": "贷款利率问题", "complainant": {"phone": "13900000003"},
                "category": "绿色贷款"}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{classified}");
    let (_, classified) = sandbox
        .case(classified["id"].as_str().expect("id"))
        .await
        .expect("case");
    assert_eq!(classified["category"], "bank.green_credit", "{classified}");
    assert_eq!(classified["reported_category"], "绿色贷款");

    // A misconduct report against a sub-branch president never reaches that sub-branch or its branch.
    let (_, report) = dispatched(
        &sandbox,
        json!({"channel": "web", "kind": "report", "anonymous": true, "narrative": "支行行长违规放贷收受好处",
            "subject_unit": "gd-tianhe", "subject_staff": "gd-tianhe-president", "account_unit": "gd-tianhe"}),
    )
    .await;
    let unit = report["dispatch"]["unit"].as_str().expect("unit").to_owned();
    assert_eq!(unit, "hq-integrity", "{}", report["dispatch"]);
    assert_ne!(report["dispatch"]["assignee"], "gd-tianhe-president");
    half_year_pack_over_http(&sandbox).await;
    sandbox.stop().await;
}

/// The bank's half-year pack over HTTP: the XLSX its head office files, read by openpyxl, says
/// what the KPI API says; bad parameters are refused by name.
async fn half_year_pack_over_http(sandbox: &Sandbox) {
    let (status, entered) = e2e::send(
        sandbox
            .api(Method::PUT, "/api/v1/analytics/denominators/gd-branch/2026")
            .json(&json!({"customers": 250_000, "outlets": 12})),
    )
    .await;
    assert_eq!(status, 200, "{entered}");
    let (status, refused) = e2e::send(
        sandbox
            .api(Method::PUT, "/api/v1/analytics/denominators/gd-branch/1999")
            .json(&json!({"customers": 1, "outlets": 1})),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("year")),
        "{refused}"
    );
    let kpis = wait_until(Duration::from_secs(30), || async {
        let response = sandbox
            .api(
                Method::GET,
                "/api/v1/analytics/kpis?from=2026-07-01&to=2026-12-31&unit=hq",
            )
            .send()
            .await
            .ok()?;
        let kpis: Value = response.json().await.ok()?;
        (kpis["total"].as_u64()? >= 3).then_some(kpis)
    })
    .await
    .expect("analytics counted the bank's cases");
    let response = sandbox
        .api(
            Method::GET,
            "/api/v1/analytics/reports/half-year?year=2026&half=2&unit=hq&format=xlsx",
        )
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"half-year-2026-h2-hq.xlsx\""
    );
    let body = response.bytes().await.expect("the file");
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("pack.xlsx");
    std::fs::write(&path, &body).expect("written");
    let output = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/read_pack.py"))
        .arg("xlsx")
        .arg(&path)
        .output()
        .expect("python3 reads the pack (openpyxl)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let book: Value = serde_json::from_slice(&output.stdout).expect("json");
    let received = book["sheets"]["汇总"]
        .as_array()
        .expect("the summary")
        .iter()
        .find(|row| row[0] == "received")
        .map(|row| row[2].as_f64().expect("a value") as u64);
    assert_eq!(received, kpis["total"].as_u64(), "{kpis}");
    // Filed through the log: who files it, the filing, the log, the file as filed.
    let (status, entered) = e2e::send(
        sandbox
            .api(Method::PUT, "/api/v1/analytics/obligations/half_year/gd-branch")
            .json(&json!({"staff": ["gd-branch-president"]})),
    )
    .await;
    assert_eq!(status, 200, "{entered}");
    let (status, filed) = e2e::send(
        sandbox
            .api(Method::POST, "/api/v1/analytics/filings")
            .json(&json!({"report": "half_year", "period": "2026-H2", "unit": "gd-branch"})),
    )
    .await;
    assert_eq!((status, filed["version"].as_u64()), (201, Some(1)), "{filed}");
    let (status, log) = e2e::send(sandbox.api(Method::GET, "/api/v1/analytics/filings?unit=gd-branch")).await;
    assert_eq!((status, log[0]["id"].clone()), (200, filed["id"].clone()), "{log}");
    let response = sandbox
        .api(Method::GET, filed["docx"].as_str().expect("the DOCX's link"))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(&response.bytes().await.expect("the file")[..2], b"PK");
    let (status, refused) = e2e::send(
        sandbox
            .api(Method::POST, "/api/v1/analytics/filings")
            .json(&json!({"report": "half_year", "period": "2026-07", "unit": "gd-branch"})),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("period")),
        "{refused}"
    );
    for (query, field) in [
        ("year=2026&half=3&unit=hq&format=xlsx", "half"),
        ("year=2026&half=2&unit=atlantis&format=xlsx", "unit"),
        ("year=2026&half=2&unit=hq&format=pdf", "format"),
        ("year=2026&half=2&unit=hq&format=xlsx&lang=fr", "lang"),
    ] {
        let (status, refused) =
            e2e::send(sandbox.api(Method::GET, &format!("/api/v1/analytics/reports/half-year?{query}"))).await;
        assert_eq!(
            (status, refused["error"]["field"].as_str()),
            (422, Some(field)),
            "{query}: {refused}"
        );
    }
}

//! The casework end to end (decision 0004): a dealership complaint from head office's call
//! centre through every step to the quality inspection, each on the timeline with who and
//! when; the guards and who may act refused through the API; and the accused's view of a
//! misconduct report, which carries nothing that identifies the reporter.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::Clock;
use domain::clock::ManualClock;
use e2e::{Sandbox, Stores, act, dispatched, publish};
use reqwest::Method;
use serde_json::{Value, json};

on_both_stores!(
    a_dealership_complaint_goes_from_the_call_centre_through_every_step_to_the_inspection,
    the_accused_sees_the_hearing_summary_and_nothing_that_identifies_the_reporter
);

/// The dealership group, with the Guangzhou BYD store on its own process (7 working days to
/// answer, one extension to 15 with the general manager's approval).
async fn dealership(sandbox: &Sandbox) {
    let mut organisation: Value =
        serde_json::from_str(include_str!("../../services/routing/demo/dealer-organisation.json")).expect("json");
    for unit in organisation["units"].as_array_mut().expect("units") {
        if unit["id"] == "gz-tianhe-byd" {
            unit["settings"]["policy"] = json!("dealership_store");
        }
    }
    let rules: Value =
        serde_json::from_str(include_str!("../../services/routing/demo/dealer-rules.json")).expect("json");
    // The group's own casework rules: two callback attempts, a 1–5 survey satisfied from 4.
    organisation["defaults"]["casework"] = json!({"callback_attempts": 2, "satisfied_from": 4});
    let mut broken = organisation.clone();
    broken["defaults"]["casework"]["satisfied_from"] = json!(6);
    let (status, error) = publish(sandbox, "/api/v1/org", broken, "broken").await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["error"]["field"], "defaults.casework.satisfied_from", "{error}");
    let (status, published) = publish(sandbox, "/api/v1/org", organisation, "the group").await;
    assert_eq!(status, 201, "{published}");
    let (status, published) = publish(sandbox, "/api/v1/routing/rules", rules, "dealer rules").await;
    assert_eq!(status, 201, "{published}");
}

/// The case in a test: its id, the version to send next, the clock to move between steps.
struct Case<'a> {
    sandbox: &'a Sandbox,
    clock: &'a ManualClock,
    id: String,
    version: u64,
}

impl Case<'_> {
    /// Takes an action as `staff` one minute after the previous; expects 200 and keeps the version.
    async fn ok(&mut self, action: &str, staff: &str, mut body: Value) -> Value {
        self.clock.advance(Duration::minutes(1));
        body["staff"] = json!(staff);
        let (status, reply) = act(self.sandbox, &self.id, action, body, Some(self.version)).await;
        assert_eq!(status, 200, "{action} by {staff}: {reply}");
        self.version = reply["version"].as_u64().expect("version");
        reply
    }

    /// Takes an action that must be refused; returns the status and the error.
    async fn refused(&self, action: &str, staff: &str, mut body: Value) -> (u16, Value) {
        body["staff"] = json!(staff);
        let (status, reply) = act(self.sandbox, &self.id, action, body, Some(self.version)).await;
        (status, reply["error"].clone())
    }

    fn at(&self, days: i64) -> String {
        (self.clock.now() + Duration::days(days)).to_rfc3339()
    }
}

fn entries<'a>(case: &'a Value, service: &str) -> Vec<&'a Value> {
    case["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["service"] == service)
        .collect()
}

async fn a_dealership_complaint_goes_from_the_call_centre_through_every_step_to_the_inspection(stores: Stores) {
    // Monday 23 November 2026, 10:00 in Beijing.
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
    let clock = Arc::new(ManualClock::new(start));
    let sandbox = Sandbox::start_on(stores, clock.clone()).await.expect("sandbox starts");
    dealership(&sandbox).await;

    // The call centre registers the complaint; routing dispatches it to the store it names.
    let (id, case) = dispatched(
        &sandbox,
        json!({"channel": "phone", "source": "hq_call_centre", "unit": "gz-tianhe-byd", "brand": "byd",
            "narrative": "销售顾问承诺赠送的原厂脚垫和首保没有兑现，多次联系门店无人答复",
            "complainant": {"name": "王芳", "phone": "13800000001"}}),
    )
    .await;
    assert_eq!(case["dispatch"]["unit"], "gz-tianhe-byd", "{case}");
    let mut case = Case {
        sandbox: &sandbox,
        clock: &clock,
        id,
        version: case["version"].as_u64().expect("version"),
    };
    let store = "gz-tianhe-byd";
    let (crm, gm, service, sales) = (
        "gz-tianhe-byd-crm",
        "gz-tianhe-byd-gm",
        "gz-tianhe-byd-service",
        "gz-tianhe-byd-sales",
    );
    let (cc_manager, cc_agent) = ("hq-cc-manager", "hq-cc-agent-huang");

    // Before the take the casework is refused with the state and the steps allowed.
    let (status, error) = case.refused("assign", crm, json!({"assignee": service})).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (409, Some("invalid_transition")),
        "{error}"
    );
    assert_eq!(error["details"]["current_state"], "dispatched", "{error}");
    assert!(
        error["details"]["allowed"]
            .as_array()
            .expect("allowed")
            .contains(&json!("take")),
        "{error}"
    );

    // The store takes it; the customer-relations manager calls the complainant and apologises.
    let taken = case.ok("take", crm, json!({})).await;
    assert_eq!(taken["state"], "taken", "{taken}");
    let file = e2e::until(&sandbox, &case.id, |c| c["status"] == "investigating").await;
    case.version = file["version"].as_u64().expect("version");
    let reply = case
        .ok(
            "contact",
            crm,
            json!({"purpose": "first", "method": "phone", "apology": true,
                "summary": "致电致歉，说明将核实销售承诺", "next_contact_at": case.at(1)}),
        )
        .await;
    assert_eq!(reply["status"], "investigating", "{reply}");
    let (status, error) = case
        .refused("contact", crm, json!({"purpose": "first", "method": "phone"}))
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (409, Some("first_contact_already_recorded")),
        "{error}"
    );

    // Assignment inside the store; someone of another store is refused.
    let (status, error) = case
        .refused("assign", crm, json!({"assignee": "sz-futian-byd-service"}))
        .await;
    assert_eq!((status, error["field"].as_str()), (422, Some("assignee")), "{error}");
    let reply = case.ok("assign", crm, json!({"assignee": service})).await;
    assert_eq!(reply["handler"], service, "{reply}");

    // A sub-task to the parts department with its own due date, then a progress update.
    let reply = case
        .ok(
            "tasks",
            service,
            json!({"department": "parts", "title": "核实原厂脚垫库存并安排补发", "due_at": case.at(2)}),
        )
        .await;
    let task = reply["recorded"]["n"].as_u64().expect("task n");
    assert!(
        reply["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .any(|d| d["kind"] == format!("task.{task}")),
        "{reply}"
    );
    let (status, error) = case
        .refused("contact", service, json!({"purpose": "progress", "method": "sms"}))
        .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (422, Some("next_contact_at")),
        "{error}"
    );
    case.ok(
        "contact",
        service,
        json!({"purpose": "progress", "method": "sms", "summary": "配件已在调拨", "next_contact_at": case.at(2)}),
    )
    .await;

    // No finding against the sales consultant before a signed-off hearing.
    let finding = json!({"outcome": "partly", "root_cause": "销售顾问口头承诺未录入订单",
        "responsible_staff": sales, "against_named_person": true,
        "corrective_actions": [{"action": "赠品必须写入订单", "owner": gm, "due_at": case.at(10), "code": "CA-SALES-PROMISES"}]});
    let (status, error) = case.refused("findings", crm, finding.clone()).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (409, Some("hearing_required")),
        "{error}"
    );
    let (status, error) = case
        .refused(
            "hearings",
            sales,
            json!({"subject_staff": sales, "statement": "x", "summary": "x", "signed_off": true}),
        )
        .await;
    assert_eq!(
        (status, error["field"].as_str()),
        (422, Some("subject_staff")),
        "{error}"
    );
    case.ok(
        "hearings",
        crm,
        json!({"subject_staff": sales, "statement": "承认口头承诺赠送脚垫，未写入订单", "summary": "就赠品承诺未兑现一事听取了你的说明",
            "evidence": ["订单 SO-2026-1188"], "signed_off": true}),
    )
    .await;
    case.ok(
        "tasks",
        service,
        json!({"task_id": task, "outcome": "脚垫已到店，预约客户领取"}),
    )
    .await;
    let reply = case.ok("findings", crm, finding).await;
    assert_eq!(reply["recorded"]["kind"], "finding", "{reply}");

    // The plan with a compensation and a written apology: the authority matrix decides who approves.
    let reply = case
        .ok(
            "plans",
            service,
            json!({"measures": ["补发原厂脚垫", "赠送一次首保"], "complainant_view": "同意",
                "remedies": [{"kind": "compensation", "amount_fen": 200000}, {"kind": "written_apology"}]}),
        )
        .await;
    let approvals = reply["recorded"]["approvals"].as_array().expect("approvals").clone();
    assert_eq!(approvals.len(), 2, "{reply}");
    assert_eq!(approvals[0]["level"], "department_head", "{reply}");
    assert_eq!(approvals[1]["level"], "supervisor", "{reply}");
    let (compensation, apology) = (approvals[0]["approval_id"].clone(), approvals[1]["approval_id"].clone());
    let (status, error) = case.refused("resolve", service, json!({"result": "已补发"})).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (409, Some("pending_approvals")),
        "{error}"
    );
    let (status, error) = case
        .refused(
            "approvals",
            crm,
            json!({"approval_id": compensation, "decision": "approved"}),
        )
        .await;
    assert_eq!((status, error["field"].as_str()), (422, Some("staff")), "{error}");
    case.ok(
        "approvals",
        gm,
        json!({"approval_id": compensation, "decision": "approved", "note": "同意补偿2000元"}),
    )
    .await;
    case.ok(
        "approvals",
        crm,
        json!({"approval_id": apology, "decision": "approved"}),
    )
    .await;

    // An extension along the ladder: the handler may not grant it, the general manager may.
    let (status, error) = case
        .refused("extensions", service, json!({"reason": "等待厂家答复"}))
        .await;
    assert_eq!((status, error["field"].as_str()), (422, Some("staff")), "{error}");
    let before = e2e::until(&sandbox, &case.id, |_| true).await;
    let due = |view: &Value| {
        view["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .find(|d| d["kind"] == "resolution")
            .map(|d| d["due_at"].as_str().expect("due").to_owned())
            .expect("a resolution deadline")
    };
    let reply = case
        .ok("extensions", gm, json!({"reason": "等待厂家确认补偿方案"}))
        .await;
    assert!(due(&reply) > due(&before), "the extension moves the deadline: {reply}");
    let (status, error) = case.refused("extensions", gm, json!({"reason": "再次延期"})).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (409, Some("extension_cap_reached")),
        "{error}"
    );

    // Money changes hands, so the resolution needs the signed settlement; head office reviews it.
    let resolution = json!({"result": "补发脚垫并补偿2000元", "basis": "销售承诺", "improvements": "赠品写入订单",
        "complainant_signed_off": true});
    let (status, error) = case.refused("resolve", service, resolution.clone()).await;
    assert_eq!((status, error["field"].as_str()), (422, Some("settlement")), "{error}");
    let mut settled = resolution.clone();
    settled["settlement"] = json!({"agreement_ref": "GZ-2026-0042", "amount_fen": 200000, "signed_at": case.at(0)});
    let reply = case.ok("resolve", service, settled.clone()).await;
    assert_eq!(reply["status"], "under_review", "{reply}");
    assert_eq!(reply["review_unit"], "hq", "{reply}");
    let (status, error) = case.refused("review", gm, json!({"outcome": "approve"})).await;
    assert_eq!((status, error["field"].as_str()), (422, Some("staff")), "{error}");
    let reply = case
        .ok(
            "review",
            cc_manager,
            json!({"outcome": "rework", "note": "补偿依据未写明"}),
        )
        .await;
    assert_eq!(reply["status"], "investigating", "{reply}");
    let reply = case.ok("resolve", service, settled.clone()).await;
    assert_eq!(reply["status"], "under_review", "{reply}");
    let reply = case.ok("review", cc_manager, json!({"outcome": "approve"})).await;
    assert_eq!(reply["status"], "resolved", "{reply}");
    let reply = case
        .ok("contact", crm, json!({"purpose": "result", "method": "phone"}))
        .await;
    assert_eq!(reply["status"], "awaiting_callback", "{reply}");

    // Head office calls back, never the store: one failed attempt, then not satisfied.
    let (status, error) = case.refused("callbacks", crm, json!({"outcome": "satisfied"})).await;
    assert_eq!(
        (status, error["code"].as_str(), error["field"].as_str()),
        (422, Some("validation_failed"), Some("staff")),
        "{error}"
    );
    let reply = case
        .ok("callbacks", cc_agent, json!({"outcome": "failed", "note": "无人接听"}))
        .await;
    assert_eq!(reply["status"], "awaiting_callback", "{reply}");
    assert_eq!(
        reply["casework"]["facts"]["callback_attempts_max"], 2,
        "the group's own rule: {reply}"
    );
    let reply = case
        .ok(
            "callbacks",
            cc_agent,
            json!({"scores": {"channel": 3, "attitude": 2, "time": 2, "result": 2}, "note": "对处理时长不满意"}),
        )
        .await;
    assert_eq!(reply["status"], "dissatisfied", "{reply}");
    let reply = case
        .ok("reopen", cc_manager, json!({"reason": "客户对时长不满意，二次核查"}))
        .await;
    assert_eq!(reply["status"], "investigating", "{reply}");
    assert_eq!(reply["casework"]["facts"]["reopen_count"], 1, "{reply}");

    // The second resolution, review, notice and a satisfied callback close the case.
    case.ok("resolve", service, settled).await;
    case.ok("review", cc_manager, json!({"outcome": "approve"})).await;
    case.ok("contact", crm, json!({"purpose": "result", "method": "sms"}))
        .await;
    let reply = case
        .ok(
            "callbacks",
            cc_agent,
            json!({"outcome": "satisfied", "scores": {"channel": 5, "attitude": 5, "time": 4, "result": 5}}),
        )
        .await;
    assert_eq!(
        (reply["status"].as_str(), reply["closing_reason"].as_str()),
        (Some("closed"), Some("satisfied")),
        "{reply}"
    );
    let reply = case
        .ok(
            "inspections",
            cc_manager,
            json!({"passed": true, "scores": {"process": 92, "record": 88}}),
        )
        .await;
    assert_eq!(reply["status"], "closed", "{reply}");

    // Analytics scores the store by its inspections, counted on the inspection's day.
    let kpis = testkit::wait_until(std::time::Duration::from_secs(10), || async {
        let kpis: Value = sandbox
            .api(Method::GET, "/api/v1/analytics/kpis?from=2026-11-01&to=2026-12-31")
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (kpis["inspections_by_unit"][store]["inspected"] == 1).then_some(kpis)
    })
    .await
    .expect("analytics counts the inspection");
    assert_eq!(
        kpis["inspections_by_unit"][store],
        json!({"inspected": 1, "passed": 1, "scored": 1, "mean_score": 90.0}),
        "{kpis}"
    );
    assert_eq!(
        kpis["kpis"]["inspection_pass"],
        json!({"value": 1.0, "numerator": 1, "denominator": 1}),
        "{kpis}"
    );
    assert_eq!(kpis["kpis"]["inspection_score"]["value"], 90.0, "{kpis}");

    // Head office holds the salesperson to account for the promises; a complaint earns no reward.
    let reply = case
        .ok(
            "sanctions",
            cc_manager,
            json!({"subject_staff": gm, "ground": "missed_deadline", "sanction": "criticism",
                "note": "承诺的赠品未按期兑现"}),
        )
        .await;
    assert_eq!(reply["recorded"]["kind"], "sanction", "{reply}");
    let (status, error) = case
        .refused(
            "rewards",
            cc_manager,
            json!({"reporter_consent": true, "basis": "discretionary", "amount_fen": 10_000}),
        )
        .await;
    assert_eq!((status, error["code"].as_str()), (409, Some("not_a_report")), "{error}");

    // A stale version is refused.
    let (status, error) = act(
        &sandbox,
        &case.id,
        "notes",
        json!({"text": "x"}),
        Some(case.version - 1),
    )
    .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (412, Some("version_mismatch")),
        "{error}"
    );

    // Every step is on the timeline, with who and when, in order.
    let view = e2e::until(&sandbox, &case.id, |c| c["status"] == "closed").await;
    assert_eq!(view["closing_reason"], "satisfied", "{view}");
    let steps: Vec<(String, String)> = entries(&view, "investigation")
        .into_iter()
        .filter(|e| {
            !["file_opened", "deadline_warned", "deadline_breached"].contains(&e["action"].as_str().unwrap_or(""))
        })
        .map(|e| {
            assert!(e["at"].as_str().is_some_and(|at| !at.is_empty()), "{e}");
            (
                e["action"].as_str().expect("action").to_owned(),
                e["actor"].as_str().expect("actor").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("first_contact", crm),
        ("assign", crm),
        ("task", service),
        ("progress_update", service),
        ("hearing", crm),
        ("task_done", service),
        ("finding", crm),
        ("plan", service),
        ("approval", gm),
        ("approval", crm),
        ("extension", gm),
        ("resolve", service),
        ("review_rework", cc_manager),
        ("resolve", service),
        ("review_approve", cc_manager),
        ("result_notice", crm),
        ("callback_failed", cc_agent),
        ("callback_dissatisfied", cc_agent),
        ("reopen", cc_manager),
        ("resolve", service),
        ("review_approve", cc_manager),
        ("result_notice", crm),
        ("callback_satisfied", cc_agent),
        ("inspect_pass", cc_manager),
        ("sanction", cc_manager),
    ]
    .iter()
    .map(|(a, s)| ((*a).to_owned(), (*s).to_owned()))
    .collect();
    assert_eq!(steps, expected);
    let routing: Vec<&str> = entries(&view, "routing")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        routing.contains(&"dispatched") && routing.contains(&"taken"),
        "{routing:?}"
    );
    let records = view["casework"]["records"].as_array().expect("records");
    let corrective = records
        .iter()
        .find(|r| r["kind"] == "corrective_action")
        .expect("a corrective action");
    assert_eq!(
        (corrective["link"].as_str(), corrective["subject"].as_str()),
        (Some("CA-SALES-PROMISES"), Some(gm))
    );
    assert_eq!(view["unit"], store);

    // The dossier: the whole file as a ZIP with a PDF summary, its hash in the console's audit log.
    let response = sandbox
        .api(Method::GET, &format!("/api/v1/cases/{}/dossier?lang=zh-CN", case.id))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let sha256 = response.headers()["x-redress-dossier-sha256"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let zip = response.bytes().await.expect("body").to_vec();
    assert_eq!(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&zip)), sha256);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a ZIP");
    let names: Vec<String> = archive.file_names().map(|n| n.expect("a name").into_owned()).collect();
    for expected in [
        "summary.pdf",
        "timeline.csv",
        "records.json",
        "case.json",
        "manifest.json",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    assert!(
        names.iter().any(|n| n.starts_with("letters/acknowledgement")),
        "the acknowledgement letter in {names:?}"
    );
    let read = |archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name(name).expect("in the ZIP"), &mut bytes).expect("reads");
        bytes
    };
    let case_json: Value = serde_json::from_slice(&read(&mut archive, "case.json")).expect("json");
    assert_eq!(case_json["id"], view["id"]);
    let timeline = String::from_utf8(read(&mut archive, "timeline.csv")).expect("utf-8");
    assert!(timeline.contains("hq-cc-agent-huang"), "{timeline}");
    let pdf = read(&mut archive, "summary.pdf");
    let text = pdf_text(&pdf);
    let case_number = view["case_number"].as_str().expect("case number");
    for expected in [case_number, "案件档案", "问责记录", "承诺的赠品未按期兑现", "质检"] {
        assert!(text.contains(expected), "the summary lacks `{expected}`:\n{text}");
    }
    let audit = sandbox.audit_log("console").await.expect("audit log");
    let exported = audit.last().expect("an entry");
    assert_eq!(
        (
            exported.action.as_str(),
            exported.subject.as_str(),
            exported.actor.as_str()
        ),
        ("dossier.exported", view["id"].as_str().expect("id"), "admin")
    );
    let detail: Value = serde_json::from_str(&exported.detail_json).expect("json");
    assert_eq!(detail["sha256"], sha256, "{detail}");
    let response = sandbox
        .api(Method::GET, &format!("/api/v1/cases/{}/dossier?lang=fr", case.id))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 422);
    sandbox.stop().await;
}

/// The text of a PDF, by poppler's pdftotext (Debian's poppler-utils; scripts/test installs it).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("summary.pdf");
    std::fs::write(&path, pdf).expect("written");
    let output = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (install poppler-utils)");
    assert!(output.status.success(), "pdftotext: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

async fn the_accused_sees_the_hearing_summary_and_nothing_that_identifies_the_reporter(stores: Stores) {
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
    let clock = Arc::new(ManualClock::new(start));
    let sandbox = Sandbox::start_on(stores, clock.clone()).await.expect("sandbox starts");
    dealership(&sandbox).await;
    let (reporter, phone, narrative) = ("赵小兰", "13912345678", "周杰在交车时私下收取客户现金并承诺返点");
    let (id, case) = dispatched(
        &sandbox,
        json!({"kind": "report", "channel": "web", "source": "direct", "subject_staff": "gz-tianhe-byd-sales",
            "subject_unit": "gz-tianhe-byd", "narrative": narrative,
            "complainant": {"name": reporter, "phone": phone}}),
    )
    .await;
    assert_eq!(case["dispatch"]["unit"], "hq-integrity", "{case}");
    let mut case = Case {
        sandbox: &sandbox,
        clock: &clock,
        id: id.clone(),
        version: case["version"].as_u64().expect("version"),
    };
    let officer = "hq-integrity-officer";
    case.ok("take", officer, json!({})).await;
    let file = e2e::until(&sandbox, &id, |c| c["status"] == "investigating").await;
    case.version = file["version"].as_u64().expect("version");
    let summary = "就交车环节收取现金的举报，听取了你的陈述";
    case.ok(
        "hearings",
        officer,
        json!({"subject_staff": "gz-tianhe-byd-sales",
            "statement": format!("举报人{reporter}（{phone}）称：{narrative}；本人否认"),
            "summary": summary, "evidence": ["举报人提供的转账截图"], "signed_off": true}),
    )
    .await;
    case.ok(
        "findings",
        officer,
        json!({"outcome": "unsubstantiated", "responsible_staff": "gz-tianhe-byd-sales",
            "clearance_note": "经核查，举报事项不属实，予以澄清"}),
    )
    .await;

    // The accused's own credential reads the summary written for them, and nothing else.
    let issued = sandbox
        .api(Method::POST, "/api/v1/credentials")
        .json(&json!({"staff": "gz-tianhe-byd-sales"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(issued.status().as_u16(), 201);
    let issued: Value = issued.json().await.expect("json");
    let token = issued["token"].as_str().expect("token").to_owned();
    let as_accused = |path: String| {
        sandbox
            .http
            .get(format!("{}{path}", sandbox.base_url))
            .bearer_auth(token.clone())
    };
    let response = as_accused(format!("/api/v1/cases/{id}/hearing-summary"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.expect("body");
    let view: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(view["hearings"][0]["summary"], summary, "{view}");
    assert_eq!(view["hearings"][0]["outcome"], "unsubstantiated", "{view}");
    assert_eq!(
        view["hearings"][0]["clearance_note"], "经核查，举报事项不属实，予以澄清",
        "{view}"
    );
    for secret in [
        reporter,
        phone,
        narrative,
        "转账截图",
        "举报人提供",
        "statement",
        "evidence",
        "complainant",
        "channel",
    ] {
        assert!(!text.contains(secret), "the accused's view shows `{secret}`: {text}");
    }
    let mut keys: Vec<&str> = view.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["case_id", "category", "hearings", "kind", "opened_at", "status"],
        "{view}"
    );
    // The case itself stays closed to the accused, and so do other people's summaries.
    let response = as_accused(format!("/api/v1/cases/{id}")).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 403);
    let response = as_accused(format!("/api/v1/cases/{id}/dossier"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 403, "nor may they export its dossier");
    let response = as_accused(format!("/api/v1/cases/{id}/hearing-summary?staff=hq-integrity-officer"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 403);
    sandbox.stop().await;
}

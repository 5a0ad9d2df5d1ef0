//! Registration as a demanding user expects it (decision 0010): Chinese formats validated and
//! refused by field and rule, the complainant's identity document, role and represented
//! person, the dealer's vehicle block and the bank's account block kept encrypted and shown
//! masked (clear only to an administrator, audited), identity verification before an account
//! is discussed, and case numbers in the tenant's configured format.

use std::sync::Arc;

use e2e::{Sandbox, Stores, count_entries, send};
use redress::settings::Settings;
use reqwest::Method;
use serde_json::{Value, json};

on_both_stores!(
    a_dealer_case_keeps_its_vehicle_encrypted_and_shows_it_masked,
    a_bank_card_is_kept_masked_and_shown_only_after_identity_verification,
    a_proxy_for_an_heir_is_verified_by_the_document_on_file,
    broken_formats_are_refused_naming_the_field_and_the_rule,
    case_numbers_follow_the_configured_format,
);

const RESIDENT_ID: &str = "11010519491231002X";
const VIN: &str = "LSVAM4187C2184847";
const CARD: &str = "6228480000000000018";

async fn register(sandbox: &Sandbox, body: Value) -> Value {
    let (status, created) = send(sandbox.api(Method::POST, "/api/v1/complaints").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn case(sandbox: &Sandbox, id: &str) -> Value {
    let (status, case) = sandbox.case(id).await.expect("case");
    assert_eq!(status, 200, "{case}");
    case
}

/// A member of staff's token (an API key issued by the administrator).
async fn staff_token(sandbox: &Sandbox, staff: &str) -> String {
    let (status, issued) = send(
        sandbox
            .api(Method::POST, "/api/v1/credentials")
            .json(&json!({"staff": staff})),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    issued["token"].as_str().expect("token").to_owned()
}

fn as_staff(sandbox: &Sandbox, token: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    sandbox
        .http
        .request(method, format!("{}{path}", sandbox.base_url))
        .bearer_auth(token)
}

/// The files under the data directory that hold `needle` (the SQLite stores, their WAL, the
/// bus, the outbox).
fn data_dir_contains(sandbox: &Sandbox, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![sandbox.data_dir.path().to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

fn first_error(body: &Value) -> (String, String) {
    let error = &body["error"];
    (
        error["field"].as_str().unwrap_or_default().to_owned(),
        error["details"]["errors"][0]["rule"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn a_dealer_case_keeps_its_vehicle_encrypted_and_shows_it_masked(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let created = register(
        &sandbox,
        json!({"channel": "phone", "source": "manufacturer", "source_ref": "CRM-2026-120577", "narrative": "新车交付后变速箱多次异响，两次维修未解决，要求换车",
            "demands": ["exchange"], "first_contact_owner": "gz-tianhe-crm",
            "complainant": {"name": " 王芳 ", "phone": "+86 138-0013-8000", "salutation": "ms",
                "address": "广东省广州市天河区天河路385号", "division_code": "440106",
                "id_document": {"kind": "resident_id", "number": RESIDENT_ID}},
            "vehicle": {"vin": VIN.to_lowercase(), "plate": "粤B12345", "delivery_date": "2025-06-01", "mileage_km": 12000,
                "repair_orders": [{"number": "RO-2026-0012", "date": "2026-10-02", "fault": "变速箱异响"},
                                  {"number": "RO-2026-0031", "date": "2026-11-15", "fault": "变速箱异响，更换阀体后复现"}]}}),
    )
    .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let number = created["case_number"].as_str().expect("number").to_owned();
    assert!(
        number.len() == 14 && number.starts_with("TS") && number[2..].bytes().all(|b| b.is_ascii_digit()),
        "{number}"
    );

    // Every role sees the masked forms of domain::formats.
    let seen = case(&sandbox, &id).await;
    let person = &seen["complainant"];
    assert_eq!(person["masked"], true, "{seen}");
    assert_eq!(person["name"], "王*");
    assert_eq!(person["phone"], "138****8000");
    assert_eq!(person["phone_kind"], "mobile");
    assert_eq!(person["address"], "广东省广州市天河区****");
    assert_eq!(person["division_code"], "440106");
    assert_eq!(person["salutation"], "ms");
    assert_eq!(person["role"], "customer");
    assert_eq!(
        person["id_document"],
        json!({"kind": "resident_id", "number": "110105********002X"})
    );
    let vehicle = &seen["vehicle"];
    assert_eq!(vehicle["vin"], "***********184847", "{seen}");
    assert_eq!(vehicle["plate"], "粤B***45");
    assert_eq!(vehicle["delivery_date"], "2025-06-01");
    assert_eq!(vehicle["mileage_km"], 12000);
    assert_eq!(vehicle["repair_orders"][1]["number"], "RO-2026-0031");
    assert_eq!(vehicle["repair_orders"][0]["fault"], "变速箱异响");
    assert_eq!(seen["first_contact_owner"], "gz-tianhe-crm");
    assert_eq!(seen["identity_verified"], false);
    assert!(seen["bank"].is_null());

    // The phone was stored normalised: however an agent types it, the caller lookup finds it.
    for typed in ["13800138000", "138 0013 8000", "１３８００１３８０００"] {
        let (status, found) = send(
            sandbox
                .api(Method::POST, "/api/v1/callers/lookup")
                .json(&json!({"phone": typed})),
        )
        .await;
        assert_eq!(status, 200, "{typed}: {found}");
        assert_eq!(found["phone_masked"], "138****8000");
        assert!(
            found["cases"]
                .as_array()
                .expect("cases")
                .iter()
                .any(|c| c["id"] == id.as_str()),
            "{typed}: {found}"
        );
    }
    // and the status page matches its last four digits (a code goes to the outbox).
    let (status, started) = send(
        sandbox
            .api(Method::POST, "/api/v1/status/codes")
            .json(&json!({"case_number": number, "phone_last4": "8000"})),
    )
    .await;
    assert!(status < 300, "{started}");
    let codes = sandbox.data_dir.path().join("outbox").join("sms-codes");
    let sent = std::fs::read_dir(&codes).map(|d| d.count()).unwrap_or(0);
    assert_eq!(sent, 1, "the code went out for the matching last four");

    // A store's member of staff sees the same masks and may not ask for the clear values.
    let token = staff_token(&sandbox, "gz-tianhe-crm").await;
    let (status, as_store) = send(as_staff(&sandbox, &token, Method::GET, &format!("/api/v1/cases/{id}"))).await;
    assert_eq!(status, 200, "{as_store}");
    assert_eq!(as_store["complainant"]["phone"], "138****8000");
    assert_eq!(as_store["vehicle"]["vin"], "***********184847");
    let (status, refused) = send(as_staff(
        &sandbox,
        &token,
        Method::GET,
        &format!("/api/v1/cases/{id}?reveal=personal_data&purpose=callback"),
    ))
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );

    // The head office's administrator sees them in clear, for a stated purpose, audited.
    let (status, missing) = send(sandbox.api(Method::GET, &format!("/api/v1/cases/{id}?reveal=personal_data"))).await;
    assert_eq!(
        (status, missing["error"]["field"].as_str()),
        (422, Some("purpose")),
        "{missing}"
    );
    let (status, clear) = send(sandbox.api(
        Method::GET,
        &format!("/api/v1/cases/{id}?reveal=personal_data&purpose=manufacturer_callback"),
    ))
    .await;
    assert_eq!(status, 200, "{clear}");
    assert_eq!(clear["complainant"]["masked"], false);
    assert_eq!(clear["complainant"]["phone"], "13800138000");
    assert_eq!(clear["complainant"]["name"], "王芳");
    assert_eq!(clear["complainant"]["id_document"]["number"], RESIDENT_ID);
    assert_eq!(clear["vehicle"]["vin"], VIN);
    assert_eq!(clear["vehicle"]["plate"], "粤B12345");
    let audit = sandbox.audit_log("intake").await.expect("audit");
    let release = audit
        .iter()
        .find(|entry| entry.action == "personal_data.released" && entry.subject == id)
        .expect("the release is audited");
    let detail: Value = serde_json::from_str(&release.detail_json).expect("json");
    assert_eq!(detail["purpose"], "manufacturer_callback");
    assert!(!release.detail_json.contains("13800138000") && !release.detail_json.contains(VIN));

    // Nothing of it is in clear in the data directory (SQLite stores, WAL, bus, outbox) — but
    // the phone in notification's SMS outbox, which stands in for the provider and so holds the
    // addressee as the provider's request would.
    for secret in [VIN, RESIDENT_ID, "粤B12345", "天河路385号"] {
        assert_eq!(data_dir_contains(&sandbox, secret), Vec::<String>::new(), "{secret}");
    }
    let outbox = sandbox.data_dir.path().join("outbox").join("sms");
    let phone_files: Vec<_> = data_dir_contains(&sandbox, "13800138000")
        .into_iter()
        .filter(|path| !path.starts_with(&outbox.display().to_string()))
        .collect();
    assert_eq!(phone_files, Vec::<String>::new());
    sandbox.stop().await;
}

async fn a_bank_card_is_kept_masked_and_shown_only_after_identity_verification(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let created = register(
        &sandbox,
        json!({"channel": "phone", "narrative": "信用卡被重复收取年费，要求退还",
            "complainant": {"name": "陈静", "phone": "13900001111"},
            "bank": {"card_number": "6228 4800 0000 0000 018", "product": "信用卡", "branch": "广州天河支行"}}),
    )
    .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let seen = case(&sandbox, &id).await;
    assert_eq!(
        seen["bank"],
        json!({"account_kind": "card", "account": null, "account_withheld": true, "product": "信用卡", "branch": "广州天河支行"}),
        "{seen}"
    );
    assert_eq!(seen["identity_verified"], false);

    // No document on file: it cannot be compared; a code to the mobile on file can.
    let verify = |body: Value| {
        sandbox
            .api(Method::POST, &format!("/api/v1/cases/{id}/verify-identity"))
            .json(&body)
    };
    let (status, refused) = send(verify(
        json!({"method": "id_document", "id_document": {"kind": "resident_id", "number": RESIDENT_ID}}),
    ))
    .await;
    assert_eq!(
        (status, first_error(&refused)),
        (422, ("id_document.number".to_owned(), "no_document_on_file".to_owned())),
        "{refused}"
    );
    let (status, sent) = send(verify(json!({"method": "one_time_code"}))).await;
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["code_sent"], true);
    assert_eq!(sent["phone"], "139****1111");
    let codes = sandbox.data_dir.path().join("outbox").join("sms-codes");
    let file = std::fs::read_dir(&codes)
        .expect("outbox")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("identity-"))
        .expect("the code's message");
    let message: Value = serde_json::from_slice(&std::fs::read(file.path()).expect("read")).expect("json");
    let params: Value = serde_json::from_str(message["template_param"].as_str().expect("params")).expect("json");
    let code = params["code"].as_str().expect("code").to_owned();
    assert_eq!(
        message["phone_numbers"], "139****1111",
        "the outbox keeps the phone masked"
    );
    let wrong = format!("{:06}", (code.parse::<u32>().expect("digits") + 1) % 1_000_000);
    let (status, refused) = send(verify(json!({"method": "one_time_code", "code": wrong}))).await;
    assert_eq!(
        (status, first_error(&refused)),
        (422, ("code".to_owned(), "invalid_code".to_owned())),
        "{refused}"
    );
    let (status, verified) = send(verify(json!({"method": "one_time_code", "code": code}))).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["identity_verified"], true);

    let seen = case(&sandbox, &id).await;
    assert_eq!(seen["identity_verified"], true);
    assert_eq!(seen["identity_method"], "one_time_code");
    assert_eq!(seen["bank"]["account"], "622848*********0018", "{seen}");
    assert_eq!(seen["bank"]["account_withheld"], false);
    assert_eq!(count_entries(&seen, "intake", "identity_code_sent"), 1);
    assert_eq!(count_entries(&seen, "intake", "identity_verified"), 1);
    let entry = seen["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["action"] == "identity_verified")
        .expect("entry");
    assert_eq!(
        entry["detail"],
        json!({"method": "one_time_code"}),
        "no values on the timeline"
    );

    // The card was never stored in clear, not even encrypted: the reveal has no account.
    let (_, clear) = send(sandbox.api(
        Method::GET,
        &format!("/api/v1/cases/{id}?reveal=personal_data&purpose=refund"),
    ))
    .await;
    assert_eq!(clear["complainant"]["phone"], "13900001111");
    assert!(!clear.to_string().contains(CARD), "{clear}");
    assert_eq!(data_dir_contains(&sandbox, CARD), Vec::<String>::new());
    let outbox = sandbox.data_dir.path().join("outbox").join("sms");
    assert!(
        data_dir_contains(&sandbox, "13900001111")
            .iter()
            .all(|path| path.starts_with(&outbox.display().to_string())),
        "the phone only in the SMS outbox, as the provider would get it"
    );
    sandbox.stop().await;
}

async fn a_proxy_for_an_heir_is_verified_by_the_document_on_file(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let created = register(
        &sandbox,
        json!({"channel": "letter", "narrative": "受继承人王建国委托，申请查询已故储户王德明名下账户余额并办理继承",
            "complainant": {"name": "张律", "phone": "020-8888 6666 转 12", "role": "proxy",
                "represents": {"name": "王建国", "relationship": "lawyer"},
                "id_document": {"kind": "resident_id", "number": RESIDENT_ID}},
            "bank": {"account_number": "4400 1234 5678 9012", "product": "定期存款"}}),
    )
    .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let seen = case(&sandbox, &id).await;
    let person = &seen["complainant"];
    assert_eq!(person["role"], "proxy", "{seen}");
    assert_eq!(person["represents"], json!({"name": "王**", "relationship": "lawyer"}));
    assert_eq!(person["phone"], "020-****6666#**");
    assert_eq!(person["phone_kind"], "landline");
    assert_eq!(seen["bank"]["account_kind"], "account");
    assert_eq!(seen["bank"]["account_withheld"], true);

    let verify = |body: Value| {
        sandbox
            .api(Method::POST, &format!("/api/v1/cases/{id}/verify-identity"))
            .json(&body)
    };
    let (status, refused) = send(verify(
        json!({"method": "id_document", "id_document": {"kind": "resident_id", "number": "11010519800101000X"}}),
    ))
    .await;
    assert_eq!(status, 422, "{refused}");
    let (status, refused) = send(verify(
        json!({"method": "id_document", "id_document": {"kind": "resident_id", "number": "440106199001011234"}}),
    ))
    .await;
    let (field, rule) = first_error(&refused);
    assert_eq!(status, 422, "{refused}");
    assert_eq!(field, "id_document.number");
    assert!(
        rule == "identity_mismatch" || rule == "check_digit",
        "another document, or not a document: {refused}"
    );
    let (status, verified) = send(verify(
        json!({"method": "id_document", "id_document": {"kind": "resident_id", "number": "110105 19491231 002x"}}),
    ))
    .await;
    assert_eq!(status, 200, "{verified}");
    let seen = case(&sandbox, &id).await;
    assert_eq!(seen["identity_method"], "id_document");
    assert_eq!(seen["bank"]["account"], "************9012");
    assert_eq!(data_dir_contains(&sandbox, "4400123456789012"), Vec::<String>::new());
    assert_eq!(data_dir_contains(&sandbox, RESIDENT_ID), Vec::<String>::new());

    // A member of staff filing an internal complaint names themself; an organisation its code.
    register(
        &sandbox,
        json!({"channel": "web", "narrative": "门店主管安排加班不登记调休",
            "complainant": {"name": "李伟", "role": "staff", "staff_id": "gz-tianhe-byd-sales"}}),
    )
    .await;
    let organisation = register(
        &sandbox,
        json!({"channel": "email", "narrative": "贵行代发工资延迟三天到账",
            "complainant": {"name": "福州某某贸易有限公司（仓山分公司）", "email": "hr@example.cn", "role": "organisation",
                "credit_code": "91350100M000100Y43"}}),
    )
    .await;
    let seen = case(&sandbox, organisation["id"].as_str().expect("id")).await;
    assert_eq!(
        seen["complainant"]["name"], "福州某某贸易有限公司（仓山分公司）",
        "an organisation's name is no person's"
    );
    assert_eq!(seen["complainant"]["credit_code"], "91350100******0Y43");
    sandbox.stop().await;
}

async fn broken_formats_are_refused_naming_the_field_and_the_rule(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let base = |extra: Value| {
        let mut body =
            json!({"channel": "phone", "narrative": "测试", "complainant": {"name": "王芳", "phone": "13800138000"}});
        for (key, value) in extra.as_object().expect("object") {
            if key == "complainant" {
                for (k, v) in value.as_object().expect("object") {
                    body["complainant"][k] = v.clone();
                }
            } else {
                body[key] = value.clone();
            }
        }
        body
    };
    let cases = [
        (
            json!({"complainant": {"id_document": {"kind": "resident_id", "number": "110105194912310021"}}}),
            "complainant.id_document.number",
            "check_digit",
        ),
        (
            json!({"complainant": {"id_document": {"kind": "hk_macau_permit", "number": "X1234567"}}}),
            "complainant.id_document.number",
            "pattern",
        ),
        (
            json!({"complainant": {"phone": "12345"}}),
            "complainant.phone",
            "pattern",
        ),
        (
            json!({"complainant": {"phone": "+1 415 555 0100"}}),
            "complainant.phone",
            "country_code",
        ),
        (
            json!({"complainant": {"phone": "1380013800"}}),
            "complainant.phone",
            "length",
        ),
        (
            json!({"complainant": {"name": "王芳2"}}),
            "complainant.name",
            "characters",
        ),
        (
            json!({"complainant": {"division_code": "990106"}}),
            "complainant.division_code",
            "region",
        ),
        (
            json!({"complainant": {"role": "staff"}}),
            "complainant.staff_id",
            "required",
        ),
        (
            json!({"complainant": {"role": "organisation", "credit_code": "91350100M000100Y44"}}),
            "complainant.credit_code",
            "check_digit",
        ),
        (
            json!({"complainant": {"role": "heir", "represents": {"name": "王1", "relationship": "child"}}}),
            "complainant.represents.name",
            "characters",
        ),
        (
            json!({"vehicle": {"vin": "LSVAM4187C2184848"}}),
            "vehicle.vin",
            "check_digit",
        ),
        (
            json!({"vehicle": {"vin": "LSVAM4187C218484O"}}),
            "vehicle.vin",
            "characters",
        ),
        (json!({"vehicle": {"plate": "粤I12345"}}), "vehicle.plate", "characters"),
        (
            json!({"vehicle": {"delivery_date": "2099-01-01"}}),
            "vehicle.delivery_date",
            "range",
        ),
        (
            json!({"vehicle": {"repair_orders": [{"number": "RO 1"}]}}),
            "vehicle.repair_orders[0].number",
            "pattern",
        ),
        (
            json!({"bank": {"card_number": "6228480000000000019"}}),
            "bank.card_number",
            "check_digit",
        ),
        (
            json!({"bank": {"account_number": "12a45678"}}),
            "bank.account_number",
            "characters",
        ),
        (
            json!({"first_contact_owner": "Agent 7"}),
            "first_contact_owner",
            "directory_id",
        ),
    ];
    for (extra, field, rule) in cases {
        let body = base(extra.clone());
        let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/complaints").json(&body)).await;
        assert_eq!(status, 422, "{extra}: {refused}");
        assert_eq!(
            first_error(&refused),
            (field.to_owned(), rule.to_owned()),
            "{extra}: {refused}"
        );
        assert!(
            !refused["error"]["message"].as_str().unwrap_or_default().is_empty(),
            "{refused}"
        );
    }
    // An unknown kind of document is refused by the schema.
    let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/complaints").json(&base(
        json!({"complainant": {"id_document": {"kind": "driving_licence", "number": "x"}}}),
    )))
    .await;
    assert!((400..500).contains(&status), "{refused}");

    // The OpenAPI document describes every new field and the new endpoint.
    let (status, document) = send(sandbox.api(Method::GET, "/api/v1/openapi.json")).await;
    assert_eq!(status, 200);
    let schemas = &document["components"]["schemas"];
    for (schema, property) in [
        ("ComplainantBody", "id_document"),
        ("ComplainantBody", "represents"),
        ("ComplaintRequest", "vehicle"),
        ("ComplaintRequest", "bank"),
        ("ComplaintRequest", "first_contact_owner"),
        ("CaseView", "complainant"),
        ("CaseView", "identity_verified"),
        ("BankView", "account_withheld"),
        ("VehicleView", "repair_orders"),
    ] {
        assert!(
            !schemas[schema]["properties"][property].is_null(),
            "{schema}.{property} in the OpenAPI document"
        );
    }
    assert!(!document["paths"]["/api/v1/cases/{id}/verify-identity"]["post"].is_null());
    sandbox.stop().await;
}

async fn case_numbers_follow_the_configured_format(stores: Stores) {
    let mut settings = Settings::default();
    settings.intake.case_numbers =
        serde_json::from_value(json!({"prefix": "KF", "layout": "monthly", "sequence_digits": 5})).expect("settings");
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), settings)
        .await
        .expect("sandbox starts");
    let month = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y%m")
        .to_string();
    let mut numbers = Vec::new();
    for n in 0..3 {
        let created = register(
            &sandbox,
            json!({"channel": "web", "narrative": format!("第{n}次反映"), "anonymous": true}),
        )
        .await;
        numbers.push(created["case_number"].as_str().expect("number").to_owned());
    }
    let expected: Vec<String> = (1..=3).map(|n| format!("KF{month}{n:05}")).collect();
    assert_eq!(numbers, expected);
    let seen = case(&sandbox, &numbers[1]).await;
    assert_eq!(seen["case_number"], numbers[1], "a case is found by its number");
    // A prefix that cannot be read out is refused before anything starts.
    let mut bad = Settings::default();
    bad.intake.case_numbers.prefix = "TO".into();
    assert!(bad.intake.case_numbers.validate().is_err());
    sandbox.stop().await;
}

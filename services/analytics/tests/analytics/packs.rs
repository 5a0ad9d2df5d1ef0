//! The bank's half-year pack for its two branches (north and south, each with its sub-branches)
//! and head office: the XLSX read by openpyxl and the DOCX by python-docx, their totals equal to
//! the KPI API, head office's consolidation equal to the sum of the branches.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use rpc::analytics::v1::{DenominatorRequest, HalfYearRequest, KpisReply, KpisRequest};
use runtime::grpc::with_tenant;
use serde_json::Value;
use testkit::stores::StoreTarget;

use crate::Running;
use crate::generate::{self, Stream, TENANT};

/// A pack read back by the Python reader.
fn read(kind: &str, content: &[u8]) -> Value {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join(format!("pack.{kind}"));
    std::fs::write(&path, content).expect("written");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/scripts/read_pack.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(kind)
        .arg(&path)
        .output()
        .expect("python3 runs the reader (openpyxl and python-docx: see scripts/test)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("the reader's JSON")
}

/// The summary sheet as key → (value, numerator, denominator).
fn summary(book: &Value) -> BTreeMap<String, (f64, Option<u64>, Option<u64>)> {
    let sheet = book["sheets"]["汇总"]
        .as_array()
        .expect("the summary sheet, named in Chinese");
    sheet
        .iter()
        .skip(2)
        .map(|row| {
            let cell = |n: usize| row[n].as_f64();
            (
                row[0].as_str().expect("a key").to_owned(),
                (
                    cell(2).expect("a value"),
                    cell(3).map(|v| v as u64),
                    cell(4).map(|v| v as u64),
                ),
            )
        })
        .collect()
}

async fn kpis(running: &Running, from: &str, to: &str, unit: &str) -> KpisReply {
    let request = KpisRequest {
        from: from.into(),
        to: to.into(),
        unit: unit.into(),
        ..KpisRequest::default()
    };
    running
        .client
        .clone()
        .kpis(with_tenant(TENANT, request))
        .await
        .expect("KPIs")
        .into_inner()
}

fn complaints(reply: &KpisReply) -> u64 {
    ["complaint", "report"]
        .iter()
        .map(|kind| reply.by_kind.get(*kind).map_or(0, |b| b.count))
        .sum()
}

async fn pack(running: &Running, unit: &str, format: &str, language: &str) -> Vec<u8> {
    let request = HalfYearRequest {
        year: 2025,
        half: 1,
        unit: unit.into(),
        format: format.into(),
        language: language.into(),
    };
    let file = running
        .client
        .clone()
        .half_year_report(with_tenant(TENANT, request))
        .await
        .expect("the pack")
        .into_inner();
    assert_eq!(file.filename, format!("half-year-2025-h1-{unit}.{format}"));
    file.content
}

testkit::on_both_backends!(a_half_year_pack_reads_back_with_the_kpi_apis_totals_and_head_office_sums_its_branches);

async fn a_half_year_pack_reads_back_with_the_kpi_apis_totals_and_head_office_sums_its_branches(target: &StoreTarget) {
    // This half and the half before it.
    let mut cases = generate::cases(3_000, 11);
    let earlier = generate::cases_between(
        1_200,
        12,
        Utc.with_ymd_and_hms(2024, 6, 30, 16, 0, 0).single().expect("start"),
        Utc.with_ymd_and_hms(2024, 12, 31, 15, 0, 0).single().expect("end"),
    );
    let offset = cases.len();
    cases.extend(earlier.into_iter().map(|mut case| {
        case.repeat_of = case.repeat_of.map(|i| i + offset);
        case
    }));
    let running = Running::start(target, "analytics.db").await;
    for (unit, customers) in [("n1", 120_000), ("n2", 80_000), ("s1", 50_000), ("s2", 150_000)] {
        let request = DenominatorRequest {
            unit: unit.into(),
            year: 2025,
            customers,
            outlets: 5,
            entered_by: "admin".into(),
        };
        running
            .client
            .clone()
            .enter_denominator(with_tenant(TENANT, request))
            .await
            .expect("entered");
    }
    running.publish(&Stream::of(&cases).events).await;
    running.caught_up().await;

    let mut summaries = BTreeMap::new();
    for unit in ["north", "south", "hq"] {
        let book = read("xlsx", &pack(&running, unit, "xlsx", "zh-CN").await);
        let lines = summary(&book);
        let reply = kpis(&running, "2025-01-01", "2025-06-30", unit).await;
        let before = kpis(&running, "2024-07-01", "2024-12-31", unit).await;
        let value = |key: &str| lines.get(key).unwrap_or_else(|| panic!("{key} in {unit}'s summary")).0 as u64;
        let parts = |key: &str| {
            let (_, numerator, denominator) = lines[key];
            (numerator.expect("numerator"), denominator.expect("denominator"))
        };
        assert_eq!(value("received"), reply.total, "{unit}");
        assert_eq!(value("complaints"), complaints(&reply), "{unit}");
        assert_eq!(value("previous_complaints"), complaints(&before), "{unit}");
        assert!(complaints(&before) > 0 && complaints(&reply) > 0);
        assert_eq!(value("compensation_fen"), reply.compensation_fen, "{unit}");
        assert_eq!(
            value("from_regulator"),
            reply
                .by_source
                .get("regulator")
                .map_or(0, |b| b.kpis["on_the_spot"].denominator),
            "{unit}: complaints from the regulator"
        );
        for kpi in [
            "closure",
            "timeliness",
            "satisfaction",
            "repeat",
            "callback_success",
            "escalation_outside",
            "per_10000_customers",
        ] {
            let answered = &reply.kpis[kpi];
            assert_eq!(parts(kpi), (answered.numerator, answered.denominator), "{unit} {kpi}");
        }
        // The regulator's tables: business type, cause, channel.
        let sheets = book["sheets"].as_object().expect("sheets");
        for name in ["业务类型", "投诉原因", "投诉类别", "渠道", "来源", "分支机构"] {
            assert!(sheets.contains_key(name), "{unit}: sheet {name} in {:?}", sheets.keys());
        }
        let channels: u64 = book["sheets"]["渠道"]
            .as_array()
            .expect("rows")
            .iter()
            .skip(1)
            .map(|row| row[1].as_f64().expect("a count") as u64)
            .sum();
        assert_eq!(
            channels,
            complaints(&reply),
            "{unit}: the channels add up to the complaints"
        );
        summaries.insert(unit, (lines, book));
    }

    // Head office's consolidation is the sum of its two branches.
    let (hq, hq_book) = &summaries["hq"];
    for key in [
        "received",
        "complaints",
        "previous_complaints",
        "compensation_fen",
        "from_regulator",
        "major",
    ] {
        let sum: f64 = ["north", "south"].iter().map(|b| summaries[b].0[key].0).sum();
        assert_eq!(hq[key].0, sum, "head office's {key}");
    }
    for key in [
        "closure",
        "timeliness",
        "satisfaction",
        "repeat",
        "callback_success",
        "escalation_outside",
        "per_10000_customers",
    ] {
        let sum = ["north", "south"].iter().fold((0, 0), |(n, d), b| {
            let (_, numerator, denominator) = summaries[b].0[key];
            (n + numerator.expect("numerator"), d + denominator.expect("denominator"))
        });
        assert_eq!(
            (hq[key].1.expect("n"), hq[key].2.expect("d")),
            sum,
            "head office's {key}"
        );
    }
    let branches: BTreeMap<String, u64> = hq_book["sheets"]["分支机构"]
        .as_array()
        .expect("rows")
        .iter()
        .skip(1)
        .map(|row| {
            (
                row[0].as_str().expect("unit").to_owned(),
                row[2].as_f64().expect("complaints") as u64,
            )
        })
        .collect();
    let expected: BTreeMap<String, u64> = ["north", "south"]
        .iter()
        .map(|b| ((*b).to_owned(), summaries[b].0["complaints"].0 as u64))
        .collect();
    assert_eq!(branches, expected);

    // The narrative, read by python-docx: the figures in the text, the branches in a table.
    let document = read("docx", &pack(&running, "hq", "docx", "zh-CN").await);
    let text: Vec<&str> = document["paragraphs"]
        .as_array()
        .expect("paragraphs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let complaints_hq = hq["complaints"].0 as u64;
    assert!(
        text.iter()
            .any(|p| p.contains(&format!("本期共受理投诉 {complaints_hq} 件"))),
        "{text:?}"
    );
    let (n, d) = (hq["closure"].1.expect("n"), hq["closure"].2.expect("d"));
    assert!(text.iter().any(|p| p.contains(&format!("（{n}/{d}）"))), "{text:?}");
    for heading in [
        "一、投诉总体情况",
        "三、监管转送及外部升级",
        "八、典型案例",
        "十二、下一步工作",
    ] {
        assert!(text.contains(&heading), "{heading} in {text:?}");
    }
    let tables = document["tables"].as_array().expect("tables");
    let branch_table = tables.iter().find(|t| t[0][0] == "机构").expect("the branches' table");
    assert_eq!(
        branch_table.as_array().expect("rows").len(),
        3,
        "a header and two branches"
    );
    let english = read("docx", &pack(&running, "north", "docx", "en").await);
    let first: Vec<&str> = english["paragraphs"]
        .as_array()
        .expect("paragraphs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        first.iter().any(|p| p.contains("complaints were received this period")),
        "{first:?}"
    );

    // A unit the organisation lacks is refused, naming the field.
    let request = HalfYearRequest {
        year: 2025,
        half: 1,
        unit: "atlantis".into(),
        format: "xlsx".into(),
        language: String::new(),
    };
    let refused = running
        .client
        .clone()
        .half_year_report(with_tenant(TENANT, request))
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
    running.stop().await;
}

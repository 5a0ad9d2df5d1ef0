//! `redress up --demo`: demonstration cases from every channel, registered through intake like
//! any other case. Each carries an idempotency key, so starting with `--demo` again adds nothing.
//!
//! The organisation (a dealership group and a bank) and a quarter of history arrive with the
//! console issue; until then the demo is these cases.

use rpc::intake::v1::intake_client::IntakeClient;
use rpc::intake::v1::{Complainant, Idempotency, RegisterRequest};
use runtime::grpc::with_tenant;

/// One demonstration case: (channel, narrative, name, phone, unit, demands).
type DemoCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// Narratives after real owner and customer complaints.
const CASES: &[DemoCase] = &[
    (
        "phone",
        "阿特兹B柱异响，车内异响严重，4S店检查三次未解决。",
        "李伟",
        "13812345678",
        "store-sz-01",
        &["repair"],
    ),
    (
        "web",
        "iEV6E动力电池故障，无法充电，要求更换电池。",
        "王芳",
        "13923456789",
        "store-gz-02",
        &["exchange"],
    ),
    (
        "walk_in",
        "迈腾起步和刹车时车辆抖动，多次维修无效，要求退车。",
        "张强",
        "13734567890",
        "store-sz-01",
        &["退车"],
    ),
    (
        "email",
        "销售顾问承诺的保养套餐没有兑现。",
        "陈静",
        "15045678901",
        "store-fs-03",
        &["compensation"],
    ),
    (
        "letter",
        "信用卡分期手续费与宣传不符，要求退还多收费用。",
        "刘洋",
        "18656789012",
        "branch-gd-01",
        &["refund"],
    ),
    (
        "wechat",
        "催收人员多次在晚上十点后致电，态度恶劣。",
        "赵敏",
        "17767890123",
        "branch-gd-02",
        &["apology"],
    ),
];

/// Registers the demonstration cases at intake; returns how many were new.
pub async fn seed(intake_url: &str) -> anyhow::Result<usize> {
    let channel = tonic::transport::Endpoint::from_shared(intake_url.to_owned())?
        .connect()
        .await?;
    let mut intake = IntakeClient::new(channel);
    let mut new = 0;
    for (n, (channel, narrative, name, phone, unit, demands)) in CASES.iter().enumerate() {
        let request = RegisterRequest {
            channel: (*channel).to_owned(),
            narrative: (*narrative).to_owned(),
            unit: (*unit).to_owned(),
            demands: demands.iter().map(|d| (*d).to_owned()).collect(),
            complainant: Some(Complainant {
                name: (*name).to_owned(),
                phone: (*phone).to_owned(),
                preferred_language: "zh-CN".to_owned(),
                ..Complainant::default()
            }),
            idempotency: Some(Idempotency {
                key: format!("demo-{n}"),
                scope: "demo".to_owned(),
                body_sha256: format!("demo-{n}-v1"),
            }),
            registered_by: "demo".to_owned(),
            ..RegisterRequest::default()
        };
        let reply = intake.register(with_tenant("default", request)).await?.into_inner();
        if !reply.replayed {
            new += 1;
        }
    }
    Ok(new)
}

//! `redress up --demo`: the demonstration organisations and cases, through the services' own
//! gRPC like any administrator and any channel.
//!
//! - Tenant `default` (the one the console's administrator sees): the dealership group of
//!   `routing::demo` — head-office call centre, two brand divisions with the manufacturers'
//!   liaison offices, two regions, six 4S stores — with its rules and the dealer category tree.
//! - Tenant `bank`: the bank (head office, two provincial branches, sub-branches), its rules and
//!   the bank category tree with the JR/T 0169-2018 and NFRA codes.
//!
//! Each document is published only while the tenant has none of that kind, and each case carries
//! an idempotency key, so starting with `--demo` again adds nothing.

use catalog::Catalog;
use rpc::intake::v1::intake_client::IntakeClient;
use rpc::intake::v1::{Complainant, Idempotency, RegisterRequest};
use rpc::routing::v1::routing_client::RoutingClient;
use rpc::routing::v1::{GetDocumentRequest, PublishDocumentRequest};
use runtime::grpc::with_tenant;
use tonic::transport::Channel;

/// Which demo organisation goes into which tenant, and its category tree's sector.
const TENANTS: &[(&str, &str, &str)] = &[("default", "dealer", "dealer"), ("bank", "bank", "bank")];

/// One demonstration case.
struct DemoCase {
    tenant: &'static str,
    channel: &'static str,
    source: &'static str,
    narrative: &'static str,
    name: &'static str,
    phone: &'static str,
    /// The unit complained about.
    subject_unit: &'static str,
    subject_staff: &'static str,
    /// The branch holding the customer's account.
    account_unit: &'static str,
    category_code: &'static str,
    customer_tier: &'static str,
    demands: &'static [&'static str],
}

const NONE: DemoCase = DemoCase {
    tenant: "default",
    channel: "phone",
    source: "direct",
    narrative: "",
    name: "",
    phone: "",
    subject_unit: "",
    subject_staff: "",
    account_unit: "",
    category_code: "",
    customer_tier: "",
    demands: &[],
};

/// Narratives after real owner and customer complaints.
const CASES: &[DemoCase] = &[
    DemoCase {
        source: "hq_call_centre",
        narrative: "秦PLUS异响，车内异响严重，4S店检查三次未解决。",
        name: "李伟",
        phone: "13812345678",
        subject_unit: "gz-tianhe-byd",
        category_code: "dealer.after_sales.repair_quality",
        demands: &["repair"],
        ..NONE
    },
    DemoCase {
        channel: "web",
        narrative: "动力电池故障，无法充电，要求更换电池；已向厂家和12315反映。",
        name: "王芳",
        phone: "13923456789",
        subject_unit: "sz-futian-byd",
        category_code: "dealer.product_quality",
        demands: &["exchange"],
        ..NONE
    },
    DemoCase {
        channel: "walk_in",
        narrative: "凯美瑞起步和刹车时车辆抖动，多次维修无效，要求退车。",
        name: "张强",
        phone: "13734567890",
        subject_unit: "nj-gulou-toyota",
        category_code: "dealer.after_sales.repair_quality",
        demands: &["退车"],
        ..NONE
    },
    DemoCase {
        channel: "email",
        narrative: "销售顾问承诺的保养套餐没有兑现，提车时又要求加装精品。",
        name: "陈静",
        phone: "15045678901",
        subject_unit: "gz-tianhe-byd",
        subject_staff: "gz-tianhe-byd-sales",
        category_code: "dealer.sales.promise_not_kept",
        demands: &["compensation"],
        ..NONE
    },
    DemoCase {
        tenant: "bank",
        channel: "letter",
        narrative: "信用卡分期手续费与宣传不符，要求退还多收费用。",
        name: "刘洋",
        phone: "18656789012",
        account_unit: "js-xuanwu",
        category_code: "bank.credit_card",
        demands: &["refund"],
        ..NONE
    },
    DemoCase {
        tenant: "bank",
        channel: "wechat",
        narrative: "催收人员多次在晚上十点后致电，态度恶劣。",
        name: "赵敏",
        phone: "17767890123",
        account_unit: "gd-tianhe",
        category_code: "bank.debt_collection",
        customer_tier: "vip",
        demands: &["apology"],
        ..NONE
    },
];

/// What seeding did.
#[derive(Debug, Default)]
pub struct Seeded {
    /// Documents published (organisation, rules, catalog of each tenant that had none).
    pub documents: usize,
    /// Cases registered for the first time.
    pub cases: usize,
}

async fn connect(url: &str) -> anyhow::Result<Channel> {
    Ok(tonic::transport::Endpoint::from_shared(url.to_owned())?
        .connect()
        .await?)
}

/// Publishes each demo tenant's documents that it lacks, then registers the cases.
pub async fn seed(intake_url: &str, routing_url: &str) -> anyhow::Result<Seeded> {
    let mut routing = RoutingClient::new(connect(routing_url).await?);
    let mut seeded = Seeded::default();
    for (tenant, demo_name, sector) in TENANTS {
        let demo = routing::demo::DEMOS
            .iter()
            .find(|d| d.tenant == *demo_name)
            .ok_or_else(|| anyhow::anyhow!("no demo named {demo_name}"))?;
        let documents = [
            ("organisation", demo.organisation.to_owned()),
            ("rules", demo.rules.to_owned()),
            ("catalog", Catalog::starter(sector)?.to_json()),
        ];
        for (document, body_json) in documents {
            let latest = routing
                .get_document(with_tenant(
                    tenant,
                    GetDocumentRequest {
                        document: document.to_owned(),
                        version: 0,
                    },
                ))
                .await;
            if latest.is_ok_and(|view| view.into_inner().version > 0) {
                continue;
            }
            let request = PublishDocumentRequest {
                document: document.to_owned(),
                body_json,
                published_by: "demo".to_owned(),
                note: format!("redress up --demo: the {demo_name} demonstration"),
            };
            routing.publish_document(with_tenant(tenant, request)).await?;
            seeded.documents += 1;
        }
    }
    let mut intake = IntakeClient::new(connect(intake_url).await?);
    for (n, case) in CASES.iter().enumerate() {
        let request = RegisterRequest {
            channel: case.channel.to_owned(),
            source: case.source.to_owned(),
            narrative: case.narrative.to_owned(),
            subject_unit: case.subject_unit.to_owned(),
            subject_staff: case.subject_staff.to_owned(),
            account_unit: case.account_unit.to_owned(),
            category_code: case.category_code.to_owned(),
            customer_tier: case.customer_tier.to_owned(),
            demands: case.demands.iter().map(|d| (*d).to_owned()).collect(),
            complainant: Some(Complainant {
                name: case.name.to_owned(),
                phone: case.phone.to_owned(),
                preferred_language: "zh-CN".to_owned(),
                ..Complainant::default()
            }),
            idempotency: Some(Idempotency {
                // v2: the cases of the demonstration organisations (v1 had none).
                key: format!("demo-v2-{n}"),
                scope: "demo".to_owned(),
                body_sha256: format!("demo-v2-{n}"),
            }),
            registered_by: "demo".to_owned(),
            ..RegisterRequest::default()
        };
        let reply = intake.register(with_tenant(case.tenant, request)).await?.into_inner();
        if !reply.replayed {
            seeded.cases += 1;
        }
    }
    Ok(seeded)
}

//! `GET /api/v1/cases/{id}/dossier`: the case's complete file (DOMAIN.md, "Archive") as one ZIP
//! with a PDF summary, built by the `dossier` crate from what the caller may see of the case
//! (the case view, every record of the casework, the timeline) and the letters notification
//! sent. Every export is written to the console's audit log with the ZIP's SHA-256.

use axum::extract::{Path, Query, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::lifecycle::Action;
use domain::vocabulary::{Channel, DeadlineKind, Kind, Language, Source, Status};
use rpc::notification::v1::ListNoticesRequest;
use runtime::grpc::with_tenant;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::cases::{self, CaseView};
use super::{ApiError, auth};
use crate::app::State;
use crate::identity::Caller;

/// The header carrying the ZIP's SHA-256, as the audit log records it.
pub const SHA256_HEADER: &str = "x-redress-dossier-sha256";

/// The language of the summary.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DossierQuery {
    /// `zh-CN` or `en`; from `Accept-Language` when absent.
    pub lang: Option<String>,
}

/// The ZIP file (`application/zip`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct DossierZip(pub Vec<u8>);

/// The case's dossier.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}/dossier",
    params(("id" = String, Path, description = "The case id or case number"), DossierQuery),
    responses(
        (status = 200, description = "The ZIP: summary.pdf, timeline.csv, records.json, case.json, letters/, manifest.json (every file's SHA-256); the header x-redress-dossier-sha256 is the ZIP's, as audited", content_type = "application/zip", body = DossierZip),
        (status = 401, description = "No or bad credential", body = crate::api::error::ErrorBody),
        (status = 403, description = "The case is about the caller, or the caller is not staff", body = crate::api::error::ErrorBody),
        (status = 404, description = "No such case for this tenant", body = crate::api::error::ErrorBody),
        (status = 422, description = "`lang` is neither zh-CN nor en", body = crate::api::error::ErrorBody),
        (status = 503, description = "Try again; or no CJK font for the PDF (`pdf_font_missing`: install fonts-wqy-microhei or set REDRESS_PDF_FONT)", body = crate::api::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn export(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<DossierQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = auth::required_caller(&state, &headers).await?;
    if !matches!(caller.role.as_str(), "admin" | "staff") {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a dossier is exported by staff",
        ));
    }
    let Query(query) = query.map_err(|rejection| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", rejection.body_text()).with_field("query")
    })?;
    let language = match query.lang.as_deref() {
        None => Language::negotiate(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        ),
        Some("zh-CN" | "zh") => Language::ZhCn,
        Some("en") => Language::En,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("lang: `{other}` is not one of zh-CN, en"),
            )
            .with_field("lang"));
        }
    };
    let view = cases::view(&state, &caller, id).await?;
    let notices = state
        .peers
        .notification
        .clone()
        .list_notices(with_tenant(
            &caller.tenant,
            ListNoticesRequest {
                case_id: view.id.clone(),
            },
        ))
        .await
        .map_err(|s| ApiError::from_status(s, "notification"))?
        .into_inner()
        .notices;
    let now = chrono::Utc::now();
    let exported_by = exporter(&caller);
    let content = assemble(&view, notices, language, &exported_by, &now.to_rfc3339());
    let fonts = state.fonts.clone();
    let built = tokio::task::spawn_blocking(move || {
        let fonts = fonts.get()?;
        dossier::build(&content, &fonts)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
    .map_err(|error| match error {
        dossier::Error::NoFont { .. } | dossier::Error::NotCjk { .. } | dossier::Error::BadFont { .. } => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "pdf_font_missing", error.to_string())
        }
        other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", other.to_string()),
    })?;
    audit(&state, &caller, &exported_by, &view, &built, language, now).await?;
    let file_name = format!("{}-dossier.zip", view.case_number);
    let mut response = (StatusCode::OK, built.zip).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&built.sha256) {
        headers.insert(SHA256_HEADER, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Who the export is recorded against: the member of staff, or the administrator (the audit
/// detail names the credential either way).
fn exporter(caller: &Caller) -> String {
    caller.staff.clone().unwrap_or_else(|| caller.role.clone())
}

/// Writes the export to the console's audit log (hash-chained per tenant).
async fn audit(
    state: &State,
    caller: &Caller,
    exported_by: &str,
    view: &CaseView,
    built: &dossier::Built,
    language: Language,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let failed = |e: store::Error| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string());
    let detail = json!({"case_number": view.case_number, "sha256": built.sha256, "bytes": built.zip.len(),
        "files": built.files, "language": language.tag(), "credential": caller.credential_id});
    let mut tx = state.identity.begin().await.map_err(failed)?;
    store::audit::append(
        &mut tx,
        &store::audit::AuditEntry {
            tenant: &caller.tenant,
            at: now,
            actor: exported_by,
            action: "dossier.exported",
            subject: &view.id,
            detail_json: &detail.to_string(),
        },
    )
    .await
    .map_err(failed)?;
    state.identity.commit(tx).await.map_err(failed)
}

/// The labels of the case's facts, in the summary's language.
fn label(language: Language, zh: &'static str, en: &'static str) -> String {
    match language {
        Language::ZhCn => zh,
        Language::En => en,
    }
    .to_owned()
}

/// A wire value in words when the vocabulary knows it, else as it is.
fn words(wire: &str, known: Option<&str>) -> String {
    known.unwrap_or(wire).to_owned()
}

/// An instant as people in Beijing read it (`2026-12-08 23:59`); as given when it does not parse.
fn local(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_owned(),
        |t| {
            t.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

/// A deadline's state in words.
fn deadline_state(language: Language, state: &str) -> String {
    let (zh, en) = match state {
        "open" => ("进行中", "running"),
        "paused" => ("已暂停", "paused"),
        "met" => ("按时完成", "met"),
        "breached" => ("已超时", "breached"),
        "cancelled" => ("已取消", "cancelled"),
        other => return other.to_owned(),
    };
    label(language, zh, en)
}

/// The service that wrote a timeline entry, in words.
fn service(language: Language, name: &str) -> String {
    let (zh, en) = match name {
        "intake" => ("登记受理", "intake"),
        "routing" => ("分派", "routing"),
        "investigation" => ("调查处理", "investigation"),
        "notification" => ("通知", "notification"),
        "analytics" => ("统计", "analytics"),
        other => return other.to_owned(),
    };
    label(language, zh, en)
}

/// A timeline entry's action in words: the services' own entries, else the lifecycle's steps.
fn timeline_action(language: Language, action: &str) -> String {
    let (zh, en) = match action {
        "registered" => ("登记", "registered"),
        "accepted" => ("受理", "accepted"),
        "rejected" => ("不予受理", "not accepted"),
        "dispatched" => ("转办", "dispatched"),
        "taken" => ("接单", "taken by the unit"),
        "returned" => ("退单", "returned by the unit"),
        "transferred" => ("转派", "transferred"),
        "recused" => ("回避", "recused"),
        "escalated" => ("升级预警", "escalated"),
        "acknowledged" => ("预警已确认", "escalation acknowledged"),
        "batch_alerted" => ("群体投诉预警", "batch alert"),
        "counted" => ("计入统计", "counted"),
        "file_opened" => ("立卷", "file opened"),
        "acknowledgement_recorded" => ("受理告知已记录", "acknowledgement recorded"),
        "deadline_warned" => ("时限预警", "deadline warning"),
        "deadline_breached" => ("时限超期", "deadline breached"),
        "deadline_recomputed" => ("时限重算", "deadline recomputed"),
        "clock_paused" => ("时限暂停", "clock paused"),
        "clock_resumed" => ("时限恢复", "clock resumed"),
        other => {
            return Action::parse(other).map_or_else(|| other.to_owned(), |a| a.label(language).to_owned());
        }
    };
    label(language, zh, en)
}

/// What a record of the casework is, in words.
fn record_kind(language: Language, kind: &str) -> String {
    let (zh, en) = match kind {
        "assignment" => ("指派", "assignment"),
        "contact" => ("联系投诉人", "contact"),
        "task" => ("交办", "task"),
        "hearing" => ("听取申辩", "hearing"),
        "finding" => ("调查结论", "finding"),
        "corrective_action" => ("整改措施", "corrective action"),
        "plan" => ("处理方案", "handling plan"),
        "approval" => ("审批", "approval"),
        "extension" => ("延期", "extension"),
        "resolution" => ("办结", "resolution"),
        "review" => ("审核", "review"),
        "callback" => ("回访", "callback"),
        "reopen" => ("重新办理", "reopen"),
        "closing" => ("结案", "closing"),
        "withdrawal" => ("撤回", "withdrawal"),
        "supervision" => ("督办", "supervision"),
        "note" => ("内部备注", "internal note"),
        "inspection" => ("质检", "quality inspection"),
        "sanction" => ("问责记录", "accountability record"),
        "reward" => ("举报奖励", "reward"),
        other => return other.to_owned(),
    };
    label(language, zh, en)
}

/// A record's body as one paragraph: each field as `name: value`, nested values as JSON.
fn paragraph(language: Language, body: &Value) -> String {
    let separator = match language {
        Language::ZhCn => "；",
        Language::En => "; ",
    };
    match body {
        Value::Object(fields) => fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                Value::String(text) => format!("{k}: {text}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(separator),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The dossier of a case as the caller sees it.
fn assemble(
    view: &CaseView,
    notices: Vec<rpc::notification::v1::Notice>,
    language: Language,
    exported_by: &str,
    exported_at: &str,
) -> dossier::Dossier {
    let l = |zh, en| label(language, zh, en);
    let none = || "—".to_owned();
    let facts = vec![
        (l("案件编号", "Case number"), view.case_number.clone()),
        (
            l("状态", "Status"),
            words(&view.status, Status::parse(&view.status).map(|s| s.label(language))),
        ),
        (
            l("类型", "Kind"),
            words(&view.kind, Kind::parse(&view.kind).map(|s| s.label(language))),
        ),
        (
            l("渠道", "Channel"),
            words(&view.channel, Channel::parse(&view.channel).map(|s| s.label(language))),
        ),
        (
            l("来源", "Source"),
            words(&view.source, Source::parse(&view.source).map(|s| s.label(language))),
        ),
        (l("类别", "Category"), view.category.clone()),
        (l("承办单位", "Handling unit"), view.unit.clone().unwrap_or_else(none)),
        (l("承办人", "Handler"), view.handler.clone().unwrap_or_else(none)),
        (l("严重程度", "Severity"), view.severity.clone().unwrap_or_else(none)),
        (l("登记时间", "Received at"), local(&view.received_at)),
        (
            l("结案原因", "Closing reason"),
            view.closing_reason
                .as_deref()
                .map(|w| {
                    domain::lifecycle::ClosingReason::parse(w)
                        .map_or_else(|| w.to_owned(), |r| r.label(language).to_owned())
                })
                .unwrap_or_else(none),
        ),
        (l("版本", "Version"), view.version.to_string()),
    ];
    let deadlines = view
        .deadlines
        .iter()
        .map(|d| dossier::DeadlineLine {
            kind: words(&d.kind, DeadlineKind::parse(&d.kind).map(|k| k.label(language))),
            due_at: local(&d.due_at),
            state: deadline_state(language, &d.state),
            provisional: d.provisional,
        })
        .collect();
    let timeline = view
        .timeline
        .iter()
        .map(|e| dossier::TimelineLine {
            at: local(&e.at),
            service: service(language, &e.service),
            action: timeline_action(language, &e.action),
            actor: e.actor.clone(),
        })
        .collect();
    let records = view
        .casework
        .as_ref()
        .and_then(|c| c["records"].as_array())
        .map(|records| {
            records
                .iter()
                .map(|r| dossier::RecordLine {
                    kind: record_kind(language, r["kind"].as_str().unwrap_or_default()),
                    n: r["n"].as_i64().unwrap_or_default(),
                    state: r["state"].as_str().unwrap_or_default().to_owned(),
                    at: local(r["at"].as_str().unwrap_or_default()),
                    by: r["actor"].as_str().unwrap_or_default().to_owned(),
                    summary: paragraph(language, &r["body"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let letters = notices
        .into_iter()
        .map(|n| dossier::Attachment {
            name: format!("{}-{}.txt", n.notice_kind, n.notice_id),
            content_type: "text/plain; charset=utf-8".to_owned(),
            bytes: format!(
                "{}\n{}: {} ({}, {})\n{}: {}\n\n{}\n",
                n.subject,
                l("收件人", "To"),
                n.recipient_masked,
                n.channel,
                n.language,
                l("记录时间", "Recorded at"),
                n.recorded_at,
                n.body
            )
            .into_bytes(),
        })
        .collect();
    let case_json = serde_json::to_vec_pretty(view).unwrap_or_default();
    dossier::Dossier {
        language: match language {
            Language::ZhCn => dossier::Language::Zh,
            Language::En => dossier::Language::En,
        },
        case_id: view.id.clone(),
        case_number: view.case_number.clone(),
        exported_by: exported_by.to_owned(),
        exported_at: exported_at.to_owned(),
        facts,
        deadlines,
        timeline,
        records,
        letters,
        materials: Vec::new(),
        data: vec![dossier::Attachment {
            name: "case.json".to_owned(),
            content_type: "application/json".to_owned(),
            bytes: case_json,
        }],
    }
}

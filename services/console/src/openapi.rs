//! The OpenAPI document served at `/api/v1/openapi.json`, generated from the handlers' own
//! types so it cannot drift from them.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Redress API", version = "1.0.0", description = "Complaint handling: register cases from every channel, follow them, read KPIs."),
    paths(
        api::complaints::create,
        api::status::request_code,
        api::status::open_session,
        api::status::show,
        api::status::answer,
        api::status::ask,
        api::status::questions,
        api::uploads::list,
        api::uploads::download,
        api::cases::show,
        api::analytics::kpis,
        api::casework::act,
        api::casework::hearing_summary,
        api::gate::import,
        api::dossier::export,
        api::inbox::inbox,
        api::answers::call_list,
        api::answers::list,
        api::answers::propose,
        api::answers::approve,
        api::answers::retire,
        api::receipts::sms,
        api::templates::get_templates,
        api::templates::put_templates,
        api::templates::preview,
        api::casework::issue_credential,
        api::routing::put_organisation,
        api::routing::get_organisation,
        api::routing::put_rules,
        api::routing::get_rules,
        api::routing::put_catalog,
        api::routing::get_catalog,
        api::routing::dry_run,
        api::webhooks::phone,
        api::webhooks::wechat_verify,
        api::webhooks::wechat_push,
        api::counter::get_draft,
        api::counter::lookup_caller,
        api::counter::complete_draft,
        api::counter::privacy_number,
        api::counter::letter,
        api::counter::start_walk_in,
        api::counter::confirm_walk_in,
        api::counter::on_the_spot,
        api::particulars::verify_identity,
    ),
    components(schemas(
        api::complaints::ComplaintRequest,
        api::complaints::ComplainantBody,
        api::complaints::ComplaintCreated,
        api::complaints::DeadlineView,
        api::uploads::ComplaintUpload,
        api::uploads::AttachmentView,
        api::uploads::AttachmentsReply,
        api::status::StatusCodeBody,
        api::status::StatusCodeReply,
        api::status::StatusSessionBody,
        api::status::StatusSessionReply,
        api::status::PublicStatusView,
        api::status::PublicDeadline,
        api::status::PublicStep,
        api::status::PublicQuestion,
        api::status::TextBody,
        api::status::QuestionView,
        api::status::QuestionsReply,
        api::cases::CaseView,
        api::cases::TimelineEntry,
        api::analytics::KpiReport,
        api::routing::PublishBody,
        api::routing::DocumentReply,
        api::routing::DryRunBody,
        api::routing::DecisionReply,
        api::routing::EscalationReply,
        api::casework::CaseActionBody,
        api::casework::CorrectiveActionBody,
        api::casework::RemedyBody,
        api::casework::SettlementBody,
        api::casework::CaseworkReply,
        api::casework::ActionReply,
        api::gate::GateActionReply,
        api::gate::ImportBody,
        api::gate::ImportFormat,
        api::gate::ImportMappingBody,
        api::gate::ImportReport,
        api::gate::ImportedRowView,
        api::gate::RefusedRowView,
        api::casework::HearingSummaryReply,
        api::casework::HearingSummaryItem,
        api::casework::CredentialBody,
        api::casework::CredentialIssued,
        api::routing::DispatchReply,
        api::routing::RegulatoryCodes,
        api::routing::Jrt0169Codes,
        api::routing::CfpbCodes,
        api::answers::CallListReply,
        api::answers::CallItem,
        api::answers::AnswersReply,
        api::answers::AnswerView,
        api::answers::AnswerBody,
        api::answers::ApproveBody,
        api::receipts::SmsReport,
        api::receipts::ReceiptsReply,
        api::error::ErrorBody,
        api::webhooks::CallWebhookBody,
        api::webhooks::DraftOpened,
        api::counter::UploadBody,
        api::counter::StoredFileView,
        api::counter::RegisteredCase,
        api::counter::CallerCaseView,
        api::counter::DraftView,
        api::counter::CallerLookupBody,
        api::counter::CallerCases,
        api::counter::PrivacyNumberBody,
        api::counter::PrivacyNumberView,
        api::counter::PostalBody,
        api::counter::FaxBody,
        api::counter::LetterBody,
        api::counter::ConfirmByName,
        api::counter::WalkInBody,
        api::counter::WalkInConfirmBody,
        api::counter::ConfirmationMethod,
        api::counter::ConfirmationBody,
        api::counter::OnTheSpotBody,
        api::particulars::IdKindName,
        api::particulars::IdDocumentBody,
        api::particulars::RoleName,
        api::particulars::RelationshipName,
        api::particulars::SalutationName,
        api::particulars::RepresentsBody,
        api::particulars::RepairOrderBody,
        api::particulars::VehicleBody,
        api::particulars::BankBody,
        api::particulars::ComplainantView,
        api::particulars::IdDocumentView,
        api::particulars::RepresentsView,
        api::particulars::RepairOrderView,
        api::particulars::VehicleView,
        api::particulars::BankView,
        api::particulars::VerificationMethod,
        api::particulars::VerifyIdentityBody,
        api::particulars::IdentityVerificationView,
    )),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key or the administrator token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "status_session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A complainant's session on their case, from POST /api/v1/status/sessions (decision 0008)",
                    ))
                    .build(),
            ),
        );
    }
}

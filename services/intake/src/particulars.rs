//! Registration particulars (decision 0010): the identity document, role, represented person,
//! salutation, vehicle and bank blocks of a case, kept encrypted in `case_particulars`; their
//! masked views for the case view, the audited release of the clear values, and identity
//! verification before an account is discussed.
//!
//! A card or account number never reaches the store: only its masked form (inside the
//! encrypted details) and a keyed token (the cipher's blind index, purpose `bank_account`).

use chrono::{DateTime, Duration, Utc};
use domain::Tenant;
use domain::complaint::NewComplaint;
use domain::formats::{IdKind, PhoneKind, mask_address, parse_id_document, parse_name, parse_phone};
use domain::masking::{mask_email, mask_name, mask_phone};
use domain::particulars::{ComplainantRole, Particulars};
use domain::vocabulary::Language;
use rpc::intake::v1::{BankView, ComplainantView, RepairOrder, VehicleView};
use serde_json::{Value, json};
use sqlx::Row;
use store::HistoryEntry;

use crate::register::Desk;
use crate::store::{self as sql, CaseRow, at};

/// How long a one-time identity code is valid.
const CODE_MINUTES: i64 = 10;
/// Wrong codes allowed before a new one must be sent.
const CODE_ATTEMPTS: i64 = 5;

/// The complainant, vehicle and bank views of a case.
pub type Views = (Option<ComplainantView>, Option<VehicleView>, Option<BankView>);

/// A case's particulars as stored.
#[derive(Debug, Clone, Default)]
pub struct ParticularsRow {
    pub case_id: String,
    pub tenant: String,
    pub details: Option<Vec<u8>>,
    pub id_index: Option<String>,
    pub bank_token: Option<String>,
    pub first_contact_owner: Option<String>,
    pub identity_verified_at: Option<String>,
    pub identity_method: Option<String>,
    pub identity_verified_by: Option<String>,
    pub code_hash: Option<String>,
    pub code_expires_at: Option<String>,
    pub code_attempts: i64,
}

/// Why a particulars request was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such case")]
    NotFound,
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        rule: &'static str,
        message: String,
    },
    #[error("too many wrong codes; send a new one")]
    TooManyAttempts,
    #[error("storage: {0}")]
    Store(#[from] store::Error),
    #[error("encryption: {0}")]
    Cipher(#[from] crate::cipher::Error),
    #[error("the code could not be sent: {0}")]
    Send(String),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

fn invalid(field: &'static str, rule: &'static str, message: impl Into<String>) -> Error {
    Error::Invalid {
        field,
        rule,
        message: message.into(),
    }
}

/// Records a case's particulars (in the registration's transaction).
pub async fn insert(conn: &mut store::Conn, row: &ParticularsRow) -> Result<(), store::Error> {
    sqlx::query(
        "INSERT INTO case_particulars (case_id, tenant, details, id_index, bank_token, first_contact_owner)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&row.case_id)
    .bind(&row.tenant)
    .bind(row.details.as_deref())
    .bind(row.id_index.as_deref())
    .bind(row.bank_token.as_deref())
    .bind(row.first_contact_owner.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's particulars, if it has any.
pub async fn find<'e, E>(executor: E, tenant: &str, case_id: &str) -> Result<Option<ParticularsRow>, store::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT case_id, tenant, details, id_index, bank_token, first_contact_owner, identity_verified_at,
            identity_method, identity_verified_by, code_hash, code_expires_at, code_attempts
         FROM case_particulars WHERE tenant = $1 AND case_id = $2",
    )
    .bind(tenant)
    .bind(case_id)
    .fetch_optional(executor)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(ParticularsRow {
        case_id: row.try_get("case_id")?,
        tenant: row.try_get("tenant")?,
        details: row.try_get("details")?,
        id_index: row.try_get("id_index")?,
        bank_token: row.try_get("bank_token")?,
        first_contact_owner: row.try_get("first_contact_owner")?,
        identity_verified_at: row.try_get("identity_verified_at")?,
        identity_method: row.try_get("identity_method")?,
        identity_verified_by: row.try_get("identity_verified_by")?,
        code_hash: row.try_get("code_hash")?,
        code_expires_at: row.try_get("code_expires_at")?,
        code_attempts: row.try_get("code_attempts")?,
    }))
}

/// Writes the verification state and the pending code of a case (creating its row when the
/// registration had no particulars).
async fn save_verification(conn: &mut store::Conn, row: &ParticularsRow) -> Result<(), store::Error> {
    sqlx::query(
        "INSERT INTO case_particulars (case_id, tenant, identity_verified_at, identity_method, identity_verified_by,
            code_hash, code_expires_at, code_attempts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (case_id) DO UPDATE SET identity_verified_at = excluded.identity_verified_at,
            identity_method = excluded.identity_method, identity_verified_by = excluded.identity_verified_by,
            code_hash = excluded.code_hash, code_expires_at = excluded.code_expires_at,
            code_attempts = excluded.code_attempts",
    )
    .bind(&row.case_id)
    .bind(&row.tenant)
    .bind(row.identity_verified_at.as_deref())
    .bind(row.identity_method.as_deref())
    .bind(row.identity_verified_by.as_deref())
    .bind(row.code_hash.as_deref())
    .bind(row.code_expires_at.as_deref())
    .bind(row.code_attempts)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What the encrypted details hold: clear personal values with their masked forms; of the bank
/// block only the masked number.
fn details_json(particulars: &Particulars) -> Value {
    let person = &particulars.complainant;
    let complainant = json!({
        "id_document": person.id_document.as_ref().map(|d| json!({
            "kind": d.kind().as_str(), "number": d.as_str(), "masked": d.masked()})),
        "division_code": person.division.as_ref().map(|d| d.as_str()),
        "role": person.role.map(ComplainantRole::as_str),
        "staff_id": person.staff_id,
        "credit_code": person.credit_code.as_ref().map(|c| json!({"code": c.as_str(), "masked": c.masked()})),
        "represents": person.represents.as_ref().map(|r| json!({
            "name": r.name.as_str(), "masked": r.name.masked(), "relationship": r.relationship.as_str()})),
        "salutation": person.salutation.map(|s| s.as_str()),
    });
    let vehicle = particulars.vehicle.as_ref().map(|v| {
        json!({
            "vin": v.vin.as_ref().map(|x| x.as_str()), "vin_masked": v.vin.as_ref().map(|x| x.masked()),
            "plate": v.plate.as_ref().map(|x| x.as_str()), "plate_masked": v.plate.as_ref().map(|x| x.masked()),
            "delivery_date": v.delivery_date.map(|d| d.to_string()),
            "mileage_km": v.mileage_km,
            "repair_orders": v.repair_orders.iter().map(|o| json!({
                "number": o.number, "date": o.date.map(|d| d.to_string()), "fault": o.fault})).collect::<Vec<_>>(),
        })
    });
    let bank = particulars.bank.as_ref().map(|b| {
        json!({
            "account_kind": b.account.as_ref().map(|a| a.kind()),
            "account_masked": b.account.as_ref().map(|a| a.masked()),
            "product": b.product, "branch": b.branch,
        })
    });
    json!({"complainant": complainant, "vehicle": vehicle, "bank": bank})
}

fn id_index_text(kind: IdKind, number: &str) -> String {
    format!("{}:{number}", kind.as_str())
}

fn string(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

impl Desk {
    /// The particulars row of a new case, its personal values encrypted; `None` when the
    /// registration carried none.
    pub(crate) fn particulars_row(
        &self,
        tenant: &Tenant,
        case_id: &str,
        complaint: &NewComplaint,
    ) -> Result<Option<ParticularsRow>, crate::cipher::Error> {
        let particulars = &complaint.particulars;
        if particulars.is_empty() && complaint.first_contact_owner.is_none() {
            return Ok(None);
        }
        let details = if particulars.is_empty() {
            None
        } else {
            let json = details_json(particulars).to_string();
            Some(
                self.cipher
                    .encrypt(tenant.as_str(), case_id.as_bytes(), json.as_bytes())?,
            )
        };
        let id_index = particulars.complainant.id_document.as_ref().map(|document| {
            self.cipher.blind_index(
                tenant.as_str(),
                "id_document",
                &id_index_text(document.kind(), document.as_str()),
            )
        });
        let bank_token = particulars
            .bank
            .as_ref()
            .and_then(|bank| bank.account.as_ref())
            .map(|account| {
                self.cipher
                    .blind_index(tenant.as_str(), "bank_account", account.digits())
            });
        Ok(Some(ParticularsRow {
            case_id: case_id.to_owned(),
            tenant: tenant.to_string(),
            details,
            id_index,
            bank_token,
            first_contact_owner: complaint.first_contact_owner.clone(),
            ..ParticularsRow::default()
        }))
    }

    fn open(&self, tenant: &Tenant, case_id: &str, sealed: Option<&[u8]>) -> Result<Value, crate::cipher::Error> {
        match sealed {
            None => Ok(Value::Null),
            Some(sealed) => {
                let plain = self.cipher.decrypt(tenant.as_str(), case_id.as_bytes(), sealed)?;
                Ok(serde_json::from_slice(&plain).unwrap_or(Value::Null))
            }
        }
    }

    /// The complainant, vehicle and bank of a case as the case view shows them: masked; the
    /// bank account only once the identity is verified. With `clear`, the complainant and vehicle
    /// in clear (for [`Desk::reveal_particulars`]).
    pub(crate) fn particulars_views(
        &self,
        tenant: &Tenant,
        case: &CaseRow,
        particulars: Option<&ParticularsRow>,
        clear: bool,
    ) -> Result<Views, crate::cipher::Error> {
        let person = self.open(tenant, &case.id, case.personal_data.as_deref())?;
        let details = self.open(tenant, &case.id, particulars.and_then(|p| p.details.as_deref()))?;
        let extra = &details["complainant"];
        let organisation = extra["role"] == "organisation";
        let complainant = (!person.is_null() || !extra.is_null()).then(|| {
            let phone = string(&person["phone"]);
            let parsed = parse_phone(&phone).ok();
            let name = string(&person["name"]);
            let masked_or = |clear_value: String, masked: String| if clear { clear_value } else { masked };
            ComplainantView {
                name: if clear || organisation || name.is_empty() {
                    name.clone()
                } else {
                    parse_name(&name).map_or_else(|_| mask_name(&name), |n| n.masked())
                },
                phone_kind: parsed
                    .as_ref()
                    .map(|p| p.kind().as_str().to_owned())
                    .unwrap_or_default(),
                phone: if clear || phone.is_empty() {
                    phone.clone()
                } else {
                    parsed.as_ref().map_or_else(|| mask_phone(&phone), |p| p.masked())
                },
                email: {
                    let email = string(&person["email"]);
                    if clear || email.is_empty() {
                        email
                    } else {
                        mask_email(&email)
                    }
                },
                address: {
                    let address = string(&person["address"]);
                    if clear || address.is_empty() {
                        address
                    } else {
                        mask_address(&address)
                    }
                },
                division_code: string(&extra["division_code"]),
                id_document_kind: string(&extra["id_document"]["kind"]),
                id_document_number: masked_or(
                    string(&extra["id_document"]["number"]),
                    string(&extra["id_document"]["masked"]),
                ),
                role: extra["role"].as_str().unwrap_or("customer").to_owned(),
                staff_id: string(&extra["staff_id"]),
                credit_code: masked_or(
                    string(&extra["credit_code"]["code"]),
                    string(&extra["credit_code"]["masked"]),
                ),
                represents_name: masked_or(
                    string(&extra["represents"]["name"]),
                    string(&extra["represents"]["masked"]),
                ),
                represents_relationship: string(&extra["represents"]["relationship"]),
                salutation: string(&extra["salutation"]),
                preferred_language: string(&person["preferred_language"]),
                preferred_channel: string(&person["preferred_channel"]),
                keep_confidential: person["keep_confidential"].as_bool().unwrap_or(false),
            }
        });
        let vehicle = details["vehicle"].as_object().map(|_| {
            let v = &details["vehicle"];
            let pick = |clear_key: &str, masked_key: &str| string(&v[if clear { clear_key } else { masked_key }]);
            VehicleView {
                vin: pick("vin", "vin_masked"),
                plate: pick("plate", "plate_masked"),
                delivery_date: string(&v["delivery_date"]),
                mileage_km: v["mileage_km"].as_u64().and_then(|km| u32::try_from(km).ok()),
                repair_orders: v["repair_orders"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|o| RepairOrder {
                        number: string(&o["number"]),
                        date: string(&o["date"]),
                        fault: string(&o["fault"]),
                    })
                    .collect(),
            }
        });
        let verified = particulars.is_some_and(|p| p.identity_verified_at.is_some());
        let bank = details["bank"].as_object().map(|_| {
            let b = &details["bank"];
            let kind = string(&b["account_kind"]);
            BankView {
                account: if verified {
                    string(&b["account_masked"])
                } else {
                    String::new()
                },
                account_withheld: !verified && !kind.is_empty(),
                account_kind: kind,
                product: string(&b["product"]),
                branch: string(&b["branch"]),
            }
        });
        Ok((complainant, vehicle, bank))
    }

    /// The complainant and vehicle of a case in clear, for a stated purpose; audited as
    /// `personal_data.released` with the purpose and the fields (never the values).
    pub async fn reveal_particulars(
        &self,
        tenant: &Tenant,
        case_id: &str,
        purpose: &str,
        requester: &str,
    ) -> Result<(String, Option<ComplainantView>, Option<VehicleView>), Error> {
        let purpose = purpose.trim();
        if purpose.is_empty() || purpose.chars().count() > 200 {
            return Err(invalid(
                "purpose",
                "required",
                "purpose says why the values are needed (1 to 200 characters)",
            ));
        }
        if requester.is_empty() {
            return Err(invalid("requester", "required", "requester names who asks"));
        }
        let case = sql::find_case(self.db.reader(), tenant.as_str(), case_id)
            .await?
            .ok_or(Error::NotFound)?;
        let mut tx = self.db.begin().await?;
        let particulars = find(&mut *tx, tenant.as_str(), &case.id).await?;
        let (complainant, vehicle, _) = self.particulars_views(tenant, &case, particulars.as_ref(), true)?;
        let mut fields = Vec::new();
        if let Some(person) = &complainant {
            for (name, value) in [
                ("name", &person.name),
                ("phone", &person.phone),
                ("email", &person.email),
                ("address", &person.address),
                ("id_document", &person.id_document_number),
                ("credit_code", &person.credit_code),
                ("represents", &person.represents_name),
            ] {
                if !value.is_empty() {
                    fields.push(name);
                }
            }
        }
        if vehicle.as_ref().is_some_and(|v| !v.vin.is_empty()) {
            fields.push("vin");
        }
        if vehicle.as_ref().is_some_and(|v| !v.plate.is_empty()) {
            fields.push("plate");
        }
        let detail = json!({"purpose": purpose, "fields": fields}).to_string();
        store::audit::append(
            &mut tx,
            &store::audit::AuditEntry {
                tenant: tenant.as_str(),
                at: self.clock.now(),
                actor: requester,
                action: "personal_data.released",
                subject: &case.id,
                detail_json: &detail,
            },
        )
        .await?;
        self.db.commit(tx).await?;
        Ok((case.id, complainant, vehicle))
    }

    /// Verifies the complainant's identity by `method` (decision 0010); a first `one_time_code`
    /// without a code sends one to the phone on file. Recorded on the timeline without values.
    pub async fn verify_identity(&self, tenant: &Tenant, request: VerifyIdentity) -> Result<Verification, Error> {
        if request.staff.is_empty() {
            return Err(invalid("staff", "required", "staff names who verifies"));
        }
        let case = sql::find_case(self.db.reader(), tenant.as_str(), &request.case_id)
            .await?
            .ok_or(Error::NotFound)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut row = find(&mut *tx, tenant.as_str(), &case.id)
            .await?
            .unwrap_or_else(|| ParticularsRow {
                case_id: case.id.clone(),
                tenant: tenant.to_string(),
                ..ParticularsRow::default()
            });
        if let (Some(at), Some(method)) = (&row.identity_verified_at, &row.identity_method) {
            return Ok(Verification {
                case_id: case.id,
                verified_at: Some(at.clone()),
                method: method.clone(),
                code: None,
            });
        }
        let person = self.open(tenant, &case.id, case.personal_data.as_deref())?;
        let phone = parse_phone(person["phone"].as_str().unwrap_or_default()).ok();
        let method = request.method.as_str();
        match method {
            "id_document" => {
                let kind = IdKind::parse(request.id_kind.trim()).ok_or_else(|| {
                    invalid(
                        "id_kind",
                        "one_of",
                        format!("id_kind must be one of: {}", IdKind::wire_list()),
                    )
                })?;
                let today = (now + Duration::hours(8)).date_naive();
                let document = parse_id_document(kind, &request.id_number, today).map_err(|e| Error::Invalid {
                    field: "id_number",
                    rule: e.rule.as_str(),
                    message: e.message(Language::En),
                })?;
                let Some(on_file) = &row.id_index else {
                    return Err(invalid(
                        "id_number",
                        "no_document_on_file",
                        "the case has no identity document to compare with; verify by one_time_code or callback",
                    ));
                };
                let presented = self.cipher.blind_index(
                    tenant.as_str(),
                    "id_document",
                    &id_index_text(document.kind(), document.as_str()),
                );
                if presented != *on_file {
                    return Err(invalid(
                        "id_number",
                        "identity_mismatch",
                        "the document presented is not the one on file",
                    ));
                }
            }
            "callback" => {
                if phone.is_none() {
                    return Err(invalid(
                        "method",
                        "no_phone",
                        "the case has no phone number on file to call back",
                    ));
                }
            }
            "one_time_code" => {
                let Some(phone) = phone.filter(|p| {
                    matches!(p.kind(), PhoneKind::Mobile | PhoneKind::HongKong | PhoneKind::Macau)
                        && p.extension().is_none()
                }) else {
                    return Err(invalid(
                        "method",
                        "no_mobile",
                        "a one-time code goes to a mobile phone on file; the case has none",
                    ));
                };
                let code = request.code.trim();
                if code.is_empty() {
                    let code = crate::web::new_numeric_code();
                    let expires_at = now + Duration::minutes(CODE_MINUTES);
                    row.code_hash = Some(self.identity_code_hash(tenant, &case.id, &code));
                    row.code_expires_at = Some(at(expires_at));
                    row.code_attempts = 0;
                    save_verification(&mut tx, &row).await?;
                    history(
                        &mut tx,
                        tenant,
                        &case.id,
                        now,
                        "identity_code_sent",
                        &request.staff,
                        json!({}),
                    )
                    .await?;
                    self.db.commit(tx).await?;
                    let language = Language::negotiate(&request.language);
                    let out_id = format!("identity-{}", uuid::Uuid::now_v7());
                    let message = crate::web::codes::CodeMessage {
                        tenant: tenant.as_str(),
                        phone: phone.number(),
                        code: &code,
                        language,
                        out_id: &out_id,
                    };
                    self.web.codes.send(&message).await.map_err(Error::Send)?;
                    return Ok(Verification {
                        case_id: case.id,
                        verified_at: None,
                        method: method.to_owned(),
                        code: Some((at(expires_at), phone.masked())),
                    });
                }
                let pending = row
                    .code_hash
                    .clone()
                    .zip(row.code_expires_at.as_deref().and_then(parse_at))
                    .filter(|(_, expires)| *expires > now);
                let Some((hash, _)) = pending else {
                    return Err(invalid("code", "code_expired", "no code is pending; send a new one"));
                };
                if row.code_attempts >= CODE_ATTEMPTS {
                    return Err(Error::TooManyAttempts);
                }
                if self.identity_code_hash(tenant, &case.id, code) != hash {
                    row.code_attempts += 1;
                    save_verification(&mut tx, &row).await?;
                    self.db.commit(tx).await?;
                    return Err(invalid("code", "invalid_code", "the code is not the one sent"));
                }
            }
            _ => {
                return Err(invalid(
                    "method",
                    "one_of",
                    "method must be one of: id_document, one_time_code, callback",
                ));
            }
        }
        row.identity_verified_at = Some(at(now));
        row.identity_method = Some(method.to_owned());
        row.identity_verified_by = Some(request.staff.clone());
        row.code_hash = None;
        row.code_expires_at = None;
        row.code_attempts = 0;
        save_verification(&mut tx, &row).await?;
        history(
            &mut tx,
            tenant,
            &case.id,
            now,
            "identity_verified",
            &request.staff,
            json!({"method": method}),
        )
        .await?;
        self.db.commit(tx).await?;
        Ok(Verification {
            case_id: case.id,
            verified_at: row.identity_verified_at,
            method: method.to_owned(),
            code: None,
        })
    }

    fn identity_code_hash(&self, tenant: &Tenant, case_id: &str, code: &str) -> String {
        self.cipher
            .blind_index(tenant.as_str(), "identity_code", &format!("{case_id}:{code}"))
    }
}

fn parse_at(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|at| at.with_timezone(&Utc))
}

async fn history(
    conn: &mut store::Conn,
    tenant: &Tenant,
    case_id: &str,
    now: DateTime<Utc>,
    action: &str,
    actor: &str,
    detail: Value,
) -> Result<(), store::Error> {
    let case_id = uuid::Uuid::parse_str(case_id).map_err(|_| store::Error::Corrupt(format!("case id {case_id}")))?;
    store::messaging::append_history(
        conn,
        &[HistoryEntry {
            tenant: tenant.to_string(),
            case_id,
            at: now,
            action: action.to_owned(),
            actor: actor.to_owned(),
            detail_json: detail.to_string(),
        }],
    )
    .await
}

/// A request to verify the complainant's identity.
#[derive(Debug, Clone, Default)]
pub struct VerifyIdentity {
    pub case_id: String,
    pub staff: String,
    pub method: String,
    pub id_kind: String,
    pub id_number: String,
    pub code: String,
    pub language: String,
}

/// The outcome: verified (when and how), or a code sent (its expiry and the masked phone).
#[derive(Debug, Clone)]
pub struct Verification {
    pub case_id: String,
    pub verified_at: Option<String>,
    pub method: String,
    pub code: Option<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_details_hold_no_card_number() {
        let mut errors = Vec::new();
        let bank = domain::particulars::validate_bank(
            &mut errors,
            domain::particulars::BankInput {
                card_number: Some("6228480000000000018".into()),
                ..Default::default()
            },
        );
        let particulars = Particulars {
            bank,
            ..Particulars::default()
        };
        let text = details_json(&particulars).to_string();
        assert!(!text.contains("6228480000000000018"), "{text}");
        assert!(text.contains("622848*********0018"), "{text}");
    }
}

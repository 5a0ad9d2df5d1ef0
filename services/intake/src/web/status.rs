//! The status page's side in intake (decision 0008): a one-time code sent to the complainant's
//! phone for a case number and the phone's last four digits, a session opened with it or with a
//! receipt code, the case a session opens, and the questions staff ask and the complainant
//! answers. Codes and tokens are kept as hashes; questions and answers encrypted.

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use domain::vocabulary::Language;
use domain::{CaseId, Tenant};
use prost::Message as _;
use rpc::events::v1::{CaseQuestionAnswered, CaseQuestionAsked};
use sha2::{Digest, Sha256};
use store::{NewEvent, Origin};

use super::codes::CodeMessage;
use crate::SERVICE;
use crate::register::Desk;
use crate::store::at;
use crate::store::web::{self as sql, ChallengeRow, QuestionRow};

/// The longest question and answer.
pub const QUESTION_MAX_CHARS: usize = 2000;
pub const ANSWER_MAX_CHARS: usize = 5000;

/// Why a status request was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        rule: &'static str,
        message: String,
    },
    #[error("the code is not right")]
    InvalidCode { field: &'static str },
    #[error("the code has expired; ask for a new one")]
    CodeExpired,
    #[error("too many wrong codes; ask for a new one later")]
    TooManyAttempts,
    #[error("too many codes were asked for this case; try again later")]
    TooManyCodes,
    #[error("the session has expired; open the case again")]
    SessionExpired,
    #[error("no such case")]
    NotFound,
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("the code could not be sent: {0}")]
    Send(String),
    #[error("storage: {0}")]
    Store(#[from] store::Error),
    #[error("encryption: {0}")]
    Cipher(#[from] crate::cipher::Error),
}

/// A question as the complainant or staff see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub n: u32,
    pub asked_at: String,
    pub asked_by: String,
    pub text: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

/// What a session opens.
#[derive(Debug, Clone)]
pub struct StatusOf {
    pub case_id: String,
    pub case_number: String,
    pub anonymous: bool,
    pub questions: Vec<Question>,
}

/// How a session is asked for.
#[derive(Debug, Clone)]
pub enum Opening {
    Receipt(String),
    Code {
        case_number: String,
        challenge_id: String,
        code: String,
    },
}

fn normalise_case_number(typed: &str) -> String {
    typed.trim().to_ascii_uppercase()
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn parse(at: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(at).ok().map(|at| at.with_timezone(&Utc))
}

/// Whether two short secrets are equal, in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn text_of(value: &str, field: &'static str, max: usize) -> Result<String, Error> {
    let text = value.trim();
    if text.is_empty() {
        return Err(Error::Invalid {
            field,
            rule: "required",
            message: format!("{field} must not be empty"),
        });
    }
    if text.chars().count() > max {
        return Err(Error::Invalid {
            field,
            rule: "max_length",
            message: format!("{field} must be at most {max} characters"),
        });
    }
    Ok(text.to_owned())
}

impl Desk {
    fn phone_of(&self, tenant: &Tenant, case_id: &str, sealed: Option<&[u8]>) -> Result<Option<String>, Error> {
        let Some(sealed) = sealed else { return Ok(None) };
        let plain = self.cipher.decrypt(tenant.as_str(), case_id.as_bytes(), sealed)?;
        let person: serde_json::Value = serde_json::from_slice(&plain).unwrap_or_default();
        Ok(person["phone"].as_str().map(str::to_owned))
    }

    /// Sends a one-time code to the phone of the case numbered `case_number` when its last four
    /// digits are `phone_last4`; answers the same (a challenge id and its expiry) when they are
    /// not, so the page tells nobody which cases exist.
    pub async fn start_status_check(
        &self,
        tenant: &Tenant,
        case_number: &str,
        phone_last4: &str,
        language: Language,
    ) -> Result<(String, DateTime<Utc>), Error> {
        let case_number = normalise_case_number(case_number);
        if case_number.is_empty() || case_number.len() > 64 {
            return Err(Error::Invalid {
                field: "case_number",
                rule: "required",
                message: "case_number is the number on the confirmation (TS…)".into(),
            });
        }
        if phone_last4.len() != 4 || !phone_last4.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Invalid {
                field: "phone_last4",
                rule: "pattern",
                message: "phone_last4 is the last four digits of the phone number".into(),
            });
        }
        let config = &self.web.status;
        let now = self.clock.now();
        let case_number_ref = self
            .cipher
            .blind_index(tenant.as_str(), "status_case_number", &case_number);
        let mut tx = self.db.begin().await?;
        let recent = sql::challenges_since(
            &mut tx,
            tenant.as_str(),
            &case_number_ref,
            &at(now - Duration::hours(1)),
        )
        .await?;
        if recent >= i64::from(config.codes_per_hour) {
            return Err(Error::TooManyCodes);
        }
        let matched = match sql::case_by_number(&mut tx, tenant.as_str(), &case_number).await? {
            Some((case_id, sealed)) => {
                let phone = self.phone_of(tenant, &case_id, sealed.as_deref())?;
                let digits: String = phone.unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
                (digits.len() >= 4 && same(&digits[digits.len() - 4..], phone_last4)).then_some((case_id, digits))
            }
            None => None,
        };
        let challenge_id = uuid::Uuid::now_v7().to_string();
        let code = super::new_numeric_code();
        let expires_at = now + Duration::seconds(i64::try_from(config.code_ttl_secs).unwrap_or(600));
        sql::insert_challenge(
            &mut tx,
            &ChallengeRow {
                id: challenge_id.clone(),
                tenant: tenant.to_string(),
                case_number_ref,
                case_id: matched.as_ref().map(|(case_id, _)| case_id.clone()),
                code_hash: self
                    .cipher
                    .blind_index(tenant.as_str(), "status_code", &format!("{challenge_id}:{code}")),
                created_at: at(now),
                expires_at: at(expires_at),
                attempts: 0,
                used_at: None,
            },
        )
        .await?;
        self.db.commit(tx).await?;
        if let Some((_, phone)) = matched {
            let message = CodeMessage {
                tenant: tenant.as_str(),
                phone: &phone,
                code: &code,
                language,
                out_id: &challenge_id,
            };
            self.web.codes.send(&message).await.map_err(Error::Send)?;
            tracing::info!(challenge = %challenge_id, "status code sent");
        }
        Ok((challenge_id, expires_at))
    }

    /// Opens a status session with a receipt code or a one-time code; answers the bearer token
    /// (intake keeps its hash) and its expiry.
    pub async fn open_status_session(
        &self,
        tenant: &Tenant,
        opening: Opening,
    ) -> Result<(String, DateTime<Utc>), Error> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let (case_id, opened_by) = match opening {
            Opening::Receipt(typed) => {
                let code = super::normalise_receipt_code(&typed).ok_or(Error::InvalidCode { field: "receipt_code" })?;
                let receipt_ref = self.cipher.blind_index(tenant.as_str(), "receipt", &code);
                let case_id = sql::case_of_receipt(&mut tx, tenant.as_str(), &receipt_ref)
                    .await?
                    .ok_or(Error::InvalidCode { field: "receipt_code" })?;
                (case_id, "receipt")
            }
            Opening::Code {
                case_number,
                challenge_id,
                code,
            } => {
                let challenge = sql::challenge(&mut tx, tenant.as_str(), &challenge_id)
                    .await?
                    .ok_or(Error::InvalidCode { field: "challenge_id" })?;
                let asked_for = self.cipher.blind_index(
                    tenant.as_str(),
                    "status_case_number",
                    &normalise_case_number(&case_number),
                );
                if asked_for != challenge.case_number_ref {
                    return Err(Error::InvalidCode { field: "case_number" });
                }
                if challenge.attempts >= i64::from(self.web.status.max_attempts) {
                    return Err(Error::TooManyAttempts);
                }
                if challenge.used_at.is_some() || parse(&challenge.expires_at).is_none_or(|expiry| expiry <= now) {
                    return Err(Error::CodeExpired);
                }
                let presented = self.cipher.blind_index(
                    tenant.as_str(),
                    "status_code",
                    &format!("{challenge_id}:{}", code.trim()),
                );
                let case_id = match (&challenge.case_id, same(&presented, &challenge.code_hash)) {
                    (Some(case_id), true) => case_id.clone(),
                    _ => {
                        sql::count_attempt(&mut tx, tenant.as_str(), &challenge_id).await?;
                        self.db.commit(tx).await?;
                        return Err(Error::InvalidCode { field: "code" });
                    }
                };
                if !sql::use_challenge(&mut tx, tenant.as_str(), &challenge_id, &at(now)).await? {
                    return Err(Error::CodeExpired);
                }
                (case_id, "code")
            }
        };
        let token = super::new_token();
        let expires_at = now + Duration::seconds(i64::try_from(self.web.status.session_ttl_secs).unwrap_or(1800));
        sql::insert_session(
            &mut tx,
            &token_hash(&token),
            tenant.as_str(),
            &case_id,
            opened_by,
            &at(now),
            &at(expires_at),
        )
        .await?;
        self.db.commit(tx).await?;
        Ok((token, expires_at))
    }

    async fn session_case(&self, conn: &mut store::Conn, tenant: &Tenant, token: &str) -> Result<String, Error> {
        sql::session_case(conn, tenant.as_str(), &token_hash(token), &at(self.clock.now()))
            .await?
            .ok_or(Error::SessionExpired)
    }

    fn question(&self, row: &QuestionRow) -> Result<Question, Error> {
        let open = |sealed: &[u8]| -> Result<String, Error> {
            let plain = self.cipher.decrypt(&row.tenant, row.case_id.as_bytes(), sealed)?;
            Ok(String::from_utf8_lossy(&plain).into_owned())
        };
        Ok(Question {
            n: u32::try_from(row.n).unwrap_or(0),
            asked_at: row.asked_at.clone(),
            asked_by: row.asked_by.clone(),
            text: open(&row.question)?,
            answer: row.answer.as_deref().map(open).transpose()?,
            answered_at: row.answered_at.clone(),
        })
    }

    async fn questions_in(
        &self,
        conn: &mut store::Conn,
        tenant: &Tenant,
        case_id: &str,
    ) -> Result<Vec<Question>, Error> {
        sql::questions(conn, tenant.as_str(), case_id)
            .await?
            .iter()
            .map(|row| self.question(row))
            .collect()
    }

    /// The case a session opens, with its questions.
    pub async fn status_of(&self, tenant: &Tenant, token: &str) -> Result<StatusOf, Error> {
        let mut conn = self.db.reader().acquire().await.map_err(store::Error::from)?;
        let case_id = self.session_case(&mut conn, tenant, token).await?;
        let (case_number, anonymous, _) = sql::case_facts(&mut conn, tenant.as_str(), &case_id)
            .await?
            .ok_or(Error::NotFound)?;
        let questions = self.questions_in(&mut conn, tenant, &case_id).await?;
        Ok(StatusOf {
            case_id,
            case_number,
            anonymous,
            questions,
        })
    }

    /// The questions of a case, for staff.
    pub async fn list_questions(&self, tenant: &Tenant, case_id: &str) -> Result<Vec<Question>, Error> {
        let mut conn = self.db.reader().acquire().await.map_err(store::Error::from)?;
        sql::case_facts(&mut conn, tenant.as_str(), case_id)
            .await?
            .ok_or(Error::NotFound)?;
        self.questions_in(&mut conn, tenant, case_id).await
    }

    fn origin(&self, case_id: &CaseId, now: DateTime<Utc>) -> Origin {
        Origin {
            source: SERVICE,
            occurred_at: now,
            causation_id: None,
            correlation_id: Some(case_id.0),
            traceparent: None,
        }
    }

    /// Staff ask the complainant a question: question n, `case.question_asked` (no text) and a
    /// timeline entry, in one transaction.
    pub async fn ask_question(
        &self,
        tenant: &Tenant,
        case_id: &str,
        staff: &str,
        text: &str,
    ) -> Result<Question, Error> {
        let text = text_of(text, "text", QUESTION_MAX_CHARS)?;
        let id = CaseId::parse(case_id).ok_or(Error::NotFound)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let (_, anonymous, status) = sql::case_facts(&mut tx, tenant.as_str(), case_id)
            .await?
            .ok_or(Error::NotFound)?;
        if matches!(status.as_str(), "rejected" | "withdrawn" | "closed") {
            return Err(Error::Conflict {
                code: "case_ended",
                message: format!("the case is {status}: its complainant is not asked any more"),
            });
        }
        let n = sql::questions(&mut tx, tenant.as_str(), case_id).await?.len() as i64 + 1;
        let row = QuestionRow {
            tenant: tenant.to_string(),
            case_id: case_id.to_owned(),
            n,
            asked_by: staff.to_owned(),
            asked_at: at(now),
            question: self
                .cipher
                .encrypt(tenant.as_str(), case_id.as_bytes(), text.as_bytes())?,
            answer: None,
            answered_at: None,
        };
        sql::insert_question(&mut tx, &row).await?;
        let event = CaseQuestionAsked {
            n: u32::try_from(n).unwrap_or(0),
            asked_at: at(now),
            anonymous,
        };
        store::messaging::emit_by(
            &mut tx,
            &self.origin(&id, now),
            NewEvent {
                tenant: tenant.to_string(),
                event_type: "case.question_asked",
                case_id: id.0,
                payload: Bytes::from(event.encode_to_vec()),
            },
            staff,
            "question_asked",
            &serde_json::json!({ "n": n }),
        )
        .await?;
        self.db.commit(tx).await?;
        self.question(&row)
    }

    /// The complainant answers question n through the status page, once:
    /// `case.question_answered` (no text) and a timeline entry.
    pub async fn answer_question(&self, tenant: &Tenant, token: &str, n: u32, text: &str) -> Result<Question, Error> {
        let text = text_of(text, "text", ANSWER_MAX_CHARS)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let case_id = self.session_case(&mut tx, tenant, token).await?;
        let id = CaseId::parse(&case_id).ok_or(Error::NotFound)?;
        let sealed = self
            .cipher
            .encrypt(tenant.as_str(), case_id.as_bytes(), text.as_bytes())?;
        if !sql::answer_question(&mut tx, tenant.as_str(), &case_id, i64::from(n), &sealed, &at(now)).await? {
            let asked = sql::questions(&mut tx, tenant.as_str(), &case_id).await?;
            return Err(if asked.iter().any(|q| q.n == i64::from(n)) {
                Error::Conflict {
                    code: "already_answered",
                    message: format!("question {n} is answered already"),
                }
            } else {
                Error::Invalid {
                    field: "n",
                    rule: "known_question",
                    message: format!("the case has no question {n}"),
                }
            });
        }
        let event = CaseQuestionAnswered {
            n,
            answered_at: at(now),
        };
        store::messaging::emit_by(
            &mut tx,
            &self.origin(&id, now),
            NewEvent {
                tenant: tenant.to_string(),
                event_type: "case.question_answered",
                case_id: id.0,
                payload: Bytes::from(event.encode_to_vec()),
            },
            "complainant",
            "question_answered",
            &serde_json::json!({ "n": n }),
        )
        .await?;
        let row = sql::questions(&mut tx, tenant.as_str(), &case_id)
            .await?
            .into_iter()
            .find(|q| q.n == i64::from(n))
            .ok_or(Error::NotFound)?;
        self.db.commit(tx).await?;
        self.question(&row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole_and_case_numbers_read_as_typed() {
        assert!(same("123456", "123456"));
        assert!(!same("123456", "123457"));
        assert!(!same("1234", "123456"));
        assert_eq!(normalise_case_number(" ts202612050001 "), "TS202612050001");
        assert_ne!(token_hash("a"), token_hash("b"));
    }

    #[test]
    fn a_question_and_an_answer_are_neither_empty_nor_too_long() {
        assert!(matches!(
            text_of("  ", "text", 10),
            Err(Error::Invalid { rule: "required", .. })
        ));
        assert!(matches!(
            text_of(&"字".repeat(11), "text", 10),
            Err(Error::Invalid { rule: "max_length", .. })
        ));
        assert_eq!(text_of(" 请提供发票 ", "text", 10).expect("fits"), "请提供发票");
    }
}

//! Privacy numbers (隐私号, AXB): a store calls the complainant through an X number of the
//! provider's pool, bound to the store's phone (A) and the complainant's (B), without ever
//! seeing B. The adapter speaks Alibaba Cloud's Phone Number Protection API (`Dyplsapi`,
//! version 2017-05-25): an RPC-style form POST `Action=BindAxb`, signed with the signature
//! version 1.0 (HMAC-SHA1 over the percent-encoded, sorted parameters, key `secret&`).

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use domain::Tenant;
use domain::masking::is_valid_phone;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;

use super::config::PrivacyConfig;
use super::{Error, normalised_phone, sql};
use crate::register::Desk;
use crate::store::{self as case_sql, at};

/// The API version the adapter speaks.
pub const API_VERSION: &str = "2017-05-25";

/// The longest binding a request may ask for (a week).
pub const MAX_MINUTES: u32 = 10_080;

/// A binding the provider made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The provider's binding id.
    pub subscription_id: String,
    /// The X number.
    pub secret_no: String,
}

/// A binding as the caller gets it.
#[derive(Debug, Clone)]
pub struct Binding {
    pub id: String,
    pub secret_no: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BindReply {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "SecretBindDTO")]
    secret_bind: Option<SecretBind>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SecretBind {
    subs_id: String,
    secret_no: String,
}

/// RFC 3986 percent-encoding as Alibaba Cloud's signature wants it: everything but
/// `A-Z a-z 0-9 - _ . ~` as `%XX` (upper case); a space is `%20`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The canonical query: sorted by name, each pair percent-encoded, joined by `&`.
pub fn canonical_query(parameters: &BTreeMap<String, String>) -> String {
    parameters
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The signature (version 1.0) of a request's parameters (without `Signature`).
pub fn signature(method: &str, parameters: &BTreeMap<String, String>, access_key_secret: &str) -> String {
    let to_sign = format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical_query(parameters))
    );
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(format!("{access_key_secret}&").as_bytes())
        .unwrap_or_else(|_| std::process::abort());
    mac.update(to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The provider's client.
pub struct PrivacyNumbers {
    config: PrivacyConfig,
    client: reqwest::Client,
}

impl PrivacyNumbers {
    pub fn new(config: PrivacyConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self { config, client }
    }

    /// The configured default length of a binding.
    pub fn default_minutes(&self) -> u32 {
        self.config.default_minutes
    }

    /// Binds A and B to an X number of the pool until `expires_at`.
    pub async fn bind_axb(
        &self,
        phone_a: &str,
        phone_b: &str,
        expires_at: DateTime<Utc>,
        out_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Bound, Error> {
        let mut parameters: BTreeMap<String, String> = [
            ("AccessKeyId", self.config.access_key_id.clone()),
            ("Action", "BindAxb".to_owned()),
            ("Format", "JSON".to_owned()),
            ("RegionId", "cn-hangzhou".to_owned()),
            ("SignatureMethod", "HMAC-SHA1".to_owned()),
            ("SignatureNonce", uuid::Uuid::now_v7().to_string()),
            ("SignatureVersion", "1.0".to_owned()),
            ("Timestamp", now.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            ("Version", API_VERSION.to_owned()),
            ("PoolKey", self.config.pool_key.clone()),
            ("PhoneNoA", phone_a.to_owned()),
            ("PhoneNoB", phone_b.to_owned()),
            (
                "Expiration",
                expires_at
                    .with_timezone(&Shanghai)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            ),
            ("OutId", out_id.to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let signed = signature("POST", &parameters, &self.config.access_key_secret);
        parameters.insert("Signature".to_owned(), signed);
        let response = self
            .client
            .post(&self.config.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(canonical_query(&parameters))
            .send()
            .await
            .map_err(|e| Error::Unavailable(format!("the privacy-number provider: {e}")))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(Error::Unavailable(format!(
                "the privacy-number provider answered {status}"
            )));
        }
        let reply: BindReply = response
            .json()
            .await
            .map_err(|e| Error::Unavailable(format!("the privacy-number provider's answer: {e}")))?;
        match (reply.code.as_str(), reply.secret_bind) {
            ("OK", Some(bind)) => Ok(Bound {
                subscription_id: bind.subs_id,
                secret_no: bind.secret_no,
            }),
            (code, _) => Err(Error::Conflict {
                code: "provider_refused",
                message: format!(
                    "the privacy-number provider refused the binding: {code} {}",
                    reply.message
                ),
            }),
        }
    }
}

impl Desk {
    /// Binds the store's phone (A) to the complainant's (B) through an X number, audited as a
    /// release of the contact for the purpose `privacy_number`; answers X, never B.
    pub async fn bind_privacy_number(
        &self,
        tenant: &Tenant,
        case_id: &str,
        phone_a: &str,
        minutes: u32,
        staff: &str,
    ) -> Result<Binding, Error> {
        let provider = self
            .channels
            .privacy
            .as_ref()
            .filter(|_| {
                self.channels
                    .config
                    .phone
                    .as_ref()
                    .is_some_and(|phone| phone.tenant == tenant.as_str())
            })
            .ok_or_else(|| Error::Conflict {
                code: "not_configured",
                message: "no privacy-number provider is configured for this tenant".into(),
            })?;
        if !is_valid_phone(phone_a) {
            return Err(Error::invalid(
                "phone_a",
                "format",
                "phone_a must be a mainland mobile or a landline with area code",
            ));
        }
        let minutes = if minutes == 0 {
            provider.default_minutes()
        } else {
            minutes
        };
        if minutes > MAX_MINUTES {
            return Err(Error::invalid(
                "minutes",
                "range",
                format!("minutes must be between 1 and {MAX_MINUTES}"),
            ));
        }
        let case = case_sql::find_case(self.db.reader(), tenant.as_str(), case_id)
            .await?
            .ok_or(Error::NotFound("case"))?;
        let phone_b = match (&case.personal_data, case.anonymous) {
            (Some(sealed), false) => {
                let plain = self.cipher.decrypt(tenant.as_str(), case.id.as_bytes(), sealed)?;
                serde_json::from_slice::<serde_json::Value>(&plain)
                    .ok()
                    .and_then(|person| person["phone"].as_str().map(normalised_phone))
                    .filter(|phone| !phone.is_empty())
            }
            _ => None,
        }
        .ok_or_else(|| Error::Conflict {
            code: "no_phone",
            message: "the complainant left no phone number to bind".into(),
        })?;
        let now = self.clock.now();
        let expires_at = now + chrono::Duration::minutes(i64::from(minutes));
        let id = uuid::Uuid::now_v7().to_string();
        let bound = provider
            .bind_axb(&normalised_phone(phone_a), &phone_b, expires_at, &id, now)
            .await?;
        let binding = sql::BindingRow {
            id: id.clone(),
            tenant: tenant.to_string(),
            case_id: case.id.clone(),
            subscription_id: bound.subscription_id,
            secret_no: bound.secret_no.clone(),
            expires_at: at(expires_at),
            created_by: staff.to_owned(),
            created_at: at(now),
        };
        let case_uuid =
            domain::CaseId::parse(&case.id).ok_or_else(|| store::Error::Corrupt(format!("case id {}", case.id)))?;
        let detail = serde_json::json!({"purpose": "privacy_number", "binding_id": id,
            "secret_no": bound.secret_no, "expires_at": at(expires_at)})
        .to_string();
        let mut tx = self.db.begin().await?;
        sql::insert_binding(&mut tx, &binding).await?;
        store::audit::append(
            &mut tx,
            &store::audit::AuditEntry {
                tenant: tenant.as_str(),
                at: now,
                actor: staff,
                action: "contact.bound",
                subject: &case.id,
                detail_json: &detail,
            },
        )
        .await?;
        store::messaging::append_history(
            &mut tx,
            &[store::HistoryEntry {
                tenant: tenant.to_string(),
                case_id: case_uuid.0,
                at: now,
                action: "privacy_number_bound".into(),
                actor: staff.to_owned(),
                detail_json: detail.clone(),
            }],
        )
        .await?;
        self.db.commit(tx).await?;
        Ok(Binding {
            id,
            secret_no: bound.secret_no,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_follows_alibaba_clouds_version_1() {
        assert_eq!(percent_encode("a b*c~/é"), "a%20b%2Ac~%2F%C3%A9");
        // The example of Alibaba Cloud's documentation of the RPC signature (ECS DescribeRegions
        // with the secret `testsecret`).
        let parameters: BTreeMap<String, String> = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            signature("GET", &parameters, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }
}

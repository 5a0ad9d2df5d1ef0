//! The customer system over HTTP (decision 0011): `POST endpoint` with
//! `{"tenant", "by", "value"}`, a fixed header or an HMAC signature, the customers in the answer.
//! Connection errors, timeouts, 429 and 5xx are retried with exponential backoff (`backon`);
//! anything else unexpected is `Unavailable` at once.

use std::time::Duration;

use backon::BackoffBuilder as _;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::{Attempts, CustomerRecord, CustomerSystem, CustomersConfig, Identifier, Unavailable};

/// The adapter.
pub struct HttpCustomerSystem {
    config: CustomersConfig,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    customers: Vec<CustomerRecord>,
}

/// `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, the telephony webhook's scheme.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| std::process::abort());
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether a failed attempt is worth another.
enum Failure {
    Retry(String),
    Final(String),
}

impl HttpCustomerSystem {
    pub fn new(config: CustomersConfig) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_default();
        Self { config, client }
    }

    async fn attempt(&self, body: &[u8], timeout: Duration) -> Result<Vec<CustomerRecord>, Failure> {
        let mut request = self
            .client
            .post(&self.config.endpoint)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json");
        if let (Some(name), Some(value)) = (&self.config.auth_header, &self.config.auth_value) {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(secret) = &self.config.hmac_secret {
            let timestamp = chrono::Utc::now().timestamp().to_string();
            request = request
                .header("X-Redress-Timestamp", &timestamp)
                .header("X-Redress-Signature", signature(secret, &timestamp, body));
        }
        let response = request.body(body.to_vec()).send().await.map_err(|e| {
            // The error's text names the URL, never the body.
            Failure::Retry(if e.is_timeout() {
                "timed out".to_owned()
            } else {
                format!("could not be reached: {}", e.without_url())
            })
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(Vec::new());
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Err(Failure::Retry(format!("answered {status}")));
        }
        if !status.is_success() {
            return Err(Failure::Final(format!("answered {status}")));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|_| Failure::Retry("the answer was cut off".to_owned()))?;
        serde_json::from_slice::<Answer>(&bytes)
            .map(|answer| answer.customers)
            .map_err(|e| Failure::Final(format!("the answer does not read: {}", e.classify_name())))
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    /// The kind of error without its text (which may quote the answer).
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "not the documented shape",
            serde_json::error::Category::Eof => "cut off",
        }
    }
}

#[async_trait::async_trait]
impl CustomerSystem for HttpCustomerSystem {
    async fn lookup(
        &self,
        tenant: &str,
        identifier: &Identifier,
        attempts: Attempts,
    ) -> Result<Vec<CustomerRecord>, Unavailable> {
        let body = serde_json::json!({"tenant": tenant, "by": identifier.kind.as_str(), "value": identifier.value()})
            .to_string()
            .into_bytes();
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(2))
            .with_jitter()
            .with_max_times(attempts.retries as usize)
            .build();
        loop {
            match self.attempt(&body, attempts.timeout).await {
                Ok(customers) => {
                    // A system that answers more than it was asked is not trusted with the rest.
                    return Ok(customers.into_iter().filter(|c| c.answers(identifier)).collect());
                }
                Err(Failure::Final(reason)) => return Err(Unavailable(reason)),
                Err(Failure::Retry(reason)) => match delays.next() {
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => return Err(Unavailable(reason)),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let one = signature("secret", "1700000000", b"{}");
        assert!(one.starts_with("sha256=") && one.len() == 7 + 64);
        assert_ne!(one, signature("secret", "1700000001", b"{}"));
        assert_ne!(one, signature("secret", "1700000000", b"{ }"));
        assert_ne!(one, signature("other", "1700000000", b"{}"));
    }
}

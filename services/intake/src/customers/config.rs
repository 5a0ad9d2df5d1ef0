//! `[intake.customers]`: where the organisation's customer system answers and how (decision
//! 0011). Secrets are never shown by `Debug`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Attempts;

/// The customer system's HTTP endpoint, its credential and its patience.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomersConfig {
    /// The tenant whose customers the system holds.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// Where lookups are posted.
    pub endpoint: String,
    /// A header sent with every request (`Authorization`, `X-Api-Key` …) and its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_header: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_value: Option<String>,
    /// Signs every request (HMAC-SHA256 of `timestamp.body`, decision 0011).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmac_secret: Option<String>,
    /// One attempt's timeout.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Attempts after the first, for a staff lookup.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The one attempt a registration makes before it asks the synced copy.
    #[serde(default = "default_confirm_timeout_ms")]
    pub confirm_timeout_ms: u64,
}

impl std::fmt::Debug for CustomersConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomersConfig")
            .field("tenant", &self.tenant)
            .field("endpoint", &self.endpoint)
            .field("auth_header", &self.auth_header)
            .field("auth_value", &self.auth_value.as_ref().map(|_| "<redacted>"))
            .field("hmac_secret", &self.hmac_secret.as_ref().map(|_| "<redacted>"))
            .field("timeout_ms", &self.timeout_ms)
            .field("retries", &self.retries)
            .field("confirm_timeout_ms", &self.confirm_timeout_ms)
            .finish()
    }
}

impl CustomersConfig {
    /// A system at `endpoint` for the default tenant, with the default patience and no credential.
    pub fn new(endpoint: &str) -> Self {
        Self {
            tenant: default_tenant(),
            endpoint: endpoint.to_owned(),
            auth_header: None,
            auth_value: None,
            hmac_secret: None,
            timeout_ms: default_timeout_ms(),
            retries: default_retries(),
            confirm_timeout_ms: default_confirm_timeout_ms(),
        }
    }

    /// Checks the values a file may get wrong; names the field and the rule.
    pub fn validate(&self) -> Result<(), String> {
        let field = |name: &str, rule: &str| Err(format!("intake.customers.{name} {rule}"));
        if domain::Tenant::parse(&self.tenant).is_none() {
            return field("tenant", "must be a tenant id");
        }
        if !(self.endpoint.starts_with("http://") || self.endpoint.starts_with("https://")) {
            return field("endpoint", "must be an http:// or https:// URL");
        }
        if self.auth_header.is_some() != self.auth_value.is_some() {
            return field("auth_header", "and auth_value go together");
        }
        if let Some(header) = &self.auth_header
            && reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err()
        {
            return field("auth_header", "must be a header name");
        }
        if self.hmac_secret.as_deref().is_some_and(str::is_empty) {
            return field("hmac_secret", "must not be empty");
        }
        if !(100..=60_000).contains(&self.timeout_ms) {
            return field("timeout_ms", "must be between 100 and 60000");
        }
        if self.retries > 5 {
            return field("retries", "must be at most 5");
        }
        if !(100..=10_000).contains(&self.confirm_timeout_ms) {
            return field("confirm_timeout_ms", "must be between 100 and 10000");
        }
        Ok(())
    }

    /// A staff lookup: the configured timeout and retries.
    pub fn lookup_attempts(&self) -> Attempts {
        Attempts {
            timeout: Duration::from_millis(self.timeout_ms),
            retries: self.retries,
        }
    }

    /// A registration: one short attempt.
    pub fn confirm_attempts(&self) -> Attempts {
        Attempts {
            timeout: Duration::from_millis(self.confirm_timeout_ms),
            retries: 0,
        }
    }
}

fn default_tenant() -> String {
    "default".into()
}

fn default_timeout_ms() -> u64 {
    3000
}

fn default_retries() -> u32 {
    2
}

fn default_confirm_timeout_ms() -> u64 {
    1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_secrets_hidden() {
        let mut config = CustomersConfig::new("http://127.0.0.1:9/lookup");
        config.validate().expect("valid");
        config.hmac_secret = Some("s3cret-key".into());
        assert!(!format!("{config:?}").contains("s3cret"));
        config.auth_header = Some("X-Api-Key".into());
        assert!(
            config
                .validate()
                .expect_err("no value")
                .starts_with("intake.customers.auth_header")
        );
        config.auth_value = Some("k".into());
        config.validate().expect("valid");
        config.endpoint = "dms.example.cn".into();
        assert!(
            config
                .validate()
                .expect_err("no scheme")
                .starts_with("intake.customers.endpoint")
        );
    }
}

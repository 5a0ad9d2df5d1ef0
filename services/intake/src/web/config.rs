//! The web channel's settings: `[intake.attachments]` and `[intake.status]` (decision 0008).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where attachments are kept and what is accepted (`[intake.attachments]`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentsConfig {
    /// `local` (a directory, the default) or `s3` (any S3-compatible store).
    #[serde(default)]
    pub store: StoreKind,
    /// The local directory; beside intake's key file (`attachments/`) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// The S3 endpoint (`http://minio:9000`); AWS's own when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    /// Allow an `http://` endpoint (a store on a trusted network).
    #[serde(default)]
    pub allow_http: bool,
    /// Files one submission may carry.
    #[serde(default = "default_max_files")]
    pub max_files: u32,
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
    #[serde(default = "default_max_total_bytes")]
    pub max_total_bytes: u64,
    /// The content types accepted (lower case, without parameters).
    #[serde(default = "default_content_types")]
    pub content_types: Vec<String>,
}

/// Which object store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    #[default]
    Local,
    S3,
}

impl Default for AttachmentsConfig {
    fn default() -> Self {
        Self {
            store: StoreKind::Local,
            dir: None,
            bucket: None,
            endpoint: None,
            region: None,
            access_key_id: None,
            secret_access_key: None,
            allow_http: false,
            max_files: default_max_files(),
            max_file_bytes: default_max_file_bytes(),
            max_total_bytes: default_max_total_bytes(),
            content_types: default_content_types(),
        }
    }
}

impl std::fmt::Debug for AttachmentsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentsConfig")
            .field("store", &self.store)
            .field("dir", &self.dir)
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("max_files", &self.max_files)
            .field("max_file_bytes", &self.max_file_bytes)
            .field("max_total_bytes", &self.max_total_bytes)
            .finish_non_exhaustive()
    }
}

impl AttachmentsConfig {
    /// Checks the values a file may get wrong; names the field and the rule.
    pub fn validate(&self) -> Result<(), String> {
        let field = |name: &str, rule: &str| Err(format!("intake.attachments.{name} {rule}"));
        if self.max_files == 0 {
            return field("max_files", "must be at least 1");
        }
        if self.max_file_bytes == 0 || self.max_total_bytes < self.max_file_bytes {
            return field(
                "max_total_bytes",
                "must be at least max_file_bytes, which must be positive",
            );
        }
        if self.content_types.is_empty() {
            return field("content_types", "must name at least one type");
        }
        if let Some(bad) = self.content_types.iter().find(|t| !t.contains('/') || t.contains(';')) {
            return field("content_types", &format!("must be types like image/jpeg, not `{bad}`"));
        }
        if self.store == StoreKind::S3 && self.bucket.as_deref().is_none_or(str::is_empty) {
            return field("bucket", "is required with store = \"s3\"");
        }
        Ok(())
    }
}

fn default_max_files() -> u32 {
    5
}

fn default_max_file_bytes() -> u64 {
    10 * 1024 * 1024
}

fn default_max_total_bytes() -> u64 {
    25 * 1024 * 1024
}

fn default_content_types() -> Vec<String> {
    [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "audio/mpeg",
        "audio/mp4",
        "audio/amr",
        "video/mp4",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The status page's codes and sessions (`[intake.status]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusConfig {
    /// How long a one-time code is good for.
    #[serde(default = "default_code_ttl_secs")]
    pub code_ttl_secs: u64,
    /// Wrong codes a challenge takes before it is dead.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Codes one case number may be sent within an hour.
    #[serde(default = "default_codes_per_hour")]
    pub codes_per_hour: u32,
    /// How long a status session lasts.
    #[serde(default = "default_session_ttl_secs")]
    pub session_ttl_secs: u64,
    /// The SMS provider the codes go through; without one they are written to `outbox_dir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<CodeSmsConfig>,
    /// Where codes are written without a provider; `outbox/` beside intake's key file when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox_dir: Option<PathBuf>,
}

impl Default for StatusConfig {
    fn default() -> Self {
        Self {
            code_ttl_secs: default_code_ttl_secs(),
            max_attempts: default_max_attempts(),
            codes_per_hour: default_codes_per_hour(),
            session_ttl_secs: default_session_ttl_secs(),
            sms: None,
            outbox_dir: None,
        }
    }
}

impl StatusConfig {
    /// Checks the values a file may get wrong; names the field and the rule.
    pub fn validate(&self) -> Result<(), String> {
        let field = |name: &str, rule: &str| Err(format!("intake.status.{name} {rule}"));
        if !(60..=3600).contains(&self.code_ttl_secs) {
            return field("code_ttl_secs", "must be between 60 and 3600");
        }
        if !(1..=10).contains(&self.max_attempts) {
            return field("max_attempts", "must be between 1 and 10");
        }
        if self.codes_per_hour == 0 {
            return field("codes_per_hour", "must be at least 1");
        }
        if !(60..=86_400).contains(&self.session_ttl_secs) {
            return field("session_ttl_secs", "must be between 60 and 86400");
        }
        if let Some(sms) = &self.sms
            && !(sms.endpoint.starts_with("http://") || sms.endpoint.starts_with("https://"))
        {
            return field("sms.endpoint", "must be an http:// or https:// URL");
        }
        Ok(())
    }
}

/// An SMS provider's HTTP endpoint for the codes (the request shape notification's provider
/// adapter sends, so one account serves both).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSmsConfig {
    pub endpoint: String,
    /// The organisation's approved signature (签名).
    pub sign_name: String,
    /// Sent as a bearer token when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
}

impl std::fmt::Debug for CodeSmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeSmsConfig")
            .field("endpoint", &self.endpoint)
            .field("sign_name", &self.sign_name)
            .field("access_key", &self.access_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn default_code_ttl_secs() -> u64 {
    600
}

fn default_max_attempts() -> u32 {
    5
}

fn default_codes_per_hour() -> u32 {
    3
}

fn default_session_ttl_secs() -> u64 {
    1800
}

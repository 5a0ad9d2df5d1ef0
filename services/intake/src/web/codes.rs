//! The seam one-time codes leave by (decision 0008): intake holds the phone and sends the code
//! itself, at once, to the SMS provider notification also uses (the same request shape), or —
//! without a provider — writes it to an outbox directory with the phone masked.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use domain::vocabulary::Language;
use serde::{Deserialize, Serialize};

use super::config::CodeSmsConfig;

/// A code on its way to a phone.
#[derive(Clone)]
pub struct CodeMessage<'a> {
    pub tenant: &'a str,
    pub phone: &'a str,
    pub code: &'a str,
    pub language: Language,
    /// The provider's idempotency key (the challenge id).
    pub out_id: &'a str,
}

/// Sends one-time codes.
#[async_trait]
pub trait CodeSender: Send + Sync {
    /// Sends; answers the provider's reference.
    async fn send(&self, message: &CodeMessage<'_>) -> Result<String, String>;
}

/// The provider's approved template for the language (`您的验证码为${code}，10分钟内有效。`).
pub fn template_id(language: Language) -> &'static str {
    match language {
        Language::ZhCn => "SMS_CODE_ZH_001",
        Language::En => "SMS_CODE_EN_001",
    }
}

/// The provider's request (the shape notification's SMS adapter posts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsRequest {
    pub phone_numbers: String,
    pub sign_name: String,
    pub template_code: String,
    /// `{"code": "123456"}` as a JSON string.
    pub template_param: String,
    pub out_id: String,
}

#[derive(Debug, Deserialize)]
struct SmsReply {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    biz_id: String,
}

fn request(sign_name: &str, phone: &str, message: &CodeMessage<'_>) -> SmsRequest {
    SmsRequest {
        phone_numbers: phone.to_owned(),
        sign_name: sign_name.to_owned(),
        template_code: template_id(message.language).to_owned(),
        template_param: serde_json::json!({ "code": message.code }).to_string(),
        out_id: message.out_id.to_owned(),
    }
}

/// Codes through the SMS provider's HTTP API.
pub struct SmsProvider {
    config: CodeSmsConfig,
    client: reqwest::Client,
}

impl SmsProvider {
    pub fn new(config: CodeSmsConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self { config, client }
    }
}

#[async_trait]
impl CodeSender for SmsProvider {
    async fn send(&self, message: &CodeMessage<'_>) -> Result<String, String> {
        let body = request(&self.config.sign_name, message.phone, message);
        let mut call = self.client.post(&self.config.endpoint).json(&body);
        if let Some(key) = &self.config.access_key {
            call = call.bearer_auth(key);
        }
        let response = call.send().await.map_err(|e| format!("the SMS provider: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("the SMS provider answered {}", response.status()));
        }
        let reply: SmsReply = response
            .json()
            .await
            .map_err(|e| format!("the SMS provider's answer: {e}"))?;
        if reply.code == "OK" {
            Ok(reply.biz_id)
        } else {
            Err(format!("the SMS provider refused: {} {}", reply.code, reply.message))
        }
    }
}

/// Codes written to `<dir>/<out_id>.json` with the phone masked, for a product without an SMS
/// provider (a developer reads them there).
pub struct OutboxCodes {
    pub dir: PathBuf,
}

#[async_trait]
impl CodeSender for OutboxCodes {
    async fn send(&self, message: &CodeMessage<'_>) -> Result<String, String> {
        let body = request("outbox", &domain::masking::mask_phone(message.phone), message);
        let path = self.dir.join(format!("{}.json", message.out_id));
        let bytes = serde_json::to_vec_pretty(&body).map_err(|e| e.to_string())?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        tokio::fs::write(&path, bytes)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(format!("file:{}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_outbox_keeps_the_code_and_masks_the_phone() {
        let dir = tempfile::tempdir().expect("dir");
        let outbox = OutboxCodes {
            dir: dir.path().join("sms-codes"),
        };
        let message = CodeMessage {
            tenant: "default",
            phone: "13812345678",
            code: "042917",
            language: Language::En,
            out_id: "challenge-1",
        };
        outbox.send(&message).await.expect("written");
        let text = std::fs::read_to_string(dir.path().join("sms-codes/challenge-1.json")).expect("file");
        let written: SmsRequest = serde_json::from_str(&text).expect("json");
        assert_eq!(written.phone_numbers, "138****5678");
        assert_eq!(written.template_code, "SMS_CODE_EN_001");
        assert_eq!(written.template_param, r#"{"code":"042917"}"#);
        assert!(!text.contains("13812345678"));
    }
}

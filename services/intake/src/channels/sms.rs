//! The seam one-time codes go out through: [`CodeSender`]. The adapter posts the request shape
//! of notification's HTTP SMS provider (Aliyun-like: phone numbers, signature, template code,
//! template parameters as a JSON string, out_id) to `[intake.sms] endpoint`. The number leaves
//! intake only towards the provider.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::config::SmsConfig;

/// Sends a one-time code to a phone.
#[async_trait]
pub trait CodeSender: Send + Sync {
    /// Sends `code` to `phone`; `out_id` makes the provider send it once.
    async fn send_code(&self, phone: &str, code: &str, out_id: &str) -> Result<(), String>;
}

/// The request an SMS provider receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsRequest {
    pub phone_numbers: String,
    pub sign_name: String,
    pub template_code: String,
    /// The template's parameters as a JSON object in a string: `{"code": "123456"}`.
    pub template_param: String,
    pub out_id: String,
}

/// What an SMS provider answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsReply {
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// Codes through the provider's HTTP API.
pub struct HttpCodeSender {
    config: SmsConfig,
    client: reqwest::Client,
}

impl HttpCodeSender {
    pub fn new(config: SmsConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Self { config, client }
    }
}

#[async_trait]
impl CodeSender for HttpCodeSender {
    async fn send_code(&self, phone: &str, code: &str, out_id: &str) -> Result<(), String> {
        let request = SmsRequest {
            phone_numbers: phone.to_owned(),
            sign_name: self.config.sign_name.clone(),
            template_code: self.config.template_code.clone(),
            template_param: serde_json::json!({ "code": code }).to_string(),
            out_id: out_id.to_owned(),
        };
        let mut call = self.client.post(&self.config.endpoint).json(&request);
        if let Some(key) = &self.config.access_key {
            call = call.bearer_auth(key);
        }
        let response = call.send().await.map_err(|e| format!("the SMS provider: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the SMS provider answered {status}"));
        }
        let reply: SmsReply = response
            .json()
            .await
            .map_err(|e| format!("the SMS provider's answer: {e}"))?;
        if reply.code != "OK" {
            return Err(format!("the SMS provider refused: {} {}", reply.code, reply.message));
        }
        Ok(())
    }
}

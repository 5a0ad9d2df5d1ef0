//! The channels' settings (decision 0009): `[intake.phone]`, `[intake.phone.privacy]`,
//! `[intake.wechat]`, `[intake.walk_in]`, `[intake.letters]` (walk-in codes go through
//! `[intake.status.sms]`, decision 0008). Secrets are never shown by `Debug`.

use serde::{Deserialize, Serialize};

/// Every channel's settings; a channel without its section is off (its endpoints answer 404,
/// or 409 `not_configured`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelsConfig {
    pub phone: Option<PhoneConfig>,
    pub wechat: Option<WechatConfig>,
    pub walk_in: WalkInConfig,
    pub letters: LettersConfig,
}

/// The telephony platform's webhook (`[intake.phone]`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneConfig {
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// The secret the platform signs its webhooks with (HMAC-SHA256).
    pub webhook_secret: String,
    /// How far a webhook's timestamp may be from now, in seconds.
    #[serde(default = "default_tolerance_secs")]
    pub tolerance_secs: u64,
    /// The privacy-number provider; absent: no privacy numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<PrivacyConfig>,
}

/// A privacy-number (AXB) provider speaking Alibaba Cloud's `Dyplsapi` (`[intake.phone.privacy]`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Where the RPC-style requests are posted, e.g. `https://dyplsapi.aliyuncs.com/`.
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// The number pool (号码池 Key).
    pub pool_key: String,
    /// How long a binding lasts unless the request says otherwise.
    #[serde(default = "default_binding_minutes")]
    pub default_minutes: u32,
}

/// The WeChat official account's server configuration (`[intake.wechat]`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// The token entered in the account's server settings (服务器配置 → Token).
    pub token: String,
    #[serde(default = "default_tolerance_secs")]
    pub tolerance_secs: u64,
    /// A message joins its OpenID's open case when that case's last message is at most this
    /// many days old.
    #[serde(default = "default_join_window_days")]
    pub join_window_days: u32,
}

/// Walk-in confirmation (`[intake.walk_in]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkInConfig {
    /// How long a one-time code is valid.
    #[serde(default = "default_code_minutes")]
    pub code_minutes: u32,
    /// Tries before a code is spent.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
}

/// Scans of letters and faxes (`[intake.letters]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LettersConfig {
    /// The largest scan kept (gRPC carries 4 MiB, so at most 3 MiB).
    #[serde(default = "default_max_scan_bytes")]
    pub max_scan_bytes: u64,
}

impl Default for WalkInConfig {
    fn default() -> Self {
        Self {
            code_minutes: default_code_minutes(),
            max_attempts: default_max_attempts(),
        }
    }
}

impl Default for LettersConfig {
    fn default() -> Self {
        Self {
            max_scan_bytes: default_max_scan_bytes(),
        }
    }
}

/// The largest scan gRPC can carry with room for the rest of the request.
pub const SCAN_LIMIT: u64 = 3 * 1024 * 1024;

impl ChannelsConfig {
    /// Checks the values a file may get wrong; names the key and the rule.
    pub fn validate(&self) -> Result<(), String> {
        let tenant = |at: &str, tenant: &str| {
            if domain::Tenant::parse(tenant).is_none() {
                return Err(format!("{at}.tenant must be a tenant id"));
            }
            Ok(())
        };
        if let Some(phone) = &self.phone {
            tenant("intake.phone", &phone.tenant)?;
            if phone.webhook_secret.len() < 16 {
                return Err("intake.phone.webhook_secret must have at least 16 characters".into());
            }
            if phone.tolerance_secs == 0 {
                return Err("intake.phone.tolerance_secs must be at least 1".into());
            }
            if let Some(privacy) = &phone.privacy {
                if !privacy.endpoint.starts_with("http://") && !privacy.endpoint.starts_with("https://") {
                    return Err("intake.phone.privacy.endpoint must be an http(s) URL".into());
                }
                if privacy.pool_key.is_empty() || privacy.access_key_id.is_empty() {
                    return Err("intake.phone.privacy.pool_key and access_key_id must not be empty".into());
                }
                if !(1..=10_080).contains(&privacy.default_minutes) {
                    return Err("intake.phone.privacy.default_minutes must be between 1 and 10080".into());
                }
            }
        }
        if let Some(wechat) = &self.wechat {
            tenant("intake.wechat", &wechat.tenant)?;
            if !(3..=32).contains(&wechat.token.len()) || !wechat.token.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err("intake.wechat.token must be 3 to 32 letters or digits, as WeChat requires".into());
            }
            if wechat.tolerance_secs == 0 {
                return Err("intake.wechat.tolerance_secs must be at least 1".into());
            }
        }
        if !(1..=60).contains(&self.walk_in.code_minutes) {
            return Err("intake.walk_in.code_minutes must be between 1 and 60".into());
        }
        if !(1..=10).contains(&self.walk_in.max_attempts) {
            return Err("intake.walk_in.max_attempts must be between 1 and 10".into());
        }
        if !(1024..=SCAN_LIMIT).contains(&self.letters.max_scan_bytes) {
            return Err(format!(
                "intake.letters.max_scan_bytes must be between 1024 and {SCAN_LIMIT}"
            ));
        }
        Ok(())
    }
}

impl std::fmt::Debug for PhoneConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneConfig")
            .field("tenant", &self.tenant)
            .field("webhook_secret", &"<redacted>")
            .field("tolerance_secs", &self.tolerance_secs)
            .field("privacy", &self.privacy)
            .finish()
    }
}

impl std::fmt::Debug for PrivacyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivacyConfig")
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field("pool_key", &self.pool_key)
            .field("default_minutes", &self.default_minutes)
            .finish()
    }
}

impl std::fmt::Debug for WechatConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatConfig")
            .field("tenant", &self.tenant)
            .field("token", &"<redacted>")
            .field("tolerance_secs", &self.tolerance_secs)
            .field("join_window_days", &self.join_window_days)
            .finish()
    }
}

fn default_tenant() -> String {
    "default".into()
}

fn default_tolerance_secs() -> u64 {
    300
}

fn default_binding_minutes() -> u32 {
    30
}

fn default_join_window_days() -> u32 {
    30
}

fn default_code_minutes() -> u32 {
    10
}

fn default_max_attempts() -> u32 {
    5
}

fn default_max_scan_bytes() -> u64 {
    SCAN_LIMIT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_naming_the_key_and_secrets_stay_hidden() {
        let phone: PhoneConfig = serde_json::from_value(serde_json::json!({
            "webhook_secret": "a-secret-of-sixteen+",
            "privacy": {"endpoint": "https://dyplsapi.aliyuncs.com/", "access_key_id": "LTAI",
                "access_key_secret": "hidden-secret", "pool_key": "FC100000"}
        }))
        .expect("parses");
        assert_eq!(phone.tenant, "default");
        assert_eq!(phone.privacy.as_ref().map(|p| p.default_minutes), Some(30));
        let debug = format!("{phone:?}");
        assert!(
            !debug.contains("a-secret-of-sixteen") && !debug.contains("hidden-secret"),
            "{debug}"
        );
        let mut config = ChannelsConfig {
            phone: Some(phone),
            ..ChannelsConfig::default()
        };
        config.validate().expect("valid");
        config.wechat = Some(WechatConfig {
            tenant: "default".into(),
            token: "has space".into(),
            tolerance_secs: 300,
            join_window_days: 30,
        });
        assert!(
            config
                .validate()
                .expect_err("bad token")
                .starts_with("intake.wechat.token")
        );
        config.wechat = None;
        config.letters.max_scan_bytes = 10 * 1024 * 1024;
        assert!(
            config
                .validate()
                .expect_err("too large for gRPC")
                .starts_with("intake.letters.max_scan_bytes")
        );
    }
}

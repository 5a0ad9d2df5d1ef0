//! Settings of `redress up`: code defaults, then a TOML file, then `REDRESS__<KEY>` environment
//! variables (`REDRESS__PARTITIONS`); unknown keys are errors. Single-underscore names
//! (`REDRESS_ADMIN_TOKEN`, `REDRESS_CRASH_AT`, `REDRESS_NATS_SERVER`) are not settings.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// What `redress up` can be configured with beyond its flags.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Partitions of every subject (fixed for a data directory's life).
    pub partitions: u32,
    /// The calendar deadlines are counted in.
    pub calendar: String,
    /// The SLA policy preset new cases get.
    pub policy: String,
    /// Accept complete submissions at once.
    pub auto_accept: bool,
    /// The organisation's contact line printed on notices.
    pub contact_line: String,
    /// The organisation that signs notices and letters, in Chinese and in English.
    pub organisation_zh: String,
    pub organisation_en: String,
    /// Public submissions per minute per client address.
    pub public_per_minute: u32,
    /// Where notices go out (`[notification.email]`, `[notification.sms]`, `outbox_dir`,
    /// `[notification.delivery]`); without a provider a channel's notices are written under the
    /// data directory's `outbox/`.
    #[serde(default)]
    pub notification: notification::channels::ChannelsConfig,
    /// Intake's mailbox (`[intake.mailbox]`, decision 0006); without it no mailbox is polled.
    #[serde(default)]
    pub intake: IntakeSettings,
}

/// Intake's part of the settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeSettings {
    /// The tenant's mailbox polled over IMAP for complaints by e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<intake::config::MailboxConfig>,
    /// The acceptance gate (`[intake.gate]`, decision 0007): rejection reasons, the repeat
    /// window, time bars, per tenant.
    #[serde(default)]
    pub gate: intake::config::GateConfig,
    /// The attachment store and its limits (`[intake.attachments]`, decision 0008); a directory
    /// `attachments/` in the data directory by default.
    #[serde(default)]
    pub attachments: intake::web::AttachmentsConfig,
    /// The status page's codes (`[intake.status]`, decision 0008); without `[intake.status.sms]`
    /// the codes go to `[notification.sms]`'s provider, else to `outbox/sms-codes/`.
    #[serde(default)]
    pub status: intake::web::StatusConfig,
    /// The telephony webhook and privacy numbers (`[intake.phone]`, decision 0009); absent: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<intake::config::PhoneConfig>,
    /// The WeChat official account (`[intake.wechat]`, decision 0009); absent: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat: Option<intake::config::WechatConfig>,
    /// Walk-in confirmation (`[intake.walk_in]`).
    #[serde(default)]
    pub walk_in: intake::config::WalkInConfig,
    /// Letters' and faxes' scans (`[intake.letters]`).
    #[serde(default)]
    pub letters: intake::config::LettersConfig,
    /// Case numbers per tenant (`[intake.case_numbers]`, decision 0010): prefix, layout and
    /// sequence width; `TS` + the Beijing date + a 4-digit daily sequence by default.
    #[serde(default)]
    pub case_numbers: intake::numbers::CaseNumbersConfig,
    /// The organisation's customer system (`[intake.customers]`, decision 0011); absent: only
    /// a synced copy answers lookups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<intake::customers::CustomersConfig>,
}

impl IntakeSettings {
    /// The channels' settings as intake takes them.
    pub fn channels(&self) -> intake::config::ChannelsConfig {
        intake::config::ChannelsConfig {
            phone: self.phone.clone(),
            wechat: self.wechat.clone(),
            walk_in: self.walk_in.clone(),
            letters: self.letters.clone(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            partitions: 4,
            calendar: "cn".into(),
            policy: "service_commitment".into(),
            auto_accept: true,
            contact_line: "400-000-0000".into(),
            organisation_zh: "客户服务中心".into(),
            organisation_en: "Customer Service Centre".into(),
            public_per_minute: 30,
            notification: notification::channels::ChannelsConfig::default(),
            intake: IntakeSettings::default(),
        }
    }
}

impl Settings {
    /// Loads and validates the settings.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            anyhow::ensure!(file.exists(), "config file {} does not exist", file.display());
            figment = figment.merge(Toml::file(file));
        }
        let env = Env::prefixed("REDRESS__");
        let settings: Settings = figment.merge(env).extract()?;
        anyhow::ensure!(
            (1..=256).contains(&settings.partitions),
            "partitions must be between 1 and 256"
        );
        anyhow::ensure!(settings.public_per_minute > 0, "public_per_minute must be positive");
        if let Some(mailbox) = &settings.intake.mailbox {
            mailbox.validate().map_err(anyhow::Error::msg)?;
        }
        settings.intake.attachments.validate().map_err(anyhow::Error::msg)?;
        settings.intake.status.validate().map_err(anyhow::Error::msg)?;
        settings.intake.case_numbers.validate().map_err(anyhow::Error::msg)?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail returns its own error type
    fn single_underscore_variables_are_not_settings() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("REDRESS_NATS_SERVER", "/usr/bin/nats-server");
            jail.set_env("REDRESS_ADMIN_TOKEN", "0123456789abcdef");
            jail.set_env("REDRESS__PARTITIONS", "8");
            let settings = Settings::load(None).expect("loads");
            assert_eq!(settings.partitions, 8);
            jail.set_env("REDRESS__PARTITONS", "8");
            assert!(Settings::load(None).is_err(), "a misspelt key is an error");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail returns its own error type
    fn the_intake_mailbox_is_off_unless_configured_and_then_checked() {
        figment::Jail::expect_with(|jail| {
            assert!(Settings::load(None).expect("loads").intake.mailbox.is_none());
            jail.create_file(
                "redress.toml",
                "[intake.mailbox]\nhost = \"127.0.0.1\"\nport = 1143\nuser = \"complaints\"\npassword = \"secret\"\n",
            )?;
            let settings = Settings::load(Some(Path::new("redress.toml"))).expect("loads");
            let mailbox = settings.intake.mailbox.expect("configured");
            assert_eq!((mailbox.tenant.as_str(), mailbox.folder.as_str()), ("default", "INBOX"));
            assert_eq!((mailbox.port(), mailbox.poll_interval_secs), (1143, 60));
            assert_eq!(
                mailbox.tls,
                intake::config::MailboxTls::Implicit,
                "TLS unless turned off"
            );
            assert!(
                !format!("{mailbox:?}").contains("secret"),
                "the password is not printed"
            );
            jail.create_file(
                "zero.toml",
                "[intake.mailbox]\nhost = \"127.0.0.1\"\nuser = \"complaints\"\npassword = \"secret\"\npoll_interval_secs = 0\n",
            )?;
            let error = Settings::load(Some(Path::new("zero.toml"))).expect_err("refused");
            assert!(
                error.to_string().contains("intake.mailbox.poll_interval_secs"),
                "{error}"
            );
            Ok(())
        });
    }
}

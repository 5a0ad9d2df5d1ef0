//! Settings of `redress up`: code defaults, then a TOML file, then `REDRESS_*` environment
//! variables; unknown keys are errors.

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
    /// Public submissions per minute per client address.
    pub public_per_minute: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            partitions: 4,
            calendar: "cn".into(),
            policy: "service_commitment".into(),
            auto_accept: true,
            contact_line: "400-000-0000".into(),
            public_per_minute: 30,
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
        let env = Env::prefixed("REDRESS_").ignore(&["ADMIN_TOKEN", "CRASH_AT"]);
        let settings: Settings = figment.merge(env).extract()?;
        anyhow::ensure!(
            (1..=256).contains(&settings.partitions),
            "partitions must be between 1 and 256"
        );
        anyhow::ensure!(settings.public_per_minute > 0, "public_per_minute must be positive");
        Ok(settings)
    }
}

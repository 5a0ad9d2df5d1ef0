//! Customer lookup (decision 0011): the organisation's customer system — a dealer management,
//! order management or core banking system — behind the [`CustomerSystem`] seam ([`http`] is
//! the adapter), and a synced copy from a CSV export as the fallback ([`sync`], encrypted with
//! intake's cipher, found by blind indexes). [`lookup`] answers staff (live first, then the
//! copy; masked; audited) and confirms a registration's complainant; the SQL is in [`sql`], the
//! gRPC adapters in [`adapter`].
//!
//! A [`CustomerRecord`] is personal data: its `Debug` shows only the customer's id and counts,
//! and nothing of it is logged or leaves intake except masked answers to staff and the
//! organisation's references (customer id, stores, salespeople) on a confirmed case.

pub mod config;
pub mod http;
pub mod sync;
pub mod sql;
pub mod lookup;
pub mod adapter;

use std::sync::Arc;

use chrono::NaiveDate;
use domain::formats;
use serde::{Deserialize, Serialize};

pub use config::CustomersConfig;

/// What a customer is looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierKind {
    Phone,
    Vin,
    /// The system's own customer id or account number.
    CustomerId,
    /// An identity document's number.
    IdNumber,
}

impl IdentifierKind {
    /// Every kind, in the order a lookup names them.
    pub const ALL: [Self; 4] = [Self::Phone, Self::Vin, Self::CustomerId, Self::IdNumber];

    /// The wire name (the request's field, the customer system's `by`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Vin => "vin",
            Self::CustomerId => "customer_id",
            Self::IdNumber => "id_number",
        }
    }

    /// The blind index's purpose: the customers' own, never joined with the cases' `phone`.
    pub fn purpose(self) -> &'static str {
        match self {
            Self::Phone => "customer_phone",
            Self::Vin => "customer_vin",
            Self::CustomerId => "customer_id",
            Self::IdNumber => "customer_id_number",
        }
    }
}

/// An identifier, normalised: a phone's digits, a VIN or an identity number in capitals, a
/// customer id as given. `Debug` shows only its kind.
#[derive(Clone, PartialEq, Eq)]
pub struct Identifier {
    pub kind: IdentifierKind,
    value: String,
}

impl std::fmt::Debug for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identifier")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// An identifier that does not have its format: the rule and a message (never the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: &'static str,
    pub message: String,
}

impl From<formats::FormatError> for Refusal {
    fn from(error: formats::FormatError) -> Self {
        Self {
            rule: error.rule.as_str(),
            message: error.message(domain::vocabulary::Language::En),
        }
    }
}

impl Identifier {
    /// Reads what was typed as an identifier of `kind`.
    pub fn parse(kind: IdentifierKind, text: &str, today: NaiveDate) -> Result<Self, Refusal> {
        let value = match kind {
            IdentifierKind::Phone => formats::parse_phone(text)?.number().to_owned(),
            IdentifierKind::Vin => formats::parse_vin(text)?.as_str().to_owned(),
            IdentifierKind::IdNumber => id_number(text, today)?,
            IdentifierKind::CustomerId => customer_id(text)?,
        };
        Ok(Self { kind, value })
    }

    /// The normalised value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// A customer id: 1–64 of ASCII letters, digits, `-`, `_`, `.` and `/`.
pub fn customer_id(text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/');
    if text.is_empty() {
        return Err(Refusal {
            rule: "required",
            message: "a customer id is required".into(),
        });
    }
    if text.len() > 64 || !text.chars().all(allowed) {
        return Err(Refusal {
            rule: "pattern",
            message: "a customer id is 1–64 of letters, digits, '-', '_', '.' and '/'".into(),
        });
    }
    Ok(text.to_owned())
}

/// An identity document: a resident identity number, else a permit or passport number.
fn id_number(text: &str, today: NaiveDate) -> Result<String, Refusal> {
    match formats::parse_resident_id(text, today) {
        Ok(id) => Ok(id.as_str().to_owned()),
        Err(resident) => formats::parse_residence_permit(text, today)
            .map(|p| p.as_str().to_owned())
            .or_else(|_| formats::parse_hk_macau_permit(text).map(|p| p.as_str().to_owned()))
            .or_else(|_| formats::parse_passport(text).map(|p| p.as_str().to_owned()))
            .map_err(|_| resident.into()),
    }
}

/// A customer as the system (or the synced copy) holds them; the HTTP adapter's answer shape
/// and what the copy stores, encrypted.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRecord {
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// The customer's tier (`vip`, `private_banking` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// A bank's branch holding the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vehicles: Vec<Vehicle>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<Order>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<Account>,
}

impl std::fmt::Debug for CustomerRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerRecord")
            .field("customer_id", &self.customer_id)
            .field("vehicles", &self.vehicles.len())
            .field("orders", &self.orders.len())
            .field("accounts", &self.accounts.len())
            .finish_non_exhaustive()
    }
}

/// A vehicle the customer bought.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<String>,
    /// The selling store (a directory id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// The salesperson (a directory id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesperson: Option<String>,
}

/// An order or a repair order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub number: String,
    /// `sale`, `repair` … as the system names them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<u64>,
}

/// A bank account or card.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("number", &mask_account(&self.number))
            .field("kind", &self.kind)
            .finish()
    }
}

/// Why the customer system could not answer (never the identifier asked about).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the customer system is unavailable: {0}")]
pub struct Unavailable(pub String);

/// How hard one lookup tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    pub timeout: std::time::Duration,
    /// Attempts after the first.
    pub retries: u32,
}

/// The organisation's customer system.
#[async_trait::async_trait]
pub trait CustomerSystem: Send + Sync + 'static {
    /// The customers `identifier` finds for `tenant` (none is an answer).
    async fn lookup(
        &self,
        tenant: &str,
        identifier: &Identifier,
        attempts: Attempts,
    ) -> Result<Vec<CustomerRecord>, Unavailable>;
}

/// The customer system of the tenant that has one, and its settings.
pub struct Customers {
    pub config: Option<CustomersConfig>,
    pub system: Option<Arc<dyn CustomerSystem>>,
}

impl std::fmt::Debug for Customers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customers")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Customers {
    /// The HTTP adapter when `[intake.customers]` is set.
    pub fn new(config: Option<CustomersConfig>) -> Result<Self, String> {
        if let Some(config) = &config {
            config.validate()?;
        }
        let system = config
            .clone()
            .map(|config| Arc::new(http::HttpCustomerSystem::new(config)) as Arc<dyn CustomerSystem>);
        Ok(Self { config, system })
    }

    /// The system of `tenant`, with the attempts of a staff lookup and of a registration.
    pub fn of(&self, tenant: &str) -> Option<(&dyn CustomerSystem, Attempts, Attempts)> {
        let config = self.config.as_ref().filter(|c| c.tenant == tenant)?;
        let system = self.system.as_deref()?;
        Some((system, config.lookup_attempts(), config.confirm_attempts()))
    }
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Live,
    Synced,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Synced => "synced",
        }
    }
}

/// What the live system did for a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    Answered,
    Unavailable,
    NotConfigured,
}

impl Live {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Unavailable => "unavailable",
            Self::NotConfigured => "not_configured",
        }
    }
}

/// A customer as staff see them: masked by `domain::formats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedCustomer {
    pub customer_id: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub tier: Option<String>,
    pub home_branch: Option<String>,
    pub vehicles: Vec<Vehicle>,
    pub orders: Vec<Order>,
    pub accounts: Vec<Account>,
}

/// A name to its first character.
fn mask_name(name: &str) -> String {
    formats::parse_name(name)
        .map(|n| n.masked())
        .unwrap_or_else(|_| domain::masking::mask_name(name))
}

fn mask_phone(phone: &str) -> String {
    formats::parse_phone(phone)
        .map(|p| p.masked())
        .unwrap_or_else(|_| domain::masking::mask_phone(phone))
}

fn mask_id_number(id: &str) -> String {
    let today = NaiveDate::MAX;
    formats::parse_resident_id(id, today)
        .map(|i| i.masked())
        .or_else(|_| formats::parse_id_document(formats::IdKind::Passport, id, today).map(|d| d.masked()))
        .unwrap_or_else(|_| last_four(id))
}

fn mask_vin(vin: &str) -> String {
    formats::parse_vin(vin)
        .map(|v| v.masked())
        .unwrap_or_else(|_| last_four(vin))
}

fn mask_plate(plate: &str) -> String {
    formats::parse_plate(plate)
        .map(|p| p.masked())
        .unwrap_or_else(|_| last_four(plate))
}

/// A card as cards are masked; another account number to its last four.
pub fn mask_account(number: &str) -> String {
    formats::mask_card(number).unwrap_or_else(|_| last_four(number))
}

/// Everything but the last four characters hidden (at least half hidden).
fn last_four(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let keep = 4.min(chars.len() / 2);
    let mut masked = "*".repeat(chars.len() - keep);
    masked.extend(&chars[chars.len() - keep..]);
    masked
}

impl CustomerRecord {
    /// The record as staff see it.
    pub fn masked(&self) -> MaskedCustomer {
        MaskedCustomer {
            customer_id: self.customer_id.clone(),
            name: self.name.as_deref().map(mask_name),
            phone: self.phone.as_deref().map(mask_phone),
            id_number: self.id_number.as_deref().map(mask_id_number),
            tier: self.tier.clone(),
            home_branch: self.home_branch.clone(),
            vehicles: self
                .vehicles
                .iter()
                .map(|v| Vehicle {
                    vin: v.vin.as_deref().map(mask_vin),
                    plate: v.plate.as_deref().map(mask_plate),
                    ..v.clone()
                })
                .collect(),
            orders: self.orders.clone(),
            accounts: self
                .accounts
                .iter()
                .map(|a| Account {
                    number: mask_account(&a.number),
                    kind: a.kind.clone(),
                })
                .collect(),
        }
    }

    /// Whether the record answers `identifier` (compared normalised).
    pub fn answers(&self, identifier: &Identifier) -> bool {
        let today = NaiveDate::MAX;
        let same = |text: &str| {
            Identifier::parse(identifier.kind, text, today).is_ok_and(|found| found.value == identifier.value)
        };
        match identifier.kind {
            IdentifierKind::Phone => self.phone.as_deref().is_some_and(same),
            IdentifierKind::Vin => self.vehicles.iter().filter_map(|v| v.vin.as_deref()).any(same),
            IdentifierKind::CustomerId => {
                self.customer_id == identifier.value || self.accounts.iter().any(|a| a.number == identifier.value)
            }
            IdentifierKind::IdNumber => self.id_number.as_deref().is_some_and(same),
        }
    }

    /// Every identifier the record can be found by, normalised (for the synced copy's indexes).
    pub fn identifiers(&self) -> Vec<Identifier> {
        let today = NaiveDate::MAX;
        let mut found = vec![Identifier {
            kind: IdentifierKind::CustomerId,
            value: self.customer_id.clone(),
        }];
        let mut add = |kind, text: Option<&str>| {
            if let Some(identifier) = text.and_then(|t| Identifier::parse(kind, t, today).ok())
                && !found.contains(&identifier)
            {
                found.push(identifier);
            }
        };
        add(IdentifierKind::Phone, self.phone.as_deref());
        add(IdentifierKind::IdNumber, self.id_number.as_deref());
        for vehicle in &self.vehicles {
            add(IdentifierKind::Vin, vehicle.vin.as_deref());
        }
        for account in &self.accounts {
            add(IdentifierKind::CustomerId, Some(account.number.as_str()));
        }
        found
    }
}

/// What a registration asks to confirm, and what it matched.
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    /// The complainant's phone, then a VIN from the channel details.
    pub asked: Vec<Identifier>,
    pub matched: Option<Match>,
}

/// A registration's complainant found in the customer system: references only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub by: IdentifierKind,
    pub source: Source,
    pub customer_id: String,
    /// The selling store of the vehicle (the one matched, else the latest delivered).
    pub store: Option<String>,
    pub salesperson: Option<String>,
    /// A bank's branch holding the customer.
    pub branch: Option<String>,
    /// The customer's tier (routing's `customer_tier`).
    pub tier: Option<String>,
}

impl Confirmation {
    /// What a registration can be confirmed by: the complainant's phone, the vehicle's VIN (the
    /// registration's vehicle block, else a `vin` in the channel details) and the identity
    /// document; values that do not read are skipped. An anonymous complainant is never looked
    /// up.
    pub fn asked(complaint: &domain::complaint::NewComplaint, details_json: Option<&str>) -> Self {
        let today = NaiveDate::MAX;
        let mut asked = Vec::new();
        if complaint.anonymous {
            return Self::default();
        }
        if let Some(phone) = complaint.complainant.as_ref().and_then(|p| p.phone.as_deref())
            && let Ok(identifier) = Identifier::parse(IdentifierKind::Phone, phone, today)
        {
            asked.push(identifier);
        }
        let particulars = &complaint.particulars;
        let vin = particulars
            .vehicle
            .as_ref()
            .and_then(|v| v.vin.as_ref())
            .map(|v| v.as_str().to_owned())
            .or_else(|| {
                details_json
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                    .and_then(|d| d.get("vin").and_then(|v| v.as_str()).map(str::to_owned))
            });
        if let Some(identifier) = vin.and_then(|v| Identifier::parse(IdentifierKind::Vin, &v, today).ok()) {
            asked.push(identifier);
        }
        if let Some(document) = &particulars.complainant.id_document
            && let Ok(identifier) = Identifier::parse(IdentifierKind::IdNumber, document.as_str(), today)
        {
            asked.push(identifier);
        }
        Self { asked, matched: None }
    }
}

/// A directory id as routing reads it (lower case), or nothing.
fn directory_id(text: Option<&str>) -> Option<String> {
    let text = text?.trim().to_lowercase();
    domain::complaint::is_directory_id(&text).then_some(text)
}

impl Match {
    /// The references of the first record, for the identifier it matched by.
    pub fn of(record: &CustomerRecord, identifier: &Identifier, source: Source) -> Self {
        let today = NaiveDate::MAX;
        let vehicle = match identifier.kind {
            IdentifierKind::Vin => record.vehicles.iter().find(|v| {
                v.vin
                    .as_deref()
                    .and_then(|vin| Identifier::parse(IdentifierKind::Vin, vin, today).ok())
                    .is_some_and(|found| found == *identifier)
            }),
            _ => record
                .vehicles
                .iter()
                .max_by(|a, b| a.delivery_date.cmp(&b.delivery_date)),
        };
        Self {
            by: identifier.kind,
            source,
            customer_id: record.customer_id.clone(),
            store: directory_id(vehicle.and_then(|v| v.store.as_deref())),
            salesperson: directory_id(vehicle.and_then(|v| v.salesperson.as_deref())),
            branch: directory_id(record.home_branch.as_deref()),
            tier: directory_id(record.tier.as_deref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 8).expect("a date")
    }

    fn record() -> CustomerRecord {
        CustomerRecord {
            customer_id: "C10023".into(),
            name: Some("欧阳·娜娜".into()),
            phone: Some("13812345678".into()),
            id_number: Some("11010519491231002X".into()),
            home_branch: Some("SZ-Futian".into()),
            vehicles: vec![
                Vehicle {
                    vin: Some("LSVAU218XN2183294".into()),
                    plate: Some("粤B12345".into()),
                    delivery_date: Some("2024-03-01".into()),
                    store: Some("gz-tianhe".into()),
                    salesperson: Some("s-0042".into()),
                    ..Vehicle::default()
                },
                Vehicle {
                    vin: Some("1M8GDM9AXKP042788".into()),
                    delivery_date: Some("2025-06-01".into()),
                    store: Some("GZ Panyu".into()),
                    salesperson: Some("s-0077".into()),
                    ..Vehicle::default()
                },
            ],
            accounts: vec![Account {
                number: "6228480402564890018".into(),
                kind: Some("debit_card".into()),
            }],
            ..CustomerRecord::default()
        }
    }

    #[test]
    fn identifiers_are_read_and_normalised_and_refused_by_rule() {
        let phone = Identifier::parse(IdentifierKind::Phone, "+86 138-1234-5678", today()).expect("a phone");
        assert_eq!(phone.value(), "13812345678");
        let vin = Identifier::parse(IdentifierKind::Vin, "lsvau218xn2183294", today()).expect("a VIN");
        assert_eq!(vin.value(), "LSVAU218XN2183294");
        let bad = Identifier::parse(IdentifierKind::Vin, "LSVAU2181N2183294", today()).expect_err("check digit");
        assert_eq!(bad.rule, "check_digit");
        let id = Identifier::parse(IdentifierKind::IdNumber, "11010519491231002x", today()).expect("an id");
        assert_eq!(id.value(), "11010519491231002X");
        assert!(Identifier::parse(IdentifierKind::CustomerId, "C 100", today()).is_err());
        assert!(!format!("{phone:?}").contains("5678"), "Debug shows the kind only");
    }

    #[test]
    fn staff_see_a_customer_masked() {
        let masked = record().masked();
        assert_eq!(masked.name.as_deref(), Some("欧****"));
        assert_eq!(masked.phone.as_deref(), Some("138****5678"));
        assert_eq!(masked.id_number.as_deref(), Some("110105********002X"));
        assert_eq!(masked.vehicles[0].vin.as_deref(), Some("***********183294"));
        assert_eq!(masked.vehicles[0].plate.as_deref(), Some("粤B***45"));
        assert_eq!(masked.accounts[0].number, "622848*********0018");
        assert_eq!(last_four("12345678"), "****5678");
        assert_eq!(last_four("123"), "**3");
        let debug = format!("{:?}", record());
        assert!(!debug.contains("13812345678") && !debug.contains("娜娜"), "{debug}");
    }

    #[test]
    fn a_match_takes_the_matched_vehicle_or_the_latest_and_only_directory_ids() {
        let record = record();
        let by_vin = Identifier::parse(IdentifierKind::Vin, "LSVAU218XN2183294", today()).expect("a VIN");
        assert!(record.answers(&by_vin));
        let matched = Match::of(&record, &by_vin, Source::Live);
        assert_eq!(
            (matched.store.as_deref(), matched.salesperson.as_deref()),
            (Some("gz-tianhe"), Some("s-0042"))
        );
        assert_eq!(matched.branch.as_deref(), Some("sz-futian"), "lower-cased");
        let by_phone = Identifier::parse(IdentifierKind::Phone, "138 1234 5678", today()).expect("a phone");
        let matched = Match::of(&record, &by_phone, Source::Synced);
        assert_eq!(
            (matched.store, matched.salesperson.as_deref()),
            (None, Some("s-0077")),
            "the latest vehicle; `GZ Panyu` is no directory id"
        );
        let kinds: Vec<_> = record.identifiers().iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            [
                IdentifierKind::CustomerId,
                IdentifierKind::Phone,
                IdentifierKind::IdNumber,
                IdentifierKind::Vin,
                IdentifierKind::Vin,
                IdentifierKind::CustomerId
            ]
        );
    }
}

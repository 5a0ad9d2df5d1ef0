//! What a registration may carry besides the case itself (decision 0010): who the complainant
//! is (an identity document, the address's division code, their role — customer, member of
//! staff, proxy, heir, organisation —, whom they represent, a salutation for letters), the
//! dealer's vehicle block and the bank's account block, each checked with
//! [`crate::formats`] and named by its JSON path when it breaks a rule.
//!
//! The validated values keep the typed formats ([`IdDocument`], [`Vin`], [`BankCard`] …), whose
//! `Debug` shows only the masked form.

use chrono::NaiveDate;

use crate::error::FieldError;
use crate::formats::{
    BankCard, CreditCode, DivisionCode, IdDocument, IdKind, PersonName, Plate, Vin, parse_bank_card, parse_credit_code,
    parse_division_code, parse_id_document, parse_name, parse_plate, parse_vin,
};
use crate::vocabulary::{Language, vocabulary};

vocabulary!(
    /// Who the complainant is to the organisation.
    ComplainantRole {
        /// A customer speaking for themself (the default).
        Customer => "customer", "客户本人", "customer";
        /// A member of staff filing an internal complaint (with their staff id).
        Staff => "staff", "内部员工", "member of staff";
        /// Someone acting for the customer (with `represents`).
        Proxy => "proxy", "代理人", "proxy";
        /// An heir of a deceased customer (with `represents`).
        Heir => "heir", "继承人", "heir";
        /// An organisation (with its unified social credit code).
        Organisation => "organisation", "单位", "organisation";
    }
);

vocabulary!(
    /// How a proxy or heir is related to the person they represent.
    Relationship {
        Spouse => "spouse", "配偶", "spouse";
        Parent => "parent", "父母", "parent";
        Child => "child", "子女", "child";
        Sibling => "sibling", "兄弟姐妹", "sibling";
        Relative => "relative", "其他亲属", "other relative";
        Lawyer => "lawyer", "律师", "lawyer";
        Agent => "agent", "委托代理人", "authorised agent";
        Other => "other", "其他", "other";
    }
);

vocabulary!(
    /// How a letter addresses the complainant (尊敬的李先生).
    Salutation {
        Mr => "mr", "先生", "Mr";
        Ms => "ms", "女士", "Ms";
        Dr => "dr", "博士", "Dr";
        Prof => "prof", "教授", "Prof.";
    }
);

/// An identity document as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdDocumentInput {
    /// `resident_id`, `residence_permit`, `hk_macau_permit`, `taiwan_permit` or `passport`.
    pub kind: Option<String>,
    pub number: Option<String>,
}

/// Whom a proxy or heir speaks for, as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepresentsInput {
    pub name: Option<String>,
    pub relationship: Option<String>,
}

/// A repair order of the vehicle, as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairOrderInput {
    pub number: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub fault: Option<String>,
}

/// A dealer's vehicle block, as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VehicleInput {
    pub vin: Option<String>,
    pub plate: Option<String>,
    /// `YYYY-MM-DD`.
    pub delivery_date: Option<String>,
    pub mileage_km: Option<u64>,
    pub repair_orders: Vec<RepairOrderInput>,
}

/// A bank's account block, as submitted: a card number or an account number, never both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankInput {
    pub card_number: Option<String>,
    pub account_number: Option<String>,
    pub product: Option<String>,
    pub branch: Option<String>,
}

/// Whom a proxy or heir speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Represents {
    pub name: PersonName,
    pub relationship: Relationship,
}

/// A repair order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairOrder {
    pub number: String,
    pub date: Option<NaiveDate>,
    pub fault: Option<String>,
}

/// The vehicle a dealer's complaint is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vehicle {
    pub vin: Option<Vin>,
    pub plate: Option<Plate>,
    pub delivery_date: Option<NaiveDate>,
    pub mileage_km: Option<u32>,
    pub repair_orders: Vec<RepairOrder>,
}

/// A bank account number that is not a card: 6 to 32 digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountNumber {
    digits: String,
}

impl AccountNumber {
    /// The digits, for intake to tokenise; never to be stored or logged.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// Only the last four digits: `****************1234`.
    pub fn masked(&self) -> String {
        let hidden = self.digits.len().saturating_sub(4);
        format!("{}{}", "*".repeat(hidden), &self.digits[hidden..])
    }
}

impl std::fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AccountNumber").field(&self.masked()).finish()
    }
}

/// The account a bank complaint is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankAccount {
    Card(BankCard),
    Account(AccountNumber),
}

impl BankAccount {
    /// `card` or `account`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Card(_) => "card",
            Self::Account(_) => "account",
        }
    }

    /// The digits, for the keyed token only.
    pub fn digits(&self) -> &str {
        match self {
            Self::Card(card) => card.digits(),
            Self::Account(account) => account.digits(),
        }
    }

    /// What is kept and shown: a card's first six and last four, an account's last four.
    pub fn masked(&self) -> String {
        match self {
            Self::Card(card) => card.masked(),
            Self::Account(account) => account.masked(),
        }
    }
}

/// The bank block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bank {
    pub account: Option<BankAccount>,
    pub product: Option<String>,
    pub branch: Option<String>,
}

/// The complainant's particulars beyond name and contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplainantParticulars {
    pub id_document: Option<IdDocument>,
    /// The address's administrative division code.
    pub division: Option<DivisionCode>,
    /// `None` is a customer.
    pub role: Option<ComplainantRole>,
    pub staff_id: Option<String>,
    pub credit_code: Option<CreditCode>,
    pub represents: Option<Represents>,
    pub salutation: Option<Salutation>,
}

impl ComplainantParticulars {
    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Everything of decision 0010 a registration carried, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Particulars {
    pub complainant: ComplainantParticulars,
    pub vehicle: Option<Vehicle>,
    pub bank: Option<Bank>,
}

impl Particulars {
    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The complainant's new fields, as the validator takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplainantParticularsInput {
    pub id_document: Option<IdDocumentInput>,
    pub division_code: Option<String>,
    pub role: Option<String>,
    pub staff_id: Option<String>,
    pub credit_code: Option<String>,
    pub represents: Option<RepresentsInput>,
    pub salutation: Option<String>,
}

/// The most repair orders a vehicle block may list.
pub const MAX_REPAIR_ORDERS: usize = 50;

fn filled(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn one_of<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    parse: fn(&str) -> Option<T>,
    list: fn() -> String,
) -> Option<T> {
    let value = filled(value)?;
    let parsed = parse(&value);
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            "one_of",
            format!("{field} must be one of: {}", list()),
        ));
    }
    parsed
}

/// A date `YYYY-MM-DD` between 1990-01-01 and `today`.
fn date(errors: &mut Vec<FieldError>, field: &str, value: Option<String>, today: NaiveDate) -> Option<NaiveDate> {
    let value = filled(value)?;
    match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "date",
                format!("{field} must be a date YYYY-MM-DD"),
            ));
            None
        }
        Ok(date) if date > today || date < NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(date) => {
            errors.push(FieldError::new(
                field,
                "range",
                format!("{field} must lie between 1990-01-01 and today"),
            ));
            None
        }
        Ok(date) => Some(date),
    }
}

/// Free text of at most `max` characters without control characters (line breaks allowed when
/// `multiline`).
fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    max: usize,
    multiline: bool,
) -> Option<String> {
    let value = filled(value)?;
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "max_length",
            format!("{field} must be at most {max} characters"),
        ));
        return None;
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        errors.push(FieldError::new(
            field,
            "characters",
            format!("{field} must not contain control characters"),
        ));
        return None;
    }
    Some(value)
}

fn directory_id(errors: &mut Vec<FieldError>, field: &str, value: Option<String>) -> Option<String> {
    let value = filled(value)?;
    if crate::complaint::is_directory_id(&value) {
        Some(value)
    } else {
        errors.push(FieldError::new(
            field,
            "directory_id",
            format!("{field} must be a directory id: 1–64 of a-z, 0-9, '-' and '_'"),
        ));
        None
    }
}

/// Checks the complainant's new fields. `organisation_name` is set when the role is
/// `organisation` (the name field then holds the organisation's name).
pub fn validate_complainant(
    errors: &mut Vec<FieldError>,
    input: ComplainantParticularsInput,
    today: NaiveDate,
) -> ComplainantParticulars {
    let role = one_of(
        errors,
        "complainant.role",
        input.role,
        ComplainantRole::parse,
        ComplainantRole::wire_list,
    );
    let id_document = input.id_document.and_then(|document| {
        let kind = match filled(document.kind) {
            None => {
                errors.push(FieldError::new(
                    "complainant.id_document.kind",
                    "required",
                    format!(
                        "complainant.id_document.kind is required: one of {}",
                        IdKind::wire_list()
                    ),
                ));
                None
            }
            Some(kind) => IdKind::parse(&kind).or_else(|| {
                errors.push(FieldError::new(
                    "complainant.id_document.kind",
                    "one_of",
                    format!("complainant.id_document.kind must be one of: {}", IdKind::wire_list()),
                ));
                None
            }),
        };
        let number = document.number.unwrap_or_default();
        match kind {
            Some(kind) => parse_id_document(kind, &number, today)
                .map_err(|e| errors.push(e.field_error("complainant.id_document.number")))
                .ok(),
            None => None,
        }
    });
    let division = filled(input.division_code).and_then(|code| {
        parse_division_code(&code)
            .map_err(|e| errors.push(e.field_error("complainant.division_code")))
            .ok()
    });
    let staff_id = directory_id(errors, "complainant.staff_id", input.staff_id);
    let credit_code = filled(input.credit_code).and_then(|code| {
        parse_credit_code(&code)
            .map_err(|e| errors.push(e.field_error("complainant.credit_code")))
            .ok()
    });
    let represents = input.represents.and_then(|represents| {
        let name = match parse_name(represents.name.as_deref().unwrap_or_default()) {
            Ok(name) => Some(name),
            Err(e) => {
                errors.push(e.field_error("complainant.represents.name"));
                None
            }
        };
        let relationship = match filled(represents.relationship) {
            None => {
                errors.push(FieldError::new(
                    "complainant.represents.relationship",
                    "required",
                    format!(
                        "complainant.represents.relationship is required: one of {}",
                        Relationship::wire_list()
                    ),
                ));
                None
            }
            Some(text) => Relationship::parse(&text).or_else(|| {
                errors.push(FieldError::new(
                    "complainant.represents.relationship",
                    "one_of",
                    format!(
                        "complainant.represents.relationship must be one of: {}",
                        Relationship::wire_list()
                    ),
                ));
                None
            }),
        };
        Some(Represents {
            name: name?,
            relationship: relationship?,
        })
    });
    let salutation = one_of(
        errors,
        "complainant.salutation",
        input.salutation,
        Salutation::parse,
        Salutation::wire_list,
    );
    let needs = |errors: &mut Vec<FieldError>, field: &str, present: bool, role: ComplainantRole| {
        if !present {
            errors.push(FieldError::new(
                field,
                "required",
                format!("{field} is required when complainant.role is {}", role.as_str()),
            ));
        }
    };
    let only_for = |errors: &mut Vec<FieldError>, field: &str, present: bool, roles: &str| {
        if present {
            errors.push(FieldError::new(
                field,
                "requires_role",
                format!("{field} is only given when complainant.role is {roles}"),
            ));
        }
    };
    let role_or_customer = role.unwrap_or(ComplainantRole::Customer);
    // A field refused by its own format is not reported missing as well.
    let staff_given = staff_id.is_some() || errors.iter().any(|e| e.field == "complainant.staff_id");
    let code_given = credit_code.is_some() || errors.iter().any(|e| e.field == "complainant.credit_code");
    let represents_given = represents.is_some() || errors.iter().any(|e| e.field.starts_with("complainant.represents"));
    match role_or_customer {
        ComplainantRole::Staff => needs(errors, "complainant.staff_id", staff_given, role_or_customer),
        ComplainantRole::Organisation => needs(errors, "complainant.credit_code", code_given, role_or_customer),
        ComplainantRole::Proxy | ComplainantRole::Heir => {
            needs(errors, "complainant.represents", represents_given, role_or_customer);
        }
        ComplainantRole::Customer => {}
    }
    if role_or_customer != ComplainantRole::Staff {
        only_for(errors, "complainant.staff_id", staff_id.is_some(), "staff");
    }
    if role_or_customer != ComplainantRole::Organisation {
        only_for(errors, "complainant.credit_code", credit_code.is_some(), "organisation");
    }
    if !matches!(role_or_customer, ComplainantRole::Proxy | ComplainantRole::Heir) {
        only_for(errors, "complainant.represents", represents.is_some(), "proxy or heir");
    }
    ComplainantParticulars {
        id_document,
        division,
        role,
        staff_id,
        credit_code,
        represents,
        salutation,
    }
}

/// Checks the vehicle block; `None` when it holds nothing.
pub fn validate_vehicle(errors: &mut Vec<FieldError>, input: VehicleInput, today: NaiveDate) -> Option<Vehicle> {
    let vin = filled(input.vin).and_then(|vin| {
        parse_vin(&vin)
            .map_err(|e| errors.push(e.field_error("vehicle.vin")))
            .ok()
    });
    let plate = filled(input.plate).and_then(|plate| {
        parse_plate(&plate)
            .map_err(|e| errors.push(e.field_error("vehicle.plate")))
            .ok()
    });
    let delivery_date = date(errors, "vehicle.delivery_date", input.delivery_date, today);
    let mileage_km = match input.mileage_km {
        None => None,
        Some(km) => match u32::try_from(km) {
            Ok(km) if km <= 2_000_000 => Some(km),
            _ => {
                errors.push(FieldError::new(
                    "vehicle.mileage_km",
                    "range",
                    "vehicle.mileage_km must be between 0 and 2,000,000",
                ));
                None
            }
        },
    };
    if input.repair_orders.len() > MAX_REPAIR_ORDERS {
        errors.push(FieldError::new(
            "vehicle.repair_orders",
            "max_items",
            format!("vehicle.repair_orders has at most {MAX_REPAIR_ORDERS} orders"),
        ));
    }
    let mut repair_orders = Vec::new();
    for (i, order) in input.repair_orders.into_iter().take(MAX_REPAIR_ORDERS).enumerate() {
        let at = |name: &str| format!("vehicle.repair_orders[{i}].{name}");
        let number = match filled(order.number) {
            None => {
                errors.push(FieldError::new(
                    at("number"),
                    "required",
                    format!("{} is the repair order's number", at("number")),
                ));
                None
            }
            Some(number)
                if number.chars().count() > 64
                    || !number
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')) =>
            {
                errors.push(FieldError::new(
                    at("number"),
                    "pattern",
                    format!("{} must be 1 to 64 letters, digits and - _ / .", at("number")),
                ));
                None
            }
            Some(number) => Some(number),
        };
        let order_date = date(errors, &at("date"), order.date, today);
        if let (Some(order_date), Some(delivered)) = (order_date, delivery_date)
            && order_date < delivered
        {
            errors.push(FieldError::new(
                at("date"),
                "range",
                format!("{} must not be before vehicle.delivery_date", at("date")),
            ));
        }
        let fault = text(errors, &at("fault"), order.fault, 500, true);
        if let Some(number) = number {
            repair_orders.push(RepairOrder {
                number,
                date: order_date,
                fault,
            });
        }
    }
    let vehicle = Vehicle {
        vin,
        plate,
        delivery_date,
        mileage_km,
        repair_orders,
    };
    (vehicle != Vehicle::default()).then_some(vehicle)
}

/// Checks the bank block; `None` when it holds nothing.
pub fn validate_bank(errors: &mut Vec<FieldError>, input: BankInput) -> Option<Bank> {
    let card = filled(input.card_number);
    let account = filled(input.account_number);
    let account = match (card, account) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "bank.account_number",
                "exclusive",
                "give bank.card_number or bank.account_number, not both",
            ));
            None
        }
        (Some(card), None) => parse_bank_card(&card)
            .map(BankAccount::Card)
            .map_err(|e| errors.push(e.field_error("bank.card_number")))
            .ok(),
        (None, Some(account)) => {
            let digits: String = crate::formats::halfwidth(&account)
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect();
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(FieldError::new(
                    "bank.account_number",
                    "characters",
                    "bank.account_number must be digits (spaces and dashes between groups are allowed)",
                ));
                None
            } else if !(6..=32).contains(&digits.len()) {
                errors.push(FieldError::new(
                    "bank.account_number",
                    "length",
                    "bank.account_number must have 6 to 32 digits",
                ));
                None
            } else {
                Some(BankAccount::Account(AccountNumber { digits }))
            }
        }
        (None, None) => None,
    };
    let product = text(errors, "bank.product", input.product, 100, false);
    let branch = text(errors, "bank.branch", input.branch, 100, false);
    let bank = Bank {
        account,
        product,
        branch,
    };
    (bank != Bank::default()).then_some(bank)
}

/// The role's label, for letters and the console.
pub fn role_label(role: Option<ComplainantRole>, language: Language) -> &'static str {
    role.unwrap_or(ComplainantRole::Customer).label(language)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid")
    }

    fn rules(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.rule)).collect()
    }

    #[test]
    fn an_identity_document_is_checked_by_its_kind() {
        let mut errors = Vec::new();
        let person = validate_complainant(
            &mut errors,
            ComplainantParticularsInput {
                id_document: Some(IdDocumentInput {
                    kind: Some("resident_id".into()),
                    number: Some("11010519491231002X".into()),
                }),
                division_code: Some("440106".into()),
                salutation: Some("ms".into()),
                ..Default::default()
            },
            today(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            person.id_document.as_ref().map(IdDocument::masked).as_deref(),
            Some("110105********002X")
        );
        assert_eq!(person.division.as_ref().map(DivisionCode::as_str), Some("440106"));
        let bad = |kind: &str, number: &str| {
            let mut errors = Vec::new();
            validate_complainant(
                &mut errors,
                ComplainantParticularsInput {
                    id_document: Some(IdDocumentInput {
                        kind: Some(kind.into()),
                        number: Some(number.into()),
                    }),
                    ..Default::default()
                },
                today(),
            );
            errors
        };
        assert_eq!(
            rules(&bad("resident_id", "110105194912310021")),
            [("complainant.id_document.number", "check_digit")]
        );
        assert_eq!(
            rules(&bad("hk_macau_permit", "X1234567")),
            [("complainant.id_document.number", "pattern")]
        );
        assert_eq!(
            rules(&bad("driving_licence", "X1234567")),
            [("complainant.id_document.kind", "one_of")]
        );
    }

    #[test]
    fn each_role_needs_its_own_field_and_no_other() {
        let check = |input: ComplainantParticularsInput| {
            let mut errors = Vec::new();
            validate_complainant(&mut errors, input, today());
            errors
        };
        assert_eq!(
            rules(&check(ComplainantParticularsInput {
                role: Some("staff".into()),
                ..Default::default()
            })),
            [("complainant.staff_id", "required")]
        );
        assert_eq!(
            rules(&check(ComplainantParticularsInput {
                role: Some("organisation".into()),
                credit_code: Some("91350100M000100Y44".into()),
                ..Default::default()
            })),
            [("complainant.credit_code", "check_digit")]
        );
        assert!(
            check(ComplainantParticularsInput {
                role: Some("organisation".into()),
                credit_code: Some("91350100M000100Y43".into()),
                ..Default::default()
            })
            .is_empty()
        );
        assert_eq!(
            rules(&check(ComplainantParticularsInput {
                role: Some("heir".into()),
                represents: Some(RepresentsInput {
                    name: Some("李1".into()),
                    relationship: Some("cousin".into()),
                }),
                ..Default::default()
            })),
            [
                ("complainant.represents.name", "characters"),
                ("complainant.represents.relationship", "one_of")
            ]
        );
        assert_eq!(
            rules(&check(ComplainantParticularsInput {
                staff_id: Some("li-wei".into()),
                ..Default::default()
            })),
            [("complainant.staff_id", "requires_role")]
        );
        assert_eq!(
            rules(&check(ComplainantParticularsInput {
                role: Some("landlord".into()),
                ..Default::default()
            })),
            [("complainant.role", "one_of")]
        );
    }

    #[test]
    fn the_vehicle_block_checks_vin_plate_dates_and_orders() {
        let mut errors = Vec::new();
        let vehicle = validate_vehicle(
            &mut errors,
            VehicleInput {
                vin: Some("lsvam4187c2184847".into()),
                plate: Some("粤B12345".into()),
                delivery_date: Some("2025-06-01".into()),
                mileage_km: Some(12_000),
                repair_orders: vec![RepairOrderInput {
                    number: Some("RO-2026-0012".into()),
                    date: Some("2026-10-02".into()),
                    fault: Some("变速箱异响".into()),
                }],
            },
            today(),
        )
        .expect("a vehicle");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(vehicle.vin.as_ref().map(Vin::as_str), Some("LSVAM4187C2184847"));
        assert_eq!(vehicle.repair_orders.len(), 1);
        let mut errors = Vec::new();
        validate_vehicle(
            &mut errors,
            VehicleInput {
                vin: Some("LSVAM4187C2184848".into()),
                plate: Some("粤I12345".into()),
                delivery_date: Some("2027-01-01".into()),
                mileage_km: Some(3_000_000),
                repair_orders: vec![RepairOrderInput {
                    number: None,
                    date: Some("2026/10/02".into()),
                    fault: None,
                }],
            },
            today(),
        );
        assert_eq!(
            rules(&errors),
            [
                ("vehicle.vin", "check_digit"),
                ("vehicle.plate", "characters"),
                ("vehicle.delivery_date", "range"),
                ("vehicle.mileage_km", "range"),
                ("vehicle.repair_orders[0].number", "required"),
                ("vehicle.repair_orders[0].date", "date"),
            ]
        );
        assert!(validate_vehicle(&mut Vec::new(), VehicleInput::default(), today()).is_none());
    }

    #[test]
    fn a_bank_card_is_checked_and_only_its_mask_is_shown() {
        let mut errors = Vec::new();
        let bank = validate_bank(
            &mut errors,
            BankInput {
                card_number: Some("6228 4800 0000 0000 018".into()),
                product: Some("信用卡".into()),
                ..Default::default()
            },
        )
        .expect("a bank block");
        assert!(errors.is_empty(), "{errors:?}");
        let account = bank.account.expect("an account");
        assert_eq!(account.kind(), "card");
        assert_eq!(account.masked(), "622848*********0018");
        assert!(!format!("{account:?}").contains("6228480000000000018"));
        let mut errors = Vec::new();
        validate_bank(
            &mut errors,
            BankInput {
                card_number: Some("6228480000000000019".into()),
                ..Default::default()
            },
        );
        assert_eq!(rules(&errors), [("bank.card_number", "check_digit")]);
        let mut errors = Vec::new();
        let bank = validate_bank(
            &mut errors,
            BankInput {
                account_number: Some("4400 1234 5678 9012".into()),
                ..Default::default()
            },
        );
        assert_eq!(
            bank.and_then(|b| b.account).map(|a| a.masked()).as_deref(),
            Some("************9012")
        );
        let mut errors = Vec::new();
        validate_bank(
            &mut errors,
            BankInput {
                card_number: Some("6228480000000000018".into()),
                account_number: Some("12345678".into()),
                ..Default::default()
            },
        );
        assert_eq!(rules(&errors), [("bank.account_number", "exclusive")]);
    }
}

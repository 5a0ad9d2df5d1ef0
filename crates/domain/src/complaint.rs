//! A new complaint as submitted, and the rules it must pass before it is registered.
//!
//! Every channel's input becomes a [`ComplaintInput`]; [`validate`] turns it into a
//! [`NewComplaint`] or lists every broken rule with its field (CONTRACT.md).

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::error::FieldError;
use crate::formats::{PhoneKind, parse_name, parse_phone};
use crate::masking::is_valid_email;
use crate::particulars::{
    BankInput, ComplainantParticularsInput, ComplainantRole, IdDocumentInput, Particulars, RepresentsInput,
    VehicleInput,
};
use crate::vocabulary::{Channel, Kind, Source};

/// The most characters a narrative may have.
pub const NARRATIVE_MAX_CHARS: usize = 20_000;

/// The complainant as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplainantInput {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub preferred_language: Option<String>,
    pub preferred_channel: Option<String>,
    pub keep_confidential: bool,
    /// The complainant's OpenID with the organisation's WeChat official account: a channel
    /// back like a phone (decision 0009).
    pub wechat_openid: Option<String>,
    /// An identity document (decision 0010).
    pub id_document: Option<IdDocumentInput>,
    /// The address's 6-digit administrative division code.
    pub division_code: Option<String>,
    /// `customer` (default), `staff`, `proxy`, `heir` or `organisation`.
    pub role: Option<String>,
    /// A member of staff's directory id (role `staff`).
    pub staff_id: Option<String>,
    /// An organisation's unified social credit code (role `organisation`).
    pub credit_code: Option<String>,
    /// Whom a proxy or heir speaks for.
    pub represents: Option<RepresentsInput>,
    /// `mr`, `ms`, `dr` or `prof`, for letters.
    pub salutation: Option<String>,
}

/// A submission before validation: every field as the caller gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintInput {
    pub channel: Option<String>,
    pub kind: Option<String>,
    pub source: Option<String>,
    pub source_ref: Option<String>,
    pub source_due_at: Option<String>,
    pub external_ref: Option<String>,
    pub received_at: Option<String>,
    /// When the event complained about happened (RFC 3339); what a time bar is counted from.
    pub occurred_at: Option<String>,
    pub subject: Option<String>,
    pub demands: Vec<String>,
    pub unit: Option<String>,
    pub category: Option<String>,
    pub category_code: Option<String>,
    pub narrative: Option<String>,
    pub anonymous: bool,
    pub complainant: Option<ComplainantInput>,
    pub refs: RoutingRefs,
    /// A dealer's vehicle block (decision 0010).
    pub vehicle: Option<VehicleInput>,
    /// A bank's account block (decision 0010).
    pub bank: Option<BankInput>,
    /// The staff or unit id owning the case until it is handed over (first-contact
    /// responsibility).
    pub first_contact_owner: Option<String>,
}

/// References routing's rules read: directory ids and codes, never names or free text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingRefs {
    /// The unit the case is about (the accused store or branch).
    pub subject_unit: Option<String>,
    /// The member of staff the case is about (a directory id, not a name).
    pub subject_staff: Option<String>,
    /// The branch holding the complainant's account (local responsibility).
    pub account_unit: Option<String>,
    /// Where it happened: a 2-, 4- or 6-digit administrative division code.
    pub division_code: Option<String>,
    /// `standard`, `vip`, `private_banking` … as the tenant's rules name them.
    pub customer_tier: Option<String>,
    pub brand: Option<String>,
    pub product: Option<String>,
}

/// Whether a text is a directory id: 1–64 of `a-z 0-9 - _`, not starting with `-`.
pub fn is_directory_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !text.starts_with('-')
}

fn check_refs(errors: &mut Vec<FieldError>, refs: RoutingRefs) -> RoutingRefs {
    let mut id = |field: &str, value: Option<String>| {
        let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())?;
        if is_directory_id(&value) {
            Some(value)
        } else {
            errors.push(FieldError::new(
                field,
                "directory_id",
                format!("{field} must be a directory id: 1–64 of a-z, 0-9, '-' and '_'"),
            ));
            None
        }
    };
    let subject_unit = id("subject_unit", refs.subject_unit);
    let subject_staff = id("subject_staff", refs.subject_staff);
    let account_unit = id("account_unit", refs.account_unit);
    let customer_tier = id("customer_tier", refs.customer_tier);
    let brand = id("brand", refs.brand);
    let product = id("product", refs.product);
    let division_code = refs
        .division_code
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let division_code = match division_code {
        Some(code) if matches!(code.len(), 2 | 4 | 6) && code.bytes().all(|b| b.is_ascii_digit()) => Some(code),
        Some(_) => {
            errors.push(FieldError::new(
                "division_code",
                "division_code",
                "division_code must be a 2-, 4- or 6-digit administrative division code (e.g. 440106)",
            ));
            None
        }
        None => None,
    };
    RoutingRefs {
        subject_unit,
        subject_staff,
        account_unit,
        division_code,
        customer_tier,
        brand,
        product,
    }
}

/// A complaint that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    pub channel: Channel,
    pub kind: Kind,
    pub source: Source,
    pub source_ref: Option<String>,
    pub source_due_at: Option<DateTime<Utc>>,
    pub external_ref: Option<String>,
    pub received_at: DateTime<Utc>,
    /// When the event happened, at or before `received_at` (five minutes' grace).
    pub occurred_at: Option<DateTime<Utc>>,
    pub subject: Option<String>,
    pub demands: Vec<String>,
    pub unit: Option<String>,
    pub reported_category: Option<String>,
    pub category_code: Option<String>,
    pub narrative: String,
    pub anonymous: bool,
    /// The complainant as given, the phone and name normalised (`parse_phone`, `parse_name`).
    pub complainant: Option<ComplainantInput>,
    pub refs: RoutingRefs,
    /// The identity document, role, vehicle and bank blocks, validated (decision 0010).
    pub particulars: Particulars,
    pub first_contact_owner: Option<String>,
}

/// Checks every rule and returns the complaint, or every broken rule.
///
/// `now` bounds `received_at` (at most five minutes ahead); `known_category` says whether a
/// `category_code` exists for the tenant.
pub fn validate(
    input: ComplaintInput,
    now: DateTime<Utc>,
    known_category: &dyn Fn(&str) -> bool,
) -> Result<NewComplaint, Vec<FieldError>> {
    let mut errors = Vec::new();
    let channel = match input.channel.as_deref() {
        None | Some("") => {
            errors.push(FieldError::new("channel", "required", "channel is required"));
            None
        }
        Some(text) => Channel::parse(text).or_else(|| {
            errors.push(FieldError::new(
                "channel",
                "one_of",
                format!("channel must be one of: {}", Channel::wire_list()),
            ));
            None
        }),
    };
    let kind = parse_optional(&mut errors, "kind", input.kind.as_deref(), Kind::parse, Kind::wire_list)
        .unwrap_or(Kind::Complaint);
    let source = parse_optional(
        &mut errors,
        "source",
        input.source.as_deref(),
        Source::parse,
        Source::wire_list,
    )
    .unwrap_or(Source::Direct);
    let narrative = match input.narrative {
        None => {
            errors.push(FieldError::new("narrative", "required", "narrative is required"));
            None
        }
        Some(text) if text.trim().is_empty() => {
            errors.push(FieldError::new(
                "narrative",
                "min_length",
                "narrative must not be empty",
            ));
            None
        }
        Some(text) if text.chars().count() > NARRATIVE_MAX_CHARS => {
            errors.push(FieldError::new(
                "narrative",
                "max_length",
                format!("narrative must be at most {NARRATIVE_MAX_CHARS} characters"),
            ));
            None
        }
        Some(text) => Some(text),
    };
    let refs = check_refs(&mut errors, input.refs);
    let external_ref = bounded(&mut errors, "external_ref", input.external_ref, 128);
    let source_ref = bounded(&mut errors, "source_ref", input.source_ref, 128);
    let subject = bounded(&mut errors, "subject", input.subject, 500);
    let unit = bounded(&mut errors, "unit", input.unit, 64);
    let reported_category = bounded(&mut errors, "category", input.category, 200);
    if input.demands.len() > 20 {
        errors.push(FieldError::new("demands", "max_items", "at most 20 demands"));
    }
    for (index, demand) in input.demands.iter().enumerate() {
        if demand.trim().is_empty() || demand.chars().count() > 200 {
            errors.push(FieldError::new(
                format!("demands[{index}]"),
                "length",
                "each demand must have 1 to 200 characters",
            ));
        }
    }
    let category_code = match input.category_code {
        Some(code) if !known_category(&code) => {
            errors.push(FieldError::new(
                "category_code",
                "known_code",
                format!("category_code `{}` is not a known category", truncate(&code, 64)),
            ));
            None
        }
        other => other,
    };
    let earliest = Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0).single().unwrap_or(now);
    let received_at = match input.received_at.as_deref() {
        None => Some(now),
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Err(_) => {
                errors.push(FieldError::new(
                    "received_at",
                    "rfc3339",
                    "received_at must be an RFC 3339 instant",
                ));
                None
            }
            Ok(at) => {
                let at = at.with_timezone(&Utc);
                if at < earliest || at > now + Duration::minutes(5) {
                    errors.push(FieldError::new(
                        "received_at",
                        "range",
                        "received_at must lie between 1990-01-01 and five minutes from now",
                    ));
                    None
                } else {
                    Some(at)
                }
            }
        },
    };
    let source_due_at = match input.source_due_at.as_deref() {
        None => None,
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => {
                errors.push(FieldError::new(
                    "source_due_at",
                    "rfc3339",
                    "source_due_at must be an RFC 3339 instant",
                ));
                None
            }
        },
    };
    let occurred_at = match input.occurred_at.as_deref() {
        None => None,
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Err(_) => {
                errors.push(FieldError::new(
                    "occurred_at",
                    "rfc3339",
                    "occurred_at must be an RFC 3339 instant",
                ));
                None
            }
            Ok(at) => {
                let at = at.with_timezone(&Utc);
                let latest = received_at.unwrap_or(now) + Duration::minutes(5);
                if at < earliest || at > latest {
                    errors.push(FieldError::new(
                        "occurred_at",
                        "range",
                        "occurred_at must lie between 1990-01-01 and received_at",
                    ));
                    None
                } else {
                    Some(at)
                }
            }
        },
    };
    let today = (now + Duration::hours(8)).date_naive();
    let (complainant, complainant_particulars) =
        validate_complainant(&mut errors, input.complainant, input.anonymous, today);
    let particulars = Particulars {
        complainant: complainant_particulars,
        vehicle: input
            .vehicle
            .and_then(|vehicle| crate::particulars::validate_vehicle(&mut errors, vehicle, today)),
        bank: input
            .bank
            .and_then(|bank| crate::particulars::validate_bank(&mut errors, bank)),
    };
    let first_contact_owner = input
        .first_contact_owner
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    if let Some(owner) = &first_contact_owner
        && !is_directory_id(owner)
    {
        errors.push(FieldError::new(
            "first_contact_owner",
            "directory_id",
            "first_contact_owner must be a staff or unit id: 1–64 of a-z, 0-9, '-' and '_'",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match (channel, narrative, received_at) {
        (Some(channel), Some(narrative), Some(received_at)) => Ok(NewComplaint {
            channel,
            kind,
            source,
            source_ref,
            source_due_at,
            external_ref,
            received_at,
            occurred_at,
            subject,
            demands: input.demands,
            unit,
            reported_category,
            category_code,
            narrative,
            anonymous: input.anonymous,
            complainant,
            refs,
            particulars,
            first_contact_owner,
        }),
        _ => Err(vec![FieldError::new("body", "invalid", "the complaint is incomplete")]),
    }
}

fn validate_complainant(
    errors: &mut Vec<FieldError>,
    complainant: Option<ComplainantInput>,
    anonymous: bool,
    today: chrono::NaiveDate,
) -> (Option<ComplainantInput>, crate::particulars::ComplainantParticulars) {
    let Some(mut person) = complainant else {
        if !anonymous {
            errors.push(FieldError::new(
                "complainant",
                "required_unless_anonymous",
                "complainant is required unless anonymous is true",
            ));
        }
        return (None, Default::default());
    };
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if !anonymous && blank(&person.name) && blank(&person.phone) && blank(&person.email) && blank(&person.wechat_openid)
    {
        errors.push(FieldError::new(
            "complainant",
            "contact_required",
            "complainant needs a name, a phone, an e-mail or a WeChat OpenID unless anonymous is true",
        ));
    }
    if let Some(openid) = &person.wechat_openid
        && !is_wechat_openid(openid)
    {
        errors.push(FieldError::new(
            "complainant.wechat_openid",
            "format",
            "complainant.wechat_openid must be 6 to 64 of A-Z, a-z, 0-9, '-' and '_'",
        ));
    }
    let particulars = crate::particulars::validate_complainant(
        errors,
        ComplainantParticularsInput {
            id_document: person.id_document.take(),
            division_code: person.division_code.take(),
            role: person.role.take(),
            staff_id: person.staff_id.take(),
            credit_code: person.credit_code.take(),
            represents: person.represents.take(),
            salutation: person.salutation.take(),
        },
        today,
    );
    person.name = if particulars.role == Some(ComplainantRole::Organisation) {
        // An organisation's name (广州某某汽车销售服务有限公司（天河店）) is not a person's.
        let name = bounded(errors, "complainant.name", person.name, 100);
        if name.as_deref().is_some_and(|n| n.chars().any(char::is_control)) {
            errors.push(FieldError::new(
                "complainant.name",
                "characters",
                "complainant.name must not contain control characters",
            ));
        }
        name.map(|n| n.trim().to_owned())
    } else {
        person
            .name
            .filter(|name| !name.trim().is_empty())
            .and_then(|name| match parse_name(&name) {
                Ok(name) => Some(name.as_str().to_owned()),
                Err(error) => {
                    errors.push(error.field_error("complainant.name"));
                    None
                }
            })
    };
    person.address = bounded(errors, "complainant.address", person.address, 500);
    person.phone = person
        .phone
        .filter(|phone| !phone.trim().is_empty())
        .and_then(|phone| match parse_phone(&phone) {
            Ok(phone) if phone.kind() == PhoneKind::ShortService => {
                errors.push(FieldError::new(
                    "complainant.phone",
                    "pattern",
                    "complainant.phone must be a number the complainant can be called back on: a short service number (12345, 95588) is an organisation's",
                ));
                None
            }
            Ok(phone) => Some(phone.normalized()),
            Err(error) => {
                errors.push(error.field_error("complainant.phone"));
                None
            }
        });
    if let Some(email) = &person.email
        && !is_valid_email(email)
    {
        errors.push(FieldError::new(
            "complainant.email",
            "format",
            "complainant.email must be an e-mail address",
        ));
    }
    if let Some(language) = &person.preferred_language
        && language != "zh-CN"
        && language != "en"
    {
        errors.push(FieldError::new(
            "complainant.preferred_language",
            "one_of",
            "preferred_language must be zh-CN or en",
        ));
    }
    if let Some(channel) = &person.preferred_channel
        && !["sms", "email", "phone", "letter", "wechat"].contains(&channel.as_str())
    {
        errors.push(FieldError::new(
            "complainant.preferred_channel",
            "one_of",
            "preferred_channel must be one of: sms, email, phone, letter, wechat",
        ));
    }
    (Some(person), particulars)
}

/// Whether a text can be a WeChat OpenID (28 characters of `[A-Za-z0-9_-]` in practice; 6–64
/// accepted).
pub fn is_wechat_openid(text: &str) -> bool {
    (6..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn parse_optional<T>(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    text: Option<&str>,
    parse: fn(&str) -> Option<T>,
    list: fn() -> String,
) -> Option<T> {
    let text = text?;
    let parsed = parse(text);
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            "one_of",
            format!("{field} must be one of: {}", list()),
        ));
    }
    parsed
}

fn bounded(errors: &mut Vec<FieldError>, field: &str, value: Option<String>, max_chars: usize) -> Option<String> {
    let value = value?;
    if value.chars().count() > max_chars {
        errors.push(FieldError::new(
            field,
            "max_length",
            format!("{field} must be at most {max_chars} characters"),
        ));
        return None;
    }
    if value.trim().is_empty() { None } else { Some(value) }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).single().expect("valid")
    }

    fn minimal() -> ComplaintInput {
        ComplaintInput {
            channel: Some("web".into()),
            narrative: Some("销售顾问承诺的优惠没有兑现".into()),
            complainant: Some(ComplainantInput {
                name: Some("李伟".into()),
                phone: Some("13812345678".into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_complaint_passes_with_defaults() {
        let complaint = validate(minimal(), now(), &|_| false).expect("valid");
        assert_eq!(complaint.kind, Kind::Complaint);
        assert_eq!(complaint.source, Source::Direct);
        assert_eq!(complaint.received_at, now());
    }

    #[test]
    fn every_broken_rule_is_named() {
        let input = ComplaintInput {
            channel: Some("pigeon".into()),
            narrative: Some("x".repeat(NARRATIVE_MAX_CHARS + 1)),
            received_at: Some("1989-12-31T00:00:00Z".into()),
            category_code: Some("nope".into()),
            external_ref: Some("r".repeat(129)),
            ..Default::default()
        };
        let errors = validate(input, now(), &|_| false).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "channel",
            "narrative",
            "received_at",
            "category_code",
            "external_ref",
            "complainant",
        ] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
    }

    #[test]
    fn anonymous_needs_no_complainant_and_bad_phone_is_refused() {
        let mut input = minimal();
        input.complainant = None;
        input.anonymous = true;
        assert!(validate(input, now(), &|_| false).is_ok());
        let mut input = minimal();
        if let Some(person) = input.complainant.as_mut() {
            person.phone = Some("12345".into());
        }
        let errors = validate(input, now(), &|_| false).expect_err("bad phone");
        assert_eq!(errors[0].field, "complainant.phone");
        assert_eq!(
            errors[0].rule, "pattern",
            "a short service number is no complainant's phone"
        );
    }

    #[test]
    fn a_wechat_openid_is_a_contact_and_is_checked() {
        let mut input = minimal();
        input.complainant = Some(ComplainantInput {
            wechat_openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
            ..Default::default()
        });
        assert!(
            validate(input.clone(), now(), &|_| false).is_ok(),
            "an OpenID alone is enough"
        );
        if let Some(person) = input.complainant.as_mut() {
            person.wechat_openid = Some("o<script>".into());
        }
        let errors = validate(input, now(), &|_| false).expect_err("bad OpenID");
        assert_eq!(
            (errors[0].field.as_str(), errors[0].rule),
            ("complainant.wechat_openid", "format")
        );
    }

    #[test]
    fn occurred_at_is_an_instant_not_after_receipt() {
        let mut input = minimal();
        input.received_at = Some("2026-11-01T00:00:00Z".into());
        input.occurred_at = Some("2026-10-01T00:00:00+08:00".into());
        let complaint = validate(input.clone(), now(), &|_| false).expect("valid");
        assert_eq!(
            complaint.occurred_at,
            Some(Utc.with_ymd_and_hms(2026, 9, 30, 16, 0, 0).single().expect("valid"))
        );
        input.occurred_at = Some("2026-11-02T00:00:00Z".into());
        let errors = validate(input.clone(), now(), &|_| false).expect_err("after receipt");
        assert_eq!((errors[0].field.as_str(), errors[0].rule), ("occurred_at", "range"));
        input.occurred_at = Some("last week".into());
        let errors = validate(input, now(), &|_| false).expect_err("not an instant");
        assert_eq!((errors[0].field.as_str(), errors[0].rule), ("occurred_at", "rfc3339"));
    }

    #[test]
    fn received_at_may_be_slightly_ahead_but_not_more() {
        let mut input = minimal();
        input.received_at = Some("2026-11-23T08:04:00Z".into());
        assert!(validate(input, now(), &|_| false).is_ok());
        let mut input = minimal();
        input.received_at = Some("2026-11-23T08:06:00Z".into());
        assert!(validate(input, now(), &|_| false).is_err());
    }

    #[test]
    fn phones_and_names_are_checked_by_their_formats_and_kept_normalised() {
        let with = |phone: &str, name: &str| {
            let mut input = minimal();
            if let Some(person) = input.complainant.as_mut() {
                person.phone = Some(phone.into());
                person.name = Some(name.into());
            }
            validate(input, now(), &|_| false)
        };
        let complaint = with("+86 138-1234-5678", " 阿卜杜拉•艾买提 ").expect("valid");
        let person = complaint.complainant.expect("a complainant");
        assert_eq!(person.phone.as_deref(), Some("13812345678"));
        assert_eq!(person.name.as_deref(), Some("阿卜杜拉·艾买提"));
        let landline = with("(0755) 8888-8888 转 123", "Li Wei").expect("valid");
        assert_eq!(
            landline.complainant.and_then(|p| p.phone).as_deref(),
            Some("075588888888#123")
        );
        let cases = [
            ("1381234567", "李伟", "complainant.phone", "length"),
            ("+1 415 555 0100", "李伟", "complainant.phone", "country_code"),
            ("138abc45678", "李伟", "complainant.phone", "characters"),
            ("13812345678", "李伟2号", "complainant.name", "characters"),
        ];
        for (phone, name, field, rule) in cases {
            let errors = with(phone, name).expect_err("refused");
            assert_eq!(
                (errors[0].field.as_str(), errors[0].rule),
                (field, rule),
                "{phone} {name}: {errors:?}"
            );
            assert!(!errors[0].message.is_empty());
        }
    }

    #[test]
    fn the_particulars_are_validated_with_their_paths() {
        let mut input = minimal();
        if let Some(person) = input.complainant.as_mut() {
            person.role = Some("proxy".into());
            person.represents = Some(RepresentsInput {
                name: Some("王建国".into()),
                relationship: Some("child".into()),
            });
            person.id_document = Some(IdDocumentInput {
                kind: Some("resident_id".into()),
                number: Some("110105194912310021".into()),
            });
        }
        input.vehicle = Some(VehicleInput {
            vin: Some("LSVAM4187C2184847".into()),
            ..Default::default()
        });
        input.first_contact_owner = Some("Agent 7".into());
        let errors = validate(input.clone(), now(), &|_| false).expect_err("refused");
        let found: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            found,
            [
                ("complainant.id_document.number", "check_digit"),
                ("first_contact_owner", "directory_id")
            ]
        );
        if let Some(person) = input.complainant.as_mut() {
            person.id_document = None;
        }
        input.first_contact_owner = Some("agent-7".into());
        let complaint = validate(input, now(), &|_| false).expect("valid");
        assert_eq!(complaint.particulars.complainant.role, Some(ComplainantRole::Proxy));
        assert!(complaint.particulars.vehicle.is_some());
        assert_eq!(complaint.first_contact_owner.as_deref(), Some("agent-7"));
    }
}

//! Identity documents and the unified social credit code.
//!
//! - The resident identity number (居民身份证号码, GB 11643-1999): a 6-digit administrative
//!   division code, the birth date `YYYYMMDD`, a 3-digit sequence (odd for men, even for
//!   women) and an ISO 7064 MOD 11-2 check character (`0`–`9` or `X`). The first-generation
//!   15-digit number has not been valid since 2013 and is refused.
//! - The residence permit for Hong Kong, Macao and Taiwan residents (港澳台居民居住证, 2018):
//!   the same shape, with the region code `810000`, `820000` or `830000`.
//! - The Mainland travel permit for Hong Kong and Macao residents (回乡证): `H` or `M` and 8
//!   digits (the card since 2013), or 10 (the older booklet, whose last two count reissues).
//! - The Mainland travel permit for Taiwan residents (台胞证): 8 digits (the card since 2015).
//! - Passports: 5 to 17 letters and digits, at least one digit (Chinese passports are `E` and
//!   8 digits, or two letters and 7; foreign ones vary).
//! - The unified social credit code (统一社会信用代码, GB 32100-2015) of an organisation: 18
//!   characters from `0-9` and the capitals without I, O, S, V and Z; characters 3–8 are the
//!   registering authority's division code; the 18th is a MOD 31 check character.

use chrono::{Datelike, NaiveDate};

use super::address::Province;
use super::{Format, FormatError, Rule, debug_masked, halfwidth, mask_middle};
use crate::vocabulary::{Language, vocabulary};

vocabulary!(
    /// The kinds of identity document a complainant may give.
    IdKind {
        ResidentId => "resident_id", "居民身份证", "resident identity card";
        HkMacauPermit => "hk_macau_permit", "港澳居民来往内地通行证", "Mainland travel permit for Hong Kong and Macao residents";
        TaiwanPermit => "taiwan_permit", "台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents";
        ResidencePermit => "residence_permit", "港澳台居民居住证", "residence permit for Hong Kong, Macao and Taiwan residents";
        Passport => "passport", "护照", "passport";
    }
);

vocabulary!(
    /// Where the holder of a permit lives.
    PermitRegion {
        HongKong => "hong_kong", "香港", "Hong Kong";
        Macau => "macau", "澳门", "Macao";
        Taiwan => "taiwan", "台湾", "Taiwan";
    }
);

vocabulary!(
    /// The sex an 18-digit identity number records (its 17th digit: odd for men).
    Sex {
        Male => "male", "男", "male";
        Female => "female", "女", "female";
    }
);

/// Weights of the 17 digits for the ISO 7064 MOD 11-2 check (2^(17-i) mod 11).
const MOD_11_2_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum modulo 11.
const MOD_11_2_CHECK: [u8; 11] = *b"10X98765432";

/// The check character of the first 17 digits (all ASCII digits) of an 18-digit number.
fn mod_11_2_check(digits17: &[u8]) -> u8 {
    let sum: u32 = digits17
        .iter()
        .zip(MOD_11_2_WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    MOD_11_2_CHECK[(sum % 11) as usize]
}

/// The checks shared by the identity number and the residence permit: 18 characters,
/// 17 digits and a digit or X; returns the normalised text (X in capitals).
fn eighteen_digits(input: &str, format: Format) -> Result<String, FormatError> {
    let text: String = halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if text.is_empty() {
        return Err(FormatError::new(format, Rule::Required));
    }
    let bytes = text.as_bytes();
    let well_formed = bytes
        .iter()
        .enumerate()
        .all(|(i, b)| b.is_ascii_digit() || (i == 17 && *b == b'X'));
    if !well_formed || !text.is_ascii() {
        return Err(FormatError::new(format, Rule::Characters));
    }
    if bytes.len() != 18 {
        return Err(FormatError::new(format, Rule::Length));
    }
    Ok(text)
}

/// The birth date in characters 7–14, between 1900-01-01 and `today`.
fn birth_date(number: &str, today: NaiveDate, format: Format) -> Result<NaiveDate, FormatError> {
    let date =
        NaiveDate::parse_from_str(&number[6..14], "%Y%m%d").map_err(|_| FormatError::new(format, Rule::BirthDate))?;
    if date.year() < 1900 || date > today {
        return Err(FormatError::new(format, Rule::BirthDate));
    }
    Ok(date)
}

fn check_mod_11_2(number: &str, format: Format) -> Result<(), FormatError> {
    let bytes = number.as_bytes();
    if mod_11_2_check(&bytes[..17]) == bytes[17] {
        Ok(())
    } else {
        Err(FormatError::new(format, Rule::CheckDigit))
    }
}

fn sex_of(number: &str) -> Sex {
    if (number.as_bytes()[16] - b'0') % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    }
}

/// An 18-digit resident identity number (居民身份证号码).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId {
    number: String,
    birth_date: NaiveDate,
}

/// Parses a resident identity number whose birth date is not after `today`. The region is
/// checked down to the province (a mainland province: 11–65); the county is not, as codes
/// change every year.
pub fn parse_resident_id(input: &str, today: NaiveDate) -> Result<ResidentId, FormatError> {
    let format = Format::ResidentId;
    let number = eighteen_digits(input, format)?;
    match Province::by_code(&number[..2]) {
        Some(province) if province.is_mainland() => {}
        _ => return Err(FormatError::new(format, Rule::Region)),
    }
    let birth_date = birth_date(&number, today, format)?;
    check_mod_11_2(&number, format)?;
    Ok(ResidentId { number, birth_date })
}

impl ResidentId {
    /// The number, X in capitals.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The administrative division code of the place of first registration.
    pub fn region_code(&self) -> &str {
        &self.number[..6]
    }

    /// The birth date.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The sex recorded in the 17th digit.
    pub fn sex(&self) -> Sex {
        sex_of(&self.number)
    }

    /// The first six and last four characters: `110105********002X`.
    pub fn masked(&self) -> String {
        mask_middle(&self.number, 6, 4)
    }
}

/// A residence permit for Hong Kong, Macao and Taiwan residents (港澳台居民居住证).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidencePermit {
    number: String,
    birth_date: NaiveDate,
}

/// Parses a residence permit number whose birth date is not after `today`.
pub fn parse_residence_permit(input: &str, today: NaiveDate) -> Result<ResidencePermit, FormatError> {
    let format = Format::ResidencePermit;
    let number = eighteen_digits(input, format)?;
    if !matches!(&number[..6], "810000" | "820000" | "830000") {
        return Err(FormatError::new(format, Rule::Region));
    }
    let birth_date = birth_date(&number, today, format)?;
    check_mod_11_2(&number, format)?;
    Ok(ResidencePermit { number, birth_date })
}

impl ResidencePermit {
    /// The number, X in capitals.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// Where the holder lives: 81 Hong Kong, 82 Macao, 83 Taiwan.
    pub fn region(&self) -> PermitRegion {
        match &self.number[..2] {
            "81" => PermitRegion::HongKong,
            "82" => PermitRegion::Macau,
            _ => PermitRegion::Taiwan,
        }
    }

    /// The birth date.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The sex recorded in the 17th digit.
    pub fn sex(&self) -> Sex {
        sex_of(&self.number)
    }

    /// The first six and last four characters: `810000********0027`.
    pub fn masked(&self) -> String {
        mask_middle(&self.number, 6, 4)
    }
}

/// Upper-cased ASCII letters and digits of `input`, spaces removed; `Required` when empty,
/// `Characters` when anything else is left.
fn alphanumeric(input: &str, format: Format) -> Result<String, FormatError> {
    let text: String = halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if text.is_empty() {
        return Err(FormatError::new(format, Rule::Required));
    }
    if !text.bytes().all(|b| b.is_ascii_alphanumeric()) || !text.is_ascii() {
        return Err(FormatError::new(format, Rule::Characters));
    }
    Ok(text)
}

/// Short document numbers show their first character and their last three (two when
/// shorter than 8): `H*****678`, `E*****678`, `1****678`.
fn mask_document(number: &str) -> String {
    let tail = if number.len() >= 8 { 3 } else { 2 };
    mask_middle(number, 1, tail)
}

/// A Mainland travel permit for Hong Kong and Macao residents (回乡证).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HkMacauPermit {
    number: String,
}

/// Parses a Mainland travel permit for Hong Kong and Macao residents: `H` or `M` and 8 or 10
/// digits.
pub fn parse_hk_macau_permit(input: &str) -> Result<HkMacauPermit, FormatError> {
    let format = Format::HkMacauPermit;
    let number = alphanumeric(input, format)?;
    let (letter, digits) = number.split_at(1);
    if !matches!(letter, "H" | "M") {
        return Err(FormatError::new(format, Rule::Pattern));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FormatError::new(format, Rule::Characters));
    }
    if !matches!(digits.len(), 8 | 10) {
        return Err(FormatError::new(format, Rule::Length));
    }
    Ok(HkMacauPermit { number })
}

impl HkMacauPermit {
    /// The number, its letter in capitals.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// `H` is Hong Kong, `M` Macao.
    pub fn region(&self) -> PermitRegion {
        if self.number.starts_with('H') {
            PermitRegion::HongKong
        } else {
            PermitRegion::Macau
        }
    }

    /// The letter and the last three digits: `H*****678`.
    pub fn masked(&self) -> String {
        mask_document(&self.number)
    }
}

/// A Mainland travel permit for Taiwan residents (台胞证).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TaiwanPermit {
    number: String,
}

/// Parses a Mainland travel permit for Taiwan residents: 8 digits.
pub fn parse_taiwan_permit(input: &str) -> Result<TaiwanPermit, FormatError> {
    let format = Format::TaiwanPermit;
    let number = alphanumeric(input, format)?;
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FormatError::new(format, Rule::Characters));
    }
    if number.len() != 8 {
        return Err(FormatError::new(format, Rule::Length));
    }
    Ok(TaiwanPermit { number })
}

impl TaiwanPermit {
    /// The 8 digits.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The first digit and the last three: `1****678`.
    pub fn masked(&self) -> String {
        mask_document(&self.number)
    }
}

/// A passport number of any country.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Passport {
    number: String,
}

/// Parses a passport number: 5 to 17 letters and digits with at least one digit.
pub fn parse_passport(input: &str) -> Result<Passport, FormatError> {
    let format = Format::Passport;
    let number = alphanumeric(input, format)?;
    if !(5..=17).contains(&number.len()) {
        return Err(FormatError::new(format, Rule::Length));
    }
    if !number.bytes().any(|b| b.is_ascii_digit()) {
        return Err(FormatError::new(format, Rule::Pattern));
    }
    Ok(Passport { number })
}

impl Passport {
    /// The number in capitals.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The first character and the last three (two when shorter than 8): `E*****678`.
    pub fn masked(&self) -> String {
        mask_document(&self.number)
    }
}

debug_masked!(
    ResidentId,
    ResidencePermit,
    HkMacauPermit,
    TaiwanPermit,
    Passport,
    CreditCode
);

/// A person's identity document of any kind.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum IdDocument {
    ResidentId(ResidentId),
    HkMacauPermit(HkMacauPermit),
    TaiwanPermit(TaiwanPermit),
    ResidencePermit(ResidencePermit),
    Passport(Passport),
}

/// Parses a document number of the given kind (`today` bounds the birth date of the
/// 18-digit numbers).
pub fn parse_id_document(kind: IdKind, input: &str, today: NaiveDate) -> Result<IdDocument, FormatError> {
    Ok(match kind {
        IdKind::ResidentId => IdDocument::ResidentId(parse_resident_id(input, today)?),
        IdKind::HkMacauPermit => IdDocument::HkMacauPermit(parse_hk_macau_permit(input)?),
        IdKind::TaiwanPermit => IdDocument::TaiwanPermit(parse_taiwan_permit(input)?),
        IdKind::ResidencePermit => IdDocument::ResidencePermit(parse_residence_permit(input, today)?),
        IdKind::Passport => IdDocument::Passport(parse_passport(input)?),
    })
}

impl IdDocument {
    /// The kind of document.
    pub fn kind(&self) -> IdKind {
        match self {
            Self::ResidentId(_) => IdKind::ResidentId,
            Self::HkMacauPermit(_) => IdKind::HkMacauPermit,
            Self::TaiwanPermit(_) => IdKind::TaiwanPermit,
            Self::ResidencePermit(_) => IdKind::ResidencePermit,
            Self::Passport(_) => IdKind::Passport,
        }
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        match self {
            Self::ResidentId(id) => id.as_str(),
            Self::HkMacauPermit(permit) => permit.as_str(),
            Self::TaiwanPermit(permit) => permit.as_str(),
            Self::ResidencePermit(permit) => permit.as_str(),
            Self::Passport(passport) => passport.as_str(),
        }
    }

    /// The number as a role without access sees it.
    pub fn masked(&self) -> String {
        match self {
            Self::ResidentId(id) => id.masked(),
            Self::HkMacauPermit(permit) => permit.masked(),
            Self::TaiwanPermit(permit) => permit.masked(),
            Self::ResidencePermit(permit) => permit.masked(),
            Self::Passport(passport) => passport.masked(),
        }
    }
}

/// The 31 characters of GB 32100, in the order of their values 0–30.
const CREDIT_CODE_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of the 17 characters (3^(i) mod 31).
const CREDIT_CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn credit_code_value(c: u8) -> Option<u32> {
    CREDIT_CODE_ALPHABET.iter().position(|a| *a == c).map(|v| v as u32)
}

/// An organisation's unified social credit code (统一社会信用代码).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode {
    code: String,
}

/// Parses a unified social credit code: 18 characters of the GB 32100 alphabet, characters
/// 3–8 a division code of an existing province (or `10` for a national registration), and
/// the check character `31 - (Σ value × weight mod 31)` (31 written as `0`).
pub fn parse_credit_code(input: &str) -> Result<CreditCode, FormatError> {
    let format = Format::CreditCode;
    let code = alphanumeric(input, format)?;
    if code.bytes().any(|b| credit_code_value(b).is_none()) {
        return Err(FormatError::new(format, Rule::Characters));
    }
    if code.len() != 18 {
        return Err(FormatError::new(format, Rule::Length));
    }
    let region = &code[2..8];
    if !region.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FormatError::new(format, Rule::Pattern));
    }
    if &region[..2] != "10" && Province::by_code(&region[..2]).is_none() {
        return Err(FormatError::new(format, Rule::Region));
    }
    let sum: u32 = code
        .bytes()
        .take(17)
        .zip(CREDIT_CODE_WEIGHTS)
        .map(|(c, weight)| credit_code_value(c).unwrap_or_default() * weight)
        .sum();
    let check = CREDIT_CODE_ALPHABET[((31 - sum % 31) % 31) as usize];
    if code.as_bytes()[17] != check {
        return Err(FormatError::new(format, Rule::CheckDigit));
    }
    Ok(CreditCode { code })
}

impl CreditCode {
    /// The code in capitals.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The registering department (1 机构编制, 5 民政, 9 市场监管 …).
    pub fn department(&self) -> char {
        char::from(self.code.as_bytes()[0])
    }

    /// The registering authority's administrative division code.
    pub fn region_code(&self) -> &str {
        &self.code[2..8]
    }

    /// The first eight characters (department, category, division) and the last four:
    /// `91350100******0Y43`. An organisation's code is public; individual businesses' codes
    /// lead to a person, so it is masked like the other identifiers.
    pub fn masked(&self) -> String {
        mask_middle(&self.code, 8, 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    /// Valid numbers, the check character worked out by hand: Σ digit × weight with the
    /// weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, the remainder mod 11 indexing "10X98765432".
    /// The sex is the 17th digit's parity (odd: male).
    #[test]
    fn valid_resident_ids() {
        let cases = [
            // 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → X (GB 11643's own example)
            ("11010519491231002X", date(1949, 12, 31), Sex::Female),
            // lower-case x is accepted and written X
            ("11010519491231002x", date(1949, 12, 31), Sex::Female),
            // 7+9+0+5+0+4+2+9+54+0+0+27+0+35+8+8+6 = 174; 174 mod 11 = 9 → 3
            ("110101199003071233", date(1990, 3, 7), Sex::Male),
            // 28+36+0+5+0+24+2+9+48+15+7+9+20+20+24+20+4 = 271; 271 mod 11 = 7 → 5
            ("440106198511243525", date(1985, 11, 24), Sex::Female),
            // a leap day: 21+9+0+5+8+20+4+0+0+0+0+18+20+45+32+20+16 = 218; 218 mod 11 = 9 → 3
            ("310115200002294583", date(2000, 2, 29), Sex::Female),
            // 35+9+0+5+0+28+4+0+6+6+7+0+30+5+0+4+4 = 143; 143 mod 11 = 0 → 1
            ("510107201210310121", date(2012, 10, 31), Sex::Female),
            // spaces as people group it: 42+45+0+5+0+8+4+0+0+15+7+9+0+45+64+28+12 = 284; 284 mod 11 = 9 → 3
            ("650102 20051109 8763", date(2005, 11, 9), Sex::Female),
        ];
        for (input, born, sex) in cases {
            let id = parse_resident_id(input, today()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((id.birth_date(), id.sex()), (born, sex), "{input}");
            assert_eq!(id.as_str(), input.replace(' ', "").to_uppercase(), "{input}");
        }
    }

    #[test]
    fn invalid_resident_ids_name_the_rule() {
        let cases = [
            ("", Rule::Required),
            ("11010519491231002Y", Rule::Characters), // Y is not a check character
            ("1101051949123100X2", Rule::Characters), // X only at the end
            ("110105194912310", Rule::Length),        // the old 15-digit number
            ("11010519491231002X1", Rule::Length),
            ("11010519491231003X", Rule::CheckDigit), // 169 mod 11 = 4 → 8, not X
            ("110105194912310028", Rule::CheckDigit), // 167 → X, not 8
            ("11010119900307123X", Rule::CheckDigit), // 174 → 3, not X
            ("990101199003071234", Rule::Region),     // no province 99
            ("710101199003071234", Rule::Region),     // Taiwan issues no mainland identity card
            ("810000199001010027", Rule::Region),     // a residence permit, not an identity card
            ("110101199002301234", Rule::BirthDate),  // 30 February
            ("110101190002291234", Rule::BirthDate),  // 1900 was not a leap year
            ("440524188001010014", Rule::BirthDate),  // GB 11643's second example, born 1880: before 1900
            // (its check digit is right: 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2
            // = 195; 195 mod 11 = 8 → 4)
            ("110101202612011234", Rule::BirthDate), // after today
            ("110101199013071234", Rule::BirthDate), // month 13
        ];
        for (input, rule) in cases {
            let got = parse_resident_id(input, today()).map(|id| id.masked());
            assert_eq!(got, Err(FormatError::new(Format::ResidentId, rule)), "{input}");
        }
    }

    #[test]
    fn residence_permits() {
        // 56+9+0+0+0+0+2+9+54+0+0+9+0+5+0+0+4 = 148; 148 mod 11 = 5 → 7
        let hk = parse_residence_permit("810000199001010027", today()).expect("hong kong");
        assert_eq!(
            (hk.region(), hk.birth_date(), hk.sex()),
            (PermitRegion::HongKong, date(1990, 1, 1), Sex::Female)
        );
        // 56+18+0+0+0+0+2+9+48+15+0+54+10+25+0+0+14 = 251; 251 mod 11 = 9 → 3
        let mo = parse_residence_permit("820000198506150073", today()).expect("macao");
        assert_eq!((mo.region(), mo.sex()), (PermitRegion::Macau, Sex::Male));
        // 56+27+0+0+0+0+2+9+42+27+7+18+30+0+0+0+8 = 226; 226 mod 11 = 6 → 6
        let tw = parse_residence_permit("830000197912300046", today()).expect("taiwan");
        assert_eq!(
            (tw.region(), tw.birth_date()),
            (PermitRegion::Taiwan, date(1979, 12, 30))
        );
        assert_eq!(hk.masked(), "810000********0027");

        let cases = [
            ("", Rule::Required),
            ("81000019900101002", Rule::Length),
            ("81000019900101002A", Rule::Characters),
            ("810000199001010028", Rule::CheckDigit), // 148 → 7, not 8
            ("110101199003071233", Rule::Region),     // an identity card, not a permit
            ("810101199001010027", Rule::Region),     // only 810000 itself
            ("840000199001010027", Rule::Region),
            ("810000199002300027", Rule::BirthDate),
        ];
        for (input, rule) in cases {
            let got = parse_residence_permit(input, today()).map(|p| p.masked());
            assert_eq!(got, Err(FormatError::new(Format::ResidencePermit, rule)), "{input}");
        }
    }

    #[test]
    fn travel_permits_and_passports() {
        let valid = [
            (IdKind::HkMacauPermit, "H12345678", "H12345678", "H*****678"),
            (IdKind::HkMacauPermit, "m 8765 4321", "M87654321", "M*****321"),
            (IdKind::HkMacauPermit, "H1234567801", "H1234567801", "H*******801"),
            (IdKind::TaiwanPermit, "12345678", "12345678", "1****678"),
            (IdKind::TaiwanPermit, "０８１２３４５６", "08123456", "0****456"),
            (IdKind::Passport, "E12345678", "E12345678", "E*****678"),
            (IdKind::Passport, "ea1234567", "EA1234567", "E*****567"),
            (IdKind::Passport, "C01X00T47", "C01X00T47", "C*****T47"),
            (IdKind::Passport, "AB123", "AB123", "A**23"),
            (
                IdKind::Passport,
                "123456789ABCDEFGH",
                "123456789ABCDEFGH",
                "1*************FGH",
            ),
        ];
        for (kind, input, number, masked) in valid {
            let document = parse_id_document(kind, input, today()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (document.kind(), document.as_str(), document.masked().as_str()),
                (kind, number, masked),
                "{input}"
            );
        }
        let hk = parse_hk_macau_permit("H12345678").expect("permit");
        assert_eq!(hk.region(), PermitRegion::HongKong);
        assert_eq!(
            parse_hk_macau_permit("M12345678").expect("permit").region(),
            PermitRegion::Macau
        );

        let invalid = [
            (IdKind::HkMacauPermit, Format::HkMacauPermit, "", Rule::Required),
            (IdKind::HkMacauPermit, Format::HkMacauPermit, "A12345678", Rule::Pattern),
            (IdKind::HkMacauPermit, Format::HkMacauPermit, "12345678", Rule::Pattern),
            (IdKind::HkMacauPermit, Format::HkMacauPermit, "H1234567", Rule::Length),
            (IdKind::HkMacauPermit, Format::HkMacauPermit, "H123456789", Rule::Length),
            (
                IdKind::HkMacauPermit,
                Format::HkMacauPermit,
                "H1234567A",
                Rule::Characters,
            ),
            (
                IdKind::HkMacauPermit,
                Format::HkMacauPermit,
                "H-12345678",
                Rule::Characters,
            ),
            (IdKind::TaiwanPermit, Format::TaiwanPermit, "1234567", Rule::Length),
            (IdKind::TaiwanPermit, Format::TaiwanPermit, "1234567890", Rule::Length),
            (IdKind::TaiwanPermit, Format::TaiwanPermit, "T1234567", Rule::Characters),
            (IdKind::Passport, Format::Passport, "   ", Rule::Required),
            (IdKind::Passport, Format::Passport, "E123", Rule::Length),
            (IdKind::Passport, Format::Passport, "E123456789012345678", Rule::Length),
            (IdKind::Passport, Format::Passport, "ABCDEFGH", Rule::Pattern),
            (IdKind::Passport, Format::Passport, "E1234567_8", Rule::Characters),
            (IdKind::Passport, Format::Passport, "护照12345678", Rule::Characters),
            (IdKind::ResidentId, Format::ResidentId, "H12345678", Rule::Characters),
            (
                IdKind::ResidencePermit,
                Format::ResidencePermit,
                "11010519491231002X",
                Rule::Region,
            ),
        ];
        for (kind, format, input, rule) in invalid {
            let got = parse_id_document(kind, input, today()).map(|d| d.masked());
            assert_eq!(got, Err(FormatError::new(format, rule)), "{input}");
        }
    }

    #[test]
    fn identity_numbers_are_masked_first_six_last_four() {
        let id = parse_resident_id("11010519491231002X", today()).expect("valid");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(id.region_code(), "110105");
        assert_eq!(format!("{id:?}"), "ResidentId(\"110105********002X\")");
        let document = IdDocument::ResidentId(id);
        assert_eq!(
            format!("{document:?}"),
            "ResidentId(ResidentId(\"110105********002X\"))"
        );
        assert_eq!(IdKind::parse("residence_permit"), Some(IdKind::ResidencePermit));
        assert_eq!(IdKind::TaiwanPermit.label(Language::ZhCn), "台湾居民来往大陆通行证");
    }

    /// Valid codes, the check character worked out by hand: Σ value × weight with the weights
    /// 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 and values 0–9, A=10 … Y=30 (no I O S V Z);
    /// the check is 31 − (sum mod 31), 31 written as 0.
    #[test]
    fn valid_credit_codes() {
        let cases = [
            // 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640; 1640 mod 31 = 28; 31−28 = 3
            ("91350100M000100Y43", '9', "350100"),
            // 9+3+9+27+0+0+0+0+20+0+25+78+16+72+70+120+28 = 477; 477 mod 31 = 12; 31−12 = 19 → K
            ("91110000101623741K", '9', "110000"),
            // 9+3+9+27+0+26+0+102+120+261+175+78+72+96+10+240+196 = 1424; 1424 mod 31 = 29; 31−29 = 2
            ("911101066976941872", '9', "110106"),
            // a national registration: 1+6+9+0+0+0+0+0+80+0+0+0+0+0+60+60+112 = 328; 328 mod 31 = 18; 31−18 = 13 → D
            ("12100000400000624D", '1', "100000"),
            // a social organisation: 5+6+36+108+0+26+0+102+420+522+500+13+16+72+40+150+168 = 2184;
            // 2184 mod 31 = 14; 31−14 = 17 → H
            ("52440106MJL123456H", '5', "440106"),
            // remainder 0: 9+3+36+108+0+78+0+0+140+29+125+26+48+168+20+180+84 = 1054 = 34 × 31;
            // 31−0 = 31, written 0
            ("914403007152672630", '9', "440300"),
            // lower case and spaces are normalised: 9+3+27+27+0+0+0+0+420+290+25+195+160+96+110+30+56 = 1448;
            // 1448 mod 31 = 22; 31−22 = 9
            ("91310000ma1fl4b12 9", '9', "310000"),
        ];
        for (input, department, region) in cases {
            let code = parse_credit_code(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((code.department(), code.region_code()), (department, region), "{input}");
        }
        assert_eq!(
            parse_credit_code("91350100M000100Y43").expect("valid").masked(),
            "91350100******0Y43"
        );
    }

    #[test]
    fn invalid_credit_codes_name_the_rule() {
        let cases = [
            ("", Rule::Required),
            ("91350100M000100Y4", Rule::Length),
            ("91350100M000100Y433", Rule::Length),
            ("91350100M000100Y4A", Rule::CheckDigit), // 1640 → 3, not A
            ("91110000101623741X", Rule::CheckDigit), // 477 → K, not X
            ("91350100M000100YO3", Rule::Characters), // O is not in the alphabet
            ("9135010OM000100Y43", Rule::Characters),
            ("91350100S000100Y43", Rule::Characters), // nor S
            ("9135A100M000100Y43", Rule::Pattern),    // the division code is digits
            ("91990100M000100Y43", Rule::Region),     // no province 99
            ("91350100-M000100Y4", Rule::Characters),
        ];
        for (input, rule) in cases {
            let got = parse_credit_code(input).map(|c| c.masked());
            assert_eq!(got, Err(FormatError::new(Format::CreditCode, rule)), "{input}");
        }
    }
}

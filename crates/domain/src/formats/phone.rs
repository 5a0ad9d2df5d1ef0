//! Phone numbers: mainland mobiles and landlines, 400/800 and short service numbers (as caller
//! ids), Hong Kong and Macao numbers.
//!
//! Accepted input: the national form (`13812345678`, `0755-8888 8888`, `(010)12345678`,
//! `400-820-8820`, `95588`), the international form for the mainland (`+86`, `0086`, or a bare
//! `86` before a mobile; after `+86` a landline may drop its leading 0: `+86 755 8888 8888`),
//! `+852`/`00852`/`852` and `+853`/`00853`/`853` with 8 digits. Spaces, dashes and brackets are
//! separators. An extension follows `#`, `转`, `ext` or `x` (1–6 digits) on a landline, a
//! 400/800 number or a Hong Kong or Macao number.
//!
//! The normalised number is digits only, with `+852`/`+853` in front for Hong Kong and Macao:
//! what a telephony caller id is compared with.

use super::{Format, FormatError, Rule, debug_masked, halfwidth, mask_middle};
use crate::vocabulary::{Language, vocabulary};

vocabulary!(
    /// What kind of number a phone number is.
    PhoneKind {
        /// `1[3-9]` + 9 digits.
        Mobile => "mobile", "手机", "mobile";
        /// Area code (`010`, `02x`, `0` + 3 digits) + 7 or 8 digits.
        Landline => "landline", "固定电话", "landline";
        /// `400` or `800` + 7 digits, an organisation's hotline.
        ServiceHotline => "service_hotline", "400/800服务热线", "400/800 service number";
        /// Five-digit government and service numbers (`12345`, `12315`, `10086`) and the
        /// 95/96 numbers of banks, carriers and utilities (`95588`, `95105105`).
        ShortService => "short_service", "短号服务号码", "short service number";
        /// `+852` + 8 digits.
        HongKong => "hong_kong", "香港电话", "Hong Kong number";
        /// `+853` + 8 digits.
        Macau => "macau", "澳门电话", "Macao number";
    }
);

/// A phone number in its normalised form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    kind: PhoneKind,
    number: String,
    area_code_len: usize,
    extension: Option<String>,
}

debug_masked!(Phone);

impl Phone {
    /// What kind of number it is.
    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// The number without its extension: digits only (`13812345678`, `075588888888`,
    /// `4008208820`, `95588`), `+852…`/`+853…` for Hong Kong and Macao.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The extension, if any.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// A landline's area code with its leading 0 (`0755`).
    pub fn area_code(&self) -> Option<&str> {
        (self.kind == PhoneKind::Landline).then(|| &self.number[..self.area_code_len])
    }

    /// The number and the extension after `#`: the one text to store and to index.
    pub fn normalized(&self) -> String {
        match &self.extension {
            Some(extension) => format!("{}#{extension}", self.number),
            None => self.number.clone(),
        }
    }

    /// The last four digits of the number (the status page asks for them).
    pub fn last_four(&self) -> &str {
        &self.number[self.number.len() - 4..]
    }

    /// The number as a role without access sees it: a mobile `138****5678`; a landline its
    /// area code and last four digits `0755-****8888` (the extension hidden as `#***`);
    /// Hong Kong and Macao the country code and last four `+852 ****5678`; 400/800 and short
    /// service numbers are organisations' public numbers and shown whole.
    pub fn masked(&self) -> String {
        match self.kind {
            PhoneKind::Mobile => mask_middle(&self.number, 3, 4),
            PhoneKind::Landline => {
                let (area, subscriber) = self.number.split_at(self.area_code_len);
                let mut masked = format!("{area}-{}", mask_middle(subscriber, 0, 4));
                if let Some(extension) = &self.extension {
                    masked.push('#');
                    masked.push_str(&"*".repeat(extension.len()));
                }
                masked
            }
            PhoneKind::ServiceHotline | PhoneKind::ShortService => self.normalized(),
            PhoneKind::HongKong | PhoneKind::Macau => {
                let (code, local) = self.number.split_at(4);
                let mut masked = format!("{code} {}", mask_middle(local, 0, 4));
                if let Some(extension) = &self.extension {
                    masked.push('#');
                    masked.push_str(&"*".repeat(extension.len()));
                }
                masked
            }
        }
    }
}

fn error(rule: Rule) -> FormatError {
    FormatError::new(Format::Phone, rule)
}

/// Parses a phone number (see the module documentation for what is accepted).
pub fn parse_phone(input: &str) -> Result<Phone, FormatError> {
    let text = halfwidth(input).to_ascii_lowercase();
    if text.is_empty() {
        return Err(error(Rule::Required));
    }
    let (main, extension) = split_extension(&text)?;
    let compact: String = main
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')'))
        .collect();
    let (international, digits) = match compact.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, compact.as_str()),
    };
    if digits.is_empty() {
        return Err(error(Rule::Required));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(Rule::Characters));
    }
    let phone = if international {
        international_number(digits)?
    } else if let Some(rest) = digits.strip_prefix("00") {
        international_number(rest)?
    } else if digits.len() == 13 && digits.starts_with("861") {
        mobile(&digits[2..])?
    } else if digits.len() == 11 && digits.starts_with("852") {
        hong_kong_or_macau(PhoneKind::HongKong, &digits[3..])?
    } else if digits.len() == 11 && digits.starts_with("853") {
        hong_kong_or_macau(PhoneKind::Macau, &digits[3..])?
    } else {
        national(digits, false)?
    };
    match (extension, phone.kind) {
        (None, _) => Ok(phone),
        (Some(extension), PhoneKind::Landline | PhoneKind::ServiceHotline | PhoneKind::HongKong | PhoneKind::Macau) => {
            Ok(Phone {
                extension: Some(extension),
                ..phone
            })
        }
        (Some(_), PhoneKind::Mobile | PhoneKind::ShortService) => Err(error(Rule::Pattern)),
    }
}

/// Splits `text` (lowercase) at the first extension marker; the extension is 1–6 digits.
fn split_extension(text: &str) -> Result<(&str, Option<String>), FormatError> {
    let Some((at, marker)) = ["ext.", "ext", "#", "转", "x"]
        .iter()
        .find_map(|marker| text.find(marker).map(|at| (at, *marker)))
    else {
        return Ok((text, None));
    };
    let extension: String = text[at + marker.len()..]
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !extension.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(Rule::Characters));
    }
    if !(1..=6).contains(&extension.len()) {
        return Err(error(Rule::Length));
    }
    Ok((&text[..at], Some(extension)))
}

/// Digits after `+` or `00`.
fn international_number(digits: &str) -> Result<Phone, FormatError> {
    if let Some(rest) = digits.strip_prefix("852") {
        hong_kong_or_macau(PhoneKind::HongKong, rest)
    } else if let Some(rest) = digits.strip_prefix("853") {
        hong_kong_or_macau(PhoneKind::Macau, rest)
    } else if let Some(rest) = digits.strip_prefix("86") {
        national(rest, true)
    } else {
        Err(error(Rule::CountryCode))
    }
}

/// A mainland number in national form; `from_abroad` when it followed +86 (a landline may
/// then drop its leading 0, and short numbers cannot be dialled).
fn national(digits: &str, from_abroad: bool) -> Result<Phone, FormatError> {
    let first_two = digits.get(..2).unwrap_or(digits);
    if from_abroad && digits.starts_with("10") {
        return landline(&format!("0{digits}"));
    }
    if digits.starts_with('1') {
        if !from_abroad && digits.len() == 5 && matches!(first_two, "10" | "11" | "12") {
            return Ok(plain(PhoneKind::ShortService, digits));
        }
        return mobile(digits);
    }
    if digits.starts_with('0') {
        return landline(digits);
    }
    if digits.starts_with("400") || digits.starts_with("800") {
        return if digits.len() == 10 {
            Ok(plain(PhoneKind::ServiceHotline, digits))
        } else {
            Err(error(Rule::Length))
        };
    }
    if from_abroad {
        return landline(&format!("0{digits}"));
    }
    if matches!(first_two, "95" | "96") {
        return if (5..=8).contains(&digits.len()) {
            Ok(plain(PhoneKind::ShortService, digits))
        } else {
            Err(error(Rule::Length))
        };
    }
    Err(error(Rule::Pattern))
}

fn plain(kind: PhoneKind, digits: &str) -> Phone {
    Phone {
        kind,
        number: digits.to_owned(),
        area_code_len: 0,
        extension: None,
    }
}

fn mobile(digits: &str) -> Result<Phone, FormatError> {
    if digits.len() != 11 {
        return Err(error(Rule::Length));
    }
    if !matches!(digits.as_bytes()[1], b'3'..=b'9') {
        return Err(error(Rule::Pattern));
    }
    Ok(plain(PhoneKind::Mobile, digits))
}

/// `010` and `02x` are three digits long, other area codes (`0` + 3–9 + two digits) four;
/// the subscriber number is 7 or 8 digits and starts with 2–9.
fn landline(digits: &str) -> Result<Phone, FormatError> {
    let bytes = digits.as_bytes();
    let area_code_len = match bytes.get(1) {
        Some(b'1') if bytes.get(2) == Some(&b'0') => 3,
        Some(b'2') => 3,
        Some(b'3'..=b'9') => 4,
        Some(_) => return Err(error(Rule::Pattern)),
        None => return Err(error(Rule::Length)),
    };
    let subscriber = digits.get(area_code_len..).unwrap_or_default();
    if !(7..=8).contains(&subscriber.len()) {
        return Err(error(Rule::Length));
    }
    if matches!(subscriber.as_bytes()[0], b'0' | b'1') {
        return Err(error(Rule::Pattern));
    }
    Ok(Phone {
        kind: PhoneKind::Landline,
        number: digits.to_owned(),
        area_code_len,
        extension: None,
    })
}

/// 8 digits, the first 2–9.
fn hong_kong_or_macau(kind: PhoneKind, local: &str) -> Result<Phone, FormatError> {
    if local.len() != 8 {
        return Err(error(Rule::Length));
    }
    if matches!(local.as_bytes()[0], b'0' | b'1') {
        return Err(error(Rule::Pattern));
    }
    let code = if kind == PhoneKind::HongKong { "+852" } else { "+853" };
    Ok(Phone {
        kind,
        number: format!("{code}{local}"),
        area_code_len: 0,
        extension: None,
    })
}

impl PhoneKind {
    /// Whether a number of this kind belongs to a person (and is therefore personal data).
    pub fn is_personal(self) -> bool {
        !matches!(self, Self::ServiceHotline | Self::ShortService)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_are_normalised() {
        // (input, kind, number, extension)
        let cases: &[(&str, PhoneKind, &str, Option<&str>)] = &[
            ("13812345678", PhoneKind::Mobile, "13812345678", None),
            ("138 1234 5678", PhoneKind::Mobile, "13812345678", None),
            ("138-1234-5678", PhoneKind::Mobile, "13812345678", None),
            ("+86 138 1234 5678", PhoneKind::Mobile, "13812345678", None),
            ("+86-13812345678", PhoneKind::Mobile, "13812345678", None),
            ("0086 13812345678", PhoneKind::Mobile, "13812345678", None),
            ("8613812345678", PhoneKind::Mobile, "13812345678", None),
            ("１９９１２３４５６７８", PhoneKind::Mobile, "19912345678", None),
            ("16612345678", PhoneKind::Mobile, "16612345678", None),
            ("010-62345678", PhoneKind::Landline, "01062345678", None),
            ("(010) 6552 9988", PhoneKind::Landline, "01065529988", None),
            ("020-8765 4321", PhoneKind::Landline, "02087654321", None),
            ("0755-88888888", PhoneKind::Landline, "075588888888", None),
            ("0755-8888-8888", PhoneKind::Landline, "075588888888", None),
            ("0871-6123456", PhoneKind::Landline, "08716123456", None),
            ("0755-88888888#123", PhoneKind::Landline, "075588888888", Some("123")),
            ("0755-88888888转8021", PhoneKind::Landline, "075588888888", Some("8021")),
            (
                "0755 8888 8888 ext. 12",
                PhoneKind::Landline,
                "075588888888",
                Some("12"),
            ),
            ("021-62345678 x9", PhoneKind::Landline, "02162345678", Some("9")),
            ("+86 755 8888 8888", PhoneKind::Landline, "075588888888", None),
            ("+86 10 6552 9988", PhoneKind::Landline, "01065529988", None),
            ("+86 (0)755 8888 8888", PhoneKind::Landline, "075588888888", None),
            ("400-820-8820", PhoneKind::ServiceHotline, "4008208820", None),
            ("400 820 8820 转 2", PhoneKind::ServiceHotline, "4008208820", Some("2")),
            ("800-810-8888", PhoneKind::ServiceHotline, "8008108888", None),
            ("+86 400 820 8820", PhoneKind::ServiceHotline, "4008208820", None),
            ("95588", PhoneKind::ShortService, "95588", None),
            ("12345", PhoneKind::ShortService, "12345", None),
            ("12315", PhoneKind::ShortService, "12315", None),
            ("12378", PhoneKind::ShortService, "12378", None),
            ("10086", PhoneKind::ShortService, "10086", None),
            ("11185", PhoneKind::ShortService, "11185", None),
            ("96123", PhoneKind::ShortService, "96123", None),
            ("95105105", PhoneKind::ShortService, "95105105", None),
            ("+852 9123 4567", PhoneKind::HongKong, "+85291234567", None),
            ("00852-2123-4567", PhoneKind::HongKong, "+85221234567", None),
            ("852 6123 4567", PhoneKind::HongKong, "+85261234567", None),
            ("+852 2123 4567 ext 88", PhoneKind::HongKong, "+85221234567", Some("88")),
            ("+853 6612 3456", PhoneKind::Macau, "+85366123456", None),
            ("00853 2833 1234", PhoneKind::Macau, "+85328331234", None),
            ("853 2833 1234", PhoneKind::Macau, "+85328331234", None),
        ];
        for (input, kind, number, extension) in cases {
            let phone = parse_phone(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (phone.kind(), phone.number(), phone.extension()),
                (*kind, *number, *extension),
                "{input}"
            );
        }
    }

    #[test]
    fn invalid_numbers_name_the_rule() {
        let cases = [
            ("", Rule::Required),
            ("   ", Rule::Required),
            ("+", Rule::Required),
            ("1381234567", Rule::Length),             // 10 digits
            ("138123456789", Rule::Length),           // 12 digits
            ("12812345678", Rule::Pattern),           // 12x is not a mobile prefix
            ("11012345678", Rule::Pattern),           // nor is 11x
            ("138-1234-567a", Rule::Characters),      // a letter
            ("tel 13812345678", Rule::Characters),    // words
            ("13812345678#12", Rule::Pattern),        // a mobile has no extension
            ("95588转1", Rule::Pattern),              // nor a short number
            ("+1 415 555 0100", Rule::CountryCode),   // a US number
            ("+886 912 345 678", Rule::CountryCode),  // Taiwan is not accepted yet
            ("0044 20 7946 0958", Rule::CountryCode), // 00 + UK
            ("011-12345678", Rule::Pattern),          // 011 is not an area code
            ("0012345678", Rule::CountryCode),        // 00 is the international prefix
            ("0755-123456", Rule::Length),            // 6-digit subscriber number
            ("0755-123456789", Rule::Length),         // 9-digit subscriber number
            ("0755-18888888", Rule::Pattern),         // subscriber numbers do not start with 1
            ("010-02345678", Rule::Pattern),          // nor with 0
            ("0", Rule::Length),
            ("0755-88888888#", Rule::Length),        // empty extension
            ("0755-88888888#1234567", Rule::Length), // 7-digit extension
            ("0755-88888888#12a", Rule::Characters),
            ("400-820-882", Rule::Length), // 9 digits
            ("4008208820123", Rule::Length),
            ("9558", Rule::Length),            // too short for a 95 number
            ("955881234", Rule::Length),       // too long for a 95 number
            ("12306123", Rule::Length),        // 8 digits starting 1: neither mobile nor short
            ("+86 12345", Rule::Length),       // no short numbers from abroad
            ("88888888", Rule::Pattern),       // a local number without area code
            ("+852 9123 456", Rule::Length),   // 7 digits
            ("+852 1123 4567", Rule::Pattern), // Hong Kong numbers start with 2-9
            ("+853 0612 3456", Rule::Pattern),
            ("+853 6612 34567", Rule::Length),
        ];
        for (input, rule) in cases {
            let got = parse_phone(input).map(|p| p.normalized());
            assert_eq!(got, Err(FormatError::new(Format::Phone, rule)), "{input}");
        }
    }

    #[test]
    fn masking_by_kind() {
        let cases = [
            ("13812345678", "138****5678"),
            ("+86 199 1234 5678", "199****5678"),
            ("0755-88881234", "0755-****1234"),
            ("0871-6123456", "0871-***3456"),
            ("010-65529988#123", "010-****9988#***"),
            ("400-820-8820", "4008208820"),
            ("400-820-8820转2", "4008208820#2"),
            ("95588", "95588"),
            ("+852 9123 4567", "+852 ****4567"),
            ("+853 6612 3456#12", "+853 ****3456#**"),
        ];
        for (input, masked) in cases {
            let phone = parse_phone(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(phone.masked(), masked, "{input}");
            assert_eq!(format!("{phone:?}"), format!("Phone({masked:?})"), "{input}");
        }
    }

    #[test]
    fn accessors() {
        let phone = parse_phone("0755-8888 1234 转 56").expect("landline");
        assert_eq!(phone.area_code(), Some("0755"));
        assert_eq!(phone.normalized(), "075588881234#56");
        assert_eq!(phone.last_four(), "1234");
        assert!(phone.kind().is_personal());
        let reparsed = parse_phone(&phone.normalized()).expect("the normalised form parses");
        assert_eq!(reparsed, phone);
        let mobile = parse_phone("+8613812345678").expect("mobile");
        assert_eq!((mobile.area_code(), mobile.last_four()), (None, "5678"));
        let hk = parse_phone("+852 9123 4567").expect("hong kong");
        assert_eq!(parse_phone(hk.number()), Ok(hk));
        assert!(!parse_phone("95588").expect("short").kind().is_personal());
        assert_eq!(PhoneKind::Landline.label(Language::ZhCn), "固定电话");
    }
}

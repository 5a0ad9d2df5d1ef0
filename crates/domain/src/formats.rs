//! Validation, normalisation and masking of the Chinese formats a registration carries
//! (DOMAIN.md, "Language and formats"): phone numbers, identity documents, the unified social
//! credit code, VINs, vehicle plates, bank cards, administrative division codes and
//! addresses, amounts in yuan, and names.
//!
//! Every `parse_*` function takes what a person or a system typed (full-width digits and
//! letters, spaces and dashes are tolerated where people write them) and returns a typed,
//! normalised value or a [`FormatError`] that names the format and the [`Rule`] it broke, so
//! an entry point can answer with `field` + `rule` + a message in either [`Language`].
//!
//! Values that are personal data (phones, documents, cards, VINs, plates, names) do not
//! implement `Display`, and their `Debug` shows only the masked form, so that a stray `{:?}`
//! in a log line leaks nothing; the clear text is read through an explicit accessor.
//! `masked()` is what a role without the right to see the value is shown.
//!
//! Pure: no IO, no clock (a resident identity number's birth date is checked against a
//! `today` the caller passes in).

mod phone;
mod identity;
mod vehicle;
mod card;
mod address;
mod amount;
mod name;

pub use address::{DivisionCode, DivisionLevel, PROVINCES, Province, mask_address, parse_division_code};
pub use amount::{Amount, parse_yuan};
pub use card::{BankCard, mask_card, parse_bank_card};
pub use identity::{
    CreditCode, HkMacauPermit, IdDocument, IdKind, Passport, PermitRegion, ResidencePermit, ResidentId, Sex,
    TaiwanPermit, parse_credit_code, parse_hk_macau_permit, parse_id_document, parse_passport, parse_residence_permit,
    parse_resident_id, parse_taiwan_permit,
};
pub use name::{MAX_NAME_CHARS, PersonName, parse_name};
pub use phone::{Phone, PhoneKind, parse_phone};
pub use vehicle::{Plate, PlateKind, Vin, parse_plate, parse_vin};

use crate::error::FieldError;
use crate::vocabulary::{Language, vocabulary};

vocabulary!(
    /// Which format a value was checked against.
    Format {
        Phone => "phone", "电话号码", "phone number";
        ResidentId => "resident_id", "居民身份证号码", "resident identity card number";
        HkMacauPermit => "hk_macau_permit", "港澳居民来往内地通行证号码", "Mainland travel permit for Hong Kong and Macao residents";
        TaiwanPermit => "taiwan_permit", "台湾居民来往大陆通行证号码", "Mainland travel permit for Taiwan residents";
        ResidencePermit => "residence_permit", "港澳台居民居住证号码", "residence permit for Hong Kong, Macao and Taiwan residents";
        Passport => "passport", "护照号码", "passport number";
        CreditCode => "credit_code", "统一社会信用代码", "unified social credit code";
        Vin => "vin", "车辆识别代号（VIN）", "vehicle identification number (VIN)";
        Plate => "plate", "车牌号码", "vehicle plate number";
        BankCard => "bank_card", "银行卡号", "bank card number";
        DivisionCode => "division_code", "行政区划代码", "administrative division code";
        Amount => "amount", "金额", "amount";
        Name => "name", "姓名", "name";
    }
);

impl Format {
    /// What a valid value looks like, for the message.
    fn shape(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Phone, Language::ZhCn) => {
                "手机号为1开头的11位数字；固定电话需带区号，可带分机号；也可为400/800号码、短号服务号码，或+852、+853开头的香港、澳门号码"
            }
            (Self::Phone, Language::En) => {
                "a mainland mobile (11 digits starting 13-19), a landline with its area code and an optional extension, a 400/800 or short service number, or a Hong Kong (+852) or Macao (+853) number"
            }
            (Self::ResidentId, Language::ZhCn) => "18位，前17位为数字，最后一位为数字或X",
            (Self::ResidentId, Language::En) => "18 characters: 17 digits and a check digit or X",
            (Self::HkMacauPermit, Language::ZhCn) => "H或M开头，后接8位或10位数字",
            (Self::HkMacauPermit, Language::En) => "H or M followed by 8 or 10 digits",
            (Self::TaiwanPermit, Language::ZhCn) => "8位数字",
            (Self::TaiwanPermit, Language::En) => "8 digits",
            (Self::ResidencePermit, Language::ZhCn) => "18位，以810000、820000或830000开头，最后一位为数字或X",
            (Self::ResidencePermit, Language::En) => {
                "18 characters starting 810000, 820000 or 830000, the last a check digit or X"
            }
            (Self::Passport, Language::ZhCn) => "5至17位字母和数字",
            (Self::Passport, Language::En) => "5 to 17 letters and digits",
            (Self::CreditCode, Language::ZhCn) => "18位数字或大写字母（不含I、O、S、V、Z）",
            (Self::CreditCode, Language::En) => "18 digits or capital letters (not I, O, S, V or Z)",
            (Self::Vin, Language::ZhCn) => "17位数字或字母（不含I、O、Q），第9位为校验位",
            (Self::Vin, Language::En) => "17 digits or letters (not I, O or Q), the 9th a check digit",
            (Self::Plate, Language::ZhCn) => "如粤B12345、新能源粤BD12345或粤B12345D",
            (Self::Plate, Language::En) => "such as 粤B12345, or 粤BD12345 and 粤B12345D for new-energy vehicles",
            (Self::BankCard, Language::ZhCn) => "13至19位数字",
            (Self::BankCard, Language::En) => "13 to 19 digits",
            (Self::DivisionCode, Language::ZhCn) => "6位数字，前两位为省级代码",
            (Self::DivisionCode, Language::En) => "6 digits, the first two a province's code",
            (Self::Amount, Language::ZhCn) => "以元为单位，最多两位小数，如1,234.50或1234.5元",
            (Self::Amount, Language::En) => "yuan with at most two decimals, such as 1,234.50 or 1234.5元",
            (Self::Name, Language::ZhCn) => "1至50个字，不含数字；少数民族姓名可含“·”",
            (Self::Name, Language::En) => "1 to 50 characters without digits; a name may contain \"·\"",
        }
    }
}

vocabulary!(
    /// The rule a value broke; the wire name is what goes into `FieldError::rule`.
    Rule {
        /// Nothing but spaces.
        Required => "required", "不能为空", "is empty";
        /// Too short or too long for the format.
        Length => "length", "长度不正确", "has the wrong length";
        /// A character the format does not use (a letter among digits, I/O/Q in a VIN, a digit in a name).
        Characters => "characters", "含有不允许的字符", "contains characters that are not allowed";
        /// The right characters in a shape the format does not have.
        Pattern => "pattern", "格式不正确", "does not have the expected form";
        /// An international prefix other than +86, +852 and +853.
        CountryCode => "country_code", "的国家或地区代码不受支持（仅支持+86、+852、+853）", "has a country code that is not accepted (only +86, +852 and +853)";
        /// A region (province, administrative division, plate province) that does not exist.
        Region => "region", "的地区代码不存在", "has a region code that does not exist";
        /// A birth date that is not a date, is before 1900 or is after today.
        BirthDate => "birth_date", "中的出生日期无效", "has a birth date that is not valid";
        /// The check digit or character does not match.
        CheckDigit => "check_digit", "校验位不正确", "fails its check digit";
        /// More decimals than fen allow.
        Precision => "precision", "小数位数过多（最多精确到分）", "has more decimals than fen allow";
        /// Negative or too large.
        Range => "range", "超出允许的范围", "is out of range";
    }
);

/// A value that does not have its format: which format, and which rule it broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}", self.message(Language::En))]
pub struct FormatError {
    pub format: Format,
    pub rule: Rule,
}

impl FormatError {
    pub(crate) fn new(format: Format, rule: Rule) -> Self {
        Self { format, rule }
    }

    /// A sentence for people: the format, what is wrong, and what a valid value looks like.
    pub fn message(&self, language: Language) -> String {
        let format = self.format.label(language);
        let rule = self.rule.label(language);
        let shape = self.format.shape(language);
        match language {
            Language::ZhCn => format!("{format}{rule}（{shape}）"),
            Language::En => format!("{format} {rule} (expected {shape})"),
        }
    }

    /// The field error an entry point reports for `field`, with the English message.
    pub fn field_error(&self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, self.rule.as_str(), self.message(Language::En))
    }
}

/// Folds full-width ASCII (U+FF01–U+FF5E, as Chinese input methods type digits, letters and
/// punctuation) and the ideographic space into ASCII, and maps ￥ to ¥; trims the result.
pub(crate) fn halfwidth(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{FFE5}' => '¥',
            other => other,
        })
        .collect();
    folded.trim().to_owned()
}

/// `text` with `head` characters kept at the start, `tail` at the end and the rest as `*`.
/// When nothing would be hidden, everything is hidden.
pub(crate) fn mask_middle(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut masked: String = chars[..head].iter().collect();
    masked.push_str(&"*".repeat(chars.len() - head - tail));
    masked.extend(&chars[chars.len() - tail..]);
    masked
}

/// Implements `Debug` as the masked form, so that debug output never shows personal data.
macro_rules! debug_masked {
    ($($name:ident),+ $(,)?) => {
        $(impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.masked()).finish()
            }
        })+
    };
}
pub(crate) use debug_masked;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_format_and_rule_in_both_languages() {
        let error = FormatError::new(Format::ResidentId, Rule::CheckDigit);
        assert_eq!(
            error.message(Language::ZhCn),
            "居民身份证号码校验位不正确（18位，前17位为数字，最后一位为数字或X）"
        );
        assert_eq!(
            error.message(Language::En),
            "resident identity card number fails its check digit (expected 18 characters: 17 digits and a check digit or X)"
        );
        assert_eq!(error.to_string(), error.message(Language::En));
        let field = error.field_error("complainant.id_number");
        assert_eq!(
            (field.field.as_str(), field.rule, field.message.as_str()),
            (
                "complainant.id_number",
                "check_digit",
                error.message(Language::En).as_str()
            )
        );
    }

    #[test]
    fn every_format_and_rule_has_a_message_in_both_languages() {
        for format in Format::ALL {
            for rule in Rule::ALL {
                for language in [Language::ZhCn, Language::En] {
                    let message = FormatError::new(*format, *rule).message(language);
                    assert!(message.starts_with(format.label(language)), "{message}");
                    assert!(message.contains(rule.label(language)), "{message}");
                }
            }
        }
        let wire: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            wire,
            [
                "required",
                "length",
                "characters",
                "pattern",
                "country_code",
                "region",
                "birth_date",
                "check_digit",
                "precision",
                "range"
            ]
        );
    }

    #[test]
    fn halfwidth_folds_what_input_methods_type() {
        let cases = [
            ("１３８１２３４５６７８", "13812345678"),
            ("　粤Ｂ１２３４５　", "粤B12345"),
            ("￥１，２３４．５０", "¥1,234.50"),
            ("（０７５５）８８８８８８８８", "(0755)88888888"),
            ("欧阳·娜娜", "欧阳·娜娜"),
        ];
        for (input, expected) in cases {
            assert_eq!(halfwidth(input), expected, "{input}");
        }
    }

    #[test]
    fn mask_middle_keeps_head_and_tail() {
        let cases = [
            ("13812345678", 3, 4, "138****5678"),
            ("E12345678", 1, 3, "E*****678"),
            ("abc", 1, 2, "***"),
            ("", 1, 1, ""),
        ];
        for (text, head, tail, expected) in cases {
            assert_eq!(mask_middle(text, head, tail), expected, "{text}");
        }
    }
}

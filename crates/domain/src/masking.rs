//! Validation and masking of the personal data formats a complaint carries.
//!
//! DOMAIN.md: mobile numbers are `1[3-9]` + 9 digits, shown `138****5678`.

/// Whether `phone` is a mainland mobile number (`1[3-9]` followed by 9 digits), a landline
/// with area code (`0` + 2–3 digits, a hyphen optional, 7–8 digits, an extension optional),
/// a 400/800 service number, or a five-digit service number.
pub fn is_valid_phone(phone: &str) -> bool {
    let compact: String = phone.chars().filter(|c| *c != ' ').collect();
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mobile = compact.len() == 11
        && digits_only(&compact)
        && compact.starts_with('1')
        && matches!(compact.as_bytes()[1], b'3'..=b'9');
    let service =
        (compact.len() == 10 && digits_only(&compact) && (compact.starts_with("400") || compact.starts_with("800")))
            || (compact.len() == 5 && digits_only(&compact) && compact.starts_with('9'));
    let landline = {
        let (number, extension) = match compact.split_once(['#', '转']) {
            Some((number, extension)) => (number, Some(extension)),
            None => (compact.as_str(), None),
        };
        let plain: String = number.chars().filter(|c| *c != '-').collect();
        number.starts_with('0')
            && digits_only(&plain)
            && (10..=12).contains(&plain.len())
            && extension.is_none_or(|e| digits_only(e) && e.len() <= 6)
    };
    mobile || service || landline
}

/// Masks a phone number: the first three and last four digits stay (`138****5678`).
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// Whether `email` looks like an address: one `@`, a non-empty local part, a dotted domain.
pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.len() <= 255
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

/// Masks an e-mail address: the first character of the local part and the domain stay.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// Masks a name: the family name (first character) stays (`张**`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(is_valid_phone("13812345678"));
        assert!(!is_valid_phone("12812345678"));
        assert!(!is_valid_phone("1381234567"));
        assert!(is_valid_phone("010-12345678"));
        assert!(is_valid_phone("0755-1234567#123"));
        assert!(is_valid_phone("4008123123"));
        assert!(is_valid_phone("95588"));
        assert!(!is_valid_phone("hello"));
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }

    #[test]
    fn emails_and_names() {
        assert!(is_valid_email("li.wei@example.cn"));
        assert!(!is_valid_email("li.wei@example"));
        assert!(!is_valid_email("@example.cn"));
        assert!(!is_valid_email("a b@example.cn"));
        assert_eq!(mask_email("li.wei@example.cn"), "l***@example.cn");
        assert_eq!(mask_name("欧阳·娜娜"), "欧****");
        assert_eq!(mask_name("王五"), "王*");
    }
}

//! Amounts of money in yuan, as people type them, read exactly into fen (no floating point).
//!
//! Accepted: digits with an optional decimal point and at most two decimals (`1234.5`,
//! `1234.50`), thousands separated by commas in groups of three (`1,234.50`), a currency mark
//! before (`¥`, `￥`, `RMB`, `CNY`, `人民币`) or after (`元`, `圆`), and `万`/`万元` for ten
//! thousand yuan (`1.5万` is 15,000 yuan; up to six decimals then). Decimals below the fen
//! that are zeros are accepted (`1.500`); others are refused rather than rounded. Negative
//! amounts are refused.

use super::{Format, FormatError, Rule, halfwidth};

/// An amount of money in fen (1 yuan = 100 fen), never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount {
    fen: u64,
}

impl Amount {
    /// The amount of `fen` fen.
    pub const fn from_fen(fen: u64) -> Self {
        Self { fen }
    }

    /// The amount in fen.
    pub const fn fen(self) -> u64 {
        self.fen
    }
}

impl std::fmt::Display for Amount {
    /// Yuan with two decimals and no separators: `1234.50`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02}", self.fen / 100, self.fen % 100)
    }
}

fn error(rule: Rule) -> FormatError {
    FormatError::new(Format::Amount, rule)
}

/// Parses an amount in yuan (see the module documentation for what is accepted).
pub fn parse_yuan(input: &str) -> Result<Amount, FormatError> {
    let text = halfwidth(input);
    let mut rest = text.as_str();
    for prefix in ["人民币", "RMB", "rmb", "CNY", "cny", "¥"] {
        if let Some(after) = rest.strip_prefix(prefix) {
            rest = after.trim_start();
            break;
        }
    }
    // 10^k yuan in fen: 元 is 100 fen, 万 is 1,000,000 fen.
    let mut decimals = 2;
    for (suffix, places) in [("万元", 6), ("万", 6), ("元", 2), ("圆", 2)] {
        if let Some(before) = rest.strip_suffix(suffix) {
            rest = before.trim_end();
            decimals = places;
            break;
        }
    }
    if rest.is_empty() {
        return Err(error(Rule::Required));
    }
    if rest.starts_with('-') {
        return Err(error(Rule::Range));
    }
    if !rest.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.') {
        return Err(error(Rule::Characters));
    }
    let (whole, fraction) = match rest.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (rest, None),
    };
    let whole_digits = whole_part(whole)?;
    let fraction = fraction.unwrap_or_default();
    if fraction.contains(['.', ',']) || (fraction.is_empty() && rest.ends_with('.')) {
        return Err(error(Rule::Pattern));
    }
    let (kept, dropped) = fraction.split_at(fraction.len().min(decimals));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(error(Rule::Precision));
    }
    // The whole digits and the decimals padded to the fen: the amount in fen.
    let mut fen: u64 = 0;
    let padded = kept.bytes().chain(std::iter::repeat(b'0')).take(decimals);
    for digit in whole_digits.bytes().chain(padded) {
        fen = fen
            .checked_mul(10)
            .and_then(|f| f.checked_add(u64::from(digit - b'0')))
            .ok_or(error(Rule::Range))?;
    }
    Ok(Amount { fen })
}

/// The digits of the whole part: plain digits, or groups of three after a first group of one
/// to three, separated by commas.
fn whole_part(whole: &str) -> Result<String, FormatError> {
    if whole.is_empty() {
        return Err(error(Rule::Pattern));
    }
    if !whole.contains(',') {
        return Ok(whole.to_owned());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let well_grouped = (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
    if !well_grouped {
        return Err(error(Rule::Pattern));
    }
    Ok(groups.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_into_fen() {
        let cases = [
            ("0", 0),
            ("0.01", 1),
            ("1234", 123_400),
            ("1234.5", 123_450),
            ("1234.50", 123_450),
            ("1,234.50", 123_450),
            ("1,234,567.89", 123_456_789),
            ("¥1234.5", 123_450),
            ("￥1,200", 120_000),
            ("¥ 88", 8_800),
            ("RMB 500", 50_000),
            ("CNY1000.00", 100_000),
            ("人民币1200元", 120_000),
            ("1234元", 123_400),
            ("1234.5 元", 123_450),
            ("300圆", 30_000),
            ("１２３４．５６", 123_456),
            ("1.500", 150),            // zeros below the fen are harmless
            ("2万", 2_000_000),        // 20,000 yuan
            ("1.5万元", 1_500_000),    // 15,000 yuan
            ("0.0001万", 100),         // 1 yuan
            ("1.234567万", 1_234_567), // 12,345.67 yuan
            ("007", 700),
            ("184467440737095516.15", u64::MAX), // 18446744073709551615 fen
        ];
        for (input, fen) in cases {
            assert_eq!(parse_yuan(input), Ok(Amount::from_fen(fen)), "{input}");
        }
    }

    #[test]
    fn broken_amounts_name_the_rule() {
        let cases = [
            ("", Rule::Required),
            ("¥", Rule::Required),
            ("元", Rule::Required),
            ("-5", Rule::Range),
            ("¥-5.00", Rule::Range),
            ("184467440737095516.16", Rule::Range), // one fen above u64::MAX
            ("99999999999999999999", Rule::Range),
            ("1234.567", Rule::Precision),
            ("0.001", Rule::Precision),
            ("1.2345678万", Rule::Precision),
            ("12,34", Rule::Pattern),
            ("1234,567", Rule::Pattern),
            (",123", Rule::Pattern),
            ("1,234,56.00", Rule::Pattern),
            (".5", Rule::Pattern),
            ("5.", Rule::Pattern),
            ("1.2.3", Rule::Pattern),
            ("1.2,3", Rule::Pattern),
            ("1e3", Rule::Characters),
            ("12 345", Rule::Characters),
            ("一千元", Rule::Characters),
            ("$100", Rule::Characters),
            ("+100", Rule::Characters),
            ("100美元", Rule::Characters),
        ];
        for (input, rule) in cases {
            assert_eq!(
                parse_yuan(input),
                Err(FormatError::new(Format::Amount, rule)),
                "{input}"
            );
        }
    }

    #[test]
    fn amounts_display_as_yuan() {
        assert_eq!(Amount::from_fen(123_450).to_string(), "1234.50");
        assert_eq!(Amount::from_fen(5).to_string(), "0.05");
        assert_eq!(Amount::default().to_string(), "0.00");
        assert_eq!(Amount::from_fen(7).fen(), 7);
        assert!(Amount::from_fen(100) < Amount::from_fen(101));
    }
}

//! Bank cards: 13 to 19 digits with a Luhn check digit (UnionPay's 62 cards, Visa, Mastercard,
//! American Express, JCB). A card number is kept masked or as intake's keyed token, never in
//! the clear: [`BankCard`] exists so that the number is checked before it is masked or
//! tokenised, and its `Debug` shows the masked form.

use super::{Format, FormatError, Rule, debug_masked, halfwidth, mask_middle};

/// A bank card number that passed its Luhn check.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BankCard {
    digits: String,
}

/// Whether the digits (ASCII, at least one) pass the Luhn check: from the right, every second
/// digit is doubled (9 subtracted when the result is above 9) and the sum is a multiple of 10.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let digit = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Parses a bank card number; spaces and dashes between the groups are dropped.
pub fn parse_bank_card(input: &str) -> Result<BankCard, FormatError> {
    let error = |rule| FormatError::new(Format::BankCard, rule);
    let digits: String = halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.is_empty() {
        return Err(error(Rule::Required));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(Rule::Characters));
    }
    if !(13..=19).contains(&digits.len()) {
        return Err(error(Rule::Length));
    }
    if !luhn_valid(digits.as_bytes()) {
        return Err(error(Rule::CheckDigit));
    }
    Ok(BankCard { digits })
}

/// Checks a card number and masks it: the first six digits (the issuer) and the last four,
/// `622848******1234`.
pub fn mask_card(input: &str) -> Result<String, FormatError> {
    parse_bank_card(input).map(|card| card.masked())
}

impl BankCard {
    /// The digits, for intake to tokenise; never to be stored or logged.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The issuer identification number (the first six digits).
    pub fn bin(&self) -> &str {
        &self.digits[..6]
    }

    /// The last four digits.
    pub fn last_four(&self) -> &str {
        &self.digits[self.digits.len() - 4..]
    }

    /// The first six digits and the last four: `622848*********0018`.
    pub fn masked(&self) -> String {
        mask_middle(&self.digits, 6, 4)
    }
}

debug_masked!(BankCard);

#[cfg(test)]
mod tests {
    use super::*;

    /// The Luhn sums are worked out by hand: from the right, every second digit doubled (minus
    /// 9 when above 9), the digits' values in order below, the total a multiple of 10.
    #[test]
    fn valid_cards_are_masked_first_six_last_four() {
        let cases = [
            // Agricultural Bank debit card, 19 digits:
            // 6+4+2+7+4+7+0+8+0+4+5+3+4+7+9+0+0+2+8 = 80
            ("6228480402564890018", "622848*********0018", "0018"),
            // the same in groups of four
            ("6228 4804 0256 4890 018", "622848*********0018", "0018"),
            // China Merchants Bank, 16 digits: 3+2+4+5+7+8+0+1+6+7+5+0+3+8+3+8 = 70
            ("6225-8801-3770-6868", "622588******6868", "6868"),
            // ICBC, 16 digits: 3+2+4+2+0+2+2+0+0+1+2+1+1+6+5+9 = 40
            ("6222021001115679", "622202******5679", "5679"),
            // China Construction Bank, 19 digits: 6+4+1+5+0+0+0+0+1+0+0+2+2+6+4+1+6+5+7 = 50
            ("6217000010012345677", "621700*********5677", "5677"),
            // Visa's test number: 8+1+2+1+2+1+2+1+2+1+2+1+2+1+2+1 = 30
            ("4111111111111111", "411111******1111", "1111"),
            // American Express, 15 digits: 3+5+0+0+0+0+0+0+0+0+0+0+0+0+2 = 10
            ("370000000000002", "370000*****0002", "0002"),
            // 13 digits: 4+0+0+0+0+0+0+0+0+0+0+0+6 = 10
            ("4000000000006", "400000***0006", "0006"),
            // full-width digits as an input method types them
            ("４１１１１１１１１１１１１１１１", "411111******1111", "1111"),
        ];
        for (input, masked, last_four) in cases {
            let card = parse_bank_card(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (card.masked().as_str(), card.last_four()),
                (masked, last_four),
                "{input}"
            );
            assert_eq!(mask_card(input).as_deref(), Ok(masked), "{input}");
            assert_eq!(format!("{card:?}"), format!("BankCard({masked:?})"));
        }
        let card = parse_bank_card("6228 4804 0256 4890 018").expect("valid");
        assert_eq!((card.digits(), card.bin()), ("6228480402564890018", "622848"));
    }

    #[test]
    fn invalid_cards_name_the_rule() {
        let cases = [
            ("", Rule::Required),
            ("  ", Rule::Required),
            ("622848040256489001", Rule::CheckDigit), // the last digit dropped: 3+2+4+8+8+8+0+4+0+2+1+6+8+8+9+0+0+1 = 72
            ("6228480402564890019", Rule::CheckDigit), // 81
            ("6222021001115678", Rule::CheckDigit),   // 39
            ("4111111111111112", Rule::CheckDigit),   // 31
            ("6228480402564890O18", Rule::Characters), // a letter O
            ("6228/4804/0256", Rule::Characters),
            ("411111111111", Rule::Length),         // 12 digits
            ("62284804025648900180", Rule::Length), // 20 digits
        ];
        for (input, rule) in cases {
            let got = parse_bank_card(input).map(|c| c.masked());
            assert_eq!(got, Err(FormatError::new(Format::BankCard, rule)), "{input}");
            assert_eq!(
                mask_card(input),
                Err(FormatError::new(Format::BankCard, rule)),
                "{input}"
            );
        }
    }

    #[test]
    fn luhn_on_its_own() {
        // 79927398713 is the usual example: 7+9+9+4+7+6+9+7+7+2+3 = 70; ending in 0 it is 67
        assert!(luhn_valid(b"79927398713"));
        assert!(!luhn_valid(b"79927398710"));
        assert!(luhn_valid(b"0"));
        assert!(luhn_valid(b"18")); // 1 doubled = 2, + 8 = 10
        assert!(!luhn_valid(b"81")); // 8 doubled = 16 − 9 = 7, + 1 = 8
    }
}

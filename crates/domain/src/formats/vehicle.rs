//! Vehicles: the VIN and the plate.
//!
//! - The VIN (车辆识别代号, ISO 3779, GB 16735): 17 characters, digits and capitals without
//!   I, O and Q; the 9th is the check digit of the North American scheme that GB 16735 also
//!   prescribes: letters transliterate to values (A–H 1–8, J–N 1–5, P 7, R 9, S–Z 2–9), each
//!   value is multiplied by its position's weight (8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2), and the
//!   sum modulo 11 is the check digit (10 written X).
//! - The plate (号牌, GA 36): a province's one-character abbreviation, the issuing office's
//!   letter (no I or O), then
//!   - ordinary plates: 5 digits or letters (`粤B12345`, `京A8K2Z5`);
//!   - new-energy plates, 8 characters: small vehicles an energy letter (D, A, B, C, E pure
//!     electric; F, G, H, J, K others), a digit or letter and 4 digits (`粤BD12345`); large
//!     vehicles 5 digits and D or F (`粤B12345D`);
//!   - special plates, 4 digits or letters and a kind character: 警 police, 学 driving school,
//!     挂 trailer, 领 consulate, 试 test vehicle, and 港/澳 for cross-border vehicles, which
//!     are always `粤Z`.
//!
//! Spaces, dots (`粤B·12345`) and dashes are dropped; letters are upper-cased.

use super::{Format, FormatError, Rule, debug_masked, halfwidth, mask_middle};
use crate::vocabulary::{Language, vocabulary};

/// A vehicle identification number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Vin {
    vin: String,
}

/// The value a VIN character stands for in the check-digit sum.
fn vin_value(c: u8) -> Option<u32> {
    let value = match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'H' => c - b'A' + 1,
        b'J'..=b'N' => c - b'J' + 1,
        b'P' => 7,
        b'R' => 9,
        b'S'..=b'Z' => c - b'S' + 2,
        _ => return None,
    };
    Some(u32::from(value))
}

const VIN_WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// Parses a VIN (17 characters without I, O and Q, with a valid check digit in position 9).
pub fn parse_vin(input: &str) -> Result<Vin, FormatError> {
    let error = |rule| FormatError::new(Format::Vin, rule);
    let vin: String = halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if vin.is_empty() {
        return Err(error(Rule::Required));
    }
    if !vin.is_ascii() || vin.bytes().any(|b| vin_value(b).is_none()) {
        return Err(error(Rule::Characters));
    }
    if vin.len() != 17 {
        return Err(error(Rule::Length));
    }
    let sum: u32 = vin
        .bytes()
        .zip(VIN_WEIGHTS)
        .map(|(c, weight)| vin_value(c).unwrap_or_default() * weight)
        .sum();
    let check = match sum % 11 {
        10 => b'X',
        digit => b'0' + digit as u8,
    };
    if vin.as_bytes()[8] != check {
        return Err(error(Rule::CheckDigit));
    }
    Ok(Vin { vin })
}

impl Vin {
    /// The 17 characters in capitals.
    pub fn as_str(&self) -> &str {
        &self.vin
    }

    /// The world manufacturer identifier (the first three characters; `L` is China).
    pub fn wmi(&self) -> &str {
        &self.vin[..3]
    }

    /// The last six characters (the serial number) only: `***********123456`.
    pub fn masked(&self) -> String {
        mask_middle(&self.vin, 0, 6)
    }
}

vocabulary!(
    /// What kind of plate a plate is.
    PlateKind {
        Ordinary => "ordinary", "普通号牌", "ordinary plate";
        NewEnergy => "new_energy", "新能源号牌", "new-energy plate";
        Police => "police", "警用号牌", "police plate";
        DrivingSchool => "driving_school", "教练车号牌", "driving-school plate";
        Trailer => "trailer", "挂车号牌", "trailer plate";
        Consulate => "consulate", "领馆号牌", "consulate plate";
        Trial => "trial", "试验车号牌", "test-vehicle plate";
        HongKong => "hong_kong", "香港入出境车号牌", "Hong Kong cross-border plate";
        Macau => "macau", "澳门入出境车号牌", "Macao cross-border plate";
    }
);

/// The provinces' abbreviations on plates.
const PLATE_PROVINCES: &str = "京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新";

/// A vehicle plate.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Plate {
    plate: String,
    kind: PlateKind,
}

fn is_plate_letter(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

fn is_plate_alphanumeric(c: char) -> bool {
    c.is_ascii_digit() || is_plate_letter(c)
}

/// Parses a plate (see the module documentation for the shapes accepted).
pub fn parse_plate(input: &str) -> Result<Plate, FormatError> {
    let error = |rule| FormatError::new(Format::Plate, rule);
    let chars: Vec<char> = halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '・' | '.' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.is_empty() {
        return Err(error(Rule::Required));
    }
    if !matches!(chars.len(), 7 | 8) {
        return Err(error(Rule::Length));
    }
    if !PLATE_PROVINCES.contains(chars[0]) {
        return Err(error(if chars[0].is_ascii() {
            Rule::Pattern
        } else {
            Rule::Region
        }));
    }
    if !is_plate_letter(chars[1]) {
        return Err(error(if matches!(chars[1], 'I' | 'O') {
            Rule::Characters
        } else {
            Rule::Pattern
        }));
    }
    let rest = &chars[2..];
    // Characters other than the plate alphabet and the kind characters are refused first.
    let last = rest.len() - 1;
    let allowed = rest
        .iter()
        .enumerate()
        .all(|(i, c)| is_plate_alphanumeric(*c) || (i == last && "警学挂领试港澳".contains(*c)));
    if !allowed {
        return Err(error(Rule::Characters));
    }
    let digits = |s: &[char]| s.iter().all(char::is_ascii_digit);
    let kind = if rest.len() == 5 {
        match rest[4] {
            '警' => PlateKind::Police,
            '学' => PlateKind::DrivingSchool,
            '挂' => PlateKind::Trailer,
            '领' => PlateKind::Consulate,
            '试' => PlateKind::Trial,
            '港' | '澳' if chars[0] != '粤' || chars[1] != 'Z' => return Err(error(Rule::Pattern)),
            '港' => PlateKind::HongKong,
            '澳' => PlateKind::Macau,
            _ => PlateKind::Ordinary,
        }
    } else {
        let small = "DABCEFGHJK".contains(rest[0]) && digits(&rest[2..]);
        let large = digits(&rest[..5]) && matches!(rest[5], 'D' | 'F');
        if !(small || large) {
            return Err(error(Rule::Pattern));
        }
        PlateKind::NewEnergy
    };
    Ok(Plate {
        plate: chars.into_iter().collect(),
        kind,
    })
}

impl Plate {
    /// The plate without separators, letters in capitals: `粤B12345`.
    pub fn as_str(&self) -> &str {
        &self.plate
    }

    /// What kind of plate it is.
    pub fn kind(&self) -> PlateKind {
        self.kind
    }

    /// The province's abbreviation.
    pub fn province(&self) -> char {
        self.plate.chars().next().unwrap_or_default()
    }

    /// The province, the office letter, the last two characters of the serial and the kind's
    /// mark (a new-energy plate's energy letter, 警, 学 …); the rest of the serial hidden:
    /// `粤B***45`, `粤BD***45`, `粤B***45D`, `粤B**34警`.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.plate.chars().collect();
        let (prefix, serial, suffix) = match (self.kind, chars.len()) {
            (PlateKind::Ordinary, _) => (&chars[..2], &chars[2..], &chars[..0]),
            (PlateKind::NewEnergy, _) if chars[2].is_ascii_uppercase() => (&chars[..3], &chars[3..], &chars[..0]),
            (PlateKind::NewEnergy, _) => (&chars[..2], &chars[2..7], &chars[7..]),
            (_, len) => (&chars[..2], &chars[2..len - 1], &chars[len - 1..]),
        };
        let serial: String = serial.iter().collect();
        let mut masked: String = prefix.iter().collect();
        masked.push_str(&mask_middle(&serial, 0, 2));
        masked.extend(suffix);
        masked
    }
}

debug_masked!(Vin, Plate);

#[cfg(test)]
mod tests {
    use super::*;

    /// Valid VINs, the check digit worked out by hand: Σ value × weight (weights
    /// 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2), the sum mod 11 (10 → X).
    #[test]
    fn valid_vins() {
        let cases = [
            // 1·8+M4·7+8·6+G7·5+D4·4+M4·3+9·2+A1·10+X·0+K2·9+P7·8+0·7+4·6+2·5+7·4+8·3+8·2
            // = 8+28+48+35+16+12+18+10+0+18+56+0+24+10+28+24+16 = 351; 351 mod 11 = 10 → X
            ("1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),
            // 5·8+G7·7+Z9·6+C3·5+Z9·4+4·3+3·2+D4·10+1·0+3·9+S2·8+8·7+1·6+2·5+7·4+1·3+5·2
            // = 40+49+54+15+36+12+6+40+0+27+16+56+6+10+28+3+10 = 408; 408 mod 11 = 1
            ("5GZCZ43D13S812715", "5GZCZ43D13S812715"),
            // FAW-Volkswagen: L3·8+F6·7+V5·6+2·5+A1·4+2·3+1·2+K2·10+0·0+D4·9+3·8+1·7+2·6+3·5+4·4+5·3+6·2
            // = 24+42+30+10+4+6+2+20+0+36+24+7+12+15+16+15+12 = 275; 275 mod 11 = 0
            ("LFV2A21K0D3123456", "LFV2A21K0D3123456"),
            // SAIC-GM, lower case with spaces: L3·8+S2·7+G7·6+J1·5+A1·4+5·3+2·2+U4·10+6·0+B2·9+S2·8+1·7+2·6+3·5+4·4+5·3+6·2
            // = 24+14+42+5+4+15+4+40+0+18+16+7+12+15+16+15+12 = 259; 259 mod 11 = 6
            ("lsgja52u6bs 123456", "LSGJA52U6BS123456"),
            // SAIC-VW: L3·8+S2·7+V5·6+N5·5+V5·4+2·3+1·2+8·10+9·0+N5·9+2·8+1·7+2·6+3·5+4·4+5·3+6·2
            // = 24+14+30+25+20+6+2+80+0+45+16+7+12+15+16+15+12 = 339; 339 mod 11 = 9
            ("LSVNV2189N2123456", "LSVNV2189N2123456"),
            // BYD: L3·8+G7·7+B2·6+H8·5+5·4+2·3+E5·2+0·10+4·0+H8·9+Y8·8+1·7+0·6+1·5+2·4+3·3+4·2
            // = 24+49+12+40+20+6+10+0+0+72+64+7+0+5+8+9+8 = 334; 334 mod 11 = 4
            ("LGBH52E04HY101234", "LGBH52E04HY101234"),
        ];
        for (input, normalised) in cases {
            let vin = parse_vin(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(vin.as_str(), normalised, "{input}");
        }
        let vin = parse_vin("LFV2A21K0D3123456").expect("valid");
        assert_eq!((vin.wmi(), vin.masked().as_str()), ("LFV", "***********123456"));
        assert_eq!(format!("{vin:?}"), "Vin(\"***********123456\")");
    }

    #[test]
    fn invalid_vins_name_the_rule() {
        let cases = [
            ("", Rule::Required),
            ("LFV2A21K0D312345", Rule::Length),      // 16
            ("LFV2A21K0D31234567", Rule::Length),    // 18
            ("LFV2A21K0D3I23456", Rule::Characters), // I
            ("LFV2A21K0DO123456", Rule::Characters), // O
            ("LFV2A21K0Q3123456", Rule::Characters), // Q
            ("LFV2A21K0D3_23456", Rule::Characters),
            ("LFV2A21K1D3123456", Rule::CheckDigit), // 275 → 0, not 1
            ("1M8GDM9A9KP042788", Rule::CheckDigit), // 351 → X, not 9
            ("WP0ZZZ99ZTS392124", Rule::CheckDigit), // a European VIN without a check digit (would be 8)
            ("LSGJA52UABS123456", Rule::CheckDigit), // a letter in position 9
        ];
        for (input, rule) in cases {
            let got = parse_vin(input).map(|v| v.masked());
            assert_eq!(got, Err(FormatError::new(Format::Vin, rule)), "{input}");
        }
    }

    #[test]
    fn valid_plates() {
        let cases = [
            ("粤B12345", "粤B12345", PlateKind::Ordinary, "粤B***45"),
            ("京A·8K2Z5", "京A8K2Z5", PlateKind::Ordinary, "京A***Z5"),
            ("沪 c 123 45", "沪C12345", PlateKind::Ordinary, "沪C***45"),
            ("新Ａ１２３４５", "新A12345", PlateKind::Ordinary, "新A***45"),
            ("粤BD12345", "粤BD12345", PlateKind::NewEnergy, "粤BD***45"),
            ("粤BFA1234", "粤BFA1234", PlateKind::NewEnergy, "粤BF***34"),
            ("浙AA12345", "浙AA12345", PlateKind::NewEnergy, "浙AA***45"),
            ("粤B12345D", "粤B12345D", PlateKind::NewEnergy, "粤B***45D"),
            ("川A54321F", "川A54321F", PlateKind::NewEnergy, "川A***21F"),
            ("粤B1234警", "粤B1234警", PlateKind::Police, "粤B**34警"),
            ("鲁A1234学", "鲁A1234学", PlateKind::DrivingSchool, "鲁A**34学"),
            ("冀B1234挂", "冀B1234挂", PlateKind::Trailer, "冀B**34挂"),
            ("沪A1234领", "沪A1234领", PlateKind::Consulate, "沪A**34领"),
            ("苏E1234试", "苏E1234试", PlateKind::Trial, "苏E**34试"),
            ("粤Z1234港", "粤Z1234港", PlateKind::HongKong, "粤Z**34港"),
            ("粤Z·A123澳", "粤ZA123澳", PlateKind::Macau, "粤Z**23澳"),
        ];
        for (input, normalised, kind, masked) in cases {
            let plate = parse_plate(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (plate.as_str(), plate.kind(), plate.masked().as_str()),
                (normalised, kind, masked),
                "{input}"
            );
        }
        let plate = parse_plate("粤B12345").expect("valid");
        assert_eq!(plate.province(), '粤');
        assert_eq!(format!("{plate:?}"), "Plate(\"粤B***45\")");
    }

    #[test]
    fn invalid_plates_name_the_rule() {
        let cases = [
            ("", Rule::Required),
            ("粤B1234", Rule::Length),    // 6
            ("粤BD123456", Rule::Length), // 9
            ("港B12345", Rule::Region),   // 港 is not a province abbreviation
            ("台A12345", Rule::Region),
            ("AB123456", Rule::Pattern),    // no province
            ("粤112345", Rule::Pattern),    // the office is a letter
            ("粤I12345", Rule::Characters), // not I
            ("粤O12345", Rule::Characters), // nor O
            ("粤B12O45", Rule::Characters),
            ("粤B1234I", Rule::Characters),
            ("粤B123_5", Rule::Characters),
            ("粤B12警45", Rule::Characters), // the kind character comes last
            ("粤B1234港", Rule::Pattern),    // cross-border plates are 粤Z
            ("京Z1234澳", Rule::Pattern),
            ("粤BX12345", Rule::Pattern), // X is no energy letter
            ("粤BD1234A", Rule::Pattern), // a small new-energy plate ends in 4 digits
            ("粤B12345X", Rule::Pattern), // a large one in D or F
            ("粤B1234AD", Rule::Pattern),
        ];
        for (input, rule) in cases {
            let got = parse_plate(input).map(|p| p.masked());
            assert_eq!(got, Err(FormatError::new(Format::Plate, rule)), "{input}");
        }
        assert_eq!(PlateKind::NewEnergy.label(Language::ZhCn), "新能源号牌");
    }
}

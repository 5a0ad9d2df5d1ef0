//! Addresses: the 6-digit administrative division code (行政区划代码, GB/T 2260) that drives
//! local responsibility and regional reports, the provinces, and the masking of a written
//! address down to its district.
//!
//! A division code is two digits for the province, two for the prefecture and two for the
//! county (`440106`: 广东省广州市天河区). The province is checked against the 34
//! province-level divisions; prefectures and counties are not, as they change every year
//! (the organisation's own list of units and areas is the place for that).

use super::{Format, FormatError, Rule, halfwidth};
use crate::vocabulary::{Language, vocabulary};

/// A province-level division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Province {
    /// The first two digits of its division codes.
    pub code: &'static str,
    /// Its name (`广东省`).
    pub name: &'static str,
    /// The name without its level (`广东`).
    pub short_name: &'static str,
    /// Its English name.
    pub name_en: &'static str,
}

/// The 34 province-level divisions, in the order of their codes.
pub static PROVINCES: [Province; 34] = [
    province("11", "北京市", "北京", "Beijing"),
    province("12", "天津市", "天津", "Tianjin"),
    province("13", "河北省", "河北", "Hebei"),
    province("14", "山西省", "山西", "Shanxi"),
    province("15", "内蒙古自治区", "内蒙古", "Inner Mongolia"),
    province("21", "辽宁省", "辽宁", "Liaoning"),
    province("22", "吉林省", "吉林", "Jilin"),
    province("23", "黑龙江省", "黑龙江", "Heilongjiang"),
    province("31", "上海市", "上海", "Shanghai"),
    province("32", "江苏省", "江苏", "Jiangsu"),
    province("33", "浙江省", "浙江", "Zhejiang"),
    province("34", "安徽省", "安徽", "Anhui"),
    province("35", "福建省", "福建", "Fujian"),
    province("36", "江西省", "江西", "Jiangxi"),
    province("37", "山东省", "山东", "Shandong"),
    province("41", "河南省", "河南", "Henan"),
    province("42", "湖北省", "湖北", "Hubei"),
    province("43", "湖南省", "湖南", "Hunan"),
    province("44", "广东省", "广东", "Guangdong"),
    province("45", "广西壮族自治区", "广西", "Guangxi"),
    province("46", "海南省", "海南", "Hainan"),
    province("50", "重庆市", "重庆", "Chongqing"),
    province("51", "四川省", "四川", "Sichuan"),
    province("52", "贵州省", "贵州", "Guizhou"),
    province("53", "云南省", "云南", "Yunnan"),
    province("54", "西藏自治区", "西藏", "Tibet"),
    province("61", "陕西省", "陕西", "Shaanxi"),
    province("62", "甘肃省", "甘肃", "Gansu"),
    province("63", "青海省", "青海", "Qinghai"),
    province("64", "宁夏回族自治区", "宁夏", "Ningxia"),
    province("65", "新疆维吾尔自治区", "新疆", "Xinjiang"),
    province("71", "台湾省", "台湾", "Taiwan"),
    province("81", "香港特别行政区", "香港", "Hong Kong"),
    province("82", "澳门特别行政区", "澳门", "Macao"),
];

const fn province(code: &'static str, name: &'static str, short_name: &'static str, name_en: &'static str) -> Province {
    Province {
        code,
        name,
        short_name,
        name_en,
    }
}

impl Province {
    /// The province whose code is `code` (two digits).
    pub fn by_code(code: &str) -> Option<&'static Province> {
        PROVINCES.iter().find(|p| p.code == code)
    }

    /// Its name in `language`.
    pub fn label(&self, language: Language) -> &'static str {
        match language {
            Language::ZhCn => self.name,
            Language::En => self.name_en,
        }
    }

    /// Whether it is on the mainland (not Taiwan, Hong Kong or Macao).
    pub fn is_mainland(&self) -> bool {
        !matches!(self.code, "71" | "81" | "82")
    }

    /// Whether it has no prefecture level between it and its districts: the four
    /// municipalities, Hong Kong and Macao.
    fn has_no_prefectures(&self) -> bool {
        matches!(self.code, "11" | "12" | "31" | "50" | "81" | "82")
    }
}

vocabulary!(
    /// How far down a division code goes.
    DivisionLevel {
        Province => "province", "省级", "province";
        Prefecture => "prefecture", "地级", "prefecture";
        County => "county", "县级", "county";
    }
);

/// A 6-digit administrative division code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DivisionCode {
    code: String,
}

/// Parses a division code: 6 digits, the first two an existing province, and no county
/// without a prefecture (`440006` does not exist).
pub fn parse_division_code(input: &str) -> Result<DivisionCode, FormatError> {
    let error = |rule| FormatError::new(Format::DivisionCode, rule);
    let code: String = halfwidth(input).chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() {
        return Err(error(Rule::Required));
    }
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(Rule::Characters));
    }
    if code.len() != 6 {
        return Err(error(Rule::Length));
    }
    if Province::by_code(&code[..2]).is_none() {
        return Err(error(Rule::Region));
    }
    if &code[2..4] == "00" && &code[4..] != "00" {
        return Err(error(Rule::Pattern));
    }
    Ok(DivisionCode { code })
}

impl DivisionCode {
    /// The six digits.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The province it lies in.
    pub fn province(&self) -> &'static Province {
        Province::by_code(&self.code[..2]).unwrap_or(&PROVINCES[0])
    }

    /// How far down it goes.
    pub fn level(&self) -> DivisionLevel {
        if &self.code[2..] == "0000" {
            DivisionLevel::Province
        } else if &self.code[4..] == "00" {
            DivisionLevel::Prefecture
        } else {
            DivisionLevel::County
        }
    }

    /// The code of its province (`440000`).
    pub fn province_code(&self) -> String {
        format!("{}0000", &self.code[..2])
    }

    /// The code of its prefecture (`440100`), if it goes below the province.
    pub fn prefecture_code(&self) -> Option<String> {
        (self.level() != DivisionLevel::Province).then(|| format!("{}00", &self.code[..4]))
    }

    /// Whether `other` is this division or lies within it (`440000` contains `440106`).
    pub fn contains(&self, other: &DivisionCode) -> bool {
        match self.level() {
            DivisionLevel::Province => self.code[..2] == other.code[..2],
            DivisionLevel::Prefecture => self.code[..4] == other.code[..4],
            DivisionLevel::County => self.code == other.code,
        }
    }
}

/// What ends a prefecture-level name.
const PREFECTURE_ENDINGS: [&str; 4] = ["市", "自治州", "地区", "盟"];
/// What ends a county-level name (自治县 and 自治旗 end in 县 and 旗; 新区, 林区 and 特区 in 区).
const COUNTY_ENDINGS: [&str; 4] = ["区", "县", "市", "旗"];
/// Every administrative ending: a name that ends in one of another level's stops the search.
const ALL_ENDINGS: [&str; 10] = [
    "省",
    "自治区",
    "特别行政区",
    "市",
    "自治州",
    "地区",
    "盟",
    "区",
    "县",
    "旗",
];
/// Names that end in 区 but are places inside a district, not districts.
const NOT_DISTRICTS: [&str; 16] = [
    "小区",
    "社区",
    "园区",
    "校区",
    "景区",
    "厂区",
    "片区",
    "街区",
    "营区",
    "院区",
    "生活区",
    "住宅区",
    "工业区",
    "商业区",
    "宿舍区",
    "办公区",
];
/// Characters of street addresses, never of a division's name.
const STREET_CHARACTERS: &str = "路街巷弄号室栋幢村组";
/// The longest division name taken (克孜勒苏柯尔克孜自治州 has 11 characters).
const MAX_NAME_CHARS: usize = 12;

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The length of the division name that starts `chars` and ends in one of `endings`: the
/// shortest run of at least two Han characters that ends in any administrative ending, taken
/// only when that ending is one of `endings` and the name is not a place inside a district.
fn division_name(chars: &[char], endings: &[&str]) -> Option<usize> {
    let mut name = String::new();
    for (i, c) in chars.iter().take(MAX_NAME_CHARS).enumerate() {
        if !is_han(*c) || STREET_CHARACTERS.contains(*c) {
            return None;
        }
        name.push(*c);
        if i == 0 {
            continue;
        }
        if NOT_DISTRICTS.iter().any(|e| name.ends_with(e)) {
            return None;
        }
        if endings.iter().any(|e| name.ends_with(e)) {
            return Some(i + 1);
        }
        if ALL_ENDINGS.iter().any(|e| name.ends_with(e)) {
            return None;
        }
    }
    None
}

/// The province that starts `chars`, by its name or its short name, and how many characters
/// it takes.
fn province_at_start(chars: &[char]) -> Option<(&'static Province, usize)> {
    let text: String = chars.iter().take(8).collect();
    PROVINCES
        .iter()
        .flat_map(|p| [(p, p.name), (p, p.short_name)])
        .filter(|(_, name)| text.starts_with(name))
        .map(|(p, name)| (p, name.chars().count()))
        .max_by_key(|(_, len)| *len)
}

/// Masks a written address: the province, prefecture and district (or county) stay and the
/// rest becomes `****` (`广东省广州市天河区****`). What cannot be recognised as a division
/// is hidden: an address that does not start with one is `****`. Spaces are dropped.
pub fn mask_address(address: &str) -> String {
    let chars: Vec<char> = halfwidth(address).chars().filter(|c| !c.is_whitespace()).collect();
    let mut end = 0;
    let mut skip_prefecture = false;
    if let Some((province, len)) = province_at_start(&chars) {
        end = len;
        skip_prefecture = province.has_no_prefectures();
    }
    if !skip_prefecture && let Some(len) = division_name(&chars[end..], &PREFECTURE_ENDINGS) {
        end += len;
    }
    if let Some(len) = division_name(&chars[end..], &COUNTY_ENDINGS) {
        end += len;
    }
    let mut masked: String = chars[..end].iter().collect();
    if end < chars.len() {
        masked.push_str("****");
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_division_codes() {
        let cases = [
            ("440106", "广东省", DivisionLevel::County, "440000", Some("440100")),
            ("440100", "广东省", DivisionLevel::Prefecture, "440000", Some("440100")),
            ("440000", "广东省", DivisionLevel::Province, "440000", None),
            ("110105", "北京市", DivisionLevel::County, "110000", Some("110100")),
            ("429004", "湖北省", DivisionLevel::County, "420000", Some("429000")),
            (
                "650102",
                "新疆维吾尔自治区",
                DivisionLevel::County,
                "650000",
                Some("650100"),
            ),
            ("710000", "台湾省", DivisionLevel::Province, "710000", None),
            ("810000", "香港特别行政区", DivisionLevel::Province, "810000", None),
            ("820000", "澳门特别行政区", DivisionLevel::Province, "820000", None),
            (
                " ４４０３０５ ",
                "广东省",
                DivisionLevel::County,
                "440000",
                Some("440300"),
            ),
        ];
        for (input, province, level, province_code, prefecture_code) in cases {
            let code = parse_division_code(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (
                    code.province().name,
                    code.level(),
                    code.province_code(),
                    code.prefecture_code()
                ),
                (
                    province,
                    level,
                    province_code.to_owned(),
                    prefecture_code.map(str::to_owned)
                ),
                "{input}"
            );
        }
        let guangdong = parse_division_code("440000").expect("valid");
        let tianhe = parse_division_code("440106").expect("valid");
        let guangzhou = parse_division_code("440100").expect("valid");
        let shenzhen = parse_division_code("440300").expect("valid");
        assert!(guangdong.contains(&tianhe) && guangzhou.contains(&tianhe) && tianhe.contains(&tianhe));
        assert!(!shenzhen.contains(&tianhe) && !tianhe.contains(&guangzhou));
        assert_eq!(tianhe.province().label(Language::En), "Guangdong");
    }

    #[test]
    fn every_province_code_of_the_standard_and_no_other() {
        let codes: Vec<&str> = PROVINCES.iter().map(|p| p.code).collect();
        let expected: Vec<String> = [(11..=15), (21..=23), (31..=37), (41..=46), (50..=54), (61..=65)]
            .into_iter()
            .flatten()
            .chain([71, 81, 82])
            .map(|n: u32| n.to_string())
            .collect();
        assert_eq!(codes, expected);
        for two in 0..100 {
            let code = format!("{two:02}0000");
            assert_eq!(
                parse_division_code(&code).is_ok(),
                expected.contains(&format!("{two:02}")),
                "{code}"
            );
        }
        assert_eq!(PROVINCES.iter().filter(|p| p.is_mainland()).count(), 31);
    }

    #[test]
    fn invalid_division_codes_name_the_rule() {
        let cases = [
            ("", Rule::Required),
            ("44010", Rule::Length),
            ("4401060", Rule::Length),
            ("44010A", Rule::Characters),
            ("440-106", Rule::Characters),
            ("160000", Rule::Region),
            ("990101", Rule::Region),
            ("000000", Rule::Region),
            ("440006", Rule::Pattern),
        ];
        for (input, rule) in cases {
            assert_eq!(
                parse_division_code(input),
                Err(FormatError::new(Format::DivisionCode, rule)),
                "{input}"
            );
        }
    }

    #[test]
    fn addresses_keep_province_prefecture_and_district() {
        let cases = [
            ("广东省广州市天河区天河路385号", "广东省广州市天河区****"),
            ("广东省 广州市 天河区 天河路 385 号", "广东省广州市天河区****"),
            ("北京市朝阳区建国路88号SOHO现代城5号楼", "北京市朝阳区****"),
            ("北京朝阳区望京街道阜通东大街6号", "北京朝阳区****"),
            ("上海市浦东新区世纪大道100号", "上海市浦东新区****"),
            ("重庆市万州区高笋塘1号", "重庆市万州区****"),
            (
                "内蒙古自治区呼和浩特市新城区新华大街1号",
                "内蒙古自治区呼和浩特市新城区****",
            ),
            (
                "新疆维吾尔自治区乌鲁木齐市天山区解放南路",
                "新疆维吾尔自治区乌鲁木齐市天山区****",
            ),
            ("吉林省延边朝鲜族自治州延吉市光明街", "吉林省延边朝鲜族自治州延吉市****"),
            ("新疆阿克苏地区库车市天山路", "新疆阿克苏地区库车市****"),
            ("内蒙古锡林郭勒盟锡林浩特市额尔敦路", "内蒙古锡林郭勒盟锡林浩特市****"),
            ("四川省乐山市峨边彝族自治县沙坪镇", "四川省乐山市峨边彝族自治县****"),
            ("山东省济南市市中区经十路", "山东省济南市市中区****"),
            ("浙江杭州西湖区文三路90号", "浙江杭州西湖区****"),
            ("广州市天河区体育西路", "广州市天河区****"),
            ("广东省东莞市南城街道鸿福路106号", "广东省东莞市****"),
            ("广东省东莞市阳光小区5栋", "广东省东莞市****"),
            ("广东省东莞市阳光小区东区3栋", "广东省东莞市****"),
            ("广东省天河区华景新城市场", "广东省天河区****"),
            ("广东省华景新城", "广东省****"),
            ("香港特别行政区九龙城区太子道西", "香港特别行政区九龙城区****"),
            ("广东省深圳市南山区", "广东省深圳市南山区"),
            ("朝阳门外大街1号", "****"),
            ("Room 5, 88 Jianguo Road, Beijing", "****"),
            ("", ""),
        ];
        for (input, masked) in cases {
            assert_eq!(mask_address(input), masked, "{input}");
        }
    }
}

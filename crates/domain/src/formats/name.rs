//! A person's name in one field: Chinese (`张三`, `欧阳娜娜`), with the separator dot of
//! minority and transliterated names (`阿卜杜拉·艾买提`), or in Latin letters (`John Smith`,
//! `O'Brien`, `Jean-Luc`, `J. R. R. Tolkien`).
//!
//! The name is trimmed, runs of spaces become one, the look-alike dots people type (`•`, `・`,
//! `‧`, or `.` between two Han characters) become `·` (U+00B7, as on identity cards) without
//! spaces around it. It then has 1 to 50 characters: letters of any script, combining accents,
//! spaces, `·`, and `'`, `’`, `-`, `.` for Latin names; no digits, no control characters, no
//! other symbols. It may not start or end with a separator or have two dots in a row.

use super::{Format, FormatError, Rule, debug_masked, halfwidth};

/// The most characters a name may have.
pub const MAX_NAME_CHARS: usize = 50;

/// A name that passed the checks, in its normalised form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonName {
    name: String,
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{20000}'..='\u{3134F}')
}

fn error(rule: Rule) -> FormatError {
    FormatError::new(Format::Name, rule)
}

/// Parses a name (see the module documentation for the rules).
pub fn parse_name(input: &str) -> Result<PersonName, FormatError> {
    let text = halfwidth(input);
    if text.is_empty() {
        return Err(error(Rule::Required));
    }
    if text.chars().any(|c| c.is_control()) {
        return Err(error(Rule::Characters));
    }
    let chars: Vec<char> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| match c {
            '•' | '‧' | '・' | '･' | '∙' | '⋅' => '·',
            other => other,
        })
        .collect();
    let mut name = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|j| chars.get(j));
        let after = chars.get(i + 1);
        match c {
            '.' if before.is_some_and(|b| is_han(*b)) && after.is_some_and(|a| is_han(*a)) => name.push('·'),
            ' ' if before == Some(&'·') || after == Some(&'·') => {}
            other => name.push(*other),
        }
    }
    if name.chars().any(char::is_numeric) {
        return Err(error(Rule::Characters));
    }
    let allowed =
        |c: char| c.is_alphabetic() || matches!(c, '\u{0300}'..='\u{036F}' | ' ' | '·' | '\'' | '’' | '-' | '.');
    if !name.chars().all(allowed) {
        return Err(error(Rule::Characters));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(error(Rule::Length));
    }
    let separator = |c: char| matches!(c, '·' | '\'' | '’' | '-' | '.');
    let first = name.chars().next().unwrap_or(' ');
    let last = name.chars().next_back().unwrap_or(' ');
    let well_formed = !separator(first)
        && (!separator(last) || last == '.')
        && !name.contains("··")
        && name.chars().any(char::is_alphabetic);
    if !well_formed {
        return Err(error(Rule::Pattern));
    }
    Ok(PersonName { name })
}

impl PersonName {
    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The first character and a star for each of the others: `欧****`, `张*`.
    pub fn masked(&self) -> String {
        crate::masking::mask_name(&self.name)
    }
}

debug_masked!(PersonName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_are_normalised() {
        let long = "a".repeat(MAX_NAME_CHARS);
        let cases = [
            ("张三", "张三"),
            ("  李四 ", "李四"),
            ("王", "王"),
            ("欧阳娜娜", "欧阳娜娜"),
            ("欧阳·娜娜", "欧阳·娜娜"),
            ("阿卜杜拉·艾买提", "阿卜杜拉·艾买提"),
            ("阿卜杜拉•艾买提", "阿卜杜拉·艾买提"),
            ("阿卜杜拉.艾买提", "阿卜杜拉·艾买提"),
            ("阿卜杜拉 · 艾买提", "阿卜杜拉·艾买提"),
            ("爱新觉罗・溥仪", "爱新觉罗·溥仪"),
            ("扎西·次仁", "扎西·次仁"),
            ("迪丽热巴·迪力木拉提", "迪丽热巴·迪力木拉提"),
            ("𠮷野", "𠮷野"),
            ("　陈　小明　", "陈 小明"),
            ("John Smith", "John Smith"),
            ("  John   Smith ", "John Smith"),
            ("Ｊｏｈｎ", "John"),
            ("O'Brien", "O'Brien"),
            ("Jean-Luc Picard", "Jean-Luc Picard"),
            ("J. R. R. Tolkien", "J. R. R. Tolkien"),
            ("Martin Luther King Jr.", "Martin Luther King Jr."),
            ("José Núñez", "José Núñez"),
            ("Jose\u{0301}", "Jose\u{0301}"),
            (long.as_str(), long.as_str()),
        ];
        for (input, normalised) in cases {
            let name = parse_name(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(name.as_str(), normalised, "{input}");
        }
    }

    #[test]
    fn invalid_names_name_the_rule() {
        let too_long = "王".repeat(MAX_NAME_CHARS + 1);
        let cases = [
            ("", Rule::Required),
            ("   ", Rule::Required),
            ("　", Rule::Required),
            ("张3", Rule::Characters),
            ("李四2号", Rule::Characters),
            ("王五①", Rule::Characters),
            ("王\u{0007}五", Rule::Characters),
            ("张\n三", Rule::Characters),
            ("张三@", Rule::Characters),
            ("<script>", Rule::Characters),
            ("张三（先生）", Rule::Characters),
            ("张_三", Rule::Characters),
            (too_long.as_str(), Rule::Length),
            ("·娜娜", Rule::Pattern),
            ("欧阳·", Rule::Pattern),
            ("欧阳··娜娜", Rule::Pattern),
            ("欧阳•·娜娜", Rule::Pattern),
            ("-", Rule::Pattern),
            ("'Brien", Rule::Pattern),
            ("Smith-", Rule::Pattern),
            (".", Rule::Pattern),
        ];
        for (input, rule) in cases {
            let got = parse_name(input).map(|n| n.masked());
            assert_eq!(got, Err(FormatError::new(Format::Name, rule)), "{input:?}");
        }
    }

    #[test]
    fn names_are_masked_to_their_first_character() {
        let cases = [
            ("欧阳·娜娜", "欧****"),
            ("张三", "张*"),
            ("王", "王*"),
            ("John Smith", "J*********"),
        ];
        for (input, masked) in cases {
            let name = parse_name(input).expect("valid");
            assert_eq!(name.masked(), masked, "{input}");
            assert_eq!(format!("{name:?}"), format!("PersonName({masked:?})"));
        }
    }
}

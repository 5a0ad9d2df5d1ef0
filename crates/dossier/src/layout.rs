//! The summary laid out on A4 pages: lines wrapped to their column, pages broken, headers of a
//! table repeated on each page it runs onto, page numbers in the footer. Pure: widths come from an
//! [`Advance`], so the unit tests use a made-up font and the PDF uses the real one.
//!
//! Coordinates are PDF points from the page's top left corner, y growing downwards (krilla's).
//! Lines break at spaces, and on either side of a CJK character since Chinese has no spaces;
//! closing punctuation never starts a line (it may hang into the margin instead) and opening
//! punctuation never ends one. A word wider than its column is cut wherever it has to be.

use crate::labels::Labels;
use crate::{Dossier, RecordLine};

/// The width of a character in em (multiply by the font size for points).
pub(crate) trait Advance {
    fn advance(&self, ch: char) -> f32;
}

pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const TOP: f32 = 56.0;
/// Nothing but the footer goes below this line.
const BOTTOM: f32 = PAGE_HEIGHT - 64.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 36.0;
const GUTTER: f32 = 10.0;
const TITLE_SIZE: f32 = 20.0;
const HEADING_SIZE: f32 = 13.0;
const RECORD_TITLE_SIZE: f32 = 11.0;
const BODY_SIZE: f32 = 10.0;
const SMALL_SIZE: f32 = 8.5;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.5;

/// One page's content, the footer included.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Page {
    pub(crate) texts: Vec<Text>,
    pub(crate) rules: Vec<Rule>,
}

/// A single line of text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text {
    pub(crate) x: f32,
    pub(crate) baseline: f32,
    pub(crate) size: f32,
    pub(crate) tone: Tone,
    pub(crate) content: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Ink,
    Muted,
}

/// A horizontal line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rule {
    pub(crate) x1: f32,
    pub(crate) x2: f32,
    pub(crate) y: f32,
    pub(crate) thickness: f32,
}

/// Lays out the whole summary.
pub(crate) fn lay_out(dossier: &Dossier, labels: &Labels, advance: &dyn Advance) -> Vec<Page> {
    let mut layouter = Layouter::new(advance);

    layouter.line(MARGIN, TITLE_SIZE, Tone::Ink, labels.title);
    layouter.space(4.0);
    let identity = [
        (labels.case_number, dossier.case_number.as_str()),
        (labels.case_id, dossier.case_id.as_str()),
        (labels.exported_by, dossier.exported_by.as_str()),
        (labels.exported_at, dossier.exported_at.as_str()),
    ];
    layouter.label_table(
        identity
            .iter()
            .map(|(label, value)| [label.to_string(), value.to_string()]),
    );
    layouter.rule(1.0);

    layouter.heading(labels.facts);
    if dossier.facts.is_empty() {
        layouter.paragraph(MARGIN, CONTENT_WIDTH, BODY_SIZE, Tone::Muted, labels.none);
    } else {
        layouter.label_table(
            dossier
                .facts
                .iter()
                .map(|(label, value)| [label.clone(), value.clone()]),
        );
    }

    layouter.heading(labels.deadlines);
    if dossier.deadlines.is_empty() {
        layouter.paragraph(MARGIN, CONTENT_WIDTH, BODY_SIZE, Tone::Muted, labels.none);
    } else {
        let columns = [(labels.kind, 0.4), (labels.due_at, 0.3), (labels.state, 0.3)];
        let rows = dossier.deadlines.iter().map(|deadline| {
            let state = match deadline.provisional {
                true => format!("{}{}", deadline.state, labels.provisional),
                false => deadline.state.clone(),
            };
            vec![deadline.kind.clone(), deadline.due_at.clone(), state]
        });
        layouter.table(&columns, rows);
    }

    layouter.heading(labels.timeline);
    if dossier.timeline.is_empty() {
        layouter.paragraph(MARGIN, CONTENT_WIDTH, BODY_SIZE, Tone::Muted, labels.none);
    } else {
        let columns = [
            (labels.at, 0.32),
            (labels.service, 0.13),
            (labels.action, 0.37),
            (labels.actor, 0.18),
        ];
        let rows = dossier.timeline.iter().map(|entry| {
            vec![
                entry.at.clone(),
                entry.service.clone(),
                entry.action.clone(),
                entry.actor.clone(),
            ]
        });
        layouter.table(&columns, rows);
    }

    layouter.heading(labels.records);
    if dossier.records.is_empty() {
        layouter.paragraph(MARGIN, CONTENT_WIDTH, BODY_SIZE, Tone::Muted, labels.none);
    }
    for record in &dossier.records {
        layouter.record(record, labels);
    }

    layouter.finish(labels, &dossier.case_number)
}

/// Wraps `text` set at `size` into lines no wider than `width` (closing punctuation may hang over
/// by one character). Line breaks in the text are kept; tabs become spaces and other control
/// characters are dropped. Always returns at least one line.
pub(crate) fn wrap(text: &str, width: f32, size: f32, advance: &dyn Advance) -> Vec<String> {
    let cleaned: String = text
        .replace("\r\n", "\n")
        .chars()
        .filter_map(|ch| match ch {
            '\t' => Some(' '),
            '\r' => Some('\n'),
            '\n' => Some('\n'),
            ch if ch.is_control() => None,
            ch => Some(ch),
        })
        .collect();
    let measure = |line: &str| line.chars().map(|ch| advance.advance(ch) * size).sum::<f32>();

    let mut lines = Vec::new();
    for paragraph in cleaned.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        // Where in `line` a new line may start.
        let mut break_at: Option<usize> = None;
        let mut previous: Option<char> = None;
        let mut wrapped = false;
        for ch in paragraph.chars() {
            if wrapped && line.is_empty() && ch == ' ' {
                continue;
            }
            if let Some(previous) = previous
                && can_break_between(previous, ch)
            {
                break_at = Some(line.len());
            }
            let ch_width = advance.advance(ch) * size;
            if line_width + ch_width > width && !line.is_empty() && ch != ' ' && !is_closing(ch) {
                let rest = match break_at.filter(|at| *at > 0) {
                    Some(at) => line.split_off(at).trim_start().to_string(),
                    None => String::new(),
                };
                lines.push(line.trim_end().to_string());
                line = rest;
                line_width = measure(&line);
                break_at = None;
                wrapped = true;
            }
            line.push(ch);
            line_width += ch_width;
            previous = Some(ch);
        }
        lines.push(line.trim_end().to_string());
    }
    while lines.len() > 1 && lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

fn can_break_between(previous: char, next: char) -> bool {
    if next == ' ' || is_closing(next) || is_opening(previous) {
        return false;
    }
    previous == ' ' || is_wide(previous) || is_wide(next) || is_opening(next)
}

/// Characters of the scripts written without spaces (CJK ideographs, kana, hangul) and fullwidth
/// forms.
fn is_wide(ch: char) -> bool {
    matches!(ch,
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{20000}'..='\u{3FFFD}')
}

/// Punctuation that must not start a line.
const CLOSING: &str = "，。、；：？！）》」』】〕〉”’…—·％,.;:?!)]}%";
/// Punctuation that must not end a line.
const OPENING: &str = "（《「『【〔〈“‘([{";

fn is_closing(ch: char) -> bool {
    CLOSING.contains(ch)
}

fn is_opening(ch: char) -> bool {
    OPENING.contains(ch)
}

struct Layouter<'a> {
    advance: &'a dyn Advance,
    pages: Vec<Page>,
    /// The top of the next line.
    y: f32,
    /// The header of the table being laid out, repeated on each new page.
    table_header: Option<Vec<(f32, String)>>,
}

impl<'a> Layouter<'a> {
    fn new(advance: &'a dyn Advance) -> Self {
        Layouter {
            advance,
            pages: vec![Page::default()],
            y: TOP,
            table_header: None,
        }
    }

    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn room(&self) -> f32 {
        BOTTOM - self.y
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = TOP;
        if let Some(header) = self.table_header.clone() {
            self.draw_table_header(&header);
        }
    }

    /// Starts a new page unless `height` fits on this one (or this one is still empty).
    fn ensure(&mut self, height: f32) {
        if height > self.room() && self.y > TOP {
            self.new_page();
        }
    }

    fn space(&mut self, height: f32) {
        self.y += height;
    }

    /// Puts one line of text at the current position without moving on.
    fn text(&mut self, x: f32, size: f32, tone: Tone, content: &str) {
        let baseline = self.y + size;
        self.page().texts.push(Text {
            x,
            baseline,
            size,
            tone,
            content: content.to_string(),
        });
    }

    fn line(&mut self, x: f32, size: f32, tone: Tone, content: &str) {
        self.ensure(size * LEADING);
        self.text(x, size, tone, content);
        self.y += size * LEADING;
    }

    fn paragraph(&mut self, x: f32, width: f32, size: f32, tone: Tone, content: &str) {
        for line in wrap(content, width, size, self.advance) {
            self.line(x, size, tone, &line);
        }
    }

    fn rule(&mut self, thickness: f32) {
        let y = self.y;
        self.page().rules.push(Rule {
            x1: MARGIN,
            x2: PAGE_WIDTH - MARGIN,
            y,
            thickness,
        });
        self.y += 6.0;
    }

    /// A section heading, kept on the page with the first lines that follow it.
    fn heading(&mut self, content: &str) {
        self.space(HEADING_SIZE);
        self.ensure(HEADING_SIZE * LEADING + 6.0 + SMALL_SIZE * LEADING + 2.0 * BODY_SIZE * LEADING);
        self.line(MARGIN, HEADING_SIZE, Tone::Ink, content);
        self.rule(0.5);
    }

    /// Two columns without a header: a muted label and its value.
    fn label_table(&mut self, rows: impl Iterator<Item = [String; 2]>) {
        let columns = columns(&[0.25, 0.75]);
        for row in rows {
            self.row(&columns, &row, true);
        }
    }

    /// A table with a header row, which is repeated on every page the table runs onto.
    fn table(&mut self, titles_and_fractions: &[(&str, f32)], rows: impl Iterator<Item = Vec<String>>) {
        let fractions: Vec<f32> = titles_and_fractions.iter().map(|(_, fraction)| *fraction).collect();
        let columns = columns(&fractions);
        let header: Vec<(f32, String)> = columns
            .iter()
            .zip(titles_and_fractions)
            .map(|((x, _), (title, _))| (*x, title.to_string()))
            .collect();
        self.ensure(SMALL_SIZE * LEADING + 4.0 + BODY_SIZE * LEADING);
        self.draw_table_header(&header);
        self.table_header = Some(header);
        for row in rows {
            self.row(&columns, &row, false);
        }
        self.table_header = None;
    }

    fn draw_table_header(&mut self, header: &[(f32, String)]) {
        for (x, title) in header {
            self.text(*x, SMALL_SIZE, Tone::Muted, title);
        }
        self.y += SMALL_SIZE * LEADING;
        let y = self.y;
        self.page().rules.push(Rule {
            x1: MARGIN,
            x2: PAGE_WIDTH - MARGIN,
            y,
            thickness: 0.3,
        });
        self.y += 4.0;
    }

    /// One row of wrapped cells; a row that fits on a page is not split, a longer one continues
    /// line by line on the next page.
    fn row(&mut self, columns: &[(f32, f32)], cells: &[String], first_column_muted: bool) {
        let wrapped: Vec<Vec<String>> = columns
            .iter()
            .zip(cells)
            .map(|((_, width), cell)| wrap(cell, *width, BODY_SIZE, self.advance))
            .collect();
        let n_lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let line_height = BODY_SIZE * LEADING;
        let height = n_lines as f32 * line_height;
        let header_height = match self.table_header {
            Some(_) => SMALL_SIZE * LEADING + 4.0,
            None => 0.0,
        };
        if height > self.room() && height <= BOTTOM - TOP - header_height {
            self.new_page();
        }
        for line_index in 0..n_lines {
            self.ensure(line_height);
            for (column_index, ((x, _), lines)) in columns.iter().zip(&wrapped).enumerate() {
                let tone = match first_column_muted && column_index == 0 {
                    true => Tone::Muted,
                    false => Tone::Ink,
                };
                if let Some(line) = lines.get(line_index) {
                    self.text(*x, BODY_SIZE, tone, line);
                }
            }
            self.y += line_height;
        }
        self.y += 3.0;
    }

    /// A record: its kind and number, who and when, then its summary.
    fn record(&mut self, record: &RecordLine, labels: &Labels) {
        let title = format!("{} #{}", record.kind, record.n);
        let meta = [
            (labels.state, &record.state),
            (labels.at, &record.at),
            (labels.by, &record.by),
        ]
        .iter()
        .map(|(label, value)| format!("{label}{}{value}", labels.colon))
        .collect::<Vec<_>>()
        .join(labels.pair_separator);
        self.space(4.0);
        self.ensure(RECORD_TITLE_SIZE * LEADING + SMALL_SIZE * LEADING + 2.0 * BODY_SIZE * LEADING);
        self.line(MARGIN, RECORD_TITLE_SIZE, Tone::Ink, &title);
        self.paragraph(MARGIN, CONTENT_WIDTH, SMALL_SIZE, Tone::Muted, &meta);
        self.space(2.0);
        self.paragraph(MARGIN, CONTENT_WIDTH, BODY_SIZE, Tone::Ink, &record.summary);
    }

    /// Adds the footer (case number, "page n of m") to every page.
    fn finish(mut self, labels: &Labels, case_number: &str) -> Vec<Page> {
        let n_pages = self.pages.len();
        for (index, page) in self.pages.iter_mut().enumerate() {
            let page_of = labels.page_of(index + 1, n_pages);
            let width: f32 = page_of.chars().map(|ch| self.advance.advance(ch) * SMALL_SIZE).sum();
            let footer = |x: f32, content: String| Text {
                x,
                baseline: FOOTER_BASELINE,
                size: SMALL_SIZE,
                tone: Tone::Muted,
                content,
            };
            page.texts.push(footer(PAGE_WIDTH - MARGIN - width, page_of));
            page.texts.push(footer(MARGIN, case_number.to_string()));
        }
        self.pages
    }
}

/// The left edge and width of each column for the given fractions of the content width.
fn columns(fractions: &[f32]) -> Vec<(f32, f32)> {
    let gutters = GUTTER * fractions.len().saturating_sub(1) as f32;
    let mut x = MARGIN;
    fractions
        .iter()
        .map(|fraction| {
            let width = (CONTENT_WIDTH - gutters) * fraction;
            let column = (x, width);
            x += width + GUTTER;
            column
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::for_language;
    use crate::{DeadlineLine, Language, TimelineLine};

    /// A font where wide characters are 1 em and everything else half.
    struct Monospace;

    impl Advance for Monospace {
        fn advance(&self, ch: char) -> f32 {
            if is_wide(ch) { 1.0 } else { 0.5 }
        }
    }

    fn wrap10(text: &str, width: f32) -> Vec<String> {
        wrap(text, width, 10.0, &Monospace)
    }

    #[test]
    fn chinese_wraps_per_character() {
        let lines = wrap10("我于二零二零年购买的汽车发动机舱异响", 50.0);
        assert_eq!(lines, ["我于二零二", "零年购买的", "汽车发动机", "舱异响"]);
    }

    #[test]
    fn english_wraps_at_spaces() {
        let lines = wrap10("the dealer refused the warranty repair", 100.0);
        assert_eq!(lines, ["the dealer refused", "the warranty repair"]);
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut() {
        let lines = wrap10("abcdefghijklmnop", 30.0);
        assert_eq!(lines, ["abcdef", "ghijkl", "mnop"]);
    }

    #[test]
    fn mixed_text_breaks_between_scripts() {
        let lines = wrap10("吉利帝豪 4S店拒绝保修", 60.0);
        assert_eq!(lines, ["吉利帝豪 4S", "店拒绝保修"]);
    }

    #[test]
    fn closing_punctuation_hangs_instead_of_starting_a_line() {
        let lines = wrap10("车内异响严重，无法行驶", 60.0);
        assert_eq!(lines, ["车内异响严重，", "无法行驶"]);
    }

    #[test]
    fn opening_punctuation_does_not_end_a_line() {
        let lines = wrap10("一二三四五《规定》", 60.0);
        assert_eq!(lines, ["一二三四五", "《规定》"]);
    }

    #[test]
    fn line_breaks_are_kept_and_control_characters_dropped() {
        let lines = wrap10("first\r\nsecond\u{7}\tthird\n\n", 500.0);
        assert_eq!(lines, ["first", "second third"]);
        assert_eq!(wrap10("", 100.0), [""]);
    }

    fn dossier(n_records: usize) -> Dossier {
        Dossier {
            language: Language::En,
            case_id: "c-1".into(),
            case_number: "TS-2026-000042".into(),
            exported_by: "staff-7".into(),
            exported_at: "2026-03-02T10:00:00+08:00".into(),
            facts: vec![("Status".into(), "Investigating".into())],
            deadlines: vec![DeadlineLine {
                kind: "resolve".into(),
                due_at: "2026-03-20T18:00:00+08:00".into(),
                state: "running".into(),
                provisional: true,
            }],
            timeline: (0..60)
                .map(|index| TimelineLine {
                    at: format!("2026-03-01T09:{:02}:00+08:00", index % 60),
                    service: "routing".into(),
                    action: "assigned to the complaints desk of the regional office".into(),
                    actor: "staff-7".into(),
                })
                .collect(),
            records: (0..n_records)
                .map(|index| RecordLine {
                    kind: "finding".into(),
                    n: index as i64 + 1,
                    state: "approved".into(),
                    at: "2026-03-02T09:00:00+08:00".into(),
                    by: "staff-9".into(),
                    summary: "发动机舱异响，经销商拒绝保修。".repeat(40),
                })
                .collect(),
            letters: Vec::new(),
            materials: Vec::new(),
            data: Vec::new(),
        }
    }

    #[test]
    fn long_content_breaks_onto_numbered_pages_within_the_margins() {
        let pages = lay_out(&dossier(10), for_language(Language::En), &Monospace);
        assert!(pages.len() > 2, "{} pages", pages.len());
        for (index, page) in pages.iter().enumerate() {
            let expected = format!("Page {} of {}", index + 1, pages.len());
            assert!(
                page.texts.iter().any(|text| text.content == expected),
                "page {index} lacks {expected:?}"
            );
            for text in &page.texts {
                let width: f32 = text.content.chars().map(|ch| Monospace.advance(ch) * text.size).sum();
                assert!(
                    text.x >= MARGIN && text.x + width <= PAGE_WIDTH - MARGIN + text.size,
                    "{text:?}"
                );
                assert!(text.baseline <= BOTTOM || text.baseline == FOOTER_BASELINE, "{text:?}");
            }
        }
    }

    #[test]
    fn a_table_repeats_its_header_on_the_next_page() {
        let pages = lay_out(&dossier(0), for_language(Language::En), &Monospace);
        let with_header = pages
            .iter()
            .filter(|page| page.texts.iter().any(|text| text.content == "Actor"))
            .count();
        assert!(
            pages.len() >= 2 && with_header >= 2,
            "{} pages, {with_header} with the header",
            pages.len()
        );
    }

    #[test]
    fn empty_sections_say_so() {
        let mut empty = dossier(0);
        empty.timeline.clear();
        empty.deadlines.clear();
        let pages = lay_out(&empty, for_language(Language::Zh), &Monospace);
        assert_eq!(pages.len(), 1);
        let texts: Vec<&str> = pages[0].texts.iter().map(|text| text.content.as_str()).collect();
        assert_eq!(texts.iter().filter(|text| **text == "（无）").count(), 3, "{texts:?}");
        assert!(texts.contains(&"第 1 页，共 1 页"), "{texts:?}");
    }
}

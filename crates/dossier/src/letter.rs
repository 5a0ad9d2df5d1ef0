//! Printable letters to complainants (受理告知书, 不予受理告知书, 延期处理告知书, 处理结果告知书 …) as
//! A4 PDFs. The caller writes the words, amounts in capitals and localized dates included; this
//! module sets them like an official letter: the organisation's name as a letterhead over a rule,
//! the title centred and larger, the case number under it, the salutation, the body, the closing,
//! then the signature and the date (on the right in a Chinese letter, where a seal goes), and a
//! footer with the contact line and, when the letter runs past one page, page numbers.
//!
//! Chinese paragraphs start with an indent of two full-width characters, wrap per character and
//! are justified (each line but the last stretched to the right edge by a little space between
//! characters); English paragraphs are ragged-right blocks separated by half a blank line. No page starts with the last line
//! of a paragraph or ends with its first, and the signature never stands alone on a page: it keeps
//! the closing and the last two lines of the body with it.
//!
//! The font ([`Fonts`]), the wrapping ([`wrap`]) and the page size are the summary's. The pages
//! are laid out here rather than by the summary's `Layouter`, which knows tables but not centred
//! or right-aligned lines nor lines that must stay together: this module places the letter's
//! parts, `flow` cuts them into pages, and `draw` draws them (the summary's renderer is tied to the
//! dossier's metadata).

mod draw;
mod flow;

use self::flow::Flow;
use crate::layout::{Advance, PAGE_HEIGHT, PAGE_WIDTH, wrap};
use crate::{Error, Fonts, Language, labels};

/// A formal letter to a complainant, its text already written in the letter's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The language of the letter's conventions (indents, alignment) and of the few words this
    /// module adds ("投诉单号：", "Page 1 of 2").
    pub language: Language,
    /// The letterhead: the organisation's name (广州天河比亚迪4S店, a bank branch …).
    pub organisation: String,
    /// 处理结果告知书 / Notice of the result of your complaint.
    pub title: String,
    /// The case number, printed under the title after "投诉单号：" or "Case number: ".
    pub reference: String,
    /// 王芳女士： / Dear Ms Wang,
    pub salutation: String,
    /// The body. A line break inside a paragraph starts a new paragraph; leading spaces (an indent
    /// typed by hand) are dropped, since Chinese paragraphs get their indent here.
    pub paragraphs: Vec<String>,
    /// 特此告知。 / Yours sincerely,
    pub closing: String,
    /// The organisation signing; right-aligned in a Chinese letter.
    pub signature: String,
    /// Already localized (2026年12月5日 / 5 December 2026); under the signature, aligned with it.
    pub date: String,
    /// A footer line on every page, such as 咨询电话：400-800-1234.
    pub contact: Option<String>,
}

/// The letter as an A4 PDF with the glyphs it uses embedded (a subset of the font). The same
/// letter gives the same bytes: the PDF carries no creation date and krilla derives its document
/// id from the content. CPU work (font subsetting): call it from `spawn_blocking`.
///
/// # Errors
///
/// [`Error::Pdf`] when krilla cannot write the PDF (for example, it cannot subset the font).
pub fn letter_pdf(letter: &Letter, fonts: &Fonts) -> Result<Vec<u8>, Error> {
    let metrics = fonts.metrics()?;
    let pages = lay_out(letter, &metrics);
    draw::render(&pages, letter, fonts, &metrics)
}

/// Millimetres in PDF points.
const MM: f32 = 72.0 / 25.4;
/// The margins of GB/T 9704 (28 mm left, 26 mm right); less at the top and bottom, where the
/// letterhead and the footer sit.
const LEFT: f32 = 28.0 * MM;
const RIGHT: f32 = PAGE_WIDTH - 26.0 * MM;
const WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = 25.0 * MM;
/// The body goes no lower than this (less when a long contact line needs more room).
const BOTTOM: f32 = PAGE_HEIGHT - 27.0 * MM;
const CONTACT_BASELINE: f32 = PAGE_HEIGHT - 17.0 * MM;
const PAGE_NUMBER_BASELINE: f32 = PAGE_HEIGHT - 11.0 * MM;
/// The title and case number repeated at the top of the second and later pages.
const RUNNING_HEAD_BASELINE: f32 = TOP - 16.0;

const LETTERHEAD_SIZE: f32 = 16.0;
const TITLE_SIZE: f32 = 20.0;
const REFERENCE_SIZE: f32 = 10.5;
const BODY_SIZE: f32 = 12.0;
const SMALL_SIZE: f32 = 9.0;

/// A page of the letter, the letterhead, running head and footer included.
#[derive(Debug, Default, Clone, PartialEq)]
struct LetterPage {
    lines: Vec<Line>,
    rules: Vec<Rule>,
}

/// One line of text placed on a page.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    x: f32,
    baseline: f32,
    size: f32,
    ink: Ink,
    content: String,
    /// Extra space after each character but the last, in points: a justified line is stretched
    /// to the right edge of the text block.
    spacing: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ink {
    Body,
    /// Heavier: the letterhead and the title (the font has one weight, so it is outlined too).
    Strong,
    /// Grey: the case number, the running head and the footer.
    Muted,
}

/// A horizontal rule across the text block.
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    y: f32,
    thickness: f32,
}

/// The conventions of a letter in one language.
struct Conventions {
    reference_label: &'static str,
    /// Line height of the body as a multiple of its size.
    leading: f32,
    /// Extra space before each paragraph after the first, as a multiple of the body's size.
    paragraph_gap: f32,
    /// Chinese paragraphs (the closing too) start two full-width characters in.
    first_line_indent: bool,
    /// Chinese paragraphs are justified: each line but the last stretched to the right edge.
    justify: bool,
    /// Chinese letters put the signature and date on the right, two characters in from the edge.
    signature_on_the_right: bool,
    /// Room above the signature (for a seal or a hand), as a multiple of the body's line height.
    signature_gap: f32,
}

static ZH: Conventions = Conventions {
    reference_label: "投诉单号：",
    leading: 1.8,
    paragraph_gap: 0.0,
    first_line_indent: true,
    justify: true,
    signature_on_the_right: true,
    signature_gap: 1.5,
};

static EN: Conventions = Conventions {
    reference_label: "Case number: ",
    leading: 1.5,
    paragraph_gap: 0.75,
    first_line_indent: false,
    justify: false,
    signature_on_the_right: false,
    signature_gap: 2.5,
};

fn conventions(language: Language) -> &'static Conventions {
    match language {
        Language::Zh => &ZH,
        Language::En => &EN,
    }
}

/// Lays the letter out on as many pages as it needs.
fn lay_out(letter: &Letter, advance: &dyn Advance) -> Vec<LetterPage> {
    let conventions = conventions(letter.language);
    let body_line = BODY_SIZE * conventions.leading;
    let mut flow = Flow::new(advance);

    flow.centred(&letter.organisation, LETTERHEAD_SIZE, Ink::Strong, 0.0);
    flow.rule(6.0, 1.0);
    flow.centred(&letter.title, TITLE_SIZE, Ink::Strong, 22.0);
    if !letter.reference.trim().is_empty() {
        let reference = format!("{}{}", conventions.reference_label, letter.reference.trim());
        flow.centred(&reference, REFERENCE_SIZE, Ink::Muted, 2.0);
    }

    let mut space_before = 20.0;
    if !letter.salutation.trim().is_empty() {
        flow.left(&letter.salutation, conventions, space_before);
        flow.keep_last_with_next();
        space_before = conventions.paragraph_gap * BODY_SIZE;
    }
    let paragraphs = letter
        .paragraphs
        .iter()
        .flat_map(|paragraph| paragraph.lines())
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty());
    for paragraph in paragraphs {
        flow.paragraph(paragraph, conventions, space_before);
        space_before = conventions.paragraph_gap * BODY_SIZE;
    }
    // The end of the body (the last paragraph's last two lines, or its only one) goes where the
    // closing and the signature go.
    flow.keep_last_with_next();

    if !letter.closing.trim().is_empty() {
        flow.paragraph(
            letter.closing.trim(),
            conventions,
            conventions.paragraph_gap * BODY_SIZE,
        );
        flow.keep_last_with_next();
    }
    let mut space_before = conventions.signature_gap * body_line;
    for part in [&letter.signature, &letter.date] {
        if part.trim().is_empty() {
            continue;
        }
        let first = flow.len();
        match conventions.signature_on_the_right {
            true => flow.right(part.trim(), conventions, space_before),
            false => flow.left(part.trim(), conventions, space_before),
        }
        flow.keep_together_from(first);
        space_before = 0.0;
    }

    let contact = letter
        .contact
        .as_deref()
        .map(str::trim)
        .filter(|contact| !contact.is_empty());
    let contact_lines = match contact {
        Some(contact) => wrap(contact, WIDTH, SMALL_SIZE, advance),
        None => Vec::new(),
    };
    let contact_top = CONTACT_BASELINE - contact_lines.len() as f32 * SMALL_SIZE * 1.4;
    let bottom = BOTTOM.min(contact_top - 10.0);
    let mut pages = flow.paginate(bottom);

    let n_pages = pages.len();
    let labels = labels::for_language(letter.language);
    for (index, page) in pages.iter_mut().enumerate() {
        if index > 0 {
            running_head(page, letter, conventions, advance);
        }
        if !contact_lines.is_empty() {
            page.rules.push(Rule {
                y: contact_top - 2.0,
                thickness: 0.4,
            });
        }
        for (line_index, content) in contact_lines.iter().enumerate() {
            let baseline = CONTACT_BASELINE - (contact_lines.len() - 1 - line_index) as f32 * SMALL_SIZE * 1.4;
            page.lines
                .push(centred_line(content, SMALL_SIZE, Ink::Muted, baseline, advance));
        }
        if n_pages > 1 {
            let page_of = labels.page_of(index + 1, n_pages);
            page.lines.push(centred_line(
                &page_of,
                SMALL_SIZE,
                Ink::Muted,
                PAGE_NUMBER_BASELINE,
                advance,
            ));
        }
    }
    pages
}

/// The title on the left and the case number on the right, over a thin rule.
fn running_head(page: &mut LetterPage, letter: &Letter, conventions: &Conventions, advance: &dyn Advance) {
    let reference = match letter.reference.trim() {
        "" => String::new(),
        reference => format!("{}{reference}", conventions.reference_label),
    };
    let reference_width = width_of(&reference, SMALL_SIZE, advance);
    let title_room = (WIDTH - reference_width - 2.0 * SMALL_SIZE).max(0.0);
    let title = wrap(letter.title.trim(), title_room, SMALL_SIZE, advance)
        .into_iter()
        .next()
        .unwrap_or_default();
    let head = |x: f32, content: String| Line {
        x,
        baseline: RUNNING_HEAD_BASELINE,
        size: SMALL_SIZE,
        ink: Ink::Muted,
        content,
        spacing: 0.0,
    };
    page.lines.push(head(LEFT, title));
    page.lines.push(head(RIGHT - reference_width, reference));
    page.rules.push(Rule {
        y: RUNNING_HEAD_BASELINE + 5.0,
        thickness: 0.4,
    });
}

fn centred_line(content: &str, size: f32, ink: Ink, baseline: f32, advance: &dyn Advance) -> Line {
    Line {
        x: LEFT + (WIDTH - width_of(content, size, advance)) / 2.0,
        baseline,
        size,
        ink,
        content: content.to_string(),
        spacing: 0.0,
    }
}

fn width_of(content: &str, size: f32, advance: &dyn Advance) -> f32 {
    content.chars().map(|ch| advance.advance(ch) * size).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A font where characters outside ASCII are 1 em wide and ASCII ones half.
    struct Monospace;

    impl Advance for Monospace {
        fn advance(&self, ch: char) -> f32 {
            if ch.is_ascii() { 0.5 } else { 1.0 }
        }
    }

    fn letter(language: Language, paragraphs: Vec<String>) -> Letter {
        Letter {
            language,
            organisation: "广州天河比亚迪4S店".into(),
            title: "处理结果告知书".into(),
            reference: "TS-2026-000042".into(),
            salutation: "王芳女士：".into(),
            paragraphs,
            closing: "特此告知。".into(),
            signature: "广州天河比亚迪4S店".into(),
            date: "2026年12月5日".into(),
            contact: Some("咨询电话：400-800-1234".into()),
        }
    }

    fn find<'p>(pages: &'p [LetterPage], content: &str) -> (usize, &'p Line) {
        pages
            .iter()
            .enumerate()
            .find_map(|(index, page)| {
                page.lines
                    .iter()
                    .find(|line| line.content == content)
                    .map(|line| (index, line))
            })
            .unwrap_or_else(|| panic!("{content:?} is on no page"))
    }

    #[test]
    fn a_chinese_paragraph_starts_two_characters_in_and_wraps_to_the_text_block() {
        let paragraph = "经调查，您反映的车辆发动机舱异响问题属实。".repeat(6);
        let pages = lay_out(&letter(Language::Zh, vec![format!("　　{paragraph}")]), &Monospace);
        assert_eq!(pages.len(), 1);
        let body: Vec<&Line> = pages[0].lines.iter().filter(|line| line.size == BODY_SIZE).collect();
        let first = body
            .iter()
            .position(|line| line.content.starts_with("经调查"))
            .expect("the first line");
        assert_eq!(body[first].x, LEFT + 2.0 * BODY_SIZE, "{:?}", body[first]);
        let second = body[first + 1];
        assert_eq!(second.x, LEFT, "{second:?}");
        let n_gaps = second.content.chars().count() as f32 - 1.0;
        let stretched = width_of(&second.content, BODY_SIZE, &Monospace) + n_gaps * second.spacing;
        assert!(
            second.spacing > 0.0 && (second.x + stretched - RIGHT).abs() < 0.01,
            "justified: {second:?}"
        );
        let last = body
            .iter()
            .rev()
            .find(|line| paragraph.ends_with(&line.content))
            .expect("the paragraph's last line");
        assert_eq!(last.spacing, 0.0, "the last line is not stretched: {last:?}");
        for line in &pages[0].lines {
            let width = width_of(&line.content, line.size, &Monospace);
            assert!(line.x >= LEFT && line.x + width <= RIGHT + line.size, "{line:?}");
        }
        let text: String = body.iter().map(|line| line.content.as_str()).collect();
        assert!(
            text.contains(&paragraph),
            "the typed indent is dropped and nothing else: {text}"
        );
    }

    #[test]
    fn a_chinese_signature_and_date_are_right_aligned_and_an_english_one_left() {
        let chinese = lay_out(&letter(Language::Zh, vec!["您好。".into()]), &Monospace);
        let (_, date) = find(&chinese, "2026年12月5日");
        let right = RIGHT - 2.0 * BODY_SIZE;
        assert_eq!(date.x + width_of(&date.content, BODY_SIZE, &Monospace), right);
        let signature = chinese[0]
            .lines
            .iter()
            .rfind(|line| line.content == "广州天河比亚迪4S店")
            .expect("the signature");
        assert!((signature.x + width_of(&signature.content, BODY_SIZE, &Monospace) - right).abs() < 0.01);
        assert!(signature.baseline < date.baseline);

        let mut english = letter(Language::En, vec!["Thank you for your patience.".into()]);
        english.date = "5 December 2026".into();
        let pages = lay_out(&english, &Monospace);
        assert_eq!(find(&pages, "5 December 2026").1.x, LEFT);
        assert_eq!(find(&pages, "Thank you for your patience.").1.x, LEFT);
        assert_eq!(find(&pages, "Case number: TS-2026-000042").1.size, REFERENCE_SIZE);
    }

    #[test]
    fn the_title_is_centred_and_larger_than_the_body() {
        let pages = lay_out(&letter(Language::Zh, vec!["您好。".into()]), &Monospace);
        let (_, title) = find(&pages, "处理结果告知书");
        assert_eq!(title.size, TITLE_SIZE);
        let width = width_of(&title.content, TITLE_SIZE, &Monospace);
        assert!((title.x - LEFT - (RIGHT - title.x - width)).abs() < 0.01, "{title:?}");
        assert_eq!(find(&pages, "投诉单号：TS-2026-000042").0, 0);
    }

    #[test]
    fn a_one_page_letter_has_no_page_numbers_and_a_long_one_has_them_on_every_page() {
        let short = lay_out(&letter(Language::Zh, vec!["您好。".into()]), &Monospace);
        assert_eq!(short.len(), 1);
        assert!(short[0].lines.iter().all(|line| !line.content.contains('页')));
        assert!(
            short[0]
                .lines
                .iter()
                .any(|line| line.content == "咨询电话：400-800-1234")
        );

        let long = lay_out(
            &letter(Language::Zh, vec!["车辆异响问题已处理完毕。".repeat(200)]),
            &Monospace,
        );
        assert!(long.len() >= 2, "{} pages", long.len());
        for (index, page) in long.iter().enumerate() {
            let page_of = format!("第 {} 页，共 {} 页", index + 1, long.len());
            assert!(
                page.lines.iter().any(|line| line.content == page_of),
                "page {index} lacks {page_of}"
            );
            assert!(page.lines.iter().any(|line| line.content == "咨询电话：400-800-1234"));
            for line in page.lines.iter().filter(|line| line.size == BODY_SIZE) {
                assert!(line.baseline <= BOTTOM && line.baseline >= TOP, "{line:?}");
            }
        }
        assert!(
            long[1]
                .lines
                .iter()
                .any(|line| line.baseline == RUNNING_HEAD_BASELINE && line.content == "处理结果告知书")
        );
    }

    #[test]
    fn the_signature_never_stands_alone_on_a_page() {
        // Enough one-line paragraphs to push the signature block over the first page's end,
        // whatever the exact count that fills a page.
        let mut n_on_the_second_page = 0;
        for n_paragraphs in 18..32 {
            let paragraphs = (0..n_paragraphs).map(|index| format!("第{index}段。")).collect();
            let pages = lay_out(&letter(Language::Zh, paragraphs), &Monospace);
            let (date_page, _) = find(&pages, "2026年12月5日");
            if date_page == 1 {
                n_on_the_second_page += 1;
            }
            let (closing_page, _) = find(&pages, "特此告知。");
            let last = format!("第{}段。", n_paragraphs - 1);
            let (last_page, _) = find(&pages, &last);
            assert_eq!(
                (closing_page, last_page),
                (date_page, date_page),
                "{n_paragraphs} paragraphs"
            );
        }
        assert!(n_on_the_second_page > 0, "no letter was long enough to test");
    }

    #[test]
    fn a_paragraph_leaves_neither_its_first_nor_its_last_line_alone() {
        let mut n_split = 0;
        for n_filler in 10..30 {
            let mut paragraphs: Vec<String> = (0..n_filler).map(|index| format!("第{index}段。")).collect();
            // Five lines, then a short paragraph so that the signature block does not pull them.
            paragraphs.push("长".repeat(36 * 5));
            paragraphs.extend((0..4).map(|index| format!("第{index}条。")));
            let pages = lay_out(&letter(Language::Zh, paragraphs), &Monospace);
            let per_page: Vec<usize> = pages
                .iter()
                .map(|page| page.lines.iter().filter(|line| line.content.starts_with('长')).count())
                .collect();
            assert!(per_page.iter().all(|n| *n == 0 || *n >= 2), "{n_filler}: {per_page:?}");
            if per_page.iter().filter(|n| **n > 0).count() > 1 {
                n_split += 1;
            }
        }
        assert!(n_split > 0, "the paragraph never ran over a page end");
    }
}

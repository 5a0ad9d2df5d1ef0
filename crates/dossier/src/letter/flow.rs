//! The letter as a column of lines ([`Flow`]) and its cut into pages: lines that must stay
//! together (a paragraph's first two and last two, the signature block with the end of the body)
//! move to the next page together.

use super::{BODY_SIZE, Conventions, Ink, LEFT, LetterPage, Line, RIGHT, Rule, TOP, WIDTH, width_of};
use crate::layout::{Advance, wrap};

/// A line waiting to be placed on a page.
struct Piece {
    /// Space above the line, dropped at the top of a page.
    space_before: f32,
    height: f32,
    mark: Mark,
    /// The line goes on the same page as the next one.
    keep_with_next: bool,
}

enum Mark {
    /// Text whose baseline is set when the line is placed.
    Text {
        x: f32,
        size: f32,
        ink: Ink,
        content: String,
        spacing: f32,
    },
    Rule {
        thickness: f32,
    },
}

/// The letter as a column of lines, before it is cut into pages.
pub(super) struct Flow<'a> {
    advance: &'a dyn Advance,
    pieces: Vec<Piece>,
}

impl<'a> Flow<'a> {
    pub(super) fn new(advance: &'a dyn Advance) -> Self {
        Flow {
            advance,
            pieces: Vec::new(),
        }
    }

    fn push_text(&mut self, space_before: f32, height: f32, x: f32, size: f32, ink: Ink, content: String) {
        self.pieces.push(Piece {
            space_before,
            height,
            mark: Mark::Text {
                x,
                size,
                ink,
                content,
                spacing: 0.0,
            },
            keep_with_next: false,
        });
    }

    /// Wrapped and centred on the text block; kept with what follows (only the letterhead, title
    /// and case number are centred).
    pub(super) fn centred(&mut self, text: &str, size: f32, ink: Ink, space_before: f32) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let mut space_before = space_before;
        for line in wrap(text, WIDTH, size, self.advance) {
            let x = LEFT + ((WIDTH - width_of(&line, size, self.advance)) / 2.0).max(0.0);
            self.push_text(space_before, size * 1.45, x, size, ink, line);
            self.keep_last_with_next();
            space_before = 0.0;
        }
    }

    /// Body-sized lines flush left, without an indent.
    pub(super) fn left(&mut self, text: &str, conventions: &Conventions, space_before: f32) {
        let mut space_before = space_before;
        for line in wrap(text.trim(), WIDTH, BODY_SIZE, self.advance) {
            self.push_text(
                space_before,
                BODY_SIZE * conventions.leading,
                LEFT,
                BODY_SIZE,
                Ink::Body,
                line,
            );
            space_before = 0.0;
        }
    }

    /// Body-sized lines flush right, two full-width characters in from the edge.
    pub(super) fn right(&mut self, text: &str, conventions: &Conventions, space_before: f32) {
        let right = RIGHT - 2.0 * BODY_SIZE;
        let mut space_before = space_before;
        for line in wrap(text.trim(), right - LEFT, BODY_SIZE, self.advance) {
            let x = (right - width_of(&line, BODY_SIZE, self.advance)).max(LEFT);
            self.push_text(
                space_before,
                BODY_SIZE * conventions.leading,
                x,
                BODY_SIZE,
                Ink::Body,
                line,
            );
            space_before = 0.0;
        }
    }

    /// A body paragraph, its first line indented where the language does so. Its first two lines
    /// stay together, and so do its last two.
    pub(super) fn paragraph(&mut self, text: &str, conventions: &Conventions, space_before: f32) {
        let indent = match conventions.first_line_indent {
            true => INDENT,
            false => "",
        };
        let lines = wrap(&format!("{indent}{text}"), WIDTH, BODY_SIZE, &Indented(self.advance));
        let n_lines = lines.len();
        let first = self.pieces.len();
        let mut space_before = space_before;
        for (index, line) in lines.into_iter().enumerate() {
            let (x, content) = match line.strip_prefix(INDENT).filter(|_| index == 0 && !indent.is_empty()) {
                Some(rest) => (LEFT + 2.0 * BODY_SIZE, rest.to_string()),
                None => (LEFT, line),
            };
            let spacing = match conventions.justify && index + 1 < n_lines {
                true => justified_spacing(&content, RIGHT - x, self.advance),
                false => 0.0,
            };
            self.pieces.push(Piece {
                space_before,
                height: BODY_SIZE * conventions.leading,
                mark: Mark::Text {
                    x,
                    size: BODY_SIZE,
                    ink: Ink::Body,
                    content,
                    spacing,
                },
                keep_with_next: false,
            });
            space_before = 0.0;
        }
        if n_lines >= 2 {
            self.pieces[first].keep_with_next = true;
            self.pieces[first + n_lines - 2].keep_with_next = true;
        }
    }

    pub(super) fn rule(&mut self, space_before: f32, thickness: f32) {
        self.pieces.push(Piece {
            space_before,
            height: thickness,
            mark: Mark::Rule { thickness },
            keep_with_next: true,
        });
    }

    /// The number of lines so far.
    pub(super) fn len(&self) -> usize {
        self.pieces.len()
    }

    /// Keeps every line from the `first` on with the line that follows it.
    pub(super) fn keep_together_from(&mut self, first: usize) {
        for piece in self.pieces.iter_mut().skip(first) {
            piece.keep_with_next = true;
        }
    }

    pub(super) fn keep_last_with_next(&mut self) {
        if let Some(last) = self.pieces.last_mut() {
            last.keep_with_next = true;
        }
    }

    /// Cuts the column into pages whose body ends above `bottom`. A run of lines kept together
    /// moves to a new page whole, unless it is taller than a page.
    pub(super) fn paginate(self, bottom: f32) -> Vec<LetterPage> {
        let mut pages = vec![LetterPage::default()];
        let mut y = TOP;
        for (index, piece) in self.pieces.iter().enumerate() {
            let kept_together = self.pieces[index..]
                .iter()
                .position(|piece| !piece.keep_with_next)
                .map_or(self.pieces.len(), |offset| index + offset + 1);
            let group = &self.pieces[index..kept_together];
            let group_height: f32 = group.iter().map(|piece| piece.space_before + piece.height).sum();
            let fits_on_a_page = group_height - piece.space_before <= bottom - TOP;
            if y > TOP && (y + group_height > bottom && fits_on_a_page || y + piece.height > bottom) {
                pages.push(LetterPage::default());
                y = TOP;
            }
            if y > TOP {
                y += piece.space_before;
            }
            let page = pages.last_mut().expect("pages starts with one page and only grows");
            match &piece.mark {
                Mark::Text {
                    x,
                    size,
                    ink,
                    content,
                    spacing,
                } => page.lines.push(Line {
                    x: *x,
                    // The glyphs' middle (about 0.38 em above the baseline) in the line's middle.
                    baseline: y + piece.height / 2.0 + 0.38 * size,
                    size: *size,
                    ink: *ink,
                    content: content.clone(),
                    spacing: *spacing,
                }),
                Mark::Rule { thickness } => page.rules.push(Rule {
                    y: y + thickness / 2.0,
                    thickness: *thickness,
                }),
            }
            y += piece.height;
        }
        pages
    }
}

/// The extra space after each character of a body line that stretches it to `width`: none for a
/// line already as wide (closing punctuation may hang), nor where the gaps would grow so wide that
/// the line looks spaced out or a PDF reader takes them for spaces.
fn justified_spacing(content: &str, width: f32, advance: &dyn Advance) -> f32 {
    let n_gaps = content.chars().count().saturating_sub(1);
    let slack = width - width_of(content, BODY_SIZE, advance);
    if n_gaps == 0 || slack <= 0.0 {
        return 0.0;
    }
    let spacing = slack / n_gaps as f32;
    match spacing <= MAX_JUSTIFIED_SPACING * BODY_SIZE {
        true => spacing,
        false => 0.0,
    }
}

/// The widest gap justification adds between two characters, in em.
const MAX_JUSTIFIED_SPACING: f32 = 0.1;

/// Two ideographic spaces, put before a Chinese paragraph while it is wrapped so that its first
/// line is two characters shorter; the line is then drawn two characters in, without them.
const INDENT: &str = "\u{3000}\u{3000}";

/// The font's widths, except that the ideographic space is exactly one em whatever the font says.
struct Indented<'a>(&'a dyn Advance);

impl Advance for Indented<'_> {
    fn advance(&self, ch: char) -> f32 {
        match ch {
            '\u{3000}' => 1.0,
            ch => self.0.advance(ch),
        }
    }
}

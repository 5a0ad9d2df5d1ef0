//! Draws a laid-out letter with krilla, which embeds only the glyphs used (a subset of the font)
//! and writes a ToUnicode map, so the letter's text can be searched and copied.
//!
//! Like the summary's `pdf` module, it places one glyph per character with the widths the layout
//! wrapped with. It differs in the metadata (the letter's title, the organisation as author) and
//! in outlining the heavier lines, since the font has a single weight.

use std::ops::Range;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineJoin, Stroke};
use krilla::text::{GlyphId, KrillaGlyph};

use super::{Ink, LEFT, LetterPage, RIGHT};
use crate::fonts::FontMetrics;
use crate::layout::{PAGE_HEIGHT, PAGE_WIDTH};
use crate::{Error, Fonts, Letter, labels};

/// The outline drawn around heavier glyphs, as a fraction of their size.
const STRONG_OUTLINE: f32 = 0.025;

/// The PDF of `pages`. It sets no creation date and no document id of its own: krilla derives the
/// id from the content, so the same letter gives the same bytes.
pub(super) fn render(
    pages: &[LetterPage],
    letter: &Letter,
    fonts: &Fonts,
    metrics: &FontMetrics<'_>,
) -> Result<Vec<u8>, Error> {
    let mut document = Document::new();
    let mut metadata = Metadata::new()
        .title(letter.title.trim().to_string())
        .language(labels::for_language(letter.language).language_tag.to_string())
        .creator("Redress".to_string());
    if !letter.organisation.trim().is_empty() {
        metadata = metadata.authors(vec![letter.organisation.trim().to_string()]);
    }
    document.set_metadata(metadata);
    let font = fonts.krilla_font();
    let settings =
        PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| Error::Pdf("invalid page size".to_string()))?;
    for page in pages {
        let mut pdf_page = document.start_page_with(settings.clone());
        let mut surface = pdf_page.surface();

        surface.set_fill(None);
        for rule in &page.rules {
            let mut path = PathBuilder::new();
            path.move_to(LEFT, rule.y);
            path.line_to(RIGHT, rule.y);
            let Some(path) = path.finish() else { continue };
            surface.set_stroke(Some(Stroke {
                paint: rgb::Color::new(0x33, 0x33, 0x33).into(),
                width: rule.thickness,
                ..Stroke::default()
            }));
            surface.draw_path(&path);
        }

        for line in &page.lines {
            let color = match line.ink {
                Ink::Body | Ink::Strong => rgb::Color::black(),
                Ink::Muted => rgb::Color::new(0x55, 0x5b, 0x66),
            };
            surface.set_fill(Some(Fill {
                paint: color.into(),
                ..Fill::default()
            }));
            let outline = match line.ink {
                Ink::Strong => Some(Stroke {
                    paint: color.into(),
                    width: STRONG_OUTLINE * line.size,
                    line_join: LineJoin::Round,
                    ..Stroke::default()
                }),
                Ink::Body | Ink::Muted => None,
            };
            surface.set_stroke(outline);
            let glyphs = glyphs(&line.content, line.spacing / line.size, metrics);
            let start = Point::from_xy(line.x, line.baseline);
            surface.draw_glyphs(start, &glyphs, font.clone(), &line.content, line.size, false);
        }

        surface.finish();
        pdf_page.finish();
    }
    document.finish().map_err(|error| Error::Pdf(format!("{error:?}")))
}

/// One glyph per character, advanced by the character's width plus `spacing` (in em) but the
/// last.
fn glyphs(text: &str, spacing: f32, metrics: &FontMetrics<'_>) -> Vec<KrillaGlyph> {
    let last = text.char_indices().last().map_or(0, |(start, _)| start);
    text.char_indices()
        .map(|(start, ch)| {
            let (glyph, advance) = metrics.glyph(ch);
            let advance = match start == last {
                true => advance,
                false => advance + spacing,
            };
            let range: Range<usize> = start..start + ch.len_utf8();
            KrillaGlyph::new(GlyphId::new(glyph), advance, 0.0, 0.0, 0.0, range, None)
        })
        .collect()
}

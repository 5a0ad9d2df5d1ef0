//! Draws laid-out pages into a PDF with krilla, which embeds only the glyphs used (a subset of
//! the font) and writes a ToUnicode map, so text can be searched and copied.
//!
//! Glyphs are placed one character at a time with the same widths the layout wrapped with; no
//! shaping is done, which Chinese and English do not need.

use std::ops::Range;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{GlyphId, KrillaGlyph};

use crate::fonts::FontMetrics;
use crate::labels::Labels;
use crate::layout::{PAGE_HEIGHT, PAGE_WIDTH, Page, Tone};
use crate::{Dossier, Error, Fonts};

/// The PDF of `pages`.
pub(crate) fn render(
    pages: &[Page],
    fonts: &Fonts,
    metrics: &FontMetrics<'_>,
    dossier: &Dossier,
    labels: &Labels,
) -> Result<Vec<u8>, Error> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", labels.title, dossier.case_number))
            .language(labels.language_tag.to_string())
            .creator("Redress".to_string()),
    );
    let font = fonts.krilla_font();
    let settings =
        PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| Error::Pdf("invalid page size".to_string()))?;
    for page in pages {
        let mut pdf_page = document.start_page_with(settings.clone());
        let mut surface = pdf_page.surface();

        surface.set_fill(None);
        for rule in &page.rules {
            let mut path = PathBuilder::new();
            path.move_to(rule.x1, rule.y);
            path.line_to(rule.x2, rule.y);
            let Some(path) = path.finish() else { continue };
            surface.set_stroke(Some(Stroke {
                paint: muted().into(),
                width: rule.thickness,
                ..Stroke::default()
            }));
            surface.draw_path(&path);
        }
        surface.set_stroke(None);

        for text in &page.texts {
            let color = match text.tone {
                Tone::Ink => rgb::Color::black(),
                Tone::Muted => muted(),
            };
            surface.set_fill(Some(Fill {
                paint: color.into(),
                ..Fill::default()
            }));
            let glyphs = glyphs(&text.content, metrics);
            let start = Point::from_xy(text.x, text.baseline);
            surface.draw_glyphs(start, &glyphs, font.clone(), &text.content, text.size, false);
        }

        surface.finish();
        pdf_page.finish();
    }
    document.finish().map_err(|error| Error::Pdf(format!("{error:?}")))
}

fn muted() -> rgb::Color {
    rgb::Color::new(0x55, 0x5b, 0x66)
}

/// One glyph per character, advanced by the character's width.
fn glyphs(text: &str, metrics: &FontMetrics<'_>) -> Vec<KrillaGlyph> {
    text.char_indices()
        .map(|(start, ch)| {
            let (glyph, advance) = metrics.glyph(ch);
            let range: Range<usize> = start..start + ch.len_utf8();
            KrillaGlyph::new(GlyphId::new(glyph), advance, 0.0, 0.0, 0.0, range, None)
        })
        .collect()
}

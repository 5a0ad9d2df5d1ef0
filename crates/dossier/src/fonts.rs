//! The CJK font the summary is set in: where to find it, and the widths of its characters.
//!
//! The whole font (5–20 MB) is read once; the PDF embeds only the glyphs it uses (krilla
//! subsets it), so a summary stays a few tens of KB.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::Error;
use crate::layout::Advance;

/// The environment variable naming the font file to use; it wins over [`FONT_CANDIDATES`].
pub const FONT_ENV: &str = "REDRESS_PDF_FONT";

/// Where Debian's CJK font packages put their fonts, in order of preference: fonts-wqy-microhei,
/// fonts-wqy-zenhei, fonts-noto-cjk, fonts-arphic-* (the first face of a collection is used).
pub const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic-bsmi00lp/bsmi00lp.ttf",
    "/usr/share/fonts/truetype/arphic-bkai00mp/bkai00mp.ttf",
];

/// The face of a font collection (`.ttc`) that is used; a plain font file has only face 0.
const FACE: u32 = 0;

/// A loaded CJK-capable font. Cheap to clone; load it once and share it.
#[derive(Clone)]
pub struct Fonts {
    path: PathBuf,
    data: Arc<Vec<u8>>,
    font: krilla::text::Font,
}

impl Fonts {
    /// The font at `REDRESS_PDF_FONT` if set, else the first of [`FONT_CANDIDATES`] that exists.
    pub fn discover() -> Result<Fonts, Error> {
        Self::discover_from(std::env::var_os(FONT_ENV).map(PathBuf::from))
    }

    /// [`Fonts::discover`] with the value of `REDRESS_PDF_FONT` given rather than read from the
    /// environment: the font at `configured` if it is `Some` and not empty, else the first of
    /// [`FONT_CANDIDATES`] that exists.
    pub fn discover_from(configured: Option<PathBuf>) -> Result<Fonts, Error> {
        if let Some(path) = configured.filter(|path| !path.as_os_str().is_empty()) {
            return Self::from_path(&path);
        }
        let mut tried = Vec::new();
        for candidate in FONT_CANDIDATES {
            let path = Path::new(candidate);
            if path.is_file() {
                return Self::from_path(path);
            }
            tried.push(path.to_path_buf());
        }
        Err(Error::NoFont { tried })
    }

    /// The font in the file at `path` (`.ttf`, `.otf`, or face 0 of a `.ttc`), which must have
    /// Chinese glyphs.
    pub fn from_path(path: &Path) -> Result<Fonts, Error> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoFont {
                    tried: vec![path.to_path_buf()],
                });
            }
            Err(source) => {
                return Err(Error::ReadFont {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Self::from_bytes(path.to_path_buf(), bytes)
    }

    /// Where the font was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn from_bytes(path: PathBuf, bytes: Vec<u8>) -> Result<Fonts, Error> {
        {
            let font = FontRef::from_index(&bytes, FACE).map_err(|_| Error::BadFont { path: path.clone() })?;
            let charmap = font.charmap();
            if charmap.map('案').is_none() || charmap.map('A').is_none() {
                return Err(Error::NotCjk { path });
            }
        }
        let data = Arc::new(bytes);
        let font =
            krilla::text::Font::new(data.clone().into(), FACE).ok_or_else(|| Error::BadFont { path: path.clone() })?;
        Ok(Fonts { path, data, font })
    }

    pub(crate) fn krilla_font(&self) -> krilla::text::Font {
        self.font.clone()
    }

    /// The font's glyphs and widths. Fails only if the data stopped parsing, which it cannot: it
    /// parsed when the font was loaded.
    pub(crate) fn metrics(&self) -> Result<FontMetrics<'_>, Error> {
        let font = FontRef::from_index(&self.data, FACE).map_err(|_| Error::BadFont {
            path: self.path.clone(),
        })?;
        let units_per_em = font.metrics(Size::unscaled(), LocationRef::default()).units_per_em;
        Ok(FontMetrics {
            charmap: font.charmap(),
            glyph_metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: f32::from(units_per_em.max(1)),
        })
    }
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Glyph ids and advance widths of the font, for laying out and drawing the same glyphs.
pub(crate) struct FontMetrics<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    glyph_metrics: GlyphMetrics<'a>,
    units_per_em: f32,
}

impl FontMetrics<'_> {
    /// The glyph for `ch` (0, the font's "missing" glyph, if it has none) and its advance in em.
    pub(crate) fn glyph(&self, ch: char) -> (u32, f32) {
        let glyph = self.charmap.map(ch).unwrap_or(skrifa::GlyphId::NOTDEF);
        let advance = self.glyph_metrics.advance_width(glyph).unwrap_or(0.0) / self.units_per_em;
        (glyph.to_u32(), advance)
    }
}

impl Advance for FontMetrics<'_> {
    fn advance(&self, ch: char) -> f32 {
        self.glyph(ch).1
    }
}

/// The font found at the first use that finds one, shared by clones; a missing font is looked
/// for again next time, so installing one needs no restart.
#[derive(Clone, Default)]
pub struct FontCache(std::sync::Arc<std::sync::Mutex<Option<Fonts>>>);

impl FontCache {
    /// The cached font, or the one [`Fonts::discover`] finds now.
    pub fn get(&self) -> Result<Fonts, crate::Error> {
        let mut cached = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(fonts) = cached.as_ref() {
            return Ok(fonts.clone());
        }
        let fonts = Fonts::discover()?;
        *cached = Some(fonts.clone());
        Ok(fonts)
    }
}

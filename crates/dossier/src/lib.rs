//! A case's complete file (DOMAIN.md, step 7 "Archive") as one ZIP: `summary.pdf`, a printable
//! summary in Chinese or English; `timeline.csv`; `records.json`; the letters under `letters/`; the
//! materials under `materials/`; the caller's machine-readable copies at the root; and
//! `manifest.json`, which lists every other file with its size and SHA-256. The console gateway
//! calls [`build`] to answer `GET /api/v1/cases/{id}/dossier` and writes [`Built::sha256`] to its
//! audit log.
//!
//! Pure and synchronous: no async runtime, no database, no network; the only IO is reading a font
//! file in [`Fonts::discover`] / [`Fonts::from_path`], done once at startup. [`build`] is CPU work
//! (font subsetting, deflate): call it from `spawn_blocking`. The same [`Dossier`] gives the same
//! bytes, so the hash in the audit log can be checked against a rebuilt copy.
//!
//! Start reading at [`build`]. Modules in reading order: `fonts` (finding and measuring the CJK
//! font), `labels` (the fixed zh/en wording), `layout` (wrapping and paging, pure and testable
//! without a font), `pdf` (drawing a layout with krilla, which embeds the font as a subset),
//! `names` (file names from the caller made safe and unique) and `archive` (the ZIP and its
//! manifest).
//!
//! Beside the dossier, [`letter_pdf`] prints a formal letter to a complainant ([`Letter`]) with
//! the same font and wrapping; see the `letter` module.

mod fonts;
mod labels;
mod layout;
mod pdf;
mod names;
mod archive;
mod letter;

use std::path::PathBuf;

pub use fonts::{FONT_CANDIDATES, FONT_ENV, FontCache, Fonts};
pub use letter::{Letter, letter_pdf};

/// The language of the PDF summary's headings and labels. The caller localizes the case's own
/// values (facts, states, kinds) before they get here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

/// Everything that goes into one case's dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dossier {
    pub language: Language,
    pub case_id: String,
    /// The number people quote (shown on every page of the summary).
    pub case_number: String,
    /// The staff id of whoever asked for the export.
    pub exported_by: String,
    /// RFC 3339; also the modification time of every file in the ZIP.
    pub exported_at: String,
    /// Key facts of the case, already localized by the caller: ("状态", "调查中") …, in order.
    pub facts: Vec<(String, String)>,
    pub deadlines: Vec<DeadlineLine>,
    pub timeline: Vec<TimelineLine>,
    /// Decisions and records of the casework (findings, plans, approvals, hearings, callbacks,
    /// sanctions …), in the order to print them.
    pub records: Vec<RecordLine>,
    /// Letters sent to the complainant: file name + text body, put under `letters/`.
    pub letters: Vec<Attachment>,
    /// Materials (evidence, scans), put under `materials/`.
    pub materials: Vec<Attachment>,
    /// Machine-readable copies (e.g. `case.json`), put at the ZIP's root.
    pub data: Vec<Attachment>,
}

/// One deadline of the case as the summary lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineLine {
    pub kind: String,
    pub due_at: String,
    pub state: String,
    /// The due time may still move (a clock paused or an extension pending); the summary marks it.
    pub provisional: bool,
}

/// One entry of the case's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineLine {
    pub at: String,
    pub service: String,
    pub action: String,
    pub actor: String,
}

/// One decision or record of the casework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLine {
    pub kind: String,
    /// The record's number within its kind on this case.
    pub n: i64,
    pub state: String,
    pub at: String,
    pub by: String,
    /// One paragraph, possibly long and in Chinese; line breaks in it are kept.
    pub summary: String,
}

/// A file given by the caller. Its name is made safe before it goes into the ZIP: only the last
/// path component is kept, characters Windows refuses become `_`, and a name already taken (case
/// ignored) gets `-2`, `-3` … before its extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A built dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The ZIP file.
    pub zip: Vec<u8>,
    /// SHA-256 of [`Built::zip`], lowercase hex.
    pub sha256: String,
    /// The paths inside the ZIP, in the order written; `manifest.json` is last.
    pub files: Vec<String>,
}

/// What can go wrong finding a font or building a dossier.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No font file at any path tried.
    #[error(
        "no CJK font found for the PDF summary (tried: {}); install fonts-wqy-microhei (Debian) or set {} to a .ttf, .ttc or .otf font with Chinese glyphs",
        display_paths(tried),
        FONT_ENV
    )]
    NoFont { tried: Vec<PathBuf> },
    /// The font file exists but could not be read.
    #[error("reading font {path}: {source}", path = path.display())]
    ReadFont {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a font this crate can read (TrueType, OpenType or a collection of them).
    #[error("font {path} is not a readable TrueType/OpenType font (face 0)", path = path.display())]
    BadFont { path: PathBuf },
    /// The font has no Chinese glyphs, so the summary would print empty boxes.
    #[error("font {path} has no glyphs for Chinese text; use a CJK font such as fonts-wqy-microhei", path = path.display())]
    NotCjk { path: PathBuf },
    /// krilla refused to write the PDF (for example, it could not subset the font).
    #[error("writing the PDF summary: {0}")]
    Pdf(String),
    /// Writing the ZIP failed.
    #[error("writing the ZIP: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing a JSON file failed.
    #[error("writing {file}: {source}")]
    Json {
        file: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

fn display_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
    shown.join(", ")
}

/// Builds the dossier's ZIP: `summary.pdf`, `timeline.csv`, `records.json`, `letters/<name>`,
/// `materials/<name>`, the data files, and `manifest.json` listing every other file with its size
/// and SHA-256 (plus the case, the exporter and the time). Returns the bytes, their SHA-256 and
/// the paths written.
pub fn build(dossier: &Dossier, fonts: &Fonts) -> Result<Built, Error> {
    let labels = labels::for_language(dossier.language);
    let metrics = fonts.metrics()?;
    let pages = layout::lay_out(dossier, labels, &metrics);
    let summary = pdf::render(&pages, fonts, &metrics, dossier, labels)?;
    archive::write(dossier, summary)
}

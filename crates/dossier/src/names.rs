//! File names from the caller, made safe to unpack anywhere and unique within the ZIP.
//!
//! A given name may be a path; only its last component is kept, so nothing can climb out with
//! `..` or land at an absolute path. Characters that Windows refuses in names become `_`, and
//! names are compared ignoring case, because two names differing only in case overwrite each other
//! when unpacked on Windows or macOS.

use std::collections::HashSet;

/// The longest name kept, in bytes (the extension survives the cut).
const MAX_NAME_BYTES: usize = 150;

/// Names already in the ZIP.
#[derive(Debug, Default)]
pub(crate) struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// Marks one of the dossier's own paths (or directories) as taken.
    pub(crate) fn reserve(&mut self, path: &str) {
        self.taken.insert(path.to_lowercase());
    }

    /// `directory` followed by `given` made safe and unique: `report.pdf`, then `report-2.pdf`,
    /// `report-3.pdf` …; `fallback` stands in for a name with nothing usable left.
    pub(crate) fn claim(&mut self, directory: &str, given: &str, fallback: &str) -> String {
        let name = sanitise(given, fallback);
        let (stem, extension) = split_extension(&name);
        let mut candidate = format!("{directory}{name}");
        let mut n = 2;
        while self.taken.contains(&candidate.to_lowercase()) {
            candidate = format!("{directory}{stem}-{n}{extension}");
            n += 1;
        }
        self.taken.insert(candidate.to_lowercase());
        candidate
    }
}

/// The last component of `given`, with unsafe characters replaced, or `fallback`.
pub(crate) fn sanitise(given: &str, fallback: &str) -> String {
    let last = given
        .split(['/', '\\'])
        .rev()
        .find(|component| !matches!(*component, "" | "." | ".."))
        .unwrap_or("");
    let replaced: String = last
        .chars()
        .map(|ch| match ch {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            ch if ch.is_control() => '_',
            ch => ch,
        })
        .collect();
    // Windows drops trailing dots and spaces, which would make two names one.
    let trimmed = replaced.trim().trim_end_matches(['.', ' ']);
    if trimmed.chars().all(|ch| ch == '.' || ch == '_') {
        return fallback.to_string();
    }
    let (stem, _) = split_extension(trimmed);
    let name = match is_windows_device(stem) {
        true => format!("_{trimmed}"),
        false => trimmed.to_string(),
    };
    truncate(&name)
}

/// `("report", ".pdf")`; a leading dot does not start an extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= 16 => name.split_at(dot),
        _ => (name, ""),
    }
}

fn is_windows_device(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes()[3].is_ascii_digit())
}

fn truncate(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_string();
    }
    let (stem, extension) = split_extension(name);
    let mut end = MAX_NAME_BYTES.saturating_sub(extension.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &stem[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_path_component_is_kept() {
        assert_eq!(sanitise("../../etc/passwd", "file"), "passwd");
        assert_eq!(sanitise("/etc/shadow", "file"), "shadow");
        assert_eq!(sanitise("C:\\Users\\me\\扫描件.pdf", "file"), "扫描件.pdf");
        assert_eq!(sanitise("scans/..", "file"), "scans");
        assert_eq!(sanitise("..", "file"), "file");
        assert_eq!(sanitise("", "letter"), "letter");
        assert_eq!(sanitise("/", "file"), "file");
    }

    #[test]
    fn characters_windows_refuses_are_replaced() {
        assert_eq!(sanitise("a<b>:c\"d|e?f*.txt", "file"), "a_b__c_d_e_f_.txt");
        assert_eq!(sanitise("bell\u{7}.txt", "file"), "bell_.txt");
        assert_eq!(sanitise(" report.pdf. ", "file"), "report.pdf");
        assert_eq!(sanitise("CON.txt", "file"), "_CON.txt");
        assert_eq!(sanitise("com1", "file"), "_com1");
        assert_eq!(sanitise("console.txt", "file"), "console.txt");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let name = sanitise(&format!("{}.pdf", "长".repeat(100)), "file");
        assert!(name.len() <= MAX_NAME_BYTES && name.ends_with("长.pdf"), "{name}");
    }

    #[test]
    fn duplicates_get_a_number_before_the_extension() {
        let mut names = Names::default();
        names.reserve("manifest.json");
        assert_eq!(names.claim("materials/", "photo.jpg", "file"), "materials/photo.jpg");
        assert_eq!(
            names.claim("materials/", "a/photo.jpg", "file"),
            "materials/photo-2.jpg"
        );
        assert_eq!(names.claim("materials/", "PHOTO.JPG", "file"), "materials/PHOTO-3.JPG");
        assert_eq!(names.claim("", "Manifest.json", "file"), "Manifest-2.json");
        assert_eq!(names.claim("", ".env", "file"), ".env");
        assert_eq!(names.claim("", ".env", "file"), ".env-2");
    }
}

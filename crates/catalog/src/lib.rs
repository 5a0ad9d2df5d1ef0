//! The category catalog, pure (decision 0003): a tenant's category tree, the starter trees and the
//! regulatory code sets that ship as data under `crates/catalog/data/`. Shared by routing (which
//! publishes a tenant's tree and maps cases onto the code sets) and intake (which checks a case's
//! `category_code` and classifies free text against its copy of the published tree), so neither
//! service depends on the other.
//!
//! [`Catalog::new`] checks a whole tree (codes, parents, names, labels that would make free text
//! ambiguous, mappings against the code set editions) and names the field and the rule of the
//! first problem. [`Catalog::starter`] gives a sector's starter tree: the general scope categories
//! plus the sector's own (`default` holds every sector's). Questions asked of a tree:
//! [`Catalog::contains`], [`Catalog::get`], [`Catalog::children`], [`Catalog::within`] (subtree),
//! [`Catalog::classify`] (free text to a code) and [`Catalog::maps`] (regulatory codes, each one
//! inherited from the nearest ancestor that sets it). [`CodeSet::load`] gives a shipped code set
//! edition: JR/T 0169-2018, the NFRA reporting categories, the CFPB products and issues.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

/// A document that does not hold together: the field and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct Invalid {
    pub field: String,
    pub rule: String,
}

/// The sectors with a starter tree; `default` is the union of all the others.
pub const SECTORS: &[&str] = &["general", "dealer", "bank", "hospital", "default"];

/// A catalog as published, stored and carried in `routing.catalog.published`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// The sector whose starter tree the catalog grew from.
    pub sector: String,
    /// The edition of each code set the mappings refer to; [`Catalog::new`] fills in the newest
    /// shipped edition for each one left out, so a published tree keeps its meaning.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub editions: BTreeMap<String, String>,
    pub categories: Vec<Category>,
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Dot-separated segments of `a–z`, `0–9` and `_`; the parent is the code without its last segment.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Other words complainants and staff use for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    #[serde(default, skip_serializing_if = "Maps::is_empty")]
    pub maps: Maps,
}

/// A category's codes in the regulatory code sets, each field named after its code set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maps {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jrt0169: Option<Jrt0169>,
    /// A code of the NFRA set's `category` dimension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nfra: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cfpb: Option<Cfpb>,
}

/// The three codes JR/T 0169-2018 gives a complaint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jrt0169 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// A CFPB product and, if the category pins one, an issue of that product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cfpb {
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
}

/// A checked category tree. Serialises as its [`Document`]; deserialising checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Document", into = "Document")]
pub struct Catalog {
    document: Document,
    by_code: HashMap<String, usize>,
    /// Every code, name and synonym, trimmed and lower-cased, to its category's index.
    by_label: HashMap<String, usize>,
}

/// A code set document as shipped in `codeset-<name>-<edition>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSetDocument {
    pub name: String,
    pub edition: String,
    pub title_zh: String,
    pub title_en: String,
    /// What was confirmed from which source, and what was not.
    pub note: String,
    /// Dimensions whose codes have their parent in another dimension (CFPB: an issue's parent is a
    /// product); elsewhere a parent is a code of the same dimension.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parent_dimensions: BTreeMap<String, String>,
    pub dimensions: BTreeMap<String, Vec<Code>>,
}

/// One code of a dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub name_zh: String,
    pub name_en: String,
}

/// A checked code set edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSet {
    document: CodeSetDocument,
    /// `(dimension, code)` to the parents it is listed under (`None` for a top-level code).
    parents: HashMap<(String, String), Vec<Option<String>>>,
}

/// The shipped code sets, oldest edition of a name first, so the last of a name is its newest.
const SHIPPED_CODE_SETS: &[(&str, &str, &str)] = &[
    ("jrt0169", "2018", include_str!("../data/codeset-jrt0169-2018.json")),
    ("nfra", "2023", include_str!("../data/codeset-nfra-2023.json")),
    ("cfpb", "2023-08", include_str!("../data/codeset-cfpb-2023-08.json")),
];

/// The general scope categories, which every starter tree begins with.
const GENERAL: &str = include_str!("../data/starter-general.json");

/// Each sector's additions to the general categories.
const SECTOR_ADDITIONS: &[(&str, &str)] = &[
    ("dealer", include_str!("../data/starter-dealer.json")),
    ("bank", include_str!("../data/starter-bank.json")),
    ("hospital", include_str!("../data/starter-hospital.json")),
];

fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        rule: rule.into(),
    }
}

fn is_code(code: &str) -> bool {
    code.len() <= 128
        && code.split('.').all(|segment| {
            !segment.is_empty()
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

fn is_name(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn parent_of(code: &str) -> Option<&str> {
    code.rsplit_once('.').map(|(parent, _)| parent)
}

fn label_key(text: &str) -> String {
    text.trim().to_lowercase()
}

fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, Invalid> {
    serde_json::from_str(json).map_err(|error| invalid("document", error.to_string()))
}

impl Maps {
    pub fn is_empty(&self) -> bool {
        self.jrt0169.is_none() && self.nfra.is_none() && self.cfpb.is_none()
    }
}

impl Catalog {
    /// Checks and builds a tree.
    pub fn new(mut document: Document) -> Result<Self, Invalid> {
        if !is_name(&document.sector) {
            return Err(invalid("sector", "1–64 characters of a–z, 0–9, '-' and '_'"));
        }
        if document.categories.is_empty() {
            return Err(invalid("categories", "a catalog has at least one category"));
        }
        let editions = resolve_editions(&document.editions)?;
        let categories = &document.categories;
        let mut by_code = HashMap::new();
        for (n, category) in categories.iter().enumerate() {
            let field = |name: &str| format!("categories[{n}].{name}");
            if !is_code(&category.code) {
                return Err(invalid(field("code"), "dot-separated segments of a–z, 0–9 and '_'"));
            }
            for (name, text) in [("name_zh", &category.name_zh), ("name_en", &category.name_en)] {
                if text.trim().is_empty() {
                    return Err(invalid(field(name), "a category is named in zh-CN and en"));
                }
            }
            if let Some(k) = category.synonyms.iter().position(|s| s.trim().is_empty()) {
                return Err(invalid(field(&format!("synonyms[{k}]")), "a synonym is not empty"));
            }
            if let Some(first) = by_code.insert(category.code.clone(), n) {
                return Err(invalid(
                    field("code"),
                    format!("{} is used twice (first at categories[{first}])", category.code),
                ));
            }
        }
        for (n, category) in categories.iter().enumerate() {
            if let Some(parent) = parent_of(&category.code)
                && !by_code.contains_key(parent)
            {
                return Err(invalid(
                    format!("categories[{n}].code"),
                    format!("the parent {parent} is not in the catalog"),
                ));
            }
        }
        // Free text is classified by these labels, so one label naming two categories would make
        // the answer depend on the order of the tree.
        let mut by_label = HashMap::new();
        for (n, category) in categories.iter().enumerate() {
            let named = [
                ("code".to_string(), &category.code),
                ("name_zh".to_string(), &category.name_zh),
                ("name_en".to_string(), &category.name_en),
            ];
            let synonyms = category.synonyms.iter().enumerate();
            let synonyms = synonyms.map(|(k, s)| (format!("synonyms[{k}]"), s));
            for (name, label) in named.into_iter().chain(synonyms) {
                let first = *by_label.entry(label_key(label)).or_insert(n);
                if first != n {
                    return Err(invalid(
                        format!("categories[{n}].{name}"),
                        format!("`{}` already names {}", label.trim(), categories[first].code),
                    ));
                }
            }
        }
        for (n, category) in categories.iter().enumerate() {
            check_maps(&category.maps, &editions, &format!("categories[{n}].maps"))?;
        }
        document.editions = editions;
        Ok(Self {
            document,
            by_code,
            by_label,
        })
    }

    /// The starter tree of every sector (`starter("default")`), built once and shared: what a
    /// tenant that has published no tree has, in routing and in intake alike.
    pub fn default_starter() -> Arc<Catalog> {
        static STARTER: OnceLock<Arc<Catalog>> = OnceLock::new();
        STARTER
            .get_or_init(|| Arc::new(Catalog::starter("default").expect("the shipped starter trees are valid")))
            .clone()
    }

    /// Parses and checks a tree carried as JSON (an event payload, a stored version).
    pub fn from_json(json: &str) -> Result<Self, Invalid> {
        Self::new(parse(json)?)
    }

    /// The starter tree of a sector in [`SECTORS`].
    pub fn starter(sector: &str) -> Result<Self, Invalid> {
        let general: Document = parse(GENERAL)?;
        let mut document = Document {
            sector: sector.to_string(),
            editions: BTreeMap::new(),
            categories: general.categories,
        };
        let additions: Vec<&(&str, &str)> = match sector {
            "general" => Vec::new(),
            "default" => SECTOR_ADDITIONS.iter().collect(),
            _ => SECTOR_ADDITIONS.iter().filter(|(name, _)| *name == sector).collect(),
        };
        if additions.is_empty() && sector != "general" {
            return Err(invalid(
                "sector",
                format!("no starter tree for `{sector}`; one of {}", SECTORS.join(", ")),
            ));
        }
        for (name, json) in additions {
            let addition: Document = parse(json)?;
            if addition.sector != *name {
                return Err(invalid(
                    "sector",
                    format!("starter-{name}.json says `{}`", addition.sector),
                ));
            }
            document.editions.extend(addition.editions);
            document.categories.extend(addition.categories);
        }
        Self::new(document)
    }

    pub fn sector(&self) -> &str {
        &self.document.sector
    }

    /// The edition of a code set this tree's mappings refer to.
    pub fn edition(&self, code_set: &str) -> Option<&str> {
        self.document.editions.get(code_set).map(String::as_str)
    }

    /// Every category in the order of the document.
    pub fn categories(&self) -> &[Category] {
        &self.document.categories
    }

    pub fn document(&self) -> &Document {
        &self.document
    }

    pub fn contains(&self, code: &str) -> bool {
        self.by_code.contains_key(code)
    }

    pub fn get(&self, code: &str) -> Option<&Category> {
        self.by_code.get(code).map(|&n| &self.document.categories[n])
    }

    /// The top-level categories.
    pub fn roots(&self) -> Vec<&Category> {
        self.categories()
            .iter()
            .filter(|c| parent_of(&c.code).is_none())
            .collect()
    }

    /// The direct children of a category (none for an unknown code).
    pub fn children(&self, code: &str) -> Vec<&Category> {
        self.categories()
            .iter()
            .filter(|c| parent_of(&c.code) == Some(code))
            .collect()
    }

    /// Whether `code` is `ancestor` or below it; false unless both are in the tree.
    pub fn within(&self, code: &str, ancestor: &str) -> bool {
        self.contains(code)
            && self.contains(ancestor)
            && (code == ancestor || code.strip_prefix(ancestor).is_some_and(|rest| rest.starts_with('.')))
    }

    /// The code whose code, zh name, en name (any case) or synonym equals the trimmed text.
    pub fn classify(&self, free_text: &str) -> Option<&str> {
        let key = label_key(free_text);
        if key.is_empty() {
            return None;
        }
        self.by_label
            .get(&key)
            .map(|&n| self.document.categories[n].code.as_str())
    }

    /// A category's regulatory codes: each one it does not set itself comes from the nearest
    /// ancestor that sets it (a CFPB product and its issue travel together). `None` for an
    /// unknown code.
    pub fn maps(&self, code: &str) -> Option<Maps> {
        self.get(code)?;
        let mut jrt = Jrt0169::default();
        let mut resolved = Maps::default();
        let mut at = Some(code);
        while let Some(current) = at {
            let maps = &self.get(current)?.maps;
            if let Some(own) = &maps.jrt0169 {
                jrt.channel = jrt.channel.or_else(|| own.channel.clone());
                jrt.business = jrt.business.or_else(|| own.business.clone());
                jrt.cause = jrt.cause.or_else(|| own.cause.clone());
            }
            resolved.nfra = resolved.nfra.or_else(|| maps.nfra.clone());
            resolved.cfpb = resolved.cfpb.or_else(|| maps.cfpb.clone());
            at = parent_of(current);
        }
        if jrt != Jrt0169::default() {
            resolved.jrt0169 = Some(jrt);
        }
        Some(resolved)
    }

    /// The whole tree as JSON, as it rides in `routing.catalog.published`.
    ///
    /// # Panics
    ///
    /// Never: a document holds only strings, lists and maps keyed by strings.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.document).expect("a catalog document serialises")
    }
}

impl TryFrom<Document> for Catalog {
    type Error = Invalid;

    fn try_from(document: Document) -> Result<Self, Invalid> {
        Self::new(document)
    }
}

impl From<Catalog> for Document {
    fn from(catalog: Catalog) -> Self {
        catalog.document
    }
}

/// The requested editions, checked, plus the newest shipped edition of every other code set.
fn resolve_editions(requested: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, Invalid> {
    for (name, edition) in requested {
        CodeSet::load(name, edition).map_err(|problem| invalid(format!("editions.{name}"), problem.rule))?;
    }
    let mut editions = requested.clone();
    for (name, edition, _) in SHIPPED_CODE_SETS {
        if !requested.contains_key(*name) {
            editions.insert(name.to_string(), edition.to_string());
        }
    }
    Ok(editions)
}

fn check_maps(maps: &Maps, editions: &BTreeMap<String, String>, field: &str) -> Result<(), Invalid> {
    let code_set = |name: &str| {
        let edition = editions.get(name).map_or("", String::as_str);
        CodeSet::load(name, edition).map_err(|problem| invalid(format!("editions.{name}"), problem.rule))
    };
    let unknown = |name: &str, code: &str, what: &str, set: &CodeSet| {
        invalid(
            format!("{field}.{name}"),
            format!("`{code}` is not {what} in {} edition {}", set.name(), set.edition()),
        )
    };
    if let Some(jrt) = &maps.jrt0169 {
        let set = code_set("jrt0169")?;
        if *jrt == Jrt0169::default() {
            return Err(invalid(
                format!("{field}.jrt0169"),
                "names at least one of channel, business and cause",
            ));
        }
        for (dimension, code) in [
            ("channel", &jrt.channel),
            ("business", &jrt.business),
            ("cause", &jrt.cause),
        ] {
            if let Some(code) = code
                && !set.contains(dimension, code)
            {
                let what = format!("a {dimension} code");
                return Err(unknown(&format!("jrt0169.{dimension}"), code, &what, set));
            }
        }
    }
    if let Some(code) = &maps.nfra {
        let set = code_set("nfra")?;
        if !set.contains("category", code) {
            return Err(unknown("nfra", code, "a category", set));
        }
    }
    if let Some(cfpb) = &maps.cfpb {
        let set = code_set("cfpb")?;
        if !set.contains("product", &cfpb.product) {
            return Err(unknown("cfpb.product", &cfpb.product, "a product", set));
        }
        if let Some(issue) = &cfpb.issue
            && !set.contains_under("issue", issue, &cfpb.product)
        {
            let what = format!("an issue of `{}`", cfpb.product);
            return Err(unknown("cfpb.issue", issue, &what, set));
        }
    }
    Ok(())
}

impl CodeSet {
    /// Checks and builds a code set.
    pub fn new(document: CodeSetDocument) -> Result<Self, Invalid> {
        if !is_code(&document.name) || document.name.contains('.') {
            return Err(invalid("name", "a–z, 0–9 and '_'"));
        }
        if document.edition.is_empty() || document.edition.contains(char::is_whitespace) {
            return Err(invalid("edition", "an edition without spaces (`2018`, `2023-08`)"));
        }
        for (field, text) in [("title_zh", &document.title_zh), ("title_en", &document.title_en)] {
            if text.trim().is_empty() {
                return Err(invalid(field, "a code set is titled in zh-CN and en"));
            }
        }
        if document.note.trim().is_empty() {
            return Err(invalid(
                "note",
                "say what was confirmed from which source and what was not",
            ));
        }
        if document.dimensions.is_empty() {
            return Err(invalid("dimensions", "a code set has at least one dimension"));
        }
        for (child, parent) in &document.parent_dimensions {
            if child == parent || !document.dimensions.contains_key(child) || !document.dimensions.contains_key(parent)
            {
                return Err(invalid(
                    format!("parent_dimensions.{child}"),
                    "names two different dimensions of the set",
                ));
            }
        }
        let codes_of = |dimension: &str| -> HashSet<&str> {
            document.dimensions[dimension].iter().map(|c| c.code.as_str()).collect()
        };
        let mut parents: HashMap<(String, String), Vec<Option<String>>> = HashMap::new();
        for (dimension, codes) in &document.dimensions {
            if codes.is_empty() {
                return Err(invalid(
                    format!("dimensions.{dimension}"),
                    "a dimension lists at least one code",
                ));
            }
            let parent_dimension = document.parent_dimensions.get(dimension);
            let parent_codes = parent_dimension.map(|p| codes_of(p));
            // A parent in the same dimension must come first, which also rules out cycles.
            let mut listed: HashSet<&str> = HashSet::new();
            for (n, code) in codes.iter().enumerate() {
                let field = |name: &str| format!("dimensions.{dimension}[{n}].{name}");
                if code.code.is_empty() || code.code.trim() != code.code {
                    return Err(invalid(field("code"), "not empty and without surrounding spaces"));
                }
                for (name, text) in [("name_zh", &code.name_zh), ("name_en", &code.name_en)] {
                    if text.trim().is_empty() {
                        return Err(invalid(field(name), "a code is named in zh-CN and en"));
                    }
                }
                match (&code.parent, parent_dimension, &parent_codes) {
                    (None, Some(parent_dimension), _) => {
                        return Err(invalid(
                            field("parent"),
                            format!("a {parent_dimension} code is required"),
                        ));
                    }
                    (Some(parent), Some(parent_dimension), Some(parent_codes)) => {
                        if !parent_codes.contains(parent.as_str()) {
                            return Err(invalid(
                                field("parent"),
                                format!("`{parent}` is not a {parent_dimension} code"),
                            ));
                        }
                    }
                    (Some(parent), _, _) => {
                        if !listed.contains(parent.as_str()) {
                            return Err(invalid(field("parent"), format!("`{parent}` is not listed before it")));
                        }
                    }
                    (None, None, _) => {}
                }
                listed.insert(code.code.as_str());
                let under = parents.entry((dimension.clone(), code.code.clone())).or_default();
                // Codes are unique in their dimension, or under their parent where parents live in another one.
                if (parent_dimension.is_none() && !under.is_empty()) || under.contains(&code.parent) {
                    return Err(invalid(field("code"), format!("`{}` is listed twice", code.code)));
                }
                under.push(code.parent.clone());
            }
        }
        Ok(Self { document, parents })
    }

    /// Parses and checks a code set document.
    pub fn from_json(json: &str) -> Result<Self, Invalid> {
        Self::new(parse(json)?)
    }

    /// A shipped code set edition.
    pub fn load(name: &str, edition: &str) -> Result<&'static CodeSet, Invalid> {
        static LOADED: OnceLock<Vec<Result<CodeSet, Invalid>>> = OnceLock::new();
        let loaded = LOADED.get_or_init(|| {
            SHIPPED_CODE_SETS
                .iter()
                .map(|(name, edition, json)| {
                    let set = Self::from_json(json)?;
                    if set.name() != *name || set.edition() != *edition {
                        return Err(invalid(
                            "document",
                            format!("codeset-{name}-{edition}.json holds {} {}", set.name(), set.edition()),
                        ));
                    }
                    Ok(set)
                })
                .collect()
        });
        let position = SHIPPED_CODE_SETS
            .iter()
            .position(|(shipped_name, shipped_edition, _)| *shipped_name == name && *shipped_edition == edition);
        match position {
            Some(n) => loaded[n].as_ref().map_err(Clone::clone),
            None => {
                let shipped: Vec<String> = Self::shipped()
                    .map(|(name, edition)| format!("{name} {edition}"))
                    .collect();
                Err(invalid(
                    "edition",
                    format!("no shipped code set {name} {edition}; shipped: {}", shipped.join(", ")),
                ))
            }
        }
    }

    /// The shipped code sets as `(name, edition)`, oldest edition of a name first.
    pub fn shipped() -> impl Iterator<Item = (&'static str, &'static str)> {
        SHIPPED_CODE_SETS.iter().map(|(name, edition, _)| (*name, *edition))
    }

    pub fn name(&self) -> &str {
        &self.document.name
    }

    pub fn edition(&self) -> &str {
        &self.document.edition
    }

    pub fn document(&self) -> &CodeSetDocument {
        &self.document
    }

    /// The codes of a dimension in the order of the document (none for an unknown dimension).
    pub fn codes(&self, dimension: &str) -> &[Code] {
        self.document.dimensions.get(dimension).map_or(&[], Vec::as_slice)
    }

    /// Whether a dimension lists the code (under any parent).
    pub fn contains(&self, dimension: &str, code: &str) -> bool {
        self.parents.contains_key(&(dimension.to_string(), code.to_string()))
    }

    /// Whether a dimension lists the code under that parent.
    pub fn contains_under(&self, dimension: &str, code: &str, parent: &str) -> bool {
        self.parents
            .get(&(dimension.to_string(), code.to_string()))
            .is_some_and(|parents| parents.iter().any(|p| p.as_deref() == Some(parent)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes other services and tests use, with the names they must keep.
    const EXISTING: &[(&str, &str, &str, &str)] = &[
        ("general", "service.attitude", "服务态度", "staff attitude"),
        ("general", "service.efficiency", "服务效率", "service efficiency"),
        ("general", "service.process", "未按流程办理", "process not followed"),
        (
            "general",
            "result.product",
            "产品或结果与承诺不符",
            "product or result not as promised",
        ),
        (
            "general",
            "result.information",
            "信息错误或缺失",
            "wrong or missing information",
        ),
        ("general", "misconduct.abuse_of_power", "滥用职权", "abuse of power"),
        ("general", "misconduct.bribery", "收受贿赂", "bribery"),
        ("general", "environment.facilities", "设施环境", "facilities"),
        (
            "dealer",
            "dealer.sales.promise_not_kept",
            "优惠或承诺未兑现",
            "discount or promise not kept",
        ),
        ("dealer", "dealer.sales.price_markup", "加价销售", "price mark-up"),
        ("dealer", "dealer.sales.late_delivery", "延迟交车", "late delivery"),
        (
            "dealer",
            "dealer.after_sales.repair_quality",
            "维修质量",
            "repair quality",
        ),
        (
            "dealer",
            "dealer.after_sales.overcharging",
            "维修乱收费",
            "over-charging",
        ),
        ("dealer", "dealer.product_quality", "产品质量", "product quality"),
        ("bank", "bank.credit_card", "信用卡", "credit cards"),
        ("bank", "bank.debt_collection", "催收", "debt collection"),
    ];

    fn category(code: &str, name_zh: &str, name_en: &str) -> Category {
        Category {
            code: code.into(),
            name_zh: name_zh.into(),
            name_en: name_en.into(),
            synonyms: Vec::new(),
            maps: Maps::default(),
        }
    }

    fn document(categories: Vec<Category>) -> Document {
        Document {
            sector: "dealer".into(),
            editions: BTreeMap::new(),
            categories,
        }
    }

    fn small_tree() -> Vec<Category> {
        vec![
            category("dealer", "汽车销售与服务", "car dealership"),
            category("dealer.sales", "销售", "sales"),
            category("dealer.sales.price_markup", "加价销售", "price mark-up"),
            category("dealer.sales_events", "促销活动", "sales events"),
        ]
    }

    fn refused(categories: Vec<Category>) -> Invalid {
        match Catalog::new(document(categories)) {
            Ok(_) => panic!("a broken tree was accepted"),
            Err(problem) => problem,
        }
    }

    fn starter(sector: &str) -> Catalog {
        Catalog::starter(sector).unwrap_or_else(|problem| panic!("starter {sector}: {problem}"))
    }

    #[test]
    fn every_shipped_code_set_loads_and_validates() {
        let shipped: Vec<_> = CodeSet::shipped().collect();
        assert_eq!(shipped, [("jrt0169", "2018"), ("nfra", "2023"), ("cfpb", "2023-08")]);
        for (name, edition) in shipped {
            let set = CodeSet::load(name, edition).unwrap_or_else(|problem| panic!("{name} {edition}: {problem}"));
            assert_eq!((set.name(), set.edition()), (name, edition));
            assert!(set.document().note.contains("NOT confirmed") || set.document().note.contains("not read"));
        }
        let jrt = CodeSet::load("jrt0169", "2018").expect("shipped");
        for dimension in ["channel", "business", "cause"] {
            assert!(!jrt.codes(dimension).is_empty(), "{dimension}");
        }
        // The standard's rule for "other": 99 at the two-digit top level, 9 at every level below.
        for dimension in ["channel", "business"] {
            for code in jrt.codes(dimension).iter().filter(|c| c.name_zh == "其他") {
                let expected = if code.parent.is_none() { "99" } else { "9" };
                assert!(code.code.ends_with(expected), "{dimension} {}", code.code);
            }
        }
        assert!(jrt.contains("business", "B99") && jrt.contains("channel", "A0139") && jrt.contains("cause", "C12"));
        let cfpb = CodeSet::load("cfpb", "2023-08").expect("shipped");
        assert_eq!(cfpb.codes("product").len(), 11);
        assert!(cfpb.contains_under("issue", "Getting a credit card", "Credit card"));
        assert!(!cfpb.contains_under("issue", "Getting a credit card", "Mortgage"));
        assert!(cfpb.document().note.contains("Timely response"));
        assert!(
            CodeSet::load("nfra", "2023")
                .expect("shipped")
                .contains("category", "bank.credit_card")
        );
        let unknown = CodeSet::load("jrt0169", "2019").expect_err("not shipped");
        assert_eq!(unknown.field, "edition");
        assert!(unknown.rule.contains("jrt0169 2018"), "{}", unknown.rule);
    }

    #[test]
    fn every_starter_tree_loads_with_the_general_categories() {
        let general = starter("general");
        for sector in SECTORS {
            let tree = starter(sector);
            assert_eq!(tree.sector(), *sector);
            for category in general.categories() {
                assert_eq!(
                    tree.get(&category.code),
                    Some(category),
                    "{sector} lacks {}",
                    category.code
                );
            }
            assert_eq!(tree.edition("jrt0169"), Some("2018"));
            assert_eq!(tree.edition("cfpb"), Some("2023-08"));
        }
        for code in [
            "misconduct.theft",
            "misconduct.falsified_results",
            "environment.order",
            "environment.hygiene",
        ] {
            assert!(general.contains(code), "{code}");
        }
        assert!(starter("hospital").contains("hospital.catering"));
        assert!(!starter("hospital").contains("dealer.sales"));
        let unknown = Catalog::starter("bakery").expect_err("no bakery tree");
        assert_eq!(unknown.field, "sector");
    }

    #[test]
    fn existing_codes_keep_their_names_in_default_and_in_their_sector() {
        let default = starter("default");
        for (sector, code, name_zh, name_en) in EXISTING {
            for tree in [&default, &starter(sector)] {
                let category = tree
                    .get(code)
                    .unwrap_or_else(|| panic!("{} lacks {code}", tree.sector()));
                assert_eq!(
                    (category.name_zh.as_str(), category.name_en.as_str()),
                    (*name_zh, *name_en)
                );
            }
        }
    }

    #[test]
    fn default_holds_every_sector_tree() {
        let default = starter("default");
        for sector in ["dealer", "bank", "hospital"] {
            for category in starter(sector).categories() {
                assert_eq!(default.get(&category.code), Some(category));
            }
        }
    }

    #[test]
    fn classify_finds_codes_names_and_synonyms() {
        let tree = starter("default");
        let markup = Some("dealer.sales.price_markup");
        assert_eq!(tree.classify("加价销售"), markup);
        assert_eq!(tree.classify("PRICE MARK-UP"), markup);
        assert_eq!(tree.classify("Price Mark-Up"), markup);
        assert_eq!(tree.classify(" 加价提车 "), markup);
        assert_eq!(tree.classify("dealer.sales.price_markup"), markup);
        assert_eq!(tree.classify("Staff Attitude"), Some("service.attitude"));
        assert_eq!(tree.classify("暴力催收"), Some("bank.debt_collection"));
        assert_eq!(tree.classify("天气不好"), None);
        assert_eq!(tree.classify("   "), None);
        assert_eq!(starter("general").classify("加价销售"), None);
    }

    #[test]
    fn tree_questions() {
        let tree = Catalog::new(document(small_tree())).expect("valid");
        let children: Vec<&str> = tree.children("dealer").iter().map(|c| c.code.as_str()).collect();
        assert_eq!(children, ["dealer.sales", "dealer.sales_events"]);
        assert_eq!(tree.children("dealer.sales.price_markup"), Vec::<&Category>::new());
        assert_eq!(tree.roots().len(), 1);
        assert!(tree.within("dealer.sales.price_markup", "dealer.sales"));
        assert!(tree.within("dealer.sales", "dealer.sales"));
        assert!(tree.within("dealer.sales.price_markup", "dealer"));
        assert!(!tree.within("dealer.sales_events", "dealer.sales"));
        assert!(!tree.within("dealer.sales", "dealer.sales.price_markup"));
        assert!(!tree.within("dealer.sales.nothing", "dealer.sales"));
        assert!(tree.contains("dealer.sales") && !tree.contains("dealer.salez"));
    }

    #[test]
    fn broken_trees_are_refused_by_field_and_rule() {
        let mut unknown_parent = small_tree();
        unknown_parent[3] = category("dealer.salez.late", "延迟", "late");
        let problem = refused(unknown_parent);
        assert_eq!(problem.field, "categories[3].code");
        assert_eq!(problem.rule, "the parent dealer.salez is not in the catalog");

        let mut duplicate = small_tree();
        duplicate.push(category("dealer.sales", "销售二", "sales two"));
        let problem = refused(duplicate);
        assert_eq!(problem.field, "categories[4].code");
        assert_eq!(problem.rule, "dealer.sales is used twice (first at categories[1])");

        let mut unnamed = small_tree();
        unnamed[2].name_en = "  ".into();
        assert_eq!(refused(unnamed).field, "categories[2].name_en");

        let mut malformed = small_tree();
        malformed[1].code = "dealer.Sales".into();
        assert_eq!(refused(malformed).field, "categories[1].code");

        let mut ambiguous = small_tree();
        ambiguous[3].synonyms = vec!["Price Mark-up".into()];
        let problem = refused(ambiguous);
        assert_eq!(problem.field, "categories[3].synonyms[0]");
        assert_eq!(problem.rule, "`Price Mark-up` already names dealer.sales.price_markup");

        assert_eq!(refused(Vec::new()).field, "categories");
    }

    #[test]
    fn mappings_must_name_codes_of_the_code_set_edition() {
        let with_maps = |maps: Maps| {
            let mut tree = small_tree();
            tree[2].maps = maps;
            refused(tree)
        };
        let problem = with_maps(Maps {
            jrt0169: Some(Jrt0169 {
                channel: Some("A77".into()),
                ..Jrt0169::default()
            }),
            ..Maps::default()
        });
        assert_eq!(problem.field, "categories[2].maps.jrt0169.channel");
        assert_eq!(problem.rule, "`A77` is not a channel code in jrt0169 edition 2018");

        let problem = with_maps(Maps {
            jrt0169: Some(Jrt0169::default()),
            ..Maps::default()
        });
        assert_eq!(problem.field, "categories[2].maps.jrt0169");

        let problem = with_maps(Maps {
            nfra: Some("bank.nonsense".into()),
            ..Maps::default()
        });
        assert_eq!(problem.field, "categories[2].maps.nfra");

        let problem = with_maps(Maps {
            cfpb: Some(Cfpb {
                product: "Mortgage".into(),
                issue: Some("Getting a credit card".into()),
            }),
            ..Maps::default()
        });
        assert_eq!(problem.field, "categories[2].maps.cfpb.issue");
        assert_eq!(
            problem.rule,
            "`Getting a credit card` is not an issue of `Mortgage` in cfpb edition 2023-08"
        );

        let mut doc = document(small_tree());
        doc.editions.insert("cfpb".into(), "2017-04".into());
        let problem = Catalog::new(doc).expect_err("no such edition");
        assert_eq!(problem.field, "editions.cfpb");
    }

    #[test]
    fn maps_inherit_from_the_nearest_ancestor() {
        let mut tree = small_tree();
        tree[0].maps = Maps {
            jrt0169: Some(Jrt0169 {
                channel: Some("A011".into()),
                business: Some("B99".into()),
                cause: Some("C01".into()),
            }),
            nfra: Some("bank.other".into()),
            cfpb: None,
        };
        tree[1].maps = Maps {
            jrt0169: Some(Jrt0169 {
                business: Some("B032".into()),
                ..Jrt0169::default()
            }),
            cfpb: Some(Cfpb {
                product: "Credit card".into(),
                issue: None,
            }),
            ..Maps::default()
        };
        tree[2].maps.jrt0169 = Some(Jrt0169 {
            cause: Some("C07".into()),
            ..Jrt0169::default()
        });
        let tree = Catalog::new(document(tree)).expect("valid");
        let maps = tree.maps("dealer.sales.price_markup").expect("known");
        let jrt = maps.jrt0169.expect("inherited");
        assert_eq!(
            (jrt.channel.as_deref(), jrt.business.as_deref(), jrt.cause.as_deref()),
            (Some("A011"), Some("B032"), Some("C07"))
        );
        assert_eq!(maps.nfra.as_deref(), Some("bank.other"));
        assert_eq!(maps.cfpb.map(|c| c.product).as_deref(), Some("Credit card"));
        let sibling = tree.maps("dealer.sales_events").expect("known");
        assert_eq!(sibling.jrt0169.and_then(|j| j.business).as_deref(), Some("B99"));
        assert_eq!(sibling.cfpb, None);
        assert_eq!(tree.maps("dealer.nothing"), None);
    }

    #[test]
    fn every_bank_category_carries_the_central_bank_and_regulator_codes() {
        let tree = starter("bank");
        let bank: Vec<&Category> = tree
            .categories()
            .iter()
            .filter(|c| tree.within(&c.code, "bank"))
            .collect();
        assert!(bank.len() > 10);
        for category in bank {
            let maps = tree.maps(&category.code).expect("known");
            let jrt = maps.jrt0169.unwrap_or_default();
            assert!(
                jrt.channel.is_some() && jrt.business.is_some() && jrt.cause.is_some() && maps.nfra.is_some(),
                "{}",
                category.code
            );
        }
        let cfpb = |code: &str| tree.maps(code).and_then(|m| m.cfpb).map(|c| c.product);
        for (code, product) in [
            ("bank.credit_card", "Credit card"),
            ("bank.mortgage", "Mortgage"),
            ("bank.deposit", "Checking or savings account"),
            ("bank.debt_collection", "Debt collection"),
            ("bank.auto_loan", "Vehicle loan or lease"),
            ("bank.payment", "Money transfer, virtual currency, or money service"),
            (
                "bank.credit_report",
                "Credit reporting or other personal consumer reports",
            ),
        ] {
            assert_eq!(cfpb(code).as_deref(), Some(product), "{code}");
        }
        assert_eq!(
            tree.maps("bank.debt_collection")
                .and_then(|m| m.jrt0169)
                .and_then(|j| j.cause)
                .as_deref(),
            Some("C12")
        );
    }

    #[test]
    fn a_tree_rides_as_json_and_is_checked_on_arrival() {
        let tree = starter("bank");
        let json = tree.to_json();
        assert_eq!(Catalog::from_json(&json).expect("valid"), tree);
        let value = serde_json::to_value(&tree).expect("serialises");
        assert_eq!(value["sector"], "bank");
        assert_eq!(serde_json::from_value::<Catalog>(value).expect("valid"), tree);

        let extra = r#"{"sector": "dealer", "categories": [], "colour": "red"}"#;
        assert_eq!(Catalog::from_json(extra).expect_err("unknown field").field, "document");
        let broken = r#"{"sector": "dealer", "categories": [
            {"code": "dealer", "name_zh": "经销商", "name_en": "dealer"},
            {"code": "dealer.salez.x", "name_zh": "某", "name_en": "x"}]}"#;
        assert!(serde_json::from_str::<Catalog>(broken).is_err());
        assert_eq!(
            Catalog::from_json(broken).expect_err("broken").field,
            "categories[1].code"
        );
    }

    #[test]
    fn broken_code_sets_are_refused_by_field_and_rule() {
        let code = |code: &str, parent: Option<&str>| Code {
            code: code.into(),
            parent: parent.map(Into::into),
            name_zh: "名".into(),
            name_en: "name".into(),
        };
        let set = |dimensions: Vec<(&str, Vec<Code>)>, parent_dimensions: &[(&str, &str)]| CodeSetDocument {
            name: "test".into(),
            edition: "1".into(),
            title_zh: "测试".into(),
            title_en: "test".into(),
            note: "made up for a test".into(),
            parent_dimensions: parent_dimensions
                .iter()
                .map(|(c, p)| (c.to_string(), p.to_string()))
                .collect(),
            dimensions: dimensions.into_iter().map(|(d, c)| (d.to_string(), c)).collect(),
        };
        let refused = |document: CodeSetDocument| CodeSet::new(document).expect_err("refused");

        let problem = refused(set(
            vec![("cause", vec![code("C011", Some("C01")), code("C01", None)])],
            &[],
        ));
        assert_eq!(problem.field, "dimensions.cause[0].parent");
        assert_eq!(problem.rule, "`C01` is not listed before it");

        let problem = refused(set(vec![("cause", vec![code("C01", None), code("C01", None)])], &[]));
        assert_eq!(problem.field, "dimensions.cause[1].code");

        let issues = vec![code("Fees", Some("Card")), code("Fees", Some("Loan"))];
        let problem = refused(set(
            vec![("product", vec![code("Card", None)]), ("issue", issues.clone())],
            &[("issue", "product")],
        ));
        assert_eq!(problem.field, "dimensions.issue[1].parent");
        assert_eq!(problem.rule, "`Loan` is not a product code");

        let both = set(
            vec![
                ("product", vec![code("Card", None), code("Loan", None)]),
                ("issue", issues),
            ],
            &[("issue", "product")],
        );
        let accepted = CodeSet::new(both).expect("the same issue under two products");
        assert!(accepted.contains_under("issue", "Fees", "Loan"));

        let mut silent = set(vec![("cause", vec![code("C01", None)])], &[]);
        silent.note = " ".into();
        assert_eq!(refused(silent).field, "note");
    }
}

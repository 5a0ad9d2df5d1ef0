//! Builds dossiers and letters with the real CJK font and reads them back: the ZIP with the `zip` crate, the
//! PDF with poppler's `pdftotext`, `pdfinfo` and `pdffonts`.
//!
//! Needs the Debian packages `fonts-wqy-microhei` (or another font `Fonts::discover` finds, or
//! `REDRESS_PDF_FONT`) and `poppler-utils`. A missing one fails the test with what to install,
//! under CI and everywhere else: these tests are never skipped.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use dossier::{
    Attachment, Built, DeadlineLine, Dossier, Error, FONT_ENV, Fonts, Language, Letter, RecordLine, TimelineLine,
    build, letter_pdf,
};
use sha2::{Digest, Sha256};

/// Complaints as they were filed (from the June 2020 sample of Chinese car complaints).
const FILED: [&str; 3] = [
    "吉利帝豪发动机舱异响4S店拒绝保修",
    "一汽马自达阿特兹B柱异响 车内异响严重",
    "众泰T600 Coupe售后维修配件一直缺货",
];
const FINDING_PHRASE: &str = "经销商拒绝按三包规定保修";

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::discover().unwrap_or_else(|error| panic!("{error}")))
}

fn attachment(name: &str, content_type: &str, bytes: &[u8]) -> Attachment {
    Attachment {
        name: name.to_string(),
        content_type: content_type.to_string(),
        bytes: bytes.to_vec(),
    }
}

fn chinese_case() -> Dossier {
    let finding = format!(
        "投诉人称：{}。经调查，车辆于保修期内多次进店检修，{FINDING_PHRASE}，理由为“异响属正常现象”。\
         调查组调取了维修工单三份和通话录音两段，认定经销商未履行告知义务。",
        FILED[0]
    );
    Dossier {
        language: Language::Zh,
        case_id: "0196a3b2-7c1d-7e55-9a41-3c2f1e0d9b88".into(),
        case_number: "TS-2026-000042".into(),
        exported_by: "staff-0007".into(),
        exported_at: "2026-03-02T10:20:30+08:00".into(),
        facts: vec![
            ("状态".into(), "调查中".into()),
            ("投诉人".into(), "张先生".into()),
            ("投诉内容".into(), FILED.join("；")),
            ("类别".into(), "汽车 › 售后服务 › 保修".into()),
        ],
        deadlines: vec![
            DeadlineLine {
                kind: "受理".into(),
                due_at: "2026-03-03T18:00:00+08:00".into(),
                state: "已完成".into(),
                provisional: false,
            },
            DeadlineLine {
                kind: "办结".into(),
                due_at: "2026-03-20T18:00:00+08:00".into(),
                state: "计时中".into(),
                provisional: true,
            },
        ],
        timeline: vec![
            TimelineLine {
                at: "2026-03-01T09:12:00+08:00".into(),
                service: "intake".into(),
                action: "登记投诉".into(),
                actor: "staff-0003".into(),
            },
            TimelineLine {
                at: "2026-03-01T09:40:00+08:00".into(),
                service: "routing".into(),
                action: "分派至售后服务组, 处理人 staff-0007".into(),
                actor: "system".into(),
            },
        ],
        records: vec![
            RecordLine {
                kind: "调查结论".into(),
                n: 1,
                state: "已批准".into(),
                at: "2026-03-02T09:00:00+08:00".into(),
                by: "staff-0007".into(),
                summary: finding,
            },
            RecordLine {
                kind: "回访".into(),
                n: 1,
                state: "已完成".into(),
                at: "2026-03-02T10:00:00+08:00".into(),
                by: "staff-0011".into(),
                summary: "Callback in English: the complainant accepted the repair plan.".into(),
            },
        ],
        letters: vec![
            attachment(
                "回复函.txt",
                "text/plain; charset=utf-8",
                "张先生：您好！您的投诉已受理。".as_bytes(),
            ),
            attachment(
                "letters/回复函.txt",
                "text/plain; charset=utf-8",
                "张先生：调查结果如下。".as_bytes(),
            ),
        ],
        materials: vec![
            attachment("../../etc/passwd", "text/plain", b"not really"),
            attachment("/tmp/维修工单.jpg", "image/jpeg", &[0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
            attachment(
                "C:\\扫描\\维修工单.JPG",
                "image/jpeg",
                &[0xff, 0xd8, 0xff, 0xe0, 4, 5, 6],
            ),
            attachment("..", "application/octet-stream", b"nameless"),
        ],
        data: vec![
            attachment("case.json", "application/json", br#"{"case_number":"TS-2026-000042"}"#),
            attachment("manifest.json", "application/json", b"{}"),
        ],
    }
}

fn english_case() -> Dossier {
    let mut case = chinese_case();
    case.language = Language::En;
    case.facts = vec![
        ("Status".into(), "Investigating".into()),
        ("Complaint".into(), FILED[2].into()),
    ];
    case
}

fn built_chinese_case() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| build(&chinese_case(), fonts()).unwrap_or_else(|error| panic!("{error}")))
}

fn unzip(zip: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a readable ZIP");
    (0..archive.len())
        .map(|index| {
            let mut file = archive.by_index(index).expect("an entry");
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).expect("the entry's bytes");
            (file.name().expect("a UTF-8 name").to_string(), bytes)
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Runs a poppler tool on `pdf`; a missing tool fails the test with what to install.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("summary.pdf");
    std::fs::write(&path, pdf).expect("the PDF written");
    let mut command = Command::new(tool);
    command.args(args).arg(&path);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let under = match std::env::var("CI").as_deref() {
                Ok("true") => "CI",
                _ => "this machine",
            };
            panic!(
                "{tool} is missing on {under}: install the Debian package poppler-utils (apt-get install -y poppler-utils)"
            )
        }
        Err(error) => panic!("running {tool}: {error}"),
    };
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 from poppler")
}

/// The text of the PDF with all whitespace removed, since pdftotext spaces and breaks lines its
/// own way.
fn pdf_text(pdf: &[u8], args: &[&str]) -> String {
    poppler("pdftotext", &[args, &["-enc", "UTF-8"]].concat(), pdf)
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .collect()
}

fn n_pages(pdf: &[u8]) -> usize {
    let info = poppler("pdfinfo", &[], pdf);
    let pages = info
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .expect("pdfinfo prints Pages:");
    pages.trim().parse().expect("a page count")
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|ch| !ch.is_whitespace()).collect()
}

#[test]
fn the_manifest_lists_every_file_with_its_size_and_hash() {
    let built = built_chinese_case();
    assert_eq!(built.sha256, sha256_hex(&built.zip));
    let files = unzip(&built.zip);
    let mut in_order: Vec<String> = built.files.clone();
    in_order.sort();
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), in_order);
    assert_eq!(built.files.last().map(String::as_str), Some("manifest.json"));

    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).expect("manifest.json is JSON");
    assert_eq!(manifest["exported_by"], "staff-0007");
    assert_eq!(manifest["exported_at"], "2026-03-02T10:20:30+08:00");
    assert_eq!(manifest["case_number"], "TS-2026-000042");
    let listed = manifest["files"].as_array().expect("a list of files");
    assert_eq!(listed.len(), files.len() - 1, "every file but the manifest: {listed:?}");
    for entry in listed {
        let name = entry["name"].as_str().expect("a name");
        let bytes = files
            .get(name)
            .unwrap_or_else(|| panic!("{name} is listed but not in the ZIP"));
        assert_eq!(entry["size"], bytes.len(), "{name}");
        assert_eq!(entry["sha256"], sha256_hex(bytes), "{name}");
    }
    for own in ["summary.pdf", "timeline.csv", "records.json", "case.json"] {
        assert!(files.contains_key(own), "{own} missing from {:?}", files.keys());
    }

    let records: serde_json::Value = serde_json::from_slice(&files["records.json"]).expect("records.json is JSON");
    assert_eq!(records["records"][0]["kind"], "调查结论");
    let timeline = String::from_utf8(files["timeline.csv"].clone()).expect("UTF-8 CSV");
    assert!(
        timeline.contains("\"分派至售后服务组, 处理人 staff-0007\""),
        "{timeline}"
    );
}

#[test]
fn file_names_from_the_caller_are_made_safe_and_unique() {
    let built = built_chinese_case();
    for expected in [
        "letters/回复函.txt",
        "letters/回复函-2.txt",
        "materials/passwd",
        "materials/维修工单.jpg",
        "materials/维修工单-2.JPG",
        "materials/material",
        "case.json",
        "manifest-2.json",
        "manifest.json",
    ] {
        assert!(
            built.files.iter().any(|file| file == expected),
            "{expected} missing from {:?}",
            built.files
        );
    }
    for file in &built.files {
        assert!(!file.starts_with('/') && !file.contains('\\'), "{file}");
        assert!(
            file.split('/')
                .all(|part| part != ".." && part != "." && !part.is_empty()),
            "{file}"
        );
    }
    assert_eq!(unzip(&built.zip)["materials/passwd"], b"not really");
}

#[test]
fn the_chinese_summary_has_the_case_headings_and_records() {
    let pdf = &unzip(&built_chinese_case().zip)["summary.pdf"];
    let text = pdf_text(pdf, &[]);
    for expected in [
        "案件档案",
        "TS-2026-000042",
        "基本信息",
        "时限",
        "时间线",
        "处理记录",
        "导出人",
        "导出时间",
        "staff-0007",
        FINDING_PHRASE,
        FILED[0],
        "（暂定）",
        "Callbackin",
        "第1页，共1页",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "{expected:?} missing from the PDF's text: {text}"
        );
    }
}

#[test]
fn the_summary_embeds_a_small_subset_of_the_font() {
    let pdf = &unzip(&built_chinese_case().zip)["summary.pdf"];
    assert!(pdf.len() < 300_000, "the summary is {} bytes", pdf.len());
    let font_size = std::fs::metadata(fonts().path()).expect("the font file").len();
    assert!(
        (pdf.len() as u64) * 10 < font_size,
        "{} bytes of PDF for a font of {font_size}",
        pdf.len()
    );
    let listing = poppler("pdffonts", &[], pdf);
    let embedded = listing.lines().skip(2).collect::<Vec<_>>();
    assert!(!embedded.is_empty(), "no fonts: {listing}");
    for line in embedded {
        // pdffonts marks an embedded subset with "yes yes" in its emb and sub columns.
        assert!(line.contains("yes yes"), "not an embedded subset: {line}\n{listing}");
    }
}

#[test]
fn the_english_summary_has_english_headings() {
    let built = build(&english_case(), fonts()).unwrap_or_else(|error| panic!("{error}"));
    let text = pdf_text(&unzip(&built.zip)["summary.pdf"], &[]);
    for expected in [
        "Case dossier",
        "TS-2026-000042",
        "Case facts",
        "Deadlines",
        "Timeline",
        "Records",
        "Exported by",
        "Exported at",
        "(provisional)",
        FILED[2],
        FINDING_PHRASE,
        "Page 1 of 1",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "{expected:?} missing from the PDF's text: {text}"
        );
    }
}

#[test]
fn a_long_record_runs_onto_more_pages() {
    let mut case = chinese_case();
    let long = format!("{}。{FINDING_PHRASE}。", FILED.join("，")).repeat(120);
    case.records.push(RecordLine {
        kind: "处理方案".into(),
        n: 2,
        state: "待审批".into(),
        at: "2026-03-02T10:10:00+08:00".into(),
        by: "staff-0007".into(),
        summary: format!("{long}全文完"),
    });
    let built = build(&case, fonts()).unwrap_or_else(|error| panic!("{error}"));
    let pdf = &unzip(&built.zip)["summary.pdf"];
    let pages = n_pages(pdf);
    assert!(pages > 1, "{pages} page(s)");
    let last = pages.to_string();
    let last_page = pdf_text(pdf, &["-f", &last, "-l", &last]);
    assert!(last_page.contains(&format!("第{pages}页，共{pages}页")), "{last_page}");
    assert!(
        last_page.contains("全文完"),
        "the end of the record is not on the last page: {last_page}"
    );
    assert!(pdf.len() < 300_000, "the summary is {} bytes", pdf.len());
}

#[test]
fn the_same_dossier_gives_the_same_bytes() {
    let again = build(&chinese_case(), fonts()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(again.sha256, built_chinese_case().sha256);
}

#[test]
fn a_missing_font_says_what_was_tried_and_what_to_install() {
    let missing = Path::new("/nonexistent/redress/font.ttc");
    let error = Fonts::discover_from(Some(missing.to_path_buf())).expect_err("no font there");
    assert!(matches!(error, Error::NoFont { .. }), "{error:?}");
    let message = error.to_string();
    for expected in ["/nonexistent/redress/font.ttc", "fonts-wqy-microhei", FONT_ENV] {
        assert!(message.contains(expected), "{expected:?} missing from {message:?}");
    }
}

#[test]
fn a_file_that_is_no_font_is_refused() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("font.ttf");
    std::fs::write(&path, b"not a font").expect("written");
    let error = Fonts::from_path(&path).expect_err("not a font");
    assert!(matches!(error, Error::BadFont { .. }), "{error:?}");
}

/// `Fonts::discover` reads `REDRESS_PDF_FONT`. Tests may not change their own environment (it is
/// shared by the threads running them), so this test runs itself again in a child process with the
/// variable set to a missing file.
#[test]
fn discover_uses_the_font_named_by_the_environment() {
    const CHILD: &str = "DOSSIER_TEST_DISCOVER_CHILD";
    const MISSING: &str = "/nonexistent/redress/from-env.ttf";
    if std::env::var_os(CHILD).is_some() {
        let error = Fonts::discover().expect_err("no font there");
        assert!(
            matches!(&error, Error::NoFont { tried } if tried == &[Path::new(MISSING)]),
            "{error:?}"
        );
        return;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "discover_uses_the_font_named_by_the_environment",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(FONT_ENV, MISSING)
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const AMOUNT: &str = "人民币壹仟贰佰元整（¥1,200.00）";

/// A result letter (处理结果告知书) from a dealership, its long paragraph naming the refund in
/// capitals.
fn chinese_letter() -> Letter {
    Letter {
        language: Language::Zh,
        organisation: "广州天河比亚迪4S店".into(),
        title: "处理结果告知书".into(),
        reference: "TS-2026-000042".into(),
        salutation: "王芳女士：".into(),
        paragraphs: vec![
            format!(
                "您于2026年11月20日反映的“{}”一事，本店已受理并完成调查，现将处理结果告知如下。",
                FILED[0]
            ),
            format!(
                "经调查，您的车辆于保修期内三次进店检修，发动机舱异响问题属实，{FINDING_PHRASE}的做法不当。\
                 本店已安排免费更换发动机悬置总成，并退还您此前自付的检测费及维修费共计{AMOUNT}，\
                 款项将于十个工作日内原路退回您的付款账户。对于给您带来的不便，本店深表歉意，\
                 并已对相关服务人员进行了批评教育，今后将严格按照《家用汽车产品修理更换退货责任规定》履行保修义务。"
            ),
            "如您对上述处理结果有异议，可自收到本告知书之日起十五日内向本店客户关系部申请复核，\
             也可向当地市场监督管理部门投诉。"
                .into(),
        ],
        closing: "特此告知。".into(),
        signature: "广州天河比亚迪4S店".into(),
        date: "2026年12月5日".into(),
        contact: Some("咨询电话：400-800-1234　地址：广州市天河区黄埔大道西100号".into()),
    }
}

fn english_letter() -> Letter {
    Letter {
        language: Language::En,
        organisation: "China Merchants Bank, Shenzhen Futian Branch".into(),
        title: "Notice of the result of your complaint".into(),
        reference: "TS-2026-000043".into(),
        salutation: "Dear Ms Wang,".into(),
        paragraphs: vec![
            "Thank you for your complaint of 20 November 2026 about the annual fee charged to your credit card.".into(),
            "We have investigated and found that the fee should have been waived under the terms of your card. \
             We will refund CNY 1,200.00 (one thousand two hundred yuan) to your card account within ten working days."
                .into(),
        ],
        closing: "Yours sincerely,".into(),
        signature: "Customer Relations, Shenzhen Futian Branch".into(),
        date: "5 December 2026".into(),
        contact: Some("Enquiries: 400-800-1234".into()),
    }
}

fn pdf_of(letter: &Letter) -> Vec<u8> {
    letter_pdf(letter, fonts()).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn a_chinese_letter_prints_its_title_case_number_amount_date_and_signature() {
    let pdf = pdf_of(&chinese_letter());
    assert!(pdf.len() < 200_000, "the letter is {} bytes", pdf.len());
    assert_eq!(n_pages(&pdf), 1);
    let text = pdf_text(&pdf, &[]);
    for expected in [
        "处理结果告知书",
        "投诉单号：TS-2026-000042",
        "王芳女士：",
        AMOUNT,
        FINDING_PHRASE,
        "特此告知。",
        // The signature with the date under it.
        "广州天河比亚迪4S店2026年12月5日",
        "咨询电话：400-800-1234",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "{expected:?} missing from the letter's text: {text}"
        );
    }
    assert!(!text.contains('页'), "a one-page letter has no page numbers: {text}");
    let listing = poppler("pdffonts", &[], &pdf);
    for line in listing.lines().skip(2) {
        assert!(line.contains("yes yes"), "not an embedded subset: {line}\n{listing}");
    }
}

#[test]
fn an_english_letter_prints_its_title_case_number_amount_date_and_signature() {
    let pdf = pdf_of(&english_letter());
    assert!(pdf.len() < 200_000, "the letter is {} bytes", pdf.len());
    assert_eq!(n_pages(&pdf), 1);
    let text = pdf_text(&pdf, &[]);
    for expected in [
        "China Merchants Bank, Shenzhen Futian Branch",
        "Notice of the result of your complaint",
        "Case number: TS-2026-000043",
        "Dear Ms Wang,",
        "CNY 1,200.00 (one thousand two hundred yuan)",
        "Yours sincerely,",
        "Customer Relations, Shenzhen Futian Branch5 December 2026",
        "Enquiries: 400-800-1234",
    ] {
        assert!(
            text.contains(&squeeze(expected)),
            "{expected:?} missing from the letter's text: {text}"
        );
    }
}

#[test]
fn a_very_long_letter_runs_onto_two_numbered_pages() {
    let mut letter = chinese_letter();
    let paragraph = letter.paragraphs[1].clone();
    letter.paragraphs = std::iter::repeat_n(paragraph, 6).collect();
    letter.paragraphs.push("全文完。".into());
    let pdf = pdf_of(&letter);
    assert_eq!(n_pages(&pdf), 2);
    assert!(pdf.len() < 200_000, "the letter is {} bytes", pdf.len());
    let first = pdf_text(&pdf, &["-f", "1", "-l", "1"]);
    assert!(
        first.contains("第1页，共2页") && first.contains("处理结果告知书"),
        "{first}"
    );
    let second = pdf_text(&pdf, &["-f", "2", "-l", "2"]);
    for expected in [
        "第2页，共2页",
        "投诉单号：TS-2026-000042",
        "全文完。",
        "特此告知。",
        "2026年12月5日",
    ] {
        assert!(second.contains(expected), "{expected:?} missing from page 2: {second}");
    }
}

#[test]
fn the_same_letter_gives_the_same_bytes() {
    let letter = chinese_letter();
    assert_eq!(sha256_hex(&pdf_of(&letter)), sha256_hex(&pdf_of(&letter)));
    let english = english_letter();
    assert_eq!(pdf_of(&english), pdf_of(&english));
}

//! Every shipped notice as reviewers read it (snapshots under `tests/snapshots/`, rewritten with
//! `UPDATE_SNAPSHOTS=1`), and the behaviour around them: missing variables, tenant overrides,
//! confidentiality, amounts and SMS segments.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use domain::vocabulary::Language;
use notices::{Channel, Error, Key, Kind, Rendered, TemplateSet, amount_in_capitals, render, samples, sms_segments};
use serde_json::{Value, json};

const LANGUAGES: [Language; 2] = [Language::ZhCn, Language::En];

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// What a reviewer reads: the subject, the SMS's provider fields, then the body.
fn snapshot_text(rendered: &Rendered) -> String {
    let mut text = String::new();
    if rendered.sms.is_none() {
        text.push_str(&format!("subject: {}\n", rendered.subject));
    }
    if let Some(sms) = &rendered.sms {
        text.push_str(&format!("template_id: {}\n", sms.template_id));
        text.push_str("params:\n");
        for (name, value) in &sms.params {
            text.push_str(&format!("  {name}: {value}\n"));
        }
        text.push_str(&format!("characters: {}\n", sms.text.chars().count()));
        text.push_str(&format!("segments: {}\n", sms.segments));
    }
    text.push_str("---\n");
    text.push_str(&rendered.body);
    text.push('\n');
    text
}

fn main_sample(kind: Kind, language: Language) -> Value {
    samples(kind, language).remove(0).context
}

#[test]
fn every_offered_notice_matches_its_snapshot() {
    let update = std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|value| value == "1");
    let directory = snapshot_dir();
    let set = TemplateSet::shipped();
    let mut expected_files = BTreeSet::new();
    let mut mismatches = Vec::new();
    for kind in Kind::ALL {
        for language in LANGUAGES {
            for sample in samples(kind, language) {
                for &channel in kind.channels() {
                    let file = format!("{}.{}.{}.txt", sample.name, channel, language.tag());
                    let rendered = render(&set, kind, channel, language, &sample.context)
                        .unwrap_or_else(|error| panic!("{file}: {error}"));
                    let actual = snapshot_text(&rendered);
                    let path = directory.join(&file);
                    if update {
                        std::fs::write(&path, &actual).unwrap_or_else(|error| panic!("{file}: {error}"));
                    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(actual.as_str()) {
                        mismatches.push(format!("{file}:\n{actual}"));
                    }
                    expected_files.insert(file);
                }
            }
        }
    }
    let stale: Vec<String> = std::fs::read_dir(&directory)
        .expect("tests/snapshots exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| !expected_files.contains(name))
        .collect();
    if update {
        for name in &stale {
            std::fs::remove_file(directory.join(name)).expect("remove a stale snapshot");
        }
        return;
    }
    assert!(stale.is_empty(), "snapshots nothing renders any more: {stale:?}");
    assert!(
        mismatches.is_empty(),
        "{} snapshots differ (rerun with UPDATE_SNAPSHOTS=1 and review the diff):\n\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // Each kind over each channel in both languages, plus the variants (confidential, bank).
    assert!(
        expected_files.len() >= Key::offered().count(),
        "{}",
        expected_files.len()
    );
}

#[test]
fn the_shipped_templates_pass_their_own_check() {
    TemplateSet::shipped().check().expect("the shipped templates are valid");
}

#[test]
fn a_missing_variable_is_an_error_that_names_it() {
    let set = TemplateSet::shipped();
    let mut context = main_sample(Kind::Acknowledgement, Language::ZhCn);
    context.as_object_mut().expect("an object").remove("due_on");
    let error = render(&set, Kind::Acknowledgement, Channel::Email, Language::ZhCn, &context).expect_err("due_on");
    assert!(
        matches!(&error, Error::MissingVariable { variable, .. } if variable == "due_on"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "missing variable `due_on` for template acknowledgement.email.zh-CN"
    );

    // A confidential notice needs the receipt code its SMS points to.
    let mut context = main_sample(Kind::Result, Language::En);
    context["confidential"] = json!(true);
    let error = render(&set, Kind::Result, Channel::Sms, Language::En, &context).expect_err("receipt");
    assert!(
        matches!(&error, Error::MissingVariable { variable, .. } if variable == "receipt"),
        "{error:?}"
    );

    // A variable a tenant's template uses but the context lacks is named by the engine.
    let key = Key::new(Kind::Acknowledgement, Channel::Sms, Language::ZhCn);
    let set = set
        .with_override(
            key,
            "{% set template_id = 'SMS_1' %}{% set params = {} %}请凭回执码{{ receipt }}查询。",
        )
        .expect("offered");
    let context = main_sample(Kind::Acknowledgement, Language::ZhCn);
    let error = render(&set, Kind::Acknowledgement, Channel::Sms, Language::ZhCn, &context).expect_err("receipt");
    assert_eq!(
        error,
        Error::MissingVariable {
            key,
            variable: "receipt".to_owned()
        }
    );

    // An optional variable used without `is defined`, through a filter.
    let key = Key::new(Kind::Result, Channel::Letter, Language::ZhCn);
    let set = TemplateSet::shipped()
        .with_override(
            key,
            "{% set subject %}处理结果告知书{% endset %}金额：{{ amount_fen | capitals }}",
        )
        .expect("offered");
    let mut context = main_sample(Kind::Result, Language::ZhCn);
    context["amount_fen"] = Value::Null;
    let error = render(&set, Kind::Result, Channel::Letter, Language::ZhCn, &context).expect_err("amount_fen");
    assert_eq!(
        error,
        Error::MissingVariable {
            key,
            variable: "amount_fen".to_owned()
        }
    );

    let error = render(
        &TemplateSet::shipped(),
        Kind::Dispatch,
        Channel::Email,
        Language::ZhCn,
        &json!({"case_number": "TS202612050001", "unit": "广州天河比亚迪4S店", "due_at": "明天", "severity": "重大", "priority": "高", "summary": "x"}),
    )
    .expect_err("due_at is not a time");
    assert!(error.to_string().contains("`due_at`"), "{error}");
}

#[test]
fn a_tenant_override_changes_the_text_and_check_names_a_broken_template() {
    let key = Key::new(Kind::Extension, Channel::Email, Language::ZhCn);
    let source = "{% set subject %}延期告知：{{ case_number }}{% endset %}\n{{ name }}您好，办结期限延至{{ new_due_on | date }}。\n";
    let set = TemplateSet::shipped()
        .with_override(key, source)
        .expect("offered")
        .with_version(7);
    set.check().expect("the override is valid");
    let context = main_sample(Kind::Extension, Language::ZhCn);
    let rendered = render(&set, Kind::Extension, Channel::Email, Language::ZhCn, &context).expect("renders");
    assert_eq!(rendered.subject, "延期告知：TS202612050001");
    assert_eq!(rendered.body, "李伟您好，办结期限延至2027年1月15日。");
    assert_eq!(rendered.version, 7);
    let other = render(
        &set,
        Kind::Extension,
        Channel::Email,
        Language::En,
        &main_sample(Kind::Extension, Language::En),
    )
    .expect("the English template is still the shipped one");
    assert!(other.body.contains("15 January 2027"), "{}", other.body);

    // A syntax error.
    let broken = Key::new(Kind::Result, Channel::Letter, Language::En);
    let set = TemplateSet::shipped()
        .with_override(
            broken,
            "{% set subject %}Result{% endset %}{% if outcome %}{{ outcome }}",
        )
        .expect("offered");
    let invalid = set.check().expect_err("an unclosed if");
    assert_eq!(invalid.key, broken);
    assert!(
        invalid
            .to_string()
            .starts_with("template result.letter.en is invalid: syntax error"),
        "{invalid}"
    );

    // A variable the kind does not have (a typo).
    let typo = Key::new(Kind::Dispatch, Channel::Wecom, Language::ZhCn);
    let set = TemplateSet::shipped()
        .with_override(typo, "{% set subject %}转办{% endset %}{{ case_numbr }}")
        .expect("offered");
    let invalid = set.check().expect_err("case_numbr");
    assert_eq!(invalid.key, typo);
    assert!(invalid.problem.contains("case_numbr"), "{invalid}");

    // A channel's needs: an e-mail without a subject, an SMS without a template id.
    let no_subject = Key::new(Kind::Rejection, Channel::Email, Language::En);
    let set = TemplateSet::shipped()
        .with_override(no_subject, "Dear {{ name }}")
        .expect("offered");
    assert!(set.check().expect_err("no subject").problem.contains("subject"));
    let no_id = Key::new(Kind::Rejection, Channel::Sms, Language::En);
    let set = TemplateSet::shipped()
        .with_override(no_id, "{% set params = {} %}Your complaint {{ case_number }}")
        .expect("offered");
    assert!(set.check().expect_err("no template id").problem.contains("template_id"));

    // A branch the main sample does not take is still walked: here the confidential one.
    let branch = Key::new(Kind::Rejection, Channel::Sms, Language::ZhCn);
    let source = "{% set template_id = 'SMS_1' %}{% set params = {} %}\
                  {% if confidential %}{{ case_number | date }}{% else %}不予受理{% endif %}";
    let set = TemplateSet::shipped().with_override(branch, source).expect("offered");
    let invalid = set.check().expect_err("a case number is not a date");
    assert_eq!(invalid.key, branch);
    assert!(invalid.problem.contains("confidential = true"), "{invalid}");

    // A runaway loop runs out of fuel instead of hanging the service.
    let runaway = Key::new(Kind::BatchAlert, Channel::Inbox, Language::En);
    let set = TemplateSet::shipped()
        .with_override(
            runaway,
            "{% set subject %}x{% endset %}{% for i in range(100000) %}{{ i }}{% endfor %}",
        )
        .expect("offered");
    assert_eq!(set.check().expect_err("out of fuel").key, runaway);
}

#[test]
fn a_channel_not_offered_is_an_error() {
    let error = render(
        &TemplateSet::shipped(),
        Kind::DeadlineBreach,
        Channel::Letter,
        Language::ZhCn,
        &main_sample(Kind::DeadlineBreach, Language::ZhCn),
    )
    .expect_err("no letters to staff");
    assert_eq!(
        error,
        Error::NotOffered {
            kind: Kind::DeadlineBreach,
            channel: Channel::Letter
        }
    );
    assert_eq!(error.to_string(), "deadline_breach notices are not offered over letter");
}

#[test]
fn a_confidential_report_never_says_what_it_is_about() {
    let set = TemplateSet::shipped();
    let complainant_kinds = [
        Kind::Acknowledgement,
        Kind::Rejection,
        Kind::Extension,
        Kind::Result,
        Kind::CallbackInvitation,
    ];
    for kind in complainant_kinds {
        for language in LANGUAGES {
            let mut context = main_sample(kind, language);
            context["confidential"] = json!(true);
            context["receipt"] = json!("R7K3-9QXM");
            // The free text is the caller's to word; the templates' own words are under test.
            for free_text in ["outcome", "basis", "improvements", "reason", "suggestion", "remedies"] {
                if let Some(value) = context.get_mut(free_text) {
                    *value = json!("……");
                }
            }
            context["remedies"] = Value::Null;
            let case_number = context["case_number"].as_str().expect("a case number").to_owned();
            let sms = render(&set, kind, Channel::Sms, language, &context).expect("renders");
            let provider = sms.sms.as_ref().expect("an SMS");
            for text in std::iter::once(&provider.text).chain(provider.params.values()) {
                for word in ["举报", "投诉", &case_number, "complaint", "report"] {
                    assert!(!text.contains(word), "{kind} sms {language:?} says {word}: {text}");
                }
            }
            assert!(provider.text.contains("R7K3-9QXM"), "{}", provider.text);
            assert_eq!(provider.params.keys().collect::<Vec<_>>(), ["receipt"]);
            for &channel in kind.channels() {
                let rendered = render(&set, kind, channel, language, &context).expect("renders");
                for word in ["举报", "投诉", "complaint", "Complaint", "report"] {
                    assert!(
                        !rendered.subject.contains(word),
                        "{kind}.{channel} subject: {}",
                        rendered.subject
                    );
                    assert!(
                        !rendered.body.contains(word),
                        "{kind}.{channel} body says {word}: {}",
                        rendered.body
                    );
                }
            }
        }
    }
    // The brief's own case: a confidential acknowledgement's SMS is a bare prompt.
    let mut context = main_sample(Kind::Acknowledgement, Language::ZhCn);
    context["confidential"] = json!(true);
    context["receipt"] = json!("R7K3-9QXM");
    let rendered = render(&set, Kind::Acknowledgement, Channel::Sms, Language::ZhCn, &context).expect("renders");
    assert_eq!(rendered.body, "您有一条新消息，请凭回执码R7K3-9QXM查询。");
}

#[test]
fn an_empty_name_gets_a_neutral_salutation() {
    let set = TemplateSet::shipped();
    let mut context = main_sample(Kind::Rejection, Language::ZhCn);
    context["name"] = json!("");
    let zh = render(&set, Kind::Rejection, Channel::Email, Language::ZhCn, &context).expect("renders");
    assert!(zh.body.starts_with("您好！"), "{}", zh.body);
    let mut context = main_sample(Kind::Rejection, Language::En);
    context["name"] = json!("");
    let en = render(&set, Kind::Rejection, Channel::Letter, Language::En, &context).expect("renders");
    assert!(en.body.contains("\n\nDear complainant,\n\n"), "{}", en.body);
}

#[test]
fn the_result_prints_the_amount_in_capitals_and_figures_and_lists_remedies() {
    let set = TemplateSet::shipped();
    let mut context = main_sample(Kind::Result, Language::ZhCn);
    context["amount_fen"] = json!(100_000);
    let letter = render(&set, Kind::Result, Channel::Letter, Language::ZhCn, &context).expect("renders");
    assert_eq!(letter.subject, "处理结果告知书");
    assert!(letter.body.contains("人民币壹仟元整（¥1,000.00）"), "{}", letter.body);
    assert!(letter.body.contains("4. 向人民法院提起诉讼"), "{}", letter.body);
    context["amount_fen"] = Value::Null;
    context["remedies"] = json!([]);
    let letter = render(&set, Kind::Result, Channel::Letter, Language::ZhCn, &context).expect("renders");
    assert!(
        !letter.body.contains("人民币") && !letter.body.contains("途径"),
        "{}",
        letter.body
    );
    let bank = samples(Kind::Result, Language::ZhCn).remove(1).context;
    let email = render(&set, Kind::Result, Channel::Email, Language::ZhCn, &bank).expect("renders");
    assert!(email.body.contains("12378"), "{}", email.body);
}

#[test]
fn amounts_in_capitals_on_tricky_values() {
    let table: &[(u64, &str)] = &[
        (0, "人民币零元整"),
        (5, "人民币伍分"),
        (60, "人民币陆角"),
        (1_050, "人民币壹拾元伍角"),
        (100_000, "人民币壹仟元整"),
        (100_507, "人民币壹仟零伍元零柒分"),
        (123_456, "人民币壹仟贰佰叁拾肆元伍角陆分"),
        (1_000_001, "人民币壹万元零壹分"),
        (10_000_000, "人民币壹拾万元整"),
        (100_000_000, "人民币壹佰万元整"),
        (100_010_000, "人民币壹佰万零壹佰元整"),
        (10_001_000_000, "人民币壹亿零壹万元整"),
        (12_345_678_901, "人民币壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分"),
    ];
    for (fen, expected) in table {
        assert_eq!(amount_in_capitals(*fen), *expected, "{fen} fen");
    }
}

#[test]
fn sms_segments_at_the_boundaries() {
    for (characters, segments) in [(70, 1), (71, 2), (134, 2), (135, 3)] {
        assert_eq!(
            sms_segments(&"诉".repeat(characters)),
            segments,
            "{characters} characters"
        );
    }
    // Every shipped Chinese SMS fits in one message with the sample data, the English in two.
    let set = TemplateSet::shipped();
    for kind in Kind::ALL {
        for language in LANGUAGES {
            let rendered = render(&set, kind, Channel::Sms, language, &main_sample(kind, language)).expect("renders");
            let sms = rendered.sms.expect("an SMS");
            let most = if language == Language::ZhCn { 1 } else { 2 };
            assert!(
                sms.segments <= most,
                "{kind} {language:?}: {} segments: {}",
                sms.segments,
                sms.text
            );
        }
    }
}

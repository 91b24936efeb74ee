//! Finnish and English: `--lang fi|en` and `TULOS_LANG` for the text
//! statement, `explain`, `score` and the spreadsheet headers; JSON and
//! plain CSV never change with the language; `explain` shows which
//! multipliers matched and on what condition, for several participants.

use std::io::Cursor;
use std::process::{Command, Output};

use calamine::{Reader, Xlsx};

const CAREER: &str = "contracts/career-coaching";

fn tulos_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tulos"));
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("TULOS_LANG");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the tulos binary runs")
}

fn stdout(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// `tulos COMMAND contract --records … --as-of 2026-12-31 EXTRA…` on the
/// shipped career-coaching contract.
fn career(command: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![command.to_string(), format!("{CAREER}/contract.toml")];
    args.extend(["--records".into(), format!("{CAREER}/records.jsonl"), "--as-of".into(), "2026-12-31".into()]);
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn run(args: &[String], env: &[(&str, &str)]) -> Output {
    tulos_with(&args.iter().map(String::as_str).collect::<Vec<_>>(), env)
}

#[test]
fn the_finnish_statement_says_everything_in_finnish_with_finnish_numbers_and_dates() {
    let fi = stdout(&run(&career("calculate", &["--lang", "fi"]), &[]));
    insta::assert_snapshot!("career_coaching_statement_fi", fi);
    for finnish in ["Maksuerittely", "Tilanne 31.12.2026", "33 075,52", "tulosta ei saavutettu (not_achieved)"] {
        assert!(fi.contains(finnish), "{finnish} in\n{fi}");
    }
    for english in ["Payment statement", "Totals by", "Overall", "Not paid", "Records read", "formula", "As of"] {
        assert!(!fi.contains(english), "{english} left in English in\n{fi}");
    }
}

#[test]
fn the_english_statement_is_the_default_and_unchanged_by_lang_en() {
    let default = stdout(&run(&career("calculate", &[]), &[]));
    assert!(default.starts_with("Payment statement ESK-URA-2026-02"), "{default}");
    assert_eq!(stdout(&run(&career("calculate", &["--lang", "en"]), &[])), default);
}

#[test]
fn tulos_lang_sets_the_language_and_the_flag_wins() {
    let fi = stdout(&run(&career("calculate", &["--lang", "fi"]), &[]));
    let en = stdout(&run(&career("calculate", &[]), &[]));
    assert_eq!(stdout(&run(&career("calculate", &[]), &[("TULOS_LANG", "fi")])), fi);
    assert_eq!(stdout(&run(&career("calculate", &["--lang", "en"]), &[("TULOS_LANG", "fi")])), en);
    let bad = run(&career("calculate", &[]), &[("TULOS_LANG", "sv")]);
    assert_eq!(bad.status.code(), Some(2), "an unknown language is a usage error");
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(message.contains("TULOS_LANG is \"sv\"") && message.contains("fi or en"), "{message}");
}

#[test]
fn json_and_plain_csv_are_the_same_bytes_in_either_language() {
    for format in ["json", "csv"] {
        let en = run(&career("calculate", &["--format", format]), &[]);
        let fi = run(&career("calculate", &["--format", format, "--lang", "fi"]), &[]);
        assert_eq!(stdout(&fi), stdout(&en), "calculate --format {format}");
    }
    for format in ["json", "csv"] {
        let en = run(&career("score", &["--format", format]), &[]);
        let fi = run(&career("score", &["--format", format]), &[("TULOS_LANG", "fi")]);
        assert_eq!(stdout(&fi), stdout(&en), "score --format {format}");
    }
    let explain = career("explain", &["--participant", "C-002", "--format", "json"]);
    assert_eq!(stdout(&run(&explain, &[("TULOS_LANG", "fi")])), stdout(&run(&explain, &[])));
}

#[test]
fn the_finnish_explanation_of_two_participants() {
    let args = career("explain", &["--participant", "C-002", "--participant", "C-003", "--lang", "fi"]);
    let fi = stdout(&run(&args, &[]));
    insta::assert_snapshot!("career_coaching_explain_fi", fi);
    assert!(fi.contains("Osallistuja C-002") && fi.contains("Osallistuja C-003"), "{fi}");
}

#[test]
fn the_finnish_scorecard_has_no_english_section_left() {
    let fi = stdout(&run(&career("score", &["--lang", "fi"]), &[]));
    // The whole Finnish scorecard is snapshotted in tests/score.rs.
    for english in ["Customer change meter", "Customer experience", "Earnings (", "Records read", "participants  "] {
        assert!(!fi.contains(english), "{english} left in English in\n{fi}");
    }
}

/// Which multiplier matched and on what: C-002 is in both groups of the
/// contract's multipliers and only the highest factor applies; C-005 is in
/// neither.
#[test]
fn explain_names_each_multiplier_with_the_condition_that_matched_or_failed() {
    let args = career("explain", &["--participant", "C-002", "--participant", "C-005"]);
    let text = stdout(&run(&args, &[]));
    assert!(
        text.contains(
            "partial_work_ability (§ 6.4) × 1.5 when groups_any = [partial_work_ability]: applied, factor 1.5: job_entry #1"
        ),
        "{text}"
    );
    assert!(
        text.contains("long_term_unemployed (§ 6.4) × 1.25 when groups_any = [long_term_unemployed]: matched, not applied (only the highest factor applies)"),
        "{text}"
    );
    assert!(text.contains("did not match: in none of the groups partial_work_ability; the participant's groups: [long_term_unemployed]"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&[args, vec!["--format".into(), "json".into()]].concat(), &[]))).unwrap();
    let all = json.as_array().expect("several participants: an array of explanations");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["participant"], "C-002");
    assert_eq!(all[0]["multipliers"][1]["result"]["result"], "applied");
    assert_eq!(all[0]["multipliers"][0]["result"]["result"], "not_applied");
    assert_eq!(all[1]["participant"], "C-005");
}

#[test]
fn one_participant_is_still_one_json_object() {
    let json = stdout(&run(&career("explain", &["--participant", "C-002", "--format", "json"]), &[]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["participant"], "C-002", "{json}");
}

#[test]
fn the_finnish_spreadsheets_are_headed_in_finnish_and_name_the_items_by_name_fi() {
    let csv = run(&career("calculate", &["--format", "csv-fi", "--lang", "fi"]), &[]);
    let csv = stdout(&csv);
    let first = csv.lines().next().unwrap();
    assert!(first.starts_with("\u{feff}sopimus;osallistuja;erä;kerta;laji;saavutettu;taksa"), "{first}");
    assert!(csv.contains("\nyhteensä;kohde;rivit;summa;pidätetty;netto;alv;brutto\n"), "{csv}");
    assert!(csv.contains(";tulosta ei saavutettu (not_achieved);"), "{csv}");
    let english = stdout(&run(&career("calculate", &["--format", "csv-fi"]), &[]));
    assert!(english.starts_with("\u{feff}contract;participant;item;"), "English keeps the column codes");
    assert_eq!(english.lines().count(), csv.lines().count(), "the same rows in either language");

    let dir = std::env::temp_dir().join(format!("tulos-lang-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("statement.xlsx");
    let file_arg = file.display().to_string();
    stdout(&run(&career("calculate", &["--format", "xlsx", "--out", &file_arg, "--lang", "fi"]), &[]));
    let mut book = Xlsx::new(Cursor::new(std::fs::read(&file).unwrap())).expect("a valid xlsx");
    assert_eq!(book.sheet_names(), ["rivit", "yhteensä", "maksamatta", "lähtötiedot"]);
    let lines = book.worksheet_range("rivit").unwrap();
    let header: Vec<String> = lines.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let name = header.iter().position(|h| h == "erän nimi").expect("the item name column");
    let names: Vec<String> = lines.rows().skip(1).map(|r| r[name].to_string()).collect();
    assert!(names.contains(&"Aloitusmaksu".to_string()), "{names:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

//! Reading participant records end to end: the fixtures under
//! `tests/fixtures/records/` (one JSON Lines file and the same people as a
//! comma CSV folder and a Finnish `;` CSV folder), and one test per error
//! rule of the interchange specification.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tulos::diagnostic::{Column, Diagnostic, Location, Severity};
use tulos::records::summary::Summary;
use tulos::records::{self, AttributeValue, Dialect, InputFormat, Origin, Record, Sector};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/records").join(name)
}

/// A fresh folder for one test's input files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("records").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, file: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, content).unwrap();
    path
}

fn read_ok(path: &Path) -> Vec<Record> {
    records::read_all(path, 20).unwrap_or_else(|e| panic!("{path:?}: {e:#?}"))
}

fn read_errors(path: &Path) -> Vec<Diagnostic> {
    records::read_all(path, 20).expect_err("the input must be refused")
}

/// The only error of an input.
fn only_error(path: &Path) -> Diagnostic {
    let mut errors = read_errors(path);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}

fn line(line: u64, column: Option<Column>) -> Location {
    Location::Line { line, column }
}

fn named(column: &str) -> Option<Column> {
    Some(Column::Named(column.to_owned()))
}

/// Records with the parts that legitimately differ between formats
/// neutralised: where they came from, and the dialect a text attribute was
/// written in (a Finnish CSV cell keeps `Dialect::Finnish` so that `1,5`
/// converts correctly later).
fn comparable(records: Vec<Record>) -> Vec<Record> {
    let nowhere = Origin { file: Arc::new(PathBuf::new()), line: 0 };
    records
        .into_iter()
        .map(|mut r| {
            r.origin = nowhere.clone();
            for value in r.attributes.values_mut() {
                if let AttributeValue::Text(_, dialect) = value {
                    *dialect = Dialect::Standard;
                }
            }
            r
        })
        .collect()
}

const PERSON: &str = r#""service":{"start":"2026-01-12"}"#;

#[test]
fn json_lines_and_both_csv_dialects_read_the_same_people() {
    let json = read_ok(&fixture("good.jsonl"));
    let comma = read_ok(&fixture("comma"));
    let finnish = read_ok(&fixture("finnish"));
    assert_eq!(json.len(), 3);
    assert_eq!(comparable(comma), comparable(json.clone()));
    assert_eq!(comparable(finnish), comparable(json));
}

#[test]
fn json_lines_are_normalised() {
    let records = read_ok(&fixture("good.jsonl"));
    let lines: Vec<u64> = records.iter().map(|r| r.origin.line).collect();
    assert_eq!(lines, [1, 3, 4], "the blank line 2 counts");
    assert_eq!(*records[0].origin.file, fixture("good.jsonl"));

    let [p123, p124, p125] = &records[..] else { panic!() };
    assert_eq!(p123.groups, ["long_term_unemployed", "immigrant"]);
    assert_eq!((p123.spells[0].kind.as_str(), p123.spells[0].sector), ("employment", Some(Sector::Open)));
    assert_eq!(p123.earnings[0].amount.to_string(), "1820.40");
    assert_eq!(p123.earnings[1].month.to_string(), "2026-06-01");
    assert_eq!(p123.service.completed, Some(true));
    assert_eq!(p124.arm, records::Arm::Control);
    assert_eq!(p124.weight.to_string(), "0.85");
    assert_eq!(p123.weight.to_string(), "1");
    // `employment` + `subsidised` and `subsidised_employment` are one kind.
    assert_eq!(p124.spells[1].kind, "subsidised_employment");
    assert_eq!(
        (p125.spells[0].kind.as_str(), p125.spells[0].sector),
        ("subsidised_employment", Some(Sector::Subsidised))
    );
    assert_eq!(p125.spells[1].sector, None);
    assert_eq!(p125.contract.as_deref(), Some("ESK-OTHER-2026"));
    assert_eq!(p125.service.completed, None);
    assert_eq!(p125.measures[0].scores["work_ability"].to_string(), "3.5");
}

#[test]
fn csv_origins_are_physical_lines_of_participants_csv() {
    let comma = read_ok(&fixture("comma"));
    let lines: Vec<u64> = comma.iter().map(|r| r.origin.line).collect();
    assert_eq!(lines, [2, 3, 5], "line 4 is blank");
    assert_eq!(*comma[0].origin.file, fixture("comma").join("participants.csv"));
    assert_eq!(
        comma[2].attributes["note"],
        AttributeValue::Text("moved in March\nwants IT work".into(), Dialect::Standard)
    );

    let finnish = read_ok(&fixture("finnish"));
    let lines: Vec<u64> = finnish.iter().map(|r| r.origin.line).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert_eq!(finnish[1].attributes["language"], AttributeValue::Text("fi".into(), Dialect::Finnish));
    assert!(!finnish[1].attributes.contains_key("education_level"), "an empty cell is a missing value");
}

#[test]
fn long_format_measures_become_measurements_in_file_order() {
    let records = read_ok(&fixture("finnish"));
    let measures = &records[0].measures;
    assert_eq!(measures.len(), 2);
    assert_eq!(measures[0].date.to_string(), "2026-01-12");
    let dims: Vec<&str> = measures[0].scores.keys().map(|k| k.as_str()).collect();
    assert_eq!(dims, ["job_search", "life_management", "skills", "work_ability"]);
    assert_eq!(measures[1].scores["work_ability"].to_string(), "3");
}

#[test]
fn open_reports_its_format() {
    assert_eq!(records::open(&fixture("good.jsonl")).unwrap().format(), InputFormat::JsonLines);
    assert_eq!(records::open(&fixture("comma")).unwrap().format(), InputFormat::CsvFolder);
}

#[test]
fn open_refuses_what_it_cannot_read() {
    let dir = scratch("open_refuses");
    let csv = write(&dir, "participants.csv", "id,service_start\n");
    let d = records::open(&csv).err().unwrap();
    assert!(d.help.unwrap().contains("folder that holds participants.csv"));
    let d = records::open(&write(&dir, "records.xlsx", "")).err().unwrap();
    assert_eq!(d.message, "unknown records format");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let d = records::open(&empty).err().unwrap();
    assert_eq!(d.message, "the folder has no participants.csv");
}

// ---- error cases of the specification ----

#[test]
fn identity_code_id_is_refused_and_not_echoed() {
    let dir = scratch("hetu_jsonl");
    let path = write(&dir, "r.jsonl", format!(r#"{{"id":"131052-308T",{PERSON}}}"#));
    let d = only_error(&path);
    assert_eq!(d.location, line(1, None));
    assert!(d.message.contains("looks like a Finnish personal identity code"), "{}", d.message);
    let shown = format!("{d} {d:?}");
    assert!(!shown.contains("131052") && !shown.contains("308T"), "{shown}");

    let dir = scratch("hetu_csv");
    write(&dir, "participants.csv", "id,service_start\nX-010594Y9032,2026-01-12\n");
    write(&dir, "feedback.csv", "id,date,satisfaction\nX-010594Y9032,2026-04-30,9\n");
    let errors = read_errors(&dir);
    let shown = format!("{errors:?}");
    assert!(!shown.contains("010594") && !shown.contains("9032"), "{shown}");
    assert!(errors[0].message.contains("personal identity code"));
    assert_eq!(errors[0].location, line(2, named("id")));
}

#[test]
fn identity_codes_in_any_value_are_refused_naming_the_field() {
    let dir = scratch("hetu_found");
    let path = write(&dir, "r.jsonl", format!(r#"{{"id":"P-1","birth_date":"131052-308T",{PERSON}}}"#));
    let d = only_error(&path);
    assert_eq!(
        d.message,
        r#"participant "P-1": `birth_date` looks like a Finnish personal identity code (henkilötunnus); refusing it"#
    );
}

#[test]
fn duplicate_record_names_both_lines() {
    let dir = scratch("dup_jsonl");
    let one = format!(r#"{{"id":"P-1","arm":"control",{PERSON}}}"#);
    let other_arm = format!(r#"{{"id":"P-1",{PERSON}}}"#);
    let path = write(&dir, "r.jsonl", format!("{one}\n{other_arm}\n\n{one}\n"));
    let d = only_error(&path);
    assert_eq!(d.location, line(4, None));
    assert_eq!(
        d.message,
        r#"participant "P-1": duplicate record: line 4 repeats the id, arm (control) and no contract of line 1"#
    );

    let dir = scratch("dup_csv");
    write(&dir, "participants.csv", "id;contract;service_start\nP-1;K;1.2.2026\nP-1;L;1.2.2026\nP-1;K;2.2.2026\n");
    let d = only_error(&dir);
    assert_eq!(d.location, line(4, named("id")));
    assert!(
        d.message.contains("line 4 repeats the id, arm (participant) and contract \"K\" of line 2"),
        "{}",
        d.message
    );
}

#[test]
fn repeated_top_level_key_is_refused_at_its_second_occurrence() {
    let dir = scratch("repeated_key_top");
    let text = format!(r#"{{"id":"P-1",{PERSON},"id":"P-2"}}"#);
    let path = write(&dir, "r.jsonl", &text);
    let d = only_error(&path);
    let column = text.rfind(r#""id""#).unwrap() as u64 + 1;
    assert_eq!(d.file, path);
    assert_eq!(d.location, line(1, Some(Column::Char(column))));
    // The first occurrence stands, as for duplicate records: the later one is the error.
    assert_eq!(d.message, r#"participant "P-1": `id`: expected each field once, found it again with the string "P-2""#);
    assert!(d.help.unwrap().contains("remove or merge the repeated field"));
}

#[test]
fn repeated_nested_key_names_its_path_and_the_line_goes_on_being_checked() {
    let dir = scratch("repeated_key_nested");
    let spells = r#""spells":[{"kind":"education","start":"2026-02-01"},{"kind":"employment","start":"2026-03-01","start":"2026-03-02"}]"#;
    let scores = r#""measures":[{"instrument":"m","date":"2026-01-12","scores":{"skills":2,"skills":"3"}}]"#;
    // Line 1: two repeats and, besides them, a bad date; line 2 is fine;
    // line 3 only has a bad date. Non-ASCII text before a repeat counts in
    // characters.
    let first = format!(r#"{{"id":"P-1","municipality":"Jämsä",{PERSON},{spells},{scores},"birth_date":"x"}}"#);
    let text = format!("{first}\n{{\"id\":\"P-2\",{PERSON}}}\n{{\"id\":\"P-3\",{PERSON},\"birth_date\":\"y\"}}\n");
    let path = write(&dir, "r.jsonl", &text);
    let errors = read_errors(&path);
    let column = |needle: &str| first[..first.rfind(needle).unwrap()].chars().count() as u64 + 1;
    let found: Vec<(&Location, &str)> = errors.iter().map(|d| (&d.location, d.message.as_str())).collect();
    assert_eq!(
        found,
        [
            (
                &line(1, Some(Column::Char(column(r#""start""#)))),
                r#"participant "P-1": `spells[1].start`: expected each field once, found it again with the string "2026-03-02""#
            ),
            (
                &line(1, Some(Column::Char(column(r#""skills""#)))),
                r#"participant "P-1": `measures[0].scores.skills`: expected each field once, found it again with the string "3""#
            ),
            (
                &line(1, None),
                r#"participant "P-1": `birth_date`: expected a date like "2026-05-18" (YYYY-MM-DD), found the string "x""#
            ),
            (
                &line(3, None),
                r#"participant "P-3": `birth_date`: expected a date like "2026-05-18" (YYYY-MM-DD), found the string "y""#
            ),
        ]
    );
}

#[test]
fn repeated_key_with_an_identity_code_is_masked() {
    let dir = scratch("repeated_key_hetu");
    // The first id stands and is refused; the repeat is reported without
    // a participant, and neither value is echoed.
    let path = write(&dir, "r.jsonl", format!(r#"{{"id":"010594Y9032",{PERSON},"id":"131052-308T"}}"#));
    let errors = read_errors(&path);
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            r#"record: `id`: expected each field once, found it again with the string "******-****""#,
            "record: `id` looks like a Finnish personal identity code (henkilötunnus); refusing it",
        ]
    );
}

#[test]
fn child_row_without_participant_is_an_error() {
    let dir = scratch("orphan");
    write(&dir, "participants.csv", "id,service_start\nP-1,2026-01-12\n");
    write(
        &dir,
        "spells.csv",
        "id,arm,kind,start\nP-1,participant,education,2026-02-01\nP-9,control,education,2026-02-01\n",
    );
    let d = only_error(&dir);
    assert_eq!(d.file, dir.join("spells.csv"));
    assert_eq!(d.location, line(3, named("id")));
    assert_eq!(d.message, r#"participant "P-9": no participant with this id with arm control in participants.csv"#);
}

#[test]
fn child_table_without_arm_needs_ids_unique_across_arms() {
    let dir = scratch("ambiguous");
    write(&dir, "participants.csv", "id,arm,service_start\nP-1,participant,2026-01-12\nP-1,control,2026-01-12\n");
    write(&dir, "earnings.csv", "id,month,amount\nP-1,2026-05,10.00\nP-1,2026-06,10.00\n");
    let d = only_error(&dir);
    assert_eq!(d.location, line(2, named("id")));
    assert!(d.message.contains("matches several participants (participants.csv lines 2, 3)"), "{}", d.message);
    assert!(d.help.unwrap().contains("add an `arm` column"));
}

#[test]
fn missing_required_column_names_file_and_column() {
    let dir = scratch("missing_column");
    write(&dir, "participants.csv", "id,service_end\nP-1,2026-01-12\n");
    let d = only_error(&dir);
    assert_eq!(d.file, dir.join("participants.csv"));
    assert_eq!(d.location, line(1, named("service_start")));
    assert_eq!(d.message, "participants.csv has no column `service_start`");
}

#[test]
fn unknown_column_of_a_child_table_is_an_error() {
    let dir = scratch("unknown_column");
    write(&dir, "participants.csv", "id,service_start\nP-1,2026-01-12\n");
    write(&dir, "feedback.csv", "id,date,satisfaction,comment\nP-1,2026-04-30,4,ok\n");
    let d = only_error(&dir);
    assert_eq!(d.location, line(1, named("comment")));
    assert_eq!(d.message, "unknown column `comment` in feedback.csv");
    assert!(d.help.unwrap().contains("known columns: id, date, satisfaction, arm"));
}

#[test]
fn money_as_a_json_number_is_refused() {
    let dir = scratch("float_money");
    let path = write(
        &dir,
        "r.jsonl",
        format!(r#"{{"id":"P-1",{PERSON},"earnings":[{{"month":"2026-05","amount":1820.4}}]}}"#),
    );
    let d = only_error(&path);
    assert_eq!(
        d.message,
        r#"participant "P-1": `earnings[0].amount`: expected a decimal string like "1820.40", found the JSON number 1820.4"#
    );
    assert!(d.help.unwrap().contains(r#""1820.4""#));
}

#[test]
fn bad_dates_say_expected_and_found() {
    let dir = scratch("bad_date_jsonl");
    let path = write(&dir, "r.jsonl", r#"{"id":"P-1","service":{"start":"18.5.2026"}}"#);
    let d = only_error(&path);
    assert_eq!(
        d.message,
        r#"participant "P-1": `service.start`: expected a date like "2026-05-18" (YYYY-MM-DD), found the string "18.5.2026""#
    );

    let dir = scratch("bad_date_csv");
    write(&dir, "participants.csv", "id;service_start\nP-1;1.2.2026\n");
    write(&dir, "spells.csv", "id;kind;start;end\nP-1;education;1.2.2026;31.2.2026\n");
    let d = only_error(&dir);
    assert_eq!(d.file, dir.join("spells.csv"));
    assert_eq!(d.location, line(2, named("end")));
    assert_eq!(
        d.message,
        r#"participant "P-1": `end`: expected a date like "18.5.2026" (D.M.YYYY), found "31.2.2026""#
    );
}

#[test]
fn invalid_utf8_names_line_and_byte_offset_and_reading_goes_on() {
    let dir = scratch("utf8_jsonl");
    let good = format!(r#"{{"id":"P-1",{PERSON}}}"#);
    let mut bytes = format!("{good}\n").into_bytes();
    let line2_start = bytes.len();
    bytes.extend_from_slice(br#"{"id":"P-2","municipality":"J"#);
    bytes.push(0xE4); // 'ä' in Latin-1
    bytes.extend_from_slice(format!(r#"ms",{PERSON}}}"#).as_bytes());
    bytes.extend_from_slice(format!("\n{}\n", good.replace("P-1", "P-3")).as_bytes());
    let path = write(&dir, "r.jsonl", &bytes);
    let all: Vec<_> = records::open(&path).unwrap().collect();
    assert_eq!(all.len(), 3);
    let d = all[1].as_ref().unwrap_err();
    let at = line2_start + 29;
    assert_eq!(d.location, line(2, Some(Column::Char(30))));
    assert_eq!(
        d.message,
        format!("line 2 is not valid UTF-8: byte 0xE4 at byte offset {at} of the file (byte 30 of the line)")
    );
    assert!(d.help.as_ref().unwrap().contains("re-save the file as UTF-8"));
    assert_eq!(all[2].as_ref().unwrap().origin.line, 3);

    let dir = scratch("utf8_csv");
    let mut csv = b"id,municipality,service_start\nP-1,J".to_vec();
    csv.push(0xE4);
    csv.extend_from_slice(b"ms,2026-01-12\nP-2,Oulu,2026-13-01\n");
    write(&dir, "participants.csv", &csv);
    let errors = read_errors(&dir);
    assert_eq!(errors.len(), 2, "the next line is still checked: {errors:#?}");
    assert_eq!(errors[0].location, line(2, named("municipality")));
    assert_eq!(
        errors[0].message,
        "line 2 is not valid UTF-8: byte 0xE4 at byte offset 35 of the file (byte 6 of the line)"
    );
    assert_eq!(errors[1].location, line(3, named("service_start")));
}

#[test]
fn unknown_field_is_refused_with_the_known_fields() {
    let dir = scratch("unknown_field");
    let path = write(&dir, "r.jsonl", format!(r#"{{"id":"P-1",{PERSON},"language":"fi"}}"#));
    let d = only_error(&path);
    assert_eq!(d.message, r#"participant "P-1": unknown field `language`"#);
    let help = d.help.unwrap();
    assert!(help.contains("id, contract, arm, weight") && help.contains("attributes"), "{help}");
}

#[test]
fn invalid_json_has_a_column() {
    let dir = scratch("syntax");
    let path = write(&dir, "r.jsonl", "\n{\"id\":\"P-1\",}\n");
    let d = only_error(&path);
    assert_eq!(d.location, line(2, Some(Column::Char(13))));
    assert!(d.message.starts_with("record: invalid JSON:"), "{}", d.message);
}

#[test]
fn spell_rules_are_checked_in_both_formats() {
    let dir = scratch("spell_jsonl");
    let path = write(
        &dir,
        "r.jsonl",
        format!(
            r#"{{"id":"P-1",{PERSON},"spells":[{{"kind":"employment","start":"2026-05-01","end":"2026-04-30"}}]}}"#
        ),
    );
    assert_eq!(
        only_error(&path).message,
        r#"participant "P-1": `spells[0]`: end 2026-04-30 is before start 2026-05-01"#
    );

    let dir = scratch("spell_csv");
    write(&dir, "participants.csv", "id,service_start\nP-1,2026-01-12\n");
    write(&dir, "spells.csv", "id,kind,sector,start\nP-1,employment,public,2026-02-01\n");
    let d = only_error(&dir);
    assert_eq!(d.location, line(2, named("sector")));
    assert_eq!(d.message, r#"participant "P-1": `sector`: expected "open" or "subsidised", found "public""#);
}

#[test]
fn csv_values_are_checked_per_dialect() {
    let dir = scratch("csv_values");
    write(
        &dir,
        "participants.csv",
        "id;arm;weight;completed;service_start\nP-1;verrokki;1;;1.1.2026\nP-2;;1.5;;1.1.2026\nP-3;;;ehkä;1.1.2026\n",
    );
    write(&dir, "feedback.csv", "id;date;satisfaction\nP-1;1.2.2026;4\n");
    let errors = read_errors(&dir);
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            r#"participant "P-1": `arm`: expected "participant" or "control", found "verrokki""#,
            r#"participant "P-2": `weight`: expected a decimal like "1820,40" or "1 820,40", found "1.5""#,
            r#"participant "P-3": `completed`: expected true/false, 1/0, yes/no, kyllä/ei or tosi/epätosi, found "ehkä""#,
            // The arm was unreadable, so the feedback row (joined by id
            // alone: the table has no `arm` column) belongs to no one.
            r#"participant "P-1": no participant with this id in participants.csv"#,
        ]
    );
}

#[test]
fn satisfaction_out_of_range_and_duplicate_dimension_in_csv() {
    let dir = scratch("csv_children");
    write(&dir, "participants.csv", "id,service_start\nP-1,2026-01-12\n");
    write(&dir, "feedback.csv", "id,date,satisfaction\nP-1,2026-04-30,6\n");
    write(
        &dir,
        "measures.csv",
        "id,instrument,date,dimension,score\nP-1,m,2026-01-12,skills,2\nP-1,m,2026-01-12,skills,3\n",
    );
    let errors = read_errors(&dir);
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            r#"participant "P-1": dimension "skills" of the "m" measurement on 2026-01-12 is given again on line 3 (first on line 2)"#,
            r#"participant "P-1": `satisfaction`: expected an integer from 1 to 5, found 6"#,
        ]
    );
}

#[test]
fn wrong_number_of_fields_is_an_error() {
    let dir = scratch("field_count");
    write(&dir, "participants.csv", "id,service_start\nP-1,2026-01-12,extra\n");
    let d = only_error(&dir);
    assert_eq!(d.message, "line 2 has 3 fields but the header has 2");
}

#[test]
fn read_all_counts_the_errors_past_its_limit() {
    let dir = scratch("max_errors");
    let path = write(&dir, "r.jsonl", "x\ny\nz\nw\n");
    let errors = records::read_all(&path, 2).unwrap_err();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[1].location, line(2, Some(Column::Char(1))));
    assert_eq!(errors[2].severity, Severity::Warning);
    assert_eq!(errors[2].message, "2 more errors were not shown (only the first 2 are listed)");
    let errors = records::read_all(&path, 3).unwrap_err();
    assert_eq!(errors[3].message, "1 more error was not shown (only the first 3 are listed)");
    assert_eq!(records::read_all(&path, 4).unwrap_err().len(), 4, "no note when nothing was left out");
}

#[test]
fn summary_describes_the_fixture() {
    let mut summary = Summary::new();
    for record in records::open(&fixture("good.jsonl")).unwrap() {
        summary.add(&record.unwrap()).unwrap();
    }
    assert_eq!(
        summary.render_text(),
        "\
records: 3 (control 1, participant 2)
contracts: (none) 2, ESK-OTHER-2026 1
municipalities: Jyväskylä 1, Jämsä 1, (none) 1
groups: immigrant 1, long_term_unemployed 1, youth 1
service: start 2026-01-12 … 2026-02-01; end 2026-04-30 … 2026-04-30; ongoing 2; completed 1, dropped out 0, unknown 2
spells:
  education: 1 (ongoing 1), start 2026-08-15 … 2026-08-15, end -
  employment: 1 (ongoing 1), start 2026-05-18 … 2026-05-18, end -
  subsidised_employment: 2 (ongoing 0), start 2026-03-01 … 2026-04-01, end 2026-05-31 … 2026-09-30
  unemployment: 1 (ongoing 0), start 2026-01-01 … 2026-01-01, end 2026-03-31 … 2026-03-31
earnings: 4 months, total 16696.07, 2026-04 … 2026-06
events:
  qualification: 1, 2026-06-01 … 2026-06-01
measures:
  change_meter: 3, 2026-01-12 … 2026-04-30
feedback: 2, mean satisfaction 4.50
"
    );
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["earnings"]["total"], "16696.07");
    assert_eq!(json["feedback"]["mean_satisfaction"], "4.50");
    assert_eq!(json["by_arm"]["control"], 1);
}

#[test]
fn mean_satisfaction_is_exact_and_rounded() {
    let dir = scratch("mean");
    let feedback = |id: &str, s: &str| format!(r#"{{"id":"{id}",{PERSON},"feedback":[{s}]}}"#);
    let text = [
        feedback("P-1", r#"{"date":"2026-01-12","satisfaction":5},{"date":"2026-01-13","satisfaction":4}"#),
        feedback("P-2", r#"{"date":"2026-01-12","satisfaction":4}"#),
    ]
    .join("\n");
    let mut summary = Summary::new();
    for r in read_ok(&write(&dir, "r.jsonl", text)) {
        summary.add(&r).unwrap();
    }
    assert_eq!(summary.feedback.mean_satisfaction.unwrap().to_string(), "4.33");
}

// ---- issue 6: hardening ----

/// Runs the `tulos` binary: (exit code, stdout, stderr).
fn tulos(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tulos")).args(args).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

fn career_coaching() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/career-coaching/contract.toml")
}

fn calculate(records: &Path) -> (i32, String, String) {
    let contract = career_coaching();
    tulos(&[
        "calculate".as_ref(),
        contract.as_os_str(),
        "--records".as_ref(),
        records.as_os_str(),
        "--as-of".as_ref(),
        "2026-12-31".as_ref(),
    ])
}

fn summarise(records: &Path) -> (i32, String, String) {
    tulos(&["records".as_ref(), records.as_os_str()])
}

/// The errors of reading `path` for the contract `contract`.
fn errors_for(path: &Path, contract: &str) -> Vec<Diagnostic> {
    records::open_for(path, Some(contract)).unwrap().filter_map(Result::err).collect()
}

const URA: &str = "ESK-URA-2026-02";

#[test]
fn a_record_without_contract_is_the_same_participant_as_one_naming_the_evaluated_contract() {
    let dir = scratch("dup_effective_contract");
    let path = write(
        &dir,
        "r.jsonl",
        concat!(
            r#"{"id":"P-1","contract":"ESK-URA-2026-02","groups":["long_term_unemployed"],"service":{"start":"2026-02-01"}}"#,
            "\n",
            r#"{"id":"P-1","groups":["long_term_unemployed"],"service":{"start":"2026-02-01"}}"#,
            "\n"
        ),
    );
    let errors = errors_for(&path, URA);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].location, line(2, None));
    assert!(
        errors[0]
            .message
            .contains("line 2 repeats the id and arm (participant) of line 1, both for contract \"ESK-URA-2026-02\""),
        "{}",
        errors[0].message
    );
    // For another contract the first record is not evaluated: no clash.
    assert!(errors_for(&path, "ESK-OTHER").is_empty());
    // On its own (no contract known) the file is refused: it is wrong for one.
    assert_eq!(read_errors(&path).len(), 1);
    // End to end: the run stops instead of paying P-1 twice.
    let (code, stdout, stderr) = calculate(&path);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("duplicate record"), "{stderr}");
}

#[test]
fn ids_are_normalised_alike_in_every_format() {
    let nfd = "Ja\u{308}rvi-1"; // "Järvi-1" with a combining diaeresis
    for (name, first, second) in [("trailing_space", "P-1", "P-1 "), ("nfc_nfd", "Järvi-1", nfd)] {
        let dir = scratch(&format!("dup_norm_jsonl_{name}"));
        let text = format!("{{\"id\":\"{first}\",{PERSON}}}\n{{\"id\":\"{second}\",{PERSON}}}\n");
        let d = only_error(&write(&dir, "r.jsonl", text));
        assert_eq!(d.location, line(2, None), "{name}");
        assert!(d.message.contains("duplicate record: line 2 repeats"), "{name}: {}", d.message);

        let dir = scratch(&format!("dup_norm_csv_{name}"));
        write(&dir, "participants.csv", format!("id,service_start\n{first},2026-01-12\n\"{second}\",2026-01-12\n"));
        let d = only_error(&dir);
        assert_eq!(d.location, line(3, named("id")), "{name}");
        assert!(d.message.contains("duplicate record: line 3 repeats"), "{name}: {}", d.message);
    }
    // The stored id is the normalised one, so rules and statements see one form.
    let dir = scratch("norm_stored");
    let r = read_ok(&write(&dir, "r.jsonl", format!("{{\"id\":\" {nfd} \",{PERSON}}}\n")));
    assert_eq!(r[0].id, "Järvi-1");
    assert_eq!(records::normalise_id(&format!(" {nfd}\u{20}")), "Järvi-1");
}

/// Every place of a JSON Lines record a text can be, as a line with `X`
/// where the text goes, and the field the error must name.
const JSON_TEXT_FIELDS: [(&str, &str); 15] = [
    ("id", r#"{"id":"X","service":{"start":"2026-01-12"}}"#),
    ("contract", r#"{"id":"P-1","contract":"X","service":{"start":"2026-01-12"}}"#),
    ("municipality", r#"{"id":"P-1","municipality":"X","service":{"start":"2026-01-12"}}"#),
    ("groups[1]", r#"{"id":"P-1","groups":["youth","X"],"service":{"start":"2026-01-12"}}"#),
    ("spells[0].kind", r#"{"id":"P-1","service":{"start":"2026-01-12"},"spells":[{"kind":"X","start":"2026-02-01"}]}"#),
    (
        "spells[0].sector",
        r#"{"id":"P-1","service":{"start":"2026-01-12"},"spells":[{"kind":"employment","sector":"X","start":"2026-02-01"}]}"#,
    ),
    (
        "spells[0].source",
        r#"{"id":"P-1","service":{"start":"2026-01-12"},"spells":[{"kind":"education","start":"2026-02-01","source":"X"}]}"#,
    ),
    ("events[0].kind", r#"{"id":"P-1","service":{"start":"2026-01-12"},"events":[{"kind":"X","date":"2026-02-01"}]}"#),
    (
        "events[0].value",
        r#"{"id":"P-1","service":{"start":"2026-01-12"},"events":[{"kind":"k","date":"2026-02-01","value":"X"}]}"#,
    ),
    (
        "events[0].source",
        r#"{"id":"P-1","service":{"start":"2026-01-12"},"events":[{"kind":"k","date":"2026-02-01","source":"X"}]}"#,
    ),
    (
        "measures[0].instrument",
        r#"{"id":"P-1","service":{"start":"2026-01-12"},"measures":[{"instrument":"X","date":"2026-02-01","scores":{"a":1}}]}"#,
    ),
    (
        "a field name in `measures[0].scores`",
        r#"{"id":"P-1","service":{"start":"2026-01-12"},"measures":[{"instrument":"m","date":"2026-02-01","scores":{"X":1}}]}"#,
    ),
    ("attributes.note", r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"note":"X"}}"#),
    ("a field name in `attributes`", r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"X":"x"}}"#),
    ("a field name", r#"{"id":"P-1","service":{"start":"2026-01-12"},"X":1}"#),
];

/// Codes as a word processor or a web page may write them.
const CODE_VARIANTS: [&str; 9] = [
    "131052-308T",
    "131052+308T",
    "010594Y9032",
    "131052\u{2013}308T",    // en dash
    "131052\u{2212}308T",    // minus sign
    "131052\u{2010}308T",    // hyphen
    "131052\u{FF0D}308T",    // full-width hyphen-minus
    "１３１０５２-３０８Ｔ", // full-width digits
    "١٣١٠٥٢-٣٠٨T",           // Arabic-Indic digits
];

/// Whether `shown` gives away any part of `code`'s digits.
fn echoes(shown: &str, code: &str) -> bool {
    let digits: String = code.chars().take(6).collect();
    shown.contains(&digits) || shown.contains("308") || shown.contains("9032")
}

#[test]
fn an_identity_code_in_any_json_field_is_refused_naming_the_field_never_the_value() {
    let dir = scratch("hetu_every_json_field");
    for (field, template) in JSON_TEXT_FIELDS {
        for code in CODE_VARIANTS {
            let path = write(&dir, "r.jsonl", template.replace('X', &format!("x {code}")));
            let d = only_error(&path);
            let named = if field.starts_with("a field name") { field.to_owned() } else { format!("`{field}`") };
            assert!(
                d.message.contains(&format!("{named} looks like a Finnish personal identity code")),
                "{field} {code}: {}",
                d.message
            );
            let shown = format!("{d} {d:?}");
            assert!(!echoes(&shown, code), "{field} {code}: {shown}");
        }
    }
}

#[test]
fn an_identity_code_in_any_csv_cell_or_column_name_is_refused_never_echoed() {
    let tables: [(&str, &str, &str); 8] = [
        ("participants.csv", "id,municipality,service_start", "P-1,X,2026-01-12"),
        ("participants.csv", "id,contract,service_start", "P-1,X,2026-01-12"),
        ("participants.csv", "id,groups,service_start", "P-1,youth|X,2026-01-12"),
        ("participants.csv", "id,note,service_start", "P-1,X,2026-01-12"),
        ("spells.csv", "id,kind,start,source", "P-1,X,2026-02-01,s"),
        ("events.csv", "id,kind,date,value", "P-1,k,2026-02-01,X"),
        ("measures.csv", "id,instrument,date,dimension,score", "P-1,m,2026-02-01,X,1"),
        ("participants.csv", "id,X,service_start", "P-1,x,2026-01-12"),
    ];
    for (n, (file, header, row)) in tables.iter().enumerate() {
        for code in CODE_VARIANTS {
            let dir = scratch(&format!("hetu_csv_cell_{n}"));
            if *file == "participants.csv" {
                write(&dir, file, format!("{}\n{}\n", header.replace('X', code), row.replace('X', code)));
            } else {
                write(&dir, "participants.csv", "id,service_start\nP-1,2026-01-12\n");
                write(&dir, file, format!("{header}\n{}\n", row.replace('X', code)));
            }
            let errors = read_errors(&dir);
            let shown = format!("{errors:?}");
            assert!(
                errors[0].message.contains("looks like a Finnish personal identity code"),
                "{file} {code}: {shown}"
            );
            assert!(!echoes(&shown, code), "{file} {code}: {shown}");
        }
    }
}

#[test]
fn control_and_bidi_characters_are_refused_in_every_text_field() {
    let dir = scratch("control_chars_json");
    for (field, template) in JSON_TEXT_FIELDS {
        for bad in ["\\u001b[31mx", "x\\u0000", "\\u202Ex", "x\\u2066y", "\\u200Bx", "x\\ty"] {
            let path = write(&dir, "r.jsonl", template.replace('X', bad));
            let free = field == "events[0].value" || field == "attributes.note";
            if free && bad == "x\\ty" {
                assert!(read_all_ok(&path), "a tab is allowed in free text ({field})");
                continue;
            }
            let d = only_error(&path);
            assert!(d.message.contains("control or invisible formatting character U+"), "{field} {bad}: {}", d.message);
            assert!(!d.message.contains('\u{1b}') && !d.message.contains('\u{202E}'), "{field}: {}", d.message);
        }
    }
    let dir = scratch("control_chars_csv");
    write(&dir, "participants.csv", "id,municipality,service_start\nP-1,\"Jäm\u{202E}sä\",2026-01-12\n");
    let d = only_error(&dir);
    assert_eq!(d.location, line(2, named("municipality")));
    assert!(d.message.contains("U+202E"), "{}", d.message);
}

fn read_all_ok(path: &Path) -> bool {
    records::read_all(path, 20).is_ok()
}

#[test]
fn over_precise_or_too_large_amounts_say_exactly_that() {
    let dir = scratch("decimal_reasons");
    let earning =
        |amount: &str| format!(r#"{{"id":"P-1",{PERSON},"earnings":[{{"month":"2026-02","amount":"{amount}"}}]}}"#);
    let d = only_error(&write(&dir, "r.jsonl", earning("1200.004999999999999999999999999")));
    assert!(d.message.contains("`earnings[0].amount`: the string"), "{}", d.message);
    assert!(d.message.contains("has more digits than an exact decimal holds"), "{}", d.message);
    let d = only_error(&write(&dir, "r.jsonl", earning("79228162514264337593543950335")));
    assert!(d.message.contains("is larger than the largest decimal accepted"), "{}", d.message);
    let attribute = format!(r#"{{"id":"P-1",{PERSON},"attributes":{{"n":0.10000000000000000000000000000001}}}}"#);
    let d = only_error(&write(&dir, "r.jsonl", attribute));
    assert!(d.message.contains("`attributes.n`") && d.message.contains("more digits"), "{}", d.message);

    let dir = scratch("decimal_reasons_csv");
    write(&dir, "participants.csv", "id;service_start\nP-1;12.1.2026\n");
    write(&dir, "earnings.csv", "id;month;amount\nP-1;2026-02;79 228 162 514 264 337 593 543 950 335\n");
    let d = only_error(&dir);
    assert_eq!(d.location, line(2, named("amount")));
    assert!(d.message.contains("is larger than the largest decimal accepted"), "{}", d.message);
}

#[test]
fn records_summary_of_huge_earnings_does_not_panic() {
    let dir = scratch("huge_earnings");
    let line = format!(
        r#"{{"id":"P-1",{PERSON},"earnings":[{{"month":"2026-02","amount":"999999999999999"}},{{"month":"2026-03","amount":"999999999999999"}}]}}"#
    );
    let text = format!("{line}\n{}\n", line.replace("P-1", "P-2"));
    let (code, stdout, stderr) = summarise(&write(&dir, "r.jsonl", text));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("earnings: 4 months, total 3999999999999996"), "{stdout}");
    let text = format!(
        r#"{{"id":"P-1",{PERSON},"earnings":[{{"month":"2026-02","amount":"79228162514264337593543950335"}}]}}"#
    );
    let (code, _, stderr) = summarise(&write(&dir, "r.jsonl", text));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is larger than the largest decimal accepted"), "{stderr}");
}

#[test]
fn errors_past_the_limit_are_counted_in_every_command() {
    let dir = scratch("error_count");
    let path = write(&dir, "r.jsonl", "x\n".repeat(107));
    for (command, (code, _, stderr)) in [("records", summarise(&path)), ("calculate", calculate(&path))] {
        assert_eq!(code, 1, "{command}");
        assert_eq!(stderr.matches("invalid JSON").count(), 100, "{command}");
        assert!(stderr.contains("7 more errors were not shown (only the first 100 are listed)"), "{command}: {stderr}");
    }
}

#[test]
fn a_json_lines_line_over_the_limit_is_an_error_and_the_next_line_is_read() {
    let dir = scratch("long_line");
    let long = format!(r#"{{"id":"P-1",{PERSON},"attributes":{{"note":"{}"}}}}"#, "a".repeat(records::MAX_LINE_BYTES));
    let path = write(&dir, "r.jsonl", format!("{long}\n{{\"id\":\"P-2\",{PERSON}}}\n"));
    let all: Vec<_> = records::open(&path).unwrap().collect();
    assert_eq!(all.len(), 2);
    let d = all[0].as_ref().unwrap_err();
    assert_eq!(d.location, line(1, None));
    assert_eq!(d.message, "line 1 is longer than 1048576 bytes (1 MiB); it was skipped unread");
    assert_eq!(all[1].as_ref().unwrap().id, "P-2");
    // Exactly at the limit is still read.
    let at_limit = format!(r#"{{"id":"P-1",{PERSON},"attributes":{{"note":""}}}}"#);
    let pad = records::MAX_LINE_BYTES - at_limit.len();
    let at_limit = at_limit.replace(r#""note":"""#, &format!(r#""note":"{}""#, "a".repeat(pad)));
    assert_eq!(at_limit.len(), records::MAX_LINE_BYTES);
    assert_eq!(read_ok(&write(&dir, "r.jsonl", format!("{at_limit}\r\n"))).len(), 1);
}

#[test]
fn a_csv_line_over_the_limit_is_refused_before_it_is_parsed() {
    let dir = scratch("long_csv_line");
    let long = "a".repeat(records::MAX_LINE_BYTES + 1);
    write(&dir, "participants.csv", format!("id,service_start,note\nP-1,2026-01-12,x\nP-2,2026-01-12,{long}\n"));
    let d = only_error(&dir);
    assert_eq!(d.location, line(3, None));
    assert_eq!(d.message, "line 3 is longer than 1048576 bytes (1 MiB); the file was not read further");
    // Exactly at the limit, CRLF line end left out, the row is read.
    let pad = "a".repeat(records::MAX_LINE_BYTES - "P-2,2026-01-12,".len());
    write(&dir, "participants.csv", format!("id,service_start,note\r\nP-2,2026-01-12,{pad}\r\n"));
    assert_eq!(read_ok(&dir).len(), 1);
}

#[test]
fn empty_records_are_a_warning_naming_the_file_and_the_run_succeeds() {
    let dir = scratch("empty_jsonl");
    let path = write(&dir, "r.jsonl", "\n  \n");
    let (code, stdout, stderr) = summarise(&path);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("records: 0"), "{stdout}");
    assert!(stderr.contains("r.jsonl") && stderr.contains("no participant was read"), "{stderr}");
    let (code, stdout, stderr) = calculate(&path);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.is_empty());
    assert!(stderr.contains("warning") && stderr.contains("no participant was read"), "{stderr}");

    let dir = scratch("empty_csv");
    write(&dir, "participants.csv", "id,service_start\n");
    for (code, _, stderr) in [summarise(&dir), calculate(&dir)] {
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("participants.csv") && stderr.contains("no participant was read"), "{stderr}");
    }
    // Records present: no warning.
    let (_, _, stderr) = summarise(&fixture("good.jsonl"));
    assert!(!stderr.contains("no participant"), "{stderr}");
}

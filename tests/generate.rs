//! `tulos generate`: what it writes is valid for every shipped contract in
//! every format, the same for the same seed, different for another seed,
//! and the same people whichever format holds them.

use std::path::{Path, PathBuf};

use tulos::contract;
use tulos::generate::{self, Format, Options, Vocabulary};
use tulos::payment::Evaluator;
use tulos::records::{self, summary::Summary};

fn contracts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts")
}

fn shipped() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(contracts())
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("contract.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    names
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("generate").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const FORMATS: [(Format, &str); 3] =
    [(Format::JsonLines, "records.jsonl"), (Format::Csv, "csv"), (Format::CsvFi, "csv-fi")];

fn write(dir: &Path, name: &str, format: Format, seed: u64, vocabulary: &Vocabulary) -> PathBuf {
    let out = dir.join(name);
    let options = Options { n: 300, seed, format, out: out.clone() };
    assert_eq!(generate::generate(&options, vocabulary).unwrap(), 300);
    out
}

/// Every file of `path` (a file, or a folder's files in name order).
fn bytes(path: &Path) -> Vec<u8> {
    if path.is_file() {
        return std::fs::read(path).unwrap();
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    files.iter().flat_map(|f| std::fs::read(f).unwrap()).collect()
}

fn summary(path: &Path) -> Summary {
    let mut summary = Summary::new();
    for record in records::open(path).unwrap() {
        summary.add(&record.unwrap_or_else(|d| panic!("{d}"))).unwrap();
    }
    summary
}

#[test]
fn every_format_reads_back_without_error_and_in_the_contracts_vocabulary() {
    for name in shipped() {
        let c = contract::load(&contracts().join(&name).join("contract.toml")).unwrap();
        let evaluator = Evaluator::new(&c).unwrap();
        let vocabulary = Vocabulary::find(&name, &contracts()).unwrap();
        assert_eq!(vocabulary.contract, c.id);
        let dir = scratch(&name);
        for (format, file) in FORMATS {
            let path = write(&dir, file, format, 11, &vocabulary);
            let mut read = 0;
            for record in records::open_for(&path, Some(&c.id)).unwrap() {
                let record = record.unwrap_or_else(|d| panic!("{name} {file}: {d}"));
                evaluator.bind(record).unwrap_or_else(|d| panic!("{name} {file}: {d}"));
                read += 1;
            }
            assert_eq!(read, 300, "{name} {file}");
        }
    }
}

#[test]
fn a_contract_is_found_by_its_id_too_and_an_unknown_id_gets_a_generic_vocabulary() {
    let by_id = Vocabulary::find("ESK-URA-2026-02", &contracts()).unwrap();
    assert_eq!(by_id.instruments, ["change_meter"]);
    let generic = Vocabulary::find("NO-SUCH-1", &contracts()).unwrap();
    assert_eq!(generic.contract, "NO-SUCH-1");
    assert!(!generic.groups.is_empty() && !generic.event_kinds.is_empty());
    let dir = scratch("generic");
    let path = write(&dir, "records.jsonl", Format::JsonLines, 1, &generic);
    assert_eq!(summary(&path).records, 300);
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_others() {
    let vocabulary = Vocabulary::find("career-coaching", &contracts()).unwrap();
    let dir = scratch("seeds");
    for (format, file) in FORMATS {
        let a = bytes(&write(&dir, &format!("a-{file}"), format, 5, &vocabulary));
        let again = bytes(&write(&dir, &format!("b-{file}"), format, 5, &vocabulary));
        let other = bytes(&write(&dir, &format!("c-{file}"), format, 6, &vocabulary));
        assert!(a == again, "{file}: same seed, different bytes");
        assert!(a != other, "{file}: another seed, same bytes");
    }
}

#[test]
fn the_formats_of_one_seed_hold_the_same_records() {
    let vocabulary = Vocabulary::find("rehabilitative-work-activity", &contracts()).unwrap();
    let dir = scratch("formats");
    let summaries: Vec<Summary> =
        FORMATS.iter().map(|(format, file)| summary(&write(&dir, file, *format, 9, &vocabulary))).collect();
    assert_eq!(summaries[0], summaries[1]);
    assert_eq!(summaries[0], summaries[2]);
    assert!(summaries[0].by_arm.get("control").is_some_and(|&n| n > 20), "{:?}", summaries[0].by_arm);
    assert!(!summaries[0].measures.is_empty() && !summaries[0].events.is_empty() && summaries[0].feedback.count > 0);
}

#[test]
fn nothing_generated_looks_like_an_identity_code() {
    let vocabulary = Vocabulary::find("labour-market-training", &contracts()).unwrap();
    let dir = scratch("hetu");
    for (format, file) in FORMATS {
        let text = String::from_utf8(bytes(&write(&dir, file, format, 2, &vocabulary))).unwrap();
        for line in text.lines() {
            assert!(!records::hetu::contains_identity_code(line), "{file}: {line}");
        }
    }
}

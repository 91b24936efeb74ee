//! The JSON Lines reader on worker threads gives exactly what the
//! sequential reader gives: the same records (compared as values) and the
//! same diagnostics (compared in full), in the same order, whatever the
//! number of workers and wherever blocks are cut — over the shipped
//! contracts' records, a generated file and hostile inputs.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use tulos::generate::{self, Format, Options, Vocabulary};
use tulos::records::summary::Summary;
use tulos::records::{self, ErrorLimit, Record, RecordReader};

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("records_parallel").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One item of a reader: a record, or a diagnostic in full.
#[derive(Debug, PartialEq)]
enum Item {
    Record(Box<Record>),
    Error(String),
}

/// Everything `reader` hands out, and its empty-input warning.
fn drain(mut reader: RecordReader) -> (Vec<Item>, Option<String>) {
    let items = reader
        .by_ref()
        .map(|item| match item {
            Ok(r) => Item::Record(Box::new(r)),
            Err(d) => Item::Error(format!("{d:?}\n{d}")),
        })
        .collect();
    (items, reader.nothing_read_warning().map(|d| format!("{d:?}")))
}

fn read(path: &Path, contract: Option<&str>, threads: usize, block_lines: usize) -> (Vec<Item>, Option<String>) {
    let reader = records::open_for(path, contract).unwrap();
    drain(reader.with_threads_and_block_lines(threads, block_lines))
}

/// Reads `path` sequentially and with 2, 3 and 4 workers, with blocks of
/// a few lines and of the default size, and asserts the same result;
/// gives the sequential one.
fn same_with_threads(path: &Path, contract: Option<&str>) -> Vec<Item> {
    let (sequential, warning) = drain(records::open_for(path, contract).unwrap());
    for threads in [2, 3, 4] {
        for block_lines in [1, 2, 3, 7, 1024] {
            let (parallel, parallel_warning) = read(path, contract, threads, block_lines);
            assert_eq!(parallel.len(), sequential.len(), "{path:?}, {threads} workers, blocks of {block_lines}");
            for (i, (p, s)) in parallel.iter().zip(&sequential).enumerate() {
                assert_eq!(p, s, "{path:?}, item {i}, {threads} workers, blocks of {block_lines}");
            }
            assert_eq!(parallel_warning, warning, "{path:?}");
        }
    }
    sequential
}

fn errors(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Error(e) => Some(e.as_str()),
            Item::Record(_) => None,
        })
        .collect()
}

fn records_of(items: &[Item]) -> usize {
    items.iter().filter(|i| matches!(i, Item::Record(_))).count()
}

#[test]
fn the_reader_stays_send() {
    fn send<T: Send>() {}
    send::<RecordReader>();
}

#[test]
fn shipped_records_read_the_same_on_threads() {
    let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts");
    for name in ["career-coaching", "labour-market-training"] {
        let path = contracts.join(name).join("records.jsonl");
        let items = same_with_threads(&path, None);
        assert_eq!(records_of(&items), 14, "{path:?}");
    }
}

#[test]
fn a_generated_file_reads_the_same_on_threads() {
    let dir = scratch("generated");
    let out = dir.join("g.jsonl");
    let vocabulary = Vocabulary::generic("G-1");
    let options = Options { n: 2000, seed: 11, format: Format::JsonLines, out: out.clone() };
    generate::generate(&options, &vocabulary).unwrap();
    let items = same_with_threads(&out, Some("G-1"));
    assert_eq!(records_of(&items), 2000);
    assert!(errors(&items).is_empty());
}

/// What `tulos records` makes of a reader, from a summary `start`: the
/// summary, every diagnostic, the ticks and the empty-input warning.
type Summarised = (Summary, String, u64, Option<String>);

/// [`Summarised`] by adding every record the iterator gives, after
/// `before` of them; or, with `summarise`, by `RecordReader::summarise`
/// after `before` items the iterator gave.
fn summarised(mut reader: RecordReader, start: &Summary, before: usize, summarise: bool) -> Summarised {
    let (mut summary, mut errors, mut ticks) = (start.clone(), ErrorLimit::new(1000), 0);
    for item in reader.by_ref().take(if summarise { before } else { usize::MAX }) {
        ticks += 1;
        let refused = match item {
            Ok(r) => summary.add(&r).err(),
            Err(d) => Some(d),
        };
        refused.into_iter().for_each(|d| errors.push(d));
    }
    if summarise {
        reader.summarise(&mut summary, &mut errors, || ticks += 1);
    }
    let warning = reader.nothing_read_warning().map(|d| format!("{d:?}"));
    (summary, format!("{:?}", errors.into_diagnostics()), ticks, warning)
}

/// Summarises `path` as `tulos records` used to (adding what the
/// sequential iterator gives) and with `summarise` on 1 to 3 workers,
/// blocks of a few lines and of the default size, and after a few items
/// were taken from the iterator first; asserts the same result and gives
/// it.
fn same_summary_with_threads(path: &Path, start: &Summary) -> Summarised {
    let reference = summarised(records::open(path).unwrap(), start, 0, false);
    for threads in [1, 2, 3] {
        for block_lines in [1, 2, 7, 1024] {
            for before in [0, 5] {
                let reader = records::open(path).unwrap().with_threads_and_block_lines(threads, block_lines);
                let summary = summarised(reader, start, before, true);
                assert_eq!(summary, reference, "{path:?}, {threads} workers, blocks of {block_lines}, {before} before");
            }
        }
    }
    reference
}

#[test]
fn the_summary_is_the_same_on_threads() {
    let dir = scratch("summary");
    let out = dir.join("g.jsonl");
    let vocabulary = Vocabulary::generic("G-1");
    let options = Options { n: 1500, seed: 5, format: Format::JsonLines, out: out.clone() };
    generate::generate(&options, &vocabulary).unwrap();
    let (summary, errors, ticks, _) = same_summary_with_threads(&out, &Summary::new());
    assert_eq!((summary.records, ticks, errors.as_str()), (1500, 1500, "[]"));
    assert!(summary.earnings.count > 1000 && summary.measures.len() + summary.spells.len() > 2, "{summary:?}");

    // Near the largest decimal, some records' earnings overflow the total:
    // each is an error and left out, in input order, whoever counts.
    let mut start = Summary::new();
    start.earnings.total = Decimal::MAX - summary.earnings.total / Decimal::TWO;
    let (near, errors, ticks, _) = same_summary_with_threads(&out, &start);
    let refused = errors.matches("exceeds the largest exact decimal").count() as u64;
    assert!(refused > 100 && near.records + refused == 1500 && ticks == 1500, "{refused} refused, {near:?}");
}

#[test]
fn the_summary_of_hostile_input_is_the_same_on_threads() {
    let path = hostile_file("hostile_summary");
    let (summary, errors, ticks, _) = same_summary_with_threads(&path, &Summary::new());
    assert_eq!(errors.matches("duplicate record").count(), 8, "{errors}");
    assert_eq!(summary.records, 61);
    assert_eq!(ticks as usize, 61 + errors.matches("Diagnostic {").count(), "{errors}");
    let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts");
    for name in ["career-coaching", "labour-market-training"] {
        let (summary, ..) = same_summary_with_threads(&contracts.join(name).join("records.jsonl"), &Summary::new());
        assert_eq!(summary.records, 14);
    }
    let empty = scratch("empty_summary").join("blank.jsonl");
    std::fs::write(&empty, "\n  \r\n").unwrap();
    let (_, _, _, warning) = same_summary_with_threads(&empty, &Summary::new());
    assert!(warning.unwrap().contains("the file holds no record"));
}

const PERSON: &str = r#""service":{"start":"2026-01-12"}"#;

fn line(id: &str) -> String {
    format!(r#"{{"id":"{id}",{PERSON}}}"#)
}

/// A file with a byte-order mark, CRLF line ends, blank lines,
/// duplicates, bad UTF-8, an identity code, syntax errors, an over-long
/// line and no final line end: 61 records and the errors of every kind.
fn hostile_file(test: &str) -> PathBuf {
    let dir = scratch(test);
    let mut text: Vec<u8> = Vec::new();
    // A byte-order mark on line 1, CRLF line ends, blank lines.
    text.extend_from_slice(b"\xEF\xBB\xBF");
    text.extend_from_slice(line("P-0").as_bytes());
    text.extend_from_slice(b"\r\n\r\n   \n");
    for i in 1..60 {
        text.extend_from_slice(line(&format!("P-{i}")).as_bytes());
        text.push(b'\n');
        // A duplicate of a record far earlier, and ones of the line just
        // before (crossing small blocks' boundaries), in another spelling.
        if i % 13 == 0 {
            text.extend_from_slice(line("p-0").as_bytes());
            text.push(b'\n');
            text.extend_from_slice(line(&format!("P-{i}")).as_bytes());
            text.push(b'\n');
        }
    }
    // Bad UTF-8 (Latin-1 ä), an identity code, a syntax error, a repeated
    // key, an unknown field.
    text.extend_from_slice(b"{\"id\":\"J\xE4ms\xE4\",\"service\":{\"start\":\"2026-01-12\"}}\n");
    text.extend_from_slice(line("131052-308T").as_bytes());
    text.extend_from_slice(b"\n{\"id\":\"P-x\", oops}\n");
    text.extend_from_slice(format!(r#"{{"id":"P-r",{PERSON},"id":"P-s"}}"#).as_bytes());
    text.extend_from_slice(format!("\n{{\"id\":\"P-u\",{PERSON},\"x\":1}}\n").as_bytes());
    // An over-long line, then a record right after it.
    text.extend_from_slice(format!(r#"{{"id":"P-long",{PERSON},"attributes":{{"a":""#).as_bytes());
    text.resize(text.len() + (1 << 20) + 10, b'x');
    text.extend_from_slice(b"\"}}\n");
    text.extend_from_slice(line("P-after").as_bytes());
    // No final newline.
    let path = dir.join("hostile.jsonl");
    std::fs::write(&path, &text).unwrap();
    path
}

#[test]
fn hostile_input_reads_the_same_on_threads() {
    let path = hostile_file("hostile");
    for contract in [None, Some("K-1")] {
        let items = same_with_threads(&path, contract);
        let errors = errors(&items);
        let with = |needle: &str| errors.iter().filter(|e| e.contains(needle)).count();
        assert_eq!(with("duplicate record"), 8, "{errors:#?}");
        assert_eq!(with("not valid UTF-8"), 1, "{errors:#?}");
        assert_eq!(with("longer than 1048576 bytes"), 1, "{errors:#?}");
        assert_eq!(with("personal identity code"), 1, "{errors:#?}");
        assert!(errors.iter().all(|e| !e.contains("308T")), "{errors:#?}");
        assert_eq!(records_of(&items), 61, "P-0 … P-59 and P-after");
    }
}

#[test]
fn more_errors_than_the_limit_are_counted_the_same_on_threads() {
    let dir = scratch("many_errors");
    let text: String = (0..50).map(|i| format!("{{\"id\":\"P-{i}\"}}\n")).collect();
    let path = dir.join("e.jsonl");
    std::fs::write(&path, text).unwrap();
    let limited = |threads| {
        let mut limit = ErrorLimit::new(5);
        let reader = records::open(&path).unwrap().with_threads_and_block_lines(threads, 3);
        reader.filter_map(Result::err).for_each(|d| limit.push(d));
        format!("{:?}", limit.into_diagnostics())
    };
    assert_eq!(limited(2), limited(1));
    assert!(limited(1).contains("45 more errors were not shown"));
    assert_eq!(errors(&same_with_threads(&path, None)).len(), 50);
}

#[test]
fn an_empty_file_warns_the_same_on_threads() {
    let dir = scratch("empty");
    for (name, content) in [("empty.jsonl", ""), ("blank.jsonl", "\n  \r\n\n")] {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        assert!(same_with_threads(&path, None).is_empty());
        let (_, warning) = read(&path, None, 2, 1);
        assert!(warning.unwrap().contains("the file holds no record"));
    }
}

#[test]
fn dropping_the_reader_early_ends_its_threads() {
    let dir = scratch("drop");
    let text: String = (0..5000).map(|i| line(&format!("P-{i}")) + "\n").collect();
    let path = dir.join("d.jsonl");
    std::fs::write(&path, text).unwrap();
    for block_lines in [1, 16] {
        let mut reader = records::open(&path).unwrap().with_threads_and_block_lines(2, block_lines);
        assert!(matches!(reader.next(), Some(Ok(_))));
        // The drop joins every thread: it returns only once they ended.
        drop(reader);
    }
    // Dropped before reading anything at all.
    drop(records::open(&path).unwrap().with_threads(3));
}

/// What `each_mapped` hands out after `before` items of the iterator,
/// mapping each record to an item (and noting whether it was mapped off
/// the calling thread), until `each` has had `stop_after` items; and the
/// iterator's items after that, and the empty-input warning.
fn mapped(mut reader: RecordReader, before: usize, stop_after: Option<usize>) -> (Vec<Item>, usize, Option<String>) {
    let here = std::thread::current().id();
    let mut items: Vec<Item> = reader.by_ref().take(before).map(item).collect();
    let mut elsewhere = 0;
    // Each thread maps with a scratch of its own, made on that thread.
    let scratch = || std::thread::current().id();
    let map = |made_on: &mut std::thread::ThreadId, r: Record| {
        assert_eq!(*made_on, std::thread::current().id(), "a scratch made on another thread");
        (Item::Record(Box::new(r)), std::thread::current().id() != here)
    };
    reader.each_mapped(scratch, map, |mapped| {
        items.push(match mapped {
            Ok((record, off)) => {
                elsewhere += usize::from(off);
                record
            }
            Err(d) => item(Err(d)),
        });
        match stop_after {
            Some(n) if items.len() >= n => std::ops::ControlFlow::Break(()),
            _ => std::ops::ControlFlow::Continue(()),
        }
    });
    items.extend(reader.by_ref().map(item));
    (items, elsewhere, reader.nothing_read_warning().map(|d| format!("{d:?}")))
}

fn item(item: Result<Record, tulos::diagnostic::Diagnostic>) -> Item {
    match item {
        Ok(r) => Item::Record(Box::new(r)),
        Err(d) => Item::Error(format!("{d:?}\n{d}")),
    }
}

#[test]
fn mapping_each_record_gives_the_items_of_the_iterator() {
    let hostile = hostile_file("mapped");
    let dir = scratch("mapped_generated");
    let generated = dir.join("g.jsonl");
    let options = Options { n: 600, seed: 5, format: Format::JsonLines, out: generated.clone() };
    generate::generate(&options, &Vocabulary::generic("G-1")).unwrap();
    for (path, contract) in [(&hostile, None), (&hostile, Some("K-1")), (&generated, Some("G-1"))] {
        let (sequential, warning) = drain(records::open_for(path, contract).unwrap());
        for threads in [1, 2, 3] {
            for block_lines in [1, 3, 1024] {
                for before in [0, 2] {
                    let reader = records::open_for(path, contract).unwrap();
                    let reader = reader.with_threads_and_block_lines(threads, block_lines);
                    let (items, elsewhere, mapped_warning) = mapped(reader, before, None);
                    let case = format!("{path:?}, {threads} threads, blocks of {block_lines}, {before} before");
                    assert_eq!(items, sequential, "{case}");
                    assert_eq!(mapped_warning, warning, "{case}");
                    // A clean file's records are all made, mapped and
                    // freed on the workers, when they start there.
                    if path == &generated && threads > 1 && before == 0 {
                        assert_eq!(elsewhere, 600, "{case}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_break_stops_the_mapping_where_it_is_asked() {
    let path = hostile_file("mapped_break");
    let (sequential, _) = drain(records::open_for(&path, None).unwrap());
    for stop_after in [1, 5, 17, 40, sequential.len() - 1] {
        for (threads, block_lines) in [(1, 1024), (2, 1), (2, 4), (3, 1024)] {
            let reader = records::open_for(&path, None).unwrap().with_threads_and_block_lines(threads, block_lines);
            // Nothing is handed out after the break, not even by the
            // iterator.
            let (items, _, warning) = mapped(reader, 0, Some(stop_after));
            assert_eq!(items, sequential[..stop_after], "{threads} threads, blocks of {block_lines}");
            assert_eq!(warning, None);
        }
    }
}

#[test]
fn only_a_fresh_reader_on_threads_maps_on_them() {
    let contracts = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts");
    let path = contracts.join("career-coaching").join("records.jsonl");
    assert!(records::open(&path).unwrap().with_threads(2).maps_on_threads());
    assert!(!records::open(&path).unwrap().maps_on_threads());
    let mut begun = records::open(&path).unwrap().with_threads(2);
    begun.next();
    assert!(!begun.maps_on_threads());
}

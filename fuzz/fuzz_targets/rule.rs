//! The rule compiler and sandbox: arbitrary text compiled as a rule (with
//! the shipped library) and as a library, then evaluated for shipped
//! participants with the normal limits — an endless or exploding script
//! must stop with an error, well inside libFuzzer's timeout.
#![no_main]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use tulos::scripting::{EvalContext, Library, Limits, ParamValue, RuleEngine, RuleSource};

struct Sandbox {
    engine: RuleEngine,
    library: Library,
    params: BTreeMap<String, ParamValue>,
    achieved: BTreeMap<String, chrono::NaiveDate>,
}

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let engine = RuleEngine::new(Limits::default());
        let library = engine
            .compile_library(Path::new("rules/employment.rhai"), tulos_fuzz::EMPLOYMENT_RHAI)
            .expect("the shipped library compiles");
        let params = BTreeMap::from([
            ("job_min_days".to_string(), ParamValue::Integer(28)),
            ("change_meter_min_gain".to_string(), ParamValue::Integer(3)),
            ("follow_up_months".to_string(), ParamValue::Integer(12)),
            ("min_gain".to_string(), ParamValue::Decimal(Decimal::new(15, 1))),
            ("label".to_string(), ParamValue::Text("L2".into())),
            ("since".to_string(), ParamValue::Date(tulos_fuzz::date(2026, 1, 1))),
            ("strict".to_string(), ParamValue::Bool(true)),
        ]);
        let achieved = BTreeMap::from([("job_entry".to_string(), tulos_fuzz::date(2026, 6, 15))]);
        Sandbox { engine, library, params, achieved }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sb = sandbox();
    let _ = sb.engine.compile_library(Path::new("rules/fuzzed.rhai"), text);
    let source = RuleSource {
        name: "outcome `fuzzed`, achieved_on".into(),
        file: "contract.toml".into(),
        text: text.to_string(),
        line: 1,
        column: 1,
    };
    let Ok(rule) = sb.engine.compile_rule(&source, std::slice::from_ref(&sb.library)) else { return };
    // A few participants with different histories, not all 60. A run stops
    // at the first rule error, as `tulos calculate` does: an endless rule
    // costs one operation budget per input, not one per participant (in an
    // instrumented build a budget is about half a second).
    for record in tulos_fuzz::shipped_records().iter().step_by(7) {
        let cx =
            EvalContext { record, as_of: tulos_fuzz::date(2027, 6, 30), achieved: &sb.achieved, params: &sb.params };
        if rule.eval(&sb.engine, &cx).is_err() || rule.eval_traced(&sb.engine, &cx).0.is_err() {
            break;
        }
    }
});

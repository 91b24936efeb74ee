//! The configured rhai engine, compiled libraries and rules, evaluation.
//!
//! One [`RuleEngine`] per contract per run: building an engine costs far
//! more than evaluating a rule, and every script is compiled exactly once
//! into an AST that all threads share. Evaluation sets up a four-variable
//! scope and runs the AST; nothing is parsed per record.

use std::collections::BTreeSet;
use std::path::Path;

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage, BasicStringPackage, LogicPackage,
    MoreStringPackage, Package,
};
use rhai::{Dynamic, Engine, Position, Scope, AST};

use super::api::{self, Achieved, Params, Participant};
use super::arrays;
use super::context::{self, Frame};
use super::dates::{self, Date};
use super::errors::{self, FunctionFiles, Origin};
use super::names::{add_scripted, KnownNames, Scripted};
use super::{EvalContext, Limits, RuleError, RuleSource, RuleValue};
use crate::calendar::LeapDayBirthday;
use crate::diagnostic::Diagnostic;
use crate::records::hetu::redact;

/// One per contract per run; holds the configured rhai engine.
///
/// `Send + Sync`: share `&RuleEngine` and `&CompiledRule` across threads.
pub struct RuleEngine {
    engine: Engine,
    /// Operations one evaluation may run across all its nested calls.
    max_operations: u64,
    /// Stops at the first operation: tells whether a library has
    /// statements outside functions, and where.
    statement_probe: Engine,
    /// What rules may call, for catching misspelt names at compile time.
    names: KnownNames,
}

/// A compiled `rules/*.rhai` library: function definitions only.
#[derive(Debug, Clone)]
pub struct Library {
    origin: Origin,
    ast: AST,
}

impl Library {
    pub fn file(&self) -> &Path {
        &self.origin.file
    }

    /// Names of the functions the library defines.
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.ast.iter_functions().map(|f| f.name)
    }
}

/// A rule compiled together with the libraries it may call.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    name: String,
    origin: Origin,
    ast: AST,
    functions: FunctionFiles,
}

/// The variables every rule sees.
const SCOPE_VARIABLES: [&str; 4] = ["p", "as_of", "achieved", "params"];

fn sandboxed(limits: &Limits, leap_day: LeapDayBirthday) -> Engine {
    let mut engine = Engine::new_raw();
    // Pure computation only: no file access, clock (`timestamp`),
    // randomness, `sleep`, or rounding of money (that is Rust's job).
    ArithmeticPackage::new().register_into_engine(&mut engine);
    LogicPackage::new().register_into_engine(&mut engine);
    BasicStringPackage::new().register_into_engine(&mut engine);
    MoreStringPackage::new().register_into_engine(&mut engine);
    BasicArrayPackage::new().register_into_engine(&mut engine);
    BasicMapPackage::new().register_into_engine(&mut engine);
    BasicIteratorPackage::new().register_into_engine(&mut engine);
    engine
        .disable_symbol("eval")
        // A rule's error always stops it: `try … catch` could turn a
        // missing value or a spent budget into a silent default.
        .disable_symbol("try")
        .disable_symbol("import")
        .on_print(|_| {})
        .on_debug(|_, _, _| {})
        .set_strict_variables(true)
        // Operators go through registered functions, so ordering a number
        // against a missing value `()` is an error instead of a silent
        // `false` (see `api::register_missing_number_comparisons`).
        .set_fast_operators(false)
        .set_fail_on_invalid_map_property(true)
        // rhai's own count restarts in every callback (see `context.rs`);
        // it stays as a backstop, the evaluation's budget is charged here.
        .set_max_operations(limits.max_operations)
        .on_progress(|_| context::charge_operation())
        .set_max_call_levels(limits.max_call_levels)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth);
    dates::register(&mut engine);
    api::register(&mut engine, leap_day);
    arrays::register(&mut engine);
    engine
}

fn statement_probe() -> Engine {
    let mut engine = Engine::new_raw();
    engine.on_progress(|_| Some(Dynamic::UNIT));
    engine
}

impl RuleEngine {
    pub fn new(limits: Limits) -> Self {
        Self::with_leap_day(limits, LeapDayBirthday::default())
    }

    /// An engine whose `p.age_on` follows the contract's rule for a
    /// 29 February birthday.
    pub fn with_leap_day(limits: Limits, leap_day: LeapDayBirthday) -> Self {
        let engine = sandboxed(&limits, leap_day);
        let names = KnownNames::of(&engine);
        RuleEngine { engine, max_operations: limits.max_operations, statement_probe: statement_probe(), names }
    }

    /// Compile a library file (`rules/*.rhai`): function definitions only.
    /// Errors are diagnostics at the library's line and column.
    pub fn compile_library(&self, file: &Path, text: &str) -> Result<Library, Diagnostic> {
        let origin = Origin::file_start(file);
        let ast = self.engine.compile(text).map_err(|e| errors::parse_diagnostic(&e, &origin))?;
        if let Some(pos) = self.first_statement(&ast) {
            return Err(errors::stray_statement(&origin, pos));
        }
        let mut ast = ast.clone_functions_only();
        ast.set_source(file.display().to_string());
        Ok(Library { origin, ast })
    }

    /// Misspelt function and `p.` property names in the libraries' function
    /// bodies, which may call each other's functions.
    pub fn check_libraries(&self, libraries: &[Library]) -> Vec<Diagnostic> {
        let mut scripted = Scripted::new();
        for library in libraries {
            add_scripted(&mut scripted, &library.ast);
        }
        libraries.iter().filter_map(|l| self.names.check(&l.ast, &scripted, None, &l.origin).err()).collect()
    }

    /// Position of the first top-level statement, found by letting the
    /// probe engine stop on its first operation (rhai exposes statements
    /// only with its `internals` feature).
    fn first_statement(&self, ast: &AST) -> Option<Position> {
        let statements = ast.clone_statements_only();
        self.statement_probe.eval_ast::<Dynamic>(&statements).err().map(|e| e.position())
    }

    /// Compile one rule expression embedded in a contract file, with the
    /// libraries it may call. Errors are diagnostics at the contract's
    /// line and column.
    pub fn compile_rule(&self, source: &RuleSource, libraries: &[Library]) -> Result<CompiledRule, Diagnostic> {
        self.compile(source, libraries, None)
    }

    /// [`compile_rule`](Self::compile_rule) for a contract that declares
    /// `parameters`: `params.NAME` or `params["NAME"]` with any other name
    /// is a compile error with a suggestion.
    pub fn compile_contract_rule(
        &self,
        source: &RuleSource,
        libraries: &[Library],
        parameters: &BTreeSet<String>,
    ) -> Result<CompiledRule, Diagnostic> {
        self.compile(source, libraries, Some(parameters))
    }

    fn compile(
        &self,
        source: &RuleSource,
        libraries: &[Library],
        parameters: Option<&BTreeSet<String>>,
    ) -> Result<CompiledRule, Diagnostic> {
        let origin = Origin { file: source.file.clone(), line: source.line, column: source.column };
        // Placeholders, not constants: strict variables needs the names at
        // compile time, but the optimizer must not fold their values in.
        let mut scope = Scope::new();
        for name in SCOPE_VARIABLES {
            scope.push_dynamic(name, Dynamic::UNIT);
        }
        let rule =
            self.engine.compile_with_scope(&scope, &source.text).map_err(|e| errors::parse_diagnostic(&e, &origin))?;
        let mut functions = FunctionFiles::new();
        for library in libraries {
            for name in library.functions() {
                functions.insert(name.to_string(), library.origin.clone());
            }
        }
        for f in rule.iter_functions() {
            functions.insert(f.name.to_string(), origin.clone());
        }
        let mut scripted = Scripted::new();
        for library in libraries {
            add_scripted(&mut scripted, &library.ast);
        }
        add_scripted(&mut scripted, &rule);
        self.names.check(&rule, &scripted, parameters, &origin)?;
        let ast = libraries.iter().fold(AST::empty(), |ast, library| ast.merge(&library.ast)).merge(&rule);
        Ok(CompiledRule { name: source.name.clone(), origin, ast, functions })
    }
}

impl CompiledRule {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn ast(&self) -> &AST {
        &self.ast
    }

    pub(super) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Evaluate the rule for one participant.
    pub fn eval(&self, engine: &RuleEngine, cx: &EvalContext) -> Result<RuleValue, RuleError> {
        self.run(engine, cx, false).0
    }

    /// Evaluate, also returning what the rule read, in call order, as
    /// `p.service_end = 2026-04-30` or
    /// `p.days_in("employment", 2026-05-01, 2026-10-31) = 120` (for
    /// `tulos explain`).
    pub fn eval_traced(&self, engine: &RuleEngine, cx: &EvalContext) -> (Result<RuleValue, RuleError>, Vec<String>) {
        self.run(engine, cx, true)
    }

    fn run(&self, engine: &RuleEngine, cx: &EvalContext, traced: bool) -> (Result<RuleValue, RuleError>, Vec<String>) {
        let frame = Frame::new(cx, traced, engine.max_operations);
        let outcome = context::enter(&frame, || {
            let mut scope = Scope::new();
            scope.push_constant("p", Participant);
            scope.push_constant("as_of", Date(cx.as_of));
            scope.push_constant("achieved", Achieved);
            scope.push_constant("params", Params);
            engine.engine.eval_ast_with_scope::<Dynamic>(&mut scope, &self.ast)
        });
        let result = match outcome {
            // The budget ran out somewhere, but a builtin swallowed the
            // termination: the value cannot be trusted.
            _ if frame.exhausted() && !outcome.as_ref().is_err_and(|e| errors::is_out_of_operations(e)) => {
                Err(self.error(cx, errors::OUT_OF_OPERATIONS.to_string()))
            }
            Ok(value) => RuleValue::from_dynamic(value).map_err(|message| self.error(cx, message)),
            Err(err) => Err(errors::rule_error(&self.name, &cx.record.id, &self.origin, &self.functions, &err)),
        };
        (result, frame.into_trace())
    }

    /// An error about the rule as a whole (e.g. what it returned).
    fn error(&self, cx: &EvalContext, message: String) -> RuleError {
        RuleError {
            rule: self.name.clone(),
            participant: redact(&cx.record.id),
            file: self.origin.file.clone(),
            line: Some(self.origin.line),
            column: Some(self.origin.column),
            message: redact(&message),
        }
    }
}

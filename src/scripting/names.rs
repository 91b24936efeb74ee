//! Check-time detection of misspelt function and property names.
//!
//! rhai resolves function calls when they run, so `p.employd_on(d)` would
//! compile and fail only for the first participant who reaches it — after
//! an officer was told the contract was fine. Walking the compiled rule and
//! comparing every called name with what the engine and the rule libraries
//! define catches the typo in `tulos check`, with a suggestion. The same
//! walk finds a call with a number of arguments no definition of the
//! function takes, a `params.NAME` the contract does not declare, and
//! refuses capturing closures and `curry` (see [`refused_in`]).

use std::collections::{BTreeMap, BTreeSet};

use rhai::{ASTNode, Engine, Expr, FnCallExpr, FnPtr, Position, Stmt, AST};

use super::api::USAGE;
use super::errors::Origin;
use crate::diagnostic::{closest, Diagnostic};

/// rhai keywords that look like calls but are not registered functions
/// (`curry` is refused separately).
/// `..` and `..=` build integer ranges inside rhai, not through a
/// registered function.
const KEYWORDS: [&str; 10] =
    ["type_of", "print", "debug", "Fn", "call", "is_shared", "is_def_var", "is_def_fn", "..", "..="];

/// Functions defined in rhai (by the rule or its libraries): name → one
/// `name(a, b)` signature per definition, by number of parameters.
pub type Scripted = BTreeMap<String, BTreeMap<usize, String>>;

/// The functions `ast` defines, added to `scripted`.
pub fn add_scripted(scripted: &mut Scripted, ast: &AST) {
    for f in ast.iter_functions() {
        let signature = format!("{}({})", f.name, f.params.join(", "));
        scripted.entry(f.name.to_string()).or_default().insert(f.params.len(), signature);
    }
}

/// Every function and `p` property a rule can name.
pub struct KnownNames {
    functions: BTreeSet<String>,
    properties: BTreeSet<String>,
    /// Registered function → the numbers of arguments its overloads take
    /// (a method's object counts).
    arities: BTreeMap<String, BTreeSet<usize>>,
}

/// How many parameters a signature from `Engine::gen_fn_signatures` has.
fn parameter_count(signature: &str) -> usize {
    let Some(open) = signature.find('(') else { return 0 };
    let (mut depth, mut count, mut empty) = (0usize, 1usize, true);
    for c in signature[open + 1..].chars() {
        match c {
            '(' | '<' => depth += 1,
            ')' if depth == 0 => break,
            ')' | '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => count += 1,
            c if !c.is_whitespace() => empty = false,
            _ => {}
        }
    }
    if empty {
        0
    } else {
        count
    }
}

impl KnownNames {
    pub fn of(engine: &Engine) -> Self {
        let mut functions: BTreeSet<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        let mut properties = BTreeSet::new();
        let mut arities: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for signature in engine.gen_fn_signatures(true) {
            let name = signature.split('(').next().unwrap_or_default().trim();
            match name.strip_prefix("get$") {
                Some(property) => properties.insert(property.to_string()),
                None => {
                    arities.entry(name.to_string()).or_default().insert(parameter_count(&signature));
                    functions.insert(name.to_string())
                }
            };
        }
        KnownNames { functions, properties, arities }
    }

    /// The first unknown name `ast` uses, as a diagnostic at its position;
    /// `scripted` are the functions the rule and its libraries define,
    /// `parameters` the contract's declared parameters when known. Also
    /// refuses closures that capture variables and `curry` (see
    /// [`refused_in`]).
    pub fn check(
        &self,
        ast: &AST,
        scripted: &Scripted,
        parameters: Option<&BTreeSet<String>>,
        origin: &Origin,
    ) -> Result<(), Diagnostic> {
        let mut found: Option<Diagnostic> = None;
        ast.walk(&mut |path: &[ASTNode]| {
            found = match path.last() {
                Some(ASTNode::Expr(expr)) => refused_in(expr, origin)
                    .or_else(|| {
                        let (name, pos, kind) = self.unknown_in(expr, scripted)?;
                        Some(self.diagnostic(&name, pos, kind, scripted, origin))
                    })
                    .or_else(|| {
                        let (call, pos, method) = call_in(expr)?;
                        self.wrong_arity(call, pos, method, scripted, origin)
                    })
                    .or_else(|| parameters.and_then(|declared| undeclared_parameter(expr, declared, origin))),
                // A call as a statement of its own: a rule that is just
                // `f(p, 6)`, and how a capturing closure is compiled.
                Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => {
                    refused_call(call, *pos, false, origin).or_else(|| self.check_call(call, *pos, scripted, origin))
                }
                _ => None,
            };
            found.is_none()
        });
        found.map_or(Ok(()), Err)
    }

    fn knows(&self, name: &str, scripted: &Scripted) -> bool {
        self.functions.contains(name) || scripted.contains_key(name)
    }

    /// A call statement: an unknown name, or a wrong number of arguments.
    fn check_call(&self, call: &FnCallExpr, pos: Position, scripted: &Scripted, origin: &Origin) -> Option<Diagnostic> {
        if !self.knows(&call.name, scripted) {
            return Some(self.diagnostic(&call.name, pos, "function", scripted, origin));
        }
        self.wrong_arity(call, pos, false, scripted, origin)
    }

    fn unknown_in(&self, expr: &Expr, scripted: &Scripted) -> Option<(String, Position, &'static str)> {
        match expr {
            Expr::FnCall(call, pos) | Expr::MethodCall(call, pos) if !self.knows(&call.name, scripted) => {
                Some((call.name.to_string(), *pos, "function"))
            }
            // Only `p`'s properties are fixed; `achieved.x` and `params.x`
            // name outcomes and parameters, checked elsewhere.
            Expr::Dot(dot, _, _) if is_participant(&dot.lhs) => match &dot.rhs {
                Expr::Property(property, pos) if !self.properties.contains(property.2.as_str()) => {
                    Some((property.2.to_string(), *pos, "property"))
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn diagnostic(&self, name: &str, pos: Position, kind: &str, scripted: &Scripted, origin: &Origin) -> Diagnostic {
        let candidates: Vec<&str> = match kind {
            "function" => self.functions.iter().chain(scripted.keys()).map(String::as_str).collect(),
            _ => self.properties.iter().map(String::as_str).collect(),
        };
        let help = match closest(name, &candidates) {
            Some(near) => format!("did you mean `{near}`? The README lists what rules can use"),
            None => "the README lists the functions and properties rules can use".to_string(),
        };
        let message = match kind {
            "function" => format!("unknown function `{name}`"),
            _ => format!("unknown property `p.{name}`"),
        };
        Diagnostic::error(&origin.file, origin.location(pos), message).with_help(help)
    }
    /// A call with a number of arguments that no definition of the
    /// function takes. A method call counts its object as the first
    /// argument of a registered function; method calls of rhai-defined
    /// functions (`this`) and operators are left to run time.
    fn wrong_arity(
        &self,
        call: &FnCallExpr,
        pos: Position,
        method: bool,
        scripted: &Scripted,
        origin: &Origin,
    ) -> Option<Diagnostic> {
        let name = call.name.as_str();
        if KEYWORDS.contains(&name) || !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return None;
        }
        let written = call.args.len();
        let given = written + usize::from(method);
        let defined = scripted.get(name).filter(|_| !method);
        let registered = self.arities.get(name);
        if defined.is_none() && registered.is_none() {
            return None;
        }
        let mut takes: BTreeSet<usize> = registered.cloned().unwrap_or_default();
        takes.extend(defined.into_iter().flat_map(|d| d.keys().copied()));
        if takes.contains(&given) {
            return None;
        }
        // What the rule writes between the parentheses.
        let expected: Vec<String> =
            takes.iter().filter_map(|n| n.checked_sub(usize::from(method))).map(|n| n.to_string()).collect();
        let message = format!(
            "`{name}` called with {written} argument{}; it takes {}",
            if written == 1 { "" } else { "s" },
            expected.join(" or ")
        );
        let usage = match (defined, USAGE.iter().find(|(n, _)| *n == name)) {
            (Some(d), _) => {
                format!("it is defined as `fn {}`", d.values().cloned().collect::<Vec<_>>().join("` and `fn "))
            }
            (None, Some((_, usage))) => format!("usage: {usage}"),
            (None, None) => "the README lists the functions rules can use".to_string(),
        };
        Some(Diagnostic::error(&origin.file, origin.location(pos), message).with_help(usage))
    }
}

/// `params.NAME` or `params["NAME"]` with a name the contract does not
/// declare. (`"NAME" in params` asks, so it may name anything.)
fn undeclared_parameter(expr: &Expr, declared: &BTreeSet<String>, origin: &Origin) -> Option<Diagnostic> {
    let (name, pos) = match expr {
        Expr::Dot(dot, _, _) if is_variable(&dot.lhs, "params") => match &dot.rhs {
            Expr::Property(property, pos) => (property.2.to_string(), *pos),
            _ => return None,
        },
        Expr::Index(index, _, _) if is_variable(&index.lhs, "params") => match &index.rhs {
            Expr::StringConstant(name, pos) => (name.to_string(), *pos),
            _ => return None,
        },
        _ => return None,
    };
    if declared.contains(&name) {
        return None;
    }
    let names: Vec<&str> = declared.iter().map(String::as_str).collect();
    let help = if names.is_empty() {
        "the contract declares no parameters; add it under [parameters]".to_string()
    } else {
        let near = closest(&name, &names).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
        format!("{near}The contract declares: {}", names.join(", "))
    };
    Some(
        Diagnostic::error(&origin.file, origin.location(pos), format!("unknown parameter `params.{name}`"))
            .with_help(help),
    )
}

/// A function or method call, and whether it is a method call.
fn call_in(expr: &Expr) -> Option<(&FnCallExpr, Position, bool)> {
    match expr {
        Expr::FnCall(call, pos) => Some((call, *pos, false)),
        Expr::MethodCall(call, pos) => Some((call, *pos, true)),
        _ => None,
    }
}

fn is_variable(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Variable(v, ..) if v.1 == name)
}

fn is_participant(expr: &Expr) -> bool {
    is_variable(expr, "p")
}

/// A closure that captures variables, and `curry`, let a function pointer
/// hold values. A loop can then chain pointers, each holding the one
/// before, as long as the operation limit allows — and dropping such a
/// chain overflows the stack and aborts the whole run; a curried pointer is
/// also copied whole, so `f = f.curry(f)` doubles in size each time. No
/// size limit sees inside a pointer, so rules get neither: closures take
/// what they need as parameters (`sort`, `map`, `filter`, … pass the items).
fn refused_in(expr: &Expr, origin: &Origin) -> Option<Diagnostic> {
    match expr {
        Expr::FnCall(call, pos) => refused_call(call, *pos, false, origin),
        Expr::MethodCall(call, pos) => refused_call(call, *pos, true, origin),
        _ => None,
    }
}

fn refused_call(call: &FnCallExpr, pos: Position, method: bool, origin: &Origin) -> Option<Diagnostic> {
    if call.name != "curry" {
        return None;
    }
    // rhai compiles a capturing closure to `curry(<the closure>, captured…)`.
    let closure = !method
        && matches!(call.args.first(), Some(Expr::DynamicConstant(f, _))
            if f.read_lock::<FnPtr>().is_some_and(|f| f.is_anonymous()));
    let diagnostic = if closure {
        let captured: Vec<String> = call.args[1..]
            .iter()
            .filter_map(|arg| match arg {
                Expr::Variable(v, ..) => Some(format!("`{}`", v.1)),
                _ => None,
            })
            .collect();
        Diagnostic::error(
            &origin.file,
            origin.location(pos),
            format!("a closure cannot use variables from outside it (here {})", captured.join(", ")),
        )
        .with_help("write a `for` loop instead, or a `fn` that gets the value as a parameter")
    } else {
        Diagnostic::error(&origin.file, origin.location(pos), "`curry` is not available in rules")
            .with_help("call the function with all its arguments instead")
    };
    Some(diagnostic)
}

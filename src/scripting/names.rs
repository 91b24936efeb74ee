//! Check-time detection of misspelt function and property names.
//!
//! rhai resolves function calls when they run, so `p.employd_on(d)` would
//! compile and fail only for the first participant who reaches it — after
//! an officer was told the contract was fine. Walking the compiled rule and
//! comparing every called name with what the engine and the rule libraries
//! define catches the typo in `tulos check`, with a suggestion. The same
//! walk refuses capturing closures and `curry` (see [`refused_in`]).

use std::collections::BTreeSet;

use rhai::{ASTNode, Engine, Expr, FnCallExpr, FnPtr, Position, Stmt, AST};

use super::errors::Origin;
use crate::diagnostic::{closest, Diagnostic};

/// rhai keywords that look like calls but are not registered functions
/// (`curry` is refused separately).
const KEYWORDS: [&str; 8] = ["type_of", "print", "debug", "Fn", "call", "is_shared", "is_def_var", "is_def_fn"];

/// Every function and `p` property a rule can name.
pub struct KnownNames {
    functions: BTreeSet<String>,
    properties: BTreeSet<String>,
}

impl KnownNames {
    pub fn of(engine: &Engine) -> Self {
        let mut functions: BTreeSet<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        let mut properties = BTreeSet::new();
        for signature in engine.gen_fn_signatures(true) {
            let name = signature.split('(').next().unwrap_or_default().trim();
            match name.strip_prefix("get$") {
                Some(property) => properties.insert(property.to_string()),
                None => functions.insert(name.to_string()),
            };
        }
        KnownNames { functions, properties }
    }

    /// The first unknown name `ast` uses, as a diagnostic at its position;
    /// `scripted` are the functions the rule and its libraries define.
    /// Also refuses closures that capture variables and `curry` (see
    /// [`refused_in`]).
    pub fn check(&self, ast: &AST, scripted: &BTreeSet<String>, origin: &Origin) -> Result<(), Diagnostic> {
        let mut found: Option<Diagnostic> = None;
        ast.walk(&mut |path: &[ASTNode]| {
            found = match path.last() {
                Some(ASTNode::Expr(expr)) => refused_in(expr, origin).or_else(|| {
                    let (name, pos, kind) = self.unknown_in(expr, scripted)?;
                    Some(self.diagnostic(&name, pos, kind, scripted, origin))
                }),
                // A call as a statement of its own (how a capturing
                // closure is compiled).
                Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => refused_call(call, *pos, false, origin),
                _ => None,
            };
            found.is_none()
        });
        found.map_or(Ok(()), Err)
    }

    fn unknown_in(&self, expr: &Expr, scripted: &BTreeSet<String>) -> Option<(String, Position, &'static str)> {
        let known = |name: &str| self.functions.contains(name) || scripted.contains(name);
        match expr {
            Expr::FnCall(call, pos) | Expr::MethodCall(call, pos) if !known(&call.name) => {
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

    fn diagnostic(
        &self,
        name: &str,
        pos: Position,
        kind: &str,
        scripted: &BTreeSet<String>,
        origin: &Origin,
    ) -> Diagnostic {
        let candidates: Vec<&str> = match kind {
            "function" => self.functions.iter().chain(scripted).map(String::as_str).collect(),
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
}

fn is_participant(expr: &Expr) -> bool {
    matches!(expr, Expr::Variable(v, ..) if v.1 == "p")
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

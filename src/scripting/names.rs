//! Check-time detection of misspelt function and property names.
//!
//! rhai resolves function calls when they run, so `p.employd_on(d)` would
//! compile and fail only for the first participant who reaches it — after
//! an officer was told the contract was fine. Walking the compiled rule and
//! comparing every called name with what the engine and the rule libraries
//! define catches the typo in `tulos check`, with a suggestion.

use std::collections::BTreeSet;

use rhai::{ASTNode, Engine, Expr, Position, AST};

use super::errors::Origin;
use crate::diagnostic::{closest, Diagnostic};

/// rhai keywords that look like calls but are not registered functions.
const KEYWORDS: [&str; 9] =
    ["type_of", "print", "debug", "Fn", "call", "curry", "is_shared", "is_def_var", "is_def_fn"];

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
    pub fn check(&self, ast: &AST, scripted: &BTreeSet<String>, origin: &Origin) -> Result<(), Diagnostic> {
        let mut unknown: Option<(String, Position, &str)> = None;
        ast.walk(&mut |path: &[ASTNode]| {
            if let Some(ASTNode::Expr(expr)) = path.last() {
                unknown = self.unknown_in(expr, scripted);
            }
            unknown.is_none()
        });
        match unknown {
            None => Ok(()),
            Some((name, pos, kind)) => Err(self.diagnostic(&name, pos, kind, scripted, origin)),
        }
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

//! stub
use super::DecisionTable;
use crate::diagnostic::Diagnostic;
use std::path::Path;
pub(super) fn check(_t: &DecisionTable, _f: &Path) -> Vec<Diagnostic> {
    Vec::new()
}

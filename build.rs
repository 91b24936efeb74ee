//! Puts the version shown by `tulos --version` in `TULOS_VERSION`: the
//! package version and, when built from a git checkout with git at hand,
//! the commit. Without git, or outside a repository, only the version —
//! never a failed build.

use std::process::Command;

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) => {
            println!("cargo:rustc-env=TULOS_VERSION={version} (commit {commit})");
            // Rebuild when HEAD moves: HEAD itself and the branch it points at.
            for path in [git(&["rev-parse", "--git-path", "HEAD"]), head_ref_path()].into_iter().flatten() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
        None => println!("cargo:rustc-env=TULOS_VERSION={version}"),
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The file of the branch HEAD points at, if HEAD is on a branch.
fn head_ref_path() -> Option<String> {
    let branch = git(&["symbolic-ref", "-q", "HEAD"])?;
    git(&["rev-parse", "--git-path", &branch])
}

/// Trimmed standard output of a successful git command.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

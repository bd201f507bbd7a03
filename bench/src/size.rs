//! Part 4: package sizes, the zips `cargo lambda build --release --arm64` makes (what SAM
//! uploads). Uses `scripts/build-lambdas` when the repository has it, otherwise cargo-lambda
//! directly, found on PATH or in the git-ignored `.venv-build/` (`pip install cargo-lambda ziglang`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::cold::{FUNCTIONS, workspace_root};
use crate::harness::thousands;
use crate::report::{Report, Table};

const BUDGET_BYTES: u64 = 3 * 1024 * 1024;

/// PATH with the repository's `.venv-build/bin` in front, when it exists.
fn path_with_venv(root: &Path) -> String {
    let venv = root.join(".venv-build").join("bin");
    let path = std::env::var("PATH").unwrap_or_default();
    if venv.is_dir() { format!("{}:{path}", venv.display()) } else { path }
}

/// Where the zips are: cargo-lambda's `target/lambda/<binary>/bootstrap.zip` under the target
/// directory the build used.
fn zip_of(target: &Path, binary: &str) -> PathBuf {
    target.join("lambda").join(binary).join("bootstrap.zip")
}

fn mb(bytes: u64) -> String {
    format!("{:.2}", bytes as f64 / 1024.0 / 1024.0)
}

pub fn run(report: &mut Report, build: bool) {
    report.section("4. Package size: `cargo lambda build --release --arm64` zips");
    let root = workspace_root();
    let started = Instant::now();
    let script = root.join("scripts").join("build-lambdas");
    // cargo-lambda builds into the workspace's target directory unless told otherwise; keep its
    // release artefacts apart from the debug ones everybody else uses.
    let target = std::env::var("HUB_LAMBDA_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target").join("lambda-build"));
    if build {
        let mut command = if script.is_file() {
            let mut c = Command::new("bash");
            c.arg(&script);
            c
        } else {
            let mut c = Command::new("cargo");
            c.args(["lambda", "build", "--release", "--arm64", "--output-format", "zip"]);
            for (package, _) in FUNCTIONS {
                c.args(["-p", package]);
            }
            c
        };
        command.current_dir(&root).env("PATH", path_with_venv(&root)).env("CARGO_TARGET_DIR", &target);
        let shown = format!("CARGO_TARGET_DIR={} {:?}", target.display(), command);
        let status = command.status();
        match status {
            Ok(s) if s.success() => {
                report.note(format!("built with {shown} ({:.0} s)", started.elapsed().as_secs_f64()))
            }
            Ok(s) => {
                report.budget("package size ≤ 3 MB per zip", false, format!("the build failed ({s}): {shown}"));
                return;
            }
            Err(e) => {
                report.budget("package size ≤ 3 MB per zip", false, format!("cannot run the build ({e}): {shown}; `python3 -m venv .venv-build && .venv-build/bin/pip install cargo-lambda ziglang`"));
                return;
            }
        }
    }
    let mut table =
        Table::new(&["function", "bootstrap.zip MiB", "bytes", "bootstrap (unzipped) MiB", "budget ≤ 3 MiB"]);
    let mut worst = (0u64, "");
    let mut missing = Vec::new();
    for (_, binary) in FUNCTIONS {
        let zip = zip_of(&target, binary);
        let Ok(meta) = std::fs::metadata(&zip) else {
            missing.push(binary);
            continue;
        };
        // The binary the zip holds, as cargo built it for the arm64 target.
        let unzipped = std::fs::metadata(target.join("aarch64-unknown-linux-gnu").join("release").join(binary))
            .map(|m| m.len())
            .ok();
        let bytes = meta.len();
        if bytes > worst.0 {
            worst = (bytes, binary);
        }
        table.row(vec![
            binary.to_owned(),
            mb(bytes),
            thousands(bytes as usize),
            unzipped.map(mb).unwrap_or_else(|| "–".into()),
            if bytes <= BUDGET_BYTES { "met".into() } else { "MISSED".into() },
        ]);
    }
    report.table(table);
    if !missing.is_empty() {
        report.budget(
            "package size ≤ 3 MB per zip",
            false,
            format!("no zip for {} under {}", missing.join(", "), target.join("lambda").display()),
        );
        return;
    }
    report.budget(
        "package size ≤ 3 MB per zip",
        worst.0 <= BUDGET_BYTES,
        format!("largest {} MB ({})", mb(worst.0), worst.1),
    );
    report.note(format!("part 4 took {:.0} s", started.elapsed().as_secs_f64()));
}

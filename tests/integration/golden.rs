//! Golden transcripts: every `tests/golden/**/*.txt` is replayed on a fresh simulator and must
//! match line for line; `UPDATE_GOLDEN=1` re-blesses them with this run's results.
//!
//! Replays run in `tests/golden`, so a transcript names fixture files relative to it
//! (`key import pem --path pem/rsa2048-public.pem`). Key generation prints random material
//! (check values, moduli, EC points), so transcripts make keys with `key import pem` of the
//! fixed public keys in `tests/golden/pem/` and keep generated keys to their error paths; the
//! success output of generation is checked in Rust (`key_generate.rs`).

use crate::test::{BINARY, write_file};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fewer transcripts than this means the walk lost some (an empty glob must not pass).
const MINIMUM_TRANSCRIPTS: usize = 41;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every `*.txt` under `dir`, sorted.
fn transcripts(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let entries = fs::read_dir(dir).unwrap_or_else(|error| panic!("cannot list {dir:?}: {error}"));
    for entry in entries {
        let path = entry.expect("cannot read a directory entry").path();
        if path.is_dir() {
            found.extend(transcripts(&path));
        } else if path.extension().is_some_and(|extension| extension == "txt") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Replays one transcript on a fresh state; the failure report when it does not match.
fn replay(transcript: &Path, secrets: &str, bless: bool) -> Result<(), String> {
    let sandbox = tempfile::tempdir().expect("cannot create a temp dir");
    let secrets_file = sandbox.path().join("secrets");
    write_file(&secrets_file, secrets, 0o600);
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CLOUDHSM") || name.starts_with("XDG_") {
            command.env_remove(&*name);
        }
    }
    command
        .current_dir(golden_dir())
        .env("HOME", sandbox.path())
        .arg("--replay")
        .arg(transcript)
        .arg("--state-dir")
        .arg(sandbox.path().join("state"))
        .args(["--seed", "7", "--secrets"])
        .arg(&secrets_file);
    if bless {
        command.arg("--bless");
    }
    let output = command.output().expect("cannot run cloudhsm-shell");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} (exit status {:?}):\n{}{}",
            transcript.display(),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout),
        ))
    }
}

#[test]
fn every_golden_transcript_replays() {
    let dir = golden_dir();
    let secrets = fs::read_to_string(dir.join("secrets")).expect("tests/golden/secrets");
    let bless = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
    let files = transcripts(&dir);
    assert!(
        files.len() >= MINIMUM_TRANSCRIPTS,
        "found only {} transcripts under {dir:?}: {files:?}",
        files.len()
    );
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = files
            .iter()
            .map(|file| scope.spawn(|| replay(file, &secrets, bless)))
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().expect("a replay thread panicked").err())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} transcripts failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

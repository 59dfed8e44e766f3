//! Secrets through the paths nobody feeds them through: every secret flag of the command table,
//! given well, mistyped, quoted, split and unterminated, in batch, single-command, replay and
//! interactive mode, must never reach stdout, stderr, history, a transcript or the state.

use crate::repl::{PROMPT, expect, spawn_shell};
use crate::test::{Test, json_lines};
use std::fs;
use std::path::{Path, PathBuf};

/// Every password of this test starts with this marker, so any fragment of one is found.
const MARKER: &str = "Lk9Mark";

/// `(command path, secret flag)` for every arg of kind `secret` in the table, read from the
/// table itself so that a new secret flag is covered without touching this test.
fn secret_flags() -> Vec<(String, String, Vec<String>)> {
    let table: toml::Table =
        toml::from_str(&fs::read_to_string("grammar/commands.toml").expect("the table"))
            .expect("the table is TOML");
    let mut found = Vec::new();
    for command in table["command"].as_array().expect("[[command]]") {
        let path = command["path"].as_str().expect("a path").to_owned();
        let args = command
            .get("arg")
            .and_then(|args| args.as_array().cloned())
            .unwrap_or_default();
        let required: Vec<String> = args
            .iter()
            .filter(|arg| arg.get("required").and_then(toml::Value::as_bool) == Some(true))
            .map(|arg| {
                let name = arg["name"].as_str().expect("a name");
                let value = arg
                    .get("choices")
                    .and_then(|choices| choices.as_array()?.first()?.as_str())
                    .unwrap_or("leakvalue");
                format!("--{name} {value}")
            })
            .collect();
        for arg in &args {
            if arg["kind"].as_str() == Some("secret") {
                let name = arg["name"].as_str().expect("a name").to_owned();
                found.push((path.clone(), name, required.clone()));
            }
        }
    }
    found
}

/// The ways a user gives (or mistypes) a secret flag, each password unique; the first two and
/// the last bind, the others do not.
fn variants(flag: &str, number: usize) -> Vec<String> {
    let mistyped = format!("{}{}", &flag[..flag.len() - 1], "x");
    vec![
        format!("--{flag} {MARKER}{number}a1"),
        format!("--{flag}={MARKER}{number}b1"),
        format!("--{flag} -{MARKER}{number}h1"),
        format!("--{mistyped} {MARKER}{number}c1"),
        format!("--{mistyped}={MARKER}{number}d1"),
        format!("-p {MARKER}{number}e1"),
        format!("\"--{flag}\" {MARKER}{number}f1"),
        format!("--{flag} {MARKER}{number}g1 {MARKER}{number}g2"),
        format!("--{flag} '{MARKER}{number}i1"),
    ]
}

/// How many of [`variants`] bind.
const BINDING_VARIANTS: usize = 3;

/// Every line of the test: each secret flag of each command in each variant.
fn leaky_lines() -> Vec<String> {
    lines_of_variants(0..usize::MAX)
}

fn lines_of_variants(chosen: std::ops::Range<usize>) -> Vec<String> {
    let mut lines = Vec::new();
    for (number, (path, flag, required)) in secret_flags().into_iter().enumerate() {
        for (index, variant) in variants(&flag, number).into_iter().enumerate() {
            if chosen.contains(&index) {
                lines.push(format!("{path} {} {variant}", required.join(" ")));
            }
        }
    }
    lines
}

fn assert_no_marker(what: &str, text: &str) {
    assert!(!text.contains(MARKER), "{what} holds a password:\n{text}");
}

/// The files under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten() {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn assert_no_file_holds_the_marker(dir: &Path) {
    for path in files_under(dir) {
        let bytes = fs::read(&path).unwrap_or_default();
        let holds = bytes
            .windows(MARKER.len())
            .any(|window| window == MARKER.as_bytes());
        assert!(!holds, "{} holds a password", path.display());
    }
}

#[test]
fn the_table_has_the_secret_flags_this_test_covers() {
    let covered: Vec<String> = secret_flags()
        .into_iter()
        .map(|(path, flag, _)| format!("{path} --{flag}"))
        .collect();
    for expected in [
        "cluster activate --password",
        "login --password",
        "user create --password",
        "user change-password --password",
        "keystore create --key-store-password",
        "keystore update --key-store-password",
    ] {
        assert!(covered.iter().any(|found| found == expected), "{covered:?}");
    }
}

#[test]
fn no_secret_reaches_output_transcripts_or_state_in_batch_mode() {
    let test = Test::new().arg("--keep-going");
    let transcript = test.path("batch.txt");
    let lines = leaky_lines();
    let output = test
        .arg("--record")
        .arg(&transcript)
        .stdin(&(lines.join("\n") + "\n"))
        .run_unchecked();
    assert_eq!(output.status, Some(1));
    assert_eq!(json_lines(&output.stdout).len(), lines.len());
    assert_no_marker("stdout", &output.stdout);
    assert_no_marker("stderr", &output.stderr);
    let recorded = fs::read_to_string(&transcript).expect("the transcript");
    assert_no_marker("the transcript", &recorded);
    let entries = recorded
        .lines()
        .filter(|line| line.starts_with("aws-cloudhsm > "))
        .count();
    assert_eq!(entries, lines.len(), "{recorded}");
    assert_no_file_holds_the_marker(output.sandbox.path());
}

#[test]
fn lines_that_do_not_bind_are_recorded_screened_and_replay_to_the_same_error() {
    let test = Test::new().arg("--keep-going");
    let transcript = test.path("unbound.txt");
    let lines = lines_of_variants(BINDING_VARIANTS..usize::MAX);
    let output = test
        .arg("--record")
        .arg(&transcript)
        .stdin(&(lines.join("\n") + "\n"))
        .run_unchecked();
    let errors = json_lines(&output.stdout);
    assert_eq!(errors.len(), lines.len());
    assert!(errors.iter().all(|error| error["error_code"] == 1));
    let recorded = fs::read_to_string(&transcript).expect("the transcript");
    assert_no_marker("the transcript", &recorded);
    assert!(
        recorded.contains(
            "aws-cloudhsm > login --username leakvalue --role admin --passworx ***\n\
             {\"error_code\":1,\"data\":\"unexpected argument '--passworx'; did you mean '--password'?\"}\n"
        ),
        "{recorded}"
    );
    let replayed = Test::new().arg("--replay").arg(&transcript).run_unchecked();
    assert_eq!(replayed.status, Some(0), "{}", replayed.stdout);
    assert_no_marker("the replay's stdout", &replayed.stdout);
}

#[test]
fn no_secret_reaches_output_or_transcripts_of_single_commands() {
    let test = Test::new();
    let transcript = test.path("single.txt");
    let sandbox_state = test.path("state");
    let first = Test::new()
        .state(&sandbox_state)
        .arg("user")
        .arg("list")
        .run_unchecked();
    assert_eq!(first.status, Some(0));
    for line in leaky_lines() {
        let words = shell_words(&line);
        let output = Test::new()
            .state(&sandbox_state)
            .env("CLOUDHSM_ROLE", "admin")
            .env("CLOUDHSM_PIN", "admin:not-the-password1")
            .arg("--record")
            .arg(&transcript)
            .args(words)
            .run_unchecked();
        assert_no_marker("stdout", &output.stdout);
        assert_no_marker("stderr", &output.stderr);
    }
    let recorded = fs::read_to_string(&transcript).expect("the transcript");
    assert_no_marker("the transcript", &recorded);
    assert_no_file_holds_the_marker(test.path("state").as_path());
}

#[test]
fn no_secret_reaches_history_or_transcripts_at_the_prompt() {
    let sandbox = tempfile::tempdir().expect("a temp dir");
    let (state, history, transcript) = (
        sandbox.path().join("state"),
        sandbox.path().join("history"),
        sandbox.path().join("repl.txt"),
    );
    let mut shell = spawn_shell(
        sandbox.path(),
        &[
            "--state-dir",
            state.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "--record",
            transcript.to_str().unwrap(),
            "interactive",
        ],
    );
    expect(&mut shell, PROMPT);
    for line in leaky_lines() {
        shell.send_line(&line).expect("cannot type");
        expect(&mut shell, "\"error_code\": ");
        expect(&mut shell, PROMPT);
    }
    shell.send_line("user list").expect("cannot type");
    expect(&mut shell, "\"users\"");
    expect(&mut shell, PROMPT);
    shell.send_line("quit").expect("cannot type");
    shell.exp_eof().expect("the shell ends");
    let kept = fs::read_to_string(&history).expect("the history file");
    let commands: Vec<&str> = kept.lines().filter(|line| !line.starts_with('#')).collect();
    assert_eq!(commands, ["user list", "quit"], "{kept}");
    assert_no_marker("the history", &kept);
    assert_no_marker(
        "the transcript",
        &fs::read_to_string(&transcript).expect("the transcript"),
    );
    assert_no_file_holds_the_marker(sandbox.path());
}

/// The words of a test line as a shell would split them (the lines hold only `"` and `'`).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, ' ') => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

//! `source FILE`: a file's command lines run in the shell that reads the `source` line, by the
//! rules of batch mode, in every mode; a recording holds the lines the file ran.

use crate::fixtures::{failed, listed, ok};
use crate::repl::{PROMPT, exits_with_status_zero, expect, spawn_fresh_interactive};
use crate::test::{ADMIN_PASSWORD, Test, json_lines, write_file};
use serde_json::{Value, json};
use tempfile::TempDir;

fn unactivated_users() -> Value {
    ok(json!({"users": [
        listed("admin", "unactivated-admin", false),
        listed("app_user", "internal(APPLIANCE_USER)", false),
    ]}))
}

const UNKNOWN_FLAG: &str = "unexpected argument '--bogus'";

/// A file whose second line fails.
fn file_with_a_failure(test: &Test) -> String {
    let path = test.path("setup.cli");
    write_file(
        &path,
        "# set-up\nuser list\nuser list --bogus\n\nuser \\\n  list\n",
        0o600,
    );
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_sourced_file_stops_at_its_first_failure_and_so_does_the_batch_around_it() {
    let test = Test::new();
    let file = file_with_a_failure(&test);
    test.stdin(&format!("source {file}\nuser list\n"))
        .stdout_json(vec![unactivated_users(), failed(UNKNOWN_FLAG)])
        .status(1)
        .run();
}

#[test]
fn keep_going_runs_the_whole_file_and_the_source_still_fails() {
    let test = Test::new();
    let file = file_with_a_failure(&test);
    test.stdin(&format!("source {file} --keep-going\n"))
        .stdout_json(vec![
            unactivated_users(),
            failed(UNKNOWN_FLAG),
            unactivated_users(),
        ])
        .status(1)
        .run();
}

#[test]
fn a_file_that_cannot_be_read_or_sources_itself_is_one_failed_line() {
    let test = Test::new();
    let looping = test.path("loop.cli");
    write_file(&looping, &format!("source {}\n", looping.display()), 0o600);
    let directory = test.path("home");
    test.stdin(&format!(
        "source {}\nsource {}\nsource /no/such/file.cli\n",
        looping.display(),
        directory.display()
    ))
    .arg("--keep-going")
    .stdout_json(vec![
        failed(&format!(
            "Invalid source: {} is sourced 8 files deep; a file that sources itself never ends",
            looping.display()
        )),
        failed(&format!(
            "Cannot read {}: it is a directory, not a regular file; give a file of at most \
             1073741824 bytes (a file of command lines)",
            directory.display()
        )),
        failed("Cannot read /no/such/file.cli: No such file or directory (os error 2)"),
    ])
    .status(1)
    .run();
}

#[test]
fn a_single_command_can_be_a_source() {
    let test = Test::new();
    let path = test.path("list.cli");
    write_file(&path, "user list\nuser list\n", 0o600);
    let path = path.to_str().unwrap().to_owned();
    test.args(["source", &path])
        .stdout_json(vec![unactivated_users(), unactivated_users()])
        .run();
}

#[test]
fn a_recording_holds_the_sourced_lines_and_replays_them() {
    let test = Test::new();
    let path = test.path("activate.cli");
    write_file(
        &path,
        &format!("cluster activate --password {ADMIN_PASSWORD}\nuser list\n"),
        0o600,
    );
    let transcript = test.path("session.txt");
    let transcript_arg = transcript.to_str().unwrap().to_owned();
    let recorded = test
        .stdin(&format!("source {}\n", path.display()))
        .args(["--record", &transcript_arg])
        .run_unchecked();
    assert_eq!(recorded.status, Some(0), "{}", recorded.stderr);
    assert_eq!(json_lines(&recorded.stdout).len(), 2);
    let text = std::fs::read_to_string(&transcript).unwrap();
    assert!(!text.contains("source"), "{text}");
    assert!(!text.contains(ADMIN_PASSWORD), "{text}");
    assert!(text.contains("cluster activate"), "{text}");
    assert!(text.contains("user list"), "{text}");
    // A recording keeps no password: the replay takes it from a secrets file.
    Test::new()
        .secrets(&format!("admin={ADMIN_PASSWORD}\n"))
        .args(["--replay", &transcript_arg])
        .stderr(&format!("{transcript_arg}: 2 of 2 commands matched\n"))
        .run();
}

#[test]
fn the_interactive_shell_sources_a_file_and_prompts_again() {
    let home = TempDir::new().expect("temp dir");
    let file = home.path().join("list.cli");
    write_file(&file, "user list\n", 0o600);
    let history = home.path().join("history");
    let mut shell = spawn_fresh_interactive(home.path());
    expect(&mut shell, PROMPT);
    shell
        .send_line(&format!("source {}", file.display()))
        .expect("cannot type");
    expect(&mut shell, "\"role\": \"unactivated-admin\"");
    expect(&mut shell, PROMPT);
    shell.send_line("quit").expect("cannot type");
    exits_with_status_zero(&mut shell);
    let kept = std::fs::read_to_string(&history).unwrap();
    assert_eq!(kept, format!("#V2\nsource {}\nquit\n", file.display()));
}

#[test]
fn a_replay_runs_no_source_line_and_says_why() {
    let test = Test::new();
    let file = test.path("list.cli");
    write_file(&file, "user list\n", 0o600);
    let transcript = test.path("written.txt");
    write_file(
        &transcript,
        &format!("aws-cloudhsm > source {}\n", file.display()),
        0o600,
    );
    let transcript_arg = transcript.to_str().unwrap().to_owned();
    test.args(["--replay", &transcript_arg])
        .stderr(&format!(
            "{transcript_arg}:1: `source {}` was not run: a transcript holds the lines of a \
             sourced file, not the source line\n{transcript_arg}: 0 of 1 commands matched\n",
            file.display()
        ))
        .status(1)
        .run();
}

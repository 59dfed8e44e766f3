//! The README's walkthroughs, run literally: its shell blocks through bash with
//! `cloudhsm-shell` on `PATH` in a fresh home, and the output block after each compared line
//! by line (`...` in the README stands for the part it leaves out).

use crate::test::BINARY;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// A fenced block of the README: its language and text.
struct Block {
    language: String,
    text: String,
}

fn blocks() -> Vec<Block> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for line in readme.lines() {
        let fence = line.trim_start();
        match (&mut open, fence.strip_prefix("```")) {
            (None, Some(language)) => {
                open = Some(Block {
                    language: language.to_owned(),
                    text: String::new(),
                })
            }
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some(block), None) => {
                block.text.push_str(fence);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// Whether `actual` is `expected`, where each `...` of `expected` stands for any text.
fn matches_elided(expected: &str, actual: &str) -> bool {
    let mut pieces = expected.split("...");
    let Some(first) = pieces.next() else {
        return actual.is_empty();
    };
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    for (index, piece) in pieces.iter().enumerate() {
        if index + 1 == pieces.len() {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Runs the README's `sh` block that starts with `first_line` in `home`; checks its exit status,
/// and its output against the block of envelopes after it, if there is one.
fn run_walkthrough(all: &[Block], home: &Path, first_line: &str, status: i32) {
    let at = all
        .iter()
        .position(|block| block.language == "sh" && block.text.starts_with(first_line))
        .unwrap_or_else(|| panic!("the README has no sh block starting {first_line:?}"));
    let bin = home.join("bin");
    std::fs::create_dir_all(&bin).expect("a bin directory");
    let link = bin.join("cloudhsm-shell");
    if !link.exists() {
        std::os::unix::fs::symlink(BINARY, &link).expect("a link to the binary");
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CLOUDHSM") || name.starts_with("XDG_") || name.starts_with("AWS_") {
            command.env_remove(&*name);
        }
    }
    let output = command
        .args(["-euo", "pipefail", "-c", &all[at].text])
        .env("HOME", home)
        .env("PATH", path)
        .current_dir(home)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let context = format!(
        "{first_line}\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(status), "{context}");
    // The block after it is its output when it is envelopes, one a line.
    let output_block = all.get(at + 1).filter(|block| {
        block.language.is_empty() && block.text.lines().all(|line| line.starts_with('{'))
    });
    if let Some(shown) = output_block {
        let expected: Vec<&str> = shown.text.lines().collect();
        let actual: Vec<&str> = stdout.lines().collect();
        assert_eq!(expected.len(), actual.len(), "{context}");
        for (expected, actual) in expected.iter().zip(&actual) {
            assert!(
                matches_elided(expected, actual),
                "the README shows\n{expected}\nbut the shell printed\n{actual}\n{context}"
            );
        }
    }
}

#[test]
fn the_key_store_walkthrough_prints_what_the_readme_shows() {
    let home = tempfile::tempdir().expect("a temp dir");
    let all = blocks();
    run_walkthrough(&all, home.path(), "printf 'admin=Admin4Store", 0);
    run_walkthrough(
        &all,
        home.path(),
        "cloudhsm-shell --state-dir ~/keystore-example --secrets ./secrets --output json --keep-going",
        1,
    );
}

#[test]
fn the_batch_example_runs_on_a_new_state() {
    let home = tempfile::tempdir().expect("a temp dir");
    run_walkthrough(&blocks(), home.path(), "printf 'admin=Admin4Batch", 0);
}

#[test]
fn the_keys_walkthrough_runs_on_a_new_state() {
    let all = blocks();
    let session = all
        .iter()
        .find(|block| {
            block.language.is_empty()
                && block
                    .text
                    .contains("aws-cloudhsm > key generate-asymmetric-pair ec")
        })
        .expect("the keys and cryptography session");
    let lines: String = session
        .text
        .lines()
        .filter_map(|line| line.strip_prefix("aws-cloudhsm > "))
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(lines.starts_with("cluster activate\n"), "{lines}");
    let home = tempfile::tempdir().expect("a temp dir");
    let test = crate::test::Test::new().secrets("admin=Admin4Keys\nalice=Alice4Keys\n");
    // `key generate-file --path ec-pub.pem` writes where the shell runs.
    let mut child = test
        .command()
        .current_dir(home.path())
        .spawn()
        .expect("the shell starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(lines.as_bytes())
        .expect("the lines are written");
    let output = child.wait_with_output().expect("the shell ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let replies = crate::test::json_lines(&stdout);
    assert_eq!(replies.len(), 9, "{stdout}");
    assert!(
        replies.iter().all(|reply| reply["error_code"] == 0),
        "{stdout}"
    );
    let pem = std::fs::read_to_string(home.path().join("ec-pub.pem")).expect("ec-pub.pem");
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
}

#[test]
fn elided_lines_match_only_around_what_they_keep() {
    assert!(matches_elided(
        r#"{"a":1,...,"z":2}"#,
        r#"{"a":1,"b":3,"z":2}"#
    ));
    assert!(matches_elided("abc", "abc"));
    assert!(!matches_elided("abc", "abcd"));
    assert!(!matches_elided(
        r#"{"a":1,...,"z":2}"#,
        r#"{"a":1,"b":3,"z":3}"#
    ));
    assert!(matches_elided("x...y...z", "x1y2z"));
    assert!(!matches_elided("x...y...z", "x1z"));
}

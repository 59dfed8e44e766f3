//! The transcript format: a prompt line per command, then what it printed.
//!
//! ```text
//! # session cluster: cluster-zxqwotxh2y6
//! # comments start with '#', anywhere
//! aws-cloudhsm > user list
//! {"error_code":0,"data":{"users":[...]}}
//! aws-cloudhsm > user create --username KmsUser --role crypto-user
//! ! warning: lines on stderr start with "! "
//! {"error_code":0,"data":{"username":"kmsuser","role":"crypto-user"}}
//! ```
//!
//! Envelopes are stored as one line of compact JSON and compared as parsed values; plain text
//! (help) is compared line by line, ignoring trailing blank lines. The state directory is written
//! `$STATE_DIR` in what commands printed, so that a transcript replays on any state directory.

use crate::output::{self, Rendered};
use std::path::Path;

/// The comment a recording starts each session with, before the cluster ID the session ran on.
pub const SESSION_CLUSTER: &str = "# session cluster: ";

/// What starts every command line of a transcript.
pub const PROMPT: &str = "aws-cloudhsm > ";
const WARNING: &str = "! ";

/// One command of a transcript and what it printed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// Comment lines just above the command, kept when a transcript is rewritten.
    pub comments: Vec<String>,
    pub line: String,
    /// 1-based line number of the command in the file.
    pub line_number: usize,
    pub warnings: Vec<String>,
    pub stdout: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    pub entries: Vec<Entry>,
    /// Comments after the last command.
    pub trailing_comments: Vec<String>,
}

impl Transcript {
    pub fn parse(text: &str) -> Transcript {
        let mut transcript = Transcript::default();
        let mut comments = Vec::new();
        for (index, line) in text.lines().enumerate() {
            // A line ending is written as one newline, so carriage returns before it are not
            // part of the line (a lone `\r` that `lines` leaves at the very end included).
            let line = line.trim_end_matches('\r');
            if line.starts_with('#') {
                comments.push(line.to_owned());
            } else if let Some(command) = line.strip_prefix(PROMPT) {
                transcript.entries.push(Entry {
                    comments: std::mem::take(&mut comments),
                    line: command.to_owned(),
                    line_number: index + 1,
                    ..Entry::default()
                });
            } else if let Some(entry) = transcript.entries.last_mut() {
                match line.strip_prefix(WARNING) {
                    Some(warning) if entry.stdout.is_empty() => {
                        entry.warnings.push(warning.to_owned())
                    }
                    _ => entry.stdout.push(line.to_owned()),
                }
            }
        }
        for entry in &mut transcript.entries {
            while entry
                .stdout
                .last()
                .is_some_and(|line| line.trim().is_empty())
            {
                entry.stdout.pop();
            }
        }
        transcript.trailing_comments = comments;
        transcript
    }

    pub fn write(&self) -> String {
        let mut text = String::new();
        for entry in &self.entries {
            write_entry(&mut text, entry);
        }
        for comment in &self.trailing_comments {
            text.push_str(comment);
            text.push('\n');
        }
        text
    }
}

pub fn write_entry(text: &mut String, entry: &Entry) {
    for comment in &entry.comments {
        text.push_str(comment);
        text.push('\n');
    }
    text.push_str(PROMPT);
    text.push_str(&entry.line);
    text.push('\n');
    for warning in &entry.warnings {
        text.push_str(WARNING);
        text.push_str(warning);
        text.push('\n');
    }
    for line in &entry.stdout {
        text.push_str(line);
        text.push('\n');
    }
}

/// The stdout lines a transcript stores for a rendered result.
/// What stands for the state directory in a transcript's results.
pub const STATE_DIR_TOKEN: &str = "$STATE_DIR";

/// The lines a command printed, as a transcript holds them: the state directory's path (in the
/// spelling JSON gives it) written [`STATE_DIR_TOKEN`].
pub fn portable_stdout(rendered: &Rendered, state_dir: &Path) -> Vec<String> {
    let shown = state_dir.display().to_string();
    let in_json = serde_json::to_string(&shown).unwrap_or_default();
    let spelled = in_json.trim_matches('"');
    stdout_lines(rendered)
        .into_iter()
        .map(|line| with_token(&line, spelled))
        .collect()
}

/// A command line as a transcript holds it: the state directory written [`STATE_DIR_TOKEN`].
pub fn portable_line(line: &str, state_dir: &Path) -> String {
    with_token(line, &state_dir.display().to_string())
}

/// A transcript's command line as it runs: [`STATE_DIR_TOKEN`] is this run's state directory.
pub fn runnable_line(line: &str, state_dir: &Path) -> String {
    line.replace(STATE_DIR_TOKEN, &state_dir.display().to_string())
}

/// `text` with every whole occurrence of the path `path` written [`STATE_DIR_TOKEN`]: one that
/// starts a word (after the start, a quote, a space, `=` or the `//` of `file://`) and ends one
/// (before the end, `/`, a quote or a space), so neither `/tmp/state2` nor `/home/x/tmp/state`
/// is touched when the state directory is `/tmp/state`.
fn with_token(text: &str, path: &str) -> String {
    let starts = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | '/');
    let ends = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '/');
    if path.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(path) {
        if at < copied {
            continue;
        }
        let before = text[..at].chars().next_back();
        let after = text[at + path.len()..].chars().next();
        if before.is_none_or(starts) && after.is_none_or(ends) {
            out.push_str(&text[copied..at]);
            out.push_str(STATE_DIR_TOKEN);
            copied = at + path.len();
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn stdout_lines(rendered: &Rendered) -> Vec<String> {
    match rendered {
        Rendered::Nothing => Vec::new(),
        Rendered::Envelope(value) => vec![output::compact(value)],
        Rendered::Text(text) => {
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            while lines.last().is_some_and(|line| line.trim().is_empty()) {
                lines.pop();
            }
            lines
        }
    }
}

/// Whether what a command printed matches what the transcript expects: envelopes as parsed
/// JSON values, text exactly.
pub fn matches(expected: &[String], actual: &[String]) -> bool {
    match (expected, actual) {
        ([expected], [actual]) => match (
            serde_json::from_str::<serde_json::Value>(expected),
            serde_json::from_str::<serde_json::Value>(actual),
        ) {
            (Ok(expected), Ok(actual)) => expected == actual,
            _ => expected == actual,
        },
        _ => expected == actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# a session\naws-cloudhsm > user list\n{\"error_code\":0,\"data\":\"x\"}\n\n# next\naws-cloudhsm > user create --username KmsUser --role crypto-user\n! warning: weak\n{\"error_code\":0}\naws-cloudhsm > help quit\nQuit the shell\n\nUsage: quit\n\n# end\n";

    #[test]
    fn only_the_whole_state_directory_path_becomes_the_token() {
        let state = Path::new("/tmp/s/state");
        assert_eq!(
            portable_line(
                "keystore create --trust-anchor-certificate file:///tmp/s/state/customerCA.crt",
                state
            ),
            "keystore create --trust-anchor-certificate file://$STATE_DIR/customerCA.crt"
        );
        for untouched in [
            "key import pem --path /tmp/s/state2/a.pem",
            "key import pem --path /home/x/tmp/s/state/a.pem",
            "key import pem --path /tmp/s/state.bak",
            "key import pem --path /tmp/s/state~old/a.pem",
            "key import pem --path /tmp/s/state+b",
        ] {
            assert_eq!(portable_line(untouched, state), untouched);
        }
        assert_eq!(portable_line("/tmp/s/state", state), "$STATE_DIR");
        assert_eq!(
            portable_line("--path=/tmp/s/state/tmp/s/state/a é", state),
            "--path=$STATE_DIR/tmp/s/state/a é"
        );
        assert_eq!(
            runnable_line("x file://$STATE_DIR/a.crt", Path::new("/other/state")),
            "x file:///other/state/a.crt"
        );
    }

    #[test]
    fn results_name_the_state_directory_by_its_token() {
        let rendered = Rendered::Envelope(serde_json::json!({
            "error_code": 0,
            "data": {"TrustAnchorPath": "/tmp/sandbox/state/customerCA-x.crt", "Other": "/tmp/else"}
        }));
        assert_eq!(
            portable_stdout(&rendered, Path::new("/tmp/sandbox/state")),
            vec![
                r#"{"error_code":0,"data":{"TrustAnchorPath":"$STATE_DIR/customerCA-x.crt","Other":"/tmp/else"}}"#
            ]
        );
        let text = Rendered::Text("wrote /tmp/sandbox/state/a\n".to_owned());
        assert_eq!(
            portable_stdout(&text, Path::new("/tmp/sandbox/state")),
            vec!["wrote $STATE_DIR/a"]
        );
    }

    #[test]
    fn carriage_returns_at_the_end_of_a_line_are_not_kept() {
        let text = "aws-cloudhsm > user list\r\n{\"error_code\":0,\"data\":1}\r\r";
        let transcript = Transcript::parse(text);
        assert_eq!(transcript.entries[0].line, "user list");
        let mut written = String::new();
        for entry in &transcript.entries {
            write_entry(&mut written, entry);
        }
        assert_eq!(Transcript::parse(&written), transcript);
    }

    #[test]
    fn parse_then_write_round_trips_apart_from_blank_lines() {
        let transcript = Transcript::parse(SAMPLE);
        assert_eq!(transcript.entries.len(), 3);
        assert_eq!(transcript.entries[0].comments, vec!["# a session"]);
        assert_eq!(transcript.entries[1].line_number, 6);
        assert_eq!(transcript.entries[1].warnings, vec!["warning: weak"]);
        assert_eq!(
            transcript.entries[2].stdout,
            vec!["Quit the shell", "", "Usage: quit"]
        );
        assert_eq!(transcript.trailing_comments, vec!["# end"]);
        let without_numbers = |mut transcript: Transcript| {
            for entry in &mut transcript.entries {
                entry.line_number = 0;
            }
            transcript
        };
        assert_eq!(
            without_numbers(Transcript::parse(&transcript.write())),
            without_numbers(transcript)
        );
    }

    #[test]
    fn json_is_compared_as_values() {
        let expected = vec![r#"{"error_code": 0, "data": {"a": 1}}"#.to_owned()];
        assert!(matches(
            &expected,
            &[r#"{"error_code":0,"data":{"a":1}}"#.to_owned()]
        ));
        assert!(!matches(
            &expected,
            &[r#"{"error_code":0,"data":{"a":2}}"#.to_owned()]
        ));
    }
}

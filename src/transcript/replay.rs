//! Replay: runs a transcript's commands through the funnel and checks every result against
//! the transcript (exactly, or with the placeholders of `varying` across clusters), or rewrites
//! it with this run's results (`--bless`).

use super::format::{Entry, SESSION_CLUSTER, Transcript, matches, portable_stdout, runnable_line};
use super::record::without_secrets;
use super::varying::{Bindings, Varying};
use crate::error::{Error, Result};
use crate::intake;
use crate::output;
use crate::shell::{Flow, Shell};
use std::fs;
use std::path::Path;

/// How a replay checks what it runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayOptions {
    /// Rewrite the transcript with this run's results instead of checking them.
    pub bless: bool,
    /// Values that differ from cluster to cluster are placeholders (`grammar/varying.toml`).
    pub any_cluster: bool,
    /// Go on after the first command whose result differs.
    pub keep_going: bool,
}

/// Returns true when every result matched (or, blessing, when the file was rewritten).
pub fn run(
    shell: &mut Shell,
    path: &Path,
    options: ReplayOptions,
    state_dir: &Path,
) -> Result<bool> {
    let text = intake::read_text(path, intake::TRANSCRIPT)?;
    let mut transcript = Transcript::parse(&text);
    let mut across = if options.any_cluster {
        Some((Varying::builtin()?, Bindings::default()))
    } else {
        None
    };
    let count = transcript.entries.len();
    let mut matched = 0;
    let mut stopped_at: Option<usize> = None;
    let mut quit_at: Option<usize> = None;
    for (index, entry) in transcript.entries.iter_mut().enumerate() {
        let verdict = match quit_at {
            // A transcript must not claim results that no run produced.
            Some(quit_line) => Verdict::NotRun(format!(
                "comes after quit (line {quit_line}) and was not run"
            )),
            None => {
                let verdict = replay_entry(shell, entry, index, count, &mut across, state_dir);
                if verdict.quit {
                    quit_at = Some(entry.line_number);
                }
                verdict.verdict
            }
        };
        let differs = !matches!(verdict, Verdict::Same);
        match verdict {
            Verdict::Same => matched += 1,
            _ if options.bless => {}
            Verdict::NotRun(why) => {
                let shown = shown(shell, &entry.line);
                note(
                    shell,
                    &format!("{}:{}: `{shown}` {why}", path.display(), entry.line_number),
                );
            }
            Verdict::Differs(difference) => report(shell, path, entry, &difference),
        }
        if differs && !options.bless && !options.keep_going && index + 1 < count {
            stopped_at = Some(entry.line_number);
            break;
        }
    }
    if options.bless {
        fs::write(path, transcript.write())
            .map_err(|error| Error::io(format!("Cannot write {}", path.display()), error))?;
        note(
            shell,
            &format!("{}: blessed {count} commands", path.display()),
        );
        return Ok(true);
    }
    let summary = match stopped_at {
        Some(line) => format!(
            "{}: stopped at line {line}, the first difference: {matched} of {count} commands \
             matched before it (--keep-going runs the rest)",
            path.display()
        ),
        None => format!("{}: {matched} of {count} commands matched", path.display()),
    };
    note(shell, &summary);
    Ok(matched == count)
}

/// What replaying one entry found.
enum Verdict {
    Same,
    /// The entry's command was not run, and why.
    NotRun(String),
    Differs(Difference),
}

/// A result that differs from the recording, as both sides read in a diff.
struct Difference {
    /// The line that ran, when placeholders rewrote the recorded one.
    ran_as: Option<String>,
    expected: String,
    actual: String,
}

struct Replayed {
    verdict: Verdict,
    quit: bool,
}

fn replay_entry(
    shell: &mut Shell,
    entry: &mut Entry,
    index: usize,
    count: usize,
    across: &mut Option<(Varying, Bindings)>,
    state_dir: &Path,
) -> Replayed {
    let mut line = runnable_line(&entry.line, state_dir);
    if let Some((varying, bindings)) = across.as_mut() {
        for recorded in entry
            .comments
            .iter()
            .filter_map(|comment| comment.strip_prefix(SESSION_CLUSTER))
        {
            // A cluster bound already (the session went on in the same state) stays bound.
            varying.bind_session_cluster(bindings, recorded.trim(), shell.hsm().cluster_id());
        }
        line = varying.runnable_line(bindings, &line);
    }
    // Progress is decoration: a closed stderr changes no verdict.
    let step = shown(shell, &line);
    let _ = shell.output().replay_step(index + 1, count, &step);
    let executed = shell.execute(&line);
    if executed.source.is_some() {
        // A recording holds the lines a sourced file ran, never the source line.
        return Replayed {
            verdict: Verdict::NotRun(
                "was not run: a transcript holds the lines of a sourced file, not the source line"
                    .to_owned(),
            ),
            quit: false,
        };
    }
    let stdout = portable_stdout(&executed.rendered, state_dir);
    let command = entry.line.clone();
    let compared = match across.as_mut() {
        None => exactly(&entry.warnings, &entry.stdout, &executed.warnings, &stdout),
        Some((varying, bindings)) => across_clusters(
            varying,
            bindings,
            &command,
            (&entry.warnings, &entry.stdout),
            (&executed.warnings, &stdout),
        ),
    };
    let verdict = match compared {
        None => Verdict::Same,
        Some((expected, actual)) => Verdict::Differs(Difference {
            ran_as: (runnable_line(&entry.line, state_dir) != line).then(|| shown(shell, &line)),
            expected,
            actual,
        }),
    };
    entry.warnings = executed.warnings;
    entry.stdout = stdout;
    Replayed {
        verdict,
        quit: executed.flow == Flow::Quit,
    }
}

/// `None` when the result is the recorded one exactly; otherwise both sides as a diff reads
/// them.
fn exactly(
    expected_warnings: &[String],
    expected: &[String],
    warnings: &[String],
    actual: &[String],
) -> Option<(String, String)> {
    if matches(expected, actual) && expected_warnings == warnings {
        return None;
    }
    Some((
        readable(expected_warnings, expected),
        readable(warnings, actual),
    ))
}

/// `None` when the result matches the recorded one with its placeholders bound; otherwise both
/// sides as a diff reads them, the recorded side with what did bind written as this run's.
fn across_clusters(
    varying: &Varying,
    bindings: &mut Bindings,
    command: &str,
    (expected_warnings, expected): (&[String], &[String]),
    (warnings, actual): (&[String], &[String]),
) -> Option<(String, String)> {
    let (same, warnings_here) = compare_lines(varying, bindings, expected_warnings, warnings);
    let (stdout_same, stdout_here) = match (envelope(expected), envelope(actual)) {
        (Some(recorded), Some(printed)) => {
            let compared = varying.compare_values(bindings, command, &recorded, &printed);
            (
                compared.same,
                vec![output::compact(&compared.expected_here)],
            )
        }
        _ => compare_lines(varying, bindings, expected, actual),
    };
    if same && stdout_same {
        return None;
    }
    Some((
        readable(&warnings_here, &stdout_here),
        readable(warnings, actual),
    ))
}

/// Compares recorded lines of text with this run's, one by one: whether all match, and the
/// recorded lines with what bound written as this run's.
fn compare_lines(
    varying: &Varying,
    bindings: &mut Bindings,
    expected: &[String],
    actual: &[String],
) -> (bool, Vec<String>) {
    let mut same = expected.len() == actual.len();
    let mut here = Vec::with_capacity(expected.len());
    for (index, recorded) in expected.iter().enumerate() {
        match actual.get(index) {
            Some(printed) => {
                let compared = varying.compare_text(bindings, recorded, printed);
                same &= compared.same;
                here.push(compared.expected_here);
            }
            None => here.push(recorded.clone()),
        }
    }
    (same, here)
}

/// The one JSON envelope that `lines` hold, if that is what they are.
fn envelope(lines: &[String]) -> Option<serde_json::Value> {
    match lines {
        [line] => serde_json::from_str(line).ok(),
        _ => None,
    }
}

/// A result as a diff shows it: warnings first (`! `), an envelope indented over several
/// lines so that a diff points at the member that differs, text as printed.
fn readable(warnings: &[String], stdout: &[String]) -> String {
    let mut text = String::new();
    for warning in warnings {
        text.push_str("! ");
        text.push_str(warning);
        text.push('\n');
    }
    match envelope(stdout) {
        Some(value) => text.push_str(&output::pretty(&value)),
        None => text.push_str(&stdout.join("\n")),
    }
    text.push('\n');
    text
}

fn report(shell: &mut Shell, path: &Path, entry: &Entry, difference: &Difference) {
    let mut heading = format!(
        "{}:{}: `{}` printed something else",
        path.display(),
        entry.line_number,
        shown(shell, &entry.line)
    );
    if let Some(ran_as) = &difference.ran_as {
        heading.push_str(&format!(" (ran as `{ran_as}`)"));
    }
    note(shell, &heading);
    // The verdict is the exit status; a closed stderr only loses the explanation.
    let _ = shell
        .output()
        .diff(&difference.expected, &difference.actual);
}

/// A transcript line as a report may show it: a hand-written transcript may hold a password,
/// which stderr (often a log) must not.
fn shown(shell: &Shell, line: &str) -> String {
    without_secrets(shell.table(), line)
        .unwrap_or_else(|| "(a line that does not lex and may hold a password)".to_owned())
}

fn note(shell: &mut Shell, text: &str) {
    // The verdict is the exit status; a closed stderr only loses the explanation.
    let _ = shell.output().note(text);
}

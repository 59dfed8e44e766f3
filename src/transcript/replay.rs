//! Replay: runs a transcript's commands through the funnel and checks every result against
//! the transcript, or rewrites it with this run's results (`--bless`).

use super::format::{Transcript, matches, portable_stdout, runnable_line};
use crate::error::{Error, Result};
use crate::intake;
use crate::shell::{Flow, Shell};
use std::fs;
use std::path::Path;

/// Returns true when every result matched (or, blessing, when the file was rewritten).
pub fn run(shell: &mut Shell, path: &Path, bless: bool, state_dir: &Path) -> Result<bool> {
    let text = intake::read_text(path, intake::TRANSCRIPT)?;
    let mut transcript = Transcript::parse(&text);
    let mut mismatches = 0;
    let mut quit_at: Option<usize> = None;
    for entry in &mut transcript.entries {
        if let Some(quit_line) = quit_at {
            // A transcript must not claim results that no run produced.
            mismatches += 1;
            note(
                shell,
                &format!(
                    "{}:{}: `{}` comes after quit (line {quit_line}) and was not run",
                    path.display(),
                    entry.line_number,
                    entry.line
                ),
            );
            continue;
        }
        let executed = shell.execute(&runnable_line(&entry.line, state_dir));
        if executed.source.is_some() {
            // A recording holds the lines a sourced file ran, never the source line.
            mismatches += 1;
            note(
                shell,
                &format!(
                    "{}:{}: `{}` was not run: a transcript holds the lines of a sourced file, not the source line",
                    path.display(),
                    entry.line_number,
                    entry.line
                ),
            );
            continue;
        }
        let stdout = portable_stdout(&executed.rendered, state_dir);
        let same = matches(&entry.stdout, &stdout) && entry.warnings == executed.warnings;
        if !same && !bless {
            mismatches += 1;
            report(
                shell,
                path,
                entry.line_number,
                &entry.line,
                &entry.stdout,
                &stdout,
            );
            for warning in executed
                .warnings
                .iter()
                .filter(|w| !entry.warnings.contains(w))
            {
                note(shell, &format!("  unexpected warning: {warning}"));
            }
            for warning in entry
                .warnings
                .iter()
                .filter(|w| !executed.warnings.contains(w))
            {
                note(shell, &format!("  missing warning: {warning}"));
            }
        }
        entry.warnings = executed.warnings;
        entry.stdout = stdout;
        if executed.flow == Flow::Quit {
            quit_at = Some(entry.line_number);
        }
    }
    let count = transcript.entries.len();
    if bless {
        fs::write(path, transcript.write())
            .map_err(|error| Error::io(format!("Cannot write {}", path.display()), error))?;
        note(
            shell,
            &format!("{}: blessed {count} commands", path.display()),
        );
        return Ok(true);
    }
    note(
        shell,
        &format!(
            "{}: {} of {count} commands matched",
            path.display(),
            count - mismatches
        ),
    );
    Ok(mismatches == 0)
}

fn report(
    shell: &mut Shell,
    path: &Path,
    line_number: usize,
    line: &str,
    expected: &[String],
    actual: &[String],
) {
    note(
        shell,
        &format!(
            "{}:{line_number}: `{line}`\n  expected: {}\n  actual:   {}",
            path.display(),
            expected.join("\n            "),
            actual.join("\n            ")
        ),
    );
}

fn note(shell: &mut Shell, text: &str) {
    // The verdict is the exit status; a closed stderr only loses the explanation.
    let _ = shell.output().note(text);
}

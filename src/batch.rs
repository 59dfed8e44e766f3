//! Batch mode: command lines from stdin or `--file`, one envelope each; stops at the first
//! failure unless `--keep-going`.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::shell::{Flow, Shell};
use crate::transcript::record::Recorder;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use zeroize::Zeroizing;

/// Runs every line; true when every command succeeded.
pub fn run(shell: &mut Shell, config: &Config, file: Option<&Path>) -> Result<bool> {
    let reader: Box<dyn BufRead> = match file {
        Some(path) => Box::new(BufReader::new(File::open(path).map_err(|error| {
            Error::io(format!("Cannot read {}", path.display()), error)
        })?)),
        None => Box::new(io::stdin().lock()),
    };
    let mut recorder = config
        .record_file
        .as_deref()
        .map(|path| Recorder::create(path, &config.state_dir))
        .transpose()?;
    let mut all_succeeded = true;
    let mut lines = LogicalLines::new(reader);
    while let Some(line) = lines.next_line()? {
        let executed = shell.run_line(&line);
        if let Some(recorder) = recorder.as_mut() {
            recorder.record(shell.table(), &line, &executed)?;
        }
        if executed.failed {
            all_succeeded = false;
            if !config.keep_going {
                break;
            }
        }
        if executed.flow == Flow::Quit {
            break;
        }
    }
    Ok(all_succeeded)
}

/// Lines joined across a trailing `\`, kept in zeroizing buffers because they may carry
/// `--password` values.
pub struct LogicalLines<R> {
    reader: R,
}

impl<R: BufRead> LogicalLines<R> {
    pub fn new(reader: R) -> Self {
        Self { reader }
    }

    /// The next logical line without its final newline; `None` at end of input. The joined
    /// line keeps each `\` + newline, which the lexer reads as white space.
    pub fn next_line(&mut self) -> Result<Option<Zeroizing<String>>> {
        let mut line = Zeroizing::new(String::new());
        loop {
            let read = self
                .reader
                .read_line(&mut line)
                .map_err(|error| Error::io("Cannot read the next line", error))?;
            if read == 0 {
                return Ok((!line.is_empty()).then_some(line));
            }
            let content = line.trim_end_matches(['\n', '\r']);
            let trailing_backslashes = content.len() - content.trim_end_matches('\\').len();
            if trailing_backslashes.is_multiple_of(2) {
                let length = content.len();
                line.truncate(length);
                return Ok(Some(line));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(text: &str) -> Vec<String> {
        let mut lines = LogicalLines::new(text.as_bytes());
        let mut collected = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            collected.push(line.to_string());
        }
        collected
    }

    #[test]
    fn continuation_joins_lines_and_escaped_backslash_does_not() {
        assert_eq!(
            all_lines("user create \\\n  --username bob\nuser list\r\nlast \\\\\nend"),
            vec![
                "user create \\\n  --username bob",
                "user list",
                "last \\\\",
                "end"
            ]
        );
    }
}

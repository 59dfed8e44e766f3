//! Batch mode: command lines from stdin or `--file`, one envelope each; stops at the first
//! failure unless `--keep-going`.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::intake;
use crate::parse::{self, MAX_LINE_BYTES};
use crate::shell::{Flow, Shell, SourceFile};
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
        .map(|path| Recorder::create(path, &config.state_dir, shell.hsm().cluster_id()))
        .transpose()?;
    let ran = run_lines(shell, reader, config.keep_going, recorder.as_mut(), 0)?;
    Ok(ran.all_succeeded)
}

/// How deep `source` files may nest: a file that sources itself stops there.
const MAX_SOURCE_DEPTH: usize = 8;

/// What a run of lines came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ran {
    pub all_succeeded: bool,
    /// A line was `quit`: the shell ends, not only the file.
    pub quit: bool,
}

/// Runs the lines of a `source` file at nesting `depth` (0 for a line typed or read by the
/// mode); a file that cannot be opened is the failure of its `source` line.
pub fn run_source(
    shell: &mut Shell,
    file: &SourceFile,
    recorder: Option<&mut Recorder>,
    depth: usize,
) -> Result<Ran> {
    let refused = |shell: &mut Shell, error: Error| {
        shell.report(&error);
        Ok(Ran {
            all_succeeded: false,
            quit: false,
        })
    };
    if depth >= MAX_SOURCE_DEPTH {
        let reason = format!(
            "{} is sourced {MAX_SOURCE_DEPTH} files deep; a file that sources itself never ends",
            file.path.display()
        );
        return refused(
            shell,
            Error::InvalidInput {
                what: "source",
                reason,
            },
        );
    }
    match intake::open_regular(&file.path, intake::BATCH_FILE) {
        Ok(opened) => run_lines(
            shell,
            BufReader::new(opened),
            file.keep_going,
            recorder,
            depth + 1,
        ),
        Err(error) => refused(shell, error),
    }
}

/// Runs each logical line of `reader` through the funnel and records it, until the end, the
/// first failure (unless `keep_going`) or `quit`. A `source` line is not recorded: the lines
/// of its file are, so that a replay verifies each of them.
fn run_lines(
    shell: &mut Shell,
    reader: impl BufRead,
    keep_going: bool,
    mut recorder: Option<&mut Recorder>,
    depth: usize,
) -> Result<Ran> {
    let mut ran = Ran {
        all_succeeded: true,
        quit: false,
    };
    let mut lines = LogicalLines::new(reader);
    while let Some(line) = lines.next_line()? {
        let (succeeded, flow) = match line {
            Line::Text(line) => {
                let executed = shell.run_line(&line);
                match &executed.source {
                    Some(file) => {
                        let sourced = run_source(shell, file, recorder.as_deref_mut(), depth)?;
                        let flow = if sourced.quit {
                            Flow::Quit
                        } else {
                            Flow::Continue
                        };
                        (sourced.all_succeeded, flow)
                    }
                    None => {
                        if let Some(recorder) = recorder.as_deref_mut() {
                            recorder.record(shell.table(), &line, &executed)?;
                        }
                        (!executed.failed, executed.flow)
                    }
                }
            }
            Line::TooLong { bytes } => {
                let error = parse::line_too_long(bytes);
                if let Some(recorder) = recorder.as_deref_mut() {
                    recorder.skip(&error.message)?;
                }
                let executed = shell.reject(Error::Syntax(error));
                (!executed.failed, executed.flow)
            }
            Line::NotUtf8 { valid_up_to } => {
                let error = Error::LineNotUtf8 { valid_up_to };
                if let Some(recorder) = recorder.as_deref_mut() {
                    recorder.skip(&error.to_string())?;
                }
                let executed = shell.reject(error);
                (!executed.failed, executed.flow)
            }
        };
        if !succeeded {
            ran.all_succeeded = false;
            if !keep_going {
                break;
            }
        }
        if flow == Flow::Quit {
            ran.quit = true;
            break;
        }
    }
    Ok(ran)
}

/// One logical line of input.
pub enum Line {
    Text(Zeroizing<String>),
    /// Longer than [`MAX_LINE_BYTES`]: read past without being kept.
    TooLong {
        bytes: usize,
    },
    /// Not UTF-8; the bytes are gone, zeroized.
    NotUtf8 {
        valid_up_to: usize,
    },
}

/// Lines joined across a trailing `\`, kept in zeroizing buffers because they may carry
/// `--password` values. Reading is linear in the input and keeps at most [`MAX_LINE_BYTES`]
/// (plus one) of a line, however long it is.
pub struct LogicalLines<R> {
    reader: R,
}

impl<R: BufRead> LogicalLines<R> {
    pub fn new(reader: R) -> Self {
        Self { reader }
    }

    /// The next logical line without its final newline; `None` at end of input. The joined
    /// line keeps each `\` + newline, which the lexer reads as white space.
    pub fn next_line(&mut self) -> Result<Option<Line>> {
        let mut kept = Zeroizing::new(Vec::new());
        let mut bytes = 0;
        loop {
            let physical = self
                .read_physical(&mut kept, &mut bytes)
                .map_err(|error| Error::io("Cannot read the next line", error))?;
            match physical {
                None if bytes == 0 => return Ok(None),
                None => break,
                Some(trailing_backslashes) if trailing_backslashes % 2 == 0 => break,
                Some(_) => {}
            }
        }
        if bytes > MAX_LINE_BYTES {
            return Ok(Some(Line::TooLong { bytes }));
        }
        let content_length = kept.len()
            - kept
                .iter()
                .rev()
                .take_while(|&&byte| byte == b'\n' || byte == b'\r')
                .count();
        kept.truncate(content_length);
        match String::from_utf8(std::mem::take(&mut *kept)) {
            Ok(text) => Ok(Some(Line::Text(Zeroizing::new(text)))),
            Err(error) => {
                let valid_up_to = error.utf8_error().valid_up_to();
                drop(Zeroizing::new(error.into_bytes()));
                Ok(Some(Line::NotUtf8 { valid_up_to }))
            }
        }
    }

    /// Appends one physical line to `kept` (up to the limit) and counts its bytes into `bytes`;
    /// gives the number of backslashes that end it, or `None` at end of input.
    fn read_physical(
        &mut self,
        kept: &mut Vec<u8>,
        bytes: &mut usize,
    ) -> io::Result<Option<usize>> {
        let mut trailing_backslashes = 0;
        let mut read_any = false;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(read_any.then_some(trailing_backslashes));
            }
            read_any = true;
            let (chunk, ended) = match available.iter().position(|&byte| byte == b'\n') {
                Some(newline) => (&available[..=newline], true),
                None => (available, false),
            };
            for &byte in chunk {
                match byte {
                    b'\\' => trailing_backslashes += 1,
                    // A carriage return before the newline does not end a continuation.
                    b'\r' | b'\n' => {}
                    _ => trailing_backslashes = 0,
                }
            }
            let room = (MAX_LINE_BYTES + 1).saturating_sub(kept.len());
            kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            *bytes += chunk.len();
            let consumed = chunk.len();
            self.reader.consume(consumed);
            if ended {
                return Ok(Some(trailing_backslashes));
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
            match line {
                Line::Text(text) => collected.push(text.to_string()),
                Line::TooLong { bytes } => collected.push(format!("<{bytes} bytes>")),
                Line::NotUtf8 { valid_up_to } => {
                    collected.push(format!("<not UTF-8 at {valid_up_to}>"))
                }
            }
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

//! The only place that serializes: replies become the `{"error_code", "data"}` envelope, as
//! compact or pretty JSON, coloured on a terminal; help is plain text; warnings go to stderr.

use crate::command::Reply;
use crate::error::Error;
use crate::parse::SyntaxError;
use colored::Colorize;
use serde_json::{Value, json};
use std::io::{self, Write};
use zeroize::{Zeroize, Zeroizing};

/// How envelopes are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line per envelope: the default when stdout is not a terminal.
    Json,
    /// Indented over several lines: the default on a terminal.
    JsonPretty,
}

/// What one line produced, ready to be printed or compared.
#[derive(Debug)]
pub enum Rendered {
    /// A blank or comment line, or `quit`: nothing to print.
    Nothing,
    Envelope(Value),
    Text(String),
}

/// Turns a command's result into what the user sees.
pub fn render(result: &Result<Reply, Error>) -> Rendered {
    match result {
        Ok(Reply::Status(text)) => Rendered::Envelope(json!({"error_code": 0, "data": text})),
        Ok(Reply::Data(data)) => Rendered::Envelope(json!({"error_code": 0, "data": data})),
        Ok(Reply::Text(text)) => Rendered::Text(text.clone()),
        // A `source` line prints nothing of its own: its file's lines print their results.
        Ok(Reply::Quit | Reply::Source(_)) => Rendered::Nothing,
        Err(error) => Rendered::Envelope(error_envelope(error)),
    }
}

pub fn render_error(error: &Error) -> Rendered {
    Rendered::Envelope(error_envelope(error))
}

pub fn error_envelope(error: &Error) -> Value {
    json!({"error_code": error.code(), "data": error.to_string()})
}

/// Prints rendered results to stdout and notes to stderr.
pub struct Output {
    format: Format,
    colour: bool,
    /// Show a caret under the offending part of a line (stderr is a terminal).
    carets: bool,
    stdout: Box<dyn Write>,
    stderr: Box<dyn Write>,
    progress: Progress,
    /// The envelope being printed: one buffer for the shell's life instead of a string per line
    /// (a batch prints tens of thousands), wiped after each line as it may hold key material.
    line: Zeroizing<Vec<u8>>,
}

/// A one-line spinner on stderr for commands that wait (`keystore connect --wait`), drawn only
/// when stderr is a terminal, so that batch output and logs stay clean.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    frame: usize,
}

impl Progress {
    const FRAMES: [char; 4] = ['|', '/', '-', '\\'];

    pub fn new(enabled: bool) -> Self {
        Self { enabled, frame: 0 }
    }

    /// Redraws the line with the next spinner frame and `message`.
    pub fn tick(&mut self, message: &str) {
        if !self.enabled {
            return;
        }
        let frame = Self::FRAMES[self.frame % Self::FRAMES.len()];
        self.frame += 1;
        let mut stderr = io::stderr();
        // A spinner that cannot be drawn changes nothing about the command's result.
        let _ = write!(stderr, "\r\x1b[2K{frame} {message}");
        let _ = stderr.flush();
    }

    /// Clears the spinner line, if one was drawn.
    pub fn finish(&mut self) {
        if self.enabled && self.frame > 0 {
            let _ = write!(io::stderr(), "\r\x1b[2K");
        }
        self.frame = 0;
    }
}

impl Output {
    pub fn new(
        format: Format,
        colour: bool,
        carets: bool,
        stdout: Box<dyn Write>,
        stderr: Box<dyn Write>,
    ) -> Self {
        Self {
            format,
            colour,
            carets,
            stdout,
            stderr,
            // The spinner goes where the carets go: to stderr, when it is a terminal.
            progress: Progress::new(carets),
            line: Zeroizing::new(Vec::new()),
        }
    }

    pub fn progress(&mut self) -> &mut Progress {
        &mut self.progress
    }

    /// Prints one line's warnings, caret and result.
    pub fn emit(
        &mut self,
        line: &str,
        rendered: &Rendered,
        warnings: &[String],
        syntax: Option<&SyntaxError>,
    ) -> io::Result<()> {
        for warning in warnings {
            self.warn(warning)?;
        }
        if let Some(span) = syntax
            .and_then(|error| error.span.clone())
            .filter(|_| self.carets)
        {
            self.caret(line, span)?;
        }
        match rendered {
            Rendered::Nothing => {}
            Rendered::Text(text) => {
                self.stdout.write_all(text.as_bytes())?;
                if !text.ends_with('\n') {
                    self.stdout.write_all(b"\n")?;
                }
            }
            Rendered::Envelope(value) => {
                match (self.format, self.colour) {
                    (Format::Json, false) => serde_json::to_writer(&mut *self.line, value)?,
                    _ => {
                        let text = Zeroizing::new(self.envelope_text(value));
                        self.line.extend_from_slice(text.as_bytes());
                    }
                }
                self.line.push(b'\n');
                let written = self.stdout.write_all(&self.line);
                self.line.zeroize();
                written?;
            }
        }
        self.stdout.flush()
    }

    /// A warning on stderr, yellow on a terminal.
    pub fn warn(&mut self, warning: &str) -> io::Result<()> {
        if self.colour {
            writeln!(self.stderr, "{}", warning.yellow())
        } else {
            writeln!(self.stderr, "{warning}")
        }
    }

    /// A note on stderr that is not part of any command's result (banners, hints).
    pub fn note(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.stderr, "{text}")
    }

    /// `[i/n] command` before a replayed command runs, when stderr is a terminal.
    pub fn replay_step(&mut self, step: usize, steps: usize, line: &str) -> io::Result<()> {
        if !self.carets {
            return Ok(());
        }
        let counter = format!("[{step}/{steps}]");
        if self.colour {
            writeln!(self.stderr, "{} {line}", counter.dimmed())
        } else {
            writeln!(self.stderr, "{counter} {line}")
        }
    }

    /// A unified diff on stderr of what a transcript expected and what this run printed,
    /// removals red and additions green on a terminal.
    pub fn diff(&mut self, expected: &str, actual: &str) -> io::Result<()> {
        let diff = similar::TextDiff::from_lines(expected, actual);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string();
        for line in text.lines() {
            match (self.colour, line.chars().next()) {
                (true, Some('-')) => writeln!(self.stderr, "{}", line.red())?,
                (true, Some('+')) => writeln!(self.stderr, "{}", line.green())?,
                (true, Some('@')) => writeln!(self.stderr, "{}", line.cyan())?,
                _ => writeln!(self.stderr, "{line}")?,
            }
        }
        Ok(())
    }

    pub fn envelope_text(&self, value: &Value) -> String {
        match (self.format, self.colour) {
            (Format::Json, false) => compact(value),
            (Format::JsonPretty, false) => pretty(value),
            (format, true) => {
                let mut text = String::new();
                paint(value, format == Format::JsonPretty, 0, &mut text);
                text
            }
        }
    }

    fn caret(&mut self, line: &str, span: std::ops::Range<usize>) -> io::Result<()> {
        let start = line
            .get(..span.start)
            .map_or(0, |head| head.chars().count());
        let width = line
            .get(span.clone())
            .map_or(1, |part| part.chars().count().max(1));
        let marks = format!("{}{}", " ".repeat(start), "^".repeat(width));
        let marks = if self.colour {
            marks.red().bold().to_string()
        } else {
            marks
        };
        writeln!(self.stderr, "  {line}\n  {marks}")
    }
}

/// The one-line form, also what transcripts store.
pub fn compact(value: &Value) -> String {
    value.to_string()
}

pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Writes `value` as JSON with ANSI colours: keys blue, strings green, numbers cyan, literals
/// yellow; a non-zero `error_code` red.
fn paint(value: &Value, pretty: bool, depth: usize, out: &mut String) {
    let newline = |out: &mut String, depth: usize| {
        if pretty {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    let separator = if pretty { ": " } else { ":" };
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) => {
            out.push('{');
            for (index, (key, item)) in map.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                out.push_str(&compact(&Value::from(key.as_str())).blue().to_string());
                out.push_str(separator);
                if key == "error_code" && item.as_u64().is_some_and(|code| code != 0) {
                    out.push_str(&item.to_string().red().bold().to_string());
                } else {
                    paint(item, pretty, depth + 1, out);
                }
            }
            newline(out, depth);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                paint(item, pretty, depth + 1, out);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::String(_) => out.push_str(&compact(value).green().to_string()),
        Value::Number(_) => out.push_str(&compact(value).cyan().to_string()),
        Value::Bool(_) | Value::Null => out.push_str(&compact(value).yellow().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_error_envelopes() {
        let Rendered::Envelope(ok) = render(&Ok(Reply::Status("Logout successful"))) else {
            panic!("a status is an envelope");
        };
        assert_eq!(
            compact(&ok),
            r#"{"error_code":0,"data":"Logout successful"}"#
        );
        let Rendered::Envelope(failed) = render(&Err(Error::LoginFailed)) else {
            panic!("an error is an envelope");
        };
        assert_eq!(
            failed,
            json!({"error_code": 1, "data": "Login failed: incorrect username, role or password"})
        );
    }

    #[test]
    fn colour_keeps_the_json_when_escapes_are_stripped() {
        colored::control::set_override(true);
        let value = json!({"error_code": 0, "data": {"users": [{"locked": "false", "n": 1, "b": true}], "e": {}}});
        let mut painted = String::new();
        paint(&value, true, 0, &mut painted);
        let mut plain = String::new();
        let mut in_escape = false;
        for c in painted.chars() {
            match (in_escape, c) {
                (false, '\u{1b}') => in_escape = true,
                (true, 'm') => in_escape = false,
                (true, _) => {}
                (false, c) => plain.push(c),
            }
        }
        assert_eq!(plain, pretty(&value));
    }
}

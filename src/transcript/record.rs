//! Recording: every line a session runs, with its secrets removed, and what it printed.

use super::format::{Entry, stdout_lines, write_entry};
use crate::error::{Error, Result};
use crate::parse::lex;
use crate::shell::Executed;
use crate::spec::CommandTable;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Appends entries to a transcript file (created 0600: it may name users and keys).
pub struct Recorder {
    file: File,
}

impl Recorder {
    pub fn create(path: &Path) -> Result<Recorder> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|error| Error::io(format!("Cannot record to {}", path.display()), error))?;
        Ok(Recorder { file })
    }

    pub fn record(&mut self, table: &CommandTable, line: &str, executed: &Executed) -> Result<()> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        let entry = Entry {
            line: without_secrets(table, line),
            warnings: executed.warnings.clone(),
            stdout: stdout_lines(&executed.rendered),
            ..Entry::default()
        };
        write_entry(&mut text, &entry);
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|error| Error::io("Cannot write the transcript", error))
    }
}

/// The line with every secret flag and its value cut out, so that a replay asks the secret
/// source instead. A line that does not lex is not kept at all: it might hide a secret.
pub fn without_secrets(table: &CommandTable, line: &str) -> String {
    let Ok(tokens) = lex(line) else {
        return "# a line that could not be parsed was not recorded".to_owned();
    };
    let mut cuts = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        let secret = token
            .flag_name()
            .is_some_and(|name| table.secret_flags().iter().any(|flag| flag == name));
        if secret {
            let inline = token.text.contains('=');
            let end = match tokens.get(index + 1) {
                Some(value) if !inline && value.flag_name().is_none() => {
                    index += 1;
                    value.span.end
                }
                _ => token.span.end,
            };
            cuts.push(token.span.start..end);
        }
        index += 1;
    }
    let mut kept = String::with_capacity(line.len());
    let mut position = 0;
    for cut in cuts {
        kept.push_str(&line[position..cut.start]);
        position = cut.end;
    }
    kept.push_str(&line[position..]);
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_cut_out_in_every_spelling() {
        let table = CommandTable::builtin();
        assert_eq!(
            without_secrets(
                &table,
                "login --username admin --password 'p w1' --role admin"
            ),
            "login --username admin --role admin"
        );
        assert_eq!(
            without_secrets(
                &table,
                "user create --password=Secret1x --username bob --role admin"
            ),
            "user create --username bob --role admin"
        );
        assert_eq!(
            without_secrets(&table, "login --username 'admin' --role admin"),
            "login --username 'admin' --role admin"
        );
        assert_eq!(
            without_secrets(&table, "login --password \"unterminated"),
            "# a line that could not be parsed was not recorded"
        );
    }
}

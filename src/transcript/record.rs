//! Recording: every line a session runs, with its secrets removed, and what it printed.

use super::format::{Entry, SESSION_CLUSTER, portable_line, portable_stdout, write_entry};
use crate::error::{Error, Result};
use crate::parse::screen::known_flag_kind;
use crate::parse::{Token, lex};
use crate::shell::Executed;
use crate::table::{ArgKind, CommandTable};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Appends entries to a transcript file (created 0600: it may name users and keys).
pub struct Recorder {
    file: File,
    /// Written `$STATE_DIR` in the results, so that the transcript replays on any state.
    state_dir: PathBuf,
}

impl Recorder {
    /// Opens `path` to append to and notes there which cluster the session starts on, so
    /// that a replay on another cluster knows which cluster ID stands for its own.
    pub fn create(path: &Path, state_dir: &Path, session_cluster: &str) -> Result<Recorder> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|error| Error::io(format!("Cannot record to {}", path.display()), error))?;
        let mut recorder = Recorder {
            file,
            state_dir: state_dir.to_owned(),
        };
        recorder.write(&format!("{SESSION_CLUSTER}{session_cluster}\n"))?;
        Ok(recorder)
    }

    pub fn record(&mut self, table: &CommandTable, line: &str, executed: &Executed) -> Result<()> {
        if line.trim().is_empty() {
            return Ok(());
        }
        if line.len() > crate::parse::MAX_LINE_BYTES {
            return self.skip(&crate::parse::line_too_long(line.len()).message);
        }
        let mut text = String::new();
        let kept = match &executed.screened {
            Some(screened) => Some(screened.clone()),
            None => without_secrets(table, line),
        };
        match kept {
            // A comment line, or one that was nothing but a secret.
            Some(kept) if kept.is_empty() => return Ok(()),
            Some(kept) => write_entry(
                &mut text,
                &Entry {
                    line: portable_line(&kept, &self.state_dir),
                    warnings: executed.warnings.clone(),
                    stdout: portable_stdout(&executed.rendered, &self.state_dir),
                    ..Entry::default()
                },
            ),
            // Neither the line nor what it printed: a replay must not expect output of a
            // command it cannot run.
            None => text.push_str(UNRECORDED),
        }
        self.write(&text)
    }

    /// Notes, as a comment, input that was refused before it became a line to run or record.
    pub fn skip(&mut self, why: &str) -> Result<()> {
        self.write(&format!("# not recorded: {why}\n"))
    }

    fn write(&mut self, text: &str) -> Result<()> {
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|error| Error::io("Cannot write the transcript", error))
    }
}

/// What a transcript holds in place of a line that could not be kept.
const UNRECORDED: &str =
    "# a line that could not be parsed and may hold a password was not recorded\n";

/// The line with every secret flag and its value cut out, so that a replay asks the secret
/// source instead; the words are kept as written (quotes and escapes included) and joined by
/// single spaces, so continuations and comments go.
///
/// Words after a secret's value up to the next flag the table knows are cut too: such a word
/// is most likely the rest of an unquoted password (`--password two words`) or a password that
/// looks like a flag (`--password --x1`). Unknown flags (which only `-h` lets bind) go with the
/// words after them, as they may be mistyped secret flags. A line that does not lex gives
/// `None`: where its words start is unknown, so any of them might be a secret
/// (`--pass"word" x1 "unterminated`).
pub fn without_secrets(table: &CommandTable, line: &str) -> Option<String> {
    let tokens = lex(line).ok()?;
    let is_secret = |token: &Token<'_>| {
        token.flag_name().is_some()
            && known_flag_kind(table, token).is_none_or(|kind| kind == ArgKind::Secret)
    };
    let mut kept = Vec::with_capacity(tokens.len());
    let mut words = tokens.iter().peekable();
    while let Some(word) = words.next() {
        if is_secret(word) {
            while words
                .next_if(|next| known_flag_kind(table, next).is_none())
                .is_some()
            {}
        } else {
            kept.push(&line[word.span.clone()]);
        }
    }
    // A transcript entry is one line.
    if kept.iter().any(|word| word.contains(['\n', '\r'])) {
        return None;
    }
    Some(kept.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_cut_out_in_every_spelling() {
        let table = CommandTable::builtin();
        let cut = |line: &str| without_secrets(&table, line);
        assert_eq!(
            cut("login --username admin --password 'p w1' --role admin").as_deref(),
            Some("login --username admin --role admin")
        );
        assert_eq!(
            cut("user create --password=Secret1x --username bob --role admin").as_deref(),
            Some("user create --username bob --role admin")
        );
        assert_eq!(
            cut("login --username 'admin' --role admin").as_deref(),
            Some("login --username 'admin' --role admin")
        );
    }

    #[test]
    fn the_rest_of_an_unquoted_or_dashed_password_is_cut_too() {
        let table = CommandTable::builtin();
        let cut = |line: &str| without_secrets(&table, line);
        assert_eq!(
            cut("cluster activate --password two words").as_deref(),
            Some("cluster activate")
        );
        assert_eq!(
            cut("login --username a --password --x1secret --role admin").as_deref(),
            Some("login --username a --role admin")
        );
        assert_eq!(
            cut("login --username a --password=x y -z --role admin -h").as_deref(),
            Some("login --username a --role admin -h")
        );
    }

    #[test]
    fn words_are_kept_as_written_and_continuations_go() {
        let table = CommandTable::builtin();
        let cut = |line: &str| without_secrets(&table, line);
        assert_eq!(
            cut("user create \\\n  --username 'Bob B' \\\n  --password pw1 --role admin # c")
                .as_deref(),
            Some("user create --username 'Bob B' --role admin")
        );
    }

    #[test]
    fn a_line_that_does_not_lex_is_not_kept() {
        let table = CommandTable::builtin();
        let cut = |line: &str| without_secrets(&table, line);
        assert_eq!(
            cut("cluster activate --pass\"word\" x1secret").as_deref(),
            Some("cluster activate")
        );
        assert_eq!(
            cut("login --pass\"word\" x1secret --username \"admin"),
            None
        );
        assert_eq!(cut("login --username \"admin"), None);
    }
}

//! Interactive mode: the `aws-cloudhsm >` prompt with history that never keeps a secret, tab
//! completion, hints and colour, all feeding the one funnel.

use crate::batch;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::intake;
use crate::parse::line_carries_secret;
use crate::shell::{Flow, Shell};
use crate::table::{CommandTable, complete};
use crate::transcript::record::Recorder;
use colored::Colorize;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::{DefaultHistory, History};
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config as EditorConfig, Context, Editor, Helper};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use zeroize::Zeroizing;

/// Runs the prompt until `quit` or Ctrl-D. Failed commands do not end it.
pub fn run(shell: &mut Shell, config: &Config) -> Result<bool> {
    if !shell.hsm().is_activated()? {
        let banner = format!(
            "Simulated cluster {} (state in {}) is not activated yet: run `cluster activate` first.",
            shell.hsm().cluster_id(),
            config.state_dir.display()
        );
        let _ = shell.output().note(&banner);
    }
    // Tab as in bash: the common prefix first, then the list of candidates.
    let editor_config = EditorConfig::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .history_ignore_space(true)
        .max_history_size(1000)
        .map_err(|error| Error::State {
            message: error.to_string(),
        })?
        .build();
    let mut editor: Editor<ShellHelper<'_>, DefaultHistory> = Editor::with_config(editor_config)
        .map_err(|error| Error::State {
            message: format!("Cannot start the line editor: {error}"),
        })?;
    // The line editor's completer asks the shell for live values while a line is read; the
    // loop has the shell the rest of the time.
    let shell = RefCell::new(shell);
    editor.set_helper(Some(ShellHelper {
        table: CommandTable::builtin(),
        files: FilenameCompleter::new(),
        colour: config.colour,
        shell: &shell,
    }));
    // `--history /dev/null` keeps no history: nothing to check, read or append.
    let history_file = config
        .history_file
        .as_deref()
        .filter(|path| *path != Path::new("/dev/null"));
    if let Some(path) = history_file {
        prepare_history_file(path)?;
        // A missing or unreadable history only means starting without one.
        let _ = editor.load_history(path);
    }
    let mut recorder = config
        .record_file
        .as_deref()
        .map(|path| {
            Recorder::create(
                path,
                &config.state_dir,
                shell.borrow_mut().hsm().cluster_id(),
            )
        })
        .transpose()?;
    loop {
        let prompt = shell.borrow().prompt();
        let line = match editor.readline(&prompt) {
            Ok(line) => Zeroizing::new(line),
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(error) => {
                return Err(Error::State {
                    message: format!("Cannot read a line: {error}"),
                });
            }
        };
        let mut shell = shell.borrow_mut();
        let executed = shell.run_line(&line);
        // Only a line that bound and names no secret is known to hold none.
        if !line.trim().is_empty()
            && executed.syntax.is_none()
            && !line_carries_secret(shell.table(), &line)
        {
            let _ = editor.add_history_entry(line.as_str());
            if let Some(path) = history_file {
                let _ = editor.history_mut().append(path);
            }
        }
        if let Some(file) = &executed.source {
            // The file's lines are recorded as they run, not the source line itself.
            match batch::run_source(&mut shell, file, recorder.as_mut(), 0) {
                Ok(ran) if ran.quit => break,
                Ok(_) => {}
                Err(error) => shell.report(&error),
            }
            continue;
        }
        if let Some(recorder) = recorder.as_mut() {
            recorder.record(shell.table(), &line, &executed)?;
        }
        if executed.flow == Flow::Quit {
            break;
        }
    }
    Ok(true)
}

/// Creates the history file's directory (0700) and the file itself (0600) before the editor
/// touches them, so that history is never readable by others. The editor reads the file back
/// whole and appends to it after every line, so only a regular file within
/// [`intake::HISTORY`]'s limit is taken: a FIFO would hang the prompt and `/dev/zero` would be
/// read without end. It is opened non-blocking, so that a FIFO swapped in meanwhile cannot
/// hang it either.
fn prepare_history_file(path: &Path) -> Result<()> {
    intake::check_existing(path, intake::HISTORY)?;
    if let Some(dir) = path.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|error| Error::io(format!("Cannot create {}", dir.display()), error))?;
    }
    let file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| Error::io(format!("Cannot open {}", path.display()), error))?;
    intake::check_open_file(path, &file, intake::HISTORY)
}

/// Completion, hints and colour for the editor, from the command table; file paths where the
/// table says a value is one, and the values of the shell's backends where a flag names
/// something that exists.
struct ShellHelper<'s> {
    table: CommandTable,
    files: FilenameCompleter,
    colour: bool,
    shell: &'s RefCell<&'s mut Shell>,
}

impl Helper for ShellHelper<'_> {}

impl Validator for ShellHelper<'_> {}

impl Completer for ShellHelper<'_> {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        position: usize,
        _context: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        if let Some(path_start) = complete::path_start(&self.table, &line[..position]) {
            // Only the path itself, so that `file://` is not taken for part of it.
            let path = &line[path_start..position];
            let (start, mut pairs) = self.files.complete_path(path, path.len())?;
            // A file ends the word, as in bash; a directory goes on with its entries.
            for pair in &mut pairs {
                if !pair.replacement.ends_with('/') {
                    pair.replacement.push(' ');
                }
            }
            return Ok((path_start + start, pairs));
        }
        if let Some((start, source)) = complete::live_start(&self.table, &line[..position]) {
            let typed = &line[start..position];
            // Asked only on Tab, never for a hint: a query may be a network call.
            let values = self.shell.borrow_mut().live_values(source);
            let pairs = values
                .into_iter()
                .filter(|value| value.starts_with(typed))
                .map(|value| Pair {
                    replacement: format!("{value} "),
                    display: value,
                })
                .collect();
            return Ok((start, pairs));
        }
        let (start, candidates) = complete::complete(&self.table, &line[..position]);
        let pairs = candidates
            .into_iter()
            .map(|candidate| Pair {
                display: candidate.clone(),
                replacement: format!("{candidate} "),
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ShellHelper<'_> {
    type Hint = String;

    fn hint(&self, line: &str, position: usize, _context: &Context<'_>) -> Option<String> {
        (position == line.len())
            .then(|| complete::hint(&self.table, line))
            .flatten()
    }
}

impl Highlighter for ShellHelper<'_> {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        if self.colour {
            Cow::Owned(prompt.bold().green().to_string())
        } else {
            Cow::Borrowed(prompt)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.colour {
            Cow::Owned(hint.dimmed().to_string())
        } else {
            Cow::Borrowed(hint)
        }
    }
}

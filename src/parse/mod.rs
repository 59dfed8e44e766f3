//! Pure parsing: a line becomes tokens (`lex`, with nom) and tokens become a validated
//! `Invocation` (`bind`, walking the command table). No I/O, no session.

pub mod bind;
pub mod lex;
pub mod screen;
mod suggest;
pub mod value;

use crate::secret::Secret;
use crate::table::{ArgKind, CommandSpec};
use std::fmt;
use std::ops::Range;

pub use bind::bind;
pub use lex::{Token, lex};
pub use screen::{line_carries_secret, screen};
pub use suggest::closest;

/// The longest line the shell reads: lexing and binding are linear, so this bounds the time a
/// line can take, and a longer one is refused before it is looked at.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The error for a line of `bytes` bytes, more than [`MAX_LINE_BYTES`].
pub fn line_too_long(bytes: usize) -> SyntaxError {
    SyntaxError::new(
        format!(
            "the line has {bytes} bytes, more than the limit of {MAX_LINE_BYTES} (1 MiB); it was not run"
        ),
        None,
    )
}

/// A line that cannot be bound: the message is one line; `span` is the byte range of the
/// offending part of the line, shown with a caret on a terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Option<Range<usize>>,
}

impl SyntaxError {
    /// Control characters that `message` quotes from the line (a quoted word may hold a newline
    /// or a NUL) are shown escaped, `\n` and `\u{0}`: a message is one line, and a line cannot
    /// make it print a second, forged one.
    pub fn new(message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        let message = message.into();
        if !message.chars().any(char::is_control) {
            return Self { message, span };
        }
        let mut shown = String::with_capacity(message.len());
        for character in message.chars() {
            if character.is_control() {
                shown.extend(character.escape_default());
            } else {
                shown.push(character);
            }
        }
        Self {
            message: shown,
            span,
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// The value of one bound argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Switch,
    List(Vec<String>),
    Secret(Secret),
}

/// A validated command: which row of the table, and a value (or none) for each of its args.
#[derive(Clone, Debug)]
pub struct Invocation<'t> {
    pub spec: &'t CommandSpec,
    /// Indexed like `spec.args`; defaults are already filled in.
    pub values: Vec<Option<Value>>,
}

impl<'t> Invocation<'t> {
    fn value(&self, name: &str) -> Option<&Value> {
        let index = self.spec.arg_index(name)?;
        self.values[index].as_ref()
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match self.value(name)? {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    pub fn integer(&self, name: &str) -> Option<i64> {
        match self.value(name)? {
            Value::Integer(number) => Some(*number),
            _ => None,
        }
    }

    pub fn switch(&self, name: &str) -> bool {
        matches!(self.value(name), Some(Value::Switch))
    }

    pub fn list(&self, name: &str) -> &[String] {
        match self.value(name) {
            Some(Value::List(items)) => items,
            _ => &[],
        }
    }

    /// Takes the secret out of the invocation, so that it is dropped (and zeroized) by whoever
    /// used it and does not linger with the invocation.
    pub fn take_secret(&mut self, name: &str) -> Option<Secret> {
        let index = self.spec.arg_index(name)?;
        match self.values[index].take()? {
            Value::Secret(secret) => Some(secret),
            other => {
                self.values[index] = Some(other);
                None
            }
        }
    }

    /// True when the line gave any secret inline (`--password ...`).
    pub fn has_inline_secret(&self) -> bool {
        self.values
            .iter()
            .any(|value| matches!(value, Some(Value::Secret(_))))
    }
}

/// The secret args of a command, in table order: what a mode must supply when absent.
pub fn secret_args(spec: &CommandSpec) -> impl Iterator<Item = &crate::table::ArgSpec> {
    spec.args.iter().filter(|arg| arg.kind == ArgKind::Secret)
}

/// Joins argument words back into one line that lexes to exactly those words (single-command
/// mode gets its command as separate process arguments).
pub fn quote_words(words: &[String]) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:@%+,".contains(c);
    words
        .iter()
        .map(|word| {
            if !word.is_empty() && word.chars().all(safe) {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

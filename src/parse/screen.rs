//! Screening: which words of a line may be a secret the binder cannot vouch for, and the line
//! with those words replaced by a placeholder, for messages, carets and transcripts.
//!
//! A line that binds tells exactly where its secrets are (the values of its secret flags). A line
//! that does not bind, or that mistypes a flag, does not: `--pasword X`, `-p X` and a quoted
//! `"--password" X` all hide a password where no secret flag names it. Such a line is shown and
//! recorded only as its [`screen`]ed form, and kept out of history.

use super::lex::{self, Token};
use super::suggest::closest;
use crate::table::{ArgKind, CommandTable};

/// What stands in for a word that may be a secret.
pub const PLACEHOLDER: &str = "***";
/// What stands in for a word that may be a secret and that the binder reads as a flag.
const FLAG_PLACEHOLDER: &str = "--***";

/// True when the line may hold a secret: it names a secret flag, mistypes a flag (an unknown
/// flag, or a quoted or dashed word where no flag takes it), or does not lex, so that where its
/// words start is unknown. Such a line is never stored in history.
pub fn line_carries_secret(table: &CommandTable, line: &str) -> bool {
    match lex::lex(line) {
        Ok(tokens) => is_suspect(&classify(table, &tokens)),
        Err(_) => true,
    }
}

/// The line with every word that may be a secret replaced by [`PLACEHOLDER`], or `None` when
/// nothing in it can be one (see [`line_carries_secret`]).
///
/// Kept as written: the command words, flags the table knows with the values they take, the
/// name (not the value) of a secret flag or of an unknown flag that looks like a typo of a known
/// one, and words of the table. Replaced: the values of secret and unknown flags and every word
/// after them up to the next known flag, unknown flags that look like nothing known, dashed
/// words and stray words. A line that does not lex keeps its command words and ends with the
/// quote or backslash that broke it, so that it fails in the same way when run again.
pub fn screen(table: &CommandTable, line: &str) -> Option<String> {
    // Every flag, dashed word or unlexable line needs one of these bytes: most lines that fail
    // (an unknown command, a stray word) are known clean without lexing them again.
    if !line
        .bytes()
        .any(|byte| matches!(byte, b'-' | b'"' | b'\'' | b'\\'))
    {
        return None;
    }
    let tokens = match lex::lex(line) {
        Ok(tokens) => tokens,
        Err(error) => return Some(screen_unlexable(table, line, &error)),
    };
    let fates = classify(table, &tokens);
    if !is_suspect(&fates) {
        return None;
    }
    let mut screened = String::with_capacity(line.len());
    let mut placeholders_in_a_row = 0;
    for (token, fate) in tokens.iter().zip(&fates) {
        let word = match fate {
            Fate::Keep => &line[token.span.clone()],
            Fate::NamedFlag => &flag_without_value(token),
            // A word the binder reads as a flag stays one, so that the line fails as it did.
            Fate::Secret if token.is_long_flag() => FLAG_PLACEHOLDER,
            Fate::Secret | Fate::Stray => PLACEHOLDER,
        };
        // Two placeholders fail to bind as a thousand do, and keep the line short.
        placeholders_in_a_row = match fate {
            Fate::Secret | Fate::Stray => placeholders_in_a_row + 1,
            _ => 0,
        };
        if placeholders_in_a_row > 2 {
            continue;
        }
        if !screened.is_empty() {
            screened.push(' ');
        }
        screened.push_str(word);
    }
    Some(screened)
}

/// What becomes of a word when its line is screened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Shown as written.
    Keep,
    /// A secret or mistyped flag: its name is shown, an inline value is not.
    NamedFlag,
    /// May be a secret: replaced, and the line is suspect.
    Secret,
    /// A word no flag takes: replaced when the line is suspect for another reason.
    Stray,
}

fn is_suspect(fates: &[Fate]) -> bool {
    fates
        .iter()
        .any(|fate| matches!(fate, Fate::Secret | Fate::NamedFlag))
}

/// The fate of each word, walking the line as the binder would.
fn classify(table: &CommandTable, tokens: &[Token<'_>]) -> Vec<Fate> {
    let mut fates = Vec::with_capacity(tokens.len());
    let mut path: Vec<&str> = Vec::new();
    while let Some(token) = tokens.get(fates.len()) {
        let word = token.text.as_ref();
        if token.flag_name().is_some() || !table.next_words(&path).contains(&word) {
            break;
        }
        path.push(word);
        fates.push(Fate::Keep);
    }
    while let Some(token) = tokens.get(fates.len()) {
        let Some(name) = token.flag_name() else {
            fates.push(stray_fate(table, token));
            continue;
        };
        match known_flag_kind(table, token) {
            Some(kind) if kind != ArgKind::Secret => {
                fates.push(Fate::Keep);
                let takes = match (kind, token.inline_value()) {
                    (_, Some(_)) | (ArgKind::Switch, None) => 0,
                    (ArgKind::List, None) => usize::MAX,
                    _ => 1,
                };
                let mut taken = 0;
                while taken < takes
                    && tokens
                        .get(fates.len())
                        .is_some_and(|value| value.flag_name().is_none())
                {
                    fates.push(Fate::Keep);
                    taken += 1;
                }
            }
            known => {
                let named = known.is_some() || looks_like_a_typo(table, token, name);
                fates.push(if named { Fate::NamedFlag } else { Fate::Secret });
                while tokens
                    .get(fates.len())
                    .is_some_and(|next| known_flag_kind(table, next).is_none())
                {
                    fates.push(Fate::Secret);
                }
            }
        }
    }
    fates
}

/// A word that no flag takes: a word of the table is kept (`help user list`), a dashed one may
/// be a password that looks like a flag, anything else is stray.
fn stray_fate(table: &CommandTable, token: &Token<'_>) -> Fate {
    let text = token.text.as_ref();
    if text.starts_with('-') && text.len() > 1 && !is_negative_number(text) {
        return Fate::Secret;
    }
    if !token.quoted && table.is_command_word(text) {
        Fate::Keep
    } else {
        Fate::Stray
    }
}

fn is_negative_number(text: &str) -> bool {
    text[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The kind of the flag `token` names, when some command of the table (or help) takes it.
pub(crate) fn known_flag_kind(table: &CommandTable, token: &Token<'_>) -> Option<ArgKind> {
    match token.flag_name()? {
        "help" | "h" => Some(ArgKind::Switch),
        name => table.flag_kind(name, token.is_long_flag()),
    }
}

/// An unknown flag spelled like the table's flags (lower-case words joined by hyphens, such as
/// `--bogus`), close to a known one (`--pasword`), or a single letter (`-p`) is worth naming in
/// the error; anything else (`--Hunter2`) might be a password that starts with dashes.
fn looks_like_a_typo(table: &CommandTable, token: &Token<'_>, name: &str) -> bool {
    if !token.is_long_flag() {
        return true;
    }
    let spelled_like_a_flag = name
        .split('-')
        .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_lowercase()));
    spelled_like_a_flag || closest(name, table.long_flag_names().chain(["help"])).is_some()
}

/// `--name` or `--name=***`: the flag as written, its inline value replaced.
fn flag_without_value(token: &Token<'_>) -> String {
    let name = token.flag_name().unwrap_or_default();
    let dashes = if token.is_long_flag() { "--" } else { "-" };
    match token.inline_value() {
        Some(_) => format!("{dashes}{name}={PLACEHOLDER}"),
        None => format!("{dashes}{name}"),
    }
}

/// The command words that start the line, a placeholder for the rest, and the character that
/// made it fail to lex.
fn screen_unlexable(table: &CommandTable, line: &str, error: &super::SyntaxError) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for word in line.split_ascii_whitespace() {
        if !table.next_words(&kept).contains(&word) {
            break;
        }
        kept.push(word);
    }
    kept.push(PLACEHOLDER);
    kept.extend(lex::breaking_text(error));
    kept.join(" ")
}

#[cfg(test)]
mod tests;

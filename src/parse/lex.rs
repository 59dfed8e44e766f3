//! The lexer: one line becomes words, with shell-like quotes and escapes, `#` comments and
//! backslash-newline continuations. The grammar is written out in `grammar/GRAMMAR.md`.
//!
//! Plain words borrow from the line: lexing sits on the path of every line a user types or a
//! batch file holds, so only words that quotes or escapes changed are copied.

use super::SyntaxError;
use nom::branch::alt;
use nom::bytes::complete::{take_till, take_while, take_while1};
use nom::character::complete::{anychar, char, line_ending};
use nom::combinator::{cut, not, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::multi::{fold_many0, fold_many1, many0_count};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};
use std::borrow::Cow;
use std::ops::Range;

/// One word of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The word with quotes removed and escapes resolved.
    pub text: Cow<'a, str>,
    /// The bytes of the line the word came from, quotes included.
    pub span: Range<usize>,
    /// True when the word began with a quote: such a word is always a value, never a flag.
    pub quoted: bool,
}

impl Token<'_> {
    /// The flag this word names: `--password` and `--password=x` name `password`, `-v` names
    /// `v`. A quoted word, a bare `--` or `-`, and a dash before a digit (`-5`) name none.
    pub fn flag_name(&self) -> Option<&str> {
        if self.quoted {
            return None;
        }
        if let Some(long) = self.text.strip_prefix("--") {
            let name = long.split_once('=').map_or(long, |(name, _)| name);
            return (!name.is_empty()).then_some(name);
        }
        let short = self.text.strip_prefix('-')?;
        let mut letters = short.chars();
        match (letters.next(), letters.next()) {
            (Some(letter), None) if letter.is_ascii_alphabetic() => Some(short),
            _ => None,
        }
    }

    /// The value written into a long flag's own word, as in `--username=kmsuser`.
    pub(super) fn inline_value(&self) -> Option<&str> {
        if self.quoted {
            return None;
        }
        let long = self.text.strip_prefix("--")?;
        long.split_once('=').map(|(_, value)| value)
    }

    /// True for `--name` and `--name=value`, false for `-x`.
    pub(super) fn is_long_flag(&self) -> bool {
        !self.quoted && self.text.starts_with("--")
    }
}

/// Splits a line into words. A blank or comment-only line gives no words.
pub fn lex(line: &str) -> Result<Vec<Token<'_>>, SyntaxError> {
    // Most words are short: one token per 8 bytes avoids regrowing on long lines without
    // over-reserving on short ones.
    let mut tokens = Vec::with_capacity(line.len() / 8 + 1);
    let mut rest = skip_separators(line);
    while !rest.is_empty() {
        let start = line.len() - rest.len();
        let (after, text) = word(rest).map_err(|error| syntax_error(line, error))?;
        tokens.push(Token {
            text,
            span: start..line.len() - after.len(),
            quoted: rest.starts_with(['\'', '"']),
        });
        rest = skip_separators(after);
    }
    Ok(tokens)
}

/// What went wrong, and where: `at` is the rest of the line from the offending character.
#[derive(Debug)]
struct LexError<'a> {
    at: &'a str,
    problem: Problem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    /// Nothing in the word grammar matched here.
    Unexpected,
    UnterminatedQuote,
    TrailingBackslash,
}

impl<'a> ParseError<&'a str> for LexError<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        LexError {
            at: input,
            problem: Problem::Unexpected,
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

type LexResult<'a, T> = IResult<&'a str, T, LexError<'a>>;

fn syntax_error(line: &str, error: nom::Err<LexError<'_>>) -> SyntaxError {
    let (at, problem) = match error {
        nom::Err::Error(error) | nom::Err::Failure(error) => {
            (line.len() - error.at.len(), error.problem)
        }
        // Only streaming parsers ask for more input, and every parser here is `complete`.
        nom::Err::Incomplete(_) => (line.len(), Problem::Unexpected),
    };
    match problem {
        Problem::UnterminatedQuote => SyntaxError::new(UNTERMINATED_QUOTE, Some(at..line.len())),
        Problem::TrailingBackslash => SyntaxError::new(TRAILING_BACKSLASH, Some(at..line.len())),
        Problem::Unexpected => {
            let width = line[at..].chars().next().map_or(0, char::len_utf8);
            SyntaxError::new("unexpected character", Some(at..at + width))
        }
    }
}

const UNTERMINATED_QUOTE: &str = "unterminated quote";
const TRAILING_BACKSLASH: &str = "trailing backslash";

/// The shortest text that fails to lex with the same error, for a line that must be shown
/// without its words.
pub(super) fn breaking_text(error: &SyntaxError) -> Option<&'static str> {
    match error.message.as_str() {
        UNTERMINATED_QUOTE => Some("'"),
        TRAILING_BACKSLASH => Some("\\"),
        _ => None,
    }
}

/// Skips whitespace, continuations and comments; what is left starts a word or is empty.
fn skip_separators(input: &str) -> &str {
    // Fast path: between words there is usually only whitespace.
    let trimmed = input.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if !trimmed.starts_with(['#', '\\']) {
        return trimmed;
    }
    // `many0_count` only fails on a parser that succeeds without consuming, and every
    // separator consumes at least one character.
    separators(trimmed).map_or(trimmed, |(rest, _)| rest)
}

fn separators(input: &str) -> LexResult<'_, usize> {
    many0_count(alt((
        take_while1(|c: char| c.is_ascii_whitespace()),
        recognize((char('\\'), line_ending)),
        recognize((char('#'), take_till(|c| c == '\n'))),
    )))
    .parse(input)
}

/// One word: adjacent plain runs, quoted strings and escapes, up to whitespace or the end.
fn word(input: &str) -> LexResult<'_, Cow<'_, str>> {
    // Fast path: most words are one plain run, which needs no gluing.
    if let Ok((rest, plain)) = plain_run(input)
        && (rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_whitespace()))
    {
        return Ok((rest, plain));
    }
    fold_many1(
        alt((
            plain_run,
            single_quoted,
            double_quoted,
            escaped_outside_quotes,
        )),
        || None,
        append_piece,
    )
    .map(Option::unwrap_or_default)
    .parse(input)
}

/// Glues a piece onto the word so far; a word of one piece stays borrowed.
fn append_piece<'a>(word: Option<Cow<'a, str>>, piece: Cow<'a, str>) -> Option<Cow<'a, str>> {
    Some(match word {
        None => piece,
        Some(mut word) => {
            word.to_mut().push_str(&piece);
            word
        }
    })
}

fn plain_run(input: &str) -> LexResult<'_, Cow<'_, str>> {
    take_while1(|c: char| !c.is_ascii_whitespace() && !matches!(c, '\'' | '"' | '\\'))
        .map(Cow::Borrowed)
        .parse(input)
}

/// `'...'`: everything up to the next single quote, literally.
fn single_quoted(input: &str) -> LexResult<'_, Cow<'_, str>> {
    delimited(
        char('\''),
        take_while(|c| c != '\'').map(Cow::Borrowed),
        cut(char('\'')),
    )
    .parse(input)
    .map_err(|error| unterminated_from(input, error))
}

/// `"..."`: text with the escapes `\"`, `\\`, `\$`, `\n` and `\t`.
fn double_quoted(input: &str) -> LexResult<'_, Cow<'_, str>> {
    let body = fold_many0(
        alt((
            take_while1(|c| c != '"' && c != '\\').map(Cow::Borrowed),
            escaped_inside_double_quotes,
        )),
        || None,
        append_piece,
    )
    .map(Option::unwrap_or_default);
    delimited(char('"'), body, cut(char('"')))
        .parse(input)
        .map_err(|error| unterminated_from(input, error))
}

/// A failure to find the closing quote becomes an unterminated quote that starts at the opening
/// one; a plain mismatch stays an error so that another kind of piece can be tried.
fn unterminated_from<'a>(
    opening: &'a str,
    error: nom::Err<LexError<'a>>,
) -> nom::Err<LexError<'a>> {
    match error {
        nom::Err::Failure(_) => nom::Err::Failure(LexError {
            at: opening,
            problem: Problem::UnterminatedQuote,
        }),
        other => other,
    }
}

fn escaped_inside_double_quotes(input: &str) -> LexResult<'_, Cow<'_, str>> {
    recognize(preceded(char('\\'), anychar))
        .map(|escape: &str| match escape {
            "\\n" => Cow::Borrowed("\n"),
            "\\t" => Cow::Borrowed("\t"),
            "\\\"" | "\\\\" | "\\$" => Cow::Borrowed(&escape[1..]),
            // Unknown escapes are kept whole so that Windows paths and regexes survive quoting.
            other => Cow::Borrowed(other),
        })
        .parse(input)
}

/// `\c` outside quotes is the character `c`. A backslash before a line ending is a continuation
/// and belongs to the separators, so it is not matched here.
fn escaped_outside_quotes(input: &str) -> LexResult<'_, Cow<'_, str>> {
    let (after_backslash, ()) = preceded(char('\\'), not(line_ending)).parse(input)?;
    match recognize(anychar::<_, LexError>).parse(after_backslash) {
        Ok((rest, escaped)) => Ok((rest, Cow::Borrowed(escaped))),
        Err(_) => Err(nom::Err::Failure(LexError {
            at: input,
            problem: Problem::TrailingBackslash,
        })),
    }
}

#[cfg(test)]
mod tests;

//! Binding: the words of a line are matched against the command table and become an
//! `Invocation`, or a `SyntaxError` that points at the offending word and suggests a fix.
//!
//! The rules are written out in `grammar/GRAMMAR.md`; the messages follow clap's wording because
//! the CloudHSM CLI is a clap program and its users know those messages.

use super::suggest::{closest, did_you_mean, similar_path};
use super::value::word_value;
use super::{Invocation, SyntaxError, Token, Value, lex};
use crate::table::CommandId;
use crate::table::help::{arg_usage, one_of_usage};
use crate::table::{ArgKind, ArgSpec, CommandSpec, CommandTable};
use std::ops::Range;

/// Binds one line. A blank or comment-only line binds to nothing.
///
/// `-h` or `--help` after a command path (or a group such as `user`, or nothing at all) turns
/// the line into the `help` command for that path, whatever else the line holds.
pub fn bind<'t>(
    table: &'t CommandTable,
    line: &str,
) -> Result<Option<Invocation<'t>>, SyntaxError> {
    if line.len() > super::MAX_LINE_BYTES {
        return Err(super::line_too_long(line.len()));
    }
    let mut tokens = lex(line)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let leading = tokens
        .iter()
        .take_while(|token| token.flag_name().is_none())
        .count();
    let help = if tokens.iter().any(is_help_flag) {
        help_target(table)
    } else {
        None
    };
    let mut resolved = resolve(table, &tokens[..leading])?;
    if let Resolved::Command(spec, used) = resolved
        && used == leading
        && hoist_subcommand(table, spec, &mut tokens, used)
    {
        resolved = resolve(table, &tokens[..=used])?;
    }
    match resolved {
        Resolved::Command(spec, used) => match help {
            Some(help) => Ok(Some(help_invocation(help, spec.words.clone()))),
            None => bind_args(table, spec, &mut tokens, used).map(Some),
        },
        Resolved::Group => {
            let group = &tokens[..leading];
            if let Some(help) = help {
                let words = group.iter().map(|word| word.text.to_string()).collect();
                Ok(Some(help_invocation(help, words)))
            } else if let (Some(first), Some(last)) = (group.first(), group.last()) {
                let path = joined(group);
                let choices = table.next_words(&texts(group)).join(", ");
                Err(SyntaxError::new(
                    format!("'{path}' needs a subcommand: one of {choices}"),
                    Some(first.span.start..last.span.end),
                ))
            } else {
                // The line starts with a flag, and no command takes flags before its words.
                Err(unexpected_flag(&tokens[0], None))
            }
        }
    }
}

/// The CloudHSM CLI lets a subcommand follow its parent's flags
/// (`login --username u --role r mfa-token-sign --token f`): moves such a word right after the
/// parent's path, so that the line names the subcommand. Words that are flag values stay.
fn hoist_subcommand(
    table: &CommandTable,
    parent: &CommandSpec,
    tokens: &mut [Token<'_>],
    path_len: usize,
) -> bool {
    let path: Vec<&str> = parent.words.iter().map(String::as_str).collect();
    let subcommands = table.next_words(&path);
    if subcommands.is_empty() {
        return false;
    }
    let mut index = path_len;
    while index < tokens.len() {
        if let Some(name) = tokens[index].flag_name() {
            let takes_next_word = tokens[index].inline_value().is_none()
                && find_arg(parent, &tokens[index], name)
                    .is_some_and(|(_, arg)| arg.kind != ArgKind::Switch);
            index += if takes_next_word { 2 } else { 1 };
            continue;
        }
        if !subcommands.contains(&tokens[index].text.as_ref()) {
            return false;
        }
        tokens[path_len..=index].rotate_right(1);
        return true;
    }
    false
}

/// Where a run of command words lands in the table.
pub(crate) enum Resolved<'t> {
    /// The longest leading run that names a command, and how many words it took.
    Command(&'t CommandSpec, usize),
    /// Every word was taken and together they are a group prefix such as `user`; no words at
    /// all are the root group.
    Group,
}

/// Matches leading command words against the table: the longest run naming a command wins;
/// failing that, all the words must lead towards some command.
pub(crate) fn resolve<'t>(
    table: &'t CommandTable,
    words: &[Token<'_>],
) -> Result<Resolved<'t>, SyntaxError> {
    let deepest = table.deepest_path();
    let candidates = &words[..words.len().min(deepest)];
    // Paths of several words are looked up joined; a single word needs no joining.
    let mut path = String::new();
    let mut longest = None;
    for (index, word) in candidates.iter().enumerate() {
        let candidate: &str = if index == 0 {
            &word.text
        } else {
            if index == 1 {
                let length = candidates.iter().map(|word| word.text.len() + 1).sum();
                path.reserve(length);
                path.push_str(&candidates[0].text);
            }
            path.push(' ');
            path.push_str(&word.text);
            &path
        };
        if let Some(spec) = table.by_path(candidate) {
            longest = Some(Resolved::Command(spec, index + 1));
        }
    }
    if let Some(found) = longest {
        return Ok(found);
    }
    // No prefix is a command, so each word must be one of the words that lead further.
    for (index, word) in words.iter().enumerate() {
        if !table
            .next_words(&texts(&words[..index]))
            .contains(&word.text.as_ref())
        {
            return Err(unrecognized_command(table, words, index));
        }
    }
    Ok(Resolved::Group)
}

/// Like [`resolve`], but every word must be taken: the words of `help` name exactly a command or
/// a group.
pub(crate) fn resolve_exactly<'t>(
    table: &'t CommandTable,
    words: &[Token<'_>],
) -> Result<Resolved<'t>, SyntaxError> {
    let resolved = resolve(table, words)?;
    if let Resolved::Command(_, used) = resolved
        && used < words.len()
    {
        return Err(unrecognized_command(table, words, used));
    }
    Ok(resolved)
}

/// The `help` command and the index of the arg that holds the path its help is asked for.
#[derive(Clone, Copy)]
struct HelpTarget<'t> {
    spec: &'t CommandSpec,
    path_arg: usize,
}

fn help_target(table: &CommandTable) -> Option<HelpTarget<'_>> {
    let spec = table.by_id(CommandId::Help)?;
    let path_arg = spec
        .args
        .iter()
        .position(|arg| arg.kind == ArgKind::CommandPath)?;
    Some(HelpTarget { spec, path_arg })
}

fn is_help_flag(token: &Token<'_>) -> bool {
    match token.flag_name() {
        Some("help") => token.is_long_flag(),
        Some("h") => !token.is_long_flag(),
        _ => false,
    }
}

fn help_invocation(help: HelpTarget<'_>, words: Vec<String>) -> Invocation<'_> {
    let mut values = defaults(help.spec, vec![None; help.spec.args.len()]);
    if !words.is_empty() {
        values[help.path_arg] = Some(Value::List(words));
    }
    Invocation {
        spec: help.spec,
        values,
    }
}

/// Binds the flags and positional words after the command path (`tokens[path_len..]`).
fn bind_args<'t>(
    table: &CommandTable,
    spec: &'t CommandSpec,
    tokens: &mut [Token<'_>],
    path_len: usize,
) -> Result<Invocation<'t>, SyntaxError> {
    let path_arg = spec.args.iter().position(|arg| arg.kind.is_positional());
    let mut values: Vec<Option<Value>> = vec![None; spec.args.len()];
    let mut path_words: Vec<Token<'_>> = Vec::new();
    // The secret flag whose value the previous word was: a stray word right after it is most
    // likely the rest of an unquoted password and must not be echoed in a message.
    let mut after_secret: Option<&ArgSpec> = None;
    let mut index = path_len;
    while index < tokens.len() {
        let at = index;
        index += 1;
        let Some(name) = tokens[at].flag_name() else {
            if path_arg.is_some() {
                path_words.push(tokens[at].clone());
                continue;
            }
            return Err(stray_word(table, tokens, at, path_len, after_secret));
        };
        let Some((arg_index, arg)) = find_arg(spec, &tokens[at], name) else {
            return Err(unexpected_flag(&tokens[at], Some(spec)));
        };
        if values[arg_index].is_some() {
            return Err(SyntaxError::new(
                format!(
                    "the argument '{}' cannot be used more than once",
                    arg_usage(arg)
                ),
                Some(tokens[at].span.clone()),
            ));
        }
        values[arg_index] = Some(flag_value(arg, tokens, at, &mut index)?);
        after_secret = (arg.kind == ArgKind::Secret).then_some(arg);
    }

    if let Some(path_arg) = path_arg
        && !path_words.is_empty()
    {
        values[path_arg] = Some(positional_value(table, &spec.args[path_arg], path_words)?);
    }

    let missing: Vec<String> = spec
        .args
        .iter()
        .zip(&values)
        .filter(|(arg, value)| arg.required && value.is_none())
        .map(|(arg, _)| arg_usage(arg))
        .collect();
    if !missing.is_empty() {
        let path_span = tokens[0].span.start..tokens[path_len - 1].span.end;
        return Err(SyntaxError::new(
            format!(
                "the following required arguments were not provided: {}",
                missing.join(", ")
            ),
            Some(path_span),
        ));
    }

    check_one_of(
        spec,
        &values,
        tokens[0].span.start..tokens[path_len - 1].span.end,
    )?;

    Ok(Invocation {
        spec,
        values: defaults(spec, values),
    })
}

/// Exactly one arg of each `one_of` group must be given.
fn check_one_of(
    spec: &CommandSpec,
    values: &[Option<Value>],
    path_span: Range<usize>,
) -> Result<(), SyntaxError> {
    for group in &spec.one_of {
        let given: Vec<&ArgSpec> = group
            .iter()
            .filter(|&&index| values[index].is_some())
            .map(|&index| &spec.args[index])
            .collect();
        match given.as_slice() {
            [] => {
                return Err(SyntaxError::new(
                    format!(
                        "the following required arguments were not provided: {}",
                        one_of_usage(spec, group)
                    ),
                    Some(path_span),
                ));
            }
            [_] => {}
            [first, second, ..] => {
                return Err(SyntaxError::new(
                    format!(
                        "the argument '{}' cannot be used with '{}'",
                        arg_usage(first),
                        arg_usage(second)
                    ),
                    Some(path_span),
                ));
            }
        }
    }
    Ok(())
}

/// The value of the flag `tokens[at]`, from its own word (`--name=value`) or from the words
/// after it, advancing `next` past the words it takes.
fn flag_value(
    arg: &ArgSpec,
    tokens: &mut [Token<'_>],
    at: usize,
    next: &mut usize,
) -> Result<Value, SyntaxError> {
    let flag_span = tokens[at].span.clone();
    let inline = tokens[at].inline_value().map(str::to_owned);
    let is_value_word = |tokens: &[Token<'_>], index: usize| {
        index < tokens.len() && tokens[index].flag_name().is_none()
    };
    match arg.kind {
        ArgKind::Switch => match inline {
            None => Ok(Value::Switch),
            Some(_) => Err(SyntaxError::new(
                format!(
                    "unexpected value for '{}': it takes no value",
                    arg_usage(arg)
                ),
                Some(flag_span),
            )),
        },
        ArgKind::List => {
            let mut items: Vec<String> = inline.into_iter().collect();
            while is_value_word(tokens, *next) {
                items.push(take_text(&mut tokens[*next]));
                *next += 1;
            }
            if items.is_empty() {
                return Err(missing_value(arg, flag_span));
            }
            Ok(Value::List(items))
        }
        _ => {
            let (text, value_span) = match inline {
                Some(text) => (text, flag_span),
                None if is_value_word(tokens, *next) => {
                    let value_token = &mut tokens[*next];
                    *next += 1;
                    (take_text(value_token), value_token.span.clone())
                }
                None => return Err(missing_value(arg, flag_span)),
            };
            word_value(arg, text).map_err(|message| SyntaxError::new(message, Some(value_span)))
        }
    }
}

/// The error for a positional word that no arg takes, `tokens[at]`.
fn stray_word(
    table: &CommandTable,
    tokens: &[Token<'_>],
    at: usize,
    path_len: usize,
    after_secret: Option<&ArgSpec>,
) -> SyntaxError {
    let span = Some(tokens[at].span.clone());
    if let Some(secret) = after_secret {
        return SyntaxError::new(
            format!(
                "unexpected argument after the value of '{}': quote a value that contains spaces",
                arg_usage(secret)
            ),
            span,
        );
    }
    // Right after a command that is also a group (`login mfa-token-sign`), the word was
    // probably meant as a subcommand.
    if at == path_len && !table.next_words(&texts(&tokens[..path_len])).is_empty() {
        return unrecognized_command(table, &tokens[..=at], at);
    }
    SyntaxError::new(format!("unexpected argument '{}'", tokens[at].text), span)
}

/// Moves a word's text out of its token: the word is used once, and a secret should not leave
/// a copy behind.
fn take_text(token: &mut Token<'_>) -> String {
    std::mem::take(&mut token.text).into_owned()
}

/// Fills every absent value that has a default. The loader checked the defaults, so none fails.
fn defaults(spec: &CommandSpec, mut values: Vec<Option<Value>>) -> Vec<Option<Value>> {
    for (arg, value) in spec.args.iter().zip(values.iter_mut()) {
        if value.is_none()
            && let Some(default) = &arg.default
        {
            *value = word_value(arg, default.clone()).ok();
        }
    }
    values
}

/// The value of the positional words: a command path is checked against the table; any other
/// positional arg takes exactly one word.
fn positional_value(
    table: &CommandTable,
    arg: &ArgSpec,
    mut words: Vec<Token<'_>>,
) -> Result<Value, SyntaxError> {
    if arg.kind == ArgKind::CommandPath {
        resolve_exactly(table, &words)?;
        return Ok(Value::List(
            words
                .into_iter()
                .map(|word| word.text.into_owned())
                .collect(),
        ));
    }
    if words.len() > 1 {
        let extra = &words[1];
        return Err(SyntaxError::new(
            format!(
                "'{}' takes one {}; quote a value with spaces",
                arg_usage(arg),
                arg.value.as_deref().unwrap_or("value")
            ),
            Some(extra.span.clone()),
        ));
    }
    Ok(Value::Text(words.remove(0).text.into_owned()))
}

/// The flag a word names among the command's args; the positional command path has no flag.
fn find_arg<'s>(
    spec: &'s CommandSpec,
    token: &Token<'_>,
    name: &str,
) -> Option<(usize, &'s ArgSpec)> {
    let long = token.is_long_flag();
    spec.args.iter().enumerate().find(|(_, arg)| {
        !arg.kind.is_positional()
            && if long {
                arg.name == name
            } else {
                arg.short.is_some_and(|short| name.chars().eq([short]))
            }
    })
}

fn missing_value(arg: &ArgSpec, span: Range<usize>) -> SyntaxError {
    SyntaxError::new(
        format!(
            "a value is required for '{}' but none was supplied",
            arg_usage(arg)
        ),
        Some(span),
    )
}

/// An unknown flag, named without any `=value` so that a mistyped `--pasword=...` does not echo
/// the password.
fn unexpected_flag(token: &Token<'_>, spec: Option<&CommandSpec>) -> SyntaxError {
    let name = token.flag_name().unwrap_or_default();
    let (shown, hint) = if token.is_long_flag() {
        let known = spec
            .into_iter()
            .flat_map(|spec| &spec.args)
            .filter(|arg| !arg.kind.is_positional())
            .map(|arg| arg.name.as_str())
            .chain(["help"]);
        (
            format!("--{name}"),
            closest(name, known).map(|found| format!("--{found}")),
        )
    } else {
        (format!("-{name}"), None)
    };
    SyntaxError::new(
        format!(
            "unexpected argument '{shown}'{}",
            did_you_mean(hint.as_deref())
        ),
        Some(token.span.clone()),
    )
}

/// `words[index]` does not continue `words[..index]` towards any command.
fn unrecognized_command(table: &CommandTable, words: &[Token<'_>], index: usize) -> SyntaxError {
    let prefix = texts(&words[..index]);
    let unknown = words[index].text.as_ref();
    let typed = joined(&words[..=index]);
    let suggestion = closest(unknown, table.next_words(&prefix))
        .map(|word| {
            let mut path = prefix.join(" ");
            if !path.is_empty() {
                path.push(' ');
            }
            path.push_str(word);
            path
        })
        .or_else(|| {
            // No command is longer than the table's deepest path: words past it cannot help.
            let deepest = table.deepest_path().max(index + 1);
            similar_path(table, &words[..words.len().min(deepest)], index)
        });
    SyntaxError::new(
        format!(
            "unrecognized command '{typed}'{}",
            did_you_mean(suggestion.as_deref())
        ),
        Some(words[index].span.clone()),
    )
}

pub(super) fn texts<'w>(words: &'w [Token<'_>]) -> Vec<&'w str> {
    words.iter().map(|word| word.text.as_ref()).collect()
}

pub(super) fn joined(words: &[Token<'_>]) -> String {
    texts(words).join(" ")
}

#[cfg(test)]
mod tests;

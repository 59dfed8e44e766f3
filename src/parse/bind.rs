//! Binding: the words of a line are matched against the command table and become an
//! `Invocation`, or a `SyntaxError` that points at the offending word and suggests a fix.
//!
//! The rules are written out in `grammar/GRAMMAR.md`; the messages follow clap's wording because
//! the CloudHSM CLI is a clap program and its users know those messages.

use super::suggest::{closest, did_you_mean, similar_path};
use super::value::word_value;
use super::{Invocation, SyntaxError, Token, Value, lex};
use crate::command::CommandId;
use crate::spec::help::{arg_usage, one_of_usage};
use crate::spec::{ArgKind, ArgSpec, CommandSpec, CommandTable};
use std::ops::Range;

/// Binds one line. A blank or comment-only line binds to nothing.
///
/// `-h` or `--help` after a command path (or a group such as `user`, or nothing at all) turns
/// the line into the `help` command for that path, whatever else the line holds.
pub fn bind<'t>(
    table: &'t CommandTable,
    line: &str,
) -> Result<Option<Invocation<'t>>, SyntaxError> {
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
    match resolve(table, &tokens[..leading])? {
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
    let deepest = table
        .commands()
        .iter()
        .map(|command| command.words.len())
        .max()
        .unwrap_or(0);
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
    let path_arg = spec
        .args
        .iter()
        .position(|arg| arg.kind == ArgKind::CommandPath);
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
        resolve_exactly(table, &path_words)?;
        let words = path_words
            .into_iter()
            .map(|word| word.text.into_owned())
            .collect();
        values[path_arg] = Some(Value::List(words));
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

/// The flag a word names among the command's args; the positional command path has no flag.
fn find_arg<'s>(
    spec: &'s CommandSpec,
    token: &Token<'_>,
    name: &str,
) -> Option<(usize, &'s ArgSpec)> {
    let long = token.is_long_flag();
    spec.args.iter().enumerate().find(|(_, arg)| {
        arg.kind != ArgKind::CommandPath
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
            .filter(|arg| arg.kind != ArgKind::CommandPath)
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
        .or_else(|| similar_path(table, words, index));
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
mod tests {
    use super::*;
    use crate::secret::Secret;
    use std::sync::LazyLock;

    static BUILTIN: LazyLock<CommandTable> = LazyLock::new(CommandTable::builtin);
    static RICH: LazyLock<CommandTable> = LazyLock::new(rich_table);

    fn bound(line: &str) -> Invocation<'static> {
        match bind(&BUILTIN, line) {
            Ok(Some(invocation)) => invocation,
            other => panic!("{line:?} did not bind: {other:?}"),
        }
    }

    fn error(line: &str) -> SyntaxError {
        match bind(&BUILTIN, line) {
            Err(error) => error,
            Ok(other) => panic!("{line:?} bound: {other:?}"),
        }
    }

    fn fails(line: &str, message: &str, span: Range<usize>) {
        assert_eq!(
            error(line),
            SyntaxError::new(message, Some(span)),
            "{line:?}"
        );
    }

    /// A table with the shapes the builtin table does not have yet: integers with defaults,
    /// lists, switches with shorts, and a command that is also a group.
    fn rich_table() -> CommandTable {
        CommandTable::from_toml(
            r#"
[[command]]
path = "help"
id = "Help"
summary = "Help"
access = "public"
  [[command.arg]]
  name = "command"
  kind = "command-path"
  value = "COMMAND"
  help = "h"

[[command]]
path = "user list"
id = "UserList"
summary = "List"
access = "public"
  [[command.arg]]
  name = "filter"
  kind = "list"
  value = "FILTER"
  help = "h"
  [[command.arg]]
  name = "max-items"
  kind = "integer"
  value = "MAX_ITEMS"
  default = 10
  min = 1
  max = 100
  help = "h"
  [[command.arg]]
  name = "verbose"
  short = "v"
  kind = "switch"
  help = "h"
  [[command.arg]]
  name = "role"
  short = "r"
  kind = "choice"
  value = "ROLE"
  choices = ["admin", "crypto-user"]
  default = "admin"
  help = "h"

[[command]]
path = "login"
id = "Login"
summary = "Log in"
access = "public"

[[command]]
path = "login mfa-token-sign"
id = "Logout"
summary = "Sign"
access = "public"
"#,
        )
        .unwrap()
    }

    fn rich(line: &str) -> Result<Option<Invocation<'static>>, SyntaxError> {
        bind(&RICH, line)
    }

    #[test]
    fn blank_and_comment_lines_bind_to_nothing() {
        for line in ["", "   ", "# user create", "  # comment"] {
            assert!(matches!(bind(&BUILTIN, line), Ok(None)), "{line:?}");
        }
    }

    #[test]
    fn a_command_without_args() {
        let invocation = bound("user list");
        assert_eq!(invocation.spec.id, CommandId::UserList);
        assert!(invocation.values.is_empty());
        assert_eq!(bound("  user   list  # all").spec.id, CommandId::UserList);
        assert_eq!(bound("quit").spec.id, CommandId::Quit);
    }

    #[test]
    fn flags_with_separate_and_inline_values() {
        let mut invocation =
            bound(r#"login --username=admin --role admin --password "pass word1""#);
        assert_eq!(invocation.spec.id, CommandId::Login);
        assert_eq!(invocation.text("username"), Some("admin"));
        assert_eq!(invocation.text("role"), Some("admin"));
        assert!(invocation.has_inline_secret());
        assert_eq!(
            invocation.take_secret("password"),
            Some(Secret::new("pass word1"))
        );
        assert!(!invocation.has_inline_secret());
    }

    #[test]
    fn flags_may_come_in_any_order_and_secrets_may_be_absent() {
        let invocation = bound("user create --role crypto-user --username kmsuser");
        assert_eq!(invocation.spec.id, CommandId::UserCreate);
        assert_eq!(invocation.text("username"), Some("kmsuser"));
        assert_eq!(invocation.text("role"), Some("crypto-user"));
        assert_eq!(invocation.values[2], None);
    }

    #[test]
    fn quoted_words_are_values_even_when_they_look_like_flags() {
        let mut invocation =
            bound("user create --username kmsuser --role admin --password '--secret'");
        assert_eq!(
            invocation.take_secret("password"),
            Some(Secret::new("--secret"))
        );
        let invocation = bound(r#"login --username "--role" --role admin"#);
        assert_eq!(invocation.text("username"), Some("--role"));
    }

    #[test]
    fn unknown_commands_suggest_the_closest_word() {
        fails(
            "usr list",
            "unrecognized command 'usr'; did you mean 'user'?",
            0..3,
        );
        fails(
            "user creat --username x",
            "unrecognized command 'user creat'; did you mean 'user create'?",
            5..10,
        );
        fails(
            "user chnage-password",
            "unrecognized command 'user chnage-password'; did you mean 'user change-password'?",
            5..20,
        );
        fails("frobnicate", "unrecognized command 'frobnicate'", 0..10);
        fails("user xyzzy", "unrecognized command 'user xyzzy'", 5..10);
    }

    #[test]
    fn unknown_commands_suggest_whole_paths() {
        fails(
            "create user --username x",
            "unrecognized command 'create'; did you mean 'user create'?",
            0..6,
        );
        fails(
            "hsm-info",
            "unrecognized command 'hsm-info'; did you mean 'cluster hsm-info'?",
            0..8,
        );
        fails(
            "user activate",
            "unrecognized command 'user activate'; did you mean 'cluster activate'?",
            5..13,
        );
    }

    #[test]
    fn a_group_needs_a_subcommand() {
        fails(
            "user",
            "'user' needs a subcommand: one of change-password, create, delete, list",
            0..4,
        );
        fails(
            "cluster --password x",
            "'cluster' needs a subcommand: one of activate, hsm-info",
            0..7,
        );
    }

    #[test]
    fn positional_words_are_unexpected() {
        fails("user list foo", "unexpected argument 'foo'", 10..13);
        fails(
            "user create --username a b --role admin",
            "unexpected argument 'b'",
            25..26,
        );
        fails("quit now", "unexpected argument 'now'", 5..8);
        fails("--role admin", "unexpected argument '--role'", 0..6);
    }

    #[test]
    fn a_word_after_an_unquoted_password_is_not_echoed() {
        fails(
            "user create --username a --role admin --password pass word1",
            "unexpected argument after the value of '--password <PASSWORD>': quote a value that contains spaces",
            54..59,
        );
        fails(
            "login --password=pass word1 --username a --role admin",
            "unexpected argument after the value of '--password <PASSWORD>': quote a value that contains spaces",
            22..27,
        );
        fails(
            "login --password 'pass' --username a word1 --role admin",
            "unexpected argument 'word1'",
            37..42,
        );
    }

    #[test]
    fn unknown_flags_suggest_the_closest_flag() {
        fails(
            "user create --usrname kmsuser",
            "unexpected argument '--usrname'; did you mean '--username'?",
            12..21,
        );
        fails(
            "login --pasword=hunter2",
            "unexpected argument '--pasword'; did you mean '--password'?",
            6..23,
        );
        fails("user list --zzz", "unexpected argument '--zzz'", 10..15);
        fails("user list -x", "unexpected argument '-x'", 10..12);
        fails(
            "help --command user",
            "unexpected argument '--command'",
            5..14,
        );
    }

    #[test]
    fn a_flag_may_be_given_once() {
        fails(
            "login --username a --username b --role admin",
            "the argument '--username <USERNAME>' cannot be used more than once",
            19..29,
        );
    }

    #[test]
    fn missing_required_arguments_are_all_listed() {
        fails(
            "user create",
            "the following required arguments were not provided: --username <USERNAME>, --role <ROLE>",
            0..11,
        );
        fails(
            "user   delete --role admin",
            "the following required arguments were not provided: --username <USERNAME>",
            0..13,
        );
    }

    #[test]
    fn a_flag_needs_its_value() {
        fails(
            "login --username",
            "a value is required for '--username <USERNAME>' but none was supplied",
            6..16,
        );
        fails(
            "login --username --role admin",
            "a value is required for '--username <USERNAME>' but none was supplied",
            6..16,
        );
        fails(
            "login --role admin --username a --password",
            "a value is required for '--password <PASSWORD>' but none was supplied",
            32..42,
        );
    }

    #[test]
    fn an_empty_inline_value_is_a_value() {
        assert_eq!(
            bound("login --username= --role admin").text("username"),
            Some("")
        );
    }

    #[test]
    fn choices_are_checked() {
        fails(
            "login --username a --role root",
            "invalid value 'root' for '--role <ROLE>'; possible values: admin, crypto-user",
            26..30,
        );
        fails(
            "login --username a --role=root",
            "invalid value 'root' for '--role <ROLE>'; possible values: admin, crypto-user",
            19..30,
        );
    }

    #[test]
    fn lexing_errors_surface() {
        fails(
            "login --username \"admin --role admin",
            "unterminated quote",
            17..36,
        );
    }

    #[test]
    fn help_flags_become_the_help_command() {
        for (line, words) in [
            ("user create -h", vec!["user", "create"]),
            (
                "user create --username x --bogus --help",
                vec!["user", "create"],
            ),
            ("user --help", vec!["user"]),
            ("login -h --username", vec!["login"]),
        ] {
            let invocation = bound(line);
            assert_eq!(invocation.spec.id, CommandId::Help, "{line:?}");
            assert_eq!(invocation.list("command"), words, "{line:?}");
        }
        let root = bound("-h");
        assert_eq!(root.spec.id, CommandId::Help);
        assert_eq!(root.values, vec![None]);
        fails(
            "usr -h",
            "unrecognized command 'usr'; did you mean 'user'?",
            0..3,
        );
    }

    #[test]
    fn help_words_bind_as_a_list_and_must_name_a_command() {
        let invocation = bound("help user create");
        assert_eq!(invocation.spec.id, CommandId::Help);
        assert_eq!(
            invocation.values,
            vec![Some(Value::List(vec!["user".into(), "create".into()]))]
        );
        assert_eq!(bound("help user").list("command"), ["user"]);
        assert_eq!(bound("help").values, vec![None]);
        fails(
            "help usr",
            "unrecognized command 'usr'; did you mean 'user'?",
            5..8,
        );
        fails(
            "help user create now",
            "unrecognized command 'user create now'",
            17..20,
        );
    }

    #[test]
    fn integers_switches_lists_and_defaults() {
        let invocation = rich("user list --filter a=1 'b c' -v --max-items 0x20")
            .unwrap()
            .unwrap();
        assert_eq!(invocation.list("filter"), ["a=1", "b c"]);
        assert!(invocation.switch("verbose"));
        assert_eq!(invocation.integer("max-items"), Some(32));
        assert_eq!(invocation.text("role"), Some("admin"));

        let defaults = rich("user list").unwrap().unwrap();
        assert_eq!(
            defaults.values,
            vec![
                None,
                Some(Value::Integer(10)),
                None,
                Some(Value::Text("admin".into()))
            ]
        );
        assert!(!defaults.switch("verbose"));

        let inline = rich("user list --filter=a b -r crypto-user")
            .unwrap()
            .unwrap();
        assert_eq!(inline.list("filter"), ["a", "b"]);
        assert_eq!(inline.text("role"), Some("crypto-user"));
    }

    #[test]
    fn integer_and_list_errors() {
        assert_eq!(
            rich("user list --max-items abc").unwrap_err(),
            SyntaxError::new(
                "invalid value 'abc' for '--max-items <MAX_ITEMS>': not a number",
                Some(22..25)
            )
        );
        assert_eq!(
            rich("user list --max-items 101").unwrap_err(),
            SyntaxError::new(
                "invalid value '101' for '--max-items <MAX_ITEMS>': must be between 1 and 100",
                Some(22..25)
            )
        );
        assert_eq!(
            rich("user list --filter -v").unwrap_err(),
            SyntaxError::new(
                "a value is required for '--filter <FILTER>...' but none was supplied",
                Some(10..18)
            )
        );
        assert_eq!(
            rich("user list --verbose=yes").unwrap_err(),
            SyntaxError::new(
                "unexpected value for '--verbose': it takes no value",
                Some(10..23)
            )
        );
        assert_eq!(
            rich("user list -v -v").unwrap_err(),
            SyntaxError::new(
                "the argument '--verbose' cannot be used more than once",
                Some(13..15)
            )
        );
    }

    #[test]
    fn a_negative_number_is_a_value_not_a_flag() {
        assert_eq!(
            rich("user list --max-items -5").unwrap_err(),
            SyntaxError::new(
                "invalid value '-5' for '--max-items <MAX_ITEMS>': must be between 1 and 100",
                Some(22..24)
            )
        );
    }

    #[test]
    fn a_command_that_is_also_a_group() {
        assert_eq!(rich("login").unwrap().unwrap().spec.id, CommandId::Login);
        assert_eq!(
            rich("login mfa-token-sign").unwrap().unwrap().spec.id,
            CommandId::Logout
        );
        assert_eq!(
            rich("login mfa-token-sgn").unwrap_err(),
            SyntaxError::new(
                "unrecognized command 'login mfa-token-sgn'; did you mean 'login mfa-token-sign'?",
                Some(6..19)
            )
        );
    }

    #[test]
    fn without_a_help_command_help_flags_are_unknown() {
        let table = CommandTable::from_toml(
            "[[command]]\npath = \"quit\"\nid = \"Quit\"\nsummary = \"Quit\"\naccess = \"public\"\n",
        )
        .unwrap();
        assert_eq!(
            bind(&table, "quit -h").unwrap_err(),
            SyntaxError::new("unexpected argument '-h'", Some(5..7))
        );
    }

    fn data_table() -> CommandTable {
        CommandTable::from_toml(
            "[[command]]\npath = \"sign\"\nid = \"Quit\"\nsummary = \"Sign\"\naccess = \"public\"\n\
             one_of = [[\"data\", \"data-path\"]]\n\
             [[command.arg]]\nname = \"data\"\nkind = \"string\"\nvalue = \"DATA\"\nhelp = \"Data\"\n\
             [[command.arg]]\nname = \"data-path\"\nkind = \"string\"\nvalue = \"DATA_PATH\"\nhelp = \"File\"\n",
        )
        .unwrap()
    }

    #[test]
    fn exactly_one_of_a_group() {
        let table = data_table();
        let invocation = bind(&table, "sign --data-path f.bin").unwrap().unwrap();
        assert_eq!(invocation.text("data-path"), Some("f.bin"));
        assert_eq!(invocation.text("data"), None);
        assert_eq!(
            bind(&table, "sign").unwrap_err(),
            SyntaxError::new(
                "the following required arguments were not provided: <--data <DATA>|--data-path <DATA_PATH>>",
                Some(0..4)
            )
        );
        assert_eq!(
            bind(&table, "sign --data-path f --data aGk=").unwrap_err(),
            SyntaxError::new(
                "the argument '--data <DATA>' cannot be used with '--data-path <DATA_PATH>'",
                Some(0..4)
            )
        );
        assert_eq!(
            crate::spec::help::usage(table.by_path("sign").unwrap()),
            "sign [OPTIONS] <--data <DATA>|--data-path <DATA_PATH>>"
        );
    }
}

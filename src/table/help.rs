//! Clap-shaped plain-text help rendered from the command table: the listing of every command,
//! the help of one command, and the subcommands of a group such as `user`.

use super::{Access, ArgKind, ArgSpec, CommandSpec, CommandTable};
use crate::parse::bind::{Resolved, resolve_exactly};
use crate::parse::{SyntaxError, Token};
use std::borrow::Cow;

/// The row every command's options end with; `-h`/`--help` is handled by the binder.
const HELP_ROW: (&str, &str) = ("-h, --help", "Print help");

/// The help for `words`: no words list every command, a command path gives that command's help
/// and a group prefix lists its subcommands. Like clap's, the text ends with a newline.
///
/// Words that name nothing give the error `bind` gives for the same words typed as a line; its
/// span indexes the words joined by single spaces.
pub fn render_help(table: &CommandTable, words: &[String]) -> Result<String, SyntaxError> {
    let tokens = tokens_of(words);
    match resolve_exactly(table, &tokens)? {
        Resolved::Command(spec, _) => Ok(command_help(table, spec)),
        Resolved::Group if words.is_empty() => Ok(root_help(table)),
        Resolved::Group => Ok(group_help(table, words)),
    }
}

/// How an argument is written in usage lines and messages: `--username <USERNAME>`,
/// `--verbose`, `--filter <FILTER>...`, or `[COMMAND]...` for a positional command path.
pub fn arg_usage(arg: &ArgSpec) -> String {
    let value = value_name(arg);
    match arg.kind {
        ArgKind::Switch => format!("--{}", arg.name),
        ArgKind::List => format!("--{} <{value}>...", arg.name),
        ArgKind::CommandPath if arg.required => format!("<{value}>..."),
        ArgKind::CommandPath => format!("[{value}]..."),
        ArgKind::Positional if arg.required => format!("<{value}>"),
        ArgKind::Positional => format!("[{value}]"),
        _ => format!("--{} <{value}>", arg.name),
    }
}

/// Who may run a command, in words: `public (no login needed)`, `admin or crypto-user`.
pub fn describe_access(access: &Access) -> String {
    match access {
        Access::Public => String::from("public (no login needed)"),
        Access::LoggedIn => String::from("logged-in (any role)"),
        Access::Roles(roles) => roles
            .iter()
            .map(|role| role.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// The usage line of a command without the `Usage: ` label, e.g.
/// `user create [OPTIONS] --username <USERNAME> --role <ROLE>`.
pub fn usage(spec: &CommandSpec) -> String {
    let mut usage = spec.path.clone();
    let has_optional_flags = spec
        .args
        .iter()
        .any(|arg| !arg.kind.is_positional() && !arg.required);
    if has_optional_flags {
        usage.push_str(" [OPTIONS]");
    }
    let required_flags = spec
        .args
        .iter()
        .filter(|arg| !arg.kind.is_positional() && arg.required);
    let positionals = spec.args.iter().filter(|arg| arg.kind.is_positional());
    for arg in required_flags.chain(positionals) {
        usage.push(' ');
        usage.push_str(&arg_usage(arg));
    }
    for group in &spec.one_of {
        usage.push(' ');
        usage.push_str(&one_of_usage(spec, group));
    }
    usage
}

/// A `one_of` group as clap writes it: `<--data <DATA>|--data-path <DATA_PATH>>`.
pub fn one_of_usage(spec: &CommandSpec, group: &[usize]) -> String {
    let members: Vec<String> = group
        .iter()
        .map(|&index| arg_usage(&spec.args[index]))
        .collect();
    format!("<{}>", members.join("|"))
}

/// The words as tokens laid out as if joined by single spaces, so that errors get spans.
fn tokens_of(words: &[String]) -> Vec<Token<'_>> {
    let mut start = 0;
    words
        .iter()
        .map(|word| {
            let token = Token {
                text: Cow::Borrowed(word.as_str()),
                span: start..start + word.len(),
                quoted: false,
            };
            start += word.len() + 1;
            token
        })
        .collect()
}

fn root_help(table: &CommandTable) -> String {
    let rows = table
        .commands()
        .iter()
        .map(|command| (command.path.clone(), command.summary.clone()))
        .collect();
    let mut out = String::from("Usage: <COMMAND>\n");
    push_section(&mut out, "Commands:", rows);
    push_options(&mut out, Vec::new());
    out
}

fn group_help(table: &CommandTable, words: &[String]) -> String {
    let path = words.join(" ");
    let mut out = format!("Usage: {path} <COMMAND>\n");
    push_section(&mut out, "Commands:", subcommand_rows(table, words));
    push_options(&mut out, Vec::new());
    out
}

fn command_help(table: &CommandTable, spec: &CommandSpec) -> String {
    let mut out = format!(
        "{}\nAccess: {}\n",
        spec.summary,
        describe_access(&spec.access)
    );
    if let Some(about) = &spec.about {
        out.push('\n');
        out.push_str(about);
        out.push('\n');
    }
    out.push_str(&format!("\nUsage: {}\n", usage(spec)));
    let subcommands = subcommand_rows(table, &spec.words);
    if !subcommands.is_empty() {
        out.push_str(&format!("       {} <COMMAND>\n", spec.path));
        push_section(&mut out, "Commands:", subcommands);
    }
    let (positionals, flags): (Vec<&ArgSpec>, Vec<&ArgSpec>) =
        spec.args.iter().partition(|arg| arg.kind.is_positional());
    let argument_rows = positionals
        .iter()
        .map(|arg| (arg_usage(arg), arg_help(arg)))
        .collect();
    push_section(&mut out, "Arguments:", argument_rows);
    let option_rows = flags
        .iter()
        .map(|arg| (option_left(arg), arg_help(arg)))
        .collect();
    push_options(&mut out, option_rows);
    out
}

/// The commands under `prefix`, named by the words after it, in table order.
fn subcommand_rows<S: AsRef<str>>(table: &CommandTable, prefix: &[S]) -> Vec<(String, String)> {
    table
        .under(prefix)
        .map(|command| {
            (
                command.words[prefix.len()..].join(" "),
                command.summary.clone(),
            )
        })
        .collect()
}

/// The left column of an option row, indented like clap's so that long flags line up whether
/// or not a short exists: `-v, --verbose` and `    --username <USERNAME>`.
fn option_left(arg: &ArgSpec) -> String {
    match arg.short {
        Some(short) => format!("-{short}, {}", arg_usage(arg)),
        None => format!("    {}", arg_usage(arg)),
    }
}

fn arg_help(arg: &ArgSpec) -> String {
    let mut help = arg.help.clone();
    if let Some(default) = &arg.default {
        help.push_str(&format!(" [default: {default}]"));
    }
    if !arg.choices.is_empty() {
        help.push_str(&format!(" [possible values: {}]", arg.choices.join(", ")));
    }
    help
}

fn value_name(arg: &ArgSpec) -> Cow<'_, str> {
    match &arg.value {
        Some(value) => Cow::Borrowed(value),
        // The loader requires a value name for every kind but switches, which show none.
        None => Cow::Owned(arg.name.to_uppercase().replace('-', "_")),
    }
}

fn push_options(out: &mut String, mut rows: Vec<(String, String)>) {
    rows.push((HELP_ROW.0.to_owned(), HELP_ROW.1.to_owned()));
    push_section(out, "Options:", rows);
}

/// A blank line, the heading, then two-space-indented rows whose second column is aligned.
fn push_section(out: &mut String, heading: &str, rows: Vec<(String, String)>) {
    if rows.is_empty() {
        return;
    }
    let width = rows
        .iter()
        .map(|(left, _)| left.chars().count())
        .max()
        .unwrap_or(0);
    out.push('\n');
    out.push_str(heading);
    out.push('\n');
    for (left, right) in rows {
        out.push_str(&format!("  {left:<width$}  {right}\n"));
    }
}

#[cfg(test)]
mod tests;

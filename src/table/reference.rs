//! `grammar/REFERENCE.md`: the Markdown reference of every command, generated from the table
//! (and checked by a test) so that it can never disagree with what the shell accepts.

use super::help::{arg_usage, describe_access, usage};
use super::load::kind_name;
use super::{ArgKind, ArgSpec, CommandSpec, CommandTable};
use std::borrow::Cow;
use std::fmt::Write;

/// The whole reference document, ending with a newline.
pub fn render_reference(table: &CommandTable) -> String {
    let mut out = String::from(
        "# Command reference\n\
         \n\
         <!-- Generated from grammar/commands.toml: do not edit. -->\n\
         \n\
         Generated from `grammar/commands.toml` — do not edit.\n\
         To change a command, edit the table and regenerate this file with\n\
         `UPDATE_GOLDEN=1 cargo test reference_md_is_fresh`.\n\
         \n\
         Every command also takes `-h`/`--help`, which prints its help.\n\
         \n\
         | Command | Summary | Access |\n\
         | --- | --- | --- |\n",
    );
    for command in table.commands() {
        // Writing into a String cannot fail.
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} |",
            command.path,
            command.words.join("-"),
            cell(&command.summary),
            describe_access(&command.access)
        );
    }
    for command in table.commands() {
        out.push('\n');
        push_command(&mut out, command);
    }
    out
}

fn push_command(out: &mut String, command: &CommandSpec) {
    let _ = write!(out, "## `{}`\n\n{}\n\n", command.path, command.summary);
    if let Some(about) = &command.about {
        let _ = write!(out, "{about}\n\n");
    }
    let _ = write!(
        out,
        "Access: {}\n\nUsage: `{}`\n\n",
        describe_access(&command.access),
        usage(command)
    );
    if command.args.is_empty() {
        out.push_str("No arguments.\n");
        return;
    }
    out.push_str(
        "| Argument | Value | Kind | Required | Default | Choices | Help |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for arg in &command.args {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            argument(arg),
            arg.value
                .as_deref()
                .map_or_else(String::new, |value| format!("`<{value}>`")),
            kind(arg),
            if arg.required { "yes" } else { "no" },
            arg.default
                .as_deref()
                .map_or_else(String::new, |default| format!("`{default}`")),
            arg.choices
                .iter()
                .map(|choice| format!("`{choice}`"))
                .collect::<Vec<_>>()
                .join(", "),
            cell(&arg.help)
        );
    }
}

/// The flag as typed (`--username`, `-v`, `--verbose`), or the positional form.
fn argument(arg: &ArgSpec) -> String {
    if arg.kind.is_positional() {
        return format!("`{}` (positional)", arg_usage(arg));
    }
    match arg.short {
        Some(short) => format!("`-{short}`, `--{}`", arg.name),
        None => format!("`--{}`", arg.name),
    }
}

/// The kind with what else constrains or completes the value: bounds, the secret's prompt.
fn kind(arg: &ArgSpec) -> String {
    let name = kind_name(arg.kind);
    match (arg.kind, arg.min, arg.max) {
        (ArgKind::Integer, Some(min), Some(max)) => format!("{name}, {min} to {max}"),
        (ArgKind::Integer, Some(min), None) => format!("{name}, at least {min}"),
        (ArgKind::Integer, None, Some(max)) => format!("{name}, at most {max}"),
        (ArgKind::Secret, _, _) => {
            let prompt = arg.prompt.as_deref().unwrap_or_default();
            let confirm = if arg.confirm { ", asked twice" } else { "" };
            format!("{name}, prompted `{}` when absent{confirm}", cell(prompt))
        }
        _ => name.to_owned(),
    }
}

/// Text made safe for a table cell: a `|` would end the cell.
fn cell(text: &str) -> Cow<'_, str> {
    if text.contains('|') {
        Cow::Owned(text.replace('|', "\\|"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_says_it_is_generated_and_covers_every_command() {
        let table = CommandTable::builtin();
        let reference = render_reference(&table);
        assert!(reference.starts_with("# Command reference\n"));
        assert!(reference.contains("`UPDATE_GOLDEN=1 cargo test reference_md_is_fresh`"));
        for command in table.commands() {
            assert!(
                reference.contains(&format!("\n## `{}`\n\n{}\n", command.path, command.summary)),
                "{}",
                command.path
            );
        }
        assert!(reference.ends_with('\n') && !reference.ends_with("\n\n"));
    }

    #[test]
    fn a_command_section_has_access_usage_and_an_argument_table() {
        let reference = render_reference(&CommandTable::builtin());
        let section = "\
## `login`

Log in to the cluster

Access: public (no login needed)

Usage: `login [OPTIONS] --username <USERNAME> --role <ROLE>`

| Argument | Value | Kind | Required | Default | Choices | Help |
| --- | --- | --- | --- | --- | --- | --- |
| `--cluster-id` | `<CLUSTER_ID>` | string | no |  |  | The cluster to run this one command against, with this shell's login there; absent: the shell's cluster |
| `--username` | `<USERNAME>` | username | yes |  |  | The name of the user |
| `--role` | `<ROLE>` | choice | yes |  | `admin`, `crypto-user` | The role the user has on the cluster |
| `--password` | `<PASSWORD>` | secret, prompted `Enter password:` when absent | no |  |  | The password of the user; prompted for when absent; given on the command line it is visible to every local user (ps) |
";
        assert!(reference.contains(section), "{reference}");
        assert!(reference.contains("## `quit`\n\nQuit the shell\n\nAccess: public (no login needed)\n\nUsage: `quit`\n\nNo arguments.\n"));
        assert!(reference.contains(
            "| [`user create`](#user-create) | Create a user on the cluster | admin |\n"
        ));
    }

    #[test]
    fn integers_switches_and_pipes_render() {
        let table = CommandTable::from_toml(
            r#"
[[command]]
path = "user list"
id = "UserList"
summary = "List | page"
access = "logged-in"
  [[command.arg]]
  name = "max-items"
  kind = "integer"
  value = "MAX_ITEMS"
  default = 10
  min = 1
  max = 100
  help = "How many"
  [[command.arg]]
  name = "verbose"
  short = "v"
  kind = "switch"
  help = "Say more"
"#,
        )
        .unwrap();
        let reference = render_reference(&table);
        assert!(
            reference
                .contains("| [`user list`](#user-list) | List \\| page | logged-in (any role) |\n")
        );
        assert!(reference.contains(
            "| `--max-items` | `<MAX_ITEMS>` | integer, 1 to 100 | no | `10` |  | How many |\n"
        ));
        assert!(reference.contains("| `-v`, `--verbose` |  | switch | no |  |  | Say more |\n"));
    }
}

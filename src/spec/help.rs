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
        .any(|arg| arg.kind != ArgKind::CommandPath && !arg.required);
    if has_optional_flags {
        usage.push_str(" [OPTIONS]");
    }
    let required_flags = spec
        .args
        .iter()
        .filter(|arg| arg.kind != ArgKind::CommandPath && arg.required);
    let positionals = spec
        .args
        .iter()
        .filter(|arg| arg.kind == ArgKind::CommandPath);
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
    let (positionals, flags): (Vec<&ArgSpec>, Vec<&ArgSpec>) = spec
        .args
        .iter()
        .partition(|arg| arg.kind == ArgKind::CommandPath);
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
        .commands()
        .iter()
        .filter(|command| {
            command.words.len() > prefix.len()
                && command
                    .words
                    .iter()
                    .zip(prefix)
                    .all(|(word, given)| word == given.as_ref())
        })
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
mod tests {
    use super::*;
    use crate::parse::bind;

    fn help(words: &[&str]) -> String {
        let words: Vec<String> = words.iter().map(|word| word.to_string()).collect();
        render_help(&CommandTable::builtin(), &words).unwrap()
    }

    #[test]
    fn the_root_lists_every_command() {
        assert_eq!(
            help(&[]),
            "\
Usage: <COMMAND>

Commands:
  help                                   Print this message or the help of the given command
  quit                                   Quit the shell
  cluster activate                       Activate the cluster by setting the password of the built-in admin
  cluster hsm-info                       Get the hardware information of the HSMs in the cluster
  login                                  Log in to the cluster
  logout                                 Log out of the cluster
  user create                            Create a user on the cluster
  user delete                            Delete a user from the cluster
  user list                              List the users of the cluster
  user change-password                   Change the password of a user
  key generate-symmetric aes             Generate an AES key
  key generate-symmetric generic-secret  Generate a generic secret key
  key generate-asymmetric-pair rsa       Generate an RSA key pair
  key generate-asymmetric-pair ec        Generate an EC key pair
  key list                               List the keys you own or share, and all public keys
  key delete                             Delete a key
  key set-attribute                      Set an attribute of a key
  key share                              Share a key with another crypto user
  key unshare                            Stop sharing a key with a crypto user
  key import pem                         Import a public key from a PEM file
  key generate-file                      Write a key file: a public key PEM, or a reference PEM that names a private key
  key wrap aes-gcm                       Wrap a key with AES-GCM; the HSM chooses the IV and returns it
  key wrap aes-no-pad                    Wrap a key with AES key wrap without padding (RFC 3394)
  key wrap aes-pkcs5-pad                 Wrap a key with AES key wrap with PKCS #5 padding
  key wrap aes-zero-pad                  Wrap a key with AES key wrap with zero padding
  key wrap cloudhsm-aes-gcm              Wrap a key with AES-GCM with the IV prepended to the wrapped data
  key wrap rsa-aes                       Wrap a key with RSA-AES: an ephemeral AES key under RSA-OAEP, the payload under AES key wrap with padding
  key wrap rsa-oaep                      Wrap a key with RSA-OAEP
  key wrap rsa-pkcs                      Wrap a key with RSA PKCS #1 v1.5
  key unwrap aes-gcm                     Unwrap a key wrapped with AES-GCM, given the IV that wrapping returned
  key unwrap aes-no-pad                  Unwrap a key wrapped with AES key wrap without padding (RFC 3394)
  key unwrap aes-pkcs5-pad               Unwrap a key wrapped with AES key wrap with PKCS #5 padding
  key unwrap aes-zero-pad                Unwrap a key wrapped with AES key wrap with zero padding
  key unwrap cloudhsm-aes-gcm            Unwrap a key wrapped with AES-GCM with the IV prepended to the wrapped data
  key unwrap rsa-aes                     Unwrap a key wrapped with RSA-AES
  key unwrap rsa-oaep                    Unwrap a key wrapped with RSA-OAEP
  key unwrap rsa-pkcs                    Unwrap a key wrapped with RSA PKCS #1 v1.5
  crypto sign rsa-pkcs                   Sign data with RSA PKCS #1 v1.5
  crypto sign rsa-pkcs-pss               Sign data with RSA-PSS
  crypto sign ecdsa                      Sign data with ECDSA (the signature is r and s, concatenated)
  crypto verify rsa-pkcs                 Verify an RSA PKCS #1 v1.5 signature
  crypto verify rsa-pkcs-pss             Verify an RSA-PSS signature
  crypto verify ecdsa                    Verify an ECDSA signature

Options:
  -h, --help  Print help
"
        );
    }

    #[test]
    fn a_command_shows_summary_access_usage_and_options() {
        assert_eq!(
            help(&["user", "create"]),
            "\
Create a user on the cluster
Access: admin

Usage: user create [OPTIONS] --username <USERNAME> --role <ROLE>

Options:
      --username <USERNAME>  The name of the new user: at most 31 letters, digits, '_' or '-'; case-insensitive
      --role <ROLE>          The role of the new user [possible values: admin, crypto-user]
      --password <PASSWORD>  The password of the new user, 7 to 32 characters without ':'; prompted for when absent
  -h, --help                 Print help
"
        );
    }

    #[test]
    fn about_follows_the_access_line() {
        let text = help(&["cluster", "activate"]);
        assert!(
            text.starts_with(
                "Activate the cluster by setting the password of the built-in admin\n\
                 Access: public (no login needed)\n\nRuns once, on a cluster"
            ),
            "{text}"
        );
        assert!(
            text.contains("\nUsage: cluster activate [OPTIONS]\n"),
            "{text}"
        );
        assert!(help(&["user", "change-password"]).contains("\nAccess: admin or crypto-user\n"));
        assert!(help(&["logout"]).contains("\nAccess: logged-in (any role)\n"));
    }

    #[test]
    fn a_command_without_args_has_a_bare_usage() {
        assert_eq!(
            help(&["user", "list"]),
            "\
List the users of the cluster
Access: public (no login needed)

Usage: user list

Options:
  -h, --help  Print help
"
        );
    }

    #[test]
    fn help_shows_its_positional_argument() {
        assert_eq!(
            help(&["help"]),
            "\
Print this message or the help of the given command
Access: public (no login needed)

Usage: help [COMMAND]...

Arguments:
  [COMMAND]...  The command whose help to print, e.g. `user create`

Options:
  -h, --help  Print help
"
        );
    }

    #[test]
    fn a_group_lists_its_subcommands() {
        assert_eq!(
            help(&["user"]),
            "\
Usage: user <COMMAND>

Commands:
  create           Create a user on the cluster
  delete           Delete a user from the cluster
  list             List the users of the cluster
  change-password  Change the password of a user

Options:
  -h, --help  Print help
"
        );
    }

    #[test]
    fn unknown_words_give_the_binders_error() {
        let table = CommandTable::builtin();
        for words in [
            vec!["usr"],
            vec!["user", "creat"],
            vec!["user", "list", "x"],
        ] {
            let line = words.join(" ");
            let words: Vec<String> = words.into_iter().map(String::from).collect();
            let from_help = render_help(&table, &words).unwrap_err();
            let from_help_line = bind(&table, &format!("help {line}")).unwrap_err();
            assert_eq!(from_help.message, from_help_line.message);
            assert_eq!(
                from_help.span.map(|span| span.start + 5..span.end + 5),
                from_help_line.span
            );
        }
        let error = render_help(&table, &["usr".to_owned()]).unwrap_err();
        assert_eq!(error, bind(&table, "usr").unwrap_err());
        assert_eq!(
            error,
            SyntaxError::new(
                "unrecognized command 'usr'; did you mean 'user'?",
                Some(0..3)
            )
        );
    }

    #[test]
    fn a_command_that_is_also_a_group_shows_both() {
        let table = CommandTable::from_toml(
            r#"
[[command]]
path = "login"
id = "Login"
summary = "Log in"
access = "public"
  [[command.arg]]
  name = "username"
  kind = "username"
  value = "USERNAME"
  required = true
  help = "The user"
  [[command.arg]]
  name = "verbose"
  short = "v"
  kind = "switch"
  help = "Say more"
  [[command.arg]]
  name = "max-items"
  kind = "integer"
  value = "MAX_ITEMS"
  default = 10
  help = "How many"

[[command]]
path = "login mfa-token-sign"
id = "Logout"
summary = "Sign an MFA token"
access = ["admin", "crypto-user"]
"#,
        )
        .unwrap();
        assert_eq!(
            render_help(&table, &["login".to_owned()]).unwrap(),
            "\
Log in
Access: public (no login needed)

Usage: login [OPTIONS] --username <USERNAME>
       login <COMMAND>

Commands:
  mfa-token-sign  Sign an MFA token

Options:
      --username <USERNAME>    The user
  -v, --verbose                Say more
      --max-items <MAX_ITEMS>  How many [default: 10]
  -h, --help                   Print help
"
        );
    }

    #[test]
    fn arg_usages() {
        let table = CommandTable::builtin();
        let spec = table.by_path("login").unwrap();
        let usages: Vec<String> = spec.args.iter().map(arg_usage).collect();
        assert_eq!(
            usages,
            [
                "--username <USERNAME>",
                "--role <ROLE>",
                "--password <PASSWORD>"
            ]
        );
        assert_eq!(
            arg_usage(&table.by_path("help").unwrap().args[0]),
            "[COMMAND]..."
        );
    }
}

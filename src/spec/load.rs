//! Loading `grammar/commands.toml`: the TOML is read into private serde rows, and every rule the
//! parser, help and completion rely on is checked here, once, so that they can trust the table.

use super::{Access, ArgKind, ArgSpec, CommandSpec};
use crate::command::CommandId;
use crate::parse::value::check_integer;
use crate::session::Role;
use serde::Deserialize;

/// The kind names of the TOML and the kinds they stand for, in the order the header lists them.
const KIND_NAMES: [(&str, ArgKind); 8] = [
    ("string", ArgKind::String),
    ("username", ArgKind::Username),
    ("integer", ArgKind::Integer),
    ("choice", ArgKind::Choice),
    ("secret", ArgKind::Secret),
    ("switch", ArgKind::Switch),
    ("list", ArgKind::List),
    ("command-path", ArgKind::CommandPath),
];

/// The name a kind has in the table, e.g. `command-path`.
pub(super) fn kind_name(kind: ArgKind) -> &'static str {
    KIND_NAMES
        .iter()
        .find(|(_, known)| *known == kind)
        .map_or("?", |(name, _)| name)
}

/// Flags every command has without the table saying so.
const RESERVED_NAME: &str = "help";
const RESERVED_SHORT: char = 'h';

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    command: Vec<RawCommand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommand {
    path: String,
    id: String,
    summary: String,
    about: Option<String>,
    access: toml::Value,
    #[serde(default)]
    arg: Vec<RawArg>,
    #[serde(default)]
    one_of: Vec<Vec<String>>,
}

/// Optional fields stay `Option` even where `false` or empty would do, so that a field given
/// on an arg of the wrong kind is reported instead of silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArg {
    name: String,
    short: Option<String>,
    kind: String,
    value: Option<String>,
    choices: Option<Vec<String>>,
    default: Option<toml::Value>,
    min: Option<i64>,
    max: Option<i64>,
    required: Option<bool>,
    prompt: Option<String>,
    confirm: Option<bool>,
    help: String,
}

/// Reads and checks the whole table. Errors name the command path and, where it applies, the arg.
pub(super) fn parse_table(text: &str) -> Result<Vec<CommandSpec>, String> {
    let table: RawTable = toml::from_str(text).map_err(|error| error.to_string())?;
    if table.command.is_empty() {
        return Err(String::from("the table has no [[command]]"));
    }
    table.command.into_iter().map(command_spec).collect()
}

fn command_spec(raw: RawCommand) -> Result<CommandSpec, String> {
    let context = format!("command '{}'", raw.path);
    let fail = |message: &str| format!("{context}: {message}");

    let words: Vec<String> = raw.path.split(' ').map(str::to_owned).collect();
    if !words.iter().all(|word| is_lower_word(word)) {
        return Err(fail(
            "path must be words of lower-case letters, digits and '-', separated by single spaces",
        ));
    }
    let id = CommandId::from_name(&raw.id)
        .ok_or_else(|| fail(&format!("id '{}' is not a CommandId variant", raw.id)))?;
    check_line(&raw.summary).map_err(|problem| fail(&format!("summary {problem}")))?;
    if raw
        .about
        .as_deref()
        .is_some_and(|about| about.trim().is_empty())
    {
        return Err(fail("about is empty: leave it out instead"));
    }
    let access = access(&raw.access).map_err(|problem| fail(&problem))?;

    let args = raw
        .arg
        .into_iter()
        .map(|arg| {
            let arg_context = format!("{context}, arg '{}'", arg.name);
            arg_spec(arg).map_err(|problem| format!("{arg_context}: {problem}"))
        })
        .collect::<Result<Vec<ArgSpec>, String>>()?;
    check_args_together(&args).map_err(|problem| fail(&problem))?;
    let one_of = one_of_groups(&args, raw.one_of).map_err(|problem| fail(&problem))?;

    Ok(CommandSpec {
        path: raw.path,
        words,
        id,
        summary: raw.summary,
        about: raw.about,
        access,
        args,
        one_of,
    })
}

/// Resolves `one_of` groups to arg indexes: each group names at least two optional, non-secret
/// args of the command, and no arg is in two groups.
fn one_of_groups(args: &[ArgSpec], groups: Vec<Vec<String>>) -> Result<Vec<Vec<usize>>, String> {
    let mut seen: Vec<usize> = Vec::new();
    groups
        .into_iter()
        .map(|group| {
            if group.len() < 2 {
                return Err(format!("one_of group {group:?} needs at least two args"));
            }
            group
                .iter()
                .map(|name| {
                    let index = args
                        .iter()
                        .position(|arg| &arg.name == name)
                        .ok_or_else(|| format!("one_of names '{name}', which is not an arg"))?;
                    let arg = &args[index];
                    if arg.required || arg.kind == ArgKind::Secret || arg.default.is_some() {
                        return Err(format!(
                            "one_of arg '{name}' must be optional, without a default, and not a secret"
                        ));
                    }
                    if seen.contains(&index) {
                        return Err(format!("arg '{name}' is in two one_of groups"));
                    }
                    seen.push(index);
                    Ok(index)
                })
                .collect()
        })
        .collect()
}

fn access(value: &toml::Value) -> Result<Access, String> {
    const EXPECTED: &str =
        "access must be \"public\", \"logged-in\" or a list of roles (\"admin\", \"crypto-user\")";
    match value {
        toml::Value::String(level) if level == "public" => Ok(Access::Public),
        toml::Value::String(level) if level == "logged-in" => Ok(Access::LoggedIn),
        toml::Value::Array(items) if !items.is_empty() => {
            let mut roles = Vec::with_capacity(items.len());
            for item in items {
                let role = item
                    .as_str()
                    .and_then(Role::parse)
                    .ok_or_else(|| format!("{EXPECTED}, not {}", shown(item)))?;
                if roles.contains(&role) {
                    return Err(format!("access lists role '{role}' twice"));
                }
                roles.push(role);
            }
            Ok(Access::Roles(roles))
        }
        other => Err(format!("{EXPECTED}, not {}", shown(other))),
    }
}

/// A TOML value as it would be written, for messages about a value of the wrong shape.
fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => format!("{text:?}"),
        toml::Value::Integer(number) => number.to_string(),
        toml::Value::Boolean(flag) => flag.to_string(),
        toml::Value::Array(items) if items.is_empty() => String::from("an empty list"),
        other => format!("a value of type {}", other.type_str()),
    }
}

fn arg_spec(raw: RawArg) -> Result<ArgSpec, String> {
    if !is_lower_word(&raw.name) {
        return Err(String::from(
            "name must be lower-case letters, digits and '-', not starting with '-'",
        ));
    }
    if raw.name == RESERVED_NAME {
        return Err(format!("--{RESERVED_NAME} is reserved for help"));
    }
    let kind = KIND_NAMES
        .iter()
        .find(|(name, _)| *name == raw.kind)
        .map(|&(_, kind)| kind)
        .ok_or_else(|| {
            let names: Vec<&str> = KIND_NAMES.iter().map(|(name, _)| *name).collect();
            format!(
                "unknown kind '{}'; known kinds: {}",
                raw.kind,
                names.join(", ")
            )
        })?;
    let short = short(raw.short.as_deref(), kind)?;
    let value = value_name(raw.value, kind)?;
    let choices = choices(raw.choices, kind)?;
    if (raw.min.is_some() || raw.max.is_some()) && kind != ArgKind::Integer {
        return Err(String::from("min and max apply only to an integer"));
    }
    if let (Some(min), Some(max)) = (raw.min, raw.max)
        && min > max
    {
        return Err(format!("min {min} is greater than max {max}"));
    }
    let required = raw.required.unwrap_or(false);
    if required && kind == ArgKind::Switch {
        return Err(String::from("a switch cannot be required"));
    }
    if required && kind == ArgKind::Secret {
        return Err(String::from(
            "a secret is never required: it is prompted for when absent",
        ));
    }
    let default = match raw.default {
        None => None,
        Some(_) if required => {
            return Err(String::from("a required arg cannot have a default"));
        }
        Some(default) => Some(default_text(&default, kind, &choices, raw.min, raw.max)?),
    };
    let prompt = match (kind, raw.prompt) {
        (ArgKind::Secret, Some(prompt)) => {
            check_line(&prompt).map_err(|problem| format!("prompt {problem}"))?;
            Some(prompt)
        }
        (ArgKind::Secret, None) => {
            return Err(String::from(
                "a secret needs a prompt, asked when the flag is absent",
            ));
        }
        (_, Some(_)) => return Err(String::from("prompt applies only to a secret")),
        (_, None) => None,
    };
    if raw.confirm.is_some() && kind != ArgKind::Secret {
        return Err(String::from("confirm applies only to a secret"));
    }
    check_line(&raw.help).map_err(|problem| format!("help {problem}"))?;
    Ok(ArgSpec {
        name: raw.name,
        short,
        kind,
        value,
        choices,
        default,
        min: raw.min,
        max: raw.max,
        required,
        prompt,
        confirm: raw.confirm.unwrap_or(false),
        help: raw.help,
    })
}

fn short(raw: Option<&str>, kind: ArgKind) -> Result<Option<char>, String> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if kind == ArgKind::CommandPath {
        return Err(String::from(
            "a command-path is positional and has no short",
        ));
    }
    let mut letters = raw.chars();
    let letter = match (letters.next(), letters.next()) {
        (Some(letter), None) if letter.is_ascii_alphabetic() => letter,
        _ => return Err(format!("short '{raw}' must be one ASCII letter")),
    };
    if letter == RESERVED_SHORT {
        return Err(format!("-{RESERVED_SHORT} is reserved for help"));
    }
    Ok(Some(letter))
}

fn value_name(raw: Option<String>, kind: ArgKind) -> Result<Option<String>, String> {
    match (kind, raw) {
        (ArgKind::Switch, None) => Ok(None),
        (ArgKind::Switch, Some(_)) => Err(String::from("a switch takes no value name")),
        (_, None) => Err(String::from(
            "value, the name shown in help (e.g. \"USERNAME\"), is missing",
        )),
        (_, Some(name)) => {
            let well_formed = name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if well_formed {
                Ok(Some(name))
            } else {
                Err(format!(
                    "value '{name}' must be upper-case letters, digits, '_' and '-'"
                ))
            }
        }
    }
}

fn choices(raw: Option<Vec<String>>, kind: ArgKind) -> Result<Vec<String>, String> {
    match (kind, raw) {
        (ArgKind::Choice, None) => Err(String::from("a choice needs choices")),
        (ArgKind::Choice, Some(choices)) if choices.is_empty() => {
            Err(String::from("a choice needs at least one choice"))
        }
        (ArgKind::Choice, Some(choices)) => {
            for (index, choice) in choices.iter().enumerate() {
                // A choice must read back as one plain word that is not a flag.
                let plain = !choice.is_empty()
                    && !choice.starts_with('-')
                    && !choice
                        .chars()
                        .any(|c| c.is_whitespace() || matches!(c, '\'' | '"' | '\\' | '#'));
                if !plain {
                    return Err(format!(
                        "choice '{choice}' must be one word without quotes, '\\' or '#', not starting with '-'"
                    ));
                }
                if choices[..index].contains(choice) {
                    return Err(format!("choice '{choice}' is listed twice"));
                }
            }
            Ok(choices)
        }
        (_, None) => Ok(Vec::new()),
        (_, Some(_)) => Err(String::from("choices apply only to a choice")),
    }
}

/// The default as the text a user could have typed, after checking that it is valid for `kind`.
fn default_text(
    default: &toml::Value,
    kind: ArgKind,
    choices: &[String],
    min: Option<i64>,
    max: Option<i64>,
) -> Result<String, String> {
    let text = match default {
        toml::Value::String(text) => text.clone(),
        toml::Value::Integer(number) if kind == ArgKind::Integer => number.to_string(),
        other => {
            return Err(format!(
                "default must be a string{}, not {}",
                if kind == ArgKind::Integer {
                    " or an integer"
                } else {
                    ""
                },
                other.type_str()
            ));
        }
    };
    match kind {
        ArgKind::String | ArgKind::Username => Ok(text),
        ArgKind::Integer => match check_integer(&text, min, max) {
            Ok(_) => Ok(text),
            Err(reason) => Err(format!("default '{text}' is invalid: {reason}")),
        },
        ArgKind::Choice if choices.contains(&text) => Ok(text),
        ArgKind::Choice => Err(format!(
            "default '{text}' is not one of the choices: {}",
            choices.join(", ")
        )),
        ArgKind::Secret => Err(String::from(
            "a secret cannot have a default: it would be a password in the table",
        )),
        ArgKind::Switch | ArgKind::List | ArgKind::CommandPath => {
            Err(format!("a {} cannot have a default", kind_name(kind)))
        }
    }
}

/// Rules that involve several args of one command.
fn check_args_together(args: &[ArgSpec]) -> Result<(), String> {
    for (index, arg) in args.iter().enumerate() {
        let earlier = &args[..index];
        if earlier.iter().any(|other| other.name == arg.name) {
            return Err(format!("arg '{}' is defined twice", arg.name));
        }
        if let Some(short) = arg.short
            && let Some(other) = earlier.iter().find(|other| other.short == Some(short))
        {
            return Err(format!(
                "arg '{}': short '-{short}' is already used by '{}'",
                arg.name, other.name
            ));
        }
    }
    let paths = args
        .iter()
        .filter(|arg| arg.kind == ArgKind::CommandPath)
        .count();
    if paths > 1 {
        return Err(String::from("at most one arg may be a command-path"));
    }
    Ok(())
}

/// `[a-z0-9][a-z0-9-]*`: command words and flag names, which must read back as plain words.
fn is_lower_word(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Text shown on one line of help: present, and without line breaks that would break the layout.
fn check_line(text: &str) -> Result<(), &'static str> {
    if text.trim().is_empty() {
        Err("is empty")
    } else if text.contains(['\n', '\r']) {
        Err("must be one line")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::reference::render_reference;
    use crate::spec::{COMMANDS_TOML, CommandTable};
    use std::collections::HashSet;

    /// A one-command table whose single arg is written by the test.
    fn with_arg(arg: &str) -> String {
        format!(
            "[[command]]\npath = \"user create\"\nid = \"UserCreate\"\nsummary = \"Create\"\n\
             access = [\"admin\"]\n[[command.arg]]\n{arg}\n"
        )
    }

    fn with_command(command: &str) -> String {
        format!("[[command]]\n{command}\n")
    }

    fn error_of(text: &str) -> String {
        match parse_table(text) {
            Ok(_) => panic!("the table was accepted:\n{text}"),
            Err(message) => message,
        }
    }

    const USERNAME: &str =
        "name = \"username\"\nkind = \"username\"\nvalue = \"USERNAME\"\nhelp = \"h\"";

    #[test]
    fn the_builtin_table_loads() {
        let commands = parse_table(COMMANDS_TOML).expect("grammar/commands.toml loads");
        assert!(commands.iter().any(|command| command.path == "user create"));
        let table = CommandTable::builtin();
        assert_eq!(table.commands().len(), commands.len());
        assert_eq!(table.secret_flags(), ["password"]);
    }

    #[test]
    fn the_builtin_table_has_no_duplicate_paths_or_flags() {
        let table = CommandTable::builtin();
        let mut paths = HashSet::new();
        for command in table.commands() {
            assert!(
                paths.insert(&command.path),
                "duplicate path {}",
                command.path
            );
            assert_eq!(command.words.join(" "), command.path);
            let mut names = HashSet::new();
            let mut shorts = HashSet::new();
            for arg in &command.args {
                assert!(
                    names.insert(&arg.name),
                    "{}: --{} twice",
                    command.path,
                    arg.name
                );
                if let Some(short) = arg.short {
                    assert!(shorts.insert(short), "{}: -{short} twice", command.path);
                }
                assert_ne!(arg.name, "help", "{}", command.path);
                assert_ne!(arg.short, Some('h'), "{}", command.path);
            }
        }
    }

    #[test]
    fn every_builtin_command_has_a_summary_and_every_secret_a_prompt() {
        for command in CommandTable::builtin().commands() {
            assert!(!command.summary.trim().is_empty(), "{}", command.path);
            for arg in &command.args {
                if arg.kind == ArgKind::Secret {
                    assert!(
                        arg.prompt
                            .as_deref()
                            .is_some_and(|prompt| !prompt.is_empty()),
                        "{} --{} has no prompt",
                        command.path,
                        arg.name
                    );
                    assert!(!arg.required, "{} --{}", command.path, arg.name);
                }
            }
        }
    }

    #[test]
    fn the_table_and_command_id_agree_both_ways() {
        let table = CommandTable::builtin();
        for &id in CommandId::ALL {
            assert!(
                table.by_id(id).is_some(),
                "CommandId::{} has no row in grammar/commands.toml",
                id.name()
            );
        }
        for command in table.commands() {
            assert_eq!(CommandId::from_name(command.id.name()), Some(command.id));
            assert!(
                CommandId::ALL.contains(&command.id),
                "{} maps to {:?}, which is missing from CommandId::ALL",
                command.path,
                command.id
            );
        }
        assert_eq!(table.commands().len(), CommandId::ALL.len());
    }

    #[test]
    fn reference_md_is_fresh() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/grammar/REFERENCE.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        let generated = render_reference(&CommandTable::builtin());
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(path, &generated).unwrap();
            return;
        }
        assert!(
            on_disk == generated,
            "grammar/REFERENCE.md is stale or missing: regenerate it with \
             `UPDATE_GOLDEN=1 cargo test reference_md_is_fresh`"
        );
    }

    #[test]
    fn a_full_arg_loads_into_its_spec() {
        let commands = parse_table(&with_arg(
            "name = \"max-items\"\nshort = \"m\"\nkind = \"integer\"\nvalue = \"MAX_ITEMS\"\n\
             default = 10\nmin = 1\nmax = 100\nhelp = \"How many\"",
        ))
        .unwrap();
        let arg = &commands[0].args[0];
        assert_eq!(arg.name, "max-items");
        assert_eq!(arg.short, Some('m'));
        assert_eq!(arg.kind, ArgKind::Integer);
        assert_eq!(arg.value.as_deref(), Some("MAX_ITEMS"));
        assert_eq!(arg.default.as_deref(), Some("10"));
        assert_eq!((arg.min, arg.max), (Some(1), Some(100)));
        assert!(!arg.required);
        assert_eq!(commands[0].words, ["user", "create"]);
        assert_eq!(commands[0].access, Access::Roles(vec![Role::Admin]));
    }

    #[test]
    fn kind_names_round_trip() {
        for (name, kind) in KIND_NAMES {
            assert_eq!(kind_name(kind), name);
        }
    }

    #[test]
    fn unknown_kinds_are_refused() {
        assert_eq!(
            error_of(&with_arg(
                "name = \"x\"\nkind = \"text\"\nvalue = \"X\"\nhelp = \"h\""
            )),
            "command 'user create', arg 'x': unknown kind 'text'; known kinds: string, username, \
             integer, choice, secret, switch, list, command-path"
        );
    }

    #[test]
    fn ids_must_be_command_id_variants() {
        assert_eq!(
            error_of(&with_command(
                "path = \"user make\"\nid = \"UserMake\"\nsummary = \"s\"\naccess = \"public\""
            )),
            "command 'user make': id 'UserMake' is not a CommandId variant"
        );
    }

    #[test]
    fn access_is_public_logged_in_or_roles() {
        let access_of = |access: &str| {
            parse_table(&with_command(&format!(
                "path = \"logout\"\nid = \"Logout\"\nsummary = \"s\"\naccess = {access}"
            )))
            .map(|commands| commands[0].access.clone())
        };
        assert_eq!(access_of("\"public\""), Ok(Access::Public));
        assert_eq!(access_of("\"logged-in\""), Ok(Access::LoggedIn));
        assert_eq!(
            access_of("[\"admin\", \"crypto-user\"]"),
            Ok(Access::Roles(vec![Role::Admin, Role::CryptoUser]))
        );
        assert_eq!(
            access_of("\"everyone\"").unwrap_err(),
            "command 'logout': access must be \"public\", \"logged-in\" or a list of roles \
             (\"admin\", \"crypto-user\"), not \"everyone\""
        );
        assert_eq!(
            access_of("[\"root\"]").unwrap_err(),
            "command 'logout': access must be \"public\", \"logged-in\" or a list of roles \
             (\"admin\", \"crypto-user\"), not \"root\""
        );
        assert_eq!(
            access_of("[]").unwrap_err(),
            "command 'logout': access must be \"public\", \"logged-in\" or a list of roles \
             (\"admin\", \"crypto-user\"), not an empty list"
        );
        assert_eq!(
            access_of("[\"admin\", \"admin\"]").unwrap_err(),
            "command 'logout': access lists role 'admin' twice"
        );
    }

    #[test]
    fn summaries_are_one_non_empty_line() {
        let summary = |summary: &str| {
            error_of(&with_command(&format!(
                "path = \"quit\"\nid = \"Quit\"\nsummary = {summary}\naccess = \"public\""
            )))
        };
        assert_eq!(summary("\" \""), "command 'quit': summary is empty");
        assert_eq!(
            summary("\"a\\nb\""),
            "command 'quit': summary must be one line"
        );
    }

    #[test]
    fn paths_are_plain_words_separated_by_single_spaces() {
        for path in ["user  create", "User create", "user --create", "", " user"] {
            assert_eq!(
                error_of(&with_command(&format!(
                    "path = \"{path}\"\nid = \"UserCreate\"\nsummary = \"s\"\naccess = \"public\""
                ))),
                format!(
                    "command '{path}': path must be words of lower-case letters, digits and '-', \
                     separated by single spaces"
                )
            );
        }
    }

    #[test]
    fn choices_belong_to_choice_args_only_and_are_not_empty() {
        assert_eq!(
            error_of(&with_arg(&format!("{USERNAME}\nchoices = [\"a\"]"))),
            "command 'user create', arg 'username': choices apply only to a choice"
        );
        let role = "name = \"role\"\nkind = \"choice\"\nvalue = \"ROLE\"\nhelp = \"h\"";
        assert_eq!(
            error_of(&with_arg(&format!("{role}\nchoices = []"))),
            "command 'user create', arg 'role': a choice needs at least one choice"
        );
        assert_eq!(
            error_of(&with_arg(role)),
            "command 'user create', arg 'role': a choice needs choices"
        );
        assert_eq!(
            error_of(&with_arg(&format!("{role}\nchoices = [\"a\", \"a\"]"))),
            "command 'user create', arg 'role': choice 'a' is listed twice"
        );
        assert_eq!(
            error_of(&with_arg(&format!("{role}\nchoices = [\"a b\"]"))),
            "command 'user create', arg 'role': choice 'a b' must be one word without quotes, \
             '\\' or '#', not starting with '-'"
        );
    }

    #[test]
    fn defaults_must_be_valid_for_their_kind() {
        let role = "name = \"role\"\nkind = \"choice\"\nvalue = \"ROLE\"\nhelp = \"h\"\n\
                    choices = [\"admin\", \"crypto-user\"]";
        assert!(parse_table(&with_arg(&format!("{role}\ndefault = \"admin\""))).is_ok());
        assert_eq!(
            error_of(&with_arg(&format!("{role}\ndefault = \"root\""))),
            "command 'user create', arg 'role': default 'root' is not one of the choices: \
             admin, crypto-user"
        );
        let items = "name = \"max-items\"\nkind = \"integer\"\nvalue = \"N\"\nhelp = \"h\"\n\
                     min = 1\nmax = 100";
        assert!(parse_table(&with_arg(&format!("{items}\ndefault = \"0x10\""))).is_ok());
        assert_eq!(
            error_of(&with_arg(&format!("{items}\ndefault = \"ten\""))),
            "command 'user create', arg 'max-items': default 'ten' is invalid: not a number"
        );
        assert_eq!(
            error_of(&with_arg(&format!("{items}\ndefault = 101"))),
            "command 'user create', arg 'max-items': default '101' is invalid: must be between \
             1 and 100"
        );
        assert_eq!(
            error_of(&with_arg(&format!("{USERNAME}\ndefault = 5"))),
            "command 'user create', arg 'username': default must be a string, not integer"
        );
        assert_eq!(
            error_of(&with_arg(
                "name = \"verbose\"\nkind = \"switch\"\nhelp = \"h\"\ndefault = \"x\""
            )),
            "command 'user create', arg 'verbose': a switch cannot have a default"
        );
        assert_eq!(
            error_of(&with_arg(&format!(
                "{USERNAME}\nrequired = true\ndefault = \"x\""
            ))),
            "command 'user create', arg 'username': a required arg cannot have a default"
        );
    }

    #[test]
    fn bounds_belong_to_integers_and_are_ordered() {
        assert_eq!(
            error_of(&with_arg(&format!("{USERNAME}\nmin = 1"))),
            "command 'user create', arg 'username': min and max apply only to an integer"
        );
        assert_eq!(
            error_of(&with_arg(
                "name = \"n\"\nkind = \"integer\"\nvalue = \"N\"\nhelp = \"h\"\nmin = 5\nmax = 1"
            )),
            "command 'user create', arg 'n': min 5 is greater than max 1"
        );
    }

    #[test]
    fn flag_names_and_shorts_are_unique_within_a_command() {
        let twice = format!("{USERNAME}\n[[command.arg]]\n{USERNAME}");
        assert_eq!(
            error_of(&with_arg(&twice)),
            "command 'user create': arg 'username' is defined twice"
        );
        let shorts = "name = \"a\"\nshort = \"v\"\nkind = \"switch\"\nhelp = \"h\"\n\
                      [[command.arg]]\nname = \"b\"\nshort = \"v\"\nkind = \"switch\"\nhelp = \"h\"";
        assert_eq!(
            error_of(&with_arg(shorts)),
            "command 'user create': arg 'b': short '-v' is already used by 'a'"
        );
    }

    #[test]
    fn help_and_h_are_reserved() {
        assert_eq!(
            error_of(&with_arg(
                "name = \"help\"\nkind = \"switch\"\nhelp = \"h\""
            )),
            "command 'user create', arg 'help': --help is reserved for help"
        );
        assert_eq!(
            error_of(&with_arg(
                "name = \"host\"\nshort = \"h\"\nkind = \"switch\"\nhelp = \"h\""
            )),
            "command 'user create', arg 'host': -h is reserved for help"
        );
        assert_eq!(
            error_of(&with_arg(
                "name = \"x\"\nshort = \"xy\"\nkind = \"switch\"\nhelp = \"h\""
            )),
            "command 'user create', arg 'x': short 'xy' must be one ASCII letter"
        );
    }

    #[test]
    fn secrets_prompt_and_are_never_required() {
        let password = "name = \"password\"\nkind = \"secret\"\nvalue = \"PASSWORD\"\nhelp = \"h\"";
        assert_eq!(
            error_of(&with_arg(password)),
            "command 'user create', arg 'password': a secret needs a prompt, asked when the flag \
             is absent"
        );
        assert_eq!(
            error_of(&with_arg(&format!(
                "{password}\nprompt = \"Enter password:\"\nrequired = true"
            ))),
            "command 'user create', arg 'password': a secret is never required: it is prompted \
             for when absent"
        );
        assert_eq!(
            error_of(&with_arg(&format!(
                "{password}\nprompt = \"Enter password:\"\ndefault = \"hunter2\""
            ))),
            "command 'user create', arg 'password': a secret cannot have a default: it would be \
             a password in the table"
        );
        let loaded = parse_table(&with_arg(&format!(
            "{password}\nprompt = \"Enter password:\"\nconfirm = true"
        )))
        .unwrap();
        assert!(loaded[0].args[0].confirm);
        assert_eq!(loaded[0].args[0].prompt.as_deref(), Some("Enter password:"));
    }

    #[test]
    fn prompt_and_confirm_belong_to_secrets_only() {
        assert_eq!(
            error_of(&with_arg(&format!("{USERNAME}\nconfirm = true"))),
            "command 'user create', arg 'username': confirm applies only to a secret"
        );
        assert_eq!(
            error_of(&with_arg(&format!("{USERNAME}\nprompt = \"Name:\""))),
            "command 'user create', arg 'username': prompt applies only to a secret"
        );
    }

    #[test]
    fn at_most_one_command_path() {
        let path = "kind = \"command-path\"\nvalue = \"COMMAND\"\nhelp = \"h\"";
        assert_eq!(
            error_of(&with_arg(&format!(
                "name = \"a\"\n{path}\n[[command.arg]]\nname = \"b\"\n{path}"
            ))),
            "command 'user create': at most one arg may be a command-path"
        );
        assert_eq!(
            error_of(&with_arg(&format!("name = \"a\"\nshort = \"a\"\n{path}"))),
            "command 'user create', arg 'a': a command-path is positional and has no short"
        );
    }

    #[test]
    fn value_names_are_given_except_on_switches() {
        assert_eq!(
            error_of(&with_arg(
                "name = \"username\"\nkind = \"username\"\nhelp = \"h\""
            )),
            "command 'user create', arg 'username': value, the name shown in help \
             (e.g. \"USERNAME\"), is missing"
        );
        assert_eq!(
            error_of(&with_arg(
                "name = \"v\"\nkind = \"switch\"\nvalue = \"V\"\nhelp = \"h\""
            )),
            "command 'user create', arg 'v': a switch takes no value name"
        );
        assert_eq!(
            error_of(&with_arg(
                "name = \"u\"\nkind = \"username\"\nvalue = \"<U>\"\nhelp = \"h\""
            )),
            "command 'user create', arg 'u': value '<U>' must be upper-case letters, digits, \
             '_' and '-'"
        );
    }

    #[test]
    fn switches_cannot_be_required() {
        assert_eq!(
            error_of(&with_arg(
                "name = \"v\"\nkind = \"switch\"\nhelp = \"h\"\nrequired = true"
            )),
            "command 'user create', arg 'v': a switch cannot be required"
        );
    }

    #[test]
    fn unknown_fields_and_an_empty_table_are_refused() {
        assert!(error_of(&with_arg(&format!("{USERNAME}\nhidden = true"))).contains("hidden"));
        assert_eq!(error_of(""), "the table has no [[command]]");
    }

    #[test]
    fn one_of_groups_are_checked() {
        let table = |one_of: &str, required: &str| {
            parse_table(&format!(
                "[[command]]\npath = \"sign\"\nid = \"Quit\"\nsummary = \"Sign\"\naccess = \"public\"\n\
                 one_of = {one_of}\n\
                 [[command.arg]]\nname = \"data\"\nkind = \"string\"\nvalue = \"DATA\"\nhelp = \"Data\"\n{required}\n\
                 [[command.arg]]\nname = \"data-path\"\nkind = \"string\"\nvalue = \"P\"\nhelp = \"File\"\n"
            ))
        };
        assert_eq!(
            table("[[\"data\", \"data-path\"]]", "").unwrap()[0].one_of,
            vec![vec![0, 1]]
        );
        assert_eq!(
            table("[[\"data\"]]", "").unwrap_err(),
            "command 'sign': one_of group [\"data\"] needs at least two args"
        );
        assert_eq!(
            table("[[\"data\", \"nope\"]]", "").unwrap_err(),
            "command 'sign': one_of names 'nope', which is not an arg"
        );
        assert_eq!(
            table("[[\"data\", \"data-path\"]]", "required = true").unwrap_err(),
            "command 'sign': one_of arg 'data' must be optional, without a default, and not a secret"
        );
        assert_eq!(
            table("[[\"data\", \"data-path\"], [\"data-path\", \"data\"]]", "").unwrap_err(),
            "command 'sign': arg 'data-path' is in two one_of groups"
        );
    }
}

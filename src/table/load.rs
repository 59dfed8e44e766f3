//! Loading `grammar/commands.toml`: the TOML is read into private serde rows, and every rule the
//! parser, help and completion rely on is checked here, once, so that they can trust the table.

use super::{Access, ArgKind, ArgSpec, CommandSpec, LiveValues};
use crate::backend::hsm::Role;
use crate::parse::value::check_integer;
use crate::table::CommandId;
use serde::Deserialize;
use serde_json::Value;

/// The kind names of the TOML and the kinds they stand for, in the order the header lists them.
const KIND_NAMES: [(&str, ArgKind); 9] = [
    ("string", ArgKind::String),
    ("username", ArgKind::Username),
    ("integer", ArgKind::Integer),
    ("choice", ArgKind::Choice),
    ("secret", ArgKind::Secret),
    ("switch", ArgKind::Switch),
    ("list", ArgKind::List),
    ("command-path", ArgKind::CommandPath),
    ("positional", ArgKind::Positional),
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
    access: Value,
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
    default: Option<Value>,
    min: Option<i64>,
    max: Option<i64>,
    required: Option<bool>,
    prompt: Option<String>,
    confirm: Option<bool>,
    complete: Option<String>,
    help: String,
}

/// Reads and checks the whole table. Errors name the command path and, where it applies, the arg.
pub(super) fn parse_table(text: &str) -> Result<Vec<CommandSpec>, String> {
    check_table(toml::from_str(text).map_err(|error| error.to_string())?)
}

/// A `[[command]]` of `grammar/commands.toml` as `build.rs` writes it in Rust: the TOML's fields,
/// with `access` and `default` as JSON text.
pub(super) struct LiteralCommand {
    pub path: &'static str,
    pub id: &'static str,
    pub summary: &'static str,
    pub about: Option<&'static str>,
    pub access: &'static str,
    pub args: &'static [LiteralArg],
    pub one_of: &'static [&'static [&'static str]],
}

/// A `[[command.arg]]` as `build.rs` writes it.
pub(super) struct LiteralArg {
    pub name: &'static str,
    pub short: Option<&'static str>,
    pub kind: &'static str,
    pub value: Option<&'static str>,
    pub choices: Option<&'static [&'static str]>,
    pub default: Option<&'static str>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub required: Option<bool>,
    pub prompt: Option<&'static str>,
    pub confirm: Option<bool>,
    pub complete: Option<&'static str>,
    pub help: &'static str,
}

/// Checks the table `build.rs` compiled in, by the same rules as the TOML; no text is parsed
/// but the few JSON values of `access` and `default`.
pub(super) fn check_literal_table(commands: &[LiteralCommand]) -> Result<Vec<CommandSpec>, String> {
    let owned = |texts: &[&str]| texts.iter().map(|text| (*text).to_owned()).collect();
    let json = |text: &str| serde_json::from_str(text).map_err(|error| error.to_string());
    let command = commands
        .iter()
        .map(|command| {
            Ok(RawCommand {
                path: command.path.to_owned(),
                id: command.id.to_owned(),
                summary: command.summary.to_owned(),
                about: command.about.map(str::to_owned),
                access: json(command.access)?,
                arg: command
                    .args
                    .iter()
                    .map(|arg| {
                        Ok(RawArg {
                            name: arg.name.to_owned(),
                            short: arg.short.map(str::to_owned),
                            kind: arg.kind.to_owned(),
                            value: arg.value.map(str::to_owned),
                            choices: arg.choices.map(owned),
                            default: arg.default.map(json).transpose()?,
                            min: arg.min,
                            max: arg.max,
                            required: arg.required,
                            prompt: arg.prompt.map(str::to_owned),
                            confirm: arg.confirm,
                            complete: arg.complete.map(str::to_owned),
                            help: arg.help.to_owned(),
                        })
                    })
                    .collect::<Result<_, String>>()?,
                one_of: command.one_of.iter().map(|group| owned(group)).collect(),
            })
        })
        .collect::<Result<_, String>>()?;
    check_table(RawTable { command })
}

fn check_table(table: RawTable) -> Result<Vec<CommandSpec>, String> {
    if table.command.is_empty() {
        return Err(String::from("the table has no [[command]]"));
    }
    table.command.into_iter().map(command_spec).collect()
}

fn command_spec(raw: RawCommand) -> Result<CommandSpec, String> {
    // The context is formatted only on failure: the built-in table is checked at every start.
    let path = raw.path;
    let fail = |message: &str| format!("command '{path}': {message}");

    let words: Vec<String> = path.split(' ').map(str::to_owned).collect();
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
            let name = arg.name.clone();
            arg_spec(arg).map_err(|problem| format!("command '{path}', arg '{name}': {problem}"))
        })
        .collect::<Result<Vec<ArgSpec>, String>>()?;
    check_args_together(&args).map_err(|problem| fail(&problem))?;
    let one_of = one_of_groups(&args, raw.one_of).map_err(|problem| fail(&problem))?;

    Ok(CommandSpec {
        path,
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

fn access(value: &Value) -> Result<Access, String> {
    const EXPECTED: &str =
        "access must be \"public\", \"logged-in\" or a list of roles (\"admin\", \"crypto-user\")";
    match value {
        Value::String(level) if level == "public" => Ok(Access::Public),
        Value::String(level) if level == "logged-in" => Ok(Access::LoggedIn),
        Value::Array(items) if !items.is_empty() => {
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

/// A value as it would be written in the table, for messages about a value of the wrong shape.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Array(items) if items.is_empty() => String::from("an empty list"),
        other => format!("a value of type {}", type_name(other)),
    }
}

/// The TOML name of a value's type, as the table's author knows them.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "float",
        Value::Bool(_) => "boolean",
        Value::Array(_) => "array",
        Value::Object(_) => "table",
        Value::Null => "null",
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
    let complete = match raw.complete {
        None => None,
        Some(_) if !matches!(kind, ArgKind::String | ArgKind::Username | ArgKind::List) => {
            return Err(String::from(
                "complete applies only to a string, username or list",
            ));
        }
        Some(_) if !choices.is_empty() => {
            return Err(String::from("an arg with choices completes them already"));
        }
        Some(name) => Some(LiveValues::parse(&name).ok_or_else(|| {
            let known: Vec<&str> = LiveValues::ALL.iter().map(|live| live.name()).collect();
            format!(
                "unknown complete '{name}'; known sources: {}",
                known.join(", ")
            )
        })?),
    };
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
        complete,
        help: raw.help,
    })
}

fn short(raw: Option<&str>, kind: ArgKind) -> Result<Option<char>, String> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if kind.is_positional() {
        return Err(format!(
            "a {} is positional and has no short",
            kind_name(kind)
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
    default: &Value,
    kind: ArgKind,
    choices: &[String],
    min: Option<i64>,
    max: Option<i64>,
) -> Result<String, String> {
    let text = match default {
        Value::String(text) => text.clone(),
        Value::Number(number) if kind == ArgKind::Integer && number.is_i64() => number.to_string(),
        other => {
            return Err(format!(
                "default must be a string{}, not {}",
                if kind == ArgKind::Integer {
                    " or an integer"
                } else {
                    ""
                },
                type_name(other)
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
        ArgKind::Switch | ArgKind::List | ArgKind::CommandPath | ArgKind::Positional => {
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
    let positionals = args.iter().filter(|arg| arg.kind.is_positional()).count();
    if positionals > 1 {
        return Err(String::from(
            "at most one arg may be positional (a command-path or a positional)",
        ));
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
mod tests;

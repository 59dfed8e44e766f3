//! Compiles `grammar/commands.toml` into Rust literals in `OUT_DIR` (`commands.rs`), which the
//! shell checks and indexes at start-up without parsing any text: every single command pays for
//! loading the table, and parsing it as JSON was most of that. The TOML stays the one source;
//! the loader checks the literals as it checks the TOML (a test compares the two tables).

use std::fmt::Write as _;
use std::path::Path;
use toml::Value;

const COMMAND_FIELDS: [&str; 7] = ["path", "id", "summary", "about", "access", "arg", "one_of"];
const ARG_FIELDS: [&str; 13] = [
    "name", "short", "kind", "value", "choices", "default", "min", "max", "required", "prompt",
    "confirm", "complete", "help",
];

fn main() {
    let source = Path::new("grammar/commands.toml");
    println!("cargo::rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(source).expect("grammar/commands.toml is readable");
    let table: Value = toml::from_str(&text).expect("grammar/commands.toml is valid TOML");
    let commands = table
        .get("command")
        .and_then(Value::as_array)
        .expect("grammar/commands.toml has [[command]] entries");
    let mut out = String::from("&[\n");
    for command in commands {
        write_command(&mut out, command);
    }
    out.push_str("]\n");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("commands.rs"), out).expect("OUT_DIR is writable");
}

fn write_command(out: &mut String, command: &Value) {
    let table = command.as_table().expect("a [[command]] is a table");
    let path = string(command, "path").expect("a command has a path");
    check_fields(table, &COMMAND_FIELDS, &format!("command '{path}'"));
    let args: Vec<&Value> = command
        .get("arg")
        .map(|args| args.as_array().expect("arg is an array of tables"))
        .into_iter()
        .flatten()
        .collect();
    let _ = write!(
        out,
        "LiteralCommand {{ path: {}, id: {}, summary: {}, about: {}, access: {}, args: &[",
        literal(path),
        required(command, "id", path),
        required(command, "summary", path),
        optional(command, "about"),
        literal(&json(command.get("access").unwrap_or_else(|| {
            panic!("grammar/commands.toml: command '{path}': access is missing")
        }))),
    );
    for arg in args {
        write_arg(out, arg, path);
    }
    out.push_str("], one_of: &[");
    for group in command
        .get("one_of")
        .map(|groups| groups.as_array().expect("one_of is an array of arrays"))
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "&[{}],", strings(group, "one_of group"));
    }
    out.push_str("] },\n");
}

fn write_arg(out: &mut String, arg: &Value, path: &str) {
    let name = string(arg, "name").unwrap_or("?");
    let context = format!("command '{path}', arg '{name}'");
    check_fields(
        arg.as_table().expect("a [[command.arg]] is a table"),
        &ARG_FIELDS,
        &context,
    );
    let choices = arg
        .get("choices")
        .map(|choices| format!("Some(&[{}])", strings(choices, &context)))
        .unwrap_or_else(|| "None".to_owned());
    let _ = write!(
        out,
        "LiteralArg {{ name: {}, short: {}, kind: {}, value: {}, choices: {choices}, default: {}, \
         min: {}, max: {}, required: {}, prompt: {}, confirm: {}, complete: {}, help: {} }},",
        required(arg, "name", &context),
        optional(arg, "short"),
        required(arg, "kind", &context),
        optional(arg, "value"),
        arg.get("default")
            .map(|default| format!("Some({})", literal(&json(default))))
            .unwrap_or_else(|| "None".to_owned()),
        integer(arg, "min", &context),
        integer(arg, "max", &context),
        boolean(arg, "required", &context),
        optional(arg, "prompt"),
        boolean(arg, "confirm", &context),
        optional(arg, "complete"),
        required(arg, "help", &context),
    );
}

/// A field the loader does not know stops the build, as it would stop the loader.
fn check_fields(table: &toml::Table, known: &[&str], context: &str) {
    if let Some(field) = table.keys().find(|key| !known.contains(&key.as_str())) {
        panic!("grammar/commands.toml: {context}: unknown field '{field}'");
    }
}

fn string<'v>(value: &'v Value, field: &str) -> Option<&'v str> {
    value.get(field).map(|text| {
        text.as_str()
            .unwrap_or_else(|| panic!("grammar/commands.toml: {field} is not a string"))
    })
}

/// A Rust string literal of `text` (Debug of a `str` is one).
fn literal(text: &str) -> String {
    format!("{text:?}")
}

fn required(value: &Value, field: &str, context: &str) -> String {
    literal(
        string(value, field)
            .unwrap_or_else(|| panic!("grammar/commands.toml: {context}: {field} is missing")),
    )
}

fn optional(value: &Value, field: &str) -> String {
    string(value, field)
        .map(|text| format!("Some({})", literal(text)))
        .unwrap_or_else(|| "None".to_owned())
}

fn integer(value: &Value, field: &str, context: &str) -> String {
    match value.get(field) {
        None => "None".to_owned(),
        Some(Value::Integer(number)) => format!("Some({number})"),
        Some(_) => panic!("grammar/commands.toml: {context}: {field} is not an integer"),
    }
}

fn boolean(value: &Value, field: &str, context: &str) -> String {
    match value.get(field) {
        None => "None".to_owned(),
        Some(Value::Boolean(flag)) => format!("Some({flag})"),
        Some(_) => panic!("grammar/commands.toml: {context}: {field} is not a boolean"),
    }
}

fn strings(list: &Value, context: &str) -> String {
    list.as_array()
        .unwrap_or_else(|| panic!("grammar/commands.toml: {context}: not an array"))
        .iter()
        .map(|item| {
            literal(item.as_str().unwrap_or_else(|| {
                panic!("grammar/commands.toml: {context}: an item is not a string")
            }))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `access` and `default` take several types; the loader reads them as JSON values.
fn json(value: &Value) -> String {
    serde_json::to_string(value).expect("a TOML value converts to JSON")
}

//! Tests of `bind`.

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
    // Its only arg is the optional --cluster-id of every CloudHSM CLI command.
    assert_eq!(invocation.values, [None]);
    assert_eq!(bound("  user   list  # all").spec.id, CommandId::UserList);
    assert_eq!(bound("quit").spec.id, CommandId::Quit);
}

#[test]
fn flags_with_separate_and_inline_values() {
    let mut invocation = bound(r#"login --username=admin --role admin --password "pass word1""#);
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
    assert_eq!(invocation.text("password"), None);
}

#[test]
fn quoted_words_are_values_even_when_they_look_like_flags() {
    let mut invocation = bound("user create --username kmsuser --role admin --password '--secret'");
    assert_eq!(
        invocation.take_secret("password"),
        Some(Secret::new("--secret"))
    );
    let invocation = bound(r#"login --username "--role" --role admin"#);
    assert_eq!(invocation.text("username"), Some("--role"));
}

/// A quoted word may hold a newline or a NUL: a message that quotes it shows them escaped, so
/// that it stays one line and a line cannot make the shell print a second, forged one (found by
/// the lex_bind fuzz target: `"*custom-key-\n\0..."`).
#[test]
fn messages_show_control_characters_of_quoted_words_escaped() {
    assert_eq!(
        error("\"frob\nnicate\"").message,
        "unrecognized command 'frob\\nnicate'"
    );
    assert_eq!(
        error("user \"xy\u{0}zzy\"").message,
        "unrecognized command 'user xy\\u{0}zzy'"
    );
    assert_eq!(
        error("login --username a --role \"root\r\n{'error_code': 0}\"").message,
        "invalid value 'root\\r\\n{'error_code': 0}' for '--role <ROLE>'; possible values: \
         admin, crypto-user"
    );
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
        "'user' needs a subcommand: one of change-mfa, change-password, change-quorum, create, delete, list, replicate",
        0..4,
    );
    fails(
        "cluster --password x",
        "'cluster' needs a subcommand: one of activate, hsm-info, mtls",
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
        crate::table::help::usage(table.by_path("sign").unwrap()),
        "sign [OPTIONS] <--data <DATA>|--data-path <DATA_PATH>>"
    );
}

#[test]
fn a_positional_arg_takes_one_word_that_is_not_a_command() {
    let invocation = bound("source 'batch files/setup.cli' --keep-going");
    assert_eq!(invocation.text("file"), Some("batch files/setup.cli"));
    assert!(invocation.switch("keep-going"));
    // Not checked against the command table, as help's command path is.
    assert_eq!(bound("source user").text("file"), Some("user"));
    fails(
        "source a.cli b.cli",
        "'<FILE>' takes one FILE; quote a value with spaces",
        13..18,
    );
    fails(
        "source",
        "the following required arguments were not provided: <FILE>",
        0..6,
    );
}

#[test]
fn a_subcommand_may_follow_its_parents_flags_but_a_flag_value_stays_a_value() {
    let table = CommandTable::builtin();
    let hoisted = bind(
        &table,
        "login --username alice --role crypto-user mfa-token-sign --token t.json",
    )
    .unwrap()
    .unwrap();
    assert_eq!(hoisted.spec.id, CommandId::LoginMfaTokenSign);
    assert_eq!(hoisted.text("username"), Some("alice"));
    assert_eq!(hoisted.text("token"), Some("t.json"));
    let value = bind(&table, "login --username mfa-token-sign --role admin")
        .unwrap()
        .unwrap();
    assert_eq!(value.spec.id, CommandId::Login);
    assert_eq!(value.text("username"), Some("mfa-token-sign"));
    assert_eq!(
        bind(&table, "login --username alice --role admin mfa-token-sgn")
            .unwrap_err()
            .message,
        "unexpected argument 'mfa-token-sgn'"
    );
}

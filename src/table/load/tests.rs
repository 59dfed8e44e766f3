//! Tests of `load`.

use super::*;
use crate::table::reference::render_reference;
use crate::table::{COMMANDS_TOML, CommandTable};
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
    assert_eq!(
        table.secret_flags(),
        ["password", "change-password", "key-store-password"]
    );
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
fn every_cloudhsm_cli_command_but_replicate_takes_cluster_id_first() {
    use crate::table::{CLOUDHSM_CLI_GROUPS, CLUSTER_ID_ARG};
    let table = CommandTable::builtin();
    let mut cli_commands = 0;
    for command in table.commands() {
        // The replicate commands name two clusters instead, as in the CloudHSM CLI.
        if CLOUDHSM_CLI_GROUPS.contains(&command.words[0].as_str())
            && command.arg("source-cluster-id").is_none()
        {
            cli_commands += 1;
            assert_eq!(
                command.args.first().map(|arg| arg.name.as_str()),
                Some(CLUSTER_ID_ARG),
                "{}",
                command.path
            );
        }
    }
    assert!(cli_commands > 50, "{cli_commands} CloudHSM CLI commands");
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
             integer, choice, secret, switch, list, command-path, positional"
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
        "command 'user create': at most one arg may be positional (a command-path or a positional)"
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

#[test]
fn the_json_made_at_build_time_is_the_same_table_as_the_toml() {
    let from_toml = CommandTable::from_toml(crate::table::COMMANDS_TOML).unwrap();
    assert_eq!(
        format!("{:?}", from_toml.commands()),
        format!("{:?}", CommandTable::builtin().commands())
    );
}

#[test]
fn a_completion_source_must_be_known_and_fit_the_kind() {
    assert_eq!(
        error_of(&with_arg(
            "name = \"x\"\nkind = \"string\"\nvalue = \"X\"\ncomplete = \"passwords\"\nhelp = \"h\""
        )),
        "command 'user create', arg 'x': unknown complete 'passwords'; known sources: usernames, \
         key-filters, cluster-ids, hsm-ids, backup-ids, custom-key-store-ids, kms-key-ids"
    );
    assert_eq!(
        error_of(&with_arg(
            "name = \"x\"\nkind = \"integer\"\nvalue = \"X\"\ncomplete = \"usernames\"\nhelp = \"h\""
        )),
        "command 'user create', arg 'x': complete applies only to a string, username or list"
    );
    let commands = parse_table(&with_arg(
        "name = \"x\"\nkind = \"username\"\nvalue = \"X\"\ncomplete = \"usernames\"\nhelp = \"h\"",
    ))
    .unwrap();
    assert_eq!(commands[0].args[0].complete, Some(LiveValues::Usernames));
}

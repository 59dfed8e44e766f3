//! The command table: `grammar/commands.toml` loaded into typed specs that parsing, help,
//! completion and the generated reference all read.

mod id;
mod load;

pub mod complete;
pub mod help;
pub mod reference;

pub use complete::LiveValues;
pub use id::CommandId;

use crate::backend::hsm::Role;
use std::collections::{HashMap, HashSet};

/// The text of the table, compiled in so that the binary needs no files at run time.
pub const COMMANDS_TOML: &str = include_str!("../../grammar/commands.toml");

/// The same table as Rust literals, made by `build.rs`; what the shell checks at start-up.
static COMMANDS: &[load::LiteralCommand] = {
    use load::{LiteralArg, LiteralCommand};
    include!(concat!(env!("OUT_DIR"), "/commands.rs"))
};

/// Who may run a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// No login needed.
    Public,
    /// Any logged-in user.
    LoggedIn,
    /// A logged-in user with one of these roles.
    Roles(Vec<Role>),
}

/// How an argument's value is read and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    String,
    Username,
    Integer,
    Choice,
    Secret,
    Switch,
    /// Every word up to the next flag.
    List,
    /// Positional words naming a command (for `help`).
    CommandPath,
    /// One positional word that is not a command, e.g. the file of `source FILE`.
    Positional,
}

impl ArgKind {
    /// Given by position, without a flag.
    pub fn is_positional(self) -> bool {
        matches!(self, ArgKind::CommandPath | ArgKind::Positional)
    }
}

#[derive(Clone, Debug)]
pub struct ArgSpec {
    /// The flag without `--`.
    pub name: String,
    pub short: Option<char>,
    pub kind: ArgKind,
    /// Value name shown in help, e.g. `USERNAME`.
    pub value: Option<String>,
    pub choices: Vec<String>,
    pub default: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub required: bool,
    pub prompt: Option<String>,
    pub confirm: bool,
    /// Where Tab finds the values of a flag that names something that exists.
    pub complete: Option<LiveValues>,
    pub help: String,
}

#[derive(Clone, Debug)]
pub struct CommandSpec {
    /// The command words joined by single spaces, e.g. `user create`.
    pub path: String,
    pub words: Vec<String>,
    pub id: CommandId,
    pub summary: String,
    pub about: Option<String>,
    pub access: Access,
    pub args: Vec<ArgSpec>,
    /// Groups of args (indexes into `args`) of which exactly one must be given, e.g. `--data`
    /// or `--data-path`.
    pub one_of: Vec<Vec<usize>>,
}

impl CommandSpec {
    pub fn arg(&self, name: &str) -> Option<&ArgSpec> {
        self.args.iter().find(|arg| arg.name == name)
    }

    pub fn arg_index(&self, name: &str) -> Option<usize> {
        self.args.iter().position(|arg| arg.name == name)
    }

    /// Whether it is a command of the CloudHSM CLI itself, which talks to an HSM cluster.
    pub fn is_cloudhsm_cli(&self) -> bool {
        CLOUDHSM_CLI_GROUPS.contains(&self.words[0].as_str())
    }

    /// The cluster a CloudHSM CLI command's `--cluster-id` (a replication's
    /// `--source-cluster-id`) names for this one run: `None` for the shell's own commands (whose
    /// `--cluster-id`, if any, is an argument like any other) and when the flag is absent.
    pub fn chosen_cluster<'i>(
        &self,
        invocation: &'i crate::parse::Invocation<'_>,
    ) -> Option<&'i str> {
        if !self.is_cloudhsm_cli() {
            return None;
        }
        invocation
            .text(CLUSTER_ID_ARG)
            .or_else(|| invocation.text(SOURCE_CLUSTER_ID_ARG))
    }
}

/// The command groups of the CloudHSM CLI itself: their commands act on one cluster, and
/// every one takes `--cluster-id` to choose it for a single command.
pub const CLOUDHSM_CLI_GROUPS: [&str; 7] = [
    "cluster", "crypto", "key", "login", "logout", "quorum", "user",
];

/// The flag that chooses a CloudHSM CLI command's cluster.
pub const CLUSTER_ID_ARG: &str = "cluster-id";
/// The replicate commands' clusters: the one they run on, and the one they copy to.
pub const SOURCE_CLUSTER_ID_ARG: &str = "source-cluster-id";
pub const DESTINATION_CLUSTER_ID_ARG: &str = "destination-cluster-id";

/// The loaded table plus the indexes that make lookups cheap.
#[derive(Debug)]
pub struct CommandTable {
    commands: Vec<CommandSpec>,
    by_path: HashMap<String, usize>,
    by_id: HashMap<CommandId, usize>,
    secret_flags: Vec<String>,
    /// Every long flag of any command, with its kind (`Secret` wins where commands differ).
    long_flags: HashMap<String, ArgKind>,
    short_flags: HashMap<char, ArgKind>,
    /// Every word of every command path.
    command_words: HashSet<String>,
}

impl CommandTable {
    /// The table compiled into the binary. A malformed table is a build defect that the table
    /// meta-tests catch, so this panics with the loader's message rather than limping on.
    pub fn builtin() -> CommandTable {
        match load::check_literal_table(COMMANDS).and_then(CommandTable::indexed) {
            Ok(table) => table,
            Err(message) => panic!("grammar/commands.toml is invalid: {message}"),
        }
    }

    pub fn from_toml(text: &str) -> Result<CommandTable, String> {
        CommandTable::indexed(load::parse_table(text)?)
    }

    fn indexed(commands: Vec<CommandSpec>) -> Result<CommandTable, String> {
        let mut by_path = HashMap::with_capacity(commands.len());
        let mut by_id = HashMap::with_capacity(commands.len());
        let mut secret_flags: Vec<String> = Vec::new();
        let mut long_flags = HashMap::new();
        let mut short_flags = HashMap::new();
        let mut command_words = HashSet::new();
        for (index, command) in commands.iter().enumerate() {
            command_words.extend(command.words.iter().cloned());
            for arg in command.args.iter().filter(|arg| !arg.kind.is_positional()) {
                let secret_wins = |kind: &mut ArgKind| {
                    if arg.kind == ArgKind::Secret {
                        *kind = ArgKind::Secret;
                    }
                };
                long_flags
                    .entry(arg.name.clone())
                    .and_modify(secret_wins)
                    .or_insert(arg.kind);
                if let Some(short) = arg.short {
                    short_flags
                        .entry(short)
                        .and_modify(secret_wins)
                        .or_insert(arg.kind);
                }
            }
            if by_path.insert(command.path.clone(), index).is_some() {
                return Err(format!("duplicate command path '{}'", command.path));
            }
            if by_id.insert(command.id, index).is_some() {
                return Err(format!("command id {:?} is used twice", command.id));
            }
            for arg in command
                .args
                .iter()
                .filter(|arg| arg.kind == ArgKind::Secret)
            {
                if !secret_flags.contains(&arg.name) {
                    secret_flags.push(arg.name.clone());
                }
            }
        }
        Ok(CommandTable {
            commands,
            by_path,
            by_id,
            secret_flags,
            long_flags,
            short_flags,
            command_words,
        })
    }

    pub fn commands(&self) -> &[CommandSpec] {
        &self.commands
    }

    pub fn by_path(&self, path: &str) -> Option<&CommandSpec> {
        self.by_path.get(path).map(|&index| &self.commands[index])
    }

    pub fn by_id(&self, id: CommandId) -> Option<&CommandSpec> {
        self.by_id.get(&id).map(|&index| &self.commands[index])
    }

    /// Names of every flag that carries a secret in any command (`password`, ...). A line that
    /// uses one of them never reaches history or a transcript.
    pub fn secret_flags(&self) -> &[String] {
        &self.secret_flags
    }

    /// The kind of a flag some command takes (`long`: `--name`, else `-n`); `Secret` when any
    /// command's flag of that name is one.
    pub fn flag_kind(&self, name: &str, long: bool) -> Option<ArgKind> {
        if long {
            self.long_flags.get(name).copied()
        } else {
            let mut letters = name.chars();
            match (letters.next(), letters.next()) {
                (Some(letter), None) => self.short_flags.get(&letter).copied(),
                _ => None,
            }
        }
    }

    /// The number of words of the longest command path.
    pub fn deepest_path(&self) -> usize {
        self.commands
            .iter()
            .map(|command| command.words.len())
            .max()
            .unwrap_or(0)
    }

    /// The long flag names of every command, each once.
    pub fn long_flag_names(&self) -> impl Iterator<Item = &str> {
        self.long_flags.keys().map(String::as_str)
    }

    /// Whether some command path has this word.
    pub fn is_command_word(&self, word: &str) -> bool {
        self.command_words.contains(word)
    }

    /// The commands whose paths start with `prefix` and go on past it, in table order.
    pub fn under<'p, S: AsRef<str>>(
        &self,
        prefix: &'p [S],
    ) -> impl Iterator<Item = &CommandSpec> + use<'_, 'p, S> {
        self.commands.iter().filter(move |command| {
            command.words.len() > prefix.len()
                && command
                    .words
                    .iter()
                    .zip(prefix)
                    .all(|(word, given)| word == given.as_ref())
        })
    }

    /// The words that may follow `prefix` (command words only), sorted and deduplicated.
    pub fn next_words(&self, prefix: &[&str]) -> Vec<&str> {
        let mut words: Vec<&str> = self
            .under(prefix)
            .map(|command| command.words[prefix.len()].as_str())
            .collect();
        words.sort_unstable();
        words.dedup();
        words
    }
}

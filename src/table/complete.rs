//! Tab completion and hints over the command table: command words, flags not yet used, and
//! the choices of the flag being completed.

use super::{ArgKind, ArgSpec, CommandSpec, CommandTable};

/// Candidates for the word that ends at the end of `line`: (start of that word, candidates).
pub fn complete(table: &CommandTable, line: &str) -> (usize, Vec<String>) {
    let start = line
        .rfind(char::is_whitespace)
        .map_or(0, |position| position + 1);
    let current = &line[start..];
    let before: Vec<&str> = line[..start].split_whitespace().collect();
    let command_words = leading_command_words(table, &before);
    let spec = table.by_path(&before[..command_words].join(" "));
    let candidates = match spec {
        None if command_words == before.len() => table
            .next_words(&before)
            .into_iter()
            .filter(|word| word.starts_with(current))
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
        Some(spec) => arg_candidates(spec, &before[command_words..], current),
    };
    (start, candidates)
}

/// A grey hint after the cursor: the rest of the only command word that fits; after a flag that
/// takes a value, what the value is (its choices, `<admin|crypto-user>`, or its name); else the
/// required flags not given yet.
pub fn hint(table: &CommandTable, line: &str) -> Option<String> {
    if line.trim().is_empty() {
        return None;
    }
    let (start, candidates) = complete(table, line);
    let current = &line[start..];
    if let [only] = candidates.as_slice()
        && !current.is_empty()
        && only.len() > current.len()
    {
        return Some(only[current.len()..].to_owned());
    }
    if !line.ends_with(' ') {
        return None;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let command_words = leading_command_words(table, &words);
    let spec = table.by_path(&words[..command_words].join(" "))?;
    if let Some(arg) = pending_value(spec, &words[command_words..]) {
        return Some(if arg.choices.is_empty() {
            format!("<{}>", arg.value.as_deref().unwrap_or("VALUE"))
        } else {
            format!("<{}>", arg.choices.join("|"))
        });
    }
    let missing: Vec<String> = spec
        .args
        .iter()
        .filter(|arg| arg.required && !words.contains(&format!("--{}", arg.name).as_str()))
        .map(|arg| {
            format!(
                "--{} <{}>",
                arg.name,
                arg.value.as_deref().unwrap_or("VALUE")
            )
        })
        .collect();
    (!missing.is_empty()).then(|| missing.join(" "))
}

/// The prefixes by which a value names a file, as in the AWS CLI.
const FILE_PREFIXES: [&str; 2] = ["file://", "fileb://"];

/// Where the file path being typed at the end of `line` starts, when the word there is a path:
/// after `file://` or `fileb://`, the value of a flag whose value name says it is a path
/// (`PATH`, `DATA_PATH`, `FILE`), or a positional `FILE` (`source FILE`).
pub fn path_start(table: &CommandTable, line: &str) -> Option<usize> {
    let start = line
        .rfind(char::is_whitespace)
        .map_or(0, |position| position + 1);
    let current = &line[start..];
    if let Some(prefix) = FILE_PREFIXES
        .into_iter()
        .find(|prefix| current.starts_with(prefix))
    {
        return Some(start + prefix.len());
    }
    let before: Vec<&str> = line[..start].split_whitespace().collect();
    let command_words = leading_command_words(table, &before);
    let spec = table.by_path(&before[..command_words].join(" "))?;
    let args = &before[command_words..];
    let arg = match pending_value(spec, args) {
        Some(arg) => arg,
        None if current.starts_with('-') => return None,
        None => spec
            .args
            .iter()
            .find(|arg| arg.kind == ArgKind::Positional)?,
    };
    let value = arg.value.as_deref().unwrap_or_default();
    (value == "PATH" || value == "FILE" || value.ends_with("_PATH")).then_some(start)
}

/// How many of `words` form a command path or a prefix of one.
fn leading_command_words(table: &CommandTable, words: &[&str]) -> usize {
    let mut count = 0;
    while count < words.len() && table.next_words(&words[..count]).contains(&words[count]) {
        count += 1;
    }
    count
}

/// The flag the last of `args` is, when it takes a value that has not been typed yet.
fn pending_value<'s>(spec: &'s CommandSpec, args: &[&str]) -> Option<&'s ArgSpec> {
    args.last()
        .and_then(|word| word.strip_prefix("--"))
        .and_then(|name| spec.arg(name))
        .filter(|arg| !matches!(arg.kind, ArgKind::Switch))
}

fn arg_candidates(spec: &CommandSpec, args: &[&str], current: &str) -> Vec<String> {
    if let Some(arg) = pending_value(spec, args) {
        return arg
            .choices
            .iter()
            .filter(|choice| choice.starts_with(current))
            .cloned()
            .collect();
    }
    if !current.is_empty() && !current.starts_with('-') {
        return Vec::new();
    }
    spec.args
        .iter()
        .filter(|arg| !arg.kind.is_positional())
        .map(|arg| format!("--{}", arg.name))
        .filter(|flag| flag.starts_with(current) && !args.contains(&flag.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(line: &str) -> Vec<String> {
        complete(&CommandTable::builtin(), line).1
    }

    #[test]
    fn command_words_then_flags_then_choices() {
        assert_eq!(candidates("us"), vec!["user"]);
        assert_eq!(
            candidates("user "),
            vec!["change-password", "create", "delete", "list"]
        );
        assert_eq!(candidates("user cr"), vec!["create"]);
        assert_eq!(
            candidates("user create --username bob "),
            vec!["--role", "--password"]
        );
        assert_eq!(
            candidates("user create --role "),
            vec!["admin", "crypto-user"]
        );
        assert_eq!(candidates("user create --role c"), vec!["crypto-user"]);
        assert_eq!(complete(&CommandTable::builtin(), "user cr").0, 5);
        assert!(candidates("nosuch ").is_empty());
    }

    #[test]
    fn hints_finish_a_word_or_list_required_flags() {
        let table = CommandTable::builtin();
        assert_eq!(hint(&table, "user li"), Some("st".to_owned()));
        assert_eq!(
            hint(&table, "user create "),
            Some("--username <USERNAME> --role <ROLE>".to_owned())
        );
        assert_eq!(
            hint(&table, "user create --username bob "),
            Some("--role <ROLE>".to_owned())
        );
        assert_eq!(hint(&table, "user list "), None);
    }

    #[test]
    fn paths_are_completed_after_file_prefixes_and_for_path_values() {
        let table = CommandTable::builtin();
        let start = |line: &str| path_start(&table, line);
        let anchor = "keystore create --trust-anchor-certificate file:///tmp/cu";
        assert_eq!(start(anchor), Some(anchor.len() - "/tmp/cu".len()));
        assert_eq!(start("kms decrypt --ciphertext-blob fileb://ci"), Some(38));
        assert_eq!(start("source scr"), Some(7));
        assert_eq!(start("source --keep-going "), Some(20));
        assert_eq!(start("source --"), None);
        assert_eq!(start("key import pem --path ~/k"), Some(22));
        assert_eq!(start("crypto sign ecdsa --data-path d"), Some(30));
        assert_eq!(start("user create --username "), None);
        assert_eq!(start("user li"), None);
    }

    #[test]
    fn after_a_flag_that_takes_a_value_the_hint_is_that_value() {
        let table = CommandTable::builtin();
        assert_eq!(
            hint(&table, "user create --role "),
            Some("<admin|crypto-user>".to_owned())
        );
        assert_eq!(
            hint(&table, "user create --username "),
            Some("<USERNAME>".to_owned())
        );
        // Once the value is there, the flags still missing again.
        assert_eq!(
            hint(&table, "user create --role admin "),
            Some("--username <USERNAME>".to_owned())
        );
        assert_eq!(hint(&table, "key list --verbose "), None);
    }
}

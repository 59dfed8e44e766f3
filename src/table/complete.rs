//! Tab completion and hints over the command table: command words, flags not yet used, the
//! choices of the flag being completed, and where the values of a flag that names something
//! that exists (users, keys, clusters, stores, KMS keys) are found.

use super::{ArgKind, ArgSpec, CommandSpec, CommandTable};
use serde_json::Value;

/// Where Tab finds the values of a flag that names something that exists (`complete` in the
/// table): the read-only command whose result lists them, and where they are in its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveValues {
    Usernames,
    /// `key-reference=0x…` and `attr.label=…` of the keys the session sees.
    KeyFilters,
    ClusterIds,
    HsmIds,
    BackupIds,
    CustomKeyStoreIds,
    KmsKeyIds,
}

impl LiveValues {
    pub const ALL: [LiveValues; 7] = [
        LiveValues::Usernames,
        LiveValues::KeyFilters,
        LiveValues::ClusterIds,
        LiveValues::HsmIds,
        LiveValues::BackupIds,
        LiveValues::CustomKeyStoreIds,
        LiveValues::KmsKeyIds,
    ];

    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            LiveValues::Usernames => "usernames",
            LiveValues::KeyFilters => "key-filters",
            LiveValues::ClusterIds => "cluster-ids",
            LiveValues::HsmIds => "hsm-ids",
            LiveValues::BackupIds => "backup-ids",
            LiveValues::CustomKeyStoreIds => "custom-key-store-ids",
            LiveValues::KmsKeyIds => "kms-key-ids",
        }
    }

    pub fn parse(name: &str) -> Option<LiveValues> {
        LiveValues::ALL.into_iter().find(|live| live.name() == name)
    }

    /// The command line whose result lists the values; it changes nothing.
    pub fn query(self) -> &'static str {
        match self {
            LiveValues::Usernames => "user list",
            LiveValues::KeyFilters => "key list",
            LiveValues::ClusterIds | LiveValues::HsmIds => "cloudhsmv2 describe-clusters",
            LiveValues::BackupIds => "cloudhsmv2 describe-backups",
            LiveValues::CustomKeyStoreIds => "keystore describe",
            LiveValues::KmsKeyIds => "kms list-keys",
        }
    }

    /// The values in the `data` of [`Self::query`]'s result, sorted, each once.
    pub fn values(self, data: &Value) -> Vec<String> {
        let items = |list: &str| {
            data.get(list)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .to_vec()
        };
        let member =
            |item: &Value, name: &str| item.get(name).and_then(Value::as_str).map(str::to_owned);
        let mut values: Vec<String> = match self {
            LiveValues::Usernames => items("users")
                .iter()
                .filter_map(|user| member(user, "username"))
                .collect(),
            LiveValues::KeyFilters => items("matched_keys")
                .iter()
                .flat_map(|key| {
                    let reference = member(key, "key-reference")
                        .map(|reference| format!("key-reference={reference}"));
                    let label = key
                        .get("attributes")
                        .and_then(|attributes| member(attributes, "label"))
                        .filter(|label| !label.is_empty() && !label.contains(char::is_whitespace))
                        .map(|label| format!("attr.label={label}"));
                    reference.into_iter().chain(label)
                })
                .collect(),
            LiveValues::ClusterIds => items("Clusters")
                .iter()
                .filter_map(|cluster| member(cluster, "ClusterId"))
                .collect(),
            LiveValues::HsmIds => items("Clusters")
                .iter()
                .flat_map(|cluster| {
                    cluster
                        .get("Hsms")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|hsm| member(&hsm, "HsmId"))
                .collect(),
            LiveValues::BackupIds => items("Backups")
                .iter()
                .filter_map(|backup| member(backup, "BackupId"))
                .collect(),
            LiveValues::CustomKeyStoreIds => items("CustomKeyStores")
                .iter()
                .filter_map(|store| member(store, "CustomKeyStoreId"))
                .collect(),
            LiveValues::KmsKeyIds => items("Keys")
                .iter()
                .filter_map(|key| member(key, "KeyId"))
                .collect(),
        };
        values.sort_unstable();
        values.dedup();
        values
    }
}

/// Where the value being typed at the end of `line` starts, and where its values are found,
/// when it is the value of a flag the table gives a `complete` source (a list flag's values go
/// on up to the next flag).
pub fn live_start(table: &CommandTable, line: &str) -> Option<(usize, LiveValues)> {
    let start = line
        .rfind(char::is_whitespace)
        .map_or(0, |position| position + 1);
    if line[start..].starts_with('-') {
        return None;
    }
    let before: Vec<&str> = line[..start].split_whitespace().collect();
    let command_words = leading_command_words(table, &before);
    let spec = table.by_path(&before[..command_words].join(" "))?;
    let args = &before[command_words..];
    let arg = match pending_value(spec, args) {
        Some(arg) => arg,
        None => {
            let flag = args.iter().rev().find(|word| word.starts_with("--"))?;
            spec.arg(flag.trim_start_matches("--"))
                .filter(|arg| arg.kind == ArgKind::List)?
        }
    };
    arg.complete.map(|live| (start, live))
}

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
            vec![
                "change-mfa",
                "change-password",
                "change-quorum",
                "create",
                "delete",
                "list",
                "replicate"
            ]
        );
        assert_eq!(candidates("user cr"), vec!["create"]);
        assert_eq!(
            candidates("user create --username bob "),
            vec!["--cluster-id", "--role", "--password", "--approval"]
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

    #[test]
    fn flags_that_name_what_exists_complete_from_a_query() {
        let table = CommandTable::builtin();
        let live = |line: &str| live_start(&table, line);
        assert_eq!(
            live("user delete --username "),
            Some((23, LiveValues::Usernames))
        );
        assert_eq!(
            live("user delete --username a"),
            Some((23, LiveValues::Usernames))
        );
        // A new user's name is not one that exists.
        assert_eq!(live("user create --username "), None);
        assert_eq!(
            live("key list --filter "),
            Some((18, LiveValues::KeyFilters))
        );
        // A filter is a list: its values go on up to the next flag.
        assert_eq!(
            live("crypto sign ecdsa --key-filter attr.label=a attr"),
            Some((44, LiveValues::KeyFilters))
        );
        assert_eq!(live("key list --filter attr.label=a --"), None);
        assert_eq!(
            live("keystore connect --custom-key-store-id "),
            Some((39, LiveValues::CustomKeyStoreIds))
        );
        assert_eq!(
            live("keystore create --cloud-hsm-cluster-id "),
            Some((39, LiveValues::ClusterIds))
        );
        assert_eq!(
            live("kms describe-key --key-id "),
            Some((26, LiveValues::KmsKeyIds))
        );
        assert_eq!(live("user create --role "), None);
        for source in LiveValues::ALL {
            assert_eq!(LiveValues::parse(source.name()), Some(source));
            let query = crate::parse::bind(&table, source.query())
                .unwrap_or_else(|error| panic!("{}: {error:?}", source.query()));
            assert!(query.is_some(), "{}", source.query());
        }
    }

    #[test]
    fn values_come_out_of_the_querys_data_sorted_once() {
        let users = serde_json::json!({"users": [{"username": "bob"}, {"username": "admin"}, {"username": "bob"}]});
        assert_eq!(LiveValues::Usernames.values(&users), ["admin", "bob"]);
        let keys = serde_json::json!({"matched_keys": [
            {"key-reference": "0x0000000000100001", "attributes": {"label": "a1"}},
            {"key-reference": "0x0000000000100002", "attributes": {"label": "two words"}},
            {"key-reference": "0x0000000000100003", "attributes": {"label": ""}}
        ]});
        assert_eq!(
            LiveValues::KeyFilters.values(&keys),
            [
                "attr.label=a1",
                "key-reference=0x0000000000100001",
                "key-reference=0x0000000000100002",
                "key-reference=0x0000000000100003"
            ]
        );
        let clusters = serde_json::json!({"Clusters": [{"ClusterId": "cluster-b", "Hsms": [{"HsmId": "hsm-2"}, {"HsmId": "hsm-1"}]}, {"ClusterId": "cluster-a"}]});
        assert_eq!(
            LiveValues::ClusterIds.values(&clusters),
            ["cluster-a", "cluster-b"]
        );
        assert_eq!(LiveValues::HsmIds.values(&clusters), ["hsm-1", "hsm-2"]);
        assert!(
            LiveValues::KmsKeyIds
                .values(&serde_json::json!("not a listing"))
                .is_empty()
        );
    }
}

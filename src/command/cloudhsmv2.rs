//! `cloudhsmv2 describe-clusters`, `describe-backups` and `create-backup`: the cluster control
//! plane, with AWS CLI style `--filters KEY=VALUE[,VALUE...]` words.

use super::{Context, Reply, ReplyData};
use crate::backend::hsm::cluster_control::{
    BackupFilters, BackupState, ClusterControl, ClusterFilters, ClusterState, unavailable,
};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use std::collections::BTreeMap;

const CLUSTER_FILTER_KEYS: &[&str] = &["clusterIds", "vpcIds", "states"];
const BACKUP_FILTER_KEYS: &[&str] = &[
    "backupIds",
    "sourceBackupIds",
    "clusterIds",
    "states",
    "neverExpires",
];

pub fn describe_clusters(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let mut words = parse_filters(invocation.list("filters"), CLUSTER_FILTER_KEYS)?;
    let filters = ClusterFilters {
        cluster_ids: words.remove("clusterIds").map(|(_, values)| values),
        vpc_ids: words.remove("vpcIds").map(|(_, values)| values),
        states: words
            .remove("states")
            .map(|(word, values)| parse_each(&word, &values, ClusterState::parse))
            .transpose()?,
    };
    let response = control_plane(context, invocation)?.describe_clusters(&filters)?;
    Ok(Reply::data(ReplyData::Clusters(response)))
}

pub fn describe_backups(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let mut words = parse_filters(invocation.list("filters"), BACKUP_FILTER_KEYS)?;
    let filters = BackupFilters {
        backup_ids: words.remove("backupIds").map(|(_, values)| values),
        source_backup_ids: words.remove("sourceBackupIds").map(|(_, values)| values),
        cluster_ids: words.remove("clusterIds").map(|(_, values)| values),
        states: words
            .remove("states")
            .map(|(word, values)| parse_each(&word, &values, BackupState::parse))
            .transpose()?,
        never_expires: words
            .remove("neverExpires")
            .map(|(word, values)| match values.as_slice() {
                [value] if value == "true" => Ok(true),
                [value] if value == "false" => Ok(false),
                _ => Err(Error::InvalidFilter {
                    word,
                    reason: "neverExpires takes one value, true or false".to_owned(),
                }),
            })
            .transpose()?,
    };
    let response = control_plane(context, invocation)?.describe_backups(&filters)?;
    Ok(Reply::data(ReplyData::Backups(response)))
}

pub fn create_backup(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let cluster_id = invocation.text("cluster-id").unwrap_or_default();
    let backup = control_plane(context, invocation)?.create_backup(cluster_id)?;
    Ok(Reply::data(ReplyData::Backup(backup)))
}

fn control_plane<'c>(
    context: &'c mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<&'c mut dyn ClusterControl> {
    context
        .hsm
        .cluster_control()
        .ok_or_else(|| unavailable(&invocation.spec.path, "the CloudHSM v2 control plane"))
}

/// Filter words by key: each key's word (for messages) and its comma-separated values.
fn parse_filters(
    words: &[String],
    allowed: &[&str],
) -> Result<BTreeMap<String, (String, Vec<String>)>> {
    let mut filters = BTreeMap::new();
    for word in words {
        let invalid = |reason: String| Error::InvalidFilter {
            word: word.clone(),
            reason,
        };
        let (key, values) = word
            .split_once('=')
            .ok_or_else(|| invalid("a filter is KEY=VALUE[,VALUE...]".to_owned()))?;
        if !allowed.contains(&key) {
            return Err(invalid(format!(
                "unknown filter key '{key}': use {}",
                allowed.join(", ")
            )));
        }
        let values: Vec<String> = values.split(',').map(str::to_owned).collect();
        if values.iter().any(String::is_empty) {
            return Err(invalid(format!("{key} needs non-empty values")));
        }
        if filters
            .insert(key.to_owned(), (word.clone(), values))
            .is_some()
        {
            return Err(invalid(format!("{key} is given more than once")));
        }
    }
    Ok(filters)
}

/// Each value parsed as an enum member, or an error naming the word and the value.
fn parse_each<T>(word: &str, values: &[String], parse: fn(&str) -> Option<T>) -> Result<Vec<T>> {
    values
        .iter()
        .map(|value| {
            parse(value).ok_or_else(|| Error::InvalidFilter {
                word: word.to_owned(),
                reason: format!("'{value}' is not a state"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn filters_split_values_on_commas() {
        let filters = parse_filters(
            &words(&["clusterIds=cluster-abc,cluster-def", "states=ACTIVE"]),
            CLUSTER_FILTER_KEYS,
        )
        .unwrap();
        assert_eq!(
            filters["clusterIds"].1,
            vec!["cluster-abc".to_owned(), "cluster-def".to_owned()]
        );
        assert_eq!(filters["states"].1, vec!["ACTIVE".to_owned()]);
    }

    #[test]
    fn filters_refuse_unknown_repeated_and_empty_keys() {
        for (word, message) in [
            (
                "color=blue",
                "Invalid filter 'color=blue': unknown filter key 'color': use clusterIds, vpcIds, states",
            ),
            (
                "clusterIds",
                "Invalid filter 'clusterIds': a filter is KEY=VALUE[,VALUE...]",
            ),
            (
                "vpcIds=vpc-1,",
                "Invalid filter 'vpcIds=vpc-1,': vpcIds needs non-empty values",
            ),
        ] {
            let error = parse_filters(&words(&[word]), CLUSTER_FILTER_KEYS).unwrap_err();
            assert_eq!(error.to_string(), message);
        }
        let error = parse_filters(
            &words(&["states=ACTIVE", "states=DEGRADED"]),
            CLUSTER_FILTER_KEYS,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid filter 'states=DEGRADED': states is given more than once"
        );
    }

    #[test]
    fn states_must_be_members_of_the_enum() {
        let error =
            parse_each("states=active", &words(&["active"]), ClusterState::parse).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid filter 'states=active': 'active' is not a state"
        );
        assert_eq!(
            parse_each("states=READY", &words(&["READY"]), BackupState::parse).unwrap(),
            vec![BackupState::Ready]
        );
    }
}

//! `cloudhsmv2 describe-clusters`, `describe-backups` and `create-backup`: the cluster control
//! plane, with AWS CLI style `--filters KEY=VALUE[,VALUE...]` words.

use super::text;
use super::{Context, Reply, ReplyData};
use crate::backend::hsm::cluster_control::{
    BackupFilters, BackupState, Cluster, ClusterControl, ClusterFilters, ClusterState,
    CreateClusterRequest, Hsm, INVALID_REQUEST, InitializeWith, cloudhsm_error, unavailable,
};
use crate::error::{Error, Result};
use crate::intake::CLOUDHSM_CERTIFICATE;
use crate::parse::Invocation;
use serde::Serialize;
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

/// `{"Cluster": ...}`: the response of CreateCluster and DeleteCluster.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClusterReply {
    pub cluster: Cluster,
}

/// `{"Hsm": ...}`: the response of CreateHsm.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HsmReply {
    pub hsm: Hsm,
}

/// `{"HsmId": ...}`: the response of DeleteHsm.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HsmDeleted {
    pub hsm_id: String,
}

pub fn create_cluster(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let request = CreateClusterRequest {
        hsm_type: text(invocation, "hsm-type"),
        subnet_ids: invocation.list("subnet-ids"),
        source_backup_id: invocation.text("source-backup-id"),
        mode: invocation.text("mode"),
    };
    let cluster = control_plane(context, invocation)?.create_cluster(&request)?;
    Ok(Reply::data(ReplyData::ClusterReply(ClusterReply {
        cluster,
    })))
}

pub fn initialize_cluster(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let cluster_id = text(invocation, "cluster-id");
    let trust_anchor = invocation.text("trust-anchor");
    let response = if invocation.switch("generate-customer-ca") {
        if trust_anchor.is_some() {
            return Err(cloudhsm_error(
                INVALID_REQUEST,
                "--trust-anchor goes with --signed-cert: --generate-customer-ca makes its own",
            ));
        }
        control_plane(context, invocation)?
            .initialize_cluster(cluster_id, &InitializeWith::GeneratedCustomerCa)?
    } else {
        let Some(trust_anchor) = trust_anchor else {
            return Err(cloudhsm_error(
                INVALID_REQUEST,
                "--signed-cert needs --trust-anchor, the certificate of the CA that signed it",
            ));
        };
        let signed_cert_pem =
            super::text_argument(text(invocation, "signed-cert"), CLOUDHSM_CERTIFICATE)?;
        let trust_anchor_pem = super::text_argument(trust_anchor, CLOUDHSM_CERTIFICATE)?;
        control_plane(context, invocation)?.initialize_cluster(
            cluster_id,
            &InitializeWith::SignedCertificate {
                signed_cert_pem: &signed_cert_pem,
                trust_anchor_pem: &trust_anchor_pem,
            },
        )?
    };
    Ok(Reply::data(ReplyData::Initialized(response)))
}

pub fn create_hsm(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let hsm = control_plane(context, invocation)?.create_hsm(
        text(invocation, "cluster-id"),
        text(invocation, "availability-zone"),
    )?;
    Ok(Reply::data(ReplyData::HsmReply(HsmReply { hsm })))
}

pub fn delete_hsm(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let hsm_id = control_plane(context, invocation)?
        .delete_hsm(text(invocation, "cluster-id"), text(invocation, "hsm-id"))?;
    Ok(Reply::data(ReplyData::HsmDeleted(HsmDeleted { hsm_id })))
}

pub fn delete_cluster(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let cluster =
        control_plane(context, invocation)?.delete_cluster(text(invocation, "cluster-id"))?;
    Ok(Reply::data(ReplyData::ClusterReply(ClusterReply {
        cluster,
    })))
}

/// The control plane of `--aws` when there is one, else the HSM backend's.
fn control_plane<'c>(
    context: &'c mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<&'c mut dyn ClusterControl> {
    let Context { control, hsm, .. } = context;
    match control {
        Some(control) => Ok(&mut **control),
        None => hsm
            .cluster_control()
            .ok_or_else(|| unavailable(&invocation.spec.path, "the CloudHSM v2 control plane")),
    }
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

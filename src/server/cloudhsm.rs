//! CloudHSM v2 (`BaldrApiService`) over awsJson1.1 and RPC v2 CBOR: each operation's input read
//! from the body, the `ClusterControl` call, and its response with the API's member names.
//! The trait answers whole lists; `MaxResults` and `NextToken` page them here.

use super::input::Input;
use super::wire::WireError;
use crate::backend::hsm::cluster_control::{
    BackupFilters, BackupState, ClusterControl, ClusterFilters, ClusterState, CreateClusterRequest,
    INVALID_REQUEST, InitializeWith,
};
use crate::backend::kms::within;
use serde::Serialize;
use serde_json::{Value, json};

/// The operations served, as `BaldrApiService.<name>` and `/operation/<name>` spell them.
/// `CreateBackup` is the simulator's: real backups are taken automatically.
pub const OPERATIONS: &[&str] = &[
    "DescribeClusters",
    "DescribeBackups",
    "CreateCluster",
    "InitializeCluster",
    "CreateHsm",
    "DeleteHsm",
    "DeleteCluster",
    "CreateBackup",
];

/// Runs `operation` (one of [`OPERATIONS`]) on `control`: one transaction of the shared state.
pub fn call(
    control: &mut dyn ClusterControl,
    operation: &str,
    body: Value,
) -> Result<Value, WireError> {
    let input = Input::new(body);
    let failed = WireError::from_cloudhsm;
    match operation {
        "DescribeClusters" => {
            let page = Page::read(&input, 25)?;
            let filters = cluster_filters(&input)?;
            let clusters = control
                .describe_clusters(&filters)
                .map_err(failed)?
                .clusters;
            let (clusters, next) = page.cut(clusters, |cluster| &cluster.cluster_id)?;
            Ok(paged(json!({ "Clusters": to_json(clusters) }), next))
        }
        "DescribeBackups" => {
            let page = Page::read(&input, 50)?;
            let filters = backup_filters(&input)?;
            input.boolean("Shared")?;
            let mut backups = control.describe_backups(&filters).map_err(failed)?.backups;
            // Oldest first, as the shell lists them, unless the caller asks for the other way.
            if input.boolean("SortAscending")? == Some(false) {
                backups.reverse();
            }
            let (backups, next) = page.cut(backups, |backup| &backup.backup_id)?;
            Ok(paged(json!({ "Backups": to_json(backups) }), next))
        }
        "CreateCluster" => {
            let subnet_ids = input
                .strings("SubnetIds")?
                .ok_or_else(|| WireError::missing("subnetIds"))?;
            let request = CreateClusterRequest {
                hsm_type: input.required_string("HsmType")?,
                subnet_ids: &subnet_ids,
                source_backup_id: input.string("SourceBackupId")?,
                mode: input.string("Mode")?,
            };
            let cluster = control.create_cluster(&request).map_err(failed)?;
            Ok(json!({ "Cluster": to_json(cluster) }))
        }
        "InitializeCluster" => {
            let cluster_id = input.required_string("ClusterId")?;
            let with = InitializeWith::SignedCertificate {
                signed_cert_pem: input.required_string("SignedCert")?,
                trust_anchor_pem: input.required_string("TrustAnchor")?,
            };
            let reply = control
                .initialize_cluster(cluster_id, &with)
                .map_err(failed)?;
            Ok(json!({"State": reply.state, "StateMessage": reply.state_message}))
        }
        "CreateHsm" => {
            let cluster_id = input.required_string("ClusterId")?;
            let zone = input.required_string("AvailabilityZone")?;
            let hsm = control.create_hsm(cluster_id, zone).map_err(failed)?;
            Ok(json!({ "Hsm": to_json(hsm) }))
        }
        "DeleteHsm" => {
            let cluster_id = input.required_string("ClusterId")?;
            // The API also finds the HSM by EniId or EniIp; the simulator needs its ID.
            let Some(hsm_id) = input.string("HsmId")? else {
                return Err(WireError::client(
                    INVALID_REQUEST,
                    "Give HsmId: the simulator finds the HSM to delete by its ID",
                ));
            };
            let hsm_id = control.delete_hsm(cluster_id, hsm_id).map_err(failed)?;
            Ok(json!({ "HsmId": hsm_id }))
        }
        "DeleteCluster" => {
            let cluster_id = input.required_string("ClusterId")?;
            let cluster = control.delete_cluster(cluster_id).map_err(failed)?;
            Ok(json!({ "Cluster": to_json(cluster) }))
        }
        "CreateBackup" => {
            let cluster_id = input.required_string("ClusterId")?;
            let backup = control.create_backup(cluster_id).map_err(failed)?;
            Ok(json!({ "Backup": to_json(backup) }))
        }
        other => Err(super::unknown_operation("BaldrApiService", other)),
    }
}

/// `MaxResults` and `NextToken`. A token is the ID of the first item of the next page, so a
/// page stays right when items are added meanwhile.
struct Page<'a> {
    max_results: Option<usize>,
    token: Option<&'a str>,
}

impl<'a> Page<'a> {
    fn read(input: &'a Input, most: i64) -> Result<Page<'a>, WireError> {
        let max_results = input
            .integer("MaxResults")?
            .map(|value| {
                within(value, "maxResults", 1, most)
                    .map(|()| value as usize)
                    .map_err(WireError::from_cloudhsm)
            })
            .transpose()?;
        let token = input.string("NextToken")?;
        if let Some(token) = token {
            crate::backend::kms::length(token, "nextToken", 0, 256)
                .map_err(WireError::from_cloudhsm)?;
        }
        Ok(Page { max_results, token })
    }

    fn cut<T>(
        &self,
        items: Vec<T>,
        id: impl Fn(&T) -> &String,
    ) -> Result<(Vec<T>, Option<String>), WireError> {
        let start = match self.token {
            None => 0,
            Some(token) => items
                .iter()
                .position(|item| id(item) == token)
                .ok_or_else(|| WireError::client(INVALID_REQUEST, "Invalid NextToken"))?,
        };
        let mut page: Vec<T> = items.into_iter().skip(start).collect();
        let next = match self.max_results {
            Some(most) if page.len() > most => {
                let rest = page.split_off(most);
                rest.first().map(|item| id(item).clone())
            }
            _ => None,
        };
        Ok((page, next))
    }
}

fn paged(mut reply: Value, next: Option<String>) -> Value {
    if let (Some(token), Some(members)) = (next, reply.as_object_mut()) {
        members.insert("NextToken".to_owned(), Value::String(token));
    }
    reply
}

/// A filter key the operation does not know, or a value that is not one of the key's.
fn invalid_filter(message: String) -> WireError {
    WireError::client(INVALID_REQUEST, message)
}

fn cluster_filters(input: &Input) -> Result<ClusterFilters, WireError> {
    let mut filters = ClusterFilters::default();
    for (key, values) in input.string_lists("Filters")? {
        match key.as_str() {
            "clusterIds" => filters.cluster_ids = Some(values),
            "vpcIds" => filters.vpc_ids = Some(values),
            "states" => filters.states = Some(states(&values, ClusterState::parse)?),
            other => {
                return Err(invalid_filter(format!(
                    "Unknown filter key {other}: use clusterIds, vpcIds or states"
                )));
            }
        }
    }
    Ok(filters)
}

fn backup_filters(input: &Input) -> Result<BackupFilters, WireError> {
    let mut filters = BackupFilters::default();
    for (key, values) in input.string_lists("Filters")? {
        match key.as_str() {
            "backupIds" => filters.backup_ids = Some(values),
            "sourceBackupIds" => filters.source_backup_ids = Some(values),
            "clusterIds" => filters.cluster_ids = Some(values),
            "states" => filters.states = Some(states(&values, BackupState::parse)?),
            "neverExpires" => {
                filters.never_expires = Some(match values.as_slice() {
                    [value] if value == "true" => true,
                    [value] if value == "false" => false,
                    _ => {
                        return Err(invalid_filter(
                            "neverExpires takes one value, true or false".to_owned(),
                        ));
                    }
                });
            }
            other => {
                return Err(invalid_filter(format!(
                    "Unknown filter key {other}: use backupIds, sourceBackupIds, clusterIds, \
                     states or neverExpires"
                )));
            }
        }
    }
    Ok(filters)
}

fn states<T>(values: &[String], parse: fn(&str) -> Option<T>) -> Result<Vec<T>, WireError> {
    values
        .iter()
        .map(|value| parse(value).ok_or_else(|| invalid_filter(format!("{value} is not a state"))))
        .collect()
}

/// A response value as JSON; the control plane's values serialize with the API's member names
/// and cannot fail to.
fn to_json(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

//! CloudHSM v2 answers, as `aws-sdk-cloudhsmv2` parses them, turned into the domain values of
//! `cluster_control` (epoch seconds, the wire's enum names); and the domain's filters turned
//! into the API's `Filters` map.

use super::WireFilters;
use crate::backend::hsm::cluster_control::{
    Backup, BackupFilters, BackupRetentionPolicy, BackupState, Certificates, Cluster,
    ClusterFilters, ClusterState, Hsm, InitializeClusterResponse,
};
use crate::error::{Error, Result};
use aws_sdk_cloudhsmv2::operation::initialize_cluster::InitializeClusterOutput;
use aws_sdk_cloudhsmv2::types;

/// The backup policy of every cluster (the model's one value).
const DEFAULT_BACKUP_POLICY: &str = "DEFAULT";
/// What the API documents for a cluster that does not say: FIPS mode, IPv4, 90 days of backups.
const DEFAULT_MODE: &str = "FIPS";
const DEFAULT_NETWORK_TYPE: &str = "IPV4";
const DEFAULT_RETENTION_DAYS: i64 = 90;

/// A member CloudHSM always sends, or an error saying it did not.
pub fn required<T>(value: Option<T>, member: &str) -> Result<T> {
    value.ok_or_else(|| Error::AwsRequest {
        message: format!("CloudHSM answered without {member}, which it always sends"),
    })
}

fn unknown(member: &str, value: &str) -> Error {
    Error::AwsRequest {
        message: format!("CloudHSM answered {member} {value}, which this shell does not know"),
    }
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

fn cluster_state(state: &types::ClusterState) -> Result<ClusterState> {
    ClusterState::parse(state.as_str()).ok_or_else(|| unknown("ClusterState", state.as_str()))
}

pub fn cluster(cluster: &types::Cluster) -> Result<Cluster> {
    let certificates = cluster.certificates();
    let retention = cluster.backup_retention_policy();
    Ok(Cluster {
        cluster_id: required(cluster.cluster_id(), "ClusterId")?.to_owned(),
        state: cluster_state(required(cluster.state(), "State")?)?,
        state_message: cluster.state_message().map(str::to_owned),
        hsm_type: text(cluster.hsm_type()),
        vpc_id: text(cluster.vpc_id()),
        subnet_mapping: cluster
            .subnet_mapping()
            .map(|mapping| mapping.clone().into_iter().collect())
            .unwrap_or_default(),
        security_group: text(cluster.security_group()),
        hsms: cluster.hsms().iter().map(hsm).collect::<Result<_>>()?,
        certificates: Certificates {
            cluster_csr: certificates
                .and_then(types::Certificates::cluster_csr)
                .map(str::to_owned),
            cluster_certificate: certificates
                .and_then(types::Certificates::cluster_certificate)
                .map(str::to_owned),
        },
        source_backup_id: cluster.source_backup_id().map(str::to_owned),
        backup_policy: DEFAULT_BACKUP_POLICY,
        backup_retention_policy: match retention.and_then(types::BackupRetentionPolicy::value) {
            Some(value) => BackupRetentionPolicy {
                r#type: "DAYS",
                value: value.to_owned(),
            },
            None => BackupRetentionPolicy::days(DEFAULT_RETENTION_DAYS),
        },
        create_timestamp: required(cluster.create_timestamp(), "CreateTimestamp")?.secs(),
        mode: cluster
            .mode()
            .map_or(DEFAULT_MODE, types::ClusterMode::as_str)
            .to_owned(),
        network_type: cluster
            .network_type()
            .map_or(DEFAULT_NETWORK_TYPE, types::NetworkType::as_str)
            .to_owned(),
    })
}

pub fn hsm(hsm: &types::Hsm) -> Result<Hsm> {
    Ok(Hsm {
        hsm_id: hsm.hsm_id().to_owned(),
        availability_zone: text(hsm.availability_zone()),
        cluster_id: text(hsm.cluster_id()),
        subnet_id: text(hsm.subnet_id()),
        eni_id: text(hsm.eni_id()),
        eni_ip: text(hsm.eni_ip()),
        hsm_type: text(hsm.hsm_type()),
        state: hsm
            .state()
            .map(|state| state.as_str().to_owned())
            .unwrap_or_default(),
        state_message: hsm.state_message().map(str::to_owned),
    })
}

pub fn backup(backup: &types::Backup) -> Result<Backup> {
    let state = required(backup.backup_state(), "BackupState")?.as_str();
    Ok(Backup {
        backup_id: backup.backup_id().to_owned(),
        backup_state: BackupState::parse(state).ok_or_else(|| unknown("BackupState", state))?,
        cluster_id: text(backup.cluster_id()),
        create_timestamp: required(backup.create_timestamp(), "CreateTimestamp")?.secs(),
        never_expires: backup.never_expires().unwrap_or(false),
        hsm_type: text(backup.hsm_type()),
        mode: backup
            .mode()
            .map_or(DEFAULT_MODE, types::ClusterMode::as_str)
            .to_owned(),
    })
}

pub fn initialized(output: &InitializeClusterOutput) -> Result<InitializeClusterResponse> {
    Ok(InitializeClusterResponse {
        state: cluster_state(required(output.state(), "State")?)?,
        state_message: text(output.state_message()),
        trust_anchor_path: None,
    })
}

fn insert(filters: &mut WireFilters, key: &str, values: Option<Vec<String>>) {
    if let Some(values) = values {
        filters.insert(key.to_owned(), values);
    }
}

pub fn cluster_filters(filters: &ClusterFilters) -> WireFilters {
    let mut wire = WireFilters::new();
    insert(&mut wire, "clusterIds", filters.cluster_ids.clone());
    insert(&mut wire, "vpcIds", filters.vpc_ids.clone());
    let states = filters.states.as_ref().map(|states| {
        states
            .iter()
            .map(|state| state.as_str().to_owned())
            .collect()
    });
    insert(&mut wire, "states", states);
    wire
}

pub fn backup_filters(filters: &BackupFilters) -> WireFilters {
    let mut wire = WireFilters::new();
    insert(&mut wire, "backupIds", filters.backup_ids.clone());
    insert(
        &mut wire,
        "sourceBackupIds",
        filters.source_backup_ids.clone(),
    );
    insert(&mut wire, "clusterIds", filters.cluster_ids.clone());
    let states = filters.states.as_ref().map(|states| {
        states
            .iter()
            .map(|state| state.as_str().to_owned())
            .collect()
    });
    insert(&mut wire, "states", states);
    let never_expires = filters.never_expires.map(|never| vec![never.to_string()]);
    insert(&mut wire, "neverExpires", never_expires);
    wire
}

#[cfg(test)]
mod tests;

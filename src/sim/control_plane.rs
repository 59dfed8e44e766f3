//! The simulated CloudHSM v2 control plane: clusters and their HSMs as `DescribeClusters` shows
//! them, and backups recorded on request.

use super::ids::IdGenerator;
use crate::backend::hsm::cluster_control::{
    Backup, BackupRetentionPolicy, BackupState, Certificates, Cluster, ClusterState, Hsm,
};
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use std::collections::BTreeMap;

/// The one `BackupPolicy` value of the model.
const DEFAULT_BACKUP_POLICY: &str = "DEFAULT";

/// Every cluster, oldest first, with its HSMs and subnet mapping.
pub fn clusters(tx: &Transaction<'_>) -> Result<Vec<Cluster>> {
    let mut statement = tx.prepare_cached(
        "SELECT cluster_id, state, state_message, hsm_type, vpc_id, security_group_id,
                cluster_certificate_pem, source_backup_id, backup_retention_days, created_at,
                mode, network_type, cluster_csr_pem
         FROM clusters ORDER BY created_at, rowid",
    )?;
    let mut clusters = statement
        .query_map([], cluster_from_row)?
        .collect::<rusqlite::Result<Vec<Result<Cluster>>>>()?
        .into_iter()
        .collect::<Result<Vec<Cluster>>>()?;
    for cluster in &mut clusters {
        cluster.subnet_mapping = subnet_mapping(tx, &cluster.cluster_id)?;
        cluster.hsms = hsms(tx, &cluster.cluster_id, &cluster.hsm_type)?;
    }
    Ok(clusters)
}

/// A cluster row without its HSMs and subnets, which the caller adds.
fn cluster_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Cluster>> {
    let cluster_id: String = row.get(0)?;
    let state_text: String = row.get(1)?;
    let Some(state) = ClusterState::parse(&state_text) else {
        return Ok(Err(Error::State {
            message: format!("cluster {cluster_id} has an unknown state {state_text}"),
        }));
    };
    Ok(Ok(Cluster {
        state,
        state_message: row.get(2)?,
        hsm_type: row.get(3)?,
        vpc_id: row.get(4)?,
        subnet_mapping: BTreeMap::new(),
        security_group: row.get(5)?,
        hsms: Vec::new(),
        certificates: Certificates {
            cluster_csr: row.get(12)?,
            cluster_certificate: row.get(6)?,
        },
        source_backup_id: row.get(7)?,
        backup_policy: DEFAULT_BACKUP_POLICY,
        backup_retention_policy: BackupRetentionPolicy::days(row.get(8)?),
        create_timestamp: row.get(9)?,
        mode: row.get(10)?,
        network_type: row.get(11)?,
        cluster_id,
    }))
}

fn subnet_mapping(tx: &Transaction<'_>, cluster_id: &str) -> Result<BTreeMap<String, String>> {
    let mut statement = tx.prepare_cached(
        "SELECT availability_zone, subnet_id FROM cluster_subnets WHERE cluster_id = ?1",
    )?;
    let mapping = statement
        .query_map([cluster_id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<BTreeMap<String, String>>>()?;
    Ok(mapping)
}

fn hsms(tx: &Transaction<'_>, cluster_id: &str, hsm_type: &str) -> Result<Vec<Hsm>> {
    let mut statement = tx.prepare_cached(
        "SELECT hsm_id, availability_zone, subnet_id, eni_id, eni_ip, state, state_message
         FROM hsms WHERE cluster_id = ?1 ORDER BY availability_zone, hsm_id",
    )?;
    let hsms = statement
        .query_map([cluster_id], |row| {
            Ok(Hsm {
                hsm_id: row.get(0)?,
                availability_zone: row.get(1)?,
                cluster_id: cluster_id.to_owned(),
                subnet_id: row.get(2)?,
                eni_id: row.get(3)?,
                eni_ip: row.get(4)?,
                hsm_type: hsm_type.to_owned(),
                state: row.get(5)?,
                state_message: row.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<Hsm>>>()?;
    Ok(hsms)
}

/// Checks that `cluster_id` names a cluster of this state.
pub fn require_cluster(tx: &Transaction<'_>, cluster_id: &str) -> Result<()> {
    let found = tx
        .prepare_cached("SELECT 1 FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |_| Ok(()))
        .optional()?;
    found.ok_or_else(|| Error::ClusterNotFound {
        cluster_id: cluster_id.to_owned(),
    })
}

/// Every backup, oldest first.
pub fn backups(tx: &Transaction<'_>) -> Result<Vec<Backup>> {
    let mut statement = tx.prepare_cached(
        "SELECT backup_id, state, cluster_id, created_at, never_expires, hsm_type, mode
         FROM backups ORDER BY created_at, rowid",
    )?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(1)?,
                Backup {
                    backup_id: row.get(0)?,
                    backup_state: BackupState::Ready,
                    cluster_id: row.get(2)?,
                    create_timestamp: row.get(3)?,
                    never_expires: row.get(4)?,
                    hsm_type: row.get(5)?,
                    mode: row.get(6)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<(String, Backup)>>>()?;
    rows.into_iter()
        .map(|(state_text, mut backup)| {
            backup.backup_state = BackupState::parse(&state_text).ok_or_else(|| Error::State {
                message: format!(
                    "backup {} has an unknown state {state_text}",
                    backup.backup_id
                ),
            })?;
            Ok(backup)
        })
        .collect()
}

/// Records a READY backup of `cluster_id` taken at `now_unix`, carrying its lineage (the
/// cluster certificate).
pub fn create_backup(
    tx: &Transaction<'_>,
    ids: &mut IdGenerator,
    cluster_id: &str,
    now_unix: i64,
) -> Result<Backup> {
    let (hsm_type, mode, certificate): (String, String, Option<String>) = tx
        .prepare_cached(
            "SELECT hsm_type, mode, cluster_certificate_pem FROM clusters WHERE cluster_id = ?1",
        )?
        .query_row([cluster_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?
        .ok_or_else(|| Error::ClusterNotFound {
            cluster_id: cluster_id.to_owned(),
        })?;
    let certificate = certificate.ok_or_else(|| Error::ClusterNotInitialized {
        cluster_id: cluster_id.to_owned(),
    })?;
    let backup = Backup {
        backup_id: ids.backup_id(),
        backup_state: BackupState::Ready,
        cluster_id: cluster_id.to_owned(),
        create_timestamp: now_unix,
        never_expires: false,
        hsm_type,
        mode,
    };
    tx.prepare_cached(
        "INSERT INTO backups (backup_id, cluster_id, state, hsm_type, mode,
                              cluster_certificate_pem, never_expires, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        backup.backup_id,
        backup.cluster_id,
        backup.backup_state.as_str(),
        backup.hsm_type,
        backup.mode,
        certificate,
        backup.never_expires,
        backup.create_timestamp,
    ])?;
    Ok(backup)
}

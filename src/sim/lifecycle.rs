//! The mutating CloudHSM v2 calls on the simulated control plane: CreateCluster (new or
//! restored from a backup), InitializeCluster, CreateHsm, DeleteHsm and DeleteCluster.
//!
//! A new cluster is UNINITIALIZED with a CSR and the built-in users (an unactivated admin and
//! the appliance user); once initialised, `cluster activate` on it (after `sim use-cluster`)
//! makes it ACTIVE. A cluster restored from a backup takes the backup's cluster certificate (its
//! lineage), the trust anchor, users and keys of the backed-up cluster, and needs no
//! initialisation: it starts INITIALIZED, and becomes ACTIVE with its first HSM when the
//! backed-up cluster had been activated (AWS: a restored cluster is ACTIVE once it has an HSM).
//! The simulator keeps no snapshot: users and keys are copied from the backed-up cluster as they
//! are at restore time.

use super::ca;
use super::cluster::USABLE_ADDRESSES_PER_SLASH_24;
use super::control_plane::clusters;
use super::ids::IdGenerator;
use crate::backend::hsm::cluster_control::{
    Cluster, CreateClusterRequest, Hsm, INVALID_REQUEST, RESOURCE_NOT_FOUND, cloudhsm_error,
};
use crate::error::Result;
use rusqlite::{OptionalExtension, Transaction, params};

/// The HSM types CreateCluster accepts.
pub const HSM_TYPES: [&str; 2] = ["hsm1.medium", "hsm2m.medium"];
const DEFAULT_BACKUP_RETENTION_DAYS: i64 = 90;

/// The cluster as DescribeClusters shows it, or CloudHsmResourceNotFoundException.
pub fn cluster(tx: &Transaction<'_>, cluster_id: &str) -> Result<Cluster> {
    clusters(tx)?
        .into_iter()
        .find(|cluster| cluster.cluster_id == cluster_id)
        .ok_or_else(|| {
            cloudhsm_error(
                RESOURCE_NOT_FOUND,
                format!("Cluster {cluster_id} not found"),
            )
        })
}

/// The cluster, refused when it is DELETED.
fn live_cluster(tx: &Transaction<'_>, cluster_id: &str) -> Result<Cluster> {
    let cluster = cluster(tx, cluster_id)?;
    if cluster.state.as_str() == "DELETED" {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            format!("Cluster {cluster_id} is DELETED"),
        ));
    }
    Ok(cluster)
}

/// What a restore takes from its backup: the backed-up cluster and its lineage.
pub struct RestoreSource {
    pub backup_id: String,
    /// The backed-up cluster's mode, which a restore keeps.
    pub mode: String,
    pub source_cluster_id: String,
    pub cluster_certificate_pem: String,
}

/// The backup to restore, or CloudHsmResourceNotFoundException.
pub fn restore_source(tx: &Transaction<'_>, backup_id: &str) -> Result<RestoreSource> {
    tx.prepare_cached(
        "SELECT cluster_id, cluster_certificate_pem, mode FROM backups
         WHERE backup_id = ?1 AND state = 'READY'",
    )?
    .query_row([backup_id], |row| {
        Ok(RestoreSource {
            backup_id: backup_id.to_owned(),
            mode: row.get(2)?,
            source_cluster_id: row.get(0)?,
            cluster_certificate_pem: row.get(1)?,
        })
    })
    .optional()?
    .ok_or_else(|| cloudhsm_error(RESOURCE_NOT_FOUND, format!("Backup {backup_id} not found")))
}

/// The HSM type whose clusters may run in non-FIPS mode.
const NON_FIPS_HSM_TYPE: &str = "hsm2m.medium";

/// The mode of a new cluster: `FIPS` unless asked otherwise (hsm1.medium clusters are always
/// FIPS), and a restore's is its backup's.
fn cluster_mode(
    request: &CreateClusterRequest<'_>,
    restore: Option<&RestoreSource>,
) -> Result<&'static str> {
    let mode = match (request.mode, restore) {
        (Some(mode), _) => mode,
        (None, Some(source)) => source.mode.as_str(),
        (None, None) => "FIPS",
    };
    let mode = match mode {
        "FIPS" => "FIPS",
        "NON_FIPS" => "NON_FIPS",
        other => {
            return Err(cloudhsm_error(
                INVALID_REQUEST,
                format!("Mode {other} is not supported: use FIPS or NON_FIPS"),
            ));
        }
    };
    if mode == "NON_FIPS" && request.hsm_type != NON_FIPS_HSM_TYPE {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            format!(
                "Mode NON_FIPS needs HsmType {NON_FIPS_HSM_TYPE}: {} clusters are FIPS only",
                request.hsm_type
            ),
        ));
    }
    if let Some(source) = restore
        && source.mode != mode
    {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            format!(
                "Backup {} is of a {} cluster, and a backup restores only into a cluster of the \
                 same mode",
                source.backup_id, source.mode
            ),
        ));
    }
    Ok(mode)
}

/// Inserts the cluster row, its subnet mapping and a new security group. Returns the new ID.
/// `restore` gives the lineage; else the cluster is UNINITIALIZED with `csr_pem`.
pub fn create_cluster(
    tx: &Transaction<'_>,
    ids: &mut IdGenerator,
    request: &CreateClusterRequest<'_>,
    restore: Option<&RestoreSource>,
    now_unix: i64,
) -> Result<String> {
    if !HSM_TYPES.contains(&request.hsm_type) {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            format!(
                "HsmType {} is not supported: use {}",
                request.hsm_type,
                HSM_TYPES.join(" or ")
            ),
        ));
    }
    if request.subnet_ids.is_empty() {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            "SubnetIds needs at least one subnet",
        ));
    }
    let mode = cluster_mode(request, restore)?;
    let mut vpc: Option<String> = None;
    let mut mapping: Vec<(String, String)> = Vec::new();
    for subnet_id in request.subnet_ids {
        let row: Option<(String, String, bool)> = tx
            .prepare_cached(
                "SELECT vpc_id, availability_zone, deleted FROM subnets WHERE subnet_id = ?1",
            )?
            .query_row([subnet_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?;
        let Some((vpc_id, zone, false)) = row else {
            return Err(cloudhsm_error(
                INVALID_REQUEST,
                format!("Subnet {subnet_id} does not exist"),
            ));
        };
        if vpc.as_ref().is_some_and(|first| *first != vpc_id) {
            return Err(cloudhsm_error(
                INVALID_REQUEST,
                "All subnets must be in the same VPC",
            ));
        }
        if mapping.iter().any(|(other, _)| *other == zone) {
            return Err(cloudhsm_error(
                INVALID_REQUEST,
                format!("Only one subnet per Availability Zone: {zone} is given twice"),
            ));
        }
        vpc = Some(vpc_id);
        mapping.push((zone, subnet_id.clone()));
    }
    let vpc_id = vpc.unwrap_or_default();
    let region: String = tx
        .prepare_cached("SELECT region FROM vpcs WHERE vpc_id = ?1")?
        .query_row([&vpc_id], |row| row.get(0))?;

    let cluster_id = ids.cluster_id();
    let group_id = ids.security_group_id();
    super::cluster::create_cluster_security_group(tx, &cluster_id, &vpc_id, &group_id)?;

    let (state, csr, certificate, trust_anchor, activated, source_backup) = match restore {
        Some(source) => {
            let (trust_anchor, activated): (Option<String>, bool) = tx
                .prepare_cached(
                    "SELECT trust_anchor_pem, activated FROM clusters WHERE cluster_id = ?1",
                )?
                .query_row([&source.source_cluster_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?
                .unwrap_or((None, false));
            (
                "INITIALIZED",
                None,
                Some(source.cluster_certificate_pem.clone()),
                trust_anchor,
                activated,
                Some(source.backup_id.clone()),
            )
        }
        None => (
            "UNINITIALIZED",
            Some(ca::cluster_csr(&cluster_id, ids)?),
            None,
            None,
            false,
            None,
        ),
    };
    tx.execute(
        "INSERT INTO clusters (cluster_id, region, state, hsm_type, mode, network_type, vpc_id,
                               security_group_id, backup_retention_days, source_backup_id,
                               cluster_certificate_pem, trust_anchor_pem, activated, created_at,
                               cluster_csr_pem)
         VALUES (?1, ?2, ?3, ?4, ?14, 'IPV4', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            cluster_id,
            region,
            state,
            request.hsm_type,
            vpc_id,
            group_id,
            DEFAULT_BACKUP_RETENTION_DAYS,
            source_backup,
            certificate,
            trust_anchor,
            activated,
            now_unix,
            csr,
            mode,
        ],
    )?;
    for (zone, subnet_id) in &mapping {
        tx.execute(
            "INSERT INTO cluster_subnets (cluster_id, availability_zone, subnet_id)
             VALUES (?1, ?2, ?3)",
            params![cluster_id, zone, subnet_id],
        )?;
    }
    // A restore brings the backed-up cluster's users; a new cluster has the built-in ones.
    if restore.is_none() {
        super::cluster::insert_built_in_users(tx, &cluster_id)?;
    }
    Ok(cluster_id)
}

/// Copies the users of `from` to `to` with their MFA and quorum keys, without their logins or
/// failed-login counts.
pub fn copy_users(tx: &Transaction<'_>, from: &str, to: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO users (cluster_id, username, role, password_hash, failed_logins, locked)
         SELECT ?2, username, role, password_hash, 0, locked FROM users WHERE cluster_id = ?1",
        params![from, to],
    )?;
    tx.execute(
        "INSERT INTO token_sign_keys (cluster_id, username, quorum_key, mfa_key)
         SELECT ?2, username, quorum_key, mfa_key FROM token_sign_keys WHERE cluster_id = ?1",
        params![from, to],
    )?;
    Ok(())
}

/// Re-seals one sealed secret (blob, key reference) for the cluster it is copied to.
pub type Reseal<'a> = dyn Fn(&[u8], i64) -> Result<Vec<u8>> + 'a;

/// Copies the persistent keys of `from` (and their shares) to `to`; each sealed secret is
/// passed through `reseal(blob, reference)`, which binds it to the new cluster.
pub fn copy_keys(tx: &Transaction<'_>, from: &str, to: &str, reseal: &Reseal<'_>) -> Result<()> {
    tx.execute(
        "INSERT INTO keys (cluster_id, reference, owner, key_type, class, label, id, check_value,
                           flags, key_length_bytes, modulus, public_exponent, curve, ec_point,
                           public_der, sealed_secret, session_login_id, manage_quorum,
                           use_quorum)
         SELECT ?2, reference, owner, key_type, class, label, id, check_value, flags,
                key_length_bytes, modulus, public_exponent, curve, ec_point, public_der, NULL, NULL,
                manage_quorum, use_quorum
         FROM keys WHERE cluster_id = ?1 AND session_login_id IS NULL",
        params![from, to],
    )?;
    let sealed = tx
        .prepare(
            "SELECT reference, sealed_secret FROM keys
             WHERE cluster_id = ?1 AND session_login_id IS NULL AND sealed_secret IS NOT NULL",
        )?
        .query_map([from], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (reference, blob) in sealed {
        tx.execute(
            "UPDATE keys SET sealed_secret = ?3 WHERE cluster_id = ?1 AND reference = ?2",
            params![to, reference, reseal(&blob, reference)?],
        )?;
    }
    tx.execute(
        "INSERT INTO key_shares (cluster_id, reference, username)
         SELECT ?2, s.reference, s.username FROM key_shares s
         JOIN keys k ON k.cluster_id = ?2 AND k.reference = s.reference
         WHERE s.cluster_id = ?1",
        params![from, to],
    )?;
    Ok(())
}

/// The CSR of an UNINITIALIZED cluster, or why it cannot be initialised.
pub fn csr_to_initialize(tx: &Transaction<'_>, cluster_id: &str) -> Result<String> {
    let cluster = live_cluster(tx, cluster_id)?;
    match (cluster.state.as_str(), cluster.certificates.cluster_csr) {
        ("UNINITIALIZED", Some(csr)) => Ok(csr),
        (state, _) => Err(cloudhsm_error(
            INVALID_REQUEST,
            format!(
                "Cluster {cluster_id} is {state}: only an UNINITIALIZED cluster can be initialized"
            ),
        )),
    }
}

/// Stores the cluster certificate and the customer CA; the cluster becomes INITIALIZED.
pub fn store_initialization(
    tx: &Transaction<'_>,
    cluster_id: &str,
    cluster_certificate_pem: &str,
    trust_anchor_pem: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE clusters SET state = 'INITIALIZED', cluster_certificate_pem = ?2,
                             trust_anchor_pem = ?3, cluster_csr_pem = NULL
         WHERE cluster_id = ?1",
        params![cluster_id, cluster_certificate_pem, trust_anchor_pem],
    )?;
    Ok(())
}

/// Creates an ACTIVE HSM in the cluster's subnet of `availability_zone`, taking one free
/// address of that subnet. An activated INITIALIZED cluster (a restore) becomes ACTIVE.
pub fn create_hsm(
    tx: &Transaction<'_>,
    ids: &mut IdGenerator,
    cluster_id: &str,
    availability_zone: &str,
    now_unix: i64,
) -> Result<Hsm> {
    let cluster = live_cluster(tx, cluster_id)?;
    let Some(subnet_id) = cluster.subnet_mapping.get(availability_zone).cloned() else {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            format!(
                "Cluster {cluster_id} has no subnet in Availability Zone {availability_zone}: its zones are {}",
                cluster
                    .subnet_mapping
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    let row: Option<(String, i64, bool)> = tx
        .prepare_cached(
            "SELECT cidr_block, free_addresses, deleted FROM subnets WHERE subnet_id = ?1",
        )?
        .query_row([&subnet_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let Some((cidr_block, free, false)) = row else {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            format!("Subnet {subnet_id} does not exist"),
        ));
    };
    if free < 1 {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            format!("Subnet {subnet_id} has no free IP address"),
        ));
    }
    let used = tx
        .prepare_cached("SELECT eni_ip FROM hsms WHERE subnet_id = ?1 AND state <> 'DELETED'")?
        .query_map([&subnet_id], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let prefix = cidr_block.trim_end_matches("0/24");
    let start = 4 + ids.below(USABLE_ADDRESSES_PER_SLASH_24);
    let eni_ip = (0..USABLE_ADDRESSES_PER_SLASH_24)
        .map(|offset| {
            format!(
                "{prefix}{}",
                4 + (start - 4 + offset) % USABLE_ADDRESSES_PER_SLASH_24
            )
        })
        .find(|ip| !used.contains(ip))
        .ok_or_else(|| {
            cloudhsm_error(
                INVALID_REQUEST,
                format!("Subnet {subnet_id} has no free IP address"),
            )
        })?;
    let hsm = Hsm {
        hsm_id: ids.hsm_id(),
        availability_zone: availability_zone.to_owned(),
        cluster_id: cluster_id.to_owned(),
        subnet_id: subnet_id.clone(),
        eni_id: ids.eni_id(),
        eni_ip,
        hsm_type: cluster.hsm_type.clone(),
        state: "ACTIVE".to_owned(),
        state_message: None,
    };
    let serial = format!(
        "5.3G{:02}{:02}-ICM{:06}",
        19 + ids.below(5),
        1 + ids.below(52),
        ids.below(1_000_000)
    );
    tx.execute(
        "INSERT INTO hsms (hsm_id, cluster_id, availability_zone, subnet_id, eni_id, eni_ip,
                           state, serial_number, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'ACTIVE', ?7, ?8)",
        params![
            hsm.hsm_id,
            cluster_id,
            availability_zone,
            subnet_id,
            hsm.eni_id,
            hsm.eni_ip,
            serial,
            now_unix
        ],
    )?;
    tx.execute(
        "UPDATE subnets SET free_addresses = free_addresses - 1 WHERE subnet_id = ?1",
        [&subnet_id],
    )?;
    tx.execute(
        "UPDATE clusters SET state = 'ACTIVE'
         WHERE cluster_id = ?1 AND state = 'INITIALIZED' AND activated = 1",
        [cluster_id],
    )?;
    Ok(hsm)
}

/// Marks the HSM DELETED and gives its address back to its subnet.
pub fn delete_hsm(tx: &Transaction<'_>, cluster_id: &str, hsm_id: &str) -> Result<String> {
    live_cluster(tx, cluster_id)?;
    let subnet_id: Option<String> = tx
        .prepare_cached(
            "SELECT subnet_id FROM hsms
             WHERE hsm_id = ?1 AND cluster_id = ?2 AND state <> 'DELETED'",
        )?
        .query_row([hsm_id, cluster_id], |row| row.get(0))
        .optional()?;
    let Some(subnet_id) = subnet_id else {
        return Err(cloudhsm_error(
            RESOURCE_NOT_FOUND,
            format!("HSM {hsm_id} not found in cluster {cluster_id}"),
        ));
    };
    tx.execute(
        "UPDATE hsms SET state = 'DELETED' WHERE hsm_id = ?1",
        [hsm_id],
    )?;
    tx.execute(
        "UPDATE subnets SET free_addresses = min(free_addresses + 1, ?2) WHERE subnet_id = ?1",
        params![subnet_id, USABLE_ADDRESSES_PER_SLASH_24],
    )?;
    Ok(hsm_id.to_owned())
}

/// Marks a cluster without HSMs DELETED and returns it.
pub fn delete_cluster(tx: &Transaction<'_>, cluster_id: &str) -> Result<Cluster> {
    let found = live_cluster(tx, cluster_id)?;
    let live: Vec<&str> = found
        .hsms
        .iter()
        .filter(|hsm| hsm.state != "DELETED")
        .map(|hsm| hsm.hsm_id.as_str())
        .collect();
    if !live.is_empty() {
        return Err(cloudhsm_error(
            INVALID_REQUEST,
            format!(
                "Cluster {cluster_id} still has HSMs ({}): delete them before deleting the cluster",
                live.join(", ")
            ),
        ));
    }
    tx.execute(
        "UPDATE clusters SET state = 'DELETED' WHERE cluster_id = ?1",
        [cluster_id],
    )?;
    cluster(tx, cluster_id)
}

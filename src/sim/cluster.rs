//! Simulated clusters: the ready cluster a fresh state starts with, and cluster-level reads.
//!
//! The first cluster looks like one a customer has just created and initialised in
//! `us-east-1`: a VPC with one private subnet in each of two AZs, the cluster security group
//! with its TCP 2223-2225 rules pointing at itself, two ACTIVE HSMs (one per AZ), a customer CA
//! and the cluster certificate it signed, and the two built-in users. It is not activated yet:
//! that is the first thing a newcomer does, as on a real cluster.

use super::ca::{ClusterCertificates, issue_cluster_certificates};
use super::ids::IdGenerator;
use super::users::{self, APPLIANCE_USER, BUILT_IN_ADMIN};
use crate::backend::hsm::UserRole;
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Transaction, params};

pub const FIRST_CLUSTER_REGION: &str = "us-east-1";
pub const FIRST_CLUSTER_HSM_TYPE: &str = "hsm1.medium";
/// The ports the CloudHSM client uses; KMS checks the security group allows them.
pub const HSM_PORT_RANGE: (u16, u16) = (2223, 2225);
const VPC_CIDR: &str = "10.0.0.0/16";
/// AWS reserves the first four addresses and the last one of every subnet.
pub const USABLE_ADDRESSES_PER_SLASH_24: u32 = 256 - 5;
/// AWS's default backup retention for a new cluster.
const DEFAULT_BACKUP_RETENTION_DAYS: i64 = 90;

/// One private subnet of the first cluster and the HSM placed in it.
struct Placement {
    availability_zone: &'static str,
    third_octet: u8,
}

const PLACEMENTS: [Placement; 2] = [
    Placement {
        availability_zone: "us-east-1a",
        third_octet: 0,
    },
    Placement {
        availability_zone: "us-east-1b",
        third_octet: 1,
    },
];

/// What creating the first cluster produced that the caller needs outside the database.
#[derive(Debug)]
pub struct CreatedCluster {
    pub cluster_id: String,
    pub certificates: ClusterCertificates,
}

/// Creates the first cluster and everything around it inside `tx`.
pub fn create_first_cluster(
    tx: &Transaction<'_>,
    ids: &mut IdGenerator,
    now_unix: i64,
) -> Result<CreatedCluster> {
    let cluster_id = ids.cluster_id();
    let vpc_id = ids.vpc_id();
    let security_group_id = ids.security_group_id();
    let certificates = issue_cluster_certificates(&cluster_id, now_unix, ids)?;

    tx.execute(
        "INSERT INTO vpcs (vpc_id, region, cidr_block) VALUES (?1, ?2, ?3)",
        params![vpc_id, FIRST_CLUSTER_REGION, VPC_CIDR],
    )?;
    create_cluster_security_group(tx, &cluster_id, &vpc_id, &security_group_id)?;
    tx.execute(
        "INSERT INTO clusters (cluster_id, region, state, hsm_type, mode, network_type, vpc_id,
                               security_group_id, backup_retention_days,
                               cluster_certificate_pem, trust_anchor_pem, activated, created_at)
         VALUES (?1, ?2, 'INITIALIZED', ?3, 'FIPS', 'IPV4', ?4, ?5, ?6, ?7, ?8, 0, ?9)",
        params![
            cluster_id,
            FIRST_CLUSTER_REGION,
            FIRST_CLUSTER_HSM_TYPE,
            vpc_id,
            security_group_id,
            DEFAULT_BACKUP_RETENTION_DAYS,
            certificates.cluster_certificate_pem,
            certificates.customer_ca_pem,
            now_unix,
        ],
    )?;

    let serial_batch = format!("5.3G{:02}{:02}", 19 + ids.below(5), 1 + ids.below(52));
    let mut serial_units = Vec::with_capacity(PLACEMENTS.len());
    for placement in &PLACEMENTS {
        let subnet_id = ids.subnet_id();
        let hsm_id = ids.hsm_id();
        let eni_id = ids.eni_id();
        // The first usable host address is .4; .255 is reserved.
        let eni_ip = format!("10.0.{}.{}", placement.third_octet, 4 + ids.below(251));
        let serial_unit = loop {
            let unit = ids.below(1_000_000);
            if !serial_units.contains(&unit) {
                break unit;
            }
        };
        serial_units.push(serial_unit);

        tx.execute(
            "INSERT INTO subnets (subnet_id, vpc_id, availability_zone, cidr_block, free_addresses)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                subnet_id,
                vpc_id,
                placement.availability_zone,
                format!("10.0.{}.0/24", placement.third_octet),
                // The HSM's network interface takes one address.
                USABLE_ADDRESSES_PER_SLASH_24 - 1,
            ],
        )?;
        tx.execute(
            "INSERT INTO cluster_subnets (cluster_id, availability_zone, subnet_id)
             VALUES (?1, ?2, ?3)",
            params![cluster_id, placement.availability_zone, subnet_id],
        )?;
        tx.execute(
            "INSERT INTO hsms (hsm_id, cluster_id, availability_zone, subnet_id, eni_id, eni_ip,
                               state, serial_number, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'ACTIVE', ?7, ?8)",
            params![
                hsm_id,
                cluster_id,
                placement.availability_zone,
                subnet_id,
                eni_id,
                eni_ip,
                format!("{serial_batch}-ICM{serial_unit:06}"),
                now_unix,
            ],
        )?;
    }

    insert_built_in_users(tx, &cluster_id)?;

    Ok(CreatedCluster {
        cluster_id,
        certificates,
    })
}

/// The users every new cluster's HSMs come with: the built-in admin, not activated yet, and
/// the appliance user.
pub(crate) fn insert_built_in_users(tx: &Transaction<'_>, cluster_id: &str) -> Result<()> {
    users::insert(
        tx,
        cluster_id,
        BUILT_IN_ADMIN,
        UserRole::UnactivatedAdmin,
        None,
    )?;
    users::insert(
        tx,
        cluster_id,
        APPLIANCE_USER,
        UserRole::ApplianceUser,
        None,
    )
}

/// The security group CloudHSM creates with a cluster: TCP 2223-2225 in from and out to itself.
pub(crate) fn create_cluster_security_group(
    tx: &Transaction<'_>,
    cluster_id: &str,
    vpc_id: &str,
    group_id: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO security_groups (group_id, vpc_id, group_name, description)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            group_id,
            vpc_id,
            format!("cloudhsm-{cluster_id}-sg"),
            format!("Security group for CloudHSM cluster {cluster_id}"),
        ],
    )?;
    for direction in ["inbound", "outbound"] {
        tx.execute(
            "INSERT INTO security_group_rules
                 (group_id, direction, protocol, from_port, to_port, peer_group_id)
             VALUES (?1, ?2, 'tcp', ?3, ?4, ?1)",
            params![group_id, direction, HSM_PORT_RANGE.0, HSM_PORT_RANGE.1],
        )?;
    }
    Ok(())
}

/// The cluster commands use when none is named: the first one created.
pub fn default_cluster_id(tx: &Transaction<'_>) -> Result<String> {
    tx.query_row(
        "SELECT cluster_id FROM clusters ORDER BY created_at, rowid LIMIT 1",
        [],
        |row| row.get(0),
    )
    .map_err(|error| match error {
        rusqlite::Error::QueryReturnedNoRows => Error::State {
            message: "the simulator state holds no cluster".to_owned(),
        },
        other => other.into(),
    })
}

/// The `State` of a cluster, or `None` when the state holds no such cluster.
pub fn state(tx: &Transaction<'_>, cluster_id: &str) -> Result<Option<String>> {
    let state = tx
        .prepare_cached("SELECT state FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| row.get(0))
        .optional()?;
    Ok(state)
}

/// The cluster's HSM type and mode (`hsm2m.medium`, `NON_FIPS`), if the cluster exists.
pub fn type_and_mode(tx: &Transaction<'_>, cluster_id: &str) -> Result<Option<(String, String)>> {
    Ok(tx
        .prepare_cached("SELECT hsm_type, mode FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The cluster's HSM type (`hsm1.medium`, `hsm2m.medium`), if the cluster exists.
pub fn hsm_type(tx: &Transaction<'_>, cluster_id: &str) -> Result<Option<String>> {
    Ok(tx
        .prepare_cached("SELECT hsm_type FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| row.get(0))
        .optional()?)
}

pub fn is_activated(tx: &Transaction<'_>, cluster_id: &str) -> Result<bool> {
    let activated = tx
        .prepare_cached("SELECT activated FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| row.get(0))?;
    Ok(activated)
}

/// Records activation; an INITIALIZED cluster becomes ACTIVE, as a real one does once a CO has
/// activated it in the CloudHSM CLI.
pub fn mark_activated(tx: &Transaction<'_>, cluster_id: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE clusters
         SET activated = 1,
             state = CASE state WHEN 'INITIALIZED' THEN 'ACTIVE' ELSE state END
         WHERE cluster_id = ?1",
    )?
    .execute([cluster_id])?;
    Ok(())
}

/// Serial numbers of the cluster's ACTIVE HSMs, in AZ order.
pub fn active_hsm_serial_numbers(tx: &Transaction<'_>, cluster_id: &str) -> Result<Vec<String>> {
    let mut statement = tx.prepare_cached(
        "SELECT serial_number FROM hsms WHERE cluster_id = ?1 AND state = 'ACTIVE'
         ORDER BY availability_zone, hsm_id",
    )?;
    let serials = statement
        .query_map([cluster_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(serials)
}

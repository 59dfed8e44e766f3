//! The simulated EC2 network around clusters (subnets and the cluster security group) and the
//! faults that break it for rehearsal: deleted subnets, exhausted addresses, missing rules.

use super::cluster::{HSM_PORT_RANGE, USABLE_ADDRESSES_PER_SLASH_24};
use super::control_plane::require_cluster;
use super::ids::IdGenerator;
use crate::backend::hsm::cluster_control::{
    IpPermission, NetworkDescription, SecurityGroup, Subnet, SubnetChange, UserIdGroupPair,
};
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Transaction, params};

/// The subnet row a fault acts on, with the clusters whose mapping names it.
fn subnet_change(tx: &Transaction<'_>, subnet_id: &str) -> Result<(SubnetChange, bool)> {
    let (availability_zone, cidr_block, deleted): (String, String, bool) = tx
        .prepare_cached(
            "SELECT availability_zone, cidr_block, deleted FROM subnets WHERE subnet_id = ?1",
        )?
        .query_row([subnet_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?
        .ok_or_else(|| Error::SubnetNotFound {
            subnet_id: subnet_id.to_owned(),
        })?;
    let mapped_by = tx
        .prepare_cached(
            "SELECT cluster_id FROM cluster_subnets WHERE subnet_id = ?1 ORDER BY cluster_id",
        )?
        .query_map([subnet_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let change = SubnetChange {
        subnet_id: subnet_id.to_owned(),
        availability_zone,
        cidr_block,
        mapped_by,
    };
    Ok((change, deleted))
}

/// Marks a subnet deleted. Mappings and HSM rows keep naming it, as AWS leaves them.
pub fn delete_subnet(tx: &Transaction<'_>, subnet_id: &str) -> Result<SubnetChange> {
    let (change, deleted) = subnet_change(tx, subnet_id)?;
    if deleted {
        return Err(Error::SubnetDeleted {
            subnet_id: subnet_id.to_owned(),
        });
    }
    tx.prepare_cached("UPDATE subnets SET deleted = 1 WHERE subnet_id = ?1")?
        .execute([subnet_id])?;
    Ok(change)
}

/// Sets the free addresses of an existing subnet (every simulated subnet is a /24).
pub fn set_free_addresses(
    tx: &Transaction<'_>,
    subnet_id: &str,
    count: i64,
) -> Result<SubnetChange> {
    let (change, deleted) = subnet_change(tx, subnet_id)?;
    if deleted {
        return Err(Error::SubnetDeleted {
            subnet_id: subnet_id.to_owned(),
        });
    }
    let usable = i64::from(USABLE_ADDRESSES_PER_SLASH_24);
    if !(0..=usable).contains(&count) {
        return Err(Error::InvalidInput {
            what: "address count",
            reason: format!(
                "--count must be 0 to {usable}, the usable addresses of the /24 subnet {subnet_id}"
            ),
        });
    }
    tx.prepare_cached("UPDATE subnets SET free_addresses = ?2 WHERE subnet_id = ?1")?
        .execute(params![subnet_id, count])?;
    Ok(change)
}

/// The cluster's security group ID.
fn security_group_of(tx: &Transaction<'_>, cluster_id: &str) -> Result<String> {
    require_cluster(tx, cluster_id)?;
    let group_id = tx
        .prepare_cached("SELECT security_group_id FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| row.get(0))?;
    Ok(group_id)
}

/// Deletes the inbound and outbound TCP 2223-2225 rules that name the group itself.
pub fn remove_security_group_rules(tx: &Transaction<'_>, cluster_id: &str) -> Result<String> {
    let group_id = security_group_of(tx, cluster_id)?;
    let removed = tx
        .prepare_cached(
            "DELETE FROM security_group_rules
             WHERE group_id = ?1 AND peer_group_id = ?1 AND protocol = 'tcp'
               AND from_port = ?2 AND to_port = ?3",
        )?
        .execute(params![group_id, HSM_PORT_RANGE.0, HSM_PORT_RANGE.1])?;
    if removed == 0 {
        return Err(Error::SecurityGroupRules {
            group_id,
            state: "has no TCP 2223-2225 self-referencing rules to remove",
        });
    }
    Ok(group_id)
}

/// Adds back whichever of the two TCP 2223-2225 self-referencing rules is missing.
pub fn restore_security_group_rules(tx: &Transaction<'_>, cluster_id: &str) -> Result<String> {
    let group_id = security_group_of(tx, cluster_id)?;
    let mut added = 0;
    for direction in ["inbound", "outbound"] {
        added += tx
            .prepare_cached(
                "INSERT OR IGNORE INTO security_group_rules
                     (group_id, direction, protocol, from_port, to_port, peer_group_id)
                 VALUES (?1, ?2, 'tcp', ?3, ?4, ?1)",
            )?
            .execute(params![
                group_id,
                direction,
                HSM_PORT_RANGE.0,
                HSM_PORT_RANGE.1
            ])?;
    }
    if added == 0 {
        return Err(Error::SecurityGroupRules {
            group_id,
            state: "already allows TCP 2223-2225 inbound and outbound from itself",
        });
    }
    Ok(group_id)
}

/// Creates a /24 subnet with every usable address free in `availability_zone` of the VPC of
/// `cluster_id`, taking the lowest `10.0.N.0/24` block no subnet of the VPC uses.
pub fn create_subnet(
    tx: &Transaction<'_>,
    ids: &mut IdGenerator,
    cluster_id: &str,
    availability_zone: &str,
) -> Result<SubnetChange> {
    let (vpc_id, region): (String, String) = tx
        .prepare_cached(
            "SELECT vpcs.vpc_id, vpcs.region FROM clusters JOIN vpcs USING (vpc_id)
             WHERE clusters.cluster_id = ?1",
        )?
        .query_row([cluster_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::ClusterNotFound {
            cluster_id: cluster_id.to_owned(),
        })?;
    if !is_zone_of(&region, availability_zone) {
        return Err(Error::InvalidInput {
            what: "availability zone",
            reason: format!(
                "'{availability_zone}' is not a zone of {region}: use {region}a to {region}f"
            ),
        });
    }
    let used_blocks = tx
        .prepare_cached("SELECT cidr_block FROM subnets WHERE vpc_id = ?1")?
        .query_map([&vpc_id], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let cidr_block = (0..=255u16)
        .map(|octet| format!("10.0.{octet}.0/24"))
        .find(|block| !used_blocks.contains(block))
        .ok_or_else(|| Error::InvalidInput {
            what: "subnet",
            reason: format!("VPC {vpc_id} has no free /24 block left"),
        })?;
    let subnet_id = ids.subnet_id();
    tx.prepare_cached(
        "INSERT INTO subnets (subnet_id, vpc_id, availability_zone, cidr_block, free_addresses)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        subnet_id,
        vpc_id,
        availability_zone,
        cidr_block,
        USABLE_ADDRESSES_PER_SLASH_24
    ])?;
    Ok(SubnetChange {
        subnet_id,
        availability_zone: availability_zone.to_owned(),
        cidr_block,
        mapped_by: Vec::new(),
    })
}

/// Whether `availability_zone` is one of `region`'s zones `a` to `f` (`us-east-1c`).
fn is_zone_of(region: &str, availability_zone: &str) -> bool {
    availability_zone
        .strip_prefix(region)
        .is_some_and(|letter| matches!(letter, "a" | "b" | "c" | "d" | "e" | "f"))
}

/// Every subnet of the cluster's VPC (deleted ones too) and the cluster's security group.
pub fn describe_network(tx: &Transaction<'_>, cluster_id: &str) -> Result<NetworkDescription> {
    require_cluster(tx, cluster_id)?;
    let (vpc_id, group_id): (String, String) = tx
        .prepare_cached("SELECT vpc_id, security_group_id FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let subnets = tx
        .prepare_cached(
            "SELECT subnet_id, availability_zone, cidr_block, free_addresses, deleted
             FROM subnets WHERE vpc_id = ?1 ORDER BY availability_zone, cidr_block",
        )?
        .query_map([&vpc_id], |row| {
            Ok(Subnet {
                subnet_id: row.get(0)?,
                vpc_id: vpc_id.clone(),
                availability_zone: row.get(1)?,
                cidr_block: row.get(2)?,
                available_ip_address_count: row.get(3)?,
                exists: !row.get::<_, bool>(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<Subnet>>>()?;
    let (group_name, description): (String, String) = tx
        .prepare_cached("SELECT group_name, description FROM security_groups WHERE group_id = ?1")?
        .query_row([&group_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let security_group = SecurityGroup {
        ip_permissions: rules(tx, &group_id, "inbound")?,
        ip_permissions_egress: rules(tx, &group_id, "outbound")?,
        group_id,
        group_name,
        description,
        vpc_id: vpc_id.clone(),
    };
    Ok(NetworkDescription {
        cluster_id: cluster_id.to_owned(),
        vpc_id,
        subnets,
        security_groups: vec![security_group],
    })
}

/// The group's rules in one direction, one `IpPermission` per rule.
fn rules(tx: &Transaction<'_>, group_id: &str, direction: &str) -> Result<Vec<IpPermission>> {
    let permissions = tx
        .prepare_cached(
            "SELECT protocol, from_port, to_port, peer_group_id FROM security_group_rules
             WHERE group_id = ?1 AND direction = ?2
             ORDER BY protocol, from_port, to_port, peer_group_id",
        )?
        .query_map(params![group_id, direction], |row| {
            Ok(IpPermission {
                ip_protocol: row.get(0)?,
                from_port: row.get(1)?,
                to_port: row.get(2)?,
                user_id_group_pairs: vec![UserIdGroupPair {
                    group_id: row.get(3)?,
                }],
            })
        })?
        .collect::<rusqlite::Result<Vec<IpPermission>>>()?;
    Ok(permissions)
}

/// Sets an HSM's state to ACTIVE or DELETED; returns its cluster's ID.
pub fn set_hsm_state(tx: &Transaction<'_>, hsm_id: &str, state: &str) -> Result<String> {
    let cluster_id: String = tx
        .prepare_cached("SELECT cluster_id FROM hsms WHERE hsm_id = ?1")?
        .query_row([hsm_id], |row| row.get(0))
        .optional()?
        .ok_or_else(|| Error::InvalidInput {
            what: "HSM",
            reason: format!("no HSM {hsm_id} exists"),
        })?;
    tx.prepare_cached("UPDATE hsms SET state = ?2 WHERE hsm_id = ?1")?
        .execute(params![hsm_id, state])?;
    Ok(cluster_id)
}

/// Sets a cluster's state (ACTIVE or DELETED) and returns the state it had. A cluster that was
/// never activated cannot become ACTIVE.
pub fn set_cluster_state(tx: &Transaction<'_>, cluster_id: &str, state: &str) -> Result<String> {
    require_cluster(tx, cluster_id)?;
    let (before, activated): (String, bool) = tx
        .prepare_cached("SELECT state, activated FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
    if state == "ACTIVE" && !activated {
        return Err(Error::ClusterNotActivated);
    }
    tx.prepare_cached("UPDATE clusters SET state = ?2 WHERE cluster_id = ?1")?
        .execute(params![cluster_id, state])?;
    Ok(before)
}

/// Points the cluster's mapping for the subnet's zone at `subnet_id`, an existing subnet of the
/// cluster's VPC.
pub fn map_subnet(tx: &Transaction<'_>, cluster_id: &str, subnet_id: &str) -> Result<SubnetChange> {
    require_cluster(tx, cluster_id)?;
    let (mut change, deleted) = subnet_change(tx, subnet_id)?;
    if deleted {
        return Err(Error::SubnetDeleted {
            subnet_id: subnet_id.to_owned(),
        });
    }
    let same_vpc: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM clusters c JOIN subnets s ON s.vpc_id = c.vpc_id
                            WHERE c.cluster_id = ?1 AND s.subnet_id = ?2)",
        )?
        .query_row([cluster_id, subnet_id], |row| row.get(0))?;
    if !same_vpc {
        return Err(Error::InvalidInput {
            what: "subnet",
            reason: format!("{subnet_id} is not in the VPC of cluster {cluster_id}"),
        });
    }
    tx.prepare_cached(
        "INSERT INTO cluster_subnets (cluster_id, availability_zone, subnet_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (cluster_id, availability_zone) DO UPDATE SET subnet_id = excluded.subnet_id",
    )?
    .execute(params![cluster_id, change.availability_zone, subnet_id])?;
    change.mapped_by = vec![cluster_id.to_owned()];
    Ok(change)
}

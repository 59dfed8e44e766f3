//! What KMS can see of a simulated cluster (`DescribeClusters` plus EC2), and the create-time
//! checks on it, shared by Create, Update, Connect and `check-prerequisites`.

use crate::backend::kms::kms_error;
use crate::error::{Error, Result};
use crate::sim::ca::certificate_der;
use crate::sim::cluster::HSM_PORT_RANGE;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

/// One entry of the cluster's subnet mapping, with what EC2 says of the subnet.
#[derive(Clone, Debug)]
pub struct MappedSubnet {
    pub availability_zone: String,
    pub subnet_id: String,
    pub exists: bool,
    pub free_addresses: i64,
}

/// A cluster as KMS sees it. A cluster whose State is `DELETED` is not found, as KMS cannot
/// use it.
#[derive(Clone, Debug)]
pub struct ClusterFacts {
    pub cluster_id: String,
    pub state: String,
    pub cluster_certificate_pem: Option<String>,
    pub trust_anchor_pem: Option<String>,
    pub subnets: Vec<MappedSubnet>,
    pub security_group_id: String,
    pub rules_in: bool,
    pub rules_out: bool,
    /// Availability Zones of the ACTIVE HSMs, one entry per HSM.
    pub active_hsm_zones: Vec<String>,
    /// The cluster refuses clients without a certificate from its anchors, KMS among them.
    pub mtls_enforced: bool,
}

impl ClusterFacts {
    pub fn load(tx: &Transaction<'_>, cluster_id: &str) -> Result<Option<ClusterFacts>> {
        let row: Option<(String, Option<String>, Option<String>, String)> = tx
            .prepare_cached(
                "SELECT state, cluster_certificate_pem, trust_anchor_pem, security_group_id
                 FROM clusters WHERE cluster_id = ?1 AND state <> 'DELETED'",
            )?
            .query_row([cluster_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()?;
        let Some((state, cluster_certificate_pem, trust_anchor_pem, security_group_id)) = row
        else {
            return Ok(None);
        };
        let subnets = tx
            .prepare_cached(
                "SELECT m.availability_zone, m.subnet_id,
                        s.subnet_id IS NOT NULL AND s.deleted = 0, coalesce(s.free_addresses, 0)
                 FROM cluster_subnets m LEFT JOIN subnets s USING (subnet_id)
                 WHERE m.cluster_id = ?1 ORDER BY m.availability_zone",
            )?
            .query_map([cluster_id], |row| {
                Ok(MappedSubnet {
                    availability_zone: row.get(0)?,
                    subnet_id: row.get(1)?,
                    exists: row.get(2)?,
                    free_addresses: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let rule = |direction: &str| -> Result<bool> {
            let found = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM security_group_rules
                                    WHERE group_id = ?1 AND peer_group_id = ?1
                                      AND direction = ?2 AND protocol = 'tcp'
                                      AND from_port <= ?3 AND to_port >= ?4)",
                )?
                .query_row(
                    params![
                        security_group_id,
                        direction,
                        HSM_PORT_RANGE.0,
                        HSM_PORT_RANGE.1
                    ],
                    |row| row.get(0),
                )?;
            Ok(found)
        };
        let rules_in = rule("inbound")?;
        let rules_out = rule("outbound")?;
        let active_hsm_zones = tx
            .prepare_cached(
                "SELECT availability_zone FROM hsms WHERE cluster_id = ?1 AND state = 'ACTIVE'",
            )?
            .query_map([cluster_id], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(Some(ClusterFacts {
            cluster_id: cluster_id.to_owned(),
            state,
            cluster_certificate_pem,
            trust_anchor_pem,
            subnets,
            security_group_id,
            rules_in,
            rules_out,
            active_hsm_zones,
            mtls_enforced: crate::sim::mtls::enforcement(tx, cluster_id)?
                == crate::backend::hsm::mtls::Enforcement::Cluster,
        }))
    }

    /// Like [`ClusterFacts::load`], or `CloudHsmClusterNotFoundException`.
    pub fn require(tx: &Transaction<'_>, cluster_id: &str) -> Result<ClusterFacts> {
        ClusterFacts::load(tx, cluster_id)?.ok_or_else(|| {
            kms_error(
                "CloudHsmClusterNotFoundException",
                format!(
                    "AWS KMS cannot find the AWS CloudHSM cluster with the specified cluster ID: \
                     {cluster_id}"
                ),
            )
        })
    }

    /// Whether KMS can reach the cluster's HSMs: it exists, is ACTIVE and has an ACTIVE HSM.
    pub fn reachable(tx: &Transaction<'_>, cluster_id: &str) -> Result<bool> {
        Ok(ClusterFacts::load(tx, cluster_id)?
            .is_some_and(|facts| facts.is_active() && !facts.active_hsm_zones.is_empty()))
    }

    pub fn is_active(&self) -> bool {
        self.state == "ACTIVE"
    }

    /// Zones that have an existing mapped subnet.
    pub fn subnet_zones(&self) -> usize {
        self.subnets
            .iter()
            .filter(|subnet| subnet.exists)
            .map(|subnet| subnet.availability_zone.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    pub fn active_hsm_zone_count(&self) -> usize {
        self.active_hsm_zones.iter().collect::<BTreeSet<_>>().len()
    }

    pub fn certificate(&self) -> &str {
        self.cluster_certificate_pem.as_deref().unwrap_or_default()
    }

    /// `CloudHsmClusterNotActiveException` unless ACTIVE.
    pub fn require_active(&self) -> Result<()> {
        if self.is_active() {
            Ok(())
        } else {
            Err(kms_error(
                "CloudHsmClusterNotActiveException",
                format!(
                    "The AWS CloudHSM cluster {} is {}, not ACTIVE: a new cluster is activated \
                     with cluster activate",
                    self.cluster_id, self.state
                ),
            ))
        }
    }

    /// The security group problem, if any.
    pub fn rules_problem(&self) -> Option<String> {
        let missing: Vec<&str> = [("inbound", self.rules_in), ("outbound", self.rules_out)]
            .into_iter()
            .filter(|(_, present)| !present)
            .map(|(direction, _)| direction)
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "security group {} lacks the {} TCP 2223-2225 rule(s) that reference itself",
                self.security_group_id,
                missing.join(" and ")
            )
        })
    }

    /// `CloudHsmClusterInvalidConfigurationException` for the first requirement the cluster
    /// breaks: subnets in 2 AZs, the security group rules, and `min_hsms` ACTIVE HSMs in as
    /// many AZs (2 for Create and Update, 1 for Connect).
    pub fn require_configuration(&self, min_hsms: usize, check_subnets: bool) -> Result<()> {
        let problem = if check_subnets && self.subnet_zones() < 2 {
            Some(format!(
                "it has existing subnets in {} Availability Zone(s); KMS needs subnets in at \
                 least 2",
                self.subnet_zones()
            ))
        } else if let Some(rules) = self.rules_problem() {
            Some(rules)
        } else if self.active_hsm_zone_count() < min_hsms {
            Some(format!(
                "it has {} ACTIVE HSM(s) in {} Availability Zone(s); KMS needs at least \
                 {min_hsms} in different Availability Zones",
                self.active_hsm_zones.len(),
                self.active_hsm_zone_count()
            ))
        } else {
            None
        };
        match problem {
            None => Ok(()),
            Some(problem) => Err(kms_error(
                "CloudHsmClusterInvalidConfigurationException",
                format!(
                    "The AWS CloudHSM cluster {} does not meet the configuration requirements \
                     for a custom key store: {problem}",
                    self.cluster_id
                ),
            )),
        }
    }
}

/// `IncorrectTrustAnchorException` unless `given` is the certificate the cluster was
/// initialised with (compared as DER, so line breaks and spacing do not matter).
pub fn require_trust_anchor(facts: &ClusterFacts, given: &str) -> Result<()> {
    let incorrect = |reason: String| {
        kms_error(
            "IncorrectTrustAnchorException",
            format!(
                "The trust anchor certificate is not the trust anchor of cluster {}: {reason}",
                facts.cluster_id
            ),
        )
    };
    let given = certificate_der(given).map_err(incorrect)?;
    let expected = facts
        .trust_anchor_pem
        .as_deref()
        .map(certificate_der)
        .transpose()
        .map_err(|reason| Error::State {
            message: format!(
                "the stored trust anchor of {} is damaged: {reason}",
                facts.cluster_id
            ),
        })?;
    match expected {
        Some(expected) if expected == given => Ok(()),
        Some(_) => Err(incorrect(
            "it differs from the customer CA certificate (customerCA.crt) the cluster was \
             initialised with"
                .to_owned(),
        )),
        None => Err(incorrect("the cluster is not initialised".to_owned())),
    }
}

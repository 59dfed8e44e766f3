//! `keystore check-prerequisites` against AWS: the checks of the simulator's report (same names,
//! same order) that CloudHSM v2 and KMS can answer, from DescribeClusters, DescribeBackups and
//! DescribeCustomKeyStores. The EC2 facts (subnets, free addresses, security group rules) and
//! `kmsuser` (which lives in the HSMs) are reported as not run, each with the command that
//! checks it by hand.

use crate::backend::aws::AwsClients;
use crate::backend::hsm::aws_control::{WireFilters, all_backups, all_clusters};
use crate::backend::kms::{DescribeRequest, KmsBackend, PrerequisiteCheck, PrerequisiteReport};
use crate::error::{Error, Result};
use aws_sdk_cloudhsmv2::types::{Cluster, ClusterState, HsmState};
use std::collections::BTreeSet;

fn filter(key: &str, values: Vec<String>) -> WireFilters {
    WireFilters::from([(key.to_owned(), values)])
}

pub fn report(
    clients: &AwsClients,
    kms: &mut dyn KmsBackend,
    cluster_id: &str,
    trust_anchor_pem: Option<&str>,
) -> Result<PrerequisiteReport> {
    let mut checks = Vec::new();
    let Some(cluster) = find_cluster(clients, cluster_id)? else {
        checks.push(PrerequisiteCheck::cluster_exists(cluster_id, false));
        return Ok(PrerequisiteReport::new(cluster_id, checks));
    };
    checks.push(PrerequisiteCheck::cluster_exists(cluster_id, true));
    let state = cluster.state().map_or("unknown", ClusterState::as_str);
    checks.push(PrerequisiteCheck::new(
        "ClusterActive",
        cluster.state() == Some(&ClusterState::Active),
        format!("The cluster is {state}"),
        "Activate the cluster (cluster activate in the CloudHSM CLI, on the cluster)",
    ));
    let active_zones: BTreeSet<&str> = cluster
        .hsms()
        .iter()
        .filter(|hsm| hsm.state() == Some(&HsmState::Active))
        .filter_map(|hsm| hsm.availability_zone())
        .collect();
    let active = cluster
        .hsms()
        .iter()
        .filter(|hsm| hsm.state() == Some(&HsmState::Active))
        .count();
    checks.push(PrerequisiteCheck::new(
        "ActiveHsmsInTwoZones",
        active_zones.len() >= 2,
        format!(
            "{active} ACTIVE HSM(s) in {} Availability Zone(s)",
            active_zones.len()
        ),
        "Add HSMs so that at least 2 are ACTIVE in different Availability Zones",
    ));
    let mapping = cluster.subnet_mapping().cloned().unwrap_or_default();
    checks.push(PrerequisiteCheck::new(
        "SubnetsInTwoZones",
        mapping.len() >= 2,
        format!(
            "The cluster's subnet mapping covers {} Availability Zone(s)",
            mapping.len()
        ),
        "Restore the cluster from a backup into subnets in at least 2 Availability Zones",
    ));
    let subnet_ids: BTreeSet<&str> = mapping.values().map(String::as_str).collect();
    let subnets = subnet_ids.into_iter().collect::<Vec<_>>().join(" ");
    checks.push(PrerequisiteCheck::not_run(
        "SubnetsExist",
        "EC2 knows whether the subnets exist; CloudHSM does not say",
        format!(
            "Check that every subnet is listed: aws ec2 describe-subnets --subnet-ids {subnets}"
        ),
    ));
    checks.push(PrerequisiteCheck::not_run(
        "SubnetsHaveFreeAddresses",
        "EC2 knows the free addresses of the subnets; CloudHSM does not say",
        format!(
            "Check that AvailableIpAddressCount is at least 1 in each: aws ec2 describe-subnets \
             --subnet-ids {subnets} --query 'Subnets[].[SubnetId,AvailableIpAddressCount]'"
        ),
    ));
    let group = cluster.security_group().unwrap_or_default();
    checks.push(PrerequisiteCheck::not_run(
        "SecurityGroupRules",
        "EC2 knows the security group's rules; CloudHSM does not say",
        format!(
            "Check for inbound and outbound TCP 2223-2225 rules from the group itself: \
             aws ec2 describe-security-groups --group-ids {group}"
        ),
    ));
    checks.push(not_in_use(clients, kms, &cluster, cluster_id)?);
    if let Some(pem) = trust_anchor_pem {
        checks.push(trust_anchor(&cluster, pem));
    }
    let in_the_hsms = "kmsuser lives in the cluster's HSMs, which the AWS API cannot see";
    let cli = "In the CloudHSM CLI connected to the cluster";
    checks.push(PrerequisiteCheck::not_run(
        "KmsuserExists",
        in_the_hsms,
        format!("{cli}: user list shows kmsuser with role crypto-user"),
    ));
    checks.push(PrerequisiteCheck::not_run(
        "KmsuserPassword",
        in_the_hsms,
        format!(
            "{cli}: login --username kmsuser --role crypto-user with the key store's password, \
             then logout"
        ),
    ));
    checks.push(PrerequisiteCheck::not_run(
        "KmsuserNoMfa",
        in_the_hsms,
        format!("{cli}: user list shows kmsuser with empty mfa and quorum lists"),
    ));
    checks.push(PrerequisiteCheck::not_run(
        "KmsuserNotLoggedIn",
        in_the_hsms,
        "Log kmsuser out of every CloudHSM CLI and client that logged in as it".to_owned(),
    ));
    checks.push(PrerequisiteCheck::not_run(
        "KmsuserNotLocked",
        in_the_hsms,
        format!("{cli}: user list shows kmsuser with locked false"),
    ));
    checks.push(PrerequisiteCheck::not_run(
        "MtlsNotEnforced",
        "The mTLS enforcement level lives in the cluster's HSMs, which the AWS API cannot see",
        format!("{cli}: cluster mtls get-enforcement shows none"),
    ));
    Ok(PrerequisiteReport::new(cluster_id, checks))
}

/// The cluster, or `None` when CloudHSM does not know it (an empty answer or a not-found error).
fn find_cluster(clients: &AwsClients, cluster_id: &str) -> Result<Option<Cluster>> {
    match all_clusters(clients, &filter("clusterIds", vec![cluster_id.to_owned()])) {
        Ok(clusters) => Ok(clusters
            .into_iter()
            .find(|cluster| cluster.cluster_id() == Some(cluster_id))),
        Err(Error::Aws { exception, .. }) if exception == "CloudHsmResourceNotFoundException" => {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// KMS refuses a cluster whose backup history another key store already uses: the cluster
/// itself, clusters with the same cluster certificate, the cluster its source backup came from,
/// and clusters restored from its backups.
fn not_in_use(
    clients: &AwsClients,
    kms: &mut dyn KmsBackend,
    cluster: &Cluster,
    cluster_id: &str,
) -> Result<PrerequisiteCheck> {
    let related = related_clusters(clients, cluster, cluster_id)?;
    let mut marker: Option<String> = None;
    loop {
        let page = kms.describe_custom_key_stores(&DescribeRequest {
            marker: marker.as_deref(),
            ..DescribeRequest::default()
        })?;
        if let Some(store) = page
            .custom_key_stores
            .iter()
            .find(|store| related.contains(&store.cloud_hsm_cluster_id))
        {
            return Ok(PrerequisiteCheck::new(
                "ClusterNotInUse",
                false,
                format!(
                    "Custom key store {} already uses cluster {}, which shares this cluster's \
                     backup history",
                    store.custom_key_store_id, store.cloud_hsm_cluster_id
                ),
                "Use another cluster, or delete the key store that uses it",
            ));
        }
        marker = page.next_marker.filter(|_| page.truncated);
        if marker.is_none() {
            return Ok(PrerequisiteCheck::new(
                "ClusterNotInUse",
                true,
                "No custom key store uses this cluster or a related one".to_owned(),
                "",
            ));
        }
    }
}

fn related_clusters(
    clients: &AwsClients,
    cluster: &Cluster,
    cluster_id: &str,
) -> Result<BTreeSet<String>> {
    let mut related = BTreeSet::from([cluster_id.to_owned()]);
    let certificate = cluster
        .certificates()
        .and_then(|certificates| certificates.cluster_certificate());
    let own_backups: BTreeSet<String> =
        all_backups(clients, &filter("clusterIds", vec![cluster_id.to_owned()]))?
            .iter()
            .map(|backup| backup.backup_id().to_owned())
            .collect();
    for other in all_clusters(clients, &WireFilters::new())? {
        let same_certificate = certificate.is_some()
            && other
                .certificates()
                .and_then(|certificates| certificates.cluster_certificate())
                == certificate;
        let restored_from_ours = other
            .source_backup_id()
            .is_some_and(|backup| own_backups.contains(backup));
        if same_certificate || restored_from_ours {
            related.extend(other.cluster_id().map(str::to_owned));
        }
    }
    if let Some(source) = cluster.source_backup_id() {
        for backup in all_backups(clients, &filter("backupIds", vec![source.to_owned()]))? {
            related.extend(backup.cluster_id().map(str::to_owned));
            related.extend(backup.source_cluster().map(str::to_owned));
        }
    }
    Ok(related)
}

fn trust_anchor(cluster: &Cluster, pem: &str) -> PrerequisiteCheck {
    let certificate = cluster
        .certificates()
        .and_then(|certificates| certificates.cluster_certificate());
    let result = match certificate {
        None => Err("the cluster has no cluster certificate: it is not initialised".to_owned()),
        Some(certificate) => {
            crate::sim::ca::verify_issued_by(certificate, pem, "the cluster certificate")
        }
    };
    PrerequisiteCheck::new(
        "TrustAnchorMatches",
        result.is_ok(),
        match result {
            Ok(()) => "The certificate issued the cluster's certificate".to_owned(),
            Err(reason) => format!("The certificate is not the cluster's trust anchor: {reason}"),
        },
        "Give the customerCA.crt the cluster was initialised with",
    )
}

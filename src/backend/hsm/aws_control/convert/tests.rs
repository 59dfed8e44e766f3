//! CloudHSM v2 answers built with the SDK's builders, mapped to the domain values and the JSON
//! the shell prints; the domain's filters as the API's `Filters` map.

use super::*;
use aws_sdk_cloudhsmv2::primitives::DateTime;
use serde_json::json;
use std::collections::HashMap;

const CREATED: i64 = 1_767_225_600;

fn active_hsm(id: &str, zone: &str, subnet: &str) -> types::Hsm {
    types::Hsm::builder()
        .hsm_id(id)
        .availability_zone(zone)
        .cluster_id("cluster-1a23b4cdefg")
        .subnet_id(subnet)
        .eni_id("eni-0123456789abcdef0")
        .eni_ip("10.0.0.12")
        .hsm_type("hsm2m.medium")
        .state(types::HsmState::Active)
        .build()
        .unwrap()
}

#[test]
fn a_cluster_reads_as_the_simulator_shows_it() {
    let cluster = types::Cluster::builder()
        .cluster_id("cluster-1a23b4cdefg")
        .state(types::ClusterState::Active)
        .hsm_type("hsm2m.medium")
        .vpc_id("vpc-0123456789abcdef0")
        .subnet_mapping("us-east-1a", "subnet-a")
        .subnet_mapping("us-east-1b", "subnet-b")
        .security_group("sg-0123456789abcdef0")
        .hsms(active_hsm("hsm-aaaaaaaaaaa", "us-east-1a", "subnet-a"))
        .hsms(
            types::Hsm::builder()
                .hsm_id("hsm-bbbbbbbbbbb")
                .availability_zone("us-east-1b")
                .cluster_id("cluster-1a23b4cdefg")
                .hsm_type("hsm2m.medium")
                .state(types::HsmState::CreateInProgress)
                .build()
                .unwrap(),
        )
        .certificates(
            types::Certificates::builder()
                .cluster_certificate("CERT")
                .aws_hardware_certificate("HW")
                .build(),
        )
        .backup_policy(types::BackupPolicy::Default)
        .backup_retention_policy(
            types::BackupRetentionPolicy::builder()
                .r#type(types::BackupRetentionType::Days)
                .value("30")
                .build(),
        )
        .create_timestamp(DateTime::from_secs(CREATED))
        .mode(types::ClusterMode::NonFips)
        .build();
    assert_eq!(
        serde_json::to_value(super::cluster(&cluster).unwrap()).unwrap(),
        json!({
            "ClusterId": "cluster-1a23b4cdefg",
            "State": "ACTIVE",
            "HsmType": "hsm2m.medium",
            "VpcId": "vpc-0123456789abcdef0",
            "SubnetMapping": {"us-east-1a": "subnet-a", "us-east-1b": "subnet-b"},
            "SecurityGroup": "sg-0123456789abcdef0",
            "Hsms": [
                {
                    "HsmId": "hsm-aaaaaaaaaaa",
                    "AvailabilityZone": "us-east-1a",
                    "ClusterId": "cluster-1a23b4cdefg",
                    "SubnetId": "subnet-a",
                    "EniId": "eni-0123456789abcdef0",
                    "EniIp": "10.0.0.12",
                    "HsmType": "hsm2m.medium",
                    "State": "ACTIVE"
                },
                {
                    "HsmId": "hsm-bbbbbbbbbbb",
                    "AvailabilityZone": "us-east-1b",
                    "ClusterId": "cluster-1a23b4cdefg",
                    "HsmType": "hsm2m.medium",
                    "State": "CREATE_IN_PROGRESS"
                }
            ],
            "Certificates": {"ClusterCertificate": "CERT"},
            "BackupPolicy": "DEFAULT",
            "BackupRetentionPolicy": {"Type": "DAYS", "Value": "30"},
            "CreateTimestamp": CREATED,
            "Mode": "NON_FIPS",
            "NetworkType": "IPV4"
        })
    );
}

#[test]
fn a_cluster_state_this_shell_does_not_know_is_an_error() {
    let cluster = types::Cluster::builder()
        .cluster_id("cluster-1a23b4cdefg")
        .state(types::ClusterState::from("HIBERNATING"))
        .create_timestamp(DateTime::from_secs(CREATED))
        .build();
    assert_eq!(
        super::cluster(&cluster).unwrap_err().to_string(),
        "CloudHSM answered ClusterState HIBERNATING, which this shell does not know"
    );
}

#[test]
fn a_backup_reads_its_state_and_seconds() {
    let backup = types::Backup::builder()
        .backup_id("backup-1234567890a")
        .backup_state(types::BackupState::Ready)
        .cluster_id("cluster-1a23b4cdefg")
        .create_timestamp(DateTime::from_secs(CREATED))
        .never_expires(true)
        .hsm_type("hsm1.medium")
        .mode(types::ClusterMode::Fips)
        .build()
        .unwrap();
    assert_eq!(
        super::backup(&backup).unwrap(),
        Backup {
            backup_id: "backup-1234567890a".to_owned(),
            backup_state: BackupState::Ready,
            cluster_id: "cluster-1a23b4cdefg".to_owned(),
            create_timestamp: CREATED,
            never_expires: true,
            hsm_type: "hsm1.medium".to_owned(),
            mode: "FIPS".to_owned(),
        }
    );
}

#[test]
fn filters_become_the_apis_map_with_only_the_keys_given() {
    let clusters = ClusterFilters {
        cluster_ids: Some(vec!["cluster-a".to_owned(), "cluster-b".to_owned()]),
        vpc_ids: None,
        states: Some(vec![ClusterState::Active, ClusterState::Degraded]),
    };
    assert_eq!(
        cluster_filters(&clusters),
        HashMap::from([
            (
                "clusterIds".to_owned(),
                vec!["cluster-a".to_owned(), "cluster-b".to_owned()]
            ),
            (
                "states".to_owned(),
                vec!["ACTIVE".to_owned(), "DEGRADED".to_owned()]
            ),
        ])
    );
    let backups = BackupFilters {
        never_expires: Some(false),
        states: Some(vec![BackupState::PendingDeletion]),
        ..BackupFilters::default()
    };
    assert_eq!(
        backup_filters(&backups),
        HashMap::from([
            ("neverExpires".to_owned(), vec!["false".to_owned()]),
            ("states".to_owned(), vec!["PENDING_DELETION".to_owned()]),
        ])
    );
    assert!(cluster_filters(&ClusterFilters::default()).is_empty());
}

//! Unit tests of the simulated key stores that need a second cluster, made here by copying rows
//! (tests/golden/keystore/second_cluster.txt makes one with commands): the related-cluster rule
//! of Update and the in-use rule for clusters sharing a certificate.

use super::*;
use crate::backend::hsm::HsmBackend;
use crate::backend::hsm::sim::SimHsm;
use crate::backend::kms::{
    ConnectionErrorCode, CreateRequest, DescribeRequest, KmsBackend, UpdateRequest,
};
use crate::secret::Secret;

mod connect;

fn open() -> (tempfile::TempDir, SimOptions, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let options = SimOptions {
        state_dir: dir.path().join("state"),
        seed: Some(7),
        cluster_id: None,
    };
    let hsm = SimHsm::open(&options).unwrap();
    let cluster_id = hsm.cluster_id().to_owned();
    drop(hsm);
    let anchor = std::fs::read_to_string(options.state_dir.join("customerCA.crt")).unwrap();
    let connection = rusqlite::Connection::open(options.state_dir.join("state.sqlite3")).unwrap();
    connection
        .execute("UPDATE clusters SET state = 'ACTIVE'", [])
        .unwrap();
    (dir, options, cluster_id, anchor)
}

/// Copies the first cluster as `copy_id` (its network, HSMs and users come along by reference),
/// with `certificate` as its cluster certificate.
fn add_cluster(options: &SimOptions, source: &str, copy_id: &str, certificate: &str) {
    let connection = rusqlite::Connection::open(options.state_dir.join("state.sqlite3")).unwrap();
    connection
        .execute(
            "INSERT INTO clusters (cluster_id, region, state, hsm_type, mode, network_type,
                 vpc_id, security_group_id, backup_retention_days, cluster_certificate_pem,
                 trust_anchor_pem, activated, created_at)
             SELECT ?2, region, state, hsm_type, mode, network_type, vpc_id, security_group_id,
                    backup_retention_days, ?3, trust_anchor_pem, activated, created_at + 1
             FROM clusters WHERE cluster_id = ?1",
            rusqlite::params![source, copy_id, certificate],
        )
        .unwrap();
    connection
        .execute(
            "INSERT INTO cluster_subnets SELECT ?2, availability_zone, subnet_id
             FROM cluster_subnets WHERE cluster_id = ?1",
            rusqlite::params![source, copy_id],
        )
        .unwrap();
    connection
        .execute(
            "INSERT INTO hsms SELECT hsm_id || ?2, ?2, availability_zone, subnet_id,
                 eni_id || ?2, eni_ip, state, state_message, serial_number || ?2, created_at
             FROM hsms WHERE cluster_id = ?1",
            rusqlite::params![source, copy_id],
        )
        .unwrap();
}

#[test]
fn update_needs_a_related_cluster_and_create_refuses_a_shared_lineage() {
    let (_dir, options, cluster_id, anchor) = open();
    let certificate: String = rusqlite::Connection::open(options.state_dir.join("state.sqlite3"))
        .unwrap()
        .query_row("SELECT cluster_certificate_pem FROM clusters", [], |row| {
            row.get(0)
        })
        .unwrap();
    add_cluster(&options, &cluster_id, "cluster-relatedcopy22", &certificate);
    add_cluster(
        &options,
        &cluster_id,
        "cluster-unrelatedxx22",
        "another lineage",
    );
    let mut kms = SimKms::open(&options).unwrap();
    let password = Secret::new("GoldenKms1");
    let id = kms
        .create_custom_key_store(&CreateRequest {
            name: "first",
            cluster_id: &cluster_id,
            trust_anchor_pem: &anchor,
            password: &password,
        })
        .unwrap()
        .custom_key_store_id;
    let error = kms
        .create_custom_key_store(&CreateRequest {
            name: "second",
            cluster_id: "cluster-relatedcopy22",
            trust_anchor_pem: &anchor,
            password: &password,
        })
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("CloudHsmClusterInUseException: "),
        "{error}"
    );
    let update = |cluster: &'static str| UpdateRequest {
        id: &id,
        new_name: None,
        password: None,
        cluster_id: Some(cluster),
    };
    let error = kms
        .update_custom_key_store(&update("cluster-unrelatedxx22"))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("CloudHsmClusterNotRelatedException: "),
        "{error}"
    );
    kms.update_custom_key_store(&update("cluster-relatedcopy22"))
        .unwrap();
    let described = kms
        .describe_custom_key_stores(&DescribeRequest::default())
        .unwrap();
    assert_eq!(
        described.custom_key_stores[0].cloud_hsm_cluster_id,
        "cluster-relatedcopy22"
    );
    assert!(!format!("{kms:?}").contains("GoldenKms1"));
}

/// Inserts a store row as if created on a cluster of its own (no command can make ten clusters).
fn insert_store(options: &SimOptions, index: usize) -> String {
    let id = format!("cks-{index:017}");
    rusqlite::Connection::open(options.state_dir.join("state.sqlite3"))
        .unwrap()
        .execute(
            "INSERT INTO custom_key_stores (key_store_id, name, cluster_id, trust_anchor_pem,
                 cluster_certificate_pem, sealed_password, connection_state, created_at)
             VALUES (?1, ?2, 'cluster-elsewhere' || ?3, 'anchor', 'lineage' || ?3, x'00',
                     'DISCONNECTED', ?3)",
            rusqlite::params![id, format!("store-{index}"), index as i64],
        )
        .unwrap();
    id
}

#[test]
fn the_quota_pages_and_keys_in_a_store() {
    let (_dir, options, cluster_id, anchor) = open();
    let ids: Vec<String> = (0..10).map(|index| insert_store(&options, index)).collect();
    let mut kms = SimKms::open(&options).unwrap();
    let password = Secret::new("GoldenKms1");
    let error = kms
        .create_custom_key_store(&CreateRequest {
            name: "eleventh",
            cluster_id: &cluster_id,
            trust_anchor_pem: &anchor,
            password: &password,
        })
        .unwrap_err();
    assert!(
        error.to_string().starts_with("LimitExceededException: "),
        "{error}"
    );
    // Pages of 4 in creation order, each marker naming where the next page starts.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = kms
            .describe_custom_key_stores(&DescribeRequest {
                limit: Some(4),
                marker: marker.as_deref(),
                ..DescribeRequest::default()
            })
            .unwrap();
        seen.extend(
            page.custom_key_stores
                .iter()
                .map(|entry| entry.custom_key_store_id.clone()),
        );
        assert_eq!(page.truncated, page.next_marker.is_some());
        match page.next_marker {
            Some(next) => marker = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    // A store that holds KMS keys cannot be deleted.
    rusqlite::Connection::open(options.state_dir.join("state.sqlite3"))
        .unwrap()
        .execute(
            "INSERT INTO kms_keys (key_id, key_store_id) VALUES ('key-1', ?1)",
            [&ids[0]],
        )
        .unwrap();
    let error = kms.delete_custom_key_store(&ids[0]).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("CustomKeyStoreHasCMKsException: "),
        "{error}"
    );
    kms.delete_custom_key_store(&ids[1]).unwrap();
    // A name taken by another store cannot be given in an update.
    let error = kms
        .update_custom_key_store(&UpdateRequest {
            id: &ids[2],
            new_name: Some("store-3"),
            password: None,
            cluster_id: None,
        })
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("CustomKeyStoreNameInUseException: "),
        "{error}"
    );
}

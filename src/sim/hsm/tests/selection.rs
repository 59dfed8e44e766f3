//! Choosing the cluster HSM commands act on (`--cluster-id`, `sim use-cluster`), and what a
//! new cluster needs before `cluster activate` works on it.

use super::*;
use crate::backend::hsm::cluster_control::{ClusterFilters, CreateClusterRequest, InitializeWith};
use tempfile::TempDir;

const FIRST: &str = "cluster-zxqwotxh2y6";

fn options_on(dir: &Path, cluster_id: &str) -> SimOptions {
    SimOptions {
        cluster_id: Some(cluster_id.to_owned()),
        ..options(dir, Some(7))
    }
}

/// A new UNINITIALIZED cluster in the first cluster's subnets; its ID.
fn new_cluster(hsm: &mut SimHsm) -> String {
    let first = hsm
        .describe_clusters(&ClusterFilters::default())
        .unwrap()
        .clusters
        .remove(0);
    let subnets: Vec<String> = first.subnet_mapping.values().cloned().collect();
    hsm.create_cluster(&CreateClusterRequest {
        hsm_type: "hsm1.medium",
        subnet_ids: &subnets,
        source_backup_id: None,
        mode: None,
    })
    .unwrap()
    .cluster_id
}

#[test]
fn an_unknown_cluster_id_on_a_missing_state_creates_nothing() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("state");
    let error = SimHsm::open(&options_on(&dir, "cluster-abcdefghijk")).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "Cluster cluster-abcdefghijk not found in the simulator state in {}: cloudhsmv2 describe-clusters lists its clusters",
            dir.display()
        )
    );
    assert!(!dir.exists());
}

#[test]
fn an_unknown_cluster_id_on_an_existing_state_changes_nothing() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("state");
    drop(open(&dir));
    let before = snapshot(&dir);
    let error = SimHsm::open(&options_on(&dir, "cluster-abcdefghijk")).unwrap_err();
    assert!(matches!(error, Error::ClusterNotInState { .. }), "{error}");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn the_default_cluster_is_not_a_selection_but_a_named_one_is() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("state");
    let hsm = open(&dir);
    assert_eq!(hsm.cluster_id(), FIRST);
    assert_eq!(hsm.selected_cluster(), None);
    drop(hsm);
    let hsm = SimHsm::open(&options_on(&dir, FIRST)).unwrap();
    assert_eq!(hsm.selected_cluster(), Some(FIRST));
}

#[test]
fn a_new_cluster_is_activated_once_initialized_and_given_an_hsm() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("state");
    let mut hsm = open(&dir);
    let cluster_id = new_cluster(&mut hsm);
    assert_eq!(
        hsm.use_cluster(&cluster_id).unwrap(),
        ClusterState::Uninitialized
    );
    assert_eq!(hsm.cluster_id(), cluster_id);
    assert_eq!(hsm.selected_cluster(), Some(cluster_id.as_str()));
    let users: Vec<(String, UserRole)> = hsm
        .list_users()
        .unwrap()
        .into_iter()
        .map(|user| (user.username, user.role))
        .collect();
    assert_eq!(
        users,
        vec![
            ("admin".to_owned(), UserRole::UnactivatedAdmin),
            ("app_user".to_owned(), UserRole::ApplianceUser),
        ]
    );
    assert_eq!(
        hsm.activate(&secret(ADMIN_PASSWORD))
            .unwrap_err()
            .to_string(),
        format!(
            "Cluster {cluster_id} is UNINITIALIZED: only an INITIALIZED cluster can be activated"
        )
    );
    hsm.initialize_cluster(&cluster_id, &InitializeWith::GeneratedCustomerCa)
        .unwrap();
    assert_eq!(
        hsm.activate(&secret(ADMIN_PASSWORD))
            .unwrap_err()
            .to_string(),
        format!(
            "Cluster {cluster_id} has no ACTIVE HSM to activate: add one with cloudhsmv2 create-hsm first"
        )
    );
    hsm.create_hsm(&cluster_id, "us-east-1a").unwrap();
    hsm.activate(&secret(ADMIN_PASSWORD)).unwrap();
    let state: String = peek(&dir)
        .query_row(
            "SELECT state FROM clusters WHERE cluster_id = ?1",
            [&cluster_id],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(state, "ACTIVE");
    // The first cluster was not touched: it is still waiting for its own activation.
    hsm.use_cluster(FIRST).unwrap();
    assert!(!hsm.is_activated().unwrap());
}

#[test]
fn logins_and_users_belong_to_the_selected_cluster() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("state");
    let (mut hsm, admin) = activated(&dir);
    hsm.create_user(
        &admin,
        "alice",
        Role::CryptoUser,
        &secret(USER_PASSWORD),
        None,
    )
    .unwrap();
    hsm.logout(&admin).unwrap();
    let cluster_id = new_cluster(&mut hsm);
    hsm.initialize_cluster(&cluster_id, &InitializeWith::GeneratedCustomerCa)
        .unwrap();
    hsm.create_hsm(&cluster_id, "us-east-1b").unwrap();
    hsm.use_cluster(&cluster_id).unwrap();
    assert!(matches!(
        hsm.login("alice", Role::CryptoUser, &secret(USER_PASSWORD)),
        Err(Error::ClusterNotActivated)
    ));
    hsm.activate(&secret(ADMIN_PASSWORD)).unwrap();
    assert!(matches!(
        hsm.login("alice", Role::CryptoUser, &secret(USER_PASSWORD)),
        Err(Error::LoginFailed)
    ));
    hsm.use_cluster(FIRST).unwrap();
    let alice = hsm
        .login("alice", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    hsm.logout(&alice).unwrap();
}

#[test]
fn unknown_and_deleted_clusters_cannot_be_selected() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("state");
    let mut hsm = open(&dir);
    let cluster_id = new_cluster(&mut hsm);
    hsm.delete_cluster(&cluster_id).unwrap();
    assert_eq!(
        hsm.use_cluster(&cluster_id).unwrap_err().to_string(),
        format!("Cluster {cluster_id} is DELETED: HSM commands cannot act on it")
    );
    assert_eq!(
        hsm.use_cluster("cluster-abcdefghijk")
            .unwrap_err()
            .to_string(),
        "Cluster cluster-abcdefghijk not found"
    );
    assert_eq!(hsm.cluster_id(), FIRST);
    assert_eq!(hsm.selected_cluster(), None);
    assert!(matches!(
        SimHsm::open(&options_on(&dir, &cluster_id)),
        Err(Error::ClusterDeleted { .. })
    ));
}

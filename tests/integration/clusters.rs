//! Multi-cluster mode through the real binary: `--cluster-id` and `CLOUDHSM_SHELL_CLUSTER_ID`
//! choose the cluster HSM commands act on for a whole run; an unknown one stops the shell before
//! it creates anything. (`sim use-cluster` is in the golden transcripts.)

use crate::fixtures::{activation_ok, failed, ok, user_list_with};
use crate::test::{ADMIN_PASSWORD, Test, json_lines};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const FIRST: &str = "cluster-zxqwotxh2y6";
const SUBNET_A: &str = "subnet-314a4367f55e7afee";
const SUBNET_B: &str = "subnet-294280a28b1d431e2";
const UNKNOWN: &str = "cluster-abcdefghijk";

fn not_in_state(state_dir: &Path) -> String {
    format!(
        "{}\n",
        json!({
            "error_code": 1,
            "data": format!(
                "Cluster {UNKNOWN} not found in the simulator state in {}: cloudhsmv2 \
                 describe-clusters lists its clusters",
                state_dir.display()
            )
        })
    )
}

#[test]
fn an_unknown_cluster_id_stops_the_shell_before_it_creates_a_state() {
    let test = Test::new();
    let state_dir = test.path("state");
    test.args(["--cluster-id", UNKNOWN, "user", "list"])
        .stdout(&not_in_state(&state_dir))
        .status(2)
        .run();
    assert!(!state_dir.exists());
}

/// A state the first run has created; the temp dir that keeps it.
fn fresh_state() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    let state_dir = dir.path().join("state");
    assert_eq!(one(&state_dir, None, "cluster hsm-info")["error_code"], 0);
    (dir, state_dir)
}

#[test]
fn the_environment_names_the_cluster_too() {
    let (_dir, state_dir) = fresh_state();
    Test::new()
        .state(&state_dir)
        .env("CLOUDHSM_SHELL_CLUSTER_ID", UNKNOWN)
        .args(["user", "list"])
        .stdout(&not_in_state(&state_dir))
        .status(2)
        .run();
    // The option wins over the environment, as for every option with a variable.
    let output = Test::new()
        .state(&state_dir)
        .env("CLOUDHSM_SHELL_CLUSTER_ID", UNKNOWN)
        .args(["--cluster-id", FIRST, "user", "list"])
        .command()
        .output()
        .expect("cannot run cloudhsm-shell");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 stdout");
    assert_eq!(json_lines(&stdout)[0]["error_code"], 0, "{stdout}");
}

/// A new cluster, initialised, with an HSM in each of the first cluster's two zones; its ID.
fn ready_cluster(state_dir: &Path) -> String {
    let created = one(
        state_dir,
        None,
        &format!(
            "cloudhsmv2 create-cluster --hsm-type hsm1.medium --subnet-ids {SUBNET_A} {SUBNET_B}"
        ),
    );
    let cluster_id = created["data"]["Cluster"]["ClusterId"]
        .as_str()
        .unwrap_or_else(|| panic!("no cluster: {created}"))
        .to_owned();
    for line in [
        format!("cloudhsmv2 initialize-cluster --cluster-id {cluster_id} --generate-customer-ca"),
        format!("cloudhsmv2 create-hsm --cluster-id {cluster_id} --availability-zone us-east-1a"),
        format!("cloudhsmv2 create-hsm --cluster-id {cluster_id} --availability-zone us-east-1b"),
    ] {
        assert_eq!(one(state_dir, None, &line)["error_code"], 0, "{line}");
    }
    cluster_id
}

/// Runs one line as a single command, on `cluster_id` when given; its envelope.
fn one(state_dir: &Path, cluster_id: Option<&str>, line: &str) -> Value {
    let mut test = Test::new().state(state_dir);
    if let Some(cluster_id) = cluster_id {
        test = test.args(["--cluster-id", cluster_id]);
    }
    let output = test
        .args(line.split_whitespace())
        .command()
        .output()
        .expect("cannot run cloudhsm-shell");
    let mut envelopes = json_lines(&String::from_utf8(output.stdout).expect("UTF-8 stdout"));
    assert_eq!(envelopes.len(), 1, "`{line}` printed {envelopes:?}");
    envelopes.remove(0)
}

fn cluster_states(state_dir: &Path) -> Vec<(String, String)> {
    let described = one(state_dir, None, "cloudhsmv2 describe-clusters");
    described["data"]["Clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|cluster| {
            (
                cluster["ClusterId"].as_str().unwrap().to_owned(),
                cluster["State"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_run_with_cluster_id_activates_and_administers_that_cluster_only() {
    let (_dir, state_dir) = fresh_state();
    let cluster_id = ready_cluster(&state_dir);
    let admin_login = format!("login --username admin --role admin --password {ADMIN_PASSWORD}");
    let lines = format!(
        "cluster activate --password {ADMIN_PASSWORD}\n{admin_login}\n\
         user create --username kmsuser --role crypto-user --password KmsUser1\n\
         user list\nlogout\nsim use-cluster --cluster-id {FIRST}\nuser list\n"
    );
    Test::new()
        .state(&state_dir)
        .args(["--cluster-id", &cluster_id])
        .stdin(&lines)
        .stdout_json(vec![
            activation_ok(),
            ok(json!({"username": "admin", "role": "admin"})),
            ok(json!({"username": "kmsuser", "role": "crypto-user"})),
            user_list_with(&[("kmsuser", "crypto-user")]),
            ok(json!("Logout successful")),
            ok(json!({
                "message": format!(
                    "HSM commands now act on cluster {FIRST} (INITIALIZED, not activated yet: \
                     run cluster activate)"
                ),
                "ClusterId": FIRST
            })),
            ok(json!({"users": [
                {"username": "admin", "role": "unactivated-admin", "locked": "false",
                 "mfa": [], "quorum": [], "cluster-coverage": "full"},
                {"username": "app_user", "role": "internal(APPLIANCE_USER)", "locked": "false",
                 "mfa": [], "quorum": [], "cluster-coverage": "full"}
            ]})),
        ])
        .run();
    assert_eq!(
        cluster_states(&state_dir),
        vec![
            (FIRST.to_owned(), "INITIALIZED".to_owned()),
            (cluster_id, "ACTIVE".to_owned()),
        ]
    );
}

#[test]
fn a_new_cluster_is_activated_only_once_initialized_and_given_an_hsm() {
    let (_dir, state_dir) = fresh_state();
    let created = one(
        &state_dir,
        None,
        &format!(
            "cloudhsmv2 create-cluster --hsm-type hsm1.medium --subnet-ids {SUBNET_A} {SUBNET_B}"
        ),
    );
    let cluster_id = created["data"]["Cluster"]["ClusterId"]
        .as_str()
        .unwrap()
        .to_owned();
    let selected = one(
        &state_dir,
        None,
        &format!("sim use-cluster --cluster-id {cluster_id}"),
    );
    assert_eq!(
        selected,
        ok(json!({
            "message": format!(
                "HSM commands now act on cluster {cluster_id} (UNINITIALIZED: initialize it \
                 (cloudhsmv2 initialize-cluster), then run cluster activate)"
            ),
            "ClusterId": cluster_id
        }))
    );
    let activate = format!("cluster activate --password {ADMIN_PASSWORD}");
    assert_eq!(
        one(&state_dir, Some(&cluster_id), &activate),
        failed(&format!(
            "Cluster {cluster_id} is UNINITIALIZED: only an INITIALIZED cluster can be activated"
        ))
    );
    one(
        &state_dir,
        None,
        &format!("cloudhsmv2 initialize-cluster --cluster-id {cluster_id} --generate-customer-ca"),
    );
    assert_eq!(
        one(&state_dir, Some(&cluster_id), &activate),
        failed(&format!(
            "Cluster {cluster_id} has no ACTIVE HSM to activate: add one with cloudhsmv2 \
             create-hsm first"
        ))
    );
    one(
        &state_dir,
        None,
        &format!("cloudhsmv2 create-hsm --cluster-id {cluster_id} --availability-zone us-east-1b"),
    );
    assert_eq!(
        one(&state_dir, Some(&cluster_id), &activate),
        activation_ok()
    );
}

#[test]
fn cluster_id_on_a_command_runs_that_command_on_that_cluster_with_its_own_login() {
    let (_dir, state_dir) = fresh_state();
    let second = ready_cluster(&state_dir);
    let stdin = format!(
        "cluster activate --password {ADMIN_PASSWORD}\n\
         cluster activate --password {ADMIN_PASSWORD} --cluster-id {second}\n\
         login --username admin --role admin --password {ADMIN_PASSWORD} --cluster-id {second}\n\
         user create --username carol --role crypto-user --password carol-pass-1 --cluster-id {second}\n\
         user create --username dave --role crypto-user --password dave-pass-1\n\
         login --username admin --role admin --password {ADMIN_PASSWORD}\n\
         user create --username dave --role crypto-user --password dave-pass-1\n\
         user list\n\
         user list --cluster-id {second}\n\
         logout --cluster-id {second}\n\
         user list --cluster-id {UNKNOWN}\n\
         logout\n"
    );
    Test::new()
        .state(&state_dir)
        .arg("--keep-going")
        .stdin(&stdin)
        .stdout_json(vec![
            activation_ok(),
            activation_ok(),
            ok(json!({"username": "admin", "role": "admin"})),
            ok(json!({"username": "carol", "role": "crypto-user"})),
            // The first cluster has no login yet: the second's does not count here.
            failed("'user create' requires a login: run login first"),
            ok(json!({"username": "admin", "role": "admin"})),
            ok(json!({"username": "dave", "role": "crypto-user"})),
            user_list_with(&[("dave", "crypto-user")]),
            user_list_with(&[("carol", "crypto-user")]),
            ok(json!("Logout successful")),
            failed(&format!("Cluster {UNKNOWN} not found")),
            ok(json!("Logout successful")),
        ])
        .status(1)
        .run();
    // A single command with --cluster-id logs in from CLOUDHSM_PIN on that cluster.
    let output = Test::new()
        .state(&state_dir)
        .env("CLOUDHSM_ROLE", "admin")
        .env("CLOUDHSM_PIN", &format!("admin:{ADMIN_PASSWORD}"))
        .args([
            "user",
            "delete",
            "--username",
            "carol",
            "--role",
            "crypto-user",
            "--cluster-id",
        ])
        .arg(&second)
        .command()
        .output()
        .expect("cannot run cloudhsm-shell");
    assert_eq!(
        json_lines(&String::from_utf8(output.stdout).unwrap()),
        vec![ok(json!({"username": "carol", "role": "crypto-user"}))]
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        one(&state_dir, Some(&second), "user list"),
        user_list_with(&[])
    );
}

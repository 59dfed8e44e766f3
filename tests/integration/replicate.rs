//! Replication between clusters of one backup lineage: a user and a key copied to a cluster
//! restored from the first one's backup, the key signing there and its signature verifying on
//! the source; refused to an unrelated cluster and without the login on the destination.

use crate::test::{LiveShell, Test, ok, refused};
use serde_json::{Value, json};

const SECRETS: &str = "admin=replica-admin-1\nalice=replica-alice-1\nbob=replica-bob-1\n";
const FIRST: &str = "cluster-zxqwotxh2y6";
const SUBNETS: &str = "subnet-314a4367f55e7afee subnet-294280a28b1d431e2";

/// A new cluster in the first one's subnets, restored from `backup` (or empty), with an HSM;
/// its ID.
fn cluster(shell: &mut LiveShell, backup: Option<&str>) -> String {
    let source = backup.map_or(String::new(), |backup| {
        format!(" --source-backup-id {backup}")
    });
    let created = ok(shell.run(&format!(
        "cloudhsmv2 create-cluster --hsm-type hsm1.medium --subnet-ids {SUBNETS}{source}"
    )));
    let cluster_id = created["data"]["Cluster"]["ClusterId"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(shell.run(&format!(
        "cloudhsmv2 create-hsm --cluster-id {cluster_id} --availability-zone us-east-1a"
    )));
    cluster_id
}

#[test]
fn a_user_and_a_key_replicate_to_a_restored_cluster_and_sign_there() {
    let mut shell = Test::new().secrets(SECRETS).arg("--keep-going").start();
    ok(shell.run("cluster activate"));
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("user create --username alice --role crypto-user"));
    ok(shell.run("logout"));
    let backup = ok(shell.run(&format!("cloudhsmv2 create-backup --cluster-id {FIRST}")));
    let backup = backup["data"]["BackupId"].as_str().unwrap().to_owned();
    let replica = cluster(&mut shell, Some(&backup));
    let unrelated = cluster(&mut shell, None);
    // bob is made after the backup: the replica does not have him.
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("user create --username bob --role crypto-user"));
    let replicate_bob = format!(
        "user replicate --username bob --role crypto-user --source-cluster-id {FIRST} \
         --destination-cluster-id {replica}"
    );
    assert_eq!(
        refused(shell.run(&replicate_bob)),
        format!(
            "'user replicate' needs a login on cluster {replica}: run login --username ... \
             --role ... --cluster-id {replica} first"
        )
    );
    ok(shell.run(&format!(
        "login --username admin --role admin --cluster-id {replica}"
    )));
    let replicated = ok(shell.run(&replicate_bob));
    assert_eq!(
        replicated["data"]["message"],
        "Successfully replicated user"
    );
    assert_eq!(replicated["data"]["user"]["username"], "bob");
    assert_eq!(replicated["data"]["user"]["role"], "crypto-user");
    assert!(refused(shell.run(&replicate_bob)).contains("already has a user bob"));
    ok(shell.run("logout"));
    ok(shell.run(&format!("logout --cluster-id {replica}")));

    ok(shell.run("login --username alice --role crypto-user"));
    ok(shell.run(&format!(
        "login --username alice --role crypto-user --cluster-id {replica}"
    )));
    let made = ok(shell.run(
        "key generate-asymmetric-pair ec --public-label pub --private-label priv \
         --curve secp256r1 --private-attributes sign=true --public-attributes verify=true \
         --share-crypto-users bob",
    ));
    let private_reference = made["data"]["private_key"]["key-reference"].clone();
    let replicate = |label: &str, to: &str| {
        format!(
            "key replicate --filter attr.label={label} --source-cluster-id {FIRST} \
             --destination-cluster-id {to}"
        )
    };
    let copied = ok(shell.run(&replicate("priv", &replica)));
    assert_eq!(copied["data"]["message"], "Successfully replicated key");
    assert_eq!(copied["data"]["key"]["key-reference"], private_reference);
    assert_eq!(
        copied["data"]["key"]["key-info"]["shared-users"],
        json!([{"username": "bob", "key-coverage": "full"}])
    );
    assert_eq!(
        copied["data"]["key"]["attributes"],
        made["data"]["private_key"]["attributes"]
    );
    ok(shell.run(&replicate("pub", &replica)));
    assert!(refused(shell.run(&replicate("priv", &replica))).contains("already holds a key"));
    // The replica signs; the source verifies.
    let signed = ok(shell.run(&format!(
        "crypto sign ecdsa --key-filter attr.label=priv --hash-function sha256 --data SGk= \
         --cluster-id {replica}"
    )));
    let signature = signed["data"]["signature"].as_str().unwrap();
    ok(shell.run(&format!(
        "crypto verify ecdsa --key-filter attr.label=pub --hash-function sha256 --data SGk= \
         --signature {signature}"
    )));
    ok(shell.run("logout"));
    ok(shell.run(&format!("logout --cluster-id {replica}")));
    // A cluster of another lineage takes nothing, even with an admin logged in there.
    ok(shell.run(&format!(
        "cloudhsmv2 initialize-cluster --cluster-id {unrelated} --generate-customer-ca"
    )));
    ok(shell.run(&format!("cluster activate --cluster-id {unrelated}")));
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run(&format!(
        "login --username admin --role admin --cluster-id {unrelated}"
    )));
    assert_eq!(
        refused(shell.run(&format!(
            "user replicate --username bob --role crypto-user --source-cluster-id {FIRST} \
             --destination-cluster-id {unrelated}"
        ))),
        format!(
            "Replication refused: {FIRST} and {unrelated} do not share a backup lineage: \
             replication copies only between a cluster and the clusters restored from its backups"
        )
    );
    assert_eq!(
        ok(shell.run(&format!("user list --cluster-id {unrelated}")))["data"]["users"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    ok(shell.run("logout"));
    ok(shell.run(&format!("logout --cluster-id {unrelated}")));
    let _ = shell.finish();
}

#[test]
fn a_single_command_replicates_with_the_destination_login_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let transcript = dir.path().join("session.txt");
    let mut shell = Test::new()
        .state(&state)
        .secrets(SECRETS)
        .arg("--keep-going")
        .start();
    ok(shell.run("cluster activate"));
    let backup = ok(shell.run(&format!("cloudhsmv2 create-backup --cluster-id {FIRST}")));
    let backup = backup["data"]["BackupId"].as_str().unwrap().to_owned();
    let replica = cluster(&mut shell, Some(&backup));
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("user create --username bob --role crypto-user"));
    ok(shell.run("logout"));
    let _ = shell.finish();
    let replicate = [
        "user",
        "replicate",
        "--username",
        "bob",
        "--role",
        "crypto-user",
        "--source-cluster-id",
        FIRST,
        "--destination-cluster-id",
        &replica,
    ];
    let run = |destination_pin: Option<&str>| {
        let mut test = Test::new()
            .state(&state)
            .env("CLOUDHSM_ROLE", "admin")
            .env("CLOUDHSM_PIN", "admin:replica-admin-1")
            .arg("--record")
            .arg(&transcript)
            .args(replicate);
        if let Some(pin) = destination_pin {
            test = test
                .env("DESTINATION_CLOUDHSM_ROLE", "admin")
                .env("DESTINATION_CLOUDHSM_PIN", pin);
        }
        test.command().output().expect("cannot run cloudhsm-shell")
    };
    // A wrong destination password fails the login there, and is never shown or recorded.
    let wrong = run(Some("admin:Wrong-Secret-42"));
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    for text in [&wrong.stdout, &wrong.stderr] {
        assert!(!String::from_utf8_lossy(text).contains("Wrong-Secret-42"));
    }
    assert!(
        !std::fs::read_to_string(&transcript)
            .unwrap()
            .contains("Wrong-Secret-42")
    );
    let without = run(None);
    assert_eq!(without.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&without.stdout).contains("DESTINATION_CLOUDHSM_PIN"),
        "{without:?}"
    );
    let with = run(Some("admin:replica-admin-1"));
    assert_eq!(with.status.code(), Some(0), "{with:?}");
    let reply: Value = serde_json::from_slice(&with.stdout).unwrap();
    assert_eq!(reply["data"]["message"], "Successfully replicated user");
    let recorded = std::fs::read_to_string(&transcript).unwrap();
    assert!(recorded.contains("user replicate"), "{recorded}");
    assert!(!recorded.contains("replica-admin-1"), "{recorded}");
}

//! `cloudhsmv2` against the simulator: the DescribeClusters and DescribeBackups responses as
//! exact parsed JSON. The cluster certificate (issued by a freshly generated customer CA) and the
//! timestamps (the system clock) differ between runs, so they are checked for what they must be
//! and then replaced by fixed text before the exact comparison.

use crate::fixtures::{activation_ok, ok};
use crate::test::{ADMIN_PASSWORD, Test};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};
use x509_parser::prelude::{FromDer, X509Certificate};

/// The seeded identifiers of the first cluster under `--seed 7`.
const CLUSTER_ID: &str = "cluster-zxqwotxh2y6";
const VPC_ID: &str = "vpc-e1870a7a2498a3164";
const SUBNET_A: &str = "subnet-314a4367f55e7afee";
const SUBNET_B: &str = "subnet-294280a28b1d431e2";
const SECURITY_GROUP_ID: &str = "sg-30befbc4bc4b5928e";

fn now_unix() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(elapsed.as_secs()).unwrap()
}

/// Replaces `object[member]`, a Unix timestamp taken between `earliest` and now, by 0.
fn check_timestamp(object: &mut Value, member: &str, earliest: i64) {
    let timestamp = object[member]
        .as_i64()
        .unwrap_or_else(|| panic!("{member} is not an integer: {object}"));
    assert!(
        (earliest..=now_unix()).contains(&timestamp),
        "{member} {timestamp} is not the time of the run"
    );
    object[member] = json!(0);
}

/// Checks that the cluster certificate is a PEM X.509 certificate for the cluster issued by the
/// customer CA, and replaces it by `"PEM"`.
fn check_cluster_certificate(cluster: &mut Value) {
    let certificates = &mut cluster["Certificates"];
    let text = certificates["ClusterCertificate"]
        .as_str()
        .expect("ClusterCertificate is a string");
    let (rest, pem) = x509_parser::pem::parse_x509_pem(text.as_bytes()).expect("PEM");
    assert!(
        rest.iter().all(u8::is_ascii_whitespace),
        "text after the PEM"
    );
    assert_eq!(pem.label, "CERTIFICATE");
    let (_, certificate) = X509Certificate::from_der(&pem.contents).expect("an X.509 certificate");
    let common_name = |name: &x509_parser::x509::X509Name<'_>| {
        name.iter_common_name()
            .next()
            .and_then(|attribute| attribute.as_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        common_name(certificate.subject()).as_deref(),
        Some(CLUSTER_ID)
    );
    assert_eq!(
        common_name(certificate.issuer()).as_deref(),
        Some("customerCA")
    );
    certificates["ClusterCertificate"] = json!("PEM");
}

/// The first cluster as DescribeClusters shows it, certificate and timestamp made fixed.
fn first_cluster(state: &str) -> Value {
    json!({
        "ClusterId": CLUSTER_ID,
        "State": state,
        "HsmType": "hsm1.medium",
        "VpcId": VPC_ID,
        "SubnetMapping": {"us-east-1a": SUBNET_A, "us-east-1b": SUBNET_B},
        "SecurityGroup": SECURITY_GROUP_ID,
        "Hsms": [
            {
                "HsmId": "hsm-e6m3tc6g75x",
                "AvailabilityZone": "us-east-1a",
                "ClusterId": CLUSTER_ID,
                "SubnetId": SUBNET_A,
                "EniId": "eni-4c1ddee9e2f6718f9",
                "EniIp": "10.0.0.172",
                "HsmType": "hsm1.medium",
                "State": "ACTIVE",
            },
            {
                "HsmId": "hsm-y3oo43dguny",
                "AvailabilityZone": "us-east-1b",
                "ClusterId": CLUSTER_ID,
                "SubnetId": SUBNET_B,
                "EniId": "eni-37b74e12b20c9278b",
                "EniIp": "10.0.1.155",
                "HsmType": "hsm1.medium",
                "State": "ACTIVE",
            },
        ],
        "Certificates": {"ClusterCertificate": "PEM"},
        "BackupPolicy": "DEFAULT",
        "BackupRetentionPolicy": {"Type": "DAYS", "Value": "90"},
        "CreateTimestamp": 0,
        "Mode": "FIPS",
        "NetworkType": "IPV4",
    })
}

/// Runs `describe-clusters` with `filters` and returns the envelope with its clusters checked
/// and made fixed.
fn describe_clusters(shell: &mut crate::test::LiveShell, filters: &str, earliest: i64) -> Value {
    let mut envelope = shell.run(&format!("cloudhsmv2 describe-clusters {filters}"));
    if let Some(clusters) = envelope["data"]["Clusters"].as_array_mut() {
        for cluster in clusters {
            check_cluster_certificate(cluster);
            check_timestamp(cluster, "CreateTimestamp", earliest);
        }
    }
    envelope
}

#[test]
fn describe_clusters_shows_the_cluster_initialized_then_active() {
    let earliest = now_unix();
    let mut shell = Test::new().arg("--keep-going").start();
    assert_eq!(
        describe_clusters(&mut shell, "", earliest),
        ok(json!({"Clusters": [first_cluster("INITIALIZED")]}))
    );
    assert_eq!(
        shell.run(&format!("cluster activate --password {ADMIN_PASSWORD}")),
        activation_ok()
    );
    let active = ok(json!({"Clusters": [first_cluster("ACTIVE")]}));
    assert_eq!(describe_clusters(&mut shell, "", earliest), active);
    assert_eq!(
        describe_clusters(
            &mut shell,
            &format!(
                "--filters states=ACTIVE clusterIds=cluster-abcdefghijk,{CLUSTER_ID} vpcIds={VPC_ID}"
            ),
            earliest
        ),
        active
    );
    assert_eq!(
        describe_clusters(&mut shell, "--filters states=INITIALIZED", earliest),
        ok(json!({"Clusters": []}))
    );
    assert!(shell.finish().success());
}

#[test]
fn a_deleted_subnet_stays_in_the_subnet_mapping() {
    let earliest = now_unix();
    let mut shell = Test::new().start();
    assert_eq!(
        shell.run(&format!("sim delete-subnet --subnet-id {SUBNET_B}")),
        ok(json!({"message": format!(
            "Deleted subnet {SUBNET_B} (us-east-1b, 10.0.1.0/24): connecting a key store on \
             {CLUSTER_ID} now fails with SUBNET_NOT_FOUND"
        )}))
    );
    assert_eq!(
        describe_clusters(&mut shell, "", earliest),
        ok(json!({"Clusters": [first_cluster("INITIALIZED")]}))
    );
    let network = shell.run("sim describe-network");
    let existence: Vec<(&str, bool)> = network["data"]["Subnets"]
        .as_array()
        .expect("Subnets")
        .iter()
        .map(|subnet| {
            (
                subnet["SubnetId"].as_str().unwrap(),
                subnet["Exists"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(existence, vec![(SUBNET_A, true), (SUBNET_B, false)]);
    assert!(shell.finish().success());
}

#[test]
fn create_backup_records_a_ready_backup_that_describe_backups_filters() {
    let earliest = now_unix();
    let mut shell = Test::new().start();
    let mut created = shell.run(&format!(
        "cloudhsmv2 create-backup --cluster-id {CLUSTER_ID}"
    ));
    check_timestamp(&mut created["data"], "CreateTimestamp", earliest);
    let backup_id = created["data"]["BackupId"]
        .as_str()
        .expect("BackupId")
        .to_owned();
    assert!(
        backup_id
            .strip_prefix("backup-")
            .is_some_and(|suffix| suffix.len() == 11
                && suffix
                    .bytes()
                    .all(|byte| matches!(byte, b'a'..=b'z' | b'2'..=b'7'))),
        "{backup_id} does not match backup-[2-7a-zA-Z]{{11,16}}"
    );
    let backup = json!({
        "BackupId": backup_id,
        "BackupState": "READY",
        "ClusterId": CLUSTER_ID,
        "CreateTimestamp": 0,
        "NeverExpires": false,
        "HsmType": "hsm1.medium",
        "Mode": "FIPS",
    });
    assert_eq!(created, ok(backup.clone()));

    let matching = [
        String::new(),
        format!("--filters clusterIds={CLUSTER_ID} states=READY,DELETED"),
        format!("--filters backupIds={backup_id} neverExpires=false"),
    ];
    for filters in matching {
        let mut listed = shell.run(&format!("cloudhsmv2 describe-backups {filters}"));
        for listed_backup in listed["data"]["Backups"].as_array_mut().expect("Backups") {
            check_timestamp(listed_backup, "CreateTimestamp", earliest);
        }
        assert_eq!(listed, ok(json!({"Backups": [backup]})), "{filters}");
    }
    for filters in [
        "--filters clusterIds=cluster-abcdefghijk",
        "--filters states=PENDING_DELETION",
        "--filters neverExpires=true",
        "--filters sourceBackupIds=backup-abcdefghijk",
    ] {
        assert_eq!(
            shell.run(&format!("cloudhsmv2 describe-backups {filters}")),
            ok(json!({"Backups": []})),
            "{filters}"
        );
    }
    assert!(shell.finish().success());
}

#[test]
fn a_new_cluster_is_created_initialized_given_an_hsm_and_deleted() {
    let mut shell = Test::new().arg("--keep-going").start();
    let subnet = shell.run("sim create-subnet --availability-zone us-east-1c");
    let subnet_id = subnet["data"]["message"]
        .as_str()
        .and_then(|text| {
            text.split_whitespace()
                .find(|word| word.starts_with("subnet-"))
        })
        .expect("the new subnet's ID")
        .trim_end_matches([',', '.', ':'])
        .to_owned();
    let created = shell.run(&format!(
        "cloudhsmv2 create-cluster --hsm-type hsm2m.medium --subnet-ids {SUBNET_A} {subnet_id}"
    ));
    let cluster = &created["data"]["Cluster"];
    assert_eq!(cluster["State"], "UNINITIALIZED", "{created}");
    assert_eq!(cluster["VpcId"], VPC_ID);
    assert_eq!(cluster["SubnetMapping"]["us-east-1c"], subnet_id.as_str());
    assert!(
        cluster["Certificates"]["ClusterCsr"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE REQUEST-----")
    );
    let cluster_id = cluster["ClusterId"].as_str().unwrap().to_owned();

    let initialized = shell.run(&format!(
        "cloudhsmv2 initialize-cluster --cluster-id {cluster_id} --generate-customer-ca"
    ));
    assert_eq!(initialized["data"]["State"], "INITIALIZED", "{initialized}");
    let path = initialized["data"]["TrustAnchorPath"].as_str().unwrap();
    assert!(path.ends_with(&format!("customerCA-{cluster_id}.crt")));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = shell.run(&format!(
        "cloudhsmv2 initialize-cluster --cluster-id {cluster_id} --generate-customer-ca"
    ));
    assert_eq!(
        again["data"],
        format!(
            "CloudHsmInvalidRequestException: Cluster {cluster_id} is INITIALIZED: only an UNINITIALIZED cluster can be initialized"
        )
    );

    let unknown_zone = shell.run(&format!(
        "cloudhsmv2 create-hsm --cluster-id {cluster_id} --availability-zone us-east-1d"
    ));
    assert!(
        unknown_zone["data"]
            .as_str()
            .unwrap()
            .starts_with("CloudHsmInvalidRequestException: Cluster")
    );
    let hsm = shell.run(&format!(
        "cloudhsmv2 create-hsm --cluster-id {cluster_id} --availability-zone us-east-1c"
    ));
    assert_eq!(hsm["data"]["Hsm"]["State"], "ACTIVE", "{hsm}");
    assert_eq!(hsm["data"]["Hsm"]["SubnetId"], subnet_id.as_str());
    let hsm_id = hsm["data"]["Hsm"]["HsmId"].as_str().unwrap().to_owned();
    let free = |shell: &mut crate::test::LiveShell| {
        let network = shell.run(&format!("sim describe-network --cluster-id {cluster_id}"));
        network["data"]["Subnets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|subnet| subnet["SubnetId"] == subnet_id.as_str())
            .unwrap()["AvailableIpAddressCount"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(free(&mut shell), 250);
    let refused = shell.run(&format!(
        "cloudhsmv2 delete-cluster --cluster-id {cluster_id}"
    ));
    assert!(
        refused["data"]
            .as_str()
            .unwrap()
            .starts_with("CloudHsmInvalidRequestException: Cluster")
    );
    assert_eq!(
        shell.run(&format!(
            "cloudhsmv2 delete-hsm --cluster-id {cluster_id} --hsm-id {hsm_id}"
        )),
        ok(json!({"HsmId": hsm_id}))
    );
    assert_eq!(free(&mut shell), 251);
    let deleted = shell.run(&format!(
        "cloudhsmv2 delete-cluster --cluster-id {cluster_id}"
    ));
    assert_eq!(deleted["data"]["Cluster"]["State"], "DELETED", "{deleted}");
}

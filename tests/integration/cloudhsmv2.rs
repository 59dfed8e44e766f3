//! `cloudhsmv2` against the simulator: the DescribeClusters and DescribeBackups responses as
//! exact parsed JSON. The cluster certificate is checked as X.509 (subject and issuer) and then
//! replaced by fixed text; timestamps are the seeded run's virtual clock.

use crate::fixtures::{activation_ok, ok};
use crate::test::{ADMIN_PASSWORD, Test};
use serde_json::{Value, json};
use x509_parser::prelude::{FromDer, X509Certificate};

/// The seeded identifiers of the first cluster under `--seed 7`.
const CLUSTER_ID: &str = "cluster-zxqwotxh2y6";
const VPC_ID: &str = "vpc-e1870a7a2498a3164";
const SUBNET_A: &str = "subnet-314a4367f55e7afee";
const SUBNET_B: &str = "subnet-294280a28b1d431e2";
const SECURITY_GROUP_ID: &str = "sg-30befbc4bc4b5928e";

/// Where the virtual clock of a seeded run starts: 2026-01-01T00:00:00Z.
const VIRTUAL_EPOCH: i64 = 1_767_225_600;

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
        "CreateTimestamp": VIRTUAL_EPOCH,
        "Mode": "FIPS",
        "NetworkType": "IPV4",
    })
}

/// Runs `describe-clusters` with `filters` and returns the envelope with its clusters checked
/// and made fixed.
fn describe_clusters(shell: &mut crate::test::LiveShell, filters: &str) -> Value {
    let mut envelope = shell.run(&format!("cloudhsmv2 describe-clusters {filters}"));
    if let Some(clusters) = envelope["data"]["Clusters"].as_array_mut() {
        for cluster in clusters {
            check_cluster_certificate(cluster);
        }
    }
    envelope
}

#[test]
fn describe_clusters_shows_the_cluster_initialized_then_active() {
    let mut shell = Test::new().arg("--keep-going").start();
    assert_eq!(
        describe_clusters(&mut shell, ""),
        ok(json!({"Clusters": [first_cluster("INITIALIZED")]}))
    );
    assert_eq!(
        shell.run(&format!("cluster activate --password {ADMIN_PASSWORD}")),
        activation_ok()
    );
    let active = ok(json!({"Clusters": [first_cluster("ACTIVE")]}));
    assert_eq!(describe_clusters(&mut shell, ""), active);
    assert_eq!(
        describe_clusters(
            &mut shell,
            &format!(
                "--filters states=ACTIVE clusterIds=cluster-abcdefghijk,{CLUSTER_ID} vpcIds={VPC_ID}"
            )
        ),
        active
    );
    assert_eq!(
        describe_clusters(&mut shell, "--filters states=INITIALIZED"),
        ok(json!({"Clusters": []}))
    );
    assert!(shell.finish().success());
}

#[test]
fn a_deleted_subnet_stays_in_the_subnet_mapping() {
    let mut shell = Test::new().start();
    assert_eq!(
        shell.run(&format!("sim delete-subnet --subnet-id {SUBNET_B}")),
        ok(json!({"message": format!(
            "Deleted subnet {SUBNET_B} (us-east-1b, 10.0.1.0/24): connecting a key store on \
             {CLUSTER_ID} now fails with SUBNET_NOT_FOUND"
        )}))
    );
    assert_eq!(
        describe_clusters(&mut shell, ""),
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
    let mut shell = Test::new().start();
    let created = shell.run(&format!(
        "cloudhsmv2 create-backup --cluster-id {CLUSTER_ID}"
    ));
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
        "CreateTimestamp": VIRTUAL_EPOCH,
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
        let listed = shell.run(&format!("cloudhsmv2 describe-backups {filters}"));
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
        "cloudhsmv2 create-cluster --hsm-type hsm2m.medium --subnet-ids {SUBNET_A} {subnet_id} \
         --mode NON_FIPS"
    ));
    let cluster = &created["data"]["Cluster"];
    assert_eq!(cluster["State"], "UNINITIALIZED", "{created}");
    assert_eq!(cluster["Mode"], "NON_FIPS");
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

const LIFECYCLE_SECRETS: &str = "admin=lifecycle-admin-1\nkmsuser=LifecycleKms1\n";

/// A batch shell on the state in `state`, going on after failures, with the lifecycle secrets.
fn lifecycle_shell(state: &std::path::Path) -> crate::test::LiveShell {
    Test::new()
        .state(state)
        .secrets(LIFECYCLE_SECRETS)
        .arg("--keep-going")
        .start()
}

/// `(username, role, password_hash)` of every user of `cluster_id`, read from the database.
fn user_rows(state: &std::path::Path, cluster_id: &str) -> Vec<(String, String, Option<String>)> {
    let connection = rusqlite::Connection::open(state.join("state.sqlite3")).unwrap();
    let mut statement = connection
        .prepare(
            "SELECT username, role, password_hash FROM users WHERE cluster_id = ?1
             ORDER BY username",
        )
        .unwrap();
    statement
        .query_map([cluster_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// `(reference, label, sealed_secret)` of every key of `cluster_id`, read from the database.
fn key_rows(state: &std::path::Path, cluster_id: &str) -> Vec<(i64, String, Option<Vec<u8>>)> {
    let connection = rusqlite::Connection::open(state.join("state.sqlite3")).unwrap();
    let mut statement = connection
        .prepare(
            "SELECT reference, label, sealed_secret FROM keys WHERE cluster_id = ?1
             ORDER BY reference",
        )
        .unwrap();
    statement
        .query_map([cluster_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_restored_cluster_carries_users_keys_and_lineage_so_kms_refuses_a_second_store() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut shell = lifecycle_shell(&state);
    for line in [
        "cluster activate",
        "login --username admin --role admin",
        "user create --username kmsuser --role crypto-user",
        "logout",
        "login --username kmsuser --role crypto-user",
        "key generate-symmetric aes --label restored-key --key-length-bytes 32",
        "logout",
    ] {
        assert_eq!(shell.run(line)["error_code"], 0, "{line}");
    }
    let trust_anchor = state.join("customerCA.crt");
    let store = shell.run(&format!(
        "keystore create --custom-key-store-name original --cloud-hsm-cluster-id {CLUSTER_ID} \
         --trust-anchor-certificate file://{}",
        trust_anchor.display()
    ));
    assert_eq!(store["error_code"], 0, "{store}");
    let backup = shell.run(&format!(
        "cloudhsmv2 create-backup --cluster-id {CLUSTER_ID}"
    ));
    let backup_id = backup["data"]["BackupId"].as_str().unwrap().to_owned();

    let restored = shell.run(&format!(
        "cloudhsmv2 create-cluster --hsm-type hsm1.medium --subnet-ids {SUBNET_A} {SUBNET_B} \
         --source-backup-id {backup_id}"
    ));
    let cluster = &restored["data"]["Cluster"];
    assert_eq!(cluster["State"], "INITIALIZED", "{restored}");
    assert_eq!(cluster["SourceBackupId"], backup_id.as_str());
    assert_eq!(cluster["Hsms"], json!([]));
    assert_ne!(cluster["SecurityGroup"], SECURITY_GROUP_ID);
    let restored_id = cluster["ClusterId"].as_str().unwrap().to_owned();
    let original = shell.run(&format!(
        "cloudhsmv2 describe-clusters --filters clusterIds={CLUSTER_ID}"
    ));
    assert_eq!(
        cluster["Certificates"]["ClusterCertificate"],
        original["data"]["Clusters"][0]["Certificates"]["ClusterCertificate"]
    );

    // The users are the original's, passwords included; the keys too, re-sealed.
    assert_eq!(
        user_rows(&state, &restored_id),
        user_rows(&state, CLUSTER_ID)
    );
    assert_eq!(user_rows(&state, &restored_id).len(), 3);
    let original_keys = key_rows(&state, CLUSTER_ID);
    let restored_keys = key_rows(&state, &restored_id);
    assert_eq!(original_keys.len(), 1);
    assert_eq!(restored_keys.len(), 1);
    assert_eq!(restored_keys[0].0, original_keys[0].0);
    assert_eq!(restored_keys[0].1, "restored-key");
    assert!(restored_keys[0].2.is_some());
    assert_ne!(restored_keys[0].2, original_keys[0].2);

    // The first HSM makes the restored (activated) cluster ACTIVE.
    let hsm = shell.run(&format!(
        "cloudhsmv2 create-hsm --cluster-id {restored_id} --availability-zone us-east-1a"
    ));
    assert_eq!(hsm["data"]["Hsm"]["State"], "ACTIVE", "{hsm}");
    let described = shell.run(&format!(
        "cloudhsmv2 describe-clusters --filters clusterIds={restored_id}"
    ));
    assert_eq!(described["data"]["Clusters"][0]["State"], "ACTIVE");

    // Same lineage as the cluster of an existing store: KMS refuses a second store.
    let second = shell.run(&format!(
        "keystore create --custom-key-store-name restored --cloud-hsm-cluster-id {restored_id} \
         --trust-anchor-certificate file://{}",
        trust_anchor.display()
    ));
    assert_eq!(second["error_code"], 1, "{second}");
    assert!(
        second["data"]
            .as_str()
            .unwrap()
            .starts_with("CloudHsmClusterInUseException: "),
        "{second}"
    );
}

/// A self-signed CA made with rcgen, for signing a cluster CSR outside the simulator.
fn test_ca(name: &str) -> (String, rcgen::Issuer<'static, rcgen::KeyPair>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let certificate = params.self_signed(&key).unwrap();
    (certificate.pem(), rcgen::Issuer::new(params, key))
}

#[test]
fn initialize_cluster_checks_the_signature_against_the_trust_anchor() {
    let test = Test::new().arg("--keep-going");
    let sandbox = test.path("files");
    std::fs::create_dir(&sandbox).unwrap();
    let mut shell = test.start();
    let created = shell.run(&format!(
        "cloudhsmv2 create-cluster --hsm-type hsm1.medium --subnet-ids {SUBNET_A} {SUBNET_B}"
    ));
    let cluster_id = created["data"]["Cluster"]["ClusterId"]
        .as_str()
        .unwrap()
        .to_owned();
    let csr = created["data"]["Cluster"]["Certificates"]["ClusterCsr"]
        .as_str()
        .unwrap();
    let (signer_pem, signer) = test_ca("customerCA");
    let (impostor_pem, _) = test_ca("customerCA");
    let request = rcgen::CertificateSigningRequestParams::from_pem(csr).unwrap();
    let signed = request.signed_by(&signer).unwrap().pem();
    let write = |name: &str, text: &str| {
        let path = sandbox.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let signed_path = write("cluster.crt", &signed);
    let impostor_path = write("impostor.crt", &impostor_pem);
    let signer_path = write("customerCA.crt", &signer_pem);

    // Same subject, other key: the signature does not verify.
    assert_eq!(
        shell.run(&format!(
            "cloudhsmv2 initialize-cluster --cluster-id {cluster_id} \
             --signed-cert file://{signed_path} --trust-anchor file://{impostor_path}"
        )),
        crate::fixtures::failed(
            "CloudHsmInvalidRequestException: the signed certificate's signature does not verify with the trust anchor's key"
        )
    );
    // A certificate that is not the CSR's key.
    assert_eq!(
        shell.run(&format!(
            "cloudhsmv2 initialize-cluster --cluster-id {cluster_id} \
             --signed-cert file://{signer_path} --trust-anchor file://{signer_path}"
        )),
        crate::fixtures::failed(
            "CloudHsmInvalidRequestException: the signed certificate does not carry the public key of the cluster CSR"
        )
    );
    let initialized = shell.run(&format!(
        "cloudhsmv2 initialize-cluster --cluster-id {cluster_id} \
         --signed-cert file://{signed_path} --trust-anchor file://{signer_path}"
    ));
    assert_eq!(initialized["data"]["State"], "INITIALIZED", "{initialized}");
    assert!(initialized["data"].get("TrustAnchorPath").is_none());
    let described = shell.run(&format!(
        "cloudhsmv2 describe-clusters --filters clusterIds={cluster_id}"
    ));
    let certificates = &described["data"]["Clusters"][0]["Certificates"];
    assert_eq!(
        certificates["ClusterCertificate"].as_str().unwrap().trim(),
        signed.trim()
    );
    assert!(certificates.get("ClusterCsr").is_none());

    // KMS's view of the new cluster once it has two HSMs: the network, lineage and trust anchor
    // checks pass; it is not ACTIVE until `cluster activate` runs on it (after `sim
    // use-cluster`), and a new cluster has no kmsuser.
    for zone in ["us-east-1a", "us-east-1b"] {
        let hsm = shell.run(&format!(
            "cloudhsmv2 create-hsm --cluster-id {cluster_id} --availability-zone {zone}"
        ));
        assert_eq!(hsm["error_code"], 0, "{hsm}");
    }
    let report = shell.run(&format!(
        "keystore check-prerequisites --cloud-hsm-cluster-id {cluster_id} \
         --trust-anchor-certificate file://{signer_path}"
    ));
    let results: Vec<(String, bool)> = report["data"]["Checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|check| {
            (
                check["Check"].as_str().unwrap().to_owned(),
                check["Passed"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("ClusterExists", true),
        ("ClusterActive", false),
        ("ActiveHsmsInTwoZones", true),
        ("SubnetsInTwoZones", true),
        ("SubnetsExist", true),
        ("SubnetsHaveFreeAddresses", true),
        ("SecurityGroupRules", true),
        ("ClusterNotInUse", true),
        ("TrustAnchorMatches", true),
        ("KmsuserExists", false),
        ("KmsuserPassword", true),
        ("KmsuserNoMfa", true),
        ("KmsuserNotLoggedIn", true),
        ("KmsuserNotLocked", true),
        ("MtlsNotEnforced", true),
    ]
    .map(|(name, passed)| (name.to_owned(), passed));
    assert_eq!(results, expected, "{report}");
    assert_eq!(report["data"]["AllPassed"], false);
}

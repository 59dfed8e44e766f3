//! Mutual TLS on hsm2m.medium clusters: trust anchors registered and listed, enforcement set
//! only by `admin` from an mTLS connection, shells without a certificate from the anchors
//! refused, and what KMS meets on such a cluster.

use crate::fixtures::new_hsm2m_cluster;
use crate::test::{LiveShell, Test, ok, openssl_in, refused};
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};

const SECRETS: &str = "admin=mtls-admin-1\nofficer=mtls-officer-1\nkmsuser=MtlsKms1\n";

/// A CA `name` (`name-ca.pem`) and a client certificate it signed (`name-client.pem`, key
/// `name-client.key`, PKCS #8), both P-256.
fn pki(dir: &Path, name: &str) {
    let ca_key = format!("{name}-ca.key");
    let ca = format!("{name}-ca.pem");
    let key = format!("{name}-client.key");
    let csr = format!("{name}-client.csr");
    let client = format!("{name}-client.pem");
    let ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    openssl_in(dir, &[&["genpkey"][..], &ec, &["-out", &ca_key]].concat());
    openssl_in(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &ca_key,
            "-subj",
            &format!("/CN={name} CA"),
            "-days",
            "30",
            "-out",
            &ca,
        ],
    );
    openssl_in(dir, &[&["genpkey"][..], &ec, &["-out", &key]].concat());
    openssl_in(
        dir,
        &[
            "req",
            "-new",
            "-key",
            &key,
            "-subj",
            &format!("/CN={name} client"),
            "-out",
            &csr,
        ],
    );
    openssl_in(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "30",
            "-out",
            &client,
        ],
    );
}

/// A shell on `state`'s cluster `cluster_id`, presenting `name`'s client certificate if any.
fn shell_on(state: &Path, cluster_id: &str, dir: &Path, client: Option<&str>) -> LiveShell {
    let mut test = Test::new()
        .state(state)
        .secrets(SECRETS)
        .arg("--keep-going")
        .args(["--cluster-id", cluster_id]);
    if let Some(name) = client {
        let path = |file: &str| -> PathBuf { dir.join(format!("{name}-{file}")) };
        test = test
            .arg("--client-cert")
            .arg(path("client.pem"))
            .arg("--client-key")
            .arg(path("client.key"));
    }
    test.start()
}

#[test]
fn enforced_mtls_admits_only_shells_with_a_certificate_from_a_trust_anchor() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path(), "ours");
    pki(dir.path(), "theirs");
    let state = dir.path().join("state");
    let mut shell = Test::new()
        .state(&state)
        .secrets(SECRETS)
        .arg("--keep-going")
        .start();
    assert!(
        refused(shell.run("cluster mtls list-trust-anchors"))
            .starts_with("mTLS needs an hsm2m.medium cluster, and cluster ")
    );
    let cluster_id = new_hsm2m_cluster(&mut shell, "FIPS");
    assert_eq!(
        ok(shell.run("cluster mtls list-trust-anchors"))["data"],
        json!({"trust_anchors": []})
    );
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("user create --username officer --role admin"));
    let anchor = dir.path().join("ours-ca.pem");
    let registered = ok(shell.run(&format!(
        "cluster mtls register-trust-anchor --path {}",
        anchor.display()
    )));
    assert_eq!(
        registered["data"],
        json!({"trust_anchor": {
            "certificate-reference": "0x01",
            "certificate": fs::read_to_string(&anchor).unwrap(),
            "cluster-coverage": "full",
        }})
    );
    assert!(
        refused(shell.run(&format!(
            "cluster mtls register-trust-anchor --path {}",
            dir.path().join("ours-client.key").display()
        )))
        .contains("only CERTIFICATE blocks are taken")
    );
    assert!(
        refused(shell.run("cluster mtls set-enforcement --level cluster"))
            .contains("needs this shell on an mTLS connection")
    );
    ok(shell.run("logout"));
    let _ = shell.finish();

    // From an mTLS connection the user named admin enforces it; another admin may not.
    let mut ours = shell_on(&state, &cluster_id, dir.path(), Some("ours"));
    ok(ours.run("login --username officer --role admin"));
    assert_eq!(
        refused(ours.run("cluster mtls set-enforcement --level cluster")),
        "only the user named admin sets the mTLS enforcement, not officer"
    );
    ok(ours.run("logout"));
    ok(ours.run("login --username admin --role admin"));
    assert_eq!(
        ok(ours.run("cluster mtls set-enforcement --level cluster"))["data"],
        json!({"message": "Mtls enforcement level set to Cluster successfully"})
    );
    assert_eq!(
        ok(ours.run("cluster mtls get-enforcement"))["data"],
        json!({"mtls-enforcement-level": "cluster"})
    );
    assert!(
        refused(ours.run("cluster mtls deregister-trust-anchor --certificate-reference 0x01"))
            .contains("it is the last trust anchor and mTLS is enforced")
    );
    // KMS presents no certificate: the prerequisites say so.
    let report = ok(ours.run(&format!(
        "keystore check-prerequisites --cloud-hsm-cluster-id {cluster_id}"
    )));
    let mtls_check = report["data"]["Checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["Check"] == "MtlsNotEnforced")
        .unwrap()
        .clone();
    assert_eq!(mtls_check["Passed"], false);
    // ... and a connect fails with NETWORK_ERRORS, the code the shell chose (AWS names none).
    ok(ours.run("user create --username kmsuser --role crypto-user"));
    let created = ok(ours.run(&format!(
        "keystore create --custom-key-store-name mtls-store --cloud-hsm-cluster-id {cluster_id} \
         --trust-anchor-certificate file://{}",
        state.join(format!("customerCA-{cluster_id}.crt")).display()
    )));
    let store = created["data"]["CustomKeyStoreId"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(ours.run("logout"));
    ok(ours.run(&format!("keystore connect --custom-key-store-id {store}")));
    let described = ok(ours.run(&format!("keystore describe --custom-key-store-id {store}")));
    let described = &described["data"]["CustomKeyStores"][0];
    assert_eq!(described["ConnectionState"], "FAILED");
    assert_eq!(described["ConnectionErrorCode"], "NETWORK_ERRORS");
    ok(ours.run(&format!(
        "keystore disconnect --custom-key-store-id {store}"
    )));

    // Without a certificate, or with another CA's, every CloudHSM CLI command is refused.
    for (client, reason) in [
        (None, "this shell presented no client certificate"),
        (
            Some("theirs"),
            "the client certificate this shell presented does not chain to a registered trust anchor",
        ),
    ] {
        let mut other = shell_on(&state, &cluster_id, dir.path(), client);
        let message = refused(other.run("user list"));
        assert!(
            message.starts_with(&format!(
                "Cluster {cluster_id} enforces mutual TLS and refuses this connection: {reason}"
            )),
            "{message}"
        );
        // The shell's own commands do not talk to the HSMs.
        ok(other.run("cloudhsmv2 describe-clusters"));
        let _ = other.finish();
    }

    ok(ours.run("login --username admin --role admin"));
    ok(ours.run("cluster mtls set-enforcement --level none"));
    assert_eq!(
        ok(ours.run("cluster mtls deregister-trust-anchor --certificate-reference 0x01"))["data"],
        json!({"message": "Trust anchor with reference 0x01 deregistered successfully"})
    );
    ok(ours.run("logout"));
    let _ = ours.finish();
    let mut plain = shell_on(&state, &cluster_id, dir.path(), None);
    ok(plain.run("user list"));
    let _ = plain.finish();
}

#[test]
fn a_client_key_that_is_not_the_certificates_stops_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    pki(dir.path(), "ours");
    pki(dir.path(), "theirs");
    let output = Test::new()
        .arg("--client-cert")
        .arg(dir.path().join("ours-client.pem"))
        .arg("--client-key")
        .arg(dir.path().join("theirs-client.key"))
        .args(["user", "list"])
        .command()
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("it is not the private key of the client certificate"),
        "{output:?}"
    );
}

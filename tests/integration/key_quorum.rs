//! Key quorum values end to end: the flags' pair rule and bound, tokens of the key-usage and
//! key-management services bound to one key and approved by its owner and shared users, each
//! protected operation refused without them and run with them; and the cluster service, which
//! only hsm2m.medium clusters have.

use crate::fixtures::new_hsm2m_cluster;
use crate::test::{LiveShell, Test, ok, refused};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const SECRETS: &str = "admin=kq-admin-1\nalice=kq-alice-1\nbob=kq-bob-1\ncarol=kq-carol-1\n";
const REQUIRED: &str = "Quorum approval is required for this operation";

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/demo/quorum-keys")
}

/// Completes a command that writes MFA tokens to `file`: signs them with `key`'s private half
/// and runs the command again with the signed file (and `tail`).
fn two_runs(shell: &mut LiveShell, line: &str, file: &Path, key: &str, tail: &str) -> Value {
    assert!(refused(shell.run(line)).starts_with("The unsigned tokens are in"));
    ok(shell.run(&format!(
        "sim sign-token --token {0} --private-key {1}/{key}.key --out {0}",
        file.display(),
        keys().display()
    )));
    shell.run(&format!("{line} --signed-token {}{tail}", file.display()))
}

fn mfa_login(shell: &mut LiveShell, dir: &Path, username: &str, key: &str) {
    let file = dir.join(format!("{username}-login.json"));
    let line = format!(
        "login --username {username} --role crypto-user mfa-token-sign --token {}",
        file.display()
    );
    ok(two_runs(shell, &line, &file, key, ""));
}

/// alice (owner, officer2's rehearsal key) and bob (officer3's) have quorum keys, carol none;
/// alice is logged in.
fn crypto_users(dir: &Path) -> LiveShell {
    let mut shell = Test::new().secrets(SECRETS).arg("--keep-going").start();
    ok(shell.run("cluster activate"));
    ok(shell.run("login --username admin --role admin"));
    for name in ["alice", "bob", "carol"] {
        ok(shell.run(&format!("user create --username {name} --role crypto-user")));
    }
    for (name, key) in [("alice", "officer2"), ("bob", "officer3")] {
        let file = dir.join(format!("{name}-mfa.json"));
        let line = format!(
            "user change-mfa token-sign --username {name} --role crypto-user --change-quorum --token {}",
            file.display()
        );
        let tail = format!(" --public-key {}/{key}.pub", keys().display());
        ok(two_runs(&mut shell, &line, &file, key, &tail));
    }
    ok(shell.run("logout"));
    mfa_login(&mut shell, dir, "alice", "officer2");
    shell
}

/// A key-service token for the key `filter` selects, signed by `approvers` (name, key).
fn approval(
    shell: &mut LiveShell,
    path: &Path,
    service: &str,
    filter: &str,
    approvers: &[(&str, &str)],
) {
    ok(shell.run(&format!(
        "quorum token-sign generate --service {service} --filter {filter} --token {}",
        path.display()
    )));
    for (username, key) in approvers {
        ok(shell.run(&format!(
            "sim sign-token --token {0} --private-key {1}/{key}.key --username {username} --out {0}",
            path.display(),
            keys().display()
        )));
    }
}

#[test]
fn key_quorum_values_follow_the_pair_rule_and_the_bound_of_the_keys_users() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = crypto_users(dir.path());
    let aes = "key generate-symmetric aes --label q --key-length-bytes 32";
    let pair = "The manage key and use key quorum values must be set to a value greater than 1";
    assert_eq!(
        refused(shell.run(&format!("{aes} --manage-key-quorum-value 2"))),
        pair
    );
    assert_eq!(
        refused(shell.run(&format!(
            "{aes} --manage-key-quorum-value 2 --use-key-quorum-value 1"
        ))),
        pair
    );
    assert_eq!(
        refused(shell.run(&format!(
            "{aes} --manage-key-quorum-value 3 --use-key-quorum-value 2 --share-crypto-users bob"
        ))),
        "Invalid key quorum values: a quorum value of 3 needs as many users associated with the \
         key, and it has 2 (its owner and 1 shared user(s)): share it with more crypto users \
         (--share-crypto-users)"
    );
    assert!(
        refused(shell.run(&format!(
            "{aes} --manage-key-quorum-value 9 --use-key-quorum-value 2"
        )))
        .contains("9")
    );
    assert_eq!(
        ok(shell.run("key list"))["data"]["total_key_count"],
        0,
        "a refused generation made a key"
    );
    let made = ok(shell.run(&format!(
        "{aes} --manage-key-quorum-value 2 --use-key-quorum-value 2 --share-crypto-users bob"
    )));
    assert_eq!(
        made["data"]["key"]["key-info"]["key-quorum-values"],
        json!({"manage-key-quorum-value": 2, "use-key-quorum-value": 2})
    );
    let made = ok(shell.run(
        "key generate-asymmetric-pair rsa --public-label qp --private-label qs \
         --modulus-size-bits 2048 --public-exponent 65537 --share-crypto-users bob \
         --manage-private-key-quorum-value 2 --use-private-key-quorum-value 2",
    ));
    assert_eq!(
        made["data"]["private_key"]["key-info"]["key-quorum-values"],
        json!({"manage-key-quorum-value": 2, "use-key-quorum-value": 2})
    );
    assert_eq!(
        made["data"]["public_key"]["key-info"]["key-quorum-values"],
        json!({"manage-key-quorum-value": 0, "use-key-quorum-value": 0})
    );
    ok(shell.run("logout"));
    let _ = shell.finish();
}

#[test]
fn signing_with_a_quorum_key_needs_a_key_usage_token_of_that_key_signed_by_its_users() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = crypto_users(dir.path());
    ok(shell.run(
        "key generate-asymmetric-pair ec --public-label qp --private-label qs --curve secp256r1 \
         --share-crypto-users bob --private-attributes sign=true --public-attributes verify=true \
         --manage-private-key-quorum-value 2 --use-private-key-quorum-value 2",
    ));
    ok(shell.run(
        "key generate-asymmetric-pair ec --public-label other-pub --private-label other \
         --curve secp256r1 --share-crypto-users bob --private-attributes sign=true \
         --manage-private-key-quorum-value 2 --use-private-key-quorum-value 2",
    ));
    let sign =
        "crypto sign ecdsa --key-filter attr.label=qs --hash-function sha256 --data SGVsbG8=";
    assert_eq!(refused(shell.run(sign)), REQUIRED);
    let token = dir.path().join("usage.json");
    assert!(
        refused(shell.run(&format!(
            "quorum token-sign generate --service key-usage --token {}",
            token.display()
        )))
        .contains("give --filter")
    );
    approval(
        &mut shell,
        &token,
        "key-usage",
        "attr.label=qs",
        &[("alice", "officer2")],
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&token).unwrap()).unwrap();
    assert_eq!(written["service"], "key-usage");
    assert!(written["key_reference"].as_str().unwrap().starts_with("0x"));
    let approved = format!("{sign} --approval {}", token.display());
    // One of two approvals: still required, and the token stays.
    assert_eq!(refused(shell.run(&approved)), REQUIRED);
    // A token of this key is refused for another.
    let other = format!(
        "crypto sign ecdsa --key-filter attr.label=other --hash-function sha256 --data SGVsbG8= \
         --approval {}",
        token.display()
    );
    assert!(refused(shell.run(&other)).contains(", not for key "));
    ok(shell.run(&format!(
        "sim sign-token --token {0} --private-key {1}/officer3.key --username bob --out {0}",
        token.display(),
        keys().display()
    )));
    let signed = ok(shell.run(&approved));
    let signature = signed["data"]["signature"].as_str().unwrap().to_owned();
    ok(shell.run(&format!(
        "crypto verify ecdsa --key-filter attr.label=qp --hash-function sha256 --data SGVsbG8= \
         --signature {signature}"
    )));
    assert!(refused(shell.run(&approved)).contains("the cluster has no such token"));
    ok(shell.run("logout"));
    let _ = shell.finish();
}

#[test]
fn managing_a_quorum_key_needs_a_key_management_token_and_keeps_enough_users() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = crypto_users(dir.path());
    ok(shell.run(
        "key generate-symmetric aes --label managed --key-length-bytes 32 \
         --share-crypto-users bob --attributes extractable=true \
         --manage-key-quorum-value 2 --use-key-quorum-value 2",
    ));
    ok(shell.run(
        "key generate-symmetric aes --label wrapper --key-length-bytes 32 --attributes wrap=true",
    ));
    let token = dir.path().join("manage.json");
    let both = [("alice", "officer2"), ("bob", "officer3")];
    let share = "key share --filter attr.label=managed --username carol --role crypto-user";
    assert_eq!(refused(shell.run(share)), REQUIRED);
    // A key-usage token does not approve management.
    approval(&mut shell, &token, "key-usage", "attr.label=managed", &both);
    assert!(
        refused(shell.run(&format!("{share} --approval {}", token.display())))
            .contains("needs one for the key-management service")
    );
    approval(
        &mut shell,
        &token,
        "key-management",
        "attr.label=managed",
        &both,
    );
    ok(shell.run(&format!("{share} --approval {}", token.display())));
    // carol is associated now, but has no quorum key to approve with.
    approval(
        &mut shell,
        &token,
        "key-management",
        "attr.label=managed",
        &[("alice", "officer2"), ("carol", "officer3")],
    );
    let set = "key set-attribute --filter attr.label=managed --name label --value renamed";
    assert_eq!(
        refused(shell.run(&format!("{set} --approval {}", token.display()))),
        "Quorum approval refused: carol has no registered quorum key; nothing was used"
    );
    assert_eq!(refused(shell.run(set)), REQUIRED);
    approval(
        &mut shell,
        &token,
        "key-management",
        "attr.label=managed",
        &both,
    );
    ok(shell.run(&format!("{set} --approval {}", token.display())));
    let wrap = "key wrap aes-pkcs5-pad --payload-filter attr.label=renamed \
                --wrapping-filter attr.label=wrapper";
    assert_eq!(refused(shell.run(wrap)), REQUIRED);
    approval(
        &mut shell,
        &token,
        "key-management",
        "attr.label=renamed",
        &both,
    );
    let wrapped = ok(shell.run(&format!("{wrap} --payload-approval {}", token.display())));
    assert!(wrapped["data"]["wrapped_key_data"].as_str().is_some());
    // Unsharing carol leaves alice and bob, enough for the values of 2; bob too would not.
    approval(
        &mut shell,
        &token,
        "key-management",
        "attr.label=renamed",
        &both,
    );
    ok(shell.run(&format!(
        "key unshare --filter attr.label=renamed --username carol --role crypto-user --approval {}",
        token.display()
    )));
    assert!(
        refused(
            shell.run("key unshare --filter attr.label=renamed --username bob --role crypto-user")
        )
        .contains("its quorum values need 2 associated users, and unsharing would leave 1")
    );
    ok(shell.run("logout"));
    let _ = shell.finish();
}

#[test]
fn only_hsm2m_medium_clusters_have_the_cluster_service() {
    let mut shell = Test::new().secrets(SECRETS).arg("--keep-going").start();
    ok(shell.run("cluster activate"));
    ok(shell.run("login --username admin --role admin"));
    assert_eq!(
        ok(shell.run("quorum token-sign list-quorum-values"))["data"],
        json!({"user": 1, "quorum": 1})
    );
    assert!(
        refused(shell.run("quorum token-sign set-quorum-value --service cluster --value 2"))
            .contains("the cluster service (mTLS) exists on hsm2m.medium clusters only")
    );
    ok(shell.run("logout"));
    new_hsm2m_cluster(&mut shell, "FIPS");
    assert_eq!(
        ok(shell.run("quorum token-sign list-quorum-values"))["data"],
        json!({"user": 1, "quorum": 1, "cluster": 1})
    );
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("quorum token-sign set-quorum-value --service cluster --value 2"));
    assert_eq!(
        ok(shell.run("quorum token-sign list-quorum-values"))["data"],
        json!({"user": 1, "quorum": 1, "cluster": 2})
    );
    // The cluster service protects the mTLS changes.
    let dir = tempfile::tempdir().unwrap();
    crate::test::openssl_in(
        dir.path(),
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-subj",
            "/CN=anchor",
            "-days",
            "30",
            "-out",
            "ca.pem",
        ],
    );
    assert_eq!(
        refused(shell.run(&format!(
            "cluster mtls register-trust-anchor --path {}",
            dir.path().join("ca.pem").display()
        ))),
        REQUIRED
    );
    assert_eq!(
        ok(shell.run("cluster mtls list-trust-anchors"))["data"],
        json!({"trust_anchors": []})
    );
    ok(shell.run("logout"));
    let _ = shell.finish();
}

#[test]
fn a_wrap_uses_both_approvals_or_neither() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = crypto_users(dir.path());
    for (label, attributes) in [("payload", "extractable=true"), ("wrapper", "wrap=true")] {
        ok(shell.run(&format!(
            "key generate-symmetric aes --label {label} --key-length-bytes 32 \
             --share-crypto-users bob --attributes {attributes} \
             --manage-key-quorum-value 2 --use-key-quorum-value 2"
        )));
    }
    let both = [("alice", "officer2"), ("bob", "officer3")];
    let payload = dir.path().join("payload.json");
    approval(
        &mut shell,
        &payload,
        "key-management",
        "attr.label=payload",
        &both,
    );
    let wrap = format!(
        "key wrap aes-pkcs5-pad --payload-filter attr.label=payload \
         --wrapping-filter attr.label=wrapper --payload-approval {}",
        payload.display()
    );
    // The wrapping key's approval is missing: the payload's token is not used up.
    assert_eq!(refused(shell.run(&wrap)), REQUIRED);
    let wrapping = dir.path().join("wrapping.json");
    approval(
        &mut shell,
        &wrapping,
        "key-management",
        "attr.label=wrapper",
        &both,
    );
    ok(shell.run(&format!(
        "{wrap} --wrapping-approval {}",
        wrapping.display()
    )));
    ok(shell.run("logout"));
    let _ = shell.finish();
}

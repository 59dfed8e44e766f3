//! `--replay --any-cluster`: a ceremony recorded on one unseeded cluster (users, keys, a
//! signature, a key store and a KMS key in it) verifies on another, where every identifier,
//! key and signature differs; a result changed where nothing varies fails there with a diff.

use crate::test::{ADMIN_PASSWORD, Test, json_lines, write_file};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

const KMSUSER_PASSWORD: &str = "KmsUser2026";
const ALICE_PASSWORD: &str = "alice-ceremony-1";

fn secrets() -> String {
    format!("admin={ADMIN_PASSWORD}\nkmsuser={KMSUSER_PASSWORD}\nalice={ALICE_PASSWORD}\n")
}

fn data(reply: &Value) -> &Value {
    assert_eq!(reply["error_code"], 0, "{reply}");
    &reply["data"]
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

/// Records the ceremony on a fresh unseeded state in `dir`; returns the transcript's path.
fn record_ceremony(dir: &Path) -> PathBuf {
    let state = dir.join("recorded-state");
    let transcript = dir.join("ceremony.txt");
    // The administrator knows the cluster ID from the console: it is not in the recording.
    let described = Test::new()
        .unseeded()
        .state(&state)
        .args(["cloudhsmv2", "describe-clusters"])
        .run_unchecked();
    let cluster = text(&data(&json_lines(&described.stdout)[0])["Clusters"][0]["ClusterId"]);

    let mut shell = Test::new()
        .unseeded()
        .state(&state)
        .arg("--record")
        .arg(&transcript)
        .start();
    for line in [
        format!("cluster activate --password {ADMIN_PASSWORD}"),
        format!("login --username admin --role admin --password {ADMIN_PASSWORD}"),
        format!("user create --username kmsuser --role crypto-user --password {KMSUSER_PASSWORD}"),
        format!("user create --username alice --role crypto-user --password {ALICE_PASSWORD}"),
        "user list".to_owned(),
        "logout".to_owned(),
        format!("login --username alice --role crypto-user --password {ALICE_PASSWORD}"),
    ] {
        data(&shell.run(&line));
    }
    let pair = shell.run(
        "key generate-asymmetric-pair rsa --public-exponent 65537 --modulus-size-bits 2048 \
         --public-label ceremony-pub --private-label ceremony-priv \
         --public-attributes verify=true --private-attributes sign=true",
    );
    let public_reference = text(&data(&pair)["public_key"]["key-reference"]);
    data(&shell.run("key generate-symmetric aes --label ceremony-aes --key-length-bytes 32"));
    data(&shell.run("key list --verbose"));
    let signed = shell.run(
        "crypto sign rsa-pkcs --key-filter attr.label=ceremony-priv --hash-function sha256 \
         --data Y2VyZW1vbnk=",
    );
    let signature = text(&data(&signed)["signature"]);
    data(&shell.run(&format!(
        "crypto verify rsa-pkcs --key-filter key-reference={public_reference} \
         --hash-function sha256 --data Y2VyZW1vbnk= --signature {signature}"
    )));
    data(&shell.run("logout"));
    let created = shell.run(&format!(
        "keystore create --custom-key-store-name ceremony-store --cloud-hsm-cluster-id {cluster} \
         --trust-anchor-certificate file://{}/customerCA.crt --key-store-password {KMSUSER_PASSWORD}",
        state.display()
    ));
    let store = text(&data(&created)["CustomKeyStoreId"]);
    let connected = shell.run(&format!(
        "keystore connect --custom-key-store-id {store} --wait"
    ));
    assert_eq!(
        data(&connected)["CustomKeyStores"][0]["ConnectionState"],
        "CONNECTED"
    );
    let key = shell.run(&format!(
        "kms create-key --custom-key-store-id {store} --description 'ceremony key'"
    ));
    let key_arn = text(&data(&key)["KeyMetadata"]["Arn"]);
    let encrypted = shell.run(&format!(
        "kms encrypt --key-id {key_arn} --plaintext Y2VyZW1vbnk="
    ));
    let blob = text(&data(&encrypted)["CiphertextBlob"]);
    let decrypted = shell.run(&format!("kms decrypt --ciphertext-blob {blob}"));
    assert_eq!(data(&decrypted)["Plaintext"], "Y2VyZW1vbnk=");
    data(&shell.run(&format!("keystore describe --custom-key-store-id {store}")));
    let status = shell.finish();
    assert!(status.success(), "{status:?}");
    transcript
}

/// How many commands a transcript holds.
fn commands(transcript: &Path) -> usize {
    fs::read_to_string(transcript)
        .expect("the transcript")
        .lines()
        .filter(|line| line.starts_with("aws-cloudhsm > "))
        .count()
}

fn replay_on_a_fresh_cluster(transcript: &Path, any_cluster: bool) -> crate::test::Output {
    let mut test = Test::new()
        .unseeded()
        .secrets(&secrets())
        .arg("--replay")
        .arg(transcript);
    if any_cluster {
        test = test.arg("--any-cluster");
    }
    test.run_unchecked()
}

#[test]
fn a_ceremony_recorded_on_one_cluster_verifies_on_another() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let transcript = record_ceremony(dir.path());
    let count = commands(&transcript);
    assert_eq!(count, 19);
    let recorded = fs::read_to_string(&transcript).expect("the transcript");
    assert!(!recorded.contains(KMSUSER_PASSWORD) && !recorded.contains(ALICE_PASSWORD));

    let replayed = replay_on_a_fresh_cluster(&transcript, true);
    assert_eq!(
        (replayed.status, replayed.stderr.as_str()),
        (
            Some(0),
            format!(
                "{}: {count} of {count} commands matched\n",
                transcript.display()
            )
            .as_str()
        ),
        "{}",
        replayed.stdout
    );

    // Without --any-cluster, everything is compared exactly: the first key differs.
    let exact = replay_on_a_fresh_cluster(&transcript, false);
    assert_eq!(exact.status, Some(1));
    let key_line = recorded
        .lines()
        .position(|line| line.starts_with("aws-cloudhsm > key generate-asymmetric-pair"))
        .expect("the key generation line")
        + 1;
    assert!(
        exact.stderr.contains(&format!(
            "{}: stopped at line {key_line}, the first difference: 7 of {count} commands matched before it",
            transcript.display()
        )),
        "{}",
        exact.stderr
    );
}

#[test]
fn a_changed_result_that_does_not_vary_fails_there_with_only_that_difference() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let transcript = record_ceremony(dir.path());
    let recorded = fs::read_to_string(&transcript).expect("the transcript");
    let lines: Vec<&str> = recorded.lines().collect();
    let list_line = lines
        .iter()
        .position(|line| *line == "aws-cloudhsm > key list --verbose")
        .expect("the key list line");
    let changed_output =
        lines[list_line + 1].replace(r#""label":"ceremony-aes""#, r#""label":"ceremony-des""#);
    assert_ne!(changed_output, lines[list_line + 1]);
    let mut changed: Vec<String> = lines.iter().map(|line| (*line).to_owned()).collect();
    changed[list_line + 1] = changed_output;
    let changed_transcript = dir.path().join("changed.txt");
    write_file(&changed_transcript, &(changed.join("\n") + "\n"), 0o600);

    let replayed = replay_on_a_fresh_cluster(&changed_transcript, true);
    assert_eq!(replayed.status, Some(1), "{}", replayed.stderr);
    let path = changed_transcript.display();
    assert!(
        replayed.stderr.starts_with(&format!(
            "{path}:{}: `key list --verbose` printed something else\n--- expected\n+++ actual\n",
            list_line + 1
        )),
        "{}",
        replayed.stderr
    );
    // Every key reference, check value and modulus bound to this cluster's, so the diff shows
    // the label alone.
    let changes: Vec<&str> = replayed
        .stderr
        .lines()
        .filter(|line| {
            (line.starts_with('-') || line.starts_with('+'))
                && !line.starts_with("---")
                && !line.starts_with("+++")
        })
        .collect();
    assert_eq!(
        changes,
        [
            r#"-          "label": "ceremony-des","#,
            r#"+          "label": "ceremony-aes","#
        ],
        "{}",
        replayed.stderr
    );
    assert!(
        replayed.stderr.ends_with(&format!(
            "{path}: stopped at line {}, the first difference: 9 of 19 commands matched before \
             it (--keep-going runs the rest)\n",
            list_line + 1
        )),
        "{}",
        replayed.stderr
    );
}

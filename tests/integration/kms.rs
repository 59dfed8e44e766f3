//! KMS keys in a CloudHSM key store through the real binary: CreateKey's metadata and HSM key,
//! Encrypt/Decrypt round trips and refusals, and the key states across disconnect and reconnect,
//! with what a transcript cannot show: the HSM key's row in the state, files, sizes.

use crate::test::{Test, json_lines};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

const SECRETS: &str = "admin=keystore-admin-1\nkmsuser=KeystoreKms1\n";
const CLUSTER: &str = "cluster-zxqwotxh2y6";
/// Where the virtual clock of a seeded run starts: 2026-01-01T00:00:00Z.
const VIRTUAL_EPOCH: i64 = 1_767_225_600;
const STORE: &str = "cks-eb467f5217e492277";
const PLAINTEXT: &str = "secret plaintext 0123456789";

fn batch(dir: &Path, lines: &[String]) -> Vec<Value> {
    let test = Test::new().state(dir).secrets(SECRETS).arg("--keep-going");
    let mut child = test
        .command()
        .stdin(Stdio::piped())
        .spawn()
        .expect("cannot start cloudhsm-shell");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(lines.join("\n").as_bytes()).unwrap();
    drop(stdin);
    let output = child.wait_with_output().expect("cannot wait for the shell");
    json_lines(&String::from_utf8(output.stdout).expect("stdout is UTF-8"))
}

fn one(dir: &Path, line: &str) -> Value {
    batch(dir, &[line.to_owned()]).remove(0)
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A connected store with one KMS key; the key's metadata.
fn state_with_key(dir: &Path) -> Value {
    let replies = batch(
        dir,
        &[
            "cluster activate".to_owned(),
            "login --username admin --role admin".to_owned(),
            "user create --username kmsuser --role crypto-user".to_owned(),
            "logout".to_owned(),
            format!(
                "keystore create --custom-key-store-name store --cloud-hsm-cluster-id {CLUSTER} \
                 --trust-anchor-certificate file://{}",
                dir.join("customerCA.crt").display()
            ),
            format!("keystore connect --custom-key-store-id {STORE}"),
            format!("kms create-key --custom-key-store-id {STORE} --description golden"),
        ],
    );
    assert_eq!(replies.len(), 7, "{replies:?}");
    assert_eq!(replies[6]["error_code"], 0, "{replies:?}");
    replies[6]["data"]["KeyMetadata"].clone()
}

fn state_of(dir: &Path, key_id: &str) -> Value {
    let reply = one(dir, &format!("kms describe-key --key-id {key_id}"));
    reply["data"]["KeyMetadata"]["KeyState"].clone()
}

#[test]
fn create_key_returns_the_metadata_and_makes_a_non_extractable_hsm_key() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut metadata = state_with_key(&state);
    let key_id = metadata["KeyId"].as_str().unwrap().to_owned();
    let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{key_id}");
    assert_eq!(key_id.len(), 36);
    let creation = metadata.as_object_mut().unwrap().remove("CreationDate");
    assert_eq!(creation, Some(json!(VIRTUAL_EPOCH)));
    assert_eq!(
        metadata,
        json!({
            "AWSAccountId": "111122223333", "KeyId": key_id, "Arn": arn, "Enabled": true,
            "Description": "golden", "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": "Enabled",
            "Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": STORE, "CloudHsmClusterId": CLUSTER,
            "KeyManager": "CUSTOMER", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "KeySpec": "SYMMETRIC_DEFAULT", "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
            "MultiRegion": false
        })
    );
    let db = rusqlite::Connection::open(state.join("state.sqlite3")).unwrap();
    let (owner, key_type, length, flags): (String, String, i64, i64) = db
        .query_row(
            "SELECT owner, key_type, key_length_bytes, flags FROM keys WHERE label = ?1",
            [&arn],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (owner.as_str(), key_type.as_str(), length),
        ("kmsuser", "aes", 32)
    );
    // Bits of sim/keys.rs boolean_fields: token is 2, extractable is 6.
    assert_eq!(flags & (1 << 2), 1 << 2, "persistent");
    assert_eq!(flags & (1 << 6), 0, "not extractable");
    let listed = one(&state, "kms list-keys");
    assert_eq!(
        listed["data"],
        json!({"Keys": [{"KeyId": key_id, "KeyArn": arn}], "Truncated": false})
    );
    let refused = batch(
        &state,
        &[
            format!("keystore disconnect --custom-key-store-id {STORE}"),
            format!("keystore delete --custom-key-store-id {STORE}"),
        ],
    );
    assert!(
        refused[1]["data"]
            .as_str()
            .unwrap()
            .starts_with("CustomKeyStoreHasCMKsException: "),
        "{refused:?}"
    );
}

#[test]
fn encrypt_decrypt_round_trip_tampering_and_context() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let key_id = state_with_key(&state)["KeyId"].as_str().unwrap().to_owned();
    let encrypted = one(
        &state,
        &format!(
            "kms encrypt --key-id {key_id} --plaintext {} --encryption-context purpose=test",
            b64(PLAINTEXT.as_bytes())
        ),
    );
    assert_eq!(encrypted["error_code"], 0, "{encrypted}");
    let blob = encrypted["data"]["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_owned();
    let decrypt = |blob: &str, context: &str| {
        one(
            &state,
            &format!("kms decrypt --ciphertext-blob {blob} --encryption-context {context}"),
        )
    };
    let decrypted = decrypt(&blob, "purpose=test");
    assert_eq!(
        decrypted["data"]["Plaintext"],
        json!(b64(PLAINTEXT.as_bytes()))
    );
    assert!(
        decrypted["data"]["KeyId"]
            .as_str()
            .unwrap()
            .ends_with(&key_id)
    );
    let wrong = decrypt(&blob, "purpose=other");
    assert!(
        wrong["data"]
            .as_str()
            .unwrap()
            .starts_with("InvalidCiphertextException: ")
    );
    use base64::Engine;
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(&blob)
        .unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    let tampered = decrypt(&b64(&bytes), "purpose=test");
    assert!(
        tampered["data"]
            .as_str()
            .unwrap()
            .starts_with("InvalidCiphertextException: ")
    );
    let too_long = one(
        &state,
        &format!(
            "kms encrypt --key-id {key_id} --plaintext {}",
            b64(&[0; 4097])
        ),
    );
    assert!(
        too_long["data"]
            .as_str()
            .unwrap()
            .starts_with("ValidationException: ")
    );
    let random = one(
        &state,
        &format!("kms generate-random --number-of-bytes 1024 --custom-key-store-id {STORE}"),
    );
    let random = base64::engine::general_purpose::STANDARD
        .decode(random["data"]["Plaintext"].as_str().unwrap())
        .unwrap();
    assert_eq!(random.len(), 1024);
    // The plaintext never reaches the state files.
    for entry in std::fs::read_dir(&state).unwrap() {
        let content = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(
            !content
                .windows(PLAINTEXT.len())
                .any(|w| w == PLAINTEXT.as_bytes())
        );
    }
}

#[test]
fn key_states_follow_the_store_and_the_desired_flag() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let key_id = state_with_key(&state)["KeyId"].as_str().unwrap().to_owned();
    let disconnect = format!("keystore disconnect --custom-key-store-id {STORE}");
    let connect = format!("keystore connect --custom-key-store-id {STORE}");
    one(&state, &disconnect);
    assert_eq!(state_of(&state, &key_id), "Unavailable");
    let refused = one(
        &state,
        &format!("kms encrypt --key-id {key_id} --plaintext aGk="),
    );
    assert!(
        refused["data"]
            .as_str()
            .unwrap()
            .ends_with("is unavailable."),
        "{refused}"
    );
    one(&state, &connect);
    assert_eq!(state_of(&state, &key_id), "Enabled");
    // Disabled stays Disabled across a reconnect.
    assert_eq!(
        one(&state, &format!("kms disable-key --key-id {key_id}"))["data"],
        json!({})
    );
    one(&state, &disconnect);
    one(&state, &connect);
    assert_eq!(state_of(&state, &key_id), "Disabled");
    // Enable while Unavailable: Enabled once reconnected.
    one(&state, &disconnect);
    assert_eq!(
        one(&state, &format!("kms enable-key --key-id {key_id}"))["error_code"],
        0
    );
    assert_eq!(state_of(&state, &key_id), "Unavailable");
    one(&state, &connect);
    assert_eq!(state_of(&state, &key_id), "Enabled");
    // Deletion scheduled while Unavailable sticks; cancel brings the key back Disabled.
    one(&state, &disconnect);
    let scheduled = one(
        &state,
        &format!("kms schedule-key-deletion --key-id {key_id} --pending-window-in-days 7"),
    );
    assert_eq!(
        scheduled["data"]["KeyState"], "PendingDeletion",
        "{scheduled}"
    );
    assert_eq!(scheduled["data"]["PendingWindowInDays"], 7);
    let described = one(&state, &format!("kms describe-key --key-id {key_id}"));
    let metadata = &described["data"]["KeyMetadata"];
    assert_eq!(metadata["KeyState"], "PendingDeletion");
    assert_eq!(metadata["DeletionDate"], scheduled["data"]["DeletionDate"]);
    let again = one(
        &state,
        &format!("kms schedule-key-deletion --key-id {key_id}"),
    );
    assert!(
        again["data"]
            .as_str()
            .unwrap()
            .starts_with("KMSInvalidStateException: ")
    );
    let cancelled = one(
        &state,
        &format!("kms cancel-key-deletion --key-id {key_id}"),
    );
    assert!(
        cancelled["data"]["KeyId"]
            .as_str()
            .unwrap()
            .ends_with(&key_id)
    );
    let twice = one(
        &state,
        &format!("kms cancel-key-deletion --key-id {key_id}"),
    );
    assert!(
        twice["data"]
            .as_str()
            .unwrap()
            .starts_with("KMSInvalidStateException: ")
    );
    one(&state, &connect);
    assert_eq!(state_of(&state, &key_id), "Disabled");
}

#[test]
fn decrypt_with_the_key_id_of_another_key_is_an_incorrect_key() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let first = state_with_key(&state)["KeyId"].as_str().unwrap().to_owned();
    let created = one(
        &state,
        &format!("kms create-key --custom-key-store-id {STORE} --description other"),
    );
    let other = created["data"]["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap_or_else(|| panic!("no second key: {created}"))
        .to_owned();
    assert_ne!(other, first);
    let encrypted = one(
        &state,
        &format!(
            "kms encrypt --key-id {first} --plaintext {}",
            b64(PLAINTEXT.as_bytes())
        ),
    );
    let blob = encrypted["data"]["CiphertextBlob"].as_str().unwrap();
    let other_arn = format!("arn:aws:kms:us-east-1:111122223333:key/{other}");
    let first_arn = format!("arn:aws:kms:us-east-1:111122223333:key/{first}");
    for named in [other.as_str(), other_arn.as_str()] {
        assert_eq!(
            one(
                &state,
                &format!("kms decrypt --ciphertext-blob {blob} --key-id {named}")
            ),
            json!({
                "error_code": 1,
                "data": format!(
                    "IncorrectKeyException: The ciphertext was not encrypted under {other_arn}"
                )
            })
        );
    }
    assert_eq!(
        one(
            &state,
            &format!("kms decrypt --ciphertext-blob {blob} --key-id {first}")
        ),
        json!({
            "error_code": 0,
            "data": {
                "KeyId": first_arn,
                "Plaintext": b64(PLAINTEXT.as_bytes()),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"
            }
        })
    );
}

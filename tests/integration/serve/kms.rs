//! KMS over awsJson1.1: the key store lifecycle and a key's Encrypt/Decrypt round trip, each
//! reply compared as exact JSON.

use super::served::{JSON, Served};
use super::{CLUSTER, SECOND_CLUSTER, create_input, ready_state, trust_anchor};
use serde_json::{Value, json};
use std::path::Path;

/// Where the virtual clock of a seeded state starts: 2026-01-01T00:00:00Z.
const VIRTUAL_EPOCH: i64 = 1_767_225_600;

/// The `CustomKeyStoresListEntry` a described store must be.
fn entry(state: &Path, id: &str, name: &str, cluster: &str, connection: &str) -> Value {
    json!({
        "CustomKeyStoreId": id,
        "CustomKeyStoreName": name,
        "CloudHsmClusterId": cluster,
        "TrustAnchorCertificate": trust_anchor(state, cluster),
        "ConnectionState": connection,
        "CreationDate": VIRTUAL_EPOCH,
        "CustomKeyStoreType": "AWS_CLOUDHSM",
    })
}

fn created_id(reply: &Value) -> String {
    let id = reply["CustomKeyStoreId"]
        .as_str()
        .expect("an ID")
        .to_owned();
    assert!(id.starts_with("cks-"), "{reply}");
    assert_eq!(reply, &json!({"CustomKeyStoreId": id}));
    id
}

#[test]
fn the_key_store_lifecycle_over_the_wire() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    assert_eq!(
        served.kms_ok("DescribeCustomKeyStores", &json!({})),
        json!({"CustomKeyStores": [], "Truncated": false})
    );

    let first = created_id(&served.kms_ok(
        "CreateCustomKeyStore",
        &create_input(&state, "store-a", CLUSTER),
    ));
    // An identical retry of a create that never connected answers the same store.
    let retried = served.kms_ok(
        "CreateCustomKeyStore",
        &create_input(&state, "store-a", CLUSTER),
    );
    assert_eq!(retried, json!({"CustomKeyStoreId": first}));
    let second = created_id(&served.kms_ok(
        "CreateCustomKeyStore",
        &create_input(&state, "store-b", SECOND_CLUSTER),
    ));
    assert_ne!(first, second);

    let first_entry = |connection| entry(&state, &first, "store-a", CLUSTER, connection);
    let second_entry = entry(&state, &second, "store-b", SECOND_CLUSTER, "DISCONNECTED");
    assert_eq!(
        served.kms_ok("ConnectCustomKeyStore", &json!({"CustomKeyStoreId": first})),
        json!({})
    );
    // Two pages of one: the marker leads to the second store, which ends the list.
    let page = served.kms_ok("DescribeCustomKeyStores", &json!({"Limit": 1}));
    let marker = page["NextMarker"].as_str().expect("a marker").to_owned();
    assert_eq!(
        page,
        json!({
            "CustomKeyStores": [first_entry("CONNECTED")],
            "NextMarker": marker,
            "Truncated": true,
        })
    );
    assert_eq!(
        served.kms_ok(
            "DescribeCustomKeyStores",
            &json!({"Limit": 1, "Marker": marker})
        ),
        json!({"CustomKeyStores": [second_entry.clone()], "Truncated": false})
    );
    assert_eq!(
        served.kms_ok(
            "DescribeCustomKeyStores",
            &json!({"CustomKeyStoreName": "store-b"})
        ),
        json!({"CustomKeyStores": [second_entry], "Truncated": false})
    );

    // A name another store has is refused; a new one is taken.
    let taken = json!({"CustomKeyStoreId": first, "NewCustomKeyStoreName": "store-b"});
    let refused = served.kms("UpdateCustomKeyStore", &taken);
    assert_eq!(
        (refused.status, refused.json()["__type"].clone()),
        (400, json!("CustomKeyStoreNameInUseException"))
    );
    let rename = json!({"CustomKeyStoreId": first, "NewCustomKeyStoreName": "store-c"});
    assert_eq!(
        served.kms_ok(
            "DisconnectCustomKeyStore",
            &json!({"CustomKeyStoreId": first})
        ),
        json!({})
    );
    assert_eq!(served.kms_ok("UpdateCustomKeyStore", &rename), json!({}));
    assert_eq!(
        served.kms_ok(
            "DescribeCustomKeyStores",
            &json!({"CustomKeyStoreId": first})
        ),
        json!({
            "CustomKeyStores": [entry(&state, &first, "store-c", CLUSTER, "DISCONNECTED")],
            "Truncated": false,
        })
    );

    assert_eq!(
        served.kms_ok("DeleteCustomKeyStore", &json!({"CustomKeyStoreId": first})),
        json!({})
    );
    let gone = served.kms(
        "DescribeCustomKeyStores",
        &json!({"CustomKeyStoreId": first}),
    );
    assert_eq!(gone.status, 400);
    assert_eq!(gone.json()["__type"], "CustomKeyStoreNotFoundException");
    assert_eq!(gone.header("content-type"), Some(JSON));

    // The shell sees what the server did: one store left, the second.
    let output = crate::test::Test::new()
        .state(&state)
        .args(["keystore", "describe"])
        .run_unchecked();
    let described: Value = serde_json::from_str(&output.stdout).expect("an envelope");
    assert_eq!(
        described["data"]["CustomKeyStores"][0]["CustomKeyStoreId"],
        second.as_str()
    );
    assert_eq!(
        described["data"]["CustomKeyStores"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn a_key_encrypts_and_decrypts_through_the_wire() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    let store = created_id(&served.kms_ok(
        "CreateCustomKeyStore",
        &create_input(&state, "keys", CLUSTER),
    ));
    served.kms_ok("ConnectCustomKeyStore", &json!({"CustomKeyStoreId": store}));
    let created = served.kms_ok(
        "CreateKey",
        &json!({
            "CustomKeyStoreId": store,
            "Origin": "AWS_CLOUDHSM",
            "Description": "wire key",
        }),
    );
    let metadata = &created["KeyMetadata"];
    let key_id = metadata["KeyId"].as_str().expect("a key ID").to_owned();
    let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{key_id}");
    assert_eq!(metadata["Arn"], arn.as_str());
    assert_eq!(metadata["KeyState"], "Enabled");
    assert_eq!(metadata["Origin"], "AWS_CLOUDHSM");
    assert_eq!(metadata["CustomKeyStoreId"], store.as_str());
    assert_eq!(metadata["CloudHsmClusterId"], CLUSTER);
    assert_eq!(metadata["CreationDate"], VIRTUAL_EPOCH);
    assert_eq!(
        served.kms_ok("DescribeKey", &json!({"KeyId": key_id})),
        created
    );
    assert_eq!(
        served.kms_ok("ListKeys", &json!({})),
        json!({"Keys": [{"KeyId": key_id, "KeyArn": arn}], "Truncated": false})
    );

    // "wire plaintext" in base64; the context is bound to the ciphertext.
    let context = json!({"purpose": "test"});
    let encrypted = served.kms_ok(
        "Encrypt",
        &json!({"KeyId": key_id, "Plaintext": "d2lyZSBwbGFpbnRleHQ=", "EncryptionContext": context}),
    );
    assert_eq!(encrypted["KeyId"], arn.as_str());
    assert_eq!(encrypted["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    let blob = encrypted["CiphertextBlob"]
        .as_str()
        .expect("base64")
        .to_owned();
    assert_eq!(
        served.kms_ok(
            "Decrypt",
            &json!({"CiphertextBlob": blob, "EncryptionContext": context})
        ),
        json!({
            "KeyId": arn,
            "Plaintext": "d2lyZSBwbGFpbnRleHQ=",
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        })
    );
    let wrong_context = served.kms("Decrypt", &json!({"CiphertextBlob": blob}));
    assert_eq!(wrong_context.status, 400);
    assert_eq!(wrong_context.json()["__type"], "InvalidCiphertextException");

    let random = served.kms_ok("GenerateRandom", &json!({"NumberOfBytes": 32}));
    let bytes = random["Plaintext"].as_str().expect("base64");
    assert_eq!(bytes.len(), 44, "{random}");

    // Disable, enable, schedule and cancel deletion.
    assert_eq!(
        served.kms_ok("DisableKey", &json!({"KeyId": key_id})),
        json!({})
    );
    let disabled = served.kms("Encrypt", &json!({"KeyId": key_id, "Plaintext": "aGk="}));
    assert_eq!(
        (disabled.status, disabled.json()["__type"].clone()),
        (400, json!("DisabledException"))
    );
    assert!(
        disabled.json()["message"]
            .as_str()
            .is_some_and(|message| message.ends_with(&format!("{key_id} is disabled."))),
        "{}",
        disabled.json()
    );
    assert_eq!(
        served.kms_ok("EnableKey", &json!({"KeyId": key_id})),
        json!({})
    );
    let scheduled = served.kms_ok(
        "ScheduleKeyDeletion",
        &json!({"KeyId": key_id, "PendingWindowInDays": 7}),
    );
    assert_eq!(
        scheduled,
        json!({
            "KeyId": arn,
            "DeletionDate": VIRTUAL_EPOCH + 7 * 86_400,
            "KeyState": "PendingDeletion",
            "PendingWindowInDays": 7,
        })
    );
    assert_eq!(
        served.kms_ok("CancelKeyDeletion", &json!({"KeyId": key_id})),
        json!({"KeyId": arn})
    );
    assert_eq!(
        served.kms_ok("DescribeKey", &json!({"KeyId": key_id}))["KeyMetadata"]["KeyState"],
        "Disabled"
    );
}

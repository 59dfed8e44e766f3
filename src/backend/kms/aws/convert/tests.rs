//! KMS answers built with the SDK's builders, mapped to the domain values and the JSON the
//! shell prints.

use super::*;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    ConnectionErrorCodeType, ConnectionStateType, EncryptionAlgorithmSpec, KeyManagerType, KeySpec,
    KeyUsageType, OriginType,
};
use serde_json::json;

const CREATED: i64 = 1_767_225_600;

fn cloudhsm_entry(id: &str, state: ConnectionStateType) -> types::CustomKeyStoresListEntry {
    types::CustomKeyStoresListEntry::builder()
        .custom_key_store_id(id)
        .custom_key_store_name("ExampleKeyStore")
        .cloud_hsm_cluster_id("cluster-1a23b4cdefg")
        .trust_anchor_certificate("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        .connection_state(state)
        .creation_date(DateTime::from_secs(CREATED))
        .custom_key_store_type(CustomKeyStoreType::AwsCloudhsm)
        .build()
}

#[test]
fn key_stores_read_as_the_simulator_shows_them_and_external_ones_are_left_out() {
    let mut failed = cloudhsm_entry("cks-1234567890abcdef0", ConnectionStateType::Failed);
    failed.connection_error_code = Some(ConnectionErrorCodeType::SubnetNotFound);
    let external = types::CustomKeyStoresListEntry::builder()
        .custom_key_store_id("cks-external000000000")
        .custom_key_store_name("Xks")
        .connection_state(ConnectionStateType::Connected)
        .creation_date(DateTime::from_secs(CREATED))
        .custom_key_store_type(CustomKeyStoreType::ExternalKeyStore)
        .build();
    let output = DescribeCustomKeyStoresOutput::builder()
        .custom_key_stores(failed)
        .custom_key_stores(external)
        .custom_key_stores(cloudhsm_entry(
            "cks-0000000000000000a",
            ConnectionStateType::Connected,
        ))
        .next_marker("page-2")
        .truncated(true)
        .build();
    let response = key_stores(&output).unwrap();
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({
            "CustomKeyStores": [
                {
                    "CustomKeyStoreId": "cks-1234567890abcdef0",
                    "CustomKeyStoreName": "ExampleKeyStore",
                    "CloudHsmClusterId": "cluster-1a23b4cdefg",
                    "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                    "ConnectionState": "FAILED",
                    "ConnectionErrorCode": "SUBNET_NOT_FOUND",
                    "CreationDate": CREATED,
                    "CustomKeyStoreType": "AWS_CLOUDHSM"
                },
                {
                    "CustomKeyStoreId": "cks-0000000000000000a",
                    "CustomKeyStoreName": "ExampleKeyStore",
                    "CloudHsmClusterId": "cluster-1a23b4cdefg",
                    "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                    "ConnectionState": "CONNECTED",
                    "CreationDate": CREATED,
                    "CustomKeyStoreType": "AWS_CLOUDHSM"
                }
            ],
            "NextMarker": "page-2",
            "Truncated": true
        })
    );
}

#[test]
fn a_state_this_shell_does_not_know_is_an_error_naming_it() {
    let entry = cloudhsm_entry(
        "cks-1234567890abcdef0",
        ConnectionStateType::from("HIBERNATING"),
    );
    let output = DescribeCustomKeyStoresOutput::builder()
        .custom_key_stores(entry)
        .build();
    assert_eq!(
        key_stores(&output).unwrap_err().to_string(),
        "KMS answered ConnectionState HIBERNATING, which this shell does not know"
    );
}

#[test]
fn a_missing_creation_date_is_an_error() {
    let mut entry = cloudhsm_entry("cks-1234567890abcdef0", ConnectionStateType::Connected);
    entry.creation_date = None;
    let output = DescribeCustomKeyStoresOutput::builder()
        .custom_key_stores(entry)
        .build();
    assert_eq!(
        key_stores(&output).unwrap_err().to_string(),
        "KMS answered without CreationDate, which it always sends"
    );
}

#[test]
#[allow(deprecated)]
fn key_metadata_has_the_simulators_members() {
    let metadata = types::KeyMetadata::builder()
        .aws_account_id("444455556666")
        .key_id("1234abcd-12ab-34cd-56ef-1234567890ab")
        .arn("arn:aws:kms:eu-west-3:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab")
        .creation_date(DateTime::from_secs(CREATED))
        .enabled(false)
        .description("")
        .key_usage(KeyUsageType::EncryptDecrypt)
        .key_state(types::KeyState::PendingDeletion)
        .deletion_date(DateTime::from_secs(CREATED + 7 * 86_400))
        .origin(OriginType::AwsCloudhsm)
        .custom_key_store_id("cks-1234567890abcdef0")
        .cloud_hsm_cluster_id("cluster-1a23b4cdefg")
        .key_manager(KeyManagerType::Customer)
        .customer_master_key_spec(types::CustomerMasterKeySpec::SymmetricDefault)
        .key_spec(KeySpec::SymmetricDefault)
        .encryption_algorithms(EncryptionAlgorithmSpec::SymmetricDefault)
        .multi_region(false)
        .pending_deletion_window_in_days(7)
        .build()
        .unwrap();
    let response = key_metadata_response(Some(&metadata)).unwrap();
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"KeyMetadata": {
            "AWSAccountId": "444455556666",
            "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "Arn": "arn:aws:kms:eu-west-3:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "CreationDate": CREATED,
            "Enabled": false,
            "Description": "",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeyState": "PendingDeletion",
            "DeletionDate": CREATED + 7 * 86_400,
            "Origin": "AWS_CLOUDHSM",
            "CustomKeyStoreId": "cks-1234567890abcdef0",
            "CloudHsmClusterId": "cluster-1a23b4cdefg",
            "KeyManager": "CUSTOMER",
            "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
            "MultiRegion": false,
            "PendingDeletionWindowInDays": 7
        }})
    );
}

#[test]
fn a_key_outside_custom_key_stores_leaves_their_members_out() {
    let metadata = types::KeyMetadata::builder()
        .key_id("mrk-1")
        .creation_date(DateTime::from_secs(CREATED))
        .key_state(types::KeyState::Creating)
        .origin(OriginType::AwsKms)
        .build()
        .unwrap();
    let value = serde_json::to_value(key_metadata_response(Some(&metadata)).unwrap()).unwrap();
    let members = value["KeyMetadata"].as_object().unwrap();
    assert_eq!(members["KeyState"], "Creating");
    assert_eq!(members["Origin"], "AWS_KMS");
    assert!(!members.contains_key("CustomKeyStoreId"));
    assert!(!members.contains_key("CloudHsmClusterId"));
}

#[test]
fn blobs_print_as_base64_and_the_plaintext_is_kept_whole() {
    let encrypted = encrypted(
        EncryptOutput::builder()
            .ciphertext_blob(Blob::new(vec![0x01, 0x02, 0xff]))
            .key_id("arn:aws:kms:us-east-1:111122223333:key/k")
            .encryption_algorithm(EncryptionAlgorithmSpec::SymmetricDefault)
            .build(),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&encrypted).unwrap(),
        json!({
            "CiphertextBlob": "AQL/",
            "KeyId": "arn:aws:kms:us-east-1:111122223333:key/k",
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"
        })
    );
    let decrypted = decrypted(
        DecryptOutput::builder()
            .plaintext(Blob::new(b"hello".to_vec()))
            .key_id("arn:aws:kms:us-east-1:111122223333:key/k")
            .encryption_algorithm(EncryptionAlgorithmSpec::SymmetricDefault)
            .build(),
    )
    .unwrap();
    assert_eq!(decrypted.plaintext.as_slice(), b"hello");
    assert_eq!(
        serde_json::to_value(&decrypted).unwrap()["Plaintext"],
        "aGVsbG8="
    );
}

#[test]
fn a_scheduled_deletion_reads_its_date_in_seconds() {
    let output = ScheduleKeyDeletionOutput::builder()
        .key_id("arn:aws:kms:us-east-1:111122223333:key/k")
        .deletion_date(DateTime::from_secs(CREATED + 30 * 86_400))
        .key_state(types::KeyState::PendingDeletion)
        .pending_window_in_days(30)
        .build();
    assert_eq!(
        deletion_scheduled(&output).unwrap(),
        ScheduleDeletionResponse {
            key_id: "arn:aws:kms:us-east-1:111122223333:key/k".to_owned(),
            deletion_date: CREATED + 30 * 86_400,
            key_state: KeyState::PendingDeletion,
            pending_window_in_days: 30,
        }
    );
}

//! KMS keys in a CloudHSM key store: the request and response values of CreateKey, DescribeKey,
//! ListKeys, Encrypt, Decrypt, GenerateRandom, the deletion and enable/disable calls, with the
//! KMS API's PascalCase member names. Blobs serialize as standard base64, as the wire has them.

use serde::{Serialize, Serializer};
use std::borrow::Cow;
use zeroize::Zeroizing;

/// The account every simulated key belongs to.
pub const ACCOUNT_ID: &str = "111122223333";
/// The Region of every simulated key.
pub const REGION: &str = "us-east-1";
/// The only key spec, usage, encryption algorithm and origin of keys in a CloudHSM key store.
pub const SYMMETRIC_DEFAULT: &str = "SYMMETRIC_DEFAULT";
pub const ENCRYPT_DECRYPT: &str = "ENCRYPT_DECRYPT";
pub const ORIGIN_AWS_CLOUDHSM: &str = "AWS_CLOUDHSM";

/// The ARN of key `key_id`.
pub fn key_arn(key_id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}")
}

/// `KeyState`. A key in a CloudHSM key store is `Enabled`, `Disabled`, `PendingDeletion` or
/// `Unavailable`; the other values come from AWS (`--aws`) for other keys or passing states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum KeyState {
    Creating,
    Enabled,
    Disabled,
    PendingDeletion,
    PendingImport,
    PendingReplicaDeletion,
    Unavailable,
    Updating,
}

impl KeyState {
    pub const ALL: [KeyState; 8] = [
        KeyState::Creating,
        KeyState::Enabled,
        KeyState::Disabled,
        KeyState::PendingDeletion,
        KeyState::PendingImport,
        KeyState::PendingReplicaDeletion,
        KeyState::Unavailable,
        KeyState::Updating,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Creating => "Creating",
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "PendingDeletion",
            KeyState::PendingImport => "PendingImport",
            KeyState::PendingReplicaDeletion => "PendingReplicaDeletion",
            KeyState::Unavailable => "Unavailable",
            KeyState::Updating => "Updating",
        }
    }

    pub fn parse(text: &str) -> Option<KeyState> {
        KeyState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// `KeyMetadata` of a key in a CloudHSM key store. The enumerated members are the simulator's
/// constants, or the values AWS sent (`--aws`); members the shell does not model are left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    #[serde(rename = "AWSAccountId")]
    pub aws_account_id: String,
    pub key_id: String,
    pub arn: String,
    /// Seconds since the Unix epoch.
    pub creation_date: i64,
    pub enabled: bool,
    pub description: String,
    pub key_usage: Cow<'static, str>,
    pub key_state: KeyState,
    /// Present only while the key is pending deletion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<i64>,
    pub origin: Cow<'static, str>,
    /// Empty (and left out) for a key that is in no custom key store (`--aws`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub custom_key_store_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cloud_hsm_cluster_id: String,
    pub key_manager: Cow<'static, str>,
    pub customer_master_key_spec: Cow<'static, str>,
    pub key_spec: Cow<'static, str>,
    pub encryption_algorithms: Vec<Cow<'static, str>>,
    pub multi_region: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_deletion_window_in_days: Option<i64>,
}

/// `CreateKeyResponse` and `DescribeKeyResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadataResponse {
    pub key_metadata: KeyMetadata,
}

/// `CreateKeyRequest` for a key in a CloudHSM key store.
#[derive(Debug)]
pub struct CreateKeyRequest<'a> {
    pub custom_key_store_id: &'a str,
    pub origin: &'a str,
    pub description: &'a str,
    pub key_spec: &'a str,
    pub key_usage: &'a str,
    pub multi_region: bool,
}

/// `KeyListEntry`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyListEntry {
    pub key_id: String,
    pub key_arn: String,
}

/// `ListKeysResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeysResponse {
    pub keys: Vec<KeyListEntry>,
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// The encryption context: name-value pairs bound to a ciphertext.
pub type EncryptionContext = Vec<(String, String)>;

/// `EncryptRequest`.
#[derive(Debug)]
pub struct EncryptRequest<'a> {
    pub key_id: &'a str,
    pub plaintext: &'a [u8],
    pub context: &'a EncryptionContext,
}

/// `EncryptResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptResponse {
    #[serde(serialize_with = "base64_bytes")]
    pub ciphertext_blob: Vec<u8>,
    /// The key's ARN.
    pub key_id: String,
    pub encryption_algorithm: Cow<'static, str>,
}

/// `DecryptRequest`.
#[derive(Debug)]
pub struct DecryptRequest<'a> {
    pub ciphertext_blob: &'a [u8],
    pub key_id: Option<&'a str>,
    pub context: &'a EncryptionContext,
}

/// `DecryptResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DecryptResponse {
    /// The key's ARN.
    pub key_id: String,
    #[serde(serialize_with = "base64_secret")]
    pub plaintext: Zeroizing<Vec<u8>>,
    pub encryption_algorithm: Cow<'static, str>,
}

/// `GenerateRandomResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateRandomResponse {
    #[serde(serialize_with = "base64_secret")]
    pub plaintext: Zeroizing<Vec<u8>>,
}

/// `ScheduleKeyDeletionResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleDeletionResponse {
    /// The key's ARN.
    pub key_id: String,
    pub deletion_date: i64,
    pub key_state: KeyState,
    pub pending_window_in_days: i64,
}

/// `CancelKeyDeletionResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelDeletionResponse {
    /// The key's ARN.
    pub key_id: String,
}

fn base64_bytes<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    use base64::Engine;
    serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn base64_secret<S: Serializer>(
    bytes: &Zeroizing<Vec<u8>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    base64_bytes(bytes, serializer)
}

//! KMS answers, as `aws-sdk-kms` parses them, turned into the shell's domain values: the same
//! members, spellings and units as the simulator gives (epoch seconds, the wire's enum names).

use crate::backend::kms::keys::{KeyListEntry, KeyMetadata, KeyState};
use crate::backend::kms::{
    ConnectionErrorCode, ConnectionState, CreateResponse, CustomKeyStoresListEntry,
    DecryptResponse, DescribeResponse, EncryptResponse, GenerateRandomResponse,
    KeyMetadataResponse, ListKeysResponse, ScheduleDeletionResponse,
};
use crate::error::{Error, Result};
use aws_sdk_kms::operation::create_custom_key_store::CreateCustomKeyStoreOutput;
use aws_sdk_kms::operation::decrypt::DecryptOutput;
use aws_sdk_kms::operation::describe_custom_key_stores::DescribeCustomKeyStoresOutput;
use aws_sdk_kms::operation::encrypt::EncryptOutput;
use aws_sdk_kms::operation::generate_random::GenerateRandomOutput;
use aws_sdk_kms::operation::list_keys::ListKeysOutput;
use aws_sdk_kms::operation::schedule_key_deletion::ScheduleKeyDeletionOutput;
use aws_sdk_kms::primitives::DateTime;
use aws_sdk_kms::types::{self, CustomKeyStoreType};
use std::borrow::Cow;
use zeroize::Zeroizing;

/// The key store type this shell manages; external key stores are left out of listings.
pub const CLOUDHSM_TYPE: &str = "AWS_CLOUDHSM";

/// A member KMS always sends, or an error saying it did not.
pub fn required<T>(value: Option<T>, member: &str) -> Result<T> {
    value.ok_or_else(|| Error::AwsRequest {
        message: format!("KMS answered without {member}, which it always sends"),
    })
}

/// A wire value the shell has no name for (a newer API than this shell).
fn unknown(member: &str, value: &str) -> Error {
    Error::AwsRequest {
        message: format!("KMS answered {member} {value}, which this shell does not know"),
    }
}

fn seconds(value: Option<&DateTime>, member: &str) -> Result<i64> {
    required(value, member).map(DateTime::secs)
}

pub fn created(output: &CreateCustomKeyStoreOutput) -> Result<CreateResponse> {
    Ok(CreateResponse {
        custom_key_store_id: required(output.custom_key_store_id(), "CustomKeyStoreId")?.to_owned(),
    })
}

pub fn key_stores(output: &DescribeCustomKeyStoresOutput) -> Result<DescribeResponse> {
    let custom_key_stores = output
        .custom_key_stores()
        .iter()
        .filter(|entry| {
            entry
                .custom_key_store_type()
                .is_none_or(|kind| *kind == CustomKeyStoreType::AwsCloudhsm)
        })
        .map(key_store)
        .collect::<Result<Vec<_>>>()?;
    Ok(DescribeResponse {
        custom_key_stores,
        next_marker: output.next_marker().map(str::to_owned),
        truncated: output.truncated(),
    })
}

fn key_store(entry: &types::CustomKeyStoresListEntry) -> Result<CustomKeyStoresListEntry> {
    let state = required(entry.connection_state(), "ConnectionState")?.as_str();
    let connection_state =
        ConnectionState::parse(state).ok_or_else(|| unknown("ConnectionState", state))?;
    let connection_error_code = entry
        .connection_error_code()
        .map(|code| {
            ConnectionErrorCode::parse(code.as_str())
                .ok_or_else(|| unknown("ConnectionErrorCode", code.as_str()))
        })
        .transpose()?;
    Ok(CustomKeyStoresListEntry {
        custom_key_store_id: required(entry.custom_key_store_id(), "CustomKeyStoreId")?.to_owned(),
        custom_key_store_name: entry.custom_key_store_name().unwrap_or_default().to_owned(),
        cloud_hsm_cluster_id: entry.cloud_hsm_cluster_id().unwrap_or_default().to_owned(),
        trust_anchor_certificate: entry
            .trust_anchor_certificate()
            .unwrap_or_default()
            .to_owned(),
        connection_state,
        connection_error_code,
        creation_date: seconds(entry.creation_date(), "CreationDate")?,
        custom_key_store_type: CLOUDHSM_TYPE,
    })
}

pub fn key_metadata_response(metadata: Option<&types::KeyMetadata>) -> Result<KeyMetadataResponse> {
    Ok(KeyMetadataResponse {
        key_metadata: key_metadata(required(metadata, "KeyMetadata")?)?,
    })
}

fn owned(value: Option<&str>) -> Cow<'static, str> {
    Cow::Owned(value.unwrap_or_default().to_owned())
}

fn key_state(state: &types::KeyState) -> Result<KeyState> {
    KeyState::parse(state.as_str()).ok_or_else(|| unknown("KeyState", state.as_str()))
}

// CustomerMasterKeySpec is deprecated in favour of KeySpec, but KMS still sends both, and so
// does the simulator.
#[allow(deprecated)]
pub fn key_metadata(metadata: &types::KeyMetadata) -> Result<KeyMetadata> {
    Ok(KeyMetadata {
        aws_account_id: metadata.aws_account_id().unwrap_or_default().to_owned(),
        key_id: metadata.key_id().to_owned(),
        arn: metadata.arn().unwrap_or_default().to_owned(),
        creation_date: seconds(metadata.creation_date(), "CreationDate")?,
        enabled: metadata.enabled(),
        description: metadata.description().unwrap_or_default().to_owned(),
        key_usage: owned(metadata.key_usage().map(types::KeyUsageType::as_str)),
        key_state: key_state(required(metadata.key_state(), "KeyState")?)?,
        deletion_date: metadata.deletion_date().map(DateTime::secs),
        origin: owned(metadata.origin().map(types::OriginType::as_str)),
        custom_key_store_id: metadata
            .custom_key_store_id()
            .unwrap_or_default()
            .to_owned(),
        cloud_hsm_cluster_id: metadata
            .cloud_hsm_cluster_id()
            .unwrap_or_default()
            .to_owned(),
        key_manager: owned(metadata.key_manager().map(types::KeyManagerType::as_str)),
        customer_master_key_spec: owned(
            metadata
                .customer_master_key_spec()
                .map(types::CustomerMasterKeySpec::as_str),
        ),
        key_spec: owned(metadata.key_spec().map(types::KeySpec::as_str)),
        encryption_algorithms: metadata
            .encryption_algorithms()
            .iter()
            .map(|algorithm| Cow::Owned(algorithm.as_str().to_owned()))
            .collect(),
        multi_region: metadata.multi_region().unwrap_or(false),
        pending_deletion_window_in_days: metadata.pending_deletion_window_in_days().map(i64::from),
    })
}

pub fn keys(output: &ListKeysOutput) -> Result<ListKeysResponse> {
    Ok(ListKeysResponse {
        keys: output
            .keys()
            .iter()
            .map(|entry| KeyListEntry {
                key_id: entry.key_id().unwrap_or_default().to_owned(),
                key_arn: entry.key_arn().unwrap_or_default().to_owned(),
            })
            .collect(),
        truncated: output.truncated(),
        next_marker: output.next_marker().map(str::to_owned),
    })
}

fn algorithm(value: Option<&types::EncryptionAlgorithmSpec>) -> Cow<'static, str> {
    owned(value.map(types::EncryptionAlgorithmSpec::as_str))
}

pub fn encrypted(output: EncryptOutput) -> Result<EncryptResponse> {
    Ok(EncryptResponse {
        encryption_algorithm: algorithm(output.encryption_algorithm()),
        key_id: required(output.key_id(), "KeyId")?.to_owned(),
        ciphertext_blob: required(output.ciphertext_blob, "CiphertextBlob")?.into_inner(),
    })
}

pub fn decrypted(output: DecryptOutput) -> Result<DecryptResponse> {
    Ok(DecryptResponse {
        encryption_algorithm: algorithm(output.encryption_algorithm()),
        key_id: required(output.key_id(), "KeyId")?.to_owned(),
        plaintext: Zeroizing::new(required(output.plaintext, "Plaintext")?.into_inner()),
    })
}

pub fn random(output: GenerateRandomOutput) -> Result<GenerateRandomResponse> {
    Ok(GenerateRandomResponse {
        plaintext: Zeroizing::new(required(output.plaintext, "Plaintext")?.into_inner()),
    })
}

pub fn deletion_scheduled(output: &ScheduleKeyDeletionOutput) -> Result<ScheduleDeletionResponse> {
    Ok(ScheduleDeletionResponse {
        key_id: required(output.key_id(), "KeyId")?.to_owned(),
        deletion_date: seconds(output.deletion_date(), "DeletionDate")?,
        key_state: key_state(required(output.key_state(), "KeyState")?)?,
        pending_window_in_days: i64::from(required(
            output.pending_window_in_days(),
            "PendingWindowInDays",
        )?),
    })
}

#[cfg(test)]
mod tests;

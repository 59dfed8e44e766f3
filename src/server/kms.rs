//! KMS (`TrentService`) over awsJson1.1: each operation's input read from the body, the
//! `KmsBackend` call, and its response as the JSON the API returns. The member constraints are
//! checked by the backend (`backend::kms::validate`), so the shell and the wire agree.

use super::input::Input;
use super::wire::WireError;
use crate::backend::kms::keys::{ENCRYPT_DECRYPT, ORIGIN_AWS_CLOUDHSM, SYMMETRIC_DEFAULT};
use crate::backend::kms::{
    CreateKeyRequest, CreateRequest, DecryptRequest, DescribeRequest, EncryptRequest, KmsBackend,
    UpdateRequest, length,
};
use serde::Serialize;
use serde_json::{Value, json};

/// The operations served, as `X-Amz-Target: TrentService.<name>` spells them.
pub const OPERATIONS: &[&str] = &[
    "CreateCustomKeyStore",
    "DescribeCustomKeyStores",
    "UpdateCustomKeyStore",
    "DeleteCustomKeyStore",
    "ConnectCustomKeyStore",
    "DisconnectCustomKeyStore",
    "CreateKey",
    "DescribeKey",
    "ListKeys",
    "Encrypt",
    "Decrypt",
    "GenerateRandom",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "EnableKey",
    "DisableKey",
];

const CUSTOM_KEY_STORE_TYPES: &[&str] = &["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];
const ORIGINS: &[&str] = &["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];

/// Runs `operation` (one of [`OPERATIONS`]) on `kms`: one transaction of the shared state.
pub fn call(kms: &mut dyn KmsBackend, operation: &str, body: Value) -> Result<Value, WireError> {
    let mut input = Input::new(body);
    let kms_call = |result: crate::error::Result<Value>| result.map_err(WireError::from_kms);
    match operation {
        "CreateCustomKeyStore" => create_custom_key_store(kms, &mut input),
        "DescribeCustomKeyStores" => {
            let request = DescribeRequest {
                id: input.string("CustomKeyStoreId")?,
                name: input.string("CustomKeyStoreName")?,
                limit: input.integer("Limit")?,
                marker: input.string("Marker")?,
            };
            kms_call(kms.describe_custom_key_stores(&request).map(to_json))
        }
        "UpdateCustomKeyStore" => {
            let password = input.take_secret("KeyStorePassword")?;
            let request = UpdateRequest {
                id: input.required_string("CustomKeyStoreId")?,
                new_name: input.string("NewCustomKeyStoreName")?,
                password: password.as_ref(),
                cluster_id: input.string("CloudHsmClusterId")?,
            };
            kms_call(kms.update_custom_key_store(&request).map(|()| json!({})))
        }
        "DeleteCustomKeyStore" => {
            let id = input.required_string("CustomKeyStoreId")?;
            kms_call(kms.delete_custom_key_store(id).map(|()| json!({})))
        }
        "ConnectCustomKeyStore" => {
            let id = input.required_string("CustomKeyStoreId")?;
            kms_call(kms.connect_custom_key_store(id).map(|()| json!({})))
        }
        "DisconnectCustomKeyStore" => {
            let id = input.required_string("CustomKeyStoreId")?;
            kms_call(kms.disconnect_custom_key_store(id).map(|()| json!({})))
        }
        "CreateKey" => create_key(kms, &input),
        "DescribeKey" => {
            let key_id = input.required_string("KeyId")?;
            kms_call(kms.describe_key(key_id).map(to_json))
        }
        "ListKeys" => {
            let (limit, marker) = (input.integer("Limit")?, input.string("Marker")?);
            kms_call(kms.list_keys(limit, marker).map(to_json))
        }
        "Encrypt" => {
            let plaintext = input
                .blob("Plaintext")?
                .ok_or_else(|| WireError::missing("plaintext"))?;
            let context = input.string_map("EncryptionContext")?;
            let request = EncryptRequest {
                key_id: input.required_string("KeyId")?,
                plaintext: &plaintext,
                context: &context,
            };
            kms_call(kms.encrypt(&request).map(to_json))
        }
        "Decrypt" => {
            let ciphertext = input
                .blob("CiphertextBlob")?
                .ok_or_else(|| WireError::missing("ciphertextBlob"))?;
            let context = input.string_map("EncryptionContext")?;
            let request = DecryptRequest {
                ciphertext_blob: &ciphertext,
                key_id: input.string("KeyId")?,
                context: &context,
            };
            kms_call(kms.decrypt(&request).map(to_json))
        }
        "GenerateRandom" => {
            let bytes = input
                .integer("NumberOfBytes")?
                .ok_or_else(|| WireError::missing("numberOfBytes"))?;
            let store = input.string("CustomKeyStoreId")?;
            kms_call(kms.generate_random(bytes, store).map(to_json))
        }
        "ScheduleKeyDeletion" => {
            let key_id = input.required_string("KeyId")?;
            let window = input.integer("PendingWindowInDays")?;
            kms_call(kms.schedule_key_deletion(key_id, window).map(to_json))
        }
        "CancelKeyDeletion" => {
            let key_id = input.required_string("KeyId")?;
            kms_call(kms.cancel_key_deletion(key_id).map(to_json))
        }
        "EnableKey" | "DisableKey" => {
            let key_id = input.required_string("KeyId")?;
            let enabled = operation == "EnableKey";
            kms_call(kms.set_key_enabled(key_id, enabled).map(|()| json!({})))
        }
        other => Err(super::unknown_operation("TrentService", other)),
    }
}

fn create_custom_key_store(
    kms: &mut dyn KmsBackend,
    input: &mut Input,
) -> Result<Value, WireError> {
    let password = input.take_secret("KeyStorePassword")?;
    let name = input.required_string("CustomKeyStoreName")?;
    let store_type = input.enum_string("CustomKeyStoreType", CUSTOM_KEY_STORE_TYPES)?;
    if store_type == Some("EXTERNAL_KEY_STORE") {
        length(name, "customKeyStoreName", 1, 256).map_err(WireError::from_kms)?;
        // Creating an external key store makes KMS call its proxy, and the simulator has no
        // proxy to call. The model declares XksProxyUriUnreachableException for a proxy KMS
        // cannot reach; UnsupportedOperationException is not among CreateCustomKeyStore's
        // errors, so an SDK would not even know it.
        return Err(WireError::client(
            "XksProxyUriUnreachableException",
            "KMS cannot reach an external key store proxy: this simulator serves only \
             AWS_CLOUDHSM key stores",
        ));
    }
    let password = password.ok_or_else(|| WireError::missing("keyStorePassword"))?;
    let request = CreateRequest {
        name,
        cluster_id: input
            .string("CloudHsmClusterId")?
            .ok_or_else(|| WireError::missing("cloudHsmClusterId"))?,
        trust_anchor_pem: input
            .string("TrustAnchorCertificate")?
            .ok_or_else(|| WireError::missing("trustAnchorCertificate"))?,
        password: &password,
    };
    kms.create_custom_key_store(&request)
        .map(to_json)
        .map_err(WireError::from_kms)
}

/// CreateKey. Without `CustomKeyStoreId` KMS would make a key of its own (Origin `AWS_KMS`),
/// which the simulator does not hold: that, like any Origin but `AWS_CLOUDHSM`, is
/// `UnsupportedOperationException`, which CreateKey declares.
fn create_key(kms: &mut dyn KmsBackend, input: &Input) -> Result<Value, WireError> {
    let origin = input.enum_string("Origin", ORIGINS)?.unwrap_or("AWS_KMS");
    let Some(store) = input.string("CustomKeyStoreId")? else {
        return Err(WireError::client(
            "UnsupportedOperationException",
            format!(
                "The simulator holds only keys in CloudHSM key stores: give CustomKeyStoreId and \
                 Origin {ORIGIN_AWS_CLOUDHSM} (Origin {origin} without a key store is not served)"
            ),
        ));
    };
    let key_spec = match input.string("KeySpec")? {
        Some(spec) => spec,
        None => input
            .string("CustomerMasterKeySpec")?
            .unwrap_or(SYMMETRIC_DEFAULT),
    };
    let request = CreateKeyRequest {
        custom_key_store_id: store,
        origin,
        description: input.string("Description")?.unwrap_or_default(),
        key_spec,
        key_usage: input.string("KeyUsage")?.unwrap_or(ENCRYPT_DECRYPT),
        multi_region: input.boolean("MultiRegion")?.unwrap_or(false),
    };
    kms.create_key(&request)
        .map(to_json)
        .map_err(WireError::from_kms)
}

/// A response value as its JSON body. The backend's values serialize with the API's member
/// names and cannot fail to.
fn to_json(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

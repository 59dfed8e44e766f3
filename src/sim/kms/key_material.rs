//! The HSM side of KMS keys in a CloudHSM key store: the persistent, non-extractable AES-256 key
//! KMS makes as `kmsuser` (labelled with the key ARN, spec §2.7), and Encrypt, Decrypt and
//! GenerateRandom with it.
//!
//! A ciphertext blob is `version ‖ key ID (36 ASCII bytes) ‖ IV (12) ‖ ciphertext ‖ tag (16)`,
//! sealed with AES-256-GCM under the HSM key; the key ARN and the encryption context are the
//! associated data, so another context or any changed byte fails the tag check.

use super::cluster_facts::ClusterFacts;
use super::connection::{Env, KMS_USER};
use super::kms_keys::{self, KmsKeyRow, require_connected};
use super::stores;
use crate::backend::hsm::Role;
use crate::backend::hsm::key::{
    AttributeAssignment, CheckValue, Creation, KeyAttributes, KeyLifetime, KeyReference, KeyType,
    SecretKeyType,
};
use crate::backend::kms::keys::{KeyState, SYMMETRIC_DEFAULT};
use crate::backend::kms::{
    DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, EncryptionContext,
    GenerateRandomResponse, blob_size, encryption_context, key_id, kms_error, within,
};
use crate::error::{Error, Result};
use crate::sim::crypto::{self, CheckValueInput, DATA_IV_LEN, SecretMaterial};
use crate::sim::hsm::keys::{associated_data, length};
use crate::sim::ids::IdGenerator;
use crate::sim::keys::{self, NewKey, StoredKey, Viewer};
use rusqlite::Transaction;

/// The first byte of every ciphertext blob this simulator makes.
const BLOB_VERSION: u8 = 1;
/// A key ID is a UUID: 36 ASCII characters.
const KEY_ID_LEN: usize = 36;
const TAG_LEN: usize = 16;
/// Encrypt takes 1 to 4096 bytes of plaintext.
const MAX_PLAINTEXT: usize = 4096;
/// The HSM key behind a KMS key is AES-256.
const HSM_KEY_BYTES: usize = 32;
/// Decrypt takes ciphertext blobs of 1 to 6144 bytes.
const MAX_CIPHERTEXT: usize = 6144;
/// GenerateRandom gives 1 to 1024 bytes.
const MAX_RANDOM: i64 = 1024;

/// Generates the HSM key of a new KMS key: AES-256, persistent, non-extractable, owned by
/// `kmsuser`, labelled `label` (the key ARN). Returns its key reference.
pub fn generate(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    ids: &mut IdGenerator,
    cluster_id: &str,
    label: &str,
) -> Result<i64> {
    let secret = SecretMaterial::new(ids.secret_bytes(HSM_KEY_BYTES));
    let check_value = crypto::check_value(KeyType::Aes, CheckValueInput::Secret(&secret))?;
    let attributes = KeyAttributes::generated_secret(
        SecretKeyType::Aes,
        length(secret.len()),
        CheckValue(check_value),
        KeyLifetime::Persistent,
        &Creation {
            label,
            attributes: &[AttributeAssignment::parse("extractable=false")?],
        },
    )?;
    let reference = keys::next_reference(tx, cluster_id)?;
    let sealed = env
        .vault
        .seal(&secret, &associated_data(cluster_id, reference))?;
    keys::insert(
        tx,
        cluster_id,
        &NewKey {
            reference,
            owner: KMS_USER,
            attributes: &attributes,
            public_der: None,
            sealed_secret: Some(&sealed),
            session_login_id: None,
            quorum: Default::default(),
        },
    )?;
    Ok(reference.0 as i64)
}

/// The HSM key behind `row` in its store's cluster: the key at its reference, if that is still
/// kmsuser's key labelled with the key ARN. A reference freed by deleting the HSM key may have
/// gone to another key since, which is never taken for it.
pub fn backing_key(tx: &Transaction<'_>, row: &KmsKeyRow) -> Result<Option<StoredKey>> {
    let viewer = Viewer {
        username: KMS_USER,
        role: Role::CryptoUser,
    };
    let reference = KeyReference(row.hsm_reference as u64);
    Ok(keys::find(tx, &row.cluster_id, viewer, reference)?
        .filter(|stored| stored.owner == KMS_USER && stored.key.attributes.label == row.arn()))
}

/// The key material of an Enabled key whose cluster can be reached.
fn usable_material(tx: &Transaction<'_>, env: &Env<'_>, row: &KmsKeyRow) -> Result<SecretMaterial> {
    match row.state() {
        KeyState::Enabled => {}
        // The KMS key state table: a disabled key is DisabledException, every other state that
        // refuses cryptography is KMSInvalidStateException.
        KeyState::Disabled => {
            return Err(kms_error(
                "DisabledException",
                format!("{} is disabled.", row.arn()),
            ));
        }
        _ => return Err(row.invalid_state(".")),
    }
    if !ClusterFacts::reachable(tx, &row.cluster_id)? {
        return Err(kms_error(
            "KMSInvalidStateException",
            format!(
                "{} is unavailable: KMS cannot communicate with your CloudHSM cluster {}",
                row.arn(),
                row.cluster_id
            ),
        ));
    }
    let reference = KeyReference(row.hsm_reference as u64);
    let sealed = backing_key(tx, row)?
        .and_then(|stored| stored.sealed_secret)
        .ok_or_else(|| {
            kms_error(
                "KMSInvalidStateException",
                format!(
                    "{} is unavailable: its key material was deleted from CloudHSM cluster {}",
                    row.arn(),
                    row.cluster_id
                ),
            )
        })?;
    env.vault
        .open(&sealed, &associated_data(&row.cluster_id, reference))
}

/// What a blob's tag covers besides the ciphertext: the key ARN and the encryption context
/// (whose names `encryption_context` has checked to be unique), its pairs sorted by name, every
/// part length-prefixed.
fn aad(arn: &str, context: &EncryptionContext) -> Vec<u8> {
    let mut pairs: Vec<&(String, String)> = context.iter().collect();
    pairs.sort();
    let mut out = b"cloudhsm-shell kms v1".to_vec();
    for part in std::iter::once(arn).chain(pairs.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]))
    {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// Encrypt's member constraints.
pub fn validate_encrypt(request: &EncryptRequest<'_>) -> Result<()> {
    key_id(request.key_id)?;
    blob_size(request.plaintext.len(), "plaintext", 1, MAX_PLAINTEXT)?;
    encryption_context(request.context)
}

pub fn encrypt(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    request: &EncryptRequest<'_>,
) -> Result<EncryptResponse> {
    let row = kms_keys::require(tx, request.key_id)?;
    let aad = aad(&row.arn(), request.context);
    let material = usable_material(tx, env, &row)?;
    let iv = crypto::data_iv(
        &material,
        &aad,
        request.plaintext,
        env.seed.is_deterministic(),
    )?;
    let sealed = crypto::encrypt_data(&material, &iv, &aad, request.plaintext)?;
    let mut blob = vec![BLOB_VERSION];
    blob.extend_from_slice(row.key_id.as_bytes());
    blob.extend_from_slice(&iv);
    blob.extend_from_slice(&sealed);
    Ok(EncryptResponse {
        ciphertext_blob: blob,
        key_id: row.arn(),
        encryption_algorithm: SYMMETRIC_DEFAULT.into(),
    })
}

fn invalid_ciphertext() -> Error {
    kms_error(
        "InvalidCiphertextException",
        "The ciphertext is invalid, was changed, or does not match the encryption context",
    )
}

/// Decrypt's member constraints.
pub fn validate_decrypt(request: &DecryptRequest<'_>) -> Result<()> {
    blob_size(
        request.ciphertext_blob.len(),
        "ciphertextBlob",
        1,
        MAX_CIPHERTEXT,
    )?;
    request.key_id.map_or(Ok(()), key_id)?;
    encryption_context(request.context)
}

pub fn decrypt(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    request: &DecryptRequest<'_>,
) -> Result<DecryptResponse> {
    let blob = request.ciphertext_blob;
    let header = 1 + KEY_ID_LEN + DATA_IV_LEN;
    if blob.len() < header + TAG_LEN || blob[0] != BLOB_VERSION {
        return Err(invalid_ciphertext());
    }
    let key_id = std::str::from_utf8(&blob[1..1 + KEY_ID_LEN]).map_err(|_| invalid_ciphertext())?;
    let row = match kms_keys::require(tx, key_id) {
        Ok(row) => row,
        Err(Error::Kms {
            exception: "NotFoundException",
            ..
        }) => return Err(invalid_ciphertext()),
        Err(error) => return Err(error),
    };
    if let Some(given) = request.key_id {
        let named = kms_keys::require(tx, given)?;
        if named.key_id != row.key_id {
            return Err(kms_error(
                "IncorrectKeyException",
                format!("The ciphertext was not encrypted under {}", named.arn()),
            ));
        }
    }
    let aad = aad(&row.arn(), request.context);
    let material = usable_material(tx, env, &row)?;
    let iv = &blob[1 + KEY_ID_LEN..header];
    let plaintext = crypto::decrypt_data(&material, &aad, iv, &blob[header..])
        .map_err(|_| invalid_ciphertext())?;
    Ok(DecryptResponse {
        key_id: row.arn(),
        plaintext,
        encryption_algorithm: SYMMETRIC_DEFAULT.into(),
    })
}

/// GenerateRandom's member constraints.
pub fn validate_random(number_of_bytes: i64, custom_key_store_id: Option<&str>) -> Result<()> {
    within(number_of_bytes, "numberOfBytes", 1, MAX_RANDOM)?;
    custom_key_store_id.map_or(Ok(()), crate::backend::kms::custom_key_store_id)
}

/// GenerateRandom; with a store, the store must be CONNECTED (the bytes come from its cluster).
pub fn generate_random(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    number_of_bytes: i64,
    custom_key_store_id: Option<&str>,
) -> Result<GenerateRandomResponse> {
    if let Some(id) = custom_key_store_id {
        let store = stores::require(tx, id)?;
        require_connected(
            &store,
            "random bytes come from the cluster of a CONNECTED store only",
        )?;
    }
    Ok(GenerateRandomResponse {
        plaintext: IdGenerator::begin(tx, env.seed)?.secret_bytes(number_of_bytes as usize),
    })
}

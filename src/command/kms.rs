//! `kms ...`: KMS keys in a CloudHSM key store with the AWS CLI's flag names. `data` is the KMS
//! API's response object; blobs are base64 in and out, as AWS CLI v2 takes and shows them.

use super::keystore::Empty;
use super::text;
use super::{Context, Reply, ReplyData};
use crate::backend::kms::{
    CreateKeyRequest, DecryptRequest, EncryptRequest, EncryptionContext, kms_error,
};
use crate::error::Result;
use crate::intake::{self, FileKind};
use crate::parse::Invocation;

/// A blob argument as AWS CLI v2 takes it: base64 text, or `fileb://PATH` for the raw bytes of
/// a file (of at most the member's size: `kind`); bad base64 is a `ValidationException` naming
/// the member.
fn blob(invocation: &Invocation<'_>, name: &str, kind: FileKind) -> Result<Vec<u8>> {
    use base64::Engine;
    let value = text(invocation, name);
    if let Some(path) = value.strip_prefix("fileb://") {
        return intake::read_bytes(&super::user_path(path), kind);
    }
    base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| {
            kms_error(
                "ValidationException",
                format!("1 validation error detected: --{name} must be base64"),
            )
        })
}

/// `--encryption-context NAME=VALUE ...`, split on the first `=`.
fn context(invocation: &Invocation<'_>) -> Result<EncryptionContext> {
    invocation
        .list("encryption-context")
        .iter()
        .map(|word| {
            word.split_once('=')
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .ok_or_else(|| {
                    kms_error(
                        "ValidationException",
                        format!(
                            "1 validation error detected: encryption context '{word}' is not \
                             NAME=VALUE"
                        ),
                    )
                })
        })
        .collect()
}

pub fn create_key(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let response = context.kms.create_key(&CreateKeyRequest {
        custom_key_store_id: text(invocation, "custom-key-store-id"),
        origin: text(invocation, "origin"),
        description: text(invocation, "description"),
        key_spec: text(invocation, "key-spec"),
        key_usage: text(invocation, "key-usage"),
        multi_region: invocation.switch("multi-region"),
    })?;
    Ok(Reply::data(ReplyData::KmsKey(response)))
}

pub fn describe_key(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let response = context.kms.describe_key(text(invocation, "key-id"))?;
    Ok(Reply::data(ReplyData::KmsKey(response)))
}

pub fn list_keys(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let response = context
        .kms
        .list_keys(invocation.integer("limit"), invocation.text("marker"))?;
    Ok(Reply::data(ReplyData::KmsKeys(response)))
}

pub fn encrypt(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let plaintext = zeroize::Zeroizing::new(blob(invocation, "plaintext", intake::KMS_PLAINTEXT)?);
    let encryption_context = self::context(invocation)?;
    let response = context.kms.encrypt(&EncryptRequest {
        key_id: text(invocation, "key-id"),
        plaintext: &plaintext,
        context: &encryption_context,
    })?;
    if let Some(path) = invocation.text("path") {
        super::write_private_file(path, &response.ciphertext_blob)?;
    }
    Ok(Reply::data(ReplyData::Encrypted(response)))
}

pub fn decrypt(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let ciphertext = blob(invocation, "ciphertext-blob", intake::KMS_CIPHERTEXT)?;
    let encryption_context = self::context(invocation)?;
    let response = context.kms.decrypt(&DecryptRequest {
        ciphertext_blob: &ciphertext,
        key_id: invocation.text("key-id"),
        context: &encryption_context,
    })?;
    Ok(Reply::data(ReplyData::Decrypted(response)))
}

pub fn generate_random(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let response = context.kms.generate_random(
        invocation.integer("number-of-bytes").unwrap_or_default(),
        invocation.text("custom-key-store-id"),
    )?;
    Ok(Reply::data(ReplyData::Random(response)))
}

pub fn schedule_key_deletion(
    context: &mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<Reply> {
    let response = context.kms.schedule_key_deletion(
        text(invocation, "key-id"),
        invocation.integer("pending-window-in-days"),
    )?;
    Ok(Reply::data(ReplyData::DeletionScheduled(response)))
}

pub fn cancel_key_deletion(
    context: &mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<Reply> {
    let response = context
        .kms
        .cancel_key_deletion(text(invocation, "key-id"))?;
    Ok(Reply::data(ReplyData::DeletionCancelled(response)))
}

pub fn set_key_enabled(
    context: &mut Context<'_>,
    invocation: &Invocation<'_>,
    enabled: bool,
) -> Result<Reply> {
    context
        .kms
        .set_key_enabled(text(invocation, "key-id"), enabled)?;
    Ok(Reply::data(ReplyData::Empty(Empty {})))
}

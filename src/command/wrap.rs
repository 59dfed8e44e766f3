//! `key wrap <mechanism>` and `key unwrap <mechanism>`.

use super::key::{filter, key_quorum, key_type_class, required, required_size};
use super::quorum::{approval, approval_of};
use super::{Context, Reply, ReplyData, actor, base64_bytes, read_blob};
use crate::backend::hsm::key::{KeyReference, SingleKey, parse_assignments};
use crate::backend::hsm::mechanism::{Hash, WrapMechanism};
use crate::backend::hsm::requests::{NewKeyOptions, UnwrapRequest, WrapRequest};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use crate::table::CommandId;
use serde::Serialize;

/// What `key wrap` prints, with the CLI's snake_case names.
#[derive(Debug, Serialize)]
pub struct WrapReply {
    pub payload_key_reference: KeyReference,
    pub wrapping_key_reference: KeyReference,
    #[serde(serialize_with = "base64_bytes")]
    pub wrapped_key_data: Vec<u8>,
    /// `0x` + hex, for `aes-gcm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iv: Option<String>,
}

/// The mechanism a `key wrap ...` or `key unwrap ...` row stands for, with its flags.
fn mechanism(invocation: &Invocation<'_>) -> Result<WrapMechanism> {
    use CommandId::*;
    let gcm = || -> Result<(usize, Option<Vec<u8>>)> {
        let tag_length_bits = required_size(invocation, "tag-length-bits")?;
        let aad = invocation
            .text("aad")
            .map(|text| hex("--aad", text))
            .transpose()?;
        Ok((tag_length_bits, aad))
    };
    let oaep = || -> Result<(Hash, Hash)> {
        Ok((
            Hash::parse(required(invocation, "hash-function")?)?,
            Hash::parse_mgf(required(invocation, "mgf")?)?,
        ))
    };
    Ok(match invocation.spec.id {
        KeyWrapAesGcm | KeyUnwrapAesGcm => {
            let (tag_length_bits, aad) = gcm()?;
            WrapMechanism::AesGcm {
                tag_length_bits,
                aad,
            }
        }
        KeyWrapCloudhsmAesGcm | KeyUnwrapCloudhsmAesGcm => {
            let (tag_length_bits, aad) = gcm()?;
            WrapMechanism::CloudhsmAesGcm {
                tag_length_bits,
                aad,
            }
        }
        KeyWrapAesNoPad | KeyUnwrapAesNoPad => WrapMechanism::AesNoPad,
        KeyWrapAesPkcs5Pad | KeyUnwrapAesPkcs5Pad => WrapMechanism::AesPkcs5Pad,
        KeyWrapAesZeroPad | KeyUnwrapAesZeroPad => WrapMechanism::AesZeroPad,
        KeyWrapRsaAes | KeyUnwrapRsaAes => {
            let (hash, mgf) = oaep()?;
            WrapMechanism::RsaAes { hash, mgf }
        }
        KeyWrapRsaOaep | KeyUnwrapRsaOaep => {
            let (hash, mgf) = oaep()?;
            WrapMechanism::RsaOaep { hash, mgf }
        }
        _ => WrapMechanism::RsaPkcs,
    })
}

pub fn wrap(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let mechanism = mechanism(invocation)?;
    let payload_approval = approval_of(invocation, "payload-approval")?;
    let wrapping_approval = approval_of(invocation, "wrapping-approval")?;
    let wrapped = context.hsm.wrap_key(
        &actor,
        &WrapRequest {
            mechanism: &mechanism,
            payload: &filter(invocation, "payload-filter")?,
            wrapping: &filter(invocation, "wrapping-filter")?,
            payload_approval: payload_approval.as_ref(),
            wrapping_approval: wrapping_approval.as_ref(),
        },
    )?;
    if let Some(path) = invocation.text("path") {
        // The wrapped bytes are as sensitive as the wrapping key is weak: owner-only.
        super::write_private_file(path, &wrapped.data)?;
    }
    Ok(Reply::data(ReplyData::Wrapped(WrapReply {
        payload_key_reference: wrapped.payload_key_reference,
        wrapping_key_reference: wrapped.wrapping_key_reference,
        wrapped_key_data: wrapped.data,
        iv: wrapped
            .iv
            .map(|iv| format!("0x{}", base16ct::lower::encode_string(&iv))),
    })))
}

pub fn unwrap(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let mechanism = mechanism(invocation)?;
    let data = read_blob(invocation, "data", "data-path")?;
    let iv = invocation
        .text("iv")
        .map(|text| hex("--iv", text))
        .transpose()?;
    let attributes = parse_assignments(invocation.list("attributes"))?;
    let approval = approval(invocation)?;
    let key = context.hsm.unwrap_key(
        &actor,
        &UnwrapRequest {
            mechanism: &mechanism,
            unwrapping: &filter(invocation, "filter")?,
            data: &data,
            iv: iv.as_deref(),
            key_type_class: key_type_class(invocation)?,
            new_key: NewKeyOptions {
                label: required(invocation, "label")?,
                attributes: &attributes,
                session: invocation.switch("session"),
                share_with: invocation.list("share-crypto-users"),
                quorum: key_quorum(
                    invocation,
                    "manage-key-quorum-value",
                    "use-key-quorum-value",
                )?,
            },
            approval: approval.as_ref(),
        },
    )?;
    Ok(Reply::data(ReplyData::Key(SingleKey::new(key))))
}

/// Hex with or without `0x`, as the CLI takes `--iv` and `--aad`.
fn hex(flag: &'static str, text: &str) -> Result<Vec<u8>> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    base16ct::mixed::decode_vec(digits).map_err(|_| Error::InvalidInput {
        what: flag,
        reason: "it must be hexadecimal, e.g. 0x0a1b".to_owned(),
    })
}

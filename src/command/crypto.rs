//! `crypto sign <mechanism>` and `crypto verify <mechanism>`.

use super::key::{filter, required, required_size};
use super::quorum::approval;
use super::{Context, Reply, ReplyData, actor, base64_bytes, read_blob};
use crate::backend::hsm::key::KeyReference;
use crate::backend::hsm::mechanism::{DataType, Hash, SignMechanism};
use crate::backend::hsm::requests::SignRequest;
use crate::error::Result;
use crate::parse::Invocation;
use crate::table::CommandId;
use serde::Serialize;

/// What `crypto sign` prints.
#[derive(Debug, Serialize)]
pub struct SignReply {
    #[serde(rename = "key-reference")]
    pub key_reference: KeyReference,
    #[serde(serialize_with = "base64_bytes")]
    pub signature: Vec<u8>,
}

fn mechanism(invocation: &Invocation<'_>) -> Result<SignMechanism> {
    Ok(match invocation.spec.id {
        CommandId::CryptoSignRsaPkcs | CommandId::CryptoVerifyRsaPkcs => SignMechanism::RsaPkcs,
        CommandId::CryptoSignRsaPkcsPss | CommandId::CryptoVerifyRsaPkcsPss => {
            SignMechanism::RsaPkcsPss {
                mgf: Hash::parse_mgf(required(invocation, "mgf")?)?,
                salt_length: required_size(invocation, "salt-length")?,
            }
        }
        CommandId::CryptoSignEd25519 | CommandId::CryptoVerifyEd25519 => SignMechanism::Ed25519,
        CommandId::CryptoSignEd25519ph | CommandId::CryptoVerifyEd25519ph => {
            SignMechanism::Ed25519ph
        }
        _ => SignMechanism::Ecdsa,
    })
}

/// Runs `f` with the request a sign or verify line describes.
fn with_request<T>(
    invocation: &Invocation<'_>,
    f: impl FnOnce(&SignRequest<'_>) -> Result<T>,
) -> Result<T> {
    let data = read_blob(invocation, "data", "data-path")?;
    let key_filter = filter(invocation, "key-filter")?;
    let approval = approval(invocation)?;
    let mechanism = mechanism(invocation)?;
    // PureEdDSA takes neither: it hashes the whole message with SHA-512 itself.
    let (hash, data_type) = if mechanism == SignMechanism::Ed25519 {
        (Hash::Sha512, DataType::Raw)
    } else {
        (
            Hash::parse(required(invocation, "hash-function")?)?,
            DataType::parse(required(invocation, "data-type")?)?,
        )
    };
    f(&SignRequest {
        key_filter: &key_filter,
        mechanism,
        hash,
        data_type,
        data: &data,
        approval: approval.as_ref(),
    })
}

pub fn sign(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let signature = with_request(invocation, |request| context.hsm.sign(&actor, request))?;
    Ok(Reply::data(ReplyData::Signature(SignReply {
        key_reference: signature.key_reference,
        signature: signature.signature,
    })))
}

pub fn verify(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let signature = read_blob(invocation, "signature", "signature-path")?;
    with_request(invocation, |request| {
        context.hsm.verify(&actor, request, &signature)
    })?;
    Ok(super::key::message("Signature verified successfully"))
}

//! `key generate-*`, `key list`, `key delete`, `key set-attribute`, `key share`, `key unshare`,
//! `key import pem` and `key generate-file`.

use super::quorum::approval;
use super::{Context, Reply, ReplyData, actor, role, username};
use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::key::{
    AttributeAssignment, Curve, KeyQuorumValues, SingleKey, parse_assignments,
};
use crate::backend::hsm::mechanism::KeySpec;
use crate::backend::hsm::quorum::key_quorum_values;
use crate::backend::hsm::requests::{KeyFileEncoding, KeyTypeClass, NewKeyOptions, NewPairOptions};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use crate::table::CommandId;
use std::fs;

/// The filter of `--filter` (or another filter flag), parsed.
pub(super) fn filter(invocation: &Invocation<'_>, flag: &str) -> Result<Filter> {
    Filter::parse(invocation.list(flag))
}

fn assignments(invocation: &Invocation<'_>, flag: &str) -> Result<Vec<AttributeAssignment>> {
    parse_assignments(invocation.list(flag))
}

/// A required text flag; the binder has already refused a line without it.
pub(super) fn required<'i>(invocation: &'i Invocation<'_>, flag: &str) -> Result<&'i str> {
    invocation.text(flag).ok_or_else(|| Error::State {
        message: format!("'{}' has no --{flag}", invocation.spec.path),
    })
}

/// The key quorum values a new key's two flags give (both or neither).
pub(super) fn key_quorum(
    invocation: &Invocation<'_>,
    manage: &str,
    use_: &str,
) -> Result<KeyQuorumValues> {
    key_quorum_values(invocation.integer(manage), invocation.integer(use_))
}

/// A required integer flag, as a count or size.
pub(super) fn required_size(invocation: &Invocation<'_>, flag: &str) -> Result<usize> {
    invocation
        .integer(flag)
        .and_then(|value| usize::try_from(value).ok())
        .ok_or_else(|| Error::InvalidInput {
            what: "number",
            reason: format!("--{flag} must be a non-negative number"),
        })
}

pub fn generate_secret(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let bytes = required_size(invocation, "key-length-bytes")?;
    let spec = match invocation.spec.id {
        CommandId::KeyGenerateAes => KeySpec::Aes { bytes },
        _ => KeySpec::GenericSecret { bytes },
    };
    let attributes = assignments(invocation, "attributes")?;
    let options = NewKeyOptions {
        label: required(invocation, "label")?,
        attributes: &attributes,
        session: invocation.switch("session"),
        share_with: invocation.list("share-crypto-users"),
        quorum: key_quorum(
            invocation,
            "manage-key-quorum-value",
            "use-key-quorum-value",
        )?,
    };
    let key = context.hsm.generate_secret_key(&actor, &spec, &options)?;
    Ok(Reply::data(ReplyData::Key(SingleKey::new(key))))
}

pub fn generate_pair(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let spec = match invocation.spec.id {
        CommandId::KeyGenerateRsaPair => KeySpec::Rsa {
            modulus_bits: required_size(invocation, "modulus-size-bits")?,
            public_exponent: invocation
                .integer("public-exponent")
                .and_then(|exponent| u64::try_from(exponent).ok())
                .ok_or_else(|| Error::InvalidInput {
                    what: "public exponent",
                    reason: "it must be an odd number of at least 65537".to_owned(),
                })?,
        },
        _ => KeySpec::Ec {
            curve: Curve::parse(required(invocation, "curve")?).ok_or_else(|| Error::State {
                message: "the table's curves and the key model's disagree".to_owned(),
            })?,
        },
    };
    let public_attributes = assignments(invocation, "public-attributes")?;
    let private_attributes = assignments(invocation, "private-attributes")?;
    let options = NewPairOptions {
        public_label: required(invocation, "public-label")?,
        public_attributes: &public_attributes,
        private_label: required(invocation, "private-label")?,
        private_attributes: &private_attributes,
        session: invocation.switch("session"),
        share_with: invocation.list("share-crypto-users"),
        private_quorum: key_quorum(
            invocation,
            "manage-private-key-quorum-value",
            "use-private-key-quorum-value",
        )?,
    };
    let pair = context.hsm.generate_key_pair(&actor, &spec, &options)?;
    Ok(Reply::data(ReplyData::Pair(pair)))
}

pub fn list(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let page = context.hsm.list_keys(
        &actor,
        &filter(invocation, "filter")?,
        invocation.text("starting-token"),
        required_size(invocation, "max-items")?,
        invocation.switch("verbose"),
    )?;
    Ok(Reply::data(ReplyData::KeyList(page)))
}

pub fn delete(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    context
        .hsm
        .delete_key(&actor, &filter(invocation, "filter")?)?;
    Ok(message("Key deleted successfully"))
}

pub fn set_attribute(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    context.hsm.set_key_attribute(
        &actor,
        &filter(invocation, "filter")?,
        required(invocation, "name")?,
        required(invocation, "value")?,
        approval(invocation)?.as_ref(),
    )?;
    Ok(message("Attribute set successfully"))
}

pub fn share(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let filter = filter(invocation, "filter")?;
    let (username, role) = (username(invocation)?, role(invocation)?);
    let approval = approval(invocation)?;
    let approval = approval.as_ref();
    if invocation.spec.id == CommandId::KeyShare {
        context
            .hsm
            .share_key(&actor, &filter, &username, role, approval)?;
        Ok(message("Key shared successfully"))
    } else {
        context
            .hsm
            .unshare_key(&actor, &filter, &username, role, approval)?;
        Ok(message("Key unshared successfully"))
    }
}

pub fn import_pem(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let path = required(invocation, "path")?;
    let pem = crate::intake::read_text(std::path::Path::new(path), crate::intake::PUBLIC_KEY_PEM)?;
    let key_type_class = key_type_class(invocation)?;
    let attributes = assignments(invocation, "attributes")?;
    let options = NewKeyOptions {
        label: required(invocation, "label")?,
        attributes: &attributes,
        session: false,
        share_with: &[],
        quorum: KeyQuorumValues::default(),
    };
    let key = context
        .hsm
        .import_public_key(&actor, &pem, key_type_class, &options)?;
    Ok(Reply::data(ReplyData::Key(SingleKey::imported(key))))
}

pub fn generate_file(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let encoding =
        KeyFileEncoding::parse(required(invocation, "encoding")?).ok_or_else(|| Error::State {
            message: "the table's key file encodings and the backend's disagree".to_owned(),
        })?;
    let text = context
        .hsm
        .key_file(&actor, &filter(invocation, "filter")?, encoding)?;
    let path = required(invocation, "path")?;
    fs::write(path, text).map_err(|error| Error::io(format!("Cannot write {path}"), error))?;
    Ok(message("Successfully generated key file"))
}

/// The `--key-type-class` of an import or unwrap.
pub(super) fn key_type_class(invocation: &Invocation<'_>) -> Result<KeyTypeClass> {
    KeyTypeClass::parse(required(invocation, "key-type-class")?).ok_or_else(|| Error::State {
        message: "the table's key type classes and the backend's disagree".to_owned(),
    })
}

pub(super) fn message(text: &'static str) -> Reply {
    Reply::data(ReplyData::Message { message: text })
}

//! `quorum token-sign ...`, `user change-quorum token-sign register`, `sim sign-token`, and the
//! `--approval FILE` that quorum-protected commands take.

use super::{Context, Reply, ReplyData, UserRef, actor, text, user_path, write_private_file};
use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::quorum::{
    Approval, QuorumService, QuorumTimeouts, TokenFile, new_token_file, sign_token_file,
    signed_hsm_tokens,
};
use crate::error::{Error, Result};
use crate::intake;
use crate::parse::Invocation;

/// The `--approval FILE` of a protected command, read and decoded; `None` when absent.
pub fn approval(invocation: &Invocation<'_>) -> Result<Option<Approval>> {
    approval_of(invocation, "approval")
}

/// The approval file of the flag `name` (`--payload-approval` of key wrap, for one).
pub fn approval_of(invocation: &Invocation<'_>, name: &str) -> Result<Option<Approval>> {
    let Some(path) = invocation.text(name) else {
        return Ok(None);
    };
    match read_token_file(path)? {
        TokenFile::Quorum(file) => Approval::from_file(file).map(Some),
        TokenFile::PerHsm(_) => Err(Error::InvalidInput {
            what: "approval file",
            reason: "it is a registration or MFA token file; an approval is a token of quorum \
                     token-sign generate, signed by the approvers"
                .to_owned(),
        }),
    }
}

pub(super) fn read_token_file(path: &str) -> Result<TokenFile> {
    TokenFile::parse(&intake::read_text(&user_path(path), intake::TOKEN_FILE)?)
}

fn service(invocation: &Invocation<'_>) -> Result<QuorumService> {
    let name = text(invocation, "service");
    QuorumService::parse(name).ok_or_else(|| Error::InvalidInput {
        what: "service",
        reason: format!("'{name}' is not a quorum service"),
    })
}

pub fn generate(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let service = service(invocation)?;
    let path = text(invocation, "token");
    let words = invocation.list("filter");
    let key = (!words.is_empty())
        .then(|| Filter::parse(words))
        .transpose()?;
    let generated = context
        .hsm
        .generate_quorum_token(&actor, service, key.as_ref())?;
    write_private_file(
        path,
        new_token_file(service, &generated.approval_data, generated.key_reference)
            .to_text()
            .as_bytes(),
    )?;
    Ok(Reply::data(ReplyData::TokenFile {
        filepath: path.to_owned(),
    }))
}

pub fn list(context: &mut Context<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    Ok(Reply::data(ReplyData::QuorumTokens {
        tokens: context.hsm.list_quorum_tokens(&actor)?,
    }))
}

pub fn list_quorum_values(context: &mut Context<'_>) -> Result<Reply> {
    Ok(Reply::data(ReplyData::QuorumValues(
        context.hsm.quorum_values()?,
    )))
}

pub fn set_quorum_value(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let service = service(invocation)?;
    let value = invocation
        .integer("value")
        .and_then(|value| u8::try_from(value).ok())
        .ok_or_else(|| Error::InvalidInput {
            what: "value",
            reason: "--value is 1 to 8".to_owned(),
        })?;
    let approval = approval(invocation)?;
    context
        .hsm
        .set_quorum_value(&actor, service, value, approval.as_ref())?;
    Ok(Reply::Status("Set Quorum Value successful"))
}

pub fn delete(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let everybody = text(invocation, "scope") == "all";
    context.hsm.delete_quorum_tokens(&actor, everybody)?;
    Ok(Reply::Status("Deletion of quorum token(s) successful"))
}

pub fn list_timeouts(context: &mut Context<'_>) -> Result<Reply> {
    Ok(Reply::data(ReplyData::QuorumTimeouts(
        context.hsm.quorum_timeouts()?,
    )))
}

pub fn set_timeout(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let current = context.hsm.quorum_timeouts()?;
    let generated = invocation.integer("generated");
    let approved = invocation.integer("approved");
    if generated.is_none() && approved.is_none() {
        return Err(Error::InvalidInput {
            what: "timeout",
            reason: "give --generated SECONDS, --approved SECONDS or both".to_owned(),
        });
    }
    context.hsm.set_quorum_timeouts(
        &actor,
        QuorumTimeouts {
            generated: generated.unwrap_or(current.generated),
            approved: approved.unwrap_or(current.approved),
        },
    )?;
    Ok(Reply::Status("Set token timeout successful"))
}

pub fn register(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let public_key = intake::read_text(
        &user_path(text(invocation, "public-key")),
        intake::PUBLIC_KEY_PEM,
    )?;
    let TokenFile::PerHsm(file) = read_token_file(text(invocation, "signed-token"))? else {
        return Err(Error::InvalidInput {
            what: "signed token file",
            reason: "it is a quorum token; registration takes the file of quorum token-sign \
                     generate --service registration, signed with the key registered"
                .to_owned(),
        });
    };
    let tokens = signed_hsm_tokens(&file)?;
    context
        .hsm
        .register_quorum_key(&actor, &public_key, &tokens)?;
    Ok(Reply::data(ReplyData::User(UserRef {
        username: actor.username,
        role: actor.role,
    })))
}

/// `sim sign-token`: what an approver does with openssl, for rehearsals.
pub fn sign_token(invocation: &Invocation<'_>) -> Result<Reply> {
    let file = read_token_file(text(invocation, "token"))?;
    let private_key = zeroize::Zeroizing::new(intake::read_bytes(
        &user_path(text(invocation, "private-key")),
        intake::PRIVATE_KEY_PEM,
    )?);
    let signed = sign_token_file(file, &private_key, invocation.text("username"))?;
    let out = text(invocation, "out");
    write_private_file(out, signed.to_text().as_bytes())?;
    Ok(Reply::data(ReplyData::TokenFile {
        filepath: out.to_owned(),
    }))
}

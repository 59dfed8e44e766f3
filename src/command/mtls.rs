//! `cluster mtls ...`: the trust anchors client certificates must chain to, and whether the
//! cluster enforces them.

use super::quorum::approval;
use super::{Context, Reply, ReplyData, actor, text, user_path};
use crate::backend::hsm::mtls::{Enforcement, TrustAnchor, reference_text};
use crate::error::{Error, Result};
use crate::intake;
use crate::parse::Invocation;
use serde::Serialize;

/// What `register-trust-anchor` prints.
#[derive(Debug, Serialize)]
pub struct RegisteredAnchor {
    pub trust_anchor: TrustAnchor,
}

/// What `get-enforcement` prints.
#[derive(Debug, Serialize)]
pub struct EnforcementLevel {
    #[serde(rename = "mtls-enforcement-level")]
    pub level: &'static str,
}

pub fn register(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let pem = intake::read_text(
        &user_path(text(invocation, "path")),
        intake::CERTIFICATE_PEM,
    )?;
    let approval = approval(invocation)?;
    let trust_anchor = context
        .hsm
        .register_trust_anchor(&actor, &pem, approval.as_ref())?;
    Ok(Reply::data(ReplyData::RegisteredAnchor(RegisteredAnchor {
        trust_anchor,
    })))
}

pub fn deregister(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let given = text(invocation, "certificate-reference");
    let reference = match given
        .strip_prefix("0x")
        .or_else(|| given.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => given.parse().ok(),
    }
    .ok_or_else(|| Error::InvalidInput {
        what: "certificate reference",
        reason: format!("'{given}' is not a reference such as 0x01 or 1"),
    })?;
    let approval = approval(invocation)?;
    context
        .hsm
        .deregister_trust_anchor(&actor, reference, approval.as_ref())?;
    Ok(Reply::data(ReplyData::Notice {
        message: format!(
            "Trust anchor with reference {} deregistered successfully",
            reference_text(reference)
        ),
    }))
}

pub fn list(context: &mut Context<'_>) -> Result<Reply> {
    Ok(Reply::data(ReplyData::TrustAnchors {
        trust_anchors: context.hsm.list_trust_anchors()?,
    }))
}

pub fn set_enforcement(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let level = Enforcement::parse(text(invocation, "level")).ok_or_else(|| Error::State {
        message: "the table's enforcement levels and the model's disagree".to_owned(),
    })?;
    let approval = approval(invocation)?;
    context
        .hsm
        .set_mtls_enforcement(&actor, level, approval.as_ref())?;
    Ok(Reply::data(ReplyData::Notice {
        message: format!(
            "Mtls enforcement level set to {} successfully",
            level.title()
        ),
    }))
}

pub fn get_enforcement(context: &mut Context<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    Ok(Reply::data(ReplyData::EnforcementLevel(EnforcementLevel {
        level: context.hsm.mtls_enforcement(&actor)?.as_str(),
    })))
}

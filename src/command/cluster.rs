//! `cluster activate` and `cluster hsm-info`.

use super::{Context, Reply, ReplyData};
use crate::backend::hsm::BUILT_IN_ADMIN;
use crate::error::{Error, Result};
use crate::parse::Invocation;

pub fn activate(context: &mut Context<'_>, invocation: &mut Invocation<'_>) -> Result<Reply> {
    // Checked before prompting, so that nobody types a new password for nothing.
    if context.hsm.is_activated()? {
        return Err(Error::ClusterAlreadyActivated);
    }
    let password = context.secret(invocation, "password", BUILT_IN_ADMIN)?;
    context.hsm.activate(&password)?;
    Ok(Reply::Status("Cluster activation successful"))
}

pub fn hsm_info(context: &mut Context<'_>) -> Result<Reply> {
    Ok(Reply::data(ReplyData::Hsms {
        hsms: context.hsm.hsm_info()?,
    }))
}

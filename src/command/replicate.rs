//! `user replicate` and `key replicate`: the caller's logins on the source cluster (the one the
//! command runs on) and on the destination, and the copy.

use super::key::filter;
use super::{Context, Reply, ReplyData, role, text, username};
use crate::backend::hsm::key::SingleKey;
use crate::backend::hsm::requests::Replication;
use crate::backend::hsm::{Login, UserInfo};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use crate::table::{DESTINATION_CLUSTER_ID_ARG, SOURCE_CLUSTER_ID_ARG};
use serde::Serialize;

/// What `user replicate` prints.
#[derive(Debug, Serialize)]
pub struct ReplicatedUser {
    pub user: UserInfo,
    pub message: &'static str,
}

pub fn user(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let (source_login, destination_login) = logins(context, invocation)?;
    let replication = replication(invocation, &source_login, &destination_login);
    let user =
        context
            .hsm
            .replicate_user(&replication, &username(invocation)?, role(invocation)?)?;
    Ok(Reply::data(ReplyData::ReplicatedUser(ReplicatedUser {
        user,
        message: "Successfully replicated user",
    })))
}

pub fn key(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let (source_login, destination_login) = logins(context, invocation)?;
    let replication = replication(invocation, &source_login, &destination_login);
    let key = context
        .hsm
        .replicate_key(&replication, &filter(invocation, "filter")?)?;
    Ok(Reply::data(ReplyData::Key(SingleKey::replicated(key))))
}

fn replication<'a>(
    invocation: &'a Invocation<'_>,
    source_login: &'a Login,
    destination_login: &'a Login,
) -> Replication<'a> {
    Replication {
        source_cluster: text(invocation, SOURCE_CLUSTER_ID_ARG),
        source_login,
        destination_cluster: text(invocation, DESTINATION_CLUSTER_ID_ARG),
        destination_login,
    }
}

/// The caller's login on each cluster; the shell has put the source in focus.
fn logins(context: &Context<'_>, invocation: &Invocation<'_>) -> Result<(Login, Login)> {
    let on = |cluster_id: &str| {
        context
            .session
            .login_on(cluster_id)
            .cloned()
            .ok_or_else(|| Error::ReplicationNeedsLogin {
                command: invocation.spec.path.clone(),
                cluster_id: cluster_id.to_owned(),
            })
    };
    Ok((
        on(text(invocation, SOURCE_CLUSTER_ID_ARG))?,
        on(text(invocation, DESTINATION_CLUSTER_ID_ARG))?,
    ))
}

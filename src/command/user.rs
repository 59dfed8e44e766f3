//! `user create`, `user delete`, `user list` and `user change-password`.

use super::quorum::approval;
use super::{Context, Reply, ReplyData, UserRef, actor, role, username};
use crate::backend::hsm::is_built_in;
use crate::backend::hsm::{Login, Role};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use crate::secret::Secret;

/// The crypto user that KMS logs in as to reach a CloudHSM key store.
const KMS_USER: &str = "kmsuser";

pub fn create(context: &mut Context<'_>, invocation: &mut Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let username = username(invocation)?;
    let role = role(invocation)?;
    if context.hsm.user_exists(&username, None)? {
        return Err(Error::UserExists { username });
    }
    let password = context.secret(invocation, "password", &username)?;
    let approval = approval(invocation)?;
    let user = context
        .hsm
        .create_user(&actor, &username, role, &password, approval.as_ref())?;
    warn_if_kms_would_refuse(context, &username, &password);
    Ok(Reply::data(ReplyData::User(UserRef {
        username: user.username,
        role,
    })))
}

pub fn delete(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let actor = actor(context)?;
    let username = username(invocation)?;
    let role = role(invocation)?;
    let approval = approval(invocation)?;
    context
        .hsm
        .delete_user(&actor, &username, role, approval.as_ref())?;
    Ok(Reply::data(ReplyData::User(UserRef { username, role })))
}

pub fn list(context: &mut Context<'_>) -> Result<Reply> {
    Ok(Reply::data(ReplyData::Users {
        users: context.hsm.list_users()?,
    }))
}

pub fn change_password(
    context: &mut Context<'_>,
    invocation: &mut Invocation<'_>,
) -> Result<Reply> {
    let actor = actor(context)?;
    let username = username(invocation)?;
    let role = role(invocation)?;
    check_may_change(context, &actor, &username, role)?;
    let password = context.secret(invocation, "password", &username)?;
    let approval = approval(invocation)?;
    context.hsm.change_password(
        &actor,
        &username,
        role,
        &password,
        invocation.switch("deregister-mfa"),
        approval.as_ref(),
    )?;
    warn_if_kms_would_refuse(context, &username, &password);
    Ok(Reply::data(ReplyData::User(UserRef { username, role })))
}

/// Refuses, before any password is asked for, a change of another user's password or MFA by
/// a crypto user, or of a user that does not exist.
pub(super) fn check_may_change(
    context: &mut Context<'_>,
    actor: &Login,
    username: &str,
    role: Role,
) -> Result<()> {
    if actor.role == Role::CryptoUser && (actor.username != username || role != actor.role) {
        return Err(Error::OwnPasswordOnly);
    }
    let exists = context.hsm.user_exists(username, Some(role))?;
    if !exists && !is_built_in(username) {
        return Err(Error::UserNotFound {
            username: username.to_owned(),
            role,
        });
    }
    Ok(())
}

/// A cluster accepts passwords that KMS refuses for `kmsuser` (KMS wants 7 to 32 letters and
/// digits): the command succeeds as on a real cluster, and the operator learns now rather than
/// at `keystore connect`.
fn warn_if_kms_would_refuse(context: &mut Context<'_>, username: &str, password: &Secret) {
    if username != KMS_USER {
        return;
    }
    if let Some(reason) = kms_password_problem(password) {
        context.warnings.push(format!(
            "warning: KMS will not connect a key store with this kmsuser password: {reason}"
        ));
    }
}

/// Why KMS would refuse `password` as a key store password, without quoting it.
pub fn kms_password_problem(password: &Secret) -> Option<&'static str> {
    let text = password.expose();
    if !(7..=32).contains(&text.chars().count()) {
        Some("it must be 7 to 32 characters long")
    } else if !text.chars().all(|c| c.is_ascii_alphanumeric()) {
        Some("it may contain only letters and digits")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kms_password_rules() {
        assert_eq!(kms_password_problem(&Secret::new("Passw0rd")), None);
        assert_eq!(
            kms_password_problem(&Secret::new("Pass!w0rd")),
            Some("it may contain only letters and digits")
        );
        assert_eq!(
            kms_password_problem(&Secret::new("short1")),
            Some("it must be 7 to 32 characters long")
        );
        assert_eq!(
            kms_password_problem(&Secret::new("a".repeat(33))),
            Some("it must be 7 to 32 characters long")
        );
    }
}

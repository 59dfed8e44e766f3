//! `login` (with a password, or with MFA as well) and `logout`.

use super::{Context, Reply, ReplyData, UserRef, mfa, role, username};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use crate::table::CommandId;

pub fn login(context: &mut Context<'_>, invocation: &mut Invocation<'_>) -> Result<Reply> {
    if let Some(current) = context.session.login() {
        return Err(Error::AlreadyLoggedIn {
            username: current.username.clone(),
        });
    }
    let username = username(invocation)?;
    let role = role(invocation)?;
    let password = context.secret(invocation, "password", &username)?;
    let login = if invocation.spec.id == CommandId::LoginMfaTokenSign {
        mfa::login(context, invocation, &username, role, &password)?
    } else {
        context.hsm.login(&username, role, &password)?
    };
    let reply = UserRef {
        username: login.username.clone(),
        role: login.role,
    };
    context.session.set_login(login);
    Ok(Reply::data(ReplyData::User(reply)))
}

pub fn logout(context: &mut Context<'_>) -> Result<Reply> {
    if let Some(login) = context.session.login() {
        context.hsm.logout(login)?;
    }
    context.session.take_login();
    Ok(Reply::Status("Logout successful"))
}

//! Command handlers, one file per noun, the `CommandId` that names each row of the table, and
//! the `Reply` values handlers return for `output` to render.

mod cluster;
mod login;
mod user;

use crate::backend::hsm::{HsmBackend, HsmInfo, UserInfo, normalize_username};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use crate::prompt::{SecretRequest, SecretSource};
use crate::secret::Secret;
use crate::session::{Role, Session};
use crate::spec::CommandTable;
use serde::Serialize;

macro_rules! command_ids {
    ($($variant:ident),* $(,)?) => {
        /// One variant per row of `grammar/commands.toml`; the `id` field of a row names it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum CommandId {
            $($variant),*
        }

        impl CommandId {
            pub const ALL: &'static [CommandId] = &[$(CommandId::$variant),*];

            pub fn name(self) -> &'static str {
                match self {
                    $(CommandId::$variant => stringify!($variant)),*
                }
            }

            pub fn from_name(name: &str) -> Option<CommandId> {
                match name {
                    $(stringify!($variant) => Some(CommandId::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

command_ids! {
    Help,
    Quit,
    ClusterActivate,
    ClusterHsmInfo,
    Login,
    Logout,
    UserCreate,
    UserDelete,
    UserList,
    UserChangePassword,
}

/// What a handler returns; `output` turns it into the envelope or plain text.
#[derive(Debug)]
pub enum Reply {
    /// `data` is a bare string, e.g. `"Logout successful"`.
    Status(&'static str),
    /// `data` is an object.
    Data(ReplyData),
    /// Plain text, not JSON (help).
    Text(String),
    /// Leave the shell.
    Quit,
}

/// The objects a command can put in `data`, each with the CLI's exact key names.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ReplyData {
    User(UserRef),
    Users { users: Vec<UserInfo> },
    Hsms { hsms: Vec<HsmInfo> },
}

/// `{"username": ..., "role": ...}`, the reply of login and user create.
#[derive(Debug, Serialize)]
pub struct UserRef {
    pub username: String,
    pub role: Role,
}

/// Everything a handler may touch: the backend, the session, where secrets come from, and
/// where warnings go. Built by `shell` for one command.
pub struct Context<'a> {
    pub table: &'a CommandTable,
    pub hsm: &'a mut dyn HsmBackend,
    pub session: &'a mut Session,
    pub secrets: &'a mut dyn SecretSource,
    /// Lines for stderr, printed by `output` before the envelope.
    pub warnings: &'a mut Vec<String>,
}

impl Context<'_> {
    /// The value of a secret arg: from the line when given there, else from the secret source
    /// (secrets file, `CLOUDHSM_PIN`, or a prompt on the terminal).
    pub fn secret(
        &mut self,
        invocation: &mut Invocation<'_>,
        name: &str,
        username: &str,
    ) -> Result<Secret> {
        if let Some(secret) = invocation.take_secret(name) {
            return Ok(secret);
        }
        let arg = invocation.spec.arg(name).ok_or_else(|| Error::State {
            message: format!("'{}' has no secret '{name}'", invocation.spec.path),
        })?;
        self.secrets.obtain(&SecretRequest {
            username,
            prompt: arg.prompt.as_deref().unwrap_or("Enter password:"),
            confirm: arg.confirm,
        })
    }
}

/// Runs one bound command. The role gate has already passed.
pub fn dispatch(context: &mut Context<'_>, mut invocation: Invocation<'_>) -> Result<Reply> {
    match invocation.spec.id {
        CommandId::Help => Ok(Reply::Text(crate::spec::help::render_help(
            context.table,
            invocation.list("command"),
        )?)),
        CommandId::Quit => Ok(Reply::Quit),
        CommandId::ClusterActivate => cluster::activate(context, &mut invocation),
        CommandId::ClusterHsmInfo => cluster::hsm_info(context),
        CommandId::Login => login::login(context, &mut invocation),
        CommandId::Logout => login::logout(context),
        CommandId::UserCreate => user::create(context, &mut invocation),
        CommandId::UserDelete => user::delete(context, &invocation),
        CommandId::UserList => user::list(context),
        CommandId::UserChangePassword => user::change_password(context, &mut invocation),
    }
}

/// The `--username` of an invocation, checked and normalised as the CLI does: case-insensitive,
/// shown lower-case. Checked before any password prompt, so nobody types one for nothing.
fn username(invocation: &Invocation<'_>) -> Result<String> {
    normalize_username(invocation.text("username").unwrap_or_default())
}

/// The `--role` of an invocation; the binder has checked it against the table's choices, so a
/// miss here means the table and this code disagree.
fn role(invocation: &Invocation<'_>) -> Result<Role> {
    invocation
        .text("role")
        .and_then(Role::parse)
        .ok_or_else(|| Error::State {
            message: format!("'{}' has no valid --role", invocation.spec.path),
        })
}

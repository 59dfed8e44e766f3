//! The logged-in state of one shell and the role gate every command passes through.

use crate::error::Error;
use crate::spec::{Access, CommandSpec};
use serde::Serialize;
use std::fmt;

/// A role that a user can be given with `--role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    CryptoUser,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CryptoUser => "crypto-user",
        }
    }

    /// Parses a `--role` value; the binder has already checked it against the table's choices.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "crypto-user" => Some(Role::CryptoUser),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Proof of a login held by the backend: who is logged in and the backend's record of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    pub role: Role,
    /// The backend's identifier of this login (a row in the simulator's `logins` table).
    pub login_id: i64,
}

/// What one shell knows about its login. Lives as long as the shell.
#[derive(Debug, Default)]
pub struct Session {
    login: Option<Login>,
}

impl Session {
    pub fn login(&self) -> Option<&Login> {
        self.login.as_ref()
    }

    pub fn set_login(&mut self, login: Login) {
        self.login = Some(login);
    }

    pub fn take_login(&mut self) -> Option<Login> {
        self.login.take()
    }

    /// The role gate: may this session run `spec` at all? Finer rules (ownership, "only your
    /// own password") are the backend's, but nobody reaches a handler past this check.
    pub fn check_access(&self, spec: &CommandSpec) -> Result<Option<&Login>, Error> {
        match (&spec.access, &self.login) {
            (Access::Public, login) => Ok(login.as_ref()),
            (_, None) => Err(Error::NotLoggedIn {
                command: spec.path.clone(),
            }),
            (Access::LoggedIn, Some(login)) => Ok(Some(login)),
            (Access::Roles(roles), Some(login)) if roles.contains(&login.role) => Ok(Some(login)),
            (Access::Roles(roles), Some(login)) => Err(Error::PermissionDenied {
                command: spec.path.clone(),
                role: login.role,
                allowed: roles
                    .iter()
                    .map(|role| role.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            }),
        }
    }
}

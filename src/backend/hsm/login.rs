//! Who is logged in: the roles an HSM user can have and the proof of a login the backend holds.

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

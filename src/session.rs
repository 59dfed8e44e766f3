//! The logged-in state of one shell and the role gate every command passes through.

use crate::backend::hsm::Login;
use crate::error::Error;
use crate::table::{Access, CommandSpec};
use std::collections::BTreeMap;

/// What one shell knows about its logins: at most one per cluster, as the CloudHSM CLI keeps
/// a login on each configured cluster. Every call is about the cluster in focus: the shell's
/// own, or the one a command's `--cluster-id` names. Lives as long as the shell.
#[derive(Debug, Default)]
pub struct Session {
    logins: BTreeMap<String, Login>,
    cluster: String,
}

impl Session {
    /// Makes `cluster_id` the cluster the next calls are about.
    pub fn focus(&mut self, cluster_id: &str) {
        if self.cluster != cluster_id {
            cluster_id.clone_into(&mut self.cluster);
        }
    }

    pub fn login(&self) -> Option<&Login> {
        self.logins.get(&self.cluster)
    }

    pub fn set_login(&mut self, login: Login) {
        self.logins.insert(self.cluster.clone(), login);
    }

    pub fn take_login(&mut self) -> Option<Login> {
        self.logins.remove(&self.cluster)
    }

    pub fn has_login_on(&self, cluster_id: &str) -> bool {
        self.logins.contains_key(cluster_id)
    }

    /// The login on `cluster_id`, whatever cluster is in focus (replication needs two).
    pub fn login_on(&self, cluster_id: &str) -> Option<&Login> {
        self.logins.get(cluster_id)
    }

    /// Every login, with its cluster, for ending them all.
    pub fn take_all(&mut self) -> Vec<(String, Login)> {
        std::mem::take(&mut self.logins).into_iter().collect()
    }

    /// The role gate: may this session run `spec` at all? Finer rules (ownership, "only your
    /// own password") are the backend's, but nobody reaches a handler past this check.
    pub fn check_access(&self, spec: &CommandSpec) -> Result<Option<&Login>, Error> {
        match (&spec.access, self.login()) {
            (Access::Public, login) => Ok(login),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::hsm::Role;
    use crate::table::CommandTable;

    fn logged_in(role: Role) -> Session {
        let mut session = Session::default();
        session.set_login(Login {
            username: "somebody".to_owned(),
            role,
            login_id: 4,
        });
        session
    }

    /// The gate's answer for `path` (a row of the command table): the login it hands on, or
    /// the error's text.
    fn gate(session: &Session, path: &str) -> Result<Option<Role>, String> {
        let table = CommandTable::builtin();
        let spec = table.by_path(path).unwrap();
        session
            .check_access(spec)
            .map(|login| login.map(|login| login.role))
            .map_err(|error| error.to_string())
    }

    #[test]
    fn public_commands_pass_with_or_without_a_login() {
        assert_eq!(gate(&Session::default(), "login"), Ok(None));
        assert_eq!(
            gate(&logged_in(Role::CryptoUser), "login"),
            Ok(Some(Role::CryptoUser))
        );
    }

    #[test]
    fn every_other_command_needs_a_login() {
        for path in ["logout", "user create", "key generate-symmetric aes"] {
            assert_eq!(
                gate(&Session::default(), path),
                Err(format!("'{path}' requires a login: run login first"))
            );
        }
        assert_eq!(
            gate(&logged_in(Role::Admin), "logout"),
            Ok(Some(Role::Admin))
        );
        assert_eq!(
            gate(&logged_in(Role::CryptoUser), "logout"),
            Ok(Some(Role::CryptoUser))
        );
    }

    #[test]
    fn a_role_list_lets_in_only_its_roles() {
        assert_eq!(
            gate(&logged_in(Role::Admin), "user create"),
            Ok(Some(Role::Admin))
        );
        assert_eq!(
            gate(&logged_in(Role::CryptoUser), "user create"),
            Err("'user create' is not allowed for role crypto-user: it needs admin".to_owned())
        );
        assert_eq!(
            gate(&logged_in(Role::CryptoUser), "key generate-symmetric aes"),
            Ok(Some(Role::CryptoUser))
        );
        assert_eq!(
            gate(&logged_in(Role::Admin), "key generate-symmetric aes"),
            Err(
                "'key generate-symmetric aes' is not allowed for role admin: it needs crypto-user"
                    .to_owned()
            )
        );
        for role in [Role::Admin, Role::CryptoUser] {
            assert_eq!(
                gate(&logged_in(role), "user change-password"),
                Ok(Some(role))
            );
        }
    }

    #[test]
    fn roles_parse_and_print_as_the_table_spells_them() {
        for role in [Role::Admin, Role::CryptoUser] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(role.to_string(), role.as_str());
        }
        assert_eq!(Role::CryptoUser.as_str(), "crypto-user");
        assert_eq!(Role::parse("Admin"), None);
        let mut session = logged_in(Role::Admin);
        assert_eq!(session.login().map(|login| login.role), Some(Role::Admin));
        assert_eq!(session.take_login().map(|login| login.login_id), Some(4));
        assert_eq!(session.login(), None);
    }
}

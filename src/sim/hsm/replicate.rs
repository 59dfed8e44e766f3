//! `user replicate` and `key replicate` on the simulator: one user or one key copied, in one
//! transaction, to another cluster of the same backup lineage, with the caller's login checked
//! on both.

use super::control::selectable;
use super::keys::{associated_data, require_owner, select, unusable, viewer};
use super::{SimHsm, check_actor, existing_user};
use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::key::Key;
use crate::backend::hsm::requests::Replication;
use crate::backend::hsm::{Role, UserInfo};
use crate::error::{Error, Result};
use crate::sim::keys::{self, NewKey};
use crate::sim::{logins, users};
use rusqlite::{OptionalExtension, Transaction};

impl SimHsm {
    pub(crate) fn replicate_user_now(
        &mut self,
        replication: &Replication<'_>,
        username: &str,
        role: Role,
    ) -> Result<UserInfo> {
        let username = users::normalize_username(username)?;
        if users::is_built_in(&username) {
            return Err(Error::BuiltInUser { username });
        }
        let process = &self.process;
        self.store.transaction(|tx| {
            check_logins(tx, process, replication)?;
            for login in [replication.source_login, replication.destination_login] {
                if login.role != Role::Admin {
                    return Err(refused(format!(
                        "user replicate needs an admin login on both clusters, and {} is a {}",
                        login.username,
                        login.role.as_str()
                    )));
                }
            }
            let (from, to) = (replication.source_cluster, replication.destination_cluster);
            let user = existing_user(tx, from, &username, role)?;
            if users::find(tx, to, &username)?.is_some() {
                return Err(refused(format!("{to} already has a user {username}")));
            }
            users::insert(tx, to, &username, user.role, user.password_hash.as_deref())?;
            tx.execute(
                "INSERT INTO token_sign_keys (cluster_id, username, quorum_key, mfa_key)
                 SELECT ?2, username, quorum_key, mfa_key FROM token_sign_keys
                 WHERE cluster_id = ?1 AND username = ?3",
                rusqlite::params![from, to, username],
            )?;
            users::list(tx, to)?
                .into_iter()
                .find(|listed| listed.username == username)
                .ok_or_else(|| Error::State {
                    message: format!("user {username} vanished from {to} while it was copied"),
                })
        })
    }

    pub(crate) fn replicate_key_now(
        &mut self,
        replication: &Replication<'_>,
        filter: &Filter,
    ) -> Result<Key> {
        let (process, vault) = (&self.process, &self.vault);
        self.store.transaction(|tx| {
            check_logins(tx, process, replication)?;
            let (source, destination) = (replication.source_login, replication.destination_login);
            if source.username != destination.username || source.role != destination.role {
                return Err(refused(format!(
                    "key replicate needs the same user logged in on both clusters, and they are \
                     {} and {}",
                    source.username, destination.username
                )));
            }
            let (from, to) = (replication.source_cluster, replication.destination_cluster);
            let stored = select(tx, from, source, filter)?;
            if source.role == Role::CryptoUser {
                require_owner(&stored, source, "replicate")?;
            }
            let reference = stored.key.key_reference;
            if !stored.key.attributes.token {
                return Err(unusable(
                    &stored,
                    "it is a session key, which ends with its login: make it persistent first \
                     (key set-attribute --name token --value true)",
                ));
            }
            let taken: Option<i64> = tx
                .prepare_cached("SELECT 1 FROM keys WHERE cluster_id = ?1 AND reference = ?2")?
                .query_row(rusqlite::params![to, reference.0 as i64], |row| row.get(0))
                .optional()?;
            if taken.is_some() {
                return Err(refused(format!("{to} already holds a key at {reference}")));
            }
            let shared: Vec<String> = stored
                .key
                .key_info
                .shared_users
                .iter()
                .map(|user| user.username.clone())
                .collect();
            for username in std::iter::once(&stored.owner).chain(&shared) {
                if !keys::is_crypto_user(tx, to, username)? {
                    return Err(refused(format!(
                        "the key's user {username} is not a crypto user of {to}: replicate the \
                         user first (user replicate)"
                    )));
                }
            }
            let sealed = stored
                .sealed_secret
                .as_deref()
                .map(|blob| {
                    let secret = vault.open(blob, &associated_data(from, reference))?;
                    vault.seal(&secret, &associated_data(to, reference))
                })
                .transpose()?;
            keys::insert(
                tx,
                to,
                &NewKey {
                    reference,
                    owner: &stored.owner,
                    attributes: &stored.key.attributes,
                    public_der: stored.public_der.as_deref(),
                    sealed_secret: sealed.as_deref(),
                    session_login_id: None,
                    quorum: stored.key.key_info.key_quorum_values,
                },
            )?;
            for username in &shared {
                keys::share(tx, to, reference, username)?;
            }
            keys::find(tx, to, viewer(destination), reference)?
                .map(|copied| copied.key)
                .ok_or_else(|| Error::State {
                    message: format!("key {reference} vanished from {to} while it was copied"),
                })
        })
    }
}

/// Both clusters exist, differ and share a lineage, and each login is still recorded there.
fn check_logins(
    tx: &Transaction<'_>,
    process: &logins::ProcessIdentity,
    replication: &Replication<'_>,
) -> Result<()> {
    let (from, to) = (replication.source_cluster, replication.destination_cluster);
    if from == to {
        return Err(refused(format!(
            "the source and destination are one cluster, {from}"
        )));
    }
    selectable(tx, from)?;
    selectable(tx, to)?;
    check_actor(tx, from, process, replication.source_login)?;
    check_actor(tx, to, process, replication.destination_login)?;
    let lineage = |cluster_id: &str| -> Result<Option<String>> {
        Ok(tx
            .prepare_cached("SELECT cluster_certificate_pem FROM clusters WHERE cluster_id = ?1")?
            .query_row([cluster_id], |row| row.get(0))?)
    };
    match (lineage(from)?, lineage(to)?) {
        (Some(source), Some(destination)) if source == destination => Ok(()),
        _ => Err(refused(format!(
            "{from} and {to} do not share a backup lineage: replication copies only between a \
             cluster and the clusters restored from its backups"
        ))),
    }
}

fn refused(reason: String) -> Error {
    Error::ReplicationRefused { reason }
}

//! The simulator behind the HSM trait: a persistent simulated cluster in a state directory,
//! with the CloudHSM CLI's user, login and activation rules.
//!
//! Every trait method is one `BEGIN IMMEDIATE` transaction, so a killed process leaves the state
//! as it was before or after a command, and shells sharing a state directory never lose each
//! other's updates. Slow password hashing happens before the transaction, so the write lock is
//! held only for the verification a login needs.

use super::cluster_control::{ClusterControl, ClusterState, SimFaults};
use super::filter::Filter;
use super::key::{GeneratedPair, Key, KeyListPage, KeyReference};
use super::mechanism::KeySpec;
use super::requests::{
    KeyFileEncoding, KeyTypeClass, NewKeyOptions, NewPairOptions, SignRequest, Signature,
    UnwrapRequest, WrapRequest, WrappedKey,
};
use super::{HsmBackend, HsmInfo, UserInfo, UserRole};
use crate::backend::hsm::{Login, Role};
use crate::backend::sim::clock;
use crate::backend::sim::crypto::Vault;
use crate::backend::sim::ids::{IdGenerator, IdSeed};
use crate::backend::sim::keys as key_rows;
use crate::backend::sim::logins::{self, ProcessIdentity};
use crate::backend::sim::store::{self, Store};
use crate::backend::sim::users::{self, APPLIANCE_USER};
use crate::backend::sim::{CUSTOMER_CA_FILE_NAME, SimOptions, cluster, password, schema};
use crate::error::{Error, Result};
use crate::secret::Secret;
use rusqlite::Transaction;
use std::path::{Path, PathBuf};

mod control;
mod key_use;
pub(crate) mod keys;
#[cfg(test)]
mod tests;

/// A simulated CloudHSM cluster seen through the CloudHSM CLI: the state's default (first)
/// cluster, or the one chosen with `--cluster-id` or `sim use-cluster`.
#[derive(Debug)]
pub struct SimHsm {
    store: Store,
    state_dir: PathBuf,
    cluster_id: String,
    /// True when `cluster_id` was chosen rather than defaulted (the prompt then names it).
    selected: bool,
    created_now: bool,
    process: ProcessIdentity,
    /// Seeds the identifiers of resources this handle creates (backups, subnets).
    id_seed: IdSeed,
    /// Seals and opens key material at rest.
    vault: Vault,
    signing_keys: key_use::SigningKeyCache,
}

impl SimHsm {
    /// Opens the state in `options.state_dir`, creating the directory, the database and the
    /// first cluster when they do not exist yet. With `options.cluster_id` the cluster must
    /// already be in the state: an unknown one is refused before anything is created. A seeded
    /// state runs on the virtual clock, so that its timestamps are byte-stable.
    pub fn open(options: &SimOptions) -> Result<SimHsm> {
        if let Some(cluster_id) = &options.cluster_id
            && !options.state_dir.join(store::STATE_FILE_NAME).exists()
        {
            return Err(Error::ClusterNotInState {
                cluster_id: cluster_id.clone(),
                state_dir: options.state_dir.clone(),
            });
        }
        let mut store = Store::open(&options.state_dir)?;
        let seed = IdSeed::new(options.seed);
        let ca_path = options.state_dir.join(CUSTOMER_CA_FILE_NAME);
        // The common case, a state already at this binary's schema, needs no write lock.
        let current = store.read(|tx| {
            if schema::version(tx)? == schema::CURRENT_VERSION {
                cluster::default_cluster_id(tx).map(Some)
            } else {
                Ok(None)
            }
        })?;
        let (default_cluster_id, created_now) = match current {
            Some(cluster_id) => (cluster_id, false),
            None => store.transaction(|tx| {
                let found_version = schema::migrate(tx)?;
                let created_now = found_version == 0;
                if created_now {
                    clock::start(tx, options.seed.is_some())?;
                    let mut ids = IdGenerator::begin(tx, seed)?;
                    let created =
                        cluster::create_first_cluster(tx, &mut ids, clock::now_unix(tx)?)?;
                    // Written before the commit: if the commit fails, the next open creates the
                    // cluster again and rewrites the file, so the two never disagree for long.
                    store::write_private_file(&ca_path, &created.certificates.customer_ca_pem)?;
                }
                Ok((cluster::default_cluster_id(tx)?, created_now))
            })?,
        };
        let cluster_id = match &options.cluster_id {
            Some(cluster_id) => {
                store
                    .read(|tx| control::selectable(tx, cluster_id))
                    .map_err(|error| match error {
                        Error::ClusterNotFound { cluster_id } => Error::ClusterNotInState {
                            cluster_id,
                            state_dir: options.state_dir.clone(),
                        },
                        other => other,
                    })?;
                cluster_id.clone()
            }
            None => default_cluster_id,
        };
        Ok(SimHsm {
            store,
            state_dir: options.state_dir.clone(),
            cluster_id,
            selected: options.cluster_id.is_some(),
            created_now,
            process: ProcessIdentity::current(),
            id_seed: seed,
            vault: Vault::open_or_create(&options.state_dir)?,
            signing_keys: key_use::SigningKeyCache::default(),
        })
    }

    /// True when this open created the first cluster, so the shell can say what to do next.
    pub fn created_now(&self) -> bool {
        self.created_now
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Folds the write-ahead log into `state.sqlite3`.
    pub fn checkpoint(&self) -> Result<()> {
        self.store.checkpoint()
    }
}

/// The hardware and firmware every simulated `hsm1.medium` reports.
fn hsm1_medium_info(serial_number: String) -> HsmInfo {
    HsmInfo {
        vendor: "Marvell Semiconductors, Inc.".to_owned(),
        model: "NITROX-III CNN35XX-NFBE".to_owned(),
        serial_number,
        hardware_version_major: "5".to_owned(),
        hardware_version_minor: "3".to_owned(),
        firmware_version_major: "2".to_owned(),
        firmware_version_minor: "6".to_owned(),
        firmware_build_number: "16".to_owned(),
        firmware_id: "CNN35XX-NFBE-FW-2.06-16".to_owned(),
        fips_state: "2 [FIPS mode with single factor authentication]".to_owned(),
    }
}

/// Checks that `actor` is a login this state still records, after clearing dead processes'
/// logins. A login can vanish only if the state was reset behind the shell's back.
fn check_actor(
    tx: &Transaction<'_>,
    cluster_id: &str,
    process: &ProcessIdentity,
    actor: &Login,
) -> Result<()> {
    logins::prune_dead(tx, process)?;
    check_reader(tx, cluster_id, actor)
}

/// [`check_actor`] for read-only calls: the login must still be recorded, but clearing dead
/// processes' logins (a write) is left to the next writer.
fn check_reader(tx: &Transaction<'_>, cluster_id: &str, actor: &Login) -> Result<()> {
    if logins::is_recorded(tx, cluster_id, &actor.username, actor.login_id)? {
        Ok(())
    } else {
        Err(stale_login(actor))
    }
}

fn stale_login(actor: &Login) -> Error {
    Error::State {
        message: format!(
            "the login of {} is no longer recorded in the simulator state: run logout, then login again",
            actor.username
        ),
    }
}

/// The user named `username` with the listed form of `role`, or `UserNotFound`.
fn existing_user(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    role: Role,
) -> Result<users::UserRecord> {
    match users::find(tx, cluster_id, username)? {
        Some(user) if user.role == UserRole::from(role) => Ok(user),
        _ => Err(Error::UserNotFound {
            username: username.to_owned(),
            role,
        }),
    }
}

impl HsmBackend for SimHsm {
    fn cluster_id(&self) -> &str {
        &self.cluster_id
    }

    fn selected_cluster(&self) -> Option<&str> {
        self.selected.then_some(self.cluster_id.as_str())
    }

    fn cluster_control(&mut self) -> Option<&mut dyn ClusterControl> {
        Some(self)
    }

    fn sim_faults(&mut self) -> Option<&mut dyn SimFaults> {
        Some(self)
    }

    fn is_activated(&mut self) -> Result<bool> {
        self.store
            .transaction(|tx| cluster::is_activated(tx, &self.cluster_id))
    }

    fn hsm_info(&mut self) -> Result<Vec<HsmInfo>> {
        let serials = self
            .store
            .transaction(|tx| cluster::active_hsm_serial_numbers(tx, &self.cluster_id))?;
        Ok(serials.into_iter().map(hsm1_medium_info).collect())
    }

    fn activate(&mut self, password: &Secret) -> Result<()> {
        password::validate(password)?;
        let password_hash = password::hash(password)?;
        self.store.transaction(|tx| {
            if cluster::is_activated(tx, &self.cluster_id)? {
                return Err(Error::ClusterAlreadyActivated);
            }
            let state = cluster::state(tx, &self.cluster_id)?.unwrap_or_default();
            if state != ClusterState::Initialized.as_str() {
                return Err(Error::ActivateNotInitialized {
                    cluster_id: self.cluster_id.clone(),
                    state,
                });
            }
            if cluster::active_hsm_serial_numbers(tx, &self.cluster_id)?.is_empty() {
                return Err(Error::ActivateWithoutHsm {
                    cluster_id: self.cluster_id.clone(),
                });
            }
            users::activate_admin(tx, &self.cluster_id, &password_hash)?;
            cluster::mark_activated(tx, &self.cluster_id)
        })
    }

    fn login(&mut self, username: &str, role: Role, password: &Secret) -> Result<Login> {
        // Any text is a possible username here: one that breaks the rules simply does not exist.
        let username = username.to_ascii_lowercase();
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        // Ok(Err(..)) commits: a wrong password is counted even though the login fails.
        self.store.transaction(|tx| {
            let now = clock::now_unix(tx)?;
            if !cluster::is_activated(tx, cluster_id)? {
                return Err(Error::ClusterNotActivated);
            }
            let Some(user) = users::find(tx, cluster_id, &username)? else {
                return Err(Error::LoginFailed);
            };
            if user.role.login_role() != Some(role) {
                return Err(Error::LoginFailed);
            }
            if user.locked {
                return Err(Error::UserLocked { username });
            }
            let Some(password_hash) = user.password_hash.as_deref() else {
                return Err(Error::LoginFailed);
            };
            if !password::verify(password, password_hash)? {
                users::record_failed_login(tx, cluster_id, &username)?;
                return Ok(Err(Error::LoginFailed));
            }
            if user.failed_logins > 0 {
                users::reset_failed_logins(tx, cluster_id, &username)?;
            }
            let login_id = logins::record(tx, cluster_id, &username, process, now)?;
            Ok(Ok(Login {
                username,
                role,
                login_id,
            }))
        })?
    }

    fn logout(&mut self, login: &Login) -> Result<()> {
        self.store
            .transaction(|tx| logins::remove(tx, &self.cluster_id, &login.username, login.login_id))
    }

    fn list_users(&mut self) -> Result<Vec<UserInfo>> {
        self.store
            .transaction(|tx| users::list(tx, &self.cluster_id))
    }

    fn create_user(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
        password: &Secret,
    ) -> Result<UserInfo> {
        let username = users::normalize_username(username)?;
        password::validate(password)?;
        let password_hash = password::hash(password)?;
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            if users::find(tx, cluster_id, &username)?.is_some() {
                return Err(Error::UserExists { username });
            }
            users::insert(tx, cluster_id, &username, role.into(), Some(&password_hash))?;
            Ok(UserInfo {
                username,
                role: role.into(),
                locked: false,
                mfa: Vec::new(),
                quorum: Vec::new(),
                cluster_coverage: "full",
            })
        })
    }

    fn delete_user(&mut self, actor: &Login, username: &str, role: Role) -> Result<()> {
        let username = users::normalize_username(username)?;
        if users::is_built_in(&username) {
            return Err(Error::BuiltInUser { username });
        }
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            existing_user(tx, cluster_id, &username, role)?;
            if logins::has_login_except(tx, cluster_id, &username, None)? {
                return Err(Error::UserLoggedIn { username });
            }
            if key_rows::count_owned(tx, cluster_id, &username)? > 0 {
                return Err(Error::UserOwnsKeys { username });
            }
            users::delete(tx, cluster_id, &username)
        })
    }

    fn change_password(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
        password: &Secret,
    ) -> Result<()> {
        let username = users::normalize_username(username)?;
        if actor.role == Role::CryptoUser && (actor.username != username || actor.role != role) {
            return Err(Error::OwnPasswordOnly);
        }
        if username == APPLIANCE_USER {
            return Err(Error::BuiltInUser { username });
        }
        password::validate(password)?;
        let password_hash = password::hash(password)?;
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            existing_user(tx, cluster_id, &username, role)?;
            // The actor's own login does not count: a user may change its password while
            // logged in, but not one that a session elsewhere is using.
            if logins::has_login_except(tx, cluster_id, &username, Some(actor.login_id))? {
                return Err(Error::UserLoggedIn { username });
            }
            let unlock = actor.role == Role::Admin;
            users::set_password(tx, cluster_id, &username, &password_hash, unlock)
        })
    }

    fn generate_secret_key(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        self.generate_secret_key_now(actor, spec, options)
    }

    fn generate_key_pair(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewPairOptions<'_>,
    ) -> Result<GeneratedPair> {
        self.generate_key_pair_now(actor, spec, options)
    }

    fn list_keys(
        &mut self,
        actor: &Login,
        filter: &Filter,
        starting_token: Option<&str>,
        max_items: usize,
        verbose: bool,
    ) -> Result<KeyListPage> {
        self.list_keys_now(actor, filter, starting_token, max_items, verbose)
    }

    fn delete_key(&mut self, actor: &Login, filter: &Filter) -> Result<KeyReference> {
        self.delete_key_now(actor, filter)
    }

    fn set_key_attribute(
        &mut self,
        actor: &Login,
        filter: &Filter,
        name: &str,
        value: &str,
    ) -> Result<()> {
        self.set_key_attribute_now(actor, filter, name, value)
    }

    fn share_key(
        &mut self,
        actor: &Login,
        filter: &Filter,
        username: &str,
        role: Role,
    ) -> Result<()> {
        self.change_share_now(actor, filter, username, role, true)
    }

    fn unshare_key(
        &mut self,
        actor: &Login,
        filter: &Filter,
        username: &str,
        role: Role,
    ) -> Result<()> {
        self.change_share_now(actor, filter, username, role, false)
    }

    fn import_public_key(
        &mut self,
        actor: &Login,
        pem: &str,
        key_type_class: KeyTypeClass,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        self.import_public_key_now(actor, pem, key_type_class, options)
    }

    fn key_file(
        &mut self,
        actor: &Login,
        filter: &Filter,
        encoding: KeyFileEncoding,
    ) -> Result<String> {
        self.key_file_now(actor, filter, encoding)
    }

    fn wrap_key(&mut self, actor: &Login, request: &WrapRequest<'_>) -> Result<WrappedKey> {
        self.wrap_key_now(actor, request)
    }

    fn unwrap_key(&mut self, actor: &Login, request: &UnwrapRequest<'_>) -> Result<Key> {
        self.unwrap_key_now(actor, request)
    }

    fn sign(&mut self, actor: &Login, request: &SignRequest<'_>) -> Result<Signature> {
        self.sign_now(actor, request)
    }

    fn verify(
        &mut self,
        actor: &Login,
        request: &SignRequest<'_>,
        signature: &[u8],
    ) -> Result<KeyReference> {
        self.verify_now(actor, request, signature)
    }
}

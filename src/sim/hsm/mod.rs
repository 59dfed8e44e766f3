//! A persistent simulated cluster in a state directory, with the CloudHSM CLI's user, login and
//! activation rules; the adapter in `backend::hsm::sim` puts it behind the `HsmBackend` trait.
//!
//! Every trait method is one `BEGIN IMMEDIATE` transaction, so a killed process leaves the state
//! as it was before or after a command, and shells sharing a state directory never lose each
//! other's updates. Slow password hashing happens before the transaction, so the write lock is
//! held only for the verification a login needs.

use crate::backend::hsm::{HsmInfo, UserRole};
use crate::backend::hsm::{Login, Role};
use crate::error::{Error, Result};
use crate::sim::clock;
use crate::sim::crypto::Vault;
use crate::sim::ids::{self, IdGenerator, IdSeed};
use crate::sim::logins::{self, ProcessIdentity};
use crate::sim::store::{self, Store};
use crate::sim::users::{self};
use crate::sim::{CUSTOMER_CA_FILE_NAME, SimOptions, cluster, schema};
use rusqlite::Transaction;
use std::path::{Path, PathBuf};

pub(crate) mod control;
pub(crate) mod key_use;
pub(crate) mod keys;
mod mtls;
mod replicate;
#[cfg(test)]
mod tests;

/// A simulated CloudHSM cluster seen through the CloudHSM CLI: the state's default (first)
/// cluster, or the one chosen with `--cluster-id` or `sim use-cluster`.
#[derive(Debug)]
pub struct SimHsm {
    pub(crate) store: Store,
    pub(crate) state_dir: PathBuf,
    pub(crate) cluster_id: String,
    /// True when `cluster_id` was chosen rather than defaulted (the prompt then names it).
    pub(crate) selected: bool,
    pub(crate) created_now: bool,
    seed_mismatch: Option<ids::SeedMismatch>,
    pub(crate) process: ProcessIdentity,
    /// Seeds the identifiers of resources this handle creates (backups, subnets).
    pub(crate) id_seed: IdSeed,
    /// Seals and opens key material at rest.
    pub(crate) vault: Vault,
    signing_keys: key_use::SigningKeyCache,
    /// The client certificate presented to clusters that enforce mTLS.
    pub(crate) client_identity: Option<crate::backend::hsm::mtls::ClientIdentity>,
    /// The cluster and database mark at which the connection last passed the mTLS check.
    pub(crate) connection_checked: Option<(String, crate::sim::store::Mark)>,
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
                Ok(Some((
                    cluster::default_cluster_id(tx)?,
                    ids::seed_mismatch(tx, seed)?,
                )))
            } else {
                Ok(None)
            }
        })?;
        let (default_cluster_id, created_now, seed_mismatch) = match current {
            Some((cluster_id, seed_mismatch)) => (cluster_id, false, seed_mismatch),
            None => store.transaction(|tx| {
                let found_version = schema::migrate(tx)?;
                let created_now = found_version == 0;
                let mut seed_mismatch = None;
                if created_now {
                    clock::start(tx, options.seed.is_some())?;
                    ids::record_seed(tx, seed)?;
                    let mut ids = IdGenerator::begin(tx, seed)?;
                    let created =
                        cluster::create_first_cluster(tx, &mut ids, clock::now_unix(tx)?)?;
                    // Written before the commit: if the commit fails, the next open creates the
                    // cluster again and rewrites the file, so the two never disagree for long.
                    store::write_private_file(&ca_path, &created.certificates.customer_ca_pem)?;
                } else {
                    seed_mismatch = ids::seed_mismatch(tx, seed)?;
                }
                Ok((cluster::default_cluster_id(tx)?, created_now, seed_mismatch))
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
            seed_mismatch,
            process: ProcessIdentity::current(),
            id_seed: seed,
            vault: Vault::open_or_create(&options.state_dir)?,
            signing_keys: key_use::SigningKeyCache::default(),
            client_identity: None,
            connection_checked: None,
        })
    }

    /// True when this open created the first cluster, so the shell can say what to do next.
    pub fn created_now(&self) -> bool {
        self.created_now
    }

    /// What to say when `--seed` was given for a state that another seed, or none, made: the
    /// run's identifiers, secrets and clock then repeat no seeded run.
    pub fn seed_warning(&self) -> Option<String> {
        let made = match self.seed_mismatch? {
            ids::SeedMismatch::MadeWithout => "was made without --seed",
            ids::SeedMismatch::MadeWithAnother => "was made with another --seed",
        };
        Some(format!(
            "warning: the state in {} {made}, so this run's identifiers, secrets and timestamps \
             repeat no run of the seed given: use that seed with a new --state-dir to reproduce one",
            self.state_dir.display()
        ))
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
pub(crate) fn hsm1_medium_info(serial_number: String) -> HsmInfo {
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
pub(crate) fn check_actor(
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
pub(crate) fn check_reader(tx: &Transaction<'_>, cluster_id: &str, actor: &Login) -> Result<()> {
    if logins::is_recorded(tx, cluster_id, &actor.username, actor.login_id)? {
        Ok(())
    } else {
        Err(stale_login(actor))
    }
}

pub(crate) fn stale_login(actor: &Login) -> Error {
    Error::State {
        message: format!(
            "the login of {} is no longer recorded in the simulator state: run logout, then login again",
            actor.username
        ),
    }
}

/// The user named `username` with the listed form of `role`, or `UserNotFound`.
pub(crate) fn existing_user(
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

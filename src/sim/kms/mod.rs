//! The simulated KMS custom key stores on the simulator's state directory; the adapter in
//! `backend::kms::sim` puts them behind the `KmsBackend` trait.
//!
//! `SimKms` opens its own connection to the same SQLite database as the HSM simulator (WAL makes
//! that safe); every call is one `BEGIN IMMEDIATE` transaction that first advances the
//! connections whose time has come (see `connection`). Key store passwords are sealed by the
//! state's vault and never stored, printed or logged in clear.

pub(crate) mod cluster_facts;
pub(crate) mod connection;
pub(crate) mod key_material;
pub(crate) mod kms_keys;
pub(crate) mod operations;
pub(crate) mod pending_faults;
pub(crate) mod prerequisites;
pub(crate) mod stores;
#[cfg(test)]
mod tests;

/// How `keystore create` reads a trust anchor certificate; public for the fuzz targets.
pub use crate::sim::ca::certificate_der;

use crate::backend::kms::OperationFamily;
use crate::error::{Error, Result};
use crate::sim::clock;
use crate::sim::crypto::Vault;
use crate::sim::ids::IdSeed;
use crate::sim::logins::ProcessIdentity;
use crate::sim::store::Store;
use crate::sim::{SimOptions, schema};
use connection::Env;
use rusqlite::Transaction;
use std::path::PathBuf;

/// The longest `sim set-delays` accepts: a real connect takes up to 20 minutes.
pub const MAX_DELAY_SECONDS: i64 = 20 * 60;

/// KMS custom key stores bound to the simulated clusters of one state directory.
#[derive(Debug)]
pub struct SimKms {
    pub(crate) state_dir: PathBuf,
    /// Opened by the first KMS call, so that HSM-only commands do not pay for it.
    pub(crate) connection: Option<Connection>,
    pub(crate) process: ProcessIdentity,
    pub(crate) id_seed: IdSeed,
}

/// The KMS simulator's own connection to the state, and the vault that seals its passwords.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) store: Store,
    pub(crate) vault: Vault,
}

impl SimKms {
    /// The KMS simulator on the state the HSM simulator has created in `options.state_dir`;
    /// nothing is opened until the first call.
    pub fn open(options: &SimOptions) -> Result<SimKms> {
        Ok(SimKms {
            state_dir: options.state_dir.clone(),
            connection: None,
            process: ProcessIdentity::current(),
            id_seed: IdSeed::new(options.seed),
        })
    }

    pub(crate) fn connection(&mut self) -> Result<&mut Connection> {
        if self.connection.is_none() {
            let mut store = Store::open(&self.state_dir)?;
            store.transaction(|tx| {
                if schema::migrate(tx)? == 0 {
                    return Err(Error::State {
                        message: "the KMS simulator needs a state made by the HSM simulator"
                            .to_owned(),
                    });
                }
                Ok(())
            })?;
            let vault = Vault::open_or_create(&self.state_dir)?;
            self.connection = Some(Connection { store, vault });
        }
        self.connection.as_mut().ok_or_else(|| Error::State {
            message: "the KMS simulator's state could not be opened".to_owned(),
        })
    }

    /// Runs `work` in one transaction after advancing due transitions.
    pub(crate) fn call<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>, &Env<'_>) -> Result<T>,
    ) -> Result<T> {
        self.run(None, work)
    }

    /// [`SimKms::call`] for a custom key store operation: a pending `sim fail-next-kms-call`
    /// fault it declares is taken (and that is all the call changes) instead of doing the work.
    pub(crate) fn key_store_api<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>, &Env<'_>) -> Result<T>,
    ) -> Result<T> {
        self.run(Some(OperationFamily::CustomKeyStore), work)
    }

    /// [`SimKms::key_store_api`] for an operation that only reads: when it would change nothing
    /// (no pending fault for it, no connection or key deletion due), it runs on a snapshot
    /// without the write lock, side by side with other readers; otherwise, or if the state
    /// moved on meanwhile, as a write transaction.
    pub(crate) fn key_store_read<T>(
        &mut self,
        work: impl Fn(&Transaction<'_>, &Env<'_>) -> Result<T>,
    ) -> Result<T> {
        let process = self.process;
        let seed = self.id_seed;
        let opened = self.connection()?;
        let vault = &opened.vault;
        let snapshot = opened.store.read(|tx| {
            let now = clock::now_unix(tx)?;
            let due = |at: Option<i64>| at.is_some_and(|at| at <= now);
            if pending_faults::call_failure_pending(tx, OperationFamily::CustomKeyStore)?
                || due(connection::next_due(tx)?)
                || due(kms_keys::next_deletion(tx)?)
            {
                return Ok(None);
            }
            let env = Env {
                vault,
                process: &process,
                now,
                seed,
            };
            work(tx, &env).map(Some)
        })?;
        match snapshot {
            Some(value) => Ok(value),
            None => self.key_store_api(work),
        }
    }

    /// [`SimKms::key_store_api`] for a key operation.
    pub(crate) fn key_api<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>, &Env<'_>) -> Result<T>,
    ) -> Result<T> {
        self.run(Some(OperationFamily::Key), work)
    }

    pub(crate) fn run<T>(
        &mut self,
        operation: Option<OperationFamily>,
        work: impl FnOnce(&Transaction<'_>, &Env<'_>) -> Result<T>,
    ) -> Result<T> {
        let process = self.process;
        let seed = self.id_seed;
        let opened = self.connection()?;
        let vault = &opened.vault;
        opened.store.transaction(|tx| {
            if let Some(family) = operation
                && let Some(fault) = pending_faults::take_next_call_failure(tx, family)?
            {
                // Ok(Err(..)) commits: the fault is used up although the call fails.
                return Ok(Err(fault.error()));
            }
            let env = Env {
                vault,
                process: &process,
                now: clock::now_unix(tx)?,
                seed,
            };
            connection::advance(tx, &env)?;
            kms_keys::delete_expired(tx, &env)?;
            work(tx, &env).map(Ok)
        })?
    }

    /// On a state on the virtual clock, moves it to the next due connection transition (or one
    /// second on) and gives true; on the real clock, gives false and lets the caller wait.
    pub fn pass_virtual_time(&mut self) -> Result<bool> {
        self.call(|tx, env| {
            if !clock::is_virtual(tx)? {
                return Ok(false);
            }
            let step = connection::next_due(tx)?.map_or(1, |due| (due - env.now).max(1));
            clock::advance(tx, step)?;
            Ok(true)
        })
    }
}

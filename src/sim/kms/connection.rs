//! The asynchronous half of Connect and Disconnect, without background threads: a store that is
//! `CONNECTING` or `DISCONNECTING` carries the time its work is due, and every key store call
//! first advances the stores whose time has come, inside its own transaction.
//!
//! The connect work follows KMS (spec §3.3): find the cluster, build an ENI in each subnet,
//! reach an active HSM, log in as `kmsuser` with the stored password, rotate that password to
//! one only the store knows, and stay logged in.

use super::cluster_facts::ClusterFacts;
use super::pending_faults;
use super::stores::{self, StoreRow};
use crate::backend::hsm::UserRole;
use crate::backend::kms::{ConnectionErrorCode, ConnectionState};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::sim::crypto::{SecretMaterial, Vault};
use crate::sim::ids::IdSeed;
use crate::sim::logins::{self, ProcessIdentity};
use crate::sim::{password, quorum, users};
use rand::Rng;
use rusqlite::{Transaction, params};

/// The crypto user KMS logs in as.
pub const KMS_USER: &str = "kmsuser";
/// Length of the password a connect rotates `kmsuser` to.
const ROTATED_PASSWORD_CHARS: usize = 32;

/// What the asynchronous work needs besides the transaction.
pub struct Env<'a> {
    pub vault: &'a Vault,
    pub process: &'a ProcessIdentity,
    pub now: i64,
    /// Seeds identifiers, and in a deterministic run the random bytes too.
    pub seed: IdSeed,
}

/// The vault's associated data for a store's password: binds the blob to its store.
pub fn password_context(id: &str) -> Vec<u8> {
    format!("custom-key-store-password:{id}").into_bytes()
}

pub fn seal_password(vault: &Vault, id: &str, password: &Secret) -> Result<Vec<u8>> {
    vault.seal(
        &SecretMaterial::new(password.expose().as_bytes().to_vec()),
        &password_context(id),
    )
}

pub fn open_password(vault: &Vault, tx: &Transaction<'_>, id: &str) -> Result<Secret> {
    let opened = vault.open(&stores::sealed_password(tx, id)?, &password_context(id))?;
    let text = std::str::from_utf8(opened.expose()).map_err(|_| Error::State {
        message: format!("the stored password of key store {id} is not text"),
    })?;
    Ok(Secret::new(text))
}

/// Finishes every transition whose time has come.
pub fn advance(tx: &Transaction<'_>, env: &Env<'_>) -> Result<()> {
    for row in stores::all(tx)? {
        if row.due_at.is_none_or(|due| due > env.now) {
            continue;
        }
        match row.state() {
            ConnectionState::Connecting => match try_connect(tx, env, &row)? {
                None => stores::set_state(tx, row.id(), ConnectionState::Connected, None, None)?,
                Some(code) => {
                    stores::set_state(tx, row.id(), ConnectionState::Failed, Some(code), None)?
                }
            },
            ConnectionState::Disconnecting => {
                logins::remove_for_store(tx, row.id())?;
                stores::set_state(tx, row.id(), ConnectionState::Disconnected, None, None)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The connect work; the first failing step's code, or `None` once connected.
fn try_connect(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    row: &StoreRow,
) -> Result<Option<ConnectionErrorCode>> {
    let Some(facts) = ClusterFacts::load(tx, row.cluster_id())? else {
        return Ok(Some(ConnectionErrorCode::ClusterNotFound));
    };
    if facts.subnets.iter().any(|subnet| !subnet.exists) {
        return Ok(Some(ConnectionErrorCode::SubnetNotFound));
    }
    if facts.subnets.iter().any(|subnet| subnet.free_addresses < 1) {
        return Ok(Some(ConnectionErrorCode::InsufficientFreeAddressesInSubnet));
    }
    if facts.active_hsm_zones.is_empty() {
        return Ok(Some(ConnectionErrorCode::InsufficientCloudhsmHsms));
    }
    // KMS presents no client certificate: a cluster that enforces mTLS drops the connection.
    // AWS names no code for it; the failure is the network's (NETWORK_ERRORS).
    if facts.mtls_enforced {
        return Ok(Some(ConnectionErrorCode::NetworkErrors));
    }
    if let Some(code) = pending_faults::take_next_connect_failure(tx)? {
        return Ok(Some(code));
    }
    let cluster_id = row.cluster_id();
    logins::prune_dead(tx, env.process)?;
    let user = users::find(tx, cluster_id, KMS_USER)?;
    let Some(user) = user.filter(|user| user.role == UserRole::CryptoUser) else {
        return Ok(Some(ConnectionErrorCode::UserNotFound));
    };
    if user.locked {
        return Ok(Some(ConnectionErrorCode::UserLockedOut));
    }
    if logins::has_login_except(tx, cluster_id, KMS_USER, None)? {
        return Ok(Some(ConnectionErrorCode::UserLoggedIn));
    }
    // KMS logs in with the password alone: a second factor, or a quorum key (which a password
    // rotation would drop), makes kmsuser one it cannot use. AWS names no code for it; the
    // login fails, so INVALID_CREDENTIALS, without counting towards the lockout.
    if quorum::has_token_sign_key(tx, cluster_id, KMS_USER)? {
        return Ok(Some(ConnectionErrorCode::InvalidCredentials));
    }
    let stored = open_password(env.vault, tx, row.id())?;
    let verified = match user.password_hash.as_deref() {
        Some(hash) => password::verify(&stored, hash)?,
        None => false,
    };
    if !verified {
        // A wrong password counts toward the lockout, as any failed login does.
        users::record_failed_login(tx, cluster_id, KMS_USER)?;
        return Ok(Some(ConnectionErrorCode::InvalidCredentials));
    }
    let rotated = rotated_password();
    users::set_password(tx, cluster_id, KMS_USER, &password::hash(&rotated)?, false)?;
    stores::set_sealed_password(tx, row.id(), &seal_password(env.vault, row.id(), &rotated)?)?;
    logins::record_for_store(tx, cluster_id, KMS_USER, row.id(), env.now)?;
    Ok(None)
}

/// A fresh random password of letters and digits that only the store will know.
fn rotated_password() -> Secret {
    let text: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(ROTATED_PASSWORD_CHARS)
        .map(char::from)
        .collect();
    Secret::new(text)
}

/// When the earliest transition in progress is due, if any is.
pub fn next_due(tx: &Transaction<'_>) -> Result<Option<i64>> {
    let due = tx
        .prepare_cached(
            "SELECT min(due_at) FROM custom_key_stores
             WHERE connection_state IN ('CONNECTING', 'DISCONNECTING')",
        )?
        .query_row([], |row| row.get(0))?;
    Ok(due)
}

/// Seconds a connect and a disconnect take (`sim set-delays`).
pub fn delays(tx: &Transaction<'_>) -> Result<(i64, i64)> {
    let delays = tx
        .prepare_cached(
            "SELECT connect_delay_seconds, disconnect_delay_seconds FROM simulator
             WHERE singleton = 1",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(delays)
}

/// Sets the delays; transitions in progress are due no later than the new delay from `now`.
pub fn set_delays(tx: &Transaction<'_>, now: i64, connect: i64, disconnect: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE simulator SET connect_delay_seconds = ?1, disconnect_delay_seconds = ?2
         WHERE singleton = 1",
    )?
    .execute(params![connect, disconnect])?;
    tx.prepare_cached(
        "UPDATE custom_key_stores
         SET due_at = min(due_at, ?1 + CASE connection_state WHEN 'CONNECTING' THEN ?2 ELSE ?3 END)
         WHERE connection_state IN ('CONNECTING', 'DISCONNECTING')",
    )?
    .execute(params![now, connect, disconnect])?;
    Ok(())
}

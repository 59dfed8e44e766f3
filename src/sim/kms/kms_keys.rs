//! Rows of `kms_keys` (spec §6): the KMS keys of the CloudHSM key stores, their hidden desired
//! enabled flag and pending deletion, and the KeyState they show (§2.9). CreateKey, DescribeKey,
//! ListKeys and the deletion and enable/disable calls.

use super::cluster_facts::ClusterFacts;
use super::connection::Env;
use super::key_material;
use super::stores::{self, StoreRow};
use crate::backend::kms::custom_key_store_id;
use crate::backend::kms::keys::{
    ACCOUNT_ID, ENCRYPT_DECRYPT, KeyListEntry, KeyMetadata, KeyState, ORIGIN_AWS_CLOUDHSM,
    SYMMETRIC_DEFAULT, key_arn,
};
use crate::backend::kms::{
    CancelDeletionResponse, ConnectionState, CreateKeyRequest, KeyMetadataResponse,
    ListKeysResponse, ScheduleDeletionResponse, key_id, kms_error, length, within,
};
use crate::error::{Error, Result};
use crate::sim::ids::IdGenerator;
use crate::sim::keys;
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// The waiting period ScheduleKeyDeletion uses when none is given.
pub const DEFAULT_PENDING_WINDOW_DAYS: i64 = 30;
const SECONDS_PER_DAY: i64 = 86_400;

/// One KMS key as stored, with the state of its store.
#[derive(Clone, Debug)]
pub struct KmsKeyRow {
    pub key_id: String,
    pub key_store_id: String,
    pub cluster_id: String,
    pub hsm_reference: i64,
    pub description: String,
    pub created_at: i64,
    pub desired_enabled: bool,
    pub deletion_date: Option<i64>,
    pub pending_window_days: Option<i64>,
    pub store_state: ConnectionState,
}

impl KmsKeyRow {
    pub fn arn(&self) -> String {
        key_arn(&self.key_id)
    }

    /// The visible KeyState: PendingDeletion sticks; otherwise Unavailable unless the store is
    /// CONNECTED; otherwise the desired flag.
    pub fn state(&self) -> KeyState {
        if self.deletion_date.is_some() {
            KeyState::PendingDeletion
        } else if self.store_state != ConnectionState::Connected {
            KeyState::Unavailable
        } else if self.desired_enabled {
            KeyState::Enabled
        } else {
            KeyState::Disabled
        }
    }

    pub fn metadata(&self) -> KeyMetadata {
        let state = self.state();
        KeyMetadata {
            aws_account_id: ACCOUNT_ID.to_owned(),
            key_id: self.key_id.clone(),
            arn: self.arn(),
            creation_date: self.created_at,
            enabled: state == KeyState::Enabled,
            description: self.description.clone(),
            key_usage: ENCRYPT_DECRYPT.into(),
            key_state: state,
            deletion_date: self.deletion_date,
            origin: ORIGIN_AWS_CLOUDHSM.into(),
            custom_key_store_id: self.key_store_id.clone(),
            cloud_hsm_cluster_id: self.cluster_id.clone(),
            key_manager: "CUSTOMER".into(),
            customer_master_key_spec: SYMMETRIC_DEFAULT.into(),
            key_spec: SYMMETRIC_DEFAULT.into(),
            encryption_algorithms: vec![SYMMETRIC_DEFAULT.into()],
            multi_region: false,
            pending_deletion_window_in_days: self.pending_window_days,
        }
    }

    /// `KMSInvalidStateException` for a key whose state `rule` does not allow.
    pub fn invalid_state(&self, rule: &str) -> Error {
        let state = match self.state() {
            KeyState::Enabled => "enabled",
            KeyState::Disabled => "disabled",
            KeyState::PendingDeletion => "pending deletion",
            KeyState::Unavailable => "unavailable",
            // The simulator never gives its keys the passing states of AWS keys.
            other => other.as_str(),
        };
        kms_error(
            "KMSInvalidStateException",
            format!("{} is {state}{rule}", self.arn()),
        )
    }
}

/// A key's cluster is its store's: UpdateCustomKeyStore may move the store to a related cluster.
const SELECT: &str = "SELECT k.key_id, k.key_store_id, s.cluster_id, k.hsm_reference, \
     k.description, k.created_at, k.desired_enabled, k.deletion_date, k.pending_window_days, \
     s.connection_state FROM kms_keys k JOIN custom_key_stores s USING (key_store_id)";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(KmsKeyRow, String)> {
    Ok((
        KmsKeyRow {
            key_id: row.get(0)?,
            key_store_id: row.get(1)?,
            cluster_id: row.get(2)?,
            hsm_reference: row.get(3)?,
            description: row.get(4)?,
            created_at: row.get(5)?,
            desired_enabled: row.get(6)?,
            deletion_date: row.get(7)?,
            pending_window_days: row.get(8)?,
            store_state: ConnectionState::Disconnected,
        },
        row.get(9)?,
    ))
}

fn finish((mut row, state): (KmsKeyRow, String)) -> Result<KmsKeyRow> {
    row.store_state = ConnectionState::parse(&state).ok_or_else(|| Error::State {
        message: format!(
            "key store {} has an unknown state {state}",
            row.key_store_id
        ),
    })?;
    Ok(row)
}

/// The key `key_id` names (a key ID or a key ARN), or `NotFoundException`.
pub fn require(tx: &Transaction<'_>, key_id: &str) -> Result<KmsKeyRow> {
    let id = key_id
        .strip_prefix(&key_arn(""))
        .unwrap_or(key_id)
        .to_owned();
    let row = tx
        .prepare_cached(&format!("{SELECT} WHERE k.key_id = ?1"))?
        .query_row([&id], from_row)
        .optional()?;
    match row {
        Some(row) => finish(row),
        None => Err(kms_error(
            "NotFoundException",
            format!("Key '{}' does not exist", key_arn(&id)),
        )),
    }
}

/// Every key, oldest first.
fn all(tx: &Transaction<'_>) -> Result<Vec<KmsKeyRow>> {
    let rows = tx
        .prepare_cached(&format!("{SELECT} ORDER BY k.created_at, k.rowid"))?
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(finish).collect()
}

pub fn validate_create(request: &CreateKeyRequest<'_>) -> Result<()> {
    custom_key_store_id(request.custom_key_store_id)?;
    length(request.description, "description", 0, 8192)?;
    if request.origin != ORIGIN_AWS_CLOUDHSM {
        return Err(kms_error(
            "UnsupportedOperationException",
            format!(
                "A key in a CloudHSM key store needs Origin AWS_CLOUDHSM, not {}",
                request.origin
            ),
        ));
    }
    for (given, wanted, member) in [
        (request.key_spec, SYMMETRIC_DEFAULT, "KeySpec"),
        (request.key_usage, ENCRYPT_DECRYPT, "KeyUsage"),
    ] {
        if given != wanted {
            return Err(kms_error(
                "UnsupportedOperationException",
                format!("{member} {given} is not supported in a custom key store: use {wanted}"),
            ));
        }
    }
    if request.multi_region {
        return Err(kms_error(
            "UnsupportedOperationException",
            "Multi-Region keys are not supported in a custom key store",
        ));
    }
    Ok(())
}

/// CreateKey: a CONNECTED store on a cluster with 2 ACTIVE HSMs in different zones; the
/// kmsuser-owned HSM key is made in the same transaction as the row.
pub fn create(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    request: &CreateKeyRequest<'_>,
) -> Result<KeyMetadataResponse> {
    let store = stores::require(tx, request.custom_key_store_id)?;
    require_connected(&store, "keys can be created only in a CONNECTED store")?;
    ClusterFacts::require(tx, store.cluster_id())?.require_configuration(2, false)?;
    let mut ids = IdGenerator::begin(tx, env.seed)?;
    let key_id = ids.kms_key_id();
    let reference =
        key_material::generate(tx, env, &mut ids, store.cluster_id(), &key_arn(&key_id))?;
    tx.prepare_cached(
        "INSERT INTO kms_keys (key_id, key_store_id, hsm_reference, description, created_at,
             desired_enabled)
         VALUES (?1, ?2, ?3, ?4, ?5, 1)",
    )?
    .execute(params![
        key_id,
        store.id(),
        reference,
        request.description,
        env.now
    ])?;
    let row = require(tx, &key_id)?;
    Ok(KeyMetadataResponse {
        key_metadata: row.metadata(),
    })
}

pub fn require_connected(store: &StoreRow, rule: &str) -> Result<()> {
    if store.state() == ConnectionState::Connected {
        Ok(())
    } else {
        Err(store.invalid_state(rule))
    }
}

pub fn describe(tx: &Transaction<'_>, key_id: &str) -> Result<KeyMetadataResponse> {
    Ok(KeyMetadataResponse {
        key_metadata: require(tx, key_id)?.metadata(),
    })
}

/// Keys in creation order; a marker is the ID of the first key of the next page.
pub fn list(
    tx: &Transaction<'_>,
    limit: Option<i64>,
    page_marker: Option<&str>,
) -> Result<ListKeysResponse> {
    let rows = all(tx)?;
    let start = match page_marker {
        None => 0,
        Some(wanted) => rows
            .iter()
            .position(|row| row.key_id == wanted)
            .ok_or_else(|| {
                kms_error(
                    "InvalidMarkerException",
                    format!("The marker {wanted} was not issued by this call or is stale"),
                )
            })?,
    };
    let limit = limit.map_or(usize::MAX, |limit| limit as usize);
    let page: Vec<&KmsKeyRow> = rows.iter().skip(start).take(limit).collect();
    let next = rows.get(start + page.len()).map(|row| row.key_id.clone());
    Ok(ListKeysResponse {
        keys: page
            .into_iter()
            .map(|row| KeyListEntry {
                key_id: row.key_id.clone(),
                key_arn: row.arn(),
            })
            .collect(),
        truncated: next.is_some(),
        next_marker: next,
    })
}

/// ScheduleKeyDeletion's member constraints.
pub fn validate_schedule(key: &str, window: Option<i64>) -> Result<()> {
    key_id(key)?;
    window.map_or(Ok(()), |days| within(days, "pendingWindowInDays", 7, 30))
}

/// ScheduleKeyDeletion: allowed in every state but PendingDeletion, Unavailable included.
pub fn schedule_deletion(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    key_id: &str,
    window: Option<i64>,
) -> Result<ScheduleDeletionResponse> {
    let window = window.unwrap_or(DEFAULT_PENDING_WINDOW_DAYS);
    let row = require(tx, key_id)?;
    if row.state() == KeyState::PendingDeletion {
        return Err(row.invalid_state("."));
    }
    let deletion_date = env.now + window * SECONDS_PER_DAY;
    tx.prepare_cached(
        "UPDATE kms_keys SET deletion_date = ?2, pending_window_days = ?3 WHERE key_id = ?1",
    )?
    .execute(params![row.key_id, deletion_date, window])?;
    Ok(ScheduleDeletionResponse {
        key_id: row.arn(),
        deletion_date,
        key_state: KeyState::PendingDeletion,
        pending_window_in_days: window,
    })
}

/// Deletes the keys whose waiting period has ended. As KMS makes a best effort to delete the HSM
/// key, it does so when the store is CONNECTED to a cluster with an active HSM; otherwise the
/// HSM key stays in the cluster, orphaned (spec §2.9), and `key list` as kmsuser still shows it.
pub fn delete_expired(tx: &Transaction<'_>, env: &Env<'_>) -> Result<()> {
    let expired = tx
        .prepare_cached(&format!(
            "{SELECT} WHERE k.deletion_date IS NOT NULL AND k.deletion_date <= ?1"
        ))?
        .query_map([env.now], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for row in expired {
        let row = finish(row)?;
        if row.store_state == ConnectionState::Connected
            && ClusterFacts::reachable(tx, &row.cluster_id)?
            && let Some(backing) = key_material::backing_key(tx, &row)?
        {
            keys::delete(tx, &row.cluster_id, backing.key.key_reference)?;
        }
        tx.prepare_cached("DELETE FROM kms_keys WHERE key_id = ?1")?
            .execute([&row.key_id])?;
    }
    Ok(())
}

/// When the next key pending deletion is due to go, if any.
pub fn next_deletion(tx: &Transaction<'_>) -> Result<Option<i64>> {
    let due = tx
        .prepare_cached("SELECT min(deletion_date) FROM kms_keys WHERE deletion_date IS NOT NULL")?
        .query_row([], |row| row.get(0))?;
    Ok(due)
}

/// CancelKeyDeletion: the key comes back Disabled, as in AWS.
pub fn cancel_deletion(tx: &Transaction<'_>, key_id: &str) -> Result<CancelDeletionResponse> {
    let row = require(tx, key_id)?;
    if row.state() != KeyState::PendingDeletion {
        return Err(row.invalid_state(": only a key pending deletion can have it cancelled"));
    }
    tx.prepare_cached(
        "UPDATE kms_keys SET deletion_date = NULL, pending_window_days = NULL,
             desired_enabled = 0
         WHERE key_id = ?1",
    )?
    .execute([&row.key_id])?;
    Ok(CancelDeletionResponse { key_id: row.arn() })
}

/// EnableKey and DisableKey set the desired flag; an Unavailable key shows it on reconnect.
pub fn set_enabled(tx: &Transaction<'_>, key_id: &str, enabled: bool) -> Result<()> {
    let row = require(tx, key_id)?;
    if row.state() == KeyState::PendingDeletion {
        return Err(row.invalid_state("."));
    }
    tx.prepare_cached("UPDATE kms_keys SET desired_enabled = ?2 WHERE key_id = ?1")?
        .execute(params![row.key_id, enabled])?;
    Ok(())
}

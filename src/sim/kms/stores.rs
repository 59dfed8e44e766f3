//! Rows of `custom_key_stores`: reading them as list entries and changing their state.

use crate::backend::kms::{
    ConnectionErrorCode, ConnectionState, CustomKeyStoresListEntry, kms_error,
};
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// `CustomKeyStoreType` of every store this model holds.
pub const CLOUDHSM_TYPE: &str = "AWS_CLOUDHSM";

/// One key store row, the sealed password aside.
#[derive(Clone, Debug)]
pub struct StoreRow {
    pub entry: CustomKeyStoresListEntry,
    pub cluster_certificate_pem: String,
    pub ever_connected: bool,
    pub due_at: Option<i64>,
}

impl StoreRow {
    pub fn id(&self) -> &str {
        &self.entry.custom_key_store_id
    }

    pub fn state(&self) -> ConnectionState {
        self.entry.connection_state
    }

    pub fn cluster_id(&self) -> &str {
        &self.entry.cloud_hsm_cluster_id
    }

    /// `CustomKeyStoreInvalidStateException` naming the state (and error code) and the rule.
    pub fn invalid_state(&self, rule: &str) -> Error {
        let code = self
            .entry
            .connection_error_code
            .map(|code| format!(" ({})", code.as_str()))
            .unwrap_or_default();
        kms_error(
            "CustomKeyStoreInvalidStateException",
            format!(
                "Custom key store {} is {}{code}: {rule}",
                self.id(),
                self.state().as_str()
            ),
        )
    }
}

const COLUMNS: &str = "key_store_id, name, cluster_id, trust_anchor_pem, connection_state, \
                       error_code, created_at, cluster_certificate_pem, ever_connected, due_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(StoreRow, String, Option<String>)> {
    let state: String = row.get(4)?;
    let code: Option<String> = row.get(5)?;
    Ok((
        StoreRow {
            entry: CustomKeyStoresListEntry {
                custom_key_store_id: row.get(0)?,
                custom_key_store_name: row.get(1)?,
                cloud_hsm_cluster_id: row.get(2)?,
                trust_anchor_certificate: row.get(3)?,
                connection_state: ConnectionState::Disconnected,
                connection_error_code: None,
                creation_date: row.get(6)?,
                custom_key_store_type: CLOUDHSM_TYPE,
            },
            cluster_certificate_pem: row.get(7)?,
            ever_connected: row.get(8)?,
            due_at: row.get(9)?,
        },
        state,
        code,
    ))
}

fn finish(parts: (StoreRow, String, Option<String>)) -> Result<StoreRow> {
    let (mut row, state, code) = parts;
    row.entry.connection_state = ConnectionState::parse(&state).ok_or_else(|| Error::State {
        message: format!("key store {} has an unknown state {state}", row.id()),
    })?;
    row.entry.connection_error_code = code
        .map(|code| {
            ConnectionErrorCode::parse(&code).ok_or_else(|| Error::State {
                message: format!("key store {} has an unknown error code {code}", row.id()),
            })
        })
        .transpose()?;
    Ok(row)
}

/// Every store, oldest first.
pub fn all(tx: &Transaction<'_>) -> Result<Vec<StoreRow>> {
    let rows = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM custom_key_stores ORDER BY created_at, rowid"
        ))?
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(finish).collect()
}

pub fn find(tx: &Transaction<'_>, id: &str) -> Result<Option<StoreRow>> {
    let row = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM custom_key_stores WHERE key_store_id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?;
    row.map(finish).transpose()
}

/// The store `id`, or `CustomKeyStoreNotFoundException`.
pub fn require(tx: &Transaction<'_>, id: &str) -> Result<StoreRow> {
    find(tx, id)?.ok_or_else(|| not_found(&format!("ID {id}")))
}

pub fn not_found(what: &str) -> Error {
    kms_error(
        "CustomKeyStoreNotFoundException",
        format!("No custom key store with {what} exists in this account and Region"),
    )
}

pub fn sealed_password(tx: &Transaction<'_>, id: &str) -> Result<Vec<u8>> {
    let sealed = tx
        .prepare_cached("SELECT sealed_password FROM custom_key_stores WHERE key_store_id = ?1")?
        .query_row([id], |row| row.get(0))?;
    Ok(sealed)
}

pub fn set_sealed_password(tx: &Transaction<'_>, id: &str, sealed: &[u8]) -> Result<()> {
    tx.prepare_cached("UPDATE custom_key_stores SET sealed_password = ?2 WHERE key_store_id = ?1")?
        .execute(params![id, sealed])?;
    Ok(())
}

/// Moves a store to `state`, with its error code (kept only for `FAILED`) and due time.
pub fn set_state(
    tx: &Transaction<'_>,
    id: &str,
    state: ConnectionState,
    code: Option<ConnectionErrorCode>,
    due_at: Option<i64>,
) -> Result<()> {
    let code = code
        .filter(|_| state == ConnectionState::Failed)
        .map(ConnectionErrorCode::as_str);
    tx.prepare_cached(
        "UPDATE custom_key_stores
         SET connection_state = ?2, error_code = ?3, due_at = ?4,
             ever_connected = ever_connected OR ?2 = 'CONNECTED'
         WHERE key_store_id = ?1",
    )?
    .execute(params![id, state.as_str(), code, due_at])?;
    Ok(())
}

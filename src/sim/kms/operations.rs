//! The six custom key store operations with the checks, order and state rules of the spec
//! (§2.1-§2.6, §3.1).

use super::cluster_facts::{ClusterFacts, require_trust_anchor};
use super::connection::{self, Env, open_password, seal_password};
use super::stores::{self, StoreRow};
use crate::backend::kms::custom_key_store_id;
use crate::backend::kms::{
    ConnectionState, CreateRequest, CreateResponse, DescribeRequest, DescribeResponse,
    UpdateRequest, kms_error, length, page_request, validate_cluster_id, validate_password,
};
use crate::error::Result;
use crate::sim::ids::IdGenerator;
use crate::sim::logins;
use rusqlite::{Transaction, params};

/// The default custom key store quota per account and Region.
pub const KEY_STORE_QUOTA: usize = 10;

pub fn validate_create(request: &CreateRequest<'_>) -> Result<()> {
    length(request.name, "customKeyStoreName", 1, 256)?;
    validate_cluster_id(request.cluster_id, "cloudHsmClusterId")?;
    length(request.trust_anchor_pem, "trustAnchorCertificate", 1, 5000)?;
    validate_password(request.password)
}

pub fn create(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    request: &CreateRequest<'_>,
) -> Result<CreateResponse> {
    let existing = stores::all(tx)?;
    // Idempotent retry: an identical, never-connected, disconnected store.
    for row in &existing {
        if row.entry.custom_key_store_name == request.name
            && row.cluster_id() == request.cluster_id
            && row.entry.trust_anchor_certificate.trim() == request.trust_anchor_pem.trim()
            && row.state() == ConnectionState::Disconnected
            && !row.ever_connected
            && open_password(env.vault, tx, row.id())?.expose() == request.password.expose()
        {
            return Ok(CreateResponse {
                custom_key_store_id: row.id().to_owned(),
            });
        }
    }
    if existing
        .iter()
        .any(|row| row.entry.custom_key_store_name == request.name)
    {
        return Err(name_in_use(request.name));
    }
    if existing.len() >= KEY_STORE_QUOTA {
        return Err(kms_error(
            "LimitExceededException",
            format!(
                "This account and Region already have {KEY_STORE_QUOTA} custom key stores, the \
                 quota: delete one first"
            ),
        ));
    }
    let facts = ClusterFacts::require(tx, request.cluster_id)?;
    facts.require_active()?;
    if let Some(user) = existing.iter().find(|row| {
        row.cluster_id() == request.cluster_id || row.cluster_certificate_pem == facts.certificate()
    }) {
        return Err(kms_error(
            "CloudHsmClusterInUseException",
            format!(
                "The AWS CloudHSM cluster {} (or a cluster sharing its backup history) is \
                 already associated with custom key store {}",
                request.cluster_id,
                user.id()
            ),
        ));
    }
    require_trust_anchor(&facts, request.trust_anchor_pem)?;
    facts.require_configuration(2, true)?;
    let id = IdGenerator::begin(tx, env.seed)?.custom_key_store_id();
    tx.prepare_cached(
        "INSERT INTO custom_key_stores (key_store_id, name, cluster_id, trust_anchor_pem,
             cluster_certificate_pem, sealed_password, connection_state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'DISCONNECTED', ?7)",
    )?
    .execute(params![
        id,
        request.name,
        request.cluster_id,
        request.trust_anchor_pem,
        facts.certificate(),
        seal_password(env.vault, &id, request.password)?,
        env.now
    ])?;
    Ok(CreateResponse {
        custom_key_store_id: id,
    })
}

fn name_in_use(name: &str) -> crate::error::Error {
    kms_error(
        "CustomKeyStoreNameInUseException",
        format!("The custom key store name {name} is already in use in this account and Region"),
    )
}

pub fn validate_describe(request: &DescribeRequest<'_>) -> Result<()> {
    if let Some(id) = request.id {
        custom_key_store_id(id)?;
    }
    if let Some(name) = request.name {
        length(name, "customKeyStoreName", 1, 256)?;
    }
    if request.id.is_some() && request.name.is_some() {
        return Err(kms_error(
            "ValidationException",
            "1 validation error detected: give CustomKeyStoreId or CustomKeyStoreName, not both",
        ));
    }
    page_request(request.limit, request.marker)
}

/// Stores in creation order, one page at a time. A marker is the ID of the first store of the
/// next page.
pub fn describe(tx: &Transaction<'_>, request: &DescribeRequest<'_>) -> Result<DescribeResponse> {
    let mut rows = stores::all(tx)?;
    if let Some(id) = request.id {
        rows.retain(|row| row.id() == id);
        if rows.is_empty() {
            return Err(stores::not_found(&format!("ID {id}")));
        }
    }
    if let Some(name) = request.name {
        rows.retain(|row| row.entry.custom_key_store_name == name);
        if rows.is_empty() {
            return Err(stores::not_found(&format!("name {name}")));
        }
    }
    let start = match request.marker {
        None => 0,
        Some(marker) => rows
            .iter()
            .position(|row| row.id() == marker)
            .ok_or_else(|| {
                kms_error(
                    "InvalidMarkerException",
                    format!("The marker {marker} was not issued by this call or is stale"),
                )
            })?,
    };
    let limit = request.limit.map_or(usize::MAX, |limit| limit as usize);
    let page: Vec<StoreRow> = rows.iter().skip(start).take(limit).cloned().collect();
    let next = rows.get(start + page.len()).map(|row| row.id().to_owned());
    Ok(DescribeResponse {
        custom_key_stores: page.into_iter().map(|row| row.entry).collect(),
        truncated: next.is_some(),
        next_marker: next,
    })
}

pub fn validate_update(request: &UpdateRequest<'_>) -> Result<()> {
    custom_key_store_id(request.id)?;
    if let Some(name) = request.new_name {
        length(name, "newCustomKeyStoreName", 1, 256)?;
    }
    if let Some(password) = request.password {
        validate_password(password)?;
    }
    if let Some(cluster_id) = request.cluster_id {
        validate_cluster_id(cluster_id, "cloudHsmClusterId")?;
    }
    Ok(())
}

pub fn update(tx: &Transaction<'_>, env: &Env<'_>, request: &UpdateRequest<'_>) -> Result<()> {
    let row = stores::require(tx, request.id)?;
    if request.new_name.is_none() && request.password.is_none() && request.cluster_id.is_none() {
        return Ok(());
    }
    if let Some(name) = request.new_name
        && stores::all(tx)?
            .iter()
            .any(|other| other.id() != row.id() && other.entry.custom_key_store_name == name)
    {
        return Err(name_in_use(name));
    }
    let name_only = request.password.is_none() && request.cluster_id.is_none();
    match (row.state(), name_only) {
        (ConnectionState::Disconnected, _) | (ConnectionState::Connected, true) => {}
        (_, true) => {
            return Err(row.invalid_state(
                "the name can be changed only while the store is CONNECTED or DISCONNECTED",
            ));
        }
        (_, false) => {
            return Err(row.invalid_state(
                "the password and the cluster can be changed only while the store is \
                 DISCONNECTED: disconnect it first",
            ));
        }
    }
    if let Some(cluster_id) = request.cluster_id {
        let facts = ClusterFacts::require(tx, cluster_id)?;
        if facts.certificate() != row.cluster_certificate_pem {
            return Err(kms_error(
                "CloudHsmClusterNotRelatedException",
                format!(
                    "The AWS CloudHSM cluster {cluster_id} does not share the backup history \
                     (cluster certificate) of cluster {}",
                    row.cluster_id()
                ),
            ));
        }
        facts.require_active()?;
        facts.require_configuration(2, true)?;
        tx.prepare_cached("UPDATE custom_key_stores SET cluster_id = ?2 WHERE key_store_id = ?1")?
            .execute(params![row.id(), cluster_id])?;
    }
    if let Some(name) = request.new_name {
        tx.prepare_cached("UPDATE custom_key_stores SET name = ?2 WHERE key_store_id = ?1")?
            .execute(params![row.id(), name])?;
    }
    if let Some(password) = request.password {
        stores::set_sealed_password(tx, row.id(), &seal_password(env.vault, row.id(), password)?)?;
    }
    Ok(())
}

pub fn delete(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let row = stores::require(tx, id)?;
    if row.state() != ConnectionState::Disconnected {
        return Err(
            row.invalid_state("only a DISCONNECTED store can be deleted: disconnect it first")
        );
    }
    let keys: i64 = tx
        .prepare_cached("SELECT count(*) FROM kms_keys WHERE key_store_id = ?1")?
        .query_row([id], |row| row.get(0))?;
    if keys > 0 {
        return Err(kms_error(
            "CustomKeyStoreHasCMKsException",
            format!("Custom key store {id} still holds {keys} KMS key(s): delete them first"),
        ));
    }
    tx.prepare_cached("DELETE FROM custom_key_stores WHERE key_store_id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Connect: the fast checks (cluster state, security group, at least one active HSM) raise
/// at once; everything else runs when the connection is due.
pub fn connect(tx: &Transaction<'_>, env: &Env<'_>, id: &str) -> Result<()> {
    let row = stores::require(tx, id)?;
    match row.state() {
        ConnectionState::Connected | ConnectionState::Connecting => return Ok(()),
        ConnectionState::Failed => {
            return Err(row.invalid_state("disconnect the store before connecting it again"));
        }
        ConnectionState::Disconnecting => {
            return Err(row.invalid_state("wait until it is DISCONNECTED, then connect it"));
        }
        ConnectionState::Disconnected => {}
    }
    // A missing cluster is not a fast failure: it ends in FAILED with CLUSTER_NOT_FOUND.
    if let Some(facts) = ClusterFacts::load(tx, row.cluster_id())? {
        facts.require_active()?;
        facts.require_configuration(1, false)?;
    }
    let (delay, _) = connection::delays(tx)?;
    // With no delay the connection is due at once: the next key store call (of any process)
    // finishes it, so a fault injected between the connect and that call still counts.
    stores::set_state(
        tx,
        id,
        ConnectionState::Connecting,
        None,
        Some(env.now + delay),
    )
}

/// Disconnect: KMS logs out of the cluster at once (the `kmsuser` login is released); the
/// store is DISCONNECTING until its delay has passed.
pub fn disconnect(tx: &Transaction<'_>, env: &Env<'_>, id: &str) -> Result<()> {
    let row = stores::require(tx, id)?;
    if matches!(
        row.state(),
        ConnectionState::Disconnected | ConnectionState::Disconnecting
    ) {
        return Err(row.invalid_state("it is not connected"));
    }
    logins::remove_for_store(tx, id)?;
    let (_, delay) = connection::delays(tx)?;
    stores::set_state(
        tx,
        id,
        ConnectionState::Disconnecting,
        None,
        Some(env.now + delay),
    )
}

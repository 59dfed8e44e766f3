//! Mutual TLS state of the simulated clusters: the trust anchors each registers and its
//! enforcement level, and whether a shell's client certificate may connect.

use crate::backend::hsm::mtls::{ClientIdentity, Enforcement, TrustAnchor, pem_certificates};
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Transaction, params};

pub fn anchors(tx: &Transaction<'_>, cluster_id: &str) -> Result<Vec<TrustAnchor>> {
    let mut statement = tx.prepare_cached(
        "SELECT reference, pem FROM trust_anchors WHERE cluster_id = ?1 ORDER BY reference",
    )?;
    let rows = statement
        .query_map([cluster_id], |row| {
            Ok(TrustAnchor::new(row.get::<_, i64>(0)? as u64, row.get(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Adds an anchor under the lowest free reference (from 1); its reference.
pub fn add_anchor(tx: &Transaction<'_>, cluster_id: &str, pem: &str) -> Result<u64> {
    let taken: Vec<i64> = tx
        .prepare_cached("SELECT reference FROM trust_anchors WHERE cluster_id = ?1")?
        .query_map([cluster_id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let reference = (1..)
        .find(|reference| !taken.contains(reference))
        .unwrap_or(1);
    tx.prepare_cached(
        "INSERT INTO trust_anchors (cluster_id, reference, pem) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![cluster_id, reference, pem])?;
    Ok(reference as u64)
}

/// Removes an anchor; whether there was one.
pub fn remove_anchor(tx: &Transaction<'_>, cluster_id: &str, reference: u64) -> Result<bool> {
    Ok(tx
        .prepare_cached("DELETE FROM trust_anchors WHERE cluster_id = ?1 AND reference = ?2")?
        .execute(params![cluster_id, reference as i64])?
        > 0)
}

pub fn enforcement(tx: &Transaction<'_>, cluster_id: &str) -> Result<Enforcement> {
    let level: Option<String> = tx
        .prepare_cached("SELECT mtls_enforcement FROM clusters WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| row.get(0))
        .optional()?;
    Ok(level
        .as_deref()
        .and_then(Enforcement::parse)
        .unwrap_or(Enforcement::None))
}

pub fn set_enforcement(tx: &Transaction<'_>, cluster_id: &str, level: Enforcement) -> Result<()> {
    tx.prepare_cached("UPDATE clusters SET mtls_enforcement = ?2 WHERE cluster_id = ?1")?
        .execute(params![cluster_id, level.as_str()])?;
    Ok(())
}

/// Whether `identity` chains to one of the cluster's anchors.
pub fn accepts(
    tx: &Transaction<'_>,
    cluster_id: &str,
    identity: Option<&ClientIdentity>,
) -> Result<bool> {
    let Some(identity) = identity else {
        return Ok(false);
    };
    let mut anchor_certificates = Vec::new();
    for anchor in anchors(tx, cluster_id)? {
        anchor_certificates.extend(pem_certificates(&anchor.certificate, "trust anchor")?);
    }
    Ok(identity.chains_to(&anchor_certificates))
}

/// Refuses a shell a cluster that enforces mTLS would not let connect.
pub fn check_connection(
    tx: &Transaction<'_>,
    cluster_id: &str,
    identity: Option<&ClientIdentity>,
) -> Result<()> {
    if enforcement(tx, cluster_id)? == Enforcement::None || accepts(tx, cluster_id, identity)? {
        return Ok(());
    }
    Err(Error::MtlsRefused {
        cluster_id: cluster_id.to_owned(),
        reason: if identity.is_some() {
            "the client certificate this shell presented does not chain to a registered trust \
             anchor"
        } else {
            "this shell presented no client certificate: start it with --client-cert FILE \
             --client-key FILE"
        },
    })
}

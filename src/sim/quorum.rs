//! Quorum state of the simulated clusters: registered quorum keys, per-service quorum values,
//! token lifetimes and the tokens generated, and the checks an approval must pass before a
//! protected operation runs (in the operation's own transaction, so a refusal uses nothing).

use crate::backend::hsm::Login;
use crate::backend::hsm::quorum::{
    Approval, QuorumService, QuorumTimeouts, QuorumValues, SignedRegistration, TokenEntry,
    token_digest,
};
use crate::error::{Error, Result};
use crate::sim::clock;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use rusqlite::{OptionalExtension, Transaction, params};

/// Tokens live 10 minutes unless `set-timeout` says otherwise.
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 600;

/// The public key (SubjectPublicKeyInfo DER) `username` registered for quorum, if any.
pub fn registered_key(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
) -> Result<Option<Vec<u8>>> {
    Ok(tx
        .prepare_cached(
            "SELECT public_key FROM quorum_keys WHERE cluster_id = ?1 AND username = ?2",
        )?
        .query_row([cluster_id, username], |row| row.get(0))
        .optional()?)
}

pub fn register_key(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    public_key: &[u8],
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO quorum_keys (cluster_id, username, public_key) VALUES (?1, ?2, ?3)
         ON CONFLICT (cluster_id, username) DO UPDATE SET public_key = excluded.public_key",
    )?
    .execute(params![cluster_id, username, public_key])?;
    Ok(())
}

/// Drops `username`'s quorum registration (a password change does, as on a real cluster).
pub fn deregister_key(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM quorum_keys WHERE cluster_id = ?1 AND username = ?2")?
        .execute([cluster_id, username])?;
    Ok(())
}

pub fn values(tx: &Transaction<'_>, cluster_id: &str) -> Result<QuorumValues> {
    let value = |service: QuorumService| -> Result<u8> {
        Ok(tx
            .prepare_cached(
                "SELECT value FROM quorum_values WHERE cluster_id = ?1 AND service = ?2",
            )?
            .query_row([cluster_id, service.as_str()], |row| row.get(0))
            .optional()?
            .unwrap_or(1))
    };
    Ok(QuorumValues {
        user: value(QuorumService::User)?,
        quorum: value(QuorumService::Quorum)?,
    })
}

fn value_of(values: QuorumValues, service: QuorumService) -> u8 {
    match service {
        QuorumService::User => values.user,
        QuorumService::Quorum => values.quorum,
        QuorumService::Registration => 1,
    }
}

pub fn set_value(
    tx: &Transaction<'_>,
    cluster_id: &str,
    service: QuorumService,
    value: u8,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO quorum_values (cluster_id, service, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (cluster_id, service) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![cluster_id, service.as_str(), value])?;
    Ok(())
}

pub fn timeouts(tx: &Transaction<'_>, cluster_id: &str) -> Result<QuorumTimeouts> {
    Ok(tx
        .prepare_cached(
            "SELECT generated_timeout, approved_timeout FROM quorum_settings WHERE cluster_id = ?1",
        )?
        .query_row([cluster_id], |row| {
            Ok(QuorumTimeouts {
                generated: row.get(0)?,
                approved: row.get(1)?,
            })
        })
        .optional()?
        .unwrap_or(QuorumTimeouts {
            generated: DEFAULT_TIMEOUT_SECONDS,
            approved: DEFAULT_TIMEOUT_SECONDS,
        }))
}

pub fn set_timeouts(
    tx: &Transaction<'_>,
    cluster_id: &str,
    timeouts: QuorumTimeouts,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO quorum_settings (cluster_id, generated_timeout, approved_timeout)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (cluster_id) DO UPDATE SET generated_timeout = excluded.generated_timeout,
             approved_timeout = excluded.approved_timeout",
    )?
    .execute(params![cluster_id, timeouts.generated, timeouts.approved])?;
    Ok(())
}

/// Records a token `actor`'s login generated; refuses a second live one for an admin service.
pub fn insert_token(
    tx: &Transaction<'_>,
    cluster_id: &str,
    actor: &Login,
    service: QuorumService,
    approval_data: &[u8],
) -> Result<()> {
    let now = clock::now_unix(tx)?;
    let lifetime = timeouts(tx, cluster_id)?.generated;
    purge_expired(tx, cluster_id, now)?;
    if service.has_quorum_value() {
        let live: i64 = tx
            .prepare_cached(
                "SELECT count(*) FROM quorum_tokens
                 WHERE cluster_id = ?1 AND username = ?2 AND service = ?3",
            )?
            .query_row([cluster_id, &actor.username, service.as_str()], |row| {
                row.get(0)
            })?;
        if live > 0 {
            return Err(Error::QuorumRefused {
                reason: format!(
                    "{} already has a live token for the {} service: use it, let it expire, or \
                     quorum token-sign delete --scope user",
                    actor.username,
                    service.as_str()
                ),
            });
        }
    }
    tx.prepare_cached(
        "INSERT INTO quorum_tokens
             (cluster_id, digest, service, username, login_id, approval_data, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        cluster_id,
        token_digest(approval_data),
        service.as_str(),
        actor.username,
        actor.login_id,
        approval_data,
        now + lifetime
    ])?;
    Ok(())
}

fn purge_expired(tx: &Transaction<'_>, cluster_id: &str, now: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM quorum_tokens WHERE cluster_id = ?1 AND expires_at <= ?2")?
        .execute(params![cluster_id, now])?;
    Ok(())
}

/// Every live token of the cluster, oldest first.
pub fn list_tokens(tx: &Transaction<'_>, cluster_id: &str) -> Result<Vec<TokenEntry>> {
    let now = clock::now_unix(tx)?;
    let values = values(tx, cluster_id)?;
    let mut statement = tx.prepare_cached(
        "SELECT username, service, expires_at FROM quorum_tokens
         WHERE cluster_id = ?1 AND expires_at > ?2 ORDER BY rowid",
    )?;
    let rows = statement
        .query_map(params![cluster_id, now], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(username, service, expires_at)| {
            let service = QuorumService::parse(&service)?;
            Some(TokenEntry {
                username,
                service: service.as_str(),
                approvals_required: value_of(values, service),
                number_of_approvals: 0,
                token_timeout_seconds: expires_at - now,
                cluster_coverage: "full",
            })
        })
        .collect())
}

/// Deletes the tokens of `username`, or every user's (`None`); how many went.
pub fn delete_tokens(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: Option<&str>,
) -> Result<usize> {
    Ok(match username {
        Some(username) => tx
            .prepare_cached("DELETE FROM quorum_tokens WHERE cluster_id = ?1 AND username = ?2")?
            .execute([cluster_id, username])?,
        None => tx
            .prepare_cached("DELETE FROM quorum_tokens WHERE cluster_id = ?1")?
            .execute([cluster_id])?,
    })
}

/// Checks that `actor` may run an operation of `service` with `approval`, and uses the token
/// up when it does. Without an approval that is fine only while the service's quorum value is
/// 1. A refused approval leaves the token as it was.
pub fn authorize(
    tx: &Transaction<'_>,
    cluster_id: &str,
    actor: &Login,
    service: QuorumService,
    approval: Option<&Approval>,
) -> Result<()> {
    let required = value_of(values(tx, cluster_id)?, service);
    let Some(approval) = approval else {
        return if required > 1 {
            Err(Error::QuorumApprovalRequired)
        } else {
            Ok(())
        };
    };
    let refuse = |reason: String| Err(Error::QuorumRefused { reason });
    if approval.service != service.as_str() {
        return refuse(format!(
            "the approval is a token for the {} service, and this operation needs one for the {} \
             service",
            approval.service,
            service.as_str()
        ));
    }
    if token_digest(&approval.approval_data) != approval.token {
        return refuse("the token is not the SHA-256 of the approval data".to_owned());
    }
    let now = clock::now_unix(tx)?;
    let Some(TokenRow {
        service: token_service,
        owner,
        login_id,
        expires_at,
    }) = find_token(tx, cluster_id, &approval.token)?
    else {
        return refuse(
            "the cluster has no such token: it was used, deleted, or never generated here"
                .to_owned(),
        );
    };
    if token_service != service.as_str() {
        return refuse(format!(
            "the token was generated for the {token_service} service"
        ));
    }
    if owner != actor.username || login_id != actor.login_id {
        return refuse(
            "the token belongs to another login session: generate one in this session".to_owned(),
        );
    }
    if expires_at <= now {
        return refuse(format!(
            "the token expired {} s ago: generate another",
            now - expires_at
        ));
    }
    let mut approvers: Vec<&str> = Vec::new();
    for (username, signature) in &approval.signatures {
        if approvers.contains(&username.as_str()) {
            return refuse(format!("{username} signed the token twice"));
        }
        if !is_admin(tx, cluster_id, username)? {
            return refuse(format!(
                "{username} is not an admin of the cluster, and only admins approve the {} service",
                service.as_str()
            ));
        }
        let Some(public_key) = registered_key(tx, cluster_id, username)? else {
            return refuse(format!("{username} has no registered quorum key"));
        };
        if !verifies(&public_key, &approval.approval_data, signature) {
            return refuse(format!(
                "InvalidQuorumSignature: the signature of {username} does not verify with the \
                 quorum key registered for it"
            ));
        }
        approvers.push(username);
    }
    if approvers.len() < usize::from(required) {
        return Err(Error::QuorumApprovalRequired);
    }
    delete_token(tx, cluster_id, &approval.token)
}

/// Checks a registration token file `actor` signed with the key it registers, and uses the
/// tokens up: every token must be one this login generated for registration, and signed.
pub fn consume_registration(
    tx: &Transaction<'_>,
    cluster_id: &str,
    actor: &Login,
    public_key: &[u8],
    tokens: &[SignedRegistration],
) -> Result<()> {
    let refuse = |reason: String| Err(Error::QuorumRefused { reason });
    if tokens.is_empty() {
        return refuse("the signed token file holds no token".to_owned());
    }
    let now = clock::now_unix(tx)?;
    for token in tokens {
        let (approval_data, unsigned, signed) =
            (&token.approval_data, &token.digest, &token.signature);
        if &token_digest(approval_data) != unsigned {
            return refuse("a token is not the SHA-256 of its approval data".to_owned());
        }
        match find_token(tx, cluster_id, unsigned)? {
            Some(row)
                if row.service == QuorumService::Registration.as_str()
                    && row.owner == actor.username
                    && row.login_id == actor.login_id
                    && row.expires_at > now => {}
            Some(_) => {
                return refuse(
                    "the token is not a live registration token of this login session: run \
                     quorum token-sign generate --service registration in this session"
                        .to_owned(),
                );
            }
            None => {
                return refuse(
                    "the cluster has no such registration token: it was used, deleted, or \
                     never generated here"
                        .to_owned(),
                );
            }
        }
        if !verifies(public_key, approval_data, signed) {
            return refuse(
                "InvalidQuorumSignature: a token is not signed by the private key of the \
                 public key given"
                    .to_owned(),
            );
        }
    }
    for token in tokens {
        delete_token(tx, cluster_id, &token.digest)?;
    }
    Ok(())
}

/// What the cluster keeps of a token, found by its digest.
struct TokenRow {
    service: String,
    owner: String,
    login_id: i64,
    expires_at: i64,
}

fn find_token(tx: &Transaction<'_>, cluster_id: &str, digest: &[u8]) -> Result<Option<TokenRow>> {
    Ok(tx
        .prepare_cached(
            "SELECT service, username, login_id, expires_at FROM quorum_tokens
             WHERE cluster_id = ?1 AND digest = ?2",
        )?
        .query_row(params![cluster_id, digest], |row| {
            Ok(TokenRow {
                service: row.get(0)?,
                owner: row.get(1)?,
                login_id: row.get(2)?,
                expires_at: row.get(3)?,
            })
        })
        .optional()?)
}

/// Uses a token up.
fn delete_token(tx: &Transaction<'_>, cluster_id: &str, digest: &[u8]) -> Result<()> {
    tx.prepare_cached("DELETE FROM quorum_tokens WHERE cluster_id = ?1 AND digest = ?2")?
        .execute(params![cluster_id, digest])?;
    Ok(())
}

fn is_admin(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<bool> {
    let role: Option<String> = tx
        .prepare_cached("SELECT role FROM users WHERE cluster_id = ?1 AND username = ?2")?
        .query_row([cluster_id, username], |row| row.get(0))
        .optional()?;
    Ok(role.as_deref() == Some("admin"))
}

/// Whether `signature` is an RSA PKCS #1 v1.5 SHA-256 signature of `message` by `public_key`
/// (SubjectPublicKeyInfo DER): what `openssl pkeyutl -sign -pkeyopt digest:sha256` makes of the
/// message's digest.
pub fn verifies(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key)
        .verify(message, signature)
        .is_ok()
}

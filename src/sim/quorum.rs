//! Quorum state of the simulated clusters: registered quorum keys, per-service quorum values,
//! token lifetimes and the tokens generated, and the checks an approval must pass before a
//! protected operation runs (in the operation's own transaction, so a refusal uses nothing).

use crate::backend::hsm::Login;
use crate::backend::hsm::key::KeyReference;
use crate::backend::hsm::quorum::{
    Approval, QuorumService, QuorumTimeouts, QuorumValues, SignedHsmToken, TokenEntry, token_digest,
};
use crate::error::{Error, Result};
use crate::sim::keys::StoredKey;
use crate::sim::{clock, cluster};
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use rusqlite::{OptionalExtension, Transaction, params};

/// Tokens live 10 minutes unless `set-timeout` says otherwise.
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 600;

/// What a user's token-sign key is registered for: the two may be one key, or two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// Approving quorum tokens.
    Quorum,
    /// The second factor of the user's logins.
    Mfa,
}

impl KeyUse {
    fn column(self) -> &'static str {
        match self {
            KeyUse::Quorum => "quorum_key",
            KeyUse::Mfa => "mfa_key",
        }
    }
}

/// The public key (SubjectPublicKeyInfo DER) `username` registered for `key_use`, if any.
pub fn registered_key(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    key_use: KeyUse,
) -> Result<Option<Vec<u8>>> {
    let sql = format!(
        "SELECT {} FROM token_sign_keys WHERE cluster_id = ?1 AND username = ?2",
        key_use.column()
    );
    Ok(tx
        .prepare_cached(&sql)?
        .query_row([cluster_id, username], |row| {
            row.get::<_, Option<Vec<u8>>>(0)
        })
        .optional()?
        .flatten())
}

/// Whether `username` has an MFA key or a quorum key registered.
pub fn has_token_sign_key(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT 1 FROM token_sign_keys WHERE cluster_id = ?1 AND username = ?2
                 AND (mfa_key IS NOT NULL OR quorum_key IS NOT NULL)",
        )?
        .exists([cluster_id, username])?)
}

/// Registers `public_key` for `key_use`, or drops that registration (`None`).
pub fn set_key(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    key_use: KeyUse,
    public_key: Option<&[u8]>,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO token_sign_keys (cluster_id, username, {column}) VALUES (?1, ?2, ?3)
         ON CONFLICT (cluster_id, username) DO UPDATE SET {column} = excluded.{column}",
        column = key_use.column()
    );
    tx.prepare_cached(&sql)?
        .execute(params![cluster_id, username, public_key])?;
    Ok(())
}

/// The HSM type whose clusters have the `cluster` service (mTLS).
const CLUSTER_SERVICE_HSM_TYPE: &str = "hsm2m.medium";

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
        cluster: if has_cluster_service(tx, cluster_id)? {
            Some(value(QuorumService::Cluster)?)
        } else {
            None
        },
    })
}

/// Refuses the `cluster` service on a cluster that does not have it.
pub fn check_service_exists(
    tx: &Transaction<'_>,
    cluster_id: &str,
    service: QuorumService,
) -> Result<()> {
    if service == QuorumService::Cluster && !has_cluster_service(tx, cluster_id)? {
        return Err(Error::QuorumRefused {
            reason: format!(
                "the cluster service (mTLS) exists on {CLUSTER_SERVICE_HSM_TYPE} clusters only, \
                 and {cluster_id} is {}",
                cluster::hsm_type(tx, cluster_id)?.unwrap_or_default()
            ),
        });
    }
    Ok(())
}

fn has_cluster_service(tx: &Transaction<'_>, cluster_id: &str) -> Result<bool> {
    Ok(cluster::hsm_type(tx, cluster_id)?.as_deref() == Some(CLUSTER_SERVICE_HSM_TYPE))
}

fn value_of(values: QuorumValues, service: QuorumService) -> u8 {
    match service {
        QuorumService::User => values.user,
        QuorumService::Quorum => values.quorum,
        QuorumService::Cluster => values.cluster.unwrap_or(1),
        QuorumService::Registration | QuorumService::KeyUsage | QuorumService::KeyManagement => 1,
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
    key_reference: Option<KeyReference>,
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
    insert_row(
        tx,
        cluster_id,
        TokenKind::Service(service),
        &actor.username,
        actor.login_id,
        approval_data,
        now + lifetime,
        key_reference,
    )
}

/// What a stored token is for: a quorum service's approval (or a quorum key registration),
/// or an MFA challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Service(QuorumService),
    /// The second factor of one login of `username`.
    MfaLogin,
    /// Proof that the MFA key about to be registered for `username` is held.
    MfaRegistration,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Service(service) => service.as_str(),
            TokenKind::MfaLogin => "mfa-login",
            TokenKind::MfaRegistration => "mfa-registration",
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn insert_row(
    tx: &Transaction<'_>,
    cluster_id: &str,
    kind: TokenKind,
    username: &str,
    login_id: i64,
    approval_data: &[u8],
    expires_at: i64,
    key_reference: Option<KeyReference>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO quorum_tokens (cluster_id, digest, service, username, login_id,
             approval_data, expires_at, key_reference)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        cluster_id,
        token_digest(approval_data),
        kind.as_str(),
        username,
        login_id,
        approval_data,
        expires_at,
        key_reference.map(|reference| reference.0 as i64)
    ])?;
    Ok(())
}

/// Records an MFA challenge of `username` (one approval data per HSM) and returns the digests
/// to sign. A registration challenge belongs to the login (`login_id`) that asked for it; a
/// login challenge to no session (0).
pub fn insert_challenge(
    tx: &Transaction<'_>,
    cluster_id: &str,
    kind: TokenKind,
    username: &str,
    login_id: i64,
    approval_data: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>> {
    let now = clock::now_unix(tx)?;
    let lifetime = timeouts(tx, cluster_id)?.generated;
    purge_expired(tx, cluster_id, now)?;
    approval_data
        .iter()
        .map(|data| {
            insert_row(
                tx,
                cluster_id,
                kind,
                username,
                login_id,
                data,
                now + lifetime,
                None,
            )?;
            Ok(token_digest(data))
        })
        .collect()
}

fn purge_expired(tx: &Transaction<'_>, cluster_id: &str, now: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM quorum_tokens WHERE cluster_id = ?1 AND expires_at <= ?2")?
        .execute(params![cluster_id, now])?;
    Ok(())
}

/// Every live token of the cluster, oldest first; a key service's token needs the approvals
/// its key's value asks for.
pub fn list_tokens(tx: &Transaction<'_>, cluster_id: &str) -> Result<Vec<TokenEntry>> {
    let now = clock::now_unix(tx)?;
    let values = values(tx, cluster_id)?;
    let mut statement = tx.prepare_cached(
        "SELECT t.username, t.service, t.expires_at, k.manage_quorum, k.use_quorum
         FROM quorum_tokens AS t LEFT JOIN keys AS k
             ON k.cluster_id = t.cluster_id AND k.reference = t.key_reference
         WHERE t.cluster_id = ?1 AND t.expires_at > ?2 ORDER BY t.rowid",
    )?;
    let rows = statement
        .query_map(params![cluster_id, now], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, Option<u8>>(3)?,
                row.get::<_, Option<u8>>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // MFA challenges are not quorum tokens: their kinds parse into no service.
    Ok(rows
        .into_iter()
        .filter_map(|(username, service, expires_at, manage, use_)| {
            let service = QuorumService::parse(&service)?;
            let approvals_required = match service {
                QuorumService::KeyUsage => use_.unwrap_or(0).max(1),
                QuorumService::KeyManagement => manage.unwrap_or(0).max(1),
                _ => value_of(values, service),
            };
            Some(TokenEntry {
                username,
                service: service.as_str(),
                approvals_required,
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

/// Checks that `actor` may run an operation of an admin `service` with `approval`, and uses
/// the token up when it does. Without an approval that is fine only while the service's quorum
/// value is 1. A refused approval leaves the token as it was.
pub fn authorize(
    tx: &Transaction<'_>,
    cluster_id: &str,
    actor: &Login,
    service: QuorumService,
    approval: Option<&Approval>,
) -> Result<()> {
    let required = value_of(values(tx, cluster_id)?, service);
    check_approval(
        tx,
        cluster_id,
        actor,
        Protected {
            service,
            required,
            key: None,
        },
        approval,
    )
}

/// Checks an operation of a key service on `key` against the key's own quorum value (the use
/// value for key-usage, the manage value for key-management); approvers are the key's owner
/// and shared users. A key without quorum values needs no approval.
pub fn authorize_key(
    tx: &Transaction<'_>,
    cluster_id: &str,
    actor: &Login,
    service: QuorumService,
    key: &StoredKey,
    approval: Option<&Approval>,
) -> Result<()> {
    let required = key_value(key, service);
    if required <= 1 {
        return Ok(());
    }
    check_approval(
        tx,
        cluster_id,
        actor,
        Protected {
            service,
            required,
            key: Some(key),
        },
        approval,
    )
}

/// The quorum value of `key` for a key service: the use value for key-usage, the manage value
/// for key-management.
pub fn key_value(key: &StoredKey, service: QuorumService) -> u8 {
    let values = key.key.key_info.key_quorum_values;
    if service == QuorumService::KeyUsage {
        values.use_key_quorum_value
    } else {
        values.manage_key_quorum_value
    }
}

/// An operation a quorum protects: its service, how many approvals it needs, and the key a key
/// service's token must be for.
#[derive(Clone, Copy)]
struct Protected<'a> {
    service: QuorumService,
    required: u8,
    key: Option<&'a StoredKey>,
}

fn check_approval(
    tx: &Transaction<'_>,
    cluster_id: &str,
    actor: &Login,
    protected: Protected<'_>,
    approval: Option<&Approval>,
) -> Result<()> {
    let Protected {
        service,
        required,
        key,
    } = protected;
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
        key_reference,
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
    if let Some(key) = key
        && key_reference != Some(key.key.key_reference)
    {
        return refuse(format!(
            "the token is for {}, not for key {}",
            key_reference.map_or_else(
                || "no key".to_owned(),
                |reference| format!("key {reference}")
            ),
            key.key.key_reference
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
        match key {
            Some(key) => {
                let associated = key.owner == *username
                    || key
                        .key
                        .key_info
                        .shared_users
                        .iter()
                        .any(|user| user.username == *username);
                if !associated {
                    return refuse(format!(
                        "{username} is neither the owner of key {} nor a user it is shared with, \
                         who alone approve its {} service",
                        key.key.key_reference,
                        service.as_str()
                    ));
                }
            }
            None => {
                if !is_admin(tx, cluster_id, username)? {
                    return refuse(format!(
                        "{username} is not an admin of the cluster, and only admins approve the \
                         {} service",
                        service.as_str()
                    ));
                }
            }
        }
        let Some(public_key) = registered_key(tx, cluster_id, username, KeyUse::Quorum)? else {
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

/// Who the signed tokens of a per-HSM file must have been issued to.
#[derive(Clone, Copy, Debug)]
pub struct Challenge<'a> {
    pub kind: TokenKind,
    pub username: &'a str,
    pub login_id: i64,
    /// How many tokens were issued together: one per active HSM.
    pub tokens: usize,
}

/// Checks a per-HSM token file signed with `public_key` against the challenge it answers,
/// and uses the tokens up: every token must be live, issued for `challenge`, and signed. A
/// refusal (through `refuse`) uses nothing.
pub fn consume_signed_tokens(
    tx: &Transaction<'_>,
    cluster_id: &str,
    challenge: Challenge<'_>,
    public_key: &[u8],
    tokens: &[SignedHsmToken],
    refuse: impl Fn(String) -> Error,
) -> Result<()> {
    if tokens.len() != challenge.tokens {
        return Err(refuse(format!(
            "the signed token file holds {} token(s), and the cluster issued {} (one per HSM)",
            tokens.len(),
            challenge.tokens
        )));
    }
    let now = clock::now_unix(tx)?;
    for token in tokens {
        match find_token(tx, cluster_id, &token.digest)? {
            Some(row)
                if row.service == challenge.kind.as_str()
                    && row.owner == challenge.username
                    && row.login_id == challenge.login_id =>
            {
                if row.expires_at <= now {
                    return Err(refuse(format!(
                        "the token expired {} s ago: run the command again for new tokens",
                        now - row.expires_at
                    )));
                }
            }
            _ => {
                return Err(refuse(format!(
                    "a token is not one the cluster issued for this {}: it was used, expired, \
                     or belongs to another user or session",
                    match challenge.kind {
                        TokenKind::MfaLogin => "login",
                        _ => "registration",
                    }
                )));
            }
        }
        if !verifies_digest(public_key, &token.digest, &token.signature) {
            return Err(refuse(
                match challenge.kind {
                    TokenKind::MfaLogin => {
                        "a token is not signed by the private key of the user's MFA key"
                    }
                    TokenKind::MfaRegistration => {
                        "a token is not signed by the private key of the public key given"
                    }
                    TokenKind::Service(_) => {
                        "InvalidQuorumSignature: a token is not signed by the private key of the \
                         public key given"
                    }
                }
                .to_owned(),
            ));
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
    key_reference: Option<KeyReference>,
}

fn find_token(tx: &Transaction<'_>, cluster_id: &str, digest: &[u8]) -> Result<Option<TokenRow>> {
    Ok(tx
        .prepare_cached(
            "SELECT service, username, login_id, expires_at, key_reference FROM quorum_tokens
             WHERE cluster_id = ?1 AND digest = ?2",
        )?
        .query_row(params![cluster_id, digest], |row| {
            Ok(TokenRow {
                service: row.get(0)?,
                owner: row.get(1)?,
                login_id: row.get(2)?,
                expires_at: row.get(3)?,
                key_reference: row
                    .get::<_, Option<i64>>(4)?
                    .map(|reference| KeyReference(reference as u64)),
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

/// Whether `signature` is an RSA PKCS #1 v1.5 signature of the SHA-256 `digest` by
/// `public_key`: what `openssl pkeyutl -sign -pkeyopt digest:sha256` makes of a token's
/// decoded `unsigned` value.
pub fn verifies_digest(public_key: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    let Ok(digest) =
        aws_lc_rs::digest::Digest::import_less_safe(digest, &aws_lc_rs::digest::SHA256)
    else {
        return false;
    };
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key)
        .verify_digest(&digest, signature)
        .is_ok()
}

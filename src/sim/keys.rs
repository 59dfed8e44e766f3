//! Keys of a simulated cluster: the `keys` and `key_shares` rows, what each user can see, and
//! the mapping between a row and the domain's `KeyAttributes`.

use crate::backend::hsm::Role;
use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::key::{
    CheckValue, Curve, EcFacts, Key, KeyAttributes, KeyClass, KeyId, KeyKind, KeyQuorumValues,
    KeyReference, KeyType, KeyUser, RsaFacts,
};
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// The first reference a cluster hands out; real references are sparse numbers of this size.
const FIRST_REFERENCE: i64 = 0x0000_0000_0010_0001;

/// One key as stored, with what the domain value does not carry.
#[derive(Clone, Debug)]
pub struct StoredKey {
    pub key: Key,
    pub owner: String,
    /// SubjectPublicKeyInfo DER of a pair's halves and of imported public keys.
    pub public_der: Option<Vec<u8>>,
    /// The vault-sealed material of secret and private keys.
    pub sealed_secret: Option<Vec<u8>>,
}

/// Who is looking: admins see every key; a crypto user sees the keys it owns or that are
/// shared with it, and every public key.
#[derive(Clone, Copy, Debug)]
pub struct Viewer<'a> {
    pub username: &'a str,
    pub role: Role,
}

/// What a new row holds besides its attributes.
pub struct NewKey<'a> {
    pub reference: KeyReference,
    pub owner: &'a str,
    pub attributes: &'a KeyAttributes,
    pub public_der: Option<&'a [u8]>,
    pub sealed_secret: Option<&'a [u8]>,
    /// The login a session key belongs to.
    pub session_login_id: Option<i64>,
    pub quorum: KeyQuorumValues,
}

const COLUMNS: &str = "reference, owner, key_type, class, label, id, check_value, flags, \
     key_length_bytes, modulus, public_exponent, curve, ec_point, public_der, sealed_secret, \
     manage_quorum, use_quorum";

/// The next free reference of the cluster.
pub fn next_reference(tx: &Transaction<'_>, cluster_id: &str) -> Result<KeyReference> {
    let last: Option<i64> = tx
        .prepare_cached("SELECT MAX(reference) FROM keys WHERE cluster_id = ?1")?
        .query_row([cluster_id], |row| row.get(0))?;
    let next = last.map_or(FIRST_REFERENCE, |last| last + 1);
    Ok(KeyReference(next as u64))
}

pub fn insert(tx: &Transaction<'_>, cluster_id: &str, new: &NewKey<'_>) -> Result<()> {
    let attributes = new.attributes;
    let (modulus, public_exponent, curve, ec_point) = kind_columns(&attributes.kind);
    tx.prepare_cached(
        "INSERT INTO keys (cluster_id, reference, owner, key_type, class, label, id, check_value,
             flags, key_length_bytes, modulus, public_exponent, curve, ec_point, public_der,
             sealed_secret, session_login_id, manage_quorum, use_quorum)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19)",
    )?
    .execute(params![
        cluster_id,
        new.reference.0 as i64,
        new.owner,
        attributes.key_type().as_str(),
        attributes.class.as_str(),
        attributes.label,
        id_column(&attributes.id),
        attributes.check_value.0.to_vec(),
        flags(attributes),
        attributes.key_length_bytes,
        modulus,
        public_exponent,
        curve,
        ec_point,
        new.public_der,
        new.sealed_secret,
        new.session_login_id,
        new.quorum.manage_key_quorum_value,
        new.quorum.use_key_quorum_value,
    ])?;
    Ok(())
}

/// Writes back attributes changed by `key set-attribute`. A session key made persistent
/// (`token` set to true) stops belonging to its login.
pub fn update_attributes(
    tx: &Transaction<'_>,
    cluster_id: &str,
    reference: KeyReference,
    attributes: &KeyAttributes,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE keys SET label = ?3, id = ?4, flags = ?5,
             session_login_id = CASE WHEN ?6 THEN NULL ELSE session_login_id END
         WHERE cluster_id = ?1 AND reference = ?2",
    )?
    .execute(params![
        cluster_id,
        reference.0 as i64,
        attributes.label,
        id_column(&attributes.id),
        flags(attributes),
        attributes.token,
    ])?;
    Ok(())
}

pub fn delete(tx: &Transaction<'_>, cluster_id: &str, reference: KeyReference) -> Result<()> {
    tx.prepare_cached("DELETE FROM keys WHERE cluster_id = ?1 AND reference = ?2")?
        .execute(params![cluster_id, reference.0 as i64])?;
    Ok(())
}

/// Adds `username` to the key's shared users; false when it already was one.
pub fn share(
    tx: &Transaction<'_>,
    cluster_id: &str,
    reference: KeyReference,
    username: &str,
) -> Result<bool> {
    let added = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO key_shares (cluster_id, reference, username) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![cluster_id, reference.0 as i64, username])?;
    Ok(added == 1)
}

/// Removes `username` from the key's shared users; false when it was not one.
pub fn unshare(
    tx: &Transaction<'_>,
    cluster_id: &str,
    reference: KeyReference,
    username: &str,
) -> Result<bool> {
    let removed = tx
        .prepare_cached(
            "DELETE FROM key_shares WHERE cluster_id = ?1 AND reference = ?2 AND username = ?3",
        )?
        .execute(params![cluster_id, reference.0 as i64, username])?;
    Ok(removed == 1)
}

/// How many keys `username` owns (a user who owns keys cannot be deleted).
pub fn count_owned(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<i64> {
    Ok(tx
        .prepare_cached("SELECT COUNT(*) FROM keys WHERE cluster_id = ?1 AND owner = ?2")?
        .query_row(params![cluster_id, username], |row| row.get(0))?)
}

/// Every key `viewer` can see that matches `filter`, ordered by reference, with its shared
/// users. The filter's label and reference terms narrow the query through the indexes; its
/// other terms are checked on the rows that come back.
pub fn visible(
    tx: &Transaction<'_>,
    cluster_id: &str,
    viewer: Viewer<'_>,
    filter: &Filter,
) -> Result<Vec<StoredKey>> {
    // One statement per filter shape: an `?3 IS NULL OR label = ?3` form would stop SQLite from
    // using the label index, and a label lookup over many keys would become a full scan.
    let mut sql = format!("SELECT {COLUMNS} FROM keys k WHERE k.cluster_id = ?1");
    if viewer.role == Role::Admin {
        sql.push_str(" AND ?2 IS NOT NULL");
    } else {
        sql.push_str(
            " AND (k.owner = ?2 OR k.class = 'public-key' OR EXISTS (SELECT 1 FROM key_shares s
                 WHERE s.cluster_id = k.cluster_id AND s.reference = k.reference
                 AND s.username = ?2))",
        );
    }
    let label = filter.label();
    let reference = filter.reference().map(|reference| reference.0 as i64);
    sql.push_str(match (label.is_some(), reference.is_some()) {
        (true, true) => " AND k.label = ?3 AND k.reference = ?4",
        (true, false) => " AND k.label = ?3 AND ?4 IS NULL",
        (false, true) => " AND ?3 IS NULL AND k.reference = ?4",
        (false, false) => " AND ?3 IS NULL AND ?4 IS NULL",
    });
    let mut statement = tx.prepare_cached(&sql)?;
    let rows = statement.query_map(
        params![cluster_id, viewer.username, label, reference],
        stored_key,
    )?;
    let mut keys = Vec::new();
    for row in rows {
        let stored = row??;
        if filter.matches(stored.key.key_reference, &stored.key.attributes) {
            keys.push(stored);
        }
    }
    // Sorted here rather than by `ORDER BY`, which would lead SQLite to walk the primary key
    // instead of the label index.
    keys.sort_unstable_by_key(|stored| stored.key.key_reference);
    for stored in &mut keys {
        stored.key.key_info.shared_users = shared_users(tx, cluster_id, stored.key.key_reference)?;
    }
    Ok(keys)
}

/// The one key `viewer` can see at `reference`, if any.
pub fn find(
    tx: &Transaction<'_>,
    cluster_id: &str,
    viewer: Viewer<'_>,
    reference: KeyReference,
) -> Result<Option<StoredKey>> {
    let filter = Filter::parse(&[format!("key-reference={reference}")])?;
    Ok(visible(tx, cluster_id, viewer, &filter)?.into_iter().next())
}

fn shared_users(
    tx: &Transaction<'_>,
    cluster_id: &str,
    reference: KeyReference,
) -> Result<Vec<KeyUser>> {
    let mut statement = tx.prepare_cached(
        "SELECT username FROM key_shares WHERE cluster_id = ?1 AND reference = ?2 ORDER BY rowid",
    )?;
    let users = statement
        .query_map(params![cluster_id, reference.0 as i64], |row| {
            row.get::<_, String>(0)
        })?
        .map(|username| username.map(|username| KeyUser::new(&username)))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(users)
}

/// Whether a user with this name exists with the crypto-user role.
pub fn is_crypto_user(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT 1 FROM users WHERE cluster_id = ?1 AND username = ?2 AND role = 'crypto-user'",
        )?
        .query_row(params![cluster_id, username], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The boolean attributes in the order of their bits in `flags`.
fn boolean_fields(attributes: &KeyAttributes) -> [bool; 18] {
    [
        attributes.encrypt,
        attributes.decrypt,
        attributes.token,
        attributes.always_sensitive,
        attributes.derive,
        attributes.destroyable,
        attributes.extractable,
        attributes.local,
        attributes.modifiable,
        attributes.never_extractable,
        attributes.private,
        attributes.sensitive,
        attributes.sign,
        attributes.trusted,
        attributes.unwrap,
        attributes.verify,
        attributes.wrap,
        attributes.wrap_with_trusted,
    ]
}

fn flags(attributes: &KeyAttributes) -> i64 {
    boolean_fields(attributes)
        .iter()
        .enumerate()
        .fold(0, |flags, (bit, &set)| flags | (i64::from(set) << bit))
}

fn id_column(id: &KeyId) -> Option<Vec<u8>> {
    match id {
        KeyId::Unset => None,
        KeyId::Bytes(bytes) => Some(bytes.clone()),
    }
}

type KindColumns = (
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<&'static str>,
    Option<Vec<u8>>,
);

fn kind_columns(kind: &KeyKind) -> KindColumns {
    match kind {
        KeyKind::Aes | KeyKind::GenericSecret => (None, None, None, None),
        KeyKind::Rsa(facts) => (
            Some(facts.modulus.clone()),
            Some(facts.public_exponent.clone()),
            None,
            None,
        ),
        KeyKind::Ec(facts) => (
            None,
            None,
            Some(facts.curve.as_str()),
            Some(facts.ec_point.clone()),
        ),
    }
}

/// A row of `SELECT {COLUMNS}`; a row the domain cannot read is a corrupt state, reported as
/// such rather than skipped.
fn stored_key(row: &Row<'_>) -> rusqlite::Result<Result<StoredKey>> {
    let reference = KeyReference(row.get::<_, i64>(0)? as u64);
    let owner: String = row.get(1)?;
    let key_type: String = row.get(2)?;
    let class: String = row.get(3)?;
    let id: Option<Vec<u8>> = row.get(5)?;
    let check_value: Vec<u8> = row.get(6)?;
    let flags: i64 = row.get(7)?;
    let corrupt = |what: &str| Error::State {
        message: format!("key {reference} has an unreadable {what}"),
    };
    let kind = match KeyType::parse(&key_type) {
        Some(KeyType::Aes) => KeyKind::Aes,
        Some(KeyType::GenericSecret) => KeyKind::GenericSecret,
        Some(KeyType::Rsa) => KeyKind::Rsa(RsaFacts::new(
            &row.get::<_, Vec<u8>>(9)?,
            &row.get::<_, Vec<u8>>(10)?,
        )),
        Some(KeyType::Ec) => {
            let curve: String = row.get(11)?;
            let Some(curve) = Curve::parse(&curve) else {
                return Ok(Err(corrupt("curve")));
            };
            KeyKind::Ec(EcFacts {
                curve,
                ec_point: row.get(12)?,
            })
        }
        None => return Ok(Err(corrupt("key type"))),
    };
    let (Some(class), Ok(check_value)) =
        (KeyClass::parse(&class), <[u8; 3]>::try_from(check_value))
    else {
        return Ok(Err(corrupt("class or check value")));
    };
    let bit = |index: u32| flags & (1 << index) != 0;
    let attributes = KeyAttributes {
        kind,
        label: row.get(4)?,
        id: id.map_or(KeyId::Unset, KeyId::Bytes),
        check_value: CheckValue(check_value),
        class,
        encrypt: bit(0),
        decrypt: bit(1),
        token: bit(2),
        always_sensitive: bit(3),
        derive: bit(4),
        destroyable: bit(5),
        extractable: bit(6),
        local: bit(7),
        modifiable: bit(8),
        never_extractable: bit(9),
        private: bit(10),
        sensitive: bit(11),
        sign: bit(12),
        trusted: bit(13),
        unwrap: bit(14),
        verify: bit(15),
        wrap: bit(16),
        wrap_with_trusted: bit(17),
        key_length_bytes: row.get(8)?,
    };
    Ok(Ok(StoredKey {
        key: Key::new(
            reference,
            &owner,
            KeyQuorumValues {
                manage_key_quorum_value: row.get(15)?,
                use_key_quorum_value: row.get(16)?,
            },
            attributes,
        ),
        owner,
        public_der: row.get(13)?,
        sealed_secret: row.get(14)?,
    }))
}

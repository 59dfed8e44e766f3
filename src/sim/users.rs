//! HSM users of a simulated cluster: the username rules and the `users` rows.

pub use crate::backend::hsm::{APPLIANCE_USER, BUILT_IN_ADMIN, is_built_in, normalize_username};
use crate::backend::hsm::{Strategy, UserInfo, UserRole};
use crate::error::{Error, Result};
use rusqlite::types::{FromSqlError, ValueRef};
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// Consecutive failed logins that lock a user (clusters created since February 2018).
pub const LOCKOUT_THRESHOLD: i64 = 5;

/// One row of `users`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub username: String,
    pub role: UserRole,
    pub password_hash: Option<String>,
    pub failed_logins: i64,
    pub locked: bool,
}

/// All users of a cluster in `user list` form as the CloudHSM CLI orders them: the built-in
/// `admin` first, the built-in `app_user` last, the others by username.
pub fn list(tx: &Transaction<'_>, cluster_id: &str) -> Result<Vec<UserInfo>> {
    let mut statement = tx.prepare_cached(
        "SELECT users.username, role, locked, k.mfa_key IS NOT NULL, k.quorum_key IS NOT NULL
         FROM users LEFT JOIN token_sign_keys AS k
             ON k.cluster_id = users.cluster_id AND k.username = users.username
         WHERE users.cluster_id = ?1
         ORDER BY users.username = ?2 DESC, users.username = ?3, users.username",
    )?;
    let registered = |yes: bool| {
        if yes {
            vec![Strategy::TOKEN_SIGN]
        } else {
            Vec::new()
        }
    };
    let users = statement
        .query_map([cluster_id, BUILT_IN_ADMIN, APPLIANCE_USER], |row| {
            Ok(UserInfo {
                username: row.get(0)?,
                role: role_at(row, 1)?,
                locked: row.get(2)?,
                mfa: registered(row.get(3)?),
                quorum: registered(row.get(4)?),
                cluster_coverage: "full",
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(users)
}

pub fn find(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<Option<UserRecord>> {
    let record = tx
        .prepare_cached(
            "SELECT username, role, password_hash, failed_logins, locked
             FROM users WHERE cluster_id = ?1 AND username = ?2",
        )?
        .query_row([cluster_id, username], |row| {
            Ok(UserRecord {
                username: row.get(0)?,
                role: role_at(row, 1)?,
                password_hash: row.get(2)?,
                failed_logins: row.get(3)?,
                locked: row.get(4)?,
            })
        })
        .optional()?;
    Ok(record)
}

pub fn insert(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    role: UserRole,
    password_hash: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO users (cluster_id, username, role, password_hash) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![cluster_id, username, role.as_str(), password_hash])?;
    Ok(())
}

pub fn delete(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM users WHERE cluster_id = ?1 AND username = ?2")?
        .execute([cluster_id, username])?;
    Ok(())
}

/// Gives the built-in admin its first password and the `admin` role.
pub fn activate_admin(tx: &Transaction<'_>, cluster_id: &str, password_hash: &str) -> Result<()> {
    let changed = tx
        .prepare_cached(
            "UPDATE users SET password_hash = ?3, role = 'admin', failed_logins = 0, locked = 0
             WHERE cluster_id = ?1 AND username = ?2 AND role = 'unactivated-admin'",
        )?
        .execute(params![cluster_id, BUILT_IN_ADMIN, password_hash])?;
    if changed != 1 {
        return Err(Error::State {
            message: format!("cluster {cluster_id} has no unactivated built-in admin"),
        });
    }
    Ok(())
}

/// Replaces a password and clears the failed-login count; `unlock` also clears the lock.
pub fn set_password(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    password_hash: &str,
    unlock: bool,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE users SET password_hash = ?3, failed_logins = 0,
                          locked = CASE WHEN ?4 THEN 0 ELSE locked END
         WHERE cluster_id = ?1 AND username = ?2",
    )?
    .execute(params![cluster_id, username, password_hash, unlock])?;
    Ok(())
}

/// Counts one failed login and locks the user when it reaches [`LOCKOUT_THRESHOLD`].
pub fn record_failed_login(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE users SET failed_logins = failed_logins + 1,
                          locked = CASE WHEN failed_logins + 1 >= ?3 THEN 1 ELSE locked END
         WHERE cluster_id = ?1 AND username = ?2",
    )?
    .execute(params![cluster_id, username, LOCKOUT_THRESHOLD])?;
    Ok(())
}

pub fn reset_failed_logins(tx: &Transaction<'_>, cluster_id: &str, username: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE users SET failed_logins = 0 WHERE cluster_id = ?1 AND username = ?2",
    )?
    .execute([cluster_id, username])?;
    Ok(())
}

/// Reads a role column without allocating; an unknown role means the state was tampered with.
fn role_at(row: &Row<'_>, index: usize) -> rusqlite::Result<UserRole> {
    let text = match row.get_ref(index)? {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    };
    text.and_then(UserRole::parse).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(FromSqlError::InvalidType),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked_and_lower_cased() {
        assert_eq!(
            normalize_username("Crypto-User_1").unwrap(),
            "crypto-user_1"
        );
        assert_eq!(normalize_username(&"a".repeat(31)).unwrap(), "a".repeat(31));
        for (bad, reason) in [
            ("", "empty"),
            (&*"a".repeat(32), "at most 31"),
            ("bad name", "only letters"),
            ("bad:name", "only letters"),
            ("ünïcode", "only letters"),
        ] {
            match normalize_username(bad) {
                Err(Error::InvalidUsername { reason: actual }) => {
                    assert!(actual.contains(reason), "{bad:?}: {actual}");
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn built_in_users_are_recognised() {
        assert!(is_built_in("admin"));
        assert!(is_built_in("app_user"));
        assert!(!is_built_in("admin2"));
    }
}

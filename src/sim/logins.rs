//! Who is logged in, across every process sharing the state directory.
//!
//! A login is a row naming the process that holds it. A process can die without logging out
//! (kill -9, a closed terminal), so rows whose process is gone are deleted before anyone reads
//! them. A process is identified by its pid *and* its start time (field 22 of
//! `/proc/<pid>/stat`), so a pid reused by an unrelated process does not keep a login alive.

use crate::error::Result;
use rusqlite::{Transaction, params};

/// The process a login row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessIdentity {
    pub pid: u32,
    /// Clock ticks after boot when the process started; `None` where `/proc` cannot be read.
    pub start_ticks: Option<u64>,
}

impl ProcessIdentity {
    pub fn current() -> ProcessIdentity {
        let pid = std::process::id();
        ProcessIdentity {
            pid,
            start_ticks: process_start_ticks(pid),
        }
    }

    /// Whether the process recorded as (`pid`, `start_ticks`) still runs.
    ///
    /// Without `/proc` nothing can be known, and a login must never vanish while its shell still
    /// runs, so then every row counts as alive until it is logged out.
    fn sees_alive(&self, pid: i64, start_ticks: Option<i64>) -> bool {
        let recorded_start = start_ticks.and_then(|ticks| u64::try_from(ticks).ok());
        if i64::from(self.pid) == pid && self.start_ticks == recorded_start {
            return true;
        }
        if self.start_ticks.is_none() {
            return true;
        }
        let Ok(pid) = u32::try_from(pid) else {
            return false;
        };
        match (process_start_ticks(pid), recorded_start) {
            (None, _) => false,
            (Some(actual), Some(recorded)) => actual == recorded,
            // Written by a process that could not read /proc: the pid is all there is.
            (Some(_), None) => true,
        }
    }
}

/// Field 22 (`starttime`) of `/proc/<pid>/stat`.
pub fn process_start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_ticks(&stat)
}

/// The command name (field 2) is in parentheses and may itself contain spaces and `)`, so
/// fields are counted from the last `)`: the next field is field 3.
fn parse_start_ticks(stat: &str) -> Option<u64> {
    let after_command = &stat[stat.rfind(')')? + 1..];
    after_command
        .split_ascii_whitespace()
        .nth(22 - 3)?
        .parse()
        .ok()
}

/// Deletes the login rows of processes that are gone. Logins held by a KMS key store belong to
/// no process and are left alone: the store releases them when it disconnects.
pub fn prune_dead(tx: &Transaction<'_>, me: &ProcessIdentity) -> Result<()> {
    let dead: Vec<i64> = {
        let mut statement = tx.prepare_cached(
            "SELECT login_id, pid, process_start_ticks FROM logins WHERE key_store_id IS NULL",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<i64>>(2)?,
            ))
        })?;
        let mut dead = Vec::new();
        for row in rows {
            let (login_id, pid, start_ticks) = row?;
            if !me.sees_alive(pid, start_ticks) {
                dead.push(login_id);
            }
        }
        dead
    };
    if !dead.is_empty() {
        let mut delete = tx.prepare_cached("DELETE FROM logins WHERE login_id = ?1")?;
        for login_id in dead {
            delete.execute([login_id])?;
        }
    }
    Ok(())
}

/// Records a login by this process and returns its id.
pub fn record(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    me: &ProcessIdentity,
    now_unix: i64,
) -> Result<i64> {
    let start_ticks = me.start_ticks.and_then(|ticks| i64::try_from(ticks).ok());
    let login_id = tx
        .prepare_cached(
            "INSERT INTO logins (cluster_id, username, pid, process_start_ticks, logged_in_at)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING login_id",
        )?
        .query_row(
            params![cluster_id, username, me.pid, start_ticks, now_unix],
            |row| row.get(0),
        )?;
    Ok(login_id)
}

/// Records the login a connected key store holds as `username` (kmsuser).
pub fn record_for_store(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    key_store_id: &str,
    now_unix: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO logins (cluster_id, username, pid, process_start_ticks, logged_in_at,
                             key_store_id)
         VALUES (?1, ?2, 0, NULL, ?3, ?4)",
    )?
    .execute(params![cluster_id, username, now_unix, key_store_id])?;
    Ok(())
}

/// Releases every login a key store holds.
pub fn remove_for_store(tx: &Transaction<'_>, key_store_id: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM logins WHERE key_store_id = ?1")?
        .execute([key_store_id])?;
    Ok(())
}

/// Deletes one login; deleting one that is already gone is not an error.
pub fn remove(tx: &Transaction<'_>, cluster_id: &str, username: &str, login_id: i64) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM logins WHERE login_id = ?1 AND cluster_id = ?2 AND username = ?3",
    )?
    .execute(params![login_id, cluster_id, username])?;
    Ok(())
}

pub fn is_recorded(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    login_id: i64,
) -> Result<bool> {
    let found = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM logins
                            WHERE login_id = ?1 AND cluster_id = ?2 AND username = ?3)",
        )?
        .query_row(params![login_id, cluster_id, username], |row| row.get(0))?;
    Ok(found)
}

/// Whether `username` has a login other than `except` (`None`: any login at all).
pub fn has_login_except(
    tx: &Transaction<'_>,
    cluster_id: &str,
    username: &str,
    except: Option<i64>,
) -> Result<bool> {
    let found = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM logins
                            WHERE cluster_id = ?1 AND username = ?2 AND login_id IS NOT ?3)",
        )?
        .query_row(params![cluster_id, username, except], |row| row.get(0))?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_start_time_past_a_tricky_command_name() {
        let stat = "4242 (evil) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 10000 100 18446744073709551615";
        assert_eq!(parse_start_ticks(stat), Some(987_654));
        assert_eq!(parse_start_ticks("garbage"), None);
    }

    #[test]
    fn this_process_is_alive_and_an_impossible_pid_is_not() {
        let me = ProcessIdentity::current();
        assert!(me.start_ticks.is_some(), "the tests need /proc");
        let start = me.start_ticks.map(|ticks| ticks as i64);
        assert!(me.sees_alive(i64::from(me.pid), start));
        assert!(!me.sees_alive(i64::from(i32::MAX), Some(1)));
        // Same pid, different start time: the pid was reused.
        assert!(!me.sees_alive(i64::from(me.pid), start.map(|ticks| ticks + 1)));
    }

    #[test]
    fn other_processes_are_judged_by_pid_and_start_time() {
        let me = ProcessIdentity::current();
        // Process 1 always runs; a row for it is alive only with its own start time, or with
        // none (written where /proc could not be read).
        let init = process_start_ticks(1).expect("the tests need /proc") as i64;
        assert!(me.sees_alive(1, Some(init)));
        assert!(me.sees_alive(1, None));
        assert!(!me.sees_alive(1, Some(init + 1)));
        assert!(!me.sees_alive(-1, None));
        // Another pid with this process's start time is not this process.
        let start = me.start_ticks.map(|ticks| ticks as i64);
        assert!(!me.sees_alive(i64::from(i32::MAX), start));
        assert!(!me.sees_alive(i64::from(i32::MAX), None));
        // This process's pid with an earlier start time belonged to a process now gone.
        assert!(!me.sees_alive(
            i64::from(me.pid),
            me.start_ticks.map(|ticks| ticks as i64 - 1)
        ));
        // A process that cannot read /proc keeps every row alive.
        let blind = ProcessIdentity {
            pid: me.pid,
            start_ticks: None,
        };
        assert!(blind.sees_alive(i64::from(i32::MAX), Some(1)));
        assert!(blind.sees_alive(-1, None));
    }
}

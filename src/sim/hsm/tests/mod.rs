//! Tests of the simulated cluster through the `HsmBackend` trait, checking the state directly
//! through a second connection as another process would.

mod first_run;
mod keys;
mod selection;
mod signing_cache;
mod state;
mod users;

use super::*;
use crate::backend::hsm::cluster_control::{ClusterControl, ClusterState, SimFaults};
use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::key::GeneratedPair;
use crate::backend::hsm::mechanism::KeySpec;
use crate::backend::hsm::requests::{NewKeyOptions, NewPairOptions, SignRequest, Signature};
use crate::backend::hsm::{HsmBackend, UserRole};
use crate::secret::Secret;
use crate::sim::store::STATE_FILE_NAME;
use rusqlite::Connection;
use rusqlite::types::Value;
use std::os::unix::fs::PermissionsExt;

pub const ADMIN_PASSWORD: &str = "Admin-pass-1";
pub const USER_PASSWORD: &str = "User-pass-22";

pub fn options(dir: &Path, seed: Option<u64>) -> SimOptions {
    SimOptions {
        state_dir: dir.to_path_buf(),
        seed,
        cluster_id: None,
    }
}

pub fn open(dir: &Path) -> SimHsm {
    SimHsm::open(&options(dir, Some(7))).unwrap()
}

pub fn secret(text: &str) -> Secret {
    Secret::new(text)
}

/// A second connection to the state, as another process would have.
pub fn peek(dir: &Path) -> Connection {
    Connection::open(dir.join(STATE_FILE_NAME)).unwrap()
}

pub fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A fresh state with the cluster activated and the admin logged in.
pub fn activated(dir: &Path) -> (SimHsm, Login) {
    let mut hsm = open(dir);
    hsm.activate(&secret(ADMIN_PASSWORD)).unwrap();
    let admin = hsm
        .login("admin", Role::Admin, &secret(ADMIN_PASSWORD))
        .unwrap();
    (hsm, admin)
}

pub fn failed_logins(dir: &Path, username: &str) -> i64 {
    peek(dir)
        .query_row(
            "SELECT failed_logins FROM users WHERE username = ?1",
            [username],
            |row| row.get(0),
        )
        .unwrap()
}

/// Every row of every table, to show that a failed call changed nothing.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<Vec<Value>>)> {
    let connection = peek(dir);
    let tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    tables
        .into_iter()
        .map(|table| {
            let mut statement = connection
                .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1, 2"))
                .unwrap();
            let columns = statement.column_count();
            let rows = statement
                .query_map([], |row| (0..columns).map(|index| row.get(index)).collect())
                .unwrap()
                .collect::<rusqlite::Result<Vec<Vec<Value>>>>()
                .unwrap();
            (table, rows)
        })
        .collect()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

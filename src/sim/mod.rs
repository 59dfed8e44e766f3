//! The embedded CloudHSM cluster simulator: persistent state in SQLite and the cluster model
//! behind [`crate::backend::hsm::sim::SimHsm`].
//!
//! - `store`: the state directory, the database file and one transaction per command.
//! - `schema`: versioned migrations.
//! - `cluster`: the first cluster (network, HSMs, built-in users) and cluster-level reads.
//! - `control_plane`: clusters and backups as the CloudHSM v2 API describes them.
//! - `network`: subnets and security groups, and the faults that break them.
//! - `ca`: the customer CA and the cluster certificate.
//! - `users`, `password`, `logins`: HSM users, their password hashes and live logins.
//! - `keys`: key rows, their shares and who can see which key.
//! - `crypto`: the cryptography (generation, signatures, wrapping, PEM, the vault).
//! - `ids`, `clock`: identifiers and time, both fixable for deterministic runs.

pub mod ca;
pub mod clock;
pub mod cluster;
pub mod control_plane;
pub mod crypto;
pub mod hsm;
pub mod ids;
pub mod keys;
pub mod kms;
pub mod lifecycle;
pub mod logins;
pub mod mtls;
pub mod network;
pub mod password;
pub mod quorum;
pub mod schema;
pub mod state_permissions;
pub mod store;
pub mod users;

use std::path::PathBuf;

/// The customer CA certificate written next to the database when the first cluster is created,
/// as a customer keeps `customerCA.crt` for the client's `--hsm-ca-cert` and for KMS.
pub const CUSTOMER_CA_FILE_NAME: &str = "customerCA.crt";

/// How to open the simulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimOptions {
    /// Holds `state.sqlite3` and `customerCA.crt`; created 0700 when missing.
    pub state_dir: PathBuf,
    /// Seeds the identifiers of everything the simulator creates and, when given, its secrets
    /// (customer CA, KMS key material) and puts a new state on the virtual clock; `None` draws
    /// OS entropy.
    pub seed: Option<u64>,
    /// The cluster HSM commands act on (`--cluster-id`); the state's first cluster when `None`.
    pub cluster_id: Option<String>,
}

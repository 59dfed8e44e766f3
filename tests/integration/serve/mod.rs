//! `cloudhsm-shell serve` through the wire: raw HTTP requests to the real binary and the exact
//! JSON (or CBOR) and status codes that come back, with the state checked before and after.

mod auth;
mod cloudhsm;
mod errors;
mod kms;
pub mod served;
mod shared_state;

use crate::test::Test;
use std::path::{Path, PathBuf};

/// The seeded first cluster (`--seed 7`).
pub const CLUSTER: &str = "cluster-zxqwotxh2y6";
/// A second activated cluster with kmsuser, of another lineage, made by [`ready_state`].
pub const SECOND_CLUSTER: &str = "cluster-63eghpfcrho";
/// The passwords of the state's admin and of kmsuser (which is the key store password).
pub const SECRETS: &str = "admin=serve-admin-1\nkmsuser=ServeKms1\n";
pub const KMSUSER_PASSWORD: &str = "ServeKms1";

/// A state directory (inside the returned sandbox) with two activated clusters that have
/// kmsuser, so that a key store can be created on each, and connections that take no time.
pub fn ready_state() -> (tempfile::TempDir, PathBuf) {
    let sandbox = tempfile::tempdir().expect("cannot create a temp dir");
    let state = sandbox.path().join("state");
    let output = Test::new()
        .state(&state)
        .secrets(SECRETS)
        .stdin(
            "cluster activate\n\
             login --username admin --role admin\n\
             user create --username kmsuser --role crypto-user\n\
             logout\n\
             sim set-delays --connect-seconds 0 --disconnect-seconds 0\n\
             cloudhsmv2 create-cluster --hsm-type hsm1.medium \
               --subnet-ids subnet-314a4367f55e7afee subnet-294280a28b1d431e2\n\
             cloudhsmv2 initialize-cluster --cluster-id cluster-63eghpfcrho --generate-customer-ca\n\
             cloudhsmv2 create-hsm --cluster-id cluster-63eghpfcrho --availability-zone us-east-1a\n\
             cloudhsmv2 create-hsm --cluster-id cluster-63eghpfcrho --availability-zone us-east-1b\n\
             sim use-cluster --cluster-id cluster-63eghpfcrho\n\
             cluster activate\n\
             login --username admin --role admin\n\
             user create --username kmsuser --role crypto-user\n\
             logout\n",
        )
        .run_unchecked();
    assert_eq!(output.status, Some(0), "{}", output.stdout);
    (sandbox, state)
}

/// The trust anchor of `cluster`: the state's `customerCA.crt` for the first cluster.
pub fn trust_anchor(state: &Path, cluster: &str) -> String {
    let file = if cluster == CLUSTER {
        "customerCA.crt".to_owned()
    } else {
        format!("customerCA-{cluster}.crt")
    };
    std::fs::read_to_string(state.join(file)).expect("the state has the customer CA")
}

/// The CreateCustomKeyStore input for a store named `name` on `cluster`.
pub fn create_input(state: &Path, name: &str, cluster: &str) -> serde_json::Value {
    serde_json::json!({
        "CustomKeyStoreName": name,
        "CloudHsmClusterId": cluster,
        "TrustAnchorCertificate": trust_anchor(state, cluster),
        "KeyStorePassword": KMSUSER_PASSWORD,
    })
}

//! The demo script `scripts/demo/create-keystore.cli` runs the whole key store workflow on a
//! fresh state, as the README tells a newcomer to run it.

use serde_json::Value;
use std::process::{Command, Stdio};

#[test]
fn the_create_keystore_demo_runs_every_step_on_a_fresh_state() {
    let home = tempfile::tempdir().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/demo/create-keystore.cli"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_cloudhsm-shell"))
        .env_clear()
        .env("HOME", home.path())
        .args(["--seed", "7", "--state-dir"])
        .arg(home.path().join("cloudhsm-demo"))
        .args(["--history", "/dev/null", "--file", script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "the demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let replies: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(replies.len(), 13);
    assert!(replies.iter().all(|reply| reply["error_code"] == 0));
    assert_eq!(replies[4]["data"]["AllPassed"], true);
    assert_eq!(
        replies[5]["data"]["CustomKeyStoreId"],
        "cks-eb467f5217e492277"
    );
    assert_eq!(
        replies[7]["data"]["CustomKeyStores"][0]["ConnectionState"],
        "CONNECTED"
    );
    assert_eq!(replies[8]["data"]["KeyMetadata"]["KeyState"], "Enabled");
    assert_eq!(
        replies[10]["data"]["Plaintext"],
        "SGVsbG8sIEN1c3RvbSBLZXkgU3RvcmUh"
    );
    assert_eq!(
        replies[12]["data"]["KeyMetadata"]["KeyState"],
        "Unavailable"
    );
}

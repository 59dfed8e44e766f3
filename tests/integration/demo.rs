//! The demo scripts run on a fresh state as the README tells a newcomer to run them:
//! `scripts/demo/create-keystore.cli` (the whole key store workflow) and
//! `scripts/demo/quorum-ceremony.cli` (a user creation refused, then approved by two signatures,
//! and an MFA login).

use serde_json::Value;
use std::process::{Command, Stdio};

/// Runs the demo `script` (relative to the repository) from the repository, as its header says:
/// `--seed 7 --state-dir ~/<state>` (and `extra` arguments) on a fresh home; its replies, after
/// it ended with `status`.
fn run_demo(script: &str, state: &str, extra: &[&str], status: i32) -> Vec<Value> {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cloudhsm-shell"))
        .env_clear()
        .env("HOME", home.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--seed", "7", "--state-dir"])
        .arg(home.path().join(state))
        .args(extra)
        .args(["--history", "/dev/null", "--file", script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(status),
        "the demo ended otherwise:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn the_create_keystore_demo_runs_every_step_on_a_fresh_state() {
    let replies = run_demo("scripts/demo/create-keystore.cli", "cloudhsm-demo", &[], 0);
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

#[test]
fn the_quorum_ceremony_demo_refuses_then_approves_a_user_and_logs_in_with_mfa() {
    let replies = run_demo(
        "scripts/demo/quorum-ceremony.cli",
        "quorum-demo",
        &["--keep-going"],
        1,
    );
    assert_eq!(replies.len(), 37);
    let refused: Vec<usize> = (0..replies.len())
        .filter(|&index| replies[index]["error_code"] != 0)
        .collect();
    // The creation without approval, and the two runs that write unsigned tokens.
    assert_eq!(refused, [22, 29, 33]);
    assert_eq!(
        replies[22]["data"],
        "Quorum approval is required for this operation"
    );
    assert_eq!(
        replies[20]["data"],
        serde_json::json!({"user": 2, "quorum": 1})
    );
    let enabled = serde_json::json!([{"strategy": "token-sign", "status": "enabled"}]);
    let registered = replies[21]["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|user| user["quorum"] == enabled)
        .count();
    assert_eq!(registered, 3);
    assert_eq!(
        replies[26]["data"],
        serde_json::json!({"username": "kmsuser", "role": "crypto-user"})
    );
    assert_eq!(
        replies[35]["data"],
        serde_json::json!({"username": "officer2", "role": "admin"})
    );
    let officer2 = replies[36]["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == "officer2")
        .unwrap()
        .clone();
    assert_eq!(officer2["mfa"], enabled);
    assert_eq!(officer2["quorum"], enabled);
}

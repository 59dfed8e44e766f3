//! KMS custom key stores through the real binary: what `keystore describe` shows (compared as
//! parsed JSON), USER_LOGGED_IN with a second process holding kmsuser's
//! login, `--wait`, and that the key store password never leaves the process in clear.

use crate::test::{Test, json_lines};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

const SECRETS: &str = "admin=keystore-admin-1\nkmsuser=KeystoreKms1\n";
const CLUSTER: &str = "cluster-zxqwotxh2y6";
const STORE: &str = "cks-eb467f5217e492277";

/// Runs `lines` as one batch (going on after failures) on the state in `dir`; the envelopes.
fn batch(dir: &Path, lines: &[String]) -> Vec<Value> {
    batch_recorded(dir, lines, None)
}

fn batch_recorded(dir: &Path, lines: &[String], record: Option<&Path>) -> Vec<Value> {
    let mut test = Test::new().state(dir).secrets(SECRETS).arg("--keep-going");
    if let Some(path) = record {
        test = test.arg("--record").arg(path);
    }
    let mut child = test
        .command()
        .stdin(Stdio::piped())
        .spawn()
        .expect("cannot start cloudhsm-shell");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(lines.join("\n").as_bytes())
        .expect("cannot write the batch");
    drop(stdin);
    let output = child.wait_with_output().expect("cannot wait for the shell");
    json_lines(&String::from_utf8(output.stdout).expect("stdout is UTF-8"))
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|line| (*line).to_owned()).collect()
}

/// A fresh state with the cluster activated, kmsuser created and a store created on it.
fn state_with_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    let state = dir.path().join("state");
    let replies = batch(
        &state,
        &[
            "cluster activate".to_owned(),
            "login --username admin --role admin".to_owned(),
            "user create --username kmsuser --role crypto-user".to_owned(),
            "logout".to_owned(),
            format!(
                "keystore create --custom-key-store-name store --cloud-hsm-cluster-id {CLUSTER} \
                 --trust-anchor-certificate file://{}",
                state.join("customerCA.crt").display()
            ),
        ],
    );
    assert_eq!(
        replies[4],
        json!({"error_code": 0, "data": {"CustomKeyStoreId": STORE}}),
        "{replies:?}"
    );
    dir
}

/// The one store `keystore describe` shows, without its CreationDate (the virtual clock's start)
/// and its TrustAnchorCertificate (the state's `customerCA.crt`).
fn described(state: &Path) -> Value {
    let replies = batch(state, &lines(&["keystore describe"]));
    only_store(state, &replies[0])
}

/// The one store of a describe reply (`keystore describe`, or a `--wait` that settled), without
/// its creation date and trust anchor, which are checked here.
fn only_store(state: &Path, envelope: &Value) -> Value {
    assert_eq!(envelope["error_code"], 0, "{envelope}");
    assert_eq!(envelope["data"]["Truncated"], false, "{envelope}");
    let mut entry = envelope["data"]["CustomKeyStores"][0].clone();
    let entry_object = entry.as_object_mut().expect("an entry");
    let creation = entry_object.remove("CreationDate").expect("a CreationDate");
    assert_eq!(creation, json!(1_767_225_600));
    let anchor = entry_object
        .remove("TrustAnchorCertificate")
        .expect("a TrustAnchorCertificate");
    let expected_anchor = std::fs::read_to_string(state.join("customerCA.crt")).unwrap();
    assert_eq!(anchor, json!(expected_anchor));
    entry
}

fn entry(state: &str, code: Option<&str>) -> Value {
    let mut entry = json!({
        "CustomKeyStoreId": STORE,
        "CustomKeyStoreName": "store",
        "CloudHsmClusterId": CLUSTER,
        "ConnectionState": state,
        "CustomKeyStoreType": "AWS_CLOUDHSM",
    });
    if let Some(code) = code {
        entry["ConnectionErrorCode"] = json!(code);
    }
    entry
}

#[test]
fn describe_follows_the_connection_through_its_states() {
    let dir = state_with_store();
    let state = dir.path().join("state");
    assert_eq!(described(&state), entry("DISCONNECTED", None));
    let replies = batch(
        &state,
        &lines(&[
            "sim set-delays --connect-seconds 600 --disconnect-seconds 600",
            &format!("keystore connect --custom-key-store-id {STORE}"),
        ]),
    );
    assert_eq!(replies[1], json!({"error_code": 0, "data": {}}));
    assert_eq!(described(&state), entry("CONNECTING", None));
    batch(
        &state,
        &lines(&["sim set-delays --connect-seconds 0 --disconnect-seconds 600"]),
    );
    assert_eq!(described(&state), entry("CONNECTED", None));
    batch(
        &state,
        &lines(&[&format!(
            "keystore disconnect --custom-key-store-id {STORE}"
        )]),
    );
    assert_eq!(described(&state), entry("DISCONNECTING", None));
    batch(
        &state,
        &lines(&[
            "sim set-delays --connect-seconds 0 --disconnect-seconds 0",
            "sim fail-next-connect --error INTERNAL_ERROR",
            &format!("keystore connect --custom-key-store-id {STORE}"),
        ]),
    );
    assert_eq!(described(&state), entry("FAILED", Some("INTERNAL_ERROR")));
    // Disconnecting clears the code.
    batch(
        &state,
        &lines(&[&format!(
            "keystore disconnect --custom-key-store-id {STORE}"
        )]),
    );
    assert_eq!(described(&state), entry("DISCONNECTED", None));
    // Filters and pages.
    let replies = batch(
        &state,
        &lines(&[
            "keystore describe --custom-key-store-name store --limit 1",
            &format!("keystore describe --custom-key-store-id {STORE}"),
        ]),
    );
    for reply in replies {
        assert_eq!(
            reply["data"]["CustomKeyStores"][0]["CustomKeyStoreId"],
            STORE
        );
        assert_eq!(reply["data"]["Truncated"], false);
        assert!(reply["data"].get("NextMarker").is_none());
    }
}

#[test]
fn user_logged_in_until_the_human_logs_out() {
    let dir = state_with_store();
    let state = dir.path().join("state");
    // A second process holds a login of kmsuser.
    let mut human = Test::new().state(&state).secrets(SECRETS).start();
    assert_eq!(
        human.run("login --username kmsuser --role crypto-user"),
        json!({"error_code": 0, "data": {"username": "kmsuser", "role": "crypto-user"}})
    );
    batch(
        &state,
        &lines(&[&format!("keystore connect --custom-key-store-id {STORE}")]),
    );
    assert_eq!(described(&state), entry("FAILED", Some("USER_LOGGED_IN")));
    let check = batch(
        &state,
        &lines(&[&format!(
            "keystore check-prerequisites --cloud-hsm-cluster-id {CLUSTER}"
        )]),
    );
    let checks = check[0]["data"]["Checks"].as_array().unwrap();
    let logged_in = checks
        .iter()
        .find(|check| check["Check"] == "KmsuserNotLoggedIn")
        .unwrap();
    assert_eq!(logged_in["Passed"], false, "{logged_in}");
    assert_eq!(check[0]["data"]["AllPassed"], false);
    // The fix: log kmsuser out, disconnect, reconnect.
    assert_eq!(
        human.run("logout"),
        json!({"error_code": 0, "data": "Logout successful"})
    );
    let replies = batch(
        &state,
        &lines(&[
            &format!("keystore disconnect --custom-key-store-id {STORE} --wait"),
            &format!("keystore connect --custom-key-store-id {STORE} --wait"),
        ]),
    );
    assert_eq!(only_store(&state, &replies[0]), entry("DISCONNECTED", None));
    assert_eq!(only_store(&state, &replies[1]), entry("CONNECTED", None));
    assert_eq!(described(&state), entry("CONNECTED", None));
    // The store's login of kmsuser outlives the processes that connected it: another process
    // prunes dead processes' logins, and the admin still cannot delete kmsuser.
    let replies = batch(
        &state,
        &lines(&[
            "login --username admin --role admin",
            "user delete --username kmsuser --role crypto-user",
        ]),
    );
    assert_eq!(replies[1]["error_code"], 1, "{replies:?}");
    assert_eq!(crate::fixtures::recorded_logins(&state), vec!["kmsuser"]);
    // KMS rotated kmsuser's password: the one the human knew no longer works.
    assert_eq!(
        human.run("login --username kmsuser --role crypto-user"),
        json!({"error_code": 1, "data": "Login failed: incorrect username, role or password"})
    );
    // A batch in which a command failed exits 1.
    assert_eq!(human.finish().code(), Some(1));
}

#[test]
fn wait_polls_until_the_connection_is_made() {
    let dir = state_with_store();
    let state = dir.path().join("state");
    let replies = batch(
        &state,
        &lines(&[
            "sim set-delays --connect-seconds 1 --disconnect-seconds 1",
            &format!("keystore connect --custom-key-store-id {STORE} --wait"),
        ]),
    );
    assert_eq!(only_store(&state, &replies[1]), entry("CONNECTED", None));
    assert_eq!(described(&state), entry("CONNECTED", None));
    let replies = batch(
        &state,
        &lines(&[
            &format!("keystore disconnect --custom-key-store-id {STORE} --wait"),
            &format!("keystore connect --custom-key-store-id {STORE}"),
        ]),
    );
    assert_eq!(only_store(&state, &replies[0]), entry("DISCONNECTED", None));
    // Without --wait, the API's empty reply.
    assert_eq!(replies[1], json!({"error_code": 0, "data": {}}));
}

#[test]
fn a_wait_that_ends_failed_names_the_error_code_and_its_fix() {
    let dir = state_with_store();
    let state = dir.path().join("state");
    let replies = batch(
        &state,
        &lines(&[
            "sim fail-next-connect --error NETWORK_ERRORS",
            &format!("keystore connect --custom-key-store-id {STORE} --wait"),
        ]),
    );
    assert_eq!(
        replies[1],
        json!({"error_code": 1, "data": format!(
            "Key store {STORE} is FAILED with NETWORK_ERRORS: KMS could not reach the cluster: \
             often transient, or a security group or network rule blocks TCP 2223-2225. To fix \
             it: keystore disconnect --custom-key-store-id {STORE}, then wait a few minutes and \
             check the network with keystore check-prerequisites, then keystore connect again"
        )})
    );
    assert_eq!(described(&state), entry("FAILED", Some("NETWORK_ERRORS")));
}

#[test]
fn without_a_seed_wait_sleeps_on_the_system_clock() {
    let sandbox = tempfile::tempdir().unwrap();
    let state = sandbox.path().join("state");
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let run = |lines: &str| {
        let test = Test::new().unseeded().state(&state).secrets(SECRETS);
        let mut child = test.command().spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(lines.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        json_lines(&String::from_utf8(output.stdout).unwrap())
    };
    let cluster = run("cloudhsmv2 describe-clusters")[0]["data"]["Clusters"][0]["ClusterId"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = run(&format!(
        "cluster activate\nlogin --username admin --role admin\n\
         user create --username kmsuser --role crypto-user\nlogout\n\
         keystore create --custom-key-store-name store --cloud-hsm-cluster-id {cluster} \
         --trust-anchor-certificate file://{}\n\
         sim set-delays --connect-seconds 1 --disconnect-seconds 1",
        state.join("customerCA.crt").display()
    ));
    let store = created[4]["data"]["CustomKeyStoreId"].as_str().unwrap();
    let waited = run(&format!(
        "keystore connect --custom-key-store-id {store} --wait\n\
         keystore describe --custom-key-store-id {store}"
    ));
    let finished = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let entry = &waited[1]["data"]["CustomKeyStores"][0];
    assert_eq!(entry["ConnectionState"], "CONNECTED", "{waited:?}");
    let created_at = entry["CreationDate"].as_i64().unwrap();
    assert!(
        (started..=finished).contains(&created_at),
        "CreationDate {created_at} is not the system time of the run ({started}..={finished})"
    );
    // The wait slept: it did not move the state's clock.
    let db = rusqlite::Connection::open(state.join("state.sqlite3")).unwrap();
    let offset: i64 = db
        .query_row("SELECT clock_offset_seconds FROM simulator", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(offset, 0);
}

#[test]
fn the_clock_is_the_states_so_an_unseeded_run_on_a_seeded_state_reads_virtual_time() {
    let dir = state_with_store();
    let state = dir.path().join("state");
    let test = Test::new().unseeded().state(&state);
    let output = test
        .command()
        .args(["sim", "advance-clock", "--seconds", "1"])
        .output()
        .unwrap();
    assert_eq!(
        json_lines(&String::from_utf8(output.stdout).unwrap()),
        vec![json!({"error_code": 0, "data": {"message":
            "The simulated clock moved 1 s forward and now reads 2026-01-01T00:00:01Z"}})]
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn the_key_store_password_is_never_stored_or_printed_in_clear() {
    let dir = state_with_store();
    let state = dir.path().join("state");
    let recording = dir.path().join("session.txt");
    let replies = batch_recorded(
        &state,
        &lines(&[
            &format!(
                "keystore update --custom-key-store-id {STORE} --key-store-password Updated9999"
            ),
            "keystore describe",
            &format!("keystore connect --custom-key-store-id {STORE}"),
            "keystore describe",
        ]),
        Some(&recording),
    );
    let printed = serde_json::to_string(&replies).unwrap();
    let mut texts = vec![printed, std::fs::read_to_string(&recording).unwrap()];
    for entry in std::fs::read_dir(&state).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        texts.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    for text in &texts {
        for password in ["KeystoreKms1", "Updated9999"] {
            assert!(!text.contains(password), "{password} leaked");
        }
    }
    // The update was recorded: kmsuser's password is not Updated9999, so the connect fails.
    assert_eq!(
        described(&state),
        entry("FAILED", Some("INVALID_CREDENTIALS"))
    );
}

#[test]
fn on_a_terminal_a_wait_that_ends_failed_says_why_and_the_prompt_comes_back() {
    use crate::repl::{PROMPT, exits_with_status_zero, expect, spawn_shell};
    let dir = state_with_store();
    let state = dir.path().join("state");
    let mut shell = spawn_shell(
        dir.path(),
        &[
            "--state-dir",
            state.to_str().unwrap(),
            "--seed",
            "7",
            "interactive",
        ],
    );
    expect(&mut shell, PROMPT);
    shell
        .send_line("sim fail-next-connect --error NETWORK_ERRORS")
        .expect("cannot type");
    expect(&mut shell, PROMPT);
    shell
        .send_line(&format!(
            "keystore connect --custom-key-store-id {STORE} --wait"
        ))
        .expect("cannot type");
    expect(&mut shell, "\"error_code\": 1");
    expect(
        &mut shell,
        &format!(
            "Key store {STORE} is FAILED with NETWORK_ERRORS: KMS could not reach the cluster"
        ),
    );
    expect(&mut shell, PROMPT);
    shell.send_line("quit").expect("cannot type");
    exits_with_status_zero(&mut shell);
}

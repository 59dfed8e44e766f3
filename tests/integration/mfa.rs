//! MFA (token-sign) end to end: tokens signed with `openssl pkeyutl` register an MFA key and log
//! in, the signed file may come from the secrets file, token files are 0600 even over a file
//! that was readable, and no signature or private key reaches a transcript or the state.

use crate::test::{LiveShell, Test, ok};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const SECRETS: &str = "admin=mfa-admin-1\nalice=mfa-alice-1\n";

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/demo/quorum-keys")
}

/// Signs every token of an MFA file with openssl, as the CloudHSM documentation shows:
/// `openssl pkeyutl -sign -pkeyopt digest:sha256` of each base64-decoded `unsigned` value.
fn sign_with_openssl(path: &Path, private_key: &Path) {
    let mut file: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let digest = dir.path().join("unsigned.bin");
    let signature = dir.path().join("signed.bin");
    for token in file["tokens"].as_array_mut().unwrap() {
        fs::write(
            &digest,
            STANDARD
                .decode(token["unsigned"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        let output = Command::new("openssl")
            .args(["pkeyutl", "-sign", "-pkeyopt", "digest:sha256", "-inkey"])
            .arg(private_key)
            .arg("-in")
            .arg(&digest)
            .arg("-out")
            .arg(&signature)
            .output()
            .expect("openssl runs");
        assert!(output.status.success(), "{output:?}");
        token["signed"] = json!(STANDARD.encode(fs::read(&signature).unwrap()));
    }
    fs::write(path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
}

/// alice, a crypto user, registers officer2's rehearsal key as her MFA key with openssl's
/// signatures; the shell is left logged out.
fn alice_with_mfa(shell: &mut LiveShell, dir: &Path) {
    ok(shell.run("cluster activate"));
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("user create --username alice --role crypto-user"));
    ok(shell.run("logout"));
    ok(shell.run("login --username alice --role crypto-user"));
    let tokens = dir.join("mfa.json");
    let change = format!(
        "user change-mfa token-sign --username alice --role crypto-user --token {}",
        tokens.display()
    );
    assert_eq!(shell.run(&change)["error_code"], 1);
    sign_with_openssl(&tokens, &keys().join("officer2.key"));
    ok(shell.run(&format!(
        "{change} --signed-token {} --public-key {}",
        tokens.display(),
        keys().join("officer2.pub").display()
    )));
    ok(shell.run("logout"));
}

/// A state in `dir/state` where alice has her MFA key; the shell that made it has ended.
fn state_with_alice(dir: &Path) -> PathBuf {
    let state = dir.join("state");
    let mut setup = Test::new()
        .state(&state)
        .secrets(SECRETS)
        .arg("--keep-going")
        .start();
    alice_with_mfa(&mut setup, dir);
    let _ = setup.finish();
    state
}

#[test]
fn openssl_signatures_register_the_mfa_key_and_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Test::new().secrets(SECRETS).arg("--keep-going").start();
    alice_with_mfa(&mut shell, dir.path());
    let users = ok(shell.run("user list"));
    let alice = users["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == "alice")
        .unwrap()
        .clone();
    assert_eq!(
        alice["mfa"],
        json!([{"strategy": "token-sign", "status": "enabled"}])
    );
    assert_eq!(alice["quorum"], json!([]));
    let tokens = dir.path().join("login.json");
    let login = format!(
        "login --username alice --role crypto-user mfa-token-sign --token {}",
        tokens.display()
    );
    assert_eq!(
        shell.run(&login)["data"],
        format!(
            "The unsigned tokens are in {}: sign each one (openssl pkeyutl -sign -pkeyopt \
             digest:sha256 of the decoded unsigned value, or sim sign-token), then run the \
             command again with --signed-token FILE",
            tokens.display()
        )
    );
    let written: Value = serde_json::from_str(&fs::read_to_string(&tokens).unwrap()).unwrap();
    // One token per HSM of the simulated cluster, none signed yet.
    assert_eq!(written["tokens"].as_array().unwrap().len(), 2);
    assert_eq!(written["tokens"][0]["signed"], "");
    sign_with_openssl(&tokens, &keys().join("officer2.key"));
    assert_eq!(
        shell.run(&format!("{login} --signed-token {}", tokens.display())),
        json!({"error_code": 0, "data": {"username": "alice", "role": "crypto-user"}})
    );
    ok(shell.run("logout"));
    assert_eq!(shell.finish().code(), Some(1));
}

#[test]
fn the_shells_mfa_signatures_verify_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Test::new().secrets(SECRETS).arg("--keep-going").start();
    alice_with_mfa(&mut shell, dir.path());
    let tokens = dir.path().join("login.json");
    let login = format!(
        "login --username alice --role crypto-user mfa-token-sign --token {}",
        tokens.display()
    );
    assert_eq!(shell.run(&login)["error_code"], 1);
    ok(shell.run(&format!(
        "sim sign-token --token {0} --private-key {1} --out {0}",
        tokens.display(),
        keys().join("officer2.key").display()
    )));
    let signed: Value = serde_json::from_str(&fs::read_to_string(&tokens).unwrap()).unwrap();
    for token in signed["tokens"].as_array().unwrap() {
        let digest = dir.path().join("unsigned.bin");
        let signature = dir.path().join("signed.bin");
        fs::write(
            &digest,
            STANDARD
                .decode(token["unsigned"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        fs::write(
            &signature,
            STANDARD.decode(token["signed"].as_str().unwrap()).unwrap(),
        )
        .unwrap();
        let output = Command::new("openssl")
            .args([
                "pkeyutl",
                "-verify",
                "-pubin",
                "-pkeyopt",
                "digest:sha256",
                "-inkey",
            ])
            .arg(keys().join("officer2.pub"))
            .arg("-in")
            .arg(&digest)
            .arg("-sigfile")
            .arg(&signature)
            .output()
            .expect("openssl runs");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            "Signature Verified Successfully",
            "{output:?}"
        );
    }
    ok(shell.run(&format!("{login} --signed-token {}", tokens.display())));
    ok(shell.run("logout"));
    let _ = shell.finish();
}

#[test]
fn the_secrets_file_names_the_signed_file_and_token_files_are_narrowed_to_0600() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("login.json");
    // A readable file already there is narrowed before the tokens go into it.
    fs::write(&tokens, "old").unwrap();
    fs::set_permissions(&tokens, fs::Permissions::from_mode(0o644)).unwrap();
    let secrets = format!("{SECRETS}alice.signed-token={}\n", tokens.display());
    let state = state_with_alice(dir.path());
    let mut shell = Test::new()
        .state(&state)
        .secrets(&secrets)
        .arg("--keep-going")
        .start();
    let login = format!(
        "login --username alice --role crypto-user mfa-token-sign --token {}",
        tokens.display()
    );
    // The named file holds no signatures yet, so the login issues tokens into it.
    assert_eq!(shell.run(&login)["error_code"], 1);
    assert_eq!(
        fs::metadata(&tokens).unwrap().permissions().mode() & 0o777,
        0o600
    );
    sign_with_openssl(&tokens, &keys().join("officer2.key"));
    assert_eq!(
        shell.run(&login),
        json!({"error_code": 0, "data": {"username": "alice", "role": "crypto-user"}})
    );
    ok(shell.run("logout"));
    let _ = shell.finish();
}

#[test]
fn no_signature_or_private_key_reaches_the_transcript_or_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("session.txt");
    let state = dir.path().join("state");
    let mut shell = Test::new()
        .state(&state)
        .secrets(SECRETS)
        .arg("--keep-going")
        .arg("--record")
        .arg(&transcript)
        .start();
    alice_with_mfa(&mut shell, dir.path());
    let _ = shell.finish();
    let signed: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("mfa.json")).unwrap()).unwrap();
    let signature = signed["tokens"][0]["signed"].as_str().unwrap().to_owned();
    let pem = fs::read_to_string(keys().join("officer2.key")).unwrap();
    let key_line = pem.lines().nth(3).unwrap().to_owned();
    let recorded = fs::read_to_string(&transcript).unwrap();
    assert!(
        recorded.contains("user change-mfa token-sign"),
        "{recorded}"
    );
    for secret in [&signature[..40], &key_line, "mfa-alice-1"] {
        assert!(!recorded.contains(secret), "{secret} in the transcript");
        for file in fs::read_dir(&state).unwrap() {
            let bytes = fs::read(file.unwrap().path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(secret),
                "{secret} in the state"
            );
        }
    }
}

#[test]
fn at_the_prompt_the_shell_asks_for_the_signed_file_and_enter_means_the_same_file() {
    use crate::repl::{PROMPT, answer_password, expect, spawn_shell};
    let dir = tempfile::tempdir().unwrap();
    let state = state_with_alice(dir.path());
    let tokens = dir.path().join("login.json");
    let mut shell = spawn_shell(
        dir.path(),
        &["--state-dir", state.to_str().unwrap(), "interactive"],
    );
    expect(&mut shell, PROMPT);
    shell
        .send_line(&format!(
            "login --username alice --role crypto-user mfa-token-sign --token {}",
            tokens.display()
        ))
        .unwrap();
    answer_password(&mut shell, "mfa-alice-1", false);
    expect(
        &mut shell,
        "Enter signed token file path (press enter if same as the unsigned token file):",
    );
    sign_with_openssl(&tokens, &keys().join("officer2.key"));
    shell.send_line("").unwrap();
    expect(
        &mut shell,
        "\"username\": \"alice\",\r\n    \"role\": \"crypto-user\"",
    );
    expect(&mut shell, PROMPT);
    shell.send_line("quit").unwrap();
    crate::repl::exits_with_status_zero(&mut shell);
}

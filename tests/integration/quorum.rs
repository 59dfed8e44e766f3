//! Quorum approvals end to end: tokens signed by openssl approve as `sim sign-token`'s do, the
//! shell's signatures verify with openssl, a duplicate signature uses nothing, token files are
//! 0600, and no private key reaches a transcript or the state.

use crate::test::{LiveShell, Test, ok};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const SECRETS: &str = "admin=quorum-admin-1\nofficer2=quorum-officer-2\nofficer3=quorum-officer-3\nbob=quorum-bob-1\n";

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/demo/quorum-keys")
}

/// Three admins with registered quorum keys, the user service at 2, `admin` logged in.
fn ceremony_shell(test: Test, dir: &Path) -> LiveShell {
    // A refusal does not end the batch: the tests go on to show what it left.
    let mut shell = test.secrets(SECRETS).arg("--keep-going").start();
    ok(shell.run("cluster activate"));
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("user create --username officer2 --role admin"));
    ok(shell.run("user create --username officer3 --role admin"));
    let registration = dir.join("registration.json");
    for name in ["admin", "officer2", "officer3"] {
        if name != "admin" {
            ok(shell.run("logout"));
            ok(shell.run(&format!("login --username {name} --role admin")));
        }
        ok(shell.run(&format!(
            "quorum token-sign generate --service registration --token {}",
            registration.display()
        )));
        ok(shell.run(&format!(
            "sim sign-token --token {0} --private-key {1}/{name}.key --out {0}",
            registration.display(),
            keys().display()
        )));
        ok(shell.run(&format!(
            "user change-quorum token-sign register --public-key {}/{name}.pub --signed-token {}",
            keys().display(),
            registration.display()
        )));
    }
    ok(shell.run("logout"));
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("quorum token-sign set-quorum-value --service user --value 2"));
    shell
}

/// Has `token` signed by `approver`'s rehearsal key, in `approver`'s name.
fn sign(shell: &mut LiveShell, token: &Path, approver: &str) {
    ok(shell.run(&format!(
        "sim sign-token --token {0} --private-key {1}/{approver}.key --username {approver} --out {0}",
        token.display(),
        keys().display()
    )));
}

/// A new `user` service token of the logged-in admin, written to `token`.
fn user_token(shell: &mut LiveShell, token: &Path) {
    ok(shell.run(&format!(
        "quorum token-sign generate --service user --token {}",
        token.display()
    )));
}

fn openssl(args: &[&str]) -> std::process::Output {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(output.status.success(), "openssl {args:?}: {output:?}");
    output
}

fn token_file(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).expect("the token file")).expect("JSON")
}

#[test]
fn openssl_signatures_approve_and_the_shells_verify_with_openssl() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut shell = ceremony_shell(Test::new(), dir.path());
    let token = dir.path().join("user.json");
    user_token(&mut shell, &token);
    assert_eq!(
        fs::metadata(&token).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // officer2 approves with openssl, as the CloudHSM documentation shows.
    let digest = dir.path().join("token.bin");
    let file = token_file(&token);
    fs::write(
        &digest,
        STANDARD.decode(file["token"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let signature = dir.path().join("officer2.sig");
    openssl(&[
        "pkeyutl",
        "-sign",
        "-inkey",
        keys().join("officer2.key").to_str().unwrap(),
        "-pkeyopt",
        "digest:sha256",
        "-in",
        digest.to_str().unwrap(),
        "-out",
        signature.to_str().unwrap(),
    ]);
    let mut file = file;
    file["signatures"] = json!([{
        "username": "officer2",
        "signature": STANDARD.encode(fs::read(&signature).unwrap()),
    }]);
    fs::write(&token, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    // officer3 approves with the shell; openssl verifies that signature.
    sign(&mut shell, &token, "officer3");
    let signed = token_file(&token);
    assert_eq!(signed["signatures"][0]["username"], "officer2");
    let officer3 = dir.path().join("officer3.sig");
    fs::write(
        &officer3,
        STANDARD
            .decode(signed["signatures"][1]["signature"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let verified = openssl(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        keys().join("officer3.pub").to_str().unwrap(),
        "-pkeyopt",
        "digest:sha256",
        "-in",
        digest.to_str().unwrap(),
        "-sigfile",
        officer3.to_str().unwrap(),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&verified.stdout).trim(),
        "Signature Verified Successfully"
    );
    assert_eq!(
        shell.run(&format!(
            "user create --username bob --role crypto-user --approval {}",
            token.display()
        )),
        json!({"error_code": 0, "data": {"username": "bob", "role": "crypto-user"}})
    );
    ok(shell.run("logout"));
    assert!(shell.finish().success());
}

#[test]
fn a_duplicate_signature_is_refused_and_uses_nothing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut shell = ceremony_shell(Test::new(), dir.path());
    let token = dir.path().join("user.json");
    user_token(&mut shell, &token);
    sign(&mut shell, &token, "officer2");
    let mut file = token_file(&token);
    let twice = json!([file["signatures"][0], file["signatures"][0]]);
    file["signatures"] = twice;
    let duplicated = dir.path().join("twice.json");
    fs::write(&duplicated, serde_json::to_string(&file).unwrap()).unwrap();
    let create = |path: &Path| {
        format!(
            "user create --username bob --role crypto-user --approval {}",
            path.display()
        )
    };
    assert_eq!(
        shell.run(&create(&duplicated)),
        json!({"error_code": 1, "data": "Quorum approval refused: officer2 signed the token twice; nothing was used"})
    );
    assert_eq!(
        shell.run("user list")["data"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|user| user["username"] == "bob")
            .count(),
        0
    );
    sign(&mut shell, &token, "officer3");
    ok(shell.run(&create(&token)));
    ok(shell.run("logout"));
    // The refused line fails the batch, as any failed command does.
    assert_eq!(shell.finish().code(), Some(1));
}

#[test]
fn no_private_key_reaches_the_transcript_or_the_state() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let transcript = dir.path().join("session.txt");
    let state = dir.path().join("state");
    let test = Test::new().state(&state).arg("--record").arg(&transcript);
    let mut shell = ceremony_shell(test, dir.path());
    ok(shell.run("logout"));
    assert!(shell.finish().success());
    let recorded = fs::read_to_string(&transcript).expect("the transcript");
    assert!(recorded.contains("sim sign-token"), "{recorded}");
    for name in ["admin", "officer2", "officer3"] {
        let pem = fs::read_to_string(keys().join(format!("{name}.key"))).unwrap();
        // Any line of the key's base64 body is enough to give it away.
        let body_line = pem.lines().nth(3).unwrap();
        assert!(
            !recorded.contains(body_line),
            "{name}'s key in the transcript"
        );
        for file in fs::read_dir(&state).unwrap() {
            let bytes = fs::read(file.unwrap().path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(body_line), "{name}'s key in the state");
        }
    }
}

#[test]
fn changing_another_users_mfa_is_a_user_service_operation() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut shell = ceremony_shell(Test::new(), dir.path());
    let deregister = "user change-mfa token-sign --username officer3 --role admin --deregister --change-password quorum-officer-3";
    assert_eq!(
        shell.run(deregister),
        json!({"error_code": 1, "data": "Quorum approval is required for this operation"})
    );
    let token = dir.path().join("user.json");
    user_token(&mut shell, &token);
    sign(&mut shell, &token, "officer2");
    sign(&mut shell, &token, "officer3");
    ok(shell.run(&format!("{deregister} --approval {}", token.display())));
    // Deregistering MFA drops officer3's quorum key too.
    let users = ok(shell.run("user list"));
    let officer3 = users["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == "officer3")
        .unwrap()
        .clone();
    assert_eq!(officer3["quorum"], json!([]));
    assert_eq!(officer3["mfa"], json!([]));
    ok(shell.run("logout"));
    assert_eq!(shell.finish().code(), Some(1));
}

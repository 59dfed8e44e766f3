//! Files named on a command line: a device, a FIFO or a file over its kind's limit is refused at
//! once with one line naming the path and the limit, the command fails with exit status 1, and
//! the state does not change.

use crate::test::{Test, json_lines};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SECRETS: &str = "admin=keystore-admin-1\nkmsuser=KeystoreKms1\n";
/// Far longer than a refusal takes; a read that blocks or runs on is killed and fails the test.
const PATIENCE: Duration = Duration::from_secs(60);

/// An activated cluster with kmsuser (a crypto user) and an EC key pair labelled `signer`.
fn state() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    let replies = batch(
        dir.path(),
        "cluster activate\nlogin --username admin --role admin\n\
         user create --username kmsuser --role crypto-user\nlogout\n\
         login --username kmsuser --role crypto-user\n\
         key generate-asymmetric-pair ec --curve secp256r1 --public-label signer-public \
         --private-label signer --private-attributes sign=true\nlogout\n",
    );
    assert!(
        replies.iter().all(|reply| reply["error_code"] == 0),
        "{replies:?}"
    );
    dir
}

fn batch(state: &Path, lines: &str) -> Vec<Value> {
    let test = Test::new().state(state).secrets(SECRETS);
    let mut child = test.spawn();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(lines.as_bytes())
        .expect("cannot write the batch");
    drop(stdin);
    let output = child.wait_with_output().expect("cannot wait for the shell");
    json_lines(&String::from_utf8(output.stdout).expect("stdout is UTF-8"))
}

/// What a user could see of the state: its keys, key stores and KMS keys.
fn snapshot(state: &Path) -> Vec<Value> {
    batch(
        state,
        "login --username kmsuser --role crypto-user\nkey list --verbose --max-items 100\n\
         keystore describe\nkms list-keys\n",
    )
}

/// Runs one command in single-command mode as kmsuser.
fn run_single(state: &Path, line: &str) -> (Vec<Value>, Option<i32>, String) {
    run_patiently(
        Test::new()
            .state(state)
            .secrets(SECRETS)
            .env("CLOUDHSM_ROLE", "crypto-user")
            .env("CLOUDHSM_PIN", "kmsuser:KeystoreKms1")
            .args(line.split(' ')),
        line,
    )
}

/// Runs `test` (which owns the sandbox with its secrets file) with stdin closed; its stdout and
/// exit status, or a failed test when it does not end within [`PATIENCE`].
fn run_patiently(test: Test, line: &str) -> (Vec<Value>, Option<i32>, String) {
    let mut child = test.spawn();
    drop(child.stdin.take());
    let started = Instant::now();
    while child.try_wait().expect("cannot poll the shell").is_none() {
        if started.elapsed() > PATIENCE {
            child.kill().expect("cannot stop the shell");
            child.wait().expect("cannot reap the shell");
            panic!("`{line}` still ran after {} s", PATIENCE.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child
        .wait_with_output()
        .expect("cannot read the shell's output");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    (json_lines(&stdout), output.status.code(), stderr)
}

/// The four commands of the hardening issue, `PATH` standing for their file argument, each
/// with what its file holds and that kind's limit in bytes.
const COMMANDS: [(&str, &str, usize); 4] = [
    (
        "key import pem --path PATH --label imported --key-type-class ec-public",
        "a PEM public key",
        65536,
    ),
    (
        "crypto sign ecdsa --key-filter attr.label=signer --hash-function sha256 --data-path PATH",
        "the data of one HSM operation",
        16384,
    ),
    (
        "keystore create --custom-key-store-name second --cloud-hsm-cluster-id cluster-zxqwotxh2y6 \
         --trust-anchor-certificate file://PATH",
        "a KMS TrustAnchorCertificate",
        5000,
    ),
    (
        "kms decrypt --ciphertext-blob fileb://PATH",
        "a KMS CiphertextBlob",
        6144,
    ),
];

fn with_path(line: &str, path: &Path) -> String {
    line.replace("PATH", &path.display().to_string())
}

/// Runs every command on `path` and checks the one-line refusal `reason(kind, limit)` names.
fn assert_refused(path: &Path, reason: impl Fn(&str, usize) -> String) {
    let dir = state();
    let before = snapshot(dir.path());
    for (line, kind, limit) in COMMANDS {
        let line = with_path(line, path);
        let (stdout, status, stderr) = run_single(dir.path(), &line);
        let expected = format!("Cannot read {}: {}", path.display(), reason(kind, limit));
        assert_eq!(
            stdout,
            vec![json!({"error_code": 1, "data": expected})],
            "{line}"
        );
        assert_eq!(status, Some(1), "{line}");
        assert_eq!(stderr, "", "{line}");
    }
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_device_is_refused_by_every_file_argument() {
    assert_refused(Path::new("/dev/zero"), |kind, limit| {
        format!(
            "it is a character device, not a regular file; give a file of at most {limit} bytes \
             ({kind})"
        )
    });
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("cannot run mkfifo");
    assert!(made.success());
    assert_refused(&fifo, |kind, limit| {
        format!("it is a FIFO, not a regular file; give a file of at most {limit} bytes ({kind})")
    });
}

#[test]
fn a_regular_file_one_byte_over_its_limit_is_refused() {
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    let state = state();
    let before = snapshot(state.path());
    for (line, kind, limit) in COMMANDS {
        let path = oversize(dir.path(), limit + 1);
        let line = with_path(line, &path);
        let (stdout, status, _) = run_single(state.path(), &line);
        assert_eq!(
            stdout,
            vec![json!({
                "error_code": 1,
                "data": format!(
                    "Cannot read {}: it is larger than {limit} bytes, the limit for {kind}",
                    path.display()
                )
            })],
            "{line}"
        );
        assert_eq!(status, Some(1));
    }
    assert_eq!(snapshot(state.path()), before);
}

#[test]
fn a_ciphertext_file_at_its_limit_reaches_kms() {
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    let state = state();
    let path = oversize(dir.path(), 6144);
    let (stdout, status, _) = run_single(
        state.path(),
        &format!("kms decrypt --ciphertext-blob fileb://{}", path.display()),
    );
    assert_eq!(status, Some(1));
    let message = stdout[0]["data"].as_str().expect("a message");
    assert!(
        message.starts_with("InvalidCiphertextException: "),
        "{message}"
    );
}

#[test]
fn a_fifo_as_secrets_file_or_transcript_stops_the_start() {
    let dir = tempfile::tempdir().expect("cannot create a temp dir");
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .args(["-m", "600"])
        .arg(&fifo)
        .status()
        .expect("cannot run mkfifo");
    assert!(made.success());
    let refusal = |limit: usize, kind: &str| {
        vec![json!({
            "error_code": 1,
            "data": format!(
                "Cannot read {}: it is a FIFO, not a regular file; give a file of at most {limit} \
                 bytes ({kind})",
                fifo.display()
            )
        })]
    };
    let (stdout, status, _) = run_patiently(
        Test::new()
            .arg("--secrets")
            .arg(&fifo)
            .args(["user", "list"]),
        "--secrets FIFO",
    );
    assert_eq!(
        (stdout, status),
        (refusal(65536, "a secrets file"), Some(2))
    );
    let (stdout, status, _) =
        run_patiently(Test::new().arg("--replay").arg(&fifo), "--replay FIFO");
    assert_eq!(
        (stdout, status),
        (refusal(16_777_216, "a transcript"), Some(2))
    );
}

/// A file of `size` bytes named after its size.
fn oversize(dir: &Path, size: usize) -> PathBuf {
    let path = dir.join(size.to_string());
    std::fs::write(&path, vec![b'A'; size]).expect("cannot write a test file");
    path
}

//! `--aws` against a mock of AWS on 127.0.0.1 (awsJson1.1, as the SDK speaks it to both KMS and
//! CloudHSM v2): the requests the shell sends, how it prints the answers and the errors, and
//! the flags and `sim` refusals of the mode.

mod control_plane;
mod mock;
mod modes;

use crate::test::{Test, json_lines};
use mock::{MockAws, Request};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "KmsPassw0rdOnTheWire";
pub const STORE_ID: &str = "cks-1234567890abcdef0";
pub const CLUSTER_ID: &str = "cluster-1a23b4cdefg";
pub const CREATED: i64 = 1_767_225_600;

/// A test on `--aws` with static credentials, no instance metadata and no profile files.
pub fn aws_test(endpoint: Option<&str>) -> Test {
    let test = Test::new()
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PROFILE", "default")
        .args(["--aws", "--region", "us-east-1"]);
    match endpoint {
        Some(url) => test.args(["--endpoint-url", url]),
        None => test,
    }
}

pub fn ok(answer: Value) -> mock::Answer {
    (200, answer.to_string())
}

fn store(state: &str) -> Value {
    json!({
        "CustomKeyStoreId": STORE_ID,
        "CustomKeyStoreName": "ExampleKeyStore",
        "CloudHsmClusterId": CLUSTER_ID,
        "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "ConnectionState": state,
        "CreationDate": CREATED as f64 + 0.25,
        "CustomKeyStoreType": "AWS_CLOUDHSM"
    })
}

/// [`store`] as the shell prints it: the creation date in whole seconds.
fn printed_store(state: &str) -> Value {
    let mut printed = store(state);
    printed["CreationDate"] = json!(CREATED);
    printed
}

pub fn unexpected(request: &Request) -> mock::Answer {
    (
        400,
        json!({"__type": "UnknownOperationException", "message": request.target()}).to_string(),
    )
}

#[test]
fn create_sends_the_password_to_kms_and_nowhere_else() {
    let kms = MockAws::start(|request| match request.target() {
        "TrentService.CreateCustomKeyStore" => ok(json!({"CustomKeyStoreId": STORE_ID})),
        _ => unexpected(request),
    });
    // The password from a secrets file, as a batch would give it (not on the command line).
    let test = aws_test(Some(&kms.url)).secrets(&format!("kmsuser={PASSWORD}\n"));
    let transcript = test.path("session.txt");
    let anchor = test.path("customerCA.crt");
    std::fs::write(
        &anchor,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .expect("the trust anchor");
    let output = test
        .arg("--record")
        .arg(&transcript)
        .args([
            "keystore",
            "create",
            "--custom-key-store-name",
            "ExampleKeyStore",
            "--cloud-hsm-cluster-id",
            CLUSTER_ID,
            "--trust-anchor-certificate",
        ])
        .arg(format!("file://{}", anchor.display()))
        .stdout_json(vec![
            json!({"error_code": 0, "data": {"CustomKeyStoreId": STORE_ID}}),
        ])
        .run();
    let requests = kms.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/");
    assert_eq!(request.target(), "TrentService.CreateCustomKeyStore");
    assert_eq!(
        request.headers["content-type"],
        "application/x-amz-json-1.1"
    );
    let authorization = &request.headers["authorization"];
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=test/")
            && authorization.contains("/us-east-1/kms/aws4_request"),
        "not signed for KMS in us-east-1: {authorization}"
    );
    assert_eq!(
        request.json(),
        json!({
            "CustomKeyStoreName": "ExampleKeyStore",
            "CloudHsmClusterId": CLUSTER_ID,
            "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "KeyStorePassword": PASSWORD
        })
    );
    assert!(!output.stdout.contains(PASSWORD) && !output.stderr.contains(PASSWORD));
    let recorded = std::fs::read_to_string(&transcript).expect("the transcript");
    assert!(recorded.contains("keystore create"), "{recorded}");
    assert!(!recorded.contains(PASSWORD), "{recorded}");
}

#[test]
fn described_key_stores_print_as_the_simulator_prints_them() {
    let kms = MockAws::start(|request| match request.target() {
        "TrentService.DescribeCustomKeyStores" => {
            let mut failed = store("FAILED");
            failed["ConnectionErrorCode"] = json!("USER_LOCKED_OUT");
            ok(json!({"CustomKeyStores": [failed], "Truncated": false}))
        }
        _ => unexpected(request),
    });
    let mut printed_failed = printed_store("FAILED");
    printed_failed["ConnectionErrorCode"] = json!("USER_LOCKED_OUT");
    aws_test(Some(&kms.url))
        .args(["keystore", "describe", "--custom-key-store-id", STORE_ID])
        .stdout_json(vec![json!({"error_code": 0, "data": {
            "CustomKeyStores": [printed_failed],
            "Truncated": false
        }})])
        .run();
    let requests = kms.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json(), json!({"CustomKeyStoreId": STORE_ID}));
}

#[test]
fn an_aws_error_is_the_exception_and_its_message() {
    let kms = MockAws::start(|_| {
        (
            400,
            json!({
                "__type": "CustomKeyStoreNotFoundException",
                "message": "Custom key store cks-1234567890abcdef0 does not exist."
            })
            .to_string(),
        )
    });
    aws_test(Some(&kms.url))
        .args(["keystore", "connect", "--custom-key-store-id", STORE_ID])
        .stdout_json(vec![json!({
            "error_code": 1,
            "data": "CustomKeyStoreNotFoundException: Custom key store cks-1234567890abcdef0 does not exist."
        })])
        .status(1)
        .run();
    assert_eq!(kms.targets(), ["TrentService.ConnectCustomKeyStore"]);
}

#[test]
fn an_unreachable_endpoint_is_one_line_and_quick() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("its address").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    aws_test(Some(&url))
        .args(["kms", "list-keys"])
        .stdout_json(vec![json!({
            "error_code": 1,
            "data": format!("Cannot reach KMS at {url}: Connection refused (os error 111)")
        })])
        .status(1)
        .run();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

/// An `https://` endpoint gets the TLS client (a plain-HTTP one gets none): against a server
/// that answers plain HTTP the handshake fails, in one line naming the endpoint, and nothing is
/// sent in clear.
#[test]
fn an_https_endpoint_is_reached_over_tls_only() {
    let kms = MockAws::start(|_| ok(json!({"Keys": [], "Truncated": false})));
    let url = kms.url.replacen("http://", "https://", 1);
    let output = aws_test(Some(&url))
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["kms", "list-keys"])
        .run_unchecked();
    assert_eq!(output.status, Some(1), "{}", output.stdout);
    let envelopes = json_lines(&output.stdout);
    assert_eq!(envelopes.len(), 1, "{}", output.stdout);
    assert_eq!(envelopes[0]["error_code"], 1);
    let message = envelopes[0]["data"].as_str().expect("a message");
    assert!(
        message.starts_with(&format!("Cannot reach KMS at {url}: ")) && !message.contains('\n'),
        "{message}"
    );
    // What rustls says when a plain-HTTP server closes on, or answers, its ClientHello: the
    // handshake did run.
    assert!(
        ["tls handshake eof", "corrupt message"]
            .iter()
            .any(|sign| message.contains(sign)),
        "{message}"
    );
    assert!(kms.targets().is_empty(), "a request went out in clear");
}

#[test]
fn connect_wait_polls_kms_until_the_store_is_connected() {
    let describes = AtomicUsize::new(0);
    let kms = MockAws::start(move |request| match request.target() {
        "TrentService.ConnectCustomKeyStore" => ok(json!({})),
        "TrentService.DescribeCustomKeyStores" => {
            let state = match describes.fetch_add(1, Ordering::SeqCst) {
                0 => "CONNECTING",
                _ => "CONNECTED",
            };
            ok(json!({"CustomKeyStores": [store(state)], "Truncated": false}))
        }
        _ => unexpected(request),
    });
    let started = Instant::now();
    // Unseeded, so the local state is on the system clock: a rehearsal on the virtual clock
    // would move that clock instead of pausing.
    aws_test(Some(&kms.url))
        .unseeded()
        .args([
            "keystore",
            "connect",
            "--custom-key-store-id",
            STORE_ID,
            "--wait",
        ])
        .stdout_json(vec![json!({"error_code": 0, "data": {
            "CustomKeyStores": [printed_store("CONNECTED")],
            "Truncated": false
        }})])
        .run();
    assert_eq!(
        kms.targets(),
        [
            "TrentService.ConnectCustomKeyStore",
            "TrentService.DescribeCustomKeyStores",
            "TrentService.DescribeCustomKeyStores"
        ]
    );
    // One real pause of a second between the two reads.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

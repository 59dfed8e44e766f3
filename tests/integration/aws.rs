//! `--aws` against a mock of AWS on 127.0.0.1 (awsJson1.1, as the SDK speaks it to both KMS and
//! CloudHSM v2): the requests the shell sends, how it prints the answers and the errors, and
//! the flags and `sim` refusals of the mode.

mod mock;

use crate::test::Test;
use mock::{MockAws, Request};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "KmsPassw0rdOnTheWire";
const STORE_ID: &str = "cks-1234567890abcdef0";
const CLUSTER_ID: &str = "cluster-1a23b4cdefg";
const CREATED: i64 = 1_767_225_600;

/// A test on `--aws` with static credentials, no instance metadata and no profile files.
fn aws_test(endpoint: Option<&str>) -> Test {
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

fn ok(answer: Value) -> mock::Answer {
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

fn unexpected(request: &Request) -> mock::Answer {
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
    aws_test(Some(&kms.url))
        .args(["keystore", "describe", "--custom-key-store-id", STORE_ID])
        .stdout_json(vec![json!({"error_code": 0, "data": {
            "CustomKeyStores": [{
                "CustomKeyStoreId": STORE_ID,
                "CustomKeyStoreName": "ExampleKeyStore",
                "CloudHsmClusterId": CLUSTER_ID,
                "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                "ConnectionState": "FAILED",
                "ConnectionErrorCode": "USER_LOCKED_OUT",
                "CreationDate": CREATED,
                "CustomKeyStoreType": "AWS_CLOUDHSM"
            }],
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
    aws_test(Some(&kms.url))
        .args([
            "keystore",
            "connect",
            "--custom-key-store-id",
            STORE_ID,
            "--wait",
        ])
        .stdout_json(vec![json!({"error_code": 0, "data": {}})])
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

fn cluster() -> Value {
    json!({
        "ClusterId": CLUSTER_ID,
        "State": "ACTIVE",
        "HsmType": "hsm2m.medium",
        "VpcId": "vpc-0123456789abcdef0",
        "SubnetMapping": {"us-east-1a": "subnet-aaaa", "us-east-1b": "subnet-bbbb"},
        "SecurityGroup": "sg-0123456789abcdef0",
        "Hsms": [{
            "HsmId": "hsm-aaaaaaaaaaa",
            "AvailabilityZone": "us-east-1a",
            "ClusterId": CLUSTER_ID,
            "SubnetId": "subnet-aaaa",
            "EniId": "eni-0123456789abcdef0",
            "EniIp": "10.0.0.12",
            "HsmType": "hsm2m.medium",
            "State": "ACTIVE"
        }],
        "Certificates": {"ClusterCertificate": "CERT"},
        "BackupPolicy": "DEFAULT",
        "BackupRetentionPolicy": {"Type": "DAYS", "Value": "90"},
        "CreateTimestamp": CREATED,
        "Mode": "FIPS",
        "NetworkType": "IPV4"
    })
}

#[test]
fn describe_clusters_asks_cloudhsm_with_the_filters() {
    let cloudhsm = MockAws::start(|request| match request.target() {
        "BaldrApiService.DescribeClusters" => ok(json!({"Clusters": [cluster()]})),
        _ => unexpected(request),
    });
    let output = aws_test(Some(&cloudhsm.url))
        .args([
            "cloudhsmv2",
            "describe-clusters",
            "--filters",
            "states=ACTIVE",
        ])
        .run_unchecked();
    assert_eq!(output.status, Some(0), "{}", output.stdout);
    let printed: Value = serde_json::from_str(output.stdout.trim()).expect("one envelope");
    assert_eq!(
        printed,
        json!({"error_code": 0, "data": {"Clusters": [cluster()]}})
    );
    let requests = cloudhsm.requests();
    assert_eq!(requests.len(), 1);
    // awsJson1.1 on `/`, as the SDK speaks it to CloudHSM v2 (not RPC v2 CBOR).
    assert_eq!(requests[0].path, "/");
    assert_eq!(requests[0].target(), "BaldrApiService.DescribeClusters");
    assert_eq!(
        requests[0].json(),
        json!({"Filters": {"states": ["ACTIVE"]}})
    );
    assert!(
        requests[0].headers["authorization"].contains("/us-east-1/cloudhsm/aws4_request"),
        "{:?}",
        requests[0].headers
    );
}

#[test]
fn prerequisites_run_what_the_apis_answer_and_name_the_commands_for_the_rest() {
    let aws = MockAws::start(|request| match request.target() {
        "BaldrApiService.DescribeClusters" => ok(json!({"Clusters": [cluster()]})),
        "BaldrApiService.DescribeBackups" => ok(json!({"Backups": []})),
        "TrentService.DescribeCustomKeyStores" => {
            ok(json!({"CustomKeyStores": [], "Truncated": false}))
        }
        _ => unexpected(request),
    });
    let output = aws_test(Some(&aws.url))
        .args([
            "keystore",
            "check-prerequisites",
            "--cloud-hsm-cluster-id",
            CLUSTER_ID,
        ])
        .run_unchecked();
    assert_eq!(output.status, Some(0), "{}", output.stdout);
    let printed: Value = serde_json::from_str(output.stdout.trim()).expect("one envelope");
    let report = &printed["data"];
    assert_eq!(report["AllPassed"], false);
    let checks: Vec<(String, bool, bool)> = report["Checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|check| {
            (
                check["Check"].as_str().unwrap_or_default().to_owned(),
                check["Passed"] == true,
                check["NotRun"] == true,
            )
        })
        .collect();
    let expected = [
        ("ClusterExists", true, false),
        ("ClusterActive", true, false),
        ("ActiveHsmsInTwoZones", false, false),
        ("SubnetsInTwoZones", true, false),
        ("SubnetsExist", false, true),
        ("SubnetsHaveFreeAddresses", false, true),
        ("SecurityGroupRules", false, true),
        ("ClusterNotInUse", true, false),
        ("KmsuserExists", false, true),
        ("KmsuserPassword", false, true),
        ("KmsuserNoMfa", false, true),
        ("KmsuserNotLoggedIn", false, true),
        ("KmsuserNotLocked", false, true),
    ]
    .map(|(name, passed, not_run)| (name.to_owned(), passed, not_run));
    assert_eq!(checks, expected);
    let rules = &report["Checks"][6];
    assert_eq!(
        rules["Fix"],
        "Check for inbound and outbound TCP 2223-2225 rules from the group itself: aws ec2 \
         describe-security-groups --group-ids sg-0123456789abcdef0"
    );
    assert_eq!(
        report["Checks"][2]["Detail"],
        "1 ACTIVE HSM(s) in 1 Availability Zone(s)"
    );
}

#[test]
fn sim_commands_are_refused_on_aws_itself() {
    aws_test(None)
        .args([
            "sim",
            "set-delays",
            "--connect-seconds",
            "5",
            "--disconnect-seconds",
            "5",
        ])
        .stdout_json(vec![json!({
            "error_code": 1,
            "data": "'sim set-delays' changes the embedded simulator; with --aws the key stores \
                     and clusters are in AWS, so it cannot change what they do (give \
                     --endpoint-url to rehearse against cloudhsm-shell serve on this state \
                     directory)"
        })])
        .status(1)
        .run();
}

#[test]
fn sim_commands_act_on_the_local_state_when_rehearsing_against_an_endpoint() {
    let nothing = MockAws::start(unexpected);
    aws_test(Some(&nothing.url))
        .args(["sim", "advance-clock", "--seconds", "60"])
        .stdout_json(vec![json!({
            "error_code": 0,
            "data": {"message": "The simulated clock moved 60 s forward and now reads 2026-01-01T00:01:00Z"}
        })])
        .run();
    assert!(nothing.requests().is_empty());
}

#[test]
fn aws_options_without_aws_stop_the_shell() {
    for flags in [
        &["--region", "us-east-1"][..],
        &["--profile", "ops"],
        &["--endpoint-url", "http://127.0.0.1:4566"],
    ] {
        let output = Test::new()
            .args(flags)
            .args(["user", "list"])
            .run_unchecked();
        assert_eq!(output.status, Some(2), "{flags:?}");
        assert!(output.stdout.is_empty());
        assert!(
            output.stderr.starts_with(
                "error: --region, --profile and --endpoint-url say where --aws sends its \
                 requests: add --aws (or set CLOUDHSM_SHELL_AWS=1)"
            ),
            "{}",
            output.stderr
        );
    }
}

#[test]
fn the_environment_turns_aws_on() {
    let kms = MockAws::start(|request| match request.target() {
        "TrentService.ListKeys" => ok(json!({"Keys": [], "Truncated": false})),
        _ => unexpected(request),
    });
    Test::new()
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PROFILE", "default")
        .env("CLOUDHSM_SHELL_AWS", "1")
        .env("AWS_REGION", "eu-west-3")
        .args(["--endpoint-url", &kms.url, "kms", "list-keys"])
        .stdout_json(vec![
            json!({"error_code": 0, "data": {"Keys": [], "Truncated": false}}),
        ])
        .run();
    let requests = kms.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].headers["authorization"].contains("/eu-west-3/kms/aws4_request"));
}

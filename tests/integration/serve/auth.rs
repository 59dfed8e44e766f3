//! `--require-credentials`: requests signed with SigV4 by the test (as an AWS SDK signs them)
//! pass; unsigned, badly signed, stale or foreign ones get the AWS errors.

use super::served::{JSON, Served, sigv4_headers};
use super::{CLUSTER, create_input, ready_state};
use crate::test::Test;
use serde_json::json;
use std::time::{Duration, SystemTime};

const ACCESS_KEY_ID: &str = "AKIDSERVETEST";
const SECRET_ACCESS_KEY: &str = "serve/secret+key/EXAMPLE";
const CREDENTIALS_IN_ARGUMENTS: &str = "warning: a secret access key on the command line is \
    visible to every local user (ps, /proc); give it through CLOUDHSM_SHELL_REQUIRE_CREDENTIALS \
    instead";

/// Sends `body` to `operation` signed with `secret` for `service` at `time`.
fn signed(
    served: &Served,
    operation: &str,
    body: &[u8],
    secret: &str,
    service: &str,
    time: SystemTime,
) -> (u16, serde_json::Value) {
    let host = format!("127.0.0.1:{}", served.port);
    let target = format!("TrentService.{operation}");
    let headers = [
        ("host", host.as_str()),
        ("content-type", JSON),
        ("x-amz-target", target.as_str()),
    ];
    let signature = sigv4_headers(ACCESS_KEY_ID, secret, service, "/", &headers, body, time);
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    all.extend(
        signature
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    served.send("POST", "/", &all, body).status_and_json()
}

#[test]
fn only_requests_signed_with_the_required_key_are_served() {
    let (_sandbox, state) = ready_state();
    let credentials = format!("{ACCESS_KEY_ID}:{SECRET_ACCESS_KEY}");
    let served = Served::start(
        Test::new().state(&state),
        &["--require-credentials", &credentials],
    );
    let now = SystemTime::now();
    let create = create_input(&state, "signed", CLUSTER).to_string();
    let (status, reply) = signed(
        &served,
        "CreateCustomKeyStore",
        create.as_bytes(),
        SECRET_ACCESS_KEY,
        "kms",
        now,
    );
    assert_eq!(status, 200, "{reply}");
    let id = reply["CustomKeyStoreId"].as_str().unwrap().to_owned();
    let describe = json!({"CustomKeyStoreId": id}).to_string();
    let (status, listed) = signed(
        &served,
        "DescribeCustomKeyStores",
        describe.as_bytes(),
        SECRET_ACCESS_KEY,
        "kms",
        now,
    );
    assert_eq!((status, listed["Truncated"].clone()), (200, json!(false)));

    let refused = |reply: (u16, serde_json::Value)| {
        (
            reply.0,
            reply.1["__type"].as_str().unwrap_or_default().to_owned(),
        )
    };
    // No signature at all.
    let unsigned = served.kms("DescribeCustomKeyStores", &json!({}));
    assert_eq!(
        unsigned.status_and_json(),
        (
            403,
            json!({
                "__type": "MissingAuthenticationTokenException",
                "message": "Missing Authentication Token",
            })
        )
    );
    // Another secret, a stale date, another service's scope.
    for (secret, service, time, expected) in [
        ("another/secret", "kms", now, "InvalidSignatureException"),
        (
            SECRET_ACCESS_KEY,
            "kms",
            now - Duration::from_secs(20 * 60),
            "InvalidSignatureException",
        ),
        (
            SECRET_ACCESS_KEY,
            "cloudhsm",
            now,
            "InvalidSignatureException",
        ),
    ] {
        assert_eq!(
            refused(signed(
                &served,
                "DeleteCustomKeyStore",
                describe.as_bytes(),
                secret,
                service,
                time
            )),
            (400, expected.to_owned()),
            "{service} {secret}"
        );
    }
    // Signed, then the body changed on the way.
    let host = format!("127.0.0.1:{}", served.port);
    let headers = [
        ("host", host.as_str()),
        ("content-type", JSON),
        ("x-amz-target", "TrentService.DeleteCustomKeyStore"),
    ];
    let signature = sigv4_headers(
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        "kms",
        "/",
        &headers,
        b"{}",
        now,
    );
    let mut tampered: Vec<(&str, &str)> = headers.to_vec();
    tampered.extend(
        signature
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let reply = served.send("POST", "/", &tampered, describe.as_bytes());
    assert_eq!(
        refused(reply.status_and_json()),
        (400, "InvalidSignatureException".to_owned())
    );
    // An unknown access key, and an Authorization header that is not SigV4.
    let foreign = signature
        .iter()
        .map(|(name, value)| {
            (
                name.clone(),
                value.replace(ACCESS_KEY_ID, "AKIDSOMEONEELSE"),
            )
        })
        .collect::<Vec<_>>();
    let mut with_foreign: Vec<(&str, &str)> = headers.to_vec();
    with_foreign.extend(
        foreign
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    assert_eq!(
        refused(
            served
                .send("POST", "/", &with_foreign, b"{}")
                .status_and_json()
        ),
        (400, "UnrecognizedClientException".to_owned())
    );
    let mut basic: Vec<(&str, &str)> = headers.to_vec();
    basic.push(("authorization", "Basic dGVzdDp0ZXN0"));
    assert_eq!(
        refused(served.send("POST", "/", &basic, b"{}").status_and_json()),
        (400, "IncompleteSignatureException".to_owned())
    );

    // Nothing refused was done: the store is still there.
    let (status, listed) = signed(
        &served,
        "DescribeCustomKeyStores",
        describe.as_bytes(),
        SECRET_ACCESS_KEY,
        "kms",
        now,
    );
    assert_eq!(status, 200);
    assert_eq!(
        listed["CustomKeyStores"][0]["CustomKeyStoreId"],
        id.as_str()
    );
    let (status, log) = served.stop();
    assert_eq!(status.code(), Some(0));
    assert!(!log.contains(SECRET_ACCESS_KEY), "{log}");
    // Given as an argument, the key is in `ps` for every local user: the log's first line says so.
    assert_eq!(log.lines().next(), Some(CREDENTIALS_IN_ARGUMENTS), "{log}");
}

/// From the environment, which other users cannot read, the same key draws no warning and is
/// required all the same.
#[test]
fn credentials_from_the_environment_are_required_without_a_warning() {
    let (_sandbox, state) = ready_state();
    let credentials = format!("{ACCESS_KEY_ID}:{SECRET_ACCESS_KEY}");
    let served = Served::start(
        Test::new()
            .state(&state)
            .env("CLOUDHSM_SHELL_REQUIRE_CREDENTIALS", &credentials),
        &[],
    );
    let (status, _) = signed(
        &served,
        "ListKeys",
        b"{}",
        SECRET_ACCESS_KEY,
        "kms",
        SystemTime::now(),
    );
    assert_eq!(status, 200);
    let (status, _) = signed(
        &served,
        "ListKeys",
        b"{}",
        "not-the-secret",
        "kms",
        SystemTime::now(),
    );
    assert_eq!(status, 400);
    let (status, log) = served.stop();
    assert_eq!(status.code(), Some(0));
    assert!(!log.contains("warning"), "{log}");
    assert_eq!(log.lines().count(), 2, "one line per request: {log}");
}

#[test]
fn without_the_flag_any_signature_or_none_is_accepted() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    let (status, _) = signed(
        &served,
        "ListKeys",
        b"{}",
        "whatever",
        "kms",
        SystemTime::now() - Duration::from_secs(3600),
    );
    assert_eq!(status, 200);
    assert_eq!(served.kms("ListKeys", &json!({})).status, 200);
}

/// A malformed `--require-credentials` (from the flag or the environment) stops the server
/// without repeating the value, which may be a secret access key.
#[test]
fn a_malformed_credential_is_refused_without_being_quoted() {
    for (flag, env) in [
        (Some("NoColonSecret42"), None),
        (None, Some("NoColonSecret42")),
    ] {
        let mut test = Test::new().arg("serve");
        if let Some(value) = flag {
            test = test.args(["--require-credentials", value]);
        }
        if let Some(value) = env {
            test = test.env("CLOUDHSM_SHELL_REQUIRE_CREDENTIALS", value);
        }
        let output = test.run_unchecked();
        assert_eq!(output.status, Some(2), "{}", output.stderr);
        assert!(
            output
                .stderr
                .contains("--require-credentials takes ACCESS_KEY_ID:SECRET_ACCESS_KEY"),
            "{}",
            output.stderr
        );
        assert!(
            !format!("{}{}", output.stdout, output.stderr).contains("NoColonSecret42"),
            "{}",
            output.stderr
        );
    }
}

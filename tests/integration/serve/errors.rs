//! Bad input over the wire: each class of error with its exact `__type` and HTTP status, and
//! the state exactly as it was afterwards.

use super::served::{JSON, Served};
use super::{CLUSTER, create_input, ready_state};
use serde_json::json;

fn error(reply: &super::served::Reply) -> (u16, String) {
    let body = reply.json();
    assert_eq!(reply.header("content-type"), Some(JSON));
    let keys: Vec<&String> = body.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["__type", "message"], "{body}");
    (reply.status, body["__type"].as_str().unwrap().to_owned())
}

#[test]
fn bad_requests_get_aws_errors_and_change_nothing() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    served.kms_ok(
        "CreateCustomKeyStore",
        &create_input(&state, "kept", CLUSTER),
    );
    let before = served.kms_ok("DescribeCustomKeyStores", &json!({}));
    let post = |headers: &[(&str, &str)], body: &[u8]| served.send("POST", "/", headers, body);
    let create = [
        ("Content-Type", JSON),
        ("X-Amz-Target", "TrentService.CreateCustomKeyStore"),
    ];

    // Not JSON, or JSON that is not an object.
    for body in [&b"{\"CustomKeyStoreName\": "[..], b"[1, 2]", b"\"text\""] {
        assert_eq!(
            error(&post(&create, body)),
            (400, "SerializationException".to_owned()),
            "{body:?}"
        );
    }
    // A member of the wrong type.
    let mut wrong_type = create_input(&state, "other", CLUSTER);
    wrong_type["CustomKeyStoreName"] = json!(42);
    let reply = served.kms("CreateCustomKeyStore", &wrong_type);
    assert_eq!(error(&reply), (400, "SerializationException".to_owned()));
    assert_eq!(
        reply.json()["message"],
        "NUMBER_VALUE can not be converted to a String"
    );
    let reply = served.kms("DescribeCustomKeyStores", &json!({"Limit": "1"}));
    assert_eq!(error(&reply), (400, "SerializationException".to_owned()));

    // Constraints of the model, and a missing required member.
    let reply = served.kms("DescribeCustomKeyStores", &json!({"Limit": 0}));
    assert_eq!(
        reply.status_and_json(),
        (
            400,
            json!({
                "__type": "ValidationException",
                "message": "1 validation error detected: Value '0' at 'limit' failed to satisfy \
                            constraint: Member must have value greater than or equal to 1",
            })
        )
    );
    let mut short_password = create_input(&state, "other", CLUSTER);
    short_password["KeyStorePassword"] = json!("short");
    let reply = served.kms("CreateCustomKeyStore", &short_password);
    assert_eq!(error(&reply), (400, "ValidationException".to_owned()));
    assert!(!reply.json()["message"].as_str().unwrap().contains("short"));
    let reply = served.kms("ConnectCustomKeyStore", &json!({}));
    assert_eq!(
        reply.status_and_json(),
        (
            400,
            json!({
                "__type": "ValidationException",
                "message": "1 validation error detected: Value null at 'customKeyStoreId' failed \
                            to satisfy constraint: Member must not be null",
            })
        )
    );
    let mut bad_enum = create_input(&state, "other", CLUSTER);
    bad_enum["CustomKeyStoreType"] = json!("SOFT_STORE");
    let reply = served.kms("CreateCustomKeyStore", &bad_enum);
    assert_eq!(error(&reply), (400, "ValidationException".to_owned()));

    // What the simulator does not serve.
    let reply = served.kms(
        "CreateCustomKeyStore",
        &json!({
            "CustomKeyStoreName": "external",
            "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
            "XksProxyUriEndpoint": "https://xks.example.com",
            "XksProxyUriPath": "/kms/xks/v1",
            "XksProxyConnectivity": "PUBLIC_ENDPOINT",
        }),
    );
    assert_eq!(
        error(&reply),
        (400, "XksProxyUriUnreachableException".to_owned())
    );
    let reply = served.kms("CreateKey", &json!({"Description": "an AWS_KMS key"}));
    assert_eq!(
        error(&reply),
        (400, "UnsupportedOperationException".to_owned())
    );

    // Unknown or missing operations.
    let reply = post(
        &[
            ("Content-Type", JSON),
            ("X-Amz-Target", "TrentService.CreateAlias"),
        ],
        b"{}",
    );
    assert_eq!(
        reply.status_and_json(),
        (
            400,
            json!({
                "__type": "UnknownOperationException",
                "message": "TrentService does not serve the operation CreateAlias",
            })
        )
    );
    for target in ["Unknown.DescribeCustomKeyStores", "TrentService"] {
        let reply = post(&[("Content-Type", JSON), ("X-Amz-Target", target)], b"{}");
        assert_eq!(error(&reply), (400, "UnknownOperationException".to_owned()));
    }
    let reply = post(&[("Content-Type", JSON)], b"{}");
    assert_eq!(error(&reply), (400, "UnknownOperationException".to_owned()));

    // 10 MB, refused whole.
    let mut huge = br#"{"CustomKeyStoreName": ""#.to_vec();
    huge.extend(std::iter::repeat_n(b'n', 10 * 1024 * 1024));
    huge.extend(br#""}"#);
    let reply = post(&create, &huge);
    assert_eq!(
        reply.status_and_json(),
        (
            413,
            json!({
                "__type": "RequestEntityTooLargeException",
                "message": "The request body is larger than the limit of 1048576 bytes; \
                            nothing was done",
            })
        )
    );

    assert_eq!(served.kms_ok("DescribeCustomKeyStores", &json!({})), before);
    let (status, log) = served.stop();
    assert_eq!(status.code(), Some(0));
    assert!(
        log.contains("TrentService.CreateAlias 400 "),
        "one line per request: {log}"
    );
    assert!(!log.contains(super::KMSUSER_PASSWORD), "{log}");
    assert!(!log.contains("BEGIN CERTIFICATE"), "{log}");
}

#[test]
fn the_log_has_one_line_per_request_and_sigterm_exits_zero() {
    let (_sandbox, state) = ready_state();
    let served = Served::on(&state);
    served.kms_ok("ListKeys", &json!({}));
    served.kms(
        "DescribeKey",
        &json!({"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
    );
    let (status, log) = served.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    let lines: Vec<(String, String)> = log
        .lines()
        .map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            assert_eq!(words.len(), 3, "{line}");
            assert!(words[2].ends_with("ms"), "{line}");
            (words[0].to_owned(), words[1].to_owned())
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("TrentService.ListKeys", "200"),
        ("TrentService.DescribeKey", "400"),
    ]
    .map(|(operation, status)| (operation.to_owned(), status.to_owned()))
    .to_vec();
    assert_eq!(lines, expected);
}

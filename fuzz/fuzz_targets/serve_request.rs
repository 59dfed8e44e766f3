//! Fuzzes what `serve` reads from a client before an operation runs: the body decoded as
//! awsJson1.1 or RPC v2 CBOR, its members read by every shape, and the SigV4 check of the
//! headers. None may panic; a body is one object or a one-line `SerializationException`; what
//! decoded encodes back to a body that decodes the same; a blob reads back to its base64; a
//! sensitive member of the wrong type is refused without its value.
//!
//! The input: one byte of flags (bit 0: CBOR, bit 1: a header block follows), then with bit 1
//! `name: value` lines up to an empty line, then the body.
#![no_main]

use base64::Engine;
use cloudhsm_shell::server::sigv4::{self, Expected};
use cloudhsm_shell::server::{Input, Protocol, RequiredCredentials, WireError};
use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::LazyLock;
use std::time::{Duration, UNIX_EPOCH};

const SECRET: &str = "fuzz-secret-access-key";
static CREDENTIALS: LazyLock<RequiredCredentials> = LazyLock::new(|| {
    RequiredCredentials::parse(&format!("AKIDFUZZ:{SECRET}")).expect("well-formed")
});
/// 2026-12-02T12:01:00Z, a minute after the seeds' `X-Amz-Date`.
const NOW_SECONDS: u64 = 1_796_212_860;

/// The members the KMS and CloudHSM v2 operations read (the server names them, never the client).
const MEMBERS: &[&str] = &[
    "AvailabilityZone",
    "CiphertextBlob",
    "CloudHsmClusterId",
    "ClusterId",
    "CustomKeyStoreId",
    "CustomKeyStoreName",
    "CustomKeyStoreType",
    "CustomerMasterKeySpec",
    "Description",
    "EncryptionContext",
    "Filters",
    "HsmId",
    "HsmType",
    "KeyId",
    "KeySpec",
    "KeyStorePassword",
    "KeyUsage",
    "Limit",
    "Marker",
    "MaxResults",
    "MultiRegion",
    "NewCustomKeyStoreName",
    "NextToken",
    "NumberOfBytes",
    "Origin",
    "PendingWindowInDays",
    "Plaintext",
    "Shared",
    "SignedCert",
    "SortAscending",
    "SourceBackupId",
    "SubnetIds",
    "TrustAnchor",
    "TrustAnchorCertificate",
];

fn assert_one_line(error: &WireError, exceptions: &[&str]) {
    assert!(
        exceptions.contains(&error.exception),
        "unexpected exception {}: {}",
        error.exception,
        error.message
    );
    assert!(
        !error.message.is_empty() && !error.message.contains('\n'),
        "an error message is one line: {:?}",
        error.message
    );
}

/// Equal as JSON values, numbers that are not integers within a rounding of each other
/// (awsJson1.1 parsing of a float is not guaranteed to give the last bit back).
fn same(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) if a.is_f64() || b.is_f64() => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            a == b || (a - b).abs() <= f64::EPSILON * a.abs().max(b.abs())
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => left == right,
    }
}

fn read_members(body: &Value) {
    let Value::Object(members) = body else {
        panic!("decode gave a value that is not an object: {body}");
    };
    let mut input = Input::new(body.clone());
    let shape_errors = ["SerializationException", "ValidationException"];
    for &name in MEMBERS {
        // A value outside an enum is quoted back as AWS quotes it, newlines and all.
        if let Err(error) = input.enum_string(name, &["AWS_CLOUDHSM"]) {
            assert!(shape_errors.contains(&error.exception), "{error:?}");
        }
        for result in [
            input.string(name).map(drop),
            input.required_string(name).map(drop),
            input.integer(name).map(drop),
            input.boolean(name).map(drop),
            input.strings(name).map(drop),
            input.string_map(name).map(drop),
            input.string_lists(name).map(drop),
        ] {
            if let Err(error) = result {
                assert_one_line(&error, &shape_errors);
            }
        }
        match input.blob(name) {
            Ok(Some(bytes)) => {
                let text = members[name].as_str().expect("a blob is text");
                assert_eq!(
                    base64::engine::general_purpose::STANDARD.encode(bytes.as_slice()),
                    text,
                    "a blob does not read back to its base64"
                );
            }
            Ok(None) => {}
            Err(error) => assert_one_line(&error, &shape_errors),
        }
    }
    for &name in MEMBERS {
        match input.take_secret(name) {
            Ok(secret) => {
                if let Some(secret) = secret {
                    assert_eq!(
                        Some(secret.expose()),
                        members.get(name).and_then(Value::as_str)
                    );
                }
                assert_eq!(
                    input.string(name).ok(),
                    Some(None),
                    "a secret stayed behind"
                );
            }
            Err(error) => {
                assert_one_line(&error, &shape_errors);
                let value = members.get(name).map(Value::to_string).unwrap_or_default();
                assert!(
                    value.len() < 8 || !error.message.contains(&value),
                    "a sensitive member's value is quoted: {}",
                    error.message
                );
            }
        }
    }
}

/// `name: value` lines up to an empty line; the rest is the body.
fn split_headers(bytes: &[u8]) -> (HeaderMap, &[u8]) {
    let mut headers = HeaderMap::new();
    let (block, body) = match bytes.windows(2).position(|pair| pair == b"\n\n") {
        Some(end) => (&bytes[..end], &bytes[end + 2..]),
        None => (bytes, &[][..]),
    };
    for line in block.split(|&byte| byte == b'\n') {
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    (headers, body)
}

fn check_signature(headers: &HeaderMap, body: &[u8], service: &str) {
    let expected = Expected {
        service,
        method: "POST",
        path_and_query: "/",
    };
    let now = UNIX_EPOCH + Duration::from_secs(NOW_SECONDS);
    if let Err(error) = sigv4::verify(&CREDENTIALS, &expected, headers, body, now) {
        assert_one_line(
            &error,
            &[
                "MissingAuthenticationTokenException",
                "IncompleteSignatureException",
                "UnrecognizedClientException",
                "InvalidSignatureException",
            ],
        );
        // The server's secret may come back only in text the client sent itself.
        let sent = headers
            .values()
            .any(|value| String::from_utf8_lossy(value.as_bytes()).contains(SECRET));
        assert!(
            sent || !error.message.contains(SECRET),
            "the secret access key is quoted: {}",
            error.message
        );
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Some((&flags, rest)) = bytes.split_first() else {
        return;
    };
    let protocol = if flags & 1 == 0 {
        Protocol::AwsJson
    } else {
        Protocol::RpcV2Cbor
    };
    let body = if flags & 2 == 0 {
        rest
    } else {
        let (headers, body) = split_headers(rest);
        let service = if flags & 4 == 0 { "kms" } else { "cloudhsm" };
        check_signature(&headers, body, service);
        body
    };
    match protocol.decode(body) {
        Ok(value) => {
            let again = protocol
                .decode(&protocol.encode(&value))
                .unwrap_or_else(|error| panic!("an encoded body does not decode: {error:?}"));
            assert!(
                same(&again, &value),
                "encoding and decoding changed {value} to {again}"
            );
            read_members(&value);
        }
        Err(error) => {
            assert_one_line(&error, &["SerializationException"]);
            assert_eq!(error.status, 400);
        }
    }
});

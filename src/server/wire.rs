//! The two wire encodings `serve` speaks, awsJson1.1 and Smithy RPC v2 CBOR: request bodies
//! decoded into one JSON value, replies and AWS errors (`{"__type", "message"}`) encoded back,
//! with timestamps as epoch seconds (a JSON number, CBOR tag 1) and blobs as base64 in JSON.

use crate::error::Error;
use base64::Engine;
use ciborium::Value as Cbor;
use serde_json::{Map, Value};

/// `Content-Type` of awsJson1.1 requests and replies.
pub const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// `Content-Type` of RPC v2 CBOR requests and replies.
pub const CBOR_CONTENT_TYPE: &str = "application/cbor";

/// The members of the CloudHSM v2 model whose shape is a `Timestamp`: CBOR tags their values.
const TIMESTAMP_MEMBERS: &[&str] = &[
    "CreateTimestamp",
    "CopyTimestamp",
    "DeleteTimestamp",
    "HsmTypeRollbackExpiration",
];

/// How one request is encoded, which is how its reply must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    AwsJson,
    RpcV2Cbor,
}

impl Protocol {
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::AwsJson => JSON_CONTENT_TYPE,
            Protocol::RpcV2Cbor => CBOR_CONTENT_TYPE,
        }
    }

    /// The request body as one value. An empty body is an empty input, as both protocols
    /// allow; anything that is not one object of the protocol is a `SerializationException`.
    pub fn decode(self, body: &[u8]) -> Result<Value, WireError> {
        if body.is_empty() {
            return Ok(Value::Object(Map::new()));
        }
        let value = match self {
            Protocol::AwsJson => serde_json::from_slice::<Value>(body).map_err(|error| {
                WireError::serialization(format!("The request body is not valid JSON: {error}"))
            })?,
            Protocol::RpcV2Cbor => {
                let cbor: Cbor = ciborium::from_reader(body).map_err(|error| {
                    WireError::serialization(format!("The request body is not valid CBOR: {error}"))
                })?;
                cbor_to_json(cbor)?
            }
        };
        if value.is_object() {
            Ok(value)
        } else {
            Err(WireError::serialization(
                "The request body must be an object of the operation's input members",
            ))
        }
    }

    /// A reply body.
    pub fn encode(self, value: &Value) -> Vec<u8> {
        match self {
            Protocol::AwsJson => value.to_string().into_bytes(),
            Protocol::RpcV2Cbor => {
                let mut bytes = Vec::new();
                // Writing into a Vec cannot fail, and every JSON value has a CBOR form.
                if ciborium::into_writer(&json_to_cbor(value, false), &mut bytes).is_err() {
                    bytes.clear();
                }
                bytes
            }
        }
    }
}

/// An AWS error as the wire carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    pub exception: &'static str,
    pub message: String,
    pub status: u16,
}

impl WireError {
    pub fn new(exception: &'static str, message: impl Into<String>, status: u16) -> WireError {
        WireError {
            exception,
            message: message.into(),
            status,
        }
    }

    /// A client error (HTTP 400).
    pub fn client(exception: &'static str, message: impl Into<String>) -> WireError {
        WireError::new(exception, message, 400)
    }

    /// A body or member that is not of the shape the model gives it.
    pub fn serialization(message: impl Into<String>) -> WireError {
        WireError::client("SerializationException", message)
    }

    /// A required member that is missing, in the AWS wording.
    pub fn missing(member: &str) -> WireError {
        WireError::client(
            "ValidationException",
            format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy \
                 constraint: Member must not be null"
            ),
        )
    }

    /// `{"__type": ..., "message": ...}`.
    pub fn body(&self) -> Value {
        serde_json::json!({"__type": self.exception, "message": self.message})
    }

    /// A KMS error: faults (`"fault": true` in the model) are HTTP 500, the rest 400. An error
    /// that is not a KMS exception is the service's internal failure.
    pub fn from_kms(error: Error) -> WireError {
        match error {
            Error::Kms { exception, message } => {
                let status = if is_fault(exception) { 500 } else { 400 };
                WireError::new(exception, message, status)
            }
            other => WireError::new("KMSInternalException", other.to_string(), 500),
        }
    }

    /// A CloudHSM v2 error. The simulator's own failures that are the caller's (an unknown
    /// cluster, a subnet that is gone) take the API's exceptions for them.
    pub fn from_cloudhsm(error: Error) -> WireError {
        match error {
            Error::CloudHsm { exception, message } | Error::Kms { exception, message } => {
                let status = if is_fault(exception) { 500 } else { 400 };
                WireError::new(exception, message, status)
            }
            Error::ClusterNotFound { .. } => {
                WireError::client("CloudHsmResourceNotFoundException", error.to_string())
            }
            Error::State { .. } | Error::Io { .. } => {
                WireError::new("CloudHsmInternalFailureException", error.to_string(), 500)
            }
            other => WireError::client("CloudHsmInvalidRequestException", other.to_string()),
        }
    }
}

/// The exceptions the models mark `"fault": true`: retryable server errors.
fn is_fault(exception: &str) -> bool {
    matches!(
        exception,
        "KMSInternalException"
            | "DependencyTimeoutException"
            | "CloudHsmInternalFailureException"
            | "CloudHsmServiceException"
    )
}

/// A CBOR request value in the JSON form the operations read: byte strings become base64 text
/// and tagged timestamps their epoch seconds.
fn cbor_to_json(value: Cbor) -> Result<Value, WireError> {
    Ok(match value {
        Cbor::Null => Value::Null,
        Cbor::Bool(flag) => Value::Bool(flag),
        Cbor::Integer(integer) => {
            let integer = i128::from(integer);
            let number = i64::try_from(integer)
                .map_err(|_| WireError::serialization(format!("{integer} is out of range")))?;
            Value::from(number)
        }
        Cbor::Float(float) => serde_json::Number::from_f64(float)
            .map(Value::Number)
            .ok_or_else(|| WireError::serialization("a number is not finite"))?,
        Cbor::Text(text) => Value::String(text),
        Cbor::Bytes(bytes) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        Cbor::Tag(1, inner) => cbor_to_json(*inner)?,
        Cbor::Tag(tag, _) => {
            return Err(WireError::serialization(format!(
                "CBOR tag {tag} is not part of the protocol"
            )));
        }
        Cbor::Array(items) => Value::Array(
            items
                .into_iter()
                .map(cbor_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Cbor::Map(entries) => {
            let mut map = Map::new();
            for (key, item) in entries {
                let Cbor::Text(key) = key else {
                    return Err(WireError::serialization("a CBOR map key is not text"));
                };
                map.insert(key, cbor_to_json(item)?);
            }
            Value::Object(map)
        }
        _ => return Err(WireError::serialization("a CBOR value of an unknown kind")),
    })
}

/// A reply value in CBOR; `timestamp` says the value is a timestamp member's (tag 1).
fn json_to_cbor(value: &Value, timestamp: bool) -> Cbor {
    let plain = match value {
        Value::Null => Cbor::Null,
        Value::Bool(flag) => Cbor::Bool(*flag),
        Value::Number(number) => match (number.as_i64(), number.as_u64()) {
            (Some(integer), _) => Cbor::Integer(integer.into()),
            (None, Some(integer)) => Cbor::Integer(integer.into()),
            _ => Cbor::Float(number.as_f64().unwrap_or_default()),
        },
        Value::String(text) => Cbor::Text(text.clone()),
        Value::Array(items) => {
            Cbor::Array(items.iter().map(|item| json_to_cbor(item, false)).collect())
        }
        Value::Object(map) => Cbor::Map(
            map.iter()
                .map(|(key, item)| {
                    let tagged = TIMESTAMP_MEMBERS.contains(&key.as_str());
                    (Cbor::Text(key.clone()), json_to_cbor(item, tagged))
                })
                .collect(),
        ),
    };
    if timestamp && value.is_number() {
        Cbor::Tag(1, Box::new(plain))
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_are_tagged_and_definite_and_indefinite_maps_decode() {
        let reply =
            json!({"Clusters": [{"ClusterId": "cluster-a", "CreateTimestamp": 1700000000}]});
        let bytes = Protocol::RpcV2Cbor.encode(&reply);
        let decoded: Cbor = ciborium::from_reader(bytes.as_slice()).unwrap();
        let Cbor::Map(top) = decoded else {
            panic!("a map")
        };
        let Cbor::Array(clusters) = &top[0].1 else {
            panic!("an array")
        };
        let Cbor::Map(cluster) = &clusters[0] else {
            panic!("a map")
        };
        assert_eq!(
            cluster[1],
            (
                Cbor::Text("CreateTimestamp".into()),
                Cbor::Tag(1, Box::new(Cbor::Integer(1_700_000_000.into())))
            )
        );
        // botocore sends `a0`, the Rust SDK `bf ff` for an empty input.
        for empty in [&[0xa0][..], &[0xbf, 0xff][..], &[][..]] {
            assert_eq!(Protocol::RpcV2Cbor.decode(empty).unwrap(), json!({}));
        }
        assert_eq!(
            Protocol::RpcV2Cbor
                .decode(&Protocol::RpcV2Cbor.encode(&json!({"MaxResults": 3, "B": "x"})))
                .unwrap(),
            json!({"MaxResults": 3, "B": "x"})
        );
    }

    #[test]
    fn bodies_that_are_not_one_object_are_serialization_errors() {
        for body in [&b"{"[..], b"[]", b"3", b"nul"] {
            let error = Protocol::AwsJson.decode(body).unwrap_err();
            assert_eq!(
                (error.exception, error.status),
                ("SerializationException", 400)
            );
        }
        let error = Protocol::RpcV2Cbor.decode(&[0xff, 0x00]).unwrap_err();
        assert_eq!(error.exception, "SerializationException");
    }

    #[test]
    fn faults_are_500_and_the_rest_400() {
        let fault = WireError::from_kms(crate::backend::kms::ServiceFault::Internal.error());
        assert_eq!(
            (fault.exception, fault.status),
            ("KMSInternalException", 500)
        );
        let client = WireError::from_kms(crate::backend::kms::kms_error(
            "CustomKeyStoreNotFoundException",
            "none",
        ));
        assert_eq!(client.status, 400);
        let unknown = WireError::from_cloudhsm(Error::ClusterNotFound {
            cluster_id: "cluster-x".into(),
        });
        assert_eq!(unknown.exception, "CloudHsmResourceNotFoundException");
    }
}

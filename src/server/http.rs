//! One HTTP request from arrival to reply: which service, operation and protocol it is for, its
//! body read up to the limit, its signature (with `--require-credentials`), the operation run on
//! a blocking thread with a pooled simulator handle, the reply encoded, and one log line.

use super::pool::Pool;
use super::sigv4::{self, Expected, RequiredCredentials};
use super::wire::{Protocol, WireError};
use super::{cloudhsm, kms};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response};
use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use zeroize::Zeroizing;

/// The largest request body taken: 1 MiB, well above the largest legal KMS request (a 5000
/// character trust anchor, or 6144 bytes of ciphertext in base64, plus the other members).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How much of a body over the limit is read and thrown away so that the client, which is
/// still sending, can read the 413 reply; past this the connection is simply closed.
const MAX_DISCARDED_BYTES: usize = 64 * 1024 * 1024;

/// What every request handler shares.
pub struct Server {
    pub pool: Arc<Pool>,
    pub credentials: Option<RequiredCredentials>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    Kms,
    CloudHsm,
}

impl Service {
    /// The SigV4 signing name.
    fn signing_name(self) -> &'static str {
        match self {
            Service::Kms => "kms",
            Service::CloudHsm => "cloudhsm",
        }
    }
}

/// Where a request goes, as far as its method, path and headers say.
struct Route {
    protocol: Protocol,
    /// The service and the operation, or why there is none.
    target: Result<(Service, String), WireError>,
    /// What the log line calls the request.
    label: String,
}

impl Route {
    fn of(request: &Request<Incoming>) -> Route {
        let path = request.uri().path();
        let cbor = request
            .headers()
            .get("smithy-protocol")
            .is_some_and(|value| value == "rpc-v2-cbor");
        if let Some(rest) = path.strip_prefix("/service/") {
            let target = match rest.split_once("/operation/") {
                Some(("BaldrApiService", operation)) => {
                    operation_of(Service::CloudHsm, "BaldrApiService", operation)
                }
                _ => Err(unknown(format!("No operation is served at {path}"))),
            };
            let label = rest.replacen("/operation/", ".", 1);
            return Route::new(Protocol::RpcV2Cbor, target, &label);
        }
        let protocol = if cbor {
            Protocol::RpcV2Cbor
        } else {
            Protocol::AwsJson
        };
        if path != "/" || request.method() != hyper::Method::POST {
            let message = format!("No operation is served at {} {path}", request.method());
            return Route::new(protocol, Err(unknown(message)), path);
        }
        // awsJson1.1 names the operation in this header alone. With none, the request cannot be
        // routed, which AWS's JSON services answer with UnknownOperationException; MissingAction
        // is the Query protocol's error for a missing `Action=` parameter, which JSON has not.
        let Some(target) = request
            .headers()
            .get("x-amz-target")
            .and_then(|value| value.to_str().ok())
        else {
            let message = "The X-Amz-Target header is missing: awsJson1.1 requests name their \
                           operation in it, e.g. X-Amz-Target: TrentService.ListKeys";
            return Route::new(protocol, Err(unknown(message.to_owned())), "-");
        };
        let routed = match target.split_once('.') {
            Some(("TrentService", operation)) => {
                operation_of(Service::Kms, "TrentService", operation)
            }
            Some(("BaldrApiService", operation)) => {
                operation_of(Service::CloudHsm, "BaldrApiService", operation)
            }
            _ => Err(unknown(format!(
                "No operation is served for target {target}"
            ))),
        };
        Route::new(protocol, routed, target)
    }

    fn new(protocol: Protocol, target: Result<(Service, String), WireError>, label: &str) -> Route {
        // The label is client text: shown escaped and short, so a log line stays one line.
        let label: String = label
            .chars()
            .take(80)
            .flat_map(char::escape_debug)
            .collect();
        Route {
            protocol,
            target,
            label,
        }
    }
}

fn operation_of(
    service: Service,
    prefix: &str,
    operation: &str,
) -> Result<(Service, String), WireError> {
    let served = match service {
        Service::Kms => kms::OPERATIONS,
        Service::CloudHsm => cloudhsm::OPERATIONS,
    };
    if served.contains(&operation) {
        Ok((service, operation.to_owned()))
    } else {
        Err(super::unknown_operation(prefix, operation))
    }
}

fn unknown(message: String) -> WireError {
    WireError::client("UnknownOperationException", message)
}

/// Answers one request; never fails, every failure is an AWS error reply.
pub async fn handle(
    server: Arc<Server>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let route = Route::of(&request);
    let protocol = route.protocol;
    let (status, body, close) = match answer(&server, request, protocol, route.target).await {
        Ok(reply) => (200, protocol.encode(&reply), false),
        Err(Refusal { error, close }) => (error.status, protocol.encode(&error.body()), close),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(protocol.content_type()),
    );
    if protocol == Protocol::RpcV2Cbor {
        headers.insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
    }
    if close {
        headers.insert("connection", HeaderValue::from_static("close"));
    }
    let elapsed = started.elapsed();
    // One line per request, never a body: bodies carry passwords and plaintext.
    let _ = writeln!(
        std::io::stderr().lock(),
        "{} {status} {:.3}ms",
        route.label,
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(response)
}

/// An error reply, and whether the connection must close after it (a body left unread).
struct Refusal {
    error: WireError,
    close: bool,
}

impl From<WireError> for Refusal {
    fn from(error: WireError) -> Refusal {
        Refusal {
            error,
            close: false,
        }
    }
}

async fn answer(
    server: &Server,
    request: Request<Incoming>,
    protocol: Protocol,
    target: Result<(Service, String), WireError>,
) -> Result<serde_json::Value, Refusal> {
    let (parts, incoming) = request.into_parts();
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let waits_to_send = parts
        .headers
        .get(hyper::header::EXPECT)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if waits_to_send && declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        // The client sends nothing until told to continue: refuse without reading.
        return Err(Refusal {
            error: body_too_large(),
            close: true,
        });
    }
    let body = read_body(incoming, declared).await?;
    if let Some(credentials) = &server.credentials {
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or("/", |path_and_query| path_and_query.as_str());
        let expected = Expected {
            service: target
                .as_ref()
                .map_or("kms", |(service, _)| service.signing_name()),
            method: parts.method.as_str(),
            path_and_query,
        };
        sigv4::verify(
            credentials,
            &expected,
            &parts.headers,
            &body,
            SystemTime::now(),
        )?;
    }
    let (service, operation) = target?;
    let input = protocol.decode(&body)?;
    drop(body);
    let pool = server.pool.clone();
    let ran = tokio::task::spawn_blocking(move || {
        pool.with(|handles| match service {
            Service::Kms => kms::call(&mut handles.kms, &operation, input),
            Service::CloudHsm => handles
                .hsm()
                .map_err(WireError::from_cloudhsm)
                .and_then(|hsm| cloudhsm::call(hsm, &operation, input)),
        })
    })
    .await;
    let internal = |message: String| match service {
        Service::Kms => WireError::new("KMSInternalException", message, 500),
        Service::CloudHsm => WireError::new("CloudHsmInternalFailureException", message, 500),
    };
    match ran {
        Ok(Ok(reply)) => Ok(reply?),
        Ok(Err(error)) => Err(internal(error.to_string()).into()),
        Err(_) => Err(internal("The operation stopped unexpectedly".to_owned()).into()),
    }
}

/// The body, up to [`MAX_BODY_BYTES`]; a longer one is read on (up to a bound) and thrown away
/// as it comes, never held, and refused with 413.
async fn read_body(
    mut incoming: Incoming,
    declared: Option<u64>,
) -> Result<Zeroizing<Vec<u8>>, Refusal> {
    let mut body = Zeroizing::new(Vec::new());
    let mut seen: usize = 0;
    let mut too_large = declared.is_some_and(|length| length > MAX_BODY_BYTES as u64);
    while let Some(frame) = incoming.frame().await {
        let Ok(frame) = frame else {
            return Err(Refusal {
                error: WireError::serialization("The request body could not be read"),
                close: true,
            });
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen > MAX_BODY_BYTES {
            too_large = true;
        }
        if too_large {
            if seen > MAX_DISCARDED_BYTES {
                break;
            }
        } else {
            body.extend_from_slice(&data);
        }
    }
    if too_large {
        return Err(Refusal {
            error: body_too_large(),
            close: seen > MAX_DISCARDED_BYTES,
        });
    }
    Ok(body)
}

fn body_too_large() -> WireError {
    WireError::new(
        "RequestEntityTooLargeException",
        format!(
            "The request body is larger than the limit of {MAX_BODY_BYTES} bytes; nothing was done"
        ),
        413,
    )
}

//! How SDK failures read: service errors as `ExceptionName: message`, transport failures naming
//! the endpoint.

use super::*;
use aws_sdk_kms::error::{ConnectorError, ErrorMetadata};
use aws_sdk_kms::operation::describe_custom_key_stores::DescribeCustomKeyStoresError;
use aws_sdk_kms::types::error::CustomKeyStoreNotFoundException;

const ENDPOINT: &str = "http://127.0.0.1:1";

fn response(status: u16) -> HttpResponse {
    HttpResponse::new(status.try_into().unwrap(), "".into())
}

#[test]
fn a_service_error_is_its_code_and_message() {
    let exception = CustomKeyStoreNotFoundException::builder()
        .message("no such store")
        .meta(
            ErrorMetadata::builder()
                .code("CustomKeyStoreNotFoundException")
                .message("no such store")
                .build(),
        )
        .build();
    let error = SdkError::service_error(
        DescribeCustomKeyStoresError::CustomKeyStoreNotFoundException(exception),
        response(400),
    );
    assert_eq!(
        sdk_error(Service::Kms, ENDPOINT, error).to_string(),
        "CustomKeyStoreNotFoundException: no such store"
    );
}

#[test]
fn an_error_the_model_does_not_know_keeps_its_code() {
    let unknown = DescribeCustomKeyStoresError::generic(
        ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("Rate exceeded")
            .build(),
    );
    let error = SdkError::service_error(unknown, response(400));
    let mapped = sdk_error(Service::Kms, ENDPOINT, error);
    assert!(matches!(
        &mapped,
        Error::Aws { exception, message }
            if exception == "ThrottlingException" && message == "Rate exceeded"
    ));
}

#[test]
fn an_answer_without_a_code_names_the_status() {
    let error = SdkError::service_error(
        DescribeCustomKeyStoresError::generic(ErrorMetadata::builder().build()),
        response(500),
    );
    assert_eq!(
        sdk_error(Service::Kms, ENDPOINT, error).to_string(),
        "KMS at http://127.0.0.1:1 answered HTTP 500 without an error code"
    );
}

#[test]
fn a_refused_connection_names_the_endpoint_and_the_cause() {
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    let error: SdkError<DescribeCustomKeyStoresError, HttpResponse> =
        SdkError::dispatch_failure(ConnectorError::io(Box::new(refused)));
    assert_eq!(
        sdk_error(Service::CloudHsm, ENDPOINT, error).to_string(),
        "Cannot reach CloudHSM at http://127.0.0.1:1: connection refused"
    );
}

#[test]
fn a_timeout_says_so() {
    let error: SdkError<DescribeCustomKeyStoresError, HttpResponse> =
        SdkError::timeout_error("operation timeout (all attempts including retries) occurred");
    assert_eq!(
        sdk_error(Service::Kms, ENDPOINT, error).to_string(),
        "KMS at http://127.0.0.1:1 did not answer in time"
    );
}

#[test]
fn an_unreadable_response_names_the_status() {
    let error: SdkError<DescribeCustomKeyStoresError, HttpResponse> =
        SdkError::response_error("expected a JSON object", response(200));
    assert_eq!(
        sdk_error(Service::Kms, ENDPOINT, error).to_string(),
        "KMS at http://127.0.0.1:1 sent a response that is not KMS's (HTTP 200): expected a JSON object"
    );
}

#[test]
fn the_default_endpoint_is_the_regional_one() {
    let clients = AwsClients::connect(&AwsOptions {
        region: Some("eu-west-3".to_owned()),
        profile: None,
        endpoint_url: None,
    })
    .unwrap();
    assert!(!clients.has_endpoint_override());
    assert_eq!(
        clients.endpoint(Service::Kms),
        "https://kms.eu-west-3.amazonaws.com"
    );
    assert_eq!(
        clients.endpoint(Service::CloudHsm),
        "https://cloudhsmv2.eu-west-3.amazonaws.com"
    );
}

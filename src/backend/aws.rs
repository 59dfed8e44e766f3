//! The AWS side of `--aws`: one tokio runtime and one SDK configuration shared by the KMS and
//! CloudHSM v2 clients, and how SDK failures become the shell's one-line errors.
//!
//! The shell core is synchronous: each backend call runs its request to completion with
//! [`AwsClients::block_on`] on a current-thread runtime owned here. Both clients live in one
//! [`AwsClients`] behind an `Rc`, because `keystore check-prerequisites` (a KMS command) also
//! asks CloudHSM v2 about the cluster, and one runtime and one credential cache serve both.

use crate::config::AwsOptions;
use crate::error::{Error, Result};
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::future::Future;
use std::rc::Rc;

/// The two services, for messages and default endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Kms,
    CloudHsm,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Kms => "KMS",
            Service::CloudHsm => "CloudHSM",
        }
    }

    fn endpoint_prefix(self) -> &'static str {
        match self {
            Service::Kms => "kms",
            Service::CloudHsm => "cloudhsmv2",
        }
    }
}

/// The runtime, the configuration and the clients of one `--aws` shell.
pub struct AwsClients {
    runtime: tokio::runtime::Runtime,
    pub kms: aws_sdk_kms::Client,
    pub cloudhsm: aws_sdk_cloudhsmv2::Client,
    region: String,
    /// `--endpoint-url`, or the one the SDK's chain gave (`AWS_ENDPOINT_URL`, a profile's).
    endpoint_url: Option<String>,
}

impl AwsClients {
    /// Builds the runtime and loads the SDK configuration. Nothing is sent yet: credentials
    /// are resolved by the first request. A missing Region is refused here, at start-up.
    pub fn connect(options: &AwsOptions) -> Result<Rc<AwsClients>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| Error::io("Cannot start the runtime of the AWS clients", error))?;
        let config = runtime.block_on(load_config(options));
        let region = config
            .region()
            .map(ToString::to_string)
            .filter(|region| !region.is_empty())
            .ok_or_else(|| Error::AwsRequest {
                message: "--aws needs an AWS Region: give --region, set AWS_REGION, or set \
                          region in the profile (~/.aws/config)"
                    .to_owned(),
            })?;
        Ok(Rc::new(AwsClients {
            kms: aws_sdk_kms::Client::new(&config),
            cloudhsm: aws_sdk_cloudhsmv2::Client::new(&config),
            endpoint_url: config.endpoint_url().map(str::to_owned),
            region,
            runtime,
        }))
    }

    /// Runs one request to completion.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Whether requests go to an endpoint given instead of AWS's own (a rehearsal, e.g.
    /// against `cloudhsm-shell serve`).
    pub fn has_endpoint_override(&self) -> bool {
        self.endpoint_url.is_some()
    }

    /// The endpoint `service` is reached at, for messages.
    pub fn endpoint(&self, service: Service) -> String {
        match &self.endpoint_url {
            Some(url) => url.clone(),
            None => format!(
                "https://{}.{}.amazonaws.com",
                service.endpoint_prefix(),
                self.region
            ),
        }
    }

    /// The shell's error for a failed request to `service`.
    /// Runs one SDK call to its end on this runtime: its output, or its error as the shell's.
    pub fn call<T, E>(
        &self,
        service: Service,
        sent: impl Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.block_on(sent)
            .map_err(|error| self.error(service, error))
    }

    pub fn error<E>(&self, service: Service, error: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        sdk_error(service, &self.endpoint(service), error)
    }
}

async fn load_config(options: &AwsOptions) -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    // Without an explicit client the slim SDK build has none: "No HTTP client was available".
    // A plain-HTTP endpoint (a rehearsal against `serve`) gets a client without TLS, which
    // spares each process reading every root certificate of the system (about 5 ms).
    let endpoint = options
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
    let plain_http = endpoint.is_some_and(|url| url.to_ascii_lowercase().starts_with("http://"))
        && !service_endpoint_in_environment();
    let builder = aws_smithy_http_client::Builder::new();
    let http_client = if plain_http {
        builder.build_http()
    } else {
        builder
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build_https()
    };
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http_client);
    if let Some(region) = &options.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// Whether a service's own endpoint variable (`AWS_ENDPOINT_URL_KMS`, ...) is set, which may
/// name an `https://` endpoint beside a plain-HTTP `AWS_ENDPOINT_URL`.
fn service_endpoint_in_environment() -> bool {
    std::env::vars_os().any(|(name, _)| {
        name.to_str()
            .is_some_and(|name| name.starts_with("AWS_ENDPOINT_URL_"))
    })
}

/// One line for a failed SDK request: `ExceptionName: message` for an error the service
/// answered, otherwise what went wrong on the way, naming the endpoint.
pub fn sdk_error<E>(service: Service, endpoint: &str, error: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let name = service.name();
    let message = match &error {
        SdkError::ServiceError(context) => {
            let answered = context.err();
            if let Some(code) = answered.code() {
                return Error::Aws {
                    exception: code.to_owned(),
                    message: answered.message().unwrap_or_default().to_owned(),
                };
            }
            format!(
                "{name} at {endpoint} answered HTTP {} without an error code",
                context.raw().status().as_u16()
            )
        }
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            format!("{name} at {endpoint} did not answer in time")
        }
        SdkError::DispatchFailure(failure) if failure.is_io() => {
            format!("Cannot reach {name} at {endpoint}: {}", root_cause(&error))
        }
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) => {
            // Missing credentials and the like: the whole chain says which provider failed how.
            format!(
                "Cannot send the request to {name} at {endpoint}: {}",
                causes(&error)
            )
        }
        SdkError::TimeoutError(_) => format!("{name} at {endpoint} did not answer in time"),
        SdkError::ResponseError(context) => format!(
            "{name} at {endpoint} sent a response that is not {name}'s (HTTP {}): {}",
            context.raw().status().as_u16(),
            root_cause(&error)
        ),
        _ => format!("{name} at {endpoint}: {}", DisplayErrorContext(&error)),
    };
    Error::AwsRequest { message }
}

/// Every cause under `error`, outermost first, on one line: the SDK's wrappers ("dispatch
/// failure", "other") left out, line breaks (a credential chain lists one provider a line)
/// made into spaces.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = error.source();
    while let Some(cause) = current {
        let text = cause
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !matches!(
            text.as_str(),
            "" | "other" | "dispatch failure" | "io error"
        ) && !parts.iter().any(|part| part.contains(&text))
        {
            parts.push(text);
        }
        current = cause.source();
    }
    if parts.is_empty() {
        DisplayErrorContext(error).to_string()
    } else {
        parts.join(": ")
    }
}

/// The innermost error of a chain: the one that says what really happened ("Connection
/// refused (os error 111)"), without the layers that wrap it.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests;

//! `cloudhsm-shell serve`: the simulated world served over the AWS wire protocols on loopback,
//! so that AWS clients (the AWS CLI, boto3, the AWS SDKs) can drive it. KMS (`TrentService`)
//! speaks awsJson1.1; CloudHSM v2 (`BaldrApiService`) speaks awsJson1.1 and Smithy RPC v2 CBOR.
//!
//! - `http`: one request from routing to reply and its log line.
//! - `wire`: the two encodings, and AWS errors on the wire.
//! - `input`: reading an operation's members by their shapes.
//! - `kms`, `cloudhsm`: the operations, onto the backend traits.
//! - `sigv4`: `--require-credentials`.
//! - `pool`: the simulator handles the blocking threads share.
//!
//! The async part ends at the pool: each operation runs synchronously on a blocking thread, as
//! one SQLite transaction of the state directory, which shells may be using at the same time.

mod cloudhsm;
mod http;
mod input;
mod kms;
mod pool;
pub mod sigv4;
mod wire;

pub use http::MAX_BODY_BYTES;
// What turns a request's bytes into an operation's input or an AWS error, without a socket:
// public for the `serve_request` fuzz target.
pub use input::Input;
pub use sigv4::RequiredCredentials;
pub use wire::{Protocol, WireError};

use crate::backend::hsm::sim::SimHsm;
use crate::error::{Error, Result};
use crate::sim::SimOptions;
use http::Server;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Where `serve` listens when `--listen` is not given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4566";
/// How long requests in flight at shutdown may take to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// What `serve` needs from the process arguments.
#[derive(Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub sim: SimOptions,
    pub credentials: Option<RequiredCredentials>,
    /// The credentials came as a process argument: said on stderr at start-up.
    pub credentials_in_arguments: bool,
}

/// Said on stderr when `serve` gets its secret access key as a process argument.
pub const CREDENTIALS_IN_ARGUMENTS: &str = "warning: a secret access key on the command line is \
    visible to every local user (ps, /proc); give it through CLOUDHSM_SHELL_REQUIRE_CREDENTIALS \
    instead";

/// Serves until Ctrl-C or SIGTERM, then lets the requests in flight finish; the exit status.
pub fn run(options: ServeOptions) -> Result<u8> {
    if options.credentials_in_arguments && options.credentials.is_some() {
        let _ = writeln!(std::io::stderr().lock(), "{CREDENTIALS_IN_ARGUMENTS}");
    }
    // Creates the state (and its first cluster) on a first run, before anything listens.
    if let Some(warning) = SimHsm::open(&options.sim)?.seed_warning() {
        let _ = writeln!(std::io::stderr().lock(), "{warning}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::io("Cannot start the server's runtime", error))?;
    let server = Arc::new(Server {
        pool: Arc::new(pool::Pool::new(options.sim)),
        credentials: options.credentials,
    });
    runtime.block_on(serve(options.listen, server))?;
    Ok(0)
}

async fn serve(listen: SocketAddr, server: Arc<Server>) -> Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|error| Error::io(format!("Cannot listen on {listen}"), error))?;
    let local = listener
        .local_addr()
        .map_err(|error| Error::io("Cannot read the listening address", error))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "Listening on http://{local}")
        .and_then(|()| stdout.flush())
        .map_err(|error| Error::io("Cannot write to stdout", error))?;
    drop(stdout);
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(stream, server.clone(), stopping.clone()));
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            () = &mut shutdown => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
    Ok(())
}

/// One connection, until the client closes it or, after shutdown begins, its request in
/// flight is answered.
async fn connection(
    stream: tokio::net::TcpStream,
    server: Arc<Server>,
    mut stopping: watch::Receiver<bool>,
) {
    let service = service_fn(move |request| http::handle(server.clone(), request));
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        () = async {
            let _ = stopping.wait_for(|stop| *stop).await;
        } => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// A target naming an operation the service does not serve.
fn unknown_operation(service: &str, operation: &str) -> WireError {
    let operation: String = operation.chars().take(80).collect();
    WireError::client(
        "UnknownOperationException",
        format!("{service} does not serve the operation {operation}"),
    )
}

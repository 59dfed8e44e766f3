//! A `cloudhsm-shell serve` child process on a test's state, and a tiny HTTP/1.1 client over
//! `std::net::TcpStream` that sends it raw requests (one connection each) and, when asked, signs
//! them with SigV4 as an AWS SDK would.

use crate::test::Test;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

pub const JSON: &str = "application/x-amz-json-1.1";

/// The server, running until [`Served::stop`] (or killed when dropped).
pub struct Served {
    child: Child,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    /// Keeps the sandbox (HOME, XDG dirs) alive as long as the process.
    _test: Test,
}

/// One HTTP reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not a JSON body ({error}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// `(status, JSON body)`, the pair most assertions compare.
    pub fn status_and_json(&self) -> (u16, Value) {
        (self.status, self.json())
    }
}

impl Served {
    /// Starts `serve --listen 127.0.0.1:0` on the state of `test` with `extra` arguments and
    /// waits for its `Listening on` line.
    pub fn start(test: Test, extra: &[&str]) -> Served {
        let mut command = test.command();
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra);
        let mut child = command.spawn().expect("cannot start cloudhsm-shell serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("cannot read the server's first line");
        let port = line
            .trim_end()
            .strip_prefix("Listening on http://127.0.0.1:")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr is piped");
        let sink = stderr.clone();
        // Drained all along, so that the log never fills the pipe and blocks the server.
        let stderr_reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(read) = pipe.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        });
        Served {
            child,
            port,
            stderr,
            stderr_reader: Some(stderr_reader),
            _test: test,
        }
    }

    /// A plain server on the state in `state`.
    pub fn on(state: &Path) -> Served {
        Served::start(Test::new().state(state), &[])
    }

    /// Sends one raw request and reads the whole reply.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        send(self.port, method, path, headers, body)
    }

    /// `POST /` with `X-Amz-Target: TrentService.<operation>` and a JSON body.
    pub fn kms(&self, operation: &str, body: &Value) -> Reply {
        let target = format!("TrentService.{operation}");
        self.send(
            "POST",
            "/",
            &[("Content-Type", JSON), ("X-Amz-Target", &target)],
            body.to_string().as_bytes(),
        )
    }

    /// A KMS call that must succeed: its JSON body.
    pub fn kms_ok(&self, operation: &str, body: &Value) -> Value {
        let reply = self.kms(operation, body);
        assert_eq!(reply.status, 200, "{operation}: {:?}", reply.json());
        reply.json()
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// SIGTERM, then the exit status and everything it logged.
    pub fn stop(mut self) -> (ExitStatus, String) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) on the child this test started and has not waited for yet.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let status = self.child.wait().expect("cannot wait for the server");
        if let Some(reader) = self.stderr_reader.take() {
            reader.join().expect("the stderr reader panicked");
        }
        let log = self.log();
        (status, log)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One request on a new connection (`Connection: close`), and the whole reply.
pub fn send(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("cannot connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        head.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes()).expect("cannot send");
    // The server may answer before reading a body it refuses; the reply still comes.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("cannot read the reply");
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// The `Authorization` and `X-Amz-Date` headers an AWS SDK would add to a request with
/// `headers` (which must include Host) and `body`, signed for `service` at `time`.
pub fn sigv4_headers(
    access_key_id: &str,
    secret_access_key: &str,
    service: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> Vec<(String, String)> {
    let identity = Credentials::new(access_key_id, secret_access_key, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let host = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map(|(_, value)| *value)
        .expect("a Host header");
    let request = SignableRequest::new(
        "POST",
        format!("http://{host}{path}"),
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

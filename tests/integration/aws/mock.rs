//! A tiny stand-in for AWS on 127.0.0.1: answers each awsJson1.1 request with what the test's
//! responder says for its `X-Amz-Target`, and records every request it received.

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Request {
    pub fn target(&self) -> &str {
        self.headers.get("x-amz-target").map_or("", String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("the body is not JSON ({error}): {}", self.body))
    }
}

/// What the server answers: a status and a JSON body.
pub type Answer = (u16, String);

type Responder = dyn Fn(&Request) -> Answer + Send + Sync;

/// The server, running until the test process ends.
pub struct MockAws {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl MockAws {
    pub fn start(responder: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> MockAws {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind the mock");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("no local address")
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&requests);
        let responder: Arc<Responder> = Arc::new(responder);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &recorded, responder.as_ref());
            }
        });
        MockAws { url, requests }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("the mock panicked").clone()
    }

    /// The `X-Amz-Target` of every request, in order.
    pub fn targets(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|request| request.target().to_owned())
            .collect()
    }
}

/// Answers one request and closes the connection (the client opens another for the next).
fn serve(stream: TcpStream, recorded: &Mutex<Vec<Request>>, responder: &Responder) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let request = Request {
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let (status, answer) = responder(&request);
    recorded.lock().expect("the mock panicked").push(request);
    let reason = if status == 200 { "OK" } else { "Error" };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/x-amz-json-1.1\r\n\
         x-amzn-requestid: 00000000-0000-0000-0000-000000000000\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let mut stream = reader.into_inner();
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

//! `Test`: runs the real `cloudhsm-shell` binary in a private sandbox and checks its stdout,
//! stderr and exit status exactly, in the style of casey/just's test builder.

use serde_json::Value;
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use tempfile::TempDir;

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_cloudhsm-shell");

/// The password every test gives the built-in admin at activation (a test fixture).
pub const ADMIN_PASSWORD: &str = "admin-fixture-1";

/// What stdout must be.
enum ExpectedStdout {
    Exact(String),
    /// One compact JSON envelope per line, compared as parsed values.
    Json(Vec<Value>),
}

/// One run of the binary and everything it must print. Every expectation has a default (empty
/// stdout, empty stderr, status 0), so a test states all of what it expects.
#[must_use]
pub struct Test {
    sandbox: TempDir,
    state_dir: PathBuf,
    args: Vec<OsString>,
    /// `--seed 7` unless a test asks for the system's randomness and clock.
    seeded: bool,
    env: Vec<(String, String)>,
    stdin: String,
    expected_stdout: ExpectedStdout,
    expected_stderr: String,
    expected_status: i32,
}

/// What a finished run printed, with the sandbox kept alive for follow-up runs.
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: Option<i32>,
    pub state_dir: PathBuf,
    pub sandbox: TempDir,
}

impl Test {
    pub fn new() -> Self {
        let sandbox = tempfile::tempdir().expect("cannot create a temp dir");
        for dir in ["home", "xdg-data", "xdg-state", "xdg-config", "xdg-cache"] {
            fs::create_dir(sandbox.path().join(dir)).expect("cannot create a sandbox dir");
        }
        let state_dir = sandbox.path().join("state");
        Self {
            sandbox,
            state_dir,
            args: Vec::new(),
            seeded: true,
            env: Vec::new(),
            stdin: String::new(),
            expected_stdout: ExpectedStdout::Exact(String::new()),
            expected_stderr: String::new(),
            expected_status: 0,
        }
    }

    /// Runs without `--seed`: random identifiers and the system clock.
    pub fn unseeded(mut self) -> Self {
        self.seeded = false;
        self
    }

    /// A path inside this test's sandbox (removed with it).
    pub fn path(&self, name: &str) -> PathBuf {
        self.sandbox.path().join(name)
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn stdin(mut self, stdin: &str) -> Self {
        self.stdin = stdin.to_owned();
        self
    }

    /// Writes `text` (`NAME=value` lines) to a 0600 file and passes it with `--secrets`.
    pub fn secrets(self, text: &str) -> Self {
        self.secrets_with_mode(text, 0o600)
    }

    /// Like [`Test::secrets`], with the file's mode chosen by the test.
    pub fn secrets_with_mode(self, text: &str, mode: u32) -> Self {
        let path = self.path("secrets");
        write_file(&path, text, mode);
        self.arg("--secrets").arg(path)
    }

    /// Runs on an existing state directory instead of a fresh one.
    pub fn state(mut self, dir: &Path) -> Self {
        self.state_dir = dir.to_owned();
        self
    }

    pub fn stdout(mut self, stdout: &str) -> Self {
        self.expected_stdout = ExpectedStdout::Exact(stdout.to_owned());
        self
    }

    pub fn stdout_json(mut self, envelopes: Vec<Value>) -> Self {
        self.expected_stdout = ExpectedStdout::Json(envelopes);
        self
    }

    pub fn stderr(mut self, stderr: &str) -> Self {
        self.expected_stderr = stderr.to_owned();
        self
    }

    pub fn status(mut self, status: i32) -> Self {
        self.expected_status = status;
        self
    }

    /// The command this test runs, with stdin, stdout and stderr piped.
    pub fn command(&self) -> Command {
        let mut command = Command::new(BINARY);
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CLOUDHSM") || name.starts_with("XDG_") || name == "NO_COLOR" {
                command.env_remove(&*name);
            }
        }
        command
            .env("HOME", self.path("home"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("XDG_STATE_HOME", self.path("xdg-state"))
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("XDG_CACHE_HOME", self.path("xdg-cache"))
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .arg("--state-dir")
            .arg(&self.state_dir)
            .args(if self.seeded {
                &["--seed", "7"][..]
            } else {
                &[]
            })
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Starts the binary and leaves its pipes to the caller (for tests of several processes).
    pub fn spawn(&self) -> Child {
        self.command()
            .spawn()
            .expect("cannot start the cloudhsm-shell binary")
    }

    /// Starts the binary as a batch shell that runs one line at a time (see [`LiveShell`]).
    pub fn start(self) -> LiveShell {
        let mut child = self.spawn();
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        LiveShell {
            child,
            stdin,
            stdout,
            _test: self,
        }
    }

    /// Runs the binary to the end and asserts stdout, stderr and the exit status.
    pub fn run(self) -> Output {
        let (stdout, stderr, status) = self.run_to_end();
        let context = format!(
            "args: {:?}\nstdin:\n{}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            self.args, self.stdin
        );
        match &self.expected_stdout {
            ExpectedStdout::Exact(expected) => {
                assert_eq!(&stdout, expected, "unexpected stdout\n{context}")
            }
            ExpectedStdout::Json(expected) => {
                assert_eq!(
                    &json_lines(&stdout),
                    expected,
                    "unexpected stdout\n{context}"
                )
            }
        }
        assert_eq!(stderr, self.expected_stderr, "unexpected stderr\n{context}");
        assert_eq!(
            status,
            Some(self.expected_status),
            "unexpected exit status\n{context}"
        );
        self.output(stdout, stderr, status)
    }

    /// Runs the binary to the end and leaves every check of what it printed to the caller.
    pub fn run_unchecked(self) -> Output {
        let (stdout, stderr, status) = self.run_to_end();
        self.output(stdout, stderr, status)
    }

    fn run_to_end(&self) -> (String, String, Option<i32>) {
        let mut child = self.spawn();
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let input = self.stdin.clone();
        let writer = std::thread::spawn(move || {
            // The binary may exit before reading everything (a batch that stopped early).
            let _ = stdin.write_all(input.as_bytes());
        });
        let output = child
            .wait_with_output()
            .expect("cannot wait for the binary");
        writer.join().expect("the stdin writer panicked");
        let stdout = String::from_utf8(output.stdout).expect("stdout is not UTF-8");
        let stderr = String::from_utf8(output.stderr).expect("stderr is not UTF-8");
        (stdout, stderr, output.status.code())
    }

    fn output(self, stdout: String, stderr: String, status: Option<i32>) -> Output {
        Output {
            stdout,
            stderr,
            status,
            state_dir: self.state_dir,
            sandbox: self.sandbox,
        }
    }
}

/// Runs `openssl` with `args` in `dir`; panics, with what it said, when it fails.
pub fn openssl_in(dir: &Path, args: &[&str]) -> std::process::Output {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(output.status.success(), "openssl {args:?}: {output:?}");
    output
}

/// A reply of a live shell that must have succeeded, handed back for its data.
pub fn ok(reply: Value) -> Value {
    assert_eq!(reply["error_code"], 0, "{reply}");
    reply
}

/// The message of a reply of a live shell that must have failed.
pub fn refused(reply: Value) -> String {
    assert_eq!(reply["error_code"], 1, "{reply}");
    reply["data"].as_str().unwrap().to_owned()
}

/// Parses stdout as one compact JSON value per line; panics on a line that is not one.
pub fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line:?}"));
            assert_eq!(line, value.to_string(), "not compact JSON: {line:?}");
            value
        })
        .collect()
}

/// Writes a file and gives it `mode`.
pub fn write_file(path: &Path, text: &str, mode: u32) {
    fs::write(path, text).unwrap_or_else(|error| panic!("cannot write {path:?}: {error}"));
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|error| panic!("cannot chmod {path:?}: {error}"));
}

/// A batch shell kept running: each line written is answered by one envelope, and the shell
/// (with its login) lives until its stdin is closed or it is killed.
pub struct LiveShell {
    pub child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Keeps the sandbox (HOME, XDG dirs) alive as long as the process.
    _test: Test,
}

impl LiveShell {
    /// Sends one command line and returns the envelope it printed.
    pub fn run(&mut self, line: &str) -> Value {
        let stdin = self.stdin.as_mut().expect("stdin is still open");
        writeln!(stdin, "{line}").expect("cannot write to the shell");
        stdin.flush().expect("cannot flush the shell's stdin");
        let mut reply = String::new();
        self.stdout
            .read_line(&mut reply)
            .expect("cannot read the shell's stdout");
        serde_json::from_str(&reply)
            .unwrap_or_else(|error| panic!("`{line}` printed no envelope ({error}): {reply:?}"))
    }

    /// Closes stdin (end of the batch) and waits for the exit status.
    pub fn finish(mut self) -> ExitStatus {
        drop(self.stdin.take());
        self.child.wait().expect("cannot wait for the shell")
    }
}

//! Golden transcripts: every `tests/golden/**/*.txt` is replayed on a fresh simulator and must
//! match line for line; `UPDATE_GOLDEN=1` re-blesses them with this run's results.
//!
//! The key store, KMS and CloudHSM v2 transcripts replay a second time over the AWS wire: with
//! `--aws --endpoint-url` against a `serve` on the same fresh state, so the AWS SDK adapters and
//! the server must give every line the simulator gives. A transcript whose header has a
//! `# simulator only: <why>` line is not replayed over the wire. That second run needs the cargo
//! feature `aws` (`scripts/test.sh` turns it on).
//!
//! Every transcript replays a third time with `--any-cluster` on a simulator seeded otherwise,
//! where no identifier, key or signature is the recorded one: the placeholders of
//! `grammar/varying.toml` must bind them all, and anything else must still match.
//!
//! Replays run in `tests/golden`, so a transcript names fixture files relative to it
//! (`key import pem --path pem/rsa2048-public.pem`). Key generation prints random material
//! (check values, moduli, EC points), so transcripts make keys with `key import pem` of the
//! fixed public keys in `tests/golden/pem/` and keep generated keys to their error paths; the
//! success output of generation is checked in Rust (`key_generate.rs`).

use crate::serve::served::Served;
use crate::test::{BINARY, Test, write_file};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fewer transcripts than this means the walk lost some (an empty glob must not pass).
const MINIMUM_TRANSCRIPTS: usize = 42;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every `*.txt` under `dir`, sorted.
fn transcripts(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let entries = fs::read_dir(dir).unwrap_or_else(|error| panic!("cannot list {dir:?}: {error}"));
    for entry in entries {
        let path = entry.expect("cannot read a directory entry").path();
        if path.is_dir() {
            found.extend(transcripts(&path));
        } else if path.extension().is_some_and(|extension| extension == "txt") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The folders whose transcripts replay over the AWS wire too.
const OVER_THE_WIRE: [&str; 3] = ["keystore", "kms", "cloudhsmv2"];

/// Fewer transcripts over the wire than this means the selection lost some.
const MINIMUM_OVER_THE_WIRE: usize = 11;

/// Where a replay sends its key store, KMS and CloudHSM v2 commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Simulator,
    /// `--aws --endpoint-url` to a `serve` on the replay's state.
    AwsWire,
    /// The simulator seeded otherwise, with `--any-cluster`: a cluster whose IDs, keys and
    /// signatures all differ from the recording's.
    OtherCluster,
}

/// The seed of the recordings, and the one of [`Route::OtherCluster`].
const RECORDED_SEED: &str = "7";
const OTHER_SEED: &str = "8";

/// Whether `transcript` replays over the AWS wire too.
fn over_the_wire(transcript: &Path) -> bool {
    let folder = transcript
        .parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    let text = fs::read_to_string(transcript).expect("a readable transcript");
    OVER_THE_WIRE.contains(&folder)
        && !text
            .lines()
            .take_while(|line| line.starts_with('#'))
            .any(|line| line.starts_with("# simulator only:"))
}

/// Replays one transcript on a fresh state; the failure report when it does not match.
fn replay(transcript: &Path, secrets: &str, bless: bool, route: Route) -> Result<(), String> {
    let sandbox = tempfile::tempdir().expect("cannot create a temp dir");
    let state = sandbox.path().join("state");
    let served = (route == Route::AwsWire).then(|| Served::start(Test::new().state(&state), &[]));
    let secrets_file = sandbox.path().join("secrets");
    write_file(&secrets_file, secrets, 0o600);
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CLOUDHSM") || name.starts_with("XDG_") || name.starts_with("AWS_") {
            command.env_remove(&*name);
        }
    }
    if let Some(served) = &served {
        let endpoint = format!("http://127.0.0.1:{}", served.port);
        command
            .args([
                "--aws",
                "--region",
                "us-east-1",
                "--endpoint-url",
                &endpoint,
            ])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // A retry would hide the service faults the transcripts provoke.
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("AWS_CONFIG_FILE", sandbox.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                sandbox.path().join("no-aws-credentials"),
            );
    }
    command
        .current_dir(golden_dir())
        .env("HOME", sandbox.path())
        .arg("--replay")
        .arg(transcript)
        .arg("--state-dir")
        .arg(&state)
        .arg("--seed")
        .arg(if route == Route::OtherCluster {
            OTHER_SEED
        } else {
            RECORDED_SEED
        })
        .arg("--secrets")
        .arg(&secrets_file);
    if route == Route::OtherCluster {
        command.arg("--any-cluster");
    }
    if bless {
        command.arg("--bless");
    }
    let output = command.output().expect("cannot run cloudhsm-shell");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} {route:?} (exit status {:?}):\n{}{}",
            transcript.display(),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout),
        ))
    }
}

#[test]
fn every_golden_transcript_replays() {
    let dir = golden_dir();
    let secrets = fs::read_to_string(dir.join("secrets")).expect("tests/golden/secrets");
    let bless = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
    let files = transcripts(&dir);
    assert!(
        files.len() >= MINIMUM_TRANSCRIPTS,
        "found only {} transcripts under {dir:?}: {files:?}",
        files.len()
    );
    // Over the wire needs `--aws`, which only a build with the cargo feature `aws` has.
    let over_wire: Vec<&PathBuf> = if cfg!(feature = "aws") {
        files.iter().filter(|file| over_the_wire(file)).collect()
    } else {
        Vec::new()
    };
    assert!(
        !cfg!(feature = "aws") || over_wire.len() >= MINIMUM_OVER_THE_WIRE,
        "only {} transcripts replay over the AWS wire: {over_wire:?}",
        over_wire.len()
    );
    let replays = files
        .iter()
        .map(|file| (file, Route::Simulator))
        .chain(over_wire.iter().map(|file| (*file, Route::AwsWire)))
        .chain(files.iter().map(|file| (file, Route::OtherCluster)));
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = replays
            // A blessing rewrites a transcript: only the simulator's run may do that.
            .filter(|(_, route)| !bless || *route == Route::Simulator)
            .map(|(file, route)| {
                let secrets = &secrets;
                scope.spawn(move || replay(file, secrets, bless, route))
            })
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().expect("a replay thread panicked").err())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} replays failed:\n\n{}",
        failures.len(),
        2 * files.len() + over_wire.len(),
        failures.join("\n")
    );
}

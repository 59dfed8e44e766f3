//! Safety: passwords never reach state, transcripts, history or output; and key material never
//! reaches the state files or the output (only sealed under a 0600 master key). Shells killed
//! in the middle of writing are `crash.rs`'s.

use crate::fixtures::{activation_ok, failed, logout_ok, user_ref};
use crate::interop::wrap::{
    KNOWN_AES_KEY, known_key_check_value, make_rsa_wrapping_pair, unwrap_known_key,
};
use crate::key_fixtures::{KeyShell, OWNER, base64, check_value, cluster};
use crate::repl::{PROMPT, answer_password, exits_with_status_zero, expect, spawn_shell};
use crate::test::Test;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Every password in the leak test contains this marker in each of its words, so that any
/// fragment of one is found.
const MARKER: &str = "Sekr3tMark";

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.expect("cannot read a directory entry").path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Whether the bytes of the file at `path` contain [`MARKER`].
fn holds_marker(path: &Path) -> bool {
    let bytes = fs::read(path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
    bytes
        .windows(MARKER.len())
        .any(|window| window == MARKER.as_bytes())
}

/// The files under `dir` whose bytes contain [`MARKER`].
fn files_with_the_marker(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|path| holds_marker(path))
        .collect()
}

/// The lines of the batch session, with passwords inline, in a secrets file and mistyped.
fn batch_session_lines() -> Vec<String> {
    vec![
        format!("cluster activate --password {MARKER}Admin1"),
        format!("login --username admin --role admin --password={MARKER}Admin1"),
        "user create --username alice --role crypto-user".to_owned(),
        format!("user create --username carol --role crypto-user --password '{MARKER}A {MARKER}B'"),
        // An unquoted password with a space: the second word must not be echoed or recorded.
        format!(
            "user change-password --username carol --role crypto-user --password {MARKER}C {MARKER}D"
        ),
        format!("user create --username dave --role crypto-user --password {MARKER}E:{MARKER}F"),
        format!("user create --username erin --role crypto-user --password --{MARKER}G"),
        // A line that does not lex: where its words start is unknown.
        format!("login --pass\"word\" {MARKER}H --username \"alice"),
        "logout".to_owned(),
        format!("login --username alice --role crypto-user --password {MARKER}Wrong"),
        "login --username alice --role crypto-user".to_owned(),
        "logout".to_owned(),
    ]
}

/// The commands of a transcript; a `--password` in one (of a line that did not bind) is only
/// ever followed by the placeholder.
fn recorded_commands(transcript: &Path) -> Vec<String> {
    let recorded = fs::read_to_string(transcript).expect("the session was recorded");
    let commands: Vec<String> = recorded
        .lines()
        .filter_map(|line| line.strip_prefix("aws-cloudhsm > "))
        .map(str::to_owned)
        .collect();
    for command in &commands {
        for (at, _) in command.match_indices("--password") {
            let value = &command[at + "--password".len()..];
            assert!(
                value.is_empty() || value.starts_with(" ***") || value.starts_with(" --***"),
                "{recorded}"
            );
        }
    }
    commands
}

#[test]
fn passwords_never_reach_state_transcripts_history_or_output() {
    let session = Test::new().arg("--keep-going");
    let (transcript, history) = (session.path("batch.txt"), session.path("history"));
    let lines = batch_session_lines();
    let output = session
        .secrets(&format!("alice={MARKER}Alice1\n"))
        .arg("--record")
        .arg(&transcript)
        .stdin(&(lines.join("\n") + "\n"))
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            user_ref("alice", "crypto-user"),
            user_ref("carol", "crypto-user"),
            failed(
                "unexpected argument after the value of '--password <PASSWORD>': quote a value that contains spaces",
            ),
            failed(
                "Invalid password: it must not contain ':', which separates user and password in CLOUDHSM_PIN",
            ),
            failed("a value is required for '--password <PASSWORD>' but none was supplied"),
            failed("unterminated quote"),
            logout_ok(),
            failed("Login failed: incorrect username, role or password"),
            user_ref("alice", "crypto-user"),
            logout_ok(),
        ])
        .status(1)
        .run();
    // Every line, those that do not bind screened.
    assert_eq!(recorded_commands(&transcript).len(), lines.len());
    let (sandbox, state) = (output.sandbox.path(), &output.state_dir);

    // CLOUDHSM_PIN carries carol's password into a single command that changes it.
    let single = Test::new()
        .state(state)
        .env("CLOUDHSM_ROLE", "crypto-user")
        .env("CLOUDHSM_PIN", &format!("carol:{MARKER}A {MARKER}B"))
        .args(["user", "change-password", "--username", "carol"])
        .args([
            "--role",
            "crypto-user",
            "--password",
            &format!("{MARKER}New1"),
        ])
        .stdout_json(vec![user_ref("carol", "crypto-user")])
        .stderr("warning: a password on the command line is visible to every local user (ps, /proc); give it through the prompt, a --secrets file or CLOUDHSM_PIN instead\n")
        .run();
    for text in [
        &output.stdout,
        &output.stderr,
        &single.stdout,
        &single.stderr,
    ] {
        assert!(!text.contains(MARKER), "{text}");
    }

    // At the prompt: a password typed at `Enter password:` and one given inline.
    let repl_transcript = sandbox.join("repl.txt");
    let mut shell = spawn_shell(
        &sandbox.join("home"),
        &[
            "--state-dir",
            state.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "--record",
            repl_transcript.to_str().unwrap(),
            "interactive",
        ],
    );
    expect(&mut shell, PROMPT);
    shell
        .send_line("login --username alice --role crypto-user")
        .expect("cannot type");
    answer_password(&mut shell, &format!("{MARKER}Alice1"), false);
    expect(&mut shell, "\"username\": \"alice\"");
    expect(&mut shell, PROMPT);
    shell
        .send_line(&format!(
            "user change-password --username alice --role crypto-user --password {MARKER}Typed1"
        ))
        .expect("cannot type");
    expect(&mut shell, "\"role\": \"crypto-user\"");
    expect(&mut shell, PROMPT);
    shell.send_line("quit").expect("cannot type");
    exits_with_status_zero(&mut shell);
    assert_eq!(recorded_commands(&repl_transcript).len(), 3);
    let kept = fs::read_to_string(&history).expect("the history file");
    assert!(
        kept.contains("login --username alice --role crypto-user\n"),
        "{kept}"
    );

    // While a shell holds the database open its -wal and -shm files exist: read them too.
    let mut live = Test::new().state(state).start();
    assert_eq!(live.run("cluster hsm-info")["error_code"], 0);
    for companion in ["state.sqlite3-wal", "state.sqlite3-shm"] {
        assert!(state.join(companion).exists(), "{companion} is missing");
    }
    // Every file of the sandbox but the secrets file the test wrote: state, transcripts,
    // history, HOME and the XDG directories.
    let secrets_file = sandbox.join("secrets");
    assert!(
        holds_marker(&secrets_file),
        "the scan would miss a password"
    );
    let leaks = || {
        let mut found = files_with_the_marker(sandbox);
        found.retain(|path| *path != secrets_file);
        found
    };
    let leaks_while_open = leaks();
    assert!(live.finish().success());
    assert_eq!(leaks_while_open, Vec::<PathBuf>::new());
    assert_eq!(leaks(), Vec::<PathBuf>::new());
    assert!(files_under(state).len() >= 2, "the state was not written");
}

/// The files under `dir` that hold any of `needles`.
fn files_holding(dir: &Path, needles: &[Vec<u8>]) -> Vec<(PathBuf, usize)> {
    let mut hits = Vec::new();
    for path in files_under(dir) {
        let bytes = fs::read(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
        for (index, needle) in needles.iter().enumerate() {
            if bytes
                .windows(needle.len())
                .any(|window| window == needle.as_slice())
            {
                hits.push((path.clone(), index));
            }
        }
    }
    hits
}

#[test]
fn key_material_never_reaches_the_state_files_or_the_output() {
    let state = cluster();
    let dir = &state.state_dir;
    let work = tempfile::tempdir().unwrap();
    let mut shell = KeyShell::crypto_user(dir, OWNER);
    make_rsa_wrapping_pair(&mut shell);
    let key = unwrap_known_key(&mut shell, work.path(), "known");
    // The unwrap really holds the known key: openssl computes the same check value.
    assert_eq!(check_value(&key), known_key_check_value(work.path()));
    // Use it, so that every path that opens its material has run: wrap it, list it.
    shell.ok(
        "key generate-symmetric aes --label wrapper --key-length-bytes 16 --attributes wrap=true",
    );
    let wrapped = shell.ok(
        "key wrap aes-pkcs5-pad --payload-filter attr.label=known --wrapping-filter attr.label=wrapper",
    );
    let listed = shell.ok("key list --verbose");
    let hex: String = KNOWN_AES_KEY
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let needles = vec![
        KNOWN_AES_KEY.to_vec(),
        hex.clone().into_bytes(),
        hex.to_uppercase().into_bytes(),
        base64(&KNOWN_AES_KEY)
            .trim_end_matches('=')
            .as_bytes()
            .to_vec(),
    ];
    // While the shell runs (the database's journal included) and after it has ended.
    assert_eq!(files_holding(dir, &needles), vec![]);
    shell.finish();
    assert_eq!(files_holding(dir, &needles), vec![]);
    // The known key is ASCII, so the replies are searched for every needle as text.
    for reply in [key, wrapped, listed].map(|reply| reply.to_string()) {
        for needle in &needles {
            let needle = std::str::from_utf8(needle).expect("the needles are ASCII");
            assert!(!reply.contains(needle), "{reply}");
        }
    }
    // The scan can find what it looks for: the openssl input file was written and removed, so
    // plant the bytes in the state directory and see them found.
    fs::write(
        dir.join("planted"),
        [b"x".as_slice(), &KNOWN_AES_KEY].concat(),
    )
    .unwrap();
    assert_eq!(files_holding(dir, &needles), vec![(dir.join("planted"), 0)]);
    fs::remove_file(dir.join("planted")).unwrap();
    let master = dir.join("master.key");
    let mode = fs::metadata(&master)
        .expect("master.key exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(fs::metadata(&master).unwrap().len(), 32);
}

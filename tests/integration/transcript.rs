//! Transcripts end to end: `--record` writes one that `--replay` verifies on a fresh state
//! (so a recorded session becomes a golden test by moving the file), a changed result fails
//! the replay with a report, and `--bless` rewrites the expected results.

use crate::fixtures::{activation_ok, failed, logout_ok, user_list_with, user_ref};
use crate::test::{ADMIN_PASSWORD, Test, write_file};
use std::fs;
use std::io::Write;

const ALICE_PASSWORD: &str = "alice-fixture-1";

#[test]
fn a_recorded_batch_session_replays_on_a_fresh_state() {
    let recording = Test::new().arg("--keep-going");
    let transcript = recording.path("session.txt");
    let recorded_run = recording
        .arg("--record")
        .arg(&transcript)
        .stdin(&format!(
            "# set-up\ncluster activate \\\n  --password {ADMIN_PASSWORD}\n\
             login --username admin --role admin --password={ADMIN_PASSWORD}\n\
             user create --username 'Alice' --role crypto-user --password {ALICE_PASSWORD}\n\
             user list --username \"alice\n\
             user list\nlogout\n"
        ))
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            user_ref("alice", "crypto-user"),
            failed("unterminated quote"),
            user_list_with(&[("alice", "crypto-user")]),
            logout_ok(),
        ])
        .status(1)
        .run();
    let recorded = fs::read_to_string(&transcript).expect("the session was recorded");
    drop(recorded_run);
    let lines: Vec<&str> = recorded.lines().collect();
    assert_eq!(
        lines[..8],
        [
            "# session cluster: cluster-zxqwotxh2y6",
            "aws-cloudhsm > cluster activate",
            r#"{"error_code":0,"data":"Cluster activation successful"}"#,
            "aws-cloudhsm > login --username admin --role admin",
            r#"{"error_code":0,"data":{"username":"admin","role":"admin"}}"#,
            "aws-cloudhsm > user create --username 'Alice' --role crypto-user",
            r#"{"error_code":0,"data":{"username":"alice","role":"crypto-user"}}"#,
            "aws-cloudhsm > user list *** '",
        ],
        "{recorded}"
    );

    let replay = Test::new();
    let copy = replay.path("session.txt");
    write_file(&copy, &recorded, 0o600);
    replay
        .secrets(&format!("admin={ADMIN_PASSWORD}\nalice={ALICE_PASSWORD}\n"))
        .arg("--replay")
        .arg(&copy)
        .stderr(&format!("{}: 6 of 6 commands matched\n", copy.display()))
        .run();
}

/// A transcript that is wrong on purpose in its first two results, in `test`'s sandbox.
fn wrong_transcript(test: &Test) -> std::path::PathBuf {
    let transcript = test.path("changed.txt");
    write_file(
        &transcript,
        &format!(
            "# wrong on purpose: activation succeeds, and nobody is logged in\n\
             aws-cloudhsm > cluster activate --password {ADMIN_PASSWORD}\n\
             {{\"error_code\":1,\"data\":\"The cluster is already activated\"}}\n\
             aws-cloudhsm > logout\n\
             {{\"error_code\": 0, \"data\": \"Logout successful\"}}\n\
             aws-cloudhsm > user list --verbose\n\
             {{\"data\":\"unexpected argument '--verbose'\", \"error_code\":1}}\n"
        ),
        0o644,
    );
    transcript
}

/// What a replay of [`wrong_transcript`] reports about its first command: the password that
/// the hand-written transcript holds is cut out of the report.
fn activation_difference(path: &std::path::Path) -> String {
    format!(
        "{}:2: `cluster activate` printed something else
--- expected
+++ actual
@@ -1,4 +1,4 @@
 {{
-  \"error_code\": 1,
-  \"data\": \"The cluster is already activated\"
+  \"error_code\": 0,
+  \"data\": \"Cluster activation successful\"
 }}
",
        path.display()
    )
}

#[test]
fn a_changed_result_stops_the_replay_there_with_a_diff() {
    let test = Test::new();
    let transcript = wrong_transcript(&test);
    test.arg("--replay")
        .arg(&transcript)
        .stderr(&format!(
            "{}{}: stopped at line 2, the first difference: 0 of 3 commands matched before it \
             (--keep-going runs the rest)\n",
            activation_difference(&transcript),
            transcript.display()
        ))
        .status(1)
        .run();
}

#[test]
fn keep_going_reports_every_changed_result() {
    let test = Test::new();
    let transcript = wrong_transcript(&test);
    let path = transcript.display();
    test.arg("--replay")
        .arg(&transcript)
        .arg("--keep-going")
        .stderr(&format!(
            "{}{path}:4: `logout` printed something else
--- expected
+++ actual
@@ -1,4 +1,4 @@
 {{
-  \"error_code\": 0,
-  \"data\": \"Logout successful\"
+  \"error_code\": 1,
+  \"data\": \"'logout' requires a login: run login first\"
 }}
{path}: 1 of 3 commands matched
",
            activation_difference(&transcript)
        ))
        .status(1)
        .run();
}

#[test]
fn lines_after_quit_fail_the_replay_instead_of_passing_unrun() {
    let test = Test::new();
    let transcript = test.path("after-quit.txt");
    write_file(
        &transcript,
        "aws-cloudhsm > quit\n\
         aws-cloudhsm > user list\n\
         {\"error_code\":0,\"data\":{\"users\":[]}}\n",
        0o644,
    );
    let path = transcript.display();
    test.arg("--replay")
        .arg(&transcript)
        .stderr(&format!(
            "{path}:2: `user list` comes after quit (line 1) and was not run\n\
             {path}: 1 of 2 commands matched\n"
        ))
        .status(1)
        .run();
}

#[test]
fn bless_rewrites_the_results_and_keeps_the_comments() {
    let test = Test::new();
    let transcript = test.path("bless.txt");
    write_file(
        &transcript,
        "# first activation\naws-cloudhsm > cluster activate\nstale output\n\n\
         aws-cloudhsm > login --username admin --role admin\n# the end\n",
        0o644,
    );
    let blessed_run = test
        .secrets(&format!("admin={ADMIN_PASSWORD}\n"))
        .arg("--replay")
        .arg(&transcript)
        .arg("--bless")
        .stderr(&format!("{}: blessed 2 commands\n", transcript.display()))
        .run();
    assert_eq!(
        fs::read_to_string(&transcript).expect("the blessed transcript"),
        "# first activation\naws-cloudhsm > cluster activate\n\
         {\"error_code\":0,\"data\":\"Cluster activation successful\"}\n\
         aws-cloudhsm > login --username admin --role admin\n\
         {\"error_code\":0,\"data\":{\"username\":\"admin\",\"role\":\"admin\"}}\n# the end\n"
    );
    drop(blessed_run);
}

#[test]
fn a_recording_names_the_state_directory_so_it_replays_on_another() {
    let recording = Test::new();
    let transcript = recording.path("session.txt");
    let state = recording.path("state");
    let stdin = format!(
        "cloudhsmv2 create-cluster --hsm-type hsm1.medium --subnet-ids subnet-314a4367f55e7afee \
         subnet-294280a28b1d431e2\n\
         cloudhsmv2 initialize-cluster --cluster-id cluster-63eghpfcrho --generate-customer-ca\n\
         keystore check-prerequisites --cloud-hsm-cluster-id cluster-63eghpfcrho \
         --trust-anchor-certificate file://{}/customerCA-cluster-63eghpfcrho.crt\n",
        state.display()
    );
    let recording = recording.arg("--record").arg(&transcript);
    let mut child = recording.command().spawn().expect("cannot start the shell");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("cannot write the session");
    let output = child.wait_with_output().expect("cannot wait for the shell");
    assert!(output.status.success(), "{output:?}");
    let recorded = fs::read_to_string(&transcript).expect("the session was recorded");
    let state_text = state.display().to_string();
    assert!(!recorded.contains(&state_text), "{recorded}");
    assert!(
        recorded.contains(r#""TrustAnchorPath":"$STATE_DIR/customerCA-cluster-63eghpfcrho.crt""#),
        "{recorded}"
    );
    assert!(
        recorded.contains("file://$STATE_DIR/customerCA-cluster-63eghpfcrho.crt"),
        "{recorded}"
    );

    let replay = Test::new();
    let copy = replay.path("session.txt");
    write_file(&copy, &recorded, 0o600);
    replay
        .arg("--replay")
        .arg(&copy)
        .stderr(&format!("{}: 3 of 3 commands matched\n", copy.display()))
        .run();
}

#[test]
fn a_replay_on_a_terminal_shows_each_command_as_it_runs() {
    let home = tempfile::tempdir().expect("a temp dir");
    let transcript = home.path().join("session.txt");
    write_file(
        &transcript,
        "aws-cloudhsm > cluster activate\n\
         {\"error_code\":0,\"data\":\"Cluster activation successful\"}\n\
         aws-cloudhsm > login --username admin --role admin\n\
         {\"error_code\":0,\"data\":{\"username\":\"admin\",\"role\":\"admin\"}}\n",
        0o600,
    );
    let secrets = home.path().join("secrets");
    write_file(&secrets, &format!("admin={ADMIN_PASSWORD}\n"), 0o600);
    let state = home.path().join("state");
    let mut shell = crate::repl::spawn_shell(
        home.path(),
        &[
            "--state-dir",
            state.to_str().unwrap(),
            "--secrets",
            secrets.to_str().unwrap(),
            "--replay",
            transcript.to_str().unwrap(),
        ],
    );
    crate::repl::expect(&mut shell, "[1/2] cluster activate\r\n");
    crate::repl::expect(&mut shell, "[2/2] login --username admin --role admin\r\n");
    crate::repl::expect(&mut shell, "session.txt: 2 of 2 commands matched");
    crate::repl::exits_with_status_zero(&mut shell);
}

//! The shell on a pseudo-terminal: the interactive `aws-cloudhsm >` prompt (banner, password
//! prompts, pretty JSON, history that never keeps a password, completion, Ctrl-C and Ctrl-D),
//! and a batch file run on a terminal, where syntax errors get a caret.
//!
//! rustyline redraws the line with escape codes, so these tests look for substrings of the
//! screen (`exp_string`) rather than whole screens.

use crate::fixtures::state_with_users;
use crate::test::Test;
use crate::test::{ADMIN_PASSWORD, BINARY};
use rexpect::process::WaitStatus;
use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

pub(crate) const PROMPT: &str = "aws-cloudhsm > ";
/// How long to wait for expected text before declaring the shell stuck (a hang guard, not a
/// speed check: every expected text normally appears within milliseconds).
const STUCK_AFTER_MS: u64 = 30_000;
const BOB_PASSWORD: &str = "ReplBobSecret1";

/// Starts `cloudhsm-shell <args>` on a pseudo-terminal with a private HOME and XDG dirs.
pub(crate) fn spawn_shell(home: &Path, args: &[&str]) -> PtySession {
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CLOUDHSM") || name.starts_with("XDG_") {
            command.env_remove(&*name);
        }
    }
    command
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .args(args);
    let options = Options::new()
        .timeout_ms(Some(STUCK_AFTER_MS))
        .strip_ansi_escape_codes(true);
    spawn_with_options(command, options).expect("cannot start the shell on a pty")
}

/// The interactive shell on a fresh state in `home`, keeping its history in `home/history`.
pub(crate) fn spawn_fresh_interactive(home: &Path) -> PtySession {
    let state = home.join("cloudhsm-state");
    let history = home.join("history");
    spawn_shell(
        home,
        &[
            "--state-dir",
            state.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "interactive",
        ],
    )
}

pub(crate) fn expect(shell: &mut PtySession, text: &str) -> String {
    shell
        .exp_string(text)
        .unwrap_or_else(|error| panic!("did not see {text:?}: {error}"))
}

/// Waits for the shell to close the terminal (or be declared stuck), then checks its status.
pub(crate) fn exits_with_status_zero(shell: &mut PtySession) {
    shell.exp_eof().expect("the shell did not exit");
    match shell.process().wait().expect("cannot wait for the shell") {
        WaitStatus::Exited(_, 0) => {}
        other => panic!("the shell ended with {other:?}"),
    }
}

/// Answers the `Enter password:` (and `Confirm password:`) prompts of the line just sent.
pub(crate) fn answer_password(shell: &mut PtySession, password: &str, confirm: bool) {
    expect(shell, "Enter password:");
    shell.send_line(password).expect("cannot type");
    if confirm {
        expect(shell, "Confirm password:");
        shell.send_line(password).expect("cannot type");
    }
}

#[test]
fn a_first_session_activates_logs_in_creates_and_quits() {
    let home = TempDir::new().expect("temp dir");
    let state = home.path().join("cluster-state");
    let history = home.path().join("history");
    let (state_arg, history_arg) = (state.to_str().unwrap(), history.to_str().unwrap());
    let mut shell = spawn_shell(
        home.path(),
        &[
            "interactive",
            "--state-dir",
            state_arg,
            "--seed",
            "7",
            "--history",
            history_arg,
        ],
    );
    expect(
        &mut shell,
        &format!(
            "Simulated cluster cluster-zxqwotxh2y6 (state in {state_arg}) is not activated yet: run `cluster activate` first."
        ),
    );
    expect(&mut shell, PROMPT);

    shell.send_line("cluster activate").expect("cannot type");
    answer_password(&mut shell, ADMIN_PASSWORD, true);
    expect(
        &mut shell,
        "{\r\n  \"error_code\": 0,\r\n  \"data\": \"Cluster activation successful\"\r\n}",
    );
    expect(&mut shell, PROMPT);

    shell
        .send_line("login --username admin --role admin")
        .expect("cannot type");
    answer_password(&mut shell, ADMIN_PASSWORD, false);
    expect(
        &mut shell,
        "\"username\": \"admin\",\r\n    \"role\": \"admin\"",
    );
    expect(&mut shell, PROMPT);

    // Two different answers to the two prompts create nobody.
    shell
        .send_line("user create --username carol --role crypto-user")
        .expect("cannot type");
    expect(&mut shell, "Enter password:");
    shell.send_line("ReplCarolOne1").expect("cannot type");
    expect(&mut shell, "Confirm password:");
    shell.send_line("ReplCarolTwo2").expect("cannot type");
    expect(&mut shell, "\"data\": \"The passwords do not match\"");
    expect(&mut shell, PROMPT);

    let create_bob =
        format!("user create --username bob --role crypto-user --password {BOB_PASSWORD}");
    shell.send_line(&create_bob).expect("cannot type");
    expect(
        &mut shell,
        "\"username\": \"bob\",\r\n    \"role\": \"crypto-user\"",
    );
    expect(&mut shell, PROMPT);

    // TAB completes `cr` to `create ` (the grey hint alone would not put it in the line): the
    // line then creates `tabbed`, where `user cr--username ...` would be a syntax error.
    shell.send("user cr").expect("cannot type");
    shell.send("\t").expect("cannot type");
    shell
        .send_line("--username tabbed --role crypto-user --password ReplTabbed1")
        .expect("cannot type");
    expect(
        &mut shell,
        "\"username\": \"tabbed\",\r\n    \"role\": \"crypto-user\"",
    );
    expect(&mut shell, PROMPT);

    // Ctrl-C drops the line being typed: bob is not deleted.
    shell
        .send("user delete --username bob --role crypto-user")
        .expect("cannot type");
    shell.send_control('c').expect("cannot send Ctrl-C");
    // The editor drops input typed before its next prompt: wait for the prompt on a new line
    // (redraws of the same line start with a bare carriage return).
    expect(&mut shell, &format!("\n\r{PROMPT}"));
    shell.send_line("user list").expect("cannot type");
    // Had the dropped line run, or merged with this one, there would be no such user list.
    expect(&mut shell, "\"users\": [");
    let listed = expect(&mut shell, "\r\n}");
    assert!(listed.contains("\"username\": \"bob\""), "{listed}");
    assert!(listed.contains("\"username\": \"tabbed\""), "{listed}");
    assert!(!listed.contains("carol"), "{listed}");

    shell.send_line("quit").expect("cannot type");
    exits_with_status_zero(&mut shell);

    let kept = fs::read_to_string(&history).expect("the history file");
    let kept_lines: Vec<&str> = kept.lines().filter(|line| !line.starts_with('#')).collect();
    assert_eq!(
        kept_lines,
        [
            "cluster activate",
            "login --username admin --role admin",
            "user create --username carol --role crypto-user",
            "user list",
            "quit",
        ],
        "{kept}"
    );
    let mode = fs::metadata(&history)
        .expect("history metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn ctrl_d_ends_a_session_on_an_activated_cluster_without_the_banner() {
    let state = state_with_users(&[]);
    let home = TempDir::new().expect("temp dir");
    let history = home.path().join("history");
    let mut shell = spawn_shell(
        home.path(),
        &[
            "--state-dir",
            state.state_dir.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "interactive",
        ],
    );
    let before_prompt = expect(&mut shell, PROMPT);
    assert!(!before_prompt.contains("not activated"), "{before_prompt}");
    shell.send_line("user list").expect("cannot type");
    expect(&mut shell, "\"role\": \"admin\"");
    expect(&mut shell, PROMPT);
    shell.send_control('d').expect("cannot send Ctrl-D");
    exits_with_status_zero(&mut shell);
}

#[test]
fn a_batch_file_on_a_terminal_shows_carets_but_never_a_password() {
    let home = TempDir::new().expect("temp dir");
    let state = home.path().join("cluster-state");
    let file = home.path().join("lines.cli");
    fs::write(
        &file,
        "user list stray\ncluster activate --password ReplHidden1 ReplHidden2\n",
    )
    .expect("cannot write the batch file");
    let mut shell = spawn_shell(
        home.path(),
        &[
            "--keep-going",
            "--state-dir",
            state.to_str().unwrap(),
            "--file",
            file.to_str().unwrap(),
        ],
    );
    let screen = shell.exp_eof().expect("the batch did not end");
    assert!(
        screen.contains("  user list stray\r\n            ^^^^^\r\n"),
        "{screen}"
    );
    assert!(!screen.contains("ReplHidden"), "{screen}");
    assert!(
        screen.contains("unexpected argument after the value of '--password <PASSWORD>'"),
        "{screen}"
    );
    match shell.process().wait().expect("cannot wait for the batch") {
        WaitStatus::Exited(_, 1) => {}
        other => panic!("the batch ended with {other:?}"),
    }
}

#[test]
fn the_prompt_names_user_and_cluster_once_logged_in_on_a_chosen_cluster() {
    let state = state_with_users(&[]);
    let home = TempDir::new().expect("temp dir");
    let history = home.path().join("history");
    let mut shell = spawn_shell(
        home.path(),
        &[
            "interactive",
            "--state-dir",
            state.state_dir.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "--cluster-id",
            "cluster-zxqwotxh2y6",
        ],
    );
    expect(&mut shell, PROMPT);
    shell
        .send_line(&format!(
            "login --username admin --role admin --password {ADMIN_PASSWORD}"
        ))
        .expect("cannot type");
    expect(&mut shell, "\"role\": \"admin\"");
    expect(&mut shell, "admin@cluster-zxqwotxh2y6 > ");
    shell.send_line("logout").expect("cannot type");
    expect(&mut shell, "\"data\": \"Logout successful\"");
    expect(&mut shell, PROMPT);
    shell.send_line("quit").expect("cannot type");
    exits_with_status_zero(&mut shell);
}

/// `--history` names a file the prompt reads back whole and appends to: a FIFO hung the prompt
/// before it showed, and `/dev/zero` was read without end. Both are refused at once (exit 2), a
/// file past the limit too, and `/dev/null` keeps no history.
#[test]
fn a_history_that_is_not_a_regular_file_is_refused_at_once() {
    let sandbox = tempfile::tempdir().unwrap();
    let fifo = sandbox.path().join("fifo");
    let made = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path inside this test's own directory.
    assert_eq!(unsafe { libc::mkfifo(made.as_ptr(), 0o600) }, 0);
    let large = sandbox.path().join("large");
    fs::File::create(&large)
        .unwrap()
        .set_len(16 * 1024 * 1024 + 1)
        .unwrap();
    for (path, reason) in [
        (fifo.to_str().unwrap(), "it is a FIFO, not a regular file"),
        ("/dev/zero", "it is a character device, not a regular file"),
        (
            large.to_str().unwrap(),
            "it is larger than 16777216 bytes, the limit for a history file",
        ),
    ] {
        let output = Test::new()
            .args(["--history", path, "interactive"])
            .stdin("quit\n")
            .run_unchecked();
        assert_eq!(output.status, Some(2), "{path}: {}", output.stdout);
        assert!(output.stdout.contains(reason), "{path}: {}", output.stdout);
    }
    let output = Test::new()
        .args(["--history", "/dev/null", "interactive"])
        .stdin("quit\n")
        .run_unchecked();
    assert_eq!(output.status, Some(0), "{}", output.stdout);
}

#[test]
fn tab_lists_the_candidates_and_a_choice_flag_hints_its_choices() {
    let home = TempDir::new().expect("temp dir");
    let mut shell = spawn_fresh_interactive(home.path());
    expect(&mut shell, PROMPT);
    // As in bash: the first Tab of an ambiguous word completes what the candidates share, the
    // second lists them under the line, which is then drawn again.
    // `send` leaves the keys buffered; only `send_line` flushes by itself.
    let mut press = |keys: &str| {
        shell.send(keys).expect("cannot type");
        shell.flush().expect("cannot type");
    };
    press("user ");
    press("\t");
    press("\t");
    expect(
        &mut shell,
        "\r\nchange-mfa       change-quorum    delete           replicate\r\nchange-password  create           list\r\n",
    );
    expect(&mut shell, &format!("{PROMPT}user "));
    shell.send("create --role ").expect("cannot type");
    shell.flush().expect("cannot type");
    expect(&mut shell, "--role <admin|crypto-user>");
    shell.send_control('c').expect("cannot send Ctrl-C");
    expect(&mut shell, &format!("\n\r{PROMPT}"));
    shell.send_line("quit").expect("cannot type");
    exits_with_status_zero(&mut shell);
}

#[test]
fn tab_completes_file_paths_for_source_and_after_file_prefixes() {
    let home = TempDir::new().expect("temp dir");
    let scripts = home.path().join("scripts");
    std::fs::create_dir(&scripts).unwrap();
    std::fs::write(scripts.join("listing.cli"), "user list\n").unwrap();
    let mut shell = spawn_fresh_interactive(home.path());
    expect(&mut shell, PROMPT);
    let mut press = |keys: &str| {
        shell.send(keys).expect("cannot type");
        shell.flush().expect("cannot type");
    };
    // The directory completes with its `/`, the file with a space after it; Enter runs it.
    press(&format!("source {}/scr", home.path().display()));
    press("\t");
    press("lis\t");
    shell.send_line("").expect("cannot type");
    expect(&mut shell, "\"role\": \"unactivated-admin\"");
    expect(&mut shell, PROMPT);
    // After file://, only the path is completed.
    shell
        .send(&format!(
            "keystore check-prerequisites --trust-anchor-certificate file://{}/scripts/li",
            home.path().display()
        ))
        .expect("cannot type");
    shell.flush().expect("cannot type");
    shell.send("\t").expect("cannot type");
    shell.flush().expect("cannot type");
    expect(
        &mut shell,
        &format!("file://{}/scripts/listing.cli ", home.path().display()),
    );
    shell.send_control('c').expect("cannot send Ctrl-C");
    expect(&mut shell, &format!("\n\r{PROMPT}"));
    shell.send_line("quit").expect("cannot type");
    exits_with_status_zero(&mut shell);
}

#[test]
fn tab_offers_the_users_keys_and_clusters_that_exist() {
    let home = TempDir::new().expect("temp dir");
    let mut shell = spawn_fresh_interactive(home.path());
    expect(&mut shell, PROMPT);
    let press = |shell: &mut PtySession, keys: &str| {
        shell.send(keys).expect("cannot type");
        shell.flush().expect("cannot type");
    };
    for line in [
        format!("cluster activate --password {ADMIN_PASSWORD}"),
        format!("login --username admin --role admin --password {ADMIN_PASSWORD}"),
        format!("user create --username beth --role crypto-user --password {BOB_PASSWORD}"),
        format!("user create --username bea --role crypto-user --password {BOB_PASSWORD}"),
    ] {
        shell.send_line(&line).expect("cannot type");
        expect(&mut shell, "\"error_code\": 0");
        expect(&mut shell, PROMPT);
    }
    // Usernames from the cluster: the common prefix first, then the list.
    press(&mut shell, "user delete --username b\t");
    expect(&mut shell, "--username be");
    press(&mut shell, "\t");
    expect(&mut shell, "\r\nbea   beth\r\n");
    shell.send_control('c').expect("cannot send Ctrl-C");
    expect(&mut shell, &format!("\n\r{PROMPT}"));
    // A cluster ID from the control plane, with a space after it.
    press(
        &mut shell,
        "keystore check-prerequisites --cloud-hsm-cluster-id \t",
    );
    shell
        .exp_regex("--cloud-hsm-cluster-id cluster-[a-z0-9]{11} ")
        .expect("the cluster ID was not completed");
    shell.send_control('c').expect("cannot send Ctrl-C");
    expect(&mut shell, &format!("\n\r{PROMPT}"));
    for line in [
        "logout".to_owned(),
        format!("login --username beth --role crypto-user --password {BOB_PASSWORD}"),
        "key generate-symmetric aes --label ceremony-aes --key-length-bytes 32".to_owned(),
    ] {
        shell.send_line(&line).expect("cannot type");
        expect(&mut shell, "\"error_code\": 0");
        expect(&mut shell, PROMPT);
    }
    // Key labels and references the logged-in user sees, in every word of a filter.
    press(&mut shell, "key list --filter attr.l\t");
    expect(&mut shell, "--filter attr.label=ceremony-aes ");
    press(&mut shell, "key-r\t");
    expect(&mut shell, "attr.label=ceremony-aes key-reference=0x");
    shell.send_line("").expect("cannot type");
    expect(&mut shell, "\"total_key_count\": 1");
    expect(&mut shell, PROMPT);
    shell.send_line("quit").expect("cannot type");
    exits_with_status_zero(&mut shell);
}

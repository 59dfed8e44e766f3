//! Single-command mode (`cloudhsm-shell user list`): one command from the process arguments,
//! logged in from `CLOUDHSM_ROLE` and `CLOUDHSM_PIN` when it needs a login, logged out at exit.

use crate::fixtures::{
    failed, listed, ok, recorded_logins, state_with_users, user_list_in, user_list_with, user_ref,
};
use crate::test::{ADMIN_PASSWORD, Test};
use std::fs;

/// What a single command with a password in its arguments says on stderr.
const PASSWORD_IN_ARGUMENTS: &str = "warning: a password on the command line is visible to every local user (ps, /proc); give it through the prompt, a --secrets file or CLOUDHSM_PIN instead\n";
use serde_json::json;

const KMSUSER_PASSWORD: &str = "kmsfixture1";
const KMSUSER_NEW_PASSWORD: &str = "kmsfixture2";

fn as_admin(test: Test) -> Test {
    test.env("CLOUDHSM_ROLE", "admin")
        .env("CLOUDHSM_PIN", &format!("admin:{ADMIN_PASSWORD}"))
}

#[test]
fn user_list_needs_no_login() {
    Test::new()
        .args(["user", "list"])
        .stdout_json(vec![ok(json!({"users": [
            listed("admin", "unactivated-admin", false),
            listed("app_user", "internal(APPLIANCE_USER)", false),
        ]}))])
        .run();
}

#[test]
fn a_command_needing_a_login_logs_in_from_the_environment_and_out_at_exit() {
    let state = state_with_users(&[("kmsuser", "crypto-user", KMSUSER_PASSWORD)]);
    Test::new()
        .state(&state.state_dir)
        .env("CLOUDHSM_ROLE", "crypto-user")
        .env("CLOUDHSM_PIN", &format!("kmsuser:{KMSUSER_PASSWORD}"))
        .args(["user", "change-password", "--username", "kmsuser"])
        .args(["--role", "crypto-user", "--password", KMSUSER_NEW_PASSWORD])
        .stdout_json(vec![user_ref("kmsuser", "crypto-user")])
        .stderr(PASSWORD_IN_ARGUMENTS)
        .run();
    // Dead processes' logins are cleared lazily, so only the state itself shows a leak.
    assert_eq!(recorded_logins(&state.state_dir), Vec::<String>::new());
    Test::new()
        .state(&state.state_dir)
        .env("CLOUDHSM_ROLE", "crypto-user")
        .env("CLOUDHSM_PIN", &format!("kmsuser:{KMSUSER_NEW_PASSWORD}"))
        .arg("logout")
        .stdout_json(vec![ok(json!("Logout successful"))])
        .run();
    as_admin(Test::new())
        .state(&state.state_dir)
        .args([
            "user",
            "delete",
            "--username",
            "kmsuser",
            "--role",
            "crypto-user",
        ])
        .stdout_json(vec![user_ref("kmsuser", "crypto-user")])
        .run();
    assert_eq!(recorded_logins(&state.state_dir), Vec::<String>::new());
    assert_eq!(user_list_in(&state.state_dir), user_list_with(&[]));
}

#[test]
fn a_failing_command_still_logs_out_and_exits_one() {
    let state = state_with_users(&[]);
    as_admin(Test::new())
        .state(&state.state_dir)
        .args([
            "user",
            "delete",
            "--username",
            "nosuch",
            "--role",
            "crypto-user",
        ])
        .stdout_json(vec![failed(
            "User nosuch with role crypto-user does not exist",
        )])
        .status(1)
        .run();
    assert_eq!(recorded_logins(&state.state_dir), Vec::<String>::new());
}

#[test]
fn a_command_needing_a_login_without_the_environment_is_refused() {
    let state = state_with_users(&[]);
    let refused = failed(
        "'user create' requires a login: set CLOUDHSM_ROLE (admin or crypto-user) and CLOUDHSM_PIN=username:password",
    );
    let command = ["user", "create", "--username", "bob", "--role", "admin"];
    Test::new()
        .state(&state.state_dir)
        .args(command)
        .stdout_json(vec![refused.clone()])
        .status(1)
        .run();
    Test::new()
        .state(&state.state_dir)
        .env("CLOUDHSM_PIN", &format!("admin:{ADMIN_PASSWORD}"))
        .args(command)
        .stdout_json(vec![refused.clone()])
        .status(1)
        .run();
    Test::new()
        .state(&state.state_dir)
        .env("CLOUDHSM_ROLE", "root")
        .env("CLOUDHSM_PIN", &format!("admin:{ADMIN_PASSWORD}"))
        .args(command)
        .stdout_json(vec![refused])
        .status(1)
        .run();
}

#[test]
fn a_wrong_pin_is_a_failed_login_and_the_command_does_not_run() {
    let state = state_with_users(&[]);
    Test::new()
        .state(&state.state_dir)
        .env("CLOUDHSM_ROLE", "admin")
        .env("CLOUDHSM_PIN", "admin:wrong-fixture-1")
        .args(["user", "create", "--username", "bob", "--role", "admin"])
        .args(["--password", "bob-fixture-1"])
        .stdout_json(vec![failed(
            "Login failed: incorrect username, role or password",
        )])
        .stderr(PASSWORD_IN_ARGUMENTS)
        .status(1)
        .run();
    assert_eq!(user_list_in(&state.state_dir), user_list_with(&[]));
}

#[test]
fn arguments_with_spaces_reach_the_command_as_one_word() {
    let state = state_with_users(&[]);
    as_admin(Test::new())
        .state(&state.state_dir)
        .args([
            "user",
            "create",
            "--username",
            "bad name",
            "--role",
            "admin",
        ])
        .args(["--password", "two words 1"])
        .stdout_json(vec![failed(
            "Invalid username: it may contain only letters, digits, '_' and '-'",
        )])
        .stderr(PASSWORD_IN_ARGUMENTS)
        .status(1)
        .run();
}

#[test]
fn help_flag_prints_the_help_of_the_command() {
    Test::new()
        .args(["user", "create", "--help"])
        .stdout(
            "Create a user on the cluster
Access: admin

Usage: user create [OPTIONS] --username <USERNAME> --role <ROLE>

Options:
      --cluster-id <CLUSTER_ID>  The cluster to run this one command against, with this shell's login there; absent: the shell's cluster
      --username <USERNAME>      The name of the new user: at most 31 letters, digits, '_' or '-'; case-insensitive
      --role <ROLE>              The role of the new user [possible values: admin, crypto-user]
      --password <PASSWORD>      The password of the new user, 7 to 32 characters without ':'; prompted for when absent; given on the command line it is visible to every local user (ps)
      --approval <APPROVAL>      A token file of quorum token-sign generate --service user, signed by enough approvers; needed when the user service's quorum value is above 1
  -h, --help                     Print help
",
        )
        .run();
}

#[test]
fn an_unknown_command_fails_with_a_suggestion() {
    Test::new()
        .args(["usr", "list"])
        .stdout_json(vec![failed(
            "unrecognized command 'usr'; did you mean 'user'?",
        )])
        .status(1)
        .run();
}

#[test]
fn only_a_password_in_the_arguments_is_warned_about() {
    let state = state_with_users(&[]);
    let secrets = Test::new();
    let secrets_file = secrets.path("secrets");
    crate::test::write_file(&secrets_file, "carl=carl-fixture-1\n", 0o600);
    as_admin(Test::new())
        .state(&state.state_dir)
        .arg("--secrets")
        .arg(&secrets_file)
        .args([
            "user",
            "create",
            "--username",
            "carl",
            "--role",
            "crypto-user",
        ])
        .stdout_json(vec![user_ref("carl", "crypto-user")])
        .run();
    as_admin(Test::new())
        .state(&state.state_dir)
        .args([
            "user",
            "create",
            "--username",
            "dora",
            "--role",
            "crypto-user",
        ])
        .args(["--pasword", "dora-fixture-1"])
        .stdout_json(vec![failed(
            "unexpected argument '--pasword'; did you mean '--password'?",
        )])
        .stderr(PASSWORD_IN_ARGUMENTS)
        .status(1)
        .run();
}

#[test]
fn a_single_command_is_recorded_with_its_login_and_replays() {
    let state = state_with_users(&[("kmsuser", "crypto-user", KMSUSER_PASSWORD)]);
    let test = Test::new();
    let transcript = test.path("single.txt");
    for words in [
        &["user", "list"][..],
        &[
            "user",
            "delete",
            "--username",
            "kmsuser",
            "--role",
            "crypto-user",
        ],
        &[
            "user",
            "create",
            "--username",
            "q1",
            "--role",
            "crypto-user",
            "--password",
            "S3cretPw1",
        ],
    ] {
        let run = as_admin(Test::new())
            .state(&state.state_dir)
            .arg("--record")
            .arg(&transcript)
            .args(words)
            .run_unchecked();
        assert_eq!(run.status, Some(0), "{}", run.stdout);
    }
    let recorded = fs::read_to_string(&transcript).expect("the transcript");
    let commands: Vec<&str> = recorded
        .lines()
        .filter_map(|line| line.strip_prefix("aws-cloudhsm > "))
        .collect();
    assert_eq!(
        commands,
        [
            "user list",
            "login --username admin --role admin",
            "user delete --username kmsuser --role crypto-user",
            "logout",
            "login --username admin --role admin",
            "user create --username q1 --role crypto-user",
            "logout",
        ],
        "{recorded}"
    );
    assert!(!recorded.contains("S3cretPw1") && !recorded.contains(ADMIN_PASSWORD));
    // Appended, not replaced: the same transcript replays on a state like the first one.
    let fresh = state_with_users(&[("kmsuser", "crypto-user", KMSUSER_PASSWORD)]);
    let replay = Test::new().state(&fresh.state_dir);
    let secrets = replay.path("replay-secrets");
    crate::test::write_file(
        &secrets,
        &format!("admin={ADMIN_PASSWORD}\nq1=S3cretPw1\n"),
        0o600,
    );
    let replayed = replay
        .arg("--secrets")
        .arg(&secrets)
        .arg("--replay")
        .arg(&transcript)
        .run_unchecked();
    assert_eq!(
        replayed.status,
        Some(0),
        "{}{}",
        replayed.stdout,
        replayed.stderr
    );
    assert_eq!(
        replayed.stderr,
        format!("{}: 7 of 7 commands matched\n", transcript.display())
    );
}

/// What clap prints under a start-up error of ours.
const USAGE_TAIL: &str =
    "\n\nUsage: cloudhsm-shell [OPTIONS] [COMMAND]...\n\nFor more information, try '--help'.\n";

#[test]
fn a_mistyped_start_up_option_stops_the_shell_with_a_suggestion_before_it_touches_the_state() {
    let test = Test::new()
        .args(["--stat-dir", "/tmp/elsewhere", "user", "list"])
        .stderr(&format!(
            "error: unexpected argument '--stat-dir'; did you mean '--state-dir'?{USAGE_TAIL}"
        ))
        .status(2);
    let state_dir = test.path("state");
    test.run();
    assert!(!state_dir.exists(), "the state was created");
    Test::new()
        .args(["serve", "--lisen", "127.0.0.1:0"])
        .stderr(&format!(
            "error: unexpected argument '--lisen'; did you mean '--listen'?{USAGE_TAIL}"
        ))
        .status(2)
        .run();
    Test::new()
        .args(["-x", "user", "list"])
        .stderr(&format!("error: unexpected argument '-x'{USAGE_TAIL}"))
        .status(2)
        .run();
}

#[test]
fn a_mistyped_start_up_option_with_a_value_is_named_without_the_value() {
    Test::new()
        .args(["--pasword=Secret-Value-9", "user", "list"])
        .stderr(&format!(
            "error: unexpected argument '--pasword'{USAGE_TAIL}"
        ))
        .status(2)
        .run();
}

#[test]
fn a_seed_given_for_a_state_made_without_one_is_said_on_stderr() {
    let first = Test::new().unseeded().args(["user", "list"]);
    let state_dir = first.path("state");
    // The first run's sandbox, which holds the state, lives as long as this output.
    let _made_unseeded = first.run_unchecked();
    let listing = vec![ok(json!({"users": [
        listed("admin", "unactivated-admin", false),
        listed("app_user", "internal(APPLIANCE_USER)", false),
    ]}))];
    Test::new()
        .state(&state_dir)
        .args(["user", "list"])
        .stdout_json(listing.clone())
        .stderr(&format!(
            "warning: the state in {} was made without --seed, so this run's identifiers, \
             secrets and timestamps repeat no run of the seed given: use that seed with a new \
             --state-dir to reproduce one\n",
            state_dir.display()
        ))
        .run();
    Test::new()
        .unseeded()
        .state(&state_dir)
        .args(["user", "list"])
        .stdout_json(listing)
        .run();
}

//! Batch mode: command lines from stdin or `--file`, one envelope each, stopping at the first
//! failure unless `--keep-going`; where passwords come from when nobody can be asked.

use crate::fixtures::{
    activation_ok, admin_login_line, failed, listed, logout_ok, ok, user_list_in, user_list_with,
    user_ref,
};
use crate::test::{ADMIN_PASSWORD, Test, json_lines, write_file};
use serde_json::json;
use std::io::Write;

const CAROL_PASSWORD: &str = "carol-fixture-1";

/// Activates, logs in, fails to create bob (password too short), then creates carol.
fn lines_with_a_failure_in_the_middle() -> String {
    format!(
        "cluster activate --password {ADMIN_PASSWORD}\n{}\
         user create --username bob --role admin --password short1\n\
         user create --username carol --role crypto-user --password {CAROL_PASSWORD}\n",
        admin_login_line()
    )
}

#[test]
fn every_line_succeeding_prints_one_envelope_each_and_exits_zero() {
    Test::new()
        .stdin(&format!(
            "cluster activate --password {ADMIN_PASSWORD}\n{}\
             user create --username carol --role crypto-user --password {CAROL_PASSWORD}\n\
             user list\nlogout\n",
            admin_login_line()
        ))
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            user_ref("carol", "crypto-user"),
            user_list_with(&[("carol", "crypto-user")]),
            logout_ok(),
        ])
        .run();
}

#[test]
fn the_first_failing_line_ends_the_batch_and_later_lines_do_not_run() {
    let output = Test::new()
        .stdin(&lines_with_a_failure_in_the_middle())
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            failed("Invalid password: it must be 7 to 32 characters long"),
        ])
        .status(1)
        .run();
    assert_eq!(
        user_list_in(&output.state_dir),
        user_list_with(&[]),
        "neither the failed bob nor the later carol may exist"
    );
}

#[test]
fn keep_going_runs_every_line_and_still_exits_one() {
    let output = Test::new()
        .arg("--keep-going")
        .stdin(&lines_with_a_failure_in_the_middle())
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            failed("Invalid password: it must be 7 to 32 characters long"),
            user_ref("carol", "crypto-user"),
        ])
        .status(1)
        .run();
    assert_eq!(
        user_list_in(&output.state_dir),
        user_list_with(&[("carol", "crypto-user")])
    );
}

#[test]
fn file_option_runs_the_lines_of_the_file_and_ignores_stdin() {
    let test = Test::new();
    let file = test.path("setup.cli");
    write_file(
        &file,
        &format!("cluster activate --password {ADMIN_PASSWORD}\n"),
        0o644,
    );
    test.arg("--file")
        .arg(&file)
        .stdin("user list\n")
        .stdout_json(vec![activation_ok()])
        .run();
}

#[test]
fn blank_and_comment_lines_print_nothing() {
    Test::new()
        .stdin(&format!(
            "\n# activate first\n   \ncluster activate --password {ADMIN_PASSWORD} # trailing\n\t\n  # indented\n"
        ))
        .stdout_json(vec![activation_ok()])
        .run();
}

#[test]
fn a_trailing_backslash_continues_the_line() {
    Test::new()
        .stdin(&format!(
            "cluster activate \\\n  --password {ADMIN_PASSWORD}\n{}user create \\\n  --username carol \\\n  --role crypto-user \\\n  --password {CAROL_PASSWORD}\n",
            admin_login_line()
        ))
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            user_ref("carol", "crypto-user"),
        ])
        .run();
}

#[test]
fn quit_ends_the_batch_successfully_and_later_lines_do_not_run() {
    let output = Test::new()
        .stdin(&format!(
            "cluster activate --password {ADMIN_PASSWORD}\n{}quit\n\
             user create --username carol --role crypto-user --password {CAROL_PASSWORD}\n",
            admin_login_line()
        ))
        .stdout_json(vec![activation_ok(), user_ref("admin", "admin")])
        .run();
    assert_eq!(user_list_in(&output.state_dir), user_list_with(&[]));
}

#[test]
fn a_doomed_user_command_fails_before_asking_for_a_password() {
    Test::new()
        .stdin(&format!(
            "cluster activate --password {ADMIN_PASSWORD}\n{}\n\
             user create --username bad.name --role crypto-user\n\
             user create --username ADMIN --role crypto-user\n\
             user change-password --username nobody --role crypto-user\n",
            admin_login_line()
        ))
        .arg("--keep-going")
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            failed("Invalid username: it may contain only letters, digits, '_' and '-'"),
            failed("User admin already exists"),
            failed("User nobody with role crypto-user does not exist"),
        ])
        .status(1)
        .run();
}

#[test]
fn a_password_nobody_can_give_is_a_missing_secret() {
    Test::new()
        .stdin("cluster activate\nuser list\n")
        .stdout_json(vec![failed(
            "No password for admin: give --password, add the line admin=<password> to a --secrets file, or run on a terminal",
        )])
        .status(1)
        .run();
}

#[test]
fn the_secrets_file_gives_passwords_by_username() {
    Test::new()
        .secrets(&format!(
            "# fixture\nadmin={ADMIN_PASSWORD}\n\nCarol={CAROL_PASSWORD}\n"
        ))
        .stdin(
            "cluster activate\nlogin --username admin --role admin\n\
             user create --username CAROL --role crypto-user\nlogout\n\
             login --username carol --role crypto-user\n",
        )
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            user_ref("carol", "crypto-user"),
            logout_ok(),
            user_ref("carol", "crypto-user"),
        ])
        .run();
}

#[test]
fn cloudhsm_pin_gives_a_login_password_but_never_a_new_one() {
    Test::new()
        .env("CLOUDHSM_PIN", &format!("admin:{ADMIN_PASSWORD}"))
        .stdin(&format!(
            "cluster activate --password {ADMIN_PASSWORD}\nlogin --username admin --role admin\n\
             user change-password --username admin --role admin\n"
        ))
        .stdout_json(vec![
            activation_ok(),
            user_ref("admin", "admin"),
            failed(
                "No password for admin: give --password, add the line admin=<password> to a --secrets file, or run on a terminal",
            ),
        ])
        .status(1)
        .run();
}

#[test]
fn a_secrets_file_readable_by_others_is_refused() {
    let test = Test::new();
    let path = test.path("secrets");
    test.secrets_with_mode(&format!("admin={ADMIN_PASSWORD}\n"), 0o644)
        .stdin("user list\n")
        .stdout_json(vec![failed(&format!(
            "Cannot use secrets file {}: its mode is 644; it must be readable by its owner only (chmod 600)",
            path.display()
        ))])
        .status(2)
        .run();
}

#[test]
fn json_pretty_output_is_indented() {
    Test::new()
        .args(["--output", "json-pretty"])
        .stdin(&format!(
            "cluster activate --password {ADMIN_PASSWORD}\n{}",
            admin_login_line()
        ))
        .stdout(
            "{\n  \"error_code\": 0,\n  \"data\": \"Cluster activation successful\"\n}\n\
             {\n  \"error_code\": 0,\n  \"data\": {\n    \"username\": \"admin\",\n    \"role\": \"admin\"\n  }\n}\n",
        )
        .run();
}

#[test]
fn output_on_a_pipe_is_compact_by_default() {
    Test::new()
        .stdin(&format!("cluster activate --password {ADMIN_PASSWORD}\n"))
        .stdout("{\"error_code\":0,\"data\":\"Cluster activation successful\"}\n")
        .run();
}

#[test]
fn a_line_that_is_not_utf8_is_one_failed_command_and_keep_going_goes_on() {
    let test = Test::new().arg("--keep-going");
    let transcript = test.path("utf8.txt");
    // Bound to a name: the sandbox (and the state in it) lives until the shell has ended.
    let test = test.arg("--record").arg(&transcript);
    let mut child = test.spawn();
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(b"user list\xff --password Zz9\xfe\ncluster hsm-info \\\n \xc3\nuser list\n")
        .expect("cannot write the batch");
    drop(stdin);
    let output = child.wait_with_output().expect("the batch ends");
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let envelopes = json_lines(&String::from_utf8(output.stdout).expect("UTF-8 output"));
    assert_eq!(
        envelopes[..2],
        [
            failed("The line is not valid UTF-8 (after its first 9 bytes); it was not run"),
            failed("The line is not valid UTF-8 (after its first 20 bytes); it was not run"),
        ]
    );
    assert_eq!(envelopes[2]["error_code"], 0, "the last line ran");
    assert_eq!(envelopes.len(), 3);
    let recorded = std::fs::read_to_string(&transcript).expect("the transcript");
    assert_eq!(
        recorded.lines().take(3).collect::<Vec<_>>(),
        [
            "# session cluster: cluster-zxqwotxh2y6",
            "# not recorded: The line is not valid UTF-8 (after its first 9 bytes); it was not run",
            "# not recorded: The line is not valid UTF-8 (after its first 20 bytes); it was not run",
        ]
    );
    assert!(!recorded.contains("Zz9"));
}

#[test]
fn a_line_over_one_mebibyte_is_refused_unread_and_the_next_one_runs() {
    let long_line = format!("user list {}", "a ".repeat(600_000));
    let joined = format!("user list \\\n{}end", "b \\\n".repeat(300_000));
    Test::new()
        .arg("--keep-going")
        .stdin(&format!("{long_line}\n{joined}\nuser list\n"))
        .stdout_json(vec![
            failed("the line has 1200011 bytes, more than the limit of 1048576 (1 MiB); it was not run"),
            failed("the line has 1200016 bytes, more than the limit of 1048576 (1 MiB); it was not run"),
            ok(json!({"users": [
                listed("admin", "unactivated-admin", false),
                listed("app_user", "internal(APPLIANCE_USER)", false),
            ]})),
        ])
        .status(1)
        .run();
}

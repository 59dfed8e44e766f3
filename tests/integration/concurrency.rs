//! Several shells on one state directory: no lost updates, a user logged in elsewhere cannot be
//! deleted or have its password changed, and a killed shell's login does not linger.

use crate::fixtures::{
    admin_login_line, failed, listed, logout_ok, recorded_logins, state_with_users, user_list_in,
    user_list_with, user_ref, users_in,
};
use crate::test::{Test, json_lines};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

const KMSUSER_PASSWORD: &str = "kmsfixture1";

const LOGGED_IN_ELSEWHERE: &str = "User kmsuser is logged in: it cannot be deleted or have its password changed until it logs out";

fn kmsuser_login_line() -> String {
    format!("login --username kmsuser --role crypto-user --password {KMSUSER_PASSWORD}")
}

/// Runs `line` as the admin in a batch of its own on `dir`; it must print `reply`.
fn as_admin_succeeds(dir: &Path, line: &str, reply: Value) {
    Test::new()
        .state(dir)
        .stdin(&format!("{}{line}\nlogout\n", admin_login_line()))
        .stdout_json(vec![user_ref("admin", "admin"), reply, logout_ok()])
        .run();
}

/// Runs `line` as the admin in a batch of its own on `dir`; it must fail with `message`.
fn as_admin_fails(dir: &Path, line: &str, message: &str) {
    Test::new()
        .state(dir)
        .stdin(&format!("{}{line}\nlogout\n", admin_login_line()))
        .stdout_json(vec![user_ref("admin", "admin"), failed(message)])
        .status(1)
        .run();
}

const CONCURRENT_SHELLS: usize = 8;
const USERS_PER_SHELL: usize = 20;

#[test]
fn eight_shells_creating_users_at_once_lose_none() {
    let state = state_with_users(&[]);
    let dir = &state.state_dir;
    let batch = |prefix: &str| {
        let mut lines = admin_login_line();
        for number in 1..=USERS_PER_SHELL {
            lines.push_str(&format!(
                "user create --username {prefix}u{number:02} --role crypto-user --password pw-{prefix}-{number:02}\n"
            ));
        }
        lines.push_str("logout\n");
        lines
    };
    let prefixes: Vec<String> = (1..=CONCURRENT_SHELLS)
        .map(|shell| format!("shell{shell}"))
        .collect();
    let shells: Vec<_> = prefixes
        .iter()
        .map(|prefix| {
            let test = Test::new().state(dir);
            let mut child = test.spawn();
            let input = batch(prefix);
            let mut stdin = child.stdin.take().expect("stdin is piped");
            std::thread::spawn(move || {
                stdin
                    .write_all(input.as_bytes())
                    .expect("cannot feed a batch");
            });
            (prefix, test, child)
        })
        .collect();
    let mut expected_users = Vec::new();
    for (prefix, _test, child) in shells {
        let output = child.wait_with_output().expect("cannot wait for a batch");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{prefix}: {stderr}");
        let mut expected = vec![user_ref("admin", "admin")];
        for number in 1..=USERS_PER_SHELL {
            let username = format!("{prefix}u{number:02}");
            expected.push(user_ref(&username, "crypto-user"));
            expected_users.push(listed(&username, "crypto-user", false));
        }
        expected.push(logout_ok());
        let stdout = String::from_utf8(output.stdout).expect("UTF-8 stdout");
        assert_eq!(json_lines(&stdout), expected, "{prefix}: {stderr}");
    }
    expected_users.sort_by_key(|user| user["username"].as_str().map(str::to_owned));
    // The list's order: admin first, app_user last.
    expected_users.insert(0, listed("admin", "admin", false));
    expected_users.push(listed("app_user", "internal(APPLIANCE_USER)", false));
    let found = users_in(dir);
    println!(
        "{CONCURRENT_SHELLS} shells: {} users expected, {} found",
        expected_users.len(),
        found.len()
    );
    assert_eq!(found, expected_users);
}

#[test]
fn a_user_logged_in_elsewhere_cannot_be_deleted_or_have_its_password_changed() {
    let state = state_with_users(&[("kmsuser", "crypto-user", KMSUSER_PASSWORD)]);
    let dir = &state.state_dir;
    let mut kms_shell = Test::new().state(dir).start();
    assert_eq!(
        kms_shell.run(&kmsuser_login_line()),
        user_ref("kmsuser", "crypto-user")
    );
    let delete = "user delete --username kmsuser --role crypto-user";
    as_admin_fails(dir, delete, LOGGED_IN_ELSEWHERE);
    as_admin_fails(
        dir,
        "user change-password --username kmsuser --role crypto-user --password kmsfixture2",
        LOGGED_IN_ELSEWHERE,
    );
    // The refused change changed nothing: the old password still logs in elsewhere.
    Test::new()
        .state(dir)
        .stdin(&format!("{}\nlogout\n", kmsuser_login_line()))
        .stdout_json(vec![user_ref("kmsuser", "crypto-user"), logout_ok()])
        .run();
    // The shell's own login does not stop it changing its own password.
    assert_eq!(
        kms_shell.run(
            "user change-password --username kmsuser --role crypto-user --password kmsfixture3"
        ),
        user_ref("kmsuser", "crypto-user")
    );
    assert!(kms_shell.finish().success(), "the kmsuser shell failed");
    assert_eq!(recorded_logins(dir), Vec::<String>::new());
    as_admin_succeeds(dir, delete, user_ref("kmsuser", "crypto-user"));
    assert_eq!(user_list_in(dir), user_list_with(&[]));
}

#[test]
fn the_login_of_a_killed_shell_does_not_block_the_user() {
    let state = state_with_users(&[("kmsuser", "crypto-user", KMSUSER_PASSWORD)]);
    let dir = &state.state_dir;
    let mut kms_shell = Test::new().state(dir).start();
    assert_eq!(
        kms_shell.run(&kmsuser_login_line()),
        user_ref("kmsuser", "crypto-user")
    );
    kms_shell
        .child
        .kill()
        .expect("cannot kill the kmsuser shell");
    kms_shell
        .child
        .wait()
        .expect("cannot wait for the kmsuser shell");
    // SIGKILL left the login recorded; the next command that checks logins clears it.
    assert_eq!(recorded_logins(dir), vec!["kmsuser".to_owned()]);
    as_admin_succeeds(
        dir,
        "user delete --username kmsuser --role crypto-user",
        user_ref("kmsuser", "crypto-user"),
    );
    assert_eq!(recorded_logins(dir), Vec::<String>::new());
    assert_eq!(user_list_in(dir), user_list_with(&[]));
}

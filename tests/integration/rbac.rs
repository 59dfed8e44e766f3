//! The permission matrix of the key and crypto commands: every command × (not logged in, admin,
//! owner, shared user, other crypto user), allowed or denied with the exact message.
//!
//! One state: `owner` owns an AES key (0), an RSA pair (1 public, 2 private) and an EC pair
//! (3 public, 4 private), and shares the AES key and both private keys with `sharer`;
//! `stranger` shares nothing. Each actor runs its harmless cells in one batch on its own copy
//! of the state (key list first, before anything is added); every cell that changes or
//! removes an existing key runs alone on a fresh copy.

mod cells;

use crate::key_fixtures::{OWNER, SHARER, STRANGER, password};
use crate::test::{ADMIN_PASSWORD, Test, json_lines};
use cells::{Allow, Deny, Expect, Row, prepare, rows};
use serde_json::{Value, json};
use std::fs;
use std::io::Write;
use std::path::Path;

/// A fresh copy of the prepared state directory, in a temp dir kept with it.
fn copy_of(state_dir: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let copy = temp.path().join("state");
    fs::create_dir(&copy).unwrap();
    for entry in fs::read_dir(state_dir).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    (temp, copy)
}

/// Runs `lines` as `actor` (None: nobody logs in) on a copy of the state; one envelope each.
fn run_as(state_dir: &Path, actor: Option<(&str, &str)>, lines: &[&str]) -> Vec<Value> {
    let (_temp, copy) = copy_of(state_dir);
    let mut stdin = String::new();
    if let Some((username, role)) = actor {
        let secret = if role == "admin" {
            ADMIN_PASSWORD.to_owned()
        } else {
            password(username)
        };
        stdin.push_str(&format!(
            "login --username {username} --role {role} --password {secret}\n"
        ));
    }
    for line in lines {
        stdin.push_str(line);
        stdin.push('\n');
    }
    let test = Test::new().state(&copy).arg("--keep-going");
    let mut child = test.spawn();
    let mut input = child.stdin.take().expect("stdin is piped");
    input
        .write_all(stdin.as_bytes())
        .expect("cannot write the batch");
    drop(input);
    let output = child.wait_with_output().expect("cannot wait for the shell");
    let mut envelopes = json_lines(&String::from_utf8(output.stdout).expect("UTF-8 output"));
    if actor.is_some() {
        assert_eq!(
            envelopes.remove(0)["error_code"],
            0,
            "login failed: {stdin}"
        );
    }
    assert_eq!(envelopes.len(), lines.len(), "{stdin}");
    envelopes
}

fn check(actor: &str, line: &str, expected: &Expect, envelope: &Value) {
    let context = format!("{actor}: `{line}` gave {envelope}");
    match expected {
        Allow(data) => {
            assert_eq!(envelope["error_code"], 0, "{context}");
            if let Some(data) = data {
                assert_eq!(&envelope["data"], data, "{context}");
            }
        }
        Deny(message) => assert_eq!(
            envelope,
            &json!({"error_code": 1, "data": message}),
            "{context}"
        ),
    }
}

/// The command path of a line: its words before the first flag.
fn path(line: &str) -> String {
    line.split(" --").next().unwrap().to_owned()
}

#[test]
fn every_key_and_crypto_command_for_every_kind_of_caller() {
    let prepared = prepare();
    let rows = &rows(&prepared);
    let dir = &prepared.state.state_dir;
    let needs_login = |row: &Row| {
        Deny(format!(
            "'{}' requires a login: run login first",
            path(&row.line)
        ))
    };
    let admin = |row: &Row| {
        row.admin.clone().unwrap_or_else(|| {
            Deny(format!(
                "'{}' is not allowed for role admin: it needs crypto-user",
                path(&row.line)
            ))
        })
    };
    type Column<'a> = (
        &'a str,
        Option<(&'a str, &'a str)>,
        Box<dyn Fn(&Row) -> Expect + Sync + 'a>,
    );
    let columns: Vec<Column> = vec![
        ("nobody", None, Box::new(needs_login)),
        ("admin", Some(("admin", "admin")), Box::new(admin)),
        (
            OWNER,
            Some((OWNER, "crypto-user")),
            Box::new(|row: &Row| row.owner.clone()),
        ),
        (
            SHARER,
            Some((SHARER, "crypto-user")),
            Box::new(|row: &Row| row.sharer.clone()),
        ),
        (
            STRANGER,
            Some((STRANGER, "crypto-user")),
            Box::new(|row: &Row| row.stranger.clone()),
        ),
    ];
    std::thread::scope(|scope| {
        for (name, actor, expected) in &columns {
            scope.spawn(move || {
                let shared: Vec<&Row> = rows.iter().filter(|row| !row.alone).collect();
                let lines: Vec<&str> = shared.iter().map(|row| row.line.as_str()).collect();
                for (row, envelope) in shared.iter().zip(run_as(dir, *actor, &lines)) {
                    check(name, &row.line, &expected(row), &envelope);
                }
                for row in rows.iter().filter(|row| row.alone) {
                    let envelope = run_as(dir, *actor, &[&row.line]).remove(0);
                    check(name, &row.line, &expected(row), &envelope);
                }
            });
        }
    });
}

/// The cluster of the prepared states.
const FIRST_CLUSTER: &str = "cluster-zxqwotxh2y6";

/// The user, quorum and MFA commands × (not logged in, admin, crypto user): who may generate
/// tokens of which service, set and delete, register keys and change whose MFA. One batch per
/// caller on its own copy of the state; the token deletion comes last.
#[test]
fn every_user_quorum_and_mfa_command_for_every_kind_of_caller() {
    let prepared = prepare();
    let dir = &prepared.state.state_dir;
    let files = tempfile::tempdir().unwrap();
    let token = files.path().join("token.json");
    let token = token.display();
    let awaiting = Deny(format!(
        "The unsigned tokens are in {token}: sign each one (openssl pkeyutl -sign -pkeyopt \
         digest:sha256 of the decoded unsigned value, or sim sign-token), then run the command \
         again with --signed-token FILE"
    ));
    let login_first = |line: &str| {
        Deny(format!(
            "'{}' requires a login: run login first",
            path(line)
        ))
    };
    let admins_only = |line: &str| {
        Deny(format!(
            "'{}' is not allowed for role crypto-user: it needs admin",
            path(line)
        ))
    };
    let generated = Allow(Some(json!({"filepath": token.to_string()})));
    let public = [
        ("user list", None),
        (
            "quorum token-sign list-quorum-values",
            Some(json!({"user": 1, "quorum": 1})),
        ),
        (
            "quorum token-sign list-timeouts",
            Some(json!({"generated": 600, "approved": 600})),
        ),
    ];
    // (line, nobody, admin, crypto user)
    let mut rows: Vec<(String, Expect, Expect, Expect)> = public
        .into_iter()
        .map(|(line, data)| {
            (
                line.to_owned(),
                Allow(data.clone()),
                Allow(data.clone()),
                Allow(data),
            )
        })
        .collect();
    let line = format!("quorum token-sign generate --service user --token {token}");
    rows.push((
        line.clone(),
        login_first(&line),
        generated.clone(),
        Deny("Quorum approval refused: only admins generate tokens for the user service; nothing was used".to_owned()),
    ));
    let line = format!("quorum token-sign generate --service registration --token {token}");
    rows.push((
        line.clone(),
        login_first(&line),
        generated.clone(),
        generated.clone(),
    ));
    let line = format!(
        "quorum token-sign generate --service key-management --filter attr.label=aes --token {token}"
    );
    rows.push((
        line.clone(),
        login_first(&line),
        Deny(
            "Quorum approval refused: only crypto users generate tokens for the key-management \
             service: the owner of the key and the users it is shared with; nothing was used"
                .to_owned(),
        ),
        generated,
    ));
    let line = "quorum token-sign list".to_owned();
    rows.push((line.clone(), login_first(&line), Allow(None), Allow(None)));
    for line in [
        "quorum token-sign set-quorum-value --service quorum --value 1".to_owned(),
        "quorum token-sign set-timeout --generated 600".to_owned(),
        format!(
            "user change-quorum token-sign register --public-key {} --signed-token {token}",
            files.path().join("absent.pub").display()
        ),
    ] {
        let admin = if line.starts_with("user change-quorum") {
            Deny(format!(
                "Cannot read {}: No such file or directory (os error 2)",
                files.path().join("absent.pub").display()
            ))
        } else {
            Allow(None)
        };
        rows.push((line.clone(), login_first(&line), admin, admins_only(&line)));
    }
    let line = format!(
        "user change-mfa token-sign --username {OWNER} --role crypto-user --token {token} --change-password {}",
        password(OWNER)
    );
    rows.push((
        line.clone(),
        login_first(&line),
        awaiting.clone(),
        awaiting.clone(),
    ));
    let line = format!(
        "user change-mfa token-sign --username admin --role admin --token {token} --change-password {ADMIN_PASSWORD}"
    );
    rows.push((
        line.clone(),
        login_first(&line),
        awaiting,
        Deny("A crypto user can only change its own password".to_owned()),
    ));
    let line = format!(
        "login --username {STRANGER} --role crypto-user --password {} mfa-token-sign --token {token}",
        password(STRANGER)
    );
    rows.push((
        line,
        Deny(format!(
            "User {STRANGER} has no MFA key registered: log in without mfa-token-sign"
        )),
        Deny("Already logged in as admin: run logout first".to_owned()),
        Deny(format!("Already logged in as {OWNER}: run logout first")),
    ));
    // The replicate commands run on their source and need a login on the destination too.
    let other = "cluster-abcdefghijk";
    let needs_destination = |command: &str| {
        Deny(format!(
            "'{command}' needs a login on cluster {other}: run login --username ... --role ... \
             --cluster-id {other} first"
        ))
    };
    let line = format!(
        "user replicate --username {OWNER} --role crypto-user --source-cluster-id {FIRST_CLUSTER} \
         --destination-cluster-id {other}"
    );
    rows.push((
        line.clone(),
        login_first(&line),
        needs_destination("user replicate"),
        admins_only(&line),
    ));
    let line = format!(
        "key replicate --filter attr.label=aes --source-cluster-id {FIRST_CLUSTER} \
         --destination-cluster-id {other}"
    );
    rows.push((
        line.clone(),
        login_first(&line),
        needs_destination("key replicate"),
        needs_destination("key replicate"),
    ));
    // The mTLS commands pass the gate as the CloudHSM CLI's do; this hsm1.medium cluster then
    // has no mTLS. (The token file of the rows above is not a certificate.)
    let no_mtls = Deny(format!(
        "mTLS needs an hsm2m.medium cluster, and cluster {FIRST_CLUSTER} is hsm1.medium"
    ));
    let line = "cluster mtls list-trust-anchors".to_owned();
    rows.push((line, no_mtls.clone(), no_mtls.clone(), no_mtls.clone()));
    let line = "cluster mtls get-enforcement".to_owned();
    rows.push((
        line.clone(),
        login_first(&line),
        no_mtls.clone(),
        no_mtls.clone(),
    ));
    let line = format!("cluster mtls register-trust-anchor --path {token}");
    rows.push((
        line.clone(),
        login_first(&line),
        Deny("Invalid trust anchor: it holds no certificate".to_owned()),
        admins_only(&line),
    ));
    for line in [
        "cluster mtls deregister-trust-anchor --certificate-reference 0x01",
        "cluster mtls set-enforcement --level none",
    ] {
        rows.push((
            line.to_owned(),
            login_first(line),
            no_mtls.clone(),
            admins_only(line),
        ));
    }
    let line = "quorum token-sign delete --scope all".to_owned();
    rows.push((
        line.clone(),
        login_first(&line),
        Allow(None),
        admins_only(&line),
    ));
    let lines: Vec<&str> = rows.iter().map(|(line, ..)| line.as_str()).collect();
    let callers: [(&str, Option<(&str, &str)>); 3] = [
        ("nobody", None),
        ("admin", Some(("admin", "admin"))),
        (OWNER, Some((OWNER, "crypto-user"))),
    ];
    for (column, (name, actor)) in callers.into_iter().enumerate() {
        for (row, envelope) in rows.iter().zip(run_as(dir, actor, &lines)) {
            let expected = match column {
                0 => &row.1,
                1 => &row.2,
                _ => &row.3,
            };
            check(name, &row.0, expected, &envelope);
        }
    }
}

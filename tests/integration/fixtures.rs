//! Shared expectations (the CLI's envelopes and user-list entries) and ready-made states.

use crate::test::{ADMIN_PASSWORD, Output, Test};
use serde_json::{Value, json};
use std::path::Path;

/// `{"error_code": 0, "data": data}`.
pub fn ok(data: Value) -> Value {
    json!({"error_code": 0, "data": data})
}

/// `{"error_code": 1, "data": message}`.
pub fn failed(message: &str) -> Value {
    json!({"error_code": 1, "data": message})
}

/// The reply of `login` and `user create`.
pub fn user_ref(username: &str, role: &str) -> Value {
    ok(json!({"username": username, "role": role}))
}

pub fn logout_ok() -> Value {
    ok(json!("Logout successful"))
}

pub fn activation_ok() -> Value {
    ok(json!("Cluster activation successful"))
}

/// One entry of `user list`.
pub fn listed(username: &str, role: &str, locked: bool) -> Value {
    json!({
        "username": username,
        "role": role,
        "locked": if locked { "true" } else { "false" },
        "mfa": [],
        "quorum": [],
        "cluster-coverage": "full",
    })
}

/// The `user list` envelope of an activated cluster with `extra` users (not locked), in the
/// list's order: `admin` first, `app_user` last, the others by username.
pub fn user_list_with(extra: &[(&str, &str)]) -> Value {
    let mut users: Vec<(String, String)> = extra
        .iter()
        .map(|(name, role)| ((*name).to_owned(), (*role).to_owned()))
        .collect();
    users.sort();
    users.insert(0, ("admin".into(), "admin".into()));
    users.push(("app_user".into(), "internal(APPLIANCE_USER)".into()));
    let entries: Vec<Value> = users
        .iter()
        .map(|(name, role)| listed(name, role, false))
        .collect();
    ok(json!({ "users": entries }))
}

/// The lines that log the built-in admin in.
pub fn admin_login_line() -> String {
    format!("login --username admin --role admin --password {ADMIN_PASSWORD}\n")
}

/// A fresh state with the cluster activated and `users` (username, role, password) created;
/// nobody is logged in afterwards. The returned output keeps the state directory alive.
pub fn state_with_users(users: &[(&str, &str, &str)]) -> Output {
    let mut stdin = format!("cluster activate --password {ADMIN_PASSWORD}\n");
    stdin.push_str(&admin_login_line());
    let mut expected = vec![activation_ok(), user_ref("admin", "admin")];
    for (username, role, password) in users {
        stdin.push_str(&format!(
            "user create --username {username} --role {role} --password {password}\n"
        ));
        expected.push(user_ref(username, role));
    }
    stdin.push_str("logout\n");
    expected.push(logout_ok());
    Test::new().stdin(&stdin).stdout_json(expected).run()
}

/// The `user list` of the state in `dir`, read by another process.
pub fn users_in(dir: &Path) -> Vec<Value> {
    let test = Test::new().state(dir).args(["user", "list"]);
    let output = test.command().output().expect("cannot run user list");
    assert_eq!(
        output.status.code(),
        Some(0),
        "user list failed: {output:?}"
    );
    let envelope: Value =
        serde_json::from_slice(&output.stdout).expect("user list printed no JSON");
    assert_eq!(envelope["error_code"], 0, "user list failed: {envelope}");
    envelope["data"]["users"]
        .as_array()
        .expect("user list has a users array")
        .clone()
}

/// The `user list` envelope of the state in `dir`, read by another process.
pub fn user_list_in(dir: &Path) -> Value {
    ok(json!({ "users": users_in(dir) }))
}

/// The usernames in a `user list`.
pub fn usernames(users: &[Value]) -> Vec<String> {
    users
        .iter()
        .map(|user| user["username"].as_str().expect("a username").to_owned())
        .collect()
}

/// The usernames of the logins the state in `dir` records, read straight from its database.
pub fn recorded_logins(dir: &Path) -> Vec<String> {
    let connection = rusqlite::Connection::open(dir.join("state.sqlite3"))
        .expect("cannot open the state database");
    let mut statement = connection
        .prepare("SELECT username FROM logins ORDER BY login_id")
        .expect("the state has a logins table");
    statement
        .query_map([], |row| row.get(0))
        .expect("cannot read logins")
        .collect::<Result<_, _>>()
        .expect("cannot read a login")
}

/// Makes a new hsm2m.medium cluster of `mode` (`FIPS` or `NON_FIPS`) in the shell's simulated
/// VPC with two HSMs, initialises it, points the HSM commands at it and activates it with the
/// secrets file's admin password; its ID.
pub fn new_hsm2m_cluster(shell: &mut crate::test::LiveShell, mode: &str) -> String {
    let run_ok = |shell: &mut crate::test::LiveShell, line: &str| {
        let reply = shell.run(line);
        assert_eq!(reply["error_code"], 0, "{line}: {reply}");
        reply
    };
    let first = run_ok(shell, "cloudhsmv2 describe-clusters");
    let mapping = first["data"]["Clusters"][0]["SubnetMapping"]
        .as_object()
        .expect("a subnet mapping")
        .clone();
    let subnets: Vec<&str> = mapping.values().filter_map(Value::as_str).collect();
    let created = run_ok(
        shell,
        &format!(
            "cloudhsmv2 create-cluster --hsm-type hsm2m.medium --mode {mode} --subnet-ids {}",
            subnets.join(" ")
        ),
    );
    let cluster_id = created["data"]["Cluster"]["ClusterId"]
        .as_str()
        .expect("a cluster ID")
        .to_owned();
    for zone in mapping.keys() {
        run_ok(
            shell,
            &format!("cloudhsmv2 create-hsm --cluster-id {cluster_id} --availability-zone {zone}"),
        );
    }
    run_ok(
        shell,
        &format!("cloudhsmv2 initialize-cluster --cluster-id {cluster_id} --generate-customer-ca"),
    );
    run_ok(shell, &format!("sim use-cluster --cluster-id {cluster_id}"));
    run_ok(shell, "cluster activate");
    cluster_id
}

//! The connect work step by step: each failing step's code, the password rotation, the
//! delays, and the sealed password bound to its store.

use super::*;
use crate::backend::kms::{ConnectionState, KmsSimFaults};
use std::time::Duration;

/// A state whose cluster is activated and has `kmsuser` with the store's password, and a
/// store on it; connects and disconnects take no time.
fn connectable() -> (tempfile::TempDir, SimOptions, SimKms, String) {
    let (dir, options, cluster_id, anchor) = open();
    let mut hsm = SimHsm::open(&options).unwrap();
    let admin_password = Secret::new("Admin-pass-1");
    rusqlite::Connection::open(options.state_dir.join("state.sqlite3"))
        .unwrap()
        .execute("UPDATE clusters SET state = 'INITIALIZED'", [])
        .unwrap();
    hsm.activate(&admin_password).unwrap();
    let admin = hsm
        .login("admin", crate::backend::hsm::Role::Admin, &admin_password)
        .unwrap();
    hsm.create_user(
        &admin,
        connection::KMS_USER,
        crate::backend::hsm::Role::CryptoUser,
        &Secret::new("GoldenKms1"),
        None,
    )
    .unwrap();
    hsm.logout(&admin).unwrap();
    drop(hsm);
    state(&options, "UPDATE clusters SET state = 'ACTIVE'");
    let mut kms = SimKms::open(&options).unwrap();
    let id = kms
        .create_custom_key_store(&CreateRequest {
            name: "store",
            cluster_id: &cluster_id,
            trust_anchor_pem: &anchor,
            password: &Secret::new("GoldenKms1"),
        })
        .unwrap()
        .custom_key_store_id;
    (dir, options, kms, id)
}

fn state(options: &SimOptions, sql: &str) -> usize {
    rusqlite::Connection::open(options.state_dir.join("state.sqlite3"))
        .unwrap()
        .execute(sql, [])
        .unwrap()
}

fn query(options: &SimOptions, sql: &str) -> rusqlite::types::Value {
    rusqlite::Connection::open(options.state_dir.join("state.sqlite3"))
        .unwrap()
        .query_row(sql, [], |row| row.get(0))
        .unwrap()
}

/// Connects, then lets `before_due` change the world before the connect work runs, and
/// returns the state and error code the next call shows.
fn connect_with(
    kms: &mut SimKms,
    id: &str,
    before_due: impl FnOnce(),
) -> (ConnectionState, Option<ConnectionErrorCode>) {
    kms.connect_custom_key_store(id).unwrap();
    before_due();
    let described = kms
        .describe_custom_key_stores(&DescribeRequest::default())
        .unwrap();
    let entry = &described.custom_key_stores[0];
    (entry.connection_state, entry.connection_error_code)
}

#[test]
fn a_connect_logs_in_as_kmsuser_and_rotates_its_password() {
    let (_dir, options, mut kms, id) = connectable();
    let hash_before = query(
        &options,
        "SELECT password_hash FROM users WHERE username = 'kmsuser'",
    );
    let sealed_before = query(&options, "SELECT sealed_password FROM custom_key_stores");
    // One free address in each subnet is enough for the store's ENI.
    assert_eq!(
        connect_with(&mut kms, &id, || {
            state(&options, "UPDATE subnets SET free_addresses = 1");
        }),
        (ConnectionState::Connected, None)
    );
    assert_ne!(
        query(
            &options,
            "SELECT password_hash FROM users WHERE username = 'kmsuser'"
        ),
        hash_before
    );
    assert_ne!(
        query(&options, "SELECT sealed_password FROM custom_key_stores"),
        sealed_before
    );
    assert_eq!(
        query(
            &options,
            "SELECT key_store_id FROM logins WHERE username = 'kmsuser'"
        ),
        rusqlite::types::Value::Text(id.clone())
    );
    // The store knows the rotated password: it connects again after a disconnect.
    kms.disconnect_custom_key_store(&id).unwrap();
    assert_eq!(
        query(&options, "SELECT count(*) FROM logins"),
        rusqlite::types::Value::Integer(0)
    );
    assert_eq!(
        connect_with(&mut kms, &id, || {}),
        (ConnectionState::Connected, None)
    );
}

#[test]
fn each_connect_step_fails_with_its_own_code() {
    let failed = |code| (ConnectionState::Failed, Some(code));
    let cases: [(&str, ConnectionErrorCode); 6] = [
        (
            "UPDATE subnets SET deleted = 1",
            ConnectionErrorCode::SubnetNotFound,
        ),
        (
            "UPDATE subnets SET free_addresses = 0",
            ConnectionErrorCode::InsufficientFreeAddressesInSubnet,
        ),
        (
            "UPDATE hsms SET state = 'DEGRADED'",
            ConnectionErrorCode::InsufficientCloudhsmHsms,
        ),
        (
            "UPDATE users SET role = 'admin' WHERE username = 'kmsuser'",
            ConnectionErrorCode::UserNotFound,
        ),
        (
            "UPDATE users SET locked = 1 WHERE username = 'kmsuser'",
            ConnectionErrorCode::UserLockedOut,
        ),
        (
            "INSERT INTO logins (cluster_id, username, pid, logged_in_at, key_store_id)
             SELECT cluster_id, username, 0, 0, 'cks-elsewhere' FROM users
             WHERE username = 'kmsuser'",
            ConnectionErrorCode::UserLoggedIn,
        ),
    ];
    for (sql, code) in cases {
        let (_dir, options, mut kms, id) = connectable();
        let hash_before = query(
            &options,
            "SELECT password_hash FROM users WHERE username = 'kmsuser'",
        );
        assert_eq!(
            connect_with(&mut kms, &id, || assert!(
                state(&options, sql) >= 1,
                "{sql}"
            )),
            failed(code),
            "{sql}"
        );
        assert_eq!(
            query(
                &options,
                "SELECT password_hash FROM users WHERE username = 'kmsuser'"
            ),
            hash_before,
            "{sql}"
        );
        assert_eq!(
            query(
                &options,
                "SELECT failed_logins FROM users WHERE username = 'kmsuser'"
            ),
            rusqlite::types::Value::Integer(0),
            "{sql}"
        );
    }
}

#[test]
fn a_wrong_stored_password_counts_as_a_failed_login() {
    let (_dir, options, mut kms, id) = connectable();
    kms.update_custom_key_store(&UpdateRequest {
        id: &id,
        new_name: None,
        password: Some(&Secret::new("NotThePassword")),
        cluster_id: None,
    })
    .unwrap();
    assert_eq!(
        connect_with(&mut kms, &id, || {}),
        (
            ConnectionState::Failed,
            Some(ConnectionErrorCode::InvalidCredentials)
        )
    );
    assert_eq!(
        query(
            &options,
            "SELECT failed_logins FROM users WHERE username = 'kmsuser'"
        ),
        rusqlite::types::Value::Integer(1)
    );
    assert_eq!(
        query(&options, "SELECT count(*) FROM logins"),
        rusqlite::types::Value::Integer(0)
    );
}

#[test]
fn a_sealed_password_opens_only_for_its_own_store() {
    let (_dir, options, _kms, id) = connectable();
    let other = insert_store(&options, 1);
    let vault = Vault::open_or_create(&options.state_dir).unwrap();
    let sealed = connection::seal_password(&vault, &id, &Secret::new("GoldenKms1")).unwrap();
    let mut db = rusqlite::Connection::open(options.state_dir.join("state.sqlite3")).unwrap();
    let tx = db.transaction().unwrap();
    stores::set_sealed_password(&tx, &other, &sealed).unwrap();
    stores::set_sealed_password(&tx, &id, &sealed).unwrap();
    assert_eq!(
        connection::open_password(&vault, &tx, &id)
            .unwrap()
            .expose(),
        "GoldenKms1"
    );
    let error = connection::open_password(&vault, &tx, &other).unwrap_err();
    assert!(
        error.to_string().contains("failed its integrity check"),
        "{error}"
    );
}

#[test]
fn a_connect_finishes_when_its_delay_has_passed_and_not_before() {
    let (_dir, options, mut kms, id) = connectable();
    kms.set_delays(60, 30).unwrap();
    let state_now = |kms: &mut SimKms| {
        kms.describe_custom_key_stores(&DescribeRequest::default())
            .unwrap()
            .custom_key_stores[0]
            .connection_state
    };
    kms.connect_custom_key_store(&id).unwrap();
    let mut db = rusqlite::Connection::open(options.state_dir.join("state.sqlite3")).unwrap();
    let tx = db.transaction().unwrap();
    let now = clock::now_unix(&tx).unwrap();
    assert_eq!(connection::next_due(&tx).unwrap(), Some(now + 60));
    drop(tx);
    kms.advance_clock(59).unwrap();
    assert_eq!(state_now(&mut kms), ConnectionState::Connecting);
    // The virtual clock jumps straight to the transition that falls due.
    kms.let_time_pass(Duration::ZERO).unwrap();
    assert_eq!(state_now(&mut kms), ConnectionState::Connected);

    kms.disconnect_custom_key_store(&id).unwrap();
    assert_eq!(state_now(&mut kms), ConnectionState::Disconnecting);
    // A shorter delay brings the transition in progress forward.
    kms.set_delays(60, 5).unwrap();
    kms.advance_clock(4).unwrap();
    assert_eq!(state_now(&mut kms), ConnectionState::Disconnecting);
    kms.advance_clock(1).unwrap();
    assert_eq!(state_now(&mut kms), ConnectionState::Disconnected);
}

#[test]
fn a_connect_rotates_the_password_to_one_only_the_store_knows() {
    let (_dir, options, mut kms, id) = connectable();
    assert_eq!(
        connect_with(&mut kms, &id, || {}),
        (ConnectionState::Connected, None)
    );
    let vault = Vault::open_or_create(&options.state_dir).unwrap();
    let mut db = rusqlite::Connection::open(options.state_dir.join("state.sqlite3")).unwrap();
    let tx = db.transaction().unwrap();
    let rotated = connection::open_password(&vault, &tx, &id).unwrap();
    assert_eq!(rotated.len(), 32);
    assert!(
        rotated.expose().chars().all(|c| c.is_ascii_alphanumeric()),
        "not alphanumeric"
    );
    let hash: String = tx
        .query_row(
            "SELECT password_hash FROM users WHERE username = 'kmsuser'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(crate::sim::password::verify(&rotated, &hash).unwrap());
    assert!(!crate::sim::password::verify(&Secret::new("GoldenKms1"), &hash).unwrap());
}

#[test]
fn a_kms_key_works_only_while_its_hsm_key_is_there() {
    let (_dir, options, mut kms, id) = connectable();
    assert_eq!(
        connect_with(&mut kms, &id, || {}),
        (ConnectionState::Connected, None)
    );
    let key_id = kms
        .create_key(&crate::backend::kms::CreateKeyRequest {
            custom_key_store_id: &id,
            origin: "AWS_CLOUDHSM",
            description: "",
            key_spec: "SYMMETRIC_DEFAULT",
            key_usage: "ENCRYPT_DECRYPT",
            multi_region: false,
        })
        .unwrap()
        .key_metadata
        .key_id;
    let context = Vec::new();
    let encrypt = |kms: &mut SimKms| {
        kms.encrypt(&crate::backend::kms::EncryptRequest {
            key_id: &key_id,
            plaintext: b"payload",
            context: &context,
        })
    };
    let blob = encrypt(&mut kms).unwrap().ciphertext_blob;
    let opened = kms
        .decrypt(&crate::backend::kms::DecryptRequest {
            ciphertext_blob: &blob,
            key_id: None,
            context: &context,
        })
        .unwrap();
    assert_eq!(&opened.plaintext[..], b"payload");
    assert_eq!(
        state(&options, "DELETE FROM keys WHERE owner = 'kmsuser'"),
        1
    );
    let error = encrypt(&mut kms).unwrap_err().to_string();
    assert!(
        error.starts_with("KMSInvalidStateException: ")
            && error.contains("its key material was deleted"),
        "{error}"
    );
}

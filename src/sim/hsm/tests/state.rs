//! How the state behaves as a store: dead logins, atomic failures, no passwords, no lost updates.

use super::*;
use tempfile::TempDir;

#[test]
fn logins_of_dead_processes_do_not_count() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, admin) = activated(temp.path());
    hsm.create_user(
        &admin,
        "bob",
        Role::CryptoUser,
        &secret(USER_PASSWORD),
        None,
    )
    .unwrap();
    let me = ProcessIdentity::current();
    let my_start = me.start_ticks.map(|ticks| ticks as i64);
    let cluster_id = hsm.cluster_id().to_owned();
    let insert_login = |pid: i64, start: Option<i64>| {
        peek(temp.path())
            .execute(
                "INSERT INTO logins (cluster_id, username, pid, process_start_ticks, logged_in_at)
                 VALUES (?1, 'bob', ?2, ?3, 0)",
                rusqlite::params![cluster_id, pid, start],
            )
            .unwrap();
    };
    // No process can have this pid; and this process with another start time is a reused pid.
    insert_login(i64::from(i32::MAX), Some(1));
    insert_login(i64::from(me.pid), my_start.map(|ticks| ticks + 1));
    // A live login in another shell of this process.
    insert_login(i64::from(me.pid), my_start);

    assert!(matches!(
        hsm.delete_user(&admin, "bob", Role::CryptoUser, None),
        Err(Error::UserLoggedIn { .. })
    ));

    // Only the live login stood in the way; the failed call left the dead rows for later.
    peek(temp.path())
        .execute(
            "DELETE FROM logins WHERE username = 'bob' AND pid = ?1 AND process_start_ticks IS ?2",
            rusqlite::params![me.pid, my_start],
        )
        .unwrap();
    hsm.delete_user(&admin, "bob", Role::CryptoUser, None)
        .unwrap();
    let remaining: i64 = peek(temp.path())
        .query_row("SELECT count(*) FROM logins", [], |row| row.get(0))
        .unwrap();
    assert_eq!(remaining, 1, "only the admin's own login is left");
}

#[test]
fn failed_calls_change_nothing() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, admin) = activated(temp.path());
    hsm.create_user(
        &admin,
        "bob",
        Role::CryptoUser,
        &secret(USER_PASSWORD),
        None,
    )
    .unwrap();
    let bob = hsm
        .login("bob", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    let before = snapshot(temp.path());

    assert!(matches!(
        hsm.create_user(&admin, "bob", Role::Admin, &secret(USER_PASSWORD), None),
        Err(Error::UserExists { .. })
    ));
    assert!(matches!(
        hsm.delete_user(&admin, "bob", Role::CryptoUser, None),
        Err(Error::UserLoggedIn { .. })
    ));
    assert!(matches!(
        hsm.change_password(
            &admin,
            "bob",
            Role::CryptoUser,
            &secret("Other-pass-5"),
            false,
            None
        ),
        Err(Error::UserLoggedIn { .. })
    ));
    assert!(matches!(
        hsm.login("nobody", Role::CryptoUser, &secret(USER_PASSWORD)),
        Err(Error::LoginFailed)
    ));
    assert!(matches!(
        hsm.activate(&secret("Another-pass-3")),
        Err(Error::ClusterAlreadyActivated)
    ));
    assert_eq!(snapshot(temp.path()), before);
    hsm.logout(&bob).unwrap();
}

#[test]
fn the_state_never_holds_a_password() {
    let temp = TempDir::new().unwrap();
    let passwords = [ADMIN_PASSWORD, USER_PASSWORD, "Changed-pass-9"];
    let (mut hsm, admin) = activated(temp.path());
    hsm.create_user(&admin, "bob", Role::CryptoUser, &secret(passwords[1]), None)
        .unwrap();
    hsm.change_password(
        &admin,
        "bob",
        Role::CryptoUser,
        &secret(passwords[2]),
        false,
        None,
    )
    .unwrap();
    hsm.login("bob", Role::CryptoUser, &secret(passwords[2]))
        .unwrap();
    hsm.checkpoint().unwrap();

    let hash: String = peek(temp.path())
        .query_row(
            "SELECT password_hash FROM users WHERE username = 'bob'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    for entry in std::fs::read_dir(temp.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for password in passwords {
            assert!(
                !contains(&bytes, password.as_bytes()),
                "{} holds a password",
                path.display()
            );
        }
    }
}

#[test]
fn concurrent_shells_lose_no_counted_failure() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, admin) = activated(temp.path());
    hsm.create_user(
        &admin,
        "bob",
        Role::CryptoUser,
        &secret(USER_PASSWORD),
        None,
    )
    .unwrap();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut shell = open(temp.path());
                for _ in 0..2 {
                    assert!(matches!(
                        shell.login("bob", Role::CryptoUser, &secret("Wrong-pass-1")),
                        Err(Error::LoginFailed)
                    ));
                }
            });
        }
    });
    assert_eq!(failed_logins(temp.path(), "bob"), 4);
}

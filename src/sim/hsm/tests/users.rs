//! Activation, logins, the user lifecycle and lockout, with every error the rules give.

use super::*;
use tempfile::TempDir;

#[test]
fn activation_happens_once_and_gates_logins() {
    let temp = TempDir::new().unwrap();
    let mut hsm = open(temp.path());
    assert!(matches!(
        hsm.login("admin", Role::Admin, &secret(ADMIN_PASSWORD)),
        Err(Error::ClusterNotActivated)
    ));
    assert!(matches!(
        hsm.activate(&secret("short")),
        Err(Error::InvalidPassword { .. })
    ));
    hsm.activate(&secret(ADMIN_PASSWORD)).unwrap();
    assert!(hsm.is_activated().unwrap());
    assert!(matches!(
        hsm.activate(&secret("Another-pass-3")),
        Err(Error::ClusterAlreadyActivated)
    ));
    let admin = &hsm.list_users().unwrap()[0];
    assert_eq!(
        (admin.username.as_str(), admin.role),
        ("admin", UserRole::Admin)
    );

    for (username, role, password) in [
        ("admin", Role::CryptoUser, ADMIN_PASSWORD),
        ("app_user", Role::CryptoUser, ADMIN_PASSWORD),
        ("app_user", Role::Admin, ADMIN_PASSWORD),
        ("nobody", Role::Admin, ADMIN_PASSWORD),
        ("not a valid name", Role::Admin, ADMIN_PASSWORD),
    ] {
        assert!(
            matches!(
                hsm.login(username, role, &secret(password)),
                Err(Error::LoginFailed)
            ),
            "{username} {role}"
        );
    }
    assert_eq!(
        failed_logins(temp.path(), "admin"),
        0,
        "a wrong role counts nothing"
    );

    let login = hsm
        .login("ADMIN", Role::Admin, &secret(ADMIN_PASSWORD))
        .unwrap();
    assert_eq!(
        (login.username.as_str(), login.role),
        ("admin", Role::Admin)
    );
    hsm.logout(&login).unwrap();
    let logins: i64 = peek(temp.path())
        .query_row("SELECT count(*) FROM logins", [], |row| row.get(0))
        .unwrap();
    assert_eq!(logins, 0);
}

#[test]
fn the_user_lifecycle_enforces_every_rule() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, admin) = activated(temp.path());

    let created = hsm
        .create_user(
            &admin,
            "KmsUser",
            Role::CryptoUser,
            &secret(USER_PASSWORD),
            None,
        )
        .unwrap();
    assert_eq!(
        (created.username.as_str(), created.role, created.locked),
        ("kmsuser", UserRole::CryptoUser, false)
    );
    hsm.create_user(&admin, "alice", Role::Admin, &secret(USER_PASSWORD), None)
        .unwrap();
    for taken in ["kmsuser", "KMSUSER", "admin", "app_user"] {
        assert!(
            matches!(
                hsm.create_user(&admin, taken, Role::Admin, &secret(USER_PASSWORD), None),
                Err(Error::UserExists { username }) if username == taken.to_lowercase()
            ),
            "{taken}"
        );
    }
    assert!(matches!(
        hsm.create_user(
            &admin,
            "bad name",
            Role::Admin,
            &secret(USER_PASSWORD),
            None
        ),
        Err(Error::InvalidUsername { .. })
    ));
    assert!(matches!(
        hsm.create_user(&admin, "carol", Role::Admin, &secret("pass:word"), None),
        Err(Error::InvalidPassword { .. })
    ));
    let names: Vec<String> = hsm
        .list_users()
        .unwrap()
        .into_iter()
        .map(|user| user.username)
        .collect();
    assert_eq!(names, ["admin", "alice", "kmsuser", "app_user"]);

    // A crypto user may change only its own password, even while logged in.
    let kmsuser = hsm
        .login("kmsuser", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    assert!(matches!(
        hsm.change_password(
            &kmsuser,
            "alice",
            Role::Admin,
            &secret("New-pass-44"),
            false,
            None
        ),
        Err(Error::OwnPasswordOnly)
    ));
    hsm.change_password(
        &kmsuser,
        "kmsuser",
        Role::CryptoUser,
        &secret("New-pass-44"),
        false,
        None,
    )
    .unwrap();

    // Logged in elsewhere: neither deletion nor an admin's password change.
    assert!(matches!(
        hsm.change_password(&admin, "kmsuser", Role::CryptoUser, &secret("Other-pass-5"), false, None),
        Err(Error::UserLoggedIn { username }) if username == "kmsuser"
    ));
    assert!(matches!(
        hsm.delete_user(&admin, "kmsuser", Role::CryptoUser, None),
        Err(Error::UserLoggedIn { .. })
    ));
    hsm.logout(&kmsuser).unwrap();

    // The caller's own login counts too when deleting.
    let alice = hsm
        .login("alice", Role::Admin, &secret(USER_PASSWORD))
        .unwrap();
    assert!(matches!(
        hsm.delete_user(&alice, "alice", Role::Admin, None),
        Err(Error::UserLoggedIn { .. })
    ));
    hsm.change_password(
        &alice,
        "alice",
        Role::Admin,
        &secret("Alice-pass-6"),
        false,
        None,
    )
    .unwrap();
    hsm.logout(&alice).unwrap();

    assert!(matches!(
        hsm.delete_user(&admin, "kmsuser", Role::Admin, None),
        Err(Error::UserNotFound { username, role: Role::Admin }) if username == "kmsuser"
    ));
    assert!(matches!(
        hsm.change_password(
            &admin,
            "ghost",
            Role::CryptoUser,
            &secret("Ghost-pass-7"),
            false,
            None
        ),
        Err(Error::UserNotFound { .. })
    ));
    for built_in in ["admin", "app_user"] {
        assert!(matches!(
            hsm.delete_user(&admin, built_in, Role::Admin, None),
            Err(Error::BuiltInUser { username }) if username == built_in
        ));
    }
    assert!(matches!(
        hsm.change_password(
            &admin,
            "app_user",
            Role::CryptoUser,
            &secret("App-pass-88"),
            false,
            None
        ),
        Err(Error::BuiltInUser { .. })
    ));

    hsm.delete_user(&admin, "KMSUSER", Role::CryptoUser, None)
        .unwrap();
    hsm.delete_user(&admin, "alice", Role::Admin, None).unwrap();
    let names: Vec<String> = hsm
        .list_users()
        .unwrap()
        .into_iter()
        .map(|user| user.username)
        .collect();
    assert_eq!(names, ["admin", "app_user"]);
}

#[test]
fn five_failures_lock_and_an_admin_password_change_unlocks() {
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

    // A success resets the count.
    for _ in 0..2 {
        assert!(matches!(
            hsm.login("bob", Role::CryptoUser, &secret("Wrong-pass-1")),
            Err(Error::LoginFailed)
        ));
    }
    assert_eq!(failed_logins(temp.path(), "bob"), 2);
    let bob = hsm
        .login("bob", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    hsm.logout(&bob).unwrap();
    assert_eq!(failed_logins(temp.path(), "bob"), 0);

    for attempt in 1..=5 {
        assert!(
            matches!(
                hsm.login("bob", Role::CryptoUser, &secret("Wrong-pass-1")),
                Err(Error::LoginFailed)
            ),
            "attempt {attempt}"
        );
    }
    // The counted failures were committed although each login failed: a new process sees them.
    let mut other = open(temp.path());
    let bob_listed = other
        .list_users()
        .unwrap()
        .into_iter()
        .find(|user| user.username == "bob")
        .unwrap();
    assert!(bob_listed.locked);
    assert!(matches!(
        hsm.login("bob", Role::CryptoUser, &secret(USER_PASSWORD)),
        Err(Error::UserLocked { username }) if username == "bob"
    ));
    assert_eq!(
        failed_logins(temp.path(), "bob"),
        5,
        "a locked login checks nothing"
    );

    hsm.change_password(
        &admin,
        "bob",
        Role::CryptoUser,
        &secret("Fresh-pass-2"),
        false,
        None,
    )
    .unwrap();
    assert_eq!(failed_logins(temp.path(), "bob"), 0);
    assert!(!other.list_users().unwrap()[2].locked);
    hsm.login("bob", Role::CryptoUser, &secret("Fresh-pass-2"))
        .unwrap();
}

#[test]
fn a_crypto_user_changes_no_password_but_its_own() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, admin) = activated(temp.path());
    for name in ["carol", "dave"] {
        hsm.create_user(&admin, name, Role::CryptoUser, &secret(USER_PASSWORD), None)
            .unwrap();
    }
    let carol = hsm
        .login("carol", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    let before = snapshot(temp.path());
    // Another crypto user (same role, other name) and its own name under the other role: each
    // half of the rule on its own.
    for (username, role) in [
        ("dave", Role::CryptoUser),
        ("carol", Role::Admin),
        ("admin", Role::Admin),
    ] {
        assert!(
            matches!(
                hsm.change_password(&carol, username, role, &secret("Taken-pass-9"), false, None),
                Err(Error::OwnPasswordOnly)
            ),
            "{username} {role}"
        );
    }
    assert_eq!(snapshot(temp.path()), before);
    hsm.logout(&carol).unwrap();
    hsm.login("dave", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
}

#[test]
fn a_stale_login_changes_nothing() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, admin) = activated(temp.path());
    peek(temp.path()).execute("DELETE FROM logins", []).unwrap();
    let before = snapshot(temp.path());
    assert!(matches!(
        hsm.create_user(&admin, "erin", Role::CryptoUser, &secret(USER_PASSWORD), None),
        Err(Error::State { message }) if message.starts_with("the login of admin is no longer recorded")
    ));
    assert!(matches!(
        hsm.change_password(
            &admin,
            "admin",
            Role::Admin,
            &secret("Other-pass-3"),
            false,
            None
        ),
        Err(Error::State { .. })
    ));
    assert_eq!(snapshot(temp.path()), before);
}

#[test]
fn the_fifth_failure_locks_and_only_an_admin_unlocks() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, admin) = activated(temp.path());
    hsm.create_user(
        &admin,
        "frank",
        Role::CryptoUser,
        &secret(USER_PASSWORD),
        None,
    )
    .unwrap();
    let frank = hsm
        .login("frank", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    let locked = |hsm: &mut SimHsm| {
        hsm.list_users()
            .unwrap()
            .into_iter()
            .find(|user| user.username == "frank")
            .unwrap()
            .locked
    };
    for _ in 0..4 {
        assert!(matches!(
            hsm.login("frank", Role::CryptoUser, &secret("Wrong-pass-1")),
            Err(Error::LoginFailed)
        ));
    }
    assert!(!locked(&mut hsm), "four failures");
    assert!(matches!(
        hsm.login("frank", Role::CryptoUser, &secret("Wrong-pass-1")),
        Err(Error::LoginFailed)
    ));
    assert!(locked(&mut hsm), "five failures");

    // Frank's own session may change his password, but that does not unlock him.
    hsm.change_password(
        &frank,
        "frank",
        Role::CryptoUser,
        &secret("Frank-pass-2"),
        false,
        None,
    )
    .unwrap();
    assert_eq!(failed_logins(temp.path(), "frank"), 0);
    assert!(locked(&mut hsm), "a crypto user's own change");
    hsm.logout(&frank).unwrap();
    assert!(matches!(
        hsm.login("frank", Role::CryptoUser, &secret("Frank-pass-2")),
        Err(Error::UserLocked { .. })
    ));
    hsm.change_password(
        &admin,
        "frank",
        Role::CryptoUser,
        &secret("Frank-pass-3"),
        false,
        None,
    )
    .unwrap();
    assert!(!locked(&mut hsm), "an admin's change");
    hsm.login("frank", Role::CryptoUser, &secret("Frank-pass-3"))
        .unwrap();
}

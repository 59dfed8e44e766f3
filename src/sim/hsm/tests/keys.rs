//! Key ownership and sharing, stale logins and sealed key material, at the simulator's layer:
//! the rules the command layer relies on without repeating them.

use super::*;
use crate::backend::hsm::key::{Curve, KeyListEntry, parse_assignments};
use crate::backend::hsm::mechanism::{DataType, Hash, SignMechanism};
use crate::backend::hsm::requests::KeyFileEncoding;
use tempfile::TempDir;

/// An activated state with crypto users alice and bob, both logged in.
pub(super) fn two_crypto_users(dir: &Path) -> (SimHsm, Login, Login) {
    let (mut hsm, admin) = activated(dir);
    for name in ["alice", "bob"] {
        hsm.create_user(&admin, name, Role::CryptoUser, &secret(USER_PASSWORD), None)
            .unwrap();
    }
    hsm.logout(&admin).unwrap();
    let alice = hsm
        .login("alice", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    let bob = hsm
        .login("bob", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    (hsm, alice, bob)
}

pub(super) fn filter(word: &str) -> Filter {
    Filter::parse(&[word.to_owned()]).unwrap()
}

/// An EC P-256 signing pair of `owner`'s labelled `{label}-public` and `{label}-private`.
pub(super) fn ec_pair(
    hsm: &mut SimHsm,
    owner: &Login,
    label: &str,
    share_with: &[String],
) -> GeneratedPair {
    let signing = parse_assignments(&["sign=true".to_owned()]).unwrap();
    hsm.generate_key_pair(
        owner,
        &KeySpec::Ec {
            curve: Curve::Prime256v1,
        },
        &NewPairOptions {
            public_label: &format!("{label}-public"),
            public_attributes: &[],
            private_label: &format!("{label}-private"),
            private_attributes: &signing,
            session: false,
            share_with,
            private_quorum: Default::default(),
        },
    )
    .unwrap()
}

pub(super) fn sign(hsm: &mut SimHsm, actor: &Login, key: &Filter) -> Result<Signature> {
    hsm.sign(
        actor,
        &SignRequest {
            key_filter: key,
            mechanism: SignMechanism::Ecdsa,
            hash: Hash::Sha256,
            data_type: DataType::Raw,
            data: b"payload",
            approval: None,
        },
    )
}

fn labels(hsm: &mut SimHsm, actor: &Login) -> Vec<String> {
    let page = hsm
        .list_keys(actor, &Filter::parse(&[]).unwrap(), None, 100, true)
        .unwrap();
    page.matched_keys
        .iter()
        .map(|entry| match entry {
            KeyListEntry::Verbose(key) => key.attributes.label.clone(),
            other => panic!("a crypto user's verbose list gave {other:?}"),
        })
        .collect()
}

#[test]
fn only_the_owner_changes_a_key_and_a_share_lets_another_use_it() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, alice, bob) = two_crypto_users(temp.path());
    ec_pair(&mut hsm, &alice, "a", &[]);
    let private = filter("attr.label=a-private");

    // Unshared, bob sees only the public half and cannot sign with the private one; an admin
    // sees every key.
    assert_eq!(labels(&mut hsm, &bob), ["a-public"]);
    let admin = hsm
        .login("admin", Role::Admin, &secret(ADMIN_PASSWORD))
        .unwrap();
    let everything = hsm
        .list_keys(&admin, &Filter::parse(&[]).unwrap(), None, 100, true)
        .unwrap();
    assert_eq!(everything.total_key_count, 2);
    // An admin's list is brief even when verbose is asked for, as the CLI's; so is a crypto
    // user's without it.
    assert!(matches!(
        everything.matched_keys[0],
        KeyListEntry::Brief { .. }
    ));
    let brief = hsm
        .list_keys(&bob, &Filter::parse(&[]).unwrap(), None, 100, false)
        .unwrap();
    assert!(matches!(
        brief.matched_keys[..],
        [KeyListEntry::Brief { .. }]
    ));
    assert!(matches!(
        sign(&mut hsm, &bob, &private),
        Err(Error::KeySelection { matched: 0 })
    ));

    hsm.share_key(&alice, &private, "BOB", Role::CryptoUser, None)
        .unwrap();
    assert_eq!(labels(&mut hsm, &bob), ["a-public", "a-private"]);
    let listed = hsm.list_keys(&alice, &private, None, 10, true).unwrap();
    match &listed.matched_keys[..] {
        [KeyListEntry::Verbose(key)] => {
            let shared: Vec<&str> = key
                .key_info
                .shared_users
                .iter()
                .map(|user| user.username.as_str())
                .collect();
            assert_eq!(shared, ["bob"]);
        }
        other => panic!("{other:?}"),
    }
    sign(&mut hsm, &bob, &private).unwrap();

    // A shared user uses the key but may not change it, pass it on, or take it away.
    let reference = |error: Result<()>| match error {
        Err(Error::NotKeyOwner { reference, action }) => (reference, action),
        other => panic!("expected NotKeyOwner, got {other:?}"),
    };
    let (owned, action) = reference(hsm.delete_key(&bob, &private).map(|_| ()));
    assert_eq!(action, "delete");
    assert_eq!(
        reference(hsm.share_key(&bob, &private, "alice", Role::CryptoUser, None)).1,
        "share"
    );
    assert_eq!(
        reference(hsm.unshare_key(&bob, &private, "bob", Role::CryptoUser, None)).1,
        "unshare"
    );
    assert_eq!(
        reference(hsm.set_key_attribute(&bob, &private, "label", "taken", None)).1,
        "change"
    );
    assert_eq!(labels(&mut hsm, &alice), ["a-public", "a-private"]);

    // The owner's own mistakes.
    assert!(matches!(
        hsm.share_key(&alice, &private, "bob", Role::CryptoUser, None),
        Err(Error::AlreadyShared { reference, username }) if reference == owned && username == "bob"
    ));
    assert!(matches!(
        hsm.share_key(&alice, &private, "alice", Role::CryptoUser, None),
        Err(Error::ShareWithOwner { username, .. }) if username == "alice"
    ));
    assert!(matches!(
        hsm.share_key(&alice, &private, "admin", Role::CryptoUser, None),
        Err(Error::UserNotFound { username, role: Role::CryptoUser }) if username == "admin"
    ));
    assert!(matches!(
        hsm.share_key(&alice, &private, "bob", Role::Admin, None),
        Err(Error::ShareWithCryptoUsersOnly)
    ));

    hsm.unshare_key(&alice, &private, "bob", Role::CryptoUser, None)
        .unwrap();
    assert!(matches!(
        hsm.unshare_key(&alice, &private, "bob", Role::CryptoUser, None),
        Err(Error::NotShared { username, .. }) if username == "bob"
    ));
    assert_eq!(labels(&mut hsm, &bob), ["a-public"]);
    assert!(matches!(
        sign(&mut hsm, &bob, &private),
        Err(Error::KeySelection { matched: 0 })
    ));
    assert_eq!(hsm.delete_key(&alice, &private).unwrap().to_string(), owned);
    assert_eq!(labels(&mut hsm, &alice), ["a-public"]);
}

#[test]
fn a_new_key_is_shared_only_with_other_crypto_users_once_each() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, alice, bob) = two_crypto_users(temp.path());
    let pair = ec_pair(&mut hsm, &alice, "a", &["bob".to_owned(), "BOB".to_owned()]);
    let shared: Vec<&str> = pair
        .private_key
        .key_info
        .shared_users
        .iter()
        .map(|user| user.username.as_str())
        .collect();
    assert_eq!(shared, ["bob"]);
    sign(&mut hsm, &bob, &filter("attr.label=a-private")).unwrap();

    let (owner, admin) = (["alice".to_owned()], ["admin".to_owned()]);
    let options = |share_with| NewKeyOptions {
        label: "secret",
        attributes: &[],
        session: false,
        share_with,
        quorum: Default::default(),
    };
    let aes = KeySpec::Aes { bytes: 16 };
    assert!(matches!(
        hsm.generate_secret_key(&alice, &aes, &options(&owner)),
        Err(Error::InvalidInput {
            what: "--share-crypto-users",
            ..
        })
    ));
    assert!(matches!(
        hsm.generate_secret_key(&alice, &aes, &options(&admin)),
        Err(Error::UserNotFound { username, .. }) if username == "admin"
    ));
    assert_eq!(labels(&mut hsm, &alice), ["a-public", "a-private"]);
}

#[test]
fn a_login_no_longer_recorded_is_refused_by_readers_and_writers() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, alice, _bob) = two_crypto_users(temp.path());
    ec_pair(&mut hsm, &alice, "a", &[]);
    let before = snapshot(temp.path());
    peek(temp.path())
        .execute("DELETE FROM logins WHERE username = 'alice'", [])
        .unwrap();
    let private = filter("attr.label=a-private");
    let stale = "the login of alice is no longer recorded in the simulator state: run logout, \
                 then login again";
    let refusal = |result: Result<()>| match result {
        Err(Error::State { message }) => message,
        other => panic!("expected a stale login, got {other:?}"),
    };
    assert_eq!(
        refusal(
            hsm.list_keys(&alice, &Filter::parse(&[]).unwrap(), None, 10, false)
                .map(|_| ())
        ),
        stale
    );
    assert_eq!(
        refusal(
            hsm.key_file(&alice, &filter("attr.label=a-public"), KeyFileEncoding::Pem)
                .map(|_| ())
        ),
        stale
    );
    assert_eq!(refusal(sign(&mut hsm, &alice, &private).map(|_| ())), stale);
    assert_eq!(refusal(hsm.delete_key(&alice, &private).map(|_| ())), stale);
    assert_eq!(
        refusal(hsm.share_key(&alice, &private, "bob", Role::CryptoUser, None)),
        stale
    );
    let after: Vec<_> = snapshot(temp.path())
        .into_iter()
        .filter(|(table, _)| table != "logins")
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(table, _)| table != "logins")
        .collect();
    assert_eq!(after, before);
}

#[test]
fn sealed_key_material_moved_to_another_row_does_not_open() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, alice, _bob) = two_crypto_users(temp.path());
    let first = ec_pair(&mut hsm, &alice, "a", &[]);
    let second = ec_pair(&mut hsm, &alice, "b", &[]);
    // A fresh handle: nothing opened before the move is cached.
    drop(hsm);
    let mut hsm = open(temp.path());
    let alice = hsm
        .login("alice", Role::CryptoUser, &secret(USER_PASSWORD))
        .unwrap();
    let moved = peek(temp.path())
        .execute(
            "UPDATE keys SET sealed_secret =
                 (SELECT sealed_secret FROM keys WHERE reference = ?2)
             WHERE reference = ?1",
            [
                first.private_key.key_reference.0 as i64,
                second.private_key.key_reference.0 as i64,
            ],
        )
        .unwrap();
    assert_eq!(moved, 1);
    match sign(&mut hsm, &alice, &filter("attr.label=a-private")) {
        Err(Error::State { message }) => {
            assert!(message.contains("failed its integrity check"), "{message}")
        }
        other => panic!("a moved blob opened: {other:?}"),
    }
    sign(&mut hsm, &alice, &filter("attr.label=b-private")).unwrap();
}

#[test]
fn a_user_who_owns_keys_is_not_deleted() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, alice, bob) = two_crypto_users(temp.path());
    ec_pair(&mut hsm, &alice, "a", &[]);
    hsm.logout(&alice).unwrap();
    hsm.logout(&bob).unwrap();
    let admin = hsm
        .login("admin", Role::Admin, &secret(ADMIN_PASSWORD))
        .unwrap();
    assert!(matches!(
        hsm.delete_user(&admin, "alice", Role::CryptoUser, None),
        Err(Error::UserOwnsKeys { username }) if username == "alice"
    ));
    hsm.delete_user(&admin, "bob", Role::CryptoUser, None)
        .unwrap();
    let names: Vec<String> = hsm
        .list_users()
        .unwrap()
        .into_iter()
        .map(|user| user.username)
        .collect();
    assert_eq!(names, ["admin", "alice", "app_user"]);
}

#[test]
fn an_admin_sets_only_trusted_and_an_owner_everything_else() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, alice, _bob) = two_crypto_users(temp.path());
    ec_pair(&mut hsm, &alice, "a", &[]);
    let public = filter("attr.label=a-public");
    let admin = hsm
        .login("admin", Role::Admin, &secret(ADMIN_PASSWORD))
        .unwrap();
    assert!(matches!(
        hsm.set_key_attribute(&alice, &public, "trusted", "true", None),
        Err(Error::AttributeAdminOnly { .. })
    ));
    assert!(matches!(
        hsm.set_key_attribute(&admin, &public, "label", "renamed", None),
        Err(Error::AttributeNotForAdmin { .. })
    ));
    hsm.set_key_attribute(&admin, &public, "trusted", "true", None)
        .unwrap();
    hsm.set_key_attribute(&alice, &public, "label", "renamed", None)
        .unwrap();
    let page = hsm
        .list_keys(&alice, &filter("attr.label=renamed"), None, 10, true)
        .unwrap();
    match &page.matched_keys[..] {
        [KeyListEntry::Verbose(key)] => {
            assert!(key.attributes.trusted);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_key_is_used_only_as_its_attributes_and_class_allow() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, alice, _bob) = two_crypto_users(temp.path());
    let signing = ec_pair(&mut hsm, &alice, "a", &[]);
    hsm.generate_key_pair(
        &alice,
        &KeySpec::Ec {
            curve: Curve::Prime256v1,
        },
        &NewPairOptions {
            public_label: "plain-public",
            public_attributes: &[],
            private_label: "plain-private",
            private_attributes: &parse_assignments(&["destroyable=false".to_owned()]).unwrap(),
            session: false,
            share_with: &[],
            private_quorum: Default::default(),
        },
    )
    .unwrap();
    let aes = hsm
        .generate_secret_key(
            &alice,
            &KeySpec::Aes { bytes: 16 },
            &NewKeyOptions {
                label: "secret",
                attributes: &[],
                session: false,
                share_with: &[],
                quorum: Default::default(),
            },
        )
        .unwrap();
    let not_usable = |result: Result<()>| match result {
        Err(Error::KeyNotUsable { reference, reason }) => (reference, reason),
        other => panic!("expected KeyNotUsable, got {other:?}"),
    };
    let plain = filter("attr.label=plain-private");
    assert_eq!(
        not_usable(sign(&mut hsm, &alice, &plain).map(|_| ())).1,
        "its sign attribute is false"
    );
    assert_eq!(
        not_usable(hsm.delete_key(&alice, &plain).map(|_| ())).1,
        "its destroyable attribute is false"
    );
    assert_eq!(
        not_usable(
            hsm.key_file(&alice, &filter("attr.label=secret"), KeyFileEncoding::Pem)
                .map(|_| ())
        ),
        (
            aes.key_reference.to_string(),
            "a secret key never leaves the HSM as PEM: wrap it instead".to_owned()
        )
    );
    assert_eq!(
        not_usable(
            hsm.key_file(
                &alice,
                &filter("attr.label=a-public"),
                KeyFileEncoding::ReferencePem
            )
            .map(|_| ())
        ),
        (
            signing.public_key.key_reference.to_string(),
            "a reference PEM names a private key".to_owned()
        )
    );
    assert!(
        hsm.key_file(
            &alice,
            &filter("attr.label=a-private"),
            KeyFileEncoding::ReferencePem
        )
        .unwrap()
        .starts_with("-----BEGIN ")
    );
    assert_eq!(labels(&mut hsm, &alice).len(), 5);
}

#[test]
fn a_key_id_is_stored_as_given_and_an_unset_one_stays_unset() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, alice, _bob) = two_crypto_users(temp.path());
    let with_id = parse_assignments(&["id=0x0a0b".to_owned()]).unwrap();
    for (label, attributes) in [("with-id", &with_id[..]), ("without-id", &[][..])] {
        hsm.generate_secret_key(
            &alice,
            &KeySpec::Aes { bytes: 16 },
            &NewKeyOptions {
                label,
                attributes,
                session: false,
                share_with: &[],
                quorum: Default::default(),
            },
        )
        .unwrap();
    }
    let page = hsm
        .list_keys(&alice, &Filter::parse(&[]).unwrap(), None, 10, true)
        .unwrap();
    let ids: Vec<(String, crate::backend::hsm::key::KeyId)> = page
        .matched_keys
        .iter()
        .map(|entry| match entry {
            KeyListEntry::Verbose(key) => (key.attributes.label.clone(), key.attributes.id.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ids,
        [
            (
                "with-id".to_owned(),
                crate::backend::hsm::key::KeyId::Bytes(vec![0x0a, 0x0b])
            ),
            (
                "without-id".to_owned(),
                crate::backend::hsm::key::KeyId::Unset
            ),
        ]
    );
}

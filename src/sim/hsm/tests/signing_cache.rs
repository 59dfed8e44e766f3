//! The loaded signing keys a shell keeps between signs: whatever another process or this one
//! commits, and a logout, is seen by the very next sign.

use super::keys::{ec_pair, filter, sign, two_crypto_users};
use super::*;
use crate::backend::hsm::mechanism::{DataType, Hash, SignMechanism};
use crate::sim::store::Store;
use tempfile::TempDir;

/// Alice's handle after two signs with her `a-private` key (the second served from the cache),
/// and a second handle on the same state, as another process.
fn signed_twice(dir: &Path) -> (SimHsm, SimHsm, Login, Login, Filter) {
    let (mut hsm, alice, bob) = two_crypto_users(dir);
    ec_pair(&mut hsm, &alice, "a", &["bob".to_owned()]);
    let private = filter("attr.label=a-private");
    let first = sign(&mut hsm, &alice, &private).unwrap();
    let second = sign(&mut hsm, &alice, &private).unwrap();
    assert_eq!(first.key_reference, second.key_reference);
    (hsm, open(dir), alice, bob, private)
}

#[test]
fn a_cached_signature_verifies_with_the_public_key() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, _other, alice, _bob, private) = signed_twice(temp.path());
    let public = filter("attr.label=a-public");
    hsm.set_key_attribute(&alice, &public, "verify", "true", None)
        .unwrap();
    // Two signs: the first reads again after the change, the second is served from the cache.
    sign(&mut hsm, &alice, &private).unwrap();
    let signature = sign(&mut hsm, &alice, &private).unwrap();
    let verified = hsm
        .verify(
            &alice,
            &SignRequest {
                key_filter: &public,
                mechanism: SignMechanism::Ecdsa,
                hash: Hash::Sha256,
                data_type: DataType::Raw,
                data: b"payload",
                approval: None,
            },
            &signature.signature,
        )
        .unwrap();
    assert_ne!(verified, signature.key_reference);
}

#[test]
fn another_process_deleting_the_key_fails_the_next_sign() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, mut other, alice, _bob, private) = signed_twice(temp.path());
    other.delete_key(&alice, &private).unwrap();
    assert!(matches!(
        sign(&mut hsm, &alice, &private),
        Err(Error::KeySelection { matched: 0 })
    ));
}

#[test]
fn another_process_unsharing_the_key_fails_the_shared_users_next_sign() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, mut other, alice, bob, private) = signed_twice(temp.path());
    sign(&mut hsm, &bob, &private).unwrap();
    sign(&mut hsm, &bob, &private).unwrap();
    other
        .unshare_key(&alice, &private, "bob", Role::CryptoUser, None)
        .unwrap();
    assert!(matches!(
        sign(&mut hsm, &bob, &private),
        Err(Error::KeySelection { matched: 0 })
    ));
    // The owner still signs.
    sign(&mut hsm, &alice, &private).unwrap();
}

#[test]
fn another_process_clearing_sign_fails_the_next_sign() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, mut other, alice, _bob, private) = signed_twice(temp.path());
    other
        .set_key_attribute(&alice, &private, "sign", "false", None)
        .unwrap();
    assert!(matches!(
        sign(&mut hsm, &alice, &private),
        Err(Error::KeyNotUsable { reason, .. }) if reason == "its sign attribute is false"
    ));
}

#[test]
fn another_process_ending_the_login_fails_the_next_sign() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, mut other, alice, _bob, private) = signed_twice(temp.path());
    other.logout(&alice).unwrap();
    assert!(matches!(
        sign(&mut hsm, &alice, &private),
        Err(Error::State { message }) if message.starts_with("the login of alice is no longer recorded")
    ));
}

#[test]
fn this_process_clearing_sign_fails_its_next_sign() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, _other, alice, _bob, private) = signed_twice(temp.path());
    hsm.set_key_attribute(&alice, &private, "sign", "false", None)
        .unwrap();
    assert!(matches!(
        sign(&mut hsm, &alice, &private),
        Err(Error::KeyNotUsable { reason, .. }) if reason == "its sign attribute is false"
    ));
}

#[test]
fn logout_unloads_the_parsed_keys() {
    let temp = TempDir::new().unwrap();
    let (mut hsm, _other, alice, _bob, private) = signed_twice(temp.path());
    assert_eq!(hsm.signing_keys.loaded(), 2);
    hsm.logout(&alice).unwrap();
    assert_eq!(hsm.signing_keys.loaded(), 0);
    assert!(matches!(
        sign(&mut hsm, &alice, &private),
        Err(Error::State { message }) if message.starts_with("the login of alice is no longer recorded")
    ));
}

#[test]
fn a_mark_moves_on_any_commit_and_only_then() {
    let temp = TempDir::new().unwrap();
    let (_hsm, _admin) = activated(temp.path());
    let mut store = Store::open(temp.path()).unwrap();
    let start = store.mark().unwrap();
    store.read(count_users).unwrap();
    assert_eq!(store.mark().unwrap(), start);
    peek(temp.path())
        .execute("UPDATE users SET failed_logins = failed_logins + 1", [])
        .unwrap();
    let after_other = store.mark().unwrap();
    assert_ne!(after_other, start);
    store.transaction(|_| Ok(())).unwrap();
    assert_ne!(store.mark().unwrap(), after_other);
}

fn count_users(tx: &rusqlite::Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?)
}

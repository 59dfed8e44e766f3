//! A shell that signs repeatedly keeps its parsed keys loaded; a change another shell commits
//! to the key (deleted, unshared, sign cleared) or a logout is seen by the very next sign.

use crate::key_fixtures::{KeyShell, OWNER, SHARER, STRANGER, cluster};

const SIGN: &str = "crypto sign ecdsa --key-filter attr.label=p-private --hash-function sha256 \
                    --data SGVsbG8sIENsb3VkSFNNIQ==";
const NO_KEY: &str =
    "Key selection criteria matched 0 keys. Refine selection criteria to select a single key.";

/// The owner's shell with a P-256 signing pair shared with the sharer.
fn owner_with_shared_pair(dir: &std::path::Path) -> KeyShell {
    let mut owner = KeyShell::crypto_user(dir, OWNER);
    owner.ok(&format!(
        "key generate-asymmetric-pair ec --public-label p-public --private-label p-private \
         --curve prime256v1 --private-attributes sign=true --share-crypto-users {SHARER}"
    ));
    owner
}

fn signs_twice(shell: &mut KeyShell) {
    for _ in 0..2 {
        assert!(shell.ok(SIGN)["signature"].is_string());
    }
}

#[test]
fn a_key_deleted_by_another_shell_fails_the_next_sign() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut owner = owner_with_shared_pair(dir);
    let mut sharer = KeyShell::crypto_user(dir, SHARER);
    signs_twice(&mut sharer);
    signs_twice(&mut owner);
    owner.ok("key delete --filter attr.label=p-private");
    assert_eq!(sharer.fails(SIGN), NO_KEY);
    owner.finish();
    sharer.finish();
}

#[test]
fn a_key_unshared_by_another_shell_fails_the_next_sign() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut owner = owner_with_shared_pair(dir);
    let mut sharer = KeyShell::crypto_user(dir, SHARER);
    signs_twice(&mut sharer);
    owner.ok(&format!(
        "key unshare --filter attr.label=p-private --username {SHARER} --role crypto-user"
    ));
    assert_eq!(sharer.fails(SIGN), NO_KEY);
    owner.finish();
    sharer.finish();
}

#[test]
fn sign_cleared_by_another_shell_fails_the_next_sign() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut owner = owner_with_shared_pair(dir);
    let mut sharer = KeyShell::crypto_user(dir, SHARER);
    signs_twice(&mut sharer);
    owner.ok("key set-attribute --filter attr.label=p-private --name sign --value false");
    assert!(
        sharer.fails(SIGN).ends_with("its sign attribute is false"),
        "the sharer signed with a key whose sign attribute is false"
    );
    owner.finish();
    sharer.finish();
}

#[test]
fn a_sign_after_logout_needs_a_login_that_sees_the_key() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut owner = owner_with_shared_pair(dir);
    signs_twice(&mut owner);
    owner.logout();
    assert_eq!(
        owner.fails(SIGN),
        "'crypto sign ecdsa' requires a login: run login first"
    );
    owner.login(STRANGER, "crypto-user");
    assert_eq!(owner.fails(SIGN), NO_KEY);
    owner.logout();
    owner.login(OWNER, "crypto-user");
    signs_twice(&mut owner);
    owner.finish();
}

//! Session keys (`--session`): token=false and cluster-coverage "session", gone at logout (and
//! when the shell ends), unless made persistent with token=true first, which cannot be undone.

use crate::key_fixtures::{KeyShell, OWNER, SHARER, STRANGER, cluster};
use serde_json::json;

#[test]
fn session_keys_vanish_at_logout_and_persistent_ones_stay() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut shell = KeyShell::crypto_user(dir, OWNER);
    shell.ok("key generate-symmetric aes --label kept --key-length-bytes 16");
    let secret = shell.ok(&format!(
        "key generate-symmetric aes --label session-aes --key-length-bytes 16 --session \
         --share-crypto-users {SHARER}"
    ));
    assert_eq!(secret["key"]["attributes"]["token"], false);
    assert_eq!(secret["key"]["key-info"]["cluster-coverage"], "session");
    let pair = shell.ok(
        "key generate-asymmetric-pair ec --public-label session-pub \
         --private-label session-priv --curve secp384r1 --session",
    );
    for half in ["public_key", "private_key"] {
        assert_eq!(pair[half]["attributes"]["token"], false, "{half}");
        assert_eq!(pair[half]["key-info"]["cluster-coverage"], "session");
    }
    assert_eq!(
        shell.labels(),
        ["kept", "session-aes", "session-pub", "session-priv"]
    );
    // While the owner is logged in, the shared session key is visible to the sharer.
    let mut sharer = KeyShell::crypto_user(dir, SHARER);
    assert_eq!(sharer.labels(), ["session-aes", "session-pub"]);
    shell.logout();
    assert_eq!(sharer.labels(), Vec::<String>::new());
    sharer.finish();
    shell.login(OWNER, "crypto-user");
    assert_eq!(shell.labels(), ["kept"]);
    assert_eq!(
        shell.fails("key delete --filter attr.label=session-aes"),
        "Key selection criteria matched 0 keys. Refine selection criteria to select a single key."
    );
    shell.finish();
}

#[test]
fn a_session_key_made_persistent_survives_logout_and_cannot_go_back() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut shell = KeyShell::crypto_user(dir, OWNER);
    shell.ok("key generate-symmetric aes --label promoted --key-length-bytes 32 --session");
    shell.ok("key generate-symmetric aes --label dropped --key-length-bytes 32 --session");
    assert_eq!(
        shell.ok("key set-attribute --filter attr.label=promoted --name token --value true"),
        json!({"message": "Attribute set successfully"})
    );
    let listed = shell.ok("key list --verbose --filter attr.label=promoted");
    let promoted = &listed["matched_keys"][0];
    assert_eq!(promoted["attributes"]["token"], true);
    assert_eq!(promoted["key-info"]["cluster-coverage"], "full");
    assert_eq!(
        shell.fails("key set-attribute --filter attr.label=promoted --name token --value false"),
        "Attribute token cannot be set to the value false by the user for this operation"
    );
    shell.logout();
    shell.login(OWNER, "crypto-user");
    assert_eq!(shell.labels(), ["promoted"]);
    shell.finish();
}

#[test]
fn session_keys_end_with_the_shell_and_then_do_not_stop_a_user_delete() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut shell = KeyShell::crypto_user(dir, STRANGER);
    shell.ok("key generate-symmetric generic-secret --label temp --key-length-bytes 64 --session");
    let mut admin = KeyShell::admin(dir);
    assert_eq!(admin.labels(), ["temp"]);
    assert_eq!(
        admin.fails(&format!(
            "user delete --username {STRANGER} --role crypto-user"
        )),
        format!(
            "User {STRANGER} is logged in: it cannot be deleted or have its password changed until it logs out"
        )
    );
    // The shell ends without logout: its login ends, and its session keys with it.
    shell.finish();
    assert_eq!(admin.labels(), Vec::<String>::new());
    assert_eq!(
        admin.ok(&format!(
            "user delete --username {STRANGER} --role crypto-user"
        )),
        json!({"username": STRANGER, "role": "crypto-user"})
    );
    admin.finish();
}

#[test]
fn a_user_who_owns_persistent_keys_cannot_be_deleted_until_they_are() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut shell = KeyShell::crypto_user(dir, OWNER);
    shell.ok(
        "key generate-asymmetric-pair rsa --public-label p --private-label k \
         --modulus-size-bits 2048 --public-exponent 65537",
    );
    shell.logout();
    let mut admin = KeyShell::admin(dir);
    let delete = format!("user delete --username {OWNER} --role crypto-user");
    assert_eq!(
        admin.fails(&delete),
        format!("User {OWNER} owns keys: delete them before deleting the user")
    );
    shell.login(OWNER, "crypto-user");
    shell.ok("key delete --filter attr.label=p");
    shell.logout();
    // The private key alone still counts.
    assert_eq!(
        admin.fails(&delete),
        format!("User {OWNER} owns keys: delete them before deleting the user")
    );
    shell.login(OWNER, "crypto-user");
    shell.ok("key delete --filter attr.label=k");
    shell.logout();
    shell.finish();
    assert_eq!(
        admin.ok(&delete),
        json!({"username": OWNER, "role": "crypto-user"})
    );
    admin.finish();
}

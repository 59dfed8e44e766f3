//! The rules of `key wrap` and `key unwrap` with generated keys: the payload must be extractable
//! and owned by the caller, the wrapping key needs wrap=true (and trusted=true for a payload
//! with wrap-with-trusted), the unwrapping key unwrap=true; and what an unwrapped key is.

use crate::key_fixtures::{KeyShell, OWNER, SHARER, check_value, cluster, reference};
use serde_json::json;

/// The owner's keys of these tests, in reference order: 0 wrapping AES key (wrap, unwrap,
/// shared with SHARER), 1 plain AES payload, 2 non-extractable payload, 3 wrap-with-trusted
/// payload, 4 AES key without wrap or unwrap.
fn owner_keys(shell: &mut KeyShell) {
    shell.ok(&format!(
        "key generate-symmetric aes --label wrapper --key-length-bytes 32 \
         --attributes wrap=true unwrap=true --share-crypto-users {SHARER}"
    ));
    shell.ok("key generate-symmetric aes --label payload --key-length-bytes 16");
    let fixed = shell.ok(
        "key generate-symmetric aes --label fixed --key-length-bytes 16 \
         --attributes extractable=false",
    );
    assert_eq!(fixed["key"]["attributes"]["never-extractable"], true);
    shell.ok(
        "key generate-symmetric aes --label guarded --key-length-bytes 24 \
         --attributes wrap-with-trusted=true",
    );
    shell.ok("key generate-symmetric aes --label plain --key-length-bytes 16");
}

fn unusable(n: u64, reason: &str) -> String {
    format!("Key {} cannot be used this way: {reason}", reference(n))
}

#[test]
fn a_non_extractable_key_is_never_wrapped() {
    let state = cluster();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    owner_keys(&mut shell);
    for mechanism in ["aes-no-pad", "aes-pkcs5-pad", "aes-zero-pad"] {
        assert_eq!(
            shell.fails(&format!(
                "key wrap {mechanism} --payload-filter attr.label=fixed \
                 --wrapping-filter attr.label=wrapper"
            )),
            unusable(2, "its extractable attribute is false")
        );
    }
    // extractable is read-only afterwards: it cannot be switched back on.
    assert_eq!(
        shell.fails("key set-attribute --filter attr.label=fixed --name extractable --value true"),
        "Attribute extractable cannot be set to the value true by the user for this operation"
    );
    shell.finish();
}

#[test]
fn the_wrapping_key_needs_wrap_and_the_unwrapping_key_unwrap() {
    let state = cluster();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    owner_keys(&mut shell);
    assert_eq!(
        shell.fails("key wrap aes-no-pad --payload-filter attr.label=payload --wrapping-filter attr.label=plain"),
        unusable(4, "its wrap attribute is false")
    );
    let wrapped = shell.ok(
        "key wrap aes-no-pad --payload-filter attr.label=payload --wrapping-filter attr.label=wrapper",
    );
    assert_eq!(wrapped["payload_key_reference"], reference(1));
    assert_eq!(wrapped["wrapping_key_reference"], reference(0));
    let data = wrapped["wrapped_key_data"].as_str().unwrap().to_owned();
    assert_eq!(
        shell.fails(&format!(
            "key unwrap aes-no-pad --filter attr.label=plain --key-type-class aes --label x --data {data}"
        )),
        unusable(4, "its unwrap attribute is false")
    );
    // Once wrap is switched off, the same wrap is refused.
    shell.ok("key set-attribute --filter attr.label=wrapper --name wrap --value false");
    assert_eq!(
        shell.fails("key wrap aes-no-pad --payload-filter attr.label=payload --wrapping-filter attr.label=wrapper"),
        unusable(0, "its wrap attribute is false")
    );
    // Unwrapped with the wrong key, or as the wrong type: refused, and nothing is created.
    assert_eq!(
        shell.fails(&format!(
            "key unwrap aes-no-pad --filter attr.label=wrapper --key-type-class rsa-private --label x --data {data}"
        )),
        "Invalid private key: not a DER PKCS#8 PrivateKeyInfo"
    );
    assert_eq!(
        shell.labels(),
        ["wrapper", "payload", "fixed", "guarded", "plain"]
    );
    shell.finish();
}

#[test]
fn a_wrap_with_trusted_payload_needs_a_wrapping_key_an_admin_trusted() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut shell = KeyShell::crypto_user(dir, OWNER);
    owner_keys(&mut shell);
    let wrap = "key wrap aes-pkcs5-pad --payload-filter attr.label=guarded --wrapping-filter attr.label=wrapper";
    assert_eq!(
        shell.fails(wrap),
        unusable(0, "the key to wrap may only be wrapped with a trusted key")
    );
    let mut admin = KeyShell::admin(dir);
    assert_eq!(
        admin.ok("key set-attribute --filter attr.label=wrapper --name trusted --value true"),
        json!({"message": "Attribute set successfully"})
    );
    admin.finish();
    let wrapped = shell.ok(wrap);
    let data = wrapped["wrapped_key_data"].as_str().unwrap().to_owned();
    let unwrapped = shell.ok(&format!(
        "key unwrap aes-pkcs5-pad --filter attr.label=wrapper --key-type-class aes \
         --label back --data {data} --attributes wrap-with-trusted=true"
    ));
    assert_eq!(unwrapped["key"]["attributes"]["wrap-with-trusted"], true);
    assert_eq!(unwrapped["key"]["attributes"]["key-length-bytes"], 24);
    shell.finish();
}

#[test]
fn only_the_owner_wraps_but_a_shared_user_unwraps_with_a_shared_key() {
    let state = cluster();
    let dir = &state.state_dir;
    let mut shell = KeyShell::crypto_user(dir, OWNER);
    owner_keys(&mut shell);
    let wrapped = shell.ok(
        "key wrap aes-zero-pad --payload-filter attr.label=payload --wrapping-filter attr.label=wrapper",
    );
    let data = wrapped["wrapped_key_data"].as_str().unwrap().to_owned();
    let mut sharer = KeyShell::crypto_user(dir, SHARER);
    // The shared wrapping key is not the sharer's to wrap, and the payload is not visible.
    assert_eq!(
        sharer.fails("key wrap aes-zero-pad --payload-filter attr.label=wrapper --wrapping-filter attr.label=wrapper"),
        format!("Only the owner of key {} can wrap it", reference(0))
    );
    assert_eq!(
        sharer.fails("key wrap aes-zero-pad --payload-filter attr.label=payload --wrapping-filter attr.label=wrapper"),
        "Key selection criteria matched 0 keys. Refine selection criteria to select a single key."
    );
    // Unwrapping with the shared key makes a key the sharer owns, local=false, id "0x".
    let unwrapped = sharer.ok(&format!(
        "key unwrap aes-zero-pad --filter attr.label=wrapper --key-type-class aes \
         --label sharers-copy --data {data}"
    ));
    let key = &unwrapped["key"];
    assert_eq!(key["key-reference"], reference(5));
    assert_eq!(
        key["key-info"]["key-owners"],
        json!([{"username": SHARER, "key-coverage": "full"}])
    );
    let attributes = &key["attributes"];
    assert_eq!(attributes["local"], false);
    assert_eq!(attributes["id"], "0x");
    assert_eq!(attributes["always-sensitive"], false);
    assert_eq!(attributes["never-extractable"], false);
    let original = shell.ok("key list --verbose --filter attr.label=payload");
    assert_eq!(
        check_value(key),
        check_value(&original["matched_keys"][0]),
        "the unwrapped key is the payload"
    );
    sharer.finish();
    shell.finish();
}

#[test]
fn zero_padding_refuses_a_secret_it_could_not_unwrap_whole() {
    let state = cluster();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    owner_keys(&mut shell);
    let odd = shell.ok("key generate-symmetric generic-secret --label odd --key-length-bytes 20");
    let even = shell.ok("key generate-symmetric generic-secret --label even --key-length-bytes 24");
    // Unwrapping takes no length: 20 bytes zero-padded to 24 would come back as a 24-byte key.
    assert_eq!(
        shell.fails("key wrap aes-zero-pad --payload-filter attr.label=odd --wrapping-filter attr.label=wrapper"),
        unusable(
            5,
            "aes-zero-pad cannot carry its 20 bytes, which unwrapping could not tell from their \
             zero padding: use aes-pkcs5-pad"
        )
    );
    for (label, key, mechanism) in [
        ("odd", &odd, "aes-pkcs5-pad"),
        ("even", &even, "aes-zero-pad"),
    ] {
        let wrapped = shell.ok(&format!(
            "key wrap {mechanism} --payload-filter attr.label={label} --wrapping-filter attr.label=wrapper"
        ));
        let back = shell.ok(&format!(
            "key unwrap {mechanism} --filter attr.label=wrapper --key-type-class generic-secret \
             --label {label}-back --data {}",
            wrapped["wrapped_key_data"].as_str().unwrap()
        ));
        assert_eq!(
            check_value(&back["key"]),
            check_value(&key["key"]),
            "{label}"
        );
        assert_eq!(
            back["key"]["attributes"]["key-length-bytes"],
            key["key"]["attributes"]["key-length-bytes"]
        );
    }
    shell.finish();
}

//! Successful key generation, whose output holds random material and so cannot be a golden
//! transcript: every fixed field is compared exactly, the random ones (check value, modulus,
//! EC point) by shape, and both halves of a pair must agree.

use crate::key_fixtures::{KeyShell, OWNER, SHARER, check_value, cluster, reference};
use serde_json::{Value, json};

/// A whole key as generate prints it, with `attributes` for its attribute object.
fn key(reference: &str, shared: &[&str], coverage: &str, attributes: Value) -> Value {
    let shared: Vec<Value> = shared
        .iter()
        .map(|user| json!({"username": user, "key-coverage": "full"}))
        .collect();
    json!({
        "key-reference": reference,
        "key-info": {
            "key-owners": [{"username": OWNER, "key-coverage": "full"}],
            "shared-users": shared,
            "key-quorum-values": {"manage-key-quorum-value": 0, "use-key-quorum-value": 0},
            "cluster-coverage": coverage,
        },
        "attributes": attributes,
    })
}

/// The attribute object of a generated secret key with the table's defaults.
fn secret_attributes(key_type: &str, label: &str, check: &str, length: usize) -> Value {
    json!({
        "key-type": key_type, "label": label, "id": "", "check-value": check,
        "class": "secret-key", "encrypt": false, "decrypt": false, "token": true,
        "always-sensitive": true, "derive": false, "destroyable": true, "extractable": true,
        "local": true, "modifiable": true, "never-extractable": false, "private": true,
        "sensitive": true, "sign": true, "trusted": false, "unwrap": false, "verify": true,
        "wrap": false, "wrap-with-trusted": false, "key-length-bytes": length,
    })
}

/// The common attributes of one half of a generated pair, before the type-specific ones.
fn half_attributes(key_type: &str, label: &str, check: &str, private: bool) -> Value {
    json!({
        "key-type": key_type, "label": label, "id": "", "check-value": check,
        "class": if private { "private-key" } else { "public-key" },
        "encrypt": false, "decrypt": false, "token": true, "always-sensitive": private,
        "derive": false, "destroyable": true, "extractable": true, "local": true,
        "modifiable": true, "never-extractable": false, "private": true, "sensitive": private,
        "sign": false, "trusted": false, "unwrap": false, "verify": false, "wrap": false,
        "wrap-with-trusted": false,
    })
}

/// Appends `extra` to an attribute object, keeping the printed order.
fn with(mut attributes: Value, extra: Value) -> Value {
    let object = attributes.as_object_mut().unwrap();
    for (name, value) in extra.as_object().unwrap() {
        object.insert(name.clone(), value.clone());
    }
    attributes
}

/// A `0x` + lower-case hex string of `bytes` bytes, as moduli and EC points are printed.
fn assert_hex_of(value: &Value, bytes: usize) -> String {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    assert_eq!(text.len(), 2 + 2 * bytes, "{text}");
    assert!(text.starts_with("0x"));
    assert!(
        text[2..]
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    );
    text.to_owned()
}

#[test]
fn aes_and_generic_secret_keys_print_the_table_defaults_and_a_check_value() {
    let state = cluster();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    let cases = [("aes", 16), ("aes", 24), ("aes", 32), ("generic-secret", 1)];
    let mut checks = Vec::new();
    for (n, (kind, length)) in cases
        .into_iter()
        .chain([("generic-secret", 800)])
        .enumerate()
    {
        let label = format!("{kind}-{length}");
        let reply = shell.ok(&format!(
            "key generate-symmetric {kind} --label {label} --key-length-bytes {length}"
        ));
        let check = check_value(&reply["key"]);
        let expected = key(
            &reference(n as u64),
            &[],
            "full",
            secret_attributes(kind, &label, &check, length),
        );
        assert_eq!(reply, json!({ "key": expected }));
        checks.push(check);
    }
    // Random keys: five different check values (a collision of 24 bits would be a fluke of
    // about one in a million; a constant would be a bug).
    checks.sort();
    checks.dedup();
    assert_eq!(checks.len(), 5, "{checks:?}");
    shell.finish();
}

#[test]
fn creation_attributes_and_shares_are_applied_and_derived_attributes_follow() {
    let state = cluster();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    let reply = shell.ok(&format!(
        "key generate-symmetric aes --label wrapper --key-length-bytes 32 \
         --attributes wrap=true unwrap=true extractable=false sign=false id=0x0a0b \
         --share-crypto-users {SHARER} {}",
        SHARER.to_uppercase()
    ));
    let check = check_value(&reply["key"]);
    let attributes = with(
        secret_attributes("aes", "wrapper", &check, 32),
        json!({
            "id": "0x0a0b", "extractable": false, "never-extractable": true, "sign": false,
            "unwrap": true, "wrap": true,
        }),
    );
    // A user named twice, in any case, is shared with once: in the reply and in the state.
    let expected = key(&reference(0), &[SHARER], "full", attributes);
    assert_eq!(reply, json!({ "key": expected }));
    let listed = shell.ok("key list --verbose");
    assert_eq!(listed["matched_keys"], json!([expected]));
    shell.finish();
}

#[test]
fn an_rsa_pair_shares_its_check_value_and_modulus_and_only_the_private_half_is_shared() {
    let state = cluster();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    let reply = shell.ok(&format!(
        "key generate-asymmetric-pair rsa --public-label rsa-pub --private-label rsa-priv \
         --modulus-size-bits 2048 --public-exponent 65537 --private-attributes sign=true \
         --public-attributes verify=true --share-crypto-users {SHARER}"
    ));
    let (public, private) = (&reply["public_key"], &reply["private_key"]);
    let check = check_value(public);
    let modulus = assert_hex_of(&public["attributes"]["modulus"], 256);
    // The top bit of a 2048-bit modulus is set.
    assert!(modulus.as_bytes()[2] >= b'8', "{modulus}");
    let private_length = private["attributes"]["key-length-bytes"].as_u64().unwrap();
    assert!((1210..=1220).contains(&private_length), "{private_length}");
    let rsa = |length: u64| {
        json!({"key-length-bytes": length, "public-exponent": "0x010001", "modulus": modulus,
               "modulus-size-bits": 2048})
    };
    let expected_public = with(
        half_attributes("rsa", "rsa-pub", &check, false),
        json!({"verify": true}),
    );
    let expected_private = with(
        half_attributes("rsa", "rsa-priv", &check, true),
        json!({"sign": true}),
    );
    assert_eq!(
        reply,
        json!({
            "public_key": key(&reference(0), &[], "full", with(expected_public, rsa(512))),
            "private_key": key(&reference(1), &[SHARER], "full",
                               with(expected_private, rsa(private_length))),
        })
    );
    shell.finish();
}

#[test]
fn ec_pairs_on_every_curve_print_the_curve_and_an_uncompressed_point() {
    let state = cluster();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    // (curve given, curve printed, field bytes, PKCS #8 length of the private key)
    let curves = [
        ("secp224r1", "secp224r1", 28, 122),
        ("prime256v1", "prime256v1", 32, 138),
        ("secp256r1", "prime256v1", 32, 138),
        ("secp256k1", "secp256k1", 32, 135),
        ("secp384r1", "secp384r1", 48, 185),
        ("secp521r1", "secp521r1", 66, 241),
    ];
    for (n, (curve, printed, field, private_length)) in curves.into_iter().enumerate() {
        let reply = shell.ok(&format!(
            "key generate-asymmetric-pair ec --public-label {curve}-pub \
             --private-label {curve}-priv --curve {curve}"
        ));
        let public = &reply["public_key"];
        let check = check_value(public);
        let point = assert_hex_of(&public["attributes"]["ec-point"], 1 + 2 * field);
        assert!(point.starts_with("0x04"), "not uncompressed: {point}");
        let ec = |length: usize| json!({"key-length-bytes": length, "ec-point": point, "curve": printed});
        let n = n as u64;
        assert_eq!(
            reply,
            json!({
                "public_key": key(&reference(2 * n), &[], "full",
                    with(half_attributes("ec", &format!("{curve}-pub"), &check, false),
                         ec(1 + 2 * field))),
                "private_key": key(&reference(2 * n + 1), &[], "full",
                    with(half_attributes("ec", &format!("{curve}-priv"), &check, true),
                         ec(private_length))),
            }),
            "{curve}"
        );
    }
    // Both names of P-256 select the same keys.
    let listed = shell.ok("key list --filter attr.curve=secp256r1 attr.class=public-key");
    assert_eq!(listed["total_key_count"], 2);
    shell.finish();
}

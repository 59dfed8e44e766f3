//! `key set-attribute`'s rules: admins, read-only and one-way attributes, non-modifiable keys.

use super::*;

const CRYPTO_USER: bool = false;
const ADMIN: bool = true;

/// Sets an attribute that must be refused, checks the key is unchanged, and gives the message.
fn refused(attributes: &mut KeyAttributes, name: &str, value: &str, by_admin: bool) -> String {
    let before = attributes.clone();
    let error = attributes.set_attribute(name, value, by_admin).unwrap_err();
    assert_eq!(*attributes, before, "a refused change must change nothing");
    message(error)
}

fn not_settable(name: &str, value: &str) -> String {
    format!("Attribute {name} cannot be set to the value {value} by the user for this operation")
}

#[test]
fn the_owner_sets_an_ordinary_attribute() {
    let mut key = aes(&["encrypt=true"]);
    key.set_attribute("encrypt", "false", CRYPTO_USER).unwrap();
    assert!(!key.encrypt);
    for name in [
        "decrypt",
        "derive",
        "destroyable",
        "sign",
        "verify",
        "wrap",
        "unwrap",
    ] {
        key.set_attribute(name, "true", CRYPTO_USER).unwrap();
        assert_eq!(key.attribute_text(name).as_deref(), Some("true"), "{name}");
        key.set_attribute(name, "false", CRYPTO_USER).unwrap();
        assert_eq!(key.attribute_text(name).as_deref(), Some("false"), "{name}");
    }
}

#[test]
fn an_unknown_attribute_is_named() {
    let mut key = aes(&[]);
    assert_eq!(
        refused(&mut key, "colour", "red", CRYPTO_USER),
        "Unknown key attribute 'colour'"
    );
    assert_eq!(
        refused(&mut key, "trusted ", "true", ADMIN),
        "Unknown key attribute 'trusted '"
    );
}

#[test]
fn never_extractable_is_refused_in_the_documented_wording() {
    let mut key = aes(&[]);
    assert_eq!(
        refused(&mut key, "never-extractable", "false", CRYPTO_USER),
        "Attribute never-extractable cannot be set to the value false by the user for this operation"
    );
}

#[test]
fn every_read_only_attribute_is_refused() {
    let mut secret = aes(&[]);
    for (name, value) in [
        ("always-sensitive", "false"),
        ("check-value", "0x000000"),
        ("class", "private-key"),
        ("key-type", "rsa"),
        ("local", "false"),
        ("key-length-bytes", "16"),
        ("extractable", "false"),
        ("private", "false"),
        ("curve", "secp224r1"),
    ] {
        assert_eq!(
            refused(&mut secret, name, value, CRYPTO_USER),
            not_settable(name, value)
        );
    }
    let (_, mut rsa) = rsa_pair();
    for (name, value) in [
        ("modulus", "0x01"),
        ("modulus-size-bits", "4096"),
        ("public-exponent", "0x03"),
    ] {
        assert_eq!(
            refused(&mut rsa, name, value, CRYPTO_USER),
            not_settable(name, value)
        );
    }
    let (mut ec, _) = ec_pair();
    for (name, value) in [("ec-point", "0x04"), ("curve", "secp384r1")] {
        assert_eq!(
            refused(&mut ec, name, value, CRYPTO_USER),
            not_settable(name, value)
        );
    }
}

#[test]
fn only_an_admin_sets_trusted_and_an_admin_sets_nothing_else() {
    let mut key = aes(&[]);
    assert_eq!(
        refused(&mut key, "trusted", "true", CRYPTO_USER),
        "Attribute trusted can be set only by an admin"
    );
    key.set_attribute("trusted", "true", ADMIN).unwrap();
    assert!(key.trusted);
    key.set_attribute("trusted", "false", ADMIN).unwrap();
    assert!(!key.trusted);
    for name in [
        "label",
        "encrypt",
        "modifiable",
        "token",
        "never-extractable",
    ] {
        assert_eq!(
            refused(&mut key, name, "true", ADMIN),
            format!("An admin can set only the trusted attribute, not {name}")
        );
    }
}

#[test]
fn modifiable_goes_only_from_true_to_false_and_then_freezes_the_key() {
    let mut key = aes(&[]);
    key.set_attribute("modifiable", "true", CRYPTO_USER)
        .unwrap();
    key.set_attribute("modifiable", "false", CRYPTO_USER)
        .unwrap();
    assert!(!key.modifiable);
    let frozen = |name: &str| {
        format!(
            "Attribute {name} cannot be changed: the key is not modifiable (modifiable is false)"
        )
    };
    assert_eq!(
        refused(&mut key, "modifiable", "true", CRYPTO_USER),
        frozen("modifiable")
    );
    assert_eq!(
        refused(&mut key, "label", "renamed", CRYPTO_USER),
        frozen("label")
    );
    assert_eq!(
        refused(&mut key, "encrypt", "true", CRYPTO_USER),
        frozen("encrypt")
    );
    assert_eq!(
        refused(&mut key, "trusted", "true", ADMIN),
        frozen("trusted")
    );
    // Read-only attributes keep their own wording.
    assert_eq!(
        refused(&mut key, "never-extractable", "false", CRYPTO_USER),
        not_settable("never-extractable", "false")
    );
    let mut frozen_at_creation = aes(&["modifiable=false"]);
    assert_eq!(
        refused(&mut frozen_at_creation, "sign", "false", CRYPTO_USER),
        frozen("sign")
    );
}

#[test]
fn wrap_with_trusted_goes_only_from_false_to_true() {
    let mut key = aes(&[]);
    key.set_attribute("wrap-with-trusted", "false", CRYPTO_USER)
        .unwrap();
    key.set_attribute("wrap-with-trusted", "true", CRYPTO_USER)
        .unwrap();
    assert!(key.wrap_with_trusted);
    key.set_attribute("wrap-with-trusted", "true", CRYPTO_USER)
        .unwrap();
    assert_eq!(
        refused(&mut key, "wrap-with-trusted", "false", CRYPTO_USER),
        not_settable("wrap-with-trusted", "false")
    );
}

#[test]
fn token_goes_only_from_session_to_persistent() {
    let mut session = aes_with(KeyLifetime::Session, &[]).unwrap();
    session
        .set_attribute("token", "false", CRYPTO_USER)
        .unwrap();
    session.set_attribute("token", "true", CRYPTO_USER).unwrap();
    assert!(session.token);
    let mut persistent = aes(&[]);
    persistent
        .set_attribute("token", "true", CRYPTO_USER)
        .unwrap();
    assert_eq!(
        refused(&mut persistent, "token", "false", CRYPTO_USER),
        not_settable("token", "false")
    );
    assert_eq!(
        refused(&mut session, "token", "FALSE", CRYPTO_USER),
        not_settable("token", "false")
    );
}

#[test]
fn sensitive_goes_only_from_false_to_true_and_only_on_private_keys() {
    let (mut public, mut private) =
        pair_with(AsymmetricFacts::Rsa(rsa_facts()), &[], &["sensitive=false"]).unwrap();
    private
        .set_attribute("sensitive", "true", CRYPTO_USER)
        .unwrap();
    assert!(private.sensitive);
    // It was not sensitive all along, and stays known as such.
    assert!(!private.always_sensitive);
    assert_eq!(
        refused(&mut private, "sensitive", "false", CRYPTO_USER),
        not_settable("sensitive", "false")
    );
    assert_eq!(
        refused(&mut public, "sensitive", "true", CRYPTO_USER),
        "Invalid value for attribute sensitive: only private keys take it, not a public-key"
    );
    let mut secret = aes(&[]);
    assert_eq!(
        refused(&mut secret, "sensitive", "false", CRYPTO_USER),
        "Invalid value for attribute sensitive: only private keys take it, not a secret-key"
    );
}

#[test]
fn a_public_key_cannot_be_made_to_derive() {
    let (mut public, mut private) = ec_pair();
    assert_eq!(
        refused(&mut public, "derive", "true", CRYPTO_USER),
        "Invalid value for attribute derive: a public key cannot derive keys"
    );
    public
        .set_attribute("derive", "false", CRYPTO_USER)
        .unwrap();
    private
        .set_attribute("derive", "true", CRYPTO_USER)
        .unwrap();
    assert!(private.derive);
}

#[test]
fn label_and_id_are_checked_and_set() {
    let mut key = aes(&[]);
    key.set_attribute("label", "new label=x", CRYPTO_USER)
        .unwrap();
    assert_eq!(key.label, "new label=x");
    assert_eq!(
        refused(&mut key, "label", &"x".repeat(128), CRYPTO_USER),
        "Invalid value for attribute label: a label has at most 127 characters, this one has 128"
    );
    key.set_attribute("id", "0xCAFE", CRYPTO_USER).unwrap();
    assert_eq!(key.id, KeyId::Bytes(vec![0xca, 0xfe]));
    assert_eq!(
        refused(&mut key, "id", "cafe!", CRYPTO_USER),
        "Invalid value for attribute id: expected hex digits such as 0x0102, not 'cafe!'"
    );
    key.set_attribute("id", "", CRYPTO_USER).unwrap();
    assert_eq!(key.attribute_text("id").as_deref(), Some(""));
}

#[test]
fn boolean_values_are_checked() {
    let mut key = aes(&[]);
    for bad in ["1", "0", "on", ""] {
        assert_eq!(
            refused(&mut key, "sign", bad, CRYPTO_USER),
            format!("Invalid value for attribute sign: expected true or false, not '{bad}'")
        );
    }
    key.set_attribute("sign", "False", CRYPTO_USER).unwrap();
    assert!(!key.sign);
}

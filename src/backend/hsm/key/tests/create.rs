//! Defaults by origin and the `NAME=VALUE` rules at creation.

use super::*;

fn creation_error(attributes: &[&str]) -> String {
    message(aes_with(KeyLifetime::Persistent, attributes).unwrap_err())
}

#[test]
fn a_generated_aes_key_has_the_table_defaults() {
    let key = aes(&[]);
    assert_eq!(key.kind, KeyKind::Aes);
    assert_eq!(key.class, KeyClass::SecretKey);
    assert_eq!(key.label, "my_key");
    assert_eq!(key.id, KeyId::Unset);
    assert!(key.sign && key.verify && key.sensitive && key.always_sensitive);
    assert!(key.token && key.local && key.extractable && key.destroyable);
    assert!(key.modifiable && key.private);
    assert!(!key.encrypt && !key.decrypt && !key.wrap && !key.unwrap && !key.derive);
    assert!(!key.trusted && !key.wrap_with_trusted && !key.never_extractable);
    assert_eq!(key.key_length_bytes, 32);
    assert_eq!(key.check_value, CHECK_VALUE);
}

#[test]
fn a_generic_secret_key_is_a_secret_key_like_aes() {
    let key = KeyAttributes::generated_secret(
        SecretKeyType::GenericSecret,
        800,
        CHECK_VALUE,
        KeyLifetime::Persistent,
        &Creation {
            label: "hmac",
            attributes: &[],
        },
    )
    .unwrap();
    assert_eq!(key.key_type(), KeyType::GenericSecret);
    assert_eq!(key.class, KeyClass::SecretKey);
    assert!(key.sign && key.verify && key.sensitive);
    assert_eq!(
        key.attribute_text("key-type").as_deref(),
        Some("generic-secret")
    );
}

#[test]
fn session_makes_token_false() {
    let key = aes_with(KeyLifetime::Session, &[]).unwrap();
    assert!(!key.token);
}

#[test]
fn a_later_attribute_wins_over_the_flags_and_earlier_attributes() {
    let session = aes_with(KeyLifetime::Session, &["token=true"]).unwrap();
    assert!(session.token);
    let persistent = aes(&["token=false"]);
    assert!(!persistent.token);
    let relabelled = aes(&["label=other", "sign=false", "sign=true"]);
    assert_eq!(relabelled.label, "other");
    assert!(relabelled.sign);
}

#[test]
fn derived_attributes_follow_what_was_set_at_creation() {
    let unextractable = aes(&["extractable=false"]);
    assert!(!unextractable.extractable);
    assert!(unextractable.never_extractable);
    let (_, private) =
        pair_with(AsymmetricFacts::Rsa(rsa_facts()), &[], &["sensitive=false"]).unwrap();
    assert!(!private.sensitive);
    assert!(!private.always_sensitive);
}

#[test]
fn the_halves_of_a_pair_differ_by_class_and_share_the_rest() {
    let (public, private) = rsa_pair();
    assert_eq!(public.class, KeyClass::PublicKey);
    assert_eq!(private.class, KeyClass::PrivateKey);
    assert!(!public.sensitive && !public.always_sensitive);
    assert!(private.sensitive && private.always_sensitive);
    for half in [&public, &private] {
        assert!(half.local && half.token && half.private && half.extractable);
        assert!(!half.sign && !half.verify && !half.never_extractable);
        assert_eq!(half.check_value, CHECK_VALUE);
        assert_eq!(half.id, KeyId::Unset);
        assert_eq!(half.kind, KeyKind::Rsa(rsa_facts()));
    }
    assert_eq!(
        (public.key_length_bytes, private.key_length_bytes),
        (512, 1217)
    );
    assert_eq!(
        (public.label.as_str(), private.label.as_str()),
        ("pub", "priv")
    );
}

#[test]
fn each_half_of_a_pair_takes_its_own_attributes() {
    let (public, private) = pair_with(
        AsymmetricFacts::Rsa(rsa_facts()),
        &["verify=true", "encrypt=true"],
        &["sign=true", "decrypt=true"],
    )
    .unwrap();
    assert!(public.verify && public.encrypt && !public.sign && !public.decrypt);
    assert!(private.sign && private.decrypt && !private.verify && !private.encrypt);
}

#[test]
fn an_imported_public_key_is_not_local_and_shows_id_0x() {
    let attributes = assignments(&["extractable=false"]);
    let imported = KeyAttributes::imported_public(
        AsymmetricFacts::Ec(ec_facts()),
        57,
        CHECK_VALUE,
        &Creation {
            label: "imported",
            attributes: &attributes,
        },
    )
    .unwrap();
    assert_eq!(imported.class, KeyClass::PublicKey);
    assert!(!imported.local);
    assert_eq!(imported.id, KeyId::Bytes(Vec::new()));
    assert_eq!(imported.attribute_text("id").as_deref(), Some("0x"));
    assert!(imported.token);
    // Material that came from outside was never guaranteed unextractable or sensitive.
    assert!(!imported.never_extractable && !imported.always_sensitive);
}

#[test]
fn an_unwrapped_key_takes_its_class_from_its_kind_and_is_not_local() {
    let secret = KeyAttributes::unwrapped(
        KeyKind::Aes,
        16,
        CHECK_VALUE,
        KeyLifetime::Session,
        &Creation {
            label: "unwrapped",
            attributes: &assignments(&["extractable=false"]),
        },
    )
    .unwrap();
    assert_eq!(secret.class, KeyClass::SecretKey);
    assert!(secret.sensitive && !secret.always_sensitive);
    assert!(!secret.extractable && !secret.never_extractable);
    assert!(!secret.local && !secret.token);
    assert_eq!(secret.attribute_text("id").as_deref(), Some("0x"));
    let private = KeyAttributes::unwrapped(
        KeyKind::Rsa(rsa_facts()),
        1217,
        CHECK_VALUE,
        KeyLifetime::Persistent,
        &Creation {
            label: "unwrapped-rsa",
            attributes: &[],
        },
    )
    .unwrap();
    assert_eq!(private.class, KeyClass::PrivateKey);
    assert!(private.sensitive && !private.always_sensitive && !private.local);
}

#[test]
fn attributes_that_are_never_settable_at_creation_are_refused_in_the_cli_wording() {
    assert_eq!(
        creation_error(&["never-extractable=false"]),
        "Attribute never-extractable cannot be set to the value false by the user for this operation"
    );
    assert_eq!(
        creation_error(&["trusted=true"]),
        "Attribute trusted cannot be set to the value true by the user for this operation"
    );
    for word in [
        "always-sensitive=true",
        "local=false",
        "check-value=0x000000",
        "key-length-bytes=16",
    ] {
        let (name, value) = word.split_once('=').unwrap();
        assert_eq!(
            creation_error(&[word]),
            format!(
                "Attribute {name} cannot be set to the value {value} by the user for this operation"
            )
        );
    }
}

#[test]
fn attributes_the_command_fixes_must_agree_with_it() {
    assert_eq!(
        aes(&["class=secret-key", "key-type=aes"]).class,
        KeyClass::SecretKey
    );
    assert_eq!(
        creation_error(&["class=private-key"]),
        "Attribute class cannot be set to the value private-key by the user for this operation"
    );
    assert_eq!(
        creation_error(&["key-type=rsa"]),
        "Attribute key-type cannot be set to the value rsa by the user for this operation"
    );
    let rsa = |attributes: &[&str]| pair_with(AsymmetricFacts::Rsa(rsa_facts()), attributes, &[]);
    assert!(rsa(&["modulus-size-bits=32", "public-exponent=0x010001"]).is_ok());
    assert_eq!(
        message(rsa(&["modulus-size-bits=2048"]).unwrap_err()),
        "Attribute modulus-size-bits cannot be set to the value 2048 by the user for this operation"
    );
    assert_eq!(
        message(rsa(&["public-exponent=3"]).unwrap_err()),
        "Attribute public-exponent cannot be set to the value 3 by the user for this operation"
    );
    let ec = |attributes: &[&str]| pair_with(AsymmetricFacts::Ec(ec_facts()), &[], attributes);
    assert!(ec(&["curve=secp224r1"]).is_ok());
    assert_eq!(
        message(ec(&["curve=secp384r1"]).unwrap_err()),
        "Attribute curve cannot be set to the value secp384r1 by the user for this operation"
    );
    assert_eq!(
        message(ec(&["ec-point=0x04"]).unwrap_err()),
        "Attribute ec-point cannot be set to the value 0x04 by the user for this operation"
    );
}

#[test]
fn rsa_and_ec_attributes_are_refused_on_other_key_types() {
    assert_eq!(
        creation_error(&["curve=secp224r1"]),
        "Invalid value for attribute curve: only EC keys have it, not aes keys"
    );
    assert_eq!(
        creation_error(&["public-exponent=0x010001"]),
        "Invalid value for attribute public-exponent: only RSA keys have it, not aes keys"
    );
    assert_eq!(
        creation_error(&["modulus=0x01"]),
        "Invalid value for attribute modulus: only RSA keys have it, not aes keys"
    );
    let ec_with_rsa_size = pair_with(
        AsymmetricFacts::Ec(ec_facts()),
        &["modulus-size-bits=2048"],
        &[],
    )
    .unwrap_err();
    assert_eq!(
        message(ec_with_rsa_size),
        "Invalid value for attribute modulus-size-bits: only RSA keys have it, not ec keys"
    );
}

#[test]
fn sensitive_is_settable_at_creation_only_on_private_keys() {
    assert_eq!(
        creation_error(&["sensitive=true"]),
        "Invalid value for attribute sensitive: only private keys take it, not a secret-key"
    );
    let on_public =
        pair_with(AsymmetricFacts::Rsa(rsa_facts()), &["sensitive=false"], &[]).unwrap_err();
    assert_eq!(
        message(on_public),
        "Invalid value for attribute sensitive: only private keys take it, not a public-key"
    );
}

#[test]
fn a_public_key_cannot_be_made_to_derive() {
    let on_public = pair_with(AsymmetricFacts::Ec(ec_facts()), &["derive=true"], &[]).unwrap_err();
    assert_eq!(
        message(on_public),
        "Invalid value for attribute derive: a public key cannot derive keys"
    );
    let (public, private) = pair_with(
        AsymmetricFacts::Ec(ec_facts()),
        &["derive=false"],
        &["derive=true"],
    )
    .unwrap();
    assert!(!public.derive && private.derive);
}

#[test]
fn labels_longer_than_127_characters_are_refused() {
    let longest = "é".repeat(127);
    let key = aes(&[&format!("label={longest}")]);
    assert_eq!(key.label, longest);
    let too_long = format!("label={}", "a".repeat(128));
    assert_eq!(
        message(AttributeAssignment::parse(&too_long).unwrap_err()),
        "Invalid value for attribute label: a label has at most 127 characters, this one has 128"
    );
    let flag_too_long = KeyAttributes::generated_secret(
        SecretKeyType::Aes,
        16,
        CHECK_VALUE,
        KeyLifetime::Persistent,
        &Creation {
            label: &"b".repeat(200),
            attributes: &[],
        },
    )
    .unwrap_err();
    assert_eq!(
        message(flag_too_long),
        "Invalid value for attribute label: a label has at most 127 characters, this one has 200"
    );
}

#[test]
fn an_id_is_hex_at_creation() {
    assert_eq!(
        aes(&["id=0x0102"]).attribute_text("id").as_deref(),
        Some("0x0102")
    );
    assert_eq!(
        aes(&["id=ABCD"]).attribute_text("id").as_deref(),
        Some("0xabcd")
    );
    assert_eq!(
        message(AttributeAssignment::parse("id=0xnothex").unwrap_err()),
        "Invalid value for attribute id: expected hex digits such as 0x0102, not '0xnothex'"
    );
}

#[test]
fn assignments_split_on_the_first_equals_sign() {
    let parsed = AttributeAssignment::parse("label=a=b c").unwrap();
    assert_eq!(parsed.name, AttributeName::Label);
    assert_eq!(parsed.value, AttributeValue::Label("a=b c".to_string()));
    assert_eq!(parsed.text, "a=b c");
    assert_eq!(
        AttributeAssignment::parse("label=").unwrap().value,
        AttributeValue::Label(String::new())
    );
}

#[test]
fn booleans_are_true_or_false_in_any_case_and_nothing_else() {
    assert!(aes(&["encrypt=TRUE"]).encrypt);
    assert!(!aes(&["sign=False"]).sign);
    for bad in ["1", "0", "yes", ""] {
        assert_eq!(
            message(AttributeAssignment::parse(&format!("sign={bad}")).unwrap_err()),
            format!("Invalid value for attribute sign: expected true or false, not '{bad}'")
        );
    }
}

#[test]
fn bad_assignment_words_are_refused_by_name() {
    assert_eq!(
        message(parse_assignments(&words(&["sign=true", "sign"])).unwrap_err()),
        "Invalid attribute 'sign': write NAME=VALUE, such as sign=true"
    );
    assert_eq!(
        message(AttributeAssignment::parse("colour=red").unwrap_err()),
        "Unknown key attribute 'colour'"
    );
    assert_eq!(
        message(AttributeAssignment::parse("class=public").unwrap_err()),
        "Invalid value for attribute class: expected one of secret-key, public-key, private-key, not 'public'"
    );
    assert_eq!(
        message(AttributeAssignment::parse("curve=p256").unwrap_err()),
        "Invalid value for attribute curve: expected one of prime256v1, secp256r1, secp224r1, secp384r1, secp256k1, secp521r1, ed25519, not 'p256'"
    );
    assert_eq!(
        message(AttributeAssignment::parse("modulus-size-bits=+2048").unwrap_err()),
        "Invalid value for attribute modulus-size-bits: expected a decimal number, not '+2048'"
    );
}

//! Key references, the attribute value enums and the RSA facts.

use super::*;

#[test]
fn a_reference_prints_as_0x_and_16_lower_case_hex_digits() {
    assert_eq!(KeyReference(0x1c0686).to_string(), "0x00000000001c0686");
    assert_eq!(KeyReference(0).to_string(), "0x0000000000000000");
    assert_eq!(KeyReference(u64::MAX).to_string(), "0xffffffffffffffff");
    assert_eq!(
        serde_json::to_value(KeyReference(0xabc)).unwrap(),
        "0x0000000000000abc"
    );
}

#[test]
fn a_reference_parses_from_hex_or_decimal() {
    assert_eq!(
        KeyReference::parse("0x00000000001c0686").unwrap(),
        KeyReference(0x1c0686)
    );
    assert_eq!(KeyReference::parse("0xabc").unwrap(), KeyReference(0xabc));
    assert_eq!(KeyReference::parse("0XABC").unwrap(), KeyReference(0xabc));
    assert_eq!(KeyReference::parse("2748").unwrap(), KeyReference(0xabc));
    assert_eq!(
        KeyReference::parse("0xffffffffffffffff").unwrap(),
        KeyReference(u64::MAX)
    );
}

#[test]
fn a_bad_reference_is_refused_with_its_text() {
    for text in [
        "",
        "0x",
        "abc",
        "0xg1",
        "-1",
        "+5",
        " 5",
        "1.5",
        "0x10000000000000000",
        "18446744073709551616",
    ] {
        let error = KeyReference::parse(text).unwrap_err();
        assert_eq!(
            message(error),
            format!(
                "Invalid key reference '{text}': give 0x followed by at most 16 hex digits, or a decimal number"
            ),
        );
    }
}

#[test]
fn the_value_enums_round_trip_their_cli_spellings() {
    for class in KeyClass::ALL {
        assert_eq!(KeyClass::parse(class.as_str()), Some(class));
    }
    for key_type in KeyType::ALL {
        assert_eq!(KeyType::parse(key_type.as_str()), Some(key_type));
    }
    for curve in Curve::ALL {
        assert_eq!(Curve::parse(curve.as_str()), Some(curve));
    }
    assert_eq!(
        KeyClass::ALL.map(KeyClass::as_str),
        ["secret-key", "public-key", "private-key"]
    );
    assert_eq!(
        KeyType::ALL.map(KeyType::as_str),
        ["aes", "generic-secret", "rsa", "ec"]
    );
    assert_eq!(
        Curve::ALL.map(Curve::as_str),
        [
            "prime256v1",
            "secp256r1",
            "secp224r1",
            "secp384r1",
            "secp256k1",
            "secp521r1",
            "ed25519",
        ]
    );
    assert_eq!(KeyType::parse("AES"), None);
    assert_eq!(Curve::parse("ed448"), None);
}

#[test]
fn the_two_names_of_p256_are_one_curve() {
    assert!(Curve::Prime256v1.is_same_curve(Curve::Secp256r1));
    assert!(Curve::Secp256r1.is_same_curve(Curve::Prime256v1));
    assert!(Curve::Secp384r1.is_same_curve(Curve::Secp384r1));
    assert!(!Curve::Secp256k1.is_same_curve(Curve::Secp256r1));
}

#[test]
fn every_attribute_name_round_trips_in_print_order() {
    let names: Vec<&str> = AttributeName::ALL.map(AttributeName::as_str).to_vec();
    let expected: Vec<&str> = COMMON_ORDER
        .into_iter()
        .chain([
            "public-exponent",
            "modulus",
            "modulus-size-bits",
            "ec-point",
            "curve",
        ])
        .collect();
    assert_eq!(names, expected);
    for name in AttributeName::ALL {
        assert_eq!(AttributeName::parse(name.as_str()), Some(name));
    }
    assert_eq!(AttributeName::parse("Label"), None);
}

#[test]
fn rsa_facts_are_kept_minimal_and_count_modulus_bits() {
    let facts = RsaFacts::new(&[0, 0, 0x80, 0, 0, 0], &[0, 0, 1, 0, 1]);
    assert_eq!(facts.modulus, [0x80, 0, 0, 0]);
    assert_eq!(facts.public_exponent, [1, 0, 1]);
    assert_eq!(facts.modulus_size_bits(), 32);
    assert_eq!(RsaFacts::new(&[0x01, 0xff], &[3]).modulus_size_bits(), 9);
    assert_eq!(RsaFacts::new(&[], &[3]).modulus_size_bits(), 0);
    let rsa_2048 = RsaFacts::new(&[0xb1; 256], &[1, 0, 1]);
    assert_eq!(rsa_2048.modulus_size_bits(), 2048);
}

#[test]
fn ids_print_empty_unset_or_hex() {
    assert_eq!(KeyId::Unset.to_string(), "");
    assert_eq!(KeyId::Bytes(Vec::new()).to_string(), "0x");
    assert_eq!(KeyId::Bytes(vec![0x01, 0xab]).to_string(), "0x01ab");
    assert_eq!(KeyId::parse(""), Some(KeyId::Unset));
    assert_eq!(KeyId::parse("0x"), Some(KeyId::Bytes(Vec::new())));
    assert_eq!(KeyId::parse("0x1AB"), Some(KeyId::Bytes(vec![0x01, 0xab])));
    assert_eq!(KeyId::parse("01ab"), Some(KeyId::Bytes(vec![0x01, 0xab])));
    assert_eq!(KeyId::parse("0xzz"), None);
    assert_eq!(CheckValue([0x00, 0x0a, 0xff]).to_string(), "0x000aff");
}

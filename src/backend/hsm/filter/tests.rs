//! Filter parsing and matching, and the single-key selection error.

use super::*;
use crate::backend::hsm::key::{
    AsymmetricFacts, CheckValue, Creation, Curve, EcFacts, KeyId, KeyLifetime, PairLengths,
    SecretKeyType, parse_assignments,
};

const AES_REFERENCE: KeyReference = KeyReference(0x1c0686);

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|word| word.to_string()).collect()
}

fn filter(list: &[&str]) -> Filter {
    Filter::parse(&words(list)).unwrap()
}

fn parse_error(list: &[&str]) -> String {
    Filter::parse(&words(list)).unwrap_err().to_string()
}

fn aes(label: &str, attributes: &[&str]) -> KeyAttributes {
    let attributes = parse_assignments(&words(attributes)).unwrap();
    KeyAttributes::generated_secret(
        SecretKeyType::Aes,
        32,
        CheckValue([0x6b, 0xd9, 0xf7]),
        KeyLifetime::Persistent,
        &Creation {
            label,
            attributes: &attributes,
        },
    )
    .unwrap()
}

fn p256_public(curve: Curve) -> KeyAttributes {
    let (public, _) = KeyAttributes::generated_pair(
        AsymmetricFacts::Ec(EcFacts {
            curve,
            ec_point: vec![0x04, 0x01],
        }),
        PairLengths {
            public: 91,
            private: 138,
        },
        CheckValue([1, 2, 3]),
        KeyLifetime::Persistent,
        &Creation {
            label: "ec-pub",
            attributes: &[],
        },
        &Creation {
            label: "ec-priv",
            attributes: &[],
        },
    )
    .unwrap();
    public
}

#[test]
fn an_empty_filter_matches_every_key() {
    let empty = filter(&[]);
    assert!(empty.is_empty());
    assert!(empty.matches(AES_REFERENCE, &aes("a", &[])));
    assert!(empty.matches(KeyReference(1), &p256_public(Curve::Secp256r1)));
    assert_eq!(empty.label(), None);
    assert_eq!(empty.reference(), None);
}

#[test]
fn a_reference_matches_in_hex_or_decimal() {
    let key = aes("a", &[]);
    for word in [
        "key-reference=0x00000000001c0686",
        "key-reference=0x1c0686",
        "key-reference=1836678",
    ] {
        let by_reference = filter(&[word]);
        assert!(by_reference.matches(AES_REFERENCE, &key), "{word}");
        assert!(
            !by_reference.matches(KeyReference(0x1c0687), &key),
            "{word}"
        );
        assert_eq!(by_reference.reference(), Some(AES_REFERENCE));
    }
}

#[test]
fn a_label_with_spaces_and_equals_signs_arrives_as_one_word() {
    let key = aes("my key=1", &[]);
    let by_label = filter(&["attr.label=my key=1"]);
    assert!(by_label.matches(AES_REFERENCE, &key));
    assert!(!by_label.matches(AES_REFERENCE, &aes("my key", &[])));
    assert_eq!(by_label.label(), Some("my key=1"));
    // Labels compare exactly.
    assert!(!filter(&["attr.label=My key=1"]).matches(AES_REFERENCE, &key));
}

#[test]
fn every_word_must_hold() {
    let key = aes("a", &["encrypt=true"]);
    let both = filter(&["attr.label=a", "attr.encrypt=true", "attr.class=secret-key"]);
    assert!(both.matches(AES_REFERENCE, &key));
    assert!(!both.matches(AES_REFERENCE, &aes("a", &[])));
    assert!(!both.matches(AES_REFERENCE, &aes("b", &["encrypt=true"])));
    let reference_and_label = filter(&["key-reference=0x1c0686", "attr.label=a"]);
    assert!(reference_and_label.matches(AES_REFERENCE, &key));
    assert!(!reference_and_label.matches(KeyReference(5), &key));
    let two_labels = filter(&["attr.label=a", "attr.label=b"]);
    assert!(!two_labels.matches(AES_REFERENCE, &key));
    assert_eq!(two_labels.label(), Some("a"));
}

#[test]
fn values_compare_as_the_attribute_reads_them() {
    let key = aes("a", &["id=0x0102"]);
    for word in [
        "attr.sign=true",
        "attr.sign=TRUE",
        "attr.encrypt=false",
        "attr.key-length-bytes=32",
        "attr.check-value=0x6bd9f7",
        "attr.check-value=0x6BD9F7",
        "attr.id=0x0102",
        "attr.id=102",
        "attr.key-type=aes",
        "attr.local=true",
    ] {
        assert!(filter(&[word]).matches(AES_REFERENCE, &key), "{word}");
    }
    for word in [
        "attr.sign=false",
        "attr.key-length-bytes=16",
        "attr.check-value=0x000000",
        "attr.id=0x0103",
        "attr.key-type=generic-secret",
    ] {
        assert!(!filter(&[word]).matches(AES_REFERENCE, &key), "{word}");
    }
}

#[test]
fn an_empty_id_matches_whether_never_set_or_set_empty() {
    let generated = aes("generated", &[]);
    let mut set_empty = generated.clone();
    set_empty.id = KeyId::Bytes(Vec::new());
    for word in ["attr.id=", "attr.id=0x"] {
        assert!(filter(&[word]).matches(AES_REFERENCE, &generated), "{word}");
        assert!(filter(&[word]).matches(AES_REFERENCE, &set_empty), "{word}");
    }
}

#[test]
fn the_two_names_of_p256_find_the_same_keys() {
    let key = p256_public(Curve::Prime256v1);
    assert!(filter(&["attr.curve=secp256r1"]).matches(AES_REFERENCE, &key));
    assert!(filter(&["attr.curve=prime256v1"]).matches(AES_REFERENCE, &key));
    assert!(!filter(&["attr.curve=secp384r1"]).matches(AES_REFERENCE, &key));
    assert!(
        filter(&["attr.ec-point=0x0401", "attr.class=public-key"]).matches(AES_REFERENCE, &key)
    );
}

#[test]
fn a_key_without_the_attribute_never_matches() {
    let key = aes("a", &[]);
    assert!(!filter(&["attr.curve=secp256r1"]).matches(AES_REFERENCE, &key));
    assert!(!filter(&["attr.modulus-size-bits=2048"]).matches(AES_REFERENCE, &key));
}

#[test]
fn malformed_words_are_refused_and_named() {
    assert_eq!(
        parse_error(&["attr.label"]),
        "Invalid filter 'attr.label': expected key-reference=<reference> or attr.<attribute>=<value>"
    );
    assert_eq!(
        parse_error(&["label=a"]),
        "Invalid filter 'label=a': a filter is key-reference=<reference> or attr.<attribute>=<value>"
    );
    assert_eq!(
        parse_error(&["attr.label=a", "attr.=x"]),
        "Invalid filter 'attr.=x': the attribute name after attr. is missing"
    );
    assert_eq!(
        parse_error(&["attr.colour=red"]),
        "Unknown key attribute 'colour'"
    );
    assert_eq!(
        parse_error(&["key-reference=0xzz"]),
        "Invalid key reference '0xzz': give 0x followed by at most 16 hex digits, or a decimal number"
    );
    assert_eq!(
        parse_error(&["attr.sign=maybe"]),
        "Invalid value for attribute sign: expected true or false, not 'maybe'"
    );
    assert_eq!(
        parse_error(&["attr.class=secret"]),
        "Invalid value for attribute class: expected one of secret-key, public-key, private-key, not 'secret'"
    );
}

#[test]
fn a_single_key_command_needs_exactly_one_match() {
    assert!(select_one(1).is_ok());
    assert_eq!(
        select_one(48).unwrap_err().to_string(),
        "Key selection criteria matched 48 keys. Refine selection criteria to select a single key."
    );
    assert_eq!(
        select_one(0).unwrap_err().to_string(),
        "Key selection criteria matched 0 keys. Refine selection criteria to select a single key."
    );
}

//! Tests of the key model: exact JSON, the creation and set-attribute rules, references and
//! paging. Fixtures build keys the way the simulator will.

mod create;
mod json;
mod modify;
mod page;
mod reference;

use super::*;
use crate::error::Error;
use serde_json::Value;

pub const CHECK_VALUE: CheckValue = CheckValue([0x6b, 0xd9, 0xf7]);

pub fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|word| word.to_string()).collect()
}

pub fn assignments(list: &[&str]) -> Vec<AttributeAssignment> {
    parse_assignments(&words(list)).unwrap()
}

/// A 2048-bit-looking modulus is not needed: four bytes show the hex and the bit count.
pub fn rsa_facts() -> RsaFacts {
    RsaFacts::new(&[0x00, 0xb1, 0xd2, 0x7e, 0x85], &[0x00, 0x01, 0x00, 0x01])
}

pub fn ec_facts() -> EcFacts {
    EcFacts {
        curve: Curve::Secp224r1,
        ec_point: vec![0x04, 0x70, 0x96, 0x51],
    }
}

pub fn aes_with(lifetime: KeyLifetime, attributes: &[&str]) -> Result<KeyAttributes, Error> {
    let attributes = assignments(attributes);
    KeyAttributes::generated_secret(
        SecretKeyType::Aes,
        32,
        CHECK_VALUE,
        lifetime,
        &Creation {
            label: "my_key",
            attributes: &attributes,
        },
    )
}

pub fn aes(attributes: &[&str]) -> KeyAttributes {
    aes_with(KeyLifetime::Persistent, attributes).unwrap()
}

pub fn pair_with(
    facts: AsymmetricFacts,
    public_attributes: &[&str],
    private_attributes: &[&str],
) -> Result<(KeyAttributes, KeyAttributes), Error> {
    let public_attributes = assignments(public_attributes);
    let private_attributes = assignments(private_attributes);
    KeyAttributes::generated_pair(
        facts,
        PairLengths {
            public: 512,
            private: 1217,
        },
        CHECK_VALUE,
        KeyLifetime::Persistent,
        &Creation {
            label: "pub",
            attributes: &public_attributes,
        },
        &Creation {
            label: "priv",
            attributes: &private_attributes,
        },
    )
}

pub fn rsa_pair() -> (KeyAttributes, KeyAttributes) {
    pair_with(AsymmetricFacts::Rsa(rsa_facts()), &[], &[]).unwrap()
}

pub fn ec_pair() -> (KeyAttributes, KeyAttributes) {
    pair_with(AsymmetricFacts::Ec(ec_facts()), &[], &[]).unwrap()
}

pub fn key(reference: u64, attributes: KeyAttributes) -> Key {
    Key::new(
        KeyReference(reference),
        "cu1",
        KeyQuorumValues::default(),
        attributes,
    )
}

/// The keys of a JSON object in the order they were written.
pub fn key_order(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// The attribute names a key of each type prints, in the CLI's order.
pub const COMMON_ORDER: [&str; 24] = [
    "key-type",
    "label",
    "id",
    "check-value",
    "class",
    "encrypt",
    "decrypt",
    "token",
    "always-sensitive",
    "derive",
    "destroyable",
    "extractable",
    "local",
    "modifiable",
    "never-extractable",
    "private",
    "sensitive",
    "sign",
    "trusted",
    "unwrap",
    "verify",
    "wrap",
    "wrap-with-trusted",
    "key-length-bytes",
];

pub fn message(error: Error) -> String {
    error.to_string()
}

//! `KeyAttributes`: every attribute of one key, its JSON in the order the CLI prints, and the
//! text a filter compares.

use super::kind::{KeyClass, KeyKind, KeyType};
use super::name::AttributeName;
use super::value::{AttributeValue, CheckValue, KeyId};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// Every attribute of one key. Build one with the constructors of `create`, which apply the
/// defaults and derived attributes of how the key came to be; change one with
/// `set_attribute`, which applies `key set-attribute`'s rules. The fields are public so that
/// a store can save and load them as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAttributes {
    /// `key-type`, with the RSA (`modulus`, `public-exponent`, `modulus-size-bits`) or EC
    /// (`ec-point`, `curve`) attributes that only those types have.
    pub kind: KeyKind,
    pub label: String,
    pub id: KeyId,
    pub check_value: CheckValue,
    pub class: KeyClass,
    pub encrypt: bool,
    pub decrypt: bool,
    /// False for a session key, which vanishes at logout.
    pub token: bool,
    pub always_sensitive: bool,
    pub derive: bool,
    pub destroyable: bool,
    pub extractable: bool,
    /// True when the HSM generated the key, false when it was imported or unwrapped.
    pub local: bool,
    pub modifiable: bool,
    pub never_extractable: bool,
    pub private: bool,
    pub sensitive: bool,
    pub sign: bool,
    pub trusted: bool,
    pub unwrap: bool,
    pub verify: bool,
    pub wrap: bool,
    pub wrap_with_trusted: bool,
    pub key_length_bytes: u32,
}

impl KeyAttributes {
    pub fn key_type(&self) -> KeyType {
        self.kind.key_type()
    }

    /// The value of one attribute, or `None` when this kind of key does not have it (an AES
    /// key has no `curve`).
    pub fn value(&self, name: AttributeName) -> Option<AttributeValue> {
        use AttributeValue::{Bool, Number};
        let value = match name {
            AttributeName::KeyType => AttributeValue::KeyType(self.key_type()),
            AttributeName::Label => AttributeValue::Label(self.label.clone()),
            AttributeName::Id => AttributeValue::Id(self.id.clone()),
            AttributeName::CheckValue => AttributeValue::Hex(self.check_value.0.to_vec()),
            AttributeName::Class => AttributeValue::Class(self.class),
            AttributeName::Encrypt => Bool(self.encrypt),
            AttributeName::Decrypt => Bool(self.decrypt),
            AttributeName::Token => Bool(self.token),
            AttributeName::AlwaysSensitive => Bool(self.always_sensitive),
            AttributeName::Derive => Bool(self.derive),
            AttributeName::Destroyable => Bool(self.destroyable),
            AttributeName::Extractable => Bool(self.extractable),
            AttributeName::Local => Bool(self.local),
            AttributeName::Modifiable => Bool(self.modifiable),
            AttributeName::NeverExtractable => Bool(self.never_extractable),
            AttributeName::Private => Bool(self.private),
            AttributeName::Sensitive => Bool(self.sensitive),
            AttributeName::Sign => Bool(self.sign),
            AttributeName::Trusted => Bool(self.trusted),
            AttributeName::Unwrap => Bool(self.unwrap),
            AttributeName::Verify => Bool(self.verify),
            AttributeName::Wrap => Bool(self.wrap),
            AttributeName::WrapWithTrusted => Bool(self.wrap_with_trusted),
            AttributeName::KeyLengthBytes => Number(u64::from(self.key_length_bytes)),
            AttributeName::PublicExponent => match &self.kind {
                KeyKind::Rsa(rsa) => AttributeValue::Hex(rsa.public_exponent.clone()),
                _ => return None,
            },
            AttributeName::Modulus => match &self.kind {
                KeyKind::Rsa(rsa) => AttributeValue::Hex(rsa.modulus.clone()),
                _ => return None,
            },
            AttributeName::ModulusSizeBits => match &self.kind {
                KeyKind::Rsa(rsa) => Number(rsa.modulus_size_bits()),
                _ => return None,
            },
            AttributeName::EcPoint => match &self.kind {
                KeyKind::Ec(ec) => AttributeValue::Hex(ec.ec_point.clone()),
                _ => return None,
            },
            AttributeName::Curve => match &self.kind {
                KeyKind::Ec(ec) => AttributeValue::Curve(ec.curve),
                _ => return None,
            },
        };
        Some(value)
    }

    /// The value as a filter compares it: the text the JSON shows (`true`/`false`, decimal
    /// numbers, `0x...` hex). `None` for an unknown name or one this key does not have.
    pub fn attribute_text(&self, name: &str) -> Option<String> {
        AttributeName::parse(name)
            .and_then(|name| self.value(name))
            .map(|value| value.to_string())
    }
}

/// The CLI's `attributes` object: every attribute the key has, in `AttributeName::ALL` order.
impl Serialize for KeyAttributes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for name in AttributeName::ALL {
            if let Some(value) = self.value(name) {
                map.serialize_entry(name.as_str(), &value)?;
            }
        }
        map.end()
    }
}

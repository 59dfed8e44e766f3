//! One attribute value: how the CLI prints it (JSON and the text filters compare) and how a
//! user's `NAME=VALUE` or `attr.NAME=VALUE` text is read into it.

use super::kind::{Curve, KeyClass, KeyType};
use crate::error::{Error, Result};
use serde::{Serialize, Serializer};
use std::fmt;

/// The longest label the CLI accepts (SDK 5.11 and later).
pub const MAX_LABEL_CHARS: usize = 127;

/// How an attribute's value is written; decides parsing, printing and the JSON type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ValueKind {
    Bool,
    Number,
    Label,
    Id,
    Hex,
    Class,
    KeyType,
    Curve,
}

/// The value of one attribute of one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number (`key-length-bytes`, `modulus-size-bits`).
    Number(u64),
    /// The label, printed as given.
    Label(String),
    Id(KeyId),
    /// Bytes printed as `0x` and lower-case hex (`check-value`, `modulus`, `ec-point`,
    /// `public-exponent`).
    Hex(Vec<u8>),
    Class(KeyClass),
    KeyType(KeyType),
    Curve(Curve),
}

impl AttributeValue {
    /// Reads the text of a value of the given kind, naming the attribute in any error.
    pub(super) fn parse(kind: ValueKind, name: &str, text: &str) -> Result<AttributeValue> {
        let invalid = |reason: String| Error::InvalidAttribute {
            name: name.to_string(),
            reason,
        };
        match kind {
            // The attribute table writes `True`/`False`; the examples write `true`/`false`.
            ValueKind::Bool if text.eq_ignore_ascii_case("true") => Ok(AttributeValue::Bool(true)),
            ValueKind::Bool if text.eq_ignore_ascii_case("false") => {
                Ok(AttributeValue::Bool(false))
            }
            ValueKind::Bool => Err(invalid(format!("expected true or false, not '{text}'"))),
            ValueKind::Number => parse_decimal(text)
                .map(AttributeValue::Number)
                .ok_or_else(|| invalid(format!("expected a decimal number, not '{text}'"))),
            ValueKind::Label => {
                let chars = text.chars().count();
                if chars > MAX_LABEL_CHARS {
                    Err(invalid(format!(
                        "a label has at most {MAX_LABEL_CHARS} characters, this one has {chars}"
                    )))
                } else {
                    Ok(AttributeValue::Label(text.to_string()))
                }
            }
            ValueKind::Id => KeyId::parse(text).map(AttributeValue::Id).ok_or_else(|| {
                invalid(format!("expected hex digits such as 0x0102, not '{text}'"))
            }),
            ValueKind::Hex => parse_hex(text).map(AttributeValue::Hex).ok_or_else(|| {
                invalid(format!("expected hex digits such as 0x0102, not '{text}'"))
            }),
            ValueKind::Class => KeyClass::parse(text)
                .map(AttributeValue::Class)
                .ok_or_else(|| invalid(one_of(text, KeyClass::ALL.map(KeyClass::as_str)))),
            ValueKind::KeyType => KeyType::parse(text)
                .map(AttributeValue::KeyType)
                .ok_or_else(|| invalid(one_of(text, KeyType::ALL.map(KeyType::as_str)))),
            ValueKind::Curve => Curve::parse(text)
                .map(AttributeValue::Curve)
                .ok_or_else(|| invalid(one_of(text, Curve::ALL.map(Curve::as_str)))),
        }
    }

    /// Whether a key holding `self` satisfies a filter asking for `expected`. Equality, except
    /// that an id never set and an id set empty are both empty, and the two names of P-256
    /// are one curve.
    pub fn satisfies(&self, expected: &AttributeValue) -> bool {
        match (self, expected) {
            (AttributeValue::Id(held), AttributeValue::Id(wanted)) => {
                held.bytes() == wanted.bytes()
            }
            (AttributeValue::Curve(held), AttributeValue::Curve(wanted)) => {
                held.is_same_curve(*wanted)
            }
            _ => self == expected,
        }
    }
}

fn one_of<const N: usize>(text: &str, choices: [&str; N]) -> String {
    format!("expected one of {}, not '{text}'", choices.join(", "))
}

impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeValue::Bool(value) => write!(f, "{value}"),
            AttributeValue::Number(value) => write!(f, "{value}"),
            AttributeValue::Label(label) => f.write_str(label),
            AttributeValue::Id(id) => write!(f, "{id}"),
            AttributeValue::Hex(bytes) => write!(f, "0x{}", hex(bytes)),
            AttributeValue::Class(class) => f.write_str(class.as_str()),
            AttributeValue::KeyType(key_type) => f.write_str(key_type.as_str()),
            AttributeValue::Curve(curve) => f.write_str(curve.as_str()),
        }
    }
}

impl Serialize for AttributeValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AttributeValue::Bool(value) => serializer.serialize_bool(*value),
            AttributeValue::Number(value) => serializer.serialize_u64(*value),
            other => serializer.collect_str(other),
        }
    }
}

/// The `id` attribute. The CLI prints `""` for a key whose id was never set (generated keys)
/// and `"0x"` for one set to no bytes (imported keys), so both states are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum KeyId {
    #[default]
    Unset,
    Bytes(Vec<u8>),
}

impl KeyId {
    /// `""` is an unset id, `0x` an id of no bytes, other text hex digits with or without `0x`.
    pub fn parse(text: &str) -> Option<KeyId> {
        if text.is_empty() {
            Some(KeyId::Unset)
        } else {
            parse_hex(text).map(KeyId::Bytes)
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            KeyId::Unset => &[],
            KeyId::Bytes(bytes) => bytes,
        }
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyId::Unset => Ok(()),
            KeyId::Bytes(bytes) => write!(f, "0x{}", hex(bytes)),
        }
    }
}

/// The `check-value` attribute: the 3-byte key check value, printed as `0x` and 6 hex digits.
/// Both halves of a pair share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckValue(pub [u8; 3]);

impl fmt::Display for CheckValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex(&self.0))
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            // Writing into a String cannot fail.
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// Hex digits with or without `0x`, either case; an odd count reads as if a leading `0` were
/// written (`0x10001` is 65537).
pub(super) fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let nibbles = digits
        .chars()
        .map(|c| c.to_digit(16).map(|nibble| nibble as u8))
        .collect::<Option<Vec<u8>>>()?;
    let padding = nibbles.len() % 2;
    let padded = std::iter::repeat_n(0, padding)
        .chain(nibbles)
        .collect::<Vec<u8>>();
    Some(
        padded
            .chunks(2)
            .map(|pair| pair[0] << 4 | pair[1])
            .collect(),
    )
}

/// Decimal digits only: no sign, no spaces.
pub(super) fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

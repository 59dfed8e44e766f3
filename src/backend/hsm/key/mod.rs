//! The key domain model: references, attributes with the CloudHSM CLI's rules, key records, the
//! reply shapes of the `key` commands and `key list` paging. Pure values: no storage, no crypto.
//!
//! # Layout
//!
//! - `kind`: the attribute value enums (`KeyClass`, `KeyType`, `Curve`; the crypto layer uses
//!   the same `KeyType` and `Curve`) and what kind of key a key is (`KeyKind`, with the RSA or
//!   EC facts the crypto layer computed).
//! - `value`: one attribute value (`AttributeValue`), and how its text is parsed and printed.
//! - `name`: the attribute table of the CLI reference (which attribute may be set when).
//! - `attributes`: `KeyAttributes`, its JSON in the CLI's order, and the text filters compare.
//! - `create`: the attributes a key starts with, by how it came to be (generated, imported,
//!   unwrapped), and the user's `NAME=VALUE` attributes at creation.
//! - `modify`: `key set-attribute`'s rules (read-only and one-way attributes, admins and
//!   `trusted`).
//! - `record`: `Key`, its owners and quorum values; `reply`: the JSON shapes of the replies.
//! - `page`: where a `key list` page starts and ends, and its `next_token`.

mod attributes;
mod create;
mod kind;
mod modify;
mod name;
mod page;
mod record;
mod reply;
mod value;

#[cfg(test)]
mod tests;

pub use attributes::KeyAttributes;
pub use create::{AttributeAssignment, Creation, KeyLifetime, PairLengths, parse_assignments};
pub use kind::{
    AsymmetricFacts, Curve, EcFacts, KeyClass, KeyKind, KeyType, RsaFacts, SecretKeyType,
};
pub use name::AttributeName;
pub use page::{PageWindow, page};
pub use record::{Coverage, Key, KeyInfo, KeyQuorumValues, KeyUser};
pub use reply::{GeneratedPair, KeyListEntry, KeyListPage, SingleKey};
pub use value::{AttributeValue, CheckValue, KeyId};

use crate::error::{Error, Result};
use serde::{Serialize, Serializer};
use std::fmt;

/// The handle of a key in the cluster, printed as `0x` and 16 lower-case hex digits
/// (`0x00000000001c0686`), as every CLI reply does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyReference(pub u64);

impl KeyReference {
    /// Parses a reference as filters accept it: `0x` followed by hex digits, or a decimal number.
    pub fn parse(text: &str) -> Result<KeyReference> {
        let invalid = || Error::InvalidKeyReference {
            text: text.to_string(),
        };
        let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => (hex, 16),
            None => (text, 10),
        };
        // `from_str_radix` alone would also accept a leading `+`; a reference is digits only.
        let is_digit = |c: char| c.is_digit(radix);
        if digits.is_empty() || !digits.chars().all(is_digit) {
            return Err(invalid());
        }
        u64::from_str_radix(digits, radix)
            .map(KeyReference)
            .map_err(|_| invalid())
    }
}

impl fmt::Display for KeyReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:016x}", self.0)
    }
}

impl Serialize for KeyReference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

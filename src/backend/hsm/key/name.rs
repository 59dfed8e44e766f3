//! The attribute table of the CloudHSM CLI reference ("Supported attributes"): every attribute
//! name, the order `key list --verbose` prints them in, and when each may be set.
//!
//! Rules that depend on the key rather than the attribute (sensitive only on private keys,
//! one-way attributes, `trusted` for admins) live in `create` and `modify`.

use super::value::{AttributeValue, ValueKind};
use crate::error::Result;
use std::fmt;

/// A key attribute, as named in `NAME=VALUE`, `attr.NAME=VALUE` and `--name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttributeName {
    KeyType,
    Label,
    Id,
    CheckValue,
    Class,
    Encrypt,
    Decrypt,
    Token,
    AlwaysSensitive,
    Derive,
    Destroyable,
    Extractable,
    Local,
    Modifiable,
    NeverExtractable,
    Private,
    Sensitive,
    Sign,
    Trusted,
    Unwrap,
    Verify,
    Wrap,
    WrapWithTrusted,
    KeyLengthBytes,
    PublicExponent,
    Modulus,
    ModulusSizeBits,
    EcPoint,
    Curve,
}

/// May the attribute be given when a key is created?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AtCreation {
    Settable,
    /// The command's own flags decide it (`class`, `--curve`, `--modulus-size-bits`, ...); a
    /// `NAME=VALUE` for it is accepted only when it agrees.
    FixedByCommand,
    NotSettable,
}

/// May `key set-attribute` change the attribute afterwards?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Afterwards {
    Settable,
    ReadOnly,
}

/// Which keys have the attribute at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BelongsTo {
    AnyKey,
    RsaKeys,
    EcKeys,
}

/// One row of the table.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rule {
    pub value: ValueKind,
    pub at_creation: AtCreation,
    pub afterwards: Afterwards,
    pub belongs_to: BelongsTo,
}

impl AttributeName {
    /// Every attribute in the order `key list --verbose` prints them: the common ones, then
    /// RSA's, then EC's.
    pub const ALL: [AttributeName; 29] = [
        AttributeName::KeyType,
        AttributeName::Label,
        AttributeName::Id,
        AttributeName::CheckValue,
        AttributeName::Class,
        AttributeName::Encrypt,
        AttributeName::Decrypt,
        AttributeName::Token,
        AttributeName::AlwaysSensitive,
        AttributeName::Derive,
        AttributeName::Destroyable,
        AttributeName::Extractable,
        AttributeName::Local,
        AttributeName::Modifiable,
        AttributeName::NeverExtractable,
        AttributeName::Private,
        AttributeName::Sensitive,
        AttributeName::Sign,
        AttributeName::Trusted,
        AttributeName::Unwrap,
        AttributeName::Verify,
        AttributeName::Wrap,
        AttributeName::WrapWithTrusted,
        AttributeName::KeyLengthBytes,
        AttributeName::PublicExponent,
        AttributeName::Modulus,
        AttributeName::ModulusSizeBits,
        AttributeName::EcPoint,
        AttributeName::Curve,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttributeName::KeyType => "key-type",
            AttributeName::Label => "label",
            AttributeName::Id => "id",
            AttributeName::CheckValue => "check-value",
            AttributeName::Class => "class",
            AttributeName::Encrypt => "encrypt",
            AttributeName::Decrypt => "decrypt",
            AttributeName::Token => "token",
            AttributeName::AlwaysSensitive => "always-sensitive",
            AttributeName::Derive => "derive",
            AttributeName::Destroyable => "destroyable",
            AttributeName::Extractable => "extractable",
            AttributeName::Local => "local",
            AttributeName::Modifiable => "modifiable",
            AttributeName::NeverExtractable => "never-extractable",
            AttributeName::Private => "private",
            AttributeName::Sensitive => "sensitive",
            AttributeName::Sign => "sign",
            AttributeName::Trusted => "trusted",
            AttributeName::Unwrap => "unwrap",
            AttributeName::Verify => "verify",
            AttributeName::Wrap => "wrap",
            AttributeName::WrapWithTrusted => "wrap-with-trusted",
            AttributeName::KeyLengthBytes => "key-length-bytes",
            AttributeName::PublicExponent => "public-exponent",
            AttributeName::Modulus => "modulus",
            AttributeName::ModulusSizeBits => "modulus-size-bits",
            AttributeName::EcPoint => "ec-point",
            AttributeName::Curve => "curve",
        }
    }

    /// Names are matched exactly, as the CLI prints them.
    pub fn parse(text: &str) -> Option<AttributeName> {
        AttributeName::ALL
            .into_iter()
            .find(|name| name.as_str() == text)
    }

    /// Reads a value written for this attribute (`true`, `0x0102`, `secret-key`, ...).
    pub fn parse_value(self, text: &str) -> Result<AttributeValue> {
        AttributeValue::parse(self.rule().value, self.as_str(), text)
    }

    pub(super) fn rule(self) -> Rule {
        use Afterwards::{ReadOnly, Settable};
        use AtCreation::{FixedByCommand, NotSettable, Settable as AtCreationSettable};
        use BelongsTo::{AnyKey, EcKeys, RsaKeys};
        let (value, at_creation, afterwards, belongs_to) = match self {
            AttributeName::KeyType => (ValueKind::KeyType, FixedByCommand, ReadOnly, AnyKey),
            AttributeName::Label => (ValueKind::Label, AtCreationSettable, Settable, AnyKey),
            // Settable afterwards as on hsm2m.medium; hsm1.medium refuses it.
            AttributeName::Id => (ValueKind::Id, AtCreationSettable, Settable, AnyKey),
            AttributeName::CheckValue => (ValueKind::Hex, NotSettable, ReadOnly, AnyKey),
            AttributeName::Class => (ValueKind::Class, FixedByCommand, ReadOnly, AnyKey),
            AttributeName::AlwaysSensitive
            | AttributeName::Local
            | AttributeName::NeverExtractable => (ValueKind::Bool, NotSettable, ReadOnly, AnyKey),
            AttributeName::Extractable | AttributeName::Private => {
                (ValueKind::Bool, AtCreationSettable, ReadOnly, AnyKey)
            }
            // Only an admin sets `trusted`, and only after the key exists.
            AttributeName::Trusted => (ValueKind::Bool, NotSettable, Settable, AnyKey),
            AttributeName::Encrypt
            | AttributeName::Decrypt
            | AttributeName::Token
            | AttributeName::Derive
            | AttributeName::Destroyable
            | AttributeName::Modifiable
            | AttributeName::Sensitive
            | AttributeName::Sign
            | AttributeName::Unwrap
            | AttributeName::Verify
            | AttributeName::Wrap
            | AttributeName::WrapWithTrusted => {
                (ValueKind::Bool, AtCreationSettable, Settable, AnyKey)
            }
            // Given by `--key-length-bytes` or by the key itself, never as an attribute.
            AttributeName::KeyLengthBytes => (ValueKind::Number, NotSettable, ReadOnly, AnyKey),
            AttributeName::PublicExponent => (ValueKind::Hex, FixedByCommand, ReadOnly, RsaKeys),
            AttributeName::Modulus => (ValueKind::Hex, NotSettable, ReadOnly, RsaKeys),
            AttributeName::ModulusSizeBits => {
                (ValueKind::Number, FixedByCommand, ReadOnly, RsaKeys)
            }
            AttributeName::EcPoint => (ValueKind::Hex, NotSettable, ReadOnly, EcKeys),
            AttributeName::Curve => (ValueKind::Curve, FixedByCommand, ReadOnly, EcKeys),
        };
        Rule {
            value,
            at_creation,
            afterwards,
            belongs_to,
        }
    }
}

impl fmt::Display for AttributeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

//! What the key and crypto commands ask of an HSM backend, and what they get back: options of
//! new keys, key files, wrap, unwrap and sign requests.

use super::filter::Filter;
use super::key::{AttributeAssignment, KeyQuorumValues, KeyReference, KeyType};
use super::mechanism::{DataType, Hash, SignMechanism, WrapMechanism};
use super::quorum::Approval;

/// How a new key is labelled, attributed, kept and shared.
#[derive(Clone, Copy, Debug)]
pub struct NewKeyOptions<'a> {
    pub label: &'a str,
    pub attributes: &'a [AttributeAssignment],
    /// A session key is deleted when its owner logs out.
    pub session: bool,
    /// Crypto users who may use the key (the private key, for a pair).
    pub share_with: &'a [String],
    /// The key's own quorum values (none: both 0).
    pub quorum: KeyQuorumValues,
}

/// The two halves of a new key pair.
#[derive(Clone, Copy, Debug)]
pub struct NewPairOptions<'a> {
    pub public_label: &'a str,
    pub public_attributes: &'a [AttributeAssignment],
    pub private_label: &'a str,
    pub private_attributes: &'a [AttributeAssignment],
    pub session: bool,
    pub share_with: &'a [String],
    /// The private key's own quorum values (none: both 0).
    pub private_quorum: KeyQuorumValues,
}

/// What `key generate-file` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFileEncoding {
    /// The public key (of a public key, or of a private key's pair) as SubjectPublicKeyInfo PEM.
    Pem,
    /// A stand-in PEM for a private key that never leaves the HSM, naming it by reference.
    ReferencePem,
}

impl KeyFileEncoding {
    /// Reads an `--encoding` value of `key generate-file`.
    pub fn parse(text: &str) -> Option<KeyFileEncoding> {
        match text {
            "pem" => Some(KeyFileEncoding::Pem),
            "reference-pem" => Some(KeyFileEncoding::ReferencePem),
            _ => None,
        }
    }
}

/// The `--key-type-class` of `key unwrap` and `key import pem`: what the bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyTypeClass {
    Aes,
    GenericSecret,
    RsaPrivate,
    EcPrivate,
    RsaPublic,
    EcPublic,
}

impl KeyTypeClass {
    /// Reads a `--key-type-class` value; the binder has checked it against the table.
    pub fn parse(text: &str) -> Option<KeyTypeClass> {
        Some(match text {
            "aes" => KeyTypeClass::Aes,
            "generic-secret" => KeyTypeClass::GenericSecret,
            "rsa-private" => KeyTypeClass::RsaPrivate,
            "ec-private" => KeyTypeClass::EcPrivate,
            "rsa-public" => KeyTypeClass::RsaPublic,
            "ec-public" => KeyTypeClass::EcPublic,
            _ => return None,
        })
    }

    /// Checks that a PEM file holding a public key of type `found` is what this
    /// `--key-type-class` of `key import pem` names.
    pub fn check_imported(self, found: KeyType) -> crate::error::Result<()> {
        let expected = match found {
            KeyType::Rsa => KeyTypeClass::RsaPublic,
            KeyType::Ec => KeyTypeClass::EcPublic,
            KeyType::Aes | KeyType::GenericSecret => KeyTypeClass::Aes,
        };
        if expected == self {
            return Ok(());
        }
        Err(crate::error::Error::InvalidInput {
            what: "PEM file",
            reason: format!(
                "it holds an {} public key, not the {} key --key-type-class names",
                found.as_str().to_uppercase(),
                self.key_type().as_str().to_uppercase()
            ),
        })
    }

    pub fn key_type(self) -> KeyType {
        match self {
            KeyTypeClass::Aes => KeyType::Aes,
            KeyTypeClass::GenericSecret => KeyType::GenericSecret,
            KeyTypeClass::RsaPrivate | KeyTypeClass::RsaPublic => KeyType::Rsa,
            KeyTypeClass::EcPrivate | KeyTypeClass::EcPublic => KeyType::Ec,
        }
    }
}

/// `crypto sign` and `crypto verify`: which key, which mechanism, which data.
#[derive(Clone, Copy, Debug)]
pub struct SignRequest<'a> {
    pub key_filter: &'a Filter,
    pub mechanism: SignMechanism,
    pub hash: Hash,
    pub data_type: DataType,
    pub data: &'a [u8],
    /// The key-usage approval of a key whose use key quorum value is above 1.
    pub approval: Option<&'a Approval>,
}

/// `user replicate` and `key replicate`: the two clusters and the caller's login on each.
#[derive(Clone, Copy, Debug)]
pub struct Replication<'a> {
    pub source_cluster: &'a str,
    pub source_login: &'a super::Login,
    pub destination_cluster: &'a str,
    pub destination_login: &'a super::Login,
}

/// What `crypto sign` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub key_reference: KeyReference,
    pub signature: Vec<u8>,
}

/// `key wrap`: the key to wrap and the key that wraps it.
#[derive(Clone, Copy, Debug)]
pub struct WrapRequest<'a> {
    pub mechanism: &'a WrapMechanism,
    pub payload: &'a Filter,
    pub wrapping: &'a Filter,
    /// The key-management approvals of keys whose manage key quorum value is above 1.
    pub payload_approval: Option<&'a Approval>,
    pub wrapping_approval: Option<&'a Approval>,
}

/// What `key wrap` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedKey {
    pub payload_key_reference: KeyReference,
    pub wrapping_key_reference: KeyReference,
    pub data: Vec<u8>,
    /// The IV the HSM chose, for `aes-gcm`.
    pub iv: Option<Vec<u8>>,
}

/// `key unwrap`: the unwrapping key, the wrapped bytes, and the new key they become.
#[derive(Clone, Copy, Debug)]
pub struct UnwrapRequest<'a> {
    pub mechanism: &'a WrapMechanism,
    pub unwrapping: &'a Filter,
    pub data: &'a [u8],
    pub iv: Option<&'a [u8]>,
    pub key_type_class: KeyTypeClass,
    pub new_key: NewKeyOptions<'a>,
    /// The key-management approval of an unwrapping key whose manage key quorum value is
    /// above 1.
    pub approval: Option<&'a Approval>,
}

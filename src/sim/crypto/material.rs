//! Key material as bytes: secret (zeroized, never printed) and public (SubjectPublicKeyInfo DER),
//! plus [`AsymmetricKind`], what kind of asymmetric key a blob is.

use crate::backend::hsm::key::{Curve, KeyType};
use std::fmt;
use zeroize::Zeroizing;

/// The secret half of a key: the raw bytes of an AES or generic-secret key, or the PKCS#8
/// (RFC 5958 v1) DER of an RSA or EC private key.
///
/// Its memory is wiped on drop and `Debug` prints `[REDACTED]`; [`SecretMaterial::expose`] is
/// the one way to read it, so every use can be found with grep.
#[derive(Clone)]
pub struct SecretMaterial(Zeroizing<Vec<u8>>);

impl SecretMaterial {
    pub fn new(bytes: impl Into<Zeroizing<Vec<u8>>>) -> Self {
        Self(bytes.into())
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The CLI's `key-length-bytes` for symmetric and private keys: the raw key length, or the
    /// length of the PKCS#8 DER (1,216-1,219 bytes for RSA-2048, 122 for secp224r1, as the real
    /// CLI shows).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// A public key as X.509 SubjectPublicKeyInfo DER (RFC 5280), the form `openssl pkey -pubout`
/// writes. [`super::parse_public_der`] validates bytes from outside; [`PublicMaterial::new`]
/// trusts its caller (bytes this module produced earlier, read back from the store).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicMaterial(Vec<u8>);

impl PublicMaterial {
    pub fn new(spki_der: Vec<u8>) -> Self {
        Self(spki_der)
    }

    pub fn as_der(&self) -> &[u8] {
        &self.0
    }
}

/// What [`super::generate`] made: the secret, and for a key pair its public half.
#[derive(Debug)]
pub struct Generated {
    pub secret: SecretMaterial,
    pub public: Option<PublicMaterial>,
}

/// The algorithm of an asymmetric key, as read from its SubjectPublicKeyInfo or PKCS#8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsymmetricKind {
    Rsa,
    Ec(Curve),
}

impl AsymmetricKind {
    pub fn key_type(self) -> KeyType {
        match self {
            AsymmetricKind::Rsa => KeyType::Rsa,
            AsymmetricKind::Ec(_) => KeyType::Ec,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_material_never_prints_its_bytes() {
        let secret = SecretMaterial::new(vec![0x41; 16]);
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([REDACTED])");
        assert_eq!(secret.expose(), &[0x41; 16]);
        assert_eq!(secret.len(), 16);
        assert!(!secret.is_empty());
    }

    #[test]
    fn asymmetric_kinds_have_the_domain_key_types() {
        assert_eq!(AsymmetricKind::Rsa.key_type(), KeyType::Rsa);
        assert_eq!(AsymmetricKind::Ec(Curve::Secp384r1).key_type(), KeyType::Ec);
    }
}

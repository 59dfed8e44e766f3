//! What kind of key a key is: the `class`, `key-type` and `curve` attribute values with the
//! CLI's spellings, and the type-specific facts (RSA modulus, EC point) a key carries.

use std::fmt;

/// The `class` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyClass {
    SecretKey,
    PublicKey,
    PrivateKey,
}

impl KeyClass {
    pub const ALL: [KeyClass; 3] = [
        KeyClass::SecretKey,
        KeyClass::PublicKey,
        KeyClass::PrivateKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyClass::SecretKey => "secret-key",
            KeyClass::PublicKey => "public-key",
            KeyClass::PrivateKey => "private-key",
        }
    }

    pub fn parse(text: &str) -> Option<KeyClass> {
        KeyClass::ALL
            .into_iter()
            .find(|class| class.as_str() == text)
    }
}

impl fmt::Display for KeyClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `key-type` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    Aes,
    GenericSecret,
    Rsa,
    Ec,
}

impl KeyType {
    pub const ALL: [KeyType; 4] = [
        KeyType::Aes,
        KeyType::GenericSecret,
        KeyType::Rsa,
        KeyType::Ec,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Aes => "aes",
            KeyType::GenericSecret => "generic-secret",
            KeyType::Rsa => "rsa",
            KeyType::Ec => "ec",
        }
    }

    pub fn parse(text: &str) -> Option<KeyType> {
        KeyType::ALL
            .into_iter()
            .find(|key_type| key_type.as_str() == text)
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `curve` attribute of an EC key, spelled as `--curve` takes it. `prime256v1` and
/// `secp256r1` are two names of one curve; a key keeps the name it was generated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    Prime256v1,
    Secp256r1,
    Secp224r1,
    Secp384r1,
    Secp256k1,
    Secp521r1,
    /// Edwards25519: EdDSA keys (`ed25519`, `ed25519ph`), on hsm2m.medium non-FIPS clusters.
    Ed25519,
}

impl Curve {
    pub const ALL: [Curve; 7] = [
        Curve::Prime256v1,
        Curve::Secp256r1,
        Curve::Secp224r1,
        Curve::Secp384r1,
        Curve::Secp256k1,
        Curve::Secp521r1,
        Curve::Ed25519,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Curve::Prime256v1 => "prime256v1",
            Curve::Secp256r1 => "secp256r1",
            Curve::Secp224r1 => "secp224r1",
            Curve::Secp384r1 => "secp384r1",
            Curve::Secp256k1 => "secp256k1",
            Curve::Secp521r1 => "secp521r1",
            Curve::Ed25519 => "ed25519",
        }
    }

    pub fn parse(text: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|curve| curve.as_str() == text)
    }

    /// Whether keys on it sign with EdDSA rather than ECDSA.
    pub fn is_edwards(self) -> bool {
        self == Curve::Ed25519
    }

    /// Whether both names denote the same curve, so that a filter on `secp256r1` finds a key
    /// generated as `prime256v1`.
    pub fn is_same_curve(self, other: Curve) -> bool {
        let p256 = |curve| matches!(curve, Curve::Prime256v1 | Curve::Secp256r1);
        self == other || (p256(self) && p256(other))
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The public facts of an RSA key, shown on both halves of a pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaFacts {
    /// Big-endian, without leading zero bytes.
    pub modulus: Vec<u8>,
    /// Big-endian, without leading zero bytes: 65537 is `[0x01, 0x00, 0x01]`.
    pub public_exponent: Vec<u8>,
}

impl RsaFacts {
    /// Takes big-endian integers in any padding and keeps them minimal, so that the printed
    /// values do not depend on how the crypto layer encoded them.
    pub fn new(modulus: &[u8], public_exponent: &[u8]) -> RsaFacts {
        RsaFacts {
            modulus: strip_leading_zeros(modulus),
            public_exponent: strip_leading_zeros(public_exponent),
        }
    }

    /// The `modulus-size-bits` attribute: the bit length of the modulus.
    pub fn modulus_size_bits(&self) -> u64 {
        match self.modulus.first() {
            None => 0,
            Some(&first) => {
                (self.modulus.len() as u64 - 1) * 8 + u64::from(u8::BITS - first.leading_zeros())
            }
        }
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

/// The public facts of an EC key, shown on both halves of a pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcFacts {
    pub curve: Curve,
    /// The DER-encoded X9.62 point (`0x04...` when uncompressed), as the `ec-point` attribute
    /// shows it.
    pub ec_point: Vec<u8>,
}

/// What kind of key a key is, with the facts that only some kinds have. Holding the facts
/// inside the kind means an AES key cannot carry a modulus by mistake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Aes,
    GenericSecret,
    Rsa(RsaFacts),
    Ec(EcFacts),
}

impl KeyKind {
    pub fn key_type(&self) -> KeyType {
        match self {
            KeyKind::Aes => KeyType::Aes,
            KeyKind::GenericSecret => KeyType::GenericSecret,
            KeyKind::Rsa(_) => KeyType::Rsa,
            KeyKind::Ec(_) => KeyType::Ec,
        }
    }

    pub fn is_secret(&self) -> bool {
        matches!(self, KeyKind::Aes | KeyKind::GenericSecret)
    }
}

/// The kinds `key generate-symmetric` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKeyType {
    Aes,
    GenericSecret,
}

impl From<SecretKeyType> for KeyKind {
    fn from(secret: SecretKeyType) -> KeyKind {
        match secret {
            SecretKeyType::Aes => KeyKind::Aes,
            SecretKeyType::GenericSecret => KeyKind::GenericSecret,
        }
    }
}

/// The kinds that come in pairs (`key generate-asymmetric-pair`, `key import pem`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsymmetricFacts {
    Rsa(RsaFacts),
    Ec(EcFacts),
}

impl From<AsymmetricFacts> for KeyKind {
    fn from(facts: AsymmetricFacts) -> KeyKind {
        match facts {
            AsymmetricFacts::Rsa(rsa) => KeyKind::Rsa(rsa),
            AsymmetricFacts::Ec(ec) => KeyKind::Ec(ec),
        }
    }
}

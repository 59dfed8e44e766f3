//! What the attribute table shows about a public key (modulus, exponent, curve, EC point, size),
//! read from its SubjectPublicKeyInfo, and which algorithm a key blob belongs to.

use super::crypto_error;
use super::curve::{CurveCrypto, ED25519, curve_from_oid};
use super::material::{AsymmetricKind, PublicMaterial, SecretMaterial};
use super::sign::SigningKey;
use crate::backend::hsm::key::Curve;
use crate::error::Result;
use der::Decode;
use der::asn1::ObjectIdentifier;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

/// `rsaEncryption` (RFC 8017 appendix C).
pub(super) const RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// `id-ecPublicKey` (RFC 5480 §2.1.1).
pub(super) const EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// The type-specific attributes of a public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicFacts {
    /// Big-endian magnitudes without leading zeros (`modulus`, `public-exponent` = `0x010001`).
    Rsa {
        modulus: Vec<u8>,
        public_exponent: Vec<u8>,
        modulus_bits: usize,
    },
    /// `ec-point`: the uncompressed X9.62 point `04 ‖ x ‖ y`; for Ed25519 the 32-byte key.
    Ec { curve: Curve, point: Vec<u8> },
}

impl PublicFacts {
    /// The CLI's `key-length-bytes` for a public key. For EC it is the X9.62 point (57 for
    /// secp224r1, as the real CLI shows). For RSA the CLI shows 512 for a 2048-bit key, which is
    /// the modulus and the exponent each in a modulus-sized field: twice the modulus bytes.
    pub fn key_length_bytes(&self) -> usize {
        match self {
            PublicFacts::Rsa { modulus_bits, .. } => 2 * modulus_bits.div_ceil(8),
            PublicFacts::Ec { point, .. } => point.len(),
        }
    }

    pub fn kind(&self) -> AsymmetricKind {
        match self {
            PublicFacts::Rsa { .. } => AsymmetricKind::Rsa,
            PublicFacts::Ec { curve, .. } => AsymmetricKind::Ec(*curve),
        }
    }
}

/// Reads the attributes of an RSA or EC SubjectPublicKeyInfo. Only uncompressed EC points are
/// accepted, since `ec-point` shows that form.
pub fn public_facts(public: &PublicMaterial) -> Result<PublicFacts> {
    let invalid = |what: &str| crypto_error(format!("Invalid public key: {what}"));
    let spki = SubjectPublicKeyInfoRef::from_der(public.as_der())
        .map_err(|_| invalid("not a DER SubjectPublicKeyInfo"))?;
    let key_bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| invalid("the key bit string is not whole bytes"))?;
    match kind_of(&spki.algorithm)? {
        AsymmetricKind::Rsa => {
            let key = pkcs1::RsaPublicKey::from_der(key_bits)
                .map_err(|_| invalid("not a DER RSAPublicKey"))?;
            let modulus = key.modulus.as_bytes().to_vec();
            let leading_zero_bits = modulus.first().map_or(8, |byte| byte.leading_zeros());
            let modulus_bits = modulus.len() * 8 - leading_zero_bits as usize;
            Ok(PublicFacts::Rsa {
                modulus,
                public_exponent: key.public_exponent.as_bytes().to_vec(),
                modulus_bits,
            })
        }
        AsymmetricKind::Ec(curve) if curve.is_edwards() => {
            if key_bits.len() != curve.uncompressed_point_len() {
                return Err(invalid("an Ed25519 public key is 32 bytes"));
            }
            Ok(PublicFacts::Ec {
                curve,
                point: key_bits.to_vec(),
            })
        }
        AsymmetricKind::Ec(curve) => {
            if key_bits.len() != curve.uncompressed_point_len() || key_bits[0] != 0x04 {
                return Err(invalid(&format!(
                    "the {} point is not an uncompressed X9.62 point",
                    curve.as_str()
                )));
            }
            Ok(PublicFacts::Ec {
                curve,
                point: key_bits.to_vec(),
            })
        }
    }
}

/// The public half of a private key (PKCS#8 DER): what a private key that arrives alone, by
/// unwrap, needs for its check value and for `key generate-file`.
pub fn public_from_private(private: &SecretMaterial) -> Result<PublicMaterial> {
    SigningKey::from_material(private)?.public_material()
}

/// The algorithm a PKCS#8 private key belongs to.
pub(super) fn private_key_kind(private: &SecretMaterial) -> Result<AsymmetricKind> {
    let info = pkcs8::PrivateKeyInfo::from_der(private.expose())
        .map_err(|_| crypto_error("Invalid private key: not a DER PKCS#8 PrivateKeyInfo"))?;
    kind_of(&info.algorithm)
}

/// RSA, or EC on one of the CLI's curves; anything else is refused by name.
fn kind_of(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<AsymmetricKind> {
    if algorithm.oid == RSA_ENCRYPTION {
        return Ok(AsymmetricKind::Rsa);
    }
    if algorithm.oid == ED25519 {
        return Ok(AsymmetricKind::Ec(Curve::Ed25519));
    }
    if algorithm.oid != EC_PUBLIC_KEY {
        return Err(crypto_error(format!(
            "Unsupported key algorithm {}: only RSA, EC and Ed25519 keys are supported",
            algorithm.oid
        )));
    }
    let curve_oid = algorithm.parameters_oid().map_err(|_| {
        crypto_error("Unsupported EC key: only named curves are supported, not explicit parameters")
    })?;
    curve_from_oid(&curve_oid).map(AsymmetricKind::Ec).ok_or_else(|| {
        crypto_error(format!(
            "Unsupported EC curve {curve_oid}: use secp224r1, prime256v1 (secp256r1), secp384r1, \
             secp521r1 or secp256k1"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::super::generate::generate;
    use super::*;
    use crate::backend::hsm::mechanism::KeySpec;

    #[test]
    fn rsa_2048_public_key_length_is_512_as_the_cli_shows() {
        let generated = generate(&KeySpec::Rsa {
            modulus_bits: 2048,
            public_exponent: 65537,
        })
        .unwrap();
        let facts = public_facts(generated.public.as_ref().unwrap()).unwrap();
        assert_eq!(facts.key_length_bytes(), 512);
        assert_eq!(facts.kind(), AsymmetricKind::Rsa);
    }

    #[test]
    fn the_public_half_is_recovered_from_the_private_half() {
        for spec in [
            KeySpec::Rsa {
                modulus_bits: 2048,
                public_exponent: 65537,
            },
            KeySpec::Ec {
                curve: Curve::Secp224r1,
            },
            KeySpec::Ec {
                curve: Curve::Secp521r1,
            },
            KeySpec::Ec {
                curve: Curve::Secp256k1,
            },
        ] {
            let generated = generate(&spec).unwrap();
            let recovered = public_from_private(&generated.secret).unwrap();
            assert_eq!(
                public_facts(&recovered).unwrap(),
                public_facts(generated.public.as_ref().unwrap()).unwrap()
            );
        }
    }

    #[test]
    fn garbage_and_symmetric_bytes_are_refused() {
        let error = public_facts(&PublicMaterial::new(vec![1, 2, 3])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid public key: not a DER SubjectPublicKeyInfo"
        );
        let error = public_from_private(&SecretMaterial::new(vec![7; 32])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid private key: not a DER PKCS#8 PrivateKeyInfo"
        );
    }
}

//! Key generation: random bytes for symmetric keys, aws-lc-rs for RSA and most curves, and
//! RustCrypto's `p224` for secp224r1.

use super::curve::{CurveCrypto, CurveEngine};
use super::material::{Generated, PublicMaterial, SecretMaterial};
use super::{crypto_error, random_bytes};
use crate::backend::hsm::key::Curve;
use crate::backend::hsm::mechanism::KeySpec;
use crate::error::Result;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair};
use p224::pkcs8::{EncodePrivateKey, EncodePublicKey};
use zeroize::Zeroizing;

/// Makes a fresh key for `spec` (validated first).
pub fn generate(spec: &KeySpec) -> Result<Generated> {
    spec.validate()?;
    match *spec {
        KeySpec::Aes { bytes } | KeySpec::GenericSecret { bytes } => Ok(Generated {
            secret: SecretMaterial::new(random_bytes(bytes)?),
            public: None,
        }),
        KeySpec::Rsa { modulus_bits, .. } => generate_rsa(modulus_bits),
        KeySpec::Ec { curve } => generate_ec(curve),
    }
}

fn generate_rsa(modulus_bits: usize) -> Result<Generated> {
    // `KeySpec::validate` admits exactly these four sizes.
    let size = match modulus_bits {
        2048 => KeySize::Rsa2048,
        3072 => KeySize::Rsa3072,
        4096 => KeySize::Rsa4096,
        _ => KeySize::Rsa8192,
    };
    let failed = |_| crypto_error("RSA key generation failed");
    let pair = RsaKeyPair::generate(size).map_err(failed)?;
    let private: Pkcs8V1Der<'_> = pair.as_der().map_err(failed)?;
    let public: PublicKeyX509Der<'_> = pair.public_key().as_der().map_err(failed)?;
    Ok(Generated {
        secret: SecretMaterial::new(private.as_ref().to_vec()),
        public: Some(PublicMaterial::new(public.as_ref().to_vec())),
    })
}

fn generate_ec(curve: Curve) -> Result<Generated> {
    let failed = || crypto_error(format!("EC key generation on {} failed", curve.as_str()));
    match curve.engine() {
        CurveEngine::AwsLc { signing, .. } => {
            let pair = EcdsaKeyPair::generate(signing).map_err(|_| failed())?;
            let private = pair.to_pkcs8v1().map_err(|_| failed())?;
            let public: PublicKeyX509Der<'_> = pair.public_key().as_der().map_err(|_| failed())?;
            Ok(Generated {
                secret: SecretMaterial::new(private.as_ref().to_vec()),
                public: Some(PublicMaterial::new(public.as_ref().to_vec())),
            })
        }
        CurveEngine::Ed25519 => {
            let rng = aws_lc_rs::rand::SystemRandom::new();
            let private = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8v1(&rng)
                .map_err(|_| failed())?;
            let pair =
                aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(private.as_ref())
                    .map_err(|_| failed())?;
            let public: PublicKeyX509Der<'_> = pair.public_key().as_der().map_err(|_| failed())?;
            Ok(Generated {
                secret: SecretMaterial::new(private.as_ref().to_vec()),
                public: Some(PublicMaterial::new(public.as_ref().to_vec())),
            })
        }
        CurveEngine::RustCryptoP224 => {
            let secret = random_p224_secret()?;
            let private = secret.to_pkcs8_der().map_err(|_| failed())?;
            let public = secret
                .public_key()
                .to_public_key_der()
                .map_err(|_| failed())?;
            Ok(Generated {
                secret: SecretMaterial::new(private.as_bytes().to_vec()),
                public: Some(PublicMaterial::new(public.into_vec())),
            })
        }
    }
}

/// A uniformly random P-224 scalar by rejection sampling (FIPS 186-5 A.2.2): draw 28 bytes from
/// the system generator until they form a scalar in `[1, n-1]`. One draw in 2^112 is rejected,
/// so the loop is there for correctness, not speed.
fn random_p224_secret() -> Result<p224::SecretKey> {
    loop {
        let candidate: Zeroizing<Vec<u8>> = random_bytes(Curve::Secp224r1.field_bytes())?;
        if let Ok(secret) = p224::SecretKey::from_slice(&candidate) {
            return Ok(secret);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::facts::{PublicFacts, public_facts};
    use super::*;

    #[test]
    fn symmetric_keys_have_the_asked_length_and_differ() {
        for spec in [
            KeySpec::Aes { bytes: 16 },
            KeySpec::Aes { bytes: 24 },
            KeySpec::Aes { bytes: 32 },
            KeySpec::GenericSecret { bytes: 1 },
            KeySpec::GenericSecret { bytes: 800 },
        ] {
            let first = generate(&spec).unwrap();
            let second = generate(&spec).unwrap();
            let (KeySpec::Aes { bytes } | KeySpec::GenericSecret { bytes }) = spec else {
                unreachable!("only symmetric specs are listed")
            };
            assert_eq!(first.secret.len(), bytes);
            assert!(first.public.is_none());
            if bytes > 8 {
                assert_ne!(first.secret.expose(), second.secret.expose());
            }
        }
    }

    #[test]
    fn rsa_pairs_have_the_asked_modulus_and_f4() {
        for modulus_bits in [2048, 3072] {
            let generated = generate(&KeySpec::Rsa {
                modulus_bits,
                public_exponent: 65537,
            })
            .unwrap();
            let facts = public_facts(generated.public.as_ref().unwrap()).unwrap();
            let PublicFacts::Rsa {
                modulus,
                public_exponent,
                modulus_bits: bits,
            } = facts
            else {
                panic!("an RSA spec made {facts:?}")
            };
            assert_eq!(bits, modulus_bits);
            assert_eq!(modulus.len() * 8, modulus_bits);
            assert_eq!(public_exponent, [0x01, 0x00, 0x01]);
        }
    }

    #[test]
    fn rsa_2048_private_key_length_matches_the_cli() {
        // The real CLI shows 1217-1219 for an RSA-2048 private key: the PKCS#8 DER size, which
        // varies by a few bytes from key to key because DER integers drop leading zero bytes and
        // add one before a set top bit (six 1024- and 2048-bit integers).
        let generated = generate(&KeySpec::Rsa {
            modulus_bits: 2048,
            public_exponent: 65537,
        })
        .unwrap();
        assert!(
            (1205..=1225).contains(&generated.secret.len()),
            "{}",
            generated.secret.len()
        );
    }

    #[test]
    fn ec_pairs_are_on_the_asked_curve() {
        for curve in Curve::ALL {
            let generated = generate(&KeySpec::Ec { curve }).unwrap();
            let facts = public_facts(generated.public.as_ref().unwrap()).unwrap();
            let PublicFacts::Ec {
                curve: found,
                point,
            } = facts
            else {
                panic!("an EC spec made {facts:?}")
            };
            assert!(found.is_same_curve(curve));
            assert_eq!(point.len(), curve.uncompressed_point_len());
            if !curve.is_edwards() {
                assert_eq!(point[0], 0x04);
            }
        }
    }

    #[test]
    fn secp224r1_sizes_match_the_cli() {
        // The real CLI shows 57 (public) and 122 (private) for a secp224r1 pair.
        let generated = generate(&KeySpec::Ec {
            curve: Curve::Secp224r1,
        })
        .unwrap();
        let facts = public_facts(generated.public.as_ref().unwrap()).unwrap();
        assert_eq!(facts.key_length_bytes(), 57);
        assert_eq!(generated.secret.len(), 122);
    }

    #[test]
    fn refused_specs_generate_nothing() {
        assert!(generate(&KeySpec::Aes { bytes: 8 }).is_err());
        assert!(
            generate(&KeySpec::Rsa {
                modulus_bits: 2048,
                public_exponent: 3
            })
            .is_err()
        );
    }
}

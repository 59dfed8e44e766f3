//! PEM files: public keys in and out (`key generate-file --encoding pem`, `key import pem`) and
//! the reference PEM of `key generate-file --encoding reference-pem`.
//!
//! A reference PEM (CloudHSM's "fake PEM") lets a web server hand TLS private-key operations to
//! the HSM: it looks like a private key file but holds a key reference instead of the secret.
//! AWS does not document its bytes, so the simulator's format is its own, built so that
//! ordinary tools read it and derive the right public key from it (CSRs and certificates made
//! from it carry the HSM key's public half):
//!
//! - RSA: `-----BEGIN RSA PRIVATE KEY-----`, a PKCS#1 RSAPrivateKey with the real modulus and
//!   public exponent, and the key reference in each of the six private fields (private
//!   exponent, both primes, both CRT exponents, the coefficient).
//! - EC: `-----BEGIN EC PRIVATE KEY-----`, a SEC 1 ECPrivateKey whose private scalar is the key
//!   reference (big-endian, zero-extended to the curve's scalar size), with the named curve and
//!   the real public point.
//!
//! No real private key has private fields that small, which is how [`parse_reference_pem`]
//! tells a reference from a key.

use super::crypto_error;
use super::curve::{CurveCrypto, CurveEngine, curve_from_oid};
use super::facts::{PublicFacts, public_facts};
use super::material::PublicMaterial;
use crate::error::Result;
use aws_lc_rs::signature::UnparsedPublicKey;
use der::asn1::UintRef;
use der::pem::{self, LineEnding};
use der::{Decode, Encode};
use p224::pkcs8::DecodePublicKey;
use sec1::{EcParameters, EcPrivateKey};

const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";
const RSA_PRIVATE_KEY_LABEL: &str = "RSA PRIVATE KEY";
const EC_PRIVATE_KEY_LABEL: &str = "EC PRIVATE KEY";

/// The RSA moduli the simulator verifies with (aws-lc-rs's range).
const RSA_IMPORT_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo), as `openssl pkey -pubout` writes it.
pub fn public_pem(public: &PublicMaterial) -> String {
    encode(PUBLIC_KEY_LABEL, public.as_der())
}

/// The reason [`decode_strict`] gives for text with no PEM armour at all.
pub const NOT_PEM: &str = "it is not PEM";

/// The label and DER of the one PEM block that is all of `text`, read strictly (RFC 7468's
/// strict grammar): only whitespace around the armour, no explanatory text, one block, the
/// `-----END` label equal to the `-----BEGIN` label, and valid base64. The reason otherwise,
/// [`NOT_PEM`] when there is no armour at all. Whether the DER is whole is the caller's to
/// check, as only it knows the type inside.
pub fn decode_strict(text: &str) -> std::result::Result<(String, Vec<u8>), &'static str> {
    const BEGIN: &str = "-----BEGIN ";
    let text = text.trim();
    if !text.starts_with(BEGIN) {
        return Err(if text.contains(BEGIN) {
            "it has text before its -----BEGIN line"
        } else {
            NOT_PEM
        });
    }
    if text.matches(BEGIN).count() > 1 {
        return Err("it holds more than one PEM block");
    }
    if !text.ends_with("-----") {
        return Err("text follows its -----END line");
    }
    let (label, der) = pem::decode_vec(text.as_bytes()).map_err(|error| match error {
        pem::Error::PostEncapsulationBoundary => {
            "its -----END line does not match its -----BEGIN line"
        }
        pem::Error::Base64(_) | pem::Error::EncapsulatedText => "its base64 is not valid",
        pem::Error::HeaderDisallowed => "it has headers, which RFC 7468 does not allow",
        _ => "its -----BEGIN line is malformed",
    })?;
    Ok((label.to_owned(), der))
}

/// Reads an SPKI PEM of an RSA or EC key (see [`parse_public_der`] for what is accepted).
pub fn parse_public_pem(text: &str) -> Result<PublicMaterial> {
    let (label, der) = decode_strict(text).map_err(|reason| {
        crypto_error(if reason == NOT_PEM {
            "The file is not a PEM file".to_owned()
        } else {
            format!("The PEM file is malformed: {reason}")
        })
    })?;
    if label != PUBLIC_KEY_LABEL {
        return Err(crypto_error(format!(
            "Expected a -----BEGIN PUBLIC KEY----- PEM, found {label}: convert it with \
             openssl pkey -pubout (or openssl rsa -RSAPublicKey_in -pubout)"
        )));
    }
    parse_public_der(&der)
}

/// Validates a SubjectPublicKeyInfo from outside: an RSA key of 2048 to 8192 bits, or an
/// uncompressed point on one of the CLI's curves.
pub fn parse_public_der(der: &[u8]) -> Result<PublicMaterial> {
    let public = PublicMaterial::new(der.to_vec());
    let valid = match public_facts(&public)? {
        PublicFacts::Rsa { modulus_bits, .. } => {
            if !RSA_IMPORT_BITS.contains(&modulus_bits) {
                return Err(crypto_error(format!(
                    "RSA public keys of {modulus_bits} bits are not supported: use 2048 to 8192 bits"
                )));
            }
            aws_lc_rs::rsa::PublicKey::from_der(der).is_ok()
        }
        PublicFacts::Ec { curve, .. } => match curve.engine() {
            CurveEngine::AwsLc { verification, .. } => {
                UnparsedPublicKey::new(verification, der).parse().is_ok()
            }
            CurveEngine::RustCryptoP224 => p224::PublicKey::from_public_key_der(der).is_ok(),
            CurveEngine::Ed25519 => {
                aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, der)
                    .parse()
                    .is_ok()
            }
        },
    };
    if !valid {
        return Err(crypto_error(
            "Invalid public key: it is not a valid point or modulus",
        ));
    }
    Ok(public)
}

/// The reference PEM of the private key `key_reference`, whose public half is `public`.
pub fn reference_pem(key_reference: u64, public: &PublicMaterial) -> Result<String> {
    let reference = key_reference.to_be_bytes();
    let failed = |_| crypto_error("Encoding the reference PEM failed");
    match public_facts(public)? {
        PublicFacts::Rsa {
            modulus,
            public_exponent,
            ..
        } => {
            let reference = UintRef::new(&reference).map_err(failed)?;
            let key = pkcs1::RsaPrivateKey {
                modulus: UintRef::new(&modulus).map_err(failed)?,
                public_exponent: UintRef::new(&public_exponent).map_err(failed)?,
                private_exponent: reference,
                prime1: reference,
                prime2: reference,
                exponent1: reference,
                exponent2: reference,
                coefficient: reference,
                other_prime_infos: None,
            };
            Ok(encode(
                RSA_PRIVATE_KEY_LABEL,
                &key.to_der().map_err(failed)?,
            ))
        }
        PublicFacts::Ec { curve, point } => {
            let mut scalar = vec![0u8; curve.field_bytes()];
            let start = scalar.len() - reference.len();
            scalar[start..].copy_from_slice(&reference);
            let key = EcPrivateKey {
                private_key: &scalar,
                parameters: Some(EcParameters::NamedCurve(curve.ec_params_oid())),
                public_key: Some(&point),
            };
            Ok(encode(EC_PRIVATE_KEY_LABEL, &key.to_der().map_err(failed)?))
        }
    }
}

/// The key reference in a reference PEM made by [`reference_pem`].
pub fn parse_reference_pem(text: &str) -> Result<u64> {
    let not_a_reference = || crypto_error("The file is not a reference PEM");
    let (label, der) = pem::decode_vec(text.trim().as_bytes()).map_err(|_| not_a_reference())?;
    match label {
        RSA_PRIVATE_KEY_LABEL => {
            let key = pkcs1::RsaPrivateKey::from_der(&der).map_err(|_| not_a_reference())?;
            let fields = [
                key.private_exponent,
                key.prime1,
                key.prime2,
                key.exponent1,
                key.exponent2,
                key.coefficient,
            ];
            if fields.iter().any(|field| *field != key.private_exponent) {
                return Err(not_a_reference());
            }
            small_integer(key.private_exponent.as_bytes()).ok_or_else(not_a_reference)
        }
        EC_PRIVATE_KEY_LABEL => {
            let key = EcPrivateKey::from_der(&der).map_err(|_| not_a_reference())?;
            let curve_known = key
                .parameters
                .and_then(|parameters| parameters.named_curve())
                .and_then(|oid| curve_from_oid(&oid))
                .is_some();
            if !curve_known {
                return Err(not_a_reference());
            }
            small_integer(key.private_key).ok_or_else(not_a_reference)
        }
        _ => Err(not_a_reference()),
    }
}

/// A big-endian integer that fits in 64 bits.
fn small_integer(bytes: &[u8]) -> Option<u64> {
    let significant = &bytes[bytes.iter().position(|&byte| byte != 0)?..];
    let mut value = [0u8; 8];
    let start = value.len().checked_sub(significant.len())?;
    value[start..].copy_from_slice(significant);
    Some(u64::from_be_bytes(value))
}

fn encode(label: &str, der: &[u8]) -> String {
    // The labels are constants of this module, valid under RFC 7468, so encoding cannot fail.
    pem::encode_string(label, LineEnding::LF, der).expect("a constant RFC 7468 label encodes")
}

#[cfg(test)]
mod tests {
    use super::super::generate::generate;
    use super::*;
    use crate::backend::hsm::key::Curve;
    use crate::backend::hsm::mechanism::KeySpec;

    #[test]
    fn public_pem_round_trips_for_every_key_kind() {
        let mut specs = vec![KeySpec::Rsa {
            modulus_bits: 2048,
            public_exponent: 65537,
        }];
        specs.extend(Curve::ALL.map(|curve| KeySpec::Ec { curve }));
        for spec in specs {
            let public = generate(&spec).unwrap().public.unwrap();
            let text = public_pem(&public);
            assert!(text.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{text}");
            assert!(text.ends_with("-----END PUBLIC KEY-----\n"), "{text}");
            assert_eq!(parse_public_pem(&text).unwrap(), public);
        }
    }

    #[test]
    fn reference_pems_carry_the_reference_and_the_public_key() {
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
        ] {
            let public = generate(&spec).unwrap().public.unwrap();
            for reference in [1, 0x0000_0000_001c_0686, u64::MAX] {
                let text = reference_pem(reference, &public).unwrap();
                assert_eq!(parse_reference_pem(&text).unwrap(), reference);
            }
            let text = reference_pem(0x7008db, &public).unwrap();
            let expected_label = match spec {
                KeySpec::Rsa { .. } => "-----BEGIN RSA PRIVATE KEY-----\n",
                _ => "-----BEGIN EC PRIVATE KEY-----\n",
            };
            assert!(text.starts_with(expected_label), "{text}");
        }
    }

    #[test]
    fn wrong_pems_are_refused_with_a_hint() {
        assert_eq!(
            parse_public_pem("not pem").unwrap_err().to_string(),
            "The file is not a PEM file"
        );
        let certificate_like = encode("CERTIFICATE", &[0x30, 0x00]);
        assert_eq!(
            parse_public_pem(&certificate_like).unwrap_err().to_string(),
            "Expected a -----BEGIN PUBLIC KEY----- PEM, found CERTIFICATE: convert it with \
             openssl pkey -pubout (or openssl rsa -RSAPublicKey_in -pubout)"
        );
        assert!(parse_reference_pem(&certificate_like).is_err());
    }

    #[test]
    fn points_off_the_curve_are_refused() {
        for curve in [Curve::Secp256r1, Curve::Secp224r1] {
            let public = generate(&KeySpec::Ec { curve }).unwrap().public.unwrap();
            let mut der = public.as_der().to_vec();
            let last = der.len() - 1;
            der[last] ^= 1;
            assert_eq!(
                parse_public_der(&der).unwrap_err().to_string(),
                "Invalid public key: it is not a valid point or modulus"
            );
        }
    }
}

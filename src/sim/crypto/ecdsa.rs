//! ECDSA over every CLI hash on every CLI curve, with fixed-size `r ‖ s` signatures.
//!
//! aws-lc-rs binds each curve to one digest (P-256 and secp256k1 to SHA-256, P-384 to SHA-384,
//! P-521 to SHA-512) but signs a given digest value with `sign_digest`. ECDSA itself signs any
//! hash: it turns the hash into an integer from its leftmost bits, as many as the group order
//! has (SEC 1 v2 §4.1.3 step 5, FIPS 186-5 §6.4.1). So a hash of another length is fitted to
//! the bound digest's length without changing that integer: a longer hash keeps its leftmost
//! bytes (the bound length is the order's byte length on P-256, P-384 and secp256k1, all whole
//! bytes), a shorter one gains leading zero bytes (which do not change an integer; P-521's
//! 521-bit order exceeds every hash, so no hash is ever cut there). OpenSSL does the same
//! conversion, which the interop tests check for every curve and hash. P-224 uses RustCrypto's
//! prehash signer, which performs this conversion itself.

use super::crypto_error;
use super::curve::{CurveCrypto, CurveEngine};
use super::material::PublicMaterial;
use super::sign::prehash;
use crate::backend::hsm::key::Curve;
use crate::backend::hsm::mechanism::{DataType, Hash};
use crate::error::Result;
use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::signature::{EcdsaKeyPair, UnparsedPublicKey};
use p224::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p224::pkcs8::DecodePublicKey;

/// Signs with an aws-lc-rs pair whose algorithm is bound to `digest`.
pub(super) fn sign_with_aws_lc(
    pair: &EcdsaKeyPair,
    curve: Curve,
    digest: &'static digest::Algorithm,
    hash: Hash,
    data_type: DataType,
    data: &[u8],
) -> Result<Vec<u8>> {
    let fitted = fit_digest(prehash(hash, data_type, data)?.as_ref(), digest)?;
    let signature = pair
        .sign_digest(&fitted)
        .map_err(|_| crypto_error(format!("ECDSA signing on {} failed", curve.as_str())))?;
    Ok(signature.as_ref().to_vec())
}

pub(super) fn sign_with_p224(
    key: &p224::ecdsa::SigningKey,
    hash: Hash,
    data_type: DataType,
    data: &[u8],
) -> Result<Vec<u8>> {
    let hashed = prehash(hash, data_type, data)?;
    let signature: p224::ecdsa::Signature = key
        .sign_prehash(hashed.as_ref())
        .map_err(|_| crypto_error("ECDSA signing on secp224r1 failed"))?;
    Ok(signature.to_bytes().to_vec())
}

pub(super) fn verify(
    public: &PublicMaterial,
    curve: Curve,
    hash: Hash,
    data_type: DataType,
    data: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let hashed = prehash(hash, data_type, data)?;
    if signature.len() != 2 * curve.field_bytes() {
        return Ok(false);
    }
    match curve.engine() {
        CurveEngine::AwsLc {
            verification,
            digest,
            ..
        } => {
            let fitted = fit_digest(hashed.as_ref(), digest)?;
            let key = UnparsedPublicKey::new(verification, public.as_der());
            Ok(key.verify_digest(&fitted, signature).is_ok())
        }
        CurveEngine::RustCryptoP224 => {
            let key = p224::ecdsa::VerifyingKey::from_public_key_der(public.as_der())
                .map_err(|_| crypto_error("Invalid secp224r1 public key"))?;
            let Ok(signature) = p224::ecdsa::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(key.verify_prehash(hashed.as_ref(), &signature).is_ok())
        }
        CurveEngine::Ed25519 => Err(super::sign::wrong_key_kind(
            &crate::backend::hsm::mechanism::SignMechanism::Ecdsa,
            super::material::AsymmetricKind::Ec(curve),
        )),
    }
}

/// `hash` as a digest of `bound`'s length denoting the same ECDSA integer (see the module
/// documentation for why cutting or zero-extending is exact on these curves).
fn fit_digest(hash: &[u8], bound: &'static digest::Algorithm) -> Result<Digest> {
    let length = bound.output_len();
    let mut fitted = vec![0u8; length];
    if hash.len() >= length {
        fitted.copy_from_slice(&hash[..length]);
    } else {
        fitted[length - hash.len()..].copy_from_slice(hash);
    }
    Digest::import_less_safe(&fitted, bound)
        .map_err(|_| crypto_error("Preparing the ECDSA digest failed"))
}

#[cfg(test)]
mod tests {
    use super::super::generate::generate;
    use super::super::hash::HashCrypto;
    use super::super::sign::{SigningKey, verify as verify_signature};
    use super::*;
    use crate::backend::hsm::mechanism::{KeySpec, SignMechanism};

    #[test]
    fn every_curve_hash_and_data_type_round_trips() {
        for curve in Curve::ALL.into_iter().filter(|curve| !curve.is_edwards()) {
            let generated = generate(&KeySpec::Ec { curve }).unwrap();
            let public = generated.public.unwrap();
            let key = SigningKey::from_material(&generated.secret).unwrap();
            for hash in Hash::ALL {
                let message = b"the quick brown fox".as_slice();
                let digest = hash.digest(message);
                for (data_type, data) in [
                    (DataType::Raw, message),
                    (DataType::Digest, digest.as_ref()),
                ] {
                    let signature = key
                        .sign(&SignMechanism::Ecdsa, hash, data_type, data)
                        .unwrap();
                    assert_eq!(signature.len(), 2 * curve.field_bytes(), "{curve:?}");
                    let check = |data: &[u8], signature: &[u8]| {
                        verify_signature(
                            &SignMechanism::Ecdsa,
                            hash,
                            data_type,
                            &public,
                            data,
                            signature,
                        )
                        .unwrap()
                    };
                    assert!(check(data, &signature), "{curve:?} {hash:?} {data_type:?}");
                    let mut tampered_data = data.to_vec();
                    tampered_data[0] ^= 1;
                    assert!(!check(&tampered_data, &signature));
                    let mut tampered_signature = signature.clone();
                    tampered_signature[5] ^= 1;
                    assert!(!check(data, &tampered_signature));
                    assert!(!check(data, &signature[1..]));
                }
                // Raw and digest input sign the same thing: each verifies as the other.
                let signature = key
                    .sign(&SignMechanism::Ecdsa, hash, DataType::Raw, message)
                    .unwrap();
                assert!(
                    verify_signature(
                        &SignMechanism::Ecdsa,
                        hash,
                        DataType::Digest,
                        &public,
                        digest.as_ref(),
                        &signature
                    )
                    .unwrap()
                );
            }
        }
    }

    #[test]
    fn a_digest_of_the_wrong_length_is_refused() {
        let generated = generate(&KeySpec::Ec {
            curve: Curve::Secp256r1,
        })
        .unwrap();
        let error = super::super::sign::sign(
            &SignMechanism::Ecdsa,
            Hash::Sha384,
            DataType::Digest,
            &generated.secret,
            &[0; 32],
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "A sha384 digest is 48 bytes, but the data is 32 bytes"
        );
    }

    #[test]
    fn fitting_keeps_leftmost_bytes_or_adds_leading_zeros() {
        let long = [0xab; 64];
        assert_eq!(
            fit_digest(&long, &digest::SHA256).unwrap().as_ref(),
            &[0xab; 32]
        );
        let short = [0xcd; 20];
        let fitted = fit_digest(&short, &digest::SHA512).unwrap();
        assert_eq!(&fitted.as_ref()[..44], &[0; 44]);
        assert_eq!(&fitted.as_ref()[44..], &short);
    }
}

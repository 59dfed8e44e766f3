//! `crypto sign` and `crypto verify`: the mechanisms `rsa-pkcs`, `rsa-pkcs-pss`, `ecdsa`,
//! `ed25519` and `ed25519ph` over raw data or a digest, with a parsed key that a caller keeps for
//! fast repeated signing.

use super::curve::{CurveCrypto, CurveEngine};
use super::eddsa::Ed25519Signer;
use super::facts::PublicFacts;
use super::facts::{private_key_kind, public_facts};
use super::hash::HashCrypto;
use super::material::{AsymmetricKind, PublicMaterial, SecretMaterial};
use super::{crypto_error, ecdsa, eddsa, rsa_signature};
use crate::backend::hsm::key::Curve;
use crate::backend::hsm::mechanism::{DataType, Hash, SignMechanism};
use crate::error::{Error, Result};
use aws_lc_rs::digest::Digest;
use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair};
use p224::pkcs8::{DecodePrivateKey, EncodePublicKey};
use std::fmt;

/// A private key parsed once from its PKCS#8, ready to sign many times. Parsing dominates a
/// one-shot signature, so callers that sign repeatedly with one key should keep this.
pub struct SigningKey {
    engine: SigningEngine,
}

enum SigningEngine {
    Rsa(RsaKeyPair),
    AwsLcEcdsa {
        curve: Curve,
        pair: EcdsaKeyPair,
        /// The digest the pair's algorithm is bound to (see `ecdsa` for how hashes fit it).
        digest: &'static aws_lc_rs::digest::Algorithm,
    },
    P224(p224::ecdsa::SigningKey),
    Ed25519(Ed25519Signer),
}

impl SigningKey {
    pub fn from_material(private: &SecretMaterial) -> Result<SigningKey> {
        let kind = private_key_kind(private)?;
        let rejected = || {
            crypto_error(format!(
                "Invalid private key: the PKCS#8 does not hold a valid {} key",
                kind_name(kind)
            ))
        };
        let engine = match kind {
            AsymmetricKind::Rsa => SigningEngine::Rsa(
                RsaKeyPair::from_pkcs8(private.expose()).map_err(|_| rejected())?,
            ),
            AsymmetricKind::Ec(curve) => match curve.engine() {
                CurveEngine::AwsLc {
                    signing, digest, ..
                } => SigningEngine::AwsLcEcdsa {
                    curve,
                    pair: EcdsaKeyPair::from_pkcs8(signing, private.expose())
                        .map_err(|_| rejected())?,
                    digest,
                },
                CurveEngine::RustCryptoP224 => SigningEngine::P224(
                    p224::ecdsa::SigningKey::from_pkcs8_der(private.expose())
                        .map_err(|_| rejected())?,
                ),
                CurveEngine::Ed25519 => {
                    SigningEngine::Ed25519(Ed25519Signer::from_pkcs8(private.expose())?)
                }
            },
        };
        Ok(SigningKey { engine })
    }

    pub fn kind(&self) -> AsymmetricKind {
        match &self.engine {
            SigningEngine::Rsa(_) => AsymmetricKind::Rsa,
            SigningEngine::AwsLcEcdsa { curve, .. } => AsymmetricKind::Ec(*curve),
            SigningEngine::P224(_) => AsymmetricKind::Ec(Curve::Secp224r1),
            SigningEngine::Ed25519(_) => AsymmetricKind::Ec(Curve::Ed25519),
        }
    }

    /// The SubjectPublicKeyInfo of this key's public half.
    pub fn public_material(&self) -> Result<PublicMaterial> {
        let failed = || crypto_error("Encoding the public key failed");
        let der = match &self.engine {
            SigningEngine::Rsa(pair) => {
                let der: PublicKeyX509Der<'_> = pair.public_key().as_der().map_err(|_| failed())?;
                der.as_ref().to_vec()
            }
            SigningEngine::AwsLcEcdsa { pair, .. } => {
                let der: PublicKeyX509Der<'_> = pair.public_key().as_der().map_err(|_| failed())?;
                der.as_ref().to_vec()
            }
            SigningEngine::P224(key) => p224::PublicKey::from(key.verifying_key())
                .to_public_key_der()
                .map_err(|_| failed())?
                .into_vec(),
            SigningEngine::Ed25519(signer) => {
                let der: PublicKeyX509Der<'_> =
                    signer.pair().public_key().as_der().map_err(|_| failed())?;
                der.as_ref().to_vec()
            }
        };
        Ok(PublicMaterial::new(der))
    }

    pub fn sign(
        &self,
        mechanism: &SignMechanism,
        hash: Hash,
        data_type: DataType,
        data: &[u8],
    ) -> Result<Vec<u8>> {
        match (&self.engine, mechanism) {
            (
                SigningEngine::Rsa(pair),
                SignMechanism::RsaPkcs | SignMechanism::RsaPkcsPss { .. },
            ) => rsa_signature::sign(pair, mechanism, hash, data_type, data),
            (
                SigningEngine::AwsLcEcdsa {
                    curve,
                    pair,
                    digest,
                },
                SignMechanism::Ecdsa,
            ) => ecdsa::sign_with_aws_lc(pair, *curve, digest, hash, data_type, data),
            (SigningEngine::P224(key), SignMechanism::Ecdsa) => {
                ecdsa::sign_with_p224(key, hash, data_type, data)
            }
            (SigningEngine::Ed25519(signer), SignMechanism::Ed25519) => signer.sign(data),
            (SigningEngine::Ed25519(signer), SignMechanism::Ed25519ph) => {
                signer.sign_prehashed(hash, data_type, data)
            }
            _ => Err(wrong_key_kind(mechanism, self.kind())),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

/// Signs once with a private key given as PKCS#8 (see [`SigningKey`] for repeated signing).
pub fn sign(
    mechanism: &SignMechanism,
    hash: Hash,
    data_type: DataType,
    private: &SecretMaterial,
    data: &[u8],
) -> Result<Vec<u8>> {
    SigningKey::from_material(private)?.sign(mechanism, hash, data_type, data)
}

/// Whether `signature` is valid for `data` under `public`. A wrong signature is `Ok(false)`;
/// errors are for requests the simulator refuses (wrong key type, unsupported hash, a digest of
/// the wrong length, a malformed DigestInfo).
pub fn verify(
    mechanism: &SignMechanism,
    hash: Hash,
    data_type: DataType,
    public: &PublicMaterial,
    data: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let facts = public_facts(public)?;
    match (facts.kind(), mechanism) {
        (AsymmetricKind::Rsa, SignMechanism::RsaPkcs | SignMechanism::RsaPkcsPss { .. }) => {
            rsa_signature::verify(public, mechanism, hash, data_type, data, signature)
        }
        (AsymmetricKind::Ec(curve), SignMechanism::Ecdsa) if !curve.is_edwards() => {
            ecdsa::verify(public, curve, hash, data_type, data, signature)
        }
        (AsymmetricKind::Ec(Curve::Ed25519), SignMechanism::Ed25519 | SignMechanism::Ed25519ph) => {
            let PublicFacts::Ec { point, .. } = &facts else {
                return Err(wrong_key_kind(mechanism, facts.kind()));
            };
            if *mechanism == SignMechanism::Ed25519 {
                eddsa::verify(point, data, signature)
            } else {
                eddsa::verify_prehashed(point, hash, data_type, data, signature)
            }
        }
        (kind, _) => Err(wrong_key_kind(mechanism, kind)),
    }
}

/// What a signing mechanism that does not hash (PKCS#11's `CKM_RSA_PKCS`, `CKM_RSA_PKCS_PSS`,
/// `CKM_ECDSA`) is given for this request: the DigestInfo for `rsa-pkcs`, the bare hash for PSS
/// and ECDSA, after the same checks the simulator's own signing makes.
pub fn prehashed_input(
    mechanism: &SignMechanism,
    hash: Hash,
    data_type: DataType,
    data: &[u8],
) -> Result<Vec<u8>> {
    if mechanism.is_eddsa() {
        return Err(crypto_error(format!(
            "{} signs whole messages: it has no prehashed PKCS#11 form here",
            mechanism.name()
        )));
    }
    let digest = super::rsa_signature::signed_digest(mechanism, hash, data_type, data)?;
    match mechanism {
        SignMechanism::RsaPkcs => super::rsa_signature::digest_info(hash, digest.as_ref()),
        _ => Ok(digest.as_ref().to_vec()),
    }
}

/// The hash that PSS and ECDSA sign: computed from raw data, or taken as given after checking
/// that its length fits the hash function.
pub(super) fn prehash(hash: Hash, data_type: DataType, data: &[u8]) -> Result<Digest> {
    match data_type {
        DataType::Raw => Ok(hash.digest(data)),
        DataType::Digest => Digest::import_less_safe(data, hash.algorithm()).map_err(|_| {
            crypto_error(format!(
                "A {} digest is {} bytes, but the data is {} bytes",
                hash.name(),
                hash.output_len(),
                data.len()
            ))
        }),
    }
}

fn kind_name(kind: AsymmetricKind) -> String {
    match kind {
        AsymmetricKind::Rsa => "RSA".to_owned(),
        AsymmetricKind::Ec(curve) => format!("EC {}", curve.as_str()),
    }
}

/// The error of signing or verifying with a key of the wrong algorithm for the mechanism.
pub fn wrong_key_kind(mechanism: &SignMechanism, kind: AsymmetricKind) -> Error {
    if *mechanism == SignMechanism::Ecdsa && kind == AsymmetricKind::Ec(Curve::Ed25519) {
        return crypto_error("ecdsa does not sign with an ed25519 key: use ed25519 or ed25519ph");
    }
    let needed = match mechanism {
        SignMechanism::Ecdsa => "an EC",
        SignMechanism::Ed25519 | SignMechanism::Ed25519ph => "an EC ed25519",
        SignMechanism::RsaPkcs | SignMechanism::RsaPkcsPss { .. } => "an RSA",
    };
    crypto_error(format!(
        "{} needs {needed} key, but this key is {}",
        mechanism.name(),
        kind_name(kind)
    ))
}

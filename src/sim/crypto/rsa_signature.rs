//! `rsa-pkcs` (RSASSA-PKCS1-v1_5) and `rsa-pkcs-pss` (RSASSA-PSS) through aws-lc-rs.
//!
//! aws-lc-rs signs RSA with SHA-256, SHA-384 and SHA-512 only, so SHA-1 and SHA-224 are refused
//! for both mechanisms. PSS uses MGF1 over the signing hash (the CLI's rule) and any salt from 0
//! to the hash length, the range FIPS 186-5 §5.4 allows; the salt lengths are `'static` tables
//! because aws-lc-rs takes its algorithm descriptions by `'static` reference.

use super::crypto_error;
use super::hash::HashCrypto;
use super::material::PublicMaterial;
use super::sign::prehash;
use crate::backend::hsm::mechanism::{DataType, Hash, SignMechanism};
use crate::error::Result;
use aws_lc_rs::digest::Digest;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{
    self as lc, RsaParameters, RsaPssSaltLength, RsaSignatureEncoding, UnparsedPublicKey,
};
use der::asn1::{Null, OctetStringRef};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierRef;

/// Salt lengths 0..=64: up to the hash length of SHA-512, the longest hash.
const SALT_TABLE_LEN: usize = 65;

/// One algorithm description per salt length, built at compile time from a base description.
macro_rules! salt_length_table {
    ($base:path) => {{
        let mut table = [$base; SALT_TABLE_LEN];
        let mut salt_length = 0;
        while salt_length < SALT_TABLE_LEN {
            table[salt_length] =
                $base.with_pss_salt_length(RsaPssSaltLength::Custom(salt_length as u16));
            salt_length += 1;
        }
        table
    }};
}

static PSS_SIGNING_SHA256: [RsaSignatureEncoding; SALT_TABLE_LEN] =
    salt_length_table!(lc::RSA_PSS_SHA256);
static PSS_SIGNING_SHA384: [RsaSignatureEncoding; SALT_TABLE_LEN] =
    salt_length_table!(lc::RSA_PSS_SHA384);
static PSS_SIGNING_SHA512: [RsaSignatureEncoding; SALT_TABLE_LEN] =
    salt_length_table!(lc::RSA_PSS_SHA512);
static PSS_VERIFYING_SHA256: [RsaParameters; SALT_TABLE_LEN] =
    salt_length_table!(lc::RSA_PSS_2048_8192_SHA256);
static PSS_VERIFYING_SHA384: [RsaParameters; SALT_TABLE_LEN] =
    salt_length_table!(lc::RSA_PSS_2048_8192_SHA384);
static PSS_VERIFYING_SHA512: [RsaParameters; SALT_TABLE_LEN] =
    salt_length_table!(lc::RSA_PSS_2048_8192_SHA512);

/// The algorithm descriptions of one request.
struct Algorithms {
    signing: &'static RsaSignatureEncoding,
    verifying: &'static RsaParameters,
}

fn algorithms(mechanism: &SignMechanism, hash: Hash) -> Result<Algorithms> {
    let unsupported = || {
        crypto_error(format!(
            "{} with {} is not supported by the simulator: use sha256, sha384 or sha512",
            mechanism.name(),
            hash.name()
        ))
    };
    match *mechanism {
        SignMechanism::RsaPkcs => match hash {
            Hash::Sha256 => Ok((&lc::RSA_PKCS1_SHA256, &lc::RSA_PKCS1_2048_8192_SHA256)),
            Hash::Sha384 => Ok((&lc::RSA_PKCS1_SHA384, &lc::RSA_PKCS1_2048_8192_SHA384)),
            Hash::Sha512 => Ok((&lc::RSA_PKCS1_SHA512, &lc::RSA_PKCS1_2048_8192_SHA512)),
            Hash::Sha1 | Hash::Sha224 => Err(unsupported()),
        }
        .map(|(signing, verifying)| Algorithms { signing, verifying }),
        SignMechanism::RsaPkcsPss { mgf, salt_length } => {
            let (signing, verifying) = match hash {
                Hash::Sha256 => (&PSS_SIGNING_SHA256, &PSS_VERIFYING_SHA256),
                Hash::Sha384 => (&PSS_SIGNING_SHA384, &PSS_VERIFYING_SHA384),
                Hash::Sha512 => (&PSS_SIGNING_SHA512, &PSS_VERIFYING_SHA512),
                Hash::Sha1 | Hash::Sha224 => return Err(unsupported()),
            };
            if mgf != hash {
                return Err(crypto_error(format!(
                    "rsa-pkcs-pss with {} needs {}, not {}: the MGF1 hash must match the hash \
                     function",
                    hash.name(),
                    hash.mgf_name(),
                    mgf.mgf_name()
                )));
            }
            if salt_length > hash.output_len() {
                return Err(crypto_error(format!(
                    "rsa-pkcs-pss salt length {salt_length} is not supported with {}: use 0 to {} \
                     (at most the hash length)",
                    hash.name(),
                    hash.output_len()
                )));
            }
            Ok(Algorithms {
                signing: &signing[salt_length],
                verifying: &verifying[salt_length],
            })
        }
        SignMechanism::Ecdsa | SignMechanism::Ed25519 | SignMechanism::Ed25519ph => Err(
            crypto_error(format!("{} is not an RSA mechanism", mechanism.name())),
        ),
    }
}

pub(super) fn sign(
    pair: &RsaKeyPair,
    mechanism: &SignMechanism,
    hash: Hash,
    data_type: DataType,
    data: &[u8],
) -> Result<Vec<u8>> {
    let algorithms = algorithms(mechanism, hash)?;
    let digest = signed_digest(mechanism, hash, data_type, data)?;
    let mut signature = vec![0u8; pair.public_modulus_len()];
    pair.sign_digest(algorithms.signing, &digest, &mut signature)
        .map_err(|_| crypto_error(format!("{} signing failed", mechanism.name())))?;
    Ok(signature)
}

pub(super) fn verify(
    public: &PublicMaterial,
    mechanism: &SignMechanism,
    hash: Hash,
    data_type: DataType,
    data: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let algorithms = algorithms(mechanism, hash)?;
    let digest = signed_digest(mechanism, hash, data_type, data)?;
    let key = UnparsedPublicKey::new(algorithms.verifying, public.as_der());
    Ok(key.verify_digest(&digest, signature).is_ok())
}

/// The hash the signature covers. For `rsa-pkcs` over a digest the data is a DigestInfo, which
/// aws-lc rebuilds from the hash, so it must be exactly the DER that aws-lc would build.
pub(super) fn signed_digest(
    mechanism: &SignMechanism,
    hash: Hash,
    data_type: DataType,
    data: &[u8],
) -> Result<Digest> {
    match (mechanism, data_type) {
        (SignMechanism::RsaPkcs, DataType::Digest) => digest_from_digest_info(hash, data),
        _ => prehash(hash, data_type, data),
    }
}

/// `DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }`.
#[derive(Sequence)]
struct DigestInfo<'a> {
    digest_algorithm: AlgorithmIdentifierRef<'a>,
    digest: OctetStringRef<'a>,
}

/// The DigestInfo of `digest` as RFC 8017 §9.2 encodes it (SHA-2 with NULL parameters).
pub(super) fn digest_info(hash: Hash, digest: &[u8]) -> Result<Vec<u8>> {
    let digest = OctetStringRef::new(digest).map_err(|_| crypto_error("The digest is too long"))?;
    DigestInfo {
        digest_algorithm: AlgorithmIdentifierRef {
            oid: hash.oid(),
            parameters: Some(der::AnyRef::from(Null)),
        },
        digest,
    }
    .to_der()
    .map_err(|_| crypto_error("Encoding the DigestInfo failed"))
}

fn digest_from_digest_info(hash: Hash, data: &[u8]) -> Result<Digest> {
    let malformed = || {
        crypto_error(format!(
            "rsa-pkcs digest data must be a DER DigestInfo (RFC 8017 §9.2) of a {} hash",
            hash.name()
        ))
    };
    let info = DigestInfo::from_der(data).map_err(|_| malformed())?;
    if info.digest_algorithm.oid != hash.oid() {
        return Err(crypto_error(format!(
            "The DigestInfo names algorithm {}, not the hash function {}",
            info.digest_algorithm.oid,
            hash.name()
        )));
    }
    // RFC 8017 gives SHA-2 DigestInfos NULL parameters; aws-lc signs that form, so a DigestInfo
    // without them would be signed as different bytes than the caller gave.
    let null = der::AnyRef::from(Null);
    if info.digest_algorithm.parameters != Some(null) || info.to_der().ok().as_deref() != Some(data)
    {
        return Err(malformed());
    }
    Digest::import_less_safe(info.digest.as_bytes(), hash.algorithm()).map_err(|_| {
        crypto_error(format!(
            "The DigestInfo holds {} bytes, but a {} digest is {} bytes",
            info.digest.as_bytes().len(),
            hash.name(),
            hash.output_len()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::super::generate::generate;
    use super::super::material::SecretMaterial;
    use super::super::sign::{SigningKey, sign as sign_once, verify as verify_signature};
    use super::*;
    use crate::backend::hsm::mechanism::KeySpec;
    use std::sync::OnceLock;

    /// One RSA-2048 pair for every test here: generation is the slow part.
    fn pair() -> &'static (SecretMaterial, PublicMaterial) {
        static PAIR: OnceLock<(SecretMaterial, PublicMaterial)> = OnceLock::new();
        PAIR.get_or_init(|| {
            let generated = generate(&KeySpec::Rsa {
                modulus_bits: 2048,
                public_exponent: 65537,
            })
            .unwrap();
            (generated.secret, generated.public.unwrap())
        })
    }

    fn supported_mechanisms(hash: Hash) -> Vec<SignMechanism> {
        let mut mechanisms = vec![SignMechanism::RsaPkcs];
        for salt_length in [0, 10, hash.output_len()] {
            mechanisms.push(SignMechanism::RsaPkcsPss {
                mgf: hash,
                salt_length,
            });
        }
        mechanisms
    }

    #[test]
    fn every_mechanism_hash_and_data_type_round_trips() {
        let (private, public) = pair();
        let key = SigningKey::from_material(private).unwrap();
        let message = b"abc123".as_slice();
        for hash in [Hash::Sha256, Hash::Sha384, Hash::Sha512] {
            let digest = hash.digest(message);
            for mechanism in supported_mechanisms(hash) {
                let digest_data = match mechanism {
                    SignMechanism::RsaPkcs => digest_info(hash, digest.as_ref()).unwrap(),
                    _ => digest.as_ref().to_vec(),
                };
                for (data_type, data) in [
                    (DataType::Raw, message),
                    (DataType::Digest, digest_data.as_slice()),
                ] {
                    let signature = key.sign(&mechanism, hash, data_type, data).unwrap();
                    assert_eq!(signature.len(), 256);
                    let check = |data: &[u8], signature: &[u8]| {
                        verify_signature(&mechanism, hash, data_type, public, data, signature)
                            .unwrap()
                    };
                    assert!(
                        check(data, &signature),
                        "{mechanism:?} {hash:?} {data_type:?}"
                    );
                    let mut tampered_data = data.to_vec();
                    let last = tampered_data.len() - 1;
                    tampered_data[last] ^= 1;
                    assert!(!check(&tampered_data, &signature));
                    let mut tampered_signature = signature.clone();
                    tampered_signature[100] ^= 1;
                    assert!(!check(data, &tampered_signature));
                }
            }
        }
    }

    #[test]
    fn pss_verification_holds_the_salt_length() {
        let (private, public) = pair();
        let signed_with = SignMechanism::RsaPkcsPss {
            mgf: Hash::Sha256,
            salt_length: 10,
        };
        let signature =
            sign_once(&signed_with, Hash::Sha256, DataType::Raw, private, b"m").unwrap();
        let checked_with = SignMechanism::RsaPkcsPss {
            mgf: Hash::Sha256,
            salt_length: 32,
        };
        assert!(
            !verify_signature(
                &checked_with,
                Hash::Sha256,
                DataType::Raw,
                public,
                b"m",
                &signature
            )
            .unwrap()
        );
    }

    #[test]
    fn unsupported_hashes_mgfs_and_salts_are_refused() {
        let (private, _) = pair();
        let refusal = |mechanism: SignMechanism, hash: Hash| {
            sign_once(&mechanism, hash, DataType::Raw, private, b"m")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refusal(SignMechanism::RsaPkcs, Hash::Sha1),
            "rsa-pkcs with sha1 is not supported by the simulator: use sha256, sha384 or sha512"
        );
        let pss = |mgf, salt_length| SignMechanism::RsaPkcsPss { mgf, salt_length };
        assert_eq!(
            refusal(pss(Hash::Sha224, 28), Hash::Sha224),
            "rsa-pkcs-pss with sha224 is not supported by the simulator: use sha256, sha384 or sha512"
        );
        assert_eq!(
            refusal(pss(Hash::Sha1, 32), Hash::Sha256),
            "rsa-pkcs-pss with sha256 needs mgf1-sha256, not mgf1-sha1: the MGF1 hash must match \
             the hash function"
        );
        assert_eq!(
            refusal(pss(Hash::Sha256, 33), Hash::Sha256),
            "rsa-pkcs-pss salt length 33 is not supported with sha256: use 0 to 32 (at most the \
             hash length)"
        );
        assert_eq!(
            refusal(SignMechanism::Ecdsa, Hash::Sha256),
            "ecdsa needs an EC key, but this key is RSA"
        );
    }

    #[test]
    fn digest_input_for_rsa_pkcs_must_be_an_exact_digest_info() {
        let (private, _) = pair();
        let digest = Hash::Sha256.digest(b"m");
        let attempt = |data: &[u8]| {
            sign_once(
                &SignMechanism::RsaPkcs,
                Hash::Sha256,
                DataType::Digest,
                private,
                data,
            )
            .map_err(|error| error.to_string())
        };
        assert_eq!(
            attempt(digest.as_ref()).unwrap_err(),
            "rsa-pkcs digest data must be a DER DigestInfo (RFC 8017 §9.2) of a sha256 hash"
        );
        assert_eq!(
            attempt(&digest_info(Hash::Sha384, &[0; 48]).unwrap()).unwrap_err(),
            "The DigestInfo names algorithm 2.16.840.1.101.3.4.2.2, not the hash function sha256"
        );
        assert_eq!(
            attempt(&digest_info(Hash::Sha256, &[0; 20]).unwrap()).unwrap_err(),
            "The DigestInfo holds 20 bytes, but a sha256 digest is 32 bytes"
        );
        let mut trailing = digest_info(Hash::Sha256, digest.as_ref()).unwrap();
        trailing.push(0);
        assert!(attempt(&trailing).is_err());
        // Raw and DigestInfo input sign the same bytes.
        let from_digest_info =
            attempt(&digest_info(Hash::Sha256, digest.as_ref()).unwrap()).unwrap();
        let from_raw = sign_once(
            &SignMechanism::RsaPkcs,
            Hash::Sha256,
            DataType::Raw,
            private,
            b"m",
        )
        .unwrap();
        assert_eq!(
            from_digest_info, from_raw,
            "PKCS#1 v1.5 signatures are deterministic"
        );
    }
}

//! The one table between the CLI's mechanisms and PKCS#11's `CKM_*`: key generation, signing
//! (the combined hash-and-sign mechanism where the module has it, the shell's own hash and the
//! bare mechanism where it does not) and key wrapping, with CloudHSM's vendor mechanisms.

use crate::backend::hsm::mechanism::{
    AES_KEY_LENGTHS, DataType, GENERIC_SECRET_LENGTHS, Hash, KeySpec, RSA_MIN_MODULUS_BITS,
    SignMechanism, WrapMechanism,
};
use crate::error::{Error, Result};
use crate::sim::crypto::{ec_params_der, prehashed_input};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::Attribute;

/// CloudHSM's vendor-defined AES key wraps (its PKCS#11 library's header).
const CLOUDHSM_AES_KEY_WRAP_NO_PAD: u64 = 0x8000_2109;
const CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD: u64 = 0x8000_210A;
const CLOUDHSM_AES_KEY_WRAP_ZERO_PAD: u64 = 0x8000_216F;

fn refused(message: String) -> Error {
    Error::Crypto { message }
}

/// The CLI's limits on a key to generate, without the simulator's own narrower ones: a module
/// generates the RSA sizes and exponents it supports, and says so when it does not.
pub fn validate_spec(spec: &KeySpec) -> Result<()> {
    match *spec {
        KeySpec::Rsa {
            modulus_bits,
            public_exponent,
        } => {
            if modulus_bits < RSA_MIN_MODULUS_BITS {
                return Err(refused(format!(
                    "modulus-size-bits {modulus_bits} is too small: RSA keys need at least 2048 bits"
                )));
            }
            if public_exponent % 2 == 0 || public_exponent < 65537 {
                return Err(refused(format!(
                    "public-exponent {public_exponent} is not valid: it must be odd and at least 65537"
                )));
            }
            Ok(())
        }
        KeySpec::Aes { bytes } if !AES_KEY_LENGTHS.contains(&bytes) => spec.validate(),
        KeySpec::GenericSecret { bytes } if !GENERIC_SECRET_LENGTHS.contains(&bytes) => {
            spec.validate()
        }
        _ => Ok(()),
    }
}

/// The generation mechanism of a key and the attributes it needs beyond the user's.
pub struct KeyGeneration {
    pub mechanism: Mechanism<'static>,
    /// For a secret key: its class, type and length.
    pub secret_template: Vec<Attribute>,
    /// For a pair's public half: its modulus size and exponent, or its curve.
    pub public_template: Vec<Attribute>,
}

pub fn key_generation(spec: &KeySpec) -> KeyGeneration {
    use cryptoki::object::{KeyType, ObjectClass};
    let length = |bytes: usize| Attribute::ValueLen((bytes as u64).into());
    match *spec {
        KeySpec::Aes { bytes } => KeyGeneration {
            mechanism: Mechanism::AesKeyGen,
            secret_template: vec![
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                length(bytes),
            ],
            public_template: Vec::new(),
        },
        KeySpec::GenericSecret { bytes } => KeyGeneration {
            mechanism: Mechanism::GenericSecretKeyGen,
            secret_template: vec![
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::GENERIC_SECRET),
                length(bytes),
            ],
            public_template: Vec::new(),
        },
        KeySpec::Rsa {
            modulus_bits,
            public_exponent,
        } => {
            let exponent: Vec<u8> = public_exponent
                .to_be_bytes()
                .into_iter()
                .skip_while(|byte| *byte == 0)
                .collect();
            KeyGeneration {
                mechanism: Mechanism::RsaPkcsKeyPairGen,
                secret_template: Vec::new(),
                public_template: vec![
                    Attribute::ModulusBits((modulus_bits as u64).into()),
                    Attribute::PublicExponent(exponent),
                ],
            }
        }
        KeySpec::Ec { curve } => KeyGeneration {
            mechanism: Mechanism::EccKeyPairGen,
            secret_template: Vec::new(),
            public_template: vec![Attribute::EcParams(ec_params_der(curve))],
        },
    }
}

fn hash_mechanism(hash: Hash) -> MechanismType {
    match hash {
        Hash::Sha1 => MechanismType::SHA1,
        Hash::Sha224 => MechanismType::SHA224,
        Hash::Sha256 => MechanismType::SHA256,
        Hash::Sha384 => MechanismType::SHA384,
        Hash::Sha512 => MechanismType::SHA512,
    }
}

fn mgf(hash: Hash) -> PkcsMgfType {
    match hash {
        Hash::Sha1 => PkcsMgfType::MGF1_SHA1,
        Hash::Sha224 => PkcsMgfType::MGF1_SHA224,
        Hash::Sha256 => PkcsMgfType::MGF1_SHA256,
        Hash::Sha384 => PkcsMgfType::MGF1_SHA384,
        Hash::Sha512 => PkcsMgfType::MGF1_SHA512,
    }
}

/// The combined hash-and-sign mechanism of a request over raw data, when PKCS#11 has one.
fn combined(mechanism: &SignMechanism, hash: Hash) -> Option<Mechanism<'static>> {
    let pss = |salt_length: usize, mgf_hash: Hash| PkcsPssParams {
        hash_alg: hash_mechanism(hash),
        mgf: mgf(mgf_hash),
        s_len: (salt_length as u64).into(),
    };
    Some(match (mechanism, hash) {
        (SignMechanism::RsaPkcs, Hash::Sha1) => Mechanism::Sha1RsaPkcs,
        (SignMechanism::RsaPkcs, Hash::Sha224) => Mechanism::Sha224RsaPkcs,
        (SignMechanism::RsaPkcs, Hash::Sha256) => Mechanism::Sha256RsaPkcs,
        (SignMechanism::RsaPkcs, Hash::Sha384) => Mechanism::Sha384RsaPkcs,
        (SignMechanism::RsaPkcs, Hash::Sha512) => Mechanism::Sha512RsaPkcs,
        (SignMechanism::RsaPkcsPss { mgf, salt_length }, Hash::Sha1) => {
            Mechanism::Sha1RsaPkcsPss(pss(*salt_length, *mgf))
        }
        (SignMechanism::RsaPkcsPss { mgf, salt_length }, Hash::Sha256) => {
            Mechanism::Sha256RsaPkcsPss(pss(*salt_length, *mgf))
        }
        (SignMechanism::RsaPkcsPss { mgf, salt_length }, Hash::Sha384) => {
            Mechanism::Sha384RsaPkcsPss(pss(*salt_length, *mgf))
        }
        (SignMechanism::RsaPkcsPss { mgf, salt_length }, Hash::Sha512) => {
            Mechanism::Sha512RsaPkcsPss(pss(*salt_length, *mgf))
        }
        (SignMechanism::Ecdsa, Hash::Sha1) => Mechanism::EcdsaSha1,
        (SignMechanism::Ecdsa, Hash::Sha224) => Mechanism::EcdsaSha224,
        (SignMechanism::Ecdsa, Hash::Sha256) => Mechanism::EcdsaSha256,
        (SignMechanism::Ecdsa, Hash::Sha384) => Mechanism::EcdsaSha384,
        (SignMechanism::Ecdsa, Hash::Sha512) => Mechanism::EcdsaSha512,
        _ => return None,
    })
}

/// The mechanism that signs over data the shell prepared (a DigestInfo or a bare hash); EdDSA
/// has none.
fn bare(mechanism: &SignMechanism, hash: Hash) -> Option<Mechanism<'static>> {
    Some(match mechanism {
        SignMechanism::RsaPkcs => Mechanism::RsaPkcs,
        SignMechanism::RsaPkcsPss {
            mgf: mgf_hash,
            salt_length,
        } => Mechanism::RsaPkcsPss(PkcsPssParams {
            hash_alg: hash_mechanism(hash),
            mgf: mgf(*mgf_hash),
            s_len: (*salt_length as u64).into(),
        }),
        SignMechanism::Ecdsa => Mechanism::Ecdsa,
        SignMechanism::Ed25519 | SignMechanism::Ed25519ph => return None,
    })
}

/// How one `crypto sign`/`verify` runs on this module: the mechanism and the bytes it takes.
pub fn signing(
    supported: &[MechanismType],
    mechanism: &SignMechanism,
    hash: Hash,
    data_type: DataType,
    data: &[u8],
) -> Result<(Mechanism<'static>, Vec<u8>)> {
    if data_type == DataType::Raw
        && let Some(combined) = combined(mechanism, hash)
        && supported.contains(&combined.mechanism_type())
    {
        return Ok((combined, data.to_vec()));
    }
    let Some(bare) = bare(mechanism, hash) else {
        return Err(refused(format!(
            "{}: EdDSA is the simulator's (hsm2m.medium non-FIPS clusters); the shell does not \
             drive it on PKCS#11 modules",
            mechanism.name()
        )));
    };
    if !supported.contains(&bare.mechanism_type()) {
        return Err(not_offered(&bare.mechanism_type(), mechanism.name()));
    }
    Ok((bare, prehashed_input(mechanism, hash, data_type, data)?))
}

fn not_offered(mechanism: &MechanismType, name: &str) -> Error {
    refused(format!(
        "{name}: the PKCS#11 module does not offer {mechanism}"
    ))
}

/// The OAEP parameters of rsa-oaep and of rsa-aes's ephemeral key, owned by the caller for
/// the call's duration.
pub fn oaep(hash: Hash, mgf_hash: Hash) -> PkcsOaepParams<'static> {
    PkcsOaepParams::new(hash_mechanism(hash), mgf(mgf_hash), PkcsOaepSource::empty())
}

/// How `key wrap`/`key unwrap` with an AES or single-step RSA `mechanism` runs on this module
/// (rsa-aes is two steps, see `crypto`). `iv` is the AES-GCM IV: the caller's for unwrap, a
/// fresh one for wrap. CloudHSM's vendor paddings are used on CloudHSM's library only.
pub fn wrapping<'a>(
    supported: &[MechanismType],
    cloudhsm: bool,
    mechanism: &'a WrapMechanism,
    iv: &'a mut [u8],
) -> Result<Mechanism<'a>> {
    let name = mechanism.name();
    let vendor = |value: u64, spelled: &str| -> Result<Mechanism<'a>> {
        let refusal = || {
            refused(format!(
                "{name} needs CloudHSM's vendor mechanism {spelled}, which this PKCS#11 module \
                 does not offer"
            ))
        };
        if !cloudhsm {
            return Err(refusal());
        }
        let mechanism_type = MechanismType::new_vendor_defined(value).map_err(|_| refusal())?;
        Ok(Mechanism::VendorDefined(VendorDefinedMechanism::new::<()>(
            mechanism_type,
            None,
        )))
    };
    let standard = |wanted: Mechanism<'a>| -> Result<Mechanism<'a>> {
        if supported.contains(&wanted.mechanism_type()) {
            Ok(wanted)
        } else {
            Err(not_offered(&wanted.mechanism_type(), name))
        }
    };
    match mechanism {
        WrapMechanism::AesGcm {
            tag_length_bits,
            aad,
        } => {
            let parameters = cryptoki::mechanism::aead::GcmParams::new(
                iv,
                aad.as_deref().unwrap_or_default(),
                (*tag_length_bits as u64).into(),
            )
            .map_err(|_| refused(format!("{name}: the IV or tag length is not valid")))?;
            standard(Mechanism::AesGcm(parameters))
        }
        WrapMechanism::AesNoPad if !cloudhsm => standard(Mechanism::AesKeyWrap),
        WrapMechanism::AesNoPad => vendor(
            CLOUDHSM_AES_KEY_WRAP_NO_PAD,
            "CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD",
        ),
        WrapMechanism::AesPkcs5Pad => vendor(
            CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD,
            "CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD",
        ),
        WrapMechanism::AesZeroPad => vendor(
            CLOUDHSM_AES_KEY_WRAP_ZERO_PAD,
            "CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD",
        ),
        WrapMechanism::CloudhsmAesGcm { .. } => Err(refused(format!(
            "{name} is CloudHSM's own AES-GCM with an IV the HSM prepends; through PKCS#11 use \
             aes-gcm, whose IV key wrap returns"
        ))),
        WrapMechanism::RsaPkcs => standard(Mechanism::RsaPkcs),
        WrapMechanism::RsaOaep { hash, mgf } => standard(Mechanism::RsaPkcsOaep(oaep(*hash, *mgf))),
        WrapMechanism::RsaAes { .. } => Err(refused(format!(
            "{name} wraps in two steps: an ephemeral AES key with RSA-OAEP, then the key with it"
        ))),
    }
}

/// The AES key wrap with padding (RFC 5649) that rsa-aes's second step uses; SoftHSM names it
/// `CKM_AES_KEY_WRAP_PAD`, as PKCS#11 2.40 did.
pub fn rsa_aes_second_step(supported: &[MechanismType]) -> Result<Mechanism<'static>> {
    if supported.contains(&MechanismType::AES_KEY_WRAP_PAD) {
        Ok(Mechanism::AesKeyWrapPad)
    } else {
        Err(not_offered(&MechanismType::AES_KEY_WRAP_PAD, "rsa-aes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_signing() -> Vec<MechanismType> {
        vec![
            MechanismType::RSA_PKCS,
            MechanismType::SHA256_RSA_PKCS,
            MechanismType::ECDSA,
        ]
    }

    #[test]
    fn raw_data_uses_the_combined_mechanism_when_the_module_has_it() {
        let (mechanism, data) = signing(
            &all_signing(),
            &SignMechanism::RsaPkcs,
            Hash::Sha256,
            DataType::Raw,
            b"message",
        )
        .unwrap();
        assert_eq!(mechanism.mechanism_type(), MechanismType::SHA256_RSA_PKCS);
        assert_eq!(data, b"message");
    }

    #[test]
    fn without_the_combined_mechanism_the_shell_hashes_and_signs_the_digest() {
        let (mechanism, data) = signing(
            &all_signing(),
            &SignMechanism::Ecdsa,
            Hash::Sha256,
            DataType::Raw,
            b"message",
        )
        .unwrap();
        assert_eq!(mechanism.mechanism_type(), MechanismType::ECDSA);
        assert_eq!(
            data,
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"message").as_ref()
        );
        let (mechanism, data) = signing(
            &all_signing(),
            &SignMechanism::RsaPkcs,
            Hash::Sha384,
            DataType::Raw,
            b"message",
        )
        .unwrap();
        assert_eq!(mechanism.mechanism_type(), MechanismType::RSA_PKCS);
        assert_eq!(data.len(), 19 + 48, "a SHA-384 DigestInfo");
    }

    #[test]
    fn a_mechanism_the_module_lacks_is_named() {
        let error = signing(
            &[],
            &SignMechanism::Ecdsa,
            Hash::Sha256,
            DataType::Raw,
            b"message",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "ecdsa: the PKCS#11 module does not offer CKM_ECDSA"
        );
    }

    #[test]
    fn cloudhsm_paddings_need_its_vendor_mechanisms() {
        let error = wrapping(&[], false, &WrapMechanism::AesPkcs5Pad, &mut [])
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "aes-pkcs5-pad needs CloudHSM's vendor mechanism CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD, \
             which this PKCS#11 module does not offer"
        );
    }

    #[test]
    fn rsa_sizes_beyond_the_simulators_are_left_to_the_module() {
        validate_spec(&KeySpec::Rsa {
            modulus_bits: 2304,
            public_exponent: 65539,
        })
        .unwrap();
        assert!(
            validate_spec(&KeySpec::Rsa {
                modulus_bits: 1024,
                public_exponent: 65537,
            })
            .is_err()
        );
        assert!(validate_spec(&KeySpec::Aes { bytes: 20 }).is_err());
    }
}

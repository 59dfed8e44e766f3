//! `key wrap` and `key unwrap`: one function each over the eight CLI mechanisms.
//!
//! The payload is always a key's secret material: the raw bytes of an AES or generic-secret
//! key, or the PKCS#8 DER of a private key (as `openssl pkcs8 -topk8 -outform DER` writes it).
//! Formats, mechanism by mechanism:
//!
//! | mechanism | wrapping key | output (`data`) | `iv` |
//! | --- | --- | --- | --- |
//! | `aes-gcm` | AES | `ciphertext ‖ tag` | the HSM's random 12-byte IV |
//! | `cloudhsm-aes-gcm` | AES | `IV ‖ ciphertext ‖ tag` | none |
//! | `aes-no-pad` | AES | RFC 3394 KW | none |
//! | `aes-pkcs5-pad` | AES | RFC 3394 KW of the PKCS#5-padded payload | none |
//! | `aes-zero-pad` | AES | RFC 3394 KW of the zero-padded payload | none |
//! | `rsa-oaep` | RSA public | RSA-OAEP of the payload | none |
//! | `rsa-pkcs` | RSA public | RSA PKCS#1 v1.5 encryption of the payload | none |
//! | `rsa-aes` | RSA public | RSA-OAEP of a fresh AES-256 key ‖ RFC 5649 KWP of the payload | none |
//!
//! Unwrapping uses the AES key or the RSA private key and the same mechanism parameters.

use super::material::{PublicMaterial, SecretMaterial};
use super::{aes_wrap, crypto_error, gcm, rsa_wrap};
use crate::backend::hsm::mechanism::WrapMechanism;
use crate::error::{Error, Result};

/// The key that wraps: an AES key, or the public half of an RSA pair.
#[derive(Clone, Copy, Debug)]
pub enum WrappingKey<'a> {
    Aes(&'a SecretMaterial),
    RsaPublic(&'a PublicMaterial),
}

/// The key that unwraps: an AES key, or the private half (PKCS#8) of an RSA pair.
#[derive(Clone, Copy, Debug)]
pub enum UnwrappingKey<'a> {
    Aes(&'a SecretMaterial),
    RsaPrivate(&'a SecretMaterial),
}

/// What `key wrap` prints: `wrapped_key_data`, and `iv` for `aes-gcm`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wrapped {
    pub data: Vec<u8>,
    pub iv: Option<Vec<u8>>,
}

pub fn wrap(
    mechanism: &WrapMechanism,
    wrapping: WrappingKey<'_>,
    payload: &SecretMaterial,
) -> Result<Wrapped> {
    let payload = payload.expose();
    let without_iv = |data| Ok(Wrapped { data, iv: None });
    match (mechanism, wrapping) {
        (
            WrapMechanism::AesGcm {
                tag_length_bits,
                aad,
            },
            WrappingKey::Aes(key),
        ) => {
            let (iv, data) = gcm::seal(key, *tag_length_bits, aad_bytes(aad), payload)?;
            Ok(Wrapped {
                data,
                iv: Some(iv.to_vec()),
            })
        }
        (
            WrapMechanism::CloudhsmAesGcm {
                tag_length_bits,
                aad,
            },
            WrappingKey::Aes(key),
        ) => {
            let (iv, sealed) = gcm::seal(key, *tag_length_bits, aad_bytes(aad), payload)?;
            without_iv([iv.as_slice(), &sealed].concat())
        }
        (WrapMechanism::AesNoPad, WrappingKey::Aes(key)) => {
            without_iv(aes_wrap::wrap_no_pad(key, payload)?)
        }
        (WrapMechanism::AesPkcs5Pad, WrappingKey::Aes(key)) => {
            without_iv(aes_wrap::wrap_pkcs5_pad(key, payload)?)
        }
        (WrapMechanism::AesZeroPad, WrappingKey::Aes(key)) => {
            without_iv(aes_wrap::wrap_zero_pad(key, payload)?)
        }
        (WrapMechanism::RsaAes { hash, mgf }, WrappingKey::RsaPublic(public)) => {
            without_iv(rsa_wrap::wrap_rsa_aes(public, *hash, *mgf, payload)?)
        }
        (WrapMechanism::RsaOaep { hash, mgf }, WrappingKey::RsaPublic(public)) => without_iv(
            rsa_wrap::wrap_oaep("rsa-oaep", public, *hash, *mgf, payload)?,
        ),
        (WrapMechanism::RsaPkcs, WrappingKey::RsaPublic(public)) => {
            without_iv(rsa_wrap::wrap_pkcs1(public, payload)?)
        }
        _ => Err(wrong_key(mechanism, "wrapping")),
    }
}

/// Recovers a payload. `iv` is required by `aes-gcm` and refused by the others;
/// `payload_length` serves `aes-zero-pad` only (see `aes_wrap` for when it is needed).
pub fn unwrap(
    mechanism: &WrapMechanism,
    unwrapping: UnwrappingKey<'_>,
    data: &[u8],
    iv: Option<&[u8]>,
    payload_length: Option<usize>,
) -> Result<SecretMaterial> {
    let is_gcm = matches!(mechanism, WrapMechanism::AesGcm { .. });
    match iv {
        None if is_gcm => {
            return Err(crypto_error(
                "aes-gcm unwrap needs the IV that wrapping returned",
            ));
        }
        Some(_) if !is_gcm => {
            return Err(crypto_error(format!(
                "{} takes no IV: only aes-gcm does",
                mechanism.name()
            )));
        }
        _ => {}
    }
    let payload = match (mechanism, unwrapping) {
        (
            WrapMechanism::AesGcm {
                tag_length_bits,
                aad,
            },
            UnwrappingKey::Aes(key),
        ) => gcm::open(
            key,
            *tag_length_bits,
            aad_bytes(aad),
            iv.unwrap_or_default(),
            data,
        )?,
        (
            WrapMechanism::CloudhsmAesGcm {
                tag_length_bits,
                aad,
            },
            UnwrappingKey::Aes(key),
        ) => {
            if data.len() < gcm::IV_LEN {
                return Err(aes_wrap::integrity_failure());
            }
            let (iv, sealed) = data.split_at(gcm::IV_LEN);
            gcm::open(key, *tag_length_bits, aad_bytes(aad), iv, sealed)?
        }
        (WrapMechanism::AesNoPad, UnwrappingKey::Aes(key)) => aes_wrap::unwrap_no_pad(key, data)?,
        (WrapMechanism::AesPkcs5Pad, UnwrappingKey::Aes(key)) => {
            aes_wrap::unwrap_pkcs5_pad(key, data)?
        }
        (WrapMechanism::AesZeroPad, UnwrappingKey::Aes(key)) => {
            aes_wrap::unwrap_zero_pad(key, data, payload_length)?
        }
        (WrapMechanism::RsaAes { hash, mgf }, UnwrappingKey::RsaPrivate(private)) => {
            rsa_wrap::unwrap_rsa_aes(private, *hash, *mgf, data)?
        }
        (WrapMechanism::RsaOaep { hash, mgf }, UnwrappingKey::RsaPrivate(private)) => {
            rsa_wrap::unwrap_oaep("rsa-oaep", private, *hash, *mgf, data)?
        }
        (WrapMechanism::RsaPkcs, UnwrappingKey::RsaPrivate(private)) => {
            rsa_wrap::unwrap_pkcs1(private, data)?
        }
        _ => return Err(wrong_key(mechanism, "unwrapping")),
    };
    Ok(SecretMaterial::new(payload))
}

fn aad_bytes(aad: &Option<Vec<u8>>) -> &[u8] {
    aad.as_deref().unwrap_or_default()
}

fn wrong_key(mechanism: &WrapMechanism, role: &str) -> Error {
    let needed = match (mechanism.uses_rsa(), role) {
        (false, _) => "an AES key",
        (true, "wrapping") => "an RSA public key",
        (true, _) => "an RSA private key",
    };
    crypto_error(format!(
        "{} needs {needed} as the {role} key",
        mechanism.name()
    ))
}

//! RSA key wrap: `rsa-oaep` and `rsa-pkcs` encrypt the payload bytes with the wrapping public key
//! (the payload must fit in one RSA block), and `rsa-aes` is PKCS#11's CKM_RSA_AES_KEY_WRAP: a
//! fresh AES-256 key encrypted with RSA-OAEP, followed by the payload wrapped under that AES key
//! with RFC 5649 key wrap with padding. That is the layout of AWS's "transfer keys to CloudHSM
//! with OpenSSL" procedure (`pkeyutl` OAEP of the ephemeral key, then `enc -id-aes256-wrap-pad`,
//! concatenated), so such files unwrap here too.

use super::aes_wrap::{integrity_failure, unwrap_kwp, wrap_kwp};
use super::material::{PublicMaterial, SecretMaterial};
use super::{crypto_error, random_bytes};
use crate::backend::hsm::mechanism::Hash;
use crate::error::Result;
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384, OAEP_SHA512_MGF1SHA512,
    OaepAlgorithm, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, Pkcs1PrivateDecryptingKey,
    Pkcs1PublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use zeroize::Zeroizing;

/// The size of the ephemeral AES key of `rsa-aes`, as in AWS's procedure (`openssl rand 32`).
const EPHEMERAL_AES_KEY_LEN: usize = 32;

/// RSA-OAEP as aws-lc-rs offers it: MGF1 over the same hash, SHA-1 or SHA-2 except SHA-224.
fn oaep_algorithm(mechanism: &str, hash: Hash, mgf: Hash) -> Result<&'static OaepAlgorithm> {
    if mgf != hash {
        return Err(crypto_error(format!(
            "{mechanism} with {} needs {}, not {}: the MGF1 hash must match the hash function",
            hash.name(),
            hash.mgf_name(),
            mgf.mgf_name()
        )));
    }
    match hash {
        Hash::Sha1 => Ok(&OAEP_SHA1_MGF1SHA1),
        Hash::Sha256 => Ok(&OAEP_SHA256_MGF1SHA256),
        Hash::Sha384 => Ok(&OAEP_SHA384_MGF1SHA384),
        Hash::Sha512 => Ok(&OAEP_SHA512_MGF1SHA512),
        Hash::Sha224 => Err(crypto_error(format!(
            "{mechanism} with sha224 is not supported by the simulator: use sha1, sha256, sha384 \
             or sha512"
        ))),
    }
}

fn public_key(public: &PublicMaterial) -> Result<PublicEncryptingKey> {
    PublicEncryptingKey::from_der(public.as_der())
        .map_err(|_| crypto_error("The wrapping key is not a usable RSA public key"))
}

fn private_key(private: &SecretMaterial) -> Result<PrivateDecryptingKey> {
    PrivateDecryptingKey::from_pkcs8(private.expose())
        .map_err(|_| crypto_error("The unwrapping key is not a usable RSA private key"))
}

fn too_large(
    mechanism: &str,
    payload_len: usize,
    modulus_bits: usize,
    limit: usize,
) -> crate::error::Error {
    crypto_error(format!(
        "A {payload_len}-byte payload does not fit {mechanism} with a {modulus_bits}-bit key (at \
         most {limit} bytes): use rsa-aes"
    ))
}

pub(super) fn wrap_oaep(
    mechanism: &str,
    public: &PublicMaterial,
    hash: Hash,
    mgf: Hash,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let algorithm = oaep_algorithm(mechanism, hash, mgf)?;
    let key = OaepPublicEncryptingKey::new(public_key(public)?)
        .map_err(|_| crypto_error("The wrapping key is not a usable RSA public key"))?;
    let limit = key.max_plaintext_size(algorithm);
    if payload.len() > limit {
        return Err(too_large(
            mechanism,
            payload.len(),
            key.key_size_bits(),
            limit,
        ));
    }
    let mut wrapped = vec![0u8; key.ciphertext_size()];
    let length = key
        .encrypt(algorithm, payload, &mut wrapped, None)
        .map_err(|_| crypto_error("RSA-OAEP encryption failed"))?
        .len();
    wrapped.truncate(length);
    Ok(wrapped)
}

pub(super) fn unwrap_oaep(
    mechanism: &str,
    private: &SecretMaterial,
    hash: Hash,
    mgf: Hash,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let algorithm = oaep_algorithm(mechanism, hash, mgf)?;
    let key = OaepPrivateDecryptingKey::new(private_key(private)?)
        .map_err(|_| crypto_error("The unwrapping key is not a usable RSA private key"))?;
    let mut payload = Zeroizing::new(vec![0u8; key.min_output_size()]);
    let length = key
        .decrypt(algorithm, data, &mut payload, None)
        .map_err(|_| integrity_failure())?
        .len();
    payload.truncate(length);
    Ok(payload)
}

pub(super) fn wrap_pkcs1(public: &PublicMaterial, payload: &[u8]) -> Result<Vec<u8>> {
    let key = Pkcs1PublicEncryptingKey::new(public_key(public)?)
        .map_err(|_| crypto_error("The wrapping key is not a usable RSA public key"))?;
    let limit = key.max_plaintext_size();
    if payload.len() > limit {
        return Err(too_large(
            "rsa-pkcs",
            payload.len(),
            key.key_size_bits(),
            limit,
        ));
    }
    let mut wrapped = vec![0u8; key.ciphertext_size()];
    let length = key
        .encrypt(payload, &mut wrapped)
        .map_err(|_| crypto_error("RSA PKCS#1 v1.5 encryption failed"))?
        .len();
    wrapped.truncate(length);
    Ok(wrapped)
}

pub(super) fn unwrap_pkcs1(private: &SecretMaterial, data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let key = Pkcs1PrivateDecryptingKey::new(private_key(private)?)
        .map_err(|_| crypto_error("The unwrapping key is not a usable RSA private key"))?;
    let mut payload = Zeroizing::new(vec![0u8; key.min_output_size()]);
    let length = key
        .decrypt(data, &mut payload)
        .map_err(|_| integrity_failure())?
        .len();
    payload.truncate(length);
    Ok(payload)
}

pub(super) fn wrap_rsa_aes(
    public: &PublicMaterial,
    hash: Hash,
    mgf: Hash,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let ephemeral = SecretMaterial::new(random_bytes(EPHEMERAL_AES_KEY_LEN)?);
    let mut wrapped = wrap_oaep("rsa-aes", public, hash, mgf, ephemeral.expose())?;
    wrapped.extend(wrap_kwp(&ephemeral, payload)?);
    Ok(wrapped)
}

pub(super) fn unwrap_rsa_aes(
    private: &SecretMaterial,
    hash: Hash,
    mgf: Hash,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let modulus_len = private_key(private)?.key_size_bytes();
    if data.len() <= modulus_len {
        return Err(integrity_failure());
    }
    let (wrapped_key, wrapped_payload) = data.split_at(modulus_len);
    let ephemeral = SecretMaterial::new(unwrap_oaep("rsa-aes", private, hash, mgf, wrapped_key)?);
    unwrap_kwp(&ephemeral, wrapped_payload)
}

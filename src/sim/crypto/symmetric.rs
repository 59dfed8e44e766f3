//! AES-256-GCM encryption of caller data under a key held in the simulator (what KMS Encrypt and
//! Decrypt do with a key in a CloudHSM key store): a thin layer over `gcm` with the full tag.

use super::gcm::{self, IV_LEN};
use super::material::SecretMaterial;
use crate::error::Result;
use aws_lc_rs::hmac;
use zeroize::Zeroizing;

/// GCM's full tag, in bits: data encryption never truncates it.
const TAG_BITS: usize = 128;

/// The length of the IV [`encrypt_data`] takes.
pub const DATA_IV_LEN: usize = IV_LEN;

/// Encrypts `plaintext` under `key` with `iv`, which the caller draws fresh for every call;
/// returns `ciphertext ‖ tag`.
pub fn encrypt_data(
    key: &SecretMaterial,
    iv: &[u8; IV_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    gcm::seal_with_iv(key, TAG_BITS, *iv, aad, plaintext)
}

/// A fresh IV for [`encrypt_data`]: random bytes, or, when `deterministic`, a synthetic IV (as in
/// SIV modes): HMAC-SHA256 under a key derived from `key`, over `aad` and `plaintext`. A synthetic
/// IV repeats only for the same key, AAD and plaintext, that is for the same ciphertext, so even
/// a copied state directory cannot make two different messages share an IV.
pub fn data_iv(
    key: &SecretMaterial,
    aad: &[u8],
    plaintext: &[u8],
    deterministic: bool,
) -> Result<[u8; IV_LEN]> {
    let mut iv = [0u8; IV_LEN];
    if deterministic {
        let derived = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, key.expose()),
            SYNTHETIC_IV_LABEL,
        );
        let mac_key = hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref());
        let mut context = hmac::Context::with_key(&mac_key);
        context.update(&(aad.len() as u64).to_be_bytes());
        context.update(aad);
        context.update(plaintext);
        iv.copy_from_slice(&context.sign().as_ref()[..IV_LEN]);
    } else {
        iv.copy_from_slice(&super::random_bytes(IV_LEN)?);
    }
    Ok(iv)
}

/// Derives the synthetic-IV key from a data key, apart from its use by AES-GCM.
const SYNTHETIC_IV_LABEL: &[u8] = b"cloudhsm-shell synthetic iv key";

/// Decrypts `ciphertext ‖ tag` after checking the tag against `aad`; fails on any tampering.
pub fn decrypt_data(
    key: &SecretMaterial,
    aad: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    gcm::open(key, TAG_BITS, aad, iv, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_tampering_and_other_aad() {
        let key = SecretMaterial::new(vec![7u8; 32]);
        let iv = [9u8; IV_LEN];
        let sealed = encrypt_data(&key, &iv, b"aad", b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + 16);
        assert_eq!(
            decrypt_data(&key, b"aad", &iv, &sealed).unwrap().as_slice(),
            b"hello"
        );
        assert!(decrypt_data(&key, b"other", &iv, &sealed).is_err());
        let synthetic = |aad: &[u8], plaintext: &[u8]| data_iv(&key, aad, plaintext, true).unwrap();
        assert_eq!(synthetic(b"aad", b"hello"), synthetic(b"aad", b"hello"));
        assert_ne!(synthetic(b"aad", b"hello"), synthetic(b"aad", b"hellp"));
        assert_ne!(synthetic(b"aa", b"dhello"), synthetic(b"aad", b"hello"));
        assert_ne!(
            data_iv(&key, b"aad", b"hello", false).unwrap(),
            data_iv(&key, b"aad", b"hello", false).unwrap()
        );
        let mut tampered = sealed.clone();
        tampered[0] ^= 1;
        assert!(decrypt_data(&key, b"aad", &iv, &tampered).is_err());
    }
}

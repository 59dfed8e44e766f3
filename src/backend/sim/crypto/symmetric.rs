//! AES-256-GCM encryption of caller data under a key held in the simulator (what KMS Encrypt and
//! Decrypt do with a key in a CloudHSM key store): a thin layer over `gcm` with the full tag.

use super::gcm::{self, IV_LEN};
use super::material::SecretMaterial;
use crate::error::Result;
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
        let mut tampered = sealed.clone();
        tampered[0] ^= 1;
        assert!(decrypt_data(&key, b"aad", &iv, &tampered).is_err());
    }
}

//! AES-256-GCM encryption of caller data under a key held in the simulator (what KMS Encrypt and
//! Decrypt do with a key in a CloudHSM key store), and random bytes for GenerateRandom. Both are
//! thin layers over `gcm` and aws-lc's random number generator.

use super::gcm::{self, IV_LEN};
use super::material::SecretMaterial;
use crate::error::Result;
use zeroize::Zeroizing;

/// GCM's full tag, in bits: data encryption never truncates it.
const TAG_BITS: usize = 128;

/// The length of the IV [`encrypt_data`] draws.
pub const DATA_IV_LEN: usize = IV_LEN;

/// Encrypts `plaintext` under `key` with a fresh random IV; returns the IV and
/// `ciphertext ‖ tag`.
pub fn encrypt_data(
    key: &SecretMaterial,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; IV_LEN], Vec<u8>)> {
    gcm::seal(key, TAG_BITS, aad, plaintext)
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

/// `length` bytes from the system's random number generator.
pub fn random(length: usize) -> Result<Zeroizing<Vec<u8>>> {
    super::random_bytes(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_tampering_and_other_aad() {
        let key = SecretMaterial::new(random(32).unwrap().to_vec());
        let (iv, sealed) = encrypt_data(&key, b"aad", b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + 16);
        assert_eq!(
            decrypt_data(&key, b"aad", &iv, &sealed).unwrap().as_slice(),
            b"hello"
        );
        assert!(decrypt_data(&key, b"other", &iv, &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[0] ^= 1;
        assert!(decrypt_data(&key, b"aad", &iv, &tampered).is_err());
        assert_eq!(random(1024).unwrap().len(), 1024);
    }
}

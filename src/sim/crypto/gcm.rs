//! AES-GCM for `aes-gcm` and `cloudhsm-aes-gcm` key wrap, with the tag lengths the CLI's
//! `--tag-length-bits` allows (AWS's own example uses 64).
//!
//! aws-lc-rs seals with the full 128-bit tag; a shorter tag is its leftmost bytes (SP 800-38D
//! §7.1 step 6, `MSB_t`). aws-lc-rs opens only full tags, so a truncated tag is checked by
//! recomputing: decrypt with AES-CTR from GCM's first counter block `IV ‖ 00000002` (§7.1 steps
//! 2-3 for a 96-bit IV; aws-lc's CTR increments 128 bits where GCM increments the low 32, which
//! differs only after 2^32 blocks, far beyond any key), seal that plaintext again with the same
//! IV and AAD, and compare the tag prefixes in constant time. Nothing is released before the
//! comparison succeeds.

use super::aes_wrap::integrity_failure;
use super::material::SecretMaterial;
use super::{crypto_error, random_bytes};
use crate::error::Result;
use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{self, EncryptingKey, EncryptionContext, UnboundCipherKey};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::iv::FixedLength;
use zeroize::Zeroizing;

/// The IV the HSM draws for each wrap (the `iv` of `key wrap aes-gcm`, 12 bytes in AWS's example).
pub(super) const IV_LEN: usize = 12;

/// GCM's full tag.
const FULL_TAG_LEN: usize = 16;

/// `--tag-length-bits` in bytes: a multiple of 8 from 64 to 128.
pub(super) fn tag_length_bytes(tag_length_bits: usize) -> Result<usize> {
    if !tag_length_bits.is_multiple_of(8) || !(64..=128).contains(&tag_length_bits) {
        return Err(crypto_error(format!(
            "tag-length-bits {tag_length_bits} is not supported: use a multiple of 8 from 64 to 128"
        )));
    }
    Ok(tag_length_bits / 8)
}

/// Encrypts `payload` under a fresh random IV; returns the IV and `ciphertext ‖ tag`.
pub(super) fn seal(
    key: &SecretMaterial,
    tag_length_bits: usize,
    aad: &[u8],
    payload: &[u8],
) -> Result<([u8; IV_LEN], Vec<u8>)> {
    let mut iv = [0u8; IV_LEN];
    iv.copy_from_slice(&random_bytes(IV_LEN)?);
    let sealed = seal_with_iv(key, tag_length_bits, iv, aad, payload)?;
    Ok((iv, sealed))
}

/// Encrypts `payload` under `iv`, which must never repeat under one key; returns
/// `ciphertext ‖ tag`.
pub(super) fn seal_with_iv(
    key: &SecretMaterial,
    tag_length_bits: usize,
    iv: [u8; IV_LEN],
    aad: &[u8],
    payload: &[u8],
) -> Result<Vec<u8>> {
    let tag_len = tag_length_bytes(tag_length_bits)?;
    let mut sealed = Zeroizing::new(payload.to_vec());
    let tag = aead_key(key)?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(aad),
            &mut sealed,
        )
        .map_err(|_| crypto_error("AES-GCM encryption failed"))?;
    sealed.extend_from_slice(&tag.as_ref()[..tag_len]);
    Ok(sealed.to_vec())
}

/// Decrypts `ciphertext ‖ tag` after checking the tag.
pub(super) fn open(
    key: &SecretMaterial,
    tag_length_bits: usize,
    aad: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let tag_len = tag_length_bytes(tag_length_bits)?;
    let iv: [u8; IV_LEN] = iv.try_into().map_err(|_| {
        crypto_error(format!(
            "The AES-GCM IV must be {IV_LEN} bytes, not {}",
            iv.len()
        ))
    })?;
    if data.len() < tag_len {
        return Err(integrity_failure());
    }
    let aead_key = aead_key(key)?;
    let nonce = || Nonce::assume_unique_for_key(iv);
    if tag_len == FULL_TAG_LEN {
        let mut opened = Zeroizing::new(data.to_vec());
        let plaintext_len = aead_key
            .open_in_place(nonce(), Aad::from(aad), &mut opened)
            .map_err(|_| integrity_failure())?
            .len();
        opened.truncate(plaintext_len);
        return Ok(opened);
    }

    let (ciphertext, tag) = data.split_at(data.len() - tag_len);
    let mut plaintext = Zeroizing::new(ciphertext.to_vec());
    let mut first_counter_block = [0u8; 16];
    first_counter_block[..IV_LEN].copy_from_slice(&iv);
    first_counter_block[15] = 2;
    let failed = |_| crypto_error("AES-GCM decryption failed");
    let ctr_key = UnboundCipherKey::new(ctr_algorithm(key)?, key.expose()).map_err(failed)?;
    EncryptingKey::ctr(ctr_key)
        .map_err(failed)?
        .less_safe_encrypt(
            &mut plaintext,
            EncryptionContext::Iv128(FixedLength::from(first_counter_block)),
        )
        .map_err(failed)?;
    let mut resealed = Zeroizing::new(plaintext.to_vec());
    let full_tag = aead_key
        .seal_in_place_separate_tag(nonce(), Aad::from(aad), &mut resealed)
        .map_err(failed)?;
    verify_slices_are_equal(&full_tag.as_ref()[..tag_len], tag).map_err(|_| integrity_failure())?;
    Ok(plaintext)
}

fn aead_key(key: &SecretMaterial) -> Result<LessSafeKey> {
    let algorithm = match key.len() {
        16 => &aead::AES_128_GCM,
        24 => &aead::AES_192_GCM,
        32 => &aead::AES_256_GCM,
        length => return Err(wrong_key_length(length)),
    };
    let key = UnboundKey::new(algorithm, key.expose())
        .map_err(|_| crypto_error("Invalid AES-GCM key"))?;
    Ok(LessSafeKey::new(key))
}

fn ctr_algorithm(key: &SecretMaterial) -> Result<&'static cipher::Algorithm> {
    match key.len() {
        16 => Ok(&cipher::AES_128),
        24 => Ok(&cipher::AES_192),
        32 => Ok(&cipher::AES_256),
        length => Err(wrong_key_length(length)),
    }
}

fn wrong_key_length(length: usize) -> crate::error::Error {
    crypto_error(format!(
        "An AES wrapping key must be 16, 24 or 32 bytes, not {length}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_length_round_trips_and_detects_tampering() {
        for key_len in [16, 24, 32] {
            let key = SecretMaterial::new(random_bytes(key_len).unwrap());
            for tag_length_bits in (64..=128).step_by(8) {
                let payload = b"0123456789abcdef0123456789abcdef";
                let (iv, sealed) = seal(&key, tag_length_bits, b"aad", payload).unwrap();
                assert_eq!(sealed.len(), payload.len() + tag_length_bits / 8);
                let opened = open(&key, tag_length_bits, b"aad", &iv, &sealed).unwrap();
                assert_eq!(opened.as_slice(), payload);
                for position in [0, sealed.len() - 1] {
                    let mut tampered = sealed.clone();
                    tampered[position] ^= 1;
                    assert!(open(&key, tag_length_bits, b"aad", &iv, &tampered).is_err());
                }
                assert!(open(&key, tag_length_bits, b"other", &iv, &sealed).is_err());
                let mut other_iv = iv;
                other_iv[0] ^= 1;
                assert!(open(&key, tag_length_bits, b"aad", &other_iv, &sealed).is_err());
            }
        }
    }

    #[test]
    fn a_truncated_tag_is_the_prefix_of_the_full_tag() {
        let key = SecretMaterial::new(vec![7; 16]);
        let (iv, full) = seal(&key, 128, b"", b"payload-payload!").unwrap();
        let truncated = [&full[..16], &full[16..24]].concat();
        assert_eq!(
            open(&key, 64, b"", &iv, &truncated).unwrap().as_slice(),
            b"payload-payload!"
        );
    }

    #[test]
    fn unsupported_tag_lengths_and_ivs_are_refused() {
        for bits in [0, 32, 60, 136] {
            assert_eq!(
                tag_length_bytes(bits).unwrap_err().to_string(),
                format!(
                    "tag-length-bits {bits} is not supported: use a multiple of 8 from 64 to 128"
                )
            );
        }
        let key = SecretMaterial::new(vec![7; 16]);
        let error = open(&key, 128, b"", &[0; 16], &[0; 32]).unwrap_err();
        assert_eq!(error.to_string(), "The AES-GCM IV must be 12 bytes, not 16");
    }
}

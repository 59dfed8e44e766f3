//! AES key wrap (RFC 3394, "KW") and key wrap with padding (RFC 5649, "KWP") from the `aes-kw`
//! crate, and the three CloudHSM AES wrapping mechanisms built on KW:
//!
//! - `aes-no-pad`: KW of the payload as is; it must be a multiple of 8 bytes and at least 16.
//! - `aes-pkcs5-pad`: PKCS#5 padding to the next multiple of 8 (1 to 8 bytes of value n), then
//!   KW; payloads of at least 8 bytes, since KW needs two 8-byte semiblocks.
//! - `aes-zero-pad`: zero bytes up to a multiple of 8 and at least 16 bytes, then KW. The
//!   padding cannot be told from key bytes, so unwrapping needs the payload length; without it
//!   a DER payload (a PKCS#8 private key) is cut at its DER length and anything else is kept
//!   whole, which is exact for AES keys (always a multiple of 8, never padded).

use super::crypto_error;
use super::material::SecretMaterial;
use crate::error::{Error, Result};
use aes_kw::{KekAes128, KekAes192, KekAes256};
use block_padding::{Pkcs7, RawPadding};
use der::{Decode, Encode, Header, SliceReader, Tag};
use zeroize::Zeroizing;

/// The KW semiblock.
const SEMIBLOCK: usize = 8;

/// A key-encryption key of any AES size.
enum Kek {
    Aes128(KekAes128),
    Aes192(KekAes192),
    Aes256(KekAes256),
}

impl Kek {
    fn new(key: &SecretMaterial) -> Result<Kek> {
        let bytes = key.expose();
        let wrong_size = |_| {
            crypto_error(format!(
                "An AES wrapping key must be 16, 24 or 32 bytes, not {}",
                bytes.len()
            ))
        };
        match bytes.len() {
            16 => KekAes128::try_from(bytes)
                .map(Kek::Aes128)
                .map_err(wrong_size),
            24 => KekAes192::try_from(bytes)
                .map(Kek::Aes192)
                .map_err(wrong_size),
            _ => KekAes256::try_from(bytes)
                .map(Kek::Aes256)
                .map_err(wrong_size),
        }
    }

    fn wrap(&self, data: &[u8]) -> Result<Vec<u8>> {
        match self {
            Kek::Aes128(kek) => kek.wrap_vec(data),
            Kek::Aes192(kek) => kek.wrap_vec(data),
            Kek::Aes256(kek) => kek.wrap_vec(data),
        }
        .map_err(|_| crypto_error("AES key wrap failed"))
    }

    fn unwrap(&self, data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            Kek::Aes128(kek) => kek.unwrap_vec(data),
            Kek::Aes192(kek) => kek.unwrap_vec(data),
            Kek::Aes256(kek) => kek.unwrap_vec(data),
        }
        .map(Zeroizing::new)
        .map_err(|_| integrity_failure())
    }

    fn wrap_with_padding(&self, data: &[u8]) -> Result<Vec<u8>> {
        match self {
            Kek::Aes128(kek) => kek.wrap_with_padding_vec(data),
            Kek::Aes192(kek) => kek.wrap_with_padding_vec(data),
            Kek::Aes256(kek) => kek.wrap_with_padding_vec(data),
        }
        .map_err(|_| crypto_error("AES key wrap with padding failed"))
    }

    fn unwrap_with_padding(&self, data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            Kek::Aes128(kek) => kek.unwrap_with_padding_vec(data),
            Kek::Aes192(kek) => kek.unwrap_with_padding_vec(data),
            Kek::Aes256(kek) => kek.unwrap_with_padding_vec(data),
        }
        .map(Zeroizing::new)
        .map_err(|_| integrity_failure())
    }
}

/// What every failed unwrap says: the integrity check cannot tell a wrong key from bad data.
pub(super) fn integrity_failure() -> Error {
    crypto_error("Unwrap failed: the data is corrupt or was not wrapped with this key")
}

pub(super) fn wrap_no_pad(key: &SecretMaterial, payload: &[u8]) -> Result<Vec<u8>> {
    if !payload.len().is_multiple_of(SEMIBLOCK) || payload.len() < 2 * SEMIBLOCK {
        return Err(crypto_error(format!(
            "aes-no-pad needs a payload that is a multiple of 8 bytes and at least 16, but it is \
             {} bytes: use aes-pkcs5-pad or aes-zero-pad",
            payload.len()
        )));
    }
    Kek::new(key)?.wrap(payload)
}

pub(super) fn unwrap_no_pad(key: &SecretMaterial, data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    Kek::new(key)?.unwrap(data)
}

pub(super) fn wrap_pkcs5_pad(key: &SecretMaterial, payload: &[u8]) -> Result<Vec<u8>> {
    if payload.len() < SEMIBLOCK {
        return Err(crypto_error(format!(
            "aes-pkcs5-pad needs a payload of at least 8 bytes, but it is {} bytes: use aes-gcm \
             or aes-zero-pad",
            payload.len()
        )));
    }
    // PKCS#5 always pads, with a whole semiblock of 08 when the payload ends on a boundary.
    let blocks = payload.len() / SEMIBLOCK + 1;
    let mut padded = zero_extended(payload, blocks * SEMIBLOCK);
    let last_block = padded.len() - SEMIBLOCK;
    Pkcs7::raw_pad(&mut padded[last_block..], payload.len() - last_block);
    Kek::new(key)?.wrap(&padded)
}

pub(super) fn unwrap_pkcs5_pad(key: &SecretMaterial, data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let mut padded = Kek::new(key)?.unwrap(data)?;
    let last_block = padded.len() - SEMIBLOCK;
    let kept = Pkcs7::raw_unpad(&padded[last_block..])
        .map_err(|_| integrity_failure())?
        .len();
    padded.truncate(last_block + kept);
    Ok(padded)
}

pub(super) fn wrap_zero_pad(key: &SecretMaterial, payload: &[u8]) -> Result<Vec<u8>> {
    Kek::new(key)?.wrap(&zero_extended(payload, zero_padded_len(payload.len())))
}

pub(super) fn unwrap_zero_pad(
    key: &SecretMaterial,
    data: &[u8],
    payload_length: Option<usize>,
) -> Result<Zeroizing<Vec<u8>>> {
    let mut padded = Kek::new(key)?.unwrap(data)?;
    let length = match payload_length {
        Some(length) if padded.len() != zero_padded_len(length) => {
            return Err(crypto_error(format!(
                "The unwrapped data is {} bytes, which is not a zero-padded payload of {length} \
                 bytes",
                padded.len()
            )));
        }
        Some(length) => length,
        None => der_length(&padded).unwrap_or(padded.len()),
    };
    if padded[length..].iter().any(|&byte| byte != 0) {
        return Err(integrity_failure());
    }
    padded.truncate(length);
    Ok(padded)
}

/// RFC 5649 wrap, for `rsa-aes`.
pub(super) fn wrap_kwp(key: &SecretMaterial, payload: &[u8]) -> Result<Vec<u8>> {
    Kek::new(key)?.wrap_with_padding(payload)
}

pub(super) fn unwrap_kwp(key: &SecretMaterial, data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    Kek::new(key)?.unwrap_with_padding(data)
}

/// What `aes-zero-pad` pads a payload of `length` bytes to: whole semiblocks, at least the two
/// that KW needs.
fn zero_padded_len(length: usize) -> usize {
    length.div_ceil(SEMIBLOCK).max(2) * SEMIBLOCK
}

/// `payload` followed by zero bytes up to `length`.
fn zero_extended(payload: &[u8], length: usize) -> Zeroizing<Vec<u8>> {
    let mut extended = Zeroizing::new(vec![0u8; length]);
    extended[..payload.len()].copy_from_slice(payload);
    extended
}

/// The length of the DER SEQUENCE that `bytes` starts with, when the rest is its zero padding.
fn der_length(bytes: &[u8]) -> Option<usize> {
    let mut reader = SliceReader::new(bytes).ok()?;
    let header = Header::decode(&mut reader).ok()?;
    if header.tag != Tag::Sequence {
        return None;
    }
    let total = usize::try_from((header.encoded_len().ok()? + header.length).ok()?).ok()?;
    (zero_padded_len(total) == bytes.len()).then_some(total)
}

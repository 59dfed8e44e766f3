//! EdDSA on edwards25519 for `crypto sign|verify ed25519` and `ed25519ph`: pure Ed25519
//! (RFC 8032 §5.1) through aws-lc-rs, and Ed25519ph (HashEdDSA over SHA-512, empty context)
//! through AWS-LC's own functions, which aws-lc-rs does not wrap.

use super::crypto_error;
use crate::backend::hsm::mechanism::{DataType, Hash};
use crate::error::Result;
use aws_lc_rs::encoding::{AsBigEndian, Curve25519SeedBin};
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use zeroize::Zeroizing;

/// The most data `crypto sign ed25519` takes, as on a real cluster.
pub const MAX_PURE_DATA_BYTES: usize = 16_000;
const SIGNATURE_BYTES: usize = 64;
const PUBLIC_KEY_BYTES: usize = 32;
const SHA512_BYTES: usize = 64;

/// An Ed25519 private key parsed once: the aws-lc-rs pair for pure signatures, and AWS-LC's
/// 64-byte private key (seed ‖ public key) for Ed25519ph.
pub struct Ed25519Signer {
    pair: Ed25519KeyPair,
    expanded: Zeroizing<[u8; 64]>,
}

impl Ed25519Signer {
    pub fn from_pkcs8(der: &[u8]) -> Result<Ed25519Signer> {
        let rejected =
            || crypto_error("Invalid private key: the PKCS#8 does not hold an Ed25519 key");
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|_| rejected())?;
        let seed: Curve25519SeedBin<'_> = pair
            .seed()
            .and_then(|seed| seed.as_be_bytes())
            .map_err(|_| rejected())?;
        let mut expanded = Zeroizing::new([0u8; 64]);
        expanded[..32].copy_from_slice(seed.as_ref());
        expanded[32..].copy_from_slice(pair.public_key().as_ref());
        Ok(Ed25519Signer { pair, expanded })
    }

    /// The 32-byte public key.
    #[cfg(test)]
    pub fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    pub fn pair(&self) -> &Ed25519KeyPair {
        &self.pair
    }

    /// PureEdDSA over `data` (at most [`MAX_PURE_DATA_BYTES`]).
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        check_pure_length(data)?;
        Ok(self.pair.sign(data).as_ref().to_vec())
    }

    /// Ed25519ph over `data`, or over the SHA-512 digest `data` is with `DataType::Digest`.
    pub fn sign_prehashed(&self, hash: Hash, data_type: DataType, data: &[u8]) -> Result<Vec<u8>> {
        let digest = prehash(hash, data_type, data)?;
        let mut signature = vec![0u8; SIGNATURE_BYTES];
        // SAFETY: every pointer is to a live buffer of the length AWS-LC reads or writes:
        // 64 signature bytes out, a 64-byte digest, the 64-byte private key, no context.
        let signed = unsafe {
            aws_lc_sys::ED25519ph_sign_digest(
                signature.as_mut_ptr(),
                digest.as_ptr(),
                self.expanded.as_ptr(),
                std::ptr::null(),
                0,
            )
        };
        if signed != 1 {
            return Err(crypto_error("Ed25519ph signing failed"));
        }
        Ok(signature)
    }
}

/// Whether `signature` is a PureEdDSA signature of `data` by the 32-byte `public_key`.
pub fn verify(public_key: &[u8], data: &[u8], signature: &[u8]) -> Result<bool> {
    check_pure_length(data)?;
    Ok(UnparsedPublicKey::new(&ED25519, public_key)
        .verify(data, signature)
        .is_ok())
}

/// Whether `signature` is an Ed25519ph signature of `data` (or of the digest it is).
pub fn verify_prehashed(
    public_key: &[u8],
    hash: Hash,
    data_type: DataType,
    data: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let digest = prehash(hash, data_type, data)?;
    if signature.len() != SIGNATURE_BYTES || public_key.len() != PUBLIC_KEY_BYTES {
        return Ok(false);
    }
    // SAFETY: the digest, signature and public key are live buffers of the 64, 64 and 32 bytes
    // AWS-LC reads; there is no context.
    let verified = unsafe {
        aws_lc_sys::ED25519ph_verify_digest(
            digest.as_ptr(),
            signature.as_ptr(),
            public_key.as_ptr(),
            std::ptr::null(),
            0,
        )
    };
    Ok(verified == 1)
}

fn check_pure_length(data: &[u8]) -> Result<()> {
    if data.len() > MAX_PURE_DATA_BYTES {
        return Err(crypto_error(format!(
            "ed25519 signs at most {MAX_PURE_DATA_BYTES} bytes of data, and this is {} bytes: use \
             ed25519ph for more",
            data.len()
        )));
    }
    Ok(())
}

/// The SHA-512 digest Ed25519ph signs: computed from raw data, or the data itself.
fn prehash(hash: Hash, data_type: DataType, data: &[u8]) -> Result<[u8; SHA512_BYTES]> {
    if hash != Hash::Sha512 {
        return Err(crypto_error(format!(
            "ed25519ph hashes with sha512 only, not {}",
            hash.name()
        )));
    }
    let digest = super::sign::prehash(hash, data_type, data)?;
    let mut bytes = [0u8; SHA512_BYTES];
    bytes.copy_from_slice(digest.as_ref());
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::crypto::hash::HashCrypto;
    use aws_lc_rs::rand::SystemRandom;

    fn signer() -> Ed25519Signer {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8v1(&SystemRandom::new()).unwrap();
        Ed25519Signer::from_pkcs8(pkcs8.as_ref()).unwrap()
    }

    #[test]
    fn rfc_8032_test_1_signs_the_empty_message() {
        // RFC 8032 §7.1, TEST 1: the secret key, its public key and the signature of "".
        let seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let mut pkcs8 = hex("302e020100300506032b657004220420");
        pkcs8.extend_from_slice(&seed);
        let signer = Ed25519Signer::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(
            signer.public_key(),
            hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        );
        assert_eq!(
            signer.sign(b"").unwrap(),
            hex(
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
                 5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
            )
        );
    }

    #[test]
    fn rfc_8032_ed25519ph_test_abc() {
        // RFC 8032 §7.3, TEST abc.
        let seed = hex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42");
        let mut pkcs8 = hex("302e020100300506032b657004220420");
        pkcs8.extend_from_slice(&seed);
        let signer = Ed25519Signer::from_pkcs8(&pkcs8).unwrap();
        let signature = signer
            .sign_prehashed(Hash::Sha512, DataType::Raw, b"abc")
            .unwrap();
        assert_eq!(
            signature,
            hex(
                "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
                 31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"
            )
        );
        assert!(
            verify_prehashed(
                signer.public_key(),
                Hash::Sha512,
                DataType::Raw,
                b"abc",
                &signature
            )
            .unwrap()
        );
        let digest = Hash::Sha512.digest(b"abc");
        assert_eq!(
            signer
                .sign_prehashed(Hash::Sha512, DataType::Digest, digest.as_ref())
                .unwrap(),
            signature
        );
    }

    #[test]
    fn signatures_verify_and_tampering_does_not() {
        let signer = signer();
        let signature = signer.sign(b"hello").unwrap();
        assert!(verify(signer.public_key(), b"hello", &signature).unwrap());
        assert!(!verify(signer.public_key(), b"hellp", &signature).unwrap());
        let long = vec![0u8; MAX_PURE_DATA_BYTES + 1];
        assert!(
            signer
                .sign(&long)
                .unwrap_err()
                .to_string()
                .contains("at most 16000")
        );
        assert!(
            signer
                .sign_prehashed(Hash::Sha256, DataType::Raw, b"x")
                .unwrap_err()
                .to_string()
                .contains("sha512 only")
        );
    }

    fn hex(text: &str) -> Vec<u8> {
        let text: String = text.split_whitespace().collect();
        base16ct::lower::decode_vec(text).unwrap()
    }
}

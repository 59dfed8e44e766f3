//! The simulator's cryptography: key generation, signatures, key wrapping, PEM files, key check
//! values and the vault that encrypts key material at rest. A pure library: it knows nothing of
//! SQLite, JSON or the shell, and speaks in the CloudHSM CLI's terms (mechanism, curve and hash
//! names) only in its error messages.
//!
//! Its vocabulary is the domain's, shared with every HSM backend: `Curve` and `KeyType` from
//! [`crate::backend::hsm::key`], and `Hash`, `DataType`, `SignMechanism`, `WrapMechanism` and
//! `KeySpec` from [`crate::backend::hsm::mechanism`]. This module adds what only the engine needs
//! to know about them (OIDs, field sizes, which library signs, digests) and re-exports none of
//! them.
//!
//! Every primitive comes from a maintained library: `aws-lc-rs` for RSA, ECDSA on P-256, P-384,
//! P-521 and secp256k1, Ed25519, AES-GCM, AES-ECB/CTR, RSA-OAEP and PKCS#1 encryption and the digests;
//! AWS-LC's own Ed25519ph through `aws-lc-sys` (the one `unsafe` call site, in `eddsa`, since
//! aws-lc-rs does not wrap it); RustCrypto's `p224` for secp224r1, `aes-kw` for RFC 3394/5649 key wrap, `block-padding` for
//! the wrap paddings, and `der`/`spki`/`pkcs1`/`pkcs8`/`sec1` for every ASN.1 and PEM structure.
//!
//! - `material`: the key bytes ([`SecretMaterial`], [`PublicMaterial`]) and [`AsymmetricKind`].
//! - `curve`, `hash`: the engine's side of each curve (OID, `CKA_EC_PARAMS`, field size, which
//!   library signs with which digest) and of each hash (aws-lc-rs algorithm, DigestInfo OID).
//! - `generate`: making the key a `KeySpec` asks for, once it validates.
//! - `facts`: what the attribute table shows about a public key.
//! - `check_value`: the 3-byte key check value.
//! - `sign` (with `rsa_signature`, `ecdsa` and `eddsa`): sign and verify per CLI mechanism.
//! - `wrap` (with `aes_wrap`, `gcm` and `rsa_wrap`): key wrap and unwrap per CLI mechanism.
//! - `pem`: SubjectPublicKeyInfo PEM in and out, and the reference PEM of `key generate-file`.
//! - `symmetric`: AES-GCM encryption of caller data (KMS Encrypt/Decrypt) and random bytes.
//! - `vault`: AES-256-GCM sealing of key material under the state directory's master key.

mod aes_wrap;
mod check_value;
mod curve;
mod ecdsa;
mod eddsa;
mod facts;
mod gcm;
mod generate;
mod hash;
mod material;
mod pem;
mod rsa_signature;
mod rsa_wrap;
mod sign;
mod symmetric;
mod vault;
mod wrap;

#[cfg(test)]
mod openssl_interop;
#[cfg(test)]
mod wrap_tests;

pub use check_value::{CheckValueInput, check_value};
pub use curve::ec_params_der;
pub use facts::{PublicFacts, public_facts, public_from_private};
pub use generate::generate;
pub use material::{AsymmetricKind, Generated, PublicMaterial, SecretMaterial};
pub use pem::{
    NOT_PEM, decode_strict, parse_public_der, parse_public_pem, parse_reference_pem, public_pem,
    reference_pem,
};
pub use sign::{SigningKey, prehashed_input, sign, verify, wrong_key_kind};
pub use symmetric::{DATA_IV_LEN, data_iv, decrypt_data, encrypt_data};
pub use vault::{MASTER_KEY_FILE_NAME, Vault};
pub use wrap::{UnwrappingKey, Wrapped, WrappingKey, unwrap, wrap};

use crate::error::Error;

/// The error every refusal and failure of this module becomes: a complete one-line message.
fn crypto_error(message: impl Into<String>) -> Error {
    Error::Crypto {
        message: message.into(),
    }
}

/// One source of randomness for keys, IVs and nonces: the operating system's, through aws-lc.
fn random_bytes(length: usize) -> crate::error::Result<zeroize::Zeroizing<Vec<u8>>> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut bytes = zeroize::Zeroizing::new(vec![0u8; length]);
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| crypto_error("The system random number generator failed"))?;
    Ok(bytes)
}

/// The SubjectPublicKeyInfo DER of a PKCS #8 private key PEM (`-----BEGIN PRIVATE KEY-----`):
/// what a client certificate's key must match.
pub fn public_key_of_private_pem(pem: &crate::secret::Secret) -> crate::error::Result<Vec<u8>> {
    let invalid = || crate::error::Error::InvalidInput {
        what: "client key",
        reason: "expected a -----BEGIN PRIVATE KEY----- (PKCS #8) of an RSA or EC key".to_owned(),
    };
    let (label, der) =
        der::pem::decode_vec(pem.expose().trim().as_bytes()).map_err(|_| invalid())?;
    let der = zeroize::Zeroizing::new(der);
    if label != "PRIVATE KEY" {
        return Err(invalid());
    }
    let signing = sign::SigningKey::from_material(&SecretMaterial::new(der.to_vec()))
        .map_err(|_| invalid())?;
    Ok(signing.public_material()?.as_der().to_vec())
}

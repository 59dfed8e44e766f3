//! The key check value (`check-value`, printed `0x` + 6 hex digits): three bytes that identify a
//! key without revealing it.
//!
//! AWS CloudHSM documents the methods ("Check value in CloudHSM CLI", chsm-cli-key-attribute-
//! details): symmetric keys take the first 3 bytes of encrypting a zero block with the key, key
//! pairs the first 3 bytes of the SHA-1 hash of the public key. Generic secret keys follow
//! PKCS#11 3.0 (§ "Generic secret key objects", `CKA_CHECK_VALUE`): the first 3 bytes of the
//! SHA-1 hash of the key value. "The public key" is hashed as its SubjectPublicKeyInfo DER, the
//! form anyone can reproduce outside the HSM with
//! `openssl pkey -pubin -outform DER | openssl sha1`; both halves of a pair therefore share one
//! check value, derived from the public half.

use super::crypto_error;
use super::facts::public_from_private;
use super::hash::HashCrypto;
use super::material::{PublicMaterial, SecretMaterial};
use crate::backend::hsm::key::KeyType;
use crate::backend::hsm::mechanism::Hash;
use crate::error::Result;
use aws_lc_rs::cipher::{AES_128, AES_192, AES_256, EncryptingKey, UnboundCipherKey};

/// The key whose check value is wanted: a secret (symmetric key, or a private key as PKCS#8),
/// or the public half of a pair.
#[derive(Clone, Copy, Debug)]
pub enum CheckValueInput<'a> {
    Secret(&'a SecretMaterial),
    Public(&'a PublicMaterial),
}

/// The check value of a key of `key_type`. A private key may be given instead of its public half:
/// the public half is derived first, so both halves always agree.
pub fn check_value(key_type: KeyType, input: CheckValueInput<'_>) -> Result<[u8; 3]> {
    match (key_type, input) {
        (KeyType::Aes, CheckValueInput::Secret(key)) => aes_check_value(key),
        (KeyType::GenericSecret, CheckValueInput::Secret(key)) => {
            Ok(first_three(Hash::Sha1.digest(key.expose()).as_ref()))
        }
        (KeyType::Rsa | KeyType::Ec, CheckValueInput::Public(public)) => {
            Ok(public_check_value(public))
        }
        (KeyType::Rsa | KeyType::Ec, CheckValueInput::Secret(private)) => {
            Ok(public_check_value(&public_from_private(private)?))
        }
        (KeyType::Aes | KeyType::GenericSecret, CheckValueInput::Public(_)) => Err(crypto_error(
            format!("{} keys have no public half", key_type.as_str()),
        )),
    }
}

fn public_check_value(public: &PublicMaterial) -> [u8; 3] {
    first_three(Hash::Sha1.digest(public.as_der()).as_ref())
}

/// AES-ECB of one zero block, through aws-lc's block cipher.
fn aes_check_value(key: &SecretMaterial) -> Result<[u8; 3]> {
    let algorithm = match key.len() {
        16 => &AES_128,
        24 => &AES_192,
        32 => &AES_256,
        length => {
            return Err(crypto_error(format!(
                "An AES key must be 16, 24 or 32 bytes, not {length}"
            )));
        }
    };
    let failed = |_| crypto_error("AES check value computation failed");
    let cipher = UnboundCipherKey::new(algorithm, key.expose()).map_err(failed)?;
    let mut block = [0u8; 16];
    EncryptingKey::ecb(cipher)
        .map_err(failed)?
        .encrypt(&mut block)
        .map_err(failed)?;
    Ok(first_three(&block))
}

fn first_three(bytes: &[u8]) -> [u8; 3] {
    [bytes[0], bytes[1], bytes[2]]
}

#[cfg(test)]
mod tests {
    use super::super::generate::generate;
    use super::*;
    use crate::backend::hsm::key::Curve;
    use crate::backend::hsm::mechanism::KeySpec;

    #[test]
    fn aes_known_answer_from_fips_197() {
        // FIPS 197 appendix C.1 uses key 00..0f; AES-128 of the zero block under it starts
        // c6 a1 3b (as `openssl enc -aes-128-ecb -nopad` also prints).
        let key = SecretMaterial::new((0u8..16).collect::<Vec<_>>());
        let value = check_value(KeyType::Aes, CheckValueInput::Secret(&key)).unwrap();
        assert_eq!(value, [0xc6, 0xa1, 0x3b]);
    }

    #[test]
    fn every_aes_size_works_and_other_sizes_are_refused() {
        for bytes in [16, 24, 32] {
            let key = generate(&KeySpec::Aes { bytes }).unwrap().secret;
            check_value(KeyType::Aes, CheckValueInput::Secret(&key)).unwrap();
        }
        let odd = SecretMaterial::new(vec![0; 20]);
        assert!(check_value(KeyType::Aes, CheckValueInput::Secret(&odd)).is_err());
    }

    #[test]
    fn generic_secret_is_sha1_of_the_value() {
        // SHA-1("abc") = a9993e36... (FIPS 180-2 appendix A.1).
        let key = SecretMaterial::new(b"abc".to_vec());
        let value = check_value(KeyType::GenericSecret, CheckValueInput::Secret(&key)).unwrap();
        assert_eq!(value, [0xa9, 0x99, 0x3e]);
    }

    #[test]
    fn both_halves_of_every_pair_share_the_check_value() {
        let mut specs = vec![KeySpec::Rsa {
            modulus_bits: 2048,
            public_exponent: 65537,
        }];
        specs.extend(Curve::ALL.map(|curve| KeySpec::Ec { curve }));
        for spec in specs {
            let generated = generate(&spec).unwrap();
            let key_type = match spec {
                KeySpec::Rsa { .. } => KeyType::Rsa,
                _ => KeyType::Ec,
            };
            let public = generated.public.as_ref().unwrap();
            let from_public = check_value(key_type, CheckValueInput::Public(public)).unwrap();
            let from_private =
                check_value(key_type, CheckValueInput::Secret(&generated.secret)).unwrap();
            assert_eq!(from_public, from_private, "{spec:?}");
            assert_eq!(
                from_public,
                first_three(Hash::Sha1.digest(public.as_der()).as_ref())
            );
        }
    }

    #[test]
    fn symmetric_keys_have_no_public_half() {
        let public = generate(&KeySpec::Ec {
            curve: Curve::Secp256k1,
        })
        .unwrap()
        .public
        .unwrap();
        let error = check_value(KeyType::Aes, CheckValueInput::Public(&public)).unwrap_err();
        assert_eq!(error.to_string(), "aes keys have no public half");
    }
}

//! The cryptographic vocabulary of the `crypto` and `key` commands: hash functions, sign and
//! wrap mechanisms with their parameters, and what a key generation asks for. Pure values that
//! every HSM backend speaks (the simulator's crypto engine in `sim::crypto` and any
//! other); the curves and key types are in [`super::key`].
//!
//! Names are the CloudHSM CLI's. A name that does not parse, or a [`KeySpec`] that is refused,
//! is an [`Error::Crypto`] whose message says which values work.
//!
//! - [`Hash`](enum@Hash): `--hash-function` and `--mgf`; [`DataType`]: `--data-type`.
//! - [`SignMechanism`]: `crypto sign` / `crypto verify`; [`WrapMechanism`]: `key wrap` /
//!   `key unwrap`.
//! - [`KeySpec`]: a key to generate, with the CLI's limits and the simulator's.

use super::key::Curve;
use crate::error::{Error, Result};

/// The error of a name that does not parse or a spec that is refused.
fn refused(message: String) -> Error {
    Error::Crypto { message }
}

/// A hash function under its CLI name (`sha1` … `sha512`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub const ALL: [Hash; 5] = [
        Hash::Sha1,
        Hash::Sha224,
        Hash::Sha256,
        Hash::Sha384,
        Hash::Sha512,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "sha1",
            Hash::Sha224 => "sha224",
            Hash::Sha256 => "sha256",
            Hash::Sha384 => "sha384",
            Hash::Sha512 => "sha512",
        }
    }

    pub fn parse(name: &str) -> Result<Hash> {
        Hash::ALL
            .into_iter()
            .find(|hash| hash.name() == name)
            .ok_or_else(|| {
                refused(format!(
                    "Unknown hash function '{name}': use sha1, sha224, sha256, sha384 or sha512"
                ))
            })
    }

    /// The `--mgf` spelling of MGF1 over this hash, e.g. `mgf1-sha256`.
    pub fn mgf_name(self) -> String {
        format!("mgf1-{}", self.name())
    }

    pub fn parse_mgf(name: &str) -> Result<Hash> {
        Hash::ALL
            .into_iter()
            .find(|hash| hash.mgf_name() == name)
            .ok_or_else(|| {
                refused(format!(
                    "Unknown mask generation function '{name}': use mgf1-sha1, mgf1-sha224, \
                     mgf1-sha256, mgf1-sha384 or mgf1-sha512"
                ))
            })
    }

    /// The length of a digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha224 => 28,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }
}

/// `--data-type`: whether `--data` is the message itself or already its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataType {
    Raw,
    Digest,
}

impl DataType {
    pub fn name(self) -> &'static str {
        match self {
            DataType::Raw => "raw",
            DataType::Digest => "digest",
        }
    }

    pub fn parse(name: &str) -> Result<DataType> {
        match name {
            "raw" => Ok(DataType::Raw),
            "digest" => Ok(DataType::Digest),
            _ => Err(refused(format!(
                "Unknown data type '{name}': use raw or digest"
            ))),
        }
    }
}

/// A signing mechanism of `crypto sign` / `crypto verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignMechanism {
    /// RSASSA-PKCS1-v1_5. With `DataType::Digest` the data is a DER DigestInfo (RFC 8017 §9.2).
    RsaPkcs,
    /// RSASSA-PSS with MGF1 and a salt of `salt_length` bytes. With `DataType::Digest` the data
    /// is the bare hash.
    RsaPkcsPss { mgf: Hash, salt_length: usize },
    /// ECDSA; signatures are the fixed-size `r ‖ s` of AWS's examples, not DER. With
    /// `DataType::Digest` the data is the bare hash.
    Ecdsa,
    /// PureEdDSA (RFC 8032 Ed25519) over at most 16,000 bytes; takes no hash.
    Ed25519,
    /// HashEdDSA (Ed25519ph) over SHA-512; with `DataType::Digest` the data is that digest.
    Ed25519ph,
}

impl SignMechanism {
    pub fn name(&self) -> &'static str {
        match self {
            SignMechanism::RsaPkcs => "rsa-pkcs",
            SignMechanism::RsaPkcsPss { .. } => "rsa-pkcs-pss",
            SignMechanism::Ecdsa => "ecdsa",
            SignMechanism::Ed25519 => "ed25519",
            SignMechanism::Ed25519ph => "ed25519ph",
        }
    }

    /// Whether it signs with an Edwards (EdDSA) key.
    pub fn is_eddsa(&self) -> bool {
        matches!(self, SignMechanism::Ed25519 | SignMechanism::Ed25519ph)
    }
}

/// A wrapping mechanism of `key wrap` with its parameters (the same value serves `key unwrap`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WrapMechanism {
    AesGcm {
        tag_length_bits: usize,
        aad: Option<Vec<u8>>,
    },
    AesNoPad,
    AesPkcs5Pad,
    AesZeroPad,
    CloudhsmAesGcm {
        tag_length_bits: usize,
        aad: Option<Vec<u8>>,
    },
    RsaAes {
        hash: Hash,
        mgf: Hash,
    },
    RsaOaep {
        hash: Hash,
        mgf: Hash,
    },
    RsaPkcs,
}

impl WrapMechanism {
    /// Whether an RSA key wraps and unwraps with this mechanism (an AES key otherwise).
    pub fn uses_rsa(&self) -> bool {
        matches!(
            self,
            WrapMechanism::RsaAes { .. } | WrapMechanism::RsaOaep { .. } | WrapMechanism::RsaPkcs
        )
    }

    pub fn name(&self) -> &'static str {
        match self {
            WrapMechanism::AesGcm { .. } => "aes-gcm",
            WrapMechanism::AesNoPad => "aes-no-pad",
            WrapMechanism::AesPkcs5Pad => "aes-pkcs5-pad",
            WrapMechanism::AesZeroPad => "aes-zero-pad",
            WrapMechanism::CloudhsmAesGcm { .. } => "cloudhsm-aes-gcm",
            WrapMechanism::RsaAes { .. } => "rsa-aes",
            WrapMechanism::RsaOaep { .. } => "rsa-oaep",
            WrapMechanism::RsaPkcs => "rsa-pkcs",
        }
    }
}

/// `--key-length-bytes` values `key generate-symmetric aes` accepts.
pub const AES_KEY_LENGTHS: [usize; 3] = [16, 24, 32];

/// `--key-length-bytes` range of `key generate-symmetric generic-secret`.
pub const GENERIC_SECRET_LENGTHS: std::ops::RangeInclusive<usize> = 1..=800;

/// The CLI's floor for `--modulus-size-bits`.
pub const RSA_MIN_MODULUS_BITS: usize = 2048;

/// The modulus sizes the simulator (aws-lc-rs) generates; the CLI would take any multiple it
/// supports above 2048, the simulator refuses the others with a message that lists these.
pub const RSA_MODULUS_SIZES: [usize; 4] = [2048, 3072, 4096, 8192];

/// The one public exponent the simulator (aws-lc-rs) generates with (F4).
pub const RSA_PUBLIC_EXPONENT: u64 = 65537;

/// A key to generate, in the terms of the `key generate-*` commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpec {
    Aes {
        bytes: usize,
    },
    GenericSecret {
        bytes: usize,
    },
    Rsa {
        modulus_bits: usize,
        public_exponent: u64,
    },
    Ec {
        curve: Curve,
    },
}

impl KeySpec {
    /// Refuses what the CLI refuses, and what the simulator cannot make, each with a message
    /// that says which values work.
    pub fn validate(&self) -> Result<()> {
        match *self {
            KeySpec::Aes { bytes } if !AES_KEY_LENGTHS.contains(&bytes) => Err(refused(format!(
                "key-length-bytes {bytes} is not valid for an AES key: use 16, 24 or 32"
            ))),
            KeySpec::GenericSecret { bytes } if !GENERIC_SECRET_LENGTHS.contains(&bytes) => {
                Err(refused(format!(
                    "key-length-bytes {bytes} is not valid for a generic secret key: use 1 to 800"
                )))
            }
            KeySpec::Rsa { modulus_bits, .. } if modulus_bits < RSA_MIN_MODULUS_BITS => {
                Err(refused(format!(
                    "modulus-size-bits {modulus_bits} is too small: RSA keys need at least 2048 bits"
                )))
            }
            KeySpec::Rsa { modulus_bits, .. } if !RSA_MODULUS_SIZES.contains(&modulus_bits) => {
                Err(refused(format!(
                    "modulus-size-bits {modulus_bits} is not supported by the simulator: use 2048, \
                     3072, 4096 or 8192"
                )))
            }
            KeySpec::Rsa {
                public_exponent, ..
            } if public_exponent % 2 == 0 || public_exponent < RSA_PUBLIC_EXPONENT => {
                Err(refused(format!(
                    "public-exponent {public_exponent} is not valid: it must be odd and at least 65537"
                )))
            }
            KeySpec::Rsa {
                public_exponent, ..
            } if public_exponent != RSA_PUBLIC_EXPONENT => Err(refused(format!(
                "public-exponent {public_exponent} is not supported by the simulator: use 65537"
            ))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for hash in Hash::ALL {
            assert_eq!(Hash::parse(hash.name()).unwrap(), hash);
            assert_eq!(Hash::parse_mgf(&hash.mgf_name()).unwrap(), hash);
        }
        assert!(Hash::parse("md5").is_err());
        assert!(Hash::parse_mgf("sha256").is_err());
        for data_type in [DataType::Raw, DataType::Digest] {
            assert_eq!(DataType::parse(data_type.name()).unwrap(), data_type);
        }
        assert!(DataType::parse("external-mu").is_err());
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        assert_eq!(
            Hash::parse("md5").unwrap_err().to_string(),
            "Unknown hash function 'md5': use sha1, sha224, sha256, sha384 or sha512"
        );
        assert_eq!(
            Hash::parse_mgf("sha256").unwrap_err().to_string(),
            "Unknown mask generation function 'sha256': use mgf1-sha1, mgf1-sha224, \
             mgf1-sha256, mgf1-sha384 or mgf1-sha512"
        );
        assert_eq!(
            DataType::parse("external-mu").unwrap_err().to_string(),
            "Unknown data type 'external-mu': use raw or digest"
        );
    }

    #[test]
    fn output_lengths() {
        let lengths: Vec<_> = Hash::ALL.iter().map(|hash| hash.output_len()).collect();
        assert_eq!(lengths, [20, 28, 32, 48, 64]);
    }

    fn refusal(spec: KeySpec) -> String {
        spec.validate().unwrap_err().to_string()
    }

    #[test]
    fn valid_specs_pass() {
        for bytes in AES_KEY_LENGTHS {
            KeySpec::Aes { bytes }.validate().unwrap();
        }
        for bytes in [1, 32, 800] {
            KeySpec::GenericSecret { bytes }.validate().unwrap();
        }
        for modulus_bits in RSA_MODULUS_SIZES {
            KeySpec::Rsa {
                modulus_bits,
                public_exponent: 65537,
            }
            .validate()
            .unwrap();
        }
        for curve in Curve::ALL {
            KeySpec::Ec { curve }.validate().unwrap();
        }
    }

    #[test]
    fn symmetric_lengths_outside_the_cli_rules_are_refused() {
        assert_eq!(
            refusal(KeySpec::Aes { bytes: 20 }),
            "key-length-bytes 20 is not valid for an AES key: use 16, 24 or 32"
        );
        for bytes in [0, 801] {
            assert_eq!(
                refusal(KeySpec::GenericSecret { bytes }),
                format!(
                    "key-length-bytes {bytes} is not valid for a generic secret key: use 1 to 800"
                )
            );
        }
    }

    #[test]
    fn rsa_sizes_and_exponents_are_checked() {
        let rsa = |modulus_bits, public_exponent| KeySpec::Rsa {
            modulus_bits,
            public_exponent,
        };
        assert_eq!(
            refusal(rsa(1024, 65537)),
            "modulus-size-bits 1024 is too small: RSA keys need at least 2048 bits"
        );
        assert_eq!(
            refusal(rsa(2304, 65537)),
            "modulus-size-bits 2304 is not supported by the simulator: use 2048, 3072, 4096 or 8192"
        );
        for exponent in [3, 65536, 65538] {
            assert_eq!(
                refusal(rsa(2048, exponent)),
                format!(
                    "public-exponent {exponent} is not valid: it must be odd and at least 65537"
                )
            );
        }
        assert_eq!(
            refusal(rsa(2048, 65539)),
            "public-exponent 65539 is not supported by the simulator: use 65537"
        );
    }
}

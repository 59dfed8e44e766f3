//! What a key generation asks for, checked against the CLI's rules and what the simulator's
//! libraries can make.

use super::crypto_error;
use super::curve::Curve;
use crate::error::Result;

/// `--key-length-bytes` values `key generate-symmetric aes` accepts.
pub const AES_KEY_LENGTHS: [usize; 3] = [16, 24, 32];

/// `--key-length-bytes` range of `key generate-symmetric generic-secret`.
pub const GENERIC_SECRET_LENGTHS: std::ops::RangeInclusive<usize> = 1..=800;

/// The CLI's floor for `--modulus-size-bits`.
pub const RSA_MIN_MODULUS_BITS: usize = 2048;

/// The modulus sizes aws-lc-rs generates; the CLI would take any multiple it supports above
/// 2048, the simulator refuses the others with a message that lists these.
pub const RSA_MODULUS_SIZES: [usize; 4] = [2048, 3072, 4096, 8192];

/// The one public exponent aws-lc-rs generates with (F4).
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
            KeySpec::Aes { bytes } if !AES_KEY_LENGTHS.contains(&bytes) => Err(crypto_error(
                format!("key-length-bytes {bytes} is not valid for an AES key: use 16, 24 or 32"),
            )),
            KeySpec::GenericSecret { bytes } if !GENERIC_SECRET_LENGTHS.contains(&bytes) => {
                Err(crypto_error(format!(
                    "key-length-bytes {bytes} is not valid for a generic secret key: use 1 to 800"
                )))
            }
            KeySpec::Rsa { modulus_bits, .. } if modulus_bits < RSA_MIN_MODULUS_BITS => {
                Err(crypto_error(format!(
                    "modulus-size-bits {modulus_bits} is too small: RSA keys need at least 2048 bits"
                )))
            }
            KeySpec::Rsa { modulus_bits, .. } if !RSA_MODULUS_SIZES.contains(&modulus_bits) => {
                Err(crypto_error(format!(
                    "modulus-size-bits {modulus_bits} is not supported by the simulator: use 2048, \
                     3072, 4096 or 8192"
                )))
            }
            KeySpec::Rsa {
                public_exponent, ..
            } if public_exponent % 2 == 0 || public_exponent < RSA_PUBLIC_EXPONENT => {
                Err(crypto_error(format!(
                    "public-exponent {public_exponent} is not valid: it must be odd and at least 65537"
                )))
            }
            KeySpec::Rsa {
                public_exponent, ..
            } if public_exponent != RSA_PUBLIC_EXPONENT => Err(crypto_error(format!(
                "public-exponent {public_exponent} is not supported by the simulator: use 65537"
            ))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

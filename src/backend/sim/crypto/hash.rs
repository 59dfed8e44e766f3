//! The hash functions of `--hash-function` and `--mgf`, and the `--data-type` of sign/verify.

use super::crypto_error;
use crate::error::Result;
use aws_lc_rs::digest;
use der::asn1::ObjectIdentifier;

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
                crypto_error(format!(
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
                crypto_error(format!(
                    "Unknown mask generation function '{name}': use mgf1-sha1, mgf1-sha224, \
                     mgf1-sha256, mgf1-sha384 or mgf1-sha512"
                ))
            })
    }

    pub fn output_len(self) -> usize {
        self.algorithm().output_len()
    }

    pub(super) fn digest(self, data: &[u8]) -> digest::Digest {
        digest::digest(self.algorithm(), data)
    }

    pub(super) fn algorithm(self) -> &'static digest::Algorithm {
        match self {
            Hash::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Hash::Sha224 => &digest::SHA224,
            Hash::Sha256 => &digest::SHA256,
            Hash::Sha384 => &digest::SHA384,
            Hash::Sha512 => &digest::SHA512,
        }
    }

    /// The algorithm OID a DER DigestInfo (RFC 8017 §9.2) names this hash by.
    pub(super) fn oid(self) -> ObjectIdentifier {
        match self {
            Hash::Sha1 => ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
            Hash::Sha224 => ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4"),
            Hash::Sha256 => ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1"),
            Hash::Sha384 => ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2"),
            Hash::Sha512 => ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3"),
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
            _ => Err(crypto_error(format!(
                "Unknown data type '{name}': use raw or digest"
            ))),
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
    fn output_lengths_and_a_known_answer() {
        let lengths: Vec<_> = Hash::ALL.iter().map(|hash| hash.output_len()).collect();
        assert_eq!(lengths, [20, 28, 32, 48, 64]);
        // FIPS 180-2 appendix B.1: SHA-256("abc").
        assert_eq!(
            Hash::Sha256.digest(b"abc").as_ref()[..4],
            [0xba, 0x78, 0x16, 0xbf]
        );
    }
}

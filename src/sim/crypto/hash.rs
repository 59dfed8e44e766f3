//! What the engine knows about each hash function of `--hash-function` and `--mgf` (the
//! domain's [`Hash`]): its aws-lc-rs algorithm and its DigestInfo OID.

use crate::backend::hsm::mechanism::Hash;
use aws_lc_rs::digest;
use der::asn1::ObjectIdentifier;

/// The cryptographic side of a domain [`Hash`].
pub(super) trait HashCrypto: Copy {
    /// The hash of `data`.
    fn digest(self, data: &[u8]) -> digest::Digest;

    /// The aws-lc-rs algorithm.
    fn algorithm(self) -> &'static digest::Algorithm;

    /// The algorithm OID a DER DigestInfo (RFC 8017 §9.2) names this hash by.
    fn oid(self) -> ObjectIdentifier;
}

impl HashCrypto for Hash {
    fn digest(self, data: &[u8]) -> digest::Digest {
        digest::digest(self.algorithm(), data)
    }

    fn algorithm(self) -> &'static digest::Algorithm {
        match self {
            Hash::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Hash::Sha224 => &digest::SHA224,
            Hash::Sha256 => &digest::SHA256,
            Hash::Sha384 => &digest::SHA384,
            Hash::Sha512 => &digest::SHA512,
        }
    }

    fn oid(self) -> ObjectIdentifier {
        match self {
            Hash::Sha1 => ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
            Hash::Sha224 => ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4"),
            Hash::Sha256 => ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1"),
            Hash::Sha384 => ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2"),
            Hash::Sha512 => ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lengths_match_the_algorithms_and_a_known_answer() {
        for hash in Hash::ALL {
            assert_eq!(hash.algorithm().output_len(), hash.output_len(), "{hash:?}");
            assert_eq!(hash.digest(b"abc").as_ref().len(), hash.output_len());
        }
        // FIPS 180-2 appendix B.1: SHA-256("abc").
        assert_eq!(
            Hash::Sha256.digest(b"abc").as_ref()[..4],
            [0xba, 0x78, 0x16, 0xbf]
        );
    }
}

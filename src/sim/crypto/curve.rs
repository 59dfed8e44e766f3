//! What the engine knows about each curve of `key generate-asymmetric-pair ec --curve` (the
//! domain's [`Curve`]): its OID and `CKA_EC_PARAMS`, its field size, and which library signs
//! on it with which digest.

use crate::backend::hsm::key::Curve;
use aws_lc_rs::digest::{self, SHA256, SHA384, SHA512};
use aws_lc_rs::signature::{self as lc, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm};
use der::Encode;
use der::asn1::ObjectIdentifier;

const SECP224R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.33");
const PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
/// `id-Ed25519` (RFC 8410): the SubjectPublicKeyInfo algorithm itself, with no parameters.
pub(crate) const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// Which library signs on a curve. aws-lc-rs has no P-224, so RustCrypto's `p224` does.
pub(crate) enum CurveEngine {
    AwsLc {
        /// The fixed-size (r‖s) signing algorithm.
        signing: &'static EcdsaSigningAlgorithm,
        verification: &'static EcdsaVerificationAlgorithm,
        /// The digest both algorithms are bound to; `ecdsa::fit_digest` adapts every hash to
        /// its length.
        digest: &'static digest::Algorithm,
    },
    RustCryptoP224,
    /// aws-lc-rs's Ed25519, and AWS-LC's Ed25519ph.
    Ed25519,
}

/// The cryptographic facts of a domain [`Curve`].
pub(crate) trait CurveCrypto: Copy {
    /// The named-curve OID, which PKCS#11's `CKA_EC_PARAMS` and the SubjectPublicKeyInfo carry.
    fn ec_params_oid(self) -> ObjectIdentifier;

    /// The size of a scalar or a coordinate in bytes.
    fn field_bytes(self) -> usize;

    /// The length of an uncompressed X9.62 point, `04 ‖ x ‖ y` (an Edwards key's 32 bytes).
    fn uncompressed_point_len(self) -> usize;

    /// Which library signs on this curve, and with which algorithms.
    fn engine(self) -> CurveEngine;
}

impl CurveCrypto for Curve {
    fn ec_params_oid(self) -> ObjectIdentifier {
        match self {
            Curve::Secp224r1 => SECP224R1,
            Curve::Prime256v1 | Curve::Secp256r1 => PRIME256V1,
            Curve::Secp384r1 => SECP384R1,
            Curve::Secp521r1 => SECP521R1,
            Curve::Secp256k1 => SECP256K1,
            Curve::Ed25519 => ED25519,
        }
    }

    fn field_bytes(self) -> usize {
        match self {
            Curve::Secp224r1 => 28,
            Curve::Prime256v1 | Curve::Secp256r1 | Curve::Secp256k1 | Curve::Ed25519 => 32,
            Curve::Secp384r1 => 48,
            Curve::Secp521r1 => 66,
        }
    }

    fn uncompressed_point_len(self) -> usize {
        if self.is_edwards() {
            // An Edwards public key is its 32-byte encoding (RFC 8032), not an X9.62 point.
            return self.field_bytes();
        }
        1 + 2 * self.field_bytes()
    }

    fn engine(self) -> CurveEngine {
        let (signing, verification, digest) = match self {
            Curve::Secp224r1 => return CurveEngine::RustCryptoP224,
            Curve::Ed25519 => return CurveEngine::Ed25519,
            Curve::Prime256v1 | Curve::Secp256r1 => (
                &lc::ECDSA_P256_SHA256_FIXED_SIGNING,
                &lc::ECDSA_P256_SHA256_FIXED,
                &SHA256,
            ),
            Curve::Secp384r1 => (
                &lc::ECDSA_P384_SHA384_FIXED_SIGNING,
                &lc::ECDSA_P384_SHA384_FIXED,
                &SHA384,
            ),
            // SHA-512 is P-521's widest digest; `ecdsa::fit_digest` relies on it being no wider
            // than the 521-bit order.
            Curve::Secp521r1 => (
                &lc::ECDSA_P521_SHA512_FIXED_SIGNING,
                &lc::ECDSA_P521_SHA512_FIXED,
                &SHA512,
            ),
            Curve::Secp256k1 => (
                &lc::ECDSA_P256K1_SHA256_FIXED_SIGNING,
                &lc::ECDSA_P256K1_SHA256_FIXED,
                &SHA256,
            ),
        };
        CurveEngine::AwsLc {
            signing,
            verification,
            digest,
        }
    }
}

/// `CKA_EC_PARAMS`: the DER encoding of the curve's named-curve OID, as PKCS#11 carries it.
pub fn ec_params_der(curve: Curve) -> Vec<u8> {
    // An OID from the constant table above always encodes.
    curve
        .ec_params_oid()
        .to_der()
        .expect("a constant OID encodes to DER")
}

/// The curve of a key read from outside. P-256 comes back as `prime256v1`, OpenSSL's name.
pub(crate) fn curve_from_oid(oid: &ObjectIdentifier) -> Option<Curve> {
    [
        Curve::Secp224r1,
        Curve::Prime256v1,
        Curve::Secp384r1,
        Curve::Secp521r1,
        Curve::Secp256k1,
        Curve::Ed25519,
    ]
    .into_iter()
    .find(|curve| curve.ec_params_oid() == *oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prime256v1_and_secp256r1_are_one_curve() {
        assert_eq!(curve_from_oid(&PRIME256V1), Some(Curve::Prime256v1));
        for curve in Curve::ALL {
            let back = curve_from_oid(&curve.ec_params_oid()).unwrap();
            assert!(back.is_same_curve(curve));
        }
    }

    #[test]
    fn same_curve_means_same_oid() {
        for a in Curve::ALL {
            for b in Curve::ALL {
                assert_eq!(
                    a.is_same_curve(b),
                    a.ec_params_oid() == b.ec_params_oid(),
                    "{a} and {b}"
                );
            }
        }
    }

    #[test]
    fn ec_params_are_the_der_oid() {
        assert_eq!(
            ec_params_der(Curve::Secp256r1),
            [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
        );
        assert_eq!(
            ec_params_der(Curve::Secp224r1),
            [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x21]
        );
    }

    #[test]
    fn point_lengths_follow_the_field_size() {
        assert_eq!(Curve::Secp224r1.uncompressed_point_len(), 57);
        assert_eq!(Curve::Prime256v1.uncompressed_point_len(), 65);
        assert_eq!(Curve::Secp521r1.uncompressed_point_len(), 133);
    }
}

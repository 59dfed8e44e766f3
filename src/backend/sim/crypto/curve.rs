//! The elliptic curves of `key generate-asymmetric-pair ec --curve`, their OIDs and which
//! library implements each.

use super::crypto_error;
use crate::error::Result;
use aws_lc_rs::digest::{self, SHA256, SHA384, SHA512};
use aws_lc_rs::signature::{self as lc, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm};
use der::Encode;
use der::asn1::ObjectIdentifier;

/// A curve under the exact name the CLI accepts. `Prime256v1` and `Secp256r1` are two names of
/// NIST P-256; both are kept so that a key shows the name it was created with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    Secp224r1,
    Prime256v1,
    Secp256r1,
    Secp384r1,
    Secp521r1,
    Secp256k1,
}

const SECP224R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.33");
const PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");

/// Which library signs on a curve. aws-lc-rs has no P-224, so RustCrypto's `p224` does.
pub(super) enum CurveEngine {
    AwsLc {
        /// The fixed-size (r‖s) signing algorithm.
        signing: &'static EcdsaSigningAlgorithm,
        verification: &'static EcdsaVerificationAlgorithm,
        /// The digest both algorithms are bound to; `ecdsa::fit_digest` adapts every hash to
        /// its length.
        digest: &'static digest::Algorithm,
    },
    RustCryptoP224,
}

impl Curve {
    pub const ALL: [Curve; 6] = [
        Curve::Prime256v1,
        Curve::Secp256r1,
        Curve::Secp224r1,
        Curve::Secp384r1,
        Curve::Secp256k1,
        Curve::Secp521r1,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Curve::Secp224r1 => "secp224r1",
            Curve::Prime256v1 => "prime256v1",
            Curve::Secp256r1 => "secp256r1",
            Curve::Secp384r1 => "secp384r1",
            Curve::Secp521r1 => "secp521r1",
            Curve::Secp256k1 => "secp256k1",
        }
    }

    pub fn parse(name: &str) -> Result<Curve> {
        Curve::ALL
            .into_iter()
            .find(|curve| curve.name() == name)
            .ok_or_else(|| {
                let names: Vec<_> = Curve::ALL.iter().map(|curve| curve.name()).collect();
                crypto_error(format!(
                    "Unknown curve '{name}': use one of {}",
                    names.join(", ")
                ))
            })
    }

    /// The named-curve OID, which PKCS#11's `CKA_EC_PARAMS` and the SubjectPublicKeyInfo carry.
    pub fn ec_params_oid(self) -> ObjectIdentifier {
        match self {
            Curve::Secp224r1 => SECP224R1,
            Curve::Prime256v1 | Curve::Secp256r1 => PRIME256V1,
            Curve::Secp384r1 => SECP384R1,
            Curve::Secp521r1 => SECP521R1,
            Curve::Secp256k1 => SECP256K1,
        }
    }

    /// `CKA_EC_PARAMS`: the DER encoding of [`Curve::ec_params_oid`].
    pub fn ec_params_der(self) -> Vec<u8> {
        // An OID from the constant table above always encodes.
        self.ec_params_oid()
            .to_der()
            .expect("a constant OID encodes to DER")
    }

    /// The curve of a key read from outside. P-256 comes back as `prime256v1`, OpenSSL's name.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Curve> {
        [
            Curve::Secp224r1,
            Curve::Prime256v1,
            Curve::Secp384r1,
            Curve::Secp521r1,
            Curve::Secp256k1,
        ]
        .into_iter()
        .find(|curve| curve.ec_params_oid() == *oid)
    }

    /// Whether two names denote the same curve (`prime256v1` and `secp256r1` do).
    pub fn same_curve_as(self, other: Curve) -> bool {
        self.ec_params_oid() == other.ec_params_oid()
    }

    /// The size of a scalar or a coordinate in bytes.
    pub fn field_bytes(self) -> usize {
        match self {
            Curve::Secp224r1 => 28,
            Curve::Prime256v1 | Curve::Secp256r1 | Curve::Secp256k1 => 32,
            Curve::Secp384r1 => 48,
            Curve::Secp521r1 => 66,
        }
    }

    /// The length of an uncompressed X9.62 point, `04 ‖ x ‖ y`.
    pub fn uncompressed_point_len(self) -> usize {
        1 + 2 * self.field_bytes()
    }

    pub(super) fn engine(self) -> CurveEngine {
        let (signing, verification, digest) = match self {
            Curve::Secp224r1 => return CurveEngine::RustCryptoP224,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_with_the_cli_spellings() {
        for curve in Curve::ALL {
            assert_eq!(Curve::parse(curve.name()).unwrap(), curve);
        }
        let error = Curve::parse("P-256").unwrap_err().to_string();
        assert_eq!(
            error,
            "Unknown curve 'P-256': use one of prime256v1, secp256r1, secp224r1, secp384r1, \
             secp256k1, secp521r1"
        );
    }

    #[test]
    fn prime256v1_and_secp256r1_are_one_curve() {
        assert!(Curve::Prime256v1.same_curve_as(Curve::Secp256r1));
        assert!(!Curve::Prime256v1.same_curve_as(Curve::Secp256k1));
        assert_eq!(Curve::from_oid(&PRIME256V1), Some(Curve::Prime256v1));
        for curve in Curve::ALL {
            let back = Curve::from_oid(&curve.ec_params_oid()).unwrap();
            assert!(back.same_curve_as(curve));
        }
    }

    #[test]
    fn ec_params_are_the_der_oid() {
        assert_eq!(
            Curve::Secp256r1.ec_params_der(),
            [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
        );
        assert_eq!(
            Curve::Secp224r1.ec_params_der(),
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

//! Public keys between PKCS#11's attributes (`CKA_MODULUS`, `CKA_EC_PARAMS`, `CKA_EC_POINT`)
//! and the SubjectPublicKeyInfo the shell's PEM files, check values and facts are made from.

use crate::backend::hsm::key::Curve;
use crate::error::{Error, Result};
use crate::sim::crypto::{PublicMaterial, ec_params_der};
use der::asn1::{BitString, OctetString};
use der::{Any, Decode, Encode};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

fn invalid(reason: &str) -> Error {
    Error::Crypto {
        message: format!("The token returned a public key the shell cannot read: {reason}"),
    }
}

/// The SubjectPublicKeyInfo of an RSA key from its big-endian modulus and public exponent.
pub fn rsa_spki(modulus: &[u8], public_exponent: &[u8]) -> Result<PublicMaterial> {
    let key = pkcs1::RsaPublicKey {
        modulus: pkcs1::UintRef::new(modulus).map_err(|_| invalid("bad modulus"))?,
        public_exponent: pkcs1::UintRef::new(public_exponent)
            .map_err(|_| invalid("bad public exponent"))?,
    };
    let key_der = key.to_der().map_err(|_| invalid("bad RSA key"))?;
    spki_der(
        AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        },
        &key_der,
    )
}

/// The SubjectPublicKeyInfo of an EC key from its curve and uncompressed point.
pub fn ec_spki(curve: Curve, point: &[u8]) -> Result<PublicMaterial> {
    let parameters =
        Any::from_der(&ec_params_der(curve)).map_err(|_| invalid("bad curve parameters"))?;
    spki_der(
        AlgorithmIdentifierOwned {
            oid: EC_PUBLIC_KEY,
            parameters: Some(parameters),
        },
        point,
    )
}

fn spki_der(algorithm: AlgorithmIdentifierOwned, key: &[u8]) -> Result<PublicMaterial> {
    let spki = SubjectPublicKeyInfoOwned {
        algorithm,
        subject_public_key: BitString::from_bytes(key).map_err(|_| invalid("bad key bits"))?,
    };
    spki.to_der()
        .map(PublicMaterial::new)
        .map_err(|_| invalid("cannot encode it"))
}

/// The curve whose `CKA_EC_PARAMS` (a named-curve OID in DER) these are; `prime256v1` for
/// P-256, the name `--curve` offers first.
pub fn curve_of(ec_params: &[u8]) -> Option<Curve> {
    // Edwards keys are another PKCS#11 key type (CKK_EC_EDWARDS), which the shell does not
    // drive on modules.
    Curve::ALL
        .into_iter()
        .filter(|curve| !curve.is_edwards())
        .find(|curve| ec_params_der(*curve) == ec_params)
}

/// The uncompressed point of a `CKA_EC_POINT`: PKCS#11 asks for a DER OCTET STRING around it,
/// and some modules give the bare point. A bare point has the curve's exact length, which tells
/// the two apart even when a bare point happens to look like an OCTET STRING header.
pub fn point_of(curve: Curve, ec_point: &[u8]) -> Vec<u8> {
    if ec_point.len() == bare_point_len(curve) {
        return ec_point.to_vec();
    }
    OctetString::from_der(ec_point)
        .map(|octets| octets.into_bytes())
        .unwrap_or_else(|_| ec_point.to_vec())
}

/// The `CKA_EC_POINT` the specification asks a module to take: the point as a DER OCTET STRING.
pub fn ec_point_attribute(point: &[u8]) -> Result<Vec<u8>> {
    OctetString::new(point)
        .and_then(|octets| octets.to_der())
        .map_err(|_| invalid("bad point"))
}

fn bare_point_len(curve: Curve) -> usize {
    let field_bytes = match curve {
        Curve::Prime256v1 | Curve::Secp256r1 | Curve::Secp256k1 => 32,
        Curve::Secp224r1 => 28,
        Curve::Secp384r1 => 48,
        Curve::Secp521r1 => 66,
        // An Edwards key is its 32-byte encoding, not an X9.62 point.
        Curve::Ed25519 => return 32,
    };
    1 + 2 * field_bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::crypto::{PublicFacts, parse_public_pem, public_facts};

    const RSA_PEM: &str = include_str!("../../../../tests/golden/pem/rsa2048-public.pem");
    const P256_PEM: &str = include_str!("../../../../tests/golden/pem/p256-public.pem");

    #[test]
    fn an_rsa_key_rebuilt_from_its_attributes_is_the_same_key() {
        let original = parse_public_pem(RSA_PEM).unwrap();
        let PublicFacts::Rsa {
            modulus,
            public_exponent,
            ..
        } = public_facts(&original).unwrap()
        else {
            panic!("not RSA");
        };
        assert_eq!(
            rsa_spki(&modulus, &public_exponent).unwrap().as_der(),
            original.as_der()
        );
    }

    #[test]
    fn an_ec_key_rebuilt_from_its_attributes_is_the_same_key() {
        let original = parse_public_pem(P256_PEM).unwrap();
        let PublicFacts::Ec { curve, point } = public_facts(&original).unwrap() else {
            panic!("not EC");
        };
        assert_eq!(curve_of(&ec_params_der(curve)), Some(Curve::Prime256v1));
        assert_eq!(ec_spki(curve, &point).unwrap().as_der(), original.as_der());
        let wrapped = ec_point_attribute(&point).unwrap();
        assert_eq!(wrapped.len(), point.len() + 2);
        assert_eq!(point_of(curve, &wrapped), point);
        assert_eq!(point_of(curve, &point), point);
    }

    #[test]
    fn unknown_curve_parameters_name_no_curve() {
        assert_eq!(curve_of(&[0x06, 0x03, 0x2b, 0x65, 0x70]), None);
    }
}

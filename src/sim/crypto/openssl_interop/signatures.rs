//! Signatures across the two implementations: `openssl dgst -verify` accepts the simulator's,
//! and the simulator verifies openssl's and signs with openssl-made PKCS#8 keys.

use super::super::curve::CurveCrypto;
use super::super::generate::generate;
use super::super::hash::HashCrypto;
use super::super::material::PublicMaterial;
use super::super::pem::public_pem;
use super::super::sign::{SigningKey, verify};
use super::{Workspace, der_to_fixed, fixed_to_der};
use crate::backend::hsm::key::Curve;
use crate::backend::hsm::mechanism::{DataType, Hash, KeySpec, SignMechanism};

/// openssl's `-sigopt` flags for a mechanism; `salt_length_for_verify` says how verification
/// names a hash-length salt (`-1`), since signing takes the number itself.
fn sigopts(mechanism: &SignMechanism, hash: Hash, salt_length_for_verify: bool) -> String {
    match mechanism {
        SignMechanism::RsaPkcsPss { salt_length, .. } => {
            let salt = if salt_length_for_verify && *salt_length == hash.output_len() {
                "-1".to_owned()
            } else {
                salt_length.to_string()
            };
            format!("-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:{salt}")
        }
        _ => String::new(),
    }
}

/// Asserts that openssl accepts `signature` over `data.bin` under `public`.
fn assert_openssl_verifies(
    workspace: &Workspace,
    mechanism: &SignMechanism,
    hash: Hash,
    public: &PublicMaterial,
    signature: &[u8],
) {
    workspace.write("pub.pem", public_pem(public));
    let signature = match mechanism {
        SignMechanism::Ecdsa => fixed_to_der(signature),
        _ => signature.to_vec(),
    };
    workspace.write("sig.bin", signature);
    let stdout = workspace.openssl(&format!(
        "dgst -{} -verify pub.pem {} -signature sig.bin data.bin",
        hash.name(),
        sigopts(mechanism, hash, true)
    ));
    assert_eq!(String::from_utf8_lossy(&stdout).trim(), "Verified OK");
}

/// Every key kind with every mechanism, hash and salt length it supports.
fn cases() -> Vec<(KeySpec, Vec<(SignMechanism, Hash)>)> {
    let mut rsa = Vec::new();
    for hash in [Hash::Sha256, Hash::Sha384, Hash::Sha512] {
        rsa.push((SignMechanism::RsaPkcs, hash));
        for salt_length in [0, 10, hash.output_len()] {
            let mechanism = SignMechanism::RsaPkcsPss {
                mgf: hash,
                salt_length,
            };
            rsa.push((mechanism, hash));
        }
    }
    let rsa_spec = KeySpec::Rsa {
        modulus_bits: 2048,
        public_exponent: 65537,
    };
    let mut cases = vec![(rsa_spec, rsa)];
    // openssl names no Edwards curve for -pkeyopt ec_paramgen_curve; Ed25519 has its own
    // interop test (tests/integration/eddsa.rs).
    for curve in Curve::ALL.into_iter().filter(|curve| !curve.is_edwards()) {
        let ecdsa = Hash::ALL.map(|hash| (SignMechanism::Ecdsa, hash)).to_vec();
        cases.push((KeySpec::Ec { curve }, ecdsa));
    }
    cases
}

#[test]
fn openssl_verifies_simulator_signatures() {
    let workspace = Workspace::new();
    let data = b"interop test data";
    workspace.write("data.bin", data);
    for (spec, mechanisms) in cases() {
        let generated = generate(&spec).unwrap();
        let public = generated.public.unwrap();
        let key = SigningKey::from_material(&generated.secret).unwrap();
        for (mechanism, hash) in mechanisms {
            for (data_type, signed) in [
                (DataType::Raw, data.to_vec()),
                (DataType::Digest, hash.digest(data).as_ref().to_vec()),
            ] {
                if mechanism == SignMechanism::RsaPkcs && data_type == DataType::Digest {
                    continue; // DigestInfo input is covered by rsa_signature's own tests.
                }
                let signature = key.sign(&mechanism, hash, data_type, &signed).unwrap();
                assert_openssl_verifies(&workspace, &mechanism, hash, &public, &signature);
            }
        }
    }
}

#[test]
fn simulator_verifies_openssl_signatures_and_signs_with_openssl_keys() {
    let workspace = Workspace::new();
    let data = b"signed by openssl";
    workspace.write("data.bin", data);
    for (spec, mechanisms) in cases() {
        let (secret, public) = workspace.openssl_key_pair(&spec);
        for (mechanism, hash) in &mechanisms {
            workspace.openssl(&format!(
                "dgst -{} -sign openssl-key.pem {} -out sig.bin data.bin",
                hash.name(),
                sigopts(mechanism, *hash, false)
            ));
            let mut signature = workspace.read("sig.bin");
            if let KeySpec::Ec { curve } = spec {
                signature = der_to_fixed(&signature, curve.field_bytes());
            }
            let check = |data: &[u8]| {
                verify(mechanism, *hash, DataType::Raw, &public, data, &signature).unwrap()
            };
            assert!(check(data), "{spec:?} {mechanism:?} {hash:?}");
            assert!(!check(b"other data"));
        }
        // openssl's PKCS#8 is usable key material: the simulator signs with it and openssl
        // verifies, and the public half derived from it is openssl's.
        let key = SigningKey::from_material(&secret).unwrap();
        assert_eq!(key.public_material().unwrap(), public);
        let (mechanism, hash) = mechanisms[0];
        let signature = key.sign(&mechanism, hash, DataType::Raw, data).unwrap();
        assert_openssl_verifies(&workspace, &mechanism, hash, &public, &signature);
    }
}

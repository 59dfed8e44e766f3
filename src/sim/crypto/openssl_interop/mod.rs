//! Interop with the real `openssl` binary: signatures, public and private key files, key wrap
//! formats, check values and reference PEMs must mean the same to OpenSSL as to the simulator.
//!
//! - `signatures`: each side verifies the other's signatures, on every mechanism and curve.
//! - `formats`: key wrap, check values and the reference PEM, checked with openssl commands.

mod formats;
mod signatures;

use super::material::{PublicMaterial, SecretMaterial};
use super::pem::parse_public_pem;
use crate::backend::hsm::key::Curve;
use crate::backend::hsm::mechanism::KeySpec;
use der::asn1::UintRef;
use der::{Decode, Encode, Sequence};
use std::fs;
use std::process::Command;
use tempfile::TempDir;

const OPENSSL: &str = "/usr/bin/openssl";

/// A temporary directory that openssl runs in, so commands name their files relatively.
struct Workspace(TempDir);

impl Workspace {
    fn new() -> Workspace {
        Workspace(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        fs::write(self.0.path().join(name), contents).unwrap();
    }

    fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.0.path().join(name)).unwrap()
    }

    /// Runs `openssl` with the space-separated `arguments` in the workspace and returns its
    /// stdout; a failing command fails the test with openssl's stderr.
    fn openssl(&self, arguments: &str) -> Vec<u8> {
        let output = Command::new(OPENSSL)
            .args(arguments.split_whitespace())
            .current_dir(self.0.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "openssl {arguments}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// A fresh key pair made by openssl: its private key stays in `openssl-key.pem`; the
    /// PKCS#8 DER comes back as key material and the public key as read from openssl's SPKI PEM.
    fn openssl_key_pair(&self, spec: &KeySpec) -> (SecretMaterial, PublicMaterial) {
        let algorithm = match spec {
            KeySpec::Rsa { modulus_bits, .. } => {
                format!("RSA -pkeyopt rsa_keygen_bits:{modulus_bits}")
            }
            KeySpec::Ec { curve } => format!(
                "EC -pkeyopt ec_paramgen_curve:{} -pkeyopt ec_param_enc:named_curve",
                openssl_curve_name(*curve)
            ),
            _ => unreachable!("only key pairs come from openssl here"),
        };
        self.openssl(&format!(
            "genpkey -algorithm {algorithm} -out openssl-key.pem"
        ));
        // `pkey -outform DER` writes the traditional PKCS#1/SEC 1 form; key material is PKCS#8.
        self.openssl("pkcs8 -topk8 -nocrypt -in openssl-key.pem -outform DER -out openssl-key.der");
        let public_pem = self.openssl("pkey -in openssl-key.pem -pubout");
        (
            SecretMaterial::new(self.read("openssl-key.der")),
            parse_public_pem(&String::from_utf8(public_pem).unwrap()).unwrap(),
        )
    }
}

fn openssl_curve_name(curve: Curve) -> &'static str {
    match curve {
        Curve::Secp256r1 => "prime256v1",
        other => other.as_str(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3), OpenSSL's form.
#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

fn fixed_to_der(signature: &[u8]) -> Vec<u8> {
    let (r, s) = signature.split_at(signature.len() / 2);
    EcdsaSigValue {
        r: UintRef::new(r).unwrap(),
        s: UintRef::new(s).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn der_to_fixed(signature: &[u8], field_bytes: usize) -> Vec<u8> {
    let value = EcdsaSigValue::from_der(signature).unwrap();
    let mut fixed = vec![0u8; 2 * field_bytes];
    for (half, integer) in [(1, value.r), (2, value.s)] {
        let bytes = integer.as_bytes();
        let end = half * field_bytes;
        fixed[end - bytes.len()..end].copy_from_slice(bytes);
    }
    fixed
}

#[test]
fn signature_conversion_round_trips_with_leading_zeros() {
    let mut fixed: Vec<u8> = (1..=64).collect();
    fixed[0] = 0;
    fixed[32] = 0x80;
    assert_eq!(der_to_fixed(&fixed_to_der(&fixed), 32), fixed);
}

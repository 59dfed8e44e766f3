//! Key wrap, check values and the reference PEM, against what openssl commands make of them.

use super::super::check_value::{CheckValueInput, check_value};
use super::super::generate::generate;
use super::super::pem::{public_pem, reference_pem};
use super::super::wrap::{UnwrappingKey, WrappingKey, unwrap, wrap};
use super::{Workspace, hex};
use crate::backend::hsm::key::{Curve, KeyType};
use crate::backend::hsm::mechanism::{Hash, KeySpec, WrapMechanism};

#[test]
fn aes_no_pad_is_openssl_key_wrap() {
    let workspace = Workspace::new();
    for key_bytes in [16, 24, 32] {
        let kek = generate(&KeySpec::Aes { bytes: key_bytes }).unwrap().secret;
        let payload = generate(&KeySpec::GenericSecret { bytes: 40 })
            .unwrap()
            .secret;
        workspace.write("payload.bin", payload.expose());
        let expected = workspace.openssl(&format!(
            "enc -id-aes{}-wrap -K {} -iv A6A6A6A6A6A6A6A6 -in payload.bin",
            key_bytes * 8,
            hex(kek.expose())
        ));
        let wrapped = wrap(&WrapMechanism::AesNoPad, WrappingKey::Aes(&kek), &payload).unwrap();
        assert_eq!(wrapped.data, expected);
    }
}

#[test]
fn rsa_aes_unwraps_what_the_aws_openssl_procedure_makes() {
    // AWS's procedure for importing keys with OpenSSL: OAEP-encrypt an ephemeral AES-256 key
    // with the wrapping public key, wrap the PKCS#8 payload with it (`-id-aes256-wrap-pad`),
    // and concatenate the two.
    let workspace = Workspace::new();
    let wrapping = generate(&KeySpec::Rsa {
        modulus_bits: 2048,
        public_exponent: 65537,
    })
    .unwrap();
    workspace.write(
        "wrapping-pub.pem",
        public_pem(wrapping.public.as_ref().unwrap()),
    );
    let (payload, _) = workspace.openssl_key_pair(&KeySpec::Ec {
        curve: Curve::Secp384r1,
    });
    workspace.openssl("rand -out ephemeral.bin 32");
    let ephemeral = hex(&workspace.read("ephemeral.bin"));
    for hash in [Hash::Sha1, Hash::Sha256] {
        let name = hash.name();
        workspace.openssl(&format!(
            "pkeyutl -encrypt -pubin -inkey wrapping-pub.pem -in ephemeral.bin \
             -out ephemeral.wrapped -pkeyopt rsa_padding_mode:oaep \
             -pkeyopt rsa_oaep_md:{name} -pkeyopt rsa_mgf1_md:{name}"
        ));
        let wrapped_payload = workspace.openssl(&format!(
            "enc -id-aes256-wrap-pad -K {ephemeral} -iv A65959A6 -in openssl-key.der"
        ));
        let data = [workspace.read("ephemeral.wrapped"), wrapped_payload].concat();
        let mechanism = WrapMechanism::RsaAes { hash, mgf: hash };
        let unwrapping = UnwrappingKey::RsaPrivate(&wrapping.secret);
        let unwrapped = unwrap(&mechanism, unwrapping, &data, None, None).unwrap();
        assert_eq!(unwrapped.expose(), payload.expose());
    }
}

#[test]
fn openssl_unwraps_rsa_oaep_and_rsa_pkcs() {
    let workspace = Workspace::new();
    let (_, public) = workspace.openssl_key_pair(&KeySpec::Rsa {
        modulus_bits: 2048,
        public_exponent: 65537,
    });
    let payload = generate(&KeySpec::Aes { bytes: 32 }).unwrap().secret;
    let oaep = WrapMechanism::RsaOaep {
        hash: Hash::Sha256,
        mgf: Hash::Sha256,
    };
    for (mechanism, options) in [
        (
            oaep,
            "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256",
        ),
        (WrapMechanism::RsaPkcs, "-pkeyopt rsa_padding_mode:pkcs1"),
    ] {
        let wrapped = wrap(&mechanism, WrappingKey::RsaPublic(&public), &payload).unwrap();
        workspace.write("wrapped.bin", &wrapped.data);
        let unwrapped = workspace.openssl(&format!(
            "pkeyutl -decrypt -inkey openssl-key.pem -in wrapped.bin {options}"
        ));
        assert_eq!(unwrapped, payload.expose());
    }
}

#[test]
fn check_values_are_what_openssl_computes() {
    let workspace = Workspace::new();
    let aes = generate(&KeySpec::Aes { bytes: 24 }).unwrap().secret;
    workspace.write("zero.bin", [0u8; 16]);
    let encrypted = workspace.openssl(&format!(
        "enc -aes-192-ecb -nopad -K {} -in zero.bin",
        hex(aes.expose())
    ));
    let value = check_value(KeyType::Aes, CheckValueInput::Secret(&aes)).unwrap();
    assert_eq!(value, encrypted[..3]);

    let generated = generate(&KeySpec::Ec {
        curve: Curve::Secp256k1,
    })
    .unwrap();
    let public = generated.public.unwrap();
    workspace.write("pub.pem", public_pem(&public));
    workspace.openssl("pkey -pubin -in pub.pem -outform DER -out pub.der");
    let sha1 = workspace.openssl("dgst -sha1 -binary pub.der");
    let value = check_value(KeyType::Ec, CheckValueInput::Secret(&generated.secret)).unwrap();
    assert_eq!(value, sha1[..3]);
}

#[test]
fn openssl_reads_the_public_key_out_of_a_reference_pem() {
    let workspace = Workspace::new();
    for spec in [
        KeySpec::Rsa {
            modulus_bits: 2048,
            public_exponent: 65537,
        },
        KeySpec::Ec {
            curve: Curve::Prime256v1,
        },
        KeySpec::Ec {
            curve: Curve::Secp224r1,
        },
    ] {
        let public = generate(&spec).unwrap().public.unwrap();
        workspace.write("reference.pem", reference_pem(0x1c0686, &public).unwrap());
        let derived = workspace.openssl("pkey -in reference.pem -pubout");
        assert_eq!(String::from_utf8(derived).unwrap(), public_pem(&public));
    }
}

//! Wrap/unwrap round trips for every mechanism and key size, published known answers for AES key
//! wrap, and every refusal.

use super::aes_wrap::{unwrap_kwp, wrap_kwp};
use super::check_value::{CheckValueInput, check_value};
use super::generate::generate;
use super::material::{PublicMaterial, SecretMaterial};
use super::wrap::{UnwrappingKey, WrappingKey, unwrap, wrap};
use crate::backend::hsm::key::{Curve, KeyType};
use crate::backend::hsm::mechanism::{Hash, KeySpec, WrapMechanism};
use std::sync::OnceLock;

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&text[index..index + 2], 16).unwrap())
        .collect()
}

fn rsa_pair() -> &'static (SecretMaterial, PublicMaterial) {
    static PAIR: OnceLock<(SecretMaterial, PublicMaterial)> = OnceLock::new();
    PAIR.get_or_init(|| {
        let generated = generate(&KeySpec::Rsa {
            modulus_bits: 2048,
            public_exponent: 65537,
        })
        .unwrap();
        (generated.secret, generated.public.unwrap())
    })
}

/// Payloads of every kind a key wrap carries, with the key type their check value uses.
fn payloads() -> Vec<(KeyType, SecretMaterial)> {
    let mut payloads = Vec::new();
    for bytes in [16, 24, 32] {
        payloads.push((
            KeyType::Aes,
            generate(&KeySpec::Aes { bytes }).unwrap().secret,
        ));
    }
    for bytes in [8, 13, 64] {
        let secret = generate(&KeySpec::GenericSecret { bytes }).unwrap().secret;
        payloads.push((KeyType::GenericSecret, secret));
    }
    let ec = generate(&KeySpec::Ec {
        curve: Curve::Prime256v1,
    })
    .unwrap();
    payloads.push((KeyType::Ec, ec.secret));
    payloads.push((KeyType::Rsa, rsa_pair().0.clone()));
    payloads
}

fn aes_mechanisms() -> Vec<WrapMechanism> {
    vec![
        WrapMechanism::AesGcm {
            tag_length_bits: 128,
            aad: None,
        },
        WrapMechanism::AesGcm {
            tag_length_bits: 64,
            aad: Some(vec![0x10]),
        },
        WrapMechanism::CloudhsmAesGcm {
            tag_length_bits: 96,
            aad: Some(b"label".to_vec()),
        },
        WrapMechanism::AesNoPad,
        WrapMechanism::AesPkcs5Pad,
        WrapMechanism::AesZeroPad,
    ]
}

/// Whether a mechanism takes this payload at all (the others are refused, tested below).
fn fits(mechanism: &WrapMechanism, payload: &SecretMaterial) -> bool {
    match mechanism {
        WrapMechanism::AesNoPad => payload.len().is_multiple_of(8) && payload.len() >= 16,
        WrapMechanism::RsaOaep { .. } | WrapMechanism::RsaPkcs => payload.len() <= 190,
        _ => true,
    }
}

fn assert_same_key(key_type: KeyType, original: &SecretMaterial, unwrapped: &SecretMaterial) {
    assert_eq!(unwrapped.expose(), original.expose());
    assert_eq!(
        check_value(key_type, CheckValueInput::Secret(unwrapped)).unwrap(),
        check_value(key_type, CheckValueInput::Secret(original)).unwrap()
    );
}

#[test]
fn aes_mechanisms_round_trip_with_every_wrapping_key_size() {
    for key_bytes in [16, 24, 32] {
        let wrapping = generate(&KeySpec::Aes { bytes: key_bytes }).unwrap().secret;
        for mechanism in aes_mechanisms() {
            for (key_type, payload) in payloads() {
                if !fits(&mechanism, &payload) {
                    continue;
                }
                let wrapped = wrap(&mechanism, WrappingKey::Aes(&wrapping), &payload).unwrap();
                assert_eq!(
                    wrapped.iv.is_some(),
                    matches!(mechanism, WrapMechanism::AesGcm { .. })
                );
                let length = (mechanism == WrapMechanism::AesZeroPad
                    && key_type == KeyType::GenericSecret)
                    .then_some(payload.len());
                let unwrapped = unwrap(
                    &mechanism,
                    UnwrappingKey::Aes(&wrapping),
                    &wrapped.data,
                    wrapped.iv.as_deref(),
                    length,
                )
                .unwrap();
                assert_same_key(key_type, &payload, &unwrapped);

                let mut tampered = wrapped.data.clone();
                tampered[wrapped.data.len() / 2] ^= 1;
                let result = unwrap(
                    &mechanism,
                    UnwrappingKey::Aes(&wrapping),
                    &tampered,
                    wrapped.iv.as_deref(),
                    length,
                );
                assert_eq!(
                    result.unwrap_err().to_string(),
                    "Unwrap failed: the data is corrupt or was not wrapped with this key",
                    "{mechanism:?}"
                );
            }
        }
    }
}

#[test]
fn rsa_mechanisms_round_trip() {
    let (private, public) = rsa_pair();
    let mut mechanisms = vec![WrapMechanism::RsaPkcs];
    for hash in [Hash::Sha1, Hash::Sha256, Hash::Sha384, Hash::Sha512] {
        mechanisms.push(WrapMechanism::RsaOaep { hash, mgf: hash });
        mechanisms.push(WrapMechanism::RsaAes { hash, mgf: hash });
    }
    for mechanism in mechanisms {
        for (key_type, payload) in payloads() {
            let too_big_for_oaep_sha512 = matches!(
                mechanism,
                WrapMechanism::RsaOaep {
                    hash: Hash::Sha512,
                    ..
                }
            ) && payload.len() > 126;
            if !fits(&mechanism, &payload) || too_big_for_oaep_sha512 {
                continue;
            }
            let wrapped = wrap(&mechanism, WrappingKey::RsaPublic(public), &payload).unwrap();
            let unwrapped = unwrap(
                &mechanism,
                UnwrappingKey::RsaPrivate(private),
                &wrapped.data,
                None,
                None,
            )
            .unwrap();
            assert_same_key(key_type, &payload, &unwrapped);
            let mut tampered = wrapped.data.clone();
            tampered[10] ^= 1;
            let result = unwrap(
                &mechanism,
                UnwrappingKey::RsaPrivate(private),
                &tampered,
                None,
                None,
            );
            if mechanism == WrapMechanism::RsaPkcs {
                // PKCS#1 v1.5 has no integrity check: a changed ciphertext can pass the padding
                // check (by chance, or by the implicit rejection some libraries use) and give
                // other bytes, but never the wrapped key.
                assert!(
                    result
                        .as_ref()
                        .map_or(true, |unwrapped| unwrapped.expose() != payload.expose()),
                    "{mechanism:?}: a changed ciphertext gave the wrapped key"
                );
            } else {
                assert!(
                    result.is_err(),
                    "{mechanism:?}: a changed ciphertext unwrapped"
                );
            }
        }
    }
}

#[test]
fn aes_no_pad_is_rfc_3394() {
    // RFC 3394 §4.1: 128 bits of key data with a 128-bit KEK.
    let kek = SecretMaterial::new(hex("000102030405060708090A0B0C0D0E0F"));
    let payload = SecretMaterial::new(hex("00112233445566778899AABBCCDDEEFF"));
    let wrapped = wrap(&WrapMechanism::AesNoPad, WrappingKey::Aes(&kek), &payload).unwrap();
    assert_eq!(
        wrapped.data,
        hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")
    );
}

#[test]
fn rsa_aes_payload_wrap_is_rfc_5649() {
    // RFC 5649 §6: 20 octets of key data with a 192-bit KEK.
    let kek = SecretMaterial::new(hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"));
    let payload = hex("c37b7e6492584340bed12207808941155068f738");
    let wrapped = wrap_kwp(&kek, &payload).unwrap();
    assert_eq!(
        wrapped,
        hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")
    );
    assert_eq!(unwrap_kwp(&kek, &wrapped).unwrap().as_slice(), payload);
}

#[test]
fn zero_pad_needs_the_length_only_for_odd_secrets() {
    let kek = generate(&KeySpec::Aes { bytes: 16 }).unwrap().secret;
    let secret = SecretMaterial::new(vec![0xaa, 0x00, 0x00]);
    let wrapped = wrap(&WrapMechanism::AesZeroPad, WrappingKey::Aes(&kek), &secret).unwrap();
    assert_eq!(
        wrapped.data.len(),
        24,
        "padded to two semiblocks, plus KW's integrity block"
    );
    let unwrap_with = |length| {
        unwrap(
            &WrapMechanism::AesZeroPad,
            UnwrappingKey::Aes(&kek),
            &wrapped.data,
            None,
            length,
        )
    };
    assert_eq!(unwrap_with(Some(3)).unwrap().expose(), [0xaa, 0, 0]);
    assert_eq!(
        unwrap_with(None).unwrap().len(),
        16,
        "without a length the padding stays"
    );
    assert_eq!(
        unwrap_with(Some(17)).unwrap_err().to_string(),
        "The unwrapped data is 16 bytes, which is not a zero-padded payload of 17 bytes"
    );
}

#[test]
fn payloads_a_mechanism_cannot_carry_are_refused() {
    let aes = generate(&KeySpec::Aes { bytes: 32 }).unwrap().secret;
    let (private, public) = rsa_pair();
    let twenty = SecretMaterial::new(vec![1; 20]);
    let refusal = |mechanism: WrapMechanism, key: WrappingKey<'_>, payload: &SecretMaterial| {
        wrap(&mechanism, key, payload).unwrap_err().to_string()
    };
    assert_eq!(
        refusal(WrapMechanism::AesNoPad, WrappingKey::Aes(&aes), &twenty),
        "aes-no-pad needs a payload that is a multiple of 8 bytes and at least 16, but it is 20 \
         bytes: use aes-pkcs5-pad or aes-zero-pad"
    );
    assert_eq!(
        refusal(
            WrapMechanism::AesPkcs5Pad,
            WrappingKey::Aes(&aes),
            &SecretMaterial::new(vec![1; 5])
        ),
        "aes-pkcs5-pad needs a payload of at least 8 bytes, but it is 5 bytes: use aes-gcm or \
         aes-zero-pad"
    );
    assert_eq!(
        refusal(
            WrapMechanism::RsaPkcs,
            WrappingKey::RsaPublic(public),
            private
        ),
        format!(
            "A {}-byte payload does not fit rsa-pkcs with a 2048-bit key (at most 245 bytes): use \
             rsa-aes",
            private.len()
        )
    );
    assert_eq!(
        refusal(
            WrapMechanism::RsaOaep {
                hash: Hash::Sha224,
                mgf: Hash::Sha224
            },
            WrappingKey::RsaPublic(public),
            &twenty
        ),
        "rsa-oaep with sha224 is not supported by the simulator: use sha1, sha256, sha384 or sha512"
    );
    assert_eq!(
        refusal(
            WrapMechanism::RsaAes {
                hash: Hash::Sha256,
                mgf: Hash::Sha1
            },
            WrappingKey::RsaPublic(public),
            &twenty
        ),
        "rsa-aes with sha256 needs mgf1-sha256, not mgf1-sha1: the MGF1 hash must match the hash \
         function"
    );
    assert_eq!(
        refusal(
            WrapMechanism::AesNoPad,
            WrappingKey::RsaPublic(public),
            &aes
        ),
        "aes-no-pad needs an AES key as the wrapping key"
    );
    assert_eq!(
        refusal(WrapMechanism::RsaPkcs, WrappingKey::Aes(&aes), &twenty),
        "rsa-pkcs needs an RSA public key as the wrapping key"
    );
    assert_eq!(
        refusal(
            WrapMechanism::AesGcm {
                tag_length_bits: 40,
                aad: None
            },
            WrappingKey::Aes(&aes),
            &twenty
        ),
        "tag-length-bits 40 is not supported: use a multiple of 8 from 64 to 128"
    );
}

#[test]
fn iv_rules_and_wrong_unwrapping_keys_are_reported() {
    let aes = generate(&KeySpec::Aes { bytes: 16 }).unwrap().secret;
    let other = generate(&KeySpec::Aes { bytes: 16 }).unwrap().secret;
    let gcm = WrapMechanism::AesGcm {
        tag_length_bits: 128,
        aad: None,
    };
    let wrapped = wrap(&gcm, WrappingKey::Aes(&aes), &aes).unwrap();
    let attempt = |mechanism: &WrapMechanism, key: UnwrappingKey<'_>, iv: Option<&[u8]>| {
        unwrap(mechanism, key, &wrapped.data, iv, None)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        attempt(&gcm, UnwrappingKey::Aes(&aes), None),
        "aes-gcm unwrap needs the IV that wrapping returned"
    );
    assert_eq!(
        attempt(
            &WrapMechanism::AesNoPad,
            UnwrappingKey::Aes(&aes),
            Some(&[0; 12])
        ),
        "aes-no-pad takes no IV: only aes-gcm does"
    );
    assert_eq!(
        attempt(&gcm, UnwrappingKey::Aes(&other), wrapped.iv.as_deref()),
        "Unwrap failed: the data is corrupt or was not wrapped with this key"
    );
    assert_eq!(
        attempt(&WrapMechanism::RsaPkcs, UnwrappingKey::Aes(&aes), None),
        "rsa-pkcs needs an RSA private key as the unwrapping key"
    );
}

//! Using keys on a PKCS#11 token: `crypto sign`/`verify` through `C_Sign`/`C_Verify` and
//! `key wrap`/`unwrap` through `C_WrapKey`/`C_UnwrapKey`, with the simulator's rules and
//! messages checked before the token is asked.

use super::Pkcs11Hsm;
use super::attributes::{TokenKey, ck_key_type, creation_template, object_class};
use super::failure::{failed, is_stale_handle, return_value};
use super::keys::{require, unusable};
use super::mechanisms::{oaep, rsa_aes_second_step, signing, wrapping};
use super::token::PinFormat;
use crate::backend::hsm::Login;
use crate::backend::hsm::key::{
    CheckValue, Creation, Curve, EcFacts, Key, KeyAttributes, KeyClass, KeyKind, KeyLifetime,
    KeyReference, KeyType, RsaFacts,
};
use crate::backend::hsm::mechanism::{SignMechanism, WrapMechanism};
use crate::backend::hsm::requests::{
    KeyTypeClass, SignRequest, Signature, UnwrapRequest, WrapRequest, WrappedKey,
};
use crate::error::{Error, Result};
use crate::sim::crypto::{AsymmetricKind, wrong_key_kind};
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType as CkKeyType, ObjectClass, ObjectHandle};

/// The length of the IV `key wrap aes-gcm` chooses, as CloudHSM's HSMs do.
const GCM_IV_BYTES: u32 = 12;

/// The key's algorithm, for the simulator's "needs an RSA key" message.
fn asymmetric_kind(key: &TokenKey) -> Option<AsymmetricKind> {
    match &key.attributes.kind {
        KeyKind::Rsa(_) => Some(AsymmetricKind::Rsa),
        KeyKind::Ec(ec) => Some(AsymmetricKind::Ec(ec.curve)),
        KeyKind::Aes | KeyKind::GenericSecret => None,
    }
}

fn check_algorithm(key: &TokenKey, mechanism: &SignMechanism) -> Result<()> {
    let fits = matches!(
        (mechanism, &key.attributes.kind),
        (SignMechanism::Ecdsa, KeyKind::Ec(_))
            | (
                SignMechanism::RsaPkcs | SignMechanism::RsaPkcsPss { .. },
                KeyKind::Rsa(_)
            )
    );
    match (fits, asymmetric_kind(key)) {
        (true, _) => Ok(()),
        (false, Some(kind)) => Err(wrong_key_kind(mechanism, kind)),
        (false, None) => Err(unusable(key, "a secret key does not sign")),
    }
}

/// An AES key of 32 bytes that lives for one rsa-aes step, extractable so that RSA-OAEP can
/// carry it, or able to unwrap once it is carried in.
fn ephemeral_aes_template(for_wrapping: bool) -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(CkKeyType::AES),
        Attribute::Token(false),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(for_wrapping),
        Attribute::Wrap(for_wrapping),
        Attribute::Unwrap(!for_wrapping),
    ]
}

impl Pkcs11Hsm {
    fn is_cloudhsm(&self) -> bool {
        self.pin_format == PinFormat::Cloudhsm
    }

    pub(super) fn sign_now(
        &mut self,
        _actor: &Login,
        request: &SignRequest<'_>,
    ) -> Result<Signature> {
        self.with_fresh_selection(|hsm| hsm.sign_once(request))
    }

    /// Runs `attempt`, and once more after a fresh search when the token no longer knew the
    /// handle of the selection it reused (a key another process destroyed).
    fn with_fresh_selection<T>(
        &mut self,
        mut attempt: impl FnMut(&mut Self) -> Result<T>,
    ) -> Result<T> {
        match attempt(self) {
            Err(error) if is_stale_handle(&error) => {
                self.forget_keys();
                attempt(self)
            }
            result => result,
        }
    }

    fn sign_once(&mut self, request: &SignRequest<'_>) -> Result<Signature> {
        let key = self.select_for_use(request.key_filter)?;
        require(
            &key,
            key.attributes.class == KeyClass::PrivateKey,
            "only a private key signs",
        )?;
        require(&key, key.attributes.sign, "its sign attribute is false")?;
        check_algorithm(&key, &request.mechanism)?;
        let (mechanism, input) = signing(
            &self.mechanisms,
            &request.mechanism,
            request.hash,
            request.data_type,
            request.data,
        )?;
        let signature = self
            .session
            .sign(&mechanism, key.handle, &input)
            .map_err(|error| failed("C_Sign", error))?;
        Ok(Signature {
            key_reference: KeyReference(key.handle.handle()),
            signature,
        })
    }

    pub(super) fn verify_now(
        &mut self,
        _actor: &Login,
        request: &SignRequest<'_>,
        signature: &[u8],
    ) -> Result<KeyReference> {
        self.with_fresh_selection(|hsm| hsm.verify_once(request, signature))
    }

    fn verify_once(&mut self, request: &SignRequest<'_>, signature: &[u8]) -> Result<KeyReference> {
        let key = self.select_for_use(request.key_filter)?;
        require(
            &key,
            key.attributes.class == KeyClass::PublicKey,
            "only a public key verifies",
        )?;
        require(&key, key.attributes.verify, "its verify attribute is false")?;
        check_algorithm(&key, &request.mechanism)?;
        let (mechanism, input) = signing(
            &self.mechanisms,
            &request.mechanism,
            request.hash,
            request.data_type,
            request.data,
        )?;
        match self
            .session
            .verify(&mechanism, key.handle, &input, signature)
        {
            Ok(()) => Ok(KeyReference(key.handle.handle())),
            Err(error) => match return_value(&error) {
                Some(RvError::SignatureInvalid | RvError::SignatureLenRange) => {
                    Err(Error::SignatureVerificationFailed)
                }
                _ => Err(failed("C_Verify", error)),
            },
        }
    }

    pub(super) fn wrap_key_now(
        &mut self,
        _actor: &Login,
        request: &WrapRequest<'_>,
    ) -> Result<WrappedKey> {
        let payload = self.select(request.payload)?;
        let wrapping_key = self.select(request.wrapping)?;
        let attributes = &payload.attributes;
        require(
            &payload,
            attributes.class != KeyClass::PublicKey,
            "a public key is not wrapped: write it with key generate-file",
        )?;
        require(
            &payload,
            attributes.extractable,
            "its extractable attribute is false",
        )?;
        require(
            &wrapping_key,
            wrapping_key.attributes.wrap,
            "its wrap attribute is false",
        )?;
        require(
            &wrapping_key,
            !attributes.wrap_with_trusted || wrapping_key.attributes.trusted,
            "the key to wrap may only be wrapped with a trusted key",
        )?;
        if request.mechanism.uses_rsa() {
            require(
                &wrapping_key,
                wrapping_key.attributes.key_type() == KeyType::Rsa,
                "RSA wrapping needs an RSA key",
            )?;
        } else {
            require(
                &wrapping_key,
                wrapping_key.attributes.key_type() == KeyType::Aes,
                "AES wrapping needs an AES key",
            )?;
        }
        let (data, iv) = match request.mechanism {
            WrapMechanism::RsaAes { hash, mgf } => {
                let oaep = Mechanism::RsaPkcsOaep(oaep(*hash, *mgf));
                let data = self.wrap_rsa_aes(&oaep, wrapping_key.handle, payload.handle)?;
                (data, None)
            }
            mechanism => {
                let mut iv = match mechanism {
                    WrapMechanism::AesGcm { .. } => self
                        .session
                        .generate_random_vec(GCM_IV_BYTES)
                        .map_err(|error| failed("C_GenerateRandom", error))?,
                    _ => Vec::new(),
                };
                let gcm = !iv.is_empty();
                let cloudhsm = self.is_cloudhsm();
                let mechanism = wrapping(&self.mechanisms, cloudhsm, mechanism, &mut iv)?;
                let data = self
                    .session
                    .wrap_key(&mechanism, wrapping_key.handle, payload.handle)
                    .map_err(|error| failed("C_WrapKey", error))?;
                (data, gcm.then_some(iv))
            }
        };
        Ok(WrappedKey {
            payload_key_reference: KeyReference(payload.handle.handle()),
            wrapping_key_reference: KeyReference(wrapping_key.handle.handle()),
            data,
            iv,
        })
    }

    /// rsa-aes as PKCS#11 2.40 defines `CKM_RSA_AES_KEY_WRAP`: a fresh AES-256 key wrapped with
    /// RSA-OAEP, followed by the payload wrapped with that key (RFC 5649), all on the token.
    fn wrap_rsa_aes(
        &mut self,
        oaep: &Mechanism<'_>,
        rsa_public: ObjectHandle,
        payload: ObjectHandle,
    ) -> Result<Vec<u8>> {
        let second_step = rsa_aes_second_step(&self.mechanisms)?;
        let mut template = ephemeral_aes_template(true);
        template.push(Attribute::ValueLen(32u64.into()));
        let ephemeral = self
            .session
            .generate_key(&Mechanism::AesKeyGen, &template)
            .map_err(|error| failed("C_GenerateKey", error))?;
        let wrapped = self
            .session
            .wrap_key(oaep, rsa_public, ephemeral)
            .map_err(|error| failed("C_WrapKey", error))
            .and_then(|mut first| {
                let second = self
                    .session
                    .wrap_key(&second_step, ephemeral, payload)
                    .map_err(|error| failed("C_WrapKey", error))?;
                first.extend(second);
                Ok(first)
            });
        let destroyed = self
            .session
            .destroy_object(ephemeral)
            .map_err(|error| failed("C_DestroyObject", error));
        let wrapped = wrapped?;
        destroyed?;
        Ok(wrapped)
    }

    pub(super) fn unwrap_key_now(
        &mut self,
        actor: &Login,
        request: &UnwrapRequest<'_>,
    ) -> Result<Key> {
        let unwrapping_key = self.select(request.unwrapping)?;
        require(
            &unwrapping_key,
            unwrapping_key.attributes.unwrap,
            "its unwrap attribute is false",
        )?;
        match (
            request.mechanism.uses_rsa(),
            unwrapping_key.attributes.key_type(),
        ) {
            (true, KeyType::Rsa) | (false, KeyType::Aes) => {}
            (true, _) => {
                return Err(unusable(
                    &unwrapping_key,
                    "RSA unwrapping needs an RSA private key",
                ));
            }
            (false, _) => {
                return Err(unusable(&unwrapping_key, "AES unwrapping needs an AES key"));
            }
        }
        let kind = match request.key_type_class {
            KeyTypeClass::Aes => KeyKind::Aes,
            KeyTypeClass::GenericSecret => KeyKind::GenericSecret,
            KeyTypeClass::RsaPrivate => KeyKind::Rsa(RsaFacts::new(&[], &[])),
            KeyTypeClass::EcPrivate => KeyKind::Ec(EcFacts {
                curve: Curve::Prime256v1,
                ec_point: Vec::new(),
            }),
            KeyTypeClass::RsaPublic | KeyTypeClass::EcPublic => {
                return Err(Error::InvalidInput {
                    what: "unwrapped key",
                    reason: "a public key is imported with key import pem, not unwrapped"
                        .to_owned(),
                });
            }
        };
        let new_key = &request.new_key;
        if !new_key.share_with.is_empty() {
            return Err(Self::backend_lacks(
                "--share-crypto-users",
                super::NO_SHARING,
            ));
        }
        let attributes = KeyAttributes::unwrapped(
            kind,
            0,
            CheckValue([0; 3]),
            KeyLifetime::of_session_flag(new_key.session),
            &Creation {
                label: new_key.label,
                attributes: new_key.attributes,
            },
        )?;
        let mut template = vec![
            Attribute::Class(object_class(attributes.class)),
            Attribute::KeyType(ck_key_type(attributes.key_type())),
        ];
        template.extend(creation_template(&attributes));
        self.forget_keys();
        let handle = match request.mechanism {
            WrapMechanism::RsaAes { hash, mgf } => {
                let modulus_bytes = match &unwrapping_key.attributes.kind {
                    KeyKind::Rsa(rsa) => rsa.modulus.len(),
                    _ => 0,
                };
                let oaep = Mechanism::RsaPkcsOaep(oaep(*hash, *mgf));
                self.unwrap_rsa_aes(
                    &oaep,
                    unwrapping_key.handle,
                    modulus_bytes,
                    request.data,
                    &template,
                )?
            }
            mechanism => {
                let mut iv = match mechanism {
                    WrapMechanism::AesGcm { .. } => {
                        request
                            .iv
                            .map(<[u8]>::to_vec)
                            .ok_or_else(|| Error::InvalidInput {
                                what: "--iv",
                                reason: "aes-gcm unwraps with the IV key wrap returned".to_owned(),
                            })?
                    }
                    _ => Vec::new(),
                };
                let cloudhsm = self.is_cloudhsm();
                let mechanism = wrapping(&self.mechanisms, cloudhsm, mechanism, &mut iv)?;
                self.session
                    .unwrap_key(&mechanism, unwrapping_key.handle, request.data, &template)
                    .map_err(|error| failed("C_UnwrapKey", error))?
            }
        };
        self.made(actor, handle)
    }

    fn unwrap_rsa_aes(
        &mut self,
        oaep: &Mechanism<'_>,
        rsa_private: ObjectHandle,
        modulus_bytes: usize,
        data: &[u8],
        template: &[Attribute],
    ) -> Result<ObjectHandle> {
        if modulus_bytes == 0 || data.len() <= modulus_bytes {
            return Err(Error::Crypto {
                message: format!(
                    "rsa-aes data must be longer than the RSA key's {modulus_bytes} bytes"
                ),
            });
        }
        let second_step = rsa_aes_second_step(&self.mechanisms)?;
        let (carried, wrapped) = data.split_at(modulus_bytes);
        let ephemeral = self
            .session
            .unwrap_key(oaep, rsa_private, carried, &ephemeral_aes_template(false))
            .map_err(|error| failed("C_UnwrapKey", error))?;
        let unwrapped = self
            .session
            .unwrap_key(&second_step, ephemeral, wrapped, template)
            .map_err(|error| failed("C_UnwrapKey", error));
        let destroyed = self
            .session
            .destroy_object(ephemeral)
            .map_err(|error| failed("C_DestroyObject", error));
        let unwrapped = unwrapped?;
        destroyed?;
        Ok(unwrapped)
    }
}

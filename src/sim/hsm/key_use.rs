//! Using keys on the simulated cluster: wrap, unwrap, sign and verify, with the rules on who
//! may use which key for what, and a cache of parsed signing keys.

use super::SimHsm;
use super::keys::{
    asymmetric_facts, check_quorum_bound, length, public_material, require, require_owner, select,
    unusable,
};
use super::{check_actor, check_reader};
use crate::backend::hsm::Login;
use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::key::{
    AsymmetricFacts, CheckValue, Creation, Key, KeyAttributes, KeyClass, KeyKind, KeyLifetime,
    KeyReference, KeyType,
};
use crate::backend::hsm::mechanism::WrapMechanism;
use crate::backend::hsm::quorum::{Approval, QuorumService};
use crate::backend::hsm::requests::{
    KeyTypeClass, SignRequest, Signature, UnwrapRequest, WrapRequest, WrappedKey,
};
use crate::error::{Error, Result};
use crate::sim::crypto::{
    self, CheckValueInput, PublicMaterial, SecretMaterial, SigningKey, UnwrappingKey, WrappingKey,
};
use crate::sim::keys::StoredKey;
use crate::sim::quorum;
use crate::sim::store::Mark;
use std::collections::HashMap;
use std::sync::Arc;

/// Parsed signing keys by reference, with the sealed blob they came from, as an HSM keeps
/// loaded keys: parsing a private key costs more than an ECDSA signature, so a shell that signs
/// repeatedly parses once. The blob check makes a deleted-and-reused reference miss.
///
/// The last signing key a filter resolved to is kept too, with the database [`Mark`] it was
/// read at: while the mark holds, no one has committed anything (a key deleted, unshared or
/// changed, a login removed), so the login check and the key row need not be read again.
#[derive(Default)]
pub(super) struct SigningKeyCache {
    keys: HashMap<KeyReference, (Vec<u8>, Arc<SigningKey>)>,
    resolved: Option<Resolved>,
}

/// A sign command's filter and login, the key they selected, and when.
struct Resolved {
    actor: Login,
    filter: Filter,
    mark: Mark,
    key_reference: KeyReference,
    key: Arc<SigningKey>,
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKeyCache({} keys)", self.keys.len())
    }
}

impl SigningKeyCache {
    fn resolved(&self, actor: &Login, filter: &Filter, mark: Mark) -> Option<&Resolved> {
        self.resolved.as_ref().filter(|resolved| {
            resolved.mark == mark && resolved.actor == *actor && resolved.filter == *filter
        })
    }

    /// How many parsed keys are loaded (tests watch logout unload them).
    #[cfg(test)]
    pub(super) fn loaded(&self) -> usize {
        self.keys.len() + usize::from(self.resolved.is_some())
    }
}

impl SimHsm {
    /// Unloads every parsed key, as an HSM does when its session ends.
    pub(crate) fn unload_signing_keys(&mut self) {
        self.signing_keys = SigningKeyCache::default();
    }

    fn signing_key(&mut self, stored: &StoredKey) -> Result<Arc<SigningKey>> {
        let sealed = stored.sealed_secret.clone().unwrap_or_default();
        if let Some((cached_blob, key)) = self.signing_keys.keys.get(&stored.key.key_reference)
            && *cached_blob == sealed
        {
            return Ok(Arc::clone(key));
        }
        let key = Arc::new(SigningKey::from_material(&self.open_secret(stored)?)?);
        self.signing_keys
            .keys
            .insert(stored.key.key_reference, (sealed, Arc::clone(&key)));
        Ok(key)
    }

    pub(crate) fn wrap_key_now(
        &mut self,
        actor: &Login,
        request: &WrapRequest<'_>,
    ) -> Result<WrappedKey> {
        let (payload, wrapping) = self.store.read(|tx| {
            check_reader(tx, &self.cluster_id, actor)?;
            let payload = select(tx, &self.cluster_id, actor, request.payload)?;
            let wrapping = select(tx, &self.cluster_id, actor, request.wrapping)?;
            Ok((payload, wrapping))
        })?;
        require_owner(&payload, actor, "wrap")?;
        let attributes = &payload.key.attributes;
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
            &wrapping,
            wrapping.key.attributes.wrap,
            "its wrap attribute is false",
        )?;
        require(
            &wrapping,
            !attributes.wrap_with_trusted || wrapping.key.attributes.trusted,
            "the key to wrap may only be wrapped with a trusted key",
        )?;
        let payload_secret = self.open_secret(&payload)?;
        let wrapped = if request.mechanism.uses_rsa() {
            require(
                &wrapping,
                wrapping.key.attributes.key_type() == KeyType::Rsa,
                "RSA wrapping needs an RSA key",
            )?;
            let public = public_material(&wrapping)?;
            crypto::wrap(
                request.mechanism,
                WrappingKey::RsaPublic(&public),
                &payload_secret,
            )?
        } else {
            require(
                &wrapping,
                wrapping.key.attributes.key_type() == KeyType::Aes,
                "AES wrapping needs an AES key",
            )?;
            let secret = self.open_secret(&wrapping)?;
            let wrapped = crypto::wrap(
                request.mechanism,
                WrappingKey::Aes(&secret),
                &payload_secret,
            )?;
            if *request.mechanism == WrapMechanism::AesZeroPad {
                // `key unwrap` takes no payload length, so zero padding that unwrapping cannot
                // tell from key bytes (a generic secret of an odd length) would come back as a
                // longer, different key: refuse to wrap what cannot be unwrapped whole.
                let back = crypto::unwrap(
                    request.mechanism,
                    UnwrappingKey::Aes(&secret),
                    &wrapped.data,
                    None,
                    None,
                )?;
                require(
                    &payload,
                    back.len() == payload_secret.len(),
                    &format!(
                        "aes-zero-pad cannot carry its {} bytes, which unwrapping could not tell \
                         from their zero padding: use aes-pkcs5-pad",
                        payload_secret.len()
                    ),
                )?;
            }
            wrapped
        };
        // Approvals are used up only by an operation that succeeded, both or neither.
        self.approve(
            actor,
            &[
                (
                    QuorumService::KeyManagement,
                    &payload,
                    request.payload_approval,
                ),
                (
                    QuorumService::KeyManagement,
                    &wrapping,
                    request.wrapping_approval,
                ),
            ],
        )?;
        Ok(WrappedKey {
            payload_key_reference: payload.key.key_reference,
            wrapping_key_reference: wrapping.key.key_reference,
            data: wrapped.data,
            iv: wrapped.iv,
        })
    }

    pub(crate) fn unwrap_key_now(
        &mut self,
        actor: &Login,
        request: &UnwrapRequest<'_>,
    ) -> Result<Key> {
        let unwrapping = self.store.read(|tx| {
            check_reader(tx, &self.cluster_id, actor)?;
            select(tx, &self.cluster_id, actor, request.unwrapping)
        })?;
        require(
            &unwrapping,
            unwrapping.key.attributes.unwrap,
            "its unwrap attribute is false",
        )?;
        let unwrapping_secret = self.open_secret(&unwrapping)?;
        let unwrapping_key = match (
            request.mechanism.uses_rsa(),
            unwrapping.key.attributes.key_type(),
        ) {
            (true, KeyType::Rsa) => UnwrappingKey::RsaPrivate(&unwrapping_secret),
            (false, KeyType::Aes) => UnwrappingKey::Aes(&unwrapping_secret),
            (true, _) => {
                return Err(unusable(
                    &unwrapping,
                    "RSA unwrapping needs an RSA private key",
                ));
            }
            (false, _) => return Err(unusable(&unwrapping, "AES unwrapping needs an AES key")),
        };
        let material = crypto::unwrap(
            request.mechanism,
            unwrapping_key,
            request.data,
            request.iv,
            None,
        )?;
        let (kind, public) = unwrapped_kind(request.key_type_class, &material)?;
        let check_value = match &public {
            Some(public) => crypto::check_value(kind.key_type(), CheckValueInput::Public(public))?,
            None => crypto::check_value(kind.key_type(), CheckValueInput::Secret(&material))?,
        };
        let new_key = &request.new_key;
        let attributes = KeyAttributes::unwrapped(
            kind,
            length(material.len()),
            CheckValue(check_value),
            KeyLifetime::of_session_flag(new_key.session),
            &Creation {
                label: new_key.label,
                attributes: new_key.attributes,
            },
        )?;
        check_quorum_bound(new_key.quorum, new_key.share_with.len())?;
        self.approve(
            actor,
            &[(QuorumService::KeyManagement, &unwrapping, request.approval)],
        )?;
        self.insert_key(
            actor,
            attributes,
            public.as_ref(),
            Some(&material),
            new_key.share_with,
            new_key.quorum,
        )
    }

    /// Uses up, in one transaction, the approvals the key services need for these keys, where
    /// a key's quorum value asks for one: a write, which keys without quorum values never pay
    /// for. One refusal uses none of them.
    fn approve(
        &mut self,
        actor: &Login,
        approvals: &[(QuorumService, &StoredKey, Option<&Approval>)],
    ) -> Result<()> {
        if approvals
            .iter()
            .all(|(service, key, _)| quorum::key_value(key, *service) <= 1)
        {
            return Ok(());
        }
        let (cluster_id, process) = (&self.cluster_id, &self.process);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            for (service, key, approval) in approvals {
                quorum::authorize_key(tx, cluster_id, actor, *service, key, *approval)?;
            }
            Ok(())
        })
    }

    /// The one key `filter` selects among those `actor` can see, read without the write lock.
    fn find_one(&mut self, actor: &Login, filter: &Filter) -> Result<StoredKey> {
        self.store.read(|tx| {
            check_reader(tx, &self.cluster_id, actor)?;
            select(tx, &self.cluster_id, actor, filter)
        })
    }

    pub(crate) fn sign_now(
        &mut self,
        actor: &Login,
        request: &SignRequest<'_>,
    ) -> Result<Signature> {
        let mark = self.store.mark()?;
        if let Some(resolved) = self.signing_keys.resolved(actor, request.key_filter, mark) {
            let signature = resolved.key.sign(
                &request.mechanism,
                request.hash,
                request.data_type,
                request.data,
            )?;
            return Ok(Signature {
                key_reference: resolved.key_reference,
                signature,
            });
        }
        let (stored, mark) = self.store.read_marked(|tx| {
            check_reader(tx, &self.cluster_id, actor)?;
            select(tx, &self.cluster_id, actor, request.key_filter)
        })?;
        require(
            &stored,
            stored.key.attributes.class == KeyClass::PrivateKey,
            "only a private key signs",
        )?;
        require(
            &stored,
            stored.key.attributes.sign,
            "its sign attribute is false",
        )?;
        let signing_key = self.signing_key(&stored)?;
        let signature = signing_key.sign(
            &request.mechanism,
            request.hash,
            request.data_type,
            request.data,
        )?;
        if quorum::key_value(&stored, QuorumService::KeyUsage) > 1 {
            // Each signature with such a key needs its own approval: never cached.
            self.approve(
                actor,
                &[(QuorumService::KeyUsage, &stored, request.approval)],
            )?;
        } else {
            self.signing_keys.resolved = Some(Resolved {
                actor: actor.clone(),
                filter: request.key_filter.clone(),
                mark,
                key_reference: stored.key.key_reference,
                key: signing_key,
            });
        }
        Ok(Signature {
            key_reference: stored.key.key_reference,
            signature,
        })
    }

    pub(crate) fn verify_now(
        &mut self,
        actor: &Login,
        request: &SignRequest<'_>,
        signature: &[u8],
    ) -> Result<KeyReference> {
        let stored = self.find_one(actor, request.key_filter)?;
        require(
            &stored,
            stored.key.attributes.class == KeyClass::PublicKey,
            "only a public key verifies",
        )?;
        require(
            &stored,
            stored.key.attributes.verify,
            "its verify attribute is false",
        )?;
        let public = public_material(&stored)?;
        let valid = crypto::verify(
            &request.mechanism,
            request.hash,
            request.data_type,
            &public,
            request.data,
            signature,
        )?;
        if valid {
            Ok(stored.key.key_reference)
        } else {
            Err(Error::SignatureVerificationFailed)
        }
    }
}

/// What unwrapped bytes become under `--key-type-class`, checked: the right length for a
/// secret key, a private key of the right algorithm (whose public half is derived).
fn unwrapped_kind(
    key_type_class: KeyTypeClass,
    material: &SecretMaterial,
) -> Result<(KeyKind, Option<PublicMaterial>)> {
    let invalid = |reason: String| Error::InvalidInput {
        what: "unwrapped key",
        reason,
    };
    match key_type_class {
        KeyTypeClass::Aes if [16, 24, 32].contains(&material.len()) => Ok((KeyKind::Aes, None)),
        KeyTypeClass::Aes => Err(invalid(format!(
            "{} bytes is not an AES key length (16, 24 or 32)",
            material.len()
        ))),
        KeyTypeClass::GenericSecret if (1..=800).contains(&material.len()) => {
            Ok((KeyKind::GenericSecret, None))
        }
        KeyTypeClass::GenericSecret => Err(invalid(format!(
            "{} bytes is not a generic secret length (1 to 800)",
            material.len()
        ))),
        KeyTypeClass::RsaPrivate | KeyTypeClass::EcPrivate => {
            let public = crypto::public_from_private(material)?;
            let facts = asymmetric_facts(crypto::public_facts(&public)?);
            let found = match &facts {
                AsymmetricFacts::Rsa(_) => KeyTypeClass::RsaPrivate,
                AsymmetricFacts::Ec(_) => KeyTypeClass::EcPrivate,
            };
            if found != key_type_class {
                return Err(invalid(format!(
                    "it is an {} private key, not the {} key --key-type-class names",
                    found.key_type().as_str().to_uppercase(),
                    key_type_class.key_type().as_str().to_uppercase()
                )));
            }
            Ok((KeyKind::from(facts), Some(public)))
        }
        KeyTypeClass::RsaPublic | KeyTypeClass::EcPublic => Err(invalid(
            "a public key is imported with key import pem, not unwrapped".to_owned(),
        )),
    }
}

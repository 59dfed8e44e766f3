//! The key and crypto operations of the simulated cluster: who may do what with which key,
//! with real cryptography from `backend::sim::crypto` and key material sealed at rest.

use super::{SimHsm, check_actor, check_reader};
use crate::backend::hsm::filter::{Filter, select_one};
use crate::backend::hsm::key::{
    AsymmetricFacts, CheckValue, Creation, EcFacts, GeneratedPair, Key, KeyAttributes, KeyClass,
    KeyKind, KeyLifetime, KeyListEntry, KeyListPage, KeyReference, KeyType, PairLengths, RsaFacts,
    SecretKeyType, page,
};
use crate::backend::hsm::mechanism::{KeySpec, WrapMechanism};
use crate::backend::hsm::requests::{
    KeyFileEncoding, KeyTypeClass, NewKeyOptions, NewPairOptions, SignRequest, Signature,
    UnwrapRequest, WrapRequest, WrappedKey,
};
use crate::backend::sim::crypto::{
    self, CheckValueInput, PublicFacts, PublicMaterial, SecretMaterial, SigningKey, UnwrappingKey,
    Vault, WrappingKey,
};
use crate::backend::sim::keys::{self, NewKey, StoredKey, Viewer};
use crate::error::{Error, Result};
use crate::session::{Login, Role};
use rusqlite::Transaction;
use std::collections::HashMap;
use std::sync::Arc;

/// Parsed signing keys by reference, with the sealed blob they came from: parsing a private key
/// costs more than an ECDSA signature, so a shell that signs repeatedly parses once. The blob
/// check makes a deleted-and-reused reference miss.
#[derive(Default)]
pub(super) struct SigningKeyCache {
    keys: HashMap<KeyReference, (Vec<u8>, Arc<SigningKey>)>,
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKeyCache({} keys)", self.keys.len())
    }
}

fn viewer(actor: &Login) -> Viewer<'_> {
    Viewer {
        username: &actor.username,
        role: actor.role,
    }
}

fn lifetime(session: bool) -> KeyLifetime {
    if session {
        KeyLifetime::Session
    } else {
        KeyLifetime::Persistent
    }
}

/// What binds a sealed blob to its row: it cannot be moved to another key or cluster.
fn associated_data(cluster_id: &str, reference: KeyReference) -> Vec<u8> {
    format!("{cluster_id}/{reference}").into_bytes()
}

/// The one key `filter` selects among those `actor` can see.
fn select(
    tx: &Transaction<'_>,
    cluster_id: &str,
    actor: &Login,
    filter: &Filter,
) -> Result<StoredKey> {
    let mut matches = keys::visible(tx, cluster_id, viewer(actor), filter)?;
    select_one(matches.len())?;
    Ok(matches.remove(0))
}

fn unusable(stored: &StoredKey, reason: impl Into<String>) -> Error {
    Error::KeyNotUsable {
        reference: stored.key.key_reference.to_string(),
        reason: reason.into(),
    }
}

fn require_owner(stored: &StoredKey, actor: &Login, action: &'static str) -> Result<()> {
    if stored.owner == actor.username {
        Ok(())
    } else {
        Err(Error::NotKeyOwner {
            reference: stored.key.key_reference.to_string(),
            action,
        })
    }
}

fn require(stored: &StoredKey, allowed: bool, reason: &str) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(unusable(stored, reason))
    }
}

fn public_material(stored: &StoredKey) -> Result<PublicMaterial> {
    stored
        .public_der
        .clone()
        .map(PublicMaterial::new)
        .ok_or_else(|| unusable(stored, "it has no public key"))
}

fn asymmetric_facts(facts: PublicFacts) -> AsymmetricFacts {
    match facts {
        PublicFacts::Rsa {
            modulus,
            public_exponent,
            ..
        } => AsymmetricFacts::Rsa(RsaFacts::new(&modulus, &public_exponent)),
        PublicFacts::Ec { curve, point } => AsymmetricFacts::Ec(EcFacts {
            curve,
            ec_point: point,
        }),
    }
}

fn length(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// Checks that every user to share with is a crypto user other than the owner; a user named
/// twice (in any case) is shared with once, as the stored shares and later listings show.
fn check_share_targets(
    tx: &Transaction<'_>,
    cluster_id: &str,
    owner: &str,
    share_with: &[String],
) -> Result<Vec<String>> {
    let mut targets: Vec<String> = share_with
        .iter()
        .map(|name| {
            let username = crate::backend::hsm::normalize_username(name)?;
            if username == owner {
                return Err(Error::InvalidInput {
                    what: "--share-crypto-users",
                    reason: format!("{username} owns the new key and needs no share"),
                });
            }
            if !keys::is_crypto_user(tx, cluster_id, &username)? {
                return Err(Error::UserNotFound {
                    username,
                    role: Role::CryptoUser,
                });
            }
            Ok(username)
        })
        .collect::<Result<_>>()?;
    let mut seen = std::collections::HashSet::new();
    targets.retain(|username| seen.insert(username.clone()));
    Ok(targets)
}

/// Where a new key goes: the transaction, the cluster, and the vault that seals its secret.
struct KeyHome<'a> {
    tx: &'a Transaction<'a>,
    cluster_id: &'a str,
    vault: &'a Vault,
}

impl KeyHome<'_> {
    /// Inserts a new key row (sealing its secret) and shares it; returns it as listed.
    fn store_key(
        &self,
        actor: &Login,
        attributes: KeyAttributes,
        public: Option<&PublicMaterial>,
        secret: Option<&SecretMaterial>,
        share_with: &[String],
    ) -> Result<Key> {
        let (tx, cluster_id) = (self.tx, self.cluster_id);
        let reference = keys::next_reference(tx, cluster_id)?;
        let sealed = secret
            .map(|secret| {
                self.vault
                    .seal(secret, &associated_data(cluster_id, reference))
            })
            .transpose()?;
        let session_login_id = (!attributes.token).then_some(actor.login_id);
        keys::insert(
            tx,
            cluster_id,
            &NewKey {
                reference,
                owner: &actor.username,
                attributes: &attributes,
                public_der: public.map(PublicMaterial::as_der),
                sealed_secret: sealed.as_deref(),
                session_login_id,
            },
        )?;
        for username in share_with {
            keys::share(tx, cluster_id, reference, username)?;
        }
        let mut key = Key::new(reference, &actor.username, Default::default(), attributes);
        key.key_info.shared_users = share_with
            .iter()
            .map(|username| crate::backend::hsm::key::KeyUser::new(username))
            .collect();
        Ok(key)
    }
}

impl SimHsm {
    fn open_secret(&self, stored: &StoredKey) -> Result<SecretMaterial> {
        let sealed = stored
            .sealed_secret
            .as_deref()
            .ok_or_else(|| unusable(stored, "it holds no secret material"))?;
        self.vault.open(
            sealed,
            &associated_data(&self.cluster_id, stored.key.key_reference),
        )
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

    pub(super) fn generate_secret_key_now(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        spec.validate()?;
        let (secret_type, key_type) = match spec {
            KeySpec::Aes { .. } => (SecretKeyType::Aes, KeyType::Aes),
            KeySpec::GenericSecret { .. } => (SecretKeyType::GenericSecret, KeyType::GenericSecret),
            KeySpec::Rsa { .. } | KeySpec::Ec { .. } => {
                return Err(Error::InvalidInput {
                    what: "key specification",
                    reason: "an RSA or EC key is generated as a pair".to_owned(),
                });
            }
        };
        let generated = crypto::generate(spec)?;
        let check_value =
            crypto::check_value(key_type, CheckValueInput::Secret(&generated.secret))?;
        let attributes = KeyAttributes::generated_secret(
            secret_type,
            length(generated.secret.len()),
            CheckValue(check_value),
            lifetime(options.session),
            &Creation {
                label: options.label,
                attributes: options.attributes,
            },
        )?;
        let (cluster_id, process, vault) = (&self.cluster_id, &self.process, &self.vault);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            let share_with =
                check_share_targets(tx, cluster_id, &actor.username, options.share_with)?;
            KeyHome {
                tx,
                cluster_id,
                vault,
            }
            .store_key(
                actor,
                attributes,
                None,
                Some(&generated.secret),
                &share_with,
            )
        })
    }

    pub(super) fn generate_key_pair_now(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewPairOptions<'_>,
    ) -> Result<GeneratedPair> {
        spec.validate()?;
        let generated = crypto::generate(spec)?;
        let public = generated
            .public
            .as_ref()
            .ok_or_else(|| Error::InvalidInput {
                what: "key specification",
                reason: "only RSA and EC keys are generated as pairs".to_owned(),
            })?;
        let facts = crypto::public_facts(public)?;
        let key_type = match facts {
            PublicFacts::Rsa { .. } => KeyType::Rsa,
            PublicFacts::Ec { .. } => KeyType::Ec,
        };
        let check_value = crypto::check_value(key_type, CheckValueInput::Public(public))?;
        let lengths = PairLengths {
            public: length(facts.key_length_bytes()),
            private: length(generated.secret.len()),
        };
        let (public_attributes, private_attributes) = KeyAttributes::generated_pair(
            asymmetric_facts(facts),
            lengths,
            CheckValue(check_value),
            lifetime(options.session),
            &Creation {
                label: options.public_label,
                attributes: options.public_attributes,
            },
            &Creation {
                label: options.private_label,
                attributes: options.private_attributes,
            },
        )?;
        let (cluster_id, process, vault) = (&self.cluster_id, &self.process, &self.vault);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            let share_with =
                check_share_targets(tx, cluster_id, &actor.username, options.share_with)?;
            let home = KeyHome {
                tx,
                cluster_id,
                vault,
            };
            let public_key = home.store_key(actor, public_attributes, Some(public), None, &[])?;
            let private_key = home.store_key(
                actor,
                private_attributes,
                Some(public),
                Some(&generated.secret),
                &share_with,
            )?;
            Ok(GeneratedPair {
                public_key,
                private_key,
            })
        })
    }

    pub(super) fn list_keys_now(
        &mut self,
        actor: &Login,
        filter: &Filter,
        starting_token: Option<&str>,
        max_items: usize,
        verbose: bool,
    ) -> Result<KeyListPage> {
        self.store.read(|tx| {
            check_reader(tx, &self.cluster_id, actor)?;
            let matches = keys::visible(tx, &self.cluster_id, viewer(actor), filter)?;
            let total = matches.len();
            let window = page(total, starting_token, max_items)?;
            // The CLI ignores --verbose for admins.
            let verbose = verbose && actor.role == Role::CryptoUser;
            let entries = matches
                .into_iter()
                .skip(window.offset)
                .take(window.limit)
                .map(|stored| {
                    if verbose {
                        KeyListEntry::Verbose(stored.key)
                    } else {
                        KeyListEntry::brief(&stored.key)
                    }
                })
                .collect();
            Ok(KeyListPage::new(entries, total, window.next_token))
        })
    }

    pub(super) fn delete_key_now(
        &mut self,
        actor: &Login,
        filter: &Filter,
    ) -> Result<KeyReference> {
        self.store.transaction(|tx| {
            check_actor(tx, &self.cluster_id, &self.process, actor)?;
            let stored = select(tx, &self.cluster_id, actor, filter)?;
            require_owner(&stored, actor, "delete")?;
            require(
                &stored,
                stored.key.attributes.destroyable,
                "its destroyable attribute is false",
            )?;
            keys::delete(tx, &self.cluster_id, stored.key.key_reference)?;
            Ok(stored.key.key_reference)
        })
    }

    pub(super) fn set_key_attribute_now(
        &mut self,
        actor: &Login,
        filter: &Filter,
        name: &str,
        value: &str,
    ) -> Result<()> {
        self.store.transaction(|tx| {
            check_actor(tx, &self.cluster_id, &self.process, actor)?;
            let mut stored = select(tx, &self.cluster_id, actor, filter)?;
            if actor.role == Role::CryptoUser {
                require_owner(&stored, actor, "change")?;
            }
            stored
                .key
                .attributes
                .set_attribute(name, value, actor.role == Role::Admin)?;
            keys::update_attributes(
                tx,
                &self.cluster_id,
                stored.key.key_reference,
                &stored.key.attributes,
            )
        })
    }

    pub(super) fn change_share_now(
        &mut self,
        actor: &Login,
        filter: &Filter,
        username: &str,
        role: Role,
        share: bool,
    ) -> Result<()> {
        if role != Role::CryptoUser {
            return Err(Error::ShareWithCryptoUsersOnly);
        }
        let username = crate::backend::hsm::normalize_username(username)?;
        self.store.transaction(|tx| {
            check_actor(tx, &self.cluster_id, &self.process, actor)?;
            let stored = select(tx, &self.cluster_id, actor, filter)?;
            require_owner(&stored, actor, if share { "share" } else { "unshare" })?;
            let reference = stored.key.key_reference.to_string();
            if username == stored.owner {
                return Err(Error::ShareWithOwner {
                    reference,
                    username,
                });
            }
            if !keys::is_crypto_user(tx, &self.cluster_id, &username)? {
                return Err(Error::UserNotFound { username, role });
            }
            let key_reference = stored.key.key_reference;
            if share {
                if !keys::share(tx, &self.cluster_id, key_reference, &username)? {
                    return Err(Error::AlreadyShared {
                        reference,
                        username,
                    });
                }
            } else if !keys::unshare(tx, &self.cluster_id, key_reference, &username)? {
                return Err(Error::NotShared {
                    reference,
                    username,
                });
            }
            Ok(())
        })
    }

    pub(super) fn import_public_key_now(
        &mut self,
        actor: &Login,
        pem: &str,
        key_type_class: KeyTypeClass,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        let public = crypto::parse_public_pem(pem)?;
        let facts = crypto::public_facts(&public)?;
        let found = match facts {
            PublicFacts::Rsa { .. } => KeyTypeClass::RsaPublic,
            PublicFacts::Ec { .. } => KeyTypeClass::EcPublic,
        };
        if found != key_type_class {
            return Err(Error::InvalidInput {
                what: "PEM file",
                reason: format!(
                    "it holds an {} public key, not the {} key --key-type-class names",
                    found.key_type().as_str().to_uppercase(),
                    key_type_class.key_type().as_str().to_uppercase()
                ),
            });
        }
        let check_value = crypto::check_value(found.key_type(), CheckValueInput::Public(&public))?;
        let key_length = length(facts.key_length_bytes());
        let attributes = KeyAttributes::imported_public(
            asymmetric_facts(facts),
            key_length,
            CheckValue(check_value),
            &Creation {
                label: options.label,
                attributes: options.attributes,
            },
        )?;
        let (cluster_id, process, vault) = (&self.cluster_id, &self.process, &self.vault);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            KeyHome {
                tx,
                cluster_id,
                vault,
            }
            .store_key(actor, attributes, Some(&public), None, &[])
        })
    }

    pub(super) fn key_file_now(
        &mut self,
        actor: &Login,
        filter: &Filter,
        encoding: KeyFileEncoding,
    ) -> Result<String> {
        let stored = self.store.read(|tx| {
            check_reader(tx, &self.cluster_id, actor)?;
            select(tx, &self.cluster_id, actor, filter)
        })?;
        match encoding {
            KeyFileEncoding::Pem => {
                require(
                    &stored,
                    stored.key.attributes.class != KeyClass::SecretKey,
                    "a secret key never leaves the HSM as PEM: wrap it instead",
                )?;
                Ok(crypto::public_pem(&public_material(&stored)?))
            }
            KeyFileEncoding::ReferencePem => {
                require(
                    &stored,
                    stored.key.attributes.class == KeyClass::PrivateKey,
                    "a reference PEM names a private key",
                )?;
                crypto::reference_pem(stored.key.key_reference.0, &public_material(&stored)?)
            }
        }
    }

    pub(super) fn wrap_key_now(
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
        let wrapped = if uses_rsa(request.mechanism) {
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
        Ok(WrappedKey {
            payload_key_reference: payload.key.key_reference,
            wrapping_key_reference: wrapping.key.key_reference,
            data: wrapped.data,
            iv: wrapped.iv,
        })
    }

    pub(super) fn unwrap_key_now(
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
            uses_rsa(request.mechanism),
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
            lifetime(new_key.session),
            &Creation {
                label: new_key.label,
                attributes: new_key.attributes,
            },
        )?;
        let (cluster_id, process, vault) = (&self.cluster_id, &self.process, &self.vault);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            let share_with =
                check_share_targets(tx, cluster_id, &actor.username, new_key.share_with)?;
            KeyHome {
                tx,
                cluster_id,
                vault,
            }
            .store_key(
                actor,
                attributes,
                public.as_ref(),
                Some(&material),
                &share_with,
            )
        })
    }

    pub(super) fn sign_now(
        &mut self,
        actor: &Login,
        request: &SignRequest<'_>,
    ) -> Result<Signature> {
        let stored = self.store.read(|tx| {
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
        Ok(Signature {
            key_reference: stored.key.key_reference,
            signature,
        })
    }

    pub(super) fn verify_now(
        &mut self,
        actor: &Login,
        request: &SignRequest<'_>,
        signature: &[u8],
    ) -> Result<KeyReference> {
        let stored = self.store.read(|tx| {
            check_reader(tx, &self.cluster_id, actor)?;
            select(tx, &self.cluster_id, actor, request.key_filter)
        })?;
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

fn uses_rsa(mechanism: &WrapMechanism) -> bool {
    matches!(
        mechanism,
        WrapMechanism::RsaAes { .. } | WrapMechanism::RsaOaep { .. } | WrapMechanism::RsaPkcs
    )
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

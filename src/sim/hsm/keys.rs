//! Key management on the simulated cluster: generating, listing, deleting, sharing, importing
//! and exporting keys, with material sealed at rest; `key_use` holds what uses them.

use super::{SimHsm, check_actor, check_reader};
use crate::backend::hsm::filter::{Filter, select_one};
use crate::backend::hsm::key::{
    AsymmetricFacts, CheckValue, Creation, EcFacts, GeneratedPair, Key, KeyAttributes, KeyClass,
    KeyKind, KeyLifetime, KeyListEntry, KeyListPage, KeyQuorumValues, KeyReference, KeyType,
    PairLengths, RsaFacts, SecretKeyType, page,
};
use crate::backend::hsm::mechanism::KeySpec;
use crate::backend::hsm::quorum::{Approval, QuorumService};
use crate::backend::hsm::requests::{KeyFileEncoding, KeyTypeClass, NewKeyOptions, NewPairOptions};
use crate::backend::hsm::{Login, Role};
use crate::error::{Error, Result};
use crate::sim::crypto::{
    self, CheckValueInput, PublicFacts, PublicMaterial, SecretMaterial, Vault,
};
use crate::sim::keys::{self, NewKey, StoredKey, Viewer};
use crate::sim::quorum;
use rusqlite::Transaction;

pub(crate) fn viewer(actor: &Login) -> Viewer<'_> {
    Viewer {
        username: &actor.username,
        role: actor.role,
    }
}

/// What binds a sealed blob to its row: it cannot be moved to another key or cluster.
pub(crate) fn associated_data(cluster_id: &str, reference: KeyReference) -> Vec<u8> {
    format!("{cluster_id}/{reference}").into_bytes()
}

/// The one key `filter` selects among those `actor` can see.
pub(crate) fn select(
    tx: &Transaction<'_>,
    cluster_id: &str,
    actor: &Login,
    filter: &Filter,
) -> Result<StoredKey> {
    let mut matches = keys::visible(tx, cluster_id, viewer(actor), filter)?;
    select_one(matches.len())?;
    Ok(matches.remove(0))
}

pub(crate) fn unusable(stored: &StoredKey, reason: impl Into<String>) -> Error {
    Error::KeyNotUsable {
        reference: stored.key.key_reference.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn require_owner(stored: &StoredKey, actor: &Login, action: &'static str) -> Result<()> {
    if stored.owner == actor.username {
        Ok(())
    } else {
        Err(Error::NotKeyOwner {
            reference: stored.key.key_reference.to_string(),
            action,
        })
    }
}

pub(crate) fn require(stored: &StoredKey, allowed: bool, reason: &str) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(unusable(stored, reason))
    }
}

pub(crate) fn public_material(stored: &StoredKey) -> Result<PublicMaterial> {
    stored
        .public_der
        .clone()
        .map(PublicMaterial::new)
        .ok_or_else(|| unusable(stored, "it has no public key"))
}

pub(crate) fn asymmetric_facts(facts: PublicFacts) -> AsymmetricFacts {
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

pub(crate) fn length(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// Checks that every user to share with is a crypto user other than the owner; a user named
/// twice (in any case) is shared with once, as the stored shares and later listings show.
/// Ed25519 keys exist only on hsm2m.medium clusters in non-FIPS mode.
pub(crate) fn require_eddsa_cluster(tx: &Transaction<'_>, cluster_id: &str) -> Result<()> {
    let (hsm_type, mode) = crate::sim::cluster::type_and_mode(tx, cluster_id)?.unwrap_or_default();
    if hsm_type == "hsm2m.medium" && mode == "NON_FIPS" {
        return Ok(());
    }
    Err(Error::ClusterLacks {
        what: "An ed25519 key",
        needs: "an hsm2m.medium cluster in NON_FIPS mode",
        cluster_id: cluster_id.to_owned(),
        has: format!("{hsm_type} in {mode} mode"),
    })
}

/// A key's quorum values cannot exceed the users who could approve: its owner and the users it
/// is shared with.
pub(crate) fn check_quorum_bound(quorum: KeyQuorumValues, shared_users: usize) -> Result<()> {
    let associated = 1 + shared_users;
    let highest = quorum.highest();
    if usize::from(highest) > associated {
        return Err(Error::InvalidInput {
            what: "key quorum values",
            reason: format!(
                "a quorum value of {highest} needs as many users associated with the key, and it \
                 has {associated} (its owner and {shared_users} shared user(s)): share it with \
                 more crypto users (--share-crypto-users)"
            ),
        });
    }
    Ok(())
}

/// Unsharing may not leave a key with fewer associated users than its quorum values need.
fn check_unshare_bound(stored: &StoredKey) -> Result<()> {
    let highest = stored.key.key_info.key_quorum_values.highest();
    let remaining = stored.key.key_info.shared_users.len();
    if usize::from(highest) > remaining {
        return Err(unusable(
            stored,
            format!(
                "its quorum values need {highest} associated users, and unsharing would leave \
                 {remaining} (its owner and {} shared user(s))",
                remaining.saturating_sub(1)
            ),
        ));
    }
    Ok(())
}

pub(crate) fn check_share_targets(
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
        quorum: KeyQuorumValues,
    ) -> Result<Key> {
        let (tx, cluster_id) = (self.tx, self.cluster_id);
        check_quorum_bound(quorum, share_with.len())?;
        if let KeyKind::Ec(facts) = &attributes.kind
            && facts.curve.is_edwards()
        {
            require_eddsa_cluster(tx, cluster_id)?;
        }
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
                quorum,
            },
        )?;
        for username in share_with {
            keys::share(tx, cluster_id, reference, username)?;
        }
        let mut key = Key::new(reference, &actor.username, quorum, attributes);
        key.key_info.shared_users = share_with
            .iter()
            .map(|username| crate::backend::hsm::key::KeyUser::new(username))
            .collect();
        Ok(key)
    }
}

impl SimHsm {
    /// Stores one new key owned by `actor` in its own write transaction, shared with
    /// `share_with` after checking them.
    pub(crate) fn insert_key(
        &mut self,
        actor: &Login,
        attributes: KeyAttributes,
        public: Option<&PublicMaterial>,
        secret: Option<&SecretMaterial>,
        share_with: &[String],
        quorum: KeyQuorumValues,
    ) -> Result<Key> {
        let (cluster_id, process, vault) = (&self.cluster_id, &self.process, &self.vault);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            let share_with = check_share_targets(tx, cluster_id, &actor.username, share_with)?;
            KeyHome {
                tx,
                cluster_id,
                vault,
            }
            .store_key(actor, attributes, public, secret, &share_with, quorum)
        })
    }

    pub(crate) fn open_secret(&self, stored: &StoredKey) -> Result<SecretMaterial> {
        let sealed = stored
            .sealed_secret
            .as_deref()
            .ok_or_else(|| unusable(stored, "it holds no secret material"))?;
        self.vault.open(
            sealed,
            &associated_data(&self.cluster_id, stored.key.key_reference),
        )
    }

    pub(crate) fn generate_secret_key_now(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        spec.validate()?;
        check_quorum_bound(options.quorum, options.share_with.len())?;
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
            KeyLifetime::of_session_flag(options.session),
            &Creation {
                label: options.label,
                attributes: options.attributes,
            },
        )?;
        self.insert_key(
            actor,
            attributes,
            None,
            Some(&generated.secret),
            options.share_with,
            options.quorum,
        )
    }

    pub(crate) fn generate_key_pair_now(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewPairOptions<'_>,
    ) -> Result<GeneratedPair> {
        spec.validate()?;
        check_quorum_bound(options.private_quorum, options.share_with.len())?;
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
            KeyLifetime::of_session_flag(options.session),
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
            let public_key = home.store_key(
                actor,
                public_attributes,
                Some(public),
                None,
                &[],
                KeyQuorumValues::default(),
            )?;
            let private_key = home.store_key(
                actor,
                private_attributes,
                Some(public),
                Some(&generated.secret),
                &share_with,
                options.private_quorum,
            )?;
            Ok(GeneratedPair {
                public_key,
                private_key,
            })
        })
    }

    pub(crate) fn list_keys_now(
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

    pub(crate) fn delete_key_now(
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

    pub(crate) fn set_key_attribute_now(
        &mut self,
        actor: &Login,
        filter: &Filter,
        name: &str,
        value: &str,
        approval: Option<&Approval>,
    ) -> Result<()> {
        self.store.transaction(|tx| {
            check_actor(tx, &self.cluster_id, &self.process, actor)?;
            let mut stored = select(tx, &self.cluster_id, actor, filter)?;
            if actor.role == Role::CryptoUser {
                require_owner(&stored, actor, "change")?;
            }
            let before = stored.clone();
            stored
                .key
                .attributes
                .set_attribute(name, value, actor.role == Role::Admin)?;
            quorum::authorize_key(
                tx,
                &self.cluster_id,
                actor,
                QuorumService::KeyManagement,
                &before,
                approval,
            )?;
            keys::update_attributes(
                tx,
                &self.cluster_id,
                stored.key.key_reference,
                &stored.key.attributes,
            )
        })
    }

    pub(crate) fn change_share_now(
        &mut self,
        actor: &Login,
        filter: &Filter,
        username: &str,
        role: Role,
        share: bool,
        approval: Option<&Approval>,
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
            if !share {
                check_unshare_bound(&stored)?;
            }
            quorum::authorize_key(
                tx,
                &self.cluster_id,
                actor,
                QuorumService::KeyManagement,
                &stored,
                approval,
            )?;
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

    pub(crate) fn import_public_key_now(
        &mut self,
        actor: &Login,
        pem: &str,
        key_type_class: KeyTypeClass,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        let public = crypto::parse_public_pem(pem)?;
        let facts = crypto::public_facts(&public)?;
        let found = match facts {
            PublicFacts::Rsa { .. } => KeyType::Rsa,
            PublicFacts::Ec { .. } => KeyType::Ec,
        };
        key_type_class.check_imported(found)?;
        let check_value = crypto::check_value(found, CheckValueInput::Public(&public))?;
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
        self.insert_key(
            actor,
            attributes,
            Some(&public),
            None,
            &[],
            KeyQuorumValues::default(),
        )
    }

    pub(crate) fn key_file_now(
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
}

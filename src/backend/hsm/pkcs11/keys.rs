//! Key management on a PKCS#11 token: generating, finding, listing, deleting, changing and
//! importing keys, and the key files of `key generate-file`, with the simulator's replies.

use super::Pkcs11Hsm;
use super::attributes::{
    TokenKey, ck_key_type, creation_template, exact_search_template, flag, object_class, read_key,
    read_label, search_template, shown_kind,
};
use super::failure::failed;
use super::mechanisms::{key_generation, validate_spec};
use super::public::ec_point_attribute;
use crate::backend::hsm::filter::{Filter, select_one};
use crate::backend::hsm::key::{
    AsymmetricFacts, AttributeName, CheckValue, Creation, EcFacts, GeneratedPair, Key,
    KeyAttributes, KeyClass, KeyLifetime, KeyListEntry, KeyListPage, KeyReference, KeyType,
    PairLengths, RsaFacts, SecretKeyType, page,
};
use crate::backend::hsm::mechanism::KeySpec;
use crate::backend::hsm::requests::{KeyFileEncoding, KeyTypeClass, NewKeyOptions, NewPairOptions};
use crate::backend::hsm::{Login, Role};
use crate::error::{Error, Result};
use crate::sim::crypto::{PublicFacts, parse_public_pem, public_facts, public_pem, reference_pem};
use cryptoki::object::{Attribute, ObjectHandle};
use std::sync::Arc;

/// A key as the replies show it: the handle is its reference, the logged-in user its owner.
pub(super) fn shown(actor: &Login, key: &TokenKey) -> Key {
    Key::new(
        KeyReference(key.handle.handle()),
        &actor.username,
        Default::default(),
        key.attributes.clone(),
    )
}

pub(super) fn unusable(key: &TokenKey, reason: impl Into<String>) -> Error {
    Error::KeyNotUsable {
        reference: KeyReference(key.handle.handle()).to_string(),
        reason: reason.into(),
    }
}

pub(super) fn require(key: &TokenKey, allowed: bool, reason: &str) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(unusable(key, reason))
    }
}

/// A token has one crypto user, so the simulator's shares cannot be asked for.
fn refuse_shares(share_with: &[String]) -> Result<()> {
    if share_with.is_empty() {
        Ok(())
    } else {
        Err(Pkcs11Hsm::backend_lacks(
            "--share-crypto-users",
            super::NO_SHARING,
        ))
    }
}

impl Pkcs11Hsm {
    /// The handles of every object `filter` may match, in handle order: the searchable words
    /// narrow `C_FindObjects`, a `key-reference` word names the one handle.
    fn candidates(&self, filter: &Filter) -> Result<Vec<ObjectHandle>> {
        let mut handles = self
            .session
            .find_objects(&search_template(filter))
            .map_err(|error| failed("C_FindObjects", error))?;
        if let Some(reference) = filter.reference() {
            handles.retain(|handle| handle.handle() == reference.0);
        }
        handles.sort_by_key(|handle| handle.handle());
        Ok(handles)
    }

    /// The key `handle` is, read once until this shell next changes the token.
    pub(super) fn key(&mut self, handle: ObjectHandle) -> Result<Option<Arc<TokenKey>>> {
        if let Some(key) = self.read_keys.get(&handle.handle()) {
            return Ok(Some(Arc::clone(key)));
        }
        let Some(key) = read_key(&self.session, handle)? else {
            return Ok(None);
        };
        let key = Arc::new(key);
        self.read_keys.insert(handle.handle(), Arc::clone(&key));
        Ok(Some(key))
    }

    /// Every key `filter` matches, in handle order.
    fn matching(&mut self, filter: &Filter) -> Result<Vec<Arc<TokenKey>>> {
        let mut keys = Vec::new();
        for handle in self.candidates(filter)? {
            if let Some(key) = self.key(handle)?
                && filter.matches(KeyReference(handle.handle()), &key.attributes)
            {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    /// The one key `filter` selects, or the CLI's "matched N keys" error.
    pub(super) fn select(&mut self, filter: &Filter) -> Result<Arc<TokenKey>> {
        let mut keys = self.matching(filter)?;
        select_one(keys.len())?;
        Ok(keys.remove(0))
    }

    /// The one key `filter` selects for signing or verifying: the last selection of the same
    /// filter while it is fresh (see `RESOLUTION_LIFETIME`), else a new one.
    pub(super) fn select_for_use(&mut self, filter: &Filter) -> Result<Arc<TokenKey>> {
        if let Some(resolved) = &self.resolved
            && resolved.filter == *filter
            && resolved.at.elapsed() < super::RESOLUTION_LIFETIME
        {
            return Ok(Arc::clone(&resolved.key));
        }
        let key = self.select(filter)?;
        self.resolved = Some(super::Resolved {
            filter: filter.clone(),
            key: Arc::clone(&key),
            at: std::time::Instant::now(),
        });
        Ok(key)
    }

    /// Reads a key just made, and shows it.
    pub(super) fn made(&mut self, actor: &Login, handle: ObjectHandle) -> Result<Key> {
        let key = self.key(handle)?.ok_or_else(|| Error::Pkcs11 {
            call: "C_GetAttributeValue".to_owned(),
            code: "no key".to_owned(),
            meaning: "the token did not show a key it just made".to_owned(),
        })?;
        Ok(shown(actor, &key))
    }

    pub(super) fn destroy_session_keys(&mut self) -> Result<()> {
        let handles = self
            .session
            .find_objects(&[Attribute::Token(false)])
            .map_err(|error| failed("C_FindObjects", error))?;
        for handle in handles {
            self.session
                .destroy_object(handle)
                .map_err(|error| failed("C_DestroyObject", error))?;
        }
        Ok(())
    }

    pub(super) fn generate_secret_key_now(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        validate_spec(spec)?;
        refuse_shares(options.share_with)?;
        let (secret_type, bytes) = match *spec {
            KeySpec::Aes { bytes } => (SecretKeyType::Aes, bytes),
            KeySpec::GenericSecret { bytes } => (SecretKeyType::GenericSecret, bytes),
            KeySpec::Rsa { .. } | KeySpec::Ec { .. } => {
                return Err(Error::InvalidInput {
                    what: "key specification",
                    reason: "an RSA or EC key is generated as a pair".to_owned(),
                });
            }
        };
        let attributes = KeyAttributes::generated_secret(
            secret_type,
            u32::try_from(bytes).unwrap_or(u32::MAX),
            CheckValue([0; 3]),
            KeyLifetime::of_session_flag(options.session),
            &Creation {
                label: options.label,
                attributes: options.attributes,
            },
        )?;
        let generation = key_generation(spec);
        let mut template = creation_template(&attributes);
        template.extend(generation.secret_template);
        self.forget_keys();
        let handle = self
            .session
            .generate_key(&generation.mechanism, &template)
            .map_err(|error| failed("C_GenerateKey", error))?;
        self.made(actor, handle)
    }

    pub(super) fn generate_key_pair_now(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewPairOptions<'_>,
    ) -> Result<GeneratedPair> {
        validate_spec(spec)?;
        refuse_shares(options.share_with)?;
        if let KeySpec::Ec { curve } = spec
            && curve.is_edwards()
        {
            return Err(Pkcs11Hsm::backend_lacks(
                "--curve ed25519",
                "EdDSA keys, which the shell makes on the simulator's hsm2m.medium non-FIPS \
                 clusters only, not through PKCS#11",
            ));
        }
        let facts = match *spec {
            KeySpec::Rsa { .. } => AsymmetricFacts::Rsa(RsaFacts::new(&[], &[])),
            KeySpec::Ec { curve } => AsymmetricFacts::Ec(EcFacts {
                curve,
                ec_point: Vec::new(),
            }),
            KeySpec::Aes { .. } | KeySpec::GenericSecret { .. } => {
                return Err(Error::InvalidInput {
                    what: "key specification",
                    reason: "only RSA and EC keys are generated as pairs".to_owned(),
                });
            }
        };
        // The attribute rules run on the shell's side first, so that a bad NAME=VALUE is
        // refused with the simulator's message before the token is asked for anything.
        let (public, private) = KeyAttributes::generated_pair(
            facts,
            PairLengths {
                public: 0,
                private: 0,
            },
            CheckValue([0; 3]),
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
        let generation = key_generation(spec);
        let mut public_template = creation_template(&public);
        public_template.extend(generation.public_template);
        let mut private_template = creation_template(&private);
        // PKCS#11 links a pair's halves by CKA_ID; without one given, both get the same
        // random id, so that an EC private key can find its public point.
        if !has_id(&public_template) && !has_id(&private_template) {
            let id = self
                .session
                .generate_random_vec(8)
                .map_err(|error| failed("C_GenerateRandom", error))?;
            public_template.push(Attribute::Id(id.clone()));
            private_template.push(Attribute::Id(id));
        }
        self.forget_keys();
        let (public_handle, private_handle) = self
            .session
            .generate_key_pair(&generation.mechanism, &public_template, &private_template)
            .map_err(|error| failed("C_GenerateKeyPair", error))?;
        Ok(GeneratedPair {
            public_key: self.made(actor, public_handle)?,
            private_key: self.made(actor, private_handle)?,
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
        let verbose = verbose && actor.role == Role::CryptoUser;
        // Fresh reads: a listing is where changes by other processes show.
        self.forget_keys();
        if !verbose && let Some(template) = exact_search_template(filter) {
            return self.list_brief(&template, starting_token, max_items);
        }
        let keys = self.matching(filter)?;
        let window = page(keys.len(), starting_token, max_items)?;
        let entries = keys
            .iter()
            .skip(window.offset)
            .take(window.limit)
            .map(|key| {
                let key = shown(actor, key);
                if verbose {
                    KeyListEntry::Verbose(key)
                } else {
                    KeyListEntry::brief(&key)
                }
            })
            .collect();
        Ok(KeyListPage::new(entries, keys.len(), window.next_token))
    }

    /// A brief listing of a filter `C_FindObjects` answers exactly: one search, the class and
    /// key type of each object found (one fixed-size read) to count the keys the shell shows,
    /// and only the page's labels, so that a token
    /// of many thousand objects lists in milliseconds.
    fn list_brief(
        &mut self,
        template: &[Attribute],
        starting_token: Option<&str>,
        max_items: usize,
    ) -> Result<KeyListPage> {
        let found = self
            .session
            .find_objects(template)
            .map_err(|error| failed("C_FindObjects", error))?;
        let mut handles = Vec::with_capacity(found.len());
        for handle in found {
            if shown_kind(&self.session, handle)? {
                handles.push(handle);
            }
        }
        handles.sort_by_key(|handle| handle.handle());
        handles.dedup_by_key(|handle| handle.handle());
        let window = page(handles.len(), starting_token, max_items)?;
        let entries = handles
            .iter()
            .skip(window.offset)
            .take(window.limit)
            .map(|handle| {
                Ok(KeyListEntry::Brief {
                    key_reference: KeyReference(handle.handle()),
                    label: read_label(&self.session, *handle)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(KeyListPage::new(entries, handles.len(), window.next_token))
    }

    pub(super) fn delete_key_now(
        &mut self,
        _actor: &Login,
        filter: &Filter,
    ) -> Result<KeyReference> {
        let key = self.select(filter)?;
        require(
            &key,
            key.attributes.destroyable,
            "its destroyable attribute is false",
        )?;
        self.forget_keys();
        self.session
            .destroy_object(key.handle)
            .map_err(|error| failed("C_DestroyObject", error))?;
        Ok(KeyReference(key.handle.handle()))
    }

    /// `key set-attribute`: the CLI's rules decide, then `C_SetAttributeValue` sets it. A
    /// session key made persistent is copied to the token (`C_CopyObject`), since PKCS#11 never
    /// changes `CKA_TOKEN` in place.
    pub(super) fn set_key_attribute_now(
        &mut self,
        actor: &Login,
        filter: &Filter,
        name: &str,
        value: &str,
    ) -> Result<()> {
        let key = self.select(filter)?;
        let mut attributes = key.attributes.clone();
        attributes.set_attribute(name, value, actor.role == Role::Admin)?;
        if attributes == key.attributes {
            return Ok(());
        }
        let attribute = AttributeName::parse(name).ok_or_else(|| Error::UnknownAttribute {
            name: name.to_owned(),
        })?;
        self.forget_keys();
        if attribute == AttributeName::Token {
            let copy = self
                .session
                .copy_object(key.handle, &[Attribute::Token(true)])
                .map_err(|error| failed("C_CopyObject", error))?;
            return self.session.destroy_object(key.handle).map_err(|error| {
                let _ = self.session.destroy_object(copy);
                failed("C_DestroyObject", error)
            });
        }
        let template = match attribute {
            AttributeName::Label => vec![Attribute::Label(attributes.label.clone().into_bytes())],
            AttributeName::Id => vec![Attribute::Id(attributes.id.bytes().to_vec())],
            other => {
                let value = attributes
                    .value(other)
                    .and_then(|value| value.to_string().parse::<bool>().ok())
                    .ok_or_else(|| Error::AttributeNotSettable {
                        name: name.to_owned(),
                        value: value.to_owned(),
                    })?;
                flag(other, value).into_iter().collect()
            }
        };
        self.session
            .update_attributes(key.handle, &template)
            .map_err(|error| failed("C_SetAttributeValue", error))
    }

    pub(super) fn import_public_key_now(
        &mut self,
        actor: &Login,
        pem: &str,
        key_type_class: KeyTypeClass,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        refuse_shares(options.share_with)?;
        let public = parse_public_pem(pem)?;
        let facts = public_facts(&public)?;
        let found = match facts {
            PublicFacts::Rsa { .. } => KeyType::Rsa,
            PublicFacts::Ec { .. } => KeyType::Ec,
        };
        key_type_class.check_imported(found)?;
        let (asymmetric, mut key_template) = match facts {
            PublicFacts::Rsa {
                modulus,
                public_exponent,
                ..
            } => (
                AsymmetricFacts::Rsa(RsaFacts::new(&modulus, &public_exponent)),
                vec![
                    Attribute::Modulus(modulus),
                    Attribute::PublicExponent(public_exponent),
                ],
            ),
            PublicFacts::Ec { curve, point } => (
                AsymmetricFacts::Ec(EcFacts {
                    curve,
                    ec_point: point.clone(),
                }),
                vec![
                    Attribute::EcParams(crate::sim::crypto::ec_params_der(curve)),
                    Attribute::EcPoint(ec_point_attribute(&point)?),
                ],
            ),
        };
        let attributes = KeyAttributes::imported_public(
            asymmetric,
            0,
            CheckValue([0; 3]),
            &Creation {
                label: options.label,
                attributes: options.attributes,
            },
        )?;
        let mut template = vec![
            Attribute::Class(object_class(KeyClass::PublicKey)),
            Attribute::KeyType(ck_key_type(found)),
        ];
        template.extend(creation_template(&attributes));
        template.append(&mut key_template);
        self.forget_keys();
        let handle = self
            .session
            .create_object(&template)
            .map_err(|error| failed("C_CreateObject", error))?;
        self.made(actor, handle)
    }

    pub(super) fn key_file_now(
        &mut self,
        _actor: &Login,
        filter: &Filter,
        encoding: KeyFileEncoding,
    ) -> Result<String> {
        let key = self.select(filter)?;
        let public = || {
            key.public
                .as_ref()
                .ok_or_else(|| unusable(&key, "it has no public key"))
        };
        match encoding {
            KeyFileEncoding::Pem => {
                require(
                    &key,
                    key.attributes.class != KeyClass::SecretKey,
                    "a secret key never leaves the HSM as PEM: wrap it instead",
                )?;
                Ok(public_pem(public()?))
            }
            KeyFileEncoding::ReferencePem => {
                require(
                    &key,
                    key.attributes.class == KeyClass::PrivateKey,
                    "a reference PEM names a private key",
                )?;
                reference_pem(key.handle.handle(), public()?)
            }
        }
    }
}

fn has_id(template: &[Attribute]) -> bool {
    template
        .iter()
        .any(|attribute| matches!(attribute, Attribute::Id(_)))
}

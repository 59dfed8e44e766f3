//! The attributes a key starts with: the attribute table's defaults for its class and type,
//! what follows from how it came to be (generated in the HSM, imported, unwrapped), and the
//! user's `NAME=VALUE` attributes checked against "settable at key creation".

use super::attributes::KeyAttributes;
use super::kind::{AsymmetricFacts, KeyClass, KeyKind, SecretKeyType};
use super::name::{AtCreation, AttributeName, BelongsTo};
use super::value::{AttributeValue, CheckValue, KeyId};
use crate::error::{Error, Result};

/// Whether a key outlives the login that made it (`--session` makes a session key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLifetime {
    Persistent,
    Session,
}

impl KeyLifetime {
    /// The lifetime a command's `--session` flag asks for.
    pub fn of_session_flag(session: bool) -> KeyLifetime {
        if session {
            KeyLifetime::Session
        } else {
            KeyLifetime::Persistent
        }
    }
}

/// One `NAME=VALUE` of `--attributes`, `--public-attributes` or `--private-attributes`, with
/// its value already read for that attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeAssignment {
    pub name: AttributeName,
    pub value: AttributeValue,
    /// The value as the user wrote it, for messages.
    pub text: String,
}

impl AttributeAssignment {
    /// Splits on the first `=`, so a label may itself contain `=`.
    pub fn parse(word: &str) -> Result<AttributeAssignment> {
        let (name, text) = word
            .split_once('=')
            .ok_or_else(|| Error::InvalidAssignment {
                word: word.to_string(),
            })?;
        let name = AttributeName::parse(name).ok_or_else(|| Error::UnknownAttribute {
            name: name.to_string(),
        })?;
        Ok(AttributeAssignment {
            name,
            value: name.parse_value(text)?,
            text: text.to_string(),
        })
    }
}

/// Reads every word of an attributes flag; the first bad word is the error.
pub fn parse_assignments(words: &[String]) -> Result<Vec<AttributeAssignment>> {
    words
        .iter()
        .map(|word| AttributeAssignment::parse(word))
        .collect()
}

/// What the user chose for one new key: its `--label` and its `NAME=VALUE` attributes, which
/// are applied after the label, in order, so that a later one wins.
#[derive(Clone, Copy, Debug)]
pub struct Creation<'a> {
    pub label: &'a str,
    pub attributes: &'a [AttributeAssignment],
}

/// The `key-length-bytes` of each half of a pair, as the crypto layer measured them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairLengths {
    pub public: u32,
    pub private: u32,
}

/// How a key came to be; decides `local`, the empty `id`'s spelling and the derived
/// `always-sensitive` and `never-extractable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Generated,
    /// Imported (`key import pem`) or unwrapped (`key unwrap`): the key material existed
    /// outside the HSM, so it was never guaranteed sensitive or unextractable.
    FromOutside,
}

impl KeyAttributes {
    /// A key of `key generate-symmetric aes|generic-secret`.
    pub fn generated_secret(
        key_type: SecretKeyType,
        key_length_bytes: u32,
        check_value: CheckValue,
        lifetime: KeyLifetime,
        creation: &Creation,
    ) -> Result<KeyAttributes> {
        let kind = KeyKind::from(key_type);
        let defaults = KeyAttributes::defaults(
            kind,
            KeyClass::SecretKey,
            key_length_bytes,
            check_value,
            lifetime,
            Origin::Generated,
        );
        defaults.created(creation, Origin::Generated)
    }

    /// The two halves of `key generate-asymmetric-pair rsa|ec`; they share the check value and
    /// the RSA or EC facts.
    pub fn generated_pair(
        facts: AsymmetricFacts,
        lengths: PairLengths,
        check_value: CheckValue,
        lifetime: KeyLifetime,
        public: &Creation,
        private: &Creation,
    ) -> Result<(KeyAttributes, KeyAttributes)> {
        let kind = KeyKind::from(facts);
        let half = |class, length, creation| {
            KeyAttributes::defaults(
                kind.clone(),
                class,
                length,
                check_value,
                lifetime,
                Origin::Generated,
            )
            .created(creation, Origin::Generated)
        };
        Ok((
            half(KeyClass::PublicKey, lengths.public, public)?,
            half(KeyClass::PrivateKey, lengths.private, private)?,
        ))
    }

    /// A public key of `key import pem`. The CLI prints its empty id as `"0x"`.
    pub fn imported_public(
        facts: AsymmetricFacts,
        key_length_bytes: u32,
        check_value: CheckValue,
        creation: &Creation,
    ) -> Result<KeyAttributes> {
        let defaults = KeyAttributes::defaults(
            KeyKind::from(facts),
            KeyClass::PublicKey,
            key_length_bytes,
            check_value,
            KeyLifetime::Persistent,
            Origin::FromOutside,
        );
        defaults.created(creation, Origin::FromOutside)
    }

    /// A key of `key unwrap`: a secret key, or the private key of an RSA or EC pair, as
    /// `--key-type-class` says.
    pub fn unwrapped(
        kind: KeyKind,
        key_length_bytes: u32,
        check_value: CheckValue,
        lifetime: KeyLifetime,
        creation: &Creation,
    ) -> Result<KeyAttributes> {
        let class = if kind.is_secret() {
            KeyClass::SecretKey
        } else {
            KeyClass::PrivateKey
        };
        let defaults = KeyAttributes::defaults(
            kind,
            class,
            key_length_bytes,
            check_value,
            lifetime,
            Origin::FromOutside,
        );
        defaults.created(creation, Origin::FromOutside)
    }

    /// The attribute table's defaults for a key of this kind and class.
    fn defaults(
        kind: KeyKind,
        class: KeyClass,
        key_length_bytes: u32,
        check_value: CheckValue,
        lifetime: KeyLifetime,
        origin: Origin,
    ) -> KeyAttributes {
        let secret = kind.is_secret();
        KeyAttributes {
            kind,
            label: String::new(),
            id: match origin {
                Origin::Generated => KeyId::Unset,
                Origin::FromOutside => KeyId::Bytes(Vec::new()),
            },
            check_value,
            class,
            encrypt: false,
            decrypt: false,
            token: lifetime == KeyLifetime::Persistent,
            always_sensitive: false,
            derive: false,
            destroyable: true,
            extractable: true,
            local: origin == Origin::Generated,
            modifiable: true,
            never_extractable: false,
            private: true,
            sensitive: class != KeyClass::PublicKey,
            // AES keys sign and verify (CMAC) by default, RSA and EC keys do not; an HMAC
            // (generic-secret) key is treated like AES.
            sign: secret,
            trusted: false,
            unwrap: false,
            verify: secret,
            wrap: false,
            wrap_with_trusted: false,
            key_length_bytes,
        }
    }

    /// Applies the user's label and attributes, then the attributes derived from them.
    fn created(mut self, creation: &Creation, origin: Origin) -> Result<KeyAttributes> {
        let label = AttributeName::Label.parse_value(creation.label)?;
        self.store(AttributeName::Label, label)?;
        for assignment in creation.attributes {
            self.apply_at_creation(assignment)?;
        }
        match origin {
            Origin::Generated => {
                self.always_sensitive = self.sensitive;
                self.never_extractable = !self.extractable;
            }
            Origin::FromOutside => {
                self.always_sensitive = false;
                self.never_extractable = false;
            }
        }
        Ok(self)
    }

    fn apply_at_creation(&mut self, assignment: &AttributeAssignment) -> Result<()> {
        let name = assignment.name;
        let rule = name.rule();
        self.check_belongs(name, rule.belongs_to)?;
        let refused = || Error::AttributeNotSettable {
            name: name.to_string(),
            value: assignment.text.clone(),
        };
        match rule.at_creation {
            AtCreation::NotSettable => Err(refused()),
            AtCreation::FixedByCommand => {
                let agrees = self
                    .value(name)
                    .is_some_and(|held| held.satisfies(&assignment.value));
                if agrees { Ok(()) } else { Err(refused()) }
            }
            AtCreation::Settable => {
                self.check_class_rules(name, &assignment.value)?;
                self.store(name, assignment.value.clone())
            }
        }
    }

    /// Refuses an RSA- or EC-only attribute on a key of another type.
    fn check_belongs(&self, name: AttributeName, belongs_to: BelongsTo) -> Result<()> {
        let (belongs, owners) = match belongs_to {
            BelongsTo::AnyKey => (true, ""),
            BelongsTo::RsaKeys => (matches!(self.kind, KeyKind::Rsa(_)), "RSA"),
            BelongsTo::EcKeys => (matches!(self.kind, KeyKind::Ec(_)), "EC"),
        };
        if belongs {
            return Ok(());
        }
        Err(Error::InvalidAttribute {
            name: name.to_string(),
            reason: format!("only {owners} keys have it, not {} keys", self.key_type()),
        })
    }

    /// The rules that depend on the key's class, at creation and afterwards alike.
    pub(super) fn check_class_rules(
        &self,
        name: AttributeName,
        value: &AttributeValue,
    ) -> Result<()> {
        let reason = match (name, value) {
            (AttributeName::Sensitive, _) if self.class != KeyClass::PrivateKey => {
                format!("only private keys take it, not a {}", self.class)
            }
            // PKCS #11 on CloudHSM: derive must stay false on every public key.
            (AttributeName::Derive, AttributeValue::Bool(true))
                if self.class == KeyClass::PublicKey =>
            {
                "a public key cannot derive keys".to_string()
            }
            _ => return Ok(()),
        };
        Err(Error::InvalidAttribute {
            name: name.to_string(),
            reason,
        })
    }

    /// Writes a value the rules have accepted. Only booleans, the label and the id are ever
    /// settable; anything else is refused rather than trusted.
    pub(super) fn store(&mut self, name: AttributeName, value: AttributeValue) -> Result<()> {
        let refused = |value: &AttributeValue| Error::AttributeNotSettable {
            name: name.to_string(),
            value: value.to_string(),
        };
        match value {
            AttributeValue::Label(label) if name == AttributeName::Label => self.label = label,
            AttributeValue::Id(id) if name == AttributeName::Id => self.id = id,
            AttributeValue::Bool(flag) => match self.flag_mut(name) {
                Some(field) => *field = flag,
                None => return Err(refused(&AttributeValue::Bool(flag))),
            },
            other => return Err(refused(&other)),
        }
        Ok(())
    }

    fn flag_mut(&mut self, name: AttributeName) -> Option<&mut bool> {
        let field = match name {
            AttributeName::Encrypt => &mut self.encrypt,
            AttributeName::Decrypt => &mut self.decrypt,
            AttributeName::Token => &mut self.token,
            AttributeName::AlwaysSensitive => &mut self.always_sensitive,
            AttributeName::Derive => &mut self.derive,
            AttributeName::Destroyable => &mut self.destroyable,
            AttributeName::Extractable => &mut self.extractable,
            AttributeName::Local => &mut self.local,
            AttributeName::Modifiable => &mut self.modifiable,
            AttributeName::NeverExtractable => &mut self.never_extractable,
            AttributeName::Private => &mut self.private,
            AttributeName::Sensitive => &mut self.sensitive,
            AttributeName::Sign => &mut self.sign,
            AttributeName::Trusted => &mut self.trusted,
            AttributeName::Unwrap => &mut self.unwrap,
            AttributeName::Verify => &mut self.verify,
            AttributeName::Wrap => &mut self.wrap,
            AttributeName::WrapWithTrusted => &mut self.wrap_with_trusted,
            _ => return None,
        };
        Some(field)
    }
}

//! The one table between the CLI's key attributes and PKCS#11's `CKA_*`: reading a token
//! object into the shell's `KeyAttributes`, the template a new key is made with, and the part
//! of a filter `C_FindObjects` can search on (the rest is checked after reading).

use super::failure::failed;
use super::public::{curve_of, ec_spki, point_of, rsa_spki};
use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::key::{
    AttributeName, AttributeValue, CheckValue, EcFacts, KeyAttributes, KeyClass, KeyId, KeyKind,
    KeyType, RsaFacts,
};
use crate::error::Result;
use crate::sim::crypto::{CheckValueInput, PublicMaterial, check_value, public_facts};
use cryptoki::object::{Attribute, AttributeType, KeyType as CkKeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;

/// The boolean attributes, each under its CLI name and its `CKA_*`.
const FLAGS: [(AttributeName, AttributeType); 18] = [
    (AttributeName::Encrypt, AttributeType::Encrypt),
    (AttributeName::Decrypt, AttributeType::Decrypt),
    (AttributeName::Token, AttributeType::Token),
    (
        AttributeName::AlwaysSensitive,
        AttributeType::AlwaysSensitive,
    ),
    (AttributeName::Derive, AttributeType::Derive),
    (AttributeName::Destroyable, AttributeType::Destroyable),
    (AttributeName::Extractable, AttributeType::Extractable),
    (AttributeName::Local, AttributeType::Local),
    (AttributeName::Modifiable, AttributeType::Modifiable),
    (
        AttributeName::NeverExtractable,
        AttributeType::NeverExtractable,
    ),
    (AttributeName::Private, AttributeType::Private),
    (AttributeName::Sensitive, AttributeType::Sensitive),
    (AttributeName::Sign, AttributeType::Sign),
    (AttributeName::Trusted, AttributeType::Trusted),
    (AttributeName::Unwrap, AttributeType::Unwrap),
    (AttributeName::Verify, AttributeType::Verify),
    (AttributeName::Wrap, AttributeType::Wrap),
    (
        AttributeName::WrapWithTrusted,
        AttributeType::WrapWithTrusted,
    ),
];

/// The boolean attribute `name` set to `value`, or `None` for an attribute that is not boolean.
pub fn flag(name: AttributeName, value: bool) -> Option<Attribute> {
    Some(match name {
        AttributeName::Encrypt => Attribute::Encrypt(value),
        AttributeName::Decrypt => Attribute::Decrypt(value),
        AttributeName::Token => Attribute::Token(value),
        AttributeName::AlwaysSensitive => Attribute::AlwaysSensitive(value),
        AttributeName::Derive => Attribute::Derive(value),
        AttributeName::Destroyable => Attribute::Destroyable(value),
        AttributeName::Extractable => Attribute::Extractable(value),
        AttributeName::Local => Attribute::Local(value),
        AttributeName::Modifiable => Attribute::Modifiable(value),
        AttributeName::NeverExtractable => Attribute::NeverExtractable(value),
        AttributeName::Private => Attribute::Private(value),
        AttributeName::Sensitive => Attribute::Sensitive(value),
        AttributeName::Sign => Attribute::Sign(value),
        AttributeName::Trusted => Attribute::Trusted(value),
        AttributeName::Unwrap => Attribute::Unwrap(value),
        AttributeName::Verify => Attribute::Verify(value),
        AttributeName::Wrap => Attribute::Wrap(value),
        AttributeName::WrapWithTrusted => Attribute::WrapWithTrusted(value),
        _ => return None,
    })
}

pub fn object_class(class: KeyClass) -> ObjectClass {
    match class {
        KeyClass::SecretKey => ObjectClass::SECRET_KEY,
        KeyClass::PublicKey => ObjectClass::PUBLIC_KEY,
        KeyClass::PrivateKey => ObjectClass::PRIVATE_KEY,
    }
}

pub fn ck_key_type(key_type: KeyType) -> CkKeyType {
    match key_type {
        KeyType::Aes => CkKeyType::AES,
        KeyType::GenericSecret => CkKeyType::GENERIC_SECRET,
        KeyType::Rsa => CkKeyType::RSA,
        KeyType::Ec => CkKeyType::EC,
    }
}

fn key_class(class: ObjectClass) -> Option<KeyClass> {
    KeyClass::ALL
        .into_iter()
        .find(|candidate| object_class(*candidate) == class)
}

fn key_type(key_type: CkKeyType) -> Option<KeyType> {
    KeyType::ALL
        .into_iter()
        .find(|candidate| ck_key_type(*candidate) == key_type)
}

/// What `C_FindObjects` can search for of `filter`: class, key type, label and the boolean
/// attributes, the first word of each. The other words are checked after reading.
pub fn search_template(filter: &Filter) -> Vec<Attribute> {
    searchable(filter).0
}

/// The search template of `filter` when it says all the filter says (every word searchable,
/// none contradicting an earlier one of its attribute), so that what `C_FindObjects` returns
/// needs no reading to be counted.
pub fn exact_search_template(filter: &Filter) -> Option<Vec<Attribute>> {
    let (template, exact) = searchable(filter);
    (exact && filter.reference().is_none()).then_some(template)
}

fn searchable(filter: &Filter) -> (Vec<Attribute>, bool) {
    let mut exact = true;
    let mut template: Vec<Attribute> = Vec::new();
    for (name, value) in filter.attribute_conditions() {
        let attribute = match (name, value) {
            (AttributeName::Class, AttributeValue::Class(class)) => {
                Attribute::Class(object_class(*class))
            }
            (AttributeName::KeyType, AttributeValue::KeyType(kind)) => {
                Attribute::KeyType(ck_key_type(*kind))
            }
            (AttributeName::Label, AttributeValue::Label(label)) => {
                Attribute::Label(label.as_bytes().to_vec())
            }
            (name, AttributeValue::Bool(value)) => match flag(name, *value) {
                Some(attribute) => attribute,
                None => {
                    exact = false;
                    continue;
                }
            },
            _ => {
                exact = false;
                continue;
            }
        };
        match template
            .iter()
            .find(|held| held.attribute_type() == attribute.attribute_type())
        {
            None => template.push(attribute),
            Some(held) => exact &= *held == attribute,
        }
    }
    (template, exact)
}

/// Whether the object `handle` is a key the shell shows (what `read_key` reads as a key),
/// from its class and key type alone.
pub fn shown_kind(session: &Session, handle: ObjectHandle) -> Result<bool> {
    let values = session
        .get_attributes(handle, &[AttributeType::Class, AttributeType::KeyType])
        .map_err(|error| failed("C_GetAttributeValue", error))?;
    let (mut class, mut kind) = (None, None);
    for value in values {
        match value {
            Attribute::Class(found) => class = key_class(found),
            Attribute::KeyType(found) => kind = key_type(found),
            _ => {}
        }
    }
    Ok(matches!(
        (class, kind),
        (
            Some(KeyClass::SecretKey),
            Some(KeyType::Aes | KeyType::GenericSecret)
        ) | (
            Some(KeyClass::PublicKey | KeyClass::PrivateKey),
            Some(KeyType::Rsa | KeyType::Ec)
        )
    ))
}

/// The label of an object, for brief listings that need nothing else of it.
pub fn read_label(session: &Session, handle: ObjectHandle) -> Result<String> {
    let values = session
        .get_attributes(handle, &[AttributeType::Label])
        .map_err(|error| failed("C_GetAttributeValue", error))?;
    Ok(values
        .into_iter()
        .find_map(|value| match value {
            Attribute::Label(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => None,
        })
        .unwrap_or_default())
}

/// The attributes a new key of this class is made with: what the user and the attribute table
/// chose, limited to what PKCS#11 lets a caller set on that class. Attributes the token decides
/// (`local`, `always-sensitive`, `never-extractable`, `check-value`, lengths) are left to it;
/// `trusted`, `wrap-with-trusted` and `destroyable` are given only when they differ from the
/// specification's default, since tokens that lack them refuse them.
pub fn creation_template(attributes: &KeyAttributes) -> Vec<Attribute> {
    let mut template = vec![
        Attribute::Token(attributes.token),
        Attribute::Private(attributes.private),
        Attribute::Modifiable(attributes.modifiable),
        Attribute::Label(attributes.label.as_bytes().to_vec()),
        Attribute::Derive(attributes.derive),
    ];
    if let KeyId::Bytes(bytes) = &attributes.id {
        template.push(Attribute::Id(bytes.clone()));
    }
    if !attributes.destroyable {
        template.push(Attribute::Destroyable(false));
    }
    let public_side = [
        Attribute::Encrypt(attributes.encrypt),
        Attribute::Verify(attributes.verify),
        Attribute::Wrap(attributes.wrap),
    ];
    let private_side = [
        Attribute::Decrypt(attributes.decrypt),
        Attribute::Sign(attributes.sign),
        Attribute::Unwrap(attributes.unwrap),
        Attribute::Sensitive(attributes.sensitive),
        Attribute::Extractable(attributes.extractable),
    ];
    match attributes.class {
        KeyClass::PublicKey => template.extend(public_side),
        KeyClass::PrivateKey => template.extend(private_side),
        KeyClass::SecretKey => {
            template.extend(public_side);
            template.extend(private_side);
        }
    }
    if attributes.trusted && attributes.class != KeyClass::PrivateKey {
        template.push(Attribute::Trusted(true));
    }
    if attributes.wrap_with_trusted && attributes.class != KeyClass::PublicKey {
        template.push(Attribute::WrapWithTrusted(true));
    }
    template
}

/// One key on the token, read whole.
pub struct TokenKey {
    pub handle: ObjectHandle,
    pub attributes: KeyAttributes,
    /// The public key (of a public key, or of a private key's pair) when the token shows it.
    pub public: Option<PublicMaterial>,
}

const READ: [AttributeType; 10] = [
    AttributeType::Class,
    AttributeType::KeyType,
    AttributeType::Label,
    AttributeType::Id,
    AttributeType::CheckValue,
    AttributeType::ValueLen,
    AttributeType::Modulus,
    AttributeType::PublicExponent,
    AttributeType::EcParams,
    AttributeType::EcPoint,
];

/// Reads the object `handle` as a key, or `None` when it is not an AES, generic secret, RSA or
/// EC key (a certificate, a data object, a DES key).
pub fn read_key(session: &Session, handle: ObjectHandle) -> Result<Option<TokenKey>> {
    let wanted: Vec<AttributeType> = READ
        .into_iter()
        .chain(FLAGS.iter().map(|(_, kind)| *kind))
        .collect();
    let values = session
        .get_attributes(handle, &wanted)
        .map_err(|error| failed("C_GetAttributeValue", error))?;
    let mut read = ReadAttributes::default();
    for value in values {
        read.take(value);
    }
    let (Some(class), Some(kind)) = (
        read.class.and_then(key_class),
        read.key_type.and_then(key_type),
    ) else {
        return Ok(None);
    };
    if kind == KeyType::Ec && read.ec_point.is_none() && !read.id.is_empty() {
        read.ec_point = pair_point(session, &read.id)?;
    }
    let (kind, public) = match kind {
        KeyType::Aes => (KeyKind::Aes, None),
        KeyType::GenericSecret => (KeyKind::GenericSecret, None),
        KeyType::Rsa => {
            let facts = RsaFacts::new(&read.modulus, &read.public_exponent);
            let public = rsa_spki(&facts.modulus, &facts.public_exponent).ok();
            (KeyKind::Rsa(facts), public)
        }
        KeyType::Ec => {
            let Some(curve) = read.ec_params.as_deref().and_then(curve_of) else {
                return Ok(None);
            };
            let point = read
                .ec_point
                .as_deref()
                .map(|point| point_of(curve, point))
                .unwrap_or_default();
            let public = (!point.is_empty())
                .then(|| ec_spki(curve, &point).ok())
                .flatten();
            (
                KeyKind::Ec(EcFacts {
                    curve,
                    ec_point: point,
                }),
                public,
            )
        }
    };
    let check_value = shown_check_value(&read.check_value, kind.key_type(), public.as_ref());
    let key_length_bytes = match &public {
        Some(public) => public_facts(public)
            .map(|facts| facts.key_length_bytes())
            .unwrap_or_default(),
        None => usize::try_from(read.value_len).unwrap_or_default(),
    };
    let flag_of = |name: AttributeName| read.flags.get(&name).copied().unwrap_or(false);
    let attributes = KeyAttributes {
        kind,
        label: read.label,
        id: if read.id.is_empty() {
            KeyId::Unset
        } else {
            KeyId::Bytes(read.id)
        },
        check_value,
        class,
        encrypt: flag_of(AttributeName::Encrypt),
        decrypt: flag_of(AttributeName::Decrypt),
        token: flag_of(AttributeName::Token),
        always_sensitive: flag_of(AttributeName::AlwaysSensitive),
        derive: flag_of(AttributeName::Derive),
        // A token without CKA_DESTROYABLE (before PKCS#11 2.40) destroys every key it is asked to.
        destroyable: read
            .flags
            .get(&AttributeName::Destroyable)
            .copied()
            .unwrap_or(true),
        // CKA_EXTRACTABLE is a private and secret key attribute: a public key is always readable.
        extractable: class == KeyClass::PublicKey || flag_of(AttributeName::Extractable),
        local: flag_of(AttributeName::Local),
        modifiable: read
            .flags
            .get(&AttributeName::Modifiable)
            .copied()
            .unwrap_or(true),
        never_extractable: flag_of(AttributeName::NeverExtractable),
        private: flag_of(AttributeName::Private),
        sensitive: flag_of(AttributeName::Sensitive),
        sign: flag_of(AttributeName::Sign),
        trusted: flag_of(AttributeName::Trusted),
        unwrap: flag_of(AttributeName::Unwrap),
        verify: flag_of(AttributeName::Verify),
        wrap: flag_of(AttributeName::Wrap),
        wrap_with_trusted: flag_of(AttributeName::WrapWithTrusted),
        key_length_bytes: u32::try_from(key_length_bytes).unwrap_or(u32::MAX),
    };
    Ok(Some(TokenKey {
        handle,
        attributes,
        public,
    }))
}

/// The check value the token holds (`CKA_CHECK_VALUE`), or else the one the shell computes
/// from the public key as the simulator does; zeros when neither is there.
fn shown_check_value(
    held: &[u8],
    key_type: KeyType,
    public: Option<&PublicMaterial>,
) -> CheckValue {
    if let Ok(bytes) = <[u8; 3]>::try_from(held) {
        return CheckValue(bytes);
    }
    public
        .and_then(|public| check_value(key_type, CheckValueInput::Public(public)).ok())
        .map(CheckValue)
        .unwrap_or(CheckValue([0; 3]))
}

/// An EC private key carries no point on most tokens: its pair's public key (same `CKA_ID`) does.
fn pair_point(session: &Session, id: &[u8]) -> Result<Option<Vec<u8>>> {
    let handles = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(CkKeyType::EC),
            Attribute::Id(id.to_vec()),
        ])
        .map_err(|error| failed("C_FindObjects", error))?;
    let Some(handle) = handles.first() else {
        return Ok(None);
    };
    let values = session
        .get_attributes(*handle, &[AttributeType::EcPoint])
        .map_err(|error| failed("C_GetAttributeValue", error))?;
    Ok(values.into_iter().find_map(|value| match value {
        Attribute::EcPoint(point) => Some(point),
        _ => None,
    }))
}

#[derive(Default)]
struct ReadAttributes {
    class: Option<ObjectClass>,
    key_type: Option<CkKeyType>,
    label: String,
    id: Vec<u8>,
    check_value: Vec<u8>,
    value_len: u64,
    modulus: Vec<u8>,
    public_exponent: Vec<u8>,
    ec_params: Option<Vec<u8>>,
    ec_point: Option<Vec<u8>>,
    flags: std::collections::HashMap<AttributeName, bool>,
}

impl ReadAttributes {
    fn take(&mut self, attribute: Attribute) {
        let attribute_type = attribute.attribute_type();
        match attribute {
            Attribute::Class(class) => self.class = Some(class),
            Attribute::KeyType(kind) => self.key_type = Some(kind),
            Attribute::Label(bytes) => self.label = String::from_utf8_lossy(&bytes).into_owned(),
            Attribute::Id(bytes) => self.id = bytes,
            Attribute::CheckValue(bytes) => self.check_value = bytes,
            Attribute::ValueLen(length) => self.value_len = length.into(),
            Attribute::Modulus(bytes) => self.modulus = bytes,
            Attribute::PublicExponent(bytes) => self.public_exponent = bytes,
            Attribute::EcParams(bytes) => self.ec_params = Some(bytes),
            Attribute::EcPoint(bytes) => self.ec_point = Some(bytes),
            other => {
                let name = FLAGS
                    .iter()
                    .find(|(_, kind)| *kind == attribute_type)
                    .map(|(name, _)| *name);
                if let (Some(name), Some(value)) = (name, boolean_value(&other)) {
                    self.flags.insert(name, value);
                }
            }
        }
    }
}

fn boolean_value(attribute: &Attribute) -> Option<bool> {
    match attribute {
        Attribute::Encrypt(value)
        | Attribute::Decrypt(value)
        | Attribute::Token(value)
        | Attribute::AlwaysSensitive(value)
        | Attribute::Derive(value)
        | Attribute::Destroyable(value)
        | Attribute::Extractable(value)
        | Attribute::Local(value)
        | Attribute::Modifiable(value)
        | Attribute::NeverExtractable(value)
        | Attribute::Private(value)
        | Attribute::Sensitive(value)
        | Attribute::Sign(value)
        | Attribute::Trusted(value)
        | Attribute::Unwrap(value)
        | Attribute::Verify(value)
        | Attribute::Wrap(value)
        | Attribute::WrapWithTrusted(value) => Some(*value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &[&str]) -> Filter {
        Filter::parse(&text.iter().map(|word| word.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn every_boolean_attribute_has_one_cka() {
        for (name, kind) in FLAGS {
            assert_eq!(flag(name, true).unwrap().attribute_type(), kind, "{name:?}");
        }
        assert!(flag(AttributeName::Label, true).is_none());
    }

    #[test]
    fn a_filter_searches_on_what_pkcs11_can_match_and_leaves_the_rest() {
        let template = search_template(&words(&[
            "attr.label=k1",
            "attr.class=private-key",
            "attr.key-type=ec",
            "attr.sign=true",
            "attr.curve=secp256r1",
            "attr.label=k2",
        ]));
        assert_eq!(
            template,
            vec![
                Attribute::Label(b"k1".to_vec()),
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(CkKeyType::EC),
                Attribute::Sign(true),
            ]
        );
        assert!(search_template(&words(&["key-reference=0x10"])).is_empty());
    }

    #[test]
    fn only_a_filter_that_is_all_searchable_counts_without_reading() {
        assert_eq!(
            exact_search_template(&words(&["attr.label=k1", "attr.sign=true"])),
            Some(vec![
                Attribute::Label(b"k1".to_vec()),
                Attribute::Sign(true)
            ])
        );
        assert_eq!(exact_search_template(&words(&[])), Some(vec![]));
        for unsearchable in [
            &["attr.curve=secp256r1"][..],
            &["attr.label=k1", "attr.label=k2"],
            &["key-reference=0x10"],
            &["attr.id=0x01"],
        ] {
            assert_eq!(
                exact_search_template(&words(unsearchable)),
                None,
                "{unsearchable:?}"
            );
        }
        assert!(exact_search_template(&words(&["attr.label=k1", "attr.label=k1"])).is_some());
    }

    #[test]
    fn a_public_key_is_made_without_private_key_attributes() {
        let attributes = KeyAttributes {
            kind: KeyKind::Aes,
            label: "pub".to_owned(),
            id: KeyId::Unset,
            check_value: CheckValue([0; 3]),
            class: KeyClass::PublicKey,
            encrypt: false,
            decrypt: true,
            token: true,
            always_sensitive: false,
            derive: false,
            destroyable: true,
            extractable: true,
            local: false,
            modifiable: true,
            never_extractable: false,
            private: true,
            sensitive: true,
            sign: true,
            trusted: false,
            unwrap: false,
            verify: true,
            wrap: false,
            wrap_with_trusted: false,
            key_length_bytes: 0,
        };
        let template = creation_template(&attributes);
        let types: Vec<AttributeType> = template.iter().map(Attribute::attribute_type).collect();
        for private_only in [
            AttributeType::Decrypt,
            AttributeType::Sign,
            AttributeType::Sensitive,
            AttributeType::Extractable,
            AttributeType::Destroyable,
            AttributeType::Trusted,
        ] {
            assert!(!types.contains(&private_only), "{private_only:?}");
        }
        assert!(template.contains(&Attribute::Verify(true)));
        assert!(template.contains(&Attribute::Label(b"pub".to_vec())));
    }
}

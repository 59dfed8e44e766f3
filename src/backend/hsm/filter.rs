//! The key filter language of `--filter`, `--key-filter`, `--payload-filter` and
//! `--wrapping-filter`: words `key-reference=<hex|decimal>` or `attr.<attribute>=<value>`, all
//! of which a key must satisfy.

use crate::backend::hsm::key::{AttributeName, AttributeValue, KeyAttributes, KeyReference};
use crate::error::{Error, Result};

const ATTRIBUTE_PREFIX: &str = "attr.";
const REFERENCE_NAME: &str = "key-reference";

/// A parsed filter. An empty filter matches every key the caller can see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    conditions: Vec<Condition>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Condition {
    Reference(KeyReference),
    Attribute {
        name: AttributeName,
        expected: AttributeValue,
    },
}

impl Filter {
    /// Reads the filter's words. The shell's lexer has already removed quotes, so
    /// `attr.label="my key"` arrives as the one word `attr.label=my key`; each word is split
    /// on its first `=`, so the value may itself contain `=`.
    pub fn parse(words: &[String]) -> Result<Filter> {
        let conditions = words
            .iter()
            .map(|word| Condition::parse(word))
            .collect::<Result<Vec<_>>>()?;
        Ok(Filter { conditions })
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// Whether the key satisfies every word of the filter.
    pub fn matches(&self, reference: KeyReference, attributes: &KeyAttributes) -> bool {
        self.conditions
            .iter()
            .all(|condition| condition.holds(reference, attributes))
    }

    /// The label the filter asks for, so that a store can narrow by its index first; `matches`
    /// still has the last word. The first one when several are given.
    pub fn label(&self) -> Option<&str> {
        self.conditions
            .iter()
            .find_map(|condition| match condition {
                Condition::Attribute {
                    name: AttributeName::Label,
                    expected: AttributeValue::Label(label),
                } => Some(label.as_str()),
                _ => None,
            })
    }

    /// Every `attr.` word as a name and the value asked for, so that a backend can narrow its
    /// search by those it can search on; `matches` still has the last word.
    pub fn attribute_conditions(&self) -> impl Iterator<Item = (AttributeName, &AttributeValue)> {
        self.conditions
            .iter()
            .filter_map(|condition| match condition {
                Condition::Attribute { name, expected } => Some((*name, expected)),
                Condition::Reference(_) => None,
            })
    }

    /// The reference the filter asks for, for the same purpose as `label`.
    pub fn reference(&self) -> Option<KeyReference> {
        self.conditions
            .iter()
            .find_map(|condition| match condition {
                Condition::Reference(reference) => Some(*reference),
                Condition::Attribute { .. } => None,
            })
    }
}

impl Condition {
    fn parse(word: &str) -> Result<Condition> {
        let invalid = |reason: &str| Error::InvalidFilter {
            word: word.to_string(),
            reason: reason.to_string(),
        };
        let (key, value) = word.split_once('=').ok_or_else(|| {
            invalid("expected key-reference=<reference> or attr.<attribute>=<value>")
        })?;
        if key == REFERENCE_NAME {
            return KeyReference::parse(value).map(Condition::Reference);
        }
        let name = key.strip_prefix(ATTRIBUTE_PREFIX).ok_or_else(|| {
            invalid("a filter is key-reference=<reference> or attr.<attribute>=<value>")
        })?;
        if name.is_empty() {
            return Err(invalid("the attribute name after attr. is missing"));
        }
        let name = AttributeName::parse(name).ok_or_else(|| Error::UnknownAttribute {
            name: name.to_string(),
        })?;
        Ok(Condition::Attribute {
            name,
            expected: name.parse_value(value)?,
        })
    }

    fn holds(&self, reference: KeyReference, attributes: &KeyAttributes) -> bool {
        match self {
            Condition::Reference(wanted) => *wanted == reference,
            // A key without the attribute at all (an AES key asked for a curve) never matches.
            Condition::Attribute { name, expected } => attributes
                .value(*name)
                .is_some_and(|held| held.satisfies(expected)),
        }
    }
}

/// Single-key commands (`key delete`, `key set-attribute`, `crypto sign`, ...) need their
/// filter to pick exactly one key; anything else is the CLI's "matched N keys" error, with
/// the same sentence for none.
pub fn select_one(matches: usize) -> Result<()> {
    if matches == 1 {
        Ok(())
    } else {
        Err(Error::KeySelection { matched: matches })
    }
}

#[cfg(test)]
mod tests;

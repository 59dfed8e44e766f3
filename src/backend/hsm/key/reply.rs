//! The `data` of the `key` commands' replies, with the CLI's key names (snake_case at this
//! level, kebab-case inside a key).

use super::KeyReference;
use super::record::Key;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// `key generate-asymmetric-pair`: `{"public_key": K, "private_key": K}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GeneratedPair {
    pub public_key: Key,
    pub private_key: Key,
}

/// `key generate-symmetric`, `key unwrap` (`{"key": K}`), `key import pem` and
/// `key replicate` (`{"key": K, "message": ".."}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SingleKey {
    pub key: Key,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
}

impl SingleKey {
    pub fn new(key: Key) -> SingleKey {
        SingleKey { key, message: None }
    }

    pub fn imported(key: Key) -> SingleKey {
        SingleKey {
            key,
            message: Some("Successfully imported key"),
        }
    }

    pub fn replicated(key: Key) -> SingleKey {
        SingleKey {
            key,
            message: Some("Successfully replicated key"),
        }
    }
}

/// One entry of `matched_keys`: only the reference and label unless `--verbose` was given by
/// a crypto user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyListEntry {
    Brief {
        key_reference: KeyReference,
        label: String,
    },
    Verbose(Key),
}

impl KeyListEntry {
    pub fn brief(key: &Key) -> KeyListEntry {
        KeyListEntry::Brief {
            key_reference: key.key_reference,
            label: key.label().to_string(),
        }
    }
}

/// `{"key-reference": "..", "attributes": {"label": ".."}}` or the full key.
impl Serialize for KeyListEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            KeyListEntry::Brief {
                key_reference,
                label,
            } => {
                #[derive(Serialize)]
                struct LabelOnly<'a> {
                    label: &'a str,
                }
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("key-reference", key_reference)?;
                map.serialize_entry("attributes", &LabelOnly { label })?;
                map.end()
            }
            KeyListEntry::Verbose(key) => key.serialize(serializer),
        }
    }
}

/// `key list`'s `data`. `next_token` appears only when more keys remain after this page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyListPage {
    pub matched_keys: Vec<KeyListEntry>,
    pub total_key_count: usize,
    pub returned_key_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl KeyListPage {
    /// A page of `matched_keys` out of `total_key_count` matching keys; counts what it holds.
    pub fn new(
        matched_keys: Vec<KeyListEntry>,
        total_key_count: usize,
        next_token: Option<String>,
    ) -> KeyListPage {
        KeyListPage {
            returned_key_count: matched_keys.len(),
            matched_keys,
            total_key_count,
            next_token,
        }
    }
}

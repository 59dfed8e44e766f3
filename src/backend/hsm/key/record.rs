//! One key as the CLI shows it: its reference, who owns and shares it, its quorum values and
//! its attributes (`K` of the CLI reference).

use super::KeyReference;
use super::attributes::KeyAttributes;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// How far across the cluster something reaches. A session key lives only on the HSM of the
/// session that made it, and its `cluster-coverage` says `session` (AWS's SSL-offload guide
/// shows this for keys with `token` false).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    Full,
    Session,
}

/// An owner or a user a key is shared with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyUser {
    pub username: String,
    #[serde(rename = "key-coverage")]
    pub key_coverage: Coverage,
}

impl KeyUser {
    pub fn new(username: &str) -> KeyUser {
        KeyUser {
            username: username.to_string(),
            key_coverage: Coverage::Full,
        }
    }
}

/// The key's own quorum values, set when the key is made; 0 means no quorum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct KeyQuorumValues {
    pub manage_key_quorum_value: u8,
    pub use_key_quorum_value: u8,
}

impl KeyQuorumValues {
    /// The larger of the two: how many users associated with the key both values need.
    pub fn highest(self) -> u8 {
        self.manage_key_quorum_value.max(self.use_key_quorum_value)
    }
}

/// `key-info`: owners, shared users and quorum values. Its `cluster-coverage` is not stored:
/// it follows from the key's `token` attribute when the key is printed, so that making a
/// session key persistent cannot leave it stale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    pub key_owners: Vec<KeyUser>,
    pub shared_users: Vec<KeyUser>,
    pub key_quorum_values: KeyQuorumValues,
}

/// One key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub key_reference: KeyReference,
    pub key_info: KeyInfo,
    pub attributes: KeyAttributes,
}

impl Key {
    /// A key just made by `owner`, shared with nobody yet.
    pub fn new(
        key_reference: KeyReference,
        owner: &str,
        key_quorum_values: KeyQuorumValues,
        attributes: KeyAttributes,
    ) -> Key {
        Key {
            key_reference,
            key_info: KeyInfo {
                key_owners: vec![KeyUser::new(owner)],
                shared_users: Vec::new(),
                key_quorum_values,
            },
            attributes,
        }
    }

    pub fn cluster_coverage(&self) -> Coverage {
        if self.attributes.token {
            Coverage::Full
        } else {
            Coverage::Session
        }
    }

    pub fn label(&self) -> &str {
        &self.attributes.label
    }
}

/// `{"key-reference": .., "key-info": {.., "cluster-coverage": ..}, "attributes": {..}}`.
impl Serialize for Key {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("key-reference", &self.key_reference)?;
        map.serialize_entry(
            "key-info",
            &PrintedKeyInfo {
                key_owners: &self.key_info.key_owners,
                shared_users: &self.key_info.shared_users,
                key_quorum_values: &self.key_info.key_quorum_values,
                cluster_coverage: self.cluster_coverage(),
            },
        )?;
        map.serialize_entry("attributes", &self.attributes)?;
        map.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct PrintedKeyInfo<'a> {
    key_owners: &'a [KeyUser],
    shared_users: &'a [KeyUser],
    key_quorum_values: &'a KeyQuorumValues,
    cluster_coverage: Coverage,
}

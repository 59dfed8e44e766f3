//! `key set-attribute`'s rules: who may set what, read-only attributes, and the attributes
//! that may move only one way.

use super::attributes::KeyAttributes;
use super::name::{Afterwards, AttributeName};
use super::value::AttributeValue;
use crate::error::{Error, Result};

impl KeyAttributes {
    /// Sets one attribute as `key set-attribute --name NAME --value VALUE` does, or changes
    /// nothing and says why.
    ///
    /// - An admin may set only `trusted`; a crypto user may set anything but `trusted`.
    /// - Read-only attributes (the table's "not modifiable") are refused.
    /// - A key whose `modifiable` is false refuses every change: the CloudHSM documentation
    ///   lists no exception.
    /// - One-way attributes: `modifiable` only true→false, `wrap-with-trusted` and `token`
    ///   (session→persistent) only false→true, `sensitive` only false→true and only on a
    ///   private key. Repeating the value a key already holds is not a change and succeeds.
    pub fn set_attribute(&mut self, name: &str, value: &str, by_admin: bool) -> Result<()> {
        let attribute = AttributeName::parse(name).ok_or_else(|| Error::UnknownAttribute {
            name: name.to_string(),
        })?;
        match (by_admin, attribute == AttributeName::Trusted) {
            (true, false) => {
                return Err(Error::AttributeNotForAdmin {
                    name: name.to_string(),
                });
            }
            (false, true) => {
                return Err(Error::AttributeAdminOnly {
                    name: name.to_string(),
                });
            }
            _ => {}
        }
        if attribute.rule().afterwards == Afterwards::ReadOnly {
            return Err(Error::AttributeNotSettable {
                name: name.to_string(),
                value: value.to_string(),
            });
        }
        if !self.modifiable {
            return Err(Error::KeyNotModifiable {
                name: name.to_string(),
            });
        }
        let wanted = attribute.parse_value(value)?;
        self.check_class_rules(attribute, &wanted)?;
        self.check_one_way(attribute, &wanted)?;
        self.store(attribute, wanted)
    }

    /// Refuses moving a one-way attribute back once it has moved forward.
    fn check_one_way(&self, attribute: AttributeName, wanted: &AttributeValue) -> Result<()> {
        let forward = match attribute {
            AttributeName::Modifiable => false,
            AttributeName::WrapWithTrusted | AttributeName::Token | AttributeName::Sensitive => {
                true
            }
            _ => return Ok(()),
        };
        let held = self.value(attribute);
        let moves_back = *wanted == AttributeValue::Bool(!forward)
            && held == Some(AttributeValue::Bool(forward));
        if moves_back {
            return Err(Error::AttributeNotSettable {
                name: attribute.to_string(),
                value: wanted.to_string(),
            });
        }
        Ok(())
    }
}

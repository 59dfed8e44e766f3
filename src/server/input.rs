//! An operation's input members read from the decoded request body, each as the type its shape
//! has: a member of another type is a `SerializationException` (as AWS words it), a missing
//! required one a `ValidationException`, and an explicit `null` the same as an absent member.

use super::wire::WireError;
use crate::secret::Secret;
use base64::Engine;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

/// The input members of one request.
pub struct Input(Map<String, Value>);

impl Input {
    /// `body` is what [`super::wire::Protocol::decode`] returned: always an object.
    pub fn new(body: Value) -> Input {
        match body {
            Value::Object(members) => Input(members),
            _ => Input(Map::new()),
        }
    }

    fn present(&self, member: &str) -> Option<&Value> {
        self.0.get(member).filter(|value| !value.is_null())
    }

    pub fn string(&self, member: &str) -> Result<Option<&str>, WireError> {
        match self.present(member) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(mismatch(other, "a String")),
        }
    }

    pub fn required_string(&self, member: &str) -> Result<&str, WireError> {
        self.string(member)?
            .ok_or_else(|| WireError::missing(&lower_camel(member)))
    }

    /// A string member whose shape is an enum: a value outside `allowed` is a
    /// `ValidationException`, as AWS checks enums with the other constraints.
    pub fn enum_string(&self, member: &str, allowed: &[&str]) -> Result<Option<&str>, WireError> {
        let Some(value) = self.string(member)? else {
            return Ok(None);
        };
        if allowed.contains(&value) {
            return Ok(Some(value));
        }
        Err(WireError::client(
            "ValidationException",
            format!(
                "1 validation error detected: Value '{value}' at '{}' failed to satisfy \
                 constraint: Member must satisfy enum value set: [{}]",
                lower_camel(member),
                allowed.join(", ")
            ),
        ))
    }

    pub fn integer(&self, member: &str) -> Result<Option<i64>, WireError> {
        match self.present(member) {
            None => Ok(None),
            Some(Value::Number(number)) => number
                .as_i64()
                .map(Some)
                .ok_or_else(|| mismatch(&Value::Number(number.clone()), "an Integer")),
            Some(other) => Err(mismatch(other, "an Integer")),
        }
    }

    pub fn boolean(&self, member: &str) -> Result<Option<bool>, WireError> {
        match self.present(member) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(mismatch(other, "a Boolean")),
        }
    }

    /// A `Blob` member: base64 text in JSON (the CBOR decoder has already turned byte strings
    /// into the same text). The decoded bytes are wiped when dropped: they may be plaintext.
    pub fn blob(&self, member: &str) -> Result<Option<Zeroizing<Vec<u8>>>, WireError> {
        let Some(text) = self.string(member)? else {
            return Ok(None);
        };
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(|bytes| Some(Zeroizing::new(bytes)))
            .map_err(|_| WireError::serialization(format!("Value of {member} is not valid base64")))
    }

    /// A list of strings.
    pub fn strings(&self, member: &str) -> Result<Option<Vec<String>>, WireError> {
        match self.present(member) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text.clone()),
                    other => Err(mismatch(other, "a String")),
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(other) => Err(mismatch(other, "a List")),
        }
    }

    /// A map of string to string (an encryption context), in the order given.
    pub fn string_map(&self, member: &str) -> Result<Vec<(String, String)>, WireError> {
        match self.present(member) {
            None => Ok(Vec::new()),
            Some(Value::Object(entries)) => entries
                .iter()
                .map(|(name, value)| match value {
                    Value::String(text) => Ok((name.clone(), text.clone())),
                    other => Err(mismatch(other, "a String")),
                })
                .collect(),
            Some(other) => Err(mismatch(other, "a Map")),
        }
    }

    /// A map of string to a list of strings (CloudHSM v2 `Filters`), in the order given.
    pub fn string_lists(&self, member: &str) -> Result<Vec<(String, Vec<String>)>, WireError> {
        match self.present(member) {
            None => Ok(Vec::new()),
            Some(Value::Object(entries)) => entries
                .iter()
                .map(|(name, value)| match value {
                    Value::Array(items) => items
                        .iter()
                        .map(|item| match item {
                            Value::String(text) => Ok(text.clone()),
                            other => Err(mismatch(other, "a String")),
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|values| (name.clone(), values)),
                    other => Err(mismatch(other, "a List")),
                })
                .collect(),
            Some(other) => Err(mismatch(other, "a Map")),
        }
    }

    /// A sensitive string member, moved out of the body into a [`Secret`] so that its only
    /// copy is wiped when the request is done.
    pub fn take_secret(&mut self, member: &str) -> Result<Option<Secret>, WireError> {
        match self.0.remove(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(Secret::new(text))),
            Some(other) => Err(mismatch(&other, "a String")),
        }
    }
}

/// AWS's wording for a member of the wrong JSON type (its value is never echoed).
fn mismatch(found: &Value, wanted: &str) -> WireError {
    let kind = match found {
        Value::Null => "NULL_VALUE",
        Value::Bool(_) => "BOOLEAN_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    };
    WireError::serialization(format!("{kind} can not be converted to {wanted}"))
}

/// `CustomKeyStoreId` → `customKeyStoreId`, the spelling of validation messages.
pub fn lower_camel(member: &str) -> String {
    let mut chars = member.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_of_the_wrong_type_are_serialization_errors() {
        let input = Input::new(json!({"Limit": "ten", "Name": 3, "Flag": 1, "Half": 1.5}));
        let error = input.integer("Limit").unwrap_err();
        assert_eq!(
            (error.exception, error.message.as_str()),
            (
                "SerializationException",
                "STRING_VALUE can not be converted to an Integer"
            )
        );
        assert_eq!(
            input.string("Name").unwrap_err().message,
            "NUMBER_VALUE can not be converted to a String"
        );
        assert!(input.boolean("Flag").is_err());
        assert!(input.integer("Half").is_err());
    }

    #[test]
    fn missing_and_null_members_are_absent_and_required_ones_say_so() {
        let input = Input::new(json!({"KeyId": null}));
        assert_eq!(input.string("KeyId").unwrap(), None);
        let error = input.required_string("KeyId").unwrap_err();
        assert_eq!(error.exception, "ValidationException");
        assert_eq!(
            error.message,
            "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: \
             Member must not be null"
        );
    }

    #[test]
    fn blobs_are_base64_and_secrets_leave_the_body() {
        let mut input =
            Input::new(json!({"Plaintext": "aGk=", "Bad": "***", "KeyStorePassword": "pw"}));
        assert_eq!(input.blob("Plaintext").unwrap().unwrap().as_slice(), b"hi");
        assert_eq!(
            input.blob("Bad").unwrap_err().exception,
            "SerializationException"
        );
        let secret = input.take_secret("KeyStorePassword").unwrap().unwrap();
        assert_eq!(secret.expose(), "pw");
        assert_eq!(input.string("KeyStorePassword").unwrap(), None);
    }
}

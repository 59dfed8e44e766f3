//! What a failed PKCS#11 call becomes: one line naming the call, its `CKR_*` code and what it
//! means for the user, never cryptoki's long specification text and never a panic.

use crate::error::Error;
use cryptoki::error::{Error as CryptokiError, RvError};

/// The error of `call` (the PKCS#11 function, e.g. `C_Sign`) failing with `error`.
pub fn failed(call: &str, error: CryptokiError) -> Error {
    match error {
        CryptokiError::Pkcs11(rv, _) => Error::Pkcs11 {
            call: call.to_owned(),
            code: ckr_name(&rv),
            meaning: meaning(&rv).to_owned(),
        },
        other => Error::Pkcs11 {
            call: call.to_owned(),
            code: "no CKR code".to_owned(),
            meaning: other.to_string(),
        },
    }
}

/// The return value a failed call gave, when the module answered with one.
pub fn return_value(error: &CryptokiError) -> Option<&RvError> {
    match error {
        CryptokiError::Pkcs11(rv, _) => Some(rv),
        _ => None,
    }
}

/// Whether `error` is a call refused because the object handle is gone (another process
/// destroyed the key), so that a fresh search may find what the filter means now.
pub fn is_stale_handle(error: &Error) -> bool {
    matches!(error, Error::Pkcs11 { code, .. }
        if [RvError::KeyHandleInvalid, RvError::ObjectHandleInvalid]
            .iter()
            .any(|rv| ckr_name(rv) == *code))
}

/// `CKR_PIN_INCORRECT` from cryptoki's `PinIncorrect`: the specification's spelling, which is
/// what a module's documentation and logs use.
pub fn ckr_name(rv: &RvError) -> String {
    let variant = format!("{rv:?}");
    let mut name = String::from("CKR");
    for (index, character) in variant.char_indices() {
        if character.is_ascii_uppercase() || (index > 0 && character.is_ascii_digit()) {
            let previous = variant[..index].chars().last();
            if !previous.is_some_and(|c| c.is_ascii_digit()) || character.is_ascii_uppercase() {
                name.push('_');
            }
        }
        if character.is_ascii_alphanumeric() {
            name.push(character.to_ascii_uppercase());
        }
    }
    name
}

/// What a return value means to someone running the shell, with the next step where there is one.
fn meaning(rv: &RvError) -> &'static str {
    match rv {
        RvError::PinIncorrect => "the PIN is wrong",
        RvError::PinLocked => "the PIN is locked after too many wrong attempts",
        RvError::PinLenRange => "the PIN is shorter or longer than the token allows",
        RvError::PinInvalid => "the PIN holds characters the token does not accept",
        RvError::PinExpired => "the PIN has expired and must be changed",
        RvError::UserNotLoggedIn => "the token needs a login for this: run login first",
        RvError::UserAlreadyLoggedIn => "a user is already logged in on this token",
        RvError::UserAnotherAlreadyLoggedIn => {
            "another user type is logged in on this token: log out first"
        }
        RvError::UserPinNotInitialized => {
            "the token's user PIN is not set: initialise it (softhsm2-util --init-token, or C_InitPIN as the security officer)"
        }
        RvError::UserTypeInvalid => "the token does not know this kind of user",
        RvError::TokenNotPresent => "the slot holds no token",
        RvError::TokenNotRecognized => "the module does not recognise the token",
        RvError::TokenWriteProtected => "the token is write-protected",
        RvError::SlotIdInvalid => "no slot has this id",
        RvError::DeviceError | RvError::DeviceRemoved | RvError::DeviceMemory => {
            "the token reported a device fault"
        }
        RvError::HostMemory => "the module ran out of memory",
        RvError::GeneralError | RvError::FunctionFailed => {
            "the module failed the call without saying why"
        }
        RvError::MechanismInvalid => "the module does not offer this mechanism",
        RvError::MechanismParamInvalid => "the module refused the mechanism's parameters",
        RvError::KeyHandleInvalid | RvError::ObjectHandleInvalid => {
            "no object has this handle (any more)"
        }
        RvError::KeyTypeInconsistent => "the key's type does not fit the mechanism",
        RvError::KeyFunctionNotPermitted => "the key's attributes do not allow this use",
        RvError::KeyNotWrappable => "the key cannot be wrapped (is it extractable?)",
        RvError::KeyUnextractable => "the key is not extractable",
        RvError::KeySizeRange => "the key size is outside what the mechanism takes",
        RvError::WrappingKeyHandleInvalid => "the wrapping key is not usable",
        RvError::WrappingKeyTypeInconsistent => {
            "the wrapping key's type does not fit the mechanism"
        }
        RvError::WrappingKeySizeRange => "the wrapping key's size does not fit the mechanism",
        RvError::UnwrappingKeyHandleInvalid => "the unwrapping key is not usable",
        RvError::UnwrappingKeyTypeInconsistent => {
            "the unwrapping key's type does not fit the mechanism"
        }
        RvError::WrappedKeyInvalid | RvError::WrappedKeyLenRange => {
            "the wrapped bytes do not unwrap with this key and mechanism"
        }
        RvError::AttributeReadOnly => "the token does not let this attribute be set",
        RvError::AttributeTypeInvalid => "the token does not know this attribute",
        RvError::AttributeValueInvalid => "the token refused the attribute's value",
        RvError::AttributeSensitive => "the attribute is sensitive and cannot be read",
        RvError::TemplateIncomplete => "the token needs more attributes for this object",
        RvError::TemplateInconsistent => "the token refused this combination of attributes",
        RvError::ActionProhibited => "the object's attributes prohibit this action",
        RvError::DataInvalid => "the data is not valid for this mechanism",
        RvError::DataLenRange => "the data's length is outside what the mechanism takes",
        RvError::SignatureInvalid | RvError::SignatureLenRange => "the signature does not verify",
        RvError::SessionHandleInvalid | RvError::SessionClosed => {
            "the session with the token ended"
        }
        RvError::SessionReadOnly => "the session is read-only",
        RvError::CryptokiNotInitialized => "the module is not initialised",
        RvError::OperationActive => "another operation is still running in this session",
        _ => "see the module's documentation for this code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki::context::Function;

    #[test]
    fn codes_are_spelled_as_the_specification_does() {
        assert_eq!(ckr_name(&RvError::PinIncorrect), "CKR_PIN_INCORRECT");
        assert_eq!(
            ckr_name(&RvError::MechanismInvalid),
            "CKR_MECHANISM_INVALID"
        );
        assert_eq!(ckr_name(&RvError::SlotIdInvalid), "CKR_SLOT_ID_INVALID");
        assert_eq!(
            ckr_name(&RvError::UserAnotherAlreadyLoggedIn),
            "CKR_USER_ANOTHER_ALREADY_LOGGED_IN"
        );
    }

    #[test]
    fn a_failed_call_is_one_line_with_the_call_the_code_and_its_meaning() {
        let error = failed(
            "C_Login",
            CryptokiError::Pkcs11(RvError::PinLocked, Function::Login),
        );
        assert_eq!(
            error.to_string(),
            "PKCS#11 C_Login failed with CKR_PIN_LOCKED: the PIN is locked after too many wrong attempts"
        );
        assert!(!error.to_string().contains('\n'));
        assert!(!is_stale_handle(&error));
        assert!(is_stale_handle(&failed(
            "C_Sign",
            CryptokiError::Pkcs11(RvError::KeyHandleInvalid, Function::Sign),
        )));
    }
}

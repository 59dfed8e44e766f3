//! Password rules and argon2id hashing: the only place the simulator reads a password's text.
//!
//! Only PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) reach the state; they carry their
//! own parameters, so the parameters below can change without breaking stored hashes.

use crate::error::{Error, Result};
use crate::secret::Secret;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

pub const MIN_PASSWORD_CHARS: usize = 7;
pub const MAX_PASSWORD_CHARS: usize = 32;

/// Memory cost in KiB. With [`TIME_COST`] this is one of OWASP's equivalent argon2id settings
/// (12 MiB, 3 passes, 1 lane); it measured about 13 ms per hash in a release build on the
/// project's 2-core machine, slow enough against offline guessing and fast enough for a shell.
const MEMORY_COST_KIB: u32 = 12 * 1024;
const TIME_COST: u32 = 3;
const PARALLELISM: u32 = 1;
const SALT_BYTES: usize = 16;

/// Checks the CloudHSM password rules; the reason names the rule, never the password.
pub fn validate(password: &Secret) -> Result<()> {
    let chars = password.len();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(Error::InvalidPassword {
            reason: format!(
                "it must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long"
            ),
        });
    }
    if password.expose().contains(':') {
        return Err(Error::InvalidPassword {
            reason: "it must not contain ':', which separates user and password in CLOUDHSM_PIN"
                .to_owned(),
        });
    }
    Ok(())
}

/// A salted argon2id hash of `password` as a PHC string.
pub fn hash(password: &Secret) -> Result<String> {
    let mut salt_bytes = [0u8; SALT_BYTES];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(hashing_error)?;
    let params =
        Params::new(MEMORY_COST_KIB, TIME_COST, PARALLELISM, None).map_err(hashing_error)?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let hash = hasher
        .hash_password(password.expose().as_bytes(), &salt)
        .map_err(hashing_error)?;
    Ok(hash.to_string())
}

/// Whether `password` matches a PHC string made by [`hash`], with the parameters it records.
pub fn verify(password: &Secret, phc: &str) -> Result<bool> {
    let stored = PasswordHash::new(phc).map_err(|error| Error::State {
        message: format!("a stored password hash cannot be read: {error}"),
    })?;
    match Argon2::default().verify_password(password.expose().as_bytes(), &stored) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(error) => Err(hashing_error(error)),
    }
}

fn hashing_error(error: impl std::fmt::Display) -> Error {
    Error::State {
        message: format!("password hashing failed: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_length_and_separator_rules_without_echoing_the_password() {
        let too_long = "x".repeat(33);
        for bad in ["short1", too_long.as_str(), "has:colon"] {
            let error = validate(&Secret::new(bad)).unwrap_err();
            assert!(matches!(error, Error::InvalidPassword { .. }), "{error}");
            assert!(!error.to_string().contains(bad), "{error}");
        }
        validate(&Secret::new("seven77")).unwrap();
        validate(&Secret::new("y".repeat(32))).unwrap();
        // Length counts characters, not bytes.
        validate(&Secret::new("ééééééé")).unwrap();
    }

    #[test]
    fn hashes_are_salted_argon2id_and_verify() {
        let password = Secret::new("correct horse");
        let first = hash(&password).unwrap();
        let second = hash(&password).unwrap();
        assert!(
            first.starts_with("$argon2id$v=19$m=12288,t=3,p=1$"),
            "{first}"
        );
        assert_ne!(first, second);
        assert!(!first.contains("correct horse"));
        assert!(verify(&password, &first).unwrap());
        assert!(!verify(&Secret::new("wrong horse"), &first).unwrap());
        assert!(matches!(
            verify(&password, "not a phc string"),
            Err(Error::State { .. })
        ));
    }
}

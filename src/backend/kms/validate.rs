//! Request constraints of the KMS model (`kms-custom-key-store-operations.json`), checked
//! before anything else and reported as `ValidationException`.

use super::{EncryptionContext, kms_error, validation_error};
use crate::error::Result;
use crate::secret::Secret;

/// A string member's length in characters must be within `min..=max`.
pub fn length(value: &str, member: &str, min: usize, max: usize) -> Result<()> {
    let chars = value.chars().count();
    if chars < min {
        return Err(validation_error(
            value,
            member,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if chars > max {
        // Long values (certificates) are not echoed whole.
        let shown: String = value.chars().take(64).collect();
        return Err(validation_error(
            &shown,
            member,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// `CloudHsmClusterIdType`: 19-24 characters, `cluster-[2-7a-zA-Z]{11,16}`.
pub fn validate_cluster_id(value: &str, member: &str) -> Result<()> {
    length(value, member, 19, 24)?;
    let matches = value.strip_prefix("cluster-").is_some_and(|rest| {
        (11..=16).contains(&rest.len())
            && rest
                .chars()
                .all(|c| c.is_ascii_alphabetic() || ('2'..='7').contains(&c))
    });
    if matches {
        Ok(())
    } else {
        Err(validation_error(
            value,
            member,
            "Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}",
        ))
    }
}

/// `KeyStorePasswordType`: 7-32 characters. The value is sensitive, so the message shows `***`.
pub fn validate_password(password: &Secret) -> Result<()> {
    let chars = password.expose().chars().count();
    if (7..=32).contains(&chars) {
        Ok(())
    } else {
        let constraint = if chars < 7 {
            "Member must have length greater than or equal to 7"
        } else {
            "Member must have length less than or equal to 32"
        };
        Err(validation_error("***", "keyStorePassword", constraint))
    }
}

/// `MarkerType`: 1-1024 characters in U+0020..U+00FF.
pub fn marker(value: &str) -> Result<()> {
    length(value, "marker", 1, 1024)?;
    if value.chars().all(|c| ('\u{20}'..='\u{ff}').contains(&c)) {
        Ok(())
    } else {
        Err(validation_error(
            value,
            "marker",
            "Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*",
        ))
    }
}

/// The paging members of the list operations: `Limit` within 1-1000 and a well-formed
/// `Marker`.
pub fn page_request(limit: Option<i64>, page_marker: Option<&str>) -> Result<()> {
    if let Some(limit) = limit {
        within(limit, "limit", 1, 1000)?;
    }
    page_marker.map_or(Ok(()), marker)
}

/// `CustomKeyStoreIdType`: 1-64 characters.
pub fn custom_key_store_id(value: &str) -> Result<()> {
    length(value, "customKeyStoreId", 1, 64)
}

/// `KeyIdType`: a key ID or key ARN of 1-2048 characters.
pub fn key_id(value: &str) -> Result<()> {
    length(value, "keyId", 1, 2048)
}

/// A numeric member within `min..=max`, in the AWS wording for the side it falls out on.
pub fn within(value: i64, member: &str, min: i64, max: i64) -> Result<()> {
    if value < min {
        Err(validation_error(
            &value.to_string(),
            member,
            &format!("Member must have value greater than or equal to {min}"),
        ))
    } else if value > max {
        Err(validation_error(
            &value.to_string(),
            member,
            &format!("Member must have value less than or equal to {max}"),
        ))
    } else {
        Ok(())
    }
}

/// A blob member of `size` bytes within `min..=max`.
pub fn blob_size(size: usize, member: &str, min: usize, max: usize) -> Result<()> {
    if (min..=max).contains(&size) {
        Ok(())
    } else {
        Err(validation_error(
            &format!("{size} bytes"),
            member,
            &format!("Member must have length between {min} and {max}"),
        ))
    }
}

/// An encryption context is a map: each name once. A request that repeats one cannot be sent
/// over the wire (a JSON object keeps one value per name), so it is refused before it is sent.
pub fn encryption_context(context: &EncryptionContext) -> Result<()> {
    let mut names: Vec<&str> = context.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|two| two[0] == two[1]) {
        return Err(kms_error(
            "ValidationException",
            "1 validation error detected: an encryption context name appears twice",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ids_follow_the_model_pattern() {
        assert!(validate_cluster_id("cluster-zxqwotxh2y6", "cloudHsmClusterId").is_ok());
        let error = validate_cluster_id("cluster-0000000000a", "cloudHsmClusterId").unwrap_err();
        assert_eq!(
            error.to_string(),
            "ValidationException: 1 validation error detected: Value 'cluster-0000000000a' at \
             'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular \
             expression pattern: cluster-[2-7a-zA-Z]{11,16}"
        );
        assert!(validate_cluster_id("cluster-short", "cloudHsmClusterId").is_err());
    }

    #[test]
    fn passwords_are_never_echoed() {
        let error = validate_password(&Secret::new("short")).unwrap_err();
        assert!(!error.to_string().contains("short"), "{error}");
        assert!(error.to_string().contains("greater than or equal to 7"));
        assert!(validate_password(&Secret::new("a".repeat(33))).is_err());
        assert!(validate_password(&Secret::new("GoldenKms1")).is_ok());
    }

    #[test]
    fn markers_and_lengths() {
        assert!(marker("abc").is_ok());
        assert!(marker("").is_err());
        assert!(marker("\u{100}").is_err());
        assert!(length(&"n".repeat(257), "customKeyStoreName", 1, 256).is_err());
    }

    /// The constraint a failure names, or `None` when the value passes.
    fn refusal(result: Result<()>) -> Option<String> {
        result.err().map(|error| {
            let text = error.to_string();
            text.split_once("failed to satisfy constraint: ")
                .map_or(text.clone(), |(_, constraint)| constraint.to_owned())
        })
    }

    const AT_LEAST: &str = "Member must have length greater than or equal to";
    const AT_MOST: &str = "Member must have length less than or equal to";

    /// Checks a length rule at one below, at, and one above each end of `min..=max`.
    fn assert_length_bounds(check: impl Fn(&str) -> Result<()>, min: usize, max: usize) {
        // A multi-byte character: the limits count characters, not bytes.
        let of = |chars: usize| "é".repeat(chars);
        if min > 0 {
            assert_eq!(
                refusal(check(&of(min - 1))),
                Some(format!("{AT_LEAST} {min}")),
                "{min} - 1"
            );
        }
        assert_eq!(refusal(check(&of(min))), None, "min {min}");
        assert_eq!(refusal(check(&of(max))), None, "max {max}");
        assert_eq!(
            refusal(check(&of(max + 1))),
            Some(format!("{AT_MOST} {max}")),
            "{max} + 1"
        );
    }

    #[test]
    fn every_length_constraint_holds_exactly_at_its_bounds() {
        assert_length_bounds(custom_key_store_id, 1, 64);
        assert_length_bounds(key_id, 1, 2048);
        assert_length_bounds(|value| length(value, "description", 0, 8192), 0, 8192);
        assert_length_bounds(|value| length(value, "customKeyStoreName", 3, 5), 3, 5);
        let error = custom_key_store_id(&"x".repeat(65))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("Value 'xxx") && error.contains("at 'customKeyStoreId'"),
            "{error}"
        );
    }

    #[test]
    fn a_long_value_is_shown_only_in_part() {
        let error = length(&"c".repeat(5001), "trustAnchorCertificate", 1, 5000)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&format!("Value '{}' at", "c".repeat(64))),
            "{error}"
        );
        assert!(!error.contains(&"c".repeat(65)), "{error}");
    }

    #[test]
    fn markers_hold_at_their_length_and_character_bounds() {
        assert_length_bounds(marker, 1, 1024);
        for allowed in ['\u{20}', '\u{ff}', 'a'] {
            assert_eq!(refusal(marker(&allowed.to_string())), None, "{allowed:?}");
        }
        for refused in ['\u{1f}', '\u{100}', '\n'] {
            assert_eq!(
                refusal(marker(&refused.to_string())),
                Some(
                    "Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*".to_owned()
                ),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn cluster_ids_hold_at_their_length_and_pattern_bounds() {
        let pattern = Some(
            "Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}".to_owned(),
        );
        let check = |value: &str| refusal(validate_cluster_id(value, "cloudHsmClusterId"));
        // `cluster-` and 11 to 16 characters: 19 to 24 in all.
        assert_eq!(
            check(&format!("cluster-{}", "a".repeat(10))),
            Some(format!("{AT_LEAST} 19"))
        );
        assert_eq!(check(&format!("cluster-{}", "a".repeat(11))), None);
        assert_eq!(check(&format!("cluster-{}", "Z".repeat(16))), None);
        assert_eq!(
            check(&format!("cluster-{}", "a".repeat(17))),
            Some(format!("{AT_MOST} 24"))
        );
        for digit in ['2', '7'] {
            assert_eq!(
                check(&format!("cluster-{}{digit}", "a".repeat(10))),
                None,
                "{digit}"
            );
        }
        for refused in ['1', '8', '0', '-', 'é'] {
            assert_eq!(
                check(&format!("cluster-{}{refused}", "a".repeat(10))),
                pattern,
                "{refused}"
            );
        }
        // The right length with another prefix, or a multi-byte character counted as one.
        assert_eq!(check(&format!("clusters{}", "a".repeat(11))), pattern);
        assert_eq!(check(&format!("cluster-{}", "é".repeat(11))), pattern);
        assert_eq!(check(&format!("cluster-{}é", "a".repeat(15))), pattern);
    }

    #[test]
    fn passwords_hold_at_their_bounds() {
        let check = |chars: usize| refusal(validate_password(&Secret::new("é".repeat(chars))));
        assert_eq!(check(6), Some(format!("{AT_LEAST} 7")));
        assert_eq!(check(7), None);
        assert_eq!(check(32), None);
        assert_eq!(check(33), Some(format!("{AT_MOST} 32")));
        let error = validate_password(&Secret::new("x".repeat(33))).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("Value '***' at 'keyStorePassword'"),
            "{error}"
        );
    }

    #[test]
    fn numbers_and_blobs_hold_at_their_bounds() {
        let limit = |value: i64| refusal(page_request(Some(value), None));
        assert_eq!(
            limit(0),
            Some("Member must have value greater than or equal to 1".to_owned())
        );
        assert_eq!(limit(1), None);
        assert_eq!(limit(1000), None);
        assert_eq!(
            limit(1001),
            Some("Member must have value less than or equal to 1000".to_owned())
        );
        assert_eq!(refusal(page_request(None, None)), None);
        assert_eq!(refusal(page_request(None, Some("next"))), None);
        assert_eq!(
            refusal(page_request(None, Some(""))),
            Some(format!("{AT_LEAST} 1"))
        );
        let error = within(31, "pendingWindowInDays", 7, 30)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("Value '31' at 'pendingWindowInDays'"),
            "{error}"
        );

        let blob = |size: usize| refusal(blob_size(size, "ciphertextBlob", 2, 6144));
        let outside = Some("Member must have length between 2 and 6144".to_owned());
        assert_eq!(blob(1), outside);
        assert_eq!(blob(2), None);
        assert_eq!(blob(6144), None);
        assert_eq!(blob(6145), outside);
        let error = blob_size(0, "plaintext", 1, 4096).unwrap_err().to_string();
        assert!(error.contains("Value '0 bytes' at 'plaintext'"), "{error}");
    }

    #[test]
    fn an_encryption_context_names_each_name_once() {
        let context = |pairs: &[(&str, &str)]| -> EncryptionContext {
            pairs
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect()
        };
        assert!(encryption_context(&context(&[])).is_ok());
        assert!(encryption_context(&context(&[("a", "1"), ("b", "1"), ("A", "2")])).is_ok());
        let error = encryption_context(&context(&[("b", "1"), ("a", "2"), ("b", "3")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "ValidationException: 1 validation error detected: an encryption context name \
             appears twice"
        );
    }
}

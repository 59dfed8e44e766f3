//! Request constraints of the KMS model (`kms-custom-key-store-operations.json`), checked
//! before anything else and reported as `ValidationException`.

use super::validation_error;
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
}

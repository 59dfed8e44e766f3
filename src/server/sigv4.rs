//! `--require-credentials`: AWS Signature Version 4 checked by signing the request received
//! again (method, URI, the headers its `SignedHeaders` names, body, at its `X-Amz-Date`) with
//! the one access key the server knows, and comparing the signatures in constant time.
//!
//! The refusals are the ones AWS JSON services answer: `MissingAuthenticationTokenException`
//! (403, as the KMS API reference's common errors give MissingAuthenticationToken),
//! `IncompleteSignatureException` (400, likewise), and `UnrecognizedClientException` for an
//! unknown access key and `InvalidSignatureException` for a wrong or stale signature, both
//! 400 as KMS sends them.

use super::wire::WireError;
use crate::secret::Secret;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use hyper::HeaderMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far a request's `X-Amz-Date` may be from the server's clock, either way.
const ALLOWED_SKEW: Duration = Duration::from_secs(5 * 60);

/// The one access key the server accepts. The secret is wiped on drop and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct RequiredCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

impl fmt::Debug for RequiredCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequiredCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .finish()
    }
}

impl RequiredCredentials {
    /// `ACCESS_KEY_ID:SECRET_ACCESS_KEY`, as `--require-credentials` takes it.
    pub fn parse(text: &str) -> Result<RequiredCredentials, String> {
        match text.split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok(RequiredCredentials {
                access_key_id: id.to_owned(),
                secret_access_key: Secret::new(secret),
            }),
            _ => Err("give ACCESS_KEY_ID:SECRET_ACCESS_KEY, both non-empty".to_owned()),
        }
    }
}

/// What a request must be signed for.
pub struct Expected<'a> {
    /// The SigV4 signing name: `kms`, or `cloudhsm` for CloudHSM v2.
    pub service: &'a str,
    pub method: &'a str,
    pub path_and_query: &'a str,
}

/// Checks the request's signature; `Ok` when it was made with `credentials`.
pub fn verify(
    credentials: &RequiredCredentials,
    expected: &Expected<'_>,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), WireError> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let Some(authorization) = header("authorization") else {
        return Err(WireError::new(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
            403,
        ));
    };
    let parts = Authorization::parse(authorization)?;
    let scope: Vec<&str> = parts.credential.split('/').collect();
    let [access_key_id, date, region, service, "aws4_request"] = scope[..] else {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid region, not '{}'",
            parts.credential
        )));
    };
    if access_key_id != credentials.access_key_id {
        return Err(WireError::client(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    }
    let Some(amz_date) = header("x-amz-date") else {
        return Err(incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .to_owned(),
        ));
    };
    let signed_at = parse_amz_date(amz_date).ok_or_else(|| {
        incomplete(format!(
            "X-Amz-Date '{amz_date}' is not of the form YYYYMMDD'T'HHMMSS'Z'"
        ))
    })?;
    if !amz_date.starts_with(date) || date.len() != 8 {
        return Err(invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{}'",
            &amz_date[..8]
        )));
    }
    if service != expected.service {
        return Err(invalid(format!(
            "Credential should be scoped to correct service: '{}'.",
            expected.service
        )));
    }
    let skew = match now.duration_since(signed_at) {
        Ok(late) => late,
        Err(early) => early.duration(),
    };
    if skew > ALLOWED_SKEW {
        return Err(invalid(format!(
            "Signature expired or not yet current: {amz_date} is more than 5 minutes from the \
             server's time"
        )));
    }
    let Some(host) = header("host") else {
        return Err(incomplete(
            "'Host' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    };
    let mut signed = Vec::new();
    for name in parts.signed_headers.split(';') {
        if name == "x-amz-date" {
            continue;
        }
        // A header sent twice is signed as its values joined by commas.
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        signed.push((name, values.join(",")));
    }
    let computed = recompute(
        credentials,
        Scope {
            region,
            service,
            time: signed_at,
        },
        expected,
        host,
        &signed,
        body,
    )?;
    if aws_lc_rs::constant_time::verify_slices_are_equal(
        computed.as_bytes(),
        parts.signature.as_bytes(),
    )
    .is_err()
    {
        return Err(invalid(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details."
                .to_owned(),
        ));
    }
    Ok(())
}

struct Scope<'a> {
    region: &'a str,
    service: &'a str,
    time: SystemTime,
}

fn recompute(
    credentials: &RequiredCredentials,
    scope: Scope<'_>,
    expected: &Expected<'_>,
    host: &str,
    signed: &[(&str, String)],
    body: &[u8],
) -> Result<String, WireError> {
    let identity = Credentials::new(
        &credentials.access_key_id,
        credentials.secret_access_key.expose(),
        None,
        None,
        "serve --require-credentials",
    )
    .into();
    let mut settings = SigningSettings::default();
    // Sign exactly the headers the client signed, `User-Agent` included.
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(scope.region)
        .name(scope.service)
        .time(scope.time)
        .settings(settings)
        .build()
        .map_err(|error| invalid(error.to_string()))?
        .into();
    let request = SignableRequest::new(
        expected.method,
        format!("http://{host}{}", expected.path_and_query),
        signed.iter().map(|(name, value)| (*name, value.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|error| invalid(error.to_string()))?;
    let (_, signature) = sign(request, &params)
        .map_err(|error| invalid(error.to_string()))?
        .into_parts();
    Ok(signature)
}

/// `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
struct Authorization<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

impl<'a> Authorization<'a> {
    fn parse(header: &'a str) -> Result<Authorization<'a>, WireError> {
        let Some(rest) = header.strip_prefix(ALGORITHM) else {
            return Err(incomplete(format!(
                "Authorization header requires the algorithm {ALGORITHM}"
            )));
        };
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            match part.trim().split_once('=') {
                Some(("Credential", value)) => credential = Some(value),
                Some(("SignedHeaders", value)) => signed_headers = Some(value),
                Some(("Signature", value)) => signature = Some(value),
                _ => {}
            }
        }
        let require = |value: Option<&'a str>, name: &str| {
            value.ok_or_else(|| {
                incomplete(format!(
                    "Authorization header requires '{name}' parameter. Authorization={header}"
                ))
            })
        };
        Ok(Authorization {
            credential: require(credential, "Credential")?,
            signed_headers: require(signed_headers, "SignedHeaders")?,
            signature: require(signature, "Signature")?,
        })
    }
}

fn incomplete(message: String) -> WireError {
    WireError::client("IncompleteSignatureException", message)
}

fn invalid(message: String) -> WireError {
    WireError::client("InvalidSignatureException", message)
}

/// `20261202T151607Z` as a time; `None` when it is not one.
pub fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
    let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    u64::try_from(seconds)
        .ok()
        .map(|seconds| UNIX_EPOCH + Duration::from_secs(seconds))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_parse_to_the_epoch_seconds() {
        let seconds = |text| {
            parse_amz_date(text).map(|time| time.duration_since(UNIX_EPOCH).unwrap().as_secs())
        };
        assert_eq!(seconds("19700101T000000Z"), Some(0));
        assert_eq!(seconds("20231114T221320Z"), Some(1_700_000_000));
        assert_eq!(seconds("20240229T000000Z"), Some(1_709_164_800));
        for bad in [
            "20231114221320Z",
            "2023111XT221320Z",
            "20231314T221320Z",
            "+0231114T221320Z",
        ] {
            assert_eq!(seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn credentials_parse_and_never_show_the_secret() {
        let credentials = RequiredCredentials::parse("AKID:se:cret").unwrap();
        assert_eq!(credentials.access_key_id, "AKID");
        assert_eq!(credentials.secret_access_key.expose(), "se:cret");
        assert!(!format!("{credentials:?}").contains("se:cret"));
        for bad in ["AKID", ":secret", "AKID:"] {
            assert!(RequiredCredentials::parse(bad).is_err(), "{bad}");
        }
    }
}

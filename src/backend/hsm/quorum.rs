//! Quorum (M of N) authentication: the services it protects, the token files that carry
//! approvals (the CloudHSM CLI's token-sign formats), and what the quorum commands answer.

use crate::backend::hsm::Role;
use crate::backend::hsm::key::{KeyQuorumValues, KeyReference};
use crate::error::{Error, Result};
use crate::secret::Secret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// A service whose operations quorum can protect, or the registration of a quorum key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuorumService {
    /// `user create`, `user delete`, `user change-password`, `user change-mfa`.
    User,
    /// `quorum token-sign set-quorum-value`.
    Quorum,
    /// The mTLS commands of hsm2m.medium clusters.
    Cluster,
    /// Registering one's own quorum key (`user change-quorum token-sign register`).
    Registration,
    /// Signing with a key whose use key quorum value is above 1.
    KeyUsage,
    /// Wrapping, unwrapping with, sharing, unsharing or setting an attribute of a key whose
    /// manage key quorum value is above 1.
    KeyManagement,
}

impl QuorumService {
    pub const ALL: [QuorumService; 6] = [
        QuorumService::User,
        QuorumService::Quorum,
        QuorumService::Cluster,
        QuorumService::Registration,
        QuorumService::KeyUsage,
        QuorumService::KeyManagement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuorumService::User => "user",
            QuorumService::Quorum => "quorum",
            QuorumService::Cluster => "cluster",
            QuorumService::Registration => "registration",
            QuorumService::KeyUsage => "key-usage",
            QuorumService::KeyManagement => "key-management",
        }
    }

    pub fn parse(text: &str) -> Option<QuorumService> {
        QuorumService::ALL
            .into_iter()
            .find(|service| service.as_str() == text)
    }

    /// Whether it is an admin service with one quorum value for the cluster (registration
    /// needs only the user's own key; the key services take each key's own values).
    pub fn has_quorum_value(self) -> bool {
        matches!(
            self,
            QuorumService::User | QuorumService::Quorum | QuorumService::Cluster
        )
    }

    /// Whether its tokens are bound to one key, and approved by that key's users.
    pub fn is_key_service(self) -> bool {
        matches!(self, QuorumService::KeyUsage | QuorumService::KeyManagement)
    }
}

/// The quorum values of the cluster's admin services (`list-quorum-values`); `cluster` only
/// on hsm2m.medium clusters, which have the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct QuorumValues {
    pub user: u8,
    pub quorum: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<u8>,
}

/// How long tokens live, in seconds (`list-timeouts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct QuorumTimeouts {
    pub generated: i64,
    pub approved: i64,
}

/// One entry of `quorum token-sign list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenEntry {
    pub username: String,
    pub service: &'static str,
    #[serde(rename = "approvals-required")]
    pub approvals_required: u8,
    #[serde(rename = "number-of-approvals")]
    pub number_of_approvals: u8,
    #[serde(rename = "token-timeout-seconds")]
    pub token_timeout_seconds: i64,
    #[serde(rename = "cluster-coverage")]
    pub cluster_coverage: &'static str,
}

/// `user change-mfa token-sign`: a user's new password with a new MFA key, or with none.
#[derive(Debug)]
pub struct MfaChange<'a> {
    pub username: &'a str,
    pub role: Role,
    pub password: &'a Secret,
    /// `None` deregisters the MFA key (and the quorum key with it).
    pub registration: Option<MfaRegistration<'a>>,
    pub approval: Option<&'a Approval>,
}

/// The MFA key to register and the challenge its private key signed.
#[derive(Debug)]
pub struct MfaRegistration<'a> {
    /// An RSA-2048 SubjectPublicKeyInfo PEM.
    pub public_key_pem: &'a str,
    pub tokens: &'a [SignedHsmToken],
    /// `--change-quorum`: the key becomes the quorum key too; otherwise the quorum key is
    /// dropped with the old password.
    pub also_quorum: bool,
}

/// What `quorum token-sign generate` gets: the approval data of each token (one, or one per
/// HSM for a registration), and the key a key service's token is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedToken {
    pub approval_data: Vec<Vec<u8>>,
    pub key_reference: Option<KeyReference>,
}

/// The highest quorum value of any service or key.
pub const MAX_QUORUM_VALUE: i64 = 8;

/// The key quorum values of a new key from its two flags: both or neither, each 2 to 8.
pub fn key_quorum_values(manage: Option<i64>, use_: Option<i64>) -> Result<KeyQuorumValues> {
    let invalid = |reason: &str| Error::InvalidInput {
        what: "key quorum values",
        reason: reason.to_owned(),
    };
    match (manage, use_) {
        (None, None) => Ok(KeyQuorumValues::default()),
        (Some(manage), Some(use_)) if manage > 1 && use_ > 1 => {
            if manage > MAX_QUORUM_VALUE || use_ > MAX_QUORUM_VALUE {
                return Err(invalid("a key quorum value is at most 8"));
            }
            // Both are 2..=8 here.
            Ok(KeyQuorumValues {
                manage_key_quorum_value: manage as u8,
                use_key_quorum_value: use_ as u8,
            })
        }
        _ => Err(Error::KeyQuorumPair),
    }
}

/// The version every token file carries.
pub const TOKEN_FILE_VERSION: &str = "2.0";

/// A quorum token file: the approval data, its SHA-256 (what approvers sign, with
/// `openssl pkeyutl -sign -pkeyopt digest:sha256`), and the approvers' signatures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumTokenFile {
    pub version: String,
    pub service: String,
    /// The key a key-usage or key-management token is for (`0x...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_reference: Option<String>,
    pub approval_data: String,
    pub token: String,
    pub signatures: Vec<Approver>,
}

/// One approver's signature of a quorum token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approver {
    pub username: String,
    pub signature: String,
}

/// A token file with one token per HSM, each signed by one user's key: a quorum key
/// registration (whose tokens carry their approval data), an MFA login or an MFA key
/// registration (whose tokens are only the digest to sign).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HsmTokenFile {
    pub version: String,
    pub tokens: Vec<HsmToken>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HsmToken {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_data: Option<String>,
    /// Base64 of the SHA-256 digest the signer signs.
    pub unsigned: String,
    #[serde(default)]
    pub signed: String,
}

impl HsmTokenFile {
    /// Whether every token carries a signature (a file as written still has none).
    pub fn is_signed(&self) -> bool {
        !self.tokens.is_empty() && self.tokens.iter().all(|token| !token.signed.is_empty())
    }
}

/// Either kind of token file, as `sim sign-token` and the commands read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenFile {
    Quorum(QuorumTokenFile),
    PerHsm(HsmTokenFile),
}

impl TokenFile {
    pub fn parse(text: &str) -> Result<TokenFile> {
        let invalid = |reason: String| Error::InvalidInput {
            what: "token file",
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| invalid(error.to_string()))?;
        let file = if value.get("tokens").is_some() {
            TokenFile::PerHsm(
                serde_json::from_value(value).map_err(|error| invalid(error.to_string()))?,
            )
        } else {
            TokenFile::Quorum(
                serde_json::from_value(value).map_err(|error| invalid(error.to_string()))?,
            )
        };
        let version = match &file {
            TokenFile::Quorum(file) => &file.version,
            TokenFile::PerHsm(file) => &file.version,
        };
        if version != TOKEN_FILE_VERSION {
            return Err(invalid(format!(
                "version '{version}' is not {TOKEN_FILE_VERSION}"
            )));
        }
        Ok(file)
    }

    /// The file as the shell writes it: indented JSON and a final newline.
    pub fn to_text(&self) -> String {
        let text = match self {
            TokenFile::Quorum(file) => serde_json::to_string_pretty(file),
            TokenFile::PerHsm(file) => serde_json::to_string_pretty(file),
        };
        // Serializing plain strings and lists cannot fail.
        text.unwrap_or_default() + "\n"
    }
}

/// What an approval file of a protected command holds, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub service: String,
    pub approval_data: Vec<u8>,
    pub token: Vec<u8>,
    pub signatures: Vec<(String, Vec<u8>)>,
}

impl Approval {
    pub fn from_file(file: QuorumTokenFile) -> Result<Approval> {
        let decode = |what: &str, text: &str| {
            STANDARD.decode(text).map_err(|error| Error::InvalidInput {
                what: "approval file",
                reason: format!("{what} is not base64: {error}"),
            })
        };
        Ok(Approval {
            service: file.service,
            approval_data: decode("approval_data", &file.approval_data)?,
            token: decode("token", &file.token)?,
            signatures: file
                .signatures
                .into_iter()
                .map(|approver| {
                    let signature = decode("a signature", &approver.signature)?;
                    Ok((approver.username.to_lowercase(), signature))
                })
                .collect::<Result<_>>()?,
        })
    }
}

/// One token of a per-HSM token file, decoded: the digest the cluster issued and its
/// signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHsmToken {
    /// The SHA-256 digest the file calls `unsigned`.
    pub digest: Vec<u8>,
    pub signature: Vec<u8>,
}

/// A per-HSM token file's tokens, decoded; a token whose approval data the file gives must
/// be their SHA-256, and every token must be signed.
pub fn signed_hsm_tokens(file: &HsmTokenFile) -> Result<Vec<SignedHsmToken>> {
    let invalid = |reason: String| Error::InvalidInput {
        what: "signed token file",
        reason,
    };
    let decode = |what: &str, text: &str| {
        STANDARD
            .decode(text)
            .map_err(|error| invalid(format!("{what} is not base64: {error}")))
    };
    if file.tokens.is_empty() {
        return Err(invalid("it holds no token".to_owned()));
    }
    file.tokens
        .iter()
        .map(|token| {
            let digest = decode("unsigned", &token.unsigned)?;
            if let Some(approval_data) = &token.approval_data
                && token_digest(&decode("approval_data", approval_data)?) != digest
            {
                return Err(invalid(
                    "a token is not the SHA-256 of its approval data".to_owned(),
                ));
            }
            if token.signed.is_empty() {
                return Err(invalid(
                    "a token is not signed yet: sign each unsigned digest (openssl pkeyutl -sign \
                     -pkeyopt digest:sha256, or sim sign-token) and put the signature in signed"
                        .to_owned(),
                ));
            }
            Ok(SignedHsmToken {
                digest,
                signature: decode("signed", &token.signed)?,
            })
        })
        .collect()
}

pub fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// SHA-256 of a token's approval data: what a token file calls the token, and what approvers
/// sign.
pub fn token_digest(approval_data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, approval_data)
        .as_ref()
        .to_vec()
}

/// The token file a new token (of `service`, with these approval data, for `key_reference`
/// when a key service's) is written as.
pub fn new_token_file(
    service: QuorumService,
    approval_data: &[Vec<u8>],
    key_reference: Option<KeyReference>,
) -> TokenFile {
    match (service, approval_data) {
        (service, [approval_data]) if service != QuorumService::Registration => {
            TokenFile::Quorum(QuorumTokenFile {
                version: TOKEN_FILE_VERSION.to_owned(),
                service: service.as_str().to_owned(),
                key_reference: key_reference.map(|reference| reference.to_string()),
                approval_data: base64(approval_data),
                token: base64(&token_digest(approval_data)),
                signatures: Vec::new(),
            })
        }
        _ => TokenFile::PerHsm(HsmTokenFile {
            version: TOKEN_FILE_VERSION.to_owned(),
            tokens: approval_data
                .iter()
                .map(|approval_data| HsmToken {
                    approval_data: Some(base64(approval_data)),
                    unsigned: base64(&token_digest(approval_data)),
                    signed: String::new(),
                })
                .collect(),
        }),
    }
}

/// The file of an MFA challenge (login or key registration): one digest per HSM to sign.
pub fn new_mfa_token_file(digests: &[Vec<u8>]) -> TokenFile {
    TokenFile::PerHsm(HsmTokenFile {
        version: TOKEN_FILE_VERSION.to_owned(),
        tokens: digests
            .iter()
            .map(|digest| HsmToken {
                approval_data: None,
                unsigned: base64(digest),
                signed: String::new(),
            })
            .collect(),
    })
}

/// Signs `file` as an approver does with `openssl pkeyutl -sign -pkeyopt digest:sha256`: an RSA
/// PKCS #1 v1.5 SHA-256 signature of each token's approval data by `private_key_pem` (PKCS #8
/// or PKCS #1). A quorum token gets `username`'s signature added; a registration file gets
/// every token signed.
pub fn sign_token_file(
    file: TokenFile,
    private_key_pem: &[u8],
    username: Option<&str>,
) -> Result<TokenFile> {
    use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
    let invalid = |reason: &str| Error::InvalidInput {
        what: "private key",
        reason: reason.to_owned(),
    };
    let text = std::str::from_utf8(private_key_pem).map_err(|_| invalid("not a PEM file"))?;
    let (label, der) =
        der::pem::decode_vec(text.trim().as_bytes()).map_err(|_| invalid("not a PEM file"))?;
    let der = zeroize::Zeroizing::new(der);
    let key = match label {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
        _ => {
            return Err(invalid(
                "expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----",
            ));
        }
    }
    .map_err(|_| invalid("not an RSA private key of 2048 bits or more"))?;
    // The signer signs the digest itself, as `openssl pkeyutl -sign -pkeyopt digest:sha256`
    // does with the decoded `unsigned` (or `token`) value.
    let sign = |digest: &[u8]| -> Result<String> {
        let digest =
            aws_lc_rs::digest::Digest::import_less_safe(digest, &aws_lc_rs::digest::SHA256)
                .map_err(|_| Error::InvalidInput {
                    what: "token file",
                    reason: "a token is not a SHA-256 digest".to_owned(),
                })?;
        let mut signature = vec![0u8; key.public_modulus_len()];
        key.sign_digest(&RSA_PKCS1_SHA256, &digest, &mut signature)
            .map_err(|_| invalid("signing failed"))?;
        Ok(base64(&signature))
    };
    let decode = |text: &str| {
        STANDARD.decode(text).map_err(|_| Error::InvalidInput {
            what: "token file",
            reason: "a token is not base64".to_owned(),
        })
    };
    Ok(match file {
        TokenFile::Quorum(mut file) => {
            let username = username
                .ok_or_else(|| {
                    invalid("a quorum token is signed in an approver's name: give --username")
                })?
                .to_lowercase();
            let signature = sign(&decode(&file.token)?)?;
            file.signatures
                .retain(|approver| approver.username != username);
            file.signatures.push(Approver {
                username,
                signature,
            });
            TokenFile::Quorum(file)
        }
        TokenFile::PerHsm(mut file) => {
            for token in &mut file.tokens {
                token.signed = sign(&decode(&token.unsigned)?)?;
            }
            TokenFile::PerHsm(file)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_of_either_kind_round_trip() {
        let quorum = new_token_file(QuorumService::User, &[b"data".to_vec()], None);
        assert_eq!(TokenFile::parse(&quorum.to_text()).unwrap(), quorum);
        let TokenFile::Quorum(file) = &quorum else {
            panic!("a quorum token");
        };
        assert_eq!(file.token, base64(&token_digest(b"data")));
        let registration = new_token_file(
            QuorumService::Registration,
            &[b"a".to_vec(), b"b".to_vec()],
            None,
        );
        assert_eq!(
            TokenFile::parse(&registration.to_text()).unwrap(),
            registration
        );
    }

    #[test]
    fn files_that_are_not_token_files_are_refused_with_their_reason() {
        for (text, reason) in [
            ("not json", "expected ident"),
            (
                r#"{"version":"1.0","service":"user","approval_data":"","token":"","signatures":[]}"#,
                "version '1.0' is not 2.0",
            ),
            (
                r#"{"version":"2.0","service":"user","approval_data":"","token":"","signatures":[],"extra":1}"#,
                "unknown field `extra`",
            ),
            (
                r#"{"version":"2.0","tokens":[{"signed":""}]}"#,
                "missing field `unsigned`",
            ),
        ] {
            let error = TokenFile::parse(text).expect_err(text).to_string();
            assert!(error.contains(reason), "{text}: {error}");
            assert!(error.starts_with("Invalid token file: "), "{error}");
        }
    }

    #[test]
    fn approvals_decode_base64_and_lower_case_their_signers() {
        let file = QuorumTokenFile {
            version: TOKEN_FILE_VERSION.to_owned(),
            service: "user".to_owned(),
            key_reference: None,
            approval_data: base64(b"data"),
            token: base64(&token_digest(b"data")),
            signatures: vec![Approver {
                username: "Officer2".to_owned(),
                signature: base64(b"sig"),
            }],
        };
        let approval = Approval::from_file(file.clone()).unwrap();
        assert_eq!(
            approval.signatures,
            vec![("officer2".to_owned(), b"sig".to_vec())]
        );
        let mut broken = file;
        broken.signatures[0].signature = "not base64!".to_owned();
        assert!(
            Approval::from_file(broken)
                .unwrap_err()
                .to_string()
                .contains("a signature is not base64")
        );
    }

    #[test]
    fn signing_needs_an_rsa_private_key_and_a_signer_for_a_quorum_token() {
        let token = new_token_file(QuorumService::User, &[b"data".to_vec()], None);
        let refused = |key: &[u8], username: Option<&str>| {
            sign_token_file(token.clone(), key, username)
                .unwrap_err()
                .to_string()
        };
        assert!(refused(b"garbage", Some("a")).contains("not a PEM file"));
        let public = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert!(refused(public, Some("a")).contains("expected -----BEGIN PRIVATE KEY-----"));
        let key = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/demo/quorum-keys/officer2.key"
        ))
        .unwrap();
        assert!(refused(&key, None).contains("give --username"));
        let TokenFile::Quorum(signed) = sign_token_file(token, &key, Some("Officer2")).unwrap()
        else {
            panic!("a quorum token");
        };
        assert_eq!(signed.signatures.len(), 1);
        assert_eq!(signed.signatures[0].username, "officer2");
    }
}

//! The HSM backend trait and the domain values it returns; implementations never print and
//! never see JSON.

#[cfg(feature = "aws")]
pub mod aws_control;
pub mod cluster_control;
pub mod filter;
pub mod key;
mod login;
pub mod mechanism;
pub mod mtls;
pub mod pkcs11;
pub mod quorum;
pub mod requests;
pub mod sim;

use crate::error::{Error, Result};
use crate::secret::Secret;
use cluster_control::{ClusterControl, SimFaults};
use filter::Filter;
use key::{GeneratedPair, Key, KeyListPage, KeyReference};
use mechanism::KeySpec;
use mtls::{Enforcement, TrustAnchor};
use quorum::{
    Approval, GeneratedToken, MfaChange, QuorumService, QuorumTimeouts, QuorumValues,
    SignedHsmToken, TokenEntry,
};
use requests::{
    KeyFileEncoding, KeyTypeClass, NewKeyOptions, NewPairOptions, Replication, SignRequest,
    Signature, UnwrapRequest, WrapRequest, WrappedKey,
};

/// A backend without the simulator's mTLS model.
fn mtls_lacking(command: &str) -> Error {
    Error::BackendLacks {
        command: command.to_owned(),
        needs: "an hsm2m.medium cluster's mTLS, which the simulator models and a PKCS#11 module \
                does not offer",
    }
}

/// What a backend without replication lacks.
const REPLICATION_NEEDS: &str =
    "two clusters of one backup lineage, which the simulator has and a PKCS#11 module does not";
use serde::Serialize;

pub use login::{Login, Role};

/// The built-in admin: `unactivated-admin` until `cluster activate`, then `admin`.
pub const BUILT_IN_ADMIN: &str = "admin";
/// The built-in user AWS uses to synchronise HSMs; customers cannot log in as it.
pub const APPLIANCE_USER: &str = "app_user";
/// Whether `username` (already normalised) names a user that comes with every cluster.
pub fn is_built_in(username: &str) -> bool {
    username == BUILT_IN_ADMIN || username == APPLIANCE_USER
}

/// The longest username a cluster accepts.
pub const MAX_USERNAME_CHARS: usize = 31;

/// Checks a username and returns the lower-case form it is stored and shown in.
pub fn normalize_username(text: &str) -> Result<String> {
    if text.is_empty() {
        return Err(invalid_username("it is empty"));
    }
    if text.chars().count() > MAX_USERNAME_CHARS {
        return Err(invalid_username(&format!(
            "it must be at most {MAX_USERNAME_CHARS} characters long"
        )));
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(invalid_username(
            "it may contain only letters, digits, '_' and '-'",
        ));
    }
    Ok(text.to_ascii_lowercase())
}

fn invalid_username(reason: &str) -> Error {
    Error::InvalidUsername {
        reason: reason.to_owned(),
    }
}

/// The role of a user as listings show it: the two `--role` values plus the built-in states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum UserRole {
    #[serde(rename = "admin")]
    Admin,
    #[serde(rename = "crypto-user")]
    CryptoUser,
    #[serde(rename = "unactivated-admin")]
    UnactivatedAdmin,
    #[serde(rename = "internal(APPLIANCE_USER)")]
    ApplianceUser,
}

impl UserRole {
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Admin => "admin",
            UserRole::CryptoUser => "crypto-user",
            UserRole::UnactivatedAdmin => "unactivated-admin",
            UserRole::ApplianceUser => "internal(APPLIANCE_USER)",
        }
    }

    pub fn parse(text: &str) -> Option<UserRole> {
        [
            UserRole::Admin,
            UserRole::CryptoUser,
            UserRole::UnactivatedAdmin,
            UserRole::ApplianceUser,
        ]
        .into_iter()
        .find(|role| role.as_str() == text)
    }

    /// The `--role` this listed role answers to, if a customer can log in with it.
    pub fn login_role(self) -> Option<Role> {
        match self {
            UserRole::Admin => Some(Role::Admin),
            UserRole::CryptoUser => Some(Role::CryptoUser),
            UserRole::UnactivatedAdmin | UserRole::ApplianceUser => None,
        }
    }
}

impl From<Role> for UserRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => UserRole::Admin,
            Role::CryptoUser => UserRole::CryptoUser,
        }
    }
}

/// A registered MFA or quorum strategy of a user, as `user list` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Strategy {
    pub strategy: &'static str,
    pub status: &'static str,
}

impl Strategy {
    /// A registered token-sign key.
    pub const TOKEN_SIGN: Strategy = Strategy {
        strategy: "token-sign",
        status: "enabled",
    };
}

/// One entry of `user list`, with the CLI's key names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub username: String,
    pub role: UserRole,
    /// The CLI prints `"true"`/`"false"` as strings.
    #[serde(serialize_with = "bool_as_string")]
    pub locked: bool,
    pub mfa: Vec<Strategy>,
    pub quorum: Vec<Strategy>,
    #[serde(rename = "cluster-coverage")]
    pub cluster_coverage: &'static str,
}

fn bool_as_string<S: serde::Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(if *value { "true" } else { "false" })
}

/// One entry of `cluster hsm-info`, with the CLI's key names; every field is a string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct HsmInfo {
    pub vendor: String,
    pub model: String,
    pub serial_number: String,
    pub hardware_version_major: String,
    pub hardware_version_minor: String,
    pub firmware_version_major: String,
    pub firmware_version_minor: String,
    pub firmware_build_number: String,
    pub firmware_id: String,
    pub fips_state: String,
}

/// What the shell needs from an HSM cluster. The role gate has already run when these are
/// called; implementations enforce the finer rules (activation, lockout, who is logged in).
///
/// Every method is one atomic step: it either fully happens or changes nothing, except that a
/// failed login is counted towards the user's lockout, as on a real HSM.
pub trait HsmBackend {
    /// The identifier of the cluster this backend talks to (`cluster-...`).
    fn cluster_id(&self) -> &str;

    /// The cluster when one was chosen (`--cluster-id`, `sim use-cluster`) rather than being
    /// the only or default one: the prompt then names it, as in multi-cluster mode.
    fn selected_cluster(&self) -> Option<&str> {
        None
    }

    /// Points the HSM calls at `cluster_id`, for one command's `--cluster-id` or back to the
    /// shell's cluster after it, without making it the chosen cluster. A backend that reaches
    /// one cluster accepts only its own.
    fn focus(&mut self, cluster_id: &str) -> Result<()> {
        if cluster_id == self.cluster_id() {
            Ok(())
        } else {
            Err(Error::OneClusterBackend {
                cluster_id: cluster_id.to_owned(),
                own: self.cluster_id().to_owned(),
            })
        }
    }

    /// The cluster control plane (`cloudhsmv2` commands), when this backend can reach one.
    ///
    /// The shell holds one backend; reaching the control plane through it, rather than through
    /// a second `Context` field, keeps one owner of the state and one transaction per command.
    fn cluster_control(&mut self) -> Option<&mut dyn ClusterControl> {
        None
    }

    /// Fault injection into the simulated network (`sim` commands): the simulator only.
    fn sim_faults(&mut self) -> Option<&mut dyn SimFaults> {
        None
    }

    fn is_activated(&mut self) -> Result<bool>;

    fn hsm_info(&mut self) -> Result<Vec<HsmInfo>>;

    /// Sets the built-in admin's password and turns `unactivated-admin` into `admin`.
    fn activate(&mut self, password: &Secret) -> Result<()>;

    fn login(&mut self, username: &str, role: Role, password: &Secret) -> Result<Login>;

    fn logout(&mut self, login: &Login) -> Result<()>;

    /// All users: the built-in admin first, the appliance user last, the others by username.
    fn list_users(&mut self) -> Result<Vec<UserInfo>>;

    /// Whether a user of this name (and `role`, when given) exists, asked before a command
    /// prompts for a password for it: `user create` with no role, `user change-password` with
    /// the user's.
    fn user_exists(&mut self, username: &str, role: Option<Role>) -> Result<bool> {
        Ok(self.list_users()?.iter().any(|user| {
            user.username == username
                && role.is_none_or(|role| user.role.login_role() == Some(role))
        }))
    }

    /// Creates a user; `approval` is the `user` service's quorum approval, used up on success.
    fn create_user(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
        password: &Secret,
        approval: Option<&Approval>,
    ) -> Result<UserInfo>;

    fn delete_user(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
        approval: Option<&Approval>,
    ) -> Result<()>;

    /// Sets a new password and, when an admin does it, unlocks the user; a quorum key the user
    /// registered goes with the old password, and the MFA key too when `deregister_mfa`.
    fn change_password(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
        password: &Secret,
        deregister_mfa: bool,
        approval: Option<&Approval>,
    ) -> Result<()>;

    /// `quorum token-sign list-quorum-values`.
    fn quorum_values(&mut self) -> Result<QuorumValues> {
        Err(Error::QuorumSimulatorOnly {
            what: "quorum token-sign list-quorum-values",
        })
    }

    /// `quorum token-sign set-quorum-value`, approved under the `quorum` service's value.
    fn set_quorum_value(
        &mut self,
        _actor: &Login,
        _service: QuorumService,
        _value: u8,
        _approval: Option<&Approval>,
    ) -> Result<()> {
        Err(Error::QuorumSimulatorOnly {
            what: "quorum token-sign set-quorum-value",
        })
    }

    fn quorum_timeouts(&mut self) -> Result<QuorumTimeouts> {
        Err(Error::QuorumSimulatorOnly {
            what: "quorum token-sign list-timeouts",
        })
    }

    fn set_quorum_timeouts(&mut self, _actor: &Login, _timeouts: QuorumTimeouts) -> Result<()> {
        Err(Error::QuorumSimulatorOnly {
            what: "quorum token-sign set-timeout",
        })
    }

    /// A new token of `service` for `actor`'s login: the approval data of each (one per HSM
    /// for a registration, else one); a key service's token is for the one key `key` selects.
    fn generate_quorum_token(
        &mut self,
        _actor: &Login,
        _service: QuorumService,
        _key: Option<&Filter>,
    ) -> Result<GeneratedToken> {
        Err(Error::QuorumSimulatorOnly {
            what: "quorum token-sign generate",
        })
    }

    fn list_quorum_tokens(&mut self, _actor: &Login) -> Result<Vec<TokenEntry>> {
        Err(Error::QuorumSimulatorOnly {
            what: "quorum token-sign list",
        })
    }

    /// Deletes `actor`'s tokens, or everybody's; how many went.
    fn delete_quorum_tokens(&mut self, _actor: &Login, _everybody: bool) -> Result<usize> {
        Err(Error::QuorumSimulatorOnly {
            what: "quorum token-sign delete",
        })
    }

    /// Registers `public_key_pem` (an RSA-2048 SubjectPublicKeyInfo PEM) as `actor`'s quorum
    /// key, given the registration tokens it signed.
    fn register_quorum_key(
        &mut self,
        _actor: &Login,
        _public_key_pem: &str,
        _tokens: &[SignedHsmToken],
    ) -> Result<()> {
        Err(Error::QuorumSimulatorOnly {
            what: "user change-quorum token-sign register",
        })
    }

    /// Issues the MFA challenge of a login of `username`: one SHA-256 digest per HSM, to be
    /// signed with the user's registered MFA key.
    fn begin_mfa_login(&mut self, _username: &str, _role: Role) -> Result<Vec<Vec<u8>>> {
        Err(Error::QuorumSimulatorOnly {
            what: "login mfa-token-sign",
        })
    }

    /// Logs in with both factors: the password and the signed challenge, which is used up.
    fn mfa_login(
        &mut self,
        _username: &str,
        _role: Role,
        _password: &Secret,
        _tokens: &[SignedHsmToken],
    ) -> Result<Login> {
        Err(Error::QuorumSimulatorOnly {
            what: "login mfa-token-sign",
        })
    }

    /// Issues the challenge that proves the MFA key about to be registered for `username` is
    /// held: one digest per HSM, bound to `actor`'s login.
    fn begin_mfa_registration(
        &mut self,
        _actor: &Login,
        _username: &str,
        _role: Role,
    ) -> Result<Vec<Vec<u8>>> {
        Err(Error::QuorumSimulatorOnly {
            what: "user change-mfa token-sign",
        })
    }

    /// Registers (or deregisters) a user's MFA key and sets its password, in one step.
    fn change_mfa(&mut self, _actor: &Login, _change: &MfaChange<'_>) -> Result<()> {
        Err(Error::QuorumSimulatorOnly {
            what: "user change-mfa token-sign",
        })
    }

    /// Refuses the connection a cluster that enforces mTLS would refuse: checked before every
    /// CloudHSM CLI command.
    fn check_connection(&mut self) -> Result<()> {
        Ok(())
    }

    fn list_trust_anchors(&mut self) -> Result<Vec<TrustAnchor>> {
        Err(mtls_lacking("cluster mtls list-trust-anchors"))
    }

    fn register_trust_anchor(
        &mut self,
        _actor: &Login,
        _pem: &str,
        _approval: Option<&Approval>,
    ) -> Result<TrustAnchor> {
        Err(mtls_lacking("cluster mtls register-trust-anchor"))
    }

    fn deregister_trust_anchor(
        &mut self,
        _actor: &Login,
        _reference: u64,
        _approval: Option<&Approval>,
    ) -> Result<()> {
        Err(mtls_lacking("cluster mtls deregister-trust-anchor"))
    }

    fn mtls_enforcement(&mut self, _actor: &Login) -> Result<Enforcement> {
        Err(mtls_lacking("cluster mtls get-enforcement"))
    }

    fn set_mtls_enforcement(
        &mut self,
        _actor: &Login,
        _level: Enforcement,
        _approval: Option<&Approval>,
    ) -> Result<()> {
        Err(mtls_lacking("cluster mtls set-enforcement"))
    }

    /// `user replicate`: copies `username` to the destination cluster of the same lineage.
    fn replicate_user(
        &mut self,
        _replication: &Replication<'_>,
        _username: &str,
        _role: Role,
    ) -> Result<UserInfo> {
        Err(Error::BackendLacks {
            command: "user replicate".to_owned(),
            needs: REPLICATION_NEEDS,
        })
    }

    /// `key replicate`: copies the key `filter` selects on the source to the destination,
    /// keeping its reference; the copy as the destination lists it.
    fn replicate_key(&mut self, _replication: &Replication<'_>, _filter: &Filter) -> Result<Key> {
        Err(Error::BackendLacks {
            command: "key replicate".to_owned(),
            needs: REPLICATION_NEEDS,
        })
    }

    /// An AES or generic secret key owned by `actor`.
    fn generate_secret_key(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key>;

    /// An RSA or EC key pair owned by `actor`.
    fn generate_key_pair(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewPairOptions<'_>,
    ) -> Result<GeneratedPair>;

    /// The keys `actor` can see that match `filter`, one page of them.
    fn list_keys(
        &mut self,
        actor: &Login,
        filter: &Filter,
        starting_token: Option<&str>,
        max_items: usize,
        verbose: bool,
    ) -> Result<KeyListPage>;

    /// Deletes the one key `filter` selects; only its owner may.
    fn delete_key(&mut self, actor: &Login, filter: &Filter) -> Result<KeyReference>;

    /// `key set-attribute`: owners set what the attribute rules allow; admins only `trusted`.
    /// `approval`: the key-management approval of a key whose manage key quorum value is
    /// above 1 (so for share and unshare).
    fn set_key_attribute(
        &mut self,
        actor: &Login,
        filter: &Filter,
        name: &str,
        value: &str,
        approval: Option<&Approval>,
    ) -> Result<()>;

    fn share_key(
        &mut self,
        actor: &Login,
        filter: &Filter,
        username: &str,
        role: Role,
        approval: Option<&Approval>,
    ) -> Result<()>;

    fn unshare_key(
        &mut self,
        actor: &Login,
        filter: &Filter,
        username: &str,
        role: Role,
        approval: Option<&Approval>,
    ) -> Result<()>;

    /// A public key from PEM text, owned by `actor`.
    fn import_public_key(
        &mut self,
        actor: &Login,
        pem: &str,
        key_type_class: KeyTypeClass,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key>;

    /// The text of the key file `key generate-file` writes.
    fn key_file(
        &mut self,
        actor: &Login,
        filter: &Filter,
        encoding: KeyFileEncoding,
    ) -> Result<String>;

    fn wrap_key(&mut self, actor: &Login, request: &WrapRequest<'_>) -> Result<WrappedKey>;

    fn unwrap_key(&mut self, actor: &Login, request: &UnwrapRequest<'_>) -> Result<Key>;

    fn sign(&mut self, actor: &Login, request: &SignRequest<'_>) -> Result<Signature>;

    /// Checks a signature; a wrong one is `Error::SignatureVerificationFailed`.
    fn verify(
        &mut self,
        actor: &Login,
        request: &SignRequest<'_>,
        signature: &[u8],
    ) -> Result<KeyReference>;
}

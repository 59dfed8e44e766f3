//! The one error type of the shell: every failure a command can meet, each with its one-line message.

use crate::backend::hsm::Role;
use crate::parse::SyntaxError;
use std::path::PathBuf;

/// Every failure becomes `{"error_code": 1, "data": "<Display of the error>"}`.
///
/// Messages are one line, say what to do next where there is a next step, and never contain a
/// secret: variants carry usernames and paths, never passwords.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Syntax(#[from] SyntaxError),
    #[error("'{command}' requires a login: run login first")]
    NotLoggedIn { command: String },
    #[error("'{command}' is not allowed for role {role}: it needs {allowed}")]
    PermissionDenied {
        command: String,
        role: Role,
        allowed: String,
    },
    #[error(
        "'{command}' requires a login: set CLOUDHSM_ROLE (admin or crypto-user) and CLOUDHSM_PIN=username:password"
    )]
    NeedsEnvLogin { command: String },
    #[error(
        "'{command}' needs a login on its destination cluster too: set DESTINATION_CLOUDHSM_ROLE (admin or crypto-user) and DESTINATION_CLOUDHSM_PIN=username:password"
    )]
    NeedsDestinationLogin { command: String },
    #[error("The line is not valid UTF-8 (after its first {valid_up_to} bytes); it was not run")]
    LineNotUtf8 { valid_up_to: usize },
    #[error("A crypto user can only change its own password")]
    OwnPasswordOnly,
    #[error("Already logged in as {username}: run logout first")]
    AlreadyLoggedIn { username: String },
    #[error("The cluster is not activated: run cluster activate first")]
    ClusterNotActivated,
    #[error("The cluster is already activated")]
    ClusterAlreadyActivated,
    #[error("Login failed: incorrect username, role or password")]
    LoginFailed,
    #[error(
        "User {username} is locked after too many failed logins: an admin must change its password to unlock it"
    )]
    UserLocked { username: String },
    #[error("User {username} already exists")]
    UserExists { username: String },
    #[error("User {username} with role {role} does not exist")]
    UserNotFound { username: String, role: Role },
    #[error(
        "User {username} is logged in: it cannot be deleted or have its password changed until it logs out"
    )]
    UserLoggedIn { username: String },
    #[error("User {username} is built in and cannot be changed this way")]
    BuiltInUser { username: String },
    #[error("Invalid username: {reason}")]
    InvalidUsername { reason: String },
    #[error("Invalid password: {reason}")]
    InvalidPassword { reason: String },
    #[error("The passwords do not match")]
    PasswordMismatch,
    #[error(
        "No password for {username}: give --password, add the line {username}=<password> to a --secrets file, or run on a terminal"
    )]
    MissingSecret { username: String },
    #[error("Cannot use secrets file {}: {reason}", path.display())]
    SecretsFile { path: PathBuf, reason: String },
    /// A file a user named that `intake` will not read: not a regular file, or over its limit.
    #[error("Cannot read {}: {reason}", path.display())]
    FileRefused { path: PathBuf, reason: String },
    /// A state directory or state file others could read or change, refused at start-up as
    /// OpenSSH refuses a private key others can read. `remedy` is the command that fixes it.
    #[error("{}: {problem}; {remedy}", path.display())]
    UnsafeState {
        path: PathBuf,
        problem: String,
        remedy: String,
    },
    #[error(
        "Invalid key reference '{text}': give 0x followed by at most 16 hex digits, or a decimal number"
    )]
    InvalidKeyReference { text: String },
    #[error("Invalid attribute '{word}': write NAME=VALUE, such as sign=true")]
    InvalidAssignment { word: String },
    #[error("Unknown key attribute '{name}'")]
    UnknownAttribute { name: String },
    #[error("Invalid value for attribute {name}: {reason}")]
    InvalidAttribute { name: String, reason: String },
    /// The wording the CloudHSM CLI uses when an attribute is read-only, fixed by the command or
    /// may only move one way.
    #[error("Attribute {name} cannot be set to the value {value} by the user for this operation")]
    AttributeNotSettable { name: String, value: String },
    #[error("Attribute {name} can be set only by an admin")]
    AttributeAdminOnly { name: String },
    #[error("An admin can set only the trusted attribute, not {name}")]
    AttributeNotForAdmin { name: String },
    #[error("Attribute {name} cannot be changed: the key is not modifiable (modifiable is false)")]
    KeyNotModifiable { name: String },
    #[error("Invalid filter '{word}': {reason}")]
    InvalidFilter { word: String, reason: String },
    /// The CloudHSM CLI's wording when a single-key command's filter does not pick one key.
    #[error(
        "Key selection criteria matched {matched} keys. Refine selection criteria to select a single key."
    )]
    KeySelection { matched: usize },
    #[error("Invalid starting token '{token}': give the next_token of an earlier key list")]
    InvalidStartingToken { token: String },
    #[error("--max-items must be at least 1")]
    InvalidMaxItems,
    #[error("Only the owner of key {reference} can {action} it")]
    NotKeyOwner {
        reference: String,
        action: &'static str,
    },
    #[error("Key {reference} cannot be used this way: {reason}")]
    KeyNotUsable { reference: String, reason: String },
    #[error("Keys can only be shared with crypto users")]
    ShareWithCryptoUsersOnly,
    #[error("Key {reference} is owned by {username}, who needs no share")]
    ShareWithOwner { reference: String, username: String },
    #[error("Key {reference} is already shared with {username}")]
    AlreadyShared { reference: String, username: String },
    #[error("Key {reference} is not shared with {username}")]
    NotShared { reference: String, username: String },
    #[error("User {username} owns keys: delete them before deleting the user")]
    UserOwnsKeys { username: String },
    #[error("Signature verification failed")]
    SignatureVerificationFailed,
    #[error("'{command}' is not available with this HSM backend: it needs {needs}")]
    BackendLacks {
        command: String,
        needs: &'static str,
    },
    #[error(
        "'{command}' changes the embedded simulator; with --aws the key stores and clusters are \
         in AWS, so it cannot change what they do (give --endpoint-url to rehearse against \
         cloudhsm-shell serve on this state directory)"
    )]
    SimOnAws { command: String },
    #[error("Cluster {cluster_id} not found")]
    ClusterNotFound { cluster_id: String },
    #[error(
        "Cluster {cluster_id} not found in the simulator state in {}: cloudhsmv2 describe-clusters lists its clusters",
        state_dir.display()
    )]
    ClusterNotInState {
        cluster_id: String,
        state_dir: PathBuf,
    },
    #[error("Cluster {cluster_id} is DELETED: HSM commands cannot act on it")]
    ClusterDeleted { cluster_id: String },
    #[error("Logged in as {username} on cluster {cluster_id}: log out first, then switch clusters")]
    SwitchWhileLoggedIn {
        username: String,
        cluster_id: String,
    },
    #[error("Cluster {cluster_id} is {state}: only an INITIALIZED cluster can be activated")]
    ActivateNotInitialized { cluster_id: String, state: String },
    #[error(
        "Cluster {cluster_id} has no ACTIVE HSM to activate: add one with cloudhsmv2 create-hsm first"
    )]
    ActivateWithoutHsm { cluster_id: String },
    #[error(
        "Cluster {cluster_id} has no cluster certificate yet: initialise it before backing it up"
    )]
    ClusterNotInitialized { cluster_id: String },
    #[error("Subnet {subnet_id} not found")]
    SubnetNotFound { subnet_id: String },
    #[error("Subnet {subnet_id} was deleted")]
    SubnetDeleted { subnet_id: String },
    #[error("Security group {group_id} {state}")]
    SecurityGroupRules {
        group_id: String,
        state: &'static str,
    },
    #[error("Invalid {what}: {reason}")]
    InvalidInput { what: &'static str, reason: String },
    /// `keystore connect --wait` that ended FAILED.
    #[error(
        "Key store {id} is FAILED with {code}: {meaning}. To fix it: keystore disconnect \
         --custom-key-store-id {id}, then {fix}, then keystore connect again"
    )]
    ConnectFailed {
        id: String,
        code: &'static str,
        meaning: &'static str,
        fix: &'static str,
    },
    /// A KMS API error: the exception name exactly as KMS spells it, then its message.
    #[error("{exception}: {message}")]
    Kms {
        exception: &'static str,
        message: String,
    },
    /// A CloudHSM v2 control-plane error: the exception name as the API spells it (e.g.
    /// `CloudHsmInvalidRequestException`), then its message.
    #[error("{exception}: {message}")]
    CloudHsm {
        exception: &'static str,
        message: String,
    },
    /// An error answered by AWS (`--aws`), or an endpoint speaking its protocol: the exception
    /// name as the service sent it, then its message, as [`Error::Kms`] reads for the simulator.
    #[error("{exception}: {message}")]
    Aws { exception: String, message: String },
    /// A request to AWS that got no answer from the service: unreachable, timed out, unreadable,
    /// or not made (no Region, no credentials). The message names the endpoint and the cause.
    #[error("{message}")]
    AwsRequest { message: String },
    /// A quorum-protected operation without an approval that meets the service's quorum value.
    #[error("Quorum approval is required for this operation")]
    QuorumApprovalRequired,
    /// An approval or registration token that cannot be used; nothing was used up.
    #[error("Quorum approval refused: {reason}; nothing was used")]
    QuorumRefused { reason: String },
    /// A quorum command on a backend that has no quorum (PKCS#11 modules).
    #[error(
        "Quorum and MFA authentication are modelled by the simulator only: {what} is not available on this backend"
    )]
    QuorumSimulatorOnly { what: &'static str },
    /// A shell a cluster that enforces mTLS does not let connect.
    #[error("Cluster {cluster_id} enforces mutual TLS and refuses this connection: {reason}")]
    MtlsRefused {
        cluster_id: String,
        reason: &'static str,
    },
    /// An mTLS command the cluster refuses; nothing changed.
    #[error("{reason}")]
    MtlsCommandRefused { reason: String },
    /// A user or key replication that cannot run; nothing was copied.
    #[error("Replication refused: {reason}")]
    ReplicationRefused { reason: String },
    /// A replication without the caller's login on one of its clusters.
    #[error(
        "'{command}' needs a login on cluster {cluster_id}: run login --username ... --role ... --cluster-id {cluster_id} first"
    )]
    ReplicationNeedsLogin { command: String, cluster_id: String },
    /// `--cluster-id` naming another cluster than the one a backend reaches.
    #[error("This HSM backend reaches one cluster, {own}: --cluster-id {cluster_id} names another")]
    OneClusterBackend { cluster_id: String, own: String },
    /// A key type or mechanism the cluster's HSM type or mode does not offer.
    #[error("{what} needs {needs}, and cluster {cluster_id} is {has}")]
    ClusterLacks {
        what: &'static str,
        needs: &'static str,
        cluster_id: String,
        has: String,
    },
    /// Key quorum flags given alone, or with a value that turns no quorum on.
    #[error("The manage key and use key quorum values must be set to a value greater than 1")]
    KeyQuorumPair,
    /// A plain login of a user whose logins need the second factor.
    #[error(
        "User {username} has MFA: log in with login --username {username} --role {role} mfa-token-sign --token FILE"
    )]
    MfaRequired { username: String, role: Role },
    /// `login ... mfa-token-sign` for a user without an MFA key.
    #[error("User {username} has no MFA key registered: log in without mfa-token-sign")]
    MfaNotRegistered { username: String },
    /// A signed MFA token file that cannot be used; nothing was used up.
    #[error("MFA refused: {reason}; nothing was used")]
    MfaRefused { reason: String },
    /// The unsigned tokens were written and no signed file was given where no prompt may ask.
    #[error(
        "The unsigned tokens are in {path}: sign each one (openssl pkeyutl -sign -pkeyopt digest:sha256 of the decoded unsigned value, or sim sign-token), then run the command again with --signed-token FILE"
    )]
    MfaTokensAwaitSignature { path: String },
    /// `--aws` in a binary built without the cargo feature `aws`.
    #[error(
        "--aws needs a cloudhsm-shell built with the AWS SDK: cargo build --release --features aws \
         (or cargo install --path . --features aws); this build runs the simulator and serve only"
    )]
    AwsNotBuiltIn,
    /// A PKCS#11 call that failed: the call, its `CKR_*` code and what that means here.
    #[error("PKCS#11 {call} failed with {code}: {meaning}")]
    Pkcs11 {
        call: String,
        code: String,
        meaning: String,
    },
    /// `--pkcs11 MODULE` that cannot be used: not loadable, not PKCS#11, or no token to choose.
    #[error("PKCS#11 module {}: {reason}", module.display())]
    Pkcs11Module { module: PathBuf, reason: String },
    #[error("Simulator state error: {message}")]
    State { message: String },
    /// A key specification, mechanism or input that `backend::hsm::mechanism` or the simulator's
    /// cryptography refuses, or a cryptographic operation that failed (an unwrap whose integrity
    /// check fails, say). The message is complete on its own and never contains key material.
    #[error("{message}")]
    Crypto { message: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The `error_code` of the envelope. The CloudHSM CLI uses 1 for every documented failure.
    pub fn code(&self) -> u8 {
        1
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        Error::State {
            message: error.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

//! AWS KMS custom key stores backed by CloudHSM: the backend trait, its request and response
//! values with the KMS API's own PascalCase member names, and the wire spellings of the
//! connection states and error codes.
//!
//! A failure is [`Error::Kms`] naming the KMS exception (`CloudHsmClusterInUseException`, ...).
//! Implementations never print and never see JSON. The simulator implementation is [`sim`].

#[cfg(feature = "aws")]
pub mod aws;
pub mod keys;
pub mod sim;
mod validate;

pub use keys::{
    CancelDeletionResponse, CreateKeyRequest, DecryptRequest, DecryptResponse, EncryptRequest,
    EncryptResponse, EncryptionContext, GenerateRandomResponse, KeyMetadataResponse,
    ListKeysResponse, ScheduleDeletionResponse,
};
pub use validate::{
    blob_size, custom_key_store_id, encryption_context, key_id, length, marker, page_request,
    validate_cluster_id, validate_password, within,
};

use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::Serialize;
use std::time::Duration;

/// `ConnectionStateType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionState {
    Connected,
    Connecting,
    Failed,
    Disconnected,
    Disconnecting,
}

impl ConnectionState {
    pub const ALL: [ConnectionState; 5] = [
        ConnectionState::Connected,
        ConnectionState::Connecting,
        ConnectionState::Failed,
        ConnectionState::Disconnected,
        ConnectionState::Disconnecting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Connected => "CONNECTED",
            ConnectionState::Connecting => "CONNECTING",
            ConnectionState::Failed => "FAILED",
            ConnectionState::Disconnected => "DISCONNECTED",
            ConnectionState::Disconnecting => "DISCONNECTING",
        }
    }

    pub fn parse(text: &str) -> Option<ConnectionState> {
        ConnectionState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
    }

    /// Whether a `--wait` may stop: the state does not change by itself any more.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            ConnectionState::Connecting | ConnectionState::Disconnecting
        )
    }
}

/// The CloudHSM values of `ConnectionErrorCodeType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionErrorCode {
    ClusterNotFound,
    SubnetNotFound,
    InsufficientFreeAddressesInSubnet,
    InsufficientCloudhsmHsms,
    NetworkErrors,
    InternalError,
    UserNotFound,
    UserLockedOut,
    UserLoggedIn,
    InvalidCredentials,
}

impl ConnectionErrorCode {
    pub const ALL: [ConnectionErrorCode; 10] = [
        ConnectionErrorCode::ClusterNotFound,
        ConnectionErrorCode::SubnetNotFound,
        ConnectionErrorCode::InsufficientFreeAddressesInSubnet,
        ConnectionErrorCode::InsufficientCloudhsmHsms,
        ConnectionErrorCode::NetworkErrors,
        ConnectionErrorCode::InternalError,
        ConnectionErrorCode::UserNotFound,
        ConnectionErrorCode::UserLockedOut,
        ConnectionErrorCode::UserLoggedIn,
        ConnectionErrorCode::InvalidCredentials,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionErrorCode::ClusterNotFound => "CLUSTER_NOT_FOUND",
            ConnectionErrorCode::SubnetNotFound => "SUBNET_NOT_FOUND",
            ConnectionErrorCode::InsufficientFreeAddressesInSubnet => {
                "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET"
            }
            ConnectionErrorCode::InsufficientCloudhsmHsms => "INSUFFICIENT_CLOUDHSM_HSMS",
            ConnectionErrorCode::NetworkErrors => "NETWORK_ERRORS",
            ConnectionErrorCode::InternalError => "INTERNAL_ERROR",
            ConnectionErrorCode::UserNotFound => "USER_NOT_FOUND",
            ConnectionErrorCode::UserLockedOut => "USER_LOCKED_OUT",
            ConnectionErrorCode::UserLoggedIn => "USER_LOGGED_IN",
            ConnectionErrorCode::InvalidCredentials => "INVALID_CREDENTIALS",
        }
    }

    pub fn parse(text: &str) -> Option<ConnectionErrorCode> {
        ConnectionErrorCode::ALL
            .into_iter()
            .find(|code| code.as_str() == text)
    }

    /// What the code means, and what to do between `keystore disconnect` (which a FAILED store
    /// needs first) and connecting again, in this shell's commands.
    pub fn meaning_and_fix(self) -> (&'static str, &'static str) {
        match self {
            ConnectionErrorCode::ClusterNotFound => (
                "KMS finds no cluster with the store's cluster ID",
                "check the ID with cloudhsmv2 describe-clusters; if the cluster was deleted, \
                 restore one from its newest backup and point the store at it with keystore \
                 update --cloud-hsm-cluster-id",
            ),
            ConnectionErrorCode::SubnetNotFound => (
                "a subnet of the cluster's configuration was deleted",
                "restore a cluster from the newest backup into subnets that exist, check it \
                 with keystore check-prerequisites and point the store at it with keystore \
                 update --cloud-hsm-cluster-id",
            ),
            ConnectionErrorCode::InsufficientFreeAddressesInSubnet => (
                "a subnet of the cluster has no free IPv4 address for KMS",
                "free an address in each of the cluster's subnets (two is better), or restore \
                 the cluster from its newest backup into subnets with room and point the store \
                 at it with keystore update --cloud-hsm-cluster-id",
            ),
            ConnectionErrorCode::InsufficientCloudhsmHsms => (
                "the cluster has no active HSM",
                "add HSMs with cloudhsmv2 create-hsm, best in two or more Availability Zones",
            ),
            ConnectionErrorCode::NetworkErrors => (
                "KMS could not reach the cluster: often transient, or a security group or network \
                 rule blocks TCP 2223-2225",
                "wait a few minutes and check the network with keystore check-prerequisites",
            ),
            ConnectionErrorCode::InternalError => (
                "KMS failed internally",
                "wait a moment (nothing else to repair)",
            ),
            ConnectionErrorCode::UserNotFound => (
                "the cluster has no kmsuser crypto user",
                "create it with user create --username kmsuser --role crypto-user and give \
                 the store its password with keystore update --key-store-password",
            ),
            ConnectionErrorCode::UserLockedOut => (
                "kmsuser is locked out after too many failed logins",
                "as an admin, set a new kmsuser password with user change-password and give \
                 the store the same with keystore update --key-store-password",
            ),
            ConnectionErrorCode::UserLoggedIn => (
                "kmsuser is logged in to the cluster, so KMS cannot log in as it",
                "log kmsuser out; if its password was changed to log in, give the store the \
                 new one with keystore update --key-store-password",
            ),
            ConnectionErrorCode::InvalidCredentials => (
                "the kmsuser password the store holds is not kmsuser's password on the cluster",
                "make them the same: user change-password on the cluster, or keystore update \
                 --key-store-password",
            ),
        }
    }
}

/// The two families of KMS operations the shell speaks, which declare different faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationFamily {
    /// CreateCustomKeyStore, DescribeCustomKeyStores, ..., DisconnectCustomKeyStore.
    CustomKeyStore,
    /// CreateKey, DescribeKey, ListKeys, Encrypt, Decrypt, GenerateRandom, key deletion and
    /// enabling.
    Key,
}

/// The retryable service faults KMS may answer any call with (HTTP 500), which the simulator
/// produces on request (`sim fail-next-kms-call`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceFault {
    Internal,
    DependencyTimeout,
}

impl ServiceFault {
    pub const ALL: [ServiceFault; 2] = [ServiceFault::Internal, ServiceFault::DependencyTimeout];

    /// The exception's name, as the wire and the table spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceFault::Internal => "KMSInternalException",
            ServiceFault::DependencyTimeout => "DependencyTimeoutException",
        }
    }

    pub fn parse(text: &str) -> Option<ServiceFault> {
        ServiceFault::ALL
            .into_iter()
            .find(|fault| fault.as_str() == text)
    }

    /// Whether operations of `family` declare this exception: every KMS call may fail with
    /// KMSInternalException; DependencyTimeoutException is declared by the key operations
    /// (CreateKey, Encrypt, GenerateRandom, ...) but not by the custom key store ones.
    pub fn declared_by(self, family: OperationFamily) -> bool {
        match self {
            ServiceFault::Internal => true,
            ServiceFault::DependencyTimeout => family == OperationFamily::Key,
        }
    }

    /// The error a call answered with this fault returns.
    pub fn error(self) -> Error {
        let message = match self {
            ServiceFault::Internal => {
                "The request was rejected because an internal exception occurred. \
                 The request can be retried."
            }
            ServiceFault::DependencyTimeout => {
                "The system timed out while trying to fulfill the request. \
                 The request can be retried."
            }
        };
        kms_error(self.as_str(), message)
    }
}

/// `CustomKeyStoresListEntry` of a CloudHSM key store. The password is never part of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomKeyStoresListEntry {
    pub custom_key_store_id: String,
    pub custom_key_store_name: String,
    pub cloud_hsm_cluster_id: String,
    pub trust_anchor_certificate: String,
    pub connection_state: ConnectionState,
    /// Present only when the state is `FAILED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_error_code: Option<ConnectionErrorCode>,
    /// Seconds since the Unix epoch, as the wire carries it.
    pub creation_date: i64,
    pub custom_key_store_type: &'static str,
}

/// `CreateCustomKeyStoreResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateResponse {
    pub custom_key_store_id: String,
}

/// `DescribeCustomKeyStoresResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeResponse {
    pub custom_key_stores: Vec<CustomKeyStoresListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

/// `CreateCustomKeyStoreRequest` for a CloudHSM store.
#[derive(Debug)]
pub struct CreateRequest<'a> {
    pub name: &'a str,
    pub cluster_id: &'a str,
    pub trust_anchor_pem: &'a str,
    pub password: &'a Secret,
}

/// `DescribeCustomKeyStoresRequest`.
#[derive(Debug, Default)]
pub struct DescribeRequest<'a> {
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub limit: Option<i64>,
    pub marker: Option<&'a str>,
}

/// `UpdateCustomKeyStoreRequest` for a CloudHSM store.
#[derive(Debug)]
pub struct UpdateRequest<'a> {
    pub id: &'a str,
    pub new_name: Option<&'a str>,
    pub password: Option<&'a Secret>,
    pub cluster_id: Option<&'a str>,
}

/// One line of `keystore check-prerequisites`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrerequisiteCheck {
    pub check: &'static str,
    pub passed: bool,
    /// True (and shown) when the backend cannot check it: `Passed` is then false and `Fix`
    /// says how to check it by hand.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_run: bool,
    pub detail: String,
    pub fix: String,
}

impl PrerequisiteCheck {
    /// A check that ran; `fix` is kept only when it failed.
    pub fn new(name: &'static str, passed: bool, detail: String, fix: &str) -> PrerequisiteCheck {
        PrerequisiteCheck {
            check: name,
            passed,
            not_run: false,
            detail,
            fix: if passed {
                String::new()
            } else {
                fix.to_owned()
            },
        }
    }

    /// A check the backend cannot run; `fix` says how to run it by hand.
    pub fn not_run(name: &'static str, detail: &str, fix: String) -> PrerequisiteCheck {
        PrerequisiteCheck {
            check: name,
            passed: false,
            not_run: true,
            detail: detail.to_owned(),
            fix,
        }
    }

    /// `ClusterExists`, which every backend checks first and stops at when it fails.
    pub fn cluster_exists(cluster_id: &str, exists: bool) -> PrerequisiteCheck {
        let detail = if exists {
            format!("Cluster {cluster_id} exists")
        } else {
            format!("No cluster {cluster_id} exists in this account and Region")
        };
        PrerequisiteCheck::new(
            "ClusterExists",
            exists,
            detail,
            "Check the ID with cloudhsmv2 describe-clusters",
        )
    }
}

/// The reply of `keystore check-prerequisites`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrerequisiteReport {
    pub cluster_id: String,
    pub checks: Vec<PrerequisiteCheck>,
    pub all_passed: bool,
}

impl PrerequisiteReport {
    /// The report of `checks`, which passes when every one of them passed.
    pub fn new(cluster_id: &str, checks: Vec<PrerequisiteCheck>) -> PrerequisiteReport {
        PrerequisiteReport {
            cluster_id: cluster_id.to_owned(),
            all_passed: checks.iter().all(|check| check.passed),
            checks,
        }
    }
}

/// The KMS custom key store API.
pub trait KmsBackend {
    fn create_custom_key_store(&mut self, request: &CreateRequest<'_>) -> Result<CreateResponse>;
    fn describe_custom_key_stores(
        &mut self,
        request: &DescribeRequest<'_>,
    ) -> Result<DescribeResponse>;
    fn update_custom_key_store(&mut self, request: &UpdateRequest<'_>) -> Result<()>;
    fn delete_custom_key_store(&mut self, id: &str) -> Result<()>;
    fn connect_custom_key_store(&mut self, id: &str) -> Result<()>;
    fn disconnect_custom_key_store(&mut self, id: &str) -> Result<()>;
    /// Everything KMS will check, as a report rather than a first failure.
    fn check_prerequisites(
        &mut self,
        cluster_id: &str,
        trust_anchor_pem: Option<&str>,
    ) -> Result<PrerequisiteReport>;
    /// CreateKey in a CloudHSM key store.
    fn create_key(&mut self, request: &CreateKeyRequest<'_>) -> Result<KeyMetadataResponse>;
    /// DescribeKey by key ID or key ARN.
    fn describe_key(&mut self, key_id: &str) -> Result<KeyMetadataResponse>;
    fn list_keys(&mut self, limit: Option<i64>, marker: Option<&str>) -> Result<ListKeysResponse>;
    fn encrypt(&mut self, request: &EncryptRequest<'_>) -> Result<EncryptResponse>;
    fn decrypt(&mut self, request: &DecryptRequest<'_>) -> Result<DecryptResponse>;
    /// GenerateRandom, from the store's cluster when `custom_key_store_id` is given.
    fn generate_random(
        &mut self,
        number_of_bytes: i64,
        custom_key_store_id: Option<&str>,
    ) -> Result<GenerateRandomResponse>;
    /// ScheduleKeyDeletion; `None` is the default window of 30 days.
    fn schedule_key_deletion(
        &mut self,
        key_id: &str,
        pending_window_in_days: Option<i64>,
    ) -> Result<ScheduleDeletionResponse>;
    fn cancel_key_deletion(&mut self, key_id: &str) -> Result<CancelDeletionResponse>;
    /// EnableKey (`true`) or DisableKey (`false`).
    fn set_key_enabled(&mut self, key_id: &str, enabled: bool) -> Result<()>;
    /// The simulator's KMS-side faults, when this backend is the simulator.
    fn sim_faults(&mut self) -> Option<&mut dyn KmsSimFaults>;
    /// Lets time pass between two polls of a `--wait` (about `poll` of it).
    fn let_time_pass(&mut self, poll: Duration) -> Result<()>;
}

/// Faults and timing of the simulated KMS.
pub trait KmsSimFaults {
    /// The next connection attempt that runs its checks fails with `code`.
    fn fail_next_connect(&mut self, code: ConnectionErrorCode) -> Result<()>;
    /// How long connecting and disconnecting take, in seconds.
    fn set_delays(&mut self, connect_seconds: i64, disconnect_seconds: i64) -> Result<()>;
    /// The next KMS API call that declares `fault` (after its input passed validation) fails
    /// with it and changes nothing.
    fn fail_next_call(&mut self, fault: ServiceFault) -> Result<()>;
    /// Moves the simulated clock `seconds` forward; returns the new time (Unix seconds).
    fn advance_clock(&mut self, seconds: i64) -> Result<i64>;
}

/// An [`Error::Kms`].
pub fn kms_error(exception: &'static str, message: impl Into<String>) -> Error {
    Error::Kms {
        exception,
        message: message.into(),
    }
}

/// `ValidationException` in the AWS wording for one failed constraint.
pub fn validation_error(value: &str, member: &str, constraint: &str) -> Error {
    kms_error(
        "ValidationException",
        format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
             constraint: {constraint}"
        ),
    )
}

//! The cluster control plane (AWS CloudHSM v2 `DescribeClusters`, `DescribeBackups`) and the
//! simulator's network faults, as two traits and the domain values they return.
//!
//! The response structs serialize with the AWS API's own PascalCase member names, so the
//! shell's `data` is the response object an AWS SDK would return. Members the simulator has no
//! value for are omitted, as the API omits them. Implementations never print and never see JSON.

use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

/// `ClusterState` of the CloudHSM v2 model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClusterState {
    CreateInProgress,
    Uninitialized,
    InitializeInProgress,
    Initialized,
    Active,
    UpdateInProgress,
    ModifyInProgress,
    RollbackInProgress,
    DeleteInProgress,
    Deleted,
    Degraded,
}

impl ClusterState {
    pub const ALL: [ClusterState; 11] = [
        ClusterState::CreateInProgress,
        ClusterState::Uninitialized,
        ClusterState::InitializeInProgress,
        ClusterState::Initialized,
        ClusterState::Active,
        ClusterState::UpdateInProgress,
        ClusterState::ModifyInProgress,
        ClusterState::RollbackInProgress,
        ClusterState::DeleteInProgress,
        ClusterState::Deleted,
        ClusterState::Degraded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClusterState::CreateInProgress => "CREATE_IN_PROGRESS",
            ClusterState::Uninitialized => "UNINITIALIZED",
            ClusterState::InitializeInProgress => "INITIALIZE_IN_PROGRESS",
            ClusterState::Initialized => "INITIALIZED",
            ClusterState::Active => "ACTIVE",
            ClusterState::UpdateInProgress => "UPDATE_IN_PROGRESS",
            ClusterState::ModifyInProgress => "MODIFY_IN_PROGRESS",
            ClusterState::RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            ClusterState::DeleteInProgress => "DELETE_IN_PROGRESS",
            ClusterState::Deleted => "DELETED",
            ClusterState::Degraded => "DEGRADED",
        }
    }

    pub fn parse(text: &str) -> Option<ClusterState> {
        ClusterState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// `BackupState` of the CloudHSM v2 model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BackupState {
    CreateInProgress,
    Ready,
    Deleted,
    PendingDeletion,
}

impl BackupState {
    pub const ALL: [BackupState; 4] = [
        BackupState::CreateInProgress,
        BackupState::Ready,
        BackupState::Deleted,
        BackupState::PendingDeletion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BackupState::CreateInProgress => "CREATE_IN_PROGRESS",
            BackupState::Ready => "READY",
            BackupState::Deleted => "DELETED",
            BackupState::PendingDeletion => "PENDING_DELETION",
        }
    }

    pub fn parse(text: &str) -> Option<BackupState> {
        BackupState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// `DescribeClustersResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeClustersResponse {
    pub clusters: Vec<Cluster>,
}

/// `Cluster`, members in the order a reader looks for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cluster {
    pub cluster_id: String,
    pub state: ClusterState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_message: Option<String>,
    pub hsm_type: String,
    pub vpc_id: String,
    /// Availability Zone → subnet ID; a subnet deleted since still appears here.
    pub subnet_mapping: BTreeMap<String, String>,
    pub security_group: String,
    pub hsms: Vec<Hsm>,
    pub certificates: Certificates,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_backup_id: Option<String>,
    /// The model's one value, `DEFAULT`.
    pub backup_policy: &'static str,
    pub backup_retention_policy: BackupRetentionPolicy,
    /// Seconds since the Unix epoch, as the AWS CLI shows a `Timestamp`.
    pub create_timestamp: i64,
    /// `FIPS` or `NON_FIPS`.
    pub mode: String,
    /// `IPV4` or `DUALSTACK`.
    pub network_type: String,
}

/// `Hsm`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Hsm {
    pub hsm_id: String,
    pub availability_zone: String,
    pub cluster_id: String,
    /// The network members below are empty (and left out) while AWS has not assigned them.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subnet_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub eni_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub eni_ip: String,
    pub hsm_type: String,
    /// `HsmState`: `CREATE_IN_PROGRESS`, `ACTIVE`, `DEGRADED`, `DELETE_IN_PROGRESS`, `DELETED`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_message: Option<String>,
}

/// `Certificates`: only the PEM certificates the simulated cluster has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Certificates {
    /// The cluster's certificate signing request, while it is UNINITIALIZED.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_csr: Option<String>,
    /// Issued by the customer CA at initialisation; it identifies the backup lineage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_certificate: Option<String>,
}

/// `BackupRetentionPolicy`: `{"Type": "DAYS", "Value": "90"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupRetentionPolicy {
    pub r#type: &'static str,
    /// A decimal string, as in the model.
    pub value: String,
}

impl BackupRetentionPolicy {
    pub fn days(days: i64) -> BackupRetentionPolicy {
        BackupRetentionPolicy {
            r#type: "DAYS",
            value: days.to_string(),
        }
    }
}

/// `DescribeBackupsResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeBackupsResponse {
    pub backups: Vec<Backup>,
}

/// `Backup`. `BackupArn` is omitted: the simulator has no AWS account to put in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Backup {
    pub backup_id: String,
    pub backup_state: BackupState,
    /// The cluster that was backed up.
    pub cluster_id: String,
    pub create_timestamp: i64,
    pub never_expires: bool,
    pub hsm_type: String,
    pub mode: String,
}

/// `DescribeClusters` filters; `None` means the key was not given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterFilters {
    pub cluster_ids: Option<Vec<String>>,
    pub vpc_ids: Option<Vec<String>>,
    pub states: Option<Vec<ClusterState>>,
}

impl ClusterFilters {
    pub fn matches(&self, cluster: &Cluster) -> bool {
        allows(&self.cluster_ids, &cluster.cluster_id)
            && allows(&self.vpc_ids, &cluster.vpc_id)
            && allows(&self.states, &cluster.state)
    }
}

/// `DescribeBackups` filters; `None` means the key was not given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackupFilters {
    pub backup_ids: Option<Vec<String>>,
    /// Backups copied from another backup; the simulator makes none, so any value matches none.
    pub source_backup_ids: Option<Vec<String>>,
    pub cluster_ids: Option<Vec<String>>,
    pub states: Option<Vec<BackupState>>,
    pub never_expires: Option<bool>,
}

impl BackupFilters {
    pub fn matches(&self, backup: &Backup) -> bool {
        allows(&self.backup_ids, &backup.backup_id)
            && self.source_backup_ids.is_none()
            && allows(&self.cluster_ids, &backup.cluster_id)
            && allows(&self.states, &backup.backup_state)
            && self
                .never_expires
                .is_none_or(|wanted| wanted == backup.never_expires)
    }
}

/// A filter key that was not given allows everything; one that was allows only its values.
fn allows<T: PartialEq>(wanted: &Option<Vec<T>>, value: &T) -> bool {
    wanted.as_ref().is_none_or(|values| values.contains(value))
}

/// The AWS control plane of CloudHSM clusters, as far as the shell uses it.
pub trait ClusterControl {
    /// The clusters that match `filters`, oldest first.
    fn describe_clusters(&mut self, filters: &ClusterFilters) -> Result<DescribeClustersResponse>;

    /// The backups that match `filters`, oldest first.
    fn describe_backups(&mut self, filters: &BackupFilters) -> Result<DescribeBackupsResponse>;

    /// Records a READY backup of an initialised cluster now (real backups are automatic).
    fn create_backup(&mut self, cluster_id: &str) -> Result<Backup>;

    /// `CreateCluster`: a new UNINITIALIZED cluster with a CSR, or a restore of a backup.
    fn create_cluster(&mut self, request: &CreateClusterRequest<'_>) -> Result<Cluster>;

    /// `InitializeCluster`, with a signed certificate or a customer CA the simulator makes.
    fn initialize_cluster(
        &mut self,
        cluster_id: &str,
        with: &InitializeWith<'_>,
    ) -> Result<InitializeClusterResponse>;

    /// `CreateHsm`: an ACTIVE HSM in the zone's subnet of the cluster's mapping.
    fn create_hsm(&mut self, cluster_id: &str, availability_zone: &str) -> Result<Hsm>;

    /// `DeleteHsm`: the HSM becomes DELETED and gives its address back; returns its ID.
    fn delete_hsm(&mut self, cluster_id: &str, hsm_id: &str) -> Result<String>;

    /// `DeleteCluster`: a cluster without HSMs becomes DELETED.
    fn delete_cluster(&mut self, cluster_id: &str) -> Result<Cluster>;
}

/// `CreateClusterRequest`, as far as the simulator takes it.
#[derive(Clone, Debug)]
pub struct CreateClusterRequest<'a> {
    pub hsm_type: &'a str,
    pub subnet_ids: &'a [String],
    pub source_backup_id: Option<&'a str>,
    /// `FIPS` or `NON_FIPS`; `None`: FIPS for a new cluster, the backup's for a restore.
    pub mode: Option<&'a str>,
}

/// How `InitializeCluster` gets its certificates.
#[derive(Clone, Debug)]
pub enum InitializeWith<'a> {
    /// The API's way: the CSR signed by the customer's CA, and that CA's certificate.
    SignedCertificate {
        signed_cert_pem: &'a str,
        trust_anchor_pem: &'a str,
    },
    /// Simulator convenience: make a customer CA, sign the CSR with it, write the CA's
    /// certificate into the state directory.
    GeneratedCustomerCa,
}

/// `InitializeClusterResponse`, plus the simulator's `TrustAnchorPath`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InitializeClusterResponse {
    pub state: ClusterState,
    pub state_message: String,
    /// Simulator extension: where `--generate-customer-ca` wrote the customer CA certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_anchor_path: Option<String>,
}

/// The error of a CloudHSM v2 call, `<Exception>: <message>`.
pub fn cloudhsm_error(exception: &'static str, message: impl Into<String>) -> Error {
    Error::CloudHsm {
        exception,
        message: message.into(),
    }
}

pub const INVALID_REQUEST: &str = "CloudHsmInvalidRequestException";
pub const RESOURCE_NOT_FOUND: &str = "CloudHsmResourceNotFoundException";

/// One subnet as `sim describe-network` shows it: EC2 `Subnet` members plus `Exists`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subnet {
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub cidr_block: String,
    pub available_ip_address_count: i64,
    /// False once `sim delete-subnet` has deleted it (EC2 would no longer list it).
    pub exists: bool,
}

/// One EC2 `IpPermission`: a protocol, a port range and the security groups it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpPermission {
    pub ip_protocol: String,
    pub from_port: i64,
    pub to_port: i64,
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

/// EC2 `UserIdGroupPair`, reduced to the group the rule allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserIdGroupPair {
    pub group_id: String,
}

/// One EC2 `SecurityGroup` with its inbound (`IpPermissions`) and outbound rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: String,
    pub description: String,
    pub vpc_id: String,
    pub ip_permissions: Vec<IpPermission>,
    pub ip_permissions_egress: Vec<IpPermission>,
}

/// The network around one cluster: every subnet of its VPC and its security group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkDescription {
    pub cluster_id: String,
    pub vpc_id: String,
    pub subnets: Vec<Subnet>,
    pub security_groups: Vec<SecurityGroup>,
}

/// What a subnet fault touched, for the handler's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubnetChange {
    pub subnet_id: String,
    pub availability_zone: String,
    pub cidr_block: String,
    /// The clusters whose `SubnetMapping` names the subnet.
    pub mapped_by: Vec<String>,
}

/// Faults injected into the simulated network, for rehearsing what KMS reports when a cluster
/// breaks underneath a key store, and the choice of the simulated cluster the shell's HSM
/// commands act on. Only the simulator implements this.
pub trait SimFaults {
    /// Makes the HSM commands (`cluster activate`, `login`, `user ...`, `key ...`) act on
    /// `cluster_id`, which must be in the state and not DELETED; returns its state. The caller
    /// has made sure nobody is logged in through this shell.
    fn use_cluster(&mut self, cluster_id: &str) -> Result<ClusterState>;

    /// Marks a subnet deleted; `SubnetMapping` keeps naming it (KMS: `SUBNET_NOT_FOUND`).
    fn delete_subnet(&mut self, subnet_id: &str) -> Result<SubnetChange>;

    /// Sets a subnet's free addresses; 0 leads to `INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET`.
    fn set_free_addresses(&mut self, subnet_id: &str, count: i64) -> Result<SubnetChange>;

    /// Removes the cluster security group's TCP 2223-2225 self-referencing rules; returns the
    /// group's ID.
    fn remove_security_group_rules(&mut self, cluster_id: &str) -> Result<String>;

    /// Puts those rules back; returns the group's ID.
    fn restore_security_group_rules(&mut self, cluster_id: &str) -> Result<String>;

    /// Creates a subnet with free addresses in `availability_zone` of the shell's cluster's VPC.
    fn create_subnet(&mut self, availability_zone: &str) -> Result<SubnetChange>;

    /// The subnets and security group of `cluster_id`, or of the shell's cluster.
    fn describe_network(&mut self, cluster_id: Option<&str>) -> Result<NetworkDescription>;

    /// Maps the zone of `subnet_id` (an existing subnet of the cluster's VPC) to that subnet.
    fn map_subnet(&mut self, cluster_id: &str, subnet_id: &str) -> Result<SubnetChange>;

    /// Sets an HSM's `State` (`ACTIVE` or `DELETED`): fewer active HSMs than KMS needs.
    fn set_hsm_state(&mut self, hsm_id: &str, state: &str) -> Result<String>;

    /// Sets a cluster's `State` (`ACTIVE` or `DELETED`); KMS cannot find a DELETED cluster.
    /// Returns the state it had.
    fn set_cluster_state(&mut self, cluster_id: &str, state: &str) -> Result<String>;
}

/// The error of a command whose backend has no control plane or no fault injection.
pub fn unavailable(command: &str, needs: &'static str) -> Error {
    Error::BackendLacks {
        command: command.to_owned(),
        needs,
    }
}

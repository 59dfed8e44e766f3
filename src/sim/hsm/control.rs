//! The simulator's control plane, network faults and cluster choice: [`ClusterControl`] and
//! [`SimFaults`] on [`SimHsm`], each call one transaction of the shared state.

use super::SimHsm;
use super::keys::associated_data;
use crate::backend::hsm::cluster_control::{
    Backup, BackupFilters, Cluster, ClusterControl, ClusterFilters, ClusterState,
    CreateClusterRequest, DescribeBackupsResponse, DescribeClustersResponse, Hsm, INVALID_REQUEST,
    InitializeClusterResponse, InitializeWith, NetworkDescription, SimFaults, SubnetChange,
    cloudhsm_error,
};
use crate::backend::hsm::key::KeyReference;
use crate::error::{Error, Result};
use crate::sim::ids::IdGenerator;
use crate::sim::{ca, clock, cluster, control_plane, lifecycle, network};
use rusqlite::Transaction;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

impl ClusterControl for SimHsm {
    fn describe_clusters(&mut self, filters: &ClusterFilters) -> Result<DescribeClustersResponse> {
        let clusters = self.store.read(control_plane::clusters)?;
        Ok(DescribeClustersResponse {
            clusters: clusters
                .into_iter()
                .filter(|cluster| filters.matches(cluster))
                .collect(),
        })
    }

    fn describe_backups(&mut self, filters: &BackupFilters) -> Result<DescribeBackupsResponse> {
        let backups = self.store.read(control_plane::backups)?;
        Ok(DescribeBackupsResponse {
            backups: backups
                .into_iter()
                .filter(|backup| filters.matches(backup))
                .collect(),
        })
    }

    fn create_backup(&mut self, cluster_id: &str) -> Result<Backup> {
        let seed = self.id_seed;
        self.store.transaction(|tx| {
            let now = clock::now_unix(tx)?;
            control_plane::require_cluster(tx, cluster_id)?;
            let mut ids = IdGenerator::begin(tx, seed)?;
            control_plane::create_backup(tx, &mut ids, cluster_id, now)
        })
    }

    fn create_cluster(&mut self, request: &CreateClusterRequest<'_>) -> Result<Cluster> {
        let seed = self.id_seed;
        let vault = &self.vault;
        self.store.transaction(|tx| {
            let now = clock::now_unix(tx)?;
            let restore = request
                .source_backup_id
                .map(|backup_id| lifecycle::restore_source(tx, backup_id))
                .transpose()?;
            let mut ids = IdGenerator::begin(tx, seed)?;
            let cluster_id =
                lifecycle::create_cluster(tx, &mut ids, request, restore.as_ref(), now)?;
            if let Some(source) = &restore {
                let from = source.source_cluster_id.as_str();
                lifecycle::copy_users(tx, from, &cluster_id)?;
                let reseal = |blob: &[u8], reference: i64| -> Result<Vec<u8>> {
                    let reference = KeyReference(reference as u64);
                    let secret = vault.open(blob, &associated_data(from, reference))?;
                    vault.seal(&secret, &associated_data(&cluster_id, reference))
                };
                lifecycle::copy_keys(tx, from, &cluster_id, &reseal)?;
            }
            lifecycle::cluster(tx, &cluster_id)
        })
    }

    fn initialize_cluster(
        &mut self,
        cluster_id: &str,
        with: &InitializeWith<'_>,
    ) -> Result<InitializeClusterResponse> {
        let state_dir = self.state_dir.clone();
        let seed = self.id_seed;
        self.store.transaction(|tx| {
            let now = clock::now_unix(tx)?;
            let csr = lifecycle::csr_to_initialize(tx, cluster_id)?;
            let (certificate, trust_anchor, path) = match with {
                InitializeWith::SignedCertificate {
                    signed_cert_pem,
                    trust_anchor_pem,
                } => {
                    ca::verify_signed_certificate(&csr, signed_cert_pem, trust_anchor_pem)
                        .map_err(|reason| cloudhsm_error(INVALID_REQUEST, reason))?;
                    (
                        signed_cert_pem.trim().to_owned() + "\n",
                        trust_anchor_pem.trim().to_owned() + "\n",
                        None,
                    )
                }
                InitializeWith::GeneratedCustomerCa => {
                    let mut ids = IdGenerator::named(seed, cluster_id);
                    let issued = ca::sign_csr_with_new_customer_ca(&csr, now, &mut ids)?;
                    let path = state_dir.join(format!("customerCA-{cluster_id}.crt"));
                    write_private(&path, &issued.customer_ca_pem)?;
                    (
                        issued.cluster_certificate_pem,
                        issued.customer_ca_pem,
                        Some(path.display().to_string()),
                    )
                }
            };
            lifecycle::store_initialization(tx, cluster_id, &certificate, &trust_anchor)?;
            Ok(InitializeClusterResponse {
                state: ClusterState::Initialized,
                state_message: format!("Cluster {cluster_id} is initialized"),
                trust_anchor_path: path,
            })
        })
    }

    fn create_hsm(&mut self, cluster_id: &str, availability_zone: &str) -> Result<Hsm> {
        let seed = self.id_seed;
        self.store.transaction(|tx| {
            let now = clock::now_unix(tx)?;
            let mut ids = IdGenerator::begin(tx, seed)?;
            lifecycle::create_hsm(tx, &mut ids, cluster_id, availability_zone, now)
        })
    }

    fn delete_hsm(&mut self, cluster_id: &str, hsm_id: &str) -> Result<String> {
        self.store
            .transaction(|tx| lifecycle::delete_hsm(tx, cluster_id, hsm_id))
    }

    fn delete_cluster(&mut self, cluster_id: &str) -> Result<Cluster> {
        self.store
            .transaction(|tx| lifecycle::delete_cluster(tx, cluster_id))
    }
}

/// Writes `text` to a new or replaced file readable by its owner only (0600).
fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
    let context = || format!("Cannot write {}", path.display());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|error| Error::io(context(), error))?;
    file.write_all(text.as_bytes())
        .map_err(|error| Error::io(context(), error))
}

impl SimFaults for SimHsm {
    fn use_cluster(&mut self, cluster_id: &str) -> Result<ClusterState> {
        let state = self.store.read(|tx| selectable(tx, cluster_id))?;
        self.cluster_id = cluster_id.to_owned();
        self.selected = true;
        Ok(state)
    }

    fn delete_subnet(&mut self, subnet_id: &str) -> Result<SubnetChange> {
        self.store
            .transaction(|tx| network::delete_subnet(tx, subnet_id))
    }

    fn set_free_addresses(&mut self, subnet_id: &str, count: i64) -> Result<SubnetChange> {
        self.store
            .transaction(|tx| network::set_free_addresses(tx, subnet_id, count))
    }

    fn remove_security_group_rules(&mut self, cluster_id: &str) -> Result<String> {
        self.store
            .transaction(|tx| network::remove_security_group_rules(tx, cluster_id))
    }

    fn restore_security_group_rules(&mut self, cluster_id: &str) -> Result<String> {
        self.store
            .transaction(|tx| network::restore_security_group_rules(tx, cluster_id))
    }

    fn create_subnet(&mut self, availability_zone: &str) -> Result<SubnetChange> {
        let seed = self.id_seed;
        let cluster_id = &self.cluster_id;
        self.store.transaction(|tx| {
            let mut ids = IdGenerator::begin(tx, seed)?;
            network::create_subnet(tx, &mut ids, cluster_id, availability_zone)
        })
    }

    fn map_subnet(&mut self, cluster_id: &str, subnet_id: &str) -> Result<SubnetChange> {
        self.store
            .transaction(|tx| network::map_subnet(tx, cluster_id, subnet_id))
    }

    fn set_hsm_state(&mut self, hsm_id: &str, state: &str) -> Result<String> {
        self.store
            .transaction(|tx| network::set_hsm_state(tx, hsm_id, state))
    }

    fn set_cluster_state(&mut self, cluster_id: &str, state: &str) -> Result<String> {
        self.store
            .transaction(|tx| network::set_cluster_state(tx, cluster_id, state))
    }

    fn describe_network(&mut self, cluster_id: Option<&str>) -> Result<NetworkDescription> {
        let cluster_id = cluster_id.unwrap_or(&self.cluster_id);
        self.store
            .read(|tx| network::describe_network(tx, cluster_id))
    }
}

/// The state of a cluster HSM commands may act on: one of this state that is not DELETED.
pub(crate) fn selectable(tx: &Transaction<'_>, cluster_id: &str) -> Result<ClusterState> {
    let state = cluster::state(tx, cluster_id)?.ok_or_else(|| Error::ClusterNotFound {
        cluster_id: cluster_id.to_owned(),
    })?;
    match ClusterState::parse(&state) {
        Some(ClusterState::Deleted) => Err(Error::ClusterDeleted {
            cluster_id: cluster_id.to_owned(),
        }),
        Some(state) => Ok(state),
        None => Err(Error::State {
            message: format!("cluster {cluster_id} has the unknown state {state}"),
        }),
    }
}

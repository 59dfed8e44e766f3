//! The simulator's control plane and network faults: [`ClusterControl`] and [`SimFaults`] on
//! [`SimHsm`], each call one transaction of the shared state.

use super::SimHsm;
use crate::backend::hsm::cluster_control::{
    Backup, BackupFilters, ClusterControl, ClusterFilters, DescribeBackupsResponse,
    DescribeClustersResponse, NetworkDescription, SimFaults, SubnetChange,
};
use crate::backend::sim::control_plane;
use crate::backend::sim::ids::IdGenerator;
use crate::backend::sim::network;
use crate::error::Result;

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
        let now = self.clock.now_unix();
        let seed = self.id_seed;
        self.store.transaction(|tx| {
            control_plane::require_cluster(tx, cluster_id)?;
            let mut ids = IdGenerator::begin(tx, seed)?;
            control_plane::create_backup(tx, &mut ids, cluster_id, now)
        })
    }
}

impl SimFaults for SimHsm {
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

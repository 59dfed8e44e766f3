//! The CloudHSM v2 control plane in AWS behind [`ClusterControl`] (`--aws`): each call is one
//! request through `aws-sdk-cloudhsmv2` (all pages of a listing), run to completion on the
//! runtime of [`AwsClients`]; answers become the domain values of `cluster_control`.
//!
//! The HSMs themselves (users, keys) stay with the HSM backend: this is only the control plane.

mod convert;

use crate::backend::aws::{AwsClients, Service};
use crate::backend::hsm::cluster_control::{
    Backup, BackupFilters, Cluster, ClusterControl, ClusterFilters, CreateClusterRequest,
    DescribeBackupsResponse, DescribeClustersResponse, Hsm, InitializeClusterResponse,
    InitializeWith, unavailable,
};
use crate::error::Result;
use aws_sdk_cloudhsmv2::types;
use std::collections::HashMap;
use std::rc::Rc;

/// The filters of DescribeClusters and DescribeBackups, as the API takes them.
pub type WireFilters = HashMap<String, Vec<String>>;

/// CloudHSM v2 in AWS, or at an endpoint given with `--endpoint-url`.
pub struct AwsClusterControl {
    clients: Rc<AwsClients>,
}

impl AwsClusterControl {
    pub fn new(clients: Rc<AwsClients>) -> AwsClusterControl {
        AwsClusterControl { clients }
    }
}

/// Every cluster matching `filters`, following `NextToken` to the last page.
pub fn all_clusters(clients: &AwsClients, filters: &WireFilters) -> Result<Vec<types::Cluster>> {
    let mut clusters = Vec::new();
    let mut next_token = None;
    loop {
        let sent = clients
            .cloudhsm
            .describe_clusters()
            .set_filters((!filters.is_empty()).then(|| filters.clone()))
            .set_next_token(next_token)
            .send();
        let output = clients.call(Service::CloudHsm, sent)?;
        clusters.extend_from_slice(output.clusters());
        next_token = output.next_token().map(str::to_owned);
        if next_token.is_none() {
            return Ok(clusters);
        }
    }
}

/// Every backup matching `filters`, oldest first, following `NextToken` to the last page.
pub fn all_backups(clients: &AwsClients, filters: &WireFilters) -> Result<Vec<types::Backup>> {
    let mut backups = Vec::new();
    let mut next_token = None;
    loop {
        let sent = clients
            .cloudhsm
            .describe_backups()
            .set_filters((!filters.is_empty()).then(|| filters.clone()))
            .sort_ascending(true)
            .set_next_token(next_token)
            .send();
        let output = clients.call(Service::CloudHsm, sent)?;
        backups.extend_from_slice(output.backups());
        next_token = output.next_token().map(str::to_owned);
        if next_token.is_none() {
            return Ok(backups);
        }
    }
}

impl ClusterControl for AwsClusterControl {
    fn describe_clusters(&mut self, filters: &ClusterFilters) -> Result<DescribeClustersResponse> {
        let found = all_clusters(&self.clients, &convert::cluster_filters(filters))?;
        let mut clusters = found
            .iter()
            .map(convert::cluster)
            .collect::<Result<Vec<Cluster>>>()?;
        clusters.sort_by_key(|cluster| cluster.create_timestamp);
        Ok(DescribeClustersResponse { clusters })
    }

    fn describe_backups(&mut self, filters: &BackupFilters) -> Result<DescribeBackupsResponse> {
        let found = all_backups(&self.clients, &convert::backup_filters(filters))?;
        let backups = found
            .iter()
            .map(convert::backup)
            .collect::<Result<Vec<Backup>>>()?;
        Ok(DescribeBackupsResponse { backups })
    }

    fn create_backup(&mut self, _cluster_id: &str) -> Result<Backup> {
        Err(unavailable(
            "cloudhsmv2 create-backup",
            "the simulator: AWS backs clusters up by itself and has no CreateBackup call \
             (cloudhsmv2 describe-backups lists the backups it made)",
        ))
    }

    fn create_cluster(&mut self, request: &CreateClusterRequest<'_>) -> Result<Cluster> {
        let sent = self
            .clients
            .cloudhsm
            .create_cluster()
            .hsm_type(request.hsm_type)
            .set_subnet_ids(Some(request.subnet_ids.to_vec()))
            .set_source_backup_id(request.source_backup_id.map(str::to_owned))
            .set_mode(
                request
                    .mode
                    .map(aws_sdk_cloudhsmv2::types::ClusterMode::from),
            )
            .send();
        let output = self.clients.call(Service::CloudHsm, sent)?;
        convert::cluster(convert::required(output.cluster(), "Cluster")?)
    }

    fn initialize_cluster(
        &mut self,
        cluster_id: &str,
        with: &InitializeWith<'_>,
    ) -> Result<InitializeClusterResponse> {
        let InitializeWith::SignedCertificate {
            signed_cert_pem,
            trust_anchor_pem,
        } = with
        else {
            return Err(unavailable(
                "cloudhsmv2 initialize-cluster --generate-customer-ca",
                "the simulator: with AWS, sign the cluster's ClusterCsr with your own CA and give \
                 --signed-cert and --trust-anchor",
            ));
        };
        let sent = self
            .clients
            .cloudhsm
            .initialize_cluster()
            .cluster_id(cluster_id)
            .signed_cert(*signed_cert_pem)
            .trust_anchor(*trust_anchor_pem)
            .send();
        let output = self.clients.call(Service::CloudHsm, sent)?;
        convert::initialized(&output)
    }

    fn create_hsm(&mut self, cluster_id: &str, availability_zone: &str) -> Result<Hsm> {
        let sent = self
            .clients
            .cloudhsm
            .create_hsm()
            .cluster_id(cluster_id)
            .availability_zone(availability_zone)
            .send();
        let output = self.clients.call(Service::CloudHsm, sent)?;
        convert::hsm(convert::required(output.hsm(), "Hsm")?)
    }

    fn delete_hsm(&mut self, cluster_id: &str, hsm_id: &str) -> Result<String> {
        let sent = self
            .clients
            .cloudhsm
            .delete_hsm()
            .cluster_id(cluster_id)
            .hsm_id(hsm_id)
            .send();
        let output = self.clients.call(Service::CloudHsm, sent)?;
        Ok(convert::required(output.hsm_id(), "HsmId")?.to_owned())
    }

    fn delete_cluster(&mut self, cluster_id: &str) -> Result<Cluster> {
        let sent = self
            .clients
            .cloudhsm
            .delete_cluster()
            .cluster_id(cluster_id)
            .send();
        let output = self.clients.call(Service::CloudHsm, sent)?;
        convert::cluster(convert::required(output.cluster(), "Cluster")?)
    }
}

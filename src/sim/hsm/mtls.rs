//! The `cluster mtls` commands on the simulator, and the connection check they govern.

use super::{SimHsm, check_actor};
use crate::backend::hsm::mtls::{
    ClientIdentity, Enforcement, MAX_TRUST_ANCHORS, TrustAnchor, check_anchor_file, reference_text,
};
use crate::backend::hsm::quorum::{Approval, QuorumService};
use crate::backend::hsm::{BUILT_IN_ADMIN, Login};
use crate::error::{Error, Result};
use crate::sim::{cluster, mtls, quorum};
use rusqlite::Transaction;

impl SimHsm {
    /// The client certificate this shell presents to clusters that enforce mTLS.
    pub fn with_client_identity(mut self, identity: Option<ClientIdentity>) -> SimHsm {
        self.client_identity = identity;
        self
    }

    pub(crate) fn check_connection_now(&mut self) -> Result<()> {
        let mark = self.store.mark()?;
        if self.connection_checked.as_ref() == Some(&(self.cluster_id.clone(), mark)) {
            return Ok(());
        }
        let (cluster_id, identity) = (&self.cluster_id, self.client_identity.as_ref());
        self.store
            .read(|tx| mtls::check_connection(tx, cluster_id, identity))?;
        self.connection_checked = Some((self.cluster_id.clone(), mark));
        Ok(())
    }

    pub(crate) fn list_trust_anchors_now(&mut self) -> Result<Vec<TrustAnchor>> {
        let cluster_id = &self.cluster_id;
        self.store.read(|tx| {
            require_mtls_cluster(tx, cluster_id)?;
            mtls::anchors(tx, cluster_id)
        })
    }

    pub(crate) fn register_trust_anchor_now(
        &mut self,
        actor: &Login,
        pem: &str,
        approval: Option<&Approval>,
    ) -> Result<TrustAnchor> {
        check_anchor_file(pem)?;
        let (cluster_id, process) = (&self.cluster_id, &self.process);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            require_mtls_cluster(tx, cluster_id)?;
            if mtls::anchors(tx, cluster_id)?.len() >= MAX_TRUST_ANCHORS {
                return Err(refused(format!(
                    "cluster {cluster_id} has {MAX_TRUST_ANCHORS} trust anchors, the most it \
                     holds: deregister one first"
                )));
            }
            quorum::authorize(tx, cluster_id, actor, QuorumService::Cluster, approval)?;
            let reference = mtls::add_anchor(tx, cluster_id, pem)?;
            Ok(TrustAnchor::new(reference, pem.to_owned()))
        })
    }

    pub(crate) fn deregister_trust_anchor_now(
        &mut self,
        actor: &Login,
        reference: u64,
        approval: Option<&Approval>,
    ) -> Result<()> {
        let (cluster_id, process) = (&self.cluster_id, &self.process);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            require_mtls_cluster(tx, cluster_id)?;
            let anchors = mtls::anchors(tx, cluster_id)?;
            let wanted = reference_text(reference);
            if !anchors
                .iter()
                .any(|anchor| anchor.certificate_reference == wanted)
            {
                return Err(refused(format!(
                    "cluster {cluster_id} has no trust anchor with reference {wanted}"
                )));
            }
            if anchors.len() == 1 && mtls::enforcement(tx, cluster_id)? == Enforcement::Cluster {
                return Err(refused(
                    "it is the last trust anchor and mTLS is enforced: set the enforcement to \
                     none first"
                        .to_owned(),
                ));
            }
            quorum::authorize(tx, cluster_id, actor, QuorumService::Cluster, approval)?;
            mtls::remove_anchor(tx, cluster_id, reference)?;
            Ok(())
        })
    }

    pub(crate) fn mtls_enforcement_now(&mut self, actor: &Login) -> Result<Enforcement> {
        let (cluster_id, process) = (&self.cluster_id, &self.process);
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            require_mtls_cluster(tx, cluster_id)?;
            mtls::enforcement(tx, cluster_id)
        })
    }

    pub(crate) fn set_mtls_enforcement_now(
        &mut self,
        actor: &Login,
        level: Enforcement,
        approval: Option<&Approval>,
    ) -> Result<()> {
        if actor.username != BUILT_IN_ADMIN {
            return Err(refused(format!(
                "only the user named {BUILT_IN_ADMIN} sets the mTLS enforcement, not {}",
                actor.username
            )));
        }
        let (cluster_id, process) = (&self.cluster_id, &self.process);
        let identity = self.client_identity.as_ref();
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            require_mtls_cluster(tx, cluster_id)?;
            if level == Enforcement::Cluster {
                if mtls::anchors(tx, cluster_id)?.is_empty() {
                    return Err(refused(
                        "enforcement needs a registered trust anchor: run cluster mtls \
                         register-trust-anchor first"
                            .to_owned(),
                    ));
                }
                if !mtls::accepts(tx, cluster_id, identity)? {
                    return Err(refused(
                        "enforcement needs this shell on an mTLS connection (--client-cert and \
                         --client-key chaining to a registered trust anchor), or it would lock \
                         itself out"
                            .to_owned(),
                    ));
                }
            }
            quorum::authorize(tx, cluster_id, actor, QuorumService::Cluster, approval)?;
            mtls::set_enforcement(tx, cluster_id, level)
        })
    }
}

/// mTLS exists on hsm2m.medium clusters only.
fn require_mtls_cluster(tx: &Transaction<'_>, cluster_id: &str) -> Result<()> {
    let hsm_type = cluster::hsm_type(tx, cluster_id)?.unwrap_or_default();
    if hsm_type == "hsm2m.medium" {
        return Ok(());
    }
    Err(Error::ClusterLacks {
        what: "mTLS",
        needs: "an hsm2m.medium cluster",
        cluster_id: cluster_id.to_owned(),
        has: hsm_type,
    })
}

fn refused(reason: String) -> Error {
    Error::MtlsCommandRefused { reason }
}

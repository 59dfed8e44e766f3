//! `sim ...`: faults injected into the simulated network, and their repairs, for rehearsing
//! what KMS reports when a cluster breaks underneath a custom key store; and `sim use-cluster`,
//! which chooses the cluster the HSM commands act on.

use super::text;
use super::{Context, Reply, ReplyData, SimAccess};
use crate::backend::hsm::cluster_control::{ClusterState, SimFaults, SubnetChange, unavailable};
use crate::backend::kms::{ConnectionErrorCode, KmsSimFaults, ServiceFault};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use crate::sim::clock::CivilTime;
use serde::Serialize;

/// The reply of `sim create-subnet`: what happened, and the new subnet's ID.
#[derive(Debug, Serialize)]
pub struct SubnetCreated {
    pub message: String,
    #[serde(rename = "SubnetId")]
    pub subnet_id: String,
}

/// The reply of `sim use-cluster`: what the shell acts on now, and the cluster's ID.
#[derive(Debug, Serialize)]
pub struct ClusterSelected {
    pub message: String,
    #[serde(rename = "ClusterId")]
    pub cluster_id: String,
}

/// Switches the HSM commands to another cluster; refused while this shell is logged in, since
/// the login belongs to the cluster it was made on.
pub fn use_cluster(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let cluster_id = text(invocation, "cluster-id");
    if let Some(login) = context.session.login() {
        return Err(Error::SwitchWhileLoggedIn {
            username: login.username.clone(),
            cluster_id: context.hsm.cluster_id().to_owned(),
        });
    }
    // Not a fault: it chooses among the simulator's clusters, which the HSM commands use even
    // with --aws, so it is never refused.
    let state = context
        .hsm
        .sim_faults()
        .ok_or_else(|| {
            unavailable(
                &invocation.spec.path,
                "the simulator (the default, without --pkcs11)",
            )
        })?
        .use_cluster(cluster_id)?;
    let next = match (state, context.hsm.is_activated()?) {
        (_, true) => "",
        (ClusterState::Initialized, false) => ", not activated yet: run cluster activate",
        (ClusterState::Uninitialized, false) => {
            ": initialize it (cloudhsmv2 initialize-cluster), then run cluster activate"
        }
        (_, false) => ", not activated",
    };
    Ok(Reply::data(ReplyData::ClusterSelected(ClusterSelected {
        message: format!(
            "HSM commands now act on cluster {cluster_id} ({}{next})",
            state.as_str()
        ),
        cluster_id: cluster_id.to_owned(),
    })))
}

pub fn delete_subnet(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let change = faults(context, invocation)?.delete_subnet(text(invocation, "subnet-id"))?;
    Ok(notice(format!(
        "Deleted subnet {} ({}, {}){}",
        change.subnet_id,
        change.availability_zone,
        change.cidr_block,
        consequence(&change, "SUBNET_NOT_FOUND")
    )))
}

pub fn set_free_addresses(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let count = invocation.integer("count").unwrap_or_default();
    let change =
        faults(context, invocation)?.set_free_addresses(text(invocation, "subnet-id"), count)?;
    let consequence = if count == 0 {
        consequence(&change, "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET")
    } else {
        String::new()
    };
    Ok(notice(format!(
        "Subnet {} ({}) now has {count} free IP addresses{consequence}",
        change.subnet_id, change.availability_zone
    )))
}

pub fn remove_security_group_rules(
    context: &mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<Reply> {
    let cluster_id = text(invocation, "cluster-id");
    let group_id = faults(context, invocation)?.remove_security_group_rules(cluster_id)?;
    Ok(notice(format!(
        "Removed the inbound and outbound TCP 2223-2225 rules of security group {group_id} \
         (cluster {cluster_id}): KMS now refuses the cluster (CloudHsmClusterInvalidConfigurationException)"
    )))
}

pub fn restore_security_group_rules(
    context: &mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<Reply> {
    let cluster_id = text(invocation, "cluster-id");
    let group_id = faults(context, invocation)?.restore_security_group_rules(cluster_id)?;
    Ok(notice(format!(
        "Security group {group_id} (cluster {cluster_id}) allows TCP 2223-2225 inbound and \
         outbound from itself again"
    )))
}

pub fn create_subnet(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let change =
        faults(context, invocation)?.create_subnet(text(invocation, "availability-zone"))?;
    Ok(Reply::data(ReplyData::SubnetCreated(SubnetCreated {
        message: format!(
            "Created subnet {} ({}, {})",
            change.subnet_id, change.availability_zone, change.cidr_block
        ),
        subnet_id: change.subnet_id,
    })))
}

pub fn describe_network(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let cluster_id = invocation.text("cluster-id");
    let network = faults(context, invocation)?.describe_network(cluster_id)?;
    Ok(Reply::data(ReplyData::Network(network)))
}

pub fn set_hsm_state(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let hsm_id = text(invocation, "hsm-id");
    let state = text(invocation, "state");
    let cluster_id = faults(context, invocation)?.set_hsm_state(hsm_id, state)?;
    Ok(notice(format!(
        "HSM {hsm_id} of cluster {cluster_id} is now {state}"
    )))
}

pub fn set_cluster_state(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let cluster_id = text(invocation, "cluster-id");
    let state = text(invocation, "state");
    let before = faults(context, invocation)?.set_cluster_state(cluster_id, state)?;
    let consequence = if state == "DELETED" {
        ": connecting a key store on it now fails with CLUSTER_NOT_FOUND"
    } else {
        ""
    };
    Ok(notice(format!(
        "Cluster {cluster_id} is now {state} (was {before}){consequence}"
    )))
}

pub fn map_subnet(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let cluster_id = text(invocation, "cluster-id");
    let change =
        faults(context, invocation)?.map_subnet(cluster_id, text(invocation, "subnet-id"))?;
    Ok(notice(format!(
        "Cluster {cluster_id} now maps {} to subnet {}",
        change.availability_zone, change.subnet_id
    )))
}

pub fn fail_next_connect(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let word = text(invocation, "error");
    let code = ConnectionErrorCode::parse(word).ok_or_else(|| Error::State {
        message: format!("'{}' has no valid --error", invocation.spec.path),
    })?;
    kms_faults(context, invocation)?.fail_next_connect(code)?;
    Ok(notice(format!(
        "The next key store connection that reaches the cluster fails with {word}"
    )))
}

pub fn fail_next_kms_call(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let word = text(invocation, "exception");
    let fault = ServiceFault::parse(word).ok_or_else(|| Error::State {
        message: format!("'{}' has no valid --exception", invocation.spec.path),
    })?;
    kms_faults(context, invocation)?.fail_next_call(fault)?;
    Ok(notice(format!(
        "The next KMS call that declares {word} fails with it and changes nothing"
    )))
}

pub fn set_delays(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let connect = invocation.integer("connect-seconds").unwrap_or_default();
    let disconnect = invocation.integer("disconnect-seconds").unwrap_or_default();
    kms_faults(context, invocation)?.set_delays(connect, disconnect)?;
    Ok(notice(format!(
        "Key store connects now take {connect} s and disconnects {disconnect} s"
    )))
}

pub fn advance_clock(context: &mut Context<'_>, invocation: &Invocation<'_>) -> Result<Reply> {
    let seconds = invocation.integer("seconds").unwrap_or_default();
    let now = kms_faults(context, invocation)?.advance_clock(seconds)?;
    Ok(notice(format!(
        "The simulated clock moved {seconds} s forward and now reads {}",
        CivilTime::from_unix(now)
    )))
}

/// Refuses the faults on AWS itself: they would change the simulator, which nothing there sees.
fn require_simulator(context: &Context<'_>, invocation: &Invocation<'_>) -> Result<()> {
    match context.sim_access {
        SimAccess::Allowed => Ok(()),
        SimAccess::RefusedOnAws => Err(Error::SimOnAws {
            command: invocation.spec.path.clone(),
        }),
    }
}

fn kms_faults<'c>(
    context: &'c mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<&'c mut dyn KmsSimFaults> {
    require_simulator(context, invocation)?;
    context.kms.sim_faults().ok_or_else(|| {
        unavailable(
            &invocation.spec.path,
            "the simulator (the default, without --pkcs11)",
        )
    })
}

fn faults<'c>(
    context: &'c mut Context<'_>,
    invocation: &Invocation<'_>,
) -> Result<&'c mut dyn SimFaults> {
    require_simulator(context, invocation)?;
    context.hsm.sim_faults().ok_or_else(|| {
        unavailable(
            &invocation.spec.path,
            "the simulator (the default, without --pkcs11)",
        )
    })
}

fn notice(message: String) -> Reply {
    Reply::data(ReplyData::Notice { message })
}

/// What the fault will make KMS report, for the clusters whose mapping names the subnet.
fn consequence(change: &SubnetChange, connection_error_code: &str) -> String {
    if change.mapped_by.is_empty() {
        String::new()
    } else {
        format!(
            ": connecting a key store on {} now fails with {connection_error_code}",
            change.mapped_by.join(", ")
        )
    }
}

//! `keystore check-prerequisites`: every requirement KMS checks at Create and Connect, each as
//! a line of a report with a one-line fix, instead of the first failure.

use super::cluster_facts::{ClusterFacts, require_trust_anchor};
use super::connection::{Env, KMS_USER, open_password};
use super::stores;
use crate::backend::hsm::UserRole;
use crate::backend::kms::{PrerequisiteCheck, PrerequisiteReport};
use crate::error::Result;
use crate::sim::quorum::{self, KeyUse};
use crate::sim::{logins, password, users};
use rusqlite::Transaction;

pub fn report(
    tx: &Transaction<'_>,
    env: &Env<'_>,
    cluster_id: &str,
    trust_anchor_pem: Option<&str>,
) -> Result<PrerequisiteReport> {
    logins::prune_dead(tx, env.process)?;
    let mut checks = Vec::new();
    let Some(facts) = ClusterFacts::load(tx, cluster_id)? else {
        checks.push(PrerequisiteCheck::cluster_exists(cluster_id, false));
        return Ok(PrerequisiteReport::new(cluster_id, checks));
    };
    checks.push(PrerequisiteCheck::cluster_exists(cluster_id, true));
    checks.push(PrerequisiteCheck::new(
        "ClusterActive",
        facts.is_active(),
        format!("The cluster is {}", facts.state),
        "Run cluster activate",
    ));
    checks.push(PrerequisiteCheck::new(
        "ActiveHsmsInTwoZones",
        facts.active_hsm_zone_count() >= 2,
        format!(
            "{} ACTIVE HSM(s) in {} Availability Zone(s)",
            facts.active_hsm_zones.len(),
            facts.active_hsm_zone_count()
        ),
        "Add HSMs so that at least 2 are ACTIVE in different Availability Zones",
    ));
    checks.push(PrerequisiteCheck::new(
        "SubnetsInTwoZones",
        facts.subnet_zones() >= 2,
        format!(
            "Existing subnets in {} Availability Zone(s)",
            facts.subnet_zones()
        ),
        "Restore the cluster from a backup into subnets in at least 2 Availability Zones",
    ));
    let missing: Vec<&str> = facts
        .subnets
        .iter()
        .filter(|subnet| !subnet.exists)
        .map(|subnet| subnet.subnet_id.as_str())
        .collect();
    checks.push(PrerequisiteCheck::new(
        "SubnetsExist",
        missing.is_empty(),
        if missing.is_empty() {
            "Every subnet of the cluster's mapping exists".to_owned()
        } else {
            format!("Deleted subnets: {}", missing.join(", "))
        },
        "Restore the cluster from a backup into existing subnets and update the key store",
    ));
    let full: Vec<&str> = facts
        .subnets
        .iter()
        .filter(|subnet| subnet.exists && subnet.free_addresses < 1)
        .map(|subnet| subnet.subnet_id.as_str())
        .collect();
    checks.push(PrerequisiteCheck::new(
        "SubnetsHaveFreeAddresses",
        full.is_empty(),
        if full.is_empty() {
            "Every existing subnet has a free IP address".to_owned()
        } else {
            format!("Subnets without free IP addresses: {}", full.join(", "))
        },
        "Free an IP address in each subnet (remove unused network interfaces)",
    ));
    let rules = facts.rules_problem();
    checks.push(PrerequisiteCheck::new(
        "SecurityGroupRules",
        rules.is_none(),
        rules.unwrap_or_else(|| {
            format!(
                "Security group {} allows TCP 2223-2225 in and out from itself",
                facts.security_group_id
            )
        }),
        "Add the inbound and outbound TCP 2223-2225 self-referencing rules (sim restore-security-group-rules)",
    ));
    let all_stores = stores::all(tx)?;
    let user_store = all_stores.iter().find(|row| {
        row.cluster_id() == cluster_id || row.cluster_certificate_pem == facts.certificate()
    });
    checks.push(PrerequisiteCheck::new(
        "ClusterNotInUse",
        user_store.is_none(),
        match user_store {
            Some(row) => format!(
                "Custom key store {} already uses this cluster's backup history",
                row.id()
            ),
            None => "No custom key store uses this cluster or a related one".to_owned(),
        },
        "Use another cluster, or delete the key store that uses it",
    ));
    if let Some(pem) = trust_anchor_pem {
        let result = require_trust_anchor(&facts, pem);
        checks.push(PrerequisiteCheck::new(
            "TrustAnchorMatches",
            result.is_ok(),
            match result {
                Ok(()) => "The certificate is the cluster's trust anchor".to_owned(),
                Err(error) => error.to_string(),
            },
            "Give the customerCA.crt the cluster was initialised with",
        ));
    }
    let user =
        users::find(tx, cluster_id, KMS_USER)?.filter(|user| user.role == UserRole::CryptoUser);
    checks.push(PrerequisiteCheck::new(
        "KmsuserExists",
        user.is_some(),
        if user.is_some() {
            "The crypto user kmsuser exists".to_owned()
        } else {
            "There is no crypto user kmsuser".to_owned()
        },
        "As an admin: user create --username kmsuser --role crypto-user",
    ));
    // Only a store on this cluster knows the password; otherwise it cannot be checked here.
    let known = match (user_store, &user) {
        (Some(row), Some(user)) => {
            let stored = open_password(env.vault, tx, row.id())?;
            let verifies = match user.password_hash.as_deref() {
                Some(hash) => password::verify(&stored, hash)?,
                None => false,
            };
            Some(verifies)
        }
        _ => None,
    };
    checks.push(PrerequisiteCheck::new(
        "KmsuserPassword",
        known.unwrap_or(true),
        match known {
            Some(true) => "The password the key store holds is kmsuser's".to_owned(),
            Some(false) => "The password the key store holds is not kmsuser's".to_owned(),
            None => "Cannot be checked offline; must be 7-32 letters and digits".to_owned(),
        },
        "Set kmsuser's password (user change-password) and give it to keystore update --key-store-password",
    ));
    let (mfa, quorum_key) = match &user {
        Some(_) => (
            quorum::registered_key(tx, cluster_id, KMS_USER, KeyUse::Mfa)?.is_some(),
            quorum::registered_key(tx, cluster_id, KMS_USER, KeyUse::Quorum)?.is_some(),
        ),
        None => (false, false),
    };
    checks.push(PrerequisiteCheck::new(
        "KmsuserNoMfa",
        !mfa && !quorum_key,
        match (mfa, quorum_key) {
            (false, false) => "kmsuser has neither MFA nor a quorum key registered".to_owned(),
            (true, false) => "kmsuser has MFA registered: KMS logs in with its password alone".to_owned(),
            (false, true) => "kmsuser has a quorum key registered: KMS cannot use such a user".to_owned(),
            (true, true) => "kmsuser has MFA and a quorum key registered: KMS logs in with its password alone".to_owned(),
        },
        "As an admin: user change-mfa token-sign --username kmsuser --role crypto-user --deregister (it sets a new password), then keystore update --key-store-password",
    ));
    let human_login = user.is_some() && has_human_login(tx, cluster_id)?;
    checks.push(PrerequisiteCheck::new(
        "KmsuserNotLoggedIn",
        !human_login,
        if human_login {
            "Someone is logged in as kmsuser".to_owned()
        } else {
            "Nobody but KMS is logged in as kmsuser".to_owned()
        },
        "Log kmsuser out (logout in the shell that logged in)",
    ));
    let locked = user.as_ref().is_some_and(|user| user.locked);
    checks.push(PrerequisiteCheck::new(
        "KmsuserNotLocked",
        !locked,
        if locked {
            "kmsuser is locked after too many failed logins".to_owned()
        } else {
            "kmsuser is not locked".to_owned()
        },
        "As an admin: user change-password for kmsuser, then keystore update --key-store-password",
    ));
    checks.push(PrerequisiteCheck::new(
        "MtlsNotEnforced",
        !facts.mtls_enforced,
        if facts.mtls_enforced {
            "The cluster enforces mutual TLS, which KMS cannot connect with".to_owned()
        } else {
            "The cluster does not enforce mutual TLS".to_owned()
        },
        "As the user admin: cluster mtls set-enforcement --level none",
    ));
    Ok(PrerequisiteReport::new(cluster_id, checks))
}

/// Whether kmsuser has a login that belongs to a process (not to a key store).
fn has_human_login(tx: &Transaction<'_>, cluster_id: &str) -> Result<bool> {
    let found = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM logins WHERE cluster_id = ?1 AND username = ?2
                                                  AND key_store_id IS NULL)",
        )?
        .query_row([cluster_id, KMS_USER], |row| row.get(0))?;
    Ok(found)
}

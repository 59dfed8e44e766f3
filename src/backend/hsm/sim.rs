//! The simulator behind the HSM trait: each [`HsmBackend`] call is one transaction of the
//! simulated cluster (`crate::sim::hsm`), so a killed process leaves the state as it was before
//! or after a command.

use crate::backend::hsm::cluster_control::{ClusterControl, ClusterState, SimFaults};
use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::key::{GeneratedPair, Key, KeyListPage, KeyReference};
use crate::backend::hsm::mechanism::KeySpec;
use crate::backend::hsm::mtls::{Enforcement, TrustAnchor};
use crate::backend::hsm::quorum::{
    Approval, GeneratedToken, MfaChange, QuorumService, QuorumTimeouts, QuorumValues,
    SignedHsmToken, TokenEntry,
};
use crate::backend::hsm::requests::{
    KeyFileEncoding, KeyTypeClass, NewKeyOptions, NewPairOptions, Replication, SignRequest,
    Signature, UnwrapRequest, WrapRequest, WrappedKey,
};
use crate::backend::hsm::{HsmBackend, HsmInfo, UserInfo};
use crate::backend::hsm::{Login, Role};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::sim::clock;
use crate::sim::ids::IdGenerator;
use crate::sim::keys as key_rows;
use crate::sim::logins::{self};
use crate::sim::quorum::{Challenge, KeyUse, TokenKind};
use crate::sim::users::{self, APPLIANCE_USER};
use crate::sim::{cluster, password, quorum};

use crate::sim::hsm::{check_actor, existing_user, hsm1_medium_info};

pub use crate::sim::hsm::SimHsm;

impl HsmBackend for SimHsm {
    fn cluster_id(&self) -> &str {
        &self.cluster_id
    }

    fn selected_cluster(&self) -> Option<&str> {
        self.selected.then_some(self.cluster_id.as_str())
    }

    fn focus(&mut self, cluster_id: &str) -> Result<()> {
        if cluster_id != self.cluster_id {
            self.store
                .read(|tx| crate::sim::hsm::control::selectable(tx, cluster_id))?;
            self.cluster_id = cluster_id.to_owned();
        }
        Ok(())
    }

    fn cluster_control(&mut self) -> Option<&mut dyn ClusterControl> {
        Some(self)
    }

    fn sim_faults(&mut self) -> Option<&mut dyn SimFaults> {
        Some(self)
    }

    fn is_activated(&mut self) -> Result<bool> {
        self.store
            .transaction(|tx| cluster::is_activated(tx, &self.cluster_id))
    }

    fn hsm_info(&mut self) -> Result<Vec<HsmInfo>> {
        let serials = self
            .store
            .transaction(|tx| cluster::active_hsm_serial_numbers(tx, &self.cluster_id))?;
        Ok(serials.into_iter().map(hsm1_medium_info).collect())
    }

    fn activate(&mut self, password: &Secret) -> Result<()> {
        password::validate(password)?;
        let password_hash = password::hash(password)?;
        self.store.transaction(|tx| {
            if cluster::is_activated(tx, &self.cluster_id)? {
                return Err(Error::ClusterAlreadyActivated);
            }
            let state = cluster::state(tx, &self.cluster_id)?.unwrap_or_default();
            if state != ClusterState::Initialized.as_str() {
                return Err(Error::ActivateNotInitialized {
                    cluster_id: self.cluster_id.clone(),
                    state,
                });
            }
            if cluster::active_hsm_serial_numbers(tx, &self.cluster_id)?.is_empty() {
                return Err(Error::ActivateWithoutHsm {
                    cluster_id: self.cluster_id.clone(),
                });
            }
            users::activate_admin(tx, &self.cluster_id, &password_hash)?;
            cluster::mark_activated(tx, &self.cluster_id)
        })
    }

    fn login(&mut self, username: &str, role: Role, password: &Secret) -> Result<Login> {
        self.login_with(username, role, password, None)
    }

    fn logout(&mut self, login: &Login) -> Result<()> {
        self.unload_signing_keys();
        self.store
            .transaction(|tx| logins::remove(tx, &self.cluster_id, &login.username, login.login_id))
    }

    fn list_users(&mut self) -> Result<Vec<UserInfo>> {
        self.store
            .transaction(|tx| users::list(tx, &self.cluster_id))
    }

    fn create_user(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
        password: &Secret,
        approval: Option<&Approval>,
    ) -> Result<UserInfo> {
        let username = users::normalize_username(username)?;
        password::validate(password)?;
        let password_hash = password::hash(password)?;
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            if users::find(tx, cluster_id, &username)?.is_some() {
                return Err(Error::UserExists { username });
            }
            quorum::authorize(tx, cluster_id, actor, QuorumService::User, approval)?;
            users::insert(tx, cluster_id, &username, role.into(), Some(&password_hash))?;
            Ok(UserInfo {
                username,
                role: role.into(),
                locked: false,
                mfa: Vec::new(),
                quorum: Vec::new(),
                cluster_coverage: "full",
            })
        })
    }

    fn delete_user(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
        approval: Option<&Approval>,
    ) -> Result<()> {
        let username = users::normalize_username(username)?;
        if users::is_built_in(&username) {
            return Err(Error::BuiltInUser { username });
        }
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            existing_user(tx, cluster_id, &username, role)?;
            if logins::has_login_except(tx, cluster_id, &username, None)? {
                return Err(Error::UserLoggedIn { username });
            }
            if key_rows::count_owned(tx, cluster_id, &username)? > 0 {
                return Err(Error::UserOwnsKeys { username });
            }
            quorum::authorize(tx, cluster_id, actor, QuorumService::User, approval)?;
            users::delete(tx, cluster_id, &username)
        })
    }

    fn change_password(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
        password: &Secret,
        deregister_mfa: bool,
        approval: Option<&Approval>,
    ) -> Result<()> {
        let username = users::normalize_username(username)?;
        check_password_change(actor, &username, role)?;
        password::validate(password)?;
        let password_hash = password::hash(password)?;
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            prepare_password_change(tx, cluster_id, process, actor, &username, role, approval)?;
            let unlock = actor.role == Role::Admin;
            users::set_password(tx, cluster_id, &username, &password_hash, unlock)?;
            quorum::set_key(tx, cluster_id, &username, KeyUse::Quorum, None)?;
            if deregister_mfa {
                quorum::set_key(tx, cluster_id, &username, KeyUse::Mfa, None)?;
            }
            Ok(())
        })
    }

    fn quorum_values(&mut self) -> Result<QuorumValues> {
        self.store
            .transaction(|tx| quorum::values(tx, &self.cluster_id))
    }

    fn set_quorum_value(
        &mut self,
        actor: &Login,
        service: QuorumService,
        value: u8,
        approval: Option<&Approval>,
    ) -> Result<()> {
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            quorum::check_service_exists(tx, cluster_id, service)?;
            quorum::authorize(tx, cluster_id, actor, QuorumService::Quorum, approval)?;
            quorum::set_value(tx, cluster_id, service, value)
        })
    }

    fn quorum_timeouts(&mut self) -> Result<QuorumTimeouts> {
        self.store
            .transaction(|tx| quorum::timeouts(tx, &self.cluster_id))
    }

    fn set_quorum_timeouts(&mut self, actor: &Login, timeouts: QuorumTimeouts) -> Result<()> {
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            quorum::set_timeouts(tx, cluster_id, timeouts)
        })
    }

    fn generate_quorum_token(
        &mut self,
        actor: &Login,
        service: QuorumService,
        key: Option<&Filter>,
    ) -> Result<GeneratedToken> {
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        let seed = self.id_seed;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            quorum::check_service_exists(tx, cluster_id, service)?;
            let refuse = |reason: String| Err(Error::QuorumRefused { reason });
            if service.has_quorum_value() && actor.role != Role::Admin {
                return refuse(format!(
                    "only admins generate tokens for the {} service",
                    service.as_str()
                ));
            }
            if service.is_key_service() && actor.role != Role::CryptoUser {
                return refuse(format!(
                    "only crypto users generate tokens for the {} service: the owner of the key \
                     and the users it is shared with",
                    service.as_str()
                ));
            }
            let key_reference = match (service.is_key_service(), key) {
                (true, Some(filter)) => {
                    let stored = crate::sim::hsm::keys::select(tx, cluster_id, actor, filter)?;
                    let associated = stored.owner == actor.username
                        || stored
                            .key
                            .key_info
                            .shared_users
                            .iter()
                            .any(|user| user.username == actor.username);
                    if !associated {
                        return refuse(format!(
                            "key {} is neither yours nor shared with you",
                            stored.key.key_reference
                        ));
                    }
                    Some(stored.key.key_reference)
                }
                (true, None) => {
                    return refuse(format!(
                        "a {} token is for one key: give --filter",
                        service.as_str()
                    ));
                }
                (false, Some(_)) => {
                    return refuse(format!(
                        "a {} token is not for a key: leave out --filter",
                        service.as_str()
                    ));
                }
                (false, None) => None,
            };
            // A registration needs one token per HSM; an approval one for the cluster.
            let count = if service == QuorumService::Registration {
                hsm_token_count(tx, cluster_id)?
            } else {
                1
            };
            let mut ids = IdGenerator::begin(tx, seed)?;
            let mut approvals = Vec::with_capacity(count);
            for _ in 0..count {
                let mut approval_data = format!("{cluster_id}/{}/", service.as_str()).into_bytes();
                if let Some(reference) = key_reference {
                    approval_data.extend_from_slice(format!("{reference}/").as_bytes());
                }
                approval_data.extend_from_slice(&ids.secret_bytes(32));
                quorum::insert_token(
                    tx,
                    cluster_id,
                    actor,
                    service,
                    &approval_data,
                    key_reference,
                )?;
                approvals.push(approval_data);
            }
            Ok(GeneratedToken {
                approval_data: approvals,
                key_reference,
            })
        })
    }

    fn list_quorum_tokens(&mut self, actor: &Login) -> Result<Vec<TokenEntry>> {
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            quorum::list_tokens(tx, cluster_id)
        })
    }

    fn delete_quorum_tokens(&mut self, actor: &Login, everybody: bool) -> Result<usize> {
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            quorum::delete_tokens(
                tx,
                cluster_id,
                (!everybody).then_some(actor.username.as_str()),
            )
        })
    }

    fn register_quorum_key(
        &mut self,
        actor: &Login,
        public_key_pem: &str,
        tokens: &[SignedHsmToken],
    ) -> Result<()> {
        let public_key = token_sign_public_key(public_key_pem, "quorum key")?;
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            let challenge = Challenge {
                kind: TokenKind::Service(QuorumService::Registration),
                username: &actor.username,
                login_id: actor.login_id,
                tokens: hsm_token_count(tx, cluster_id)?,
            };
            quorum::consume_signed_tokens(
                tx,
                cluster_id,
                challenge,
                &public_key,
                tokens,
                |reason| Error::QuorumRefused { reason },
            )?;
            quorum::set_key(
                tx,
                cluster_id,
                &actor.username,
                KeyUse::Quorum,
                Some(&public_key),
            )
        })
    }

    fn begin_mfa_login(&mut self, username: &str, role: Role) -> Result<Vec<Vec<u8>>> {
        let username = username.to_ascii_lowercase();
        let cluster_id = &self.cluster_id;
        let seed = self.id_seed;
        self.store.transaction(|tx| {
            if !cluster::is_activated(tx, cluster_id)? {
                return Err(Error::ClusterNotActivated);
            }
            let user = users::find(tx, cluster_id, &username)?
                .filter(|user| user.role.login_role() == Some(role))
                .ok_or(Error::LoginFailed)?;
            if user.locked {
                return Err(Error::UserLocked { username });
            }
            if quorum::registered_key(tx, cluster_id, &username, KeyUse::Mfa)?.is_none() {
                return Err(Error::MfaNotRegistered { username });
            }
            let approval_data = challenge_data(tx, cluster_id, seed, "mfa-login")?;
            quorum::insert_challenge(
                tx,
                cluster_id,
                TokenKind::MfaLogin,
                &username,
                0,
                &approval_data,
            )
        })
    }

    fn mfa_login(
        &mut self,
        username: &str,
        role: Role,
        password: &Secret,
        tokens: &[SignedHsmToken],
    ) -> Result<Login> {
        self.login_with(username, role, password, Some(tokens))
    }

    fn begin_mfa_registration(
        &mut self,
        actor: &Login,
        username: &str,
        role: Role,
    ) -> Result<Vec<Vec<u8>>> {
        let username = users::normalize_username(username)?;
        check_password_change(actor, &username, role)?;
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        let seed = self.id_seed;
        self.store.transaction(|tx| {
            check_actor(tx, cluster_id, process, actor)?;
            existing_user(tx, cluster_id, &username, role)?;
            let approval_data = challenge_data(tx, cluster_id, seed, "mfa-registration")?;
            quorum::insert_challenge(
                tx,
                cluster_id,
                TokenKind::MfaRegistration,
                &username,
                actor.login_id,
                &approval_data,
            )
        })
    }

    fn change_mfa(&mut self, actor: &Login, change: &MfaChange<'_>) -> Result<()> {
        let username = users::normalize_username(change.username)?;
        check_password_change(actor, &username, change.role)?;
        let public_key = change
            .registration
            .as_ref()
            .map(|registration| token_sign_public_key(registration.public_key_pem, "MFA key"))
            .transpose()?;
        password::validate(change.password)?;
        let password_hash = password::hash(change.password)?;
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        self.store.transaction(|tx| {
            prepare_password_change(
                tx,
                cluster_id,
                process,
                actor,
                &username,
                change.role,
                change.approval,
            )?;
            let mut quorum_key = None;
            if let (Some(registration), Some(public_key)) = (&change.registration, &public_key) {
                let challenge = Challenge {
                    kind: TokenKind::MfaRegistration,
                    username: &username,
                    login_id: actor.login_id,
                    tokens: hsm_token_count(tx, cluster_id)?,
                };
                quorum::consume_signed_tokens(
                    tx,
                    cluster_id,
                    challenge,
                    public_key,
                    registration.tokens,
                    |reason| Error::MfaRefused { reason },
                )?;
                if registration.also_quorum {
                    quorum_key = Some(public_key.as_slice());
                }
            }
            let unlock = actor.role == Role::Admin;
            users::set_password(tx, cluster_id, &username, &password_hash, unlock)?;
            quorum::set_key(
                tx,
                cluster_id,
                &username,
                KeyUse::Mfa,
                public_key.as_deref(),
            )?;
            quorum::set_key(tx, cluster_id, &username, KeyUse::Quorum, quorum_key)
        })
    }

    fn check_connection(&mut self) -> Result<()> {
        self.check_connection_now()
    }

    fn list_trust_anchors(&mut self) -> Result<Vec<TrustAnchor>> {
        self.list_trust_anchors_now()
    }

    fn register_trust_anchor(
        &mut self,
        actor: &Login,
        pem: &str,
        approval: Option<&Approval>,
    ) -> Result<TrustAnchor> {
        self.register_trust_anchor_now(actor, pem, approval)
    }

    fn deregister_trust_anchor(
        &mut self,
        actor: &Login,
        reference: u64,
        approval: Option<&Approval>,
    ) -> Result<()> {
        self.deregister_trust_anchor_now(actor, reference, approval)
    }

    fn mtls_enforcement(&mut self, actor: &Login) -> Result<Enforcement> {
        self.mtls_enforcement_now(actor)
    }

    fn set_mtls_enforcement(
        &mut self,
        actor: &Login,
        level: Enforcement,
        approval: Option<&Approval>,
    ) -> Result<()> {
        self.set_mtls_enforcement_now(actor, level, approval)
    }

    fn replicate_user(
        &mut self,
        replication: &Replication<'_>,
        username: &str,
        role: Role,
    ) -> Result<UserInfo> {
        self.replicate_user_now(replication, username, role)
    }

    fn replicate_key(&mut self, replication: &Replication<'_>, filter: &Filter) -> Result<Key> {
        self.replicate_key_now(replication, filter)
    }

    fn generate_secret_key(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        self.generate_secret_key_now(actor, spec, options)
    }

    fn generate_key_pair(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewPairOptions<'_>,
    ) -> Result<GeneratedPair> {
        self.generate_key_pair_now(actor, spec, options)
    }

    fn list_keys(
        &mut self,
        actor: &Login,
        filter: &Filter,
        starting_token: Option<&str>,
        max_items: usize,
        verbose: bool,
    ) -> Result<KeyListPage> {
        self.list_keys_now(actor, filter, starting_token, max_items, verbose)
    }

    fn delete_key(&mut self, actor: &Login, filter: &Filter) -> Result<KeyReference> {
        self.delete_key_now(actor, filter)
    }

    fn set_key_attribute(
        &mut self,
        actor: &Login,
        filter: &Filter,
        name: &str,
        value: &str,
        approval: Option<&Approval>,
    ) -> Result<()> {
        self.set_key_attribute_now(actor, filter, name, value, approval)
    }

    fn share_key(
        &mut self,
        actor: &Login,
        filter: &Filter,
        username: &str,
        role: Role,
        approval: Option<&Approval>,
    ) -> Result<()> {
        self.change_share_now(actor, filter, username, role, true, approval)
    }

    fn unshare_key(
        &mut self,
        actor: &Login,
        filter: &Filter,
        username: &str,
        role: Role,
        approval: Option<&Approval>,
    ) -> Result<()> {
        self.change_share_now(actor, filter, username, role, false, approval)
    }

    fn import_public_key(
        &mut self,
        actor: &Login,
        pem: &str,
        key_type_class: KeyTypeClass,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        self.import_public_key_now(actor, pem, key_type_class, options)
    }

    fn key_file(
        &mut self,
        actor: &Login,
        filter: &Filter,
        encoding: KeyFileEncoding,
    ) -> Result<String> {
        self.key_file_now(actor, filter, encoding)
    }

    fn wrap_key(&mut self, actor: &Login, request: &WrapRequest<'_>) -> Result<WrappedKey> {
        self.wrap_key_now(actor, request)
    }

    fn unwrap_key(&mut self, actor: &Login, request: &UnwrapRequest<'_>) -> Result<Key> {
        self.unwrap_key_now(actor, request)
    }

    fn sign(&mut self, actor: &Login, request: &SignRequest<'_>) -> Result<Signature> {
        self.sign_now(actor, request)
    }

    fn verify(
        &mut self,
        actor: &Login,
        request: &SignRequest<'_>,
        signature: &[u8],
    ) -> Result<KeyReference> {
        self.verify_now(actor, request, signature)
    }
}

impl SimHsm {
    /// A login with the password and, for a user with an MFA key, the signed challenge: a
    /// plain login of such a user is refused before its password is tried.
    fn login_with(
        &mut self,
        username: &str,
        role: Role,
        password: &Secret,
        mfa_tokens: Option<&[SignedHsmToken]>,
    ) -> Result<Login> {
        // Any text is a possible username here: one that breaks the rules simply does not exist.
        let username = username.to_ascii_lowercase();
        let cluster_id = &self.cluster_id;
        let process = &self.process;
        // Ok(Err(..)) commits: a wrong password is counted even though the login fails.
        self.store.transaction(|tx| {
            let now = clock::now_unix(tx)?;
            if !cluster::is_activated(tx, cluster_id)? {
                return Err(Error::ClusterNotActivated);
            }
            let Some(user) = users::find(tx, cluster_id, &username)? else {
                return Err(Error::LoginFailed);
            };
            if user.role.login_role() != Some(role) {
                return Err(Error::LoginFailed);
            }
            if user.locked {
                return Err(Error::UserLocked { username });
            }
            let Some(password_hash) = user.password_hash.as_deref() else {
                return Err(Error::LoginFailed);
            };
            let mfa_key = quorum::registered_key(tx, cluster_id, &username, KeyUse::Mfa)?;
            match (&mfa_key, mfa_tokens) {
                (Some(_), None) => return Err(Error::MfaRequired { username, role }),
                (None, Some(_)) => return Err(Error::MfaNotRegistered { username }),
                _ => {}
            }
            if !password::verify(password, password_hash)? {
                users::record_failed_login(tx, cluster_id, &username)?;
                return Ok(Err(Error::LoginFailed));
            }
            if let (Some(mfa_key), Some(tokens)) = (&mfa_key, mfa_tokens) {
                let challenge = Challenge {
                    kind: TokenKind::MfaLogin,
                    username: &username,
                    login_id: 0,
                    tokens: hsm_token_count(tx, cluster_id)?,
                };
                quorum::consume_signed_tokens(
                    tx,
                    cluster_id,
                    challenge,
                    mfa_key,
                    tokens,
                    |reason| Error::MfaRefused { reason },
                )?;
            }
            if user.failed_logins > 0 {
                users::reset_failed_logins(tx, cluster_id, &username)?;
            }
            let login_id = logins::record(tx, cluster_id, &username, process, now)?;
            Ok(Ok(Login {
                username,
                role,
                login_id,
            }))
        })?
    }
}

/// Who may change whose password (and MFA): crypto users only their own; nobody the built-in
/// appliance user's.
fn check_password_change(actor: &Login, username: &str, role: Role) -> Result<()> {
    if actor.role == Role::CryptoUser && (actor.username != username || actor.role != role) {
        return Err(Error::OwnPasswordOnly);
    }
    if username == APPLIANCE_USER {
        return Err(Error::BuiltInUser {
            username: username.to_owned(),
        });
    }
    Ok(())
}

/// The checks of a password (or MFA) change inside its transaction: the target exists, no
/// other session uses it, and another user's change has the `user` service's approval.
fn prepare_password_change(
    tx: &rusqlite::Transaction<'_>,
    cluster_id: &str,
    process: &crate::sim::logins::ProcessIdentity,
    actor: &Login,
    username: &str,
    role: Role,
    approval: Option<&Approval>,
) -> Result<()> {
    check_actor(tx, cluster_id, process, actor)?;
    existing_user(tx, cluster_id, username, role)?;
    // The actor's own login does not count: a user may change its password while logged in,
    // but not one that a session elsewhere is using.
    if logins::has_login_except(tx, cluster_id, username, Some(actor.login_id))? {
        return Err(Error::UserLoggedIn {
            username: username.to_owned(),
        });
    }
    // Changing one's own password is not a quorum operation; another user's is.
    if username != actor.username {
        quorum::authorize(tx, cluster_id, actor, QuorumService::User, approval)?;
    }
    Ok(())
}

/// How many tokens a per-HSM token file holds: one per active HSM.
fn hsm_token_count(tx: &rusqlite::Transaction<'_>, cluster_id: &str) -> Result<usize> {
    Ok(cluster::active_hsm_serial_numbers(tx, cluster_id)?
        .len()
        .max(1))
}

/// Fresh approval data for each token of a per-HSM challenge.
fn challenge_data(
    tx: &rusqlite::Transaction<'_>,
    cluster_id: &str,
    seed: crate::sim::ids::IdSeed,
    purpose: &str,
) -> Result<Vec<Vec<u8>>> {
    let count = hsm_token_count(tx, cluster_id)?;
    let mut ids = IdGenerator::begin(tx, seed)?;
    Ok((0..count)
        .map(|_| {
            let mut approval_data = format!("{cluster_id}/{purpose}/").into_bytes();
            approval_data.extend_from_slice(&ids.secret_bytes(32));
            approval_data
        })
        .collect())
}

/// The RSA-2048 SubjectPublicKeyInfo DER of a token-sign key given as PEM.
fn token_sign_public_key(public_key_pem: &str, what: &'static str) -> Result<Vec<u8>> {
    let public = crate::sim::crypto::parse_public_pem(public_key_pem)?;
    match crate::sim::crypto::public_facts(&public)? {
        crate::sim::crypto::PublicFacts::Rsa {
            modulus_bits: 2048, ..
        } => Ok(public.as_der().to_vec()),
        _ => Err(Error::InvalidInput {
            what,
            reason: format!("a {what} is an RSA-2048 public key"),
        }),
    }
}

//! The PKCS#11 backend: any PKCS#11 module (AWS CloudHSM's library, SoftHSM2, a smart card)
//! behind the HSM trait through `cryptoki`, with the simulator's commands, flags and replies.
//! Nothing outside this module knows PKCS#11.
//!
//! - `token`: loading the module, choosing the token, the PIN format, `cluster hsm-info`.
//! - `failure`: a failed call as one line with its `CKR_*` code.
//! - `attributes`: the one table between the CLI's attributes and `CKA_*`.
//! - `mechanisms`: the one table between the CLI's mechanisms and `CKM_*`.
//! - `public`: public keys between `CKA_*` values and SubjectPublicKeyInfo.
//! - `keys`, `crypto`: the key and crypto commands.
//!
//! A token has one crypto user (`CKU_USER`) and one security officer (`CKU_SO`): `login
//! --role crypto-user` is the first, `--role admin` the second. What a generic token cannot
//! express (named users, sharing, activation) is refused with a message that says so.

mod attributes;
mod crypto;
mod failure;
mod keys;
mod mechanisms;
mod public;
mod token;

pub use token::{PinFormat, Pkcs11Options, TokenChoice};

use crate::backend::hsm::filter::Filter;
use crate::backend::hsm::key::{GeneratedPair, Key, KeyListPage, KeyQuorumValues, KeyReference};
use crate::backend::hsm::mechanism::KeySpec;
use crate::backend::hsm::quorum::Approval;
use crate::backend::hsm::requests::{
    KeyFileEncoding, KeyTypeClass, NewKeyOptions, NewPairOptions, SignRequest, Signature,
    UnwrapRequest, WrapRequest, WrappedKey,
};
use crate::backend::hsm::{HsmBackend, HsmInfo, Login, Role, UserInfo};
use crate::error::{Error, Result};
use crate::secret::Secret;
use attributes::TokenKey;
use cryptoki::error::RvError;
use cryptoki::mechanism::MechanismType;
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use failure::{failed, return_value};
use std::collections::HashMap;
use std::sync::Arc;

/// What a generic PKCS#11 token does not have, for the messages of the commands that need it.
const NO_NAMED_USERS: &str = "named users, which a PKCS#11 token does not have: it has one \
                              crypto user (login --role crypto-user) and one security officer \
                              (login --role admin)";
const NO_SHARING: &str = "key sharing between crypto users, which a PKCS#11 token does not \
                          have: its one crypto user owns every private key";

/// One PKCS#11 token, through one read-write session kept open for the shell's life: loading a
/// module and opening a session cost milliseconds, which a batch must not pay per command.
pub struct Pkcs11Hsm {
    cluster_id: String,
    session: Session,
    pin_format: PinFormat,
    hsm_info: HsmInfo,
    mechanisms: Vec<MechanismType>,
    /// The PIN of the session's login, which `C_SetPIN` needs to change it.
    logged_in: Option<Secret>,
    next_login_id: i64,
    /// Keys read since this shell last changed the token, by handle: a batch of signatures
    /// reads its key once. Another process's change is still seen by `C_FindObjects`, and the
    /// token itself refuses a key that may no longer do what is asked.
    read_keys: HashMap<u64, Arc<TokenKey>>,
    /// The key the last sign or verify filter selected, and when: reused for that filter for
    /// [`RESOLUTION_LIFETIME`], as SoftHSM2's `C_FindObjects` re-reads its object files.
    resolved: Option<Resolved>,
}

/// How long a filter's selection is reused by `crypto sign`/`verify` without searching the
/// token again: a key relabelled by another process is seen within this time; one deleted
/// is seen at once, since the token refuses its handle and the shell searches again.
const RESOLUTION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(1);

struct Resolved {
    filter: Filter,
    key: Arc<TokenKey>,
    at: std::time::Instant,
}

impl Pkcs11Hsm {
    pub fn open(options: &Pkcs11Options) -> Result<Pkcs11Hsm> {
        let opened = token::open(options)?;
        let mechanisms = opened
            .context
            .get_mechanism_list(opened.slot)
            .map_err(|error| failed("C_GetMechanismList", error))?
            .into_iter()
            .collect();
        let session = opened
            .context
            .open_rw_session(opened.slot)
            .map_err(|error| failed("C_OpenSession", error))?;
        Ok(Pkcs11Hsm {
            cluster_id: format!("pkcs11:token={}", opened.info.label()),
            session,
            pin_format: opened.pin_format,
            hsm_info: opened.hsm_info,
            mechanisms,
            logged_in: None,
            next_login_id: 1,
            read_keys: HashMap::new(),
            resolved: None,
        })
    }

    /// The PIN the module takes for this user and password.
    fn pin(&self, username: &str, password: &Secret) -> Secret {
        match self.pin_format {
            PinFormat::Cloudhsm => Secret::new(format!("{username}:{}", password.expose())),
            PinFormat::Plain => Secret::new(password.expose()),
        }
    }

    /// Forgets every key read and the last selection: this shell is about to change the token,
    /// or the token no longer knows a handle the shell kept.
    fn forget_keys(&mut self) {
        self.read_keys.clear();
        self.resolved = None;
    }

    fn backend_lacks(command: &str, needs: &'static str) -> Error {
        Error::BackendLacks {
            command: command.to_owned(),
            needs,
        }
    }
}

fn auth_pin(secret: &Secret) -> AuthPin {
    AuthPin::new(secret.expose().into())
}

impl HsmBackend for Pkcs11Hsm {
    fn cluster_id(&self) -> &str {
        &self.cluster_id
    }

    fn selected_cluster(&self) -> Option<&str> {
        Some(&self.cluster_id)
    }

    fn is_activated(&mut self) -> Result<bool> {
        Err(Self::backend_lacks(
            "cluster activate",
            "a CloudHSM cluster: a PKCS#11 token is initialised by its own tools \
             (softhsm2-util --init-token, or CloudHSM's cluster activate)",
        ))
    }

    fn hsm_info(&mut self) -> Result<Vec<HsmInfo>> {
        Ok(vec![self.hsm_info.clone()])
    }

    fn activate(&mut self, _password: &Secret) -> Result<()> {
        self.is_activated().map(|_| ())
    }

    fn login(&mut self, username: &str, role: Role, password: &Secret) -> Result<Login> {
        let user_type = match role {
            Role::CryptoUser => UserType::User,
            Role::Admin => UserType::So,
        };
        let pin = self.pin(username, password);
        match self.session.login(user_type, Some(&auth_pin(&pin))) {
            Ok(()) => {}
            Err(error) => {
                return Err(match return_value(&error) {
                    Some(RvError::PinIncorrect) => Error::LoginFailed,
                    Some(RvError::PinLocked) => Error::UserLocked {
                        username: username.to_owned(),
                    },
                    _ => failed("C_Login", error),
                });
            }
        }
        let login = Login {
            username: username.to_owned(),
            role,
            login_id: self.next_login_id,
        };
        self.next_login_id += 1;
        self.logged_in = Some(pin);
        Ok(login)
    }

    fn logout(&mut self, _login: &Login) -> Result<()> {
        // Session keys end with their login, as on a CloudHSM cluster.
        let ended = self.destroy_session_keys();
        self.forget_keys();
        self.logged_in = None;
        let logged_out = self
            .session
            .logout()
            .map_err(|error| failed("C_Logout", error));
        ended.and(logged_out)
    }

    fn list_users(&mut self) -> Result<Vec<UserInfo>> {
        Err(Self::backend_lacks("user list", NO_NAMED_USERS))
    }

    /// The token's crypto user and security officer answer to any name (the token checks only
    /// the PIN), so they exist; asked without a role, the question is `user create`'s.
    fn user_exists(&mut self, _username: &str, role: Option<Role>) -> Result<bool> {
        match role {
            Some(_) => Ok(true),
            None => Err(Self::backend_lacks("user create", NO_NAMED_USERS)),
        }
    }

    fn create_user(
        &mut self,
        _actor: &Login,
        _username: &str,
        _role: Role,
        _password: &Secret,
        _approval: Option<&Approval>,
    ) -> Result<UserInfo> {
        Err(Self::backend_lacks("user create", NO_NAMED_USERS))
    }

    fn delete_user(
        &mut self,
        _actor: &Login,
        _username: &str,
        _role: Role,
        _approval: Option<&Approval>,
    ) -> Result<()> {
        Err(Self::backend_lacks("user delete", NO_NAMED_USERS))
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
        if approval.is_some() {
            return Err(Error::QuorumSimulatorOnly {
                what: "user change-password --approval",
            });
        }
        if deregister_mfa {
            return Err(Error::QuorumSimulatorOnly {
                what: "user change-password --deregister-mfa",
            });
        }
        let own = username.eq_ignore_ascii_case(&actor.username) && role == actor.role;
        let Some(current) = self.logged_in.as_ref() else {
            return Err(Error::NotLoggedIn {
                command: "user change-password".to_owned(),
            });
        };
        let new_pin = self.pin(username, password);
        if own {
            self.session
                .set_pin(&auth_pin(current), &auth_pin(&new_pin))
                .map_err(|error| failed("C_SetPIN", error))?;
            self.logged_in = Some(new_pin);
            return Ok(());
        }
        match (actor.role, role) {
            (Role::Admin, Role::CryptoUser) => self
                .session
                .init_pin(&auth_pin(&new_pin))
                .map_err(|error| failed("C_InitPIN", error)),
            (Role::CryptoUser, _) => Err(Error::OwnPasswordOnly),
            (Role::Admin, Role::Admin) => Err(Self::backend_lacks(
                "user change-password",
                "a second security officer, which a PKCS#11 token does not have",
            )),
        }
    }

    fn generate_secret_key(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewKeyOptions<'_>,
    ) -> Result<Key> {
        refuse_key_quorum(options.quorum)?;
        self.generate_secret_key_now(actor, spec, options)
    }

    fn generate_key_pair(
        &mut self,
        actor: &Login,
        spec: &KeySpec,
        options: &NewPairOptions<'_>,
    ) -> Result<GeneratedPair> {
        refuse_key_quorum(options.private_quorum)?;
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
        if approval.is_some() {
            return Err(Error::QuorumSimulatorOnly {
                what: "key set-attribute --approval",
            });
        }
        self.set_key_attribute_now(actor, filter, name, value)
    }

    fn share_key(
        &mut self,
        _actor: &Login,
        _filter: &Filter,
        _username: &str,
        _role: Role,
        _approval: Option<&Approval>,
    ) -> Result<()> {
        Err(Self::backend_lacks("key share", NO_SHARING))
    }

    fn unshare_key(
        &mut self,
        _actor: &Login,
        _filter: &Filter,
        _username: &str,
        _role: Role,
        _approval: Option<&Approval>,
    ) -> Result<()> {
        Err(Self::backend_lacks("key unshare", NO_SHARING))
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
        if request.payload_approval.is_some() || request.wrapping_approval.is_some() {
            return Err(Error::QuorumSimulatorOnly {
                what: "key wrap --payload-approval and --wrapping-approval",
            });
        }
        self.wrap_key_now(actor, request)
    }

    fn unwrap_key(&mut self, actor: &Login, request: &UnwrapRequest<'_>) -> Result<Key> {
        refuse_key_quorum(request.new_key.quorum)?;
        if request.approval.is_some() {
            return Err(Error::QuorumSimulatorOnly {
                what: "key unwrap --approval",
            });
        }
        self.unwrap_key_now(actor, request)
    }

    fn sign(&mut self, actor: &Login, request: &SignRequest<'_>) -> Result<Signature> {
        if request.approval.is_some() {
            return Err(Error::QuorumSimulatorOnly {
                what: "crypto sign --approval",
            });
        }
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

impl Drop for Pkcs11Hsm {
    fn drop(&mut self) {
        if self.logged_in.is_some() {
            let _ = self.destroy_session_keys();
            let _ = self.session.logout();
        }
    }
}

/// A token has no key quorum values: the flags that set them are refused.
fn refuse_key_quorum(quorum: KeyQuorumValues) -> Result<()> {
    if quorum == KeyQuorumValues::default() {
        Ok(())
    } else {
        Err(Error::QuorumSimulatorOnly {
            what: "key quorum values",
        })
    }
}

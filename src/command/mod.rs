//! Command handlers, one file per noun, and the `Reply` values handlers return for `output` to
//! render.

#[cfg(test)]
mod choices;
mod cloudhsmv2;
mod cluster;
mod crypto;
mod key;
mod keystore;
mod kms;
mod login;
mod mfa;
mod mtls;
mod quorum;
mod replicate;
mod sim;
mod source;
mod user;
mod wrap;

pub use source::SourceFile;

use crate::backend::hsm::cluster_control::{
    Backup, ClusterControl, DescribeBackupsResponse, DescribeClustersResponse,
    InitializeClusterResponse, NetworkDescription,
};
use crate::backend::hsm::key::{GeneratedPair, KeyListPage, SingleKey};
use crate::backend::hsm::{HsmBackend, HsmInfo, UserInfo, normalize_username};
use crate::backend::hsm::{Login, Role};
use crate::backend::kms::{
    CancelDeletionResponse, CreateResponse, DecryptResponse, DescribeResponse, EncryptResponse,
    GenerateRandomResponse, KeyMetadataResponse, KmsBackend, ListKeysResponse, PrerequisiteReport,
    ScheduleDeletionResponse,
};
use crate::error::{Error, Result};
use crate::parse::Invocation;
use crate::prompt::{SecretRequest, SecretSource};
use crate::secret::Secret;
use crate::session::Session;
use crate::table::{CommandId, CommandTable};
use serde::Serialize;

/// What a handler returns; `output` turns it into the envelope or plain text.
#[derive(Debug)]
pub enum Reply {
    /// `data` is a bare string, e.g. `"Logout successful"`.
    Status(&'static str),
    /// `data` is an object (boxed: a key pair is large, a status is not).
    Data(Box<ReplyData>),
    /// Plain text, not JSON (help).
    Text(String),
    /// Leave the shell.
    Quit,
    /// Run the lines of a file next (`source`).
    Source(source::SourceFile),
}

impl Reply {
    pub fn data(data: ReplyData) -> Reply {
        Reply::Data(Box::new(data))
    }
}

/// The objects a command can put in `data`, each with the CLI's exact key names.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ReplyData {
    User(UserRef),
    ReplicatedUser(replicate::ReplicatedUser),
    Users {
        users: Vec<UserInfo>,
    },
    Hsms {
        hsms: Vec<HsmInfo>,
    },
    Key(SingleKey),
    Pair(GeneratedPair),
    KeyList(KeyListPage),
    Wrapped(wrap::WrapReply),
    Signature(crypto::SignReply),
    Message {
        message: &'static str,
    },
    Notice {
        message: String,
    },
    RegisteredAnchor(mtls::RegisteredAnchor),
    TrustAnchors {
        trust_anchors: Vec<crate::backend::hsm::mtls::TrustAnchor>,
    },
    EnforcementLevel(mtls::EnforcementLevel),
    SubnetCreated(sim::SubnetCreated),
    ClusterSelected(sim::ClusterSelected),
    Clusters(DescribeClustersResponse),
    Backups(DescribeBackupsResponse),
    Backup(Backup),
    ClusterReply(cloudhsmv2::ClusterReply),
    HsmReply(cloudhsmv2::HsmReply),
    HsmDeleted(cloudhsmv2::HsmDeleted),
    Initialized(InitializeClusterResponse),
    Network(NetworkDescription),
    KeyStoreCreated(CreateResponse),
    KeyStores(DescribeResponse),
    Prerequisites(PrerequisiteReport),
    KmsKey(KeyMetadataResponse),
    KmsKeys(ListKeysResponse),
    Encrypted(EncryptResponse),
    Decrypted(DecryptResponse),
    Random(GenerateRandomResponse),
    DeletionScheduled(ScheduleDeletionResponse),
    DeletionCancelled(CancelDeletionResponse),
    /// `{"filepath"}`: where a token file was written.
    TokenFile {
        filepath: String,
    },
    QuorumTokens {
        tokens: Vec<crate::backend::hsm::quorum::TokenEntry>,
    },
    QuorumValues(crate::backend::hsm::quorum::QuorumValues),
    QuorumTimeouts(crate::backend::hsm::quorum::QuorumTimeouts),
    /// `{}`: the empty response of Connect, Disconnect, Update and Delete.
    Empty(keystore::Empty),
}

/// `{"username": ..., "role": ...}`, the reply of login and user create.
#[derive(Debug, Serialize)]
pub struct UserRef {
    pub username: String,
    pub role: Role,
}

/// Everything a handler may touch: the backend, the session, where secrets come from, and
/// where warnings go. Built by `shell` for one command.
pub struct Context<'a> {
    pub table: &'a CommandTable,
    pub hsm: &'a mut dyn HsmBackend,
    pub kms: &'a mut dyn KmsBackend,
    pub session: &'a mut Session,
    pub secrets: &'a mut dyn SecretSource,
    /// Lines for stderr, printed by `output` before the envelope.
    pub warnings: &'a mut Vec<String>,
    /// The spinner of commands that wait.
    pub progress: &'a mut crate::output::Progress,
    /// The CloudHSM v2 control plane of `--aws`, which the `cloudhsmv2` commands prefer to the
    /// HSM backend's own (the simulator's); `None` without `--aws`.
    pub control: Option<&'a mut dyn ClusterControl>,
    /// Whether the `sim` commands may change the simulator's state.
    pub sim_access: SimAccess,
}

/// Whether the `sim` commands may change the simulator's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimAccess {
    /// The `keystore`, `kms` and `cloudhsmv2` commands see the simulator of `--state-dir`:
    /// without `--aws`, or with `--aws --endpoint-url` against `cloudhsm-shell serve` on it.
    Allowed,
    /// `--aws` on AWS itself: the key stores and clusters those commands see are AWS's.
    RefusedOnAws,
}

impl Context<'_> {
    /// The value of a secret arg: from the line when given there, else from the secret source
    /// (secrets file, `CLOUDHSM_PIN`, or a prompt on the terminal).
    pub fn secret(
        &mut self,
        invocation: &mut Invocation<'_>,
        name: &str,
        username: &str,
    ) -> Result<Secret> {
        if let Some(secret) = invocation.take_secret(name) {
            return Ok(secret);
        }
        let arg = invocation.spec.arg(name).ok_or_else(|| Error::State {
            message: format!("'{}' has no secret '{name}'", invocation.spec.path),
        })?;
        self.secrets.obtain(&SecretRequest {
            username,
            prompt: arg.prompt.as_deref().unwrap_or("Enter password:"),
            confirm: arg.confirm,
        })
    }
}

/// Runs one bound command. The role gate has already passed.
pub fn dispatch(context: &mut Context<'_>, mut invocation: Invocation<'_>) -> Result<Reply> {
    match invocation.spec.id {
        CommandId::Help => Ok(Reply::Text(crate::table::help::render_help(
            context.table,
            invocation.list("command"),
        )?)),
        CommandId::Quit => Ok(Reply::Quit),
        CommandId::Source => source::source(&invocation),
        CommandId::ClusterActivate => cluster::activate(context, &mut invocation),
        CommandId::ClusterHsmInfo => cluster::hsm_info(context),
        CommandId::ClusterMtlsRegisterTrustAnchor => mtls::register(context, &invocation),
        CommandId::ClusterMtlsDeregisterTrustAnchor => mtls::deregister(context, &invocation),
        CommandId::ClusterMtlsListTrustAnchors => mtls::list(context),
        CommandId::ClusterMtlsSetEnforcement => mtls::set_enforcement(context, &invocation),
        CommandId::ClusterMtlsGetEnforcement => mtls::get_enforcement(context),
        CommandId::Login | CommandId::LoginMfaTokenSign => login::login(context, &mut invocation),
        CommandId::UserChangeMfaTokenSign => mfa::change_mfa(context, &mut invocation),
        CommandId::Logout => login::logout(context),
        CommandId::QuorumTokenSignGenerate => quorum::generate(context, &invocation),
        CommandId::QuorumTokenSignList => quorum::list(context),
        CommandId::QuorumTokenSignListQuorumValues => quorum::list_quorum_values(context),
        CommandId::QuorumTokenSignSetQuorumValue => quorum::set_quorum_value(context, &invocation),
        CommandId::QuorumTokenSignDelete => quorum::delete(context, &invocation),
        CommandId::QuorumTokenSignListTimeouts => quorum::list_timeouts(context),
        CommandId::QuorumTokenSignSetTimeout => quorum::set_timeout(context, &invocation),
        CommandId::UserChangeQuorumTokenSignRegister => quorum::register(context, &invocation),
        CommandId::SimSignToken => quorum::sign_token(&invocation),
        CommandId::UserCreate => user::create(context, &mut invocation),
        CommandId::UserDelete => user::delete(context, &invocation),
        CommandId::UserList => user::list(context),
        CommandId::UserChangePassword => user::change_password(context, &mut invocation),
        CommandId::KeyGenerateAes | CommandId::KeyGenerateGenericSecret => {
            key::generate_secret(context, &invocation)
        }
        CommandId::KeyGenerateRsaPair | CommandId::KeyGenerateEcPair => {
            key::generate_pair(context, &invocation)
        }
        CommandId::KeyList => key::list(context, &invocation),
        CommandId::KeyDelete => key::delete(context, &invocation),
        CommandId::KeySetAttribute => key::set_attribute(context, &invocation),
        CommandId::KeyShare | CommandId::KeyUnshare => key::share(context, &invocation),
        CommandId::KeyImportPem => key::import_pem(context, &invocation),
        CommandId::UserReplicate => replicate::user(context, &invocation),
        CommandId::KeyReplicate => replicate::key(context, &invocation),
        CommandId::KeyGenerateFile => key::generate_file(context, &invocation),
        CommandId::KeyWrapAesGcm
        | CommandId::KeyWrapAesNoPad
        | CommandId::KeyWrapAesPkcs5Pad
        | CommandId::KeyWrapAesZeroPad
        | CommandId::KeyWrapCloudhsmAesGcm
        | CommandId::KeyWrapRsaAes
        | CommandId::KeyWrapRsaOaep
        | CommandId::KeyWrapRsaPkcs => wrap::wrap(context, &invocation),
        CommandId::KeyUnwrapAesGcm
        | CommandId::KeyUnwrapAesNoPad
        | CommandId::KeyUnwrapAesPkcs5Pad
        | CommandId::KeyUnwrapAesZeroPad
        | CommandId::KeyUnwrapCloudhsmAesGcm
        | CommandId::KeyUnwrapRsaAes
        | CommandId::KeyUnwrapRsaOaep
        | CommandId::KeyUnwrapRsaPkcs => wrap::unwrap(context, &invocation),
        CommandId::CryptoSignRsaPkcs
        | CommandId::CryptoSignRsaPkcsPss
        | CommandId::CryptoSignEcdsa
        | CommandId::CryptoSignEd25519
        | CommandId::CryptoSignEd25519ph => crypto::sign(context, &invocation),
        CommandId::CryptoVerifyRsaPkcs
        | CommandId::CryptoVerifyRsaPkcsPss
        | CommandId::CryptoVerifyEcdsa
        | CommandId::CryptoVerifyEd25519
        | CommandId::CryptoVerifyEd25519ph => crypto::verify(context, &invocation),
        CommandId::Cloudhsmv2DescribeClusters => {
            cloudhsmv2::describe_clusters(context, &invocation)
        }
        CommandId::Cloudhsmv2DescribeBackups => cloudhsmv2::describe_backups(context, &invocation),
        CommandId::Cloudhsmv2CreateBackup => cloudhsmv2::create_backup(context, &invocation),
        CommandId::Cloudhsmv2CreateCluster => cloudhsmv2::create_cluster(context, &invocation),
        CommandId::Cloudhsmv2InitializeCluster => {
            cloudhsmv2::initialize_cluster(context, &invocation)
        }
        CommandId::Cloudhsmv2CreateHsm => cloudhsmv2::create_hsm(context, &invocation),
        CommandId::Cloudhsmv2DeleteHsm => cloudhsmv2::delete_hsm(context, &invocation),
        CommandId::Cloudhsmv2DeleteCluster => cloudhsmv2::delete_cluster(context, &invocation),
        CommandId::SimDeleteSubnet => sim::delete_subnet(context, &invocation),
        CommandId::SimSetFreeAddresses => sim::set_free_addresses(context, &invocation),
        CommandId::SimRemoveSecurityGroupRules => {
            sim::remove_security_group_rules(context, &invocation)
        }
        CommandId::SimRestoreSecurityGroupRules => {
            sim::restore_security_group_rules(context, &invocation)
        }
        CommandId::SimCreateSubnet => sim::create_subnet(context, &invocation),
        CommandId::SimDescribeNetwork => sim::describe_network(context, &invocation),
        CommandId::SimSetHsmState => sim::set_hsm_state(context, &invocation),
        CommandId::SimSetClusterState => sim::set_cluster_state(context, &invocation),
        CommandId::SimMapSubnet => sim::map_subnet(context, &invocation),
        CommandId::SimFailNextConnect => sim::fail_next_connect(context, &invocation),
        CommandId::SimSetDelays => sim::set_delays(context, &invocation),
        CommandId::SimAdvanceClock => sim::advance_clock(context, &invocation),
        CommandId::SimFailNextKmsCall => sim::fail_next_kms_call(context, &invocation),
        CommandId::SimUseCluster => sim::use_cluster(context, &invocation),
        CommandId::KeystoreCreate => keystore::create(context, &mut invocation),
        CommandId::KeystoreDescribe => keystore::describe(context, &invocation),
        CommandId::KeystoreUpdate => keystore::update(context, &mut invocation),
        CommandId::KeystoreDelete => keystore::delete(context, &invocation),
        CommandId::KeystoreConnect => keystore::connect(context, &invocation),
        CommandId::KeystoreDisconnect => keystore::disconnect(context, &invocation),
        CommandId::KeystoreCheckPrerequisites => {
            keystore::check_prerequisites(context, &invocation)
        }
        CommandId::KmsCreateKey => kms::create_key(context, &invocation),
        CommandId::KmsDescribeKey => kms::describe_key(context, &invocation),
        CommandId::KmsListKeys => kms::list_keys(context, &invocation),
        CommandId::KmsEncrypt => kms::encrypt(context, &invocation),
        CommandId::KmsDecrypt => kms::decrypt(context, &invocation),
        CommandId::KmsGenerateRandom => kms::generate_random(context, &invocation),
        CommandId::KmsScheduleKeyDeletion => kms::schedule_key_deletion(context, &invocation),
        CommandId::KmsCancelKeyDeletion => kms::cancel_key_deletion(context, &invocation),
        CommandId::KmsEnableKey => kms::set_key_enabled(context, &invocation, true),
        CommandId::KmsDisableKey => kms::set_key_enabled(context, &invocation, false),
    }
}

/// The login of the shell running the command; the role gate has already required one.
fn actor(context: &Context<'_>) -> Result<Login> {
    context.session.login().cloned().ok_or(Error::NotLoggedIn {
        command: "this command".to_owned(),
    })
}

/// Bytes in JSON as the AWS CLI shows blobs: standard base64.
fn base64_bytes<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    use base64::Engine;
    serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The bytes of a `<--data|--data-path>` pair: base64 on the line, or a file's raw bytes (at
/// most what one HSM operation takes).
fn read_blob(invocation: &Invocation<'_>, inline: &'static str, path: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    if let Some(text) = invocation.text(inline) {
        return base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| Error::InvalidInput {
                what: inline,
                reason: format!("--{inline} must be base64"),
            });
    }
    let file = invocation.text(path).unwrap_or_default();
    crate::intake::read_bytes(std::path::Path::new(file), crate::intake::HSM_DATA)
}

/// The `--username` of an invocation, checked and normalised as the CLI does: case-insensitive,
/// shown lower-case. Checked before any password prompt, so nobody types one for nothing.
fn username(invocation: &Invocation<'_>) -> Result<String> {
    normalize_username(invocation.text("username").unwrap_or_default())
}

/// The `--role` of an invocation; the binder has checked it against the table's choices, so a
/// miss here means the table and this code disagree.
fn role(invocation: &Invocation<'_>) -> Result<Role> {
    invocation
        .text("role")
        .and_then(Role::parse)
        .ok_or_else(|| Error::State {
            message: format!("'{}' has no valid --role", invocation.spec.path),
        })
}

/// A path as the AWS CLI reads it: a leading `~/` is the home directory.
fn user_path(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

/// A text argument as the AWS CLI takes it: `file://PATH` is the file's text (a file of `kind`),
/// anything else is the text itself (a PEM certificate, for example).
fn text_argument(value: &str, kind: crate::intake::FileKind) -> Result<String> {
    let Some(path) = value.strip_prefix("file://") else {
        return Ok(value.to_owned());
    };
    crate::intake::read_text(&user_path(path), kind)
}

/// Writes `bytes` to a file only its owner can read (wrapped keys, ciphertexts).
fn write_private_file(path: &str, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = user_path(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut file| {
            // A file that already existed keeps its mode through open: narrow it first.
            file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            file.write_all(bytes)
        })
        .map_err(|error| Error::io(format!("Cannot write {}", path.display()), error))
}

/// A string arg the binder has already insisted on (required, or filled from its default); an
/// optional one that was left out reads as empty.
fn text<'i>(invocation: &'i Invocation<'_>, name: &str) -> &'i str {
    invocation.text(name).unwrap_or_default()
}

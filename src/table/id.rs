//! `CommandId`: the names of the command table's rows, which parsing binds to and dispatch
//! matches on.

macro_rules! command_ids {
    ($($variant:ident),* $(,)?) => {
        /// One variant per row of `grammar/commands.toml`; the `id` field of a row names it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum CommandId {
            $($variant),*
        }

        impl CommandId {
            pub const ALL: &'static [CommandId] = &[$(CommandId::$variant),*];

            pub fn name(self) -> &'static str {
                match self {
                    $(CommandId::$variant => stringify!($variant)),*
                }
            }

            pub fn from_name(name: &str) -> Option<CommandId> {
                match name {
                    $(stringify!($variant) => Some(CommandId::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

command_ids! {
    Help,
    Quit,
    Source,
    ClusterActivate,
    ClusterHsmInfo,
    ClusterMtlsRegisterTrustAnchor,
    ClusterMtlsDeregisterTrustAnchor,
    ClusterMtlsListTrustAnchors,
    ClusterMtlsSetEnforcement,
    ClusterMtlsGetEnforcement,
    Login,
    LoginMfaTokenSign,
    Logout,
    QuorumTokenSignGenerate,
    QuorumTokenSignList,
    QuorumTokenSignListQuorumValues,
    QuorumTokenSignSetQuorumValue,
    QuorumTokenSignDelete,
    QuorumTokenSignListTimeouts,
    QuorumTokenSignSetTimeout,
    UserChangeQuorumTokenSignRegister,
    UserChangeMfaTokenSign,
    UserReplicate,
    SimSignToken,
    UserCreate,
    UserDelete,
    UserList,
    UserChangePassword,
    KeyGenerateAes,
    KeyGenerateGenericSecret,
    KeyGenerateRsaPair,
    KeyGenerateEcPair,
    KeyList,
    KeyDelete,
    KeySetAttribute,
    KeyShare,
    KeyUnshare,
    KeyReplicate,
    KeyImportPem,
    KeyGenerateFile,
    KeyWrapAesGcm,
    KeyWrapAesNoPad,
    KeyWrapAesPkcs5Pad,
    KeyWrapAesZeroPad,
    KeyWrapCloudhsmAesGcm,
    KeyWrapRsaAes,
    KeyWrapRsaOaep,
    KeyWrapRsaPkcs,
    KeyUnwrapAesGcm,
    KeyUnwrapAesNoPad,
    KeyUnwrapAesPkcs5Pad,
    KeyUnwrapAesZeroPad,
    KeyUnwrapCloudhsmAesGcm,
    KeyUnwrapRsaAes,
    KeyUnwrapRsaOaep,
    KeyUnwrapRsaPkcs,
    CryptoSignRsaPkcs,
    CryptoSignRsaPkcsPss,
    CryptoSignEcdsa,
    CryptoSignEd25519,
    CryptoSignEd25519ph,
    CryptoVerifyRsaPkcs,
    CryptoVerifyRsaPkcsPss,
    CryptoVerifyEcdsa,
    CryptoVerifyEd25519,
    CryptoVerifyEd25519ph,
    Cloudhsmv2DescribeClusters,
    Cloudhsmv2DescribeBackups,
    Cloudhsmv2CreateBackup,
    Cloudhsmv2CreateCluster,
    Cloudhsmv2InitializeCluster,
    Cloudhsmv2CreateHsm,
    Cloudhsmv2DeleteHsm,
    Cloudhsmv2DeleteCluster,
    SimDeleteSubnet,
    SimSetFreeAddresses,
    SimRemoveSecurityGroupRules,
    SimRestoreSecurityGroupRules,
    SimCreateSubnet,
    SimDescribeNetwork,
    SimSetHsmState,
    SimSetClusterState,
    SimMapSubnet,
    SimFailNextConnect,
    SimSetDelays,
    SimAdvanceClock,
    SimFailNextKmsCall,
    SimUseCluster,
    KeystoreCreate,
    KeystoreDescribe,
    KeystoreUpdate,
    KeystoreDelete,
    KeystoreConnect,
    KeystoreDisconnect,
    KeystoreCheckPrerequisites,
    KmsCreateKey,
    KmsDescribeKey,
    KmsListKeys,
    KmsEncrypt,
    KmsDecrypt,
    KmsGenerateRandom,
    KmsScheduleKeyDeletion,
    KmsCancelKeyDeletion,
    KmsEnableKey,
    KmsDisableKey,
}

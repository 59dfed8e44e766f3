//! Tests of `help`.

use super::*;
use crate::parse::bind;

fn help(words: &[&str]) -> String {
    let words: Vec<String> = words.iter().map(|word| word.to_string()).collect();
    render_help(&CommandTable::builtin(), &words).unwrap()
}

#[test]
fn the_root_lists_every_command() {
    assert_eq!(
            help(&[]),
            "\
Usage: <COMMAND>

Commands:
  help                                    Print this message or the help of the given command
  quit                                    Quit the shell
  source                                  Run the command lines of a file in this shell, as --file runs them
  cluster activate                        Activate the cluster by setting the password of the built-in admin
  cluster hsm-info                        Get the hardware information of the HSMs in the cluster
  cluster mtls register-trust-anchor      Register a CA certificate that client certificates must chain to (hsm2m.medium)
  cluster mtls deregister-trust-anchor    Deregister a trust anchor (hsm2m.medium)
  cluster mtls list-trust-anchors         List the registered trust anchors (hsm2m.medium)
  cluster mtls set-enforcement            Set whether the cluster refuses clients without a certificate from its anchors
  cluster mtls get-enforcement            Show the cluster's mTLS enforcement level (hsm2m.medium)
  login                                   Log in to the cluster
  login mfa-token-sign                    Log in with your password and tokens signed by your MFA key
  logout                                  Log out of the cluster
  user create                             Create a user on the cluster
  user delete                             Delete a user from the cluster
  user list                               List the users of the cluster
  user change-password                    Change the password of a user
  user replicate                          Copy a user to another cluster of the same backup lineage
  user change-mfa token-sign              Register or deregister a user's MFA key (token-sign), setting its password
  user change-quorum token-sign register  Register your public key as your quorum key (token-sign)
  quorum token-sign generate              Generate a quorum token for a service and write it to a file
  quorum token-sign list                  List the live quorum tokens of the cluster
  quorum token-sign list-quorum-values    List the quorum value of each service
  quorum token-sign set-quorum-value      Set how many approvals a service needs
  quorum token-sign delete                Delete quorum tokens
  quorum token-sign list-timeouts         List how long quorum tokens live, in seconds
  quorum token-sign set-timeout           Set how long quorum tokens live, in seconds
  key generate-symmetric aes              Generate an AES key
  key generate-symmetric generic-secret   Generate a generic secret key
  key generate-asymmetric-pair rsa        Generate an RSA key pair
  key generate-asymmetric-pair ec         Generate an EC key pair
  key list                                List the keys you own or share, and all public keys
  key delete                              Delete a key
  key set-attribute                       Set an attribute of a key
  key share                               Share a key with another crypto user
  key unshare                             Stop sharing a key with a crypto user
  key replicate                           Copy a key to another cluster of the same backup lineage
  key import pem                          Import a public key from a PEM file
  key generate-file                       Write a key file: a public key PEM, or a reference PEM that names a private key
  key wrap aes-gcm                        Wrap a key with AES-GCM; the HSM chooses the IV and returns it
  key wrap aes-no-pad                     Wrap a key with AES key wrap without padding (RFC 3394)
  key wrap aes-pkcs5-pad                  Wrap a key with AES key wrap with PKCS #5 padding
  key wrap aes-zero-pad                   Wrap a key with AES key wrap with zero padding
  key wrap cloudhsm-aes-gcm               Wrap a key with AES-GCM with the IV prepended to the wrapped data
  key wrap rsa-aes                        Wrap a key with RSA-AES: an ephemeral AES key under RSA-OAEP, the payload under AES key wrap with padding
  key wrap rsa-oaep                       Wrap a key with RSA-OAEP
  key wrap rsa-pkcs                       Wrap a key with RSA PKCS #1 v1.5
  key unwrap aes-gcm                      Unwrap a key wrapped with AES-GCM, given the IV that wrapping returned
  key unwrap aes-no-pad                   Unwrap a key wrapped with AES key wrap without padding (RFC 3394)
  key unwrap aes-pkcs5-pad                Unwrap a key wrapped with AES key wrap with PKCS #5 padding
  key unwrap aes-zero-pad                 Unwrap a key wrapped with AES key wrap with zero padding
  key unwrap cloudhsm-aes-gcm             Unwrap a key wrapped with AES-GCM with the IV prepended to the wrapped data
  key unwrap rsa-aes                      Unwrap a key wrapped with RSA-AES
  key unwrap rsa-oaep                     Unwrap a key wrapped with RSA-OAEP
  key unwrap rsa-pkcs                     Unwrap a key wrapped with RSA PKCS #1 v1.5
  crypto sign rsa-pkcs                    Sign data with RSA PKCS #1 v1.5
  crypto sign rsa-pkcs-pss                Sign data with RSA-PSS
  crypto sign ecdsa                       Sign data with ECDSA (the signature is r and s, concatenated)
  crypto sign ed25519                     Sign data with Ed25519 (PureEdDSA, RFC 8032)
  crypto sign ed25519ph                   Sign data with Ed25519ph (HashEdDSA over SHA-512, RFC 8032)
  crypto verify rsa-pkcs                  Verify an RSA PKCS #1 v1.5 signature
  crypto verify rsa-pkcs-pss              Verify an RSA-PSS signature
  crypto verify ecdsa                     Verify an ECDSA signature
  crypto verify ed25519                   Verify an Ed25519 (PureEdDSA) signature
  crypto verify ed25519ph                 Verify an Ed25519ph (HashEdDSA) signature
  cloudhsmv2 describe-clusters            Describe the clusters (AWS CloudHSM v2 DescribeClusters)
  cloudhsmv2 describe-backups             Describe the cluster backups (AWS CloudHSM v2 DescribeBackups)
  cloudhsmv2 create-backup                Back up a cluster now (simulator convenience)
  cloudhsmv2 create-cluster               Create a cluster, or restore one from a backup (AWS CloudHSM v2 CreateCluster)
  cloudhsmv2 initialize-cluster           Initialize a cluster with its signed certificate (AWS CloudHSM v2 InitializeCluster)
  cloudhsmv2 create-hsm                   Add an HSM to a cluster (AWS CloudHSM v2 CreateHsm)
  cloudhsmv2 delete-hsm                   Delete an HSM of a cluster (AWS CloudHSM v2 DeleteHsm)
  cloudhsmv2 delete-cluster               Delete a cluster without HSMs (AWS CloudHSM v2 DeleteCluster)
  sim delete-subnet                       Fault: delete a subnet behind its cluster's back
  sim set-free-addresses                  Fault: set how many IP addresses a subnet has free
  sim remove-security-group-rules         Fault: remove the cluster security group's TCP 2223-2225 rules
  sim restore-security-group-rules        Repair: put back the cluster security group's TCP 2223-2225 rules
  sim create-subnet                       Repair: create a subnet with free addresses in the cluster's VPC
  sim describe-network                    Show the subnets and security group around a cluster
  sim set-hsm-state                       Fault: set an HSM's state, e.g. DELETED
  sim set-cluster-state                   Fault: set a cluster's state, e.g. DELETED
  sim map-subnet                          Repair: map an Availability Zone of a cluster to another existing subnet
  sim fail-next-connect                   Fault: make the next key store connection fail with a network or internal error
  sim set-delays                          Set how long key store connects and disconnects take
  sim fail-next-kms-call                  Fault: make the next KMS call fail with a retryable service exception
  sim advance-clock                       Move the simulated clock forward
  sim sign-token                          Sign a quorum, registration or MFA token file as its signer would
  sim use-cluster                         Choose the simulated cluster the HSM commands act on
  keystore create                         Create a KMS custom key store on a CloudHSM cluster (CreateCustomKeyStore)
  keystore describe                       Describe custom key stores (DescribeCustomKeyStores)
  keystore update                         Rename a custom key store, or change its password or cluster (UpdateCustomKeyStore)
  keystore delete                         Delete a DISCONNECTED custom key store that holds no KMS keys (DeleteCustomKeyStore)
  keystore connect                        Connect a custom key store to its cluster (ConnectCustomKeyStore)
  keystore disconnect                     Disconnect a custom key store from its cluster (DisconnectCustomKeyStore)
  keystore check-prerequisites            Check a cluster against everything KMS requires of a custom key store
  kms create-key                          Create a KMS key in a CloudHSM key store (CreateKey)
  kms describe-key                        Describe a KMS key (DescribeKey)
  kms list-keys                           List the KMS keys of the simulated key stores (ListKeys)
  kms encrypt                             Encrypt up to 4096 bytes under a KMS key (Encrypt)
  kms decrypt                             Decrypt a ciphertext blob of kms encrypt (Decrypt)
  kms generate-random                     Random bytes, from a key store's cluster when one is named (GenerateRandom)
  kms schedule-key-deletion               Schedule the deletion of a KMS key (ScheduleKeyDeletion)
  kms cancel-key-deletion                 Cancel the deletion of a KMS key (CancelKeyDeletion)
  kms enable-key                          Enable a KMS key (EnableKey)
  kms disable-key                         Disable a KMS key (DisableKey)

Options:
  -h, --help  Print help\n"
        );
}

#[test]
fn a_command_shows_summary_access_usage_and_options() {
    assert_eq!(
            help(&["user", "create"]),
            "\
Create a user on the cluster
Access: admin

Usage: user create [OPTIONS] --username <USERNAME> --role <ROLE>

Options:
      --cluster-id <CLUSTER_ID>  The cluster to run this one command against, with this shell's login there; absent: the shell's cluster
      --username <USERNAME>      The name of the new user: at most 31 letters, digits, '_' or '-'; case-insensitive
      --role <ROLE>              The role of the new user [possible values: admin, crypto-user]
      --password <PASSWORD>      The password of the new user, 7 to 32 characters without ':'; prompted for when absent; given on the command line it is visible to every local user (ps)
      --approval <APPROVAL>      A token file of quorum token-sign generate --service user, signed by enough approvers; needed when the user service's quorum value is above 1
  -h, --help                     Print help
"
        );
}

#[test]
fn about_follows_the_access_line() {
    let text = help(&["cluster", "activate"]);
    assert!(
        text.starts_with(
            "Activate the cluster by setting the password of the built-in admin\n\
                 Access: public (no login needed)\n\nRuns once, on a cluster"
        ),
        "{text}"
    );
    assert!(
        text.contains("\nUsage: cluster activate [OPTIONS]\n"),
        "{text}"
    );
    assert!(help(&["user", "change-password"]).contains("\nAccess: admin or crypto-user\n"));
    assert!(help(&["logout"]).contains("\nAccess: logged-in (any role)\n"));
}

#[test]
fn a_command_without_args_has_a_bare_usage() {
    assert_eq!(
        help(&["quit"]),
        "\
Quit the shell
Access: public (no login needed)

Usage: quit

Options:
  -h, --help  Print help
"
    );
}

#[test]
fn help_shows_its_positional_argument() {
    assert_eq!(
        help(&["help"]),
        "\
Print this message or the help of the given command
Access: public (no login needed)

Usage: help [COMMAND]...

Arguments:
  [COMMAND]...  The command whose help to print, e.g. `user create`

Options:
  -h, --help  Print help
"
    );
}

#[test]
fn a_group_lists_its_subcommands() {
    assert_eq!(
        help(&["user"]),
        "\
Usage: user <COMMAND>

Commands:
  create                             Create a user on the cluster
  delete                             Delete a user from the cluster
  list                               List the users of the cluster
  change-password                    Change the password of a user
  replicate                          Copy a user to another cluster of the same backup lineage
  change-mfa token-sign              Register or deregister a user's MFA key (token-sign), setting its password
  change-quorum token-sign register  Register your public key as your quorum key (token-sign)

Options:
  -h, --help  Print help
"
    );
}

#[test]
fn unknown_words_give_the_binders_error() {
    let table = CommandTable::builtin();
    for words in [
        vec!["usr"],
        vec!["user", "creat"],
        vec!["user", "list", "x"],
    ] {
        let line = words.join(" ");
        let words: Vec<String> = words.into_iter().map(String::from).collect();
        let from_help = render_help(&table, &words).unwrap_err();
        let from_help_line = bind(&table, &format!("help {line}")).unwrap_err();
        assert_eq!(from_help.message, from_help_line.message);
        assert_eq!(
            from_help.span.map(|span| span.start + 5..span.end + 5),
            from_help_line.span
        );
    }
    let error = render_help(&table, &["usr".to_owned()]).unwrap_err();
    assert_eq!(error, bind(&table, "usr").unwrap_err());
    assert_eq!(
        error,
        SyntaxError::new(
            "unrecognized command 'usr'; did you mean 'user'?",
            Some(0..3)
        )
    );
}

#[test]
fn a_command_that_is_also_a_group_shows_both() {
    let table = CommandTable::from_toml(
        r#"
[[command]]
path = "login"
id = "Login"
summary = "Log in"
access = "public"
  [[command.arg]]
  name = "username"
  kind = "username"
  value = "USERNAME"
  required = true
  help = "The user"
  [[command.arg]]
  name = "verbose"
  short = "v"
  kind = "switch"
  help = "Say more"
  [[command.arg]]
  name = "max-items"
  kind = "integer"
  value = "MAX_ITEMS"
  default = 10
  help = "How many"

[[command]]
path = "login mfa-token-sign"
id = "Logout"
summary = "Sign an MFA token"
access = ["admin", "crypto-user"]
"#,
    )
    .unwrap();
    assert_eq!(
        render_help(&table, &["login".to_owned()]).unwrap(),
        "\
Log in
Access: public (no login needed)

Usage: login [OPTIONS] --username <USERNAME>
       login <COMMAND>

Commands:
  mfa-token-sign  Sign an MFA token

Options:
      --username <USERNAME>    The user
  -v, --verbose                Say more
      --max-items <MAX_ITEMS>  How many [default: 10]
  -h, --help                   Print help
"
    );
}

#[test]
fn arg_usages() {
    let table = CommandTable::builtin();
    let spec = table.by_path("login").unwrap();
    let usages: Vec<String> = spec.args.iter().map(arg_usage).collect();
    assert_eq!(
        usages,
        [
            "--cluster-id <CLUSTER_ID>",
            "--username <USERNAME>",
            "--role <ROLE>",
            "--password <PASSWORD>"
        ]
    );
    assert_eq!(
        arg_usage(&table.by_path("help").unwrap().args[0]),
        "[COMMAND]..."
    );
}

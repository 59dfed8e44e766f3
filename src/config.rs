//! `Config`: everything decided once at start-up (paths, output format, terminals, seed),
//! passed down instead of read from globals.

use crate::backend::hsm::pkcs11::Pkcs11Options;
use crate::output::Format;
use crate::server::RequiredCredentials;
use crate::transcript::replay::ReplayOptions;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Where `--aws` sends its requests: the flags; whatever is `None` comes from the SDK's usual
/// chain (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `~/.aws/config`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Where lines come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The `aws-cloudhsm >` prompt.
    Interactive,
    /// Lines from stdin (not a terminal) or from `--file`.
    Batch { file: Option<PathBuf> },
    /// One command given as arguments, e.g. `cloudhsm-shell user list`.
    Single { words: Vec<String> },
    /// Run a transcript and check every result against it (`--bless` rewrites it instead,
    /// `--any-cluster` binds what differs from cluster to cluster).
    Replay {
        file: PathBuf,
        options: ReplayOptions,
    },
    /// `serve`: the simulator over the AWS wire protocols on `listen`, requiring SigV4 with
    /// `credentials` when given.
    Serve {
        listen: SocketAddr,
        credentials: Option<RequiredCredentials>,
        /// The credentials came as a process argument, which every local user can read.
        credentials_in_arguments: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    /// `--pkcs11 MODULE`: the HSM commands act on a PKCS#11 token instead of the simulator.
    pub pkcs11: Option<Pkcs11Options>,
    pub state_dir: PathBuf,
    /// `--cluster-id`: the cluster HSM commands act on; the state's first when `None`.
    pub cluster_id: Option<String>,
    pub history_file: Option<PathBuf>,
    pub record_file: Option<PathBuf>,
    pub secrets_file: Option<PathBuf>,
    pub format: Format,
    pub colour: bool,
    pub stdin_is_terminal: bool,
    pub stderr_is_terminal: bool,
    pub keep_going: bool,
    pub seed: Option<u64>,
    /// `CLOUDHSM_ROLE`, for single-command logins.
    pub env_role: Option<String>,
    /// `--client-cert` and `--client-key`: the certificate and key files this shell presents
    /// to clusters that enforce mTLS.
    pub client_identity_files: Option<(PathBuf, PathBuf)>,
    /// `DESTINATION_CLOUDHSM_ROLE`, for the destination login of a single-command replicate.
    pub destination_role: Option<String>,
    /// `--aws`: the `keystore`, `kms` and `cloudhsmv2` commands call AWS (or `--endpoint-url`).
    pub aws: Option<AwsOptions>,
}

/// `$XDG_DATA_HOME/cloudhsm-shell`, else `~/.local/share/cloudhsm-shell`.
pub fn default_state_dir(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    xdg_dir(env, "XDG_DATA_HOME", ".local/share").join("cloudhsm-shell")
}

/// `$XDG_STATE_HOME/cloudhsm-shell/history`, else `~/.local/state/cloudhsm-shell/history`.
pub fn default_history_file(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    xdg_dir(env, "XDG_STATE_HOME", ".local/state")
        .join("cloudhsm-shell")
        .join("history")
}

fn xdg_dir(env: &dyn Fn(&str) -> Option<String>, variable: &str, fallback: &str) -> PathBuf {
    match env(variable).filter(|value| Path::new(value).is_absolute()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env("HOME").unwrap_or_else(|| "/".to_owned())).join(fallback),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_variables_win_over_home_and_relative_ones_are_ignored() {
        let with_xdg = |name: &str| match name {
            "XDG_DATA_HOME" => Some("/data".to_owned()),
            "XDG_STATE_HOME" => Some("relative/state".to_owned()),
            "HOME" => Some("/home/ops".to_owned()),
            _ => None,
        };
        assert_eq!(
            default_state_dir(&with_xdg),
            PathBuf::from("/data/cloudhsm-shell")
        );
        assert_eq!(
            default_history_file(&with_xdg),
            PathBuf::from("/home/ops/.local/state/cloudhsm-shell/history")
        );
    }
}

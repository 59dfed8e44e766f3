//! Process arguments, start-up and mode selection: builds the `Config` and the `Shell`, then
//! hands lines from the chosen mode to the one funnel.

#[cfg(feature = "aws")]
use crate::backend::aws::AwsClients;
use crate::backend::hsm::HsmBackend;
#[cfg(feature = "aws")]
use crate::backend::hsm::aws_control::AwsClusterControl;
use crate::backend::hsm::cluster_control::ClusterControl;
use crate::backend::hsm::mtls::ClientIdentity;
use crate::backend::hsm::pkcs11::{PinFormat, Pkcs11Hsm, Pkcs11Options, TokenChoice};
use crate::backend::hsm::sim::SimHsm;
use crate::backend::kms::KmsBackend;
#[cfg(feature = "aws")]
use crate::backend::kms::aws::AwsKms;
use crate::backend::kms::sim::SimKms;
use crate::command::SimAccess;
use crate::config::{self, AwsOptions, Config, Mode};
use crate::error::Error;
use crate::output::{self, Format, Output};
use crate::prompt::{Secrets, Terminal, TtyTerminal};
use crate::server::{self, RequiredCredentials, ServeOptions};
use crate::shell::Shell;
use crate::sim::SimOptions;
use crate::table::CommandTable;
use crate::transcript::replay::ReplayOptions;
use crate::{batch, repl, single, transcript};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, ValueEnum};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status when a command (or a replayed transcript line) failed.
const EXIT_FAILED: u8 = 1;
/// Exit status when the shell could not start (bad arguments, unusable state or secrets).
const EXIT_START: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "cloudhsm-shell",
    version,
    about = "An admin shell for AWS CloudHSM clusters and KMS custom key stores",
    after_help = "With no COMMAND: the aws-cloudhsm > prompt on a terminal, batch lines from stdin otherwise.\nWith COMMAND: runs that one command, logging in from CLOUDHSM_ROLE and CLOUDHSM_PIN when it needs a login.\nserve: serves the simulator to AWS clients (KMS and CloudHSM v2 wire protocols) on --listen."
)]
struct Cli {
    /// The HSM commands act on a token of this PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so, or CloudHSM's libcloudhsm_pkcs11.so) instead of the simulator
    #[arg(long, env = "CLOUDHSM_SHELL_PKCS11_MODULE", value_name = "MODULE_PATH")]
    pkcs11: Option<PathBuf>,
    /// With --pkcs11: the token's slot id (ids can change when tokens are initialised; --token-label cannot)
    #[arg(
        long,
        env = "CLOUDHSM_SHELL_PKCS11_SLOT",
        value_name = "ID",
        conflicts_with = "token_label"
    )]
    slot: Option<u64>,
    /// With --pkcs11: the token's label [default: the module's only initialised token]
    #[arg(long, env = "CLOUDHSM_SHELL_PKCS11_TOKEN", value_name = "LABEL")]
    token_label: Option<String>,
    /// With --pkcs11: how a login becomes the PIN: cloudhsm (username:password) or plain (the password) [default: cloudhsm for CloudHSM's library, plain otherwise]
    #[arg(
        long,
        value_enum,
        env = "CLOUDHSM_SHELL_PKCS11_PIN_FORMAT",
        value_name = "FORMAT"
    )]
    pin_format: Option<PinFormat>,
    /// Directory of the simulator's state
    #[arg(long, env = "CLOUDHSM_SHELL_STATE_DIR", value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// The cluster the HSM commands act on (multi-cluster mode) [default: the state's first]
    #[arg(long, env = "CLOUDHSM_SHELL_CLUSTER_ID", value_name = "ID")]
    cluster_id: Option<String>,
    /// The keystore, kms and cloudhsmv2 commands call AWS (credentials, Region and profile from the SDK's usual chain); the HSM commands keep using the simulator
    #[arg(long, env = "CLOUDHSM_SHELL_AWS", value_parser = clap::builder::FalseyValueParser::new())]
    aws: bool,
    /// With --aws: the AWS Region [default: AWS_REGION, then the profile's]
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// With --aws: the profile of ~/.aws/config and ~/.aws/credentials [default: AWS_PROFILE, then default]
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// With --aws: send KMS and CloudHSM v2 requests to URL instead of AWS, e.g. cloudhsm-shell serve [default: AWS_ENDPOINT_URL]
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Output format [default: json-pretty on a terminal, json otherwise]
    #[arg(long, value_enum, env = "CLOUDHSM_SHELL_OUTPUT")]
    output: Option<OutputFormat>,
    /// Run the command lines of FILE (batch mode)
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with_all = ["replay", "command"])]
    file: Option<PathBuf>,
    /// In batch mode, go on after a failing command; with --replay, after the first result
    /// that differs (the exit status still says it failed)
    #[arg(long)]
    keep_going: bool,
    /// Passwords for batch mode: NAME=value lines keyed by username; mode 0600
    #[arg(long, env = "CLOUDHSM_SHELL_SECRETS", value_name = "FILE")]
    secrets: Option<PathBuf>,
    /// Make the simulator deterministic: IDs and its secrets from this seed, and a new state on the virtual clock (rehearsal only)
    #[arg(long, env = "CLOUDHSM_SHELL_SEED", value_name = "N")]
    seed: Option<u64>,
    /// History file of the interactive shell
    #[arg(long, env = "CLOUDHSM_SHELL_HISTORY", value_name = "FILE")]
    history: Option<PathBuf>,
    /// The client certificate (PEM, leaf first) this shell presents to simulated clusters that
    /// enforce mTLS, as the CloudHSM configure tool's --client-cert-hsm-tls-file
    #[arg(long, value_name = "FILE", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// The PKCS #8 private key of --client-cert (--client-key-hsm-tls-file); mode 0600
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    client_key: Option<PathBuf>,
    /// Record the session (commands without secrets, and their results) to FILE
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    record: Option<PathBuf>,
    /// Replay a recorded transcript and verify every result
    #[arg(long, value_name = "FILE", conflicts_with = "command")]
    replay: Option<PathBuf>,
    /// With --replay: rewrite the transcript with the results of this run
    #[arg(long, requires = "replay", conflicts_with_all = ["any_cluster", "keep_going"])]
    bless: bool,
    /// With --replay: verify a transcript recorded on another cluster; IDs, key references,
    /// key material, signatures and times bind to this run's values (grammar/varying.toml)
    #[arg(long, requires = "replay")]
    any_cluster: bool,
    /// With serve: the address to listen on [default: 127.0.0.1:4566]
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// With serve: accept only requests signed (SigV4) with this access key; given on the
    /// command line it is visible to every local user (ps), the environment variable is not
    #[arg(
        long,
        env = "CLOUDHSM_SHELL_REQUIRE_CREDENTIALS",
        hide_env_values = true,
        value_name = "ACCESS_KEY_ID:SECRET_ACCESS_KEY",
        value_parser = CredentialsParser
    )]
    require_credentials: Option<RequiredCredentials>,
    /// Whether `--require-credentials` was a process argument rather than the environment.
    #[arg(skip)]
    require_credentials_in_arguments: bool,
    /// One command to run, e.g. `user list`; `interactive` starts the prompt, `serve` the server
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutputFormat {
    Json,
    JsonPretty,
}

/// Reads `--require-credentials` without quoting it back: clap's own errors repeat an invalid
/// value, and this one may be a secret access key.
#[derive(Clone)]
struct CredentialsParser;

impl clap::builder::TypedValueParser for CredentialsParser {
    type Value = RequiredCredentials;

    fn parse_ref(
        &self,
        command: &clap::Command,
        _: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<RequiredCredentials, clap::Error> {
        value
            .to_str()
            .and_then(|text| RequiredCredentials::parse(text).ok())
            .ok_or_else(|| {
                clap::Error::raw(
                    ErrorKind::ValueValidation,
                    "--require-credentials takes ACCESS_KEY_ID:SECRET_ACCESS_KEY, both non-empty \
                     (the value given is not shown: it may hold a secret)\n",
                )
                .with_cmd(command)
            })
    }
}

/// The whole program; `main.rs` only calls this.
pub fn main() -> ExitCode {
    let cli = parse_cli(std::env::args_os().collect());
    let config = configure(cli);
    match run(&config) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            println!("{}", output::compact(&output::error_envelope(&error)));
            ExitCode::from(EXIT_START)
        }
    }
}

/// The words that choose a mode rather than name a command.
const MODE_WORDS: [&str; 2] = ["interactive", "serve"];

/// Parses the process arguments. `interactive` is a mode word, as in the CloudHSM CLI
/// (`cloudhsm-cli interactive`), and so is `serve`: the shell's own options may follow them
/// (`cloudhsm-shell serve --state-dir DIR --listen 127.0.0.1:0`) instead of becoming words of a
/// command.
fn parse_cli(args: Vec<OsString>) -> Cli {
    let credentials_in_arguments = args.iter().any(|arg| {
        arg.to_str().is_some_and(|arg| {
            arg == "--require-credentials" || arg.starts_with("--require-credentials=")
        })
    });
    let mut cli = Cli::parse_from(&args);
    let mode_word = cli
        .command
        .first()
        .and_then(|word| MODE_WORDS.into_iter().find(|mode| mode == word));
    if let Some(mode) = mode_word
        && cli.command.len() > 1
    {
        // The command words are the last arguments; drop the mode word and parse the rest again.
        let mut without_mode_word = args;
        without_mode_word.remove(without_mode_word.len() - cli.command.len());
        cli = Cli::parse_from(without_mode_word);
        if let Some(word) = cli.command.first() {
            if word.starts_with('-') {
                refuse_unknown_option(word);
            }
            Cli::command()
                .error(
                    ErrorKind::UnknownArgument,
                    format!("unexpected argument '{word}' after '{mode}'"),
                )
                .exit();
        }
        cli.command = vec![mode.to_owned()];
    }
    if let Some(word) = cli.command.first()
        && word.starts_with('-')
    {
        refuse_unknown_option(word);
    }
    cli.require_credentials_in_arguments = credentials_in_arguments;
    let serving = cli.command.len() == 1 && cli.command[0] == "serve";
    if !serving && (cli.listen.is_some() || cli.require_credentials.is_some()) {
        Cli::command()
            .error(
                ErrorKind::ArgumentConflict,
                "--listen and --require-credentials go with serve: cloudhsm-shell serve --listen ADDR",
            )
            .exit();
    }
    cli
}

/// Stops the shell (exit 2) on a word before the command that looks like an option but is none
/// of the shell's (`--stat-dir DIR`): a command never starts with `-`, so it is a mistyped
/// start-up option, not a command to refuse. Only the flag's name is repeated, never what
/// follows an `=` (`--pasword=...` may hold a secret).
fn refuse_unknown_option(word: &str) -> ! {
    let name = word.split_once('=').map_or(word, |(name, _)| name);
    let mut command = Cli::command();
    let longs: Vec<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_long())
        .map(|long| format!("--{long}"))
        .collect();
    let mut message = format!("unexpected argument '{name}'");
    if let Some(long) = crate::parse::closest(name, longs.iter().map(String::as_str)) {
        message.push_str(&format!("; did you mean '{long}'?"));
    }
    command.error(ErrorKind::UnknownArgument, message).exit()
}

/// `--aws` with its options, or `None`; the options without `--aws` stop the shell (exit 2).
fn aws_options(cli: &mut Cli) -> Option<AwsOptions> {
    let options = AwsOptions {
        region: cli.region.take(),
        profile: cli.profile.take(),
        endpoint_url: cli.endpoint_url.take(),
    };
    if cli.aws {
        return Some(options);
    }
    if options != AwsOptions::default() {
        Cli::command()
            .error(
                ErrorKind::MissingRequiredArgument,
                "--region, --profile and --endpoint-url say where --aws sends its requests: \
                 add --aws (or set CLOUDHSM_SHELL_AWS=1), or leave them out to use the simulator",
            )
            .exit();
    }
    None
}

/// `--pkcs11` with its options, or `None`; the options without `--pkcs11` stop the shell.
fn pkcs11_options(cli: &mut Cli) -> Option<Pkcs11Options> {
    let token = match (cli.slot.take(), cli.token_label.take()) {
        (Some(slot), _) => TokenChoice::Slot(slot),
        (None, Some(label)) => TokenChoice::Label(label),
        (None, None) => TokenChoice::Only,
    };
    let pin_format = cli.pin_format.take();
    match cli.pkcs11.take() {
        Some(module) => Some(Pkcs11Options {
            module,
            token,
            pin_format,
        }),
        None if token != TokenChoice::Only || pin_format.is_some() => Cli::command()
            .error(
                ErrorKind::MissingRequiredArgument,
                "--slot, --token-label and --pin-format choose a token of a PKCS#11 module: \
                 add --pkcs11 MODULE_PATH (or set CLOUDHSM_SHELL_PKCS11_MODULE), or leave them out \
                 to use the simulator",
            )
            .exit(),
        None => None,
    }
}

fn configure(mut cli: Cli) -> Config {
    let aws = aws_options(&mut cli);
    let pkcs11 = pkcs11_options(&mut cli);
    let env = |name: &str| std::env::var(name).ok();
    let stdin_is_terminal = std::io::stdin().is_terminal();
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let mode = if let Some(file) = cli.replay {
        Mode::Replay {
            file,
            options: ReplayOptions {
                bless: cli.bless,
                any_cluster: cli.any_cluster,
                keep_going: cli.keep_going,
            },
        }
    } else if cli.command.len() == 1 && cli.command[0] == "interactive" {
        Mode::Interactive
    } else if cli.command.len() == 1 && cli.command[0] == "serve" {
        Mode::Serve {
            listen: cli.listen.unwrap_or_else(|| {
                server::DEFAULT_LISTEN
                    .parse()
                    .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 4566)))
            }),
            credentials: cli.require_credentials,
            credentials_in_arguments: cli.require_credentials_in_arguments,
        }
    } else if !cli.command.is_empty() {
        Mode::Single { words: cli.command }
    } else if cli.file.is_some() || !stdin_is_terminal {
        Mode::Batch { file: cli.file }
    } else {
        Mode::Interactive
    };
    let format = match cli.output {
        Some(OutputFormat::Json) => Format::Json,
        Some(OutputFormat::JsonPretty) => Format::JsonPretty,
        None if stdout_is_terminal => Format::JsonPretty,
        None => Format::Json,
    };
    Config {
        mode,
        pkcs11,
        state_dir: absolute(
            cli.state_dir
                .unwrap_or_else(|| config::default_state_dir(&env)),
        ),
        cluster_id: cli.cluster_id,
        history_file: Some(
            cli.history
                .unwrap_or_else(|| config::default_history_file(&env)),
        ),
        record_file: cli.record,
        client_identity_files: cli.client_cert.zip(cli.client_key),
        secrets_file: cli.secrets,
        format,
        colour: stdout_is_terminal && env("NO_COLOR").is_none_or(|value| value.is_empty()),
        stdin_is_terminal,
        stderr_is_terminal: std::io::stderr().is_terminal(),
        keep_going: cli.keep_going,
        seed: cli.seed,
        env_role: env("CLOUDHSM_ROLE"),
        destination_role: env("DESTINATION_CLOUDHSM_ROLE"),
        aws,
    }
}

/// Runs the mode of `config`: the server, or the shell built for it; returns the exit status.
pub fn run(config: &Config) -> Result<u8, Error> {
    colored::control::set_override(config.colour);
    let all_succeeded = match &config.mode {
        Mode::Serve {
            listen,
            credentials,
            credentials_in_arguments,
        } => {
            return server::run(ServeOptions {
                listen: *listen,
                sim: sim_options(config),
                credentials: credentials.clone(),
                credentials_in_arguments: *credentials_in_arguments,
            });
        }
        Mode::Interactive => with_shell(config, |shell, _| repl::run(shell, config))?,
        Mode::Batch { file } => with_shell(config, |shell, _| {
            batch::run(shell, config, file.as_deref())
        })?,
        Mode::Replay { file, options } => with_shell(config, |shell, _| {
            transcript::replay::run(shell, file, *options, &config.state_dir)
        })?,
        Mode::Single { words } => with_shell(config, |shell, pin_username| {
            single::run(shell, config, words, pin_username)
        })?,
    };
    Ok(if all_succeeded { 0 } else { EXIT_FAILED })
}

fn sim_options(config: &Config) -> SimOptions {
    SimOptions {
        state_dir: config.state_dir.clone(),
        seed: config.seed,
        cluster_id: config.cluster_id.clone(),
    }
}

/// Builds the shell for `config` and hands it, with the username of `CLOUDHSM_PIN`, to `work`,
/// which runs the lines of its mode and says whether all of them succeeded.
fn with_shell(
    config: &Config,
    work: impl FnOnce(&mut Shell, Option<&str>) -> Result<bool, Error>,
) -> Result<bool, Error> {
    // The simulator backend gives both: the HSM cluster first (it creates the state on a
    // first run), then the KMS key stores on the same state directory.
    let options = sim_options(config);
    let aws = config
        .aws
        .as_ref()
        .map(|aws| aws_backends(aws, &options))
        .transpose()?;
    let (hsm, seed_warning): (Box<dyn HsmBackend>, _) = match &config.pkcs11 {
        None => {
            let sim = SimHsm::open(&options)?.with_client_identity(client_identity(config)?);
            let warning = sim.seed_warning();
            (Box::new(sim), warning)
        }
        Some(pkcs11) => (Box::new(Pkcs11Hsm::open(pkcs11)?), None),
    };
    let (kms, aws): (Box<dyn KmsBackend>, _) = match aws {
        None => (Box::new(SimKms::open(&options)?), None),
        Some(AwsBackends {
            kms,
            control,
            sim_access,
        }) => (kms, Some((control, sim_access))),
    };
    let terminal: Option<Box<dyn Terminal>> = if config.stdin_is_terminal {
        Some(Box::new(TtyTerminal))
    } else {
        None
    };
    let mut secrets = Secrets::new(terminal)
        .with_pin(std::env::var("CLOUDHSM_PIN").ok().as_deref())
        .asking_lines(matches!(config.mode, Mode::Interactive));
    if let Some(file) = &config.secrets_file {
        secrets = secrets.with_file(file)?;
    }
    let pin_username = secrets.pin().map(|(username, _)| username.to_owned());
    let output = Output::new(
        config.format,
        config.colour,
        config.stderr_is_terminal,
        Box::new(std::io::stdout()),
        Box::new(std::io::stderr()),
    );
    let mut shell = Shell::new(CommandTable::builtin(), hsm, kms, Box::new(secrets), output);
    if let Some((control, sim_access)) = aws {
        shell = shell.with_aws(control, sim_access);
    }
    if let Some(warning) = seed_warning {
        // A note that cannot be written changes nothing the commands do.
        let _ = shell.output().note(&warning);
    }
    let all_succeeded = work(&mut shell, pin_username.as_deref())?;
    shell.close();
    Ok(all_succeeded)
}

/// The client certificate of `--client-cert` and `--client-key`, checked to belong together.
fn client_identity(config: &Config) -> Result<Option<ClientIdentity>, Error> {
    let Some((certificate, key)) = &config.client_identity_files else {
        return Ok(None);
    };
    let certificate = crate::intake::read_text(certificate, crate::intake::CERTIFICATE_PEM)?;
    let key = crate::secret::Secret::new(crate::intake::read_text(
        key,
        crate::intake::PRIVATE_KEY_PEM,
    )?);
    ClientIdentity::from_pem(&certificate, &key).map(Some)
}

/// What `--aws` puts in place of the simulator's KMS and control plane.
struct AwsBackends {
    kms: Box<dyn KmsBackend>,
    control: Box<dyn ClusterControl>,
    /// Whether the `sim` commands may act on the local state.
    sim_access: SimAccess,
}

/// KMS and the CloudHSM v2 control plane through the AWS SDK. With an endpoint override (a
/// rehearsal against `serve` on the same state), the `sim` commands' KMS faults act on the
/// simulator the server answers from; on AWS itself they are refused.
#[cfg(feature = "aws")]
fn aws_backends(aws: &AwsOptions, options: &SimOptions) -> Result<AwsBackends, Error> {
    let clients = AwsClients::connect(aws)?;
    let (rehearsal, sim_access) = if clients.has_endpoint_override() {
        (Some(SimKms::open(options)?), SimAccess::Allowed)
    } else {
        (None, SimAccess::RefusedOnAws)
    };
    Ok(AwsBackends {
        kms: Box::new(AwsKms::new(clients.clone(), rehearsal)),
        control: Box::new(AwsClusterControl::new(clients)),
        sim_access,
    })
}

/// A build without the cargo feature `aws` has no SDK: `--aws` stops the shell (exit 2).
#[cfg(not(feature = "aws"))]
fn aws_backends(_: &AwsOptions, _: &SimOptions) -> Result<AwsBackends, Error> {
    Err(Error::AwsNotBuiltIn)
}

/// `dir` made absolute against the working directory and without a trailing `/`, so that every
/// path the shell prints under it (and a transcript's `$STATE_DIR`) reads the same from anywhere.
fn absolute(dir: PathBuf) -> PathBuf {
    std::path::absolute(&dir)
        .map(|absolute| absolute.components().collect())
        .unwrap_or(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_directory_is_absolute_without_a_trailing_slash() {
        assert_eq!(absolute(PathBuf::from("/tmp/x/")), PathBuf::from("/tmp/x"));
        assert_eq!(
            absolute(PathBuf::from("state/")),
            std::env::current_dir().unwrap().join("state")
        );
    }
}

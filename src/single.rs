//! Single-command mode (`cloudhsm-shell user list`): one line from the process arguments, with a
//! login from `CLOUDHSM_ROLE` and `CLOUDHSM_PIN` when the command needs one, as the CloudHSM CLI
//! does, and the same recording as the other modes.

use crate::backend::hsm::Role;
use crate::batch;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::parse;
use crate::secret::Secret;
use crate::shell::Shell;
use crate::transcript::record::Recorder;
use zeroize::Zeroizing;

/// Said on stderr when the command's own arguments hold a password: every local user can read
/// a process's arguments.
pub const PASSWORD_IN_ARGUMENTS: &str = "warning: a password on the command line is visible to every local user (ps, /proc); give it through the prompt, a --secrets file or CLOUDHSM_PIN instead";

/// Runs the command; true when it (and the login it needed) succeeded. `pin_username` is the
/// user of `CLOUDHSM_PIN`, whose password the shell's secret source holds.
pub fn run(
    shell: &mut Shell,
    config: &Config,
    words: &[String],
    pin_username: Option<&str>,
) -> Result<bool> {
    let line = parse::quote_words(words);
    if parse::line_carries_secret(shell.table(), &line) {
        // Nothing more can be done when stderr is gone; the command still runs.
        let _ = shell.output().warn(PASSWORD_IN_ARGUMENTS);
    }
    let mut recorder = config
        .record_file
        .as_deref()
        .map(|path| Recorder::create(path, &config.state_dir, shell.hsm().cluster_id()))
        .transpose()?;
    let needed = shell.login_needed_by(&line);
    // A destination login carries its password: the line is wiped when dropped.
    let mut logins: Vec<(Zeroizing<String>, String)> = Vec::new();
    if let Some(needed) = &needed {
        let role = config.env_role.as_deref().and_then(Role::parse);
        let (Some(role), Some(username)) = (role, pin_username) else {
            shell.report(&Error::NeedsEnvLogin {
                command: needed.command.clone(),
            });
            return Ok(false);
        };
        // A command for another cluster logs in, and out, there.
        let on = on_cluster(needed.cluster.as_deref());
        logins.push((
            Zeroizing::new(format!(
                "login --username {} --role {role}{on}",
                parse::quote_words(&[username.to_owned()])
            )),
            format!("logout{on}"),
        ));
        if let Some(destination) = &needed.destination {
            match destination_login(config, &needed.command, destination) {
                Ok(login) => logins.push(login),
                Err(error) => {
                    shell.report(&error);
                    return Ok(false);
                }
            }
        }
    }
    // The logins and logouts around the command print only when they fail.
    for (login, _) in &logins {
        if !step(shell, recorder.as_mut(), login, false)? {
            return Ok(false);
        }
    }
    let succeeded = step(shell, recorder.as_mut(), &line, true)?;
    for (cluster, (_, logout)) in needed
        .iter()
        .flat_map(|needed| [needed.cluster.clone(), needed.destination.clone()])
        .zip(&logins)
    {
        // The command may have been `logout` itself.
        if shell.is_logged_in_on(cluster.as_deref()) {
            step(shell, recorder.as_mut(), logout, false)?;
        }
    }
    Ok(succeeded)
}

/// ` --cluster-id ID` for a login or logout on `cluster_id`; nothing for the shell's own.
fn on_cluster(cluster_id: Option<&str>) -> String {
    cluster_id.map_or_else(String::new, |cluster_id| {
        format!(
            " --cluster-id {}",
            parse::quote_words(&[cluster_id.to_owned()])
        )
    })
}

/// The login on a replication's destination from `DESTINATION_CLOUDHSM_ROLE` and
/// `DESTINATION_CLOUDHSM_PIN` (`username:password`), and its logout. The password travels on the
/// line, which the recorder screens as every `--password`.
fn destination_login(
    config: &Config,
    command: &str,
    destination: &str,
) -> Result<(Zeroizing<String>, String)> {
    let pin = std::env::var("DESTINATION_CLOUDHSM_PIN")
        .ok()
        .map(Secret::new);
    let role = config.destination_role.as_deref().and_then(Role::parse);
    let credentials = pin
        .as_ref()
        .and_then(|pin| pin.expose().split_once(':'))
        .zip(role);
    let Some(((username, password), role)) = credentials else {
        return Err(Error::NeedsDestinationLogin {
            command: command.to_owned(),
        });
    };
    let on = on_cluster(Some(destination));
    let raw = Zeroizing::new(password.to_owned());
    let password = Zeroizing::new(parse::quote_words(std::slice::from_ref(&*raw)));
    Ok((
        Zeroizing::new(format!(
            "login --username {} --role {role} --password {}{on}",
            parse::quote_words(&[username.to_owned()]),
            password.as_str()
        )),
        format!("logout{on}"),
    ))
}

/// Runs one line, shows its result (always, or only when it failed) and records it; true when
/// it succeeded.
fn step(
    shell: &mut Shell,
    recorder: Option<&mut Recorder>,
    line: &str,
    always_shown: bool,
) -> Result<bool> {
    let mut executed = shell.execute(line);
    if always_shown || executed.failed {
        shell.show(line, &mut executed);
    }
    if let Some(file) = &executed.source {
        return Ok(batch::run_source(shell, file, recorder, 0)?.all_succeeded);
    }
    if let Some(recorder) = recorder {
        recorder.record(shell.table(), line, &executed)?;
    }
    Ok(!executed.failed)
}

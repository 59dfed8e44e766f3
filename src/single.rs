//! Single-command mode (`cloudhsm-shell user list`): one line from the process arguments, with a
//! login from `CLOUDHSM_ROLE` and `CLOUDHSM_PIN` when the command needs one, as the CloudHSM CLI
//! does, and the same recording as the other modes.

use crate::backend::hsm::Role;
use crate::batch;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::parse;
use crate::shell::Shell;
use crate::transcript::record::Recorder;

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
    let mut chosen_cluster = None;
    let mut on_cluster = String::new();
    let login = match shell.login_needed_by(&line) {
        None => None,
        Some((command, chosen)) => {
            let role = config.env_role.as_deref().and_then(Role::parse);
            let (Some(role), Some(username)) = (role, pin_username) else {
                shell.report(&Error::NeedsEnvLogin { command });
                return Ok(false);
            };
            let username = parse::quote_words(&[username.to_owned()]);
            // A command for another cluster logs in, and out, there.
            if let Some(cluster_id) = chosen {
                on_cluster = format!(
                    " --cluster-id {}",
                    parse::quote_words(std::slice::from_ref(&cluster_id))
                );
                chosen_cluster = Some(cluster_id);
            }
            Some(format!(
                "login --username {username} --role {role}{on_cluster}"
            ))
        }
    };
    // The login and logout around the command print only when they fail.
    if let Some(login) = &login
        && !step(shell, recorder.as_mut(), login, false)?
    {
        return Ok(false);
    }
    let succeeded = step(shell, recorder.as_mut(), &line, true)?;
    // The command may have been `logout` itself.
    if login.is_some() && shell.is_logged_in_on(chosen_cluster.as_deref()) {
        step(
            shell,
            recorder.as_mut(),
            &format!("logout{on_cluster}"),
            false,
        )?;
    }
    Ok(succeeded)
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

//! The one funnel: every mode hands its lines to `Shell::run_line` (or `execute`, for replay),
//! which binds, gates, dispatches and renders.

use crate::backend::hsm::HsmBackend;
use crate::backend::kms::KmsBackend;
use crate::command::{self, Context, Reply};
use crate::error::Error;
use crate::output::{Output, Rendered, render, render_error};
use crate::parse::{self, SyntaxError};
use crate::prompt::SecretSource;
use crate::secret::Secret;
use crate::session::{Role, Session};
use crate::spec::CommandTable;

/// Whether the shell goes on after a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Everything one line produced.
#[derive(Debug)]
pub struct Executed {
    pub rendered: Rendered,
    pub warnings: Vec<String>,
    /// Set when the line did not bind, for the caret.
    pub syntax: Option<SyntaxError>,
    pub flow: Flow,
    /// True when the line's envelope has a non-zero `error_code`.
    pub failed: bool,
}

/// A logged-in (or not) shell on one backend.
pub struct Shell {
    table: CommandTable,
    hsm: Box<dyn HsmBackend>,
    kms: Box<dyn KmsBackend>,
    session: Session,
    secrets: Box<dyn SecretSource>,
    output: Output,
}

impl Shell {
    pub fn new(
        table: CommandTable,
        hsm: Box<dyn HsmBackend>,
        kms: Box<dyn KmsBackend>,
        secrets: Box<dyn SecretSource>,
        output: Output,
    ) -> Self {
        Self {
            table,
            hsm,
            kms,
            session: Session::default(),
            secrets,
            output,
        }
    }

    pub fn table(&self) -> &CommandTable {
        &self.table
    }

    pub fn output(&mut self) -> &mut Output {
        &mut self.output
    }

    pub fn hsm(&mut self) -> &mut dyn HsmBackend {
        self.hsm.as_mut()
    }

    /// The prompt for the next line: `aws-cloudhsm > `, or `user@cluster-id > ` when logged
    /// in on a cluster that was chosen (multi-cluster mode, as the CloudHSM CLI shows it).
    pub fn prompt(&self) -> String {
        match (self.session.login(), self.hsm.selected_cluster()) {
            (Some(login), Some(cluster_id)) => format!("{}@{cluster_id} > ", login.username),
            _ => "aws-cloudhsm > ".to_owned(),
        }
    }

    /// Runs one line and prints what it produced. I/O errors on stdout end the shell: there is
    /// nobody left to read the results.
    pub fn run_line(&mut self, line: &str) -> Executed {
        let mut executed = self.execute(line);
        // The caret repeats the line on stderr: not when the line may hold a password.
        let caret = executed
            .syntax
            .as_ref()
            .filter(|_| !parse::line_carries_secret(&self.table, line));
        if self
            .output
            .emit(line, &executed.rendered, &executed.warnings, caret)
            .is_err()
        {
            executed.flow = Flow::Quit;
        }
        executed
    }

    /// Runs one line without printing: bind, gate, dispatch, render.
    pub fn execute(&mut self, line: &str) -> Executed {
        let mut warnings = Vec::new();
        let invocation = match parse::bind(&self.table, line) {
            Ok(None) => return finished(Rendered::Nothing, warnings, None, Flow::Continue),
            Ok(Some(invocation)) => invocation,
            Err(syntax) => {
                let rendered = render(&Err(Error::Syntax(syntax.clone())));
                return finished(rendered, warnings, Some(syntax), Flow::Continue);
            }
        };
        let result = match self.session.check_access(invocation.spec) {
            Err(error) => Err(error),
            Ok(_) => {
                let mut context = Context {
                    table: &self.table,
                    hsm: self.hsm.as_mut(),
                    kms: self.kms.as_mut(),
                    session: &mut self.session,
                    secrets: self.secrets.as_mut(),
                    warnings: &mut warnings,
                    progress: self.output.progress(),
                };
                command::dispatch(&mut context, invocation)
            }
        };
        let flow = match result {
            Ok(Reply::Quit) => Flow::Quit,
            _ => Flow::Continue,
        };
        finished(render(&result), warnings, None, flow)
    }

    /// Whether a bound line needs a login: used by single-command mode to log in first.
    pub fn needs_login(&self, line: &str) -> bool {
        matches!(
            parse::bind(&self.table, line),
            Ok(Some(invocation)) if invocation.spec.access != crate::spec::Access::Public
        )
    }

    /// Logs in without a command line (single-command mode, from `CLOUDHSM_ROLE` and
    /// `CLOUDHSM_PIN`); a failure is printed like any command's.
    pub fn login_with(&mut self, username: &str, role: Role, password: &Secret) -> bool {
        match self.hsm.login(username, role, password) {
            Ok(login) => {
                self.session.set_login(login);
                true
            }
            Err(error) => {
                self.report(&error);
                false
            }
        }
    }

    /// Prints a failure that did not come from a command line.
    pub fn report(&mut self, error: &Error) {
        let rendered = render_error(error);
        // Nothing more can be done when stdout is gone; the exit status still says it failed.
        let _ = self.output.emit("", &rendered, &[], None);
    }

    /// Ends the login this shell holds, if any; run when a shell ends without `logout`.
    pub fn close(&mut self) {
        if let Some(login) = self.session.take_login() {
            // The simulator also clears logins of dead processes, so a failure here only
            // delays the clean-up; the shell is ending either way.
            let _ = self.hsm.logout(&login);
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        self.close();
    }
}

fn finished(
    rendered: Rendered,
    warnings: Vec<String>,
    syntax: Option<SyntaxError>,
    flow: Flow,
) -> Executed {
    let failed = matches!(
        &rendered,
        Rendered::Envelope(value) if value["error_code"].as_u64() != Some(0)
    );
    Executed {
        rendered,
        warnings,
        syntax,
        flow,
        failed,
    }
}

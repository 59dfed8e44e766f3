//! The one funnel: every mode hands its lines to `Shell::run_line` (or `execute`, for replay),
//! which binds, gates, dispatches and renders.

use crate::backend::hsm::HsmBackend;
use crate::backend::hsm::cluster_control::ClusterControl;
use crate::backend::kms::KmsBackend;
pub use crate::command::SourceFile;
use crate::command::{self, Context, Reply, SimAccess};
use crate::error::Error;
use crate::output::{Output, Rendered, render, render_error};
use crate::parse::{self, SyntaxError};
use crate::prompt::SecretSource;
use crate::session::Session;
use crate::table::{CommandTable, LiveValues};

/// The logins a command needs, for single-command mode to make them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginsNeeded {
    pub command: String,
    /// The cluster the command's `--cluster-id` (or `--source-cluster-id`) chooses.
    pub cluster: Option<String>,
    /// A replication's destination, which needs a login of its own.
    pub destination: Option<String>,
}

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
    /// The line as it may be shown and recorded, when it did not bind and may hold a secret
    /// (see `parse::screen`); `syntax` then points into this line, not the one given. Empty
    /// when nothing of the line may be shown or recorded.
    pub screened: Option<String>,
    pub flow: Flow,
    /// True when the line's envelope has a non-zero `error_code`.
    pub failed: bool,
    /// A `source` line: the file whose lines the mode runs next, each through this funnel.
    pub source: Option<SourceFile>,
}

/// A logged-in (or not) shell on one backend.
pub struct Shell {
    table: CommandTable,
    hsm: Box<dyn HsmBackend>,
    kms: Box<dyn KmsBackend>,
    /// The control plane of `--aws`, preferred by the `cloudhsmv2` commands.
    control: Option<Box<dyn ClusterControl>>,
    sim_access: SimAccess,
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
            control: None,
            sim_access: SimAccess::Allowed,
            session: Session::default(),
            secrets,
            output,
        }
    }

    /// `--aws`: the `cloudhsmv2` commands use `control`, and `sim_access` says whether the
    /// `sim` commands may change the simulator (the HSM commands keep using the HSM backend).
    pub fn with_aws(mut self, control: Box<dyn ClusterControl>, sim_access: SimAccess) -> Self {
        self.control = Some(control);
        self.sim_access = sim_access;
        self
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
        self.show(line, &mut executed);
        executed
    }

    /// Prints what `line` produced; a failure to print ends the shell.
    pub fn show(&mut self, line: &str, executed: &mut Executed) {
        // The caret repeats the line on stderr, so only its screened form when it has one.
        let shown = executed.screened.as_deref().unwrap_or(line);
        if self
            .output
            .emit(
                shown,
                &executed.rendered,
                &executed.warnings,
                executed.syntax.as_ref(),
            )
            .is_err()
        {
            executed.flow = Flow::Quit;
        }
    }

    /// Runs one line without printing: bind, gate, dispatch, render. A CloudHSM CLI command
    /// with `--cluster-id` runs against that cluster, with the login there, and the shell
    /// returns to its own cluster after it.
    pub fn execute(&mut self, line: &str) -> Executed {
        let invocation = match parse::bind(&self.table, line) {
            Ok(None) => return finished(Rendered::Nothing, Vec::new(), None, Flow::Continue),
            Ok(Some(invocation)) => invocation,
            Err(syntax) => return self.unbound(line, syntax),
        };
        let home = self.hsm.cluster_id().to_owned();
        let chosen = invocation
            .spec
            .chosen_cluster(&invocation)
            .filter(|cluster_id| *cluster_id != home)
            .map(str::to_owned);
        if let Some(cluster_id) = &chosen
            && let Err(error) = self.hsm.focus(cluster_id)
        {
            return finished(render(&Err(error)), Vec::new(), None, Flow::Continue);
        }
        self.session.focus(self.hsm.cluster_id());
        let mut warnings = Vec::new();
        // A cluster that enforces mTLS drops a connection without the right certificate
        // before any command of the CloudHSM CLI reaches it.
        let connection = if invocation.spec.is_cloudhsm_cli() {
            self.hsm.check_connection()
        } else {
            Ok(())
        };
        let result = match connection
            .and_then(|()| self.session.check_access(invocation.spec).map(|_| ()))
        {
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
                    control: match &mut self.control {
                        Some(control) => Some(control.as_mut()),
                        None => None,
                    },
                    sim_access: self.sim_access,
                };
                command::dispatch(&mut context, invocation)
            }
        };
        let flow = match result {
            Ok(Reply::Quit) => Flow::Quit,
            _ => Flow::Continue,
        };
        let mut executed = finished(render(&result), warnings, None, flow);
        if let Ok(Reply::Source(file)) = result {
            executed.source = Some(file);
        }
        if chosen.is_some() {
            // The shell's own cluster was selectable a moment ago; if it no longer is, the
            // next command's focus reports it.
            let _ = self.hsm.focus(&home);
        }
        self.session.focus(self.hsm.cluster_id());
        executed
    }

    /// The values Tab offers for a flag that names something that exists: `source`'s query
    /// run through the funnel (it changes nothing); none when it fails, as before a login.
    pub fn live_values(&mut self, source: LiveValues) -> Vec<String> {
        match self.execute(source.query()).rendered {
            Rendered::Envelope(value) if value["error_code"] == 0 => source.values(&value["data"]),
            _ => Vec::new(),
        }
    }

    /// Whether this shell holds a login now, on its own cluster.
    pub fn is_logged_in(&self) -> bool {
        self.session.login().is_some()
    }

    /// Whether this shell holds a login on `cluster_id` (`None`: its own cluster).
    pub fn is_logged_in_on(&self, cluster_id: Option<&str>) -> bool {
        match cluster_id {
            None => self.is_logged_in(),
            Some(cluster_id) => self.session.has_login_on(cluster_id),
        }
    }

    /// The result of a line that did not bind. When it may hold a secret, the error is the one
    /// its screened form gives, so that the message quotes no secret and a transcript holding
    /// the screened line replays to the same error.
    fn unbound(&self, line: &str, syntax: SyntaxError) -> Executed {
        // A line over the limit is refused unread; its error quotes nothing of it.
        let screened = (line.len() <= parse::MAX_LINE_BYTES)
            .then(|| parse::screen(&self.table, line))
            .flatten();
        let (syntax, screened) = match screened {
            None => (syntax, None),
            Some(screened) => match parse::bind(&self.table, &screened) {
                Err(screened_syntax) => (screened_syntax, Some(screened)),
                // Run again, the screened line would do something: it is neither shown nor
                // recorded.
                Ok(_) => (
                    SyntaxError::new(UNREADABLE_SECRET_LINE, None),
                    Some(String::new()),
                ),
            },
        };
        let rendered = render(&Err(Error::Syntax(syntax.clone())));
        let mut executed = finished(rendered, Vec::new(), Some(syntax), Flow::Continue);
        executed.screened = screened;
        executed
    }

    /// What a bound line needs logged in first, in single-command mode; `None` for a public
    /// command.
    pub fn login_needed_by(&self, line: &str) -> Option<LoginsNeeded> {
        match parse::bind(&self.table, line) {
            Ok(Some(invocation)) if invocation.spec.access != crate::table::Access::Public => {
                Some(LoginsNeeded {
                    command: invocation.spec.path.clone(),
                    cluster: invocation
                        .spec
                        .chosen_cluster(&invocation)
                        .map(str::to_owned),
                    destination: invocation
                        .text(crate::table::DESTINATION_CLUSTER_ID_ARG)
                        .map(str::to_owned),
                })
            }
            _ => None,
        }
    }

    /// Prints, as a failed command, input that never became a line (not UTF-8, too long).
    pub fn reject(&mut self, error: Error) -> Executed {
        let mut executed = finished(render(&Err(error)), Vec::new(), None, Flow::Continue);
        self.show("", &mut executed);
        executed
    }

    /// Prints a failure that did not come from a command line.
    pub fn report(&mut self, error: &Error) {
        let rendered = render_error(error);
        // Nothing more can be done when stdout is gone; the exit status still says it failed.
        let _ = self.output.emit("", &rendered, &[], None);
    }

    /// Ends the logins this shell holds, on each cluster; run when a shell ends without
    /// `logout`.
    pub fn close(&mut self) {
        let home = self.hsm.cluster_id().to_owned();
        for (cluster_id, login) in self.session.take_all() {
            // The simulator also clears logins of dead processes, so a failure here only
            // delays the clean-up; the shell is ending either way.
            if self.hsm.focus(&cluster_id).is_ok() {
                let _ = self.hsm.logout(&login);
            }
        }
        let _ = self.hsm.focus(&home);
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        self.close();
    }
}

/// The error of a line that did not bind while its screened form did: nothing of it can be shown.
const UNREADABLE_SECRET_LINE: &str =
    "the line could not be read; it may hold a password, so it is not repeated: see help";

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
        screened: None,
        flow,
        failed,
        source: None,
    }
}

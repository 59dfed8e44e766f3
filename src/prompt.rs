//! Where secrets come from when a line does not carry them: a `--secrets` file, the
//! `CLOUDHSM_PIN` variable, or a no-echo prompt on the terminal; never silently empty.

use crate::error::{Error, Result};
use crate::intake;
use crate::secret::Secret;
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// One secret a command needs: for which user, with which prompt, asked once or twice.
#[derive(Debug)]
pub struct SecretRequest<'a> {
    pub username: &'a str,
    pub prompt: &'a str,
    /// Setting a password: ask twice on a terminal and compare.
    pub confirm: bool,
}

pub trait SecretSource {
    fn obtain(&mut self, request: &SecretRequest<'_>) -> Result<Secret>;

    /// The signed token file a `USERNAME.signed-token=PATH` line of the secrets file names.
    fn signed_token_path(&self, _username: &str) -> Option<String> {
        None
    }

    /// Asks for a line that is not secret (a file path) where this process may ask: at the
    /// interactive prompt only, never in single-command or batch mode. `None`: nobody to ask.
    fn ask_line(&mut self, _prompt: &str) -> Result<Option<String>> {
        Ok(None)
    }
}

/// Reads from the terminal: secrets without echo, other answers with it.
pub trait Terminal {
    fn read_secret(&mut self, prompt: &str) -> Result<Secret>;

    fn read_line(&mut self, prompt: &str) -> Result<String>;
}

/// The controlling terminal, through `rpassword` (which reads `/dev/tty`).
pub struct TtyTerminal;

impl Terminal for TtyTerminal {
    fn read_secret(&mut self, prompt: &str) -> Result<Secret> {
        rpassword::prompt_password(format!("{prompt} "))
            .map(Secret::new)
            .map_err(|error| Error::io("Cannot read the password from the terminal", error))
    }

    fn read_line(&mut self, prompt: &str) -> Result<String> {
        use std::io::{BufRead, Write};
        let failed = |error| Error::io("Cannot read the answer from the terminal", error);
        let mut tty = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(failed)?;
        write!(tty, "{prompt} ")
            .and_then(|()| tty.flush())
            .map_err(failed)?;
        let mut line = String::new();
        std::io::BufReader::new(tty)
            .read_line(&mut line)
            .map_err(failed)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// The name after `USERNAME.` of the secrets-file lines that name a signed MFA token file.
pub const SIGNED_TOKEN_KEY: &str = "signed-token";

/// The secret sources of one process, consulted in order: the `--secrets` file (keyed by
/// username), `CLOUDHSM_PIN` (only for logins of its user: it holds a current password, never a
/// new one), then the terminal when there is one.
pub struct Secrets {
    by_username: HashMap<String, Secret>,
    pin: Option<(String, Secret)>,
    terminal: Option<Box<dyn Terminal>>,
    /// Whether answers that are not secrets may be asked for (interactive mode).
    asks_lines: bool,
}

impl Secrets {
    pub fn new(terminal: Option<Box<dyn Terminal>>) -> Self {
        Self {
            by_username: HashMap::new(),
            pin: None,
            terminal,
            asks_lines: false,
        }
    }

    /// Lets [`SecretSource::ask_line`] ask on the terminal: for the interactive prompt.
    pub fn asking_lines(mut self, asks_lines: bool) -> Self {
        self.asks_lines = asks_lines;
        self
    }

    /// Loads `NAME=value` lines; `#` comments and blank lines are skipped. The file must not be
    /// readable by group or others, as ssh insists for private keys.
    pub fn with_file(self, path: &Path) -> Result<Self> {
        let refuse = |reason: String| Error::SecretsFile {
            path: path.to_owned(),
            reason,
        };
        let mode = fs::metadata(path)
            .map_err(|error| refuse(error.to_string()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(refuse(format!(
                "its mode is {:o}; it must be readable by its owner only (chmod 600)",
                mode & 0o777
            )));
        }
        let text = zeroize::Zeroizing::new(intake::read_text(path, intake::SECRETS_FILE)?);
        self.with_text(&text).map_err(refuse)
    }

    /// Loads the text of a secrets file (see [`Secrets::with_file`]); the reason it is refused
    /// otherwise, which never quotes the text.
    pub fn with_text(mut self, text: &str) -> std::result::Result<Self, String> {
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((name, value)) = line.split_once('=') else {
                return Err(format!("line {} is not NAME=value", number + 1));
            };
            self.by_username
                .insert(name.trim().to_ascii_lowercase(), Secret::new(value));
        }
        Ok(self)
    }

    /// Takes `CLOUDHSM_PIN` (`username:password`), as the CloudHSM CLI does.
    pub fn with_pin(mut self, pin: Option<&str>) -> Self {
        self.pin = pin
            .and_then(|pin| pin.split_once(':'))
            .map(|(username, password)| (username.to_ascii_lowercase(), Secret::new(password)));
        self
    }

    /// The `CLOUDHSM_PIN` user and password, for single-command logins.
    pub fn pin(&self) -> Option<(&str, &Secret)> {
        self.pin
            .as_ref()
            .map(|(username, password)| (username.as_str(), password))
    }
}

impl SecretSource for Secrets {
    fn signed_token_path(&self, username: &str) -> Option<String> {
        self.by_username
            .get(&format!("{username}.{SIGNED_TOKEN_KEY}"))
            .map(|path| path.expose().to_owned())
    }

    fn ask_line(&mut self, prompt: &str) -> Result<Option<String>> {
        match self.terminal.as_mut() {
            Some(terminal) if self.asks_lines => terminal.read_line(prompt).map(Some),
            _ => Ok(None),
        }
    }

    fn obtain(&mut self, request: &SecretRequest<'_>) -> Result<Secret> {
        if let Some(secret) = self.by_username.get(request.username) {
            return Ok(secret.clone());
        }
        if let Some((username, password)) = &self.pin
            && !request.confirm
            && username == request.username
        {
            return Ok(password.clone());
        }
        let Some(terminal) = self.terminal.as_mut() else {
            return Err(Error::MissingSecret {
                username: request.username.to_owned(),
            });
        };
        let secret = terminal.read_secret(request.prompt)?;
        if request.confirm {
            let again = terminal.read_secret("Confirm password:")?;
            if again != secret {
                return Err(Error::PasswordMismatch);
            }
        }
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    struct Scripted(Vec<&'static str>);

    impl Terminal for Scripted {
        fn read_secret(&mut self, _prompt: &str) -> Result<Secret> {
            Ok(Secret::new(self.0.remove(0)))
        }

        fn read_line(&mut self, _prompt: &str) -> Result<String> {
            Ok(self.0.remove(0).to_owned())
        }
    }

    #[test]
    fn lines_are_asked_only_when_allowed_and_signed_token_paths_come_from_the_file() {
        let mut batch = Secrets::new(Some(Box::new(Scripted(vec!["typed"]))))
            .with_text("Admin1.signed-token=/tmp/signed.json\nadmin1=Passw0rd1\n")
            .unwrap();
        assert_eq!(batch.ask_line("Path:").unwrap(), None);
        assert_eq!(
            batch.signed_token_path("admin1").as_deref(),
            Some("/tmp/signed.json")
        );
        assert_eq!(batch.signed_token_path("admin2"), None);
        let mut interactive =
            Secrets::new(Some(Box::new(Scripted(vec!["typed"])))).asking_lines(true);
        assert_eq!(
            interactive.ask_line("Path:").unwrap().as_deref(),
            Some("typed")
        );
        assert_eq!(
            Secrets::new(None)
                .asking_lines(true)
                .ask_line("Path:")
                .unwrap(),
            None
        );
    }

    fn request(username: &str, confirm: bool) -> SecretRequest<'_> {
        SecretRequest {
            username,
            prompt: "Enter password:",
            confirm,
        }
    }

    #[test]
    fn file_then_pin_then_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets");
        let mut file = fs::File::create(&path).unwrap();
        writeln!(file, "# test secrets\nKmsUser=Passw0rd1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let mut secrets = Secrets::new(Some(Box::new(Scripted(vec!["typed-1"]))))
            .with_file(&path)
            .unwrap()
            .with_pin(Some("Admin:pinpass1"));
        let from_file = secrets.obtain(&request("kmsuser", true)).unwrap();
        assert_eq!(from_file.expose(), "Passw0rd1");
        let from_pin = secrets.obtain(&request("admin", false)).unwrap();
        assert_eq!(from_pin.expose(), "pinpass1");
        let prompted = secrets.obtain(&request("other", false)).unwrap();
        assert_eq!(prompted.expose(), "typed-1");
    }

    #[test]
    fn pin_never_serves_as_a_new_password() {
        let mut secrets = Secrets::new(None).with_pin(Some("admin:pinpass1"));
        let error = secrets.obtain(&request("admin", true)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "No password for admin: give --password, add the line admin=<password> to a --secrets file, or run on a terminal"
        );
    }

    #[test]
    fn confirmation_must_match() {
        let mut secrets = Secrets::new(Some(Box::new(Scripted(vec!["first-1", "second-2"]))));
        let error = secrets.obtain(&request("bob", true)).unwrap_err();
        assert!(matches!(error, Error::PasswordMismatch));
    }

    #[test]
    fn a_readable_file_is_refused_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets");
        fs::write(&path, "admin=Passw0rd1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let Err(error) = Secrets::new(None).with_file(&path) else {
            panic!("a 0644 secrets file was accepted");
        };
        assert_eq!(
            error.to_string(),
            format!(
                "Cannot use secrets file {}: its mode is 644; it must be readable by its owner only (chmod 600)",
                path.display()
            )
        );
    }
}

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
}

/// Reads a secret from the terminal without echo.
pub trait Terminal {
    fn read_secret(&mut self, prompt: &str) -> Result<Secret>;
}

/// The controlling terminal, through `rpassword` (which reads `/dev/tty`).
pub struct TtyTerminal;

impl Terminal for TtyTerminal {
    fn read_secret(&mut self, prompt: &str) -> Result<Secret> {
        rpassword::prompt_password(format!("{prompt} "))
            .map(Secret::new)
            .map_err(|error| Error::io("Cannot read the password from the terminal", error))
    }
}

/// The secret sources of one process, consulted in order: the `--secrets` file (keyed by
/// username), `CLOUDHSM_PIN` (only for logins of its user: it holds a current password, never a
/// new one), then the terminal when there is one.
pub struct Secrets {
    by_username: HashMap<String, Secret>,
    pin: Option<(String, Secret)>,
    terminal: Option<Box<dyn Terminal>>,
}

impl Secrets {
    pub fn new(terminal: Option<Box<dyn Terminal>>) -> Self {
        Self {
            by_username: HashMap::new(),
            pin: None,
            terminal,
        }
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

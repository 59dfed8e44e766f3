//! `SoftHsmToken`: a SoftHSM2 token of one test's own, initialised by `scripts/softhsm.sh init`
//! in a private directory, with the shell, `pkcs11-tool` and `openssl` pointed at it.

use crate::key_fixtures;
use crate::test::Test;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

mod tokens;

/// The label `scripts/softhsm.sh init` gives a token when asked for none.
pub const TOKEN_LABEL: &str = "cloudhsm-shell";
/// The security officer's PIN of every fixture token (`--role admin`): a test fixture.
pub const SO_PIN: &str = "so-pin-8765";
/// The user's PIN of every fixture token (`--role crypto-user`): a test fixture. Like the
/// shell's passwords it has 7 to 32 characters and no ':'.
pub const USER_PIN: &str = "user-pin-1234";
/// The username a plain-PIN module ignores: `login --username` and `CLOUDHSM_PIN` still need one.
pub const USERNAME: &str = "token-user";

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/softhsm.sh");
const INSTALL_HINT: &str = "SoftHSM2 and OpenSC are needed by the PKCS#11 tests: run `scripts/softhsm.sh install` (scripts/test.sh does)";

/// An initialised token in a directory of its own, removed with the fixture. No two fixtures
/// share a token directory, so tests on tokens run in parallel without seeing each other.
pub struct SoftHsmToken {
    dir: TempDir,
    conf: PathBuf,
    module: PathBuf,
    label: String,
}

impl SoftHsmToken {
    /// A token labelled [`TOKEN_LABEL`] with [`SO_PIN`] and [`USER_PIN`].
    pub fn new() -> SoftHsmToken {
        SoftHsmToken::labelled(TOKEN_LABEL)
    }

    /// A token labelled `label`; panics, naming the command to run, when SoftHSM2 is missing.
    pub fn labelled(label: &str) -> SoftHsmToken {
        let dir = tempfile::tempdir().expect("cannot create a temp dir");
        let init = softhsm_sh(&["init".as_ref(), dir.path().as_os_str(), label.as_ref()]);
        let printed = String::from_utf8(init.stdout).expect("softhsm.sh printed no UTF-8");
        let value = |name: &str| -> String {
            let prefix = format!("{name}=");
            let value = printed
                .lines()
                .find_map(|line| line.strip_prefix(&prefix))
                .unwrap_or_else(|| panic!("softhsm.sh init printed no {name}:\n{printed}"));
            assert!(
                !value.contains(['\\', '\'', '"', '$']),
                "the fixture reads plain values only: {name}={value}"
            );
            value.to_owned()
        };
        let conf = PathBuf::from(value("SOFTHSM2_CONF"));
        let canonical = dir
            .path()
            .canonicalize()
            .expect("cannot resolve the temp dir");
        assert_eq!(conf, canonical.join("softhsm2.conf"));
        assert_eq!(value("CLOUDHSM_SHELL_PKCS11_TOKEN"), label);
        SoftHsmToken {
            module: PathBuf::from(value("CLOUDHSM_SHELL_PKCS11_MODULE")),
            conf,
            dir,
            label: label.to_owned(),
        }
    }

    /// The token's directory: `softhsm2.conf`, `tokens/`, and room for a test's files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn conf(&self) -> &Path {
        &self.conf
    }

    pub fn module(&self) -> &Path {
        &self.module
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// `CLOUDHSM_PIN` for single-command mode: [`USERNAME`]`:`[`USER_PIN`].
    pub fn crypto_user_pin(&self) -> String {
        format!("{USERNAME}:{USER_PIN}")
    }

    /// A command for `program` in the token's directory that loads this token's SoftHSM2.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.dir())
            .env("SOFTHSM2_CONF", &self.conf);
        command
    }

    /// `pkcs11-tool --module M --token-label L ARGS`, whatever its outcome.
    pub fn pkcs11_tool_unchecked(&self, args: &[&str]) -> Output {
        self.command("pkcs11-tool")
            .arg("--module")
            .arg(&self.module)
            .args(["--token-label", &self.label])
            .args(args)
            .output()
            .unwrap_or_else(|error| panic!("cannot run pkcs11-tool ({error}): {INSTALL_HINT}"))
    }

    /// `pkcs11-tool` on the token, which must succeed; returns its stdout.
    pub fn pkcs11_tool(&self, args: &[&str]) -> String {
        let output = self.pkcs11_tool_unchecked(args);
        assert!(
            output.status.success(),
            "pkcs11-tool {args:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("pkcs11-tool printed no UTF-8")
    }

    /// `pkcs11-tool` logged in as the token's user; must succeed; returns its stdout.
    pub fn pkcs11_tool_as_user(&self, args: &[&str]) -> String {
        self.pkcs11_tool(&[&["--login", "--pin", USER_PIN], args].concat())
    }

    /// `openssl ARGS` in the token's directory, which must succeed; returns its stdout.
    pub fn openssl(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        key_fixtures::openssl(self.dir(), args, stdin)
    }

    /// Reads the public key labelled `label` off the token with pkcs11-tool and writes it as PEM
    /// to `<name>.pem` in the token's directory, for openssl; returns that file name.
    pub fn export_public_pem(&self, label: &str, name: &str) -> String {
        let der = format!("{name}.der");
        // Logged in: the shell makes public keys private objects (CKA_PRIVATE), as the CLI does.
        self.pkcs11_tool_as_user(&[
            "--read-object",
            "--type",
            "pubkey",
            "--label",
            label,
            "--output-file",
            &der,
        ]);
        let pem = format!("{name}.pem");
        self.openssl(
            &[
                "pkey", "-pubin", "-inform", "DER", "-in", &der, "-out", &pem,
            ],
            b"",
        );
        pem
    }
}

impl Test {
    /// Runs the shell on `token` (the environment of `--pkcs11 M --token-label L`), with its
    /// SoftHSM2 configuration; the caller keeps `token` alive while the shell runs.
    pub fn pkcs11(self, token: &SoftHsmToken) -> Test {
        self.env("SOFTHSM2_CONF", &token.conf().to_string_lossy())
            .env(
                "CLOUDHSM_SHELL_PKCS11_MODULE",
                &token.module().to_string_lossy(),
            )
            .env("CLOUDHSM_SHELL_PKCS11_TOKEN", token.label())
    }
}

/// Runs `scripts/softhsm.sh ARGS` with the fixture's PINs; panics with its stderr and the
/// command that installs SoftHSM2 when it fails.
pub fn softhsm_sh(args: &[&std::ffi::OsStr]) -> Output {
    let output = softhsm_sh_unchecked(args);
    assert!(
        output.status.success(),
        "scripts/softhsm.sh {args:?} failed ({}): {}\n{INSTALL_HINT}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `scripts/softhsm.sh ARGS` with the fixture's PINs, whatever its outcome.
pub fn softhsm_sh_unchecked(args: &[&std::ffi::OsStr]) -> Output {
    Command::new("bash")
        .arg(SCRIPT)
        .args(args)
        .env_remove("SOFTHSM2_CONF")
        .env("SOFTHSM_SO_PIN", SO_PIN)
        .env("SOFTHSM_USER_PIN", USER_PIN)
        .output()
        .expect("cannot run bash")
}

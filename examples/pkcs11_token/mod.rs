//! What the PKCS#11 benchmark examples share: the module and token flags (the shell's own
//! environment variables), and a read-write session logged in as the token's user.

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::Error;
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use std::path::PathBuf;

/// The environment variable that holds the user's PIN (never a flag: flags show in `ps`).
pub const PIN_VARIABLE: &str = "PKCS11_PIN";

/// Which module and token to use, named as `cloudhsm-shell --pkcs11` names them.
#[derive(clap::Args)]
pub struct TokenArgs {
    /// The PKCS#11 module (shared library)
    #[arg(long, env = "CLOUDHSM_SHELL_PKCS11_MODULE")]
    pub module: PathBuf,
    /// The label of the token (slot ids change when tokens are initialised; labels do not)
    #[arg(long, env = "CLOUDHSM_SHELL_PKCS11_TOKEN")]
    pub token_label: String,
}

/// A PKCS#11 failure as one short line: the call and its CKR_* name (cryptoki's Display prints
/// the specification's paragraph).
pub fn describe(error: Error) -> String {
    match error {
        Error::Pkcs11(rv, function) => format!("{function:?} failed: {rv:?}"),
        other => other.to_string(),
    }
}

/// Loads the module, finds the one initialised token labelled `token_label`, and logs in as its
/// user with the PIN of [`PIN_VARIABLE`]. The `Pkcs11` must outlive the session.
pub fn user_session(args: &TokenArgs) -> Result<(Pkcs11, Session), String> {
    let pin = std::env::var(PIN_VARIABLE)
        .map_err(|_| format!("set {PIN_VARIABLE} to the token's user PIN"))?;
    let pin = AuthPin::new(pin.into());
    let pkcs11 = Pkcs11::new(&args.module)
        .map_err(|error| format!("cannot load {}: {}", args.module.display(), describe(error)))?;
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(describe)?;
    let mut found = Vec::new();
    for slot in pkcs11
        .get_slots_with_initialized_token()
        .map_err(describe)?
    {
        if pkcs11.get_token_info(slot).map_err(describe)?.label() == args.token_label {
            found.push(slot);
        }
    }
    let slot = match found[..] {
        [slot] => slot,
        [] => {
            return Err(format!(
                "no initialised token is labelled '{}'",
                args.token_label
            ));
        }
        _ => {
            return Err(format!(
                "{} tokens are labelled '{}'",
                found.len(),
                args.token_label
            ));
        }
    };
    let session = pkcs11.open_rw_session(slot).map_err(describe)?;
    session
        .login(UserType::User, Some(&pin))
        .map_err(describe)?;
    Ok((pkcs11, session))
}

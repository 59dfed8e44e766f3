//! Loading a PKCS#11 module and choosing its token: by label (stable) or slot id (which changes
//! when tokens are initialised); an ambiguous or missing choice lists the tokens found.

use super::failure::failed;
use crate::backend::hsm::HsmInfo;
use crate::error::{Error, Result};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::slot::{Slot, TokenInfo};
use std::path::{Path, PathBuf};

/// How a login's password becomes the PIN the module takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PinFormat {
    /// `username:password`, as AWS CloudHSM's PKCS#11 library takes it.
    Cloudhsm,
    /// The password alone, as SoftHSM2, smart cards and most modules take it.
    Plain,
}

/// Which token of the module the shell uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenChoice {
    /// The only initialised token.
    Only,
    Slot(u64),
    Label(String),
}

/// `--pkcs11 MODULE` with its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkcs11Options {
    pub module: PathBuf,
    pub token: TokenChoice,
    /// `None`: detected from the module's manufacturer.
    pub pin_format: Option<PinFormat>,
}

/// An initialised module and the slot of the chosen token.
pub struct OpenedToken {
    pub context: Pkcs11,
    pub slot: Slot,
    pub info: TokenInfo,
    pub pin_format: PinFormat,
    /// What `cluster hsm-info` shows.
    pub hsm_info: HsmInfo,
}

/// Loads `options.module`, initialises it and finds the token `options.token` names.
pub fn open(options: &Pkcs11Options) -> Result<OpenedToken> {
    let module = &options.module;
    let refuse = |reason: String| Error::Pkcs11Module {
        module: module.clone(),
        reason,
    };
    if !module.is_file() {
        return Err(refuse(
            "no such file: give the path of the module's shared library (e.g. /usr/lib/softhsm/libsofthsm2.so)".to_owned(),
        ));
    }
    let context = Pkcs11::new(module).map_err(|error| {
        refuse(format!(
            "it does not load as a PKCS#11 library ({})",
            first_line(&error.to_string())
        ))
    })?;
    context
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(|error| failed("C_Initialize", error))?;
    let library = context
        .get_library_info()
        .map_err(|error| failed("C_GetInfo", error))?;
    let slot = choose(&context, module, &options.token)?;
    let info = context
        .get_token_info(slot)
        .map_err(|error| failed("C_GetTokenInfo", error))?;
    if !info.user_pin_initialized() {
        return Err(refuse(format!(
            "token '{}' has no user PIN yet: initialise it first (softhsm2-util --init-token, or C_InitPIN as its security officer)",
            info.label()
        )));
    }
    let pin_format = options.pin_format.unwrap_or_else(|| {
        detect_pin_format(library.manufacturer_id(), library.library_description())
    });
    let version = |version: cryptoki::types::Version| (version.major(), version.minor());
    let (hardware_major, hardware_minor) = version(info.hardware_version());
    let (firmware_major, firmware_minor) = version(info.firmware_version());
    let (library_major, library_minor) = version(library.library_version());
    let hsm_info = HsmInfo {
        vendor: info.manufacturer_id().to_owned(),
        model: info.model().to_owned(),
        serial_number: info.serial_number().to_owned(),
        hardware_version_major: hardware_major.to_string(),
        hardware_version_minor: hardware_minor.to_string(),
        firmware_version_major: firmware_major.to_string(),
        firmware_version_minor: firmware_minor.to_string(),
        firmware_build_number: format!("{library_major}.{library_minor}"),
        firmware_id: format!(
            "{} (slot {}, token '{}', module {})",
            library.library_description(),
            slot.id(),
            info.label(),
            module.display()
        ),
        fips_state: "not reported by PKCS#11".to_owned(),
    };
    Ok(OpenedToken {
        context,
        slot,
        info,
        pin_format,
        hsm_info,
    })
}

/// CloudHSM's library names Amazon or CloudHSM in its C_GetInfo; every other module takes the
/// password alone.
pub fn detect_pin_format(manufacturer: &str, description: &str) -> PinFormat {
    let text = format!("{manufacturer} {description}").to_ascii_lowercase();
    if text.contains("cloudhsm") || text.contains("amazon") {
        PinFormat::Cloudhsm
    } else {
        PinFormat::Plain
    }
}

fn choose(context: &Pkcs11, module: &Path, choice: &TokenChoice) -> Result<Slot> {
    let slots = context
        .get_slots_with_initialized_token()
        .map_err(|error| failed("C_GetSlotList", error))?;
    let mut found = Vec::with_capacity(slots.len());
    for slot in slots {
        let info = context
            .get_token_info(slot)
            .map_err(|error| failed("C_GetTokenInfo", error))?;
        found.push((slot, info.label().to_owned()));
    }
    let listing = || {
        if found.is_empty() {
            "the module has no initialised token".to_owned()
        } else {
            let tokens: Vec<String> = found
                .iter()
                .map(|(slot, label)| format!("slot {} '{label}'", slot.id()))
                .collect();
            format!("tokens found: {}", tokens.join(", "))
        }
    };
    let refuse = |reason: String| Error::Pkcs11Module {
        module: module.to_path_buf(),
        reason,
    };
    let matching: Vec<Slot> = match choice {
        TokenChoice::Only => found.iter().map(|(slot, _)| *slot).collect(),
        TokenChoice::Slot(id) => found
            .iter()
            .filter(|(slot, _)| slot.id() == *id)
            .map(|(slot, _)| *slot)
            .collect(),
        TokenChoice::Label(label) => found
            .iter()
            .filter(|(_, found_label)| found_label == label)
            .map(|(slot, _)| *slot)
            .collect(),
    };
    match (choice, matching.as_slice()) {
        (_, [slot]) => Ok(*slot),
        (TokenChoice::Only, []) => Err(refuse(listing())),
        (TokenChoice::Only, _) => Err(refuse(format!(
            "it has several tokens: choose one with --token-label LABEL (or --slot ID); {}",
            listing()
        ))),
        (TokenChoice::Slot(id), _) => Err(refuse(format!(
            "no initialised token in slot {id}; {}",
            listing()
        ))),
        (TokenChoice::Label(label), []) => Err(refuse(format!(
            "no token labelled '{label}'; {}",
            listing()
        ))),
        (TokenChoice::Label(label), _) => Err(refuse(format!(
            "several tokens are labelled '{label}': choose one with --slot ID; {}",
            listing()
        ))),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudhsm_is_recognised_by_its_library_info() {
        assert_eq!(
            detect_pin_format("Amazon Web Services", "AWS CloudHSM PKCS#11"),
            PinFormat::Cloudhsm
        );
        assert_eq!(
            detect_pin_format("SoftHSM", "Implementation of PKCS11"),
            PinFormat::Plain
        );
        assert_eq!(
            detect_pin_format("OpenSC Project", "OpenSC smartcard framework"),
            PinFormat::Plain
        );
    }

    #[test]
    fn a_missing_module_is_one_line_that_says_what_to_give() {
        let error = open(&Pkcs11Options {
            module: PathBuf::from("/nonexistent/libnothing.so"),
            token: TokenChoice::Only,
            pin_format: None,
        })
        .err()
        .unwrap();
        assert_eq!(
            error.to_string(),
            "PKCS#11 module /nonexistent/libnothing.so: no such file: give the path of the \
             module's shared library (e.g. /usr/lib/softhsm/libsofthsm2.so)"
        );
    }

    #[test]
    fn a_library_that_is_not_pkcs11_is_refused() {
        let error = open(&Pkcs11Options {
            module: PathBuf::from("/bin/true"),
            token: TokenChoice::Only,
            pin_format: None,
        })
        .err()
        .unwrap()
        .to_string();
        assert!(
            error.starts_with("PKCS#11 module /bin/true: it does not load as a PKCS#11 library"),
            "{error}"
        );
        assert!(!error.contains('\n'));
    }
}

//! The SoftHSM2 fixture itself, checked with pkcs11-tool and openssl only: an initialised token
//! found by its label, with the fixture's PINs, private to its fixture, and usable for keys.

use super::{SO_PIN, SoftHsmToken, TOKEN_LABEL, USER_PIN, softhsm_sh, softhsm_sh_unchecked};
use crate::key_fixtures::der_signature;
use std::fs;

/// The `token label` lines of `pkcs11-tool -L`, in slot order.
fn listed_labels(token: &SoftHsmToken) -> Vec<String> {
    token
        .pkcs11_tool(&["--list-slots"])
        .lines()
        .filter_map(|line| line.trim().strip_prefix("token label        : "))
        .map(str::to_owned)
        .collect()
}

/// Whether a pkcs11-tool run failed at `C_Login` with CKR_PIN_INCORRECT.
fn pin_refused(output: &std::process::Output) -> bool {
    !output.status.success()
        && String::from_utf8_lossy(&output.stderr)
            .contains("C_Login failed: rv = CKR_PIN_INCORRECT")
}

#[test]
fn the_fixture_initialises_a_token_that_pkcs11_tool_lists_by_label_with_its_pins() {
    let token = SoftHsmToken::new();
    let module = softhsm_sh(&["module".as_ref()]).stdout;
    assert_eq!(
        String::from_utf8(module).unwrap().trim_end(),
        token.module().to_str().unwrap()
    );
    assert_eq!(
        fs::read_to_string(token.conf())
            .unwrap()
            .lines()
            .find(|line| line.starts_with("directories.tokendir"))
            .unwrap(),
        format!(
            "directories.tokendir = {}",
            token.conf().parent().unwrap().join("tokens").display()
        )
    );
    let slots = token.pkcs11_tool(&["--list-slots"]);
    assert_eq!(listed_labels(&token), [TOKEN_LABEL]);
    assert!(
        slots.contains(
            "token flags        : login required, rng, token initialized, PIN initialized"
        ),
        "{slots}"
    );
    // The user's PIN opens it and no other does; the SO's PIN is the fixture's.
    assert_eq!(token.pkcs11_tool_as_user(&["--list-objects"]), "");
    assert!(pin_refused(&token.pkcs11_tool_unchecked(&[
        "--login",
        "--pin",
        SO_PIN,
        "--list-objects"
    ])));
    token.pkcs11_tool(&[
        "--login-type",
        "so",
        "--so-pin",
        SO_PIN,
        "--init-pin",
        "--pin",
        USER_PIN,
    ]);
    assert!(pin_refused(&token.pkcs11_tool_unchecked(&[
        "--login-type",
        "so",
        "--so-pin",
        USER_PIN,
        "--init-pin",
        "--pin",
        USER_PIN,
    ])));
}

#[test]
fn two_fixtures_never_share_a_token_dir() {
    let first = SoftHsmToken::new();
    let second = SoftHsmToken::new();
    assert_ne!(first.dir(), second.dir());
    assert_ne!(first.conf(), second.conf());
    first.pkcs11_tool_as_user(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--label",
        "only-in-first",
    ]);
    // Each sees exactly its own token, although both carry the same label.
    assert_eq!(listed_labels(&first), [TOKEN_LABEL]);
    assert_eq!(listed_labels(&second), [TOKEN_LABEL]);
    assert!(
        first
            .pkcs11_tool_as_user(&["--list-objects"])
            .contains("label:      only-in-first")
    );
    assert_eq!(second.pkcs11_tool_as_user(&["--list-objects"]), "");
}

#[test]
fn softhsm_sh_init_refuses_a_label_its_directory_already_has() {
    let token = SoftHsmToken::labelled("twice");
    let again = softhsm_sh_unchecked(&["init".as_ref(), token.dir().as_os_str(), "twice".as_ref()]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(String::from_utf8(again.stdout).unwrap(), "");
    assert_eq!(
        String::from_utf8(again.stderr).unwrap(),
        format!(
            "softhsm.sh: {} already has a token labelled 'twice'; choose another label or directory\n",
            token.dir().canonicalize().unwrap().display()
        )
    );
    assert_eq!(listed_labels(&token), ["twice"]);
    // Another label in the same directory is a second token beside the first.
    softhsm_sh(&["init".as_ref(), token.dir().as_os_str(), "beside".as_ref()]);
    let mut labels = listed_labels(&token);
    labels.sort();
    assert_eq!(labels, ["beside", "twice"]);
}

#[test]
fn a_fixture_token_generates_lists_and_signs_with_a_pkcs11_tool_key_that_openssl_verifies() {
    let token = SoftHsmToken::labelled("tool-keys");
    token.pkcs11_tool_as_user(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--label",
        "tool-ec",
        "--id",
        "0a",
    ]);
    let objects = token.pkcs11_tool_as_user(&["--list-objects", "--type", "privkey"]);
    assert!(
        objects.starts_with("Private Key Object; EC\n  label:      tool-ec\n  ID:         0a\n"),
        "{objects}"
    );
    assert!(objects.contains("Usage:      decrypt, sign"), "{objects}");

    // SoftHSM2 has no CKM_ECDSA_SHA256: openssl hashes, the token signs the digest (raw r‖s).
    let data = b"signed on a SoftHSM2 token";
    fs::write(token.dir().join("data.bin"), data).unwrap();
    let digest = token.openssl(&["dgst", "-sha256", "-binary", "data.bin"], b"");
    fs::write(token.dir().join("digest.bin"), &digest).unwrap();
    token.pkcs11_tool_as_user(&[
        "--sign",
        "--mechanism",
        "ECDSA",
        "--label",
        "tool-ec",
        "--input-file",
        "digest.bin",
        "--output-file",
        "raw.sig",
    ]);
    let raw = fs::read(token.dir().join("raw.sig")).unwrap();
    assert_eq!(raw.len(), 64);
    fs::write(token.dir().join("der.sig"), der_signature(&raw)).unwrap();
    let pem = token.export_public_pem("tool-ec", "tool-ec");
    let verified = token.openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            &pem,
            "-signature",
            "der.sig",
            "data.bin",
        ],
        b"",
    );
    assert_eq!(String::from_utf8(verified).unwrap(), "Verified OK\n");
}

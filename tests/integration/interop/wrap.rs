//! Wrapping: every mechanism round-trips a key (same check value after unwrap), `--path` and
//! `--data-path` carry the same bytes as base64, and an AES key that openssl wrapped with
//! RSA-OAEP under the exported public key unwraps to the check value openssl computes.

use crate::key_fixtures::{KeyShell, OWNER, check_value, cluster, openssl, unbase64};
use serde_json::Value;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The AES key that openssl wraps (test data, not a secret).
pub const KNOWN_AES_KEY: [u8; 16] = *b"known-AES-key-16";

/// Keys of the round trips: an AES wrapping key (wrap, unwrap), an RSA pair whose public half
/// wraps and private half unwraps, and payloads of each kind.
fn make_keys(shell: &mut KeyShell) {
    shell.ok(
        "key generate-symmetric aes --label aes-wrapper --key-length-bytes 32 \
         --attributes wrap=true unwrap=true",
    );
    make_rsa_wrapping_pair(shell);
    shell.ok("key generate-symmetric aes --label aes-payload --key-length-bytes 24");
    shell.ok("key generate-symmetric generic-secret --label secret-payload --key-length-bytes 48");
    shell.ok(
        "key generate-asymmetric-pair ec --public-label ec-payload-pub \
         --private-label ec-payload --curve secp384r1",
    );
}

/// `rsa-wrap` (public, wrap=true) and `rsa-unwrap` (private, unwrap=true).
pub fn make_rsa_wrapping_pair(shell: &mut KeyShell) {
    shell.ok(
        "key generate-asymmetric-pair rsa --public-label rsa-wrap --private-label rsa-unwrap \
         --modulus-size-bits 2048 --public-exponent 65537 --public-attributes wrap=true \
         --private-attributes unwrap=true",
    );
}

/// Wraps `payload` with `mechanism`, unwraps it as `class`, and returns the new key.
fn round_trip(
    shell: &mut KeyShell,
    dir: &Path,
    mechanism: &str,
    payload: &str,
    class: &str,
) -> Value {
    let (wrapping, unwrapping, options) = match mechanism {
        "aes-gcm" | "cloudhsm-aes-gcm" => (
            "aes-wrapper",
            "aes-wrapper",
            " --tag-length-bits 128 --aad 0a0b0c",
        ),
        "rsa-aes" | "rsa-oaep" => (
            "rsa-wrap",
            "rsa-unwrap",
            " --hash-function sha256 --mgf mgf1-sha256",
        ),
        "rsa-pkcs" => ("rsa-wrap", "rsa-unwrap", ""),
        _ => ("aes-wrapper", "aes-wrapper", ""),
    };
    let path = dir.join(format!("{mechanism}-{payload}.bin"));
    let wrapped = shell.ok(&format!(
        "key wrap {mechanism} --payload-filter attr.label={payload} \
         --wrapping-filter attr.label={wrapping} --path {}{options}",
        path.display()
    ));
    let data = unbase64(&wrapped["wrapped_key_data"]);
    assert_eq!(
        fs::read(&path).unwrap(),
        data,
        "--path holds the printed bytes"
    );
    let mode = fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "wrapped keys are written owner-only");
    let iv = match &wrapped["iv"] {
        Value::String(iv) => {
            assert_eq!(mechanism, "aes-gcm", "only aes-gcm returns an IV");
            assert_eq!(iv.len(), 2 + 24, "a 12-byte IV: {iv}");
            format!(" --iv {iv}")
        }
        Value::Null => String::new(),
        other => panic!("iv is {other}"),
    };
    let unwrapped = shell.ok(&format!(
        "key unwrap {mechanism} --filter attr.label={unwrapping} --key-type-class {class} \
         --label {mechanism}-{payload}-back --data-path {}{options}{iv}",
        path.display()
    ));
    unwrapped["key"].clone()
}

#[test]
fn every_mechanism_unwraps_what_it_wrapped() {
    let state = cluster();
    let dir = tempfile::tempdir().unwrap();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    make_keys(&mut shell);
    let original = |shell: &mut KeyShell, label: &str| {
        let listed = shell.ok(&format!("key list --verbose --filter attr.label={label}"));
        listed["matched_keys"][0].clone()
    };
    let aes = original(&mut shell, "aes-payload");
    let mechanisms = [
        "aes-gcm",
        "cloudhsm-aes-gcm",
        "aes-no-pad",
        "aes-pkcs5-pad",
        "aes-zero-pad",
        "rsa-aes",
        "rsa-oaep",
        "rsa-pkcs",
    ];
    for mechanism in mechanisms {
        let back = round_trip(&mut shell, dir.path(), mechanism, "aes-payload", "aes");
        assert_eq!(check_value(&back), check_value(&aes), "{mechanism}");
        assert_eq!(back["attributes"]["key-length-bytes"], 24, "{mechanism}");
        assert_eq!(back["attributes"]["local"], false);
    }
    // Other payloads: a generic secret, and a private key (too big for one RSA block).
    let secret = original(&mut shell, "secret-payload");
    for mechanism in ["aes-gcm", "aes-pkcs5-pad", "rsa-oaep"] {
        let back = round_trip(
            &mut shell,
            dir.path(),
            mechanism,
            "secret-payload",
            "generic-secret",
        );
        assert_eq!(check_value(&back), check_value(&secret), "{mechanism}");
    }
    let ec = original(&mut shell, "ec-payload");
    for mechanism in ["cloudhsm-aes-gcm", "aes-pkcs5-pad", "rsa-aes"] {
        let back = round_trip(
            &mut shell,
            dir.path(),
            mechanism,
            "ec-payload",
            "ec-private",
        );
        assert_eq!(check_value(&back), check_value(&ec), "{mechanism}");
        assert_eq!(back["attributes"]["class"], "private-key");
        assert_eq!(back["attributes"]["curve"], "secp384r1");
        assert_eq!(back["attributes"]["ec-point"], ec["attributes"]["ec-point"]);
    }
    shell.finish();
}

/// Wraps [`KNOWN_AES_KEY`] with openssl (RSA-OAEP, SHA-256) under the exported `rsa-wrap` key
/// and unwraps it with `rsa-unwrap` as `label`; returns the unwrapped key.
pub fn unwrap_known_key(shell: &mut KeyShell, dir: &Path, label: &str) -> Value {
    let pem = dir.join("rsa-wrap.pem");
    shell.ok(&format!(
        "key generate-file --encoding pem --path {} --filter attr.label=rsa-wrap",
        pem.display()
    ));
    fs::write(dir.join("known.key"), KNOWN_AES_KEY).unwrap();
    openssl(
        dir,
        &[
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-inkey",
            "rsa-wrap.pem",
            "-in",
            "known.key",
            "-out",
            "known.wrapped",
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha256",
            "-pkeyopt",
            "rsa_mgf1_md:sha256",
        ],
        b"",
    );
    fs::remove_file(dir.join("known.key")).unwrap();
    let unwrapped = shell.ok(&format!(
        "key unwrap rsa-oaep --filter attr.label=rsa-unwrap --key-type-class aes --label {label} \
         --hash-function sha256 --mgf mgf1-sha256 --data-path {}",
        dir.join("known.wrapped").display()
    ));
    unwrapped["key"].clone()
}

/// The AES check value of [`KNOWN_AES_KEY`] as openssl computes it: AES-ECB of a zero block.
pub fn known_key_check_value(dir: &Path) -> String {
    let hex: String = KNOWN_AES_KEY
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let block = openssl(
        dir,
        &["enc", "-aes-128-ecb", "-K", &hex, "-nopad"],
        &[0; 16],
    );
    assert_eq!(block.len(), 16);
    format!("0x{:02x}{:02x}{:02x}", block[0], block[1], block[2])
}

#[test]
fn an_aes_key_wrapped_by_openssl_unwraps_with_rsa_oaep() {
    let state = cluster();
    let dir = tempfile::tempdir().unwrap();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    make_rsa_wrapping_pair(&mut shell);
    let key = unwrap_known_key(&mut shell, dir.path(), "from-openssl");
    assert_eq!(check_value(&key), known_key_check_value(dir.path()));
    let attributes = &key["attributes"];
    assert_eq!(attributes["key-type"], "aes");
    assert_eq!(attributes["class"], "secret-key");
    assert_eq!(attributes["label"], "from-openssl");
    assert_eq!(attributes["key-length-bytes"], 16);
    assert_eq!(attributes["local"], false);
    // The wrong hash does not unwrap it: OAEP checks its label hash.
    let wrong = shell.fails(&format!(
        "key unwrap rsa-oaep --filter attr.label=rsa-unwrap --key-type-class aes --label wrong \
         --hash-function sha1 --mgf mgf1-sha1 --data-path {}",
        dir.path().join("known.wrapped").display()
    ));
    assert_eq!(
        wrong,
        "Unwrap failed: the data is corrupt or was not wrapped with this key"
    );
    assert_eq!(shell.labels(), ["rsa-wrap", "rsa-unwrap", "from-openssl"]);
    shell.finish();
}

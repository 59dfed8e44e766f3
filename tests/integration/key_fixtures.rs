//! Helpers of the key and crypto tests: a cluster with three crypto users, a live shell whose
//! replies come back parsed, openssl, base64, and the two encodings of an ECDSA signature
//! (the CLI's raw r‖s and openssl's DER).

use crate::fixtures::state_with_users;
use crate::test::{ADMIN_PASSWORD, LiveShell, Output, Test};
use base64::Engine;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// The crypto user who owns the keys of a test.
pub const OWNER: &str = "owner";
/// The crypto user the owner shares keys with.
pub const SHARER: &str = "sharer";
/// A crypto user with no share in the owner's keys.
pub const STRANGER: &str = "stranger";

/// Test fixture passwords: `<username>-pass-1`.
pub fn password(username: &str) -> String {
    format!("{username}-pass-1")
}

/// The first reference a fresh state hands out; later keys count up from it.
pub const FIRST_REFERENCE: u64 = 0x0010_0001;

/// The printed form of the `n`th key reference of a fresh state (0-based).
pub fn reference(n: u64) -> String {
    format!("0x{:016x}", FIRST_REFERENCE + n)
}

/// An activated cluster with [`OWNER`], [`SHARER`] and [`STRANGER`]; nobody logged in.
pub fn cluster() -> Output {
    let passwords = [OWNER, SHARER, STRANGER].map(password);
    state_with_users(&[
        (OWNER, "crypto-user", &passwords[0]),
        (SHARER, "crypto-user", &passwords[1]),
        (STRANGER, "crypto-user", &passwords[2]),
    ])
}

/// A batch shell on a state directory that goes on after failures and hands back each reply.
pub struct KeyShell {
    shell: LiveShell,
}

impl KeyShell {
    /// A shell with nobody logged in.
    pub fn anonymous(state_dir: &Path) -> KeyShell {
        KeyShell {
            shell: Test::new().state(state_dir).arg("--keep-going").start(),
        }
    }

    /// A shell logged in as the crypto user `username`.
    pub fn crypto_user(state_dir: &Path, username: &str) -> KeyShell {
        let mut shell = KeyShell::anonymous(state_dir);
        shell.login(username, "crypto-user");
        shell
    }

    /// A shell logged in as the built-in admin.
    pub fn admin(state_dir: &Path) -> KeyShell {
        let mut shell = KeyShell::anonymous(state_dir);
        shell.login("admin", "admin");
        shell
    }

    pub fn login(&mut self, username: &str, role: &str) {
        let secret = if username == "admin" {
            ADMIN_PASSWORD.to_owned()
        } else {
            password(username)
        };
        let reply = self.ok(&format!(
            "login --username {username} --role {role} --password {secret}"
        ));
        assert_eq!(reply["username"], username);
    }

    pub fn logout(&mut self) {
        assert_eq!(self.ok("logout"), "Logout successful");
    }

    /// The whole envelope of one line.
    pub fn run(&mut self, line: &str) -> Value {
        self.shell.run(line)
    }

    /// The `data` of a line that must succeed.
    pub fn ok(&mut self, line: &str) -> Value {
        let envelope = self.run(line);
        assert_eq!(envelope["error_code"], 0, "`{line}` failed: {envelope}");
        envelope["data"].clone()
    }

    /// The message of a line that must fail.
    pub fn fails(&mut self, line: &str) -> String {
        let envelope = self.run(line);
        assert_eq!(envelope["error_code"], 1, "`{line}` succeeded: {envelope}");
        envelope["data"]
            .as_str()
            .unwrap_or_else(|| panic!("`{line}` failed without a message: {envelope}"))
            .to_owned()
    }

    /// The labels `key list` shows, in order.
    pub fn labels(&mut self) -> Vec<String> {
        let page = self.ok("key list --max-items 100");
        page["matched_keys"]
            .as_array()
            .expect("matched_keys is an array")
            .iter()
            .map(|entry| entry["attributes"]["label"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Closes stdin and waits for the shell to end.
    pub fn finish(self) {
        self.shell.finish();
    }
}

/// The check value of a key reply (`{"key": K}`, or one half of a pair).
pub fn check_value(key: &Value) -> String {
    let value = key["attributes"]["check-value"]
        .as_str()
        .unwrap_or_else(|| panic!("no check-value in {key}"));
    assert_eq!(value.len(), 8, "{value}");
    assert!(value.starts_with("0x"), "{value}");
    assert!(
        value[2..]
            .bytes()
            .all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase()),
        "{value}"
    );
    value.to_owned()
}

pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unbase64(text: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(
            text.as_str()
                .unwrap_or_else(|| panic!("not a string: {text}")),
        )
        .unwrap_or_else(|error| panic!("not base64 ({error}): {text}"))
}

/// Runs openssl in `dir` with `stdin`; panics unless it succeeds; returns its stdout.
pub fn openssl(dir: &Path, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("/usr/bin/openssl")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run /usr/bin/openssl");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("cannot write to openssl");
    let output = child.wait_with_output().expect("cannot wait for openssl");
    assert!(
        output.status.success(),
        "openssl {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The DER `SEQUENCE { INTEGER r, INTEGER s }` of a raw `r‖s` ECDSA signature.
pub fn der_signature(raw: &[u8]) -> Vec<u8> {
    assert_eq!(raw.len() % 2, 0, "r‖s has an odd length");
    let (r, s) = raw.split_at(raw.len() / 2);
    let body = [der_integer(r), der_integer(s)].concat();
    [vec![0x30], der_length(body.len()), body].concat()
}

fn der_integer(unsigned: &[u8]) -> Vec<u8> {
    let first = unsigned
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(unsigned.len() - 1);
    let mut value = unsigned[first..].to_vec();
    if value[0] & 0x80 != 0 {
        value.insert(0, 0);
    }
    [vec![0x02], der_length(value.len()), value].concat()
}

fn der_length(length: usize) -> Vec<u8> {
    match length {
        0..=0x7f => vec![length as u8],
        0x80..=0xff => vec![0x81, length as u8],
        _ => panic!("no ECDSA signature is this long: {length}"),
    }
}

/// The raw `r‖s` (each `field_bytes` long) of a DER ECDSA signature.
pub fn raw_signature(der: &[u8], field_bytes: usize) -> Vec<u8> {
    let mut rest = der_element(der, 0x30).0;
    let mut raw = Vec::new();
    for _ in 0..2 {
        let (integer, after) = der_element(rest, 0x02);
        let magnitude = integer
            .iter()
            .position(|&byte| byte != 0)
            .map_or(&[][..], |first| &integer[first..]);
        assert!(
            magnitude.len() <= field_bytes,
            "integer too long: {der:02x?}"
        );
        raw.extend(std::iter::repeat_n(0, field_bytes - magnitude.len()));
        raw.extend_from_slice(magnitude);
        rest = after;
    }
    assert!(rest.is_empty(), "trailing bytes in {der:02x?}");
    raw
}

/// The contents of the DER element with `tag` at the start of `bytes`, and what follows it.
fn der_element(bytes: &[u8], tag: u8) -> (&[u8], &[u8]) {
    assert_eq!(bytes[0], tag, "expected tag {tag:#04x}: {bytes:02x?}");
    let (length, header) = match bytes[1] {
        0x81 => (usize::from(bytes[2]), 3),
        short if short < 0x80 => (usize::from(short), 2),
        other => panic!("unexpected DER length byte {other:#04x}"),
    };
    bytes[header..].split_at(length)
}

#[test]
fn der_and_raw_signatures_convert_both_ways() {
    // r with its high bit set gains a 0x00; s with leading zeros loses them.
    let raw = [[0x80, 1, 2, 3], [0, 0, 0x7f, 4]].concat();
    let der = der_signature(&raw);
    assert_eq!(
        der,
        [
            0x30, 0x0b, 0x02, 0x05, 0x00, 0x80, 1, 2, 3, 0x02, 0x02, 0x7f, 4
        ]
    );
    assert_eq!(raw_signature(&der, 4), raw);
    // P-521 sizes need the long length form.
    let long = [vec![0xff; 66], vec![0x01; 66]].concat();
    assert_eq!(raw_signature(&der_signature(&long), 66), long);
    // r gains a 0x00 (67 bytes), s does not (66): 2 + 67 + 2 + 66 = 137 = 0x89.
    assert_eq!(&der_signature(&long)[..3], &[0x30, 0x81, 0x89]);
}

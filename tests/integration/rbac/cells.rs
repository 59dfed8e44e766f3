//! The cells of the permission matrix: the owner's keys and what it prepared (signatures to
//! verify, wrapped keys to unwrap), and every key and crypto command line with what the owner,
//! the shared user and the other crypto user get. Admins and callers not logged in are
//! derived in `rbac.rs`.

use crate::key_fixtures::{KeyShell, OWNER, SHARER, STRANGER, base64, cluster, reference};
use crate::test::Output;
use serde_json::{Value, json};

const DATA: &[u8] = b"rbac matrix";

#[derive(Clone, Debug)]
pub enum Expect {
    /// Succeeds; with `Some`, its `data` is exactly this.
    Allow(Option<Value>),
    Deny(String),
}

pub use Expect::{Allow, Deny};

fn allow() -> Expect {
    Allow(None)
}

fn message(text: &str) -> Expect {
    Allow(Some(json!({ "message": text })))
}

fn not_owner(key: u64, action: &str) -> Expect {
    Deny(format!(
        "Only the owner of key {} can {action} it",
        reference(key)
    ))
}

fn no_key() -> Expect {
    Deny(
        "Key selection criteria matched 0 keys. Refine selection criteria to select a single key."
            .into(),
    )
}

fn listing(keys: &[(u64, &str)]) -> Expect {
    let entries: Vec<Value> = keys
        .iter()
        .map(|(n, label)| json!({"key-reference": reference(*n), "attributes": {"label": label}}))
        .collect();
    let count = entries.len();
    Allow(Some(
        json!({"matched_keys": entries, "total_key_count": count, "returned_key_count": count}),
    ))
}

/// One row: a command line and what each logged-in actor gets. Not logged in is always
/// refused, and an admin is refused by role unless `admin` says otherwise.
pub struct Row {
    pub line: String,
    /// Changes or removes a key of the state: runs alone on a fresh copy.
    pub alone: bool,
    pub admin: Option<Expect>,
    pub owner: Expect,
    pub sharer: Expect,
    pub stranger: Expect,
}

fn row(line: impl Into<String>, owner: Expect, sharer: Expect, stranger: Expect) -> Row {
    Row {
        line: line.into(),
        alone: false,
        admin: None,
        owner,
        sharer,
        stranger,
    }
}

/// What the owner prepared for the use cells: signatures to verify and wrapped data to unwrap.
pub struct Prepared {
    pub state: Output,
    signatures: Vec<(String, String)>,
    wrapped: Vec<(String, String)>,
}

const WRAP: [(&str, &str, &str); 8] = [
    ("aes-gcm", "aes", " --tag-length-bits 128"),
    ("cloudhsm-aes-gcm", "aes", " --tag-length-bits 128"),
    ("aes-no-pad", "aes", ""),
    ("aes-pkcs5-pad", "aes", ""),
    ("aes-zero-pad", "aes", ""),
    (
        "rsa-aes",
        "rsa",
        " --hash-function sha256 --mgf mgf1-sha256",
    ),
    (
        "rsa-oaep",
        "rsa",
        " --hash-function sha256 --mgf mgf1-sha256",
    ),
    ("rsa-pkcs", "rsa", ""),
];

const SIGN: [(&str, &str, &str); 3] = [
    ("rsa-pkcs", "rsa", ""),
    ("rsa-pkcs-pss", "rsa", " --mgf mgf1-sha256 --salt-length 32"),
    ("ecdsa", "ec", ""),
];

pub fn prepare() -> Prepared {
    let state = cluster();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    shell.ok(&format!(
        "key generate-symmetric aes --label aes --key-length-bytes 32 \
         --attributes wrap=true unwrap=true --share-crypto-users {SHARER}"
    ));
    for (kind, spec) in [
        (
            "rsa",
            "rsa --modulus-size-bits 2048 --public-exponent 65537",
        ),
        ("ec", "ec --curve secp256k1"),
    ] {
        shell.ok(&format!(
            "key generate-asymmetric-pair {spec} --public-label {kind}-pub \
             --private-label {kind}-priv --public-attributes verify=true wrap=true \
             --private-attributes sign=true unwrap=true --share-crypto-users {SHARER}"
        ));
    }
    shell.ok(&format!(
        "key generate-file --encoding pem --path {} --filter attr.label=rsa-pub",
        state.sandbox.path().join("rsa-pub.pem").display()
    ));
    let signatures = SIGN
        .iter()
        .map(|(mechanism, kind, extra)| {
            let signed = shell.ok(&format!(
                "crypto sign {mechanism} --key-filter attr.label={kind}-priv --hash-function sha256 --data {}{extra}",
                base64(DATA)
            ));
            (mechanism.to_string(), signed["signature"].as_str().unwrap().to_owned())
        })
        .collect();
    let wrapped = WRAP
        .iter()
        .map(|(mechanism, kind, extra)| {
            let wrapping = if *kind == "aes" { "aes" } else { "rsa-pub" };
            let reply = shell.ok(&format!(
                "key wrap {mechanism} --payload-filter attr.label=aes --wrapping-filter attr.label={wrapping}{extra}"
            ));
            let iv = reply["iv"].as_str().map(|iv| format!(" --iv {iv}")).unwrap_or_default();
            let data = reply["wrapped_key_data"].as_str().unwrap();
            (mechanism.to_string(), format!("--data {data}{iv}"))
        })
        .collect();
    shell.logout();
    shell.finish();
    Prepared {
        state,
        signatures,
        wrapped,
    }
}

pub fn rows(prepared: &Prepared) -> Vec<Row> {
    let owner_view = [
        (0, "aes"),
        (1, "rsa-pub"),
        (2, "rsa-priv"),
        (3, "ec-pub"),
        (4, "ec-priv"),
    ];
    let list = row(
        "key list",
        listing(&owner_view),
        listing(&owner_view),
        listing(&[(1, "rsa-pub"), (3, "ec-pub")]),
    );
    let mut rows = vec![Row {
        admin: Some(listing(&owner_view)),
        ..list
    }];
    for line in [
        "key generate-symmetric aes --label new --key-length-bytes 16",
        "key generate-symmetric generic-secret --label new --key-length-bytes 100",
        "key generate-asymmetric-pair rsa --public-label new --private-label new --modulus-size-bits 2048 --public-exponent 65537",
        "key generate-asymmetric-pair ec --public-label new --private-label new --curve secp224r1",
    ] {
        rows.push(row(line, allow(), allow(), allow()));
    }
    let pem = prepared.state.sandbox.path().join("rsa-pub.pem");
    let import = format!(
        "key import pem --path {} --label new --key-type-class rsa-public",
        pem.display()
    );
    rows.push(row(import, allow(), allow(), allow()));
    let file = |encoding: &str, label: &str| {
        format!(
            "key generate-file --encoding {encoding} --path /dev/null --filter attr.label={label}"
        )
    };
    let written = message("Successfully generated key file");
    rows.push(row(
        file("pem", "ec-pub"),
        written.clone(),
        written.clone(),
        written.clone(),
    ));
    rows.push(row(
        file("reference-pem", "rsa-priv"),
        written.clone(),
        written,
        no_key(),
    ));
    for (mechanism, kind, extra) in WRAP {
        let wrapping = if kind == "aes" { "aes" } else { "rsa-pub" };
        rows.push(row(
            format!("key wrap {mechanism} --payload-filter attr.label=aes --wrapping-filter attr.label={wrapping}{extra}"),
            allow(), not_owner(0, "wrap"), no_key(),
        ));
    }
    for ((mechanism, kind, extra), (_, data)) in WRAP.iter().zip(&prepared.wrapped) {
        let unwrapping = if *kind == "aes" { "aes" } else { "rsa-priv" };
        rows.push(row(
            format!("key unwrap {mechanism} --filter attr.label={unwrapping} --key-type-class aes --label new {data}{extra}"),
            allow(), allow(), no_key(),
        ));
    }
    let data = base64(DATA);
    for ((mechanism, kind, extra), (_, signature)) in SIGN.iter().zip(&prepared.signatures) {
        let signed = Allow(None);
        rows.push(row(
            format!("crypto sign {mechanism} --key-filter attr.label={kind}-priv --hash-function sha256 --data {data}{extra}"),
            signed.clone(), signed, no_key(),
        ));
        let verified = message("Signature verified successfully");
        rows.push(row(
            format!("crypto verify {mechanism} --key-filter attr.label={kind}-pub --hash-function sha256 --data {data} --signature {signature}{extra}"),
            verified.clone(), verified.clone(), verified,
        ));
    }
    let alone = |line: &str, admin: Option<Expect>, owner, sharer, stranger| Row {
        line: line.to_owned(),
        alone: true,
        admin,
        owner,
        sharer,
        stranger,
    };
    rows.push(alone(
        "key delete --filter attr.label=ec-priv",
        None,
        message("Key deleted successfully"),
        not_owner(4, "delete"),
        no_key(),
    ));
    rows.push(alone(
        "key delete --filter attr.label=ec-pub",
        None,
        message("Key deleted successfully"),
        not_owner(3, "delete"),
        not_owner(3, "delete"),
    ));
    rows.push(alone(
        "key set-attribute --filter attr.label=aes --name label --value renamed",
        Some(Deny(
            "An admin can set only the trusted attribute, not label".into(),
        )),
        message("Attribute set successfully"),
        not_owner(0, "change"),
        no_key(),
    ));
    rows.push(alone(
        "key set-attribute --filter attr.label=rsa-pub --name trusted --value true",
        Some(message("Attribute set successfully")),
        Deny("Attribute trusted can be set only by an admin".into()),
        not_owner(1, "change"),
        not_owner(1, "change"),
    ));
    let share =
        format!("key share --filter attr.label=rsa-priv --username {STRANGER} --role crypto-user");
    rows.push(alone(
        &share,
        None,
        message("Key shared successfully"),
        not_owner(2, "share"),
        no_key(),
    ));
    let unshare =
        format!("key unshare --filter attr.label=aes --username {SHARER} --role crypto-user");
    rows.push(alone(
        &unshare,
        None,
        message("Key unshared successfully"),
        not_owner(0, "unshare"),
        no_key(),
    ));
    rows
}

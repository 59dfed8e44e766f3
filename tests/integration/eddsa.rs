//! Ed25519 end to end: keys only on hsm2m.medium clusters in non-FIPS mode, `crypto sign
//! ed25519` signatures that openssl verifies (`pkeyutl -verify -rawin`), openssl's signatures
//! that the shell verifies through an imported public key, and Ed25519ph.

use crate::fixtures::new_hsm2m_cluster;
use crate::test::{LiveShell, Test, ok, openssl_in};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fs;

const SECRETS: &str = "admin=eddsa-admin-1\nalice=eddsa-alice-1\n";
const PAIR: &str = "key generate-asymmetric-pair ec --public-label ed-pub --private-label ed \
                    --curve ed25519 --private-attributes sign=true --public-attributes verify=true";

/// alice, logged in on a new hsm2m.medium cluster of `mode`.
fn alice_on(mode: &str) -> LiveShell {
    let mut shell = Test::new().secrets(SECRETS).arg("--keep-going").start();
    new_hsm2m_cluster(&mut shell, mode);
    ok(shell.run("login --username admin --role admin"));
    ok(shell.run("user create --username alice --role crypto-user"));
    ok(shell.run("logout"));
    ok(shell.run("login --username alice --role crypto-user"));
    shell
}

#[test]
fn ed25519_signatures_verify_with_openssl_and_openssls_with_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = alice_on("NON_FIPS");
    let made = ok(shell.run(PAIR));
    let private = &made["data"]["private_key"]["attributes"];
    assert_eq!(private["curve"], "ed25519");
    assert_eq!(private["key-type"], "ec");
    let public = &made["data"]["public_key"]["attributes"];
    assert_eq!(public["key-length-bytes"], 32);
    assert_eq!(public["ec-point"].as_str().unwrap().len(), 2 + 64);
    let message = b"cloudhsm-shell signs with Ed25519";
    fs::write(dir.path().join("message"), message).unwrap();
    let data = STANDARD.encode(message);
    let signed = ok(shell.run(&format!(
        "crypto sign ed25519 --key-filter attr.label=ed --data {data}"
    )));
    let signature = signed["data"]["signature"].as_str().unwrap().to_owned();
    fs::write(
        dir.path().join("signature"),
        STANDARD.decode(&signature).unwrap(),
    )
    .unwrap();
    ok(shell.run(&format!(
        "key generate-file --encoding pem --path {} --filter attr.label=ed-pub",
        dir.path().join("ed-pub.pem").display()
    )));
    let verified = openssl_in(
        dir.path(),
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "ed-pub.pem",
            "-rawin",
            "-in",
            "message",
            "-sigfile",
            "signature",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&verified.stdout).trim(),
        "Signature Verified Successfully"
    );
    ok(shell.run(&format!(
        "crypto verify ed25519 --key-filter attr.label=ed-pub --data {data} --signature {signature}"
    )));
    // openssl signs; the shell verifies with the imported public key.
    openssl_in(
        dir.path(),
        &["genpkey", "-algorithm", "ed25519", "-out", "theirs.key"],
    );
    openssl_in(
        dir.path(),
        &["pkey", "-in", "theirs.key", "-pubout", "-out", "theirs.pub"],
    );
    openssl_in(
        dir.path(),
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            "theirs.key",
            "-rawin",
            "-in",
            "message",
            "-out",
            "theirs.sig",
        ],
    );
    ok(shell.run(&format!(
        "key import pem --path {} --label theirs --key-type-class ec-public --attributes verify=true",
        dir.path().join("theirs.pub").display()
    )));
    let theirs = STANDARD.encode(fs::read(dir.path().join("theirs.sig")).unwrap());
    ok(shell.run(&format!(
        "crypto verify ed25519 --key-filter attr.label=theirs --data {data} --signature {theirs}"
    )));
    assert_eq!(
        shell.run(&format!(
            "crypto verify ed25519 --key-filter attr.label=theirs --data {} --signature {theirs}",
            STANDARD.encode(b"another message")
        )),
        serde_json::json!({"error_code": 1, "data": "Signature verification failed"})
    );
    ok(shell.run("logout"));
    let _ = shell.finish();
}

#[test]
fn ed25519ph_signs_data_or_its_sha512_digest_alike() {
    let mut shell = alice_on("NON_FIPS");
    ok(shell.run(PAIR));
    let data = STANDARD.encode(b"prehashed");
    let digest = STANDARD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA512,
        b"prehashed",
    ));
    let raw = ok(shell.run(&format!(
        "crypto sign ed25519ph --key-filter attr.label=ed --hash-function sha512 \
         --data-type raw --data {data}"
    )));
    let of_digest = ok(shell.run(&format!(
        "crypto sign ed25519ph --key-filter attr.label=ed --hash-function sha512 \
         --data-type digest --data {digest}"
    )));
    // EdDSA is deterministic: the same message gives the same signature.
    assert_eq!(raw["data"]["signature"], of_digest["data"]["signature"]);
    let signature = raw["data"]["signature"].as_str().unwrap();
    ok(shell.run(&format!(
        "crypto verify ed25519ph --key-filter attr.label=ed-pub --hash-function sha512 \
         --data-type digest --data {digest} --signature {signature}"
    )));
    // A pure signature is not a prehashed one, and ECDSA does not take the key.
    assert_eq!(
        shell.run(&format!(
            "crypto verify ed25519 --key-filter attr.label=ed-pub --data {data} \
             --signature {signature}"
        ))["data"],
        "Signature verification failed"
    );
    assert_eq!(
        shell.run(&format!(
            "crypto sign ecdsa --key-filter attr.label=ed --hash-function sha256 --data {data}"
        ))["data"],
        "ecdsa does not sign with an ed25519 key: use ed25519 or ed25519ph"
    );
    ok(shell.run("logout"));
    let _ = shell.finish();
}

#[test]
fn ed25519_keys_need_an_hsm2m_medium_cluster_in_non_fips_mode() {
    let mut shell = alice_on("FIPS");
    let refused = shell.run(PAIR);
    assert_eq!(refused["error_code"], 1);
    let message = refused["data"].as_str().unwrap();
    assert!(
        message.starts_with("An ed25519 key needs an hsm2m.medium cluster in NON_FIPS mode")
            && message.ends_with("is hsm2m.medium in FIPS mode"),
        "{message}"
    );
    assert_eq!(ok(shell.run("key list"))["data"]["total_key_count"], 0);
    ok(shell.run("logout"));
    let _ = shell.finish();
}

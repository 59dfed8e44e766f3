//! Interoperability with openssl (/usr/bin/openssl): the shell's signatures verify there, its
//! signatures verify here, the exported public key is the key (its check value is SHA-1 of the
//! DER), every wrap mechanism round-trips, and a key wrapped by openssl unwraps here.

use crate::key_fixtures::{
    KeyShell, OWNER, base64, check_value, cluster, der_signature, openssl, raw_signature, unbase64,
};
use std::fs;
use std::path::Path;
use std::process::Command;

pub(crate) mod wrap;

const DATA: &[u8] = b"The quick brown fox jumps over the lazy dog";

/// Whether `openssl dgst` accepts `signature` (a file in `dir`) over `data.bin` there.
fn openssl_verifies(
    dir: &Path,
    hash: &str,
    public_pem: &str,
    signature: &str,
    extra: &[&str],
) -> bool {
    let output = Command::new("/usr/bin/openssl")
        .current_dir(dir)
        .args([
            "dgst",
            &format!("-{hash}"),
            "-verify",
            public_pem,
            "-signature",
            signature,
        ])
        .args(extra)
        .arg("data.bin")
        .output()
        .expect("cannot run openssl");
    let verified = output.status.success();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        if verified {
            "Verified OK"
        } else {
            "Verification failure"
        }
    );
    verified
}

/// Writes `bytes` to `dir/name`, and a copy with the middle byte flipped to `tampered-<name>`.
fn write_with_tampered_copy(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).unwrap();
    let mut tampered = bytes.to_vec();
    tampered[bytes.len() / 2] ^= 0x01;
    fs::write(dir.join(format!("tampered-{name}")), tampered).unwrap();
}

/// Exports the public key `label` as PEM to `dir/<label>.pem` and checks that its check value
/// is the first three bytes of SHA-1 over the key's DER, as openssl computes them.
fn export_public(shell: &mut KeyShell, dir: &Path, label: &str) -> String {
    let path = dir.join(format!("{label}.pem"));
    let reply = shell.ok(&format!(
        "key generate-file --encoding pem --path {} --filter attr.label={label}",
        path.display()
    ));
    assert_eq!(reply["message"], "Successfully generated key file");
    let der = openssl(
        dir,
        &[
            "pkey",
            "-pubin",
            "-in",
            &format!("{label}.pem"),
            "-outform",
            "DER",
        ],
        b"",
    );
    let sha1 = openssl(dir, &["dgst", "-sha1", "-binary"], &der);
    let listed = shell.ok(&format!("key list --verbose --filter attr.label={label}"));
    let expected = format!("0x{:02x}{:02x}{:02x}", sha1[0], sha1[1], sha1[2]);
    assert_eq!(check_value(&listed["matched_keys"][0]), expected, "{label}");
    format!("{label}.pem")
}

#[test]
fn rsa_signatures_of_the_shell_verify_with_openssl() {
    let state = cluster();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    fs::write(dir.join("data.bin"), DATA).unwrap();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    shell.ok(
        "key generate-asymmetric-pair rsa --public-label rsa-pub --private-label rsa-priv \
         --modulus-size-bits 2048 --public-exponent 65537 --private-attributes sign=true",
    );
    let pem = export_public(&mut shell, dir, "rsa-pub");
    let data = base64(DATA);
    for (hash, salt) in [("sha256", 32), ("sha384", 48), ("sha512", 64)] {
        let sign = |mechanism: &str| {
            format!(
                "crypto sign {mechanism} --key-filter attr.label=rsa-priv --hash-function {hash} --data {data}"
            )
        };
        let pkcs1 = shell.ok(&sign("rsa-pkcs"));
        let signature = unbase64(&pkcs1["signature"]);
        assert_eq!(signature.len(), 256);
        write_with_tampered_copy(dir, "pkcs1.sig", &signature);
        assert!(
            openssl_verifies(dir, hash, &pem, "pkcs1.sig", &[]),
            "{hash}"
        );
        assert!(!openssl_verifies(
            dir,
            hash,
            &pem,
            "tampered-pkcs1.sig",
            &[]
        ));
        // PKCS #1 v1.5 is deterministic: the same data gives the same signature.
        assert_eq!(shell.ok(&sign("rsa-pkcs")), pkcs1);
        for (salt, openssl_salt) in [(salt, "-1".to_owned()), (20, "20".to_owned())] {
            let pss = shell.ok(&format!(
                "{} --mgf mgf1-{hash} --salt-length {salt}",
                sign("rsa-pkcs-pss")
            ));
            write_with_tampered_copy(dir, "pss.sig", &unbase64(&pss["signature"]));
            let options = [
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                &format!("rsa_pss_saltlen:{openssl_salt}"),
            ];
            assert!(
                openssl_verifies(dir, hash, &pem, "pss.sig", &options),
                "{hash} {salt}"
            );
            assert!(!openssl_verifies(
                dir,
                hash,
                &pem,
                "tampered-pss.sig",
                &options
            ));
        }
    }
    shell.finish();
}

#[test]
fn ecdsa_signatures_on_every_curve_verify_with_openssl_as_der() {
    let state = cluster();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    fs::write(dir.join("data.bin"), DATA).unwrap();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    let curves = [
        ("prime256v1", 32, "sha256"),
        ("secp384r1", 48, "sha384"),
        ("secp521r1", 66, "sha512"),
        ("secp256k1", 32, "sha256"),
        ("secp224r1", 28, "sha224"),
    ];
    for (curve, field, hash) in curves {
        shell.ok(&format!(
            "key generate-asymmetric-pair ec --public-label {curve}-pub \
             --private-label {curve}-priv --curve {curve} --private-attributes sign=true"
        ));
        let pem = export_public(&mut shell, dir, &format!("{curve}-pub"));
        let described = String::from_utf8(openssl(
            dir,
            &["pkey", "-pubin", "-in", &pem, "-text", "-noout"],
            b"",
        ))
        .unwrap();
        assert!(
            described.contains(&format!("ASN1 OID: {curve}")),
            "{described}"
        );
        for data_type in ["raw", "digest"] {
            let data = match data_type {
                "raw" => base64(DATA),
                _ => base64(&openssl(
                    dir,
                    &["dgst", &format!("-{hash}"), "-binary", "data.bin"],
                    b"",
                )),
            };
            let signed = shell.ok(&format!(
                "crypto sign ecdsa --key-filter attr.label={curve}-priv --hash-function {hash} \
                 --data-type {data_type} --data {data}"
            ));
            let raw = unbase64(&signed["signature"]);
            assert_eq!(raw.len(), 2 * field, "{curve}: r‖s of two field elements");
            write_with_tampered_copy(dir, "ecdsa.der", &der_signature(&raw));
            assert!(
                openssl_verifies(dir, hash, &pem, "ecdsa.der", &[]),
                "{curve} {data_type}"
            );
            assert!(!openssl_verifies(
                dir,
                hash,
                &pem,
                "tampered-ecdsa.der",
                &[]
            ));
        }
    }
    shell.finish();
}

#[test]
fn openssl_signatures_verify_in_the_shell_and_tampered_ones_fail() {
    let state = cluster();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    fs::write(dir.join("data.bin"), DATA).unwrap();
    let mut shell = KeyShell::crypto_user(&state.state_dir, OWNER);
    let keys = [
        ("rsa", "RSA", "rsa_keygen_bits:2048", "rsa-public", 0),
        (
            "p256",
            "EC",
            "ec_paramgen_curve:prime256v1",
            "ec-public",
            32,
        ),
        ("p384", "EC", "ec_paramgen_curve:secp384r1", "ec-public", 48),
    ];
    for (name, algorithm, option, class, field) in keys {
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                algorithm,
                "-pkeyopt",
                option,
                "-out",
                &format!("{name}.key"),
            ],
            b"",
        );
        openssl(
            dir,
            &[
                "pkey",
                "-in",
                &format!("{name}.key"),
                "-pubout",
                "-out",
                &format!("{name}.pem"),
            ],
            b"",
        );
        let imported = shell.ok(&format!(
            "key import pem --path {} --label {name} --key-type-class {class} --attributes verify=true",
            dir.join(format!("{name}.pem")).display()
        ));
        assert_eq!(imported["message"], "Successfully imported key");
        let mut signatures = vec![];
        let key_file = format!("{name}.key");
        let signed = |extra: &[&str]| {
            let mut args = vec!["dgst", "-sha256", "-sign", key_file.as_str()];
            args.extend_from_slice(extra);
            args.push("data.bin");
            openssl(dir, &args, b"")
        };
        if field == 0 {
            signatures.push(("rsa-pkcs", String::new(), signed(&[])));
            let pss = signed(&[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:32",
            ]);
            signatures.push((
                "rsa-pkcs-pss",
                " --mgf mgf1-sha256 --salt-length 32".to_owned(),
                pss,
            ));
        } else {
            signatures.push(("ecdsa", String::new(), raw_signature(&signed(&[]), field)));
        }
        for (mechanism, extra, signature) in signatures {
            let mut tampered = signature.clone();
            tampered[5] ^= 0x40;
            let verify = |signature: &[u8]| {
                format!(
                    "crypto verify {mechanism} --key-filter attr.label={name} --hash-function sha256 \
                     --data {} --signature {}{extra}",
                    base64(DATA),
                    base64(signature)
                )
            };
            assert_eq!(
                shell.ok(&verify(&signature))["message"],
                "Signature verified successfully",
                "{name} {mechanism}"
            );
            assert_eq!(
                shell.fails(&verify(&tampered)),
                "Signature verification failed",
                "{name} {mechanism}"
            );
        }
    }
    shell.finish();
}

//! The PKCS#11 backend on SoftHSM2: keys shared with `pkcs11-tool`, signatures checked by
//! `openssl` both ways, logins and PIN changes, what a token cannot do, and every way of
//! choosing or reaching a module that fails, each as one clear line.

use crate::key_fixtures::{base64, der_signature, raw_signature, unbase64};
use crate::softhsm::{SO_PIN, SoftHsmToken, USER_PIN, USERNAME};
use crate::test::{LiveShell, Test};
use serde_json::{Value, json};

const MESSAGE: &[u8] = b"interop message";

fn login_line(pin: &str) -> String {
    format!("login --username {USERNAME} --role crypto-user --password {pin}")
}

/// A batch shell on `token`, logged in as its crypto user.
fn logged_in(token: &SoftHsmToken) -> LiveShell {
    let mut shell = Test::new().pkcs11(token).arg("--keep-going").start();
    assert_eq!(
        shell.run(&login_line(USER_PIN)),
        json!({"error_code": 0, "data": {"username": USERNAME, "role": "crypto-user"}})
    );
    shell
}

fn ok(shell: &mut LiveShell, line: &str) -> Value {
    let reply = shell.run(line);
    assert_eq!(reply["error_code"], 0, "{line}: {reply}");
    reply["data"].clone()
}

fn failure(shell: &mut LiveShell, line: &str) -> String {
    let reply = shell.run(line);
    assert_eq!(reply["error_code"], 1, "{line}: {reply}");
    reply["data"].as_str().unwrap().to_owned()
}

#[test]
fn keys_made_by_the_shell_are_listed_and_used_by_pkcs11_tool_and_verify_with_openssl() {
    let token = SoftHsmToken::new();
    let mut shell = logged_in(&token);
    ok(
        &mut shell,
        "key generate-asymmetric-pair ec --curve prime256v1 --public-label shell-ec-pub \
         --private-label shell-ec --public-attributes verify=true --private-attributes sign=true",
    );
    let rsa = ok(
        &mut shell,
        "key generate-asymmetric-pair rsa --modulus-size-bits 2048 --public-exponent 65537 \
         --public-label shell-rsa-pub --private-label shell-rsa --private-attributes sign=true",
    );
    // Both halves carry the one CKA_ID PKCS#11 tools pair them by.
    let rsa_id = rsa["private_key"]["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(rsa["public_key"]["attributes"]["id"], rsa_id.as_str());
    assert_eq!(rsa_id.len(), 2 + 16, "{rsa_id}");
    let listed = token.pkcs11_tool_as_user(&["--list-objects"]);
    for label in ["shell-ec-pub", "shell-ec", "shell-rsa-pub", "shell-rsa"] {
        assert!(
            listed.contains(&format!("label:      {label}\n")),
            "{listed}"
        );
    }

    // The shell signs; openssl verifies with the public key pkcs11-tool reads off the token.
    let data = base64(MESSAGE);
    std::fs::write(token.dir().join("message"), MESSAGE).unwrap();
    let signed = ok(
        &mut shell,
        &format!(
            "crypto sign ecdsa --key-filter attr.label=shell-ec --hash-function sha256 --data {data}"
        ),
    );
    std::fs::write(
        token.dir().join("shell-ec.sig"),
        der_signature(&unbase64(&signed["signature"])),
    )
    .unwrap();
    let ec_pem = token.export_public_pem("shell-ec-pub", "shell-ec-pub");
    let verified = token.openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            &ec_pem,
            "-signature",
            "shell-ec.sig",
            "message",
        ],
        b"",
    );
    assert_eq!(verified, b"Verified OK\n");
    let signed = ok(
        &mut shell,
        &format!(
            "crypto sign rsa-pkcs --key-filter attr.label=shell-rsa --hash-function sha256 --data {data}"
        ),
    );
    std::fs::write(
        token.dir().join("shell-rsa.sig"),
        unbase64(&signed["signature"]),
    )
    .unwrap();
    let rsa_pem = token.export_public_pem("shell-rsa-pub", "shell-rsa-pub");
    let verified = token.openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            &rsa_pem,
            "-signature",
            "shell-rsa.sig",
            "message",
        ],
        b"",
    );
    assert_eq!(verified, b"Verified OK\n");

    // pkcs11-tool signs with the shell's key (by id: OpenSC 0.23's --label picks a key that
    // fails to sign when two pairs are on the token); the shell's public key file verifies it.
    token.pkcs11_tool_as_user(&[
        "--sign",
        "--mechanism",
        "SHA256-RSA-PKCS",
        "--id",
        &rsa_id[2..],
        "--input-file",
        "message",
        "--output-file",
        "tool-rsa.sig",
    ]);
    let key_file = token.dir().join("shell-rsa-file.pem");
    ok(
        &mut shell,
        &format!(
            "key generate-file --encoding pem --filter attr.label=shell-rsa --path {}",
            key_file.display()
        ),
    );
    let verified = token.openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            "shell-rsa-file.pem",
            "-signature",
            "tool-rsa.sig",
            "message",
        ],
        b"",
    );
    assert_eq!(verified, b"Verified OK\n");
    shell.finish();
}

#[test]
fn a_key_made_by_pkcs11_tool_is_found_and_signs_in_the_shell() {
    let token = SoftHsmToken::new();
    token.pkcs11_tool_as_user(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--label",
        "tool-ec",
        "--id",
        "42",
    ]);
    let mut shell = logged_in(&token);
    let listed = ok(&mut shell, "key list --filter attr.key-type=ec --verbose");
    assert_eq!(listed["total_key_count"], 2);
    let of_class = |class: &str| {
        listed["matched_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| &key["attributes"])
            .find(|attributes| attributes["class"] == class)
            .unwrap_or_else(|| panic!("no {class} in {listed}"))
            .clone()
    };
    let (private, public) = (of_class("private-key"), of_class("public-key"));
    assert_eq!(private["label"], "tool-ec");
    assert_eq!(private["id"], "0x42");
    assert_eq!(private["curve"], "prime256v1");
    // The private key's point comes from its pair, found by CKA_ID.
    assert_eq!(private["ec-point"], public["ec-point"]);
    assert_eq!(private["check-value"], public["check-value"]);

    let signed = ok(
        &mut shell,
        &format!(
            "crypto sign ecdsa --key-filter attr.label=tool-ec attr.class=private-key \
             --hash-function sha256 --data {}",
            base64(MESSAGE)
        ),
    );
    std::fs::write(token.dir().join("message"), MESSAGE).unwrap();
    std::fs::write(
        token.dir().join("shell.sig"),
        der_signature(&unbase64(&signed["signature"])),
    )
    .unwrap();
    let pem = token.export_public_pem("tool-ec", "tool-ec");
    let verified = token.openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            &pem,
            "-signature",
            "shell.sig",
            "message",
        ],
        b"",
    );
    assert_eq!(verified, b"Verified OK\n");

    // openssl signs with a key of its own; the shell verifies after importing the public key.
    token.openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "own.key",
        ],
        b"",
    );
    token.openssl(
        &["pkey", "-in", "own.key", "-pubout", "-out", "own.pem"],
        b"",
    );
    token.openssl(
        &[
            "dgst", "-sha256", "-sign", "own.key", "-out", "own.sig", "message",
        ],
        b"",
    );
    let signature = raw_signature(&std::fs::read(token.dir().join("own.sig")).unwrap(), 32);
    ok(
        &mut shell,
        &format!(
            "key import pem --path {} --label own --key-type-class ec-public --attributes verify=true",
            token.dir().join("own.pem").display()
        ),
    );
    let verify = |signature: &[u8]| {
        format!(
            "crypto verify ecdsa --key-filter attr.label=own --hash-function sha256 --data {} --signature {}",
            base64(MESSAGE),
            base64(signature)
        )
    };
    assert_eq!(
        ok(&mut shell, &verify(&signature)),
        json!({"message": "Signature verified successfully"})
    );
    let mut tampered = signature.clone();
    tampered[5] ^= 1;
    assert_eq!(
        failure(&mut shell, &verify(&tampered)),
        "Signature verification failed"
    );
    shell.finish();
}

#[test]
fn a_key_wrapped_by_the_shell_unwraps_in_pkcs11_tool_and_back_in_the_shell() {
    let token = SoftHsmToken::new();
    let mut shell = logged_in(&token);
    ok(
        &mut shell,
        "key generate-symmetric aes --key-length-bytes 32 --label wrapper \
         --attributes wrap=true unwrap=true id=77",
    );
    ok(
        &mut shell,
        "key generate-symmetric aes --key-length-bytes 16 --label payload \
         --attributes extractable=true encrypt=true",
    );
    let wrapped = ok(
        &mut shell,
        "key wrap aes-no-pad --payload-filter attr.label=payload --wrapping-filter attr.label=wrapper",
    );
    let bytes = unbase64(&wrapped["wrapped_key_data"]);
    assert_eq!(bytes.len(), 24, "RFC 3394 adds 8 bytes to 16");
    std::fs::write(token.dir().join("wrapped.bin"), &bytes).unwrap();
    token.pkcs11_tool_as_user(&[
        "--unwrap",
        "--mechanism",
        "AES-KEY-WRAP",
        "--id",
        "77",
        "--input-file",
        "wrapped.bin",
        "--key-type",
        "AES:",
        "--extractable",
    ]);
    // OpenSC 0.23 gives the key it unwraps no label. Wrapping it again gives the same bytes
    // (RFC 3394 is deterministic) only if it is the payload.
    let secrets = ok(&mut shell, "key list --filter attr.class=secret-key");
    assert_eq!(secrets["total_key_count"], 3, "{secrets}");
    let rewrapped = ok(
        &mut shell,
        "key wrap aes-no-pad --payload-filter attr.class=secret-key attr.label= \
         --wrapping-filter attr.label=wrapper",
    );
    assert_eq!(rewrapped["wrapped_key_data"], wrapped["wrapped_key_data"]);
    // And the shell unwraps the same bytes into a key that wraps to them again.
    ok(
        &mut shell,
        &format!(
            "key unwrap aes-no-pad --filter attr.label=wrapper --key-type-class aes \
             --label shell-unwrapped --attributes extractable=true --data {}",
            base64(&bytes)
        ),
    );
    let rewrapped = ok(
        &mut shell,
        "key wrap aes-no-pad --payload-filter attr.label=shell-unwrapped \
         --wrapping-filter attr.label=wrapper",
    );
    assert_eq!(rewrapped["wrapped_key_data"], wrapped["wrapped_key_data"]);
    shell.finish();
}

#[test]
fn pins_change_with_c_setpin_and_c_initpin_and_are_never_shown() {
    let token = SoftHsmToken::new();
    let mut shell = logged_in(&token);
    let new_pin = "changed-pin-42";
    assert_eq!(
        shell.run(&format!(
            "user change-password --username {USERNAME} --role crypto-user --password {new_pin}"
        ))["error_code"],
        0
    );
    ok(&mut shell, "logout");
    assert_eq!(
        failure(&mut shell, &login_line(USER_PIN)),
        "Login failed: incorrect username, role or password"
    );
    ok(&mut shell, &login_line(new_pin));
    ok(&mut shell, "logout");
    // The security officer sets the crypto user's PIN back.
    ok(
        &mut shell,
        &format!("login --username so --role admin --password {SO_PIN}"),
    );
    ok(
        &mut shell,
        &format!(
            "user change-password --username {USERNAME} --role crypto-user --password {USER_PIN}"
        ),
    );
    ok(&mut shell, "logout");
    ok(&mut shell, &login_line(USER_PIN));
    shell.finish();

    // A wrong PIN in a batch: the failure never quotes it.
    let output = Test::new()
        .pkcs11(&token)
        .stdin(&format!("{}\nkey list\n", login_line("wrong-pin-987")))
        .run_unchecked();
    assert_eq!(output.status, Some(1));
    assert!(!output.stdout.contains("wrong-pin-987") && !output.stderr.contains("wrong-pin-987"));
    assert!(output.stdout.starts_with(
        "{\"error_code\":1,\"data\":\"Login failed: incorrect username, role or password\"}\n"
    ));
}

#[test]
fn single_command_mode_logs_in_from_cloudhsm_pin_and_names_the_token_in_hsm_info() {
    let token = SoftHsmToken::new();
    Test::new()
        .pkcs11(&token)
        .env("CLOUDHSM_ROLE", "crypto-user")
        .env("CLOUDHSM_PIN", &token.crypto_user_pin())
        .args(["key", "list"])
        .stdout("{\"error_code\":0,\"data\":{\"matched_keys\":[],\"total_key_count\":0,\"returned_key_count\":0}}\n")
        .run();
    let output = Test::new()
        .pkcs11(&token)
        .args(["--output", "json", "cluster", "hsm-info"])
        .run_unchecked();
    let reply: Value = serde_json::from_str(output.stdout.trim()).unwrap();
    let hsm = &reply["data"]["hsms"][0];
    assert_eq!(hsm["vendor"], "SoftHSM project");
    assert_eq!(hsm["model"], "SoftHSM v2");
    assert!(
        hsm["firmware-id"]
            .as_str()
            .unwrap()
            .contains(&format!("token '{}'", token.label())),
        "{hsm}"
    );
}

#[test]
fn what_a_token_cannot_express_is_refused_naming_the_limit() {
    let token = SoftHsmToken::new();
    let mut shell = logged_in(&token);
    let named_users = "it needs named users, which a PKCS#11 token does not have: it has one \
                       crypto user (login --role crypto-user) and one security officer (login --role admin)";
    assert_eq!(
        failure(&mut shell, "user list"),
        format!("'user list' is not available with this HSM backend: {named_users}")
    );
    ok(
        &mut shell,
        "key generate-symmetric aes --key-length-bytes 16 --label k",
    );
    assert_eq!(
        failure(
            &mut shell,
            "key share --filter attr.label=k --username bob --role crypto-user"
        ),
        "'key share' is not available with this HSM backend: it needs key sharing between \
         crypto users, which a PKCS#11 token does not have: its one crypto user owns every \
         private key"
    );
    assert_eq!(
        failure(
            &mut shell,
            "key generate-symmetric aes --key-length-bytes 16 --label shared --share-crypto-users bob"
        ),
        "'--share-crypto-users' is not available with this HSM backend: it needs key sharing \
         between crypto users, which a PKCS#11 token does not have: its one crypto user owns \
         every private key"
    );
    assert_eq!(
        failure(
            &mut shell,
            "key generate-asymmetric-pair ec --public-label p --private-label q --curve ed25519"
        ),
        "'--curve ed25519' is not available with this HSM backend: it needs EdDSA keys, which \
         the shell makes on the simulator's hsm2m.medium non-FIPS clusters only, not through \
         PKCS#11"
    );
    let other = failure(&mut shell, "key list --cluster-id cluster-abcdefghijk");
    assert!(
        other.starts_with("This HSM backend reaches one cluster, ")
            && other.ends_with(": --cluster-id cluster-abcdefghijk names another"),
        "{other}"
    );
    // Key quorum values and approvals are the simulator's too.
    let dir = tempfile::tempdir().unwrap();
    let approval = dir.path().join("approval.json");
    std::fs::write(
        &approval,
        r#"{"version":"2.0","service":"key-management","approval_data":"","token":"","signatures":[]}"#,
    )
    .unwrap();
    for (line, what) in [
        (
            "key generate-symmetric aes --key-length-bytes 16 --label q \
             --manage-key-quorum-value 2 --use-key-quorum-value 2"
                .to_owned(),
            "key quorum values",
        ),
        (
            format!(
                "key set-attribute --filter attr.label=k --name label --value k2 --approval {}",
                approval.display()
            ),
            "key set-attribute --approval",
        ),
    ] {
        assert_eq!(
            failure(&mut shell, &line),
            format!(
                "Quorum and MFA authentication are modelled by the simulator only: {what} is not \
                 available on this backend"
            )
        );
    }
    ok(&mut shell, "logout");
    ok(
        &mut shell,
        &format!("login --username so --role admin --password {SO_PIN}"),
    );
    assert_eq!(
        failure(
            &mut shell,
            "user create --username bob --role crypto-user --password bob-password-1"
        ),
        format!("'user create' is not available with this HSM backend: {named_users}")
    );
    assert!(
        failure(&mut shell, "cluster activate --password x-password-1")
            .starts_with("'cluster activate' is not available with this HSM backend")
    );
    // Quorum is the simulator's: every quorum command says so.
    for (line, what) in [
        (
            "quorum token-sign list-quorum-values",
            "quorum token-sign list-quorum-values",
        ),
        (
            "quorum token-sign generate --service user --token /tmp/never-written.json",
            "quorum token-sign generate",
        ),
        ("quorum token-sign list", "quorum token-sign list"),
        (
            "quorum token-sign set-quorum-value --service user --value 2",
            "quorum token-sign set-quorum-value",
        ),
        (
            "user change-mfa token-sign --username so --role admin --token /tmp/never-written.json \
             --change-password so-password-1",
            "user change-mfa token-sign",
        ),
    ] {
        assert_eq!(
            failure(&mut shell, line),
            format!(
                "Quorum and MFA authentication are modelled by the simulator only: {what} is not \
                 available on this backend"
            )
        );
    }
    assert!(!std::path::Path::new("/tmp/never-written.json").exists());
    shell.finish();
    // Nothing was made by the refused commands: one key only.
    let mut shell = logged_in(&token);
    assert_eq!(ok(&mut shell, "key list")["total_key_count"], 1);
    // A failed unwrap leaves nothing half-made on the token.
    ok(
        &mut shell,
        "key generate-symmetric aes --key-length-bytes 32 --label wrapper --attributes unwrap=true",
    );
    let garbage = base64(&[7u8; 24]);
    assert!(
        failure(
            &mut shell,
            &format!(
                "key unwrap aes-no-pad --filter attr.label=wrapper --key-type-class aes --label bad --data {garbage}"
            )
        )
        .starts_with("PKCS#11 C_UnwrapKey failed with CKR_")
    );
    assert_eq!(ok(&mut shell, "key list")["total_key_count"], 2);
    shell.finish();
}

/// The shell with `args` stops at start-up (exit 2) with exactly `message` as its envelope.
fn refused_at_start(test: Test, message: &str) {
    test.stdin("key list\n")
        .stdout_json(vec![json!({"error_code": 1, "data": message})])
        .status(2)
        .run();
}

#[test]
fn a_module_or_token_that_cannot_be_used_stops_the_shell_with_one_line() {
    let token = SoftHsmToken::new();
    let module = token.module().display().to_string();
    refused_at_start(
        Test::new().args(["--pkcs11", "/nonexistent/lib.so"]),
        "PKCS#11 module /nonexistent/lib.so: no such file: give the path of the module's \
         shared library (e.g. /usr/lib/softhsm/libsofthsm2.so)",
    );
    let not_pkcs11 = Test::new()
        .args(["--pkcs11", "/lib/x86_64-linux-gnu/libz.so.1"])
        .stdin("key list\n")
        .status(2)
        .run_unchecked();
    assert_eq!(not_pkcs11.status, Some(2));
    assert!(
        not_pkcs11.stdout.starts_with(
            "{\"error_code\":1,\"data\":\"PKCS#11 module /lib/x86_64-linux-gnu/libz.so.1: it does not load as a PKCS#11 library"
        ),
        "{}",
        not_pkcs11.stdout
    );
    assert_eq!(not_pkcs11.stdout.lines().count(), 1);

    let slot_list = |found: &str| format!("tokens found: {found}");
    let listed = token.pkcs11_tool(&["--list-token-slots"]);
    let slot_id = listed
        .lines()
        .find_map(|line| {
            line.strip_prefix("Slot 0 (0x")
                .and_then(|rest| rest.split(')').next())
        })
        .map(|hex| u64::from_str_radix(hex, 16).unwrap())
        .unwrap_or_else(|| panic!("no slot in: {listed}"));
    let found = slot_list(&format!("slot {slot_id} '{}'", token.label()));
    refused_at_start(
        Test::new()
            .pkcs11(&token)
            .env("CLOUDHSM_SHELL_PKCS11_TOKEN", "no-such-token"),
        &format!("PKCS#11 module {module}: no token labelled 'no-such-token'; {found}"),
    );
    refused_at_start(
        Test::new()
            .env("SOFTHSM2_CONF", &token.conf().to_string_lossy())
            .args(["--pkcs11", &module, "--slot", "4242"]),
        &format!("PKCS#11 module {module}: no initialised token in slot 4242; {found}"),
    );
    // The same token by its slot id works.
    let by_slot = Test::new()
        .env("SOFTHSM2_CONF", &token.conf().to_string_lossy())
        .args(["--pkcs11", &module, "--slot", &slot_id.to_string()])
        .args(["--output", "json", "cluster", "hsm-info"])
        .run_unchecked();
    assert_eq!(by_slot.status, Some(0), "{}", by_slot.stdout);
    assert!(
        by_slot
            .stdout
            .contains(&format!("(slot {slot_id}, token '"))
    );
    // A configuration whose token directory holds no token: nothing to choose.
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir(empty.path().join("tokens")).unwrap();
    let conf = empty.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
            empty.path().display()
        ),
    )
    .unwrap();
    refused_at_start(
        Test::new()
            .env("SOFTHSM2_CONF", &conf.to_string_lossy())
            .args(["--pkcs11", &module]),
        &format!("PKCS#11 module {module}: the module has no initialised token"),
    );
    // A module whose C_Initialize fails (SoftHSM2 without its configuration file).
    let broken = Test::new()
        .env("SOFTHSM2_CONF", "/nonexistent/softhsm2.conf")
        .args(["--pkcs11", &module])
        .stdin("key list\n")
        .run_unchecked();
    assert_eq!(broken.status, Some(2));
    assert_eq!(
        broken.stdout,
        "{\"error_code\":1,\"data\":\"PKCS#11 C_Initialize failed with CKR_GENERAL_ERROR: the module failed the call without saying why\"}\n"
    );
    // Options of a token without --pkcs11 are a usage error.
    let usage = Test::new()
        .args(["--token-label", "x", "key", "list"])
        .run_unchecked();
    assert_eq!(usage.status, Some(2));
    assert!(
        usage.stderr.contains("add --pkcs11 MODULE_PATH"),
        "{}",
        usage.stderr
    );
}

#[test]
fn brief_and_verbose_listings_count_the_same_keys_and_never_other_objects() {
    let token = SoftHsmToken::new();
    std::fs::write(token.dir().join("data.bin"), b"not a key").unwrap();
    token.pkcs11_tool_as_user(&[
        "--write-object",
        "data.bin",
        "--type",
        "data",
        "--label",
        "k-data",
    ]);
    let mut shell = logged_in(&token);
    for label in ["k-1", "k-2", "k-3"] {
        ok(
            &mut shell,
            &format!("key generate-symmetric aes --key-length-bytes 16 --label {label}"),
        );
    }
    ok(
        &mut shell,
        "key generate-asymmetric-pair ec --curve prime256v1 --public-label k-4 --private-label k-5",
    );
    for filter in [
        "",
        "--filter attr.class=secret-key",
        "--filter attr.label=k-data",
    ] {
        let brief = ok(&mut shell, &format!("key list --max-items 100 {filter}"));
        let verbose = ok(
            &mut shell,
            &format!("key list --max-items 100 --verbose {filter}"),
        );
        assert_eq!(
            brief["total_key_count"], verbose["total_key_count"],
            "{filter}"
        );
        let labels = |listing: &Value| -> Vec<String> {
            listing["matched_keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|key| key["attributes"]["label"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(labels(&brief), labels(&verbose), "{filter}");
        assert!(!labels(&brief).contains(&"k-data".to_owned()));
    }
    assert_eq!(ok(&mut shell, "key list")["total_key_count"], 5);
    let page = ok(&mut shell, "key list --max-items 2 --starting-token 2");
    assert_eq!(page["total_key_count"], 5);
    assert_eq!(page["returned_key_count"], 2);
    assert_eq!(page["next_token"], "4");
    shell.finish();
}

#[test]
fn a_key_deleted_by_another_process_is_not_signed_with_from_the_last_selection() {
    let token = SoftHsmToken::new();
    let mut shell = logged_in(&token);
    ok(
        &mut shell,
        "key generate-asymmetric-pair ec --curve prime256v1 --public-label gone-pub \
         --private-label gone --private-attributes sign=true id=99",
    );
    let sign = format!(
        "crypto sign ecdsa --key-filter attr.label=gone --hash-function sha256 --data {}",
        base64(MESSAGE)
    );
    ok(&mut shell, &sign);
    token.pkcs11_tool_as_user(&["--delete-object", "--type", "privkey", "--id", "99"]);
    assert_eq!(
        failure(&mut shell, &sign),
        "Key selection criteria matched 0 keys. Refine selection criteria to select a single key."
    );
    shell.finish();
}

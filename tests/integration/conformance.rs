//! Conformance of the HSM backends: the key and crypto scenario of `tests/conformance/` runs on
//! the simulator and on a SoftHSM2 token through `--pkcs11`, and every reply must be the same,
//! but for the differences listed here, each with its reason.

use crate::softhsm::{SoftHsmToken, USER_PIN};
use crate::test::{ADMIN_PASSWORD, Test};
use serde_json::Value;
use std::collections::HashMap;

const SCENARIO: &str = include_str!("../conformance/keys_and_crypto.cli");
const PEM_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/pem");
const ALICE_PASSWORD: &str = "alice-password-1";

/// Values that differ between any two backends because they are random or token-assigned: the
/// comparison sees only that they are there. Key references are compared by the order in which
/// they first appear.
const RANDOM_VALUES: [(&str, &str); 7] = [
    ("modulus", "a fresh RSA key's"),
    ("ec-point", "a fresh EC key's"),
    ("check-value", "derived from fresh key material"),
    (
        "signature",
        "RSA-PSS and ECDSA are randomised, and the keys are fresh",
    ),
    ("wrapped_key_data", "the keys are fresh"),
    ("iv", "chosen at random"),
    (
        "id",
        "the PKCS#11 backend gives a pair one random CKA_ID on both halves, which PKCS#11 tools \
         pair them by; the simulator leaves it unset",
    ),
];

/// A private key's `key-length-bytes` is the simulator's PKCS#8 size, which a token never
/// shows; public and secret keys agree.
const PRIVATE_KEY_LENGTH: &str = "key-length-bytes";

/// Keys whose values are references to keys: equal when they name the same key of the scenario.
const REFERENCES: [&str; 3] = [
    "key-reference",
    "payload_key_reference",
    "wrapping_key_reference",
];

/// The lines whose replies differ on SoftHSM2, by the start of the line, each with its reason.
/// Every one must differ: a line listed here that agrees is an error, so the list stays exact.
const SOFTHSM_DIFFERENCES: [(&str, &str); 3] = [
    (
        "key wrap aes-gcm",
        "SoftHSM 2.6 has no AES-GCM key wrap (CKR_MECHANISM_INVALID)",
    ),
    (
        "key wrap aes-pkcs5-pad",
        "PKCS#5-padded AES key wrap is CloudHSM's vendor mechanism, which other modules lack",
    ),
    (
        "key set-attribute --filter attr.label=payload-renamed --name modifiable",
        "PKCS#11 fixes CKA_MODIFIABLE when a key is made: C_SetAttributeValue refuses it \
         (CKR_ATTRIBUTE_READ_ONLY)",
    ),
];

/// The scenario's lines with `@login`, `$PEM` and `$OUT` filled in, comments dropped.
fn scenario_lines(login: &str, out_dir: &std::path::Path) -> Vec<String> {
    SCENARIO
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            if line == "@login" {
                login.to_owned()
            } else {
                line.replace("$PEM", PEM_DIR)
                    .replace("$OUT", &out_dir.to_string_lossy())
            }
        })
        .collect()
}

fn replies(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect()
}

/// `value` with random values replaced by `"<random>"` and key references by their order of
/// first appearance (`"key 1"`, ...), so that two backends' replies can be compared.
fn normalised(value: &Value, references: &mut HashMap<String, usize>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(name, value)| {
                    let private = map.get("class").and_then(Value::as_str) == Some("private-key");
                    let random = RANDOM_VALUES.iter().any(|(random, _)| random == name)
                        || (private && name == PRIVATE_KEY_LENGTH);
                    let shown = if random {
                        Value::String("<random>".to_owned())
                    } else if REFERENCES.contains(&name.as_str()) {
                        let text = value.as_str().unwrap_or_default().to_owned();
                        let next = references.len() + 1;
                        let ordinal = *references.entry(text).or_insert(next);
                        Value::String(format!("key {ordinal}"))
                    } else {
                        normalised(value, references)
                    };
                    (name.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| normalised(item, references))
                .collect(),
        ),
        Value::String(text) => {
            // Messages that quote a key reference (`Key 0x... cannot be used`) name it by order too.
            let mut shown = text.clone();
            for (reference, ordinal) in references.iter() {
                shown = shown.replace(reference.as_str(), &format!("key {ordinal}"));
            }
            Value::String(shown)
        }
        other => other.clone(),
    }
}

#[test]
fn the_key_and_crypto_scenario_gives_the_same_replies_on_the_simulator_and_on_softhsm() {
    // The simulator: a cluster with the crypto user alice.
    let sim = Test::new();
    let sim_out = sim.path("out");
    std::fs::create_dir(&sim_out).unwrap();
    let login = format!("login --username alice --role crypto-user --password {ALICE_PASSWORD}");
    let setup = [
        format!("cluster activate --password {ADMIN_PASSWORD}"),
        format!("login --username admin --role admin --password {ADMIN_PASSWORD}"),
        format!("user create --username alice --role crypto-user --password {ALICE_PASSWORD}"),
        "logout".to_owned(),
    ];
    let lines = scenario_lines(&login, &sim_out);
    let stdin: String = setup
        .iter()
        .chain(&lines)
        .map(|line| format!("{line}\n"))
        .collect();
    let sim_output = sim.arg("--keep-going").stdin(&stdin).run_unchecked();
    let sim_replies = replies(&sim_output.stdout)[setup.len()..].to_vec();

    // SoftHSM2: its user PIN, as alice.
    let token = SoftHsmToken::new();
    let softhsm_out = token.dir().join("out");
    std::fs::create_dir(&softhsm_out).unwrap();
    let login = format!("login --username alice --role crypto-user --password {USER_PIN}");
    let lines_on_token = scenario_lines(&login, &softhsm_out);
    let stdin: String = lines_on_token
        .iter()
        .map(|line| format!("{line}\n"))
        .collect();
    let softhsm_output = Test::new()
        .pkcs11(&token)
        .arg("--keep-going")
        .stdin(&stdin)
        .run_unchecked();
    let softhsm_replies = replies(&softhsm_output.stdout);

    assert_eq!(sim_replies.len(), lines.len(), "{}", sim_output.stdout);
    assert_eq!(
        softhsm_replies.len(),
        lines.len(),
        "{}{}",
        softhsm_output.stdout,
        softhsm_output.stderr
    );
    // A scenario that failed to log in would agree everywhere: both must have done the work.
    for replies in [&sim_replies, &softhsm_replies] {
        let succeeded = replies
            .iter()
            .filter(|reply| reply["error_code"] == 0)
            .count();
        assert_eq!(replies[0]["data"]["username"], "alice");
        assert!(succeeded >= 40, "only {succeeded} lines succeeded");
    }
    let (mut sim_references, mut softhsm_references) = (HashMap::new(), HashMap::new());
    let mut differences = Vec::new();
    for ((line, on_sim), on_softhsm) in lines.iter().zip(&sim_replies).zip(&softhsm_replies) {
        let on_sim = normalised(on_sim, &mut sim_references);
        let on_softhsm = normalised(on_softhsm, &mut softhsm_references);
        let allowed = SOFTHSM_DIFFERENCES
            .iter()
            .any(|(start, _)| line.starts_with(start));
        if (on_sim != on_softhsm) != allowed {
            differences.push(format!(
                "{line} ({})\n  simulator: {on_sim}\n  softhsm:   {on_softhsm}",
                if allowed {
                    "listed as a difference, but the same"
                } else {
                    "not a listed difference"
                }
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} replies differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // Both wrote the EC public key file, and refused the others.
    for out in [&sim_out, &softhsm_out] {
        let pem = std::fs::read_to_string(out.join("ec.pem")).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
        assert!(!out.join("ec-ref.pem").exists() && !out.join("secret.pem").exists());
    }
    drop(token);
}

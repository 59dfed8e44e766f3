//! Fuzzes the secrets file reader: any text loads or is refused without panicking, a refusal
//! never quotes the text, and every NAME=value line gives its user that value (the last wins).
#![no_main]

use cloudhsm_shell::prompt::{SecretRequest, SecretSource, Secrets};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

fuzz_target!(|text: &str| {
    let mut expected = HashMap::new();
    let mut refused_at = None;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((name, value)) => {
                expected.insert(name.trim().to_ascii_lowercase(), value.to_owned());
            }
            None => {
                refused_at = Some(number + 1);
                break;
            }
        }
    }
    match (Secrets::new(None).with_text(text), refused_at) {
        (Ok(mut secrets), None) => {
            for (username, value) in &expected {
                let request = SecretRequest {
                    username,
                    prompt: "Password:",
                    confirm: false,
                };
                let secret = secrets
                    .obtain(&request)
                    .unwrap_or_else(|_| panic!("no secret for {username:?}"));
                assert_eq!(secret.expose(), value);
            }
        }
        (Err(reason), Some(number)) => {
            assert_eq!(reason, format!("line {number} is not NAME=value"));
        }
        (Ok(_), Some(number)) => panic!("line {number} has no '=' yet the text loaded"),
        (Err(reason), None) => panic!("a well-formed text was refused: {reason}"),
    }
});

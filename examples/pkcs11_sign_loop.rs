//! The plain cryptoki signing loop of issue 10's speed target, which `scripts/bench-pkcs11.sh`
//! times against `cloudhsm-shell --pkcs11` batch signing on the same token and key: N signatures
//! over the same data with one logged-in session, as a shell that keeps its session makes them.
//! RSA keys sign with CKM_SHA256_RSA_PKCS; EC keys hash with SHA-256 in this process and sign the
//! digest with CKM_ECDSA, as a shell must on a module without CKM_ECDSA_SHA256 (SoftHSM2).
//!
//! `PKCS11_PIN=... cargo run --release --example pkcs11_sign_loop -- --module M --token-label L
//!  --key-label K --count N --data-file DATA --signature-file SIG`
//! prints the rate and writes the last signature (RSA PKCS#1 v1.5, or EC raw r‖s) to SIG.

mod pkcs11_token;

use clap::Parser;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use pkcs11_token::{TokenArgs, describe, user_session};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Signs the same data N times on a PKCS#11 token and reports signatures per second.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    token: TokenArgs,
    /// The label of the private key
    #[arg(long)]
    key_label: String,
    /// How many signatures to make
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    count: u32,
    /// The data to sign
    #[arg(long)]
    data_file: PathBuf,
    /// Where the last signature goes
    #[arg(long)]
    signature_file: PathBuf,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("pkcs11_sign_loop: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    let data = std::fs::read(&args.data_file)
        .map_err(|error| format!("cannot read {}: {error}", args.data_file.display()))?;
    let (_pkcs11, session) = user_session(&args.token)?;
    let keys = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Label(args.key_label.as_bytes().to_vec()),
        ])
        .map_err(describe)?;
    let key = match keys[..] {
        [key] => key,
        _ => {
            return Err(format!(
                "{} private keys are labelled '{}', not one",
                keys.len(),
                args.key_label
            ));
        }
    };
    let key_type = match session
        .get_attributes(key, &[AttributeType::KeyType])
        .map_err(describe)?[..]
    {
        [Attribute::KeyType(key_type)] => key_type,
        _ => return Err(format!("the key '{}' has no CKA_KEY_TYPE", args.key_label)),
    };
    let (rsa, mechanism) = match key_type {
        KeyType::RSA => (true, "CKM_SHA256_RSA_PKCS"),
        KeyType::EC => (false, "SHA-256 in process, then CKM_ECDSA"),
        other => {
            return Err(format!(
                "the key '{}' is {other}, not RSA or EC",
                args.key_label
            ));
        }
    };
    let sign_once = || {
        if rsa {
            session.sign(&Mechanism::Sha256RsaPkcs, key, &data)
        } else {
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &data);
            session.sign(&Mechanism::Ecdsa, key, digest.as_ref())
        }
        .map_err(describe)
    };
    let started = Instant::now();
    let mut signature = Vec::new();
    for _ in 0..args.count {
        signature = sign_once()?;
    }
    let seconds = started.elapsed().as_secs_f64();
    std::fs::write(&args.signature_file, &signature)
        .map_err(|error| format!("cannot write {}: {error}", args.signature_file.display()))?;
    Ok(format!(
        "{mechanism}: {} signatures in {seconds:.3} s, {:.0} ops/s",
        args.count,
        f64::from(args.count) / seconds
    ))
}

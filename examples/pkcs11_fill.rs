//! Fills a PKCS#11 token with K token objects quickly, in one session, for the benchmark of
//! `key list` on 10,000 token objects (`scripts/bench-pkcs11.sh`): AES-128 secret keys labelled
//! `<prefix>00001` upwards, made by C_GenerateKey.
//!
//! `PKCS11_PIN=... cargo run --release --example pkcs11_fill -- --module M --token-label L
//!  --count K [--prefix fill-]`

mod pkcs11_token;

use clap::Parser;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass};
use pkcs11_token::{TokenArgs, describe, user_session};
use std::process::ExitCode;
use std::time::Instant;

/// Creates K AES-128 token keys labelled PREFIX00001 and on.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    token: TokenArgs,
    /// How many keys to create
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=99_999))]
    count: u32,
    /// The labels' prefix, followed by a five-digit number from 00001
    #[arg(long, default_value = "fill-")]
    prefix: String,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("pkcs11_fill: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    let (_pkcs11, session) = user_session(&args.token)?;
    let started = Instant::now();
    for n in 1..=args.count {
        session
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::AES),
                    Attribute::Token(true),
                    Attribute::ValueLen(16.into()),
                    Attribute::Label(format!("{}{n:05}", args.prefix).into_bytes()),
                ],
            )
            .map_err(|error| format!("key {n}: {}", describe(error)))?;
    }
    Ok(format!(
        "created {} AES-128 token keys in {:.3} s",
        args.count,
        started.elapsed().as_secs_f64()
    ))
}

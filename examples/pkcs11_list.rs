//! The plain cryptoki peer of `key list` in `scripts/bench-pkcs11.sh`: one process that logs in,
//! finds the token's keys (all of them, or those with one label) with C_FindObjects, and reads
//! the label, class and key type of the first MAX, as `key list --max-items MAX` must at least.
//!
//! `PKCS11_PIN=... cargo run --release --example pkcs11_list -- --module M --token-label L
//!  [--label LABEL] [--max-items MAX]`

mod pkcs11_token;

use clap::Parser;
use cryptoki::object::{Attribute, AttributeType};
use pkcs11_token::{TokenArgs, describe, user_session};
use std::process::ExitCode;

/// Lists the token's objects (or those labelled LABEL) and prints how many it read.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    token: TokenArgs,
    /// Only the objects with this label
    #[arg(long)]
    label: Option<String>,
    /// How many objects' attributes to read
    #[arg(long, default_value_t = 10)]
    max_items: usize,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("pkcs11_list: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<String, String> {
    let (_pkcs11, session) = user_session(&args.token)?;
    let template: Vec<Attribute> = args
        .label
        .iter()
        .map(|label| Attribute::Label(label.as_bytes().to_vec()))
        .collect();
    let objects = session.find_objects(&template).map_err(describe)?;
    let mut labels = Vec::new();
    for &object in objects.iter().take(args.max_items) {
        let attributes = session
            .get_attributes(
                object,
                &[
                    AttributeType::Label,
                    AttributeType::Class,
                    AttributeType::KeyType,
                ],
            )
            .map_err(describe)?;
        labels.extend(
            attributes
                .into_iter()
                .filter_map(|attribute| match attribute {
                    Attribute::Label(label) => Some(String::from_utf8_lossy(&label).into_owned()),
                    _ => None,
                }),
        );
    }
    Ok(format!(
        "{} objects found, {} read: {}",
        objects.len(),
        labels.len(),
        labels.first().map_or("", String::as_str)
    ))
}

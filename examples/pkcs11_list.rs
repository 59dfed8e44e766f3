//! The plain cryptoki peer of `key list` in `scripts/bench-pkcs11.sh`: one process that logs in,
//! finds the token's keys (all of them, or those with one label) with C_FindObjects, and reads
//! the label, class and key type of the first MAX, as `key list --max-items MAX` must at least.
//! With `--repeat N` it lists N times in the same session and prints the time of one listing,
//! the in-process figure beside the shell's per-command time in batch.
//!
//! `PKCS11_PIN=... cargo run --release --example pkcs11_list -- --module M --token-label L
//!  [--label LABEL] [--max-items MAX] [--repeat N]`

mod pkcs11_token;

use clap::Parser;
use cryptoki::object::{Attribute, AttributeType};
use cryptoki::session::Session;
use pkcs11_token::{TokenArgs, describe, user_session};
use std::process::ExitCode;
use std::time::Instant;

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
    /// How many times to list, in the same session
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
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
    let started = Instant::now();
    let mut listed = (0, Vec::new());
    for _ in 0..args.repeat {
        listed = list_once(&session, &template, args.max_items)?;
    }
    let each_ms = started.elapsed().as_secs_f64() * 1e3 / f64::from(args.repeat);
    let (found, labels) = listed;
    Ok(format!(
        "{found} objects found, {} read: {}; {each_ms:.3} ms per listing in process",
        labels.len(),
        labels.first().map_or("", String::as_str)
    ))
}

/// One listing: finds the objects matching `template` and reads the label, class and key type
/// of the first `max_items`; returns how many were found and the labels read.
fn list_once(
    session: &Session,
    template: &[Attribute],
    max_items: usize,
) -> Result<(usize, Vec<String>), String> {
    let objects = session.find_objects(template).map_err(describe)?;
    let mut labels = Vec::new();
    for &object in objects.iter().take(max_items) {
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
    Ok((objects.len(), labels))
}

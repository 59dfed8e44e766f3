//! Meta-test: every choice the table offers for a flag that handlers turn into a domain value
//! parses into that value, so the table and the domain's spellings cannot drift apart.

use crate::backend::hsm::Role;
use crate::backend::hsm::key::Curve;
use crate::backend::hsm::mechanism::{DataType, Hash};
use crate::backend::hsm::quorum::QuorumService;
use crate::backend::hsm::requests::{KeyFileEncoding, KeyTypeClass};
use crate::backend::kms::ServiceFault;
use crate::table::{ArgKind, CommandTable};

/// Whether the domain reads `value` of the flag `name`; `None` for flags handlers use as text.
fn domain_reads(name: &str, value: &str) -> Option<bool> {
    Some(match name {
        "role" => Role::parse(value).is_some(),
        "curve" => Curve::parse(value).is_some(),
        "hash-function" => Hash::parse(value).is_ok(),
        "mgf" => Hash::parse_mgf(value).is_ok(),
        "data-type" => DataType::parse(value).is_ok(),
        "key-type-class" => KeyTypeClass::parse(value).is_some(),
        "encoding" => KeyFileEncoding::parse(value).is_some(),
        "exception" => ServiceFault::parse(value).is_some(),
        "service" => QuorumService::parse(value).is_some(),
        _ => return None,
    })
}

#[test]
fn every_choice_of_the_table_parses_into_its_domain_value() {
    let table = CommandTable::builtin();
    let mut checked = 0;
    for command in table.commands() {
        for arg in command
            .args
            .iter()
            .filter(|arg| arg.kind == ArgKind::Choice)
        {
            for choice in &arg.choices {
                if let Some(reads) = domain_reads(&arg.name, choice) {
                    assert!(
                        reads,
                        "'{}' offers --{} {choice}, which the domain does not read",
                        command.path, arg.name
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} choices were checked");
}

#[test]
fn every_curve_and_hash_of_the_domain_is_offered_by_the_table() {
    let table = CommandTable::builtin();
    let choices = |path: &str, flag: &str| -> Vec<String> {
        table
            .by_path(path)
            .and_then(|command| command.arg(flag))
            .map(|arg| arg.choices.clone())
            .unwrap_or_default()
    };
    let curves: Vec<String> = Curve::ALL
        .iter()
        .map(|curve| curve.as_str().to_owned())
        .collect();
    let mut offered_curves = choices("key generate-asymmetric-pair ec", "curve");
    offered_curves.sort();
    let mut domain_curves = curves;
    domain_curves.sort();
    assert_eq!(offered_curves, domain_curves);
    let hashes: Vec<String> = Hash::ALL
        .iter()
        .map(|hash| hash.name().to_owned())
        .collect();
    assert_eq!(choices("crypto sign ecdsa", "hash-function"), hashes);
}

//! Tests of screening: which lines carry a secret, and the placeholders that stand for them.

use super::*;

fn screened(line: &str) -> Option<String> {
    screen(&CommandTable::builtin(), line)
}

#[test]
fn a_line_without_secrets_or_mistyped_flags_is_not_screened() {
    assert_eq!(screened("user list foo"), None);
    assert_eq!(screened("crypto sign ecdsa --salt-length -5"), None);
    assert_eq!(screened("usr list"), None);
}

#[test]
fn values_of_secret_flags_and_what_follows_them_are_replaced() {
    assert_eq!(
        screened("login --username a --password x y --role admin").as_deref(),
        Some("login --username a --password *** *** --role admin")
    );
    assert_eq!(
        screened("login --username a --password=x1 --role admin").as_deref(),
        Some("login --username a --password=*** --role admin")
    );
}

#[test]
fn mistyped_secret_flags_keep_their_name_but_not_their_value() {
    assert_eq!(
        screened("login --username admin --role admin --pasword X1secret").as_deref(),
        Some("login --username admin --role admin --pasword ***")
    );
    assert_eq!(
        screened("login --username admin -p X1secret --role admin").as_deref(),
        Some("login --username admin -p *** --role admin")
    );
    assert_eq!(
        screened("user create --usrname bob --role admin").as_deref(),
        Some("user create --usrname *** --role admin")
    );
    assert_eq!(
        screened("login --username admin --pasword=X1secret").as_deref(),
        Some("login --username admin --pasword=***")
    );
}

#[test]
fn quoted_dashed_and_unknown_words_that_may_be_passwords_are_replaced() {
    assert_eq!(
        screened("login --username admin \"--password\" X1secret").as_deref(),
        Some("login --username admin *** ***")
    );
    assert_eq!(
        screened("login --username admin -X1secret").as_deref(),
        Some("login --username admin ***")
    );
    assert_eq!(
        screened("login --username admin --Zq9x8w7v6u5 rest").as_deref(),
        Some("login --username admin --*** ***")
    );
    assert_eq!(
        screened("login --username admin --bogus rest").as_deref(),
        Some("login --username admin --bogus ***")
    );
    assert_eq!(
        screened("user create --username e --role admin --password --Hunter2").as_deref(),
        Some("user create --username e --role admin --password --***")
    );
}

#[test]
fn a_line_that_does_not_lex_keeps_its_command_words_and_what_broke_it() {
    assert_eq!(
        screened("login --pass\"word\" x1 --username \"alice").as_deref(),
        Some("login *** '")
    );
    assert_eq!(
        screened("user change-password --password x1\\").as_deref(),
        Some("user change-password *** \\")
    );
}

#[test]
fn the_screened_line_fails_to_bind_with_the_same_error_again_and_again() {
    let table = CommandTable::builtin();
    let value_missing = "a value is required for '--password <PASSWORD>' but none was supplied";
    let after_value = "unexpected argument after the value of '--password <PASSWORD>': quote a value that contains spaces";
    for (line, error) in [
        (
            "login --pass\"word\" x1 --username \"alice",
            "unterminated quote",
        ),
        ("user change-password --password x1\\", "trailing backslash"),
        (
            "login --username admin --role admin --pasword X1secret",
            "unexpected argument '--pasword'; did you mean '--password'?",
        ),
        (
            "login --username a --password x y --role admin",
            after_value,
        ),
        (
            "login --username a --password x1 y1 z1 w1 --role admin",
            after_value,
        ),
        (
            "login --username admin \"--password\" X1secret",
            "unexpected argument '***'",
        ),
        (
            "user create --username e --role admin --password --X1secret",
            value_missing,
        ),
    ] {
        let screened = screen(&table, line).expect("the line is screened");
        let first = crate::parse::bind(&table, &screened).expect_err("it still fails");
        assert_eq!(first.message, error, "{line}");
        let again = screen(&table, &screened).unwrap_or_else(|| screened.clone());
        assert_eq!(again, screened, "screening is done once and for all");
    }
}

#[test]
fn lines_that_may_carry_secrets() {
    let table = CommandTable::builtin();
    let carries = |line: &str| line_carries_secret(&table, line);
    assert!(carries("login --username a --password x"));
    assert!(carries("login --username a --pasword x"));
    assert!(carries("login --username a -p x"));
    assert!(carries("login --username a \"--password\" x"));
    assert!(carries("login --username \"a"));
    assert!(!carries("login --username a --role admin"));
    assert!(!carries(
        "keystore create --trust-anchor-certificate \"-----BEGIN CERTIFICATE-----\""
    ));
}

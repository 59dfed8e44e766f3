//! Fuzzes the lexer and the binder: any line lexes and binds without panicking, tokens and error
//! spans point inside the line on character boundaries, and quoting words gives them back.
#![no_main]

use cloudhsm_shell::parse::{self, SyntaxError};
use cloudhsm_shell::table::CommandTable;
use libfuzzer_sys::fuzz_target;
use std::ops::Range;
use std::sync::LazyLock;

static TABLE: LazyLock<CommandTable> = LazyLock::new(CommandTable::builtin);

fn assert_within(line: &str, span: &Range<usize>, what: &str) {
    assert!(
        span.start <= span.end && span.end <= line.len(),
        "{what} span {span:?} is outside a line of {} bytes",
        line.len()
    );
    assert!(
        line.is_char_boundary(span.start) && line.is_char_boundary(span.end),
        "{what} span {span:?} splits a character"
    );
}

fn assert_well_formed(line: &str, error: &SyntaxError) {
    assert!(
        !error.message.is_empty() && !error.message.contains('\n'),
        "a syntax error is one line: {:?}",
        error.message
    );
    if let Some(span) = &error.span {
        assert_within(line, span, "error");
    }
}

fuzz_target!(|line: &str| {
    match parse::lex(line) {
        Ok(tokens) => {
            let mut end = 0;
            for token in &tokens {
                assert_within(line, &token.span, "token");
                assert!(token.span.start >= end, "tokens overlap: {tokens:?}");
                end = token.span.end;
            }
            let words: Vec<String> = tokens.iter().map(|token| token.text.to_string()).collect();
            let quoted = parse::quote_words(&words);
            let again: Vec<String> = parse::lex(&quoted)
                .unwrap_or_else(|error| panic!("{quoted:?} does not lex: {error}"))
                .iter()
                .map(|token| token.text.to_string())
                .collect();
            assert_eq!(again, words, "quote_words gave {quoted:?}");
        }
        Err(error) => {
            assert_well_formed(line, &error);
            assert!(parse::line_carries_secret(&TABLE, line));
        }
    }
    parse::line_carries_secret(&TABLE, line);
    if let Err(error) = parse::bind(&TABLE, line) {
        assert_well_formed(line, &error);
    }
});

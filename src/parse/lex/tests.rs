//! Tests of `lex`.

use super::*;

fn texts(line: &str) -> Vec<String> {
    lex(line)
        .unwrap()
        .into_iter()
        .map(|token| token.text.into_owned())
        .collect()
}

fn single(line: &str) -> Token<'_> {
    let mut tokens = lex(line).unwrap();
    assert_eq!(tokens.len(), 1, "{line:?} gave {tokens:?}");
    tokens.remove(0)
}

#[test]
fn words_are_separated_by_whitespace() {
    let tokens = lex("  user\tcreate   --username kmsuser ").unwrap();
    let spans: Vec<_> = tokens.iter().map(|token| token.span.clone()).collect();
    assert_eq!(spans, vec![2..6, 7..13, 16..26, 27..34]);
    assert_eq!(texts("user create"), vec!["user", "create"]);
    assert!(tokens.iter().all(|token| !token.quoted));
}

#[test]
fn plain_words_borrow_from_the_line() {
    let tokens = lex("user list --max-items=10").unwrap();
    assert!(
        tokens
            .iter()
            .all(|token| matches!(token.text, Cow::Borrowed(_)))
    );
    assert!(matches!(single("'plain'").text, Cow::Borrowed("plain")));
    assert!(matches!(single("\"plain\"").text, Cow::Borrowed("plain")));
    assert!(matches!(single(r"a\b").text, Cow::Owned(_)));
}

#[test]
fn blank_and_comment_lines_have_no_words() {
    for line in [
        "",
        "   ",
        "\t",
        "# a comment",
        "   # indented comment",
        "\\\n",
        "#",
    ] {
        assert_eq!(lex(line), Ok(Vec::new()), "{line:?}");
    }
}

#[test]
fn a_comment_starts_only_at_the_start_of_a_word() {
    assert_eq!(texts("user list # all of them"), vec!["user", "list"]);
    assert_eq!(texts("label#1 x"), vec!["label#1", "x"]);
    assert_eq!(texts(r"\#1 '#2' "), vec!["#1", "#2"]);
}

#[test]
fn a_comment_ends_at_a_newline() {
    assert_eq!(texts("a # comment \\\nb"), vec!["a", "b"]);
}

#[test]
fn single_quotes_are_literal() {
    let token = single(r#"'a "b" \n $c'"#);
    assert_eq!(token.text, r#"a "b" \n $c"#);
    assert!(token.quoted);
    assert_eq!(token.span, 0..13);
    assert_eq!(single("''").text, "");
}

#[test]
fn double_quotes_resolve_their_escapes() {
    assert_eq!(single(r#""a \"b\" \\ \$HOME""#).text, r#"a "b" \ $HOME"#);
    assert_eq!(single(r#""x\ny\tz""#).text, "x\ny\tz");
    assert_eq!(single(r#""C:\Users\q""#).text, r"C:\Users\q");
    assert_eq!(single(r#""a'b""#).text, "a'b");
    assert_eq!(single("\"\"").text, "");
}

#[test]
fn shell_style_quoting_of_a_single_quote_reads_back() {
    // How single-command mode re-quotes a process argument that holds a quote.
    assert_eq!(texts(r"'it'\''s' x"), vec!["it's", "x"]);
}

#[test]
fn a_backslash_outside_quotes_escapes_the_next_character() {
    assert_eq!(
        texts(r"pass\ word1 \' \\ \é"),
        vec!["pass word1", "'", r"\", "é"]
    );
}

#[test]
fn backslash_newline_is_whitespace() {
    let tokens = lex("user create \\\n  --username kmsuser\\\r\n--role admin").unwrap();
    let words: Vec<_> = tokens.iter().map(|token| token.text.as_ref()).collect();
    assert_eq!(
        words,
        vec!["user", "create", "--username", "kmsuser", "--role", "admin"]
    );
    assert_eq!(tokens[3].span, 27..34);
    assert_eq!(texts("a\nb"), vec!["a", "b"]);
}

#[test]
fn quotes_join_the_text_around_them() {
    let token = single(r#"--label="my key""#);
    assert_eq!(token.text, "--label=my key");
    assert!(!token.quoted);
    assert_eq!(token.span, 0..16);
    assert_eq!(token.flag_name(), Some("label"));
    assert_eq!(token.inline_value(), Some("my key"));
    assert_eq!(single(r#"a'b c'"d e"f"#).text, "ab cd ef");
    let token = single(r#""my key"s"#);
    assert!(token.quoted);
    assert_eq!(token.text, "my keys");
}

#[test]
fn an_unterminated_quote_spans_to_the_end() {
    assert_eq!(
        lex(r#"login --password "abc def"#),
        Err(SyntaxError::new("unterminated quote", Some(17..25)))
    );
    assert_eq!(
        lex("a 'b"),
        Err(SyntaxError::new("unterminated quote", Some(2..4)))
    );
    assert_eq!(
        lex(r#"a "b\""#),
        Err(SyntaxError::new("unterminated quote", Some(2..6)))
    );
    assert_eq!(
        lex(r#"--label=x"y"#),
        Err(SyntaxError::new("unterminated quote", Some(9..11)))
    );
}

#[test]
fn a_trailing_backslash_is_an_error() {
    assert_eq!(
        lex(r"user list \"),
        Err(SyntaxError::new("trailing backslash", Some(10..11)))
    );
    assert_eq!(texts(r"a\\"), vec![r"a\"]);
}

#[test]
fn flag_names() {
    let name = |line| single(line).flag_name().map(str::to_owned);
    assert_eq!(name("--password"), Some("password".into()));
    assert_eq!(name("--password=x"), Some("password".into()));
    assert_eq!(name("--password="), Some("password".into()));
    assert_eq!(name("-v"), Some("v".into()));
    assert_eq!(name("--"), None);
    assert_eq!(name("-"), None);
    assert_eq!(name("--=x"), None);
    assert_eq!(name("-5"), None);
    assert_eq!(name("-vx"), None);
    assert_eq!(name("value"), None);
    assert_eq!(name("'--password'"), None);
    assert_eq!(name("\"-v\""), None);
}

#[test]
fn inline_values() {
    assert_eq!(single("--role=admin").inline_value(), Some("admin"));
    assert_eq!(single("--role=").inline_value(), Some(""));
    assert_eq!(single("--role").inline_value(), None);
    assert_eq!(single("--a=b=c").inline_value(), Some("b=c"));
    assert_eq!(single("-r").inline_value(), None);
    assert!(single("--role").is_long_flag());
    assert!(!single("-r").is_long_flag());
}

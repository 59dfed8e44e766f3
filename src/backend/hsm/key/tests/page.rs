//! `key list` paging.

use super::*;

fn window(offset: usize, limit: usize, next_token: Option<&str>) -> PageWindow {
    PageWindow {
        offset,
        limit,
        next_token: next_token.map(str::to_string),
    }
}

#[test]
fn no_keys_give_one_empty_page() {
    assert_eq!(page(0, None, 10).unwrap(), window(0, 0, None));
}

#[test]
fn exactly_max_items_keys_fit_one_page_without_a_next_token() {
    assert_eq!(page(10, None, 10).unwrap(), window(0, 10, None));
    assert_eq!(page(1, None, 1).unwrap(), window(0, 1, None));
}

#[test]
fn more_keys_than_max_items_give_the_offset_of_the_next_page() {
    assert_eq!(page(11, None, 10).unwrap(), window(0, 10, Some("10")));
    assert_eq!(
        page(25, Some("10"), 10).unwrap(),
        window(10, 10, Some("20"))
    );
}

#[test]
fn the_last_page_holds_the_rest_and_no_next_token() {
    assert_eq!(page(25, Some("20"), 10).unwrap(), window(20, 5, None));
    assert_eq!(page(20, Some("10"), 10).unwrap(), window(10, 10, None));
}

#[test]
fn following_next_tokens_visits_every_key_once() {
    let total = 23;
    let mut token: Option<String> = None;
    let mut visited = Vec::new();
    loop {
        let window = page(total, token.as_deref(), 4).unwrap();
        visited.extend(window.offset..window.offset + window.limit);
        match window.next_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(visited, (0..total).collect::<Vec<_>>());
}

#[test]
fn a_token_at_or_past_the_end_gives_an_empty_page() {
    assert_eq!(page(5, Some("5"), 10).unwrap(), window(5, 0, None));
    assert_eq!(page(5, Some("9"), 10).unwrap(), window(9, 0, None));
}

#[test]
fn a_bad_token_is_refused() {
    for token in [
        "",
        "abc",
        "-1",
        "+1",
        "1.0",
        " 1",
        "0x10",
        "99999999999999999999999",
    ] {
        assert_eq!(
            message(page(5, Some(token), 10).unwrap_err()),
            format!("Invalid starting token '{token}': give the next_token of an earlier key list")
        );
    }
}

#[test]
fn max_items_must_be_at_least_one() {
    assert_eq!(
        message(page(5, None, 0).unwrap_err()),
        "--max-items must be at least 1"
    );
}

//! `key list` paging: `--max-items` keys from the offset `--starting-token` names, and the
//! `next_token` that resumes after them.

use super::value::parse_decimal;
use crate::error::{Error, Result};

/// The slice of the matching keys, in their listing order, that one page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageWindow {
    /// Index of the first key of the page.
    pub offset: usize,
    /// How many keys the page holds (0 when the offset is past the end).
    pub limit: usize,
    /// The decimal offset of the next page, present only when keys remain after this one.
    pub next_token: Option<String>,
}

/// Works out the page of `total_matching` keys that starts at `starting_token` (a `next_token`
/// of an earlier reply, or the first page when absent) and holds at most `max_items` keys.
///
/// A token past the end gives an empty page rather than an error: keys deleted between two
/// pages may legitimately leave a resumed listing with nothing left.
pub fn page(
    total_matching: usize,
    starting_token: Option<&str>,
    max_items: usize,
) -> Result<PageWindow> {
    if max_items == 0 {
        return Err(Error::InvalidMaxItems);
    }
    let offset = match starting_token {
        None => 0,
        Some(token) => parse_decimal(token)
            .and_then(|offset| usize::try_from(offset).ok())
            .ok_or_else(|| Error::InvalidStartingToken {
                token: token.to_string(),
            })?,
    };
    let remaining = total_matching.saturating_sub(offset);
    let limit = remaining.min(max_items);
    let next_token = (remaining > limit).then(|| (offset + limit).to_string());
    Ok(PageWindow {
        offset,
        limit,
        next_token,
    })
}

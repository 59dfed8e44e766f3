//! "Did you mean": the command path or flag closest to a mistyped one.

use super::Token;
use super::bind::texts;
use crate::table::{CommandSpec, CommandTable};
use std::borrow::Cow;

/// A whole command path close to what was typed, for mistakes that a word-by-word match cannot
/// see: words in the wrong order (`create user`), a group left out (`hsm-info`), or a typo
/// spread over several words.
pub(super) fn similar_path(
    table: &CommandTable,
    words: &[Token<'_>],
    index: usize,
) -> Option<String> {
    let typed: Vec<&str> = texts(words);
    let mut typed_sorted = typed.clone();
    typed_sorted.sort_unstable();
    let typed_joined = typed.join(" ");
    let unknown = typed[index];
    let score = |command: &CommandSpec| -> Option<usize> {
        let mut words_sorted: Vec<&str> = command.words.iter().map(String::as_str).collect();
        words_sorted.sort_unstable();
        if words_sorted == typed_sorted {
            return Some(0);
        }
        if command.words.iter().any(|word| word == unknown) {
            return Some(1);
        }
        distance_if_close(&typed_joined, &command.path).map(|distance| distance + 1)
    };
    table
        .commands()
        .iter()
        .filter_map(|command| score(command).map(|score| (score, command)))
        .min_by_key(|(score, _)| *score)
        .map(|(_, command)| command.path.clone())
}

/// The candidate closest to `typed`, if any is close enough to be a likely typo.
pub fn closest<'c>(typed: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .filter_map(|candidate| {
            distance_if_close(typed, candidate).map(|distance| (distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The edit distance between the two, when small for the candidate's length (about one edit in
/// three characters) or when `typed` is an unambiguous-looking start of `candidate`.
fn distance_if_close(typed: &str, candidate: &str) -> Option<usize> {
    let candidate_length = candidate.chars().count();
    let allowed = (candidate_length / 3).max(1);
    // The difference in length bounds the distance from below: a long word is far from every
    // candidate, known without counting more of it than that or computing the distance.
    let typed_length = typed.chars().take(candidate_length + allowed + 1).count();
    if typed_length > candidate_length + allowed {
        return None;
    }
    let is_start = typed_length >= 2 && candidate.starts_with(typed);
    let distance = strsim::levenshtein(typed, candidate);
    (distance <= allowed || is_start).then_some(distance)
}

pub(super) fn did_you_mean(suggestion: Option<&str>) -> Cow<'static, str> {
    match suggestion {
        Some(suggestion) => Cow::Owned(format!("; did you mean '{suggestion}'?")),
        None => Cow::Borrowed(""),
    }
}

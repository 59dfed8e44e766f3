//! Replay across clusters: the values that differ from cluster to cluster, declared in
//! `grammar/varying.toml`, and how the values a transcript recorded bind to those of this run.

use crate::error::{Error, Result};
use regex_lite::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

const DECLARATIONS: &str = include_str!("../../grammar/varying.toml");

/// Recorded strings shorter than this are not looked for inside other strings: a short value
/// would be found in words it is no part of.
const SHORTEST_SUBSTITUTED: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Declarations {
    placeholder: Vec<Placeholder>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Placeholder {
    name: String,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    when: BTreeMap<String, String>,
    #[serde(default)]
    commands: Vec<String>,
    text: Option<String>,
    #[serde(default = "bound_by_default")]
    bound: bool,
    #[serde(default)]
    session_cluster: bool,
    #[serde(default)]
    keys_of: Vec<String>,
}

fn bound_by_default() -> bool {
    true
}

/// The declarations of `grammar/varying.toml`, ready to compare with.
#[derive(Debug)]
pub struct Varying {
    placeholders: Vec<Placeholder>,
    /// Every `text` shape as one alternation; capture group *i* + 1 is `shaped[i]`.
    shapes: Option<Regex>,
    shaped: Vec<usize>,
}

/// What the replay learnt so far: which recorded value stands for which value of this run.
#[derive(Debug, Default)]
pub struct Bindings {
    /// (placeholder, recorded value as compact JSON) to this run's value.
    forward: HashMap<(usize, String), Value>,
    /// (placeholder, this run's value as compact JSON) to the recorded one that took it.
    backward: HashMap<(usize, String), String>,
    /// Recorded strings and this run's, longest first, to find inside other strings.
    strings: Vec<(String, String)>,
}

#[cfg(test)]
impl Bindings {
    /// How many recorded values are bound.
    fn len(&self) -> usize {
        self.forward.len()
    }

    fn is_empty(&self) -> bool {
        self.forward.is_empty()
    }
}

/// The verdict on one value, and the recorded value as this run would print it (placeholders
/// that bound written with this run's values), so that a diff shows only what differs.
#[derive(Debug, PartialEq)]
pub struct Compared<T> {
    pub same: bool,
    pub expected_here: T,
}

/// A piece of a string: literal text, or a value in the shape of a placeholder.
#[derive(Debug)]
enum Piece<'a> {
    Literal(&'a str),
    Shaped(usize, &'a str),
}

impl Varying {
    /// The built-in declarations.
    pub fn builtin() -> Result<Varying> {
        Self::parse(DECLARATIONS)
    }

    fn parse(text: &str) -> Result<Varying> {
        let invalid = |reason: String| Error::InvalidInput {
            what: "placeholder declarations (grammar/varying.toml)",
            reason,
        };
        let declarations: Declarations =
            toml::from_str(text).map_err(|error| invalid(error.to_string()))?;
        let mut alternatives = Vec::new();
        let mut shaped = Vec::new();
        for (index, placeholder) in declarations.placeholder.iter().enumerate() {
            if placeholder.members.is_empty()
                && placeholder.text.is_none()
                && placeholder.keys_of.is_empty()
            {
                return Err(invalid(format!(
                    "placeholder '{}' names no members, keys or text shape",
                    placeholder.name
                )));
            }
            if let Some(shape) = &placeholder.text {
                let alone = Regex::new(shape).map_err(|error| {
                    invalid(format!("placeholder '{}': {error}", placeholder.name))
                })?;
                if alone.captures_len() != 1 {
                    return Err(invalid(format!(
                        "placeholder '{}': a text shape may not capture; write (?:...)",
                        placeholder.name
                    )));
                }
                alternatives.push(format!("({shape})"));
                shaped.push(index);
            }
        }
        let shapes = if alternatives.is_empty() {
            None
        } else {
            Some(Regex::new(&alternatives.join("|")).map_err(|error| invalid(error.to_string()))?)
        };
        Ok(Varying {
            placeholders: declarations.placeholder,
            shapes,
            shaped,
        })
    }

    /// The placeholder names, in declaration order.
    #[cfg(test)]
    fn names(&self) -> impl Iterator<Item = &str> {
        self.placeholders.iter().map(|p| p.name.as_str())
    }

    /// Binds the cluster a recorded session ran on (its `# session cluster:` line) to the one
    /// this replay runs on; false when either is already bound to another.
    pub fn bind_session_cluster(
        &self,
        bindings: &mut Bindings,
        recorded: &str,
        here: &str,
    ) -> bool {
        self.placeholders
            .iter()
            .position(|placeholder| placeholder.session_cluster)
            .is_some_and(|placeholder| {
                bind(
                    bindings,
                    placeholder,
                    &Value::String(recorded.to_owned()),
                    &Value::String(here.to_owned()),
                )
            })
    }

    /// `line` as it runs here: the recorded values it names, written as this run's. A value
    /// that nothing bound yet stays as recorded.
    pub fn runnable_line(&self, bindings: &Bindings, line: &str) -> String {
        let pieces = self.pieces(line);
        self.written_here(bindings, &pieces)
    }

    /// Compares a recorded result with this run's, binding placeholders on the way.
    pub fn compare_values(
        &self,
        bindings: &mut Bindings,
        command: &str,
        expected: &Value,
        actual: &Value,
    ) -> Compared<Value> {
        let command = command.split_whitespace().collect::<Vec<_>>().join(" ");
        self.walk(bindings, &command, None, expected, actual)
    }

    /// Compares a recorded line of text (prose, a warning) with this run's.
    pub fn compare_text(
        &self,
        bindings: &mut Bindings,
        expected: &str,
        actual: &str,
    ) -> Compared<String> {
        let recorded = self.pieces(expected);
        let printed = self.pieces(actual);
        if recorded.len() != printed.len() {
            return Compared {
                same: false,
                expected_here: self.written_here(bindings, &recorded),
            };
        }
        let mut same = true;
        let mut expected_here = String::with_capacity(expected.len());
        for (recorded, printed) in recorded.iter().zip(&printed) {
            match (recorded, printed) {
                (Piece::Literal(recorded), Piece::Literal(printed)) => {
                    let here = substitute(bindings, recorded);
                    same &= here == *printed;
                    expected_here.push_str(&here);
                }
                (Piece::Shaped(placeholder, _), Piece::Shaped(other, printed))
                    if placeholder == other && !self.placeholders[*placeholder].bound =>
                {
                    expected_here.push_str(printed);
                }
                (Piece::Shaped(placeholder, recorded), Piece::Shaped(other, printed))
                    if placeholder == other =>
                {
                    let bound = bind(
                        bindings,
                        *placeholder,
                        &Value::String((*recorded).to_owned()),
                        &Value::String((*printed).to_owned()),
                    );
                    same &= bound;
                    if bound {
                        expected_here.push_str(printed);
                    } else {
                        expected_here.push_str(
                            &self.written_here(bindings, &[Piece::Shaped(*placeholder, recorded)]),
                        );
                    }
                }
                (Piece::Literal(text) | Piece::Shaped(_, text), _) => {
                    same = false;
                    expected_here.push_str(text);
                }
            }
        }
        Compared {
            same,
            expected_here,
        }
    }

    /// Recorded pieces with what is bound written as this run's.
    fn written_here(&self, bindings: &Bindings, pieces: &[Piece<'_>]) -> String {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal(text) => substitute(bindings, text),
                Piece::Shaped(placeholder, recorded) => match bindings.forward.get(&(
                    *placeholder,
                    compact(&Value::String((*recorded).to_owned())),
                )) {
                    Some(Value::String(here)) => here.clone(),
                    _ => (*recorded).to_owned(),
                },
            })
            .collect()
    }

    fn pieces<'a>(&self, text: &'a str) -> Vec<Piece<'a>> {
        let Some(shapes) = &self.shapes else {
            return vec![Piece::Literal(text)];
        };
        let mut pieces = Vec::new();
        let mut copied = 0;
        for captures in shapes.captures_iter(text) {
            let Some((group, found)) = captures
                .iter()
                .enumerate()
                .skip(1)
                .find_map(|(group, found)| found.map(|found| (group, found)))
            else {
                continue;
            };
            if found.start() > copied {
                pieces.push(Piece::Literal(&text[copied..found.start()]));
            }
            pieces.push(Piece::Shaped(self.shaped[group - 1], found.as_str()));
            copied = found.end();
        }
        if copied < text.len() || pieces.is_empty() {
            pieces.push(Piece::Literal(&text[copied..]));
        }
        pieces
    }

    /// The placeholder that the member `name` of `object` is, in the results of `command`.
    fn member_placeholder(
        &self,
        command: &str,
        name: &str,
        object: &Map<String, Value>,
    ) -> Option<usize> {
        self.placeholders.iter().position(|placeholder| {
            placeholder.members.iter().any(|member| member == name)
                && placeholder.when.iter().all(|(sibling, value)| {
                    object.get(sibling).and_then(Value::as_str) == Some(value.as_str())
                })
                && (placeholder.commands.is_empty()
                    || placeholder
                        .commands
                        .iter()
                        .any(|path| command == path || command.starts_with(&format!("{path} "))))
        })
    }

    /// The placeholder that the keys of the member `name` are (`keys_of`).
    fn keys_placeholder(&self, name: &str) -> Option<usize> {
        self.placeholders
            .iter()
            .position(|placeholder| placeholder.keys_of.iter().any(|member| member == name))
    }

    fn walk(
        &self,
        bindings: &mut Bindings,
        command: &str,
        member: Option<&str>,
        expected: &Value,
        actual: &Value,
    ) -> Compared<Value> {
        match (expected, actual) {
            (Value::Object(recorded), Value::Object(printed)) => {
                match member.and_then(|name| self.keys_placeholder(name)) {
                    Some(placeholder) => {
                        self.walk_keyed(bindings, command, placeholder, recorded, printed)
                    }
                    None => self.walk_object(bindings, command, recorded, printed),
                }
            }
            (Value::Array(recorded), Value::Array(printed)) => {
                let mut same = recorded.len() == printed.len();
                let mut expected_here = Vec::with_capacity(recorded.len());
                for (index, recorded) in recorded.iter().enumerate() {
                    match printed.get(index) {
                        Some(printed) => {
                            let compared = self.walk(bindings, command, None, recorded, printed);
                            same &= compared.same;
                            expected_here.push(compared.expected_here);
                        }
                        None => expected_here.push(substitute_value(bindings, recorded)),
                    }
                }
                Compared {
                    same,
                    expected_here: Value::Array(expected_here),
                }
            }
            (Value::String(recorded), Value::String(printed)) => {
                let compared = self.compare_text(bindings, recorded, printed);
                Compared {
                    same: compared.same,
                    expected_here: Value::String(compared.expected_here),
                }
            }
            _ => Compared {
                same: expected == actual,
                expected_here: substitute_value(bindings, expected),
            },
        }
    }

    fn walk_object(
        &self,
        bindings: &mut Bindings,
        command: &str,
        recorded: &Map<String, Value>,
        printed: &Map<String, Value>,
    ) -> Compared<Value> {
        let mut same = recorded.len() == printed.len();
        let mut expected_here = Map::with_capacity(recorded.len());
        for (name, recorded_value) in recorded {
            let Some(printed_value) = printed.get(name) else {
                same = false;
                expected_here.insert(name.clone(), substitute_value(bindings, recorded_value));
                continue;
            };
            let compared = match self.member_placeholder(command, name, recorded) {
                Some(placeholder) if self.placeholders[placeholder].bound => {
                    let bound = bind(bindings, placeholder, recorded_value, printed_value);
                    Compared {
                        same: bound,
                        expected_here: if bound {
                            printed_value.clone()
                        } else {
                            bindings
                                .forward
                                .get(&(placeholder, compact(recorded_value)))
                                .unwrap_or(recorded_value)
                                .clone()
                        },
                    }
                }
                Some(_) => {
                    let alike = same_type(recorded_value, printed_value);
                    Compared {
                        same: alike,
                        expected_here: if alike {
                            printed_value.clone()
                        } else {
                            recorded_value.clone()
                        },
                    }
                }
                None => self.walk(bindings, command, Some(name), recorded_value, printed_value),
            };
            same &= compared.same;
            expected_here.insert(name.clone(), compared.expected_here);
        }
        Compared {
            same,
            expected_here: Value::Object(expected_here),
        }
    }

    /// An object whose keys are placeholders (subnets by Availability Zone): its members are
    /// paired in the order printed.
    fn walk_keyed(
        &self,
        bindings: &mut Bindings,
        command: &str,
        placeholder: usize,
        recorded: &Map<String, Value>,
        printed: &Map<String, Value>,
    ) -> Compared<Value> {
        let mut same = recorded.len() == printed.len();
        let mut expected_here = Map::with_capacity(recorded.len());
        let mut printed_members = printed.iter();
        for (recorded_key, recorded_value) in recorded {
            let Some((printed_key, printed_value)) = printed_members.next() else {
                same = false;
                expected_here.insert(
                    recorded_key.clone(),
                    substitute_value(bindings, recorded_value),
                );
                continue;
            };
            let key_bound = bind(
                bindings,
                placeholder,
                &Value::String(recorded_key.clone()),
                &Value::String(printed_key.clone()),
            );
            let compared = self.walk(
                bindings,
                command,
                Some(recorded_key),
                recorded_value,
                printed_value,
            );
            same &= key_bound && compared.same;
            let key = if key_bound { printed_key } else { recorded_key };
            expected_here.insert(key.clone(), compared.expected_here);
        }
        Compared {
            same,
            expected_here: Value::Object(expected_here),
        }
    }
}

/// Binds `recorded` to `printed` for `placeholder`: true when it was free (and is now bound)
/// or already bound to exactly this value.
fn bind(bindings: &mut Bindings, placeholder: usize, recorded: &Value, printed: &Value) -> bool {
    if !same_type(recorded, printed) {
        return false;
    }
    let recorded_key = (placeholder, compact(recorded));
    if let Some(bound) = bindings.forward.get(&recorded_key) {
        return bound == printed;
    }
    let printed_key = (placeholder, compact(printed));
    if bindings.backward.contains_key(&printed_key) {
        return false;
    }
    bindings
        .backward
        .insert(printed_key, recorded_key.1.clone());
    bindings.forward.insert(recorded_key, printed.clone());
    if let (Value::String(recorded), Value::String(printed)) = (recorded, printed)
        && recorded.len() >= SHORTEST_SUBSTITUTED
        && recorded != printed
    {
        let at = bindings
            .strings
            .partition_point(|(longer, _)| longer.len() >= recorded.len());
        bindings
            .strings
            .insert(at, (recorded.clone(), printed.clone()));
    }
    true
}

fn same_type(left: &Value, right: &Value) -> bool {
    std::mem::discriminant(left) == std::mem::discriminant(right)
}

fn compact(value: &Value) -> String {
    crate::output::compact(value)
}

/// `value` with the bound recorded strings inside it written as this run's.
fn substitute_value(bindings: &Bindings, value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(substitute(bindings, text)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| substitute_value(bindings, item))
                .collect(),
        ),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, member)| (name.clone(), substitute_value(bindings, member)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `text` with every whole occurrence of a bound recorded string (not inside a longer word of
/// letters and digits) written as this run's value; longer recorded strings first.
fn substitute(bindings: &Bindings, text: &str) -> String {
    if bindings.strings.is_empty() || text.len() < SHORTEST_SUBSTITUTED {
        return text.to_owned();
    }
    let mut taken: Vec<(usize, usize, &str)> = Vec::new();
    // Longest first: those longer than `text` cannot be in it.
    let fitting = bindings
        .strings
        .partition_point(|(recorded, _)| recorded.len() > text.len());
    for (recorded, printed) in &bindings.strings[fitting..] {
        for (at, _) in text.match_indices(recorded.as_str()) {
            let end = at + recorded.len();
            let inside_word = text[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
                || text[end..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
            let overlaps = taken
                .iter()
                .any(|(start, stop, _)| at < *stop && *start < end);
            if !inside_word && !overlaps {
                taken.push((at, end, printed));
            }
        }
    }
    if taken.is_empty() {
        return text.to_owned();
    }
    taken.sort_unstable_by_key(|(start, _, _)| *start);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, stop, printed) in taken {
        out.push_str(&text[copied..start]);
        out.push_str(printed);
        copied = stop;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests;

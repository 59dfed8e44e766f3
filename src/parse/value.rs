//! Checking one argument value against its spec and turning it into the `Value` its kind binds
//! to: integers (decimal or `0x` hex) within bounds, choices among the table's possible values.
//!
//! Usernames are plain text here: normalising them is the handlers' business, because the rules
//! (case, length, characters) belong to the backend's notion of a user, not to the grammar.

use super::Value;
use crate::secret::Secret;
use crate::table::help::arg_usage;
use crate::table::{ArgKind, ArgSpec};
use std::fmt;

/// Why a text is not an acceptable integer for an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegerError {
    NotANumber,
    /// Well-formed, but beyond what an `i64` holds.
    Overflow,
    /// Outside the `min`/`max` bounds of the argument.
    OutOfBounds {
        min: Option<i64>,
        max: Option<i64>,
    },
}

impl fmt::Display for IntegerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            IntegerError::NotANumber => f.write_str("not a number"),
            IntegerError::Overflow => f.write_str("does not fit in a 64-bit integer"),
            IntegerError::OutOfBounds {
                min: Some(min),
                max: Some(max),
            } => write!(f, "must be between {min} and {max}"),
            IntegerError::OutOfBounds {
                min: Some(min),
                max: None,
            } => write!(f, "must be at least {min}"),
            IntegerError::OutOfBounds {
                min: None,
                max: Some(max),
            } => write!(f, "must be at most {max}"),
            IntegerError::OutOfBounds {
                min: None,
                max: None,
            } => f.write_str("out of bounds"),
        }
    }
}

/// Reads a decimal or `0x`/`0X` hexadecimal integer with an optional leading `-`.
///
/// Signs other than a leading `-`, underscores and surrounding spaces are refused: they are
/// more likely a typo than an intended number.
pub fn parse_integer(text: &str) -> Result<i64, IntegerError> {
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (digits, radix) = match magnitude
        .strip_prefix("0x")
        .or_else(|| magnitude.strip_prefix("0X"))
    {
        Some(hex) => (hex, 16),
        None => (magnitude, 10),
    };
    // `from_str_radix` would accept a `+` of its own, so the digits are checked first.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(IntegerError::NotANumber);
    }
    let magnitude = u64::from_str_radix(digits, radix).map_err(|_| IntegerError::Overflow)?;
    let number = if negative {
        0_i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    };
    number.ok_or(IntegerError::Overflow)
}

/// Reads an integer and checks it against inclusive bounds.
pub fn check_integer(text: &str, min: Option<i64>, max: Option<i64>) -> Result<i64, IntegerError> {
    let number = parse_integer(text)?;
    let too_small = min.is_some_and(|min| number < min);
    let too_large = max.is_some_and(|max| number > max);
    if too_small || too_large {
        return Err(IntegerError::OutOfBounds { min, max });
    }
    Ok(number)
}

/// The value of an `integer` argument, or the clap-shaped message saying why `text` is not one.
pub fn integer(arg: &ArgSpec, text: &str) -> Result<i64, String> {
    check_integer(text, arg.min, arg.max)
        .map_err(|reason| format!("invalid value '{text}' for '{}': {reason}", arg_usage(arg)))
}

/// Checks that `text` is one of a `choice` argument's possible values.
pub fn choice(arg: &ArgSpec, text: &str) -> Result<(), String> {
    if arg.choices.iter().any(|possible| possible == text) {
        return Ok(());
    }
    Err(format!(
        "invalid value '{text}' for '{}'; possible values: {}",
        arg_usage(arg),
        arg.choices.join(", ")
    ))
}

/// The value one word gives to `arg`, checked against its kind.
///
/// A switch's value is its presence, so the word is not looked at; for a list or a command path
/// the word is a one-item list. Only integers and choices can be refused.
pub fn word_value(arg: &ArgSpec, text: String) -> Result<Value, String> {
    match arg.kind {
        ArgKind::String | ArgKind::Username | ArgKind::Positional => Ok(Value::Text(text)),
        ArgKind::Integer => integer(arg, &text).map(Value::Integer),
        ArgKind::Choice => choice(arg, &text).map(|()| Value::Text(text)),
        ArgKind::Secret => Ok(Value::Secret(Secret::new(text))),
        ArgKind::Switch => Ok(Value::Switch),
        ArgKind::List | ArgKind::CommandPath => Ok(Value::List(vec![text])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(name: &str, kind: ArgKind) -> ArgSpec {
        ArgSpec {
            name: name.to_owned(),
            short: None,
            kind,
            value: Some(name.to_uppercase().replace('-', "_")),
            choices: Vec::new(),
            default: None,
            min: None,
            max: None,
            required: false,
            prompt: None,
            confirm: false,
            complete: None,
            help: String::from("help"),
        }
    }

    fn max_items() -> ArgSpec {
        ArgSpec {
            min: Some(1),
            max: Some(100),
            ..arg("max-items", ArgKind::Integer)
        }
    }

    fn role() -> ArgSpec {
        ArgSpec {
            choices: vec![String::from("admin"), String::from("crypto-user")],
            ..arg("role", ArgKind::Choice)
        }
    }

    #[test]
    fn integers_are_decimal_or_hex() {
        assert_eq!(parse_integer("10"), Ok(10));
        assert_eq!(parse_integer("-10"), Ok(-10));
        assert_eq!(parse_integer("0x1f"), Ok(31));
        assert_eq!(parse_integer("0X1F"), Ok(31));
        assert_eq!(parse_integer("-0x10"), Ok(-16));
        assert_eq!(parse_integer("007"), Ok(7));
        assert_eq!(parse_integer("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_integer("9223372036854775807"), Ok(i64::MAX));
    }

    #[test]
    fn malformed_integers_are_not_numbers() {
        for text in [
            "", "-", "abc", "+5", "0x", "0xg", "1_000", " 1", "1.5", "--1", "٣",
        ] {
            assert_eq!(
                parse_integer(text),
                Err(IntegerError::NotANumber),
                "{text:?}"
            );
        }
    }

    #[test]
    fn integers_beyond_i64_overflow() {
        assert_eq!(
            parse_integer("9223372036854775808"),
            Err(IntegerError::Overflow)
        );
        assert_eq!(
            parse_integer("-9223372036854775809"),
            Err(IntegerError::Overflow)
        );
        assert_eq!(
            parse_integer("0x10000000000000000"),
            Err(IntegerError::Overflow)
        );
    }

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(check_integer("1", Some(1), Some(8)), Ok(1));
        assert_eq!(check_integer("8", Some(1), Some(8)), Ok(8));
        assert_eq!(
            check_integer("9", Some(1), Some(8)),
            Err(IntegerError::OutOfBounds {
                min: Some(1),
                max: Some(8)
            })
        );
        assert_eq!(check_integer("-3", None, Some(8)), Ok(-3));
    }

    #[test]
    fn integer_messages_name_the_flag() {
        let arg = max_items();
        assert_eq!(integer(&arg, "0x10"), Ok(16));
        assert_eq!(
            integer(&arg, "abc").unwrap_err(),
            "invalid value 'abc' for '--max-items <MAX_ITEMS>': not a number"
        );
        assert_eq!(
            integer(&arg, "0").unwrap_err(),
            "invalid value '0' for '--max-items <MAX_ITEMS>': must be between 1 and 100"
        );
        let at_least = ArgSpec {
            max: None,
            ..max_items()
        };
        assert_eq!(
            integer(&at_least, "0").unwrap_err(),
            "invalid value '0' for '--max-items <MAX_ITEMS>': must be at least 1"
        );
        let at_most = ArgSpec {
            min: None,
            ..max_items()
        };
        assert_eq!(
            integer(&at_most, "101").unwrap_err(),
            "invalid value '101' for '--max-items <MAX_ITEMS>': must be at most 100"
        );
        assert_eq!(
            integer(&arg, "99999999999999999999").unwrap_err(),
            "invalid value '99999999999999999999' for '--max-items <MAX_ITEMS>': does not fit in a 64-bit integer"
        );
    }

    #[test]
    fn choice_lists_the_possible_values() {
        let arg = role();
        assert_eq!(choice(&arg, "crypto-user"), Ok(()));
        assert_eq!(
            choice(&arg, "x").unwrap_err(),
            "invalid value 'x' for '--role <ROLE>'; possible values: admin, crypto-user"
        );
        assert_eq!(
            choice(&arg, "Admin").unwrap_err(),
            "invalid value 'Admin' for '--role <ROLE>'; possible values: admin, crypto-user"
        );
    }

    #[test]
    fn word_value_follows_the_kind() {
        assert_eq!(
            word_value(&arg("username", ArgKind::Username), "KMSUser".into()),
            Ok(Value::Text(String::from("KMSUser")))
        );
        assert_eq!(
            word_value(&max_items(), "0x0a".into()),
            Ok(Value::Integer(10))
        );
        assert_eq!(
            word_value(&role(), "admin".into()),
            Ok(Value::Text(String::from("admin")))
        );
        assert!(word_value(&role(), "root".into()).is_err());
        assert_eq!(
            word_value(&arg("password", ArgKind::Secret), "hunter2".into()),
            Ok(Value::Secret(Secret::new("hunter2")))
        );
        assert_eq!(
            word_value(&arg("filter", ArgKind::List), "a=b".into()),
            Ok(Value::List(vec![String::from("a=b")]))
        );
    }
}

//! Secrets as a type: passwords and PINs that are zeroized on drop and never printed.

use std::fmt;
use zeroize::Zeroizing;

/// A password, PIN or other secret text.
///
/// It has no `Display` and no `Serialize`; `Debug` prints `[REDACTED]`; its memory is wiped when
/// it is dropped. The only way to read it is [`Secret::expose`], which makes every use greppable.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(Zeroizing::new(text.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_text() {
        let secret = Secret::new("hunter2hunter2");
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([REDACTED])");
        assert_eq!(secret.expose(), "hunter2hunter2");
        assert_eq!(secret.len(), 14);
        assert!(!secret.is_empty());
        assert!(Secret::new("").is_empty());
        // Length counts characters, as the password rules do.
        assert_eq!(Secret::new("ééé").len(), 3);
    }
}

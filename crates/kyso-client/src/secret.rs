//! Secrets (tokens, passwords, passphrases) in a type that never prints
//! them, cannot be serialised by accident, and is wiped when dropped.

use zeroize::Zeroize;

/// A secret value. `Debug` prints `<redacted>`; there is no `Display` and
/// no `Serialize`: the only way to the value is [`Secret::expose`], which
/// makes every use visible in the code.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret<String> {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret<String> {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl Secret<String> {
    /// Reads a secret from a reader (standard input): the first line, without
    /// its line ending. Fails on an empty secret.
    pub fn read_line(mut r: impl std::io::Read) -> std::io::Result<Self> {
        let mut buf = Vec::new();
        r.read_to_end(&mut buf)?;
        let mut s = match String::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => {
                let mut b = e.into_bytes();
                b.zeroize();
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "not UTF-8",
                ));
            }
        };
        let line = s.lines().next().unwrap_or("").to_string();
        s.zeroize();
        if line.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "empty",
            ));
        }
        Ok(Secret(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from("kyso_s_topsecret");
        let shown = format!("{s:?} {:?}", Some(&s));
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert_eq!(s.expose(), "kyso_s_topsecret", "the value is kept");
    }

    #[test]
    fn reads_the_first_line() {
        let s = Secret::read_line(&b"pass word\r\nignored\n"[..]).expect("reads");
        assert_eq!(s.expose(), "pass word", "line ending stripped");
        assert!(Secret::read_line(&b"\n"[..]).is_err(), "empty refused");
    }
}

//! Plain text parsing for the plugins' contract tests (included by each
//! plugin's `tests/*/contract.rs` with `#[path]`): the Kotlin, Swift and
//! TypeScript sources are read as text, and are written to be read this way
//! (blocks between braces, quoted strings, `keyword name` declarations).
//! Each plugin uses some of them.
#![allow(dead_code)]

use std::collections::BTreeSet;

use serde::Serialize;

/// A set of names.
pub type Names = BTreeSet<String>;

/// The names as a set.
pub fn set<'a>(it: impl IntoIterator<Item = &'a str>) -> Names {
    it.into_iter().map(str::to_string).collect()
}

/// The text between the `{` after the first occurrence of `start` and its
/// matching `}`.
pub fn block<'a>(src: &'a str, start: &str) -> &'a str {
    let at = src
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"));
    let open = at + src[at..].find('{').expect("an opening brace");
    let mut depth = 0;
    for (i, c) in src[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &src[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("{start:?}: unbalanced braces")
}

/// The text between the first `start` and the next `end` after it.
pub fn between<'a>(src: &'a str, start: &str, end: &str) -> &'a str {
    let from = src
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"))
        + start.len();
    let len = src[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} not found"));
    &src[from..from + len]
}

/// Every string quoted with `q` in `src`.
pub fn quoted(src: &str, q: char) -> Vec<&str> {
    src.split(q).skip(1).step_by(2).collect()
}

/// The identifiers following `keyword` (e.g. `var `, `let ` → field names).
pub fn after<'a>(src: &'a str, keyword: &str) -> Vec<&'a str> {
    src.match_indices(keyword)
        .map(|(i, _)| {
            let rest = &src[i + keyword.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '`'))
                .unwrap_or(rest.len());
            rest[..end].trim_matches('`')
        })
        .collect()
}

pub fn pascal(native: &str) -> String {
    let mut c = native.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The JSON field names of a value, every optional field present.
pub fn fields<T: Serialize>(v: &T) -> Names {
    let v = serde_json::to_value(v).expect("serializes");
    v.as_object().expect("an object").keys().cloned().collect()
}

/// `snake_case` in lower camel case, as Tauri converts a command's name when
/// it routes it to a native plugin.
pub fn lower_camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for ch in snake.chars() {
        if ch == '_' {
            up = true;
        } else if up {
            out.push(ch.to_ascii_uppercase());
            up = false;
        } else {
            out.push(ch);
        }
    }
    out
}

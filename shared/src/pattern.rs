//! An owner's pattern for a value (`"pattern": "^ORD-\\d{5,}$"`): checked once when the site is
//! built, then matched against the whole value.
//!
//! Two engines read it: the edge (the authority) with `regex-lite`, which runs in linear time, and
//! the widget with the browser's `RegExp` (no regex engine shipped in the widget: its size budget).
//! So a pattern is limited to the syntax both read the same way — literals, `.`, classes with
//! ranges, `\d \w \s` (and negations, `\b`), escaped punctuation, groups `( )` and `(?: )`,
//! alternation and the quantifiers `* + ? {n} {n,} {n,m}` — and may not quantify a group that
//! itself holds a quantifier (`(a+)+`), which makes backtracking engines such as the browser's
//! take exponential time on a crafted value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest pattern accepted, in characters.
pub const MAX_PATTERN_LEN: usize = 256;

/// A checked pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    /// The body without the owner's optional `^`/`$`: always matched as `^(?:body)$`.
    #[cfg_attr(feature = "regex", allow(dead_code))]
    body: String,
    /// `is_distinctive`, worked out once.
    distinctive: std::sync::OnceLock<bool>,
    #[cfg(feature = "regex")]
    compiled: regex_lite::Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// Why a pattern was refused at build time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Empty or over the length limit.
    #[error("must be 1–{MAX_PATTERN_LEN} characters")]
    Length,
    /// Outside the syntax both engines share.
    #[error("{0}")]
    Unsupported(String),
    /// A quantified group holding a quantifier.
    #[error(
        "a repeated group contains a repetition ({0}): this can take exponential time in browsers; \
             write it without the nested repeat, e.g. (ab)+ instead of (a+b)+"
    )]
    NestedRepeat(String),
    /// The regex engine refused it.
    #[error("{0}")]
    Syntax(String),
}

impl Pattern {
    /// Checks and compiles a pattern.
    pub fn parse(source: &str) -> Result<Self, PatternError> {
        if source.is_empty() || source.chars().count() > MAX_PATTERN_LEN {
            return Err(PatternError::Length);
        }
        let body = strip_anchors(source);
        // The widget receives only patterns the build already checked: it skips the walk (size).
        #[cfg(feature = "regex")]
        syntax::check_subset(body)?;
        Ok(Self {
            source: source.to_string(),
            body: body.to_string(),
            distinctive: std::sync::OnceLock::new(),
            #[cfg(feature = "regex")]
            compiled: regex_lite::RegexBuilder::new(&format!("^(?:{body})$"))
                // Enough for any sensible format; bounds the edge's work per character of a value.
                .size_limit(1 << 16)
                .build()
                .map_err(|e| PatternError::Syntax(e.to_string().lines().last().unwrap_or("invalid").trim().into()))?,
        })
    }

    /// The pattern as the owner wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole value matches.
    #[cfg(feature = "regex")]
    pub fn is_match(&self, value: &str) -> bool {
        self.compiled.is_match(value)
    }

    /// Whether the whole value matches (the browser's `RegExp`; the edge checks again).
    #[cfg(all(feature = "browser", not(feature = "regex")))]
    pub fn is_match(&self, value: &str) -> bool {
        js_sys::RegExp::new(&format!("^(?:{})$", self.body), "").test(value)
    }

    /// Whether no everyday word, number, date or email matches it, so a match in a message names
    /// the action by itself (`ORD-\d{5,}` is distinctive; `\d{5}` matches "90210", and is not).
    pub fn is_distinctive(&self) -> bool {
        *self.distinctive.get_or_init(|| !EVERYDAY.iter().any(|v| self.is_match(v)))
    }
}

#[cfg(not(any(feature = "regex", feature = "browser")))]
compile_error!("shared needs the `regex` feature (edge, tools) or the `browser` feature (widget) to match patterns");

/// Values a visitor writes about anything: a pattern matching one of them is not distinctive.
const EVERYDAY: &[&str] = &[
    "0",
    "3",
    "12",
    "42",
    "100",
    "2026",
    "90210",
    "123456",
    "12345678",
    "1234567890",
    "123456789012",
    "0.5",
    "10.25",
    "-3",
    "1,000",
    "2026-11-20",
    "20/11/2026",
    "10:30",
    "yes",
    "no",
    "ok",
    "hi",
    "hello",
    "thanks",
    "order",
    "refund",
    "help",
    "the",
    "a",
    "I",
    "BTC",
    "ETH",
    "USD",
    "EUR",
    "ORD",
    "ID",
    "ana@example.com",
    "https://example.com",
];

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let source = String::deserialize(d)?;
        Pattern::parse(&source).map_err(|e| serde::de::Error::custom(format!("pattern {source:?}: {e}")))
    }
}

fn strip_anchors(s: &str) -> &str {
    let s = s.strip_prefix('^').unwrap_or(s);
    match s.strip_suffix('$') {
        // `\$` at the end is a literal dollar, not an anchor: count the backslashes before it.
        Some(rest) if (rest.len() - rest.trim_end_matches('\\').len()) % 2 == 0 => rest,
        _ => s,
    }
}

/// The build-time walk over a pattern (the widget gets only patterns the build accepted).
#[cfg(feature = "regex")]
mod syntax {
    use super::PatternError;

    /// Largest repetition count in `{n,m}`.
    const MAX_REPEAT: u32 = 1000;

    /// One open group while walking the pattern: whether what it matches varies in length inside
    /// (a variable repetition or an alternation).
    struct Group {
        variable: bool,
    }

    /// Walks the pattern once, refusing what the two engines read differently and repeats of
    /// variable-length groups (`(a+)+`, `(a|aa)*`: exponential for backtracking engines).
    pub(super) fn check_subset(p: &str) -> Result<(), PatternError> {
        let unsupported = |what: &str| Err(PatternError::Unsupported(what.to_string()));
        let chars: Vec<char> = p.chars().collect();
        let mut groups = vec![Group { variable: false }];
        // Whether the last atom was a group whose length varies, and whether it can be repeated.
        let mut last_group_variable = false;
        let mut quantifiable = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let mut atom_is_group = false;
            match c {
                '\\' => {
                    let Some(&e) = chars.get(i + 1) else { return unsupported("a pattern may not end with '\\'") };
                    if e == 'b' || e == 'B' {
                        i += 2;
                        quantifiable = false;
                        last_group_variable = false;
                        continue;
                    }
                    if !is_escape(e) {
                        return unsupported(&format!(
                            "\\{e} is not supported (use \\d \\w \\s, their capitals, \\b, or escape punctuation)"
                        ));
                    }
                    i += 2;
                    quantifiable = true;
                    last_group_variable = false;
                    continue;
                }
                '[' => {
                    i = class_end(&chars, i)?;
                    quantifiable = true;
                    last_group_variable = false;
                    continue;
                }
                '(' => {
                    if chars.get(i + 1) == Some(&'?') {
                        if chars.get(i + 2) != Some(&':') {
                            return unsupported(
                                "only plain groups ( ) and (?: ) are supported (no flags, names or lookaround)",
                            );
                        }
                        i += 2;
                    }
                    groups.push(Group { variable: false });
                    quantifiable = false;
                }
                ')' => {
                    if groups.len() < 2 {
                        return unsupported("a ')' has no matching '('");
                    }
                    let g = groups.pop().expect("checked above");
                    if let Some(parent) = groups.last_mut() {
                        parent.variable |= g.variable;
                    }
                    atom_is_group = true;
                    last_group_variable = g.variable;
                    quantifiable = true;
                }
                '|' => {
                    if let Some(g) = groups.last_mut() {
                        g.variable = true;
                    }
                    quantifiable = false;
                }
                '*' | '+' | '?' | '{' => {
                    let (end, repeat) = if c == '{' { repetition(&chars, i)? } else { (i + 1, Repeat::of(c)) };
                    if !quantifiable {
                        return unsupported("a repetition (* + ? {…}) must follow something to repeat");
                    }
                    if last_group_variable && repeat.many {
                        let text: String = chars[..end].iter().collect();
                        return Err(PatternError::NestedRepeat(text));
                    }
                    if let Some(g) = groups.last_mut() {
                        g.variable |= repeat.variable;
                    }
                    i = end;
                    if chars.get(i) == Some(&'?') {
                        i += 1; // lazy
                    }
                    quantifiable = false;
                    last_group_variable = false;
                    continue;
                }
                '^' | '$' => {
                    return unsupported("'^' and '$' may only start and end the pattern (it is matched whole)")
                }
                '}' | ']' => return unsupported(&format!("escape a literal '{c}' as '\\{c}'")),
                _ => quantifiable = true,
            }
            if !atom_is_group {
                last_group_variable = false;
            }
            i += 1;
        }
        if groups.len() != 1 {
            return unsupported("a '(' is not closed");
        }
        Ok(())
    }

    /// What a repetition does: repeat more than once, and match a varying number of times.
    struct Repeat {
        many: bool,
        variable: bool,
    }

    impl Repeat {
        fn of(c: char) -> Self {
            Self { many: c != '?', variable: true }
        }
    }

    /// `\d \w \s`, their capitals, `\n \t \r`, or escaped punctuation.
    fn is_escape(e: char) -> bool {
        matches!(e, 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'n' | 't' | 'r') || is_escapable(e)
    }

    /// Punctuation both engines read as itself when escaped. Not any punctuation: regex-lite reads
    /// `\<` and `\>` as word boundaries where the browser reads `<` and `>`.
    fn is_escapable(e: char) -> bool {
        "\\.+*?()|[]{}^$-/".contains(e)
    }

    /// The index after a `[...]` class starting at `start`.
    fn class_end(chars: &[char], start: usize) -> Result<usize, PatternError> {
        let unsupported = |what: &str| Err(PatternError::Unsupported(what.to_string()));
        let mut i = start + 1;
        if chars.get(i) == Some(&'^') {
            i += 1;
        }
        if chars.get(i) == Some(&']') {
            return unsupported("an empty class [] is not supported; escape a literal ']' as '\\]'");
        }
        while i < chars.len() {
            match chars[i] {
                ']' => return Ok(i + 1),
                '[' => return unsupported("'[' inside a class must be escaped as '\\[' (no nested classes)"),
                '\\' => {
                    let Some(&e) = chars.get(i + 1) else { return unsupported("a pattern may not end with '\\'") };
                    if !is_escape(e) {
                        return unsupported(&format!("\\{e} is not supported inside a class"));
                    }
                    i += 2;
                }
                '&' | '~' | '-' if chars.get(i + 1) == Some(&chars[i]) => {
                    return unsupported("class operations (&& -- ~~) are not supported");
                }
                _ => i += 1,
            }
        }
        unsupported("a '[' is not closed")
    }

    /// The index after a `{n}`, `{n,}` or `{n,m}` starting at `start`, and what it repeats.
    fn repetition(chars: &[char], start: usize) -> Result<(usize, Repeat), PatternError> {
        let refuse = || {
            PatternError::Unsupported(format!(
                "write a repetition as {{n}}, {{n,}} or {{n,m}} with n ≤ m ≤ {MAX_REPEAT}, or escape a literal '{{' as '\\{{'"
            ))
        };
        let end = chars[start..].iter().position(|&c| c == '}').map(|p| start + p).ok_or_else(refuse)?;
        let inner: String = chars[start + 1..end].iter().collect();
        let number = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
                .filter(|n| *n <= MAX_REPEAT)
        };
        let repeat = match inner.split_once(',') {
            None => number(&inner).map(|n| Repeat { many: n > 1, variable: false }),
            Some((lo, "")) => number(lo).map(|_| Repeat { many: true, variable: true }),
            Some((lo, hi)) => match (number(lo), number(hi)) {
                (Some(l), Some(h)) if l <= h => Some(Repeat { many: h > 1, variable: l != h }),
                _ => None,
            },
        };
        repeat.map(|r| (end + 1, r)).ok_or_else(refuse)
    }
}

#[cfg(all(test, feature = "regex"))]
mod tests {
    use super::*;

    #[test]
    fn owners_patterns_match_whole_values() {
        let p = Pattern::parse(r"^ORD-\d{5,}$").unwrap();
        assert!(p.is_match("ORD-12345"));
        assert!(p.is_match("ORD-1234567"));
        assert!(!p.is_match("ORD-1234"));
        assert!(!p.is_match("xORD-12345"), "anchored at the start");
        assert!(!p.is_match("ORD-12345x"), "anchored at the end");
        let unanchored = Pattern::parse(r"WD-[0-9]{8}-[0-9]{4}").unwrap();
        assert!(unanchored.is_match("WD-20261120-0042"));
        assert!(!unanchored.is_match("see WD-20261120-0042"), "anchored even when the owner didn't write ^$");
        assert!(Pattern::parse("a|b").unwrap().is_match("b"));
        assert!(!Pattern::parse("a|b").unwrap().is_match("ab"), "alternation inside the anchors");
        assert!(Pattern::parse(r"^\$\d+$").unwrap().is_match("$5"), "a literal dollar");
        assert!(Pattern::parse(r"price\$").unwrap().is_match("price$"), "an escaped $ at the end is no anchor");
    }

    #[test]
    fn hostile_patterns_are_refused_at_build_time() {
        for (p, why) in [
            ("(a+)+$", "exponential"),
            ("(a|aa)*b", "exponential"),
            ("(-\\d{4})?", "ok"),
            ("(\\d{3}-){2}\\d{4}", "ok"),
            ("(ORD|RET)-\\d+", "ok"),
            ("(\\d{1,3})+", "exponential"),
            ("^(\\w+\\s?)*$", "exponential"),
            ("((ab)*)+", "exponential"),
            ("(?=a)a", "lookaround"),
            ("(?i)ord", "flags"),
            ("(a)\\1", "backreference"),
            ("\\p{L}+", "unicode class"),
            ("[[:alpha:]]", "nested class"),
            ("[a-z&&[^x]]", "class operations"),
            ("a{1,100000}", "repeat bound"),
            ("a{2,1}", "reversed bound"),
            ("a^b", "anchor in the middle"),
            ("\\<\\d+\\>", "an escape regex-lite reads as a word boundary"),
            ("a\\#b", "an escape the two engines may read differently"),
            ("(ab", "unclosed group"),
            ("ab)", "unmatched"),
            ("*a", "nothing to repeat"),
            ("", "empty"),
        ] {
            let r = Pattern::parse(p);
            if why == "ok" {
                assert!(r.is_ok(), "{p}: {r:?}");
            } else {
                assert!(r.is_err(), "{p} ({why}) was accepted");
            }
        }
        assert!(Pattern::parse(&"a".repeat(MAX_PATTERN_LEN + 1)).is_err());
        assert!(matches!(Pattern::parse("(a+)+"), Err(PatternError::NestedRepeat(_))));
    }

    #[test]
    fn a_long_hostile_value_is_matched_in_linear_time() {
        let p = Pattern::parse(r"[ab]*c").unwrap();
        let started = std::time::Instant::now();
        assert!(!p.is_match(&"ab".repeat(250)));
        assert!(started.elapsed().as_millis() < 200);
    }

    #[test]
    fn patterns_round_trip_as_the_owner_wrote_them() {
        let p: Pattern = serde_json::from_str(r#""^ORD-\\d{5,}$""#).unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), r#""^ORD-\\d{5,}$""#);
        let e = serde_json::from_str::<Pattern>(r#""(a+)+""#).unwrap_err().to_string();
        assert!(e.contains("exponential"), "{e}");
    }

    #[test]
    fn distinctive_patterns() {
        assert!(Pattern::parse(r"ORD-\d{5,}").unwrap().is_distinctive());
        assert!(Pattern::parse(r"[A-Z]{2}\d{9}[A-Z]{2}").unwrap().is_distinctive(), "a parcel number");
        assert!(!Pattern::parse(r"\d{5}").unwrap().is_distinctive());
        assert!(!Pattern::parse(r"[a-z]+").unwrap().is_distinctive());
        assert!(!Pattern::parse(r"[A-Z]{3}").unwrap().is_distinctive());
    }
}

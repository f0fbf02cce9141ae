//! Keeping credentials and sensitive visitor data out of logs and transcripts.
//! `redact_*` removes credentials from what the edge records about an action call; `mask_sensitive`
//! hides card numbers, one-time codes, seed phrases and private keys in any text it stores.

/// What replaces a credential.
pub const REDACTED: &str = "[REDACTED]";

/// Header and parameter names that carry credentials, by substring (lower case).
const SENSITIVE_NAME_PARTS: &[&str] =
    &["auth", "cookie", "token", "secret", "key", "password", "passwd", "otp", "code", "session", "signature"];

/// Whether a header, query parameter or JSON field name carries a credential.
pub fn is_sensitive_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SENSITIVE_NAME_PARTS.iter().any(|p| n.contains(p))
}

/// Replaces every occurrence of a secret value (of 4 characters or more) in `text`.
pub fn redact_secrets(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    let mut by_length: Vec<&String> = secrets.iter().filter(|s| s.len() >= 4).collect();
    // Longest first, so a secret containing another is removed whole.
    by_length.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in by_length {
        out = out.replace(s.as_str(), REDACTED);
    }
    out
}

/// Headers with credential-bearing values replaced.
pub fn redact_headers(headers: &[(String, String)], secrets: &[String]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let v = if is_sensitive_name(name) { REDACTED.to_string() } else { redact_secrets(value, secrets) };
            (name.clone(), v)
        })
        .collect()
}

/// A URL with credential-bearing query parameters and secret values replaced.
pub fn redact_url(url: &str, secrets: &[String]) -> String {
    let url = redact_secrets(url, secrets);
    let Some((base, query)) = url.split_once('?') else { return url };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let params: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_sensitive_name(k) => format!("{k}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect();
    let mut out = format!("{base}?{}", params.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// A JSON value with credential-named fields and secret values replaced, recursively.
pub fn redact_json(value: &serde_json::Value, secrets: &[String]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_sensitive_name(k) { Value::String(REDACTED.into()) } else { redact_json(v, secrets) };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| redact_json(v, secrets)).collect()),
        Value::String(s) => Value::String(mask_sensitive(&redact_secrets(s, secrets))),
        other => other.clone(),
    }
}

/// Masks card numbers (Luhn-valid runs of 13–19 digits), one-time codes (4–8 digits after words
/// like "code" or "OTP"), seed phrases (12–24 short lowercase words in a row) and private keys
/// (WIF, xprv, or 64 hex digits after "key"/"private"/"secret").
pub fn mask_sensitive(text: &str) -> String {
    let text = mask_cards(text);
    let text = mask_after_keywords(&text, &["code", "otp", "2fa", "pin", "passcode"], 4..=8, is_digit_token, "[code]");
    let text = mask_after_keywords(&text, &["key", "private", "secret"], 64..=66, is_hex_key, "[private key]");
    let text = mask_words(&text, |w| is_wif(w) || w.starts_with("xprv") && w.len() > 100, "[private key]");
    mask_seed_phrases(&text)
}

/// Masks every standalone run of 4–8 digits (used when the visitor is answering a code request).
pub fn mask_codes(text: &str) -> String {
    mask_words(text, |w| (4..=8).contains(&w.len()) && is_digit_token(w), "[code]")
}

fn is_digit_token(w: &str) -> bool {
    w.bytes().all(|b| b.is_ascii_digit())
}

fn is_hex_key(w: &str) -> bool {
    let h = w.strip_prefix("0x").unwrap_or(w);
    h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_wif(w: &str) -> bool {
    (w.len() == 51 && w.starts_with('5') || w.len() == 52 && (w.starts_with('K') || w.starts_with('L')))
        && w.bytes().all(|b| b.is_ascii_alphanumeric() && !b"0OIl".contains(&b))
}

/// Luhn checksum over the digits.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn mask_cards(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            // A digit run, allowing single spaces or dashes between groups.
            let mut j = i;
            let mut digits = Vec::new();
            while j < chars.len() {
                if let Some(d) = chars[j].to_digit(10) {
                    digits.push(d as u8);
                    j += 1;
                } else if (chars[j] == ' ' || chars[j] == '-') && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                    j += 1;
                } else {
                    break;
                }
            }
            let boundary = chars.get(j).is_none_or(|c| !c.is_ascii_alphanumeric());
            if boundary && (13..=19).contains(&digits.len()) && luhn_valid(&digits) {
                let last: String = digits[digits.len() - 4..].iter().map(|d| char::from(b'0' + d)).collect();
                out.push_str(&format!("[card ••••{last}]"));
                i = j;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Masks a word matching `is_secret` that comes within a few words after one of `keywords`.
fn mask_after_keywords(
    text: &str,
    keywords: &[&str],
    lengths: std::ops::RangeInclusive<usize>,
    is_secret: fn(&str) -> bool,
    marker: &str,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut since_keyword: Option<usize> = None;
    for piece in split_keep(text) {
        let word = piece.trim_matches(|c: char| !c.is_alphanumeric());
        if word.is_empty() {
            out.push_str(piece);
            continue;
        }
        let lower = word.to_ascii_lowercase();
        if since_keyword.is_some_and(|n| n <= 4) && lengths.contains(&word.len()) && is_secret(word) {
            out.push_str(&piece.replace(word, marker));
            since_keyword = None;
            continue;
        }
        if keywords.iter().any(|k| lower.starts_with(k)) {
            since_keyword = Some(0);
        } else if let Some(n) = since_keyword.as_mut() {
            *n += 1;
        }
        out.push_str(piece);
    }
    out
}

fn mask_words(text: &str, is_secret: impl Fn(&str) -> bool, marker: &str) -> String {
    split_keep(text)
        .map(|piece| {
            let word = piece.trim_matches(|c: char| !c.is_alphanumeric());
            if !word.is_empty() && is_secret(word) {
                piece.replace(word, marker)
            } else {
                piece.to_string()
            }
        })
        .collect()
}

/// 12 or more consecutive words of 3–8 lowercase letters, with at most one common English word
/// among them, read as a wallet recovery phrase (a real sentence that long has several).
fn mask_seed_phrases(text: &str) -> String {
    let pieces: Vec<&str> = split_keep(text).collect();
    let is_seed_word = |p: &str| {
        let w = p.trim();
        (3..=8).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_lowercase())
    };
    let mut out = String::new();
    let mut i = 0;
    while i < pieces.len() {
        let run = pieces[i..].iter().take_while(|p| is_seed_word(p)).count();
        let common = pieces[i..i + run].iter().filter(|p| crate::knowledge::tokenize::is_stop_word(p.trim())).count();
        if run >= 12 && common <= 1 {
            out.push_str("[possible recovery phrase removed] ");
            i += run;
        } else {
            out.push_str(pieces[i]);
            i += 1;
        }
    }
    out
}

/// Splits after each whitespace run, keeping the whitespace with the word before it.
fn split_keep(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let end = rest[word_end..].find(|c: char| !c.is_whitespace()).map_or(rest.len(), |n| word_end + n);
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_and_params_are_redacted() {
        let h = vec![
            ("Authorization".to_string(), "Bearer sk_live_123".to_string()),
            ("X-Api-Key".into(), "k".into()),
            ("Accept".into(), "application/json; sk_live_123".into()),
        ];
        let r = redact_headers(&h, &["sk_live_123".into()]);
        assert_eq!(r[0].1, REDACTED);
        assert_eq!(r[1].1, REDACTED);
        assert_eq!(r[2].1, "application/json; [REDACTED]");
        assert_eq!(
            redact_url("https://a.example/x?api_key=abc&email=a%40b.c&access_token=z#f", &[]),
            "https://a.example/x?api_key=[REDACTED]&email=a%40b.c&access_token=[REDACTED]#f"
        );
        let j = serde_json::json!({"password": "p", "nested": [{"otp_code": "123456", "note": "key sk_live_123"}]});
        assert_eq!(
            redact_json(&j, &["sk_live_123".into()]),
            serde_json::json!({"password": REDACTED, "nested": [{"otp_code": REDACTED, "note": "key [REDACTED]"}]})
        );
    }

    #[test]
    fn cards_codes_keys_and_seed_phrases_are_masked() {
        assert_eq!(mask_sensitive("my card 4111 1111 1111 1111 ok"), "my card [card ••••1111] ok");
        assert_eq!(mask_sensitive("order 4111111111111112"), "order 4111111111111112", "not Luhn-valid");
        assert_eq!(mask_sensitive("the code is 482913."), "the code is [code].");
        assert_eq!(mask_sensitive("I sent 250000 USDT"), "I sent 250000 USDT", "amounts are kept");
        let key = "a".repeat(64);
        assert_eq!(mask_sensitive(&format!("private key: 0x{key}")), "private key: [private key]");
        let tx = format!("tx 0x{key}");
        assert_eq!(mask_sensitive(&tx), tx, "transaction hashes are kept");
        let seed = "abandon ability able about above absent absorb abstract absurd abuse access accident";
        assert_eq!(mask_sensitive(&format!("my words: {seed}")), "my words: [possible recovery phrase removed] ");
        let sentence = "please help with this deposit that never arrived since last week and today";
        assert_eq!(mask_sensitive(sentence), sentence, "ordinary sentences are kept");
    }

    #[test]
    fn codes_alone_are_masked_when_a_code_is_expected() {
        assert_eq!(mask_codes("482913"), "[code]");
        assert_eq!(mask_codes("it is 4829 ok"), "it is [code] ok");
        assert_eq!(mask_codes("2026"), "[code]");
        assert_eq!(mask_codes("no digits"), "no digits");
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid(&[4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2]));
        assert!(!luhn_valid(&[1, 2, 3, 4]));
    }
}

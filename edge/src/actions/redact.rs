//! Keeping credentials and sensitive visitor data out of logs and transcripts.
//! [`Credentials`] holds what one run sends (secret values, token-endpoint tokens, the credential in
//! an `Authorization` header or a credential-named query parameter) and finds it again in any
//! spelling an API may echo it in: as is, percent-encoded (any case, `+` for space), inside base64
//! (standard or URL-safe, at any alignment: a Basic header's base64 holds the password), hex or
//! JSON-escaped. `redact_*` remove credentials from what the edge records about an action call;
//! [`without_credential_keys`] drops credential-named fields from what the visitor sees;
//! `mask_sensitive` hides card numbers, one-time codes, seed phrases and private keys in any text
//! it stores.

/// What replaces a credential.
pub const REDACTED: &str = "[REDACTED]";

/// Name words that are credentials wherever they appear inside a word (`xApiToken`, `dbpassword`).
const CREDENTIAL_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "bearer",
    "cookie",
    "credential",
    "signature",
    "session",
    "mnemonic",
    "recoveryphrase",
    "seedphrase",
    "backupphrase",
];

/// Name words that are credentials when they are a whole word (`pin`, but not `shipping`).
const CREDENTIAL_WORDS: &[&str] = &[
    "auth", "key", "code", "pin", "otp", "totp", "hotp", "2fa", "mfa", "cvv", "cvv2", "cvc", "cvc2", "csc", "pwd",
    "pw", "seed", "sig", "jwt", "ssn",
];

/// Words that make `key` or `code` an ordinary identifier (`country_code`, `idempotency_key`).
const NOT_A_CREDENTIAL_WITH: &[&str] = &[
    "status",
    "country",
    "currency",
    "error",
    "postal",
    "zip",
    "area",
    "language",
    "lang",
    "locale",
    "region",
    "http",
    "response",
    "reason",
    "iso",
    "idempotency",
    "primary",
    "sort",
    "partition",
    "foreign",
    "public",
    "cache",
    "product",
    "item",
    "asset",
    "network",
    "chain",
    "bank",
    "swift",
    "tax",
    "dial",
    "phone",
    "event",
    "type",
    "hash",
];

/// The words of a header, parameter or field name: split at non-alphanumerics and camelCase
/// boundaries, lower case (`X-ApiKey` → `x`, `api`, `key`; `accessToken` → `access`, `token`).
fn name_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase() || p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase())
            });
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Whether a header, query parameter or JSON field name carries a credential or a secret the
/// visitor typed (password, PIN, one-time code, CVV, seed phrase…).
pub fn is_sensitive_name(name: &str) -> bool {
    let words = name_words(name);
    let joined = words.concat();
    let ordinary = words.iter().any(|w| NOT_A_CREDENTIAL_WITH.contains(&w.as_str()));
    CREDENTIAL_PARTS.iter().any(|p| joined.contains(p))
        || words.iter().any(|w| match w.as_str() {
            "key" | "code" => !ordinary,
            w => CREDENTIAL_WORDS.contains(&w),
        })
}

/// Shortest value treated as a credential: shorter ones would match ordinary text.
const MIN_CREDENTIAL_LEN: usize = 4;
/// Shortest base64 fragment searched for (fewer characters could occur by chance).
const MIN_BASE64_FRAGMENT: usize = 8;

/// The credentials one run sends, found again in any spelling (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// The values, longest first.
    values: Vec<String>,
    /// Other spellings replaced as they are (hex, JSON-escaped).
    spellings: Vec<String>,
    /// Base64 fragments: the whole base64 word holding one is replaced.
    base64: Vec<String>,
}

impl Credentials {
    /// Credentials from these values (values under four characters are ignored).
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(values: I) -> Self {
        let mut c = Self::default();
        for v in values {
            c.add(v.as_ref());
        }
        c
    }

    /// Adds one credential and its spellings.
    pub fn add(&mut self, value: &str) {
        if value.len() < MIN_CREDENTIAL_LEN || self.values.iter().any(|v| v == value) {
            return;
        }
        self.values.push(value.to_string());
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let json = serde_json::to_string(value).unwrap_or_default();
        let json = json.trim_matches('"');
        let hex = crate::token::hex(value.as_bytes());
        for s in [json.to_string(), json.replace('/', "\\/"), hex.clone(), hex.to_ascii_uppercase()] {
            if s != value && !self.spellings.contains(&s) {
                self.spellings.push(s);
            }
        }
        self.spellings.sort_by_key(|v| std::cmp::Reverse(v.len()));
        // At each of the three alignments, the base64 characters that depend only on the value.
        for offset in 0..3 {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(value.as_bytes());
            let full_groups = bytes.len() / 3 * 4;
            let encoded = super::render::base64(&bytes);
            let skip = if offset == 0 { 0 } else { 4 };
            if full_groups >= skip + MIN_BASE64_FRAGMENT {
                let fragment = &encoded[skip..full_groups];
                for f in [fragment.to_string(), fragment.replace('+', "-").replace('/', "_")] {
                    if !self.base64.contains(&f) {
                        self.base64.push(f);
                    }
                }
            }
        }
    }

    /// Learns the credential in a header value: the whole value and the part after an auth scheme
    /// (`Bearer x` → `x`; `Basic b64` → `b64`).
    pub fn add_header_value(&mut self, value: &str) {
        self.add(value.trim());
        if let Some((_, credential)) = value.trim().split_once(' ') {
            self.add(credential.trim());
        }
    }

    /// Learns the credentials a request carries: credential-named headers and query parameters.
    pub fn learn_request(&mut self, url: &str, headers: &[(String, String)]) {
        for (name, value) in headers {
            if is_sensitive_name(name) {
                self.add_header_value(value);
            }
        }
        if let Ok(url) = url::Url::parse(url) {
            for (name, value) in url.query_pairs() {
                if is_sensitive_name(&name) {
                    self.add(&value);
                }
            }
        }
    }

    /// `text` with every credential, in every spelling, replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for value in &self.values {
            out = replace_percent_spelled(&out, value.as_bytes());
        }
        for s in &self.spellings {
            out = out.replace(s.as_str(), REDACTED);
        }
        for fragment in &self.base64 {
            out = replace_base64_word(&out, fragment);
        }
        out
    }
}

/// Replaces each occurrence of `value` where any byte may be written as `%XX` (either case) and a
/// space as `+`: the plain value is one such spelling.
fn replace_percent_spelled(text: &str, value: &[u8]) -> String {
    let t = text.as_bytes();
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        match percent_spelled_at(t, i, value) {
            Some(end) => {
                out.extend_from_slice(REDACTED.as_bytes());
                i = end;
            }
            None => {
                out.push(t[i]);
                i += 1;
            }
        }
    }
    // A match starts and ends on whole characters (the value is UTF-8, and `%XX` is ASCII), so
    // the result is UTF-8 too.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Where a spelling of `value` starting at `t[at]` ends, if one does.
fn percent_spelled_at(t: &[u8], at: usize, value: &[u8]) -> Option<usize> {
    let Some((&want, rest)) = value.split_first() else { return Some(at) };
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    let got = *t.get(at)?;
    if got == b'%' {
        if let (Some(h), Some(l)) = (hex(t.get(at + 1)), hex(t.get(at + 2))) {
            if (h * 16 + l) as u8 == want {
                if let Some(end) = percent_spelled_at(t, at + 3, rest) {
                    return Some(end);
                }
            }
        }
    }
    (got == want || got == b'+' && want == b' ').then_some(()).and_then(|()| percent_spelled_at(t, at + 1, rest))
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_')
}

/// Replaces the whole base64 word around each occurrence of `fragment`.
fn replace_base64_word(text: &str, fragment: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(fragment) {
        let start = rest[..at].rfind(|c: char| !is_base64_char(c)).map_or(0, |i| i + 1);
        let after = at + fragment.len();
        let end = rest[after..].find(|c: char| !is_base64_char(c)).map_or(rest.len(), |i| after + i);
        out.push_str(&rest[..start]);
        out.push_str(REDACTED);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Headers with credential-bearing values replaced.
pub fn redact_headers(headers: &[(String, String)], credentials: &Credentials) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let v = if is_sensitive_name(name) { REDACTED.to_string() } else { credentials.redact(value) };
            (name.clone(), v)
        })
        .collect()
}

/// A URL with credential-bearing query parameters and credentials replaced.
pub fn redact_url(url: &str, credentials: &Credentials) -> String {
    let url = credentials.redact(url);
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

/// A JSON value with credential-named fields and credentials replaced, recursively.
pub fn redact_json(value: &serde_json::Value, credentials: &Credentials) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v =
                        if is_sensitive_name(k) { Value::String(REDACTED.into()) } else { redact_json(v, credentials) };
                    (credentials.redact(k), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| redact_json(v, credentials)).collect()),
        Value::String(s) => Value::String(mask_sensitive(&credentials.redact(s))),
        other => other.clone(),
    }
}

/// A JSON value without its credential-named fields (at any depth): what a visitor may see of a
/// response whose fields the owner did not select.
pub fn without_credential_keys(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !is_sensitive_name(k))
                .map(|(k, v)| (k.clone(), without_credential_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_credential_keys).collect()),
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
    // Codes that are not secrets: "zip code 90210", "promo code 2024" are kept as typed.
    const NOT_SECRET_BEFORE_CODE: &[&str] =
        &["zip", "postal", "post", "area", "country", "dialing", "promo", "discount", "coupon", "voucher", "referral"];
    let mut out = String::with_capacity(text.len());
    let mut since_keyword: Option<usize> = None;
    let mut previous = String::new();
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
            previous = lower;
            continue;
        }
        let harmless_code = lower.starts_with("code") && NOT_SECRET_BEFORE_CODE.contains(&previous.as_str());
        if keywords.iter().any(|k| lower.starts_with(k)) && !harmless_code {
            since_keyword = Some(0);
        } else if harmless_code {
            since_keyword = None;
        } else if let Some(n) = since_keyword.as_mut() {
            *n += 1;
        }
        out.push_str(piece);
        previous = lower;
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
        let r = redact_headers(&h, &Credentials::new(["sk_live_123"]));
        assert_eq!(r[0].1, REDACTED);
        assert_eq!(r[1].1, REDACTED);
        assert_eq!(r[2].1, "application/json; [REDACTED]");
        assert_eq!(
            redact_url("https://a.example/x?api_key=abc&email=a%40b.c&access_token=z#f", &Credentials::default()),
            "https://a.example/x?api_key=[REDACTED]&email=a%40b.c&access_token=[REDACTED]#f"
        );
        let j = serde_json::json!({"password": "p", "nested": [{"otp_code": "123456", "note": "key sk_live_123"}]});
        assert_eq!(
            redact_json(&j, &Credentials::new(["sk_live_123"])),
            serde_json::json!({"password": REDACTED, "nested": [{"otp_code": REDACTED, "note": "key [REDACTED]"}]})
        );
    }

    #[test]
    fn sensitive_names_are_whole_words_or_credential_parts() {
        for name in [
            "pin",
            "PIN",
            "card_pin",
            "cvv",
            "cvc2",
            "CVV2",
            "otp",
            "otp_code",
            "seed",
            "seed_phrase",
            "mnemonic",
            "recovery_phrase",
            "X-Api-Key",
            "apikey",
            "APIKey",
            "accessToken",
            "refresh_token",
            "client_secret",
            "Authorization",
            "Proxy-Authorization",
            "Cookie",
            "set-cookie",
            "session_id",
            "password",
            "dbPassword",
            "passcode",
            "2fa",
            "verification_code",
            "code",
            "private_key",
            "signature",
            "jwt",
        ] {
            assert!(is_sensitive_name(name), "{name} is sensitive");
        }
        for name in [
            "shipping",
            "mapping",
            "footprint",
            "opinion",
            "country_code",
            "status_code",
            "currencyCode",
            "Idempotency-Key",
            "author",
            "keyboard",
            "email",
            "amount",
            "public_key",
            "Accept",
            "Content-Type",
            "summary",
            "deposits",
            "pass",
            "search_phrase",
            "passed",
        ] {
            assert!(!is_sensitive_name(name), "{name} is not a credential");
        }
    }

    const KEY: &str = "sk_live/9f8e+7d6c";

    #[test]
    fn credentials_are_found_in_every_spelling() {
        let c = Credentials::new([KEY]);
        let basic = super::super::render::base64(format!("ana:{KEY}").as_bytes());
        let url_safe = super::super::render::base64(format!("x{KEY}").as_bytes()).replace('+', "-").replace('/', "_");
        for text in [
            format!("echo {KEY} end"),
            "echo sk_live%2F9f8e%2B7d6c end".to_string(),
            "echo sk%5flive%2f9f8e%2b7d6c end".to_string(),
            format!("echo {basic} end"),
            format!("echo {url_safe} end"),
            format!("echo {} end", serde_json::to_string(KEY).unwrap().trim_matches('"').replace('/', "\\/")),
            format!("echo {} end", KEY.bytes().map(|b| format!("{b:02x}")).collect::<String>()),
        ] {
            let out = c.redact(&text);
            assert_eq!(out, "echo [REDACTED] end", "{text}");
        }
        assert_eq!(c.redact("nothing here"), "nothing here");
        assert_eq!(Credentials::new(["abc"]).redact("abc"), "abc", "too short to be told from text");
    }

    #[test]
    fn credentials_in_headers_and_query_are_learned() {
        let mut c = Credentials::default();
        c.learn_request(
            "https://api.example.com/x?access_token=tok%2Fen-123&q=hello",
            &[
                ("Authorization".into(), "Bearer oauth-access-9z8y".into()),
                ("X-Api-Key".into(), "k-1234".into()),
                ("Accept".into(), "application/json".into()),
                ("Idempotency-Key".into(), "0123456789abcdef".into()),
            ],
        );
        let echoed =
            r#"{"seen":"Bearer oauth-access-9z8y","k":"k-1234","t":"tok/en-123","q":"hello","id":"0123456789abcdef"}"#;
        let json: serde_json::Value = serde_json::from_str(echoed).unwrap();
        assert_eq!(
            redact_json(&json, &c),
            serde_json::json!({"seen": REDACTED, "k": REDACTED, "t": REDACTED, "q": "hello", "id": "0123456789abcdef"})
        );
    }

    #[test]
    fn credential_keys_are_dropped_for_the_visitor() {
        let j = serde_json::json!({"status": "ok", "token": "t", "nested": [{"api_key": "k", "pin": "1", "amount": 2}], "headers": {"Authorization": "x", "Accept": "y"}});
        assert_eq!(
            without_credential_keys(&j),
            serde_json::json!({"status": "ok", "nested": [{"amount": 2}], "headers": {"Accept": "y"}})
        );
    }

    proptest::proptest! {
        /// A credential is never left readable, plain, percent-encoded (any case) or inside base64 at any alignment.
        #[test]
        fn no_spelling_of_a_credential_survives(
            secret in "[!-~]{8,40}",
            prefix in "[a-z ]{0,6}",
            suffix in "[a-z ]{0,6}",
            form in proptest::bool::ANY,
            lower in proptest::bool::ANY,
        ) {
            let c = Credentials::new([secret.as_str()]);
            let upper = shared::template::percent_encode(&secret, form);
            let encoded = if lower { lower_hex_only(&upper) } else { upper };
            for text in [format!("{prefix}{secret}{suffix}"), format!("{prefix}{encoded}{suffix}")] {
                let out = c.redact(&text);
                proptest::prop_assert!(!out.contains(&secret), "{} -> {}", text, out);
                proptest::prop_assert!(out.contains(REDACTED), "{} -> {}", text, out);
            }
            let b64 = super::super::render::base64(format!("{prefix}{secret}{suffix}").as_bytes());
            let out = c.redact(&format!("auth {b64} end"));
            proptest::prop_assert_eq!(out, "auth [REDACTED] end");
        }
    }

    /// `%2F` → `%2f`, leaving every other character as it is.
    fn lower_hex_only(encoded: &str) -> String {
        let mut out = String::new();
        let mut since_percent = 3;
        for ch in encoded.chars() {
            since_percent += 1;
            if ch == '%' {
                since_percent = 0;
            }
            out.push(if since_percent <= 2 { ch.to_ascii_lowercase() } else { ch });
        }
        out
    }

    #[test]
    fn cards_codes_keys_and_seed_phrases_are_masked() {
        assert_eq!(mask_sensitive("my card 4111 1111 1111 1111 ok"), "my card [card ••••1111] ok");
        assert_eq!(mask_sensitive("order 4111111111111112"), "order 4111111111111112", "not Luhn-valid");
        assert_eq!(mask_sensitive("the code is 482913."), "the code is [code].");
        assert_eq!(mask_sensitive("ship to zip code 90210 please"), "ship to zip code 90210 please");
        assert_eq!(mask_sensitive("Promo code 2024 did not work"), "Promo code 2024 did not work");
        assert_eq!(mask_sensitive("zip 90210, and my 2fa code 482913"), "zip 90210, and my 2fa code [code]");
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

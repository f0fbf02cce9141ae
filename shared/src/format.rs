//! The shapes a visitor's value may have: the built-in named formats (email, number, phone, date,
//! url, one-time code, transaction hash, addresses, IBAN), an owner's closed set of options, and an
//! owner's own pattern (`pattern.rs`). A leaf module: actions and forms both check values here.

use crate::pattern::Pattern;
use serde::{Deserialize, Serialize};

/// A built-in named format (a shortcut for a pattern the owner need not write).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// Any text.
    #[default]
    Text,
    /// An email address.
    Email,
    /// A decimal number.
    Number,
    /// A whole number.
    Integer,
    /// A phone number: 7–15 digits, with spaces, `+`, `-`, `.` and brackets allowed.
    Phone,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An http(s) URL.
    #[serde(alias = "uri")]
    Url,
    /// A one-time code: digits, `length` of them (4–8 when not given).
    Otp,
    /// A transaction hash: 64 hex digits, with or without `0x`.
    TxHash,
    /// A Bitcoin address (legacy, P2SH or bech32).
    BtcAddress,
    /// An Ethereum address: `0x` and 40 hex digits.
    EthAddress,
    /// A Bitcoin or Ethereum address.
    WalletAddress,
    /// An international bank account number (checked with its mod-97 check digits).
    Iban,
}

impl InputFormat {
    /// Whether a value of this shape found in a message says which action is meant by itself (a
    /// transaction hash, an address, an IBAN). A number, an email or a short code could be anything
    /// ("I waited 3 days"): such inputs are filled once an action is chosen by what was asked.
    pub fn is_distinctive(self) -> bool {
        matches!(self, Self::TxHash | Self::BtcAddress | Self::EthAddress | Self::WalletAddress | Self::Iban)
    }

    /// How the format is called in messages to the visitor.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Email => "email address",
            Self::Number => "number",
            Self::Integer => "whole number",
            Self::Phone => "phone number",
            Self::Date => "date (YYYY-MM-DD)",
            Self::Url => "web address (https://…)",
            Self::Otp => "one-time code",
            Self::TxHash => "transaction hash (64 hexadecimal characters)",
            Self::BtcAddress => "Bitcoin address",
            Self::EthAddress => "Ethereum address (0x followed by 40 hexadecimal characters)",
            Self::WalletAddress => "wallet address",
            Self::Iban => "IBAN",
        }
    }

    /// Whether `v` (trimmed) has this shape; `length` is a one-time code's exact digit count.
    pub fn accepts(self, v: &str, length: Option<u8>) -> bool {
        let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
        let base58 = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() && !b"0OIl".contains(&b));
        let btc = |s: &str| {
            let lower = s.to_ascii_lowercase();
            (lower.starts_with("bc1")
                && (14..=74).contains(&s.len())
                && lower.bytes().all(|b| b.is_ascii_alphanumeric()))
                || ((s.starts_with('1') || s.starts_with('3')) && (26..=35).contains(&s.len()) && base58(s))
        };
        let eth = |s: &str| s.strip_prefix("0x").is_some_and(|h| hex(h, 40));
        match self {
            Self::Text => true,
            Self::Email => is_email(v),
            Self::Number => crate::number::parse_number(v).is_some_and(f64::is_finite),
            Self::Integer => {
                let digits = v.strip_prefix('-').unwrap_or(v);
                !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit())
            }
            Self::Phone => is_phone(v),
            Self::Date => is_date(v),
            Self::Url => is_url(v),
            Self::Otp => {
                let digits = v.bytes().all(|b| b.is_ascii_digit());
                digits && length.map_or((4..=8).contains(&v.len()), |n| v.len() == usize::from(n))
            }
            Self::TxHash => hex(v.strip_prefix("0x").unwrap_or(v), 64),
            Self::BtcAddress => btc(v),
            Self::EthAddress => eth(v),
            Self::WalletAddress => btc(v) || eth(v),
            Self::Iban => is_iban(v),
        }
    }
}

/// Everything one value is checked against: the named format, an owner's pattern, a closed set of
/// options, a one-time code's length and the longest value. Built from an action input or a form
/// field, so neither fakes the other to check a value.
#[derive(Debug, Clone, Copy)]
pub struct ValueRule<'a> {
    /// The named format.
    pub format: InputFormat,
    /// The owner's pattern, matched against the whole value.
    pub pattern: Option<&'a Pattern>,
    /// What a value matching the pattern looks like, in the owner's words ("WD- and 12 digits").
    pub hint: Option<&'a str>,
    /// The closed set of accepted values (compared without regard to case); empty = any.
    pub options: &'a [String],
    /// A one-time code's exact number of digits.
    pub length: Option<u8>,
    /// Longest accepted value, in characters.
    pub max_length: usize,
}

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Nothing was given.
    #[error("nothing was given")]
    Empty,
    /// Longer than allowed.
    #[error("it is longer than {0} characters")]
    TooLong(usize),
    /// Not one of the options.
    #[error("it must be one of: {0}")]
    NotAnOption(String),
    /// Not of the expected shape.
    #[error("it is not a valid {0}")]
    Invalid(String),
}

impl ValueRule<'_> {
    /// Checks a value; returns it normalised (trimmed; an option as the owner wrote it; an IBAN
    /// without spaces, in capitals).
    pub fn check(&self, raw: &str) -> Result<String, ValueError> {
        let v = raw.trim();
        if v.is_empty() {
            return Err(ValueError::Empty);
        }
        if v.chars().count() > self.max_length {
            return Err(ValueError::TooLong(self.max_length));
        }
        if !self.options.is_empty() {
            return self
                .options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(v))
                .cloned()
                .ok_or_else(|| ValueError::NotAnOption(self.options.join(", ")));
        }
        let v = if self.format == InputFormat::Iban { compact_iban(v) } else { v.to_string() };
        if self.format.accepts(&v, self.length) && self.pattern.is_none_or(|p| p.is_match(&v)) {
            Ok(v)
        } else {
            Err(ValueError::Invalid(self.describe()))
        }
    }

    /// What a valid value is, for the visitor: the owner's hint, else the format's name.
    pub fn describe(&self) -> String {
        match (self.hint, self.format, self.length) {
            (Some(h), _, _) => h.to_string(),
            (None, InputFormat::Otp, Some(n)) => format!("one-time code ({n} digits)"),
            (None, f, _) => f.name().to_string(),
        }
    }

    /// Whether a value of this rule found in a message says by itself which action is meant: a
    /// distinctive named format, or an owner's pattern that no everyday word or number matches.
    pub fn is_distinctive(&self) -> bool {
        self.options.is_empty() && (self.format.is_distinctive() || self.pattern.is_some_and(Pattern::is_distinctive))
    }
}

/// A pragmatic email check: one '@', a non-empty local part, a dotted domain, no spaces and no
/// character that prints nothing (controls, zero-width and direction marks), ≤ 254 bytes. The
/// invisible ones are refused because an owner's API may strip them: two spellings of one
/// address must not count as two addresses against a limit.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || prints_nothing(c))
}

/// Controls and Unicode format characters (category Cf: soft hyphen, zero-width space and
/// joiners, direction marks and overrides, word joiner, BOM, tags): they print nothing.
pub fn prints_nothing(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}')
}

/// 7–15 digits; spaces, `+`, `-`, `.` and brackets allowed between them.
pub fn is_phone(t: &str) -> bool {
    let digits = t.chars().filter(char::is_ascii_digit).count();
    t.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) && (7..=15).contains(&digits)
}

/// `YYYY-MM-DD` with a real month and day.
pub fn is_date(t: &str) -> bool {
    let parts: Vec<&str> = t.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return false };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else { return false };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1900..=2200).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days[m as usize - 1] && t.len() == 10
}

/// `http://` or `https://`, a host, and no spaces.
fn is_url(t: &str) -> bool {
    let rest = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && host.contains('.') && !t.chars().any(char::is_whitespace) && t.len() <= 2048
    })
}

fn compact_iban(v: &str) -> String {
    v.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Country code, two check digits, up to 30 letters or digits, and the ISO 13616 mod-97 check.
fn is_iban(v: &str) -> bool {
    let b = v.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let rearranged = b[4..].iter().chain(&b[..4]);
    let rem = rearranged.fold(0u32, |acc, &c| {
        if c.is_ascii_digit() {
            (acc * 10 + u32::from(c - b'0')) % 97
        } else {
            (acc * 100 + u32::from(c - b'A' + 10)) % 97
        }
    });
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_with_a_character_that_prints_nothing_is_refused() {
        assert!(is_email("ana@example.com"));
        for sneaky in [
            "ana\u{200b}@example.com",
            "a\u{ad}na@example.com",
            "ana@exa\u{200d}mple.com",
            "ana\u{202e}@x.co",
            "ana@example.com\u{feff}",
            "an\u{7}a@example.com",
            "ana\u{e0041}@example.com",
        ] {
            assert!(!is_email(sneaky), "{sneaky:?}");
        }
        assert!(is_email("ána@exämple.com"), "letters outside ASCII print");
    }

    fn rule(format: InputFormat) -> ValueRule<'static> {
        ValueRule { format, pattern: None, hint: None, options: &[], length: None, max_length: 500 }
    }

    #[test]
    fn named_formats() {
        let tx = format!("0x{}", "ab".repeat(32));
        assert!(rule(InputFormat::TxHash).check(&tx).is_ok());
        assert!(rule(InputFormat::TxHash).check("0x123").is_err());
        assert!(rule(InputFormat::EthAddress).check("0x52908400098527886E0F7030069857D2E4169EE7").is_ok());
        assert!(rule(InputFormat::BtcAddress).check("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq").is_ok());
        assert!(rule(InputFormat::WalletAddress).check("hello").is_err());
        assert_eq!(rule(InputFormat::Otp).check(" 482913 ").unwrap(), "482913");
        assert!(rule(InputFormat::Email).check("a@b").is_err());
        assert!(rule(InputFormat::Integer).check("42").is_ok());
        assert!(rule(InputFormat::Integer).check("4.2").is_err());
        assert!(rule(InputFormat::Url).check("https://shop.example/orders").is_ok());
        assert!(rule(InputFormat::Url).check("javascript:alert(1)").is_err());
        assert!(rule(InputFormat::Phone).check("+1 (503) 555-0100").is_ok());
        assert!(rule(InputFormat::Date).check("2026-02-30").is_err());
    }

    #[test]
    fn one_time_codes_have_the_length_the_owner_gives() {
        let six = ValueRule { length: Some(6), ..rule(InputFormat::Otp) };
        assert!(six.check("482913").is_ok());
        assert!(six.check("4829").is_err());
        assert_eq!(six.describe(), "one-time code (6 digits)");
        assert!(rule(InputFormat::Otp).check("4829").is_ok(), "4–8 digits without a length");
    }

    #[test]
    fn ibans_are_checked_with_their_check_digits() {
        assert_eq!(rule(InputFormat::Iban).check("de89 3704 0044 0532 0130 00").unwrap(), "DE89370400440532013000");
        assert!(rule(InputFormat::Iban).check("DE88370400440532013000").is_err(), "one digit off");
        assert!(rule(InputFormat::Iban).check("GB82WEST12345698765432").is_ok());
    }

    #[test]
    fn options_are_a_closed_set_given_back_as_written() {
        let options = ["BTC".to_string(), "ETH".to_string()];
        let r = ValueRule { options: &options, ..rule(InputFormat::Text) };
        assert_eq!(r.check("btc").unwrap(), "BTC");
        assert_eq!(r.check("DOGE"), Err(ValueError::NotAnOption("BTC, ETH".into())));
        assert!(!r.is_distinctive(), "\"what are BTC fees?\" must not start an action keyed on the asset");
    }

    #[test]
    fn the_owners_hint_names_what_is_expected() {
        let p = Pattern::parse("^WD-[0-9]{8}-[0-9]{4}$").unwrap();
        let r = ValueRule {
            pattern: Some(&p),
            hint: Some("WD-, 8 digits, a dash and 4 digits"),
            ..rule(InputFormat::Text)
        };
        assert_eq!(r.check("WD-20261120-0042").unwrap(), "WD-20261120-0042");
        assert_eq!(r.check("WD-2026"), Err(ValueError::Invalid("WD-, 8 digits, a dash and 4 digits".into())));
        assert!(r.is_distinctive());
        assert_eq!(r.check(&"x".repeat(501)), Err(ValueError::TooLong(500)));
    }

    #[test]
    fn distinctive_means_no_everyday_value_fits() {
        for f in [InputFormat::Number, InputFormat::Email, InputFormat::Otp, InputFormat::Text, InputFormat::Date] {
            assert!(!rule(f).is_distinctive(), "{f:?}");
        }
        assert!(rule(InputFormat::TxHash).is_distinctive());
        let digits = Pattern::parse(r"\d{5,}").unwrap();
        assert!(!ValueRule { pattern: Some(&digits), ..rule(InputFormat::Text) }.is_distinctive(), "90210 fits");
    }
}

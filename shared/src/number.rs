//! Decimal numbers typed by visitors (`12`, `-0.25`, `1.5e3`), parsed without the standard
//! library's float parser: its tables would add ~10 KB to the widget. Correctly rounded for the
//! numbers people type (up to 15 significant digits, exponents within ±22); the widget and the
//! edge share it, so they always agree on what is a number.

/// The value of a decimal number, or `None` if `text` is not one.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let (negative, rest) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut exp10 = match exponent {
        None => 0i64,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n = digits.bytes().fold(0i64, |n, b| n * 10 + i64::from(b - b'0'));
            if e.starts_with('-') {
                -n
            } else {
                n
            }
        }
    };
    // Up to 19 significant digits exactly; later ones only move the decimal point.
    let mut significand: u64 = 0;
    let mut kept = 0;
    for (i, b) in whole.bytes().chain(fraction.bytes()).enumerate() {
        let in_fraction = i >= whole.len();
        if kept < 19 {
            significand = significand * 10 + u64::from(b - b'0');
            if significand > 0 {
                kept += 1;
            }
            if in_fraction {
                exp10 -= 1;
            }
        } else if !in_fraction {
            exp10 += 1;
        }
    }
    let value = scale(significand as f64, exp10);
    Some(if negative { -value } else { value })
}

/// `v × 10^exp10`: exact powers of ten up to 10^22, so one multiplication or division rounds once.
fn scale(v: f64, exp10: i64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let mut v = v;
    let mut e = exp10.clamp(-800, 800);
    while e != 0 {
        let step = e.clamp(-22, 22);
        let power = (0..step.abs()).fold(1.0f64, |p, _| p * 10.0);
        v = if step > 0 { v * power } else { v / power };
        e -= step;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::parse_number;
    use proptest::prelude::*;

    #[test]
    fn agrees_with_the_standard_parser_on_what_people_type() {
        for t in
            ["0", "12", "-3", "+4", "0.1", "0.25", "1.5", "123.456", "00012.5000", ".5", "5.", "1e3", "2.5E-3", "1e-7"]
        {
            assert_eq!(parse_number(t), t.parse::<f64>().ok(), "{t}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for t in ["", "-", ".", "e5", "1e", "1e+", "abc", "1,5", "1.2.3", "0x10", "--1", "1 2", "NaN", "inf"] {
            assert_eq!(parse_number(t), None, "{t:?}");
        }
        assert!(!parse_number("1e999").unwrap().is_finite());
    }

    proptest! {
        #[test]
        fn exact_for_up_to_15_digits_and_decimal_exponents_within_22(digits in 0u64..1_000_000_000_000_000, point in 0usize..16, exp in -22i32..22) {
            let s = digits.to_string();
            let point = point.min(s.len());
            prop_assume!(exp - point as i32 >= -22);
            let text = format!("{}.{}e{exp}", &s[..s.len() - point], &s[s.len() - point..]);
            prop_assert_eq!(parse_number(&text), text.parse::<f64>().ok(), "{}", text);
        }
    }
}

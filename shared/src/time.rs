//! Timestamps on the wire: RFC 3339 in UTC with milliseconds, from Unix milliseconds; waits in
//! words for visitors.

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339_from_unix_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

/// A wait in words for a visitor: "12 s" under a minute, else whole minutes rounded up ("2 min").
pub fn wait_in_words(seconds: u64) -> String {
    if seconds < 60 {
        format!("{} s", seconds.max(1))
    } else {
        format!("{} min", seconds.div_ceil(60))
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339_from_unix_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_from_unix_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_from_unix_ms(1_795_478_400_123), "2026-11-24T00:00:00.123Z");
        assert_eq!(rfc3339_from_unix_ms(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn waits_read_as_seconds_then_whole_minutes() {
        assert_eq!(wait_in_words(0), "1 s");
        assert_eq!(wait_in_words(12), "12 s");
        assert_eq!(wait_in_words(59), "59 s");
        assert_eq!(wait_in_words(60), "1 min");
        assert_eq!(wait_in_words(61), "2 min");
        assert_eq!(wait_in_words(3600), "60 min");
    }
}

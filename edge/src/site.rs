//! The site bundle compiled in by `build.rs` from the site directory (`SWITCHBOARD_SITE`), and
//! the rules of its office hours' time zone.

use jiff::tz::TimeZone;
use shared::site::SiteBundle;
use std::sync::OnceLock;

static BUNDLE_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/site.json"));
/// TZif data of `[handoff.office_hours] time_zone`; empty without office hours.
static TIME_ZONE_TZIF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/time_zone.tzif"));

/// The owner's configuration and content, parsed once per isolate.
pub fn bundle() -> &'static SiteBundle {
    static SITE: OnceLock<SiteBundle> = OnceLock::new();
    // build.rs validated and wrote this JSON, so it parses.
    SITE.get_or_init(|| serde_json::from_str(BUNDLE_JSON).expect("site bundle written by build.rs"))
}

/// The office hours' time zone, parsed once per isolate; none without office hours.
pub fn time_zone() -> Option<&'static TimeZone> {
    static ZONE: OnceLock<Option<TimeZone>> = OnceLock::new();
    ZONE.get_or_init(|| {
        let name = &bundle().agent.handoff.as_ref()?.office_hours.as_ref()?.time_zone;
        // build.rs took these bytes from the time-zone database for this very name.
        Some(TimeZone::tzif(name, TIME_ZONE_TZIF).expect("TZif data written by build.rs"))
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_compiled_in_site_parses() {
        assert!(!super::bundle().agent.name.is_empty());
    }

    #[test]
    fn the_office_hours_time_zone_is_compiled_in_when_configured() {
        let configured = super::bundle().agent.handoff.as_ref().and_then(|h| h.office_hours.as_ref()).is_some();
        assert_eq!(super::time_zone().is_some(), configured);
    }
}

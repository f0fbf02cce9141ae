//! Where every part of the inbox reports: one alert region and one status region.

use crate::state::Inbox;
use leptos::prelude::*;

/// The alert region (errors, with the server's words) and the polite status region (what just
/// changed). Both exist from the start, empty, so screen readers announce what is put in them.
#[component]
pub fn Notices(inbox: Inbox) -> impl IntoView {
    view! {
        <div class="notices">
            <div role="alert" class="error">{move || inbox.error.get()}</div>
            <div role="status" class="notice">{move || inbox.notice.get()}</div>
        </div>
    }
}

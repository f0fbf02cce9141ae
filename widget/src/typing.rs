//! Typing notices from this side of a live conversation (the visitor's in the widget, an agent's
//! in the inbox), throttled the same way for both: "typing" at most every half idle period while
//! keys are pressed, and "stopped" after an idle period without one or when the text is sent.

use leptos::task::spawn_local;
use std::cell::Cell;

/// Whether a key sends the message being typed: Enter, without Shift (a new line), and not while
/// an input method is composing a character.
pub fn sends(e: &web_sys::KeyboardEvent) -> bool {
    e.key() == "Enter" && !e.shift_key() && !e.is_composing()
}

/// Seconds without a keystroke after which the typist counts as no longer typing.
const IDLE_SECONDS: f64 = 4.0;

thread_local! {
    /// When "typing" was last said (ms), 0 when not typing.
    static SINCE: Cell<f64> = const { Cell::new(0.0) };
}

/// A key was pressed: `say(true)` unless said recently, then `say(false)` after a pause.
pub fn keystroke(say: fn(bool)) {
    let now = js_sys::Date::now();
    let since = SINCE.with(Cell::get);
    if since == 0.0 || now - since > IDLE_SECONDS * 1000.0 / 2.0 {
        SINCE.with(|t| t.set(now));
        say(true);
        spawn_local(async move {
            crate::dom::sleep(IDLE_SECONDS as u64).await;
            if SINCE.with(Cell::get) == now {
                SINCE.with(|t| t.set(0.0));
                say(false);
            }
        });
    }
}

/// The text was sent: `say(false)` if "typing" was said.
pub fn stopped(say: fn(bool)) {
    if SINCE.with(Cell::get) > 0.0 {
        SINCE.with(|t| t.set(0.0));
        say(false);
    }
}

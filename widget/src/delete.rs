//! "Delete this conversation": the confirmation under the header, drawn with plain DOM calls
//! (as a Leptos view it cost the widget about 4 KB brotli; see `dom`).

use crate::chat::Chat;
use crate::dom::{add, el, el_text, focus, on, set};
use web_sys::Element;

/// Shows the confirmation under the header that holds `toggle` (the delete button), or hides it
/// when it is already shown. Nothing is deleted until the visitor confirms.
pub fn toggle_confirmation(chat: Chat, toggle: &Element) {
    let Some(header) = toggle.parent_element() else {
        return;
    };
    if let Some(shown) = header.next_element_sibling().filter(|e| e.class_name() == "confirm-delete") {
        close(&shown, toggle);
        return;
    }
    let panel =
        el("div", &[("class", "confirm-delete"), ("role", "group"), ("aria-label", "Delete this conversation?")]);
    add(
        &panel,
        &el_text("p", &[], "Delete this conversation? Its messages and anything you submitted are erased for good."),
    );
    let delete = el_text("button", &[("type", "button"), ("class", "danger")], "Delete conversation");
    let keep = el_text("button", &[("type", "button")], "Keep it");
    add(&panel, &delete);
    add(&panel, &keep);
    let (p, t) = (panel.clone(), toggle.clone());
    on(&delete, "click", move |_| {
        close(&p, &t);
        chat.delete_conversation();
    });
    let (p, t) = (panel.clone(), toggle.clone());
    on(&keep, "click", move |_| {
        close(&p, &t);
        focus(&t);
    });
    if let Some(parent) = header.parent_node() {
        let _ = parent.insert_before(&panel, header.next_sibling().as_ref());
    }
    set(toggle, "aria-expanded", Some("true"));
    // The harmless choice gets the focus.
    focus(&keep);
}

fn close(panel: &Element, toggle: &Element) {
    panel.remove();
    set(toggle, "aria-expanded", Some("false"));
}

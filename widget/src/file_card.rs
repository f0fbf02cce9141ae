//! A file in the chat, the visitor's or an agent's: a picture is shown, anything else is a link
//! that saves it (so is the picture). Both are read with the conversation's token
//! (`api::file_url`): an `<img src>` or a link could not send it. Drawn with `dom` calls, not a
//! Leptos view: the widget's size budget (see `dom`).

use crate::chat::Chat;
use crate::dom::{add, el, el_text};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Attachment;
use web_sys::Element;

/// A stored message's bubble: its text, then its file when it carries one (one directive, not a
/// view of its own: each view type costs the widget kilobytes).
pub fn bubble(holder: Element, (chat, text, attachment): (Chat, String, Option<Attachment>)) {
    crate::message_text::markdown(holder.clone(), text);
    if let Some(attachment) = attachment {
        file_card(&holder, chat, attachment);
    }
}

/// Adds the file `attachment` of the chat's conversation to `holder`: a link that saves it, with
/// the picture inside for a picture. The link works once the file is read.
fn file_card(holder: &Element, chat: Chat, attachment: Attachment) {
    let label = format!("{} ({})", attachment.name, shared::attachment::size_in_words(attachment.size));
    let picture = attachment.content_type.starts_with("image/");
    let link = if picture { el("a", &[]) } else { el_text("a", &[("class", "file")], &format!("Save {label}")) };
    let _ = link.set_attribute("download", &attachment.name);
    let image = el("img", &[("alt", &label)]);
    if picture {
        add(&link, &image);
    }
    add(holder, &link);
    spawn_local(async move {
        let Some(session) = chat.session.get_untracked() else { return };
        if let Ok(url) = crate::api::file_url(&session, &attachment.id).await {
            let _ = link.set_attribute("href", &url);
            let _ = image.set_attribute("src", &url);
        }
    });
}

//! Message text drawn from the Markdown tree node by node, with plain DOM calls (see `dom.rs`):
//! no string is ever parsed as HTML. Leptos views for the seven kinds of node cost the widget
//! kilobytes; a directive (`use:markdown`) fills the element while Leptos builds it.

use crate::dom::{add, el, el_text};
use shared::markdown::{parse, Block, Inline};
use web_sys::Element;

/// Appends `text`, formatted, to `bubble`: `<div class="bubble" use:markdown=text>`. Runs once,
/// when the element is built (a message's line is never rebuilt with other text). Never inlined:
/// its callers (this directive, the stored message's bubble) share one copy.
#[inline(never)]
pub fn markdown(bubble: Element, text: String) {
    for block in parse(&text) {
        match block {
            Block::Paragraph(inlines) => add(&bubble, &inline(el("p", &[]), inlines)),
            Block::List { ordered, items } => {
                let list = el(if ordered { "ol" } else { "ul" }, &[]);
                for item in items {
                    add(&list, &inline(el("li", &[]), item));
                }
                add(&bubble, &list);
            }
        }
    }
}

/// Appends `inlines` to `parent`, and returns it.
fn inline(parent: Element, inlines: Vec<Inline>) -> Element {
    for node in inlines {
        match node {
            Inline::Text(text) => {
                let _ = parent.append_with_str_1(&text);
            }
            Inline::Strong(text) => add(&parent, &el_text("strong", &[], &text)),
            Inline::Link { text, href } => add(
                &parent,
                &el_text("a", &[("href", &href), ("target", "_blank"), ("rel", "noopener noreferrer")], &text),
            ),
            Inline::Break => add(&parent, &el("br", &[])),
        }
    }
    parent
}

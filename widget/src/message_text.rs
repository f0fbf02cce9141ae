//! Message text drawn from the Markdown tree node by node: no string is ever parsed as HTML.

use leptos::prelude::*;
use shared::markdown::{parse, Block, Inline};

/// A message's formatted text.
#[component]
pub fn MessageText(text: String) -> impl IntoView {
    parse(&text)
        .into_iter()
        .map(|block| match block {
            Block::Paragraph(inlines) => view! { <p>{inline_views(inlines)}</p> }.into_any(),
            Block::List { ordered: true, items } => view! { <ol>{list_items(items)}</ol> }.into_any(),
            Block::List { ordered: false, items } => view! { <ul>{list_items(items)}</ul> }.into_any(),
        })
        .collect_view()
}

fn list_items(items: Vec<Vec<Inline>>) -> impl IntoView {
    items.into_iter().map(|i| view! { <li>{inline_views(i)}</li> }).collect_view()
}

fn inline_views(inlines: Vec<Inline>) -> impl IntoView {
    inlines
        .into_iter()
        .map(|inline| match inline {
            Inline::Text(t) => t.into_any(),
            Inline::Strong(t) => view! { <strong>{t}</strong> }.into_any(),
            Inline::Link { text, href } => {
                view! { <a href=href target="_blank" rel="noopener noreferrer">{text}</a> }.into_any()
            }
            Inline::Break => view! { <br /> }.into_any(),
        })
        .collect_view()
}

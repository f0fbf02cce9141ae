//! Canned replies, managed in the inbox (`#canned`): every agent sees the team's and their own,
//! makes and changes their own, and admins the team's. What the edge refuses is said beside the
//! field it names.

use crate::api::{self, Failure};
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::canned::{CannedDraft, CannedReply, Scope, VARIABLES};
use shared::inbox::Role;

/// The page.
#[component]
pub fn CannedPage(inbox: Inbox) -> impl IntoView {
    let admin = inbox.me.with_untracked(|m| m.as_ref().is_some_and(|m| m.role == Role::Admin));
    // The reply being changed (`None`: a new one), and the form's fields.
    let editing = RwSignal::new(None::<String>);
    let shortcut = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let problem = RwSignal::new(None::<(String, String)>);
    let saving = RwSignal::new(false);
    inbox.reload_canned();
    let clear = move || {
        editing.set(None);
        shortcut.set(String::new());
        text.set(String::new());
        shared.set(false);
        problem.set(None);
    };
    let edit = move |r: CannedReply| {
        editing.set(Some(r.id));
        shortcut.set(r.shortcut);
        text.set(r.text);
        shared.set(r.scope == Scope::Shared);
        problem.set(None);
        if let Some(e) =
            web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("canned-shortcut"))
        {
            crate::dom::focus(&e);
        }
    };
    let save = move |e: ev::SubmitEvent| {
        e.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let draft = CannedDraft {
            shortcut: shortcut.get_untracked(),
            text: text.get_untracked(),
            scope: if shared.get_untracked() { Scope::Shared } else { Scope::Personal },
        };
        let id = editing.get_untracked();
        saving.set(true);
        spawn_local(async move {
            let result = api::save_canned(id.as_deref(), &draft).await;
            saving.set(false);
            match result {
                Ok(()) => {
                    inbox
                        .notice
                        .set(format!("Saved /{}.", draft.shortcut.trim().trim_start_matches('/').to_lowercase()));
                    inbox.error.set(None);
                    clear();
                    inbox.reload_canned();
                }
                Err(Failure::Rejected { message, field, .. }) => {
                    let field = field.unwrap_or_else(|| "shortcut".into());
                    problem.set(Some((field, message.clone())));
                    inbox.error.set(Some(format!("Not saved: {message}")));
                }
                Err(e) => inbox.fail(e),
            }
        });
    };
    let remove = move |r: CannedReply| {
        spawn_local(async move {
            match api::delete_canned(&r.id).await {
                Ok(()) => {
                    inbox.notice.set(format!("Deleted /{}.", r.shortcut));
                    inbox.reload_canned();
                }
                Err(e) => inbox.fail(e),
            }
        });
    };
    let problem_of = move |field: &'static str| {
        move || problem.with(|p| p.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.clone()))
    };
    let variables = VARIABLES.iter().map(|v| format!("{{{{{v}}}}}")).collect::<Vec<_>>().join(", ");
    view! {
        <main class="console canned" id="main" tabindex="-1">
            <crate::notices::Notices inbox=inbox />
            <section aria-labelledby="canned-title">
                <h2 id="canned-title">"Canned replies"</h2>
                <p class="muted">
                    "Type / and a shortcut in the reply box to insert one. Your own are yours alone; the team's are shared, and admins change them."
                </p>
                {move || {
                    let replies = inbox.canned.get();
                    if replies.is_empty() {
                        return view! { <p class="empty">"No canned replies yet."</p> }.into_any();
                    }
                    view! {
                        <table>
                            <caption class="sr-only">"Canned replies"</caption>
                            <thead><tr><th scope="col">"Shortcut"</th><th scope="col">"Reply"</th><th scope="col">"For"</th><th scope="col">"Change"</th></tr></thead>
                            <tbody>
                                {replies.into_iter().map(|r| {
                                    let (for_edit, for_delete) = (r.clone(), r.clone());
                                    let name = format!("/{}", r.shortcut);
                                    view! {
                                        <tr>
                                            <th scope="row">{name.clone()}</th>
                                            <td class="canned-text">{r.text.clone()}</td>
                                            <td>{if r.scope == Scope::Shared { "The team" } else { "You" }}</td>
                                            <td>{r.editable.then(|| view! {
                                                <button type="button" class="secondary" aria-label=format!("Edit {name}")
                                                    on:click=move |_| edit(for_edit.clone())>"Edit"</button>
                                                " "
                                                <button type="button" class="secondary" aria-label=format!("Delete {name}")
                                                    on:click=move |_| remove(for_delete.clone())>"Delete"</button>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section aria-labelledby="canned-form-title">
                <h2 id="canned-form-title">{move || if editing.get().is_some() { "Change a canned reply" } else { "New canned reply" }}</h2>
                <form class="canned-form" on:submit=save>
                    <p>
                        <label for="canned-shortcut">"Shortcut"</label>
                        <input id="canned-shortcut" type="text" autocomplete="off" placeholder="refund"
                            aria-describedby="canned-shortcut-error"
                            aria-invalid=move || problem_of("shortcut")().is_some().then_some("true")
                            prop:value=move || shortcut.get() on:input=move |e| shortcut.set(event_target_value(&e)) />
                        <span id="canned-shortcut-error" class="error">{problem_of("shortcut")}</span>
                    </p>
                    <p>
                        <label for="canned-text">"Reply"</label>
                        <textarea id="canned-text" rows="4" aria-describedby="canned-text-hint canned-text-error"
                            aria-invalid=move || problem_of("text")().is_some().then_some("true")
                            prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))></textarea>
                        <span id="canned-text-hint" class="muted">{format!("Variables filled from the conversation: {variables}.")}</span>
                        <span id="canned-text-error" class="error">{problem_of("text")}</span>
                    </p>
                    {admin.then(|| view! {
                        <p>
                            <label>
                                <input type="checkbox" prop:checked=move || shared.get()
                                    on:change=move |e| shared.set(event_target_checked(&e)) />
                                " For the whole team"
                            </label>
                        </p>
                    })}
                    <p class="canned-buttons">
                        <button type="submit" class="primary" disabled=move || saving.get()>
                            {move || if editing.get().is_some() { "Save changes" } else { "Add canned reply" }}
                        </button>
                        " "
                        {move || editing.get().is_some().then(|| view! {
                            <button type="button" class="secondary" on:click=move |_| clear()>"Cancel"</button>
                        })}
                    </p>
                </form>
            </section>
        </main>
    }
}

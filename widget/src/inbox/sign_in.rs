//! The sign-in form: email and password; a refusal (wrong password, locked for a while) is
//! announced in the alert region with the server's words.

use crate::notices::Notices;
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Sign-in page.
#[component]
pub fn SignIn(inbox: Inbox) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submitting = RwSignal::new(false);
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        if submitting.get_untracked() {
            return;
        }
        submitting.set(true);
        spawn_local(async move {
            let result = crate::api::sign_in(email.get_untracked().trim(), &password.get_untracked()).await;
            submitting.set(false);
            match result {
                Ok(me) => {
                    inbox.notice.set(format!("Signed in as {}.", me.name));
                    inbox.signed_in(me);
                }
                Err(e) => inbox.error.set(Some(e.describe())),
            }
        });
    };
    view! {
        <main class="sign-in">
            <h1>"Inbox sign-in"</h1>
            <p>"Sign in with the email and password your administrator gave you."</p>
            <Notices inbox=inbox />
            <form on:submit=submit>
                <label for="sign-in-email">"Email"</label>
                <input id="sign-in-email" type="email" autocomplete="username" required
                    prop:value=move || email.get()
                    on:input=move |e| email.set(event_target_value(&e)) />
                <label for="sign-in-password">"Password"</label>
                <input id="sign-in-password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get()
                    on:input=move |e| password.set(event_target_value(&e)) />
                <button type="submit" class="primary" disabled=move || submitting.get()>
                    {move || if submitting.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}

//! The console's Team page (admins): every agent with their role, status and open sessions; add
//! an agent, give or take the admin role, disable or enable, end their sessions, set a new
//! password (which ends their sessions too). The edge refuses an admin locking themselves out.

use crate::api;
use crate::console_api;
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::console::{NewAgent, TeamMember};
use shared::inbox::Role;

/// The team's table and the form that adds an agent.
#[component]
pub fn TeamPage(inbox: Inbox) -> impl IntoView {
    let team = RwSignal::new(None::<Vec<TeamMember>>);
    let reload = move || {
        spawn_local(async move {
            match console_api::team().await {
                Ok(t) => team.set(Some(t.agents)),
                Err(e) => inbox.fail(e),
            }
        })
    };
    reload();
    view! {
        <main class="console" id="main" tabindex="-1">
            <crate::notices::Notices inbox=inbox />
            <section aria-labelledby="team-title">
                <h2 id="team-title">"Team"</h2>
                {move || match team.get() {
                    None => view! { <p role="status">"Loading the team…"</p> }.into_any(),
                    Some(members) => view! {
                        <table class="actions">
                            <caption class="sr-only">"Agents"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Agent"</th>
                                    <th scope="col">"Email"</th>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Sessions"</th>
                                    <th scope="col">"Manage"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {members.into_iter().map(|m| view! { <Member inbox=inbox member=m reload=reload /> }).collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any(),
                }}
            </section>
            <AddAgent inbox=inbox reload=reload />
        </main>
    }
}

/// Runs `call`, then says `done`; or shows why not. The team is read again either way, so the
/// page never shows what the edge refused.
fn act(
    inbox: Inbox,
    reload: impl Fn() + 'static,
    done: String,
    call: impl std::future::Future<Output = Result<(), api::Failure>> + 'static,
) {
    spawn_local(async move {
        match call.await {
            Ok(()) => {
                inbox.error.set(None);
                inbox.notice.set(done);
                reload();
            }
            Err(e) => {
                inbox.fail(e);
                reload();
            }
        }
    });
}

#[component]
fn Member(inbox: Inbox, member: TeamMember, reload: impl Fn() + Copy + 'static) -> impl IntoView {
    let TeamMember { agent, disabled, sessions } = member;
    let (id, name) = (StoredValue::new(agent.id.clone()), agent.name.clone());
    let new_password = RwSignal::new(String::new());
    // A button, not a select that acts on change: an arrow key on a closed select must not grant
    // or take the admin role.
    let (to_role, role_label) = match agent.role {
        Role::Admin => (Role::Agent, format!("Make {name} an agent")),
        Role::Agent => (Role::Admin, format!("Make {name} an admin")),
    };
    let change_role = {
        let name = name.clone();
        move |_| {
            let word = if to_role == Role::Admin { "an admin" } else { "an agent" };
            act(inbox, reload, format!("{name} is now {word}."), async move {
                console_api::set_role(&id.get_value(), to_role).await
            });
        }
    };
    let toggle = {
        let name = name.clone();
        move |_| {
            let word = if disabled { "enabled" } else { "disabled; their sessions ended" };
            act(inbox, reload, format!("{name} is {word}."), async move {
                console_api::set_disabled(&id.get_value(), !disabled).await
            });
        }
    };
    let end = {
        let name = name.clone();
        move |_| {
            act(inbox, reload, format!("{name} is signed out everywhere."), async move {
                console_api::end_sessions(&id.get_value()).await
            })
        }
    };
    let set_password = {
        let name = name.clone();
        move |e: ev::SubmitEvent| {
            e.prevent_default();
            let password = new_password.get_untracked();
            new_password.set(String::new());
            act(inbox, reload, format!("{name} has a new password; their sessions ended."), async move {
                console_api::set_password(&id.get_value(), &password).await
            });
        }
    };
    let password_id = format!("password-{}", agent.id);
    view! {
        <tr>
            <th scope="row">{name.clone()}</th>
            <td>{agent.email.clone()}</td>
            <td>
                {if agent.role == Role::Admin { "Admin" } else { "Agent" }}
                " "
                <button type="button" class="secondary" on:click=change_role>{role_label}</button>
            </td>
            <td>{if disabled { "Disabled" } else { "Active" }}</td>
            <td>{sessions.to_string()}</td>
            <td class="manage">
                <button type="button" class="secondary" on:click=toggle>
                    {format!("{} {name}", if disabled { "Enable" } else { "Disable" })}
                </button>
                <button type="button" class="secondary" on:click=end disabled=sessions == 0>
                    {format!("Sign {name} out everywhere")}
                </button>
                <form on:submit=set_password>
                    <label for=password_id.clone()>{format!("New password for {name}")}</label>
                    <input id=password_id type="password" autocomplete="new-password" minlength="12" maxlength="256"
                        prop:value=move || new_password.get() on:input=move |e| new_password.set(event_target_value(&e)) />
                    <button type="submit" class="secondary" disabled=move || new_password.with(|p| p.chars().count() < 12)>
                        "Set password"
                    </button>
                </form>
            </td>
        </tr>
    }
}

#[component]
fn AddAgent(inbox: Inbox, reload: impl Fn() + Copy + 'static) -> impl IntoView {
    let (name, email, password) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let admin = RwSignal::new(false);
    let add = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let agent = NewAgent {
            email: email.get_untracked().trim().to_string(),
            name: name.get_untracked().trim().to_string(),
            role: if admin.get_untracked() { Role::Admin } else { Role::Agent },
            password: password.get_untracked(),
        };
        let done = format!("{} can sign in now.", agent.name);
        act(inbox, reload, done, async move {
            console_api::add_agent(&agent).await.map(|_| {
                name.set(String::new());
                email.set(String::new());
                password.set(String::new());
                admin.set(false);
            })
        });
    };
    view! {
        <section class="add-agent" aria-labelledby="add-agent-title">
            <h3 id="add-agent-title">"Add an agent"</h3>
            <form on:submit=add>
                <p><label for="new-name">"Name"</label>
                    <input id="new-name" type="text" required maxlength="80" autocomplete="off"
                        prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) /></p>
                <p><label for="new-email">"Email"</label>
                    <input id="new-email" type="email" required autocomplete="off"
                        prop:value=move || email.get() on:input=move |e| email.set(event_target_value(&e)) /></p>
                <p><label for="new-password">"Password"</label>
                    <input id="new-password" type="password" required minlength="12" maxlength="256" autocomplete="new-password"
                        aria-describedby="new-password-hint"
                        prop:value=move || password.get() on:input=move |e| password.set(event_target_value(&e)) />
                    <span id="new-password-hint" class="muted">"12 to 256 characters; tell it to them another way."</span></p>
                <p class="check"><input id="new-admin" type="checkbox" prop:checked=move || admin.get()
                        on:change=move |e| admin.set(event_target_checked(&e)) />
                    <label for="new-admin">"Admin (the console and every admin route)"</label></p>
                <button type="submit" class="primary">"Add agent"</button>
            </form>
        </section>
    }
}

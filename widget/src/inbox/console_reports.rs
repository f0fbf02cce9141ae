//! The owner's reports, for admins: per day over a chosen range (in the admin's own time zone),
//! small bar charts drawn as SVG here (no chart library: a few rectangles say enough) with the
//! numbers beside them in tables; handoffs by reason, actions' runs, the questions the AI could
//! not answer (each linked to its conversations), and every table as a CSV file from the edge.

use crate::api;
use crate::console_api;
use crate::state::Inbox;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::report::{Day, Report, AI_RESOLVED_DEFINITION};

/// `YYYY-MM-DD` of a local date `days` from today.
fn local_day(days: i32) -> String {
    let now = js_sys::Date::new_0();
    let d = js_sys::Date::new_with_year_month_day(
        now.get_full_year(),
        now.get_month() as i32,
        now.get_date() as i32 + days,
    );
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

/// Minutes east of UTC, as the browser's clock says today.
fn offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// The query of a report of `from`–`to`.
fn query(from: &str, to: &str) -> String {
    format!("from={}&to={}&offset_minutes={}", api::encode(from), api::encode(to), offset_minutes())
}

/// The Reports page.
#[component]
pub fn ReportsPage(inbox: Inbox) -> impl IntoView {
    let from = RwSignal::new(local_day(-6));
    let to = RwSignal::new(local_day(0));
    let report = RwSignal::new(None::<Report>);
    let loading = RwSignal::new(false);
    let load = move || {
        let q = query(&from.get_untracked(), &to.get_untracked());
        loading.set(true);
        spawn_local(async move {
            match console_api::report(&q).await {
                Ok(r) => {
                    inbox.error.set(None);
                    inbox.notice.set(format!("Report for {} to {} shown.", r.from, r.to));
                    report.set(Some(r));
                }
                Err(e) => inbox.fail(e),
            }
            loading.set(false);
        });
    };
    load();
    let show = move |e: ev::SubmitEvent| {
        e.prevent_default();
        load();
    };
    view! {
        <main class="console reports" id="main" tabindex="-1">
            <crate::notices::Notices inbox=inbox />
            <section aria-labelledby="reports-title">
                <h2 id="reports-title">"Reports"</h2>
                <form class="filters" on:submit=show>
                    <label for="report-from">"From"</label>
                    <input id="report-from" type="date" prop:value=move || from.get() on:input=move |e| from.set(event_target_value(&e)) />
                    <label for="report-to">"To"</label>
                    <input id="report-to" type="date" prop:value=move || to.get() on:input=move |e| to.set(event_target_value(&e)) />
                    <button type="submit" class="primary" disabled=move || loading.get()>"Show"</button>
                </form>
                <p class="muted">{AI_RESOLVED_DEFINITION}</p>
            </section>
            {move || report.get().map(|r| view! { <Figures report=r /> })}
        </main>
    }
}

/// A CSV link for one table of `report`.
fn csv_link(report: &Report, table: &str, label: &str) -> impl IntoView {
    let href = format!("/api/v1/admin/reports.csv?table={table}&{}", query(&report.from, &report.to));
    view! { <a class="csv" href=href download="">{format!("Download {label} as CSV")}</a> }
}

#[component]
fn Figures(report: Report) -> impl IntoView {
    let days = report.days.clone();
    let total = |f: fn(&Day) -> u64| days.iter().map(f).sum::<u64>();
    let conversations = total(|d| u64::from(d.conversations));
    let resolved = total(|d| u64::from(d.ai_resolved));
    let handed = total(|d| u64::from(d.handed_off));
    let rate = (resolved * 100).checked_div(conversations).map_or("—".to_string(), |r| format!("{r}%"));
    let count = |f: fn(&Day) -> f64| days.iter().map(|d| Some(f(d))).collect::<Vec<_>>();
    let charts: Vec<(&'static str, Vec<Option<f64>>)> = vec![
        ("Conversations", count(|d| f64::from(d.conversations))),
        ("Resolved by the AI", count(|d| f64::from(d.ai_resolved))),
        ("Handed off", count(|d| f64::from(d.handed_off))),
        // A day nobody rated is a gap, not a zero.
        ("Average rating", days.iter().map(|d| d.average_rating).collect()),
        ("Model tokens", count(|d| (d.prompt_tokens + d.completion_tokens) as f64)),
    ];
    let labels: Vec<String> = days.iter().map(|d| d.day.clone()).collect();
    view! {
        <section aria-labelledby="summary-heading">
            <h3 id="summary-heading">"Summary"</h3>
            <p>{format!("{conversations} conversations, {resolved} resolved by the AI ({rate}), {handed} handed off. Read in {} ms.", report.query_ms)}</p>
            <div class="charts">
                {charts.into_iter().map(|(name, values)| view! { <Chart name=name labels=labels.clone() values=values /> }).collect_view()}
            </div>
        </section>
        <section aria-labelledby="days-heading">
            <h3 id="days-heading">"Per day"</h3>
            <table class="report">
                <caption class="sr-only">"Per day"</caption>
                <thead><tr>
                    <th scope="col">"Day"</th><th scope="col">"Conversations"</th><th scope="col">"Resolved by the AI"</th>
                    <th scope="col">"Handed off"</th><th scope="col">"Median wait for a person"</th><th scope="col">"Median first reply"</th>
                    <th scope="col">"Ratings"</th><th scope="col">"Average rating"</th><th scope="col">"Model turns"</th><th scope="col">"Model calls"</th><th scope="col">"Tokens"</th>
                </tr></thead>
                <tbody>
                    {days.iter().map(|d| view! {
                        <tr>
                            <th scope="row">{d.day.clone()}</th>
                            <td>{d.conversations}</td><td>{d.ai_resolved}</td><td>{d.handed_off}</td>
                            <td>{seconds(d.median_join_s)}</td><td>{seconds(d.median_first_reply_s)}</td>
                            <td>{d.ratings}</td><td>{d.average_rating.map_or("—".into(), |a| format!("{a:.1}"))}</td>
                            <td>{d.model_turns}</td><td>{d.model_calls}</td><td>{(d.prompt_tokens + d.completion_tokens).to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {csv_link(&report, "days", "the days")}
        </section>
        <section aria-labelledby="reasons-heading">
            <h3 id="reasons-heading">"Handoffs by reason"</h3>
            {if report.handoff_reasons.is_empty() {
                view! { <p class="muted">"No handoffs."</p> }.into_any()
            } else {
                view! {
                    <table class="report">
                        <caption class="sr-only">"Handoffs by reason"</caption>
                        <thead><tr><th scope="col">"Reason"</th><th scope="col">"Handoffs"</th></tr></thead>
                        <tbody>{report.handoff_reasons.iter().map(|r| view! {
                            <tr><th scope="row">{r.reason.clone()}</th><td>{r.count}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
            {csv_link(&report, "reasons", "the reasons")}
        </section>
        <section aria-labelledby="report-actions-heading">
            <h3 id="report-actions-heading">"Actions"</h3>
            {if report.actions.is_empty() {
                view! { <p class="muted">"No action ran for a visitor."</p> }.into_any()
            } else {
                view! {
                    <table class="report">
                        <caption class="sr-only">"Actions"</caption>
                        <thead><tr><th scope="col">"Action"</th><th scope="col">"Runs"</th><th scope="col">"Failures"</th><th scope="col">"Median duration"</th></tr></thead>
                        <tbody>{report.actions.iter().map(|a| view! {
                            <tr><th scope="row">{a.action.clone()}</th><td>{a.runs}</td><td>{a.failures}</td>
                                <td>{a.median_ms.map_or("—".into(), |m| format!("{m} ms"))}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
            {csv_link(&report, "actions", "the actions")}
        </section>
        <section aria-labelledby="unanswered-heading">
            <h3 id="unanswered-heading">"Questions the AI could not answer"</h3>
            <p class="muted">"The help pages to write next: each question as visitors asked it, how often, and where."</p>
            {if report.unanswered.is_empty() {
                view! { <p class="muted">"None: every question had an answer."</p> }.into_any()
            } else {
                view! {
                    <ol class="unanswered">{report.unanswered.iter().map(|u| view! {
                        <li>
                            <q>{u.question.clone()}</q>{format!(" — asked {} time{}", u.count, if u.count == 1 { "" } else { "s" })}
                            <ul class="links">{u.conversations.iter().enumerate().map(|(i, id)| view! {
                                <li><a href=format!("#conversation={id}")>{format!("Conversation {}", i + 1)}</a></li>
                            }).collect_view()}</ul>
                        </li>
                    }).collect_view()}</ol>
                }.into_any()
            }}
            {csv_link(&report, "unanswered", "the questions")}
        </section>
    }
}

/// "2 min 5 s" for a number of seconds; "—" for none.
fn seconds(s: Option<u64>) -> String {
    match s {
        None => "—".into(),
        Some(s) if s < 60 => format!("{s} s"),
        Some(s) => format!("{} min {} s", s / 60, s % 60),
    }
}

/// A small bar chart of one daily series: an image whose name says every value (the table beside
/// it holds them too).
#[component]
fn Chart(name: &'static str, labels: Vec<String>, values: Vec<Option<f64>>) -> impl IntoView {
    const W: f64 = 240.0;
    const H: f64 = 60.0;
    let top = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    let step = W / values.len().max(1) as f64;
    let spoken = labels
        .iter()
        .zip(&values)
        .map(|(l, v)| match v {
            None => format!("{l}: none"),
            Some(v) if v.fract() == 0.0 => format!("{l}: {v}"),
            Some(v) => format!("{l}: {v:.1}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <figure class="chart">
            <figcaption>{name}</figcaption>
            <svg role="img" aria-label=format!("{name} per day. {spoken}") viewBox=format!("0 0 {W} {H}") width=W height=H>
                {values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).map(|(i, v)| {
                    let h = if top > 0.0 { v / top * (H - 2.0) } else { 0.0 };
                    view! { <rect x=i as f64 * step + 1.0 y=H - h width=(step - 2.0).max(1.0) height=h></rect> }
                }).collect_view()}
            </svg>
        </figure>
    }
}

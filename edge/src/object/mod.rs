//! A conversation's Durable Object as plain code the native tests run (`conversation`): which
//! store serves a request, when its journal must reach D1 (`flush`), which requests ask D1 for
//! the conversation's tombstone, sockets accepted and pushed to in stored order. The runtime's
//! side (workerd's sockets, alarm and SQLite) is `glue::live`.

pub mod conversation;
pub mod flush;

use crate::api::routes::Route;

/// Whether a request asks D1, alongside its answer, whether the conversation was erased while
/// its object missed being told (`Replica::unless_erased`). Every request does but a visitor's
/// message or click: what those answer is the visitor's own message and the reply to it, and
/// their journal reaching D1 (within `conversation::FLUSH_DELAY_MS`) finds an erased conversation
/// gone and drops the copy; reading the history, a live socket's backlog, the inbox's detail, a
/// form, attributes all ask, so an erased conversation's token opens nothing of it. (Asking on
/// every message too cost a local post a third of its speed: a D1 read each.)
pub fn asks_for_tombstone(route: &Route) -> bool {
    !route.is_visitor_turn()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_of_a_conversation_ask_for_its_tombstone_and_a_visitors_turn_leaves_it_to_the_flush() {
        for route in [
            Route::ListMessages("c1".into()),
            Route::Live("c1".into()),
            Route::InboxConversation("c1".into()),
            Route::InboxWatch("c1".into()),
            Route::SubmitForm("c1".into(), "m".into()),
            Route::SetAttributes("c1".into()),
        ] {
            assert!(asks_for_tombstone(&route), "{route:?}");
        }
        assert!(!asks_for_tombstone(&Route::PostMessage("c1".into())));
        assert!(!asks_for_tombstone(&Route::ClickButton("c1".into(), "m".into(), "b".into())));
    }
}

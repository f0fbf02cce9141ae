//! An agent's live socket lasts only as long as the session it was opened under: before every push
//! and every frame, the sockets opened under agents' sessions are checked against the store, and
//! those whose session ended — signed out, expired, the agent disabled or its sessions revoked —
//! are closed and sent nothing more. Visitors' sockets carry no session and are not checked here
//! (their token opens the conversation for as long as it exists).

use crate::store::{AgentStore, StoreError};

/// The close code an ended session's socket gets (an application code: the inbox signs in again
/// instead of reconnecting).
pub const CLOSE_SESSION_ENDED: u16 = 4401;

/// Which of the sockets (given by the session hash each was opened under, if any) must be closed
/// at `now_ms`: their session is no longer live. No session among them: the store is not asked.
pub async fn ended<A: AgentStore>(store: &A, sessions: &[Option<&str>], now_ms: u64) -> Result<Vec<bool>, StoreError> {
    let mut asked: Vec<String> = sessions.iter().flatten().map(|s| s.to_string()).collect();
    if asked.is_empty() {
        return Ok(vec![false; sessions.len()]);
    }
    asked.sort();
    asked.dedup();
    let live = store.live_sessions(&asked, now_ms).await?;
    Ok(sessions.iter().map(|s| s.is_some_and(|s| !live.iter().any(|l| l == s))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::tests::block_on;
    use crate::store::{Agent, AgentAccount, Role};

    #[test]
    fn a_socket_outlives_neither_sign_out_nor_expiry_nor_disabling_nor_revocation() {
        let store = crate::store::sqlite::Sqlite::store();
        let account = |id: &str| AgentAccount {
            agent: Agent { id: id.into(), email: format!("{id}@x.example"), name: id.into(), role: Role::Agent },
            password_hash: String::new(),
            disabled: false,
        };
        block_on(store.add_agent(&account("sam"), 0)).unwrap();
        block_on(store.add_agent(&account("kim"), 0)).unwrap();
        block_on(store.open_session("s1", "sam", 0, 1_000)).unwrap();
        block_on(store.open_session("s2", "sam", 0, 9_000)).unwrap();
        block_on(store.open_session("k1", "kim", 0, 9_000)).unwrap();
        // A visitor's socket, Sam's two tabs, Kim's tab.
        let sockets = [None, Some("s1"), Some("s2"), Some("k1")];
        assert_eq!(block_on(ended(&store, &sockets, 10)).unwrap(), [false, false, false, false]);
        assert_eq!(block_on(ended(&store, &sockets, 1_000)).unwrap(), [false, true, false, false], "expired");
        block_on(store.close_session("k1")).unwrap();
        assert_eq!(block_on(ended(&store, &sockets, 10)).unwrap(), [false, false, false, true], "signed out");
        block_on(store.set_disabled("sam", true)).unwrap();
        assert_eq!(block_on(ended(&store, &sockets, 10)).unwrap(), [false, true, true, true], "disabled");
        block_on(store.set_disabled("sam", false)).unwrap();
        block_on(store.end_sessions("sam")).unwrap();
        assert_eq!(block_on(ended(&store, &sockets, 10)).unwrap(), [false, true, true, true], "revoked");
        assert_eq!(block_on(ended(&store, &[None, None], 10)).unwrap(), [false, false], "visitors only");
    }
}

//! The agent and session part of the store contract: memory and SQL (on SQLite) agree.

use super::agents::{AddAgentError, Agent, AgentAccount, AgentStore, Role};
use super::memory::MemoryStore;
use super::sqlite::Sqlite;
use crate::api::tests::block_on;

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(#[test] fn $test() { super::$test(&super::MemoryStore::default()) })*
        }
        mod sql_on_sqlite {
            $(#[test] fn $test() { super::$test(&super::Sqlite::store()) })*
        }
    };
}

contract!(
    an_agent_is_found_by_email_in_any_ascii_case_and_emails_are_unique,
    a_session_opens_its_agent_until_it_expires_or_closes,
    a_disabled_account_opens_nothing,
);

const T0: u64 = 1_795_478_400_000;

fn account(id: &str, email: &str, role: Role) -> AgentAccount {
    AgentAccount {
        agent: Agent { id: id.into(), email: email.into(), name: format!("Name of {id}"), role },
        password_hash: format!("pbkdf2-sha256$100000$c2FsdA$hash-of-{id}"),
        disabled: false,
    }
}

fn an_agent_is_found_by_email_in_any_ascii_case_and_emails_are_unique<S: AgentStore>(store: &S) {
    let ana = account("a1", "Ana@Pinecone.example", Role::Admin);
    block_on(store.add_agent(&ana, T0)).unwrap();
    assert_eq!(block_on(store.account_by_email("ana@pinecone.EXAMPLE")).unwrap(), Some(ana));
    assert_eq!(block_on(store.account_by_email("ben@pinecone.example")).unwrap(), None);
    let again = account("a2", "ANA@pinecone.example", Role::Agent);
    assert!(matches!(block_on(store.add_agent(&again, T0)), Err(AddAgentError::EmailTaken)));
}

fn a_session_opens_its_agent_until_it_expires_or_closes<S: AgentStore>(store: &S) {
    let ben = account("a1", "ben@pinecone.example", Role::Agent);
    block_on(store.add_agent(&ben, T0)).unwrap();
    block_on(store.open_session("h1", "a1", T0, T0 + 1000)).unwrap();
    assert_eq!(block_on(store.session_agent("h1", T0 + 999)).unwrap(), Some(ben.agent.clone()));
    assert_eq!(block_on(store.session_agent("h1", T0 + 1000)).unwrap(), None, "expired");
    assert_eq!(block_on(store.session_agent("h2", T0)).unwrap(), None, "unknown");
    assert!(block_on(store.open_session("h1", "a1", T0, T0 + 1000)).is_err(), "a token hash opens one session");
    assert!(block_on(store.open_session("h3", "nobody", T0, T0 + 1000)).is_err(), "only for an agent");
    block_on(store.close_session("h1")).unwrap();
    assert_eq!(block_on(store.session_agent("h1", T0)).unwrap(), None, "closed");
}

fn a_disabled_account_opens_nothing<S: AgentStore>(store: &S) {
    let off = AgentAccount { disabled: true, ..account("a1", "off@pinecone.example", Role::Agent) };
    block_on(store.add_agent(&off, T0)).unwrap();
    block_on(store.open_session("h1", "a1", T0, T0 + 1000)).unwrap();
    assert_eq!(block_on(store.session_agent("h1", T0)).unwrap(), None);
    assert!(block_on(store.account_by_email("off@pinecone.example")).unwrap().unwrap().disabled);
}

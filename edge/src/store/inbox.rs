//! The inbox's storage: the agents' views of conversations, every move between statuses as one
//! conditional write (so two agents claiming at once make one assignment), private notes and the
//! agents who can be assigned.

use super::{HandoffRecord, StoreError};
use shared::handoff::ConversationStatus;
use shared::inbox::{AgentRef, Attention, ConversationRow, InboxCounts, InboxView, Note};
use shared::labels::{Labels, Priority};
use shared::ConversationId;

/// A list narrowed to a tag, a priority, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelFilter {
    /// Only conversations with this tag (as stored: `shared::labels::tag`).
    pub tag: Option<String>,
    /// Only conversations of this priority.
    pub priority: Option<Priority>,
}

/// Most conversations one list returns.
pub const MAX_LIST: usize = 100;

/// Longest preview of the latest message in a list row, in characters.
pub const PREVIEW_CHARS: usize = 140;

/// The latest message's text as a list row shows it: one line, at most [`PREVIEW_CHARS`].
pub fn preview(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= PREVIEW_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(PREVIEW_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A search's text as a case-insensitive `LIKE` pattern matching it anywhere (`%`, `_` and the
/// escape character itself escaped with `\`).
pub fn like_pattern(q: &str) -> String {
    let mut out = String::from("%");
    for c in q.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A move of a conversation from one status to another, made only if the conversation is in one
/// of the `from` statuses (and, with `only_if_assignee`, still assigned to that agent) at the
/// moment of writing: `UPDATE … WHERE id = ? AND status IN (…)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move<'a> {
    /// The statuses it may leave.
    pub from: &'a [ConversationStatus],
    /// The status it gets.
    pub to: ConversationStatus,
    /// Its assignee afterwards (none clears it).
    pub assignee: Option<&'a str>,
    /// Made only while the conversation is assigned to this agent (the acting assignee).
    pub only_if_assignee: Option<&'a str>,
    /// A new handoff to record with the move (an agent taking over from the AI).
    pub handoff: Option<&'a HandoffRecord>,
    /// When, Unix ms (a move to `resolved` records it).
    pub at_ms: u64,
}

/// A note about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    /// Its id.
    pub id: String,
    /// Who wrote it.
    pub author: AgentRef,
    /// Plain text.
    pub text: String,
    /// Unix ms.
    pub created_at_ms: u64,
}

impl NewNote {
    /// The note as the inbox shows it.
    pub fn to_note(&self) -> Note {
        Note {
            id: self.id.clone(),
            author: self.author.clone(),
            text: self.text.clone(),
            created_at: shared::time::rfc3339_from_unix_ms(self.created_at_ms),
        }
    }
}

/// Inbox storage.
#[allow(async_fn_in_trait)] // single-threaded wasm: no Send bound wanted
pub trait InboxStore {
    /// The conversations of `view` as `agent_id` sees it, matching `search` (lead email, lead
    /// name, user id or any message's text, ignoring ASCII case) if given, at most `limit`:
    /// waiting oldest handoff first, mine oldest activity first, open newest activity first,
    /// resolved newest resolution first, with the AI newest conversation first.
    async fn inbox_list(
        &self,
        view: InboxView,
        agent_id: &str,
        search: Option<&str>,
        labels: &LabelFilter,
        limit: usize,
        now_ms: u64,
    ) -> Result<Vec<ConversationRow>, StoreError>;
    /// Sets a conversation's tags and priority, whole (checked: `shared::labels::Labels::checked`);
    /// whether it exists.
    async fn set_labels(&self, conversation: &ConversationId, labels: &Labels) -> Result<bool, StoreError>;
    /// How many conversations each view holds for `agent_id`.
    async fn inbox_counts(&self, agent_id: &str, now_ms: u64) -> Result<InboxCounts, StoreError>;
    /// Puts a conversation aside until `until_ms`, or (`None`) until the visitor writes; whether
    /// it exists.
    async fn snooze(
        &self,
        conversation: &ConversationId,
        until_ms: Option<u64>,
        agent_id: &str,
        at_ms: u64,
    ) -> Result<bool, StoreError>;
    /// Ends a conversation's snooze (nothing happens when there is none).
    async fn unsnooze(&self, conversation: &ConversationId) -> Result<(), StoreError>;
    /// What needs `agent_id` and is unread by them ([`Attention`]), newest first, at most
    /// [`MAX_LIST`].
    async fn attention(&self, agent_id: &str, now_ms: u64) -> Result<Vec<Attention>, StoreError>;
    /// The conversations waiting since a handoff at or before `handed_off_by_ms`, oldest first,
    /// at most [`MAX_LIST`] (`since_ms` is the handoff).
    async fn long_waits(&self, handed_off_by_ms: u64, now_ms: u64) -> Result<Vec<Attention>, StoreError>;
    /// `agent_id` has read the conversation up to `at_ms` (nothing is written for a conversation
    /// that does not exist; an earlier moment never moves the mark back).
    async fn mark_read(&self, agent_id: &str, conversation: &ConversationId, at_ms: u64) -> Result<(), StoreError>;
    /// One list row.
    async fn inbox_row(&self, conversation: &ConversationId) -> Result<Option<ConversationRow>, StoreError>;
    /// Makes `change` in one conditional write; false (nothing written) when the conversation is
    /// not in a `from` status, or not assigned to `only_if_assignee`, any more.
    async fn move_conversation(&self, conversation: &ConversationId, change: &Move<'_>) -> Result<bool, StoreError>;
    /// Stores a private note.
    async fn add_note(&self, conversation: &ConversationId, note: &NewNote) -> Result<(), StoreError>;
    /// A conversation's notes, oldest first.
    async fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>, StoreError>;
    /// An agent whose account is enabled.
    async fn enabled_agent(&self, id: &str) -> Result<Option<AgentRef>, StoreError>;
    /// Every enabled agent, by name.
    async fn enabled_agents(&self) -> Result<Vec<AgentRef>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(preview("  hello\n\nthere  "), "hello there");
        let long = "word ".repeat(100);
        let p = preview(&long);
        assert_eq!(p.chars().count(), PREVIEW_CHARS);
        assert!(p.ends_with('…'));
    }

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(like_pattern("Ana@X.io"), "%ana@x.io%");
        assert_eq!(like_pattern("100%_\\"), "%100\\%\\_\\\\%");
    }
}

-- The inbox (edge/src/store/inbox.rs, api/inbox_conversations.rs). Agents' messages carry the
-- agent's display name as it was when they wrote; private notes are agents' only (a visitor's
-- route never reads this table) and go with their conversation on erasure; resolved_at_ms orders
-- the resolved view. Claims and every other move between statuses are single conditional UPDATEs
-- on conversations.status (`... WHERE id = ? AND status = 'waiting'`), so two agents claiming at
-- once make one assignment.
ALTER TABLE messages ADD COLUMN author_name TEXT;
ALTER TABLE conversations ADD COLUMN resolved_at_ms INTEGER;

CREATE TABLE notes (
  id              TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  author_id       TEXT NOT NULL,
  author_name     TEXT NOT NULL,
  text            TEXT NOT NULL,
  created_at_ms   INTEGER NOT NULL
);
CREATE INDEX notes_by_conversation ON notes (conversation_id, created_at_ms);

-- The resolved view, newest first, without scanning every conversation.
CREATE INDEX conversations_resolved ON conversations (status, resolved_at_ms);
-- The detail view's action runs, in order (the older index leads with the action's name).
CREATE INDEX action_runs_by_conversation_seq ON action_runs (conversation_id, seq);

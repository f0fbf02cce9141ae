-- A conversation an agent put aside: out of Waiting, Mine and All open until `until_ms`, or
-- (NULL) until the visitor writes; the visitor writing after `snoozed_at_ms` ends it either way
-- (read, not written: the conversation's object never touches this table). Erased with the
-- conversation.
CREATE TABLE conversation_snooze (
  conversation_id TEXT PRIMARY KEY,
  until_ms        INTEGER,
  snoozed_at_ms   INTEGER NOT NULL,
  agent_id        TEXT NOT NULL
);

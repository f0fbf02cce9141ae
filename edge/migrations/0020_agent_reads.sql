-- When each agent last read each conversation (they opened it, or it was open and in view as a
-- message came): what the inbox counts as unread, per agent. Erased with the conversation.
CREATE TABLE agent_reads (
  agent_id        TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  read_at_ms      INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, agent_id)
);

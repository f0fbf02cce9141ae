-- Conversations and their messages. The visitor's token is stored only as its SHA-256.
CREATE TABLE conversations (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL,
  user_id       TEXT,
  lead_email    TEXT,
  lead_name     TEXT,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE messages (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT, -- conversation order
  id                TEXT NOT NULL UNIQUE,
  conversation_id   TEXT NOT NULL REFERENCES conversations(id),
  author            TEXT NOT NULL CHECK (author IN ('visitor', 'bot', 'agent', 'system')),
  text              TEXT NOT NULL,
  sources           TEXT,            -- JSON array of {title, url}
  client_message_id TEXT,            -- visitor messages: makes a retry idempotent
  reply_to          TEXT,            -- replies: the visitor message answered
  created_at_ms     INTEGER NOT NULL,
  UNIQUE (conversation_id, client_message_id)
);

CREATE INDEX messages_by_conversation ON messages (conversation_id, seq);
CREATE INDEX messages_by_reply_to ON messages (conversation_id, reply_to);

-- What agents mark conversations with: tags, one row each (so a list filters by one through its
-- index), and a priority (no row: normal). Kept apart from `conversations`, whose row each
-- conversation's object writes; erased with the conversation.
CREATE TABLE conversation_tags (
  conversation_id TEXT NOT NULL,
  tag             TEXT NOT NULL,
  PRIMARY KEY (conversation_id, tag)
);

CREATE INDEX conversation_tags_by_tag ON conversation_tags (tag, conversation_id);

CREATE TABLE conversation_priority (
  conversation_id TEXT PRIMARY KEY,
  priority        TEXT NOT NULL CHECK (priority IN ('low', 'high', 'urgent'))
);

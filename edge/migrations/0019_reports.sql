-- What the owner's reports read. A reply that could not answer the visitor's question (the AI's
-- "I don't know", either engine) is marked, so the report lists the questions to write pages for;
-- when a person first joined a conversation after its latest handoff, for the wait. The indexes
-- let a report read a range of handoffs and ratings without reading every row (conversations by
-- creation and action runs by time have theirs since 0008).
ALTER TABLE messages ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS messages_unanswered ON messages (created_at_ms) WHERE unanswered = 1;
ALTER TABLE conversations ADD COLUMN joined_at_ms INTEGER;
CREATE INDEX IF NOT EXISTS conversations_by_handoff ON conversations (handoff_at_ms);
CREATE INDEX IF NOT EXISTS conversations_by_rating ON conversations (satisfaction_at_ms);

-- Handoff to humans (edge/src/handoff/). Who answers a conversation: the AI ('ai'), nobody yet
-- after a handoff ('waiting'), a human ('assigned', assignee_id), or nobody any more ('resolved').
-- Only `hand_off` moves 'ai' to 'waiting', in one conditional UPDATE, so two requests racing to
-- hand off one conversation make one handoff. handoff_seq counts handoffs (a conversation handed
-- back to the AI and handed off again notifies again, once); handoff_noticed: the visitor was told
-- once that a specialist will answer here. The streaks feed the rules "N in a row".
ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'ai'
  CHECK (status IN ('ai', 'waiting', 'assigned', 'resolved'));
ALTER TABLE conversations ADD COLUMN assignee_id TEXT;
ALTER TABLE conversations ADD COLUMN handoff_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN handoff_at_ms INTEGER;
ALTER TABLE conversations ADD COLUMN handoff_reason TEXT;   -- JSON shared::handoff::HandoffReason
ALTER TABLE conversations ADD COLUMN handoff_summary TEXT;  -- JSON shared::handoff::HandoffSummary
ALTER TABLE conversations ADD COLUMN handoff_noticed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN unanswered_in_row INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN negative_in_row INTEGER NOT NULL DEFAULT 0;
-- The inbox's queues: waiting oldest first, an agent's own.
CREATE INDEX conversations_by_status ON conversations (status, handoff_at_ms);
CREATE INDEX conversations_by_assignee ON conversations (assignee_id, status);

-- The owner's webhook, told of each handoff. One row per (conversation, event, handoff): the
-- UNIQUE key makes a second enqueue of the same handoff a no-op, so it never notifies twice.
-- `payload` is the exact JSON body (signed anew with a fresh timestamp at each attempt).
CREATE TABLE webhook_deliveries (
  id                 TEXT PRIMARY KEY,  -- also the payload's "id" and the Switchboard-Delivery header
  conversation_id    TEXT NOT NULL REFERENCES conversations(id),
  event              TEXT NOT NULL,     -- 'conversation.handoff'
  handoff_seq        INTEGER NOT NULL,
  payload            TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER,           -- pending: not before; also the lease of an attempt under way
  last_error         TEXT,
  created_at_ms      INTEGER NOT NULL,
  delivered_at_ms    INTEGER,
  UNIQUE (conversation_id, event, handoff_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at_ms);

-- Every attempt, as sent and answered (status code or error, time taken).
CREATE TABLE webhook_attempts (
  delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries(id),
  attempt       INTEGER NOT NULL,
  at_ms         INTEGER NOT NULL,
  status_code   INTEGER,
  error         TEXT,
  duration_ms   INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);

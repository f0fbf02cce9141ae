-- The inbox's "With AI" view: conversations the AI still handles, newest first, so an agent can
-- watch one and take over. Its list and count are ranges of this index.
CREATE INDEX conversations_by_status_created ON conversations (status, created_at_ms);

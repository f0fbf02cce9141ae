-- Erasure and retention (edge/src/erasure.rs): find a person's conversations, inactive
-- conversations and old action runs through indexes instead of scanning whole tables.
CREATE INDEX conversations_by_lead_email ON conversations (lower(lead_email));
CREATE INDEX conversations_by_user_id ON conversations (user_id);
CREATE INDEX conversations_by_created ON conversations (created_at_ms);
CREATE INDEX messages_by_conversation_time ON messages (conversation_id, created_at_ms);
CREATE INDEX action_runs_by_time ON action_runs (at_ms);

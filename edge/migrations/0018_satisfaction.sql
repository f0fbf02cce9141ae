-- The visitor's answer to "How did we do?", asked once after a human resolved the conversation:
-- 1–5, an optional comment, and when. Kept on the conversation's row, so erasure takes it too.
ALTER TABLE conversations ADD COLUMN satisfaction INTEGER;
ALTER TABLE conversations ADD COLUMN satisfaction_comment TEXT;
ALTER TABLE conversations ADD COLUMN satisfaction_at_ms INTEGER;

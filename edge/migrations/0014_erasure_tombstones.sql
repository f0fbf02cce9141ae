-- Conversations erased from D1, kept by id only (random, revealing nothing) until every copy of
-- them is gone: the erasing batch writes the row, a conversation's object consults it before
-- serving its copy, and the every-minute Cron tells each object whose forgetting is not yet
-- confirmed to forget, until it does.
CREATE TABLE IF NOT EXISTS erased_conversations (
  id              TEXT PRIMARY KEY,
  erased_at_ms    INTEGER NOT NULL,
  forgotten_at_ms INTEGER
);
CREATE INDEX IF NOT EXISTS erased_unconfirmed ON erased_conversations (erased_at_ms) WHERE forgotten_at_ms IS NULL;

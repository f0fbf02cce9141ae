-- One row per call to the model of `[llm]`: what it cost and how it went, read by the owner
-- through `GET /api/v1/admin/model-usage`. It holds no text: only the model, token counts,
-- latency and the outcome; it goes with its conversation when that is erased.
CREATE TABLE IF NOT EXISTS model_calls (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms             INTEGER NOT NULL,
  conversation_id   TEXT NOT NULL,
  model             TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms        INTEGER NOT NULL,
  outcome           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS model_calls_by_conversation ON model_calls (conversation_id);
CREATE INDEX IF NOT EXISTS model_calls_by_time ON model_calls (at_ms);

-- Action execution log (request and response already redacted by the runner) and the
-- conversation's verified state, which only an owner's `verifies` action can set.
CREATE TABLE action_runs (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms           INTEGER NOT NULL,
  conversation_id TEXT,
  action          TEXT NOT NULL,
  status          TEXT NOT NULL,
  error_class     TEXT,
  test            INTEGER NOT NULL DEFAULT 0,
  injected        INTEGER NOT NULL DEFAULT 0,
  run             TEXT NOT NULL -- JSON ActionRun
);
CREATE INDEX action_runs_by_action ON action_runs (action, seq);
CREATE INDEX action_runs_by_conversation ON action_runs (conversation_id, action, at_ms);

ALTER TABLE conversations ADD COLUMN verified_at_ms INTEGER;

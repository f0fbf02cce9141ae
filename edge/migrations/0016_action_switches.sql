-- An owner's switch for one action, set in the console: on or off, whatever the action's file
-- says (its `enabled` stays the default), with who set it and when. No row: the file decides.
CREATE TABLE IF NOT EXISTS action_switches (
  action        TEXT PRIMARY KEY,
  enabled       INTEGER NOT NULL,
  changed_by    TEXT NOT NULL,
  changed_at_ms INTEGER NOT NULL
);

-- An action definition the owner wrote in the console: a new action, or a file's action changed
-- (its override, until reverted). `definition` is the JSON an `actions/*.json` file would hold,
-- checked by the build's rules when it was written and again whenever the site is rebuilt.
CREATE TABLE IF NOT EXISTS console_actions (
  slug          TEXT PRIMARY KEY,
  definition    TEXT NOT NULL,
  changed_by    TEXT NOT NULL,
  changed_at_ms INTEGER NOT NULL
);

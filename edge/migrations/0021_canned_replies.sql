-- Canned replies: shared by the team (owner_id NULL; admins change them) or an agent's own. A
-- shortcut is unique where it is seen: among the shared ones, and among each agent's own.
CREATE TABLE canned_replies (
  id            TEXT PRIMARY KEY,
  shortcut      TEXT NOT NULL,
  text          TEXT NOT NULL,
  owner_id      TEXT,
  updated_by    TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

CREATE UNIQUE INDEX canned_by_shortcut ON canned_replies (COALESCE(owner_id, ''), shortcut);

-- Support agents who sign in to the inbox, and their sessions. Accounts are created by the owner
-- (admin API or scripts/add-agent). Passwords are stored as PBKDF2-SHA256 hashes with a per-agent
-- salt ("pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"); sessions by the SHA-256 of their token.
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
  password_hash TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE agent_sessions (
  token_hash TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
CREATE INDEX agent_sessions_by_agent ON agent_sessions(agent_id);

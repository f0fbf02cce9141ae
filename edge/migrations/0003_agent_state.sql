-- The agent's unfinished action per conversation, and the action outcome a message reports.
ALTER TABLE conversations ADD COLUMN pending TEXT;
ALTER TABLE messages ADD COLUMN action TEXT; -- JSON {name, status, reason?}

-- How far D1 has applied each conversation object's journal (store::replica): written in the same
-- batch as the entries, so a flush whose answer was lost is recognised and not applied twice.
CREATE TABLE replica_marks (
  conversation_id TEXT PRIMARY KEY,
  seq             INTEGER NOT NULL
);

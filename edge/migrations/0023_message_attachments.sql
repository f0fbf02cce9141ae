-- A file sent with a message (JSON `shared::Attachment`: id, safe name, type by content, size).
-- The bytes are in R2 under the conversation's prefix (`attachments::key`), deleted when the
-- conversation's object forgets it (erasure, retention).
ALTER TABLE messages ADD COLUMN attachment TEXT;

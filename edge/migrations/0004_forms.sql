-- Forms shown in a conversation and what visitors submitted through them (JSON).
ALTER TABLE messages ADD COLUMN form TEXT;
ALTER TABLE messages ADD COLUMN submission TEXT;

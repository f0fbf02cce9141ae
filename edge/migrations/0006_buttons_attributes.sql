-- Buttons under a message (JSON array) and the host page's custom attributes of a conversation
-- (JSON object, set with Switchboard.setAttributes or by the lead form's extra fields).
ALTER TABLE messages ADD COLUMN buttons TEXT;
ALTER TABLE conversations ADD COLUMN attributes TEXT;

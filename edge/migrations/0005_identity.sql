-- Whether the host page identified the visitor with a valid user_hash (HMAC of user_id).
ALTER TABLE conversations ADD COLUMN identity_verified INTEGER NOT NULL DEFAULT 0;

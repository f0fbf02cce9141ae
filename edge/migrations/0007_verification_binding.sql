-- A verification holds only for what was verified: the email and user id it was checked for, and
-- when (verified_at_ms, now cleared when the email changes or the verification expires). How the
-- host page signed the visitor's identity: 'user_hash' (user id only) or 'jwt' (id, email, name).
ALTER TABLE conversations ADD COLUMN verified_email TEXT;
ALTER TABLE conversations ADD COLUMN verified_user_id TEXT;
ALTER TABLE conversations ADD COLUMN identity_method TEXT;
-- A JWT's exp: the signed identity stops counting then, whatever the conversation's age.
ALTER TABLE conversations ADD COLUMN identity_expires_at_ms INTEGER;
-- Verifications recorded before this migration were not bound to an email: they no longer count.
UPDATE conversations SET verified_at_ms = NULL;
UPDATE conversations SET identity_method = 'user_hash' WHERE identity_verified = 1;

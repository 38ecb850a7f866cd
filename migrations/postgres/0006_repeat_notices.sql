-- When the email on file was last told of a repeat attempt to sign, so that someone who knows a
-- signer's name and address cannot have them mailed without limit.
ALTER TABLE signatures ADD COLUMN notified_at BIGINT;

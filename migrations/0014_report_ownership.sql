-- Whose a report is. A report records the organisation of the key that
-- submitted it: a police key reads and updates only its own
-- organisation's reports, and only that organisation's police see the
-- victim's name and contact. Reports stored before keys were enforced
-- (and demo data) belong to no organisation: analysts see them, no
-- station does.
ALTER TABLE reports ADD COLUMN organisation_id uuid REFERENCES organisations (id);

-- A public submitter reads its report back with the receipt token it was
-- given once, in the 201; only the token's SHA-256 is kept, like a key's.
ALTER TABLE reports ADD COLUMN receipt_hash bytea CHECK (octet_length(receipt_hash) = 32);

-- A station's own list, newest first, as GET /v1/reports pages it.
CREATE INDEX reports_organisation_idx ON reports (organisation_id, reported_at DESC, id DESC)
    WHERE organisation_id IS NOT NULL;
CREATE UNIQUE INDEX reports_receipt_idx ON reports (receipt_hash) WHERE receipt_hash IS NOT NULL;

-- The audit trail is read newest first by admins, often for one action
-- or one key.
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_key_idx ON audit_log (key_prefix, id DESC)
    WHERE key_prefix IS NOT NULL;

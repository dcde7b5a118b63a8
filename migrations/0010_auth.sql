-- Who may call the service: organisations, their API keys (each with one
-- role), and an append-only audit log of what was done with them. A key's
-- secret is never stored: only its SHA-256 and a short public prefix that
-- names it in logs and in the command line.

-- Roles and organisation kinds have the shape of the other code lists.
-- They stay out of vocabulary_codes: that view lists what a report may
-- carry (GET /v1/vocabularies), and a role is not part of a report.
CREATE TABLE roles              (LIKE report_sources INCLUDING ALL);
CREATE TABLE organisation_kinds (LIKE report_sources INCLUDING ALL);

INSERT INTO roles (code, position, label_zh, label_en) VALUES
    ('public',  1, '公众',     'Public'),
    ('police',  2, '公安机关', 'Police'),
    ('analyst', 3, '分析人员', 'Analyst'),
    ('admin',   4, '管理员',   'Administrator');

INSERT INTO organisation_kinds (code, position, label_zh, label_en) VALUES
    ('police_station', 1, '公安派出所',   'Police station'),
    ('public_form',    2, '公众举报渠道', 'Public reporting form'),
    ('analysis_unit',  3, '研判分析单位', 'Analysis unit'),
    ('admin',          4, '系统管理',     'Administration');

CREATE TABLE organisations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- One line of text: it is printed in tables and named on the command line.
    name        text NOT NULL UNIQUE
                CHECK (octet_length(name) BETWEEN 1 AND 200 AND name !~ '[[:cntrl:]]'),
    kind        text NOT NULL REFERENCES organisation_kinds (code),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A key reads fi_<prefix>_<secret>. The prefix is public (it names the key
-- in logs); key_hash is the SHA-256 of the whole key text, compared in
-- constant time by the service.
CREATE TABLE api_keys (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    role             text NOT NULL REFERENCES roles (code),
    prefix           text NOT NULL UNIQUE CHECK (prefix ~ '^[a-z2-7]{8}$'),
    key_hash         bytea NOT NULL CHECK (octet_length(key_hash) = 32),
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Set once; a revoked key is refused from the next request on.
    revoked_at       timestamptz,
    last_used_at     timestamptz,
    CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);

CREATE INDEX api_keys_organisation_idx ON api_keys (organisation_id);

-- One row per audited event: a read of a report with victim data, a
-- change to a report, a change to keys or organisations. The acting key is
-- key_prefix, organisation_id and role (NULL when the command line acted);
-- subject names what a key or organisation change concerned.
CREATE TABLE audit_log (
    id               bigserial PRIMARY KEY,
    at               timestamptz NOT NULL DEFAULT now(),
    request_id       text CHECK (request_id ~ '^[0-9a-f]{16}$'),
    key_prefix       text,
    -- No foreign key to reports: the trail outlives what it describes.
    organisation_id  uuid REFERENCES organisations (id),
    role             text REFERENCES roles (code),
    method           text,
    route            text,
    report_id        uuid,
    action           text NOT NULL CHECK (action ~ '^[a-z][a-z_.]{0,63}$'),
    subject          text
);

CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_report_idx ON audit_log (report_id) WHERE report_id IS NOT NULL;

-- Append-only. Privileges cannot say so: the service's own role owns the
-- table, and an owner may always UPDATE and DELETE whatever is granted or
-- revoked. A trigger binds the owner too; removing it takes a deliberate
-- ALTER TABLE, which is itself visible in the schema.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

-- TRUNCATE fires no row triggers, so it needs its own.
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- The core schema: reference vocabularies, reports, and the indicators a
-- report names. Codes are data: a new scam type is a row, not a release.
-- Every vocabulary table has the same shape so one view can serve them all.

CREATE TABLE report_sources (
    code      text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,63}$'),
    position  integer NOT NULL,
    label_zh  text NOT NULL,
    label_en  text NOT NULL
);

CREATE TABLE scam_types             (LIKE report_sources INCLUDING ALL);
CREATE TABLE stages                 (LIKE report_sources INCLUDING ALL);
CREATE TABLE channels               (LIKE report_sources INCLUDING ALL);
CREATE TABLE app_roles              (LIKE report_sources INCLUDING ALL);
CREATE TABLE impersonated_parties   (LIKE report_sources INCLUDING ALL);
CREATE TABLE info_leaks             (LIKE report_sources INCLUDING ALL);
CREATE TABLE account_kinds          (LIKE report_sources INCLUDING ALL);
CREATE TABLE age_bands              (LIKE report_sources INCLUDING ALL);
CREATE TABLE genders                (LIKE report_sources INCLUDING ALL);

-- Stages are ordered: position is the step of the script, and a report
-- records the furthest one reached. Two stages may not share a step.
ALTER TABLE stages ADD CONSTRAINT stages_position_key UNIQUE (position);

-- ISO 4217. minor_unit is the exponent: 2 for CNY, 0 for JPY, 3 for KWD.
CREATE TABLE currencies (
    code        char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    numeric     char(3) NOT NULL,
    minor_unit  smallint NOT NULL CHECK (minor_unit BETWEEN 0 AND 4),
    label_zh    text NOT NULL,
    label_en    text NOT NULL
);

-- GB/T 2260 administrative divisions: province (xx0000), prefecture
-- (xxxx00) and county codes. Trends roll up by code prefix.
CREATE TABLE regions (
    code     char(6) PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    level    text NOT NULL CHECK (level IN ('province', 'prefecture', 'county')),
    name_zh  text NOT NULL,
    parent   char(6) REFERENCES regions (code)
);

-- One view over every coded vocabulary, for start-up loading and for
-- GET /v1/vocabularies. A new vocabulary table joins here.
CREATE VIEW vocabulary_codes (kind, code, position, label_zh, label_en) AS
          SELECT 'sources',      code, position, label_zh, label_en FROM report_sources
UNION ALL SELECT 'scam_types',   code, position, label_zh, label_en FROM scam_types
UNION ALL SELECT 'stages',       code, position, label_zh, label_en FROM stages
UNION ALL SELECT 'channels',     code, position, label_zh, label_en FROM channels
UNION ALL SELECT 'app_roles',    code, position, label_zh, label_en FROM app_roles
UNION ALL SELECT 'impersonated_parties', code, position, label_zh, label_en FROM impersonated_parties
UNION ALL SELECT 'info_leaks',   code, position, label_zh, label_en FROM info_leaks
UNION ALL SELECT 'account_kinds', code, position, label_zh, label_en FROM account_kinds
UNION ALL SELECT 'age_bands',    code, position, label_zh, label_en FROM age_bands
UNION ALL SELECT 'genders',      code, position, label_zh, label_en FROM genders;

CREATE TABLE reports (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source            text NOT NULL REFERENCES report_sources (code),
    scam_type         text NOT NULL REFERENCES scam_types (code),
    stage             text NOT NULL REFERENCES stages (code),
    channel           text REFERENCES channels (code),
    impersonated      text REFERENCES impersonated_parties (code),
    info_leak         text REFERENCES info_leaks (code),
    region            char(6) REFERENCES regions (code),
    locality          text CHECK (octet_length(locality) <= 400),
    occurred_at       timestamptz,
    reported_at       timestamptz NOT NULL DEFAULT now(),
    -- Money is integer minor units; NULL means "not stated", 0 means "none lost".
    loss_minor        bigint CHECK (loss_minor BETWEEN 0 AND 1000000000000),
    loss_currency     char(3) REFERENCES currencies (code),
    victim_age_band   text REFERENCES age_bands (code),
    victim_gender     text REFERENCES genders (code),
    -- Personal data: police reports only, never in a list, a log or an aggregate.
    victim_name       text CHECK (octet_length(victim_name) <= 400),
    victim_contact    text CHECK (octet_length(victim_contact) <= 400),
    narrative         text CHECK (octet_length(narrative) <= 16384),
    case_number       text CHECK (octet_length(case_number) <= 128),
    station           text CHECK (octet_length(station) <= 400),
    CHECK ((loss_minor IS NULL) = (loss_currency IS NULL)),
    CHECK (source = 'police' OR (victim_name IS NULL AND victim_contact IS NULL
                                 AND case_number IS NULL AND station IS NULL)),
    CHECK (source <> 'police' OR (case_number IS NOT NULL AND station IS NOT NULL))
);

CREATE INDEX reports_reported_at_idx ON reports (reported_at DESC, id DESC);

-- Indicators keep the order they were given in (position) so a report
-- reads back as it was sent.
CREATE TABLE report_phones (
    report_id     uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position      smallint NOT NULL,
    raw           text NOT NULL CHECK (octet_length(raw) BETWEEN 1 AND 64),
    e164          text CHECK (e164 ~ '^\+[1-9][0-9]{1,14}$'),
    leading_plus  boolean NOT NULL,
    international boolean NOT NULL,
    valid         boolean NOT NULL,
    number_type   text,
    number_region text,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_phones_e164_idx ON report_phones (e164) WHERE e164 IS NOT NULL;

CREATE TABLE report_apps (
    report_id  uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position   smallint NOT NULL,
    name       text NOT NULL CHECK (octet_length(name) BETWEEN 1 AND 200),
    role       text REFERENCES app_roles (code),
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_apps_name_idx ON report_apps (name);

CREATE TABLE report_accounts (
    report_id  uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position   smallint NOT NULL,
    kind       text REFERENCES account_kinds (code),
    value      text NOT NULL CHECK (octet_length(value) BETWEEN 1 AND 200),
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_accounts_value_idx ON report_accounts (value);

CREATE TABLE report_urls (
    report_id  uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position   smallint NOT NULL,
    url        text NOT NULL CHECK (octet_length(url) BETWEEN 1 AND 2048),
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_urls_url_idx ON report_urls (url);

CREATE TABLE report_chat_ids (
    report_id  uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position   smallint NOT NULL,
    app        text CHECK (octet_length(app) BETWEEN 1 AND 200),
    value      text NOT NULL CHECK (octet_length(value) BETWEEN 1 AND 200),
    PRIMARY KEY (report_id, position)
);
CREATE INDEX report_chat_ids_value_idx ON report_chat_ids (value);

-- Times leave the service in UTC as RFC 3339, fraction only when there is one.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || rtrim(rtrim(to_char(t AT TIME ZONE 'UTC', '.US'), '0'), '.') || 'Z'
$$;

-- Reports as police cases: a status that moves as a case is worked, the
-- amount recovered, and a version that changes on every update (it is the
-- ETag, so a stale update can be refused).

CREATE TABLE case_statuses (LIKE report_sources INCLUDING ALL);
INSERT INTO case_statuses (code, position, label_zh, label_en) VALUES
    ('open',          1, '已立案', 'Open'),
    ('investigating', 2, '侦查中', 'Investigating'),
    ('closed',        3, '已结案', 'Closed');

CREATE OR REPLACE VIEW vocabulary_codes (kind, code, position, label_zh, label_en) AS
          SELECT 'sources',      code, position, label_zh, label_en FROM report_sources
UNION ALL SELECT 'scam_types',   code, position, label_zh, label_en FROM scam_types
UNION ALL SELECT 'stages',       code, position, label_zh, label_en FROM stages
UNION ALL SELECT 'channels',     code, position, label_zh, label_en FROM channels
UNION ALL SELECT 'app_roles',    code, position, label_zh, label_en FROM app_roles
UNION ALL SELECT 'impersonated_parties', code, position, label_zh, label_en FROM impersonated_parties
UNION ALL SELECT 'info_leaks',   code, position, label_zh, label_en FROM info_leaks
UNION ALL SELECT 'account_kinds', code, position, label_zh, label_en FROM account_kinds
UNION ALL SELECT 'age_bands',    code, position, label_zh, label_en FROM age_bands
UNION ALL SELECT 'genders',      code, position, label_zh, label_en FROM genders
UNION ALL SELECT 'case_statuses', code, position, label_zh, label_en FROM case_statuses;

ALTER TABLE reports
    ADD COLUMN status          text NOT NULL DEFAULT 'open' REFERENCES case_statuses (code),
    ADD COLUMN recovered_minor bigint CHECK (recovered_minor BETWEEN 0 AND 1000000000000),
    ADD COLUMN version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    ADD CONSTRAINT reports_recovered_needs_loss
        CHECK (recovered_minor IS NULL OR loss_currency IS NOT NULL);

-- The report as the API returns it, in one place for every route that
-- returns reports. Victim name and contact are never part of it.
CREATE FUNCTION report_json(r reports) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object(
    'id', r.id, 'source', r.source, 'scam_type', r.scam_type, 'stage', r.stage,
    'channel', r.channel, 'impersonated', r.impersonated, 'info_leak', r.info_leak,
    'occurred_at', rfc3339(r.occurred_at), 'reported_at', rfc3339(r.reported_at),
    'region', r.region, 'locality', r.locality,
    'loss', CASE WHEN r.loss_minor IS NOT NULL THEN
        json_build_object('amount', r.loss_minor, 'currency', r.loss_currency) END,
    'recovered', CASE WHEN r.recovered_minor IS NOT NULL THEN
        json_build_object('amount', r.recovered_minor, 'currency', r.loss_currency) END,
    'status', r.status, 'version', r.version,
    'phones', COALESCE((SELECT json_agg(json_build_object('raw', p.raw, 'e164', p.e164,
        'leading_plus', p.leading_plus, 'international', p.international, 'valid', p.valid,
        'type', p.number_type, 'region', p.number_region) ORDER BY p.position)
        FROM report_phones p WHERE p.report_id = r.id), '[]'),
    'apps', COALESCE((SELECT json_agg(json_build_object('name', a.name, 'role', a.role)
        ORDER BY a.position) FROM report_apps a WHERE a.report_id = r.id), '[]'),
    'accounts', COALESCE((SELECT json_agg(json_build_object('value', a.value, 'kind', a.kind)
        ORDER BY a.position) FROM report_accounts a WHERE a.report_id = r.id), '[]'),
    'urls', COALESCE((SELECT json_agg(u.url ORDER BY u.position)
        FROM report_urls u WHERE u.report_id = r.id), '[]'),
    'chat_ids', COALESCE((SELECT json_agg(json_build_object('value', c.value, 'app', c.app)
        ORDER BY c.position) FROM report_chat_ids c WHERE c.report_id = r.id), '[]'),
    'victim', json_build_object('age_band', r.victim_age_band, 'gender', r.victim_gender),
    'narrative', r.narrative, 'case_number', r.case_number, 'station', r.station)
$$;

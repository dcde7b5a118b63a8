-- Reports show the reports police linked them to (PATCH "related"), in the
-- order they were linked: the link is part of the case, not only of its
-- history.

CREATE OR REPLACE FUNCTION report_json(r reports) RETURNS json
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
    'related', COALESCE((SELECT json_agg(l.related_id ORDER BY l.position)
        FROM report_links l WHERE l.report_id = r.id), '[]'),
    'narrative', r.narrative, 'case_number', r.case_number, 'station', r.station)
$$;

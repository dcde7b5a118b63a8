-- What trend_daily must hold, as a plain GROUP BY over reports with the
-- bucket rules of the design written out here (not taken from the
-- migration's functions): the Asia/Shanghai date of occurred_at, or of
-- reported_at when the report does not say; '' for no channel,
-- impersonated party or currency; region levels by code prefix and
-- '000000' without a region. Every report counts in scope '' and again in
-- the scope of its scam type. $1, $2: the window of bucket times [from, to).
SELECT d.dim, s.scope, r.day, d.value, r.currency, count(*) AS reports,
       COALESCE(sum(r.loss_minor), 0) AS loss_minor_sum,
       count(*) FILTER (WHERE r.loss_minor > 0) AS victims_with_loss
FROM (SELECT (COALESCE(occurred_at, reported_at) AT TIME ZONE 'Asia/Shanghai')::date AS day,
             scam_type, stage, COALESCE(channel, '') AS channel, source,
             COALESCE(impersonated, '') AS impersonated, region::text AS region,
             COALESCE(loss_currency::text, '') AS currency, loss_minor
      FROM reports
      WHERE COALESCE(occurred_at, reported_at) >= $1::timestamptz
        AND COALESCE(occurred_at, reported_at) < $2::timestamptz) r
CROSS JOIN LATERAL (VALUES
    ('total', ''),
    ('scam_type', r.scam_type),
    ('stage', r.stage),
    ('channel', r.channel),
    ('source', r.source),
    ('impersonated', r.impersonated),
    ('province', CASE WHEN r.region IS NULL THEN '000000' ELSE left(r.region, 2) || '0000' END),
    ('prefecture', CASE WHEN r.region IS NULL THEN '000000' ELSE left(r.region, 4) || '00' END),
    ('county', CASE WHEN r.region IS NULL THEN '000000' ELSE r.region END)) d(dim, value)
CROSS JOIN LATERAL (VALUES (''), (r.scam_type)) s(scope)
GROUP BY 1, 2, 3, 4, 5

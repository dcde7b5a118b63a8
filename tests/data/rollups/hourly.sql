-- What trend_hourly must hold: as daily.sql, by UTC hour, for the dims the
-- hourly rollup keeps (no prefecture, no county). $1, $2: the window of
-- bucket times [from, to).
SELECT d.dim, s.scope, r.hour, d.value, r.currency, count(*) AS reports,
       COALESCE(sum(r.loss_minor), 0) AS loss_minor_sum,
       count(*) FILTER (WHERE r.loss_minor > 0) AS victims_with_loss
FROM (SELECT date_trunc('hour', COALESCE(occurred_at, reported_at), 'UTC') AS hour,
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
    ('province', CASE WHEN r.region IS NULL THEN '000000' ELSE left(r.region, 2) || '0000' END)
    ) d(dim, value)
CROSS JOIN LATERAL (VALUES (''), (r.scam_type)) s(scope)
GROUP BY 1, 2, 3, 4, 5

-- Which scam types and stages the reports naming an indicator value have,
-- kept as a rollup, so that GET /v1/indicators/lookup reads rollup rows
-- only: before, it read every report naming the value (a busy phone is
-- named by thousands), which took most of a second.
--
--   trend_indicator_profile (kind, value, scam_type, stage) -> reports
--     kind, value  as in trend_indicator_daily ('phone' by E.164, 'app',
--                  'account', 'url'); a report counts once per distinct
--                  value it names.
--     scam_type, stage  the report's codes as they are now.
--     reports      number of such reports, all time. Rows whose count fell
--                  back to 0 (a PATCH moved the report to another stage)
--                  stay, with 0, as in the other rollups.
--
-- It is fed by trend_apply() from the same trend_pending rows as
-- trend_indicator_daily: an indicator row carries the report's scam_type
-- and stage and its sign, so a PATCH of stage or scam type (-1 with the
-- old codes, +1 with the new) moves the report from one row to the other,
-- and the upsert sits in the same statement as the DELETE of those rows,
-- so each is applied exactly once here too (see 0013 for why).
--
-- Backfill: the profile must hold what trend_apply has applied so far,
-- no more (what is still pending will be added by the new trend_apply).
-- Every contribution ever written is either applied or pending, and all
-- of them add up to the base tables as they are (that is what the rollup
-- tests check), so applied = the GROUP BY over the base tables minus the
-- pending rows. Writers and trend_apply wait until this migration commits
-- (the lock below), so both are read in the same state. A trend_apply call
-- that is already waiting for the lock when this commits runs the body it
-- was started with, without the profile: run this migration with no trend
-- worker running, as `fraud-intake serve` does (it migrates before it
-- starts its worker).
LOCK TABLE reports, report_phones, report_apps, report_accounts, report_urls, trend_pending
    IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE trend_indicator_profile (
    kind       text NOT NULL CHECK (kind IN ('phone', 'app', 'account', 'url')),
    value      text NOT NULL,
    scam_type  text NOT NULL,
    stage      text NOT NULL,
    reports    bigint NOT NULL,
    PRIMARY KEY (kind, value, scam_type, stage)
);

INSERT INTO trend_indicator_profile (kind, value, scam_type, stage, reports)
SELECT kind, value, scam_type, stage, sum(reports)
FROM (SELECT x.kind, x.value, r.scam_type, r.stage, count(*) AS reports
      FROM (SELECT report_id, 'phone' AS kind, e164 AS value FROM report_phones
            WHERE e164 IS NOT NULL
            UNION SELECT report_id, 'app', name FROM report_apps
            UNION SELECT report_id, 'account', value FROM report_accounts
            UNION SELECT report_id, 'url', url FROM report_urls) x
      JOIN reports r ON r.id = x.report_id
      GROUP BY 1, 2, 3, 4
      UNION ALL
      SELECT kind, value, scam_type, stage, -sum(sign)
      FROM trend_pending WHERE kind <> 'report'
      GROUP BY 1, 2, 3, 4) d
GROUP BY 1, 2, 3, 4
HAVING sum(reports) <> 0
ORDER BY 1, 2, 3, 4;

-- trend_apply as 0013 made it, plus the last upsert (profile) from the
-- same deleted rows.
-- Applies the oldest max_rows pending rows that no other call holds and
-- returns how many it applied (0: nothing left, or all held). One
-- statement: the DELETE and the four upserts commit together.
-- Deltas are summed per key first, so a key is touched once per call, and
-- keys whose deltas cancel out (a PATCH that changed another dimension)
-- are skipped. The report rows are summed with GROUPING SETS, one set per
-- (scope, dim), instead of one row per report and dim: GROUPING() says
-- which set a result row belongs to (a bit per listed column, 1 = not
-- grouped, first column highest), and in that row the one grouped dim
-- column is the only one not NULL (bucket values are never NULL).
-- ORDER BY the primary key: concurrent calls lock keys in the same order.
CREATE OR REPLACE FUNCTION trend_apply(max_rows integer) RETURNS integer LANGUAGE sql AS $$
WITH taken AS (
    DELETE FROM trend_pending
    WHERE id = ANY (ARRAY(SELECT id FROM trend_pending ORDER BY id LIMIT max_rows
                          FOR UPDATE SKIP LOCKED))
    RETURNING sign, kind, value, at, scam_type, stage, channel, source, region,
              impersonated, currency, loss_minor
),
report_deltas AS (
    SELECT trend_day(at) AS day, trend_hour(at) AS hour, scam_type AS scope, scam_type,
           stage, channel, source, impersonated, trend_province(region) AS province,
           trend_prefecture(region) AS prefecture, trend_county(region) AS county, currency,
           sign, sign * loss_minor AS loss,
           CASE WHEN loss_minor > 0 THEN sign ELSE 0 END AS victims
    FROM taken WHERE kind = 'report'
),
daily AS (
    INSERT INTO trend_daily AS t (dim, scope, day, value, currency, reports,
                                  loss_minor_sum, victims_with_loss)
    SELECT CASE GROUPING(scam_type, stage, channel, source, impersonated, province,
                         prefecture, county)
               WHEN 255 THEN 'total' WHEN 127 THEN 'scam_type' WHEN 191 THEN 'stage'
               WHEN 223 THEN 'channel' WHEN 239 THEN 'source' WHEN 247 THEN 'impersonated'
               WHEN 251 THEN 'province' WHEN 253 THEN 'prefecture' WHEN 254 THEN 'county'
           END,
           CASE GROUPING(scope) WHEN 0 THEN scope ELSE '' END,
           day,
           COALESCE(scam_type, stage, channel, source, impersonated, province, prefecture,
                    county, ''),
           currency, sum(sign), sum(loss), sum(victims)
    FROM report_deltas
    GROUP BY day, currency, GROUPING SETS (
        (), (scam_type), (stage), (channel), (source), (impersonated), (province),
        (prefecture), (county),
        (scope), (scope, scam_type), (scope, stage), (scope, channel), (scope, source),
        (scope, impersonated), (scope, province), (scope, prefecture), (scope, county))
    HAVING (sum(sign), sum(loss), sum(victims)) <> (0, 0, 0)
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (dim, scope, day, value, currency) DO UPDATE
    SET reports = t.reports + EXCLUDED.reports,
        loss_minor_sum = t.loss_minor_sum + EXCLUDED.loss_minor_sum,
        victims_with_loss = t.victims_with_loss + EXCLUDED.victims_with_loss
),
hourly AS (
    INSERT INTO trend_hourly AS t (dim, scope, hour, value, currency, reports,
                                   loss_minor_sum, victims_with_loss)
    SELECT CASE GROUPING(scam_type, stage, channel, source, impersonated, province)
               WHEN 63 THEN 'total' WHEN 31 THEN 'scam_type' WHEN 47 THEN 'stage'
               WHEN 55 THEN 'channel' WHEN 59 THEN 'source' WHEN 61 THEN 'impersonated'
               WHEN 62 THEN 'province'
           END,
           CASE GROUPING(scope) WHEN 0 THEN scope ELSE '' END,
           hour,
           COALESCE(scam_type, stage, channel, source, impersonated, province, ''),
           currency, sum(sign), sum(loss), sum(victims)
    FROM report_deltas
    GROUP BY hour, currency, GROUPING SETS (
        (), (scam_type), (stage), (channel), (source), (impersonated), (province),
        (scope), (scope, scam_type), (scope, stage), (scope, channel), (scope, source),
        (scope, impersonated), (scope, province))
    HAVING (sum(sign), sum(loss), sum(victims)) <> (0, 0, 0)
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (dim, scope, hour, value, currency) DO UPDATE
    SET reports = t.reports + EXCLUDED.reports,
        loss_minor_sum = t.loss_minor_sum + EXCLUDED.loss_minor_sum,
        victims_with_loss = t.victims_with_loss + EXCLUDED.victims_with_loss
),
indicators AS (
    INSERT INTO trend_indicator_daily AS t (kind, day, value, currency, reports,
                                            loss_minor_sum, victims_with_loss)
    SELECT kind, trend_day(at), value, currency, sum(sign), sum(sign * loss_minor),
           sum(CASE WHEN loss_minor > 0 THEN sign ELSE 0 END)
    FROM taken
    WHERE kind <> 'report'
    GROUP BY 1, 2, 3, 4
    HAVING (sum(sign), sum(sign * loss_minor),
            sum(CASE WHEN loss_minor > 0 THEN sign ELSE 0 END)) <> (0, 0, 0)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, day, value, currency) DO UPDATE
    SET reports = t.reports + EXCLUDED.reports,
        loss_minor_sum = t.loss_minor_sum + EXCLUDED.loss_minor_sum,
        victims_with_loss = t.victims_with_loss + EXCLUDED.victims_with_loss
),
profile AS (
    INSERT INTO trend_indicator_profile AS t (kind, value, scam_type, stage, reports)
    SELECT kind, value, scam_type, stage, sum(sign)
    FROM taken
    WHERE kind <> 'report'
    GROUP BY 1, 2, 3, 4
    HAVING sum(sign) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, value, scam_type, stage) DO UPDATE
    SET reports = t.reports + EXCLUDED.reports
)
SELECT count(*)::integer FROM taken
$$;

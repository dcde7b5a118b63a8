-- A monthly tier of the daily rollups, county rows as an indicator kind,
-- and indexes that rank each day's and month's indicator values.
--
-- Why: a question over a long range summed every daily row of it. A year
-- by prefecture is 365 x 340 rows; the top phones of a year are every
-- (day, phone) pair of the year, hundreds of thousands on ten million
-- reports. Now
--   * trend_monthly and trend_indicator_monthly hold, per Asia/Shanghai
--     calendar month, exactly the sum of their daily rows of that month;
--     a range reads its whole months there and only its edge days from
--     the daily tables (trend_month_from/trend_month_to below say which);
--   * the rank indexes give the values of one day or month and currency
--     in descending order of reports, so a top-N list reads the head of
--     each list and proves that nothing outside the heads can enter the
--     list (service/store/statements.c, TREND_TOP_PRUNED), instead of
--     summing every value;
--   * trend_indicator_daily/monthly also hold kind 'region' (the county
--     code, reports without a region left out), the same numbers as the
--     county rows of trend_daily in scope '', so that the top regions are
--     ranked the same way as phones and apps.
--
--   trend_monthly            (dim, scope, month, value, currency) -> counters
--   trend_indicator_monthly  (kind, month, value, currency)       -> counters
--     month  the first day of the Asia/Shanghai month (date_trunc('month',
--            trend_day(t))); the rest as in trend_daily and
--            trend_indicator_daily (0013).
--
-- Exactly once: trend_apply upserts the monthly rows from the same deltas,
-- summed per day first, in the same statement as the daily ones and the
-- DELETE of the pending rows (see 0013). So at every commit each monthly
-- row equals the sum of its month's daily rows, which is also what the
-- backfill below writes, and what the rollup tests check.
--
-- Backfill: from the daily tables as they are, with trend_apply held off
-- by the lock; pending rows are applied later by the new trend_apply, into
-- both tiers. As for 0015, run this with no trend worker running (as
-- `fraud-intake serve` does: it migrates before it starts its worker).
LOCK TABLE trend_daily, trend_indicator_daily IN EXCLUSIVE MODE;

CREATE TABLE trend_monthly (
    month              date NOT NULL,
    scope              text NOT NULL,
    dim                text NOT NULL CHECK (dim IN ('total', 'scam_type', 'stage', 'channel',
                           'source', 'impersonated', 'province', 'prefecture', 'county')),
    value              text NOT NULL,
    currency           text NOT NULL,
    reports            bigint NOT NULL,
    loss_minor_sum     numeric NOT NULL,
    victims_with_loss  bigint NOT NULL,
    PRIMARY KEY (dim, scope, month, value, currency)
);

ALTER TABLE trend_indicator_daily DROP CONSTRAINT trend_indicator_daily_kind_check,
    ADD CONSTRAINT trend_indicator_daily_kind_check
        CHECK (kind IN ('phone', 'app', 'account', 'url', 'region'));

CREATE TABLE trend_indicator_monthly (
    month              date NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('phone', 'app', 'account', 'url',
                           'region')),
    value              text NOT NULL,
    currency           text NOT NULL,
    reports            bigint NOT NULL,
    loss_minor_sum     numeric NOT NULL,
    victims_with_loss  bigint NOT NULL,
    PRIMARY KEY (kind, month, value, currency)
);

INSERT INTO trend_monthly (month, scope, dim, value, currency, reports, loss_minor_sum,
                           victims_with_loss)
SELECT date_trunc('month', day::timestamp)::date, scope, dim, value, currency, sum(reports),
       sum(loss_minor_sum), sum(victims_with_loss)
FROM trend_daily
GROUP BY 1, 2, 3, 4, 5
HAVING (sum(reports), sum(loss_minor_sum), sum(victims_with_loss)) <> (0, 0, 0);

INSERT INTO trend_indicator_daily (day, kind, value, currency, reports, loss_minor_sum,
                                   victims_with_loss)
SELECT day, 'region', value, currency, reports, loss_minor_sum, victims_with_loss
FROM trend_daily
WHERE dim = 'county' AND scope = '' AND value <> '000000'
  AND (reports, loss_minor_sum, victims_with_loss) <> (0, 0, 0);

INSERT INTO trend_indicator_monthly (month, kind, value, currency, reports, loss_minor_sum,
                                     victims_with_loss)
SELECT date_trunc('month', day::timestamp)::date, kind, value, currency, sum(reports),
       sum(loss_minor_sum), sum(victims_with_loss)
FROM trend_indicator_daily
GROUP BY 1, 2, 3, 4
HAVING (sum(reports), sum(loss_minor_sum), sum(victims_with_loss)) <> (0, 0, 0);

CREATE INDEX trend_indicator_monthly_value_idx ON trend_indicator_monthly (kind, value, month);
-- The rank lists: one per (kind, day or month, currency), best first. value
-- is in the key so that reading a list's head needs no table access.
CREATE INDEX trend_indicator_daily_rank_idx
    ON trend_indicator_daily (kind, day, currency, reports DESC, value);
CREATE INDEX trend_indicator_monthly_rank_idx
    ON trend_indicator_monthly (kind, month, currency, reports DESC, value);

-- The whole months inside the days [d_from, d_to): from trend_month_from
-- to trend_month_to, both first days of months. When no whole month fits,
-- both are d_to, so that [d_from, trend_month_from) is the whole range
-- and the other two parts are empty. A range is read as three parts:
-- days [d_from, from), months [from, to), days [to, d_to).
CREATE FUNCTION trend_month_from(d_from date, d_to date)
RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN (date_trunc('month', (d_from - 1)::timestamp) + interval '1 month')::date
                     < date_trunc('month', d_to::timestamp)::date
                THEN (date_trunc('month', (d_from - 1)::timestamp) + interval '1 month')::date
                ELSE d_to END
$$;
CREATE FUNCTION trend_month_to(d_from date, d_to date)
RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN (date_trunc('month', (d_from - 1)::timestamp) + interval '1 month')::date
                     < date_trunc('month', d_to::timestamp)::date
                THEN date_trunc('month', d_to::timestamp)::date
                ELSE d_to END
$$;

-- trend_apply as 0015 made it, with the monthly tiers and the region
-- indicator rows. The report deltas are summed per day once (day_cells)
-- and those sums summed again per month, and likewise for indicators, so
-- each month row gets exactly what its day rows get.
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
day_cells AS (
    SELECT CASE GROUPING(scam_type, stage, channel, source, impersonated, province,
                         prefecture, county)
               WHEN 255 THEN 'total' WHEN 127 THEN 'scam_type' WHEN 191 THEN 'stage'
               WHEN 223 THEN 'channel' WHEN 239 THEN 'source' WHEN 247 THEN 'impersonated'
               WHEN 251 THEN 'province' WHEN 253 THEN 'prefecture' WHEN 254 THEN 'county'
           END AS dim,
           CASE GROUPING(scope) WHEN 0 THEN scope ELSE '' END AS scope,
           day,
           COALESCE(scam_type, stage, channel, source, impersonated, province, prefecture,
                    county, '') AS value,
           currency, sum(sign) AS reports, sum(loss) AS loss, sum(victims) AS victims
    FROM report_deltas
    GROUP BY day, currency, GROUPING SETS (
        (), (scam_type), (stage), (channel), (source), (impersonated), (province),
        (prefecture), (county),
        (scope), (scope, scam_type), (scope, stage), (scope, channel), (scope, source),
        (scope, impersonated), (scope, province), (scope, prefecture), (scope, county))
    HAVING (sum(sign), sum(loss), sum(victims)) <> (0, 0, 0)
),
daily AS (
    INSERT INTO trend_daily AS t (dim, scope, day, value, currency, reports,
                                  loss_minor_sum, victims_with_loss)
    SELECT dim, scope, day, value, currency, reports, loss, victims
    FROM day_cells
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (dim, scope, day, value, currency) DO UPDATE
    SET reports = t.reports + EXCLUDED.reports,
        loss_minor_sum = t.loss_minor_sum + EXCLUDED.loss_minor_sum,
        victims_with_loss = t.victims_with_loss + EXCLUDED.victims_with_loss
),
monthly AS (
    INSERT INTO trend_monthly AS t (dim, scope, month, value, currency, reports,
                                    loss_minor_sum, victims_with_loss)
    SELECT dim, scope, date_trunc('month', day::timestamp)::date, value, currency,
           sum(reports), sum(loss), sum(victims)
    FROM day_cells
    GROUP BY 1, 2, 3, 4, 5
    HAVING (sum(reports), sum(loss), sum(victims)) <> (0, 0, 0)
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (dim, scope, month, value, currency) DO UPDATE
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
indicator_cells AS (
    SELECT kind, trend_day(at) AS day, value, currency, sum(sign) AS reports,
           sum(sign * loss_minor) AS loss,
           sum(CASE WHEN loss_minor > 0 THEN sign ELSE 0 END) AS victims
    FROM (SELECT kind, value, at, currency, sign, loss_minor FROM taken
          WHERE kind <> 'report'
          UNION ALL
          SELECT 'region', region::text, at, currency, sign, loss_minor FROM taken
          WHERE kind = 'report' AND region IS NOT NULL) x
    GROUP BY 1, 2, 3, 4
    HAVING (sum(sign), sum(sign * loss_minor),
            sum(CASE WHEN loss_minor > 0 THEN sign ELSE 0 END)) <> (0, 0, 0)
),
indicators AS (
    INSERT INTO trend_indicator_daily AS t (kind, day, value, currency, reports,
                                            loss_minor_sum, victims_with_loss)
    SELECT kind, day, value, currency, reports, loss, victims
    FROM indicator_cells
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, day, value, currency) DO UPDATE
    SET reports = t.reports + EXCLUDED.reports,
        loss_minor_sum = t.loss_minor_sum + EXCLUDED.loss_minor_sum,
        victims_with_loss = t.victims_with_loss + EXCLUDED.victims_with_loss
),
indicators_monthly AS (
    INSERT INTO trend_indicator_monthly AS t (kind, month, value, currency, reports,
                                              loss_minor_sum, victims_with_loss)
    SELECT kind, date_trunc('month', day::timestamp)::date, value, currency, sum(reports),
           sum(loss), sum(victims)
    FROM indicator_cells
    GROUP BY 1, 2, 3, 4
    HAVING (sum(reports), sum(loss), sum(victims)) <> (0, 0, 0)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, month, value, currency) DO UPDATE
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

-- A listed county's rows of one scope (the top regions of one scam type:
-- its reports before, first and last seen, losses), by value and day.
CREATE INDEX trend_daily_county_value_idx ON trend_daily (scope, value, day)
    WHERE dim = 'county';
CREATE INDEX trend_monthly_county_value_idx ON trend_monthly (scope, value, month)
    WHERE dim = 'county';

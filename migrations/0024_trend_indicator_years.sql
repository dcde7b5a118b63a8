-- A yearly tier of the indicator rollups.
--
-- A top-N list of a year sums each listed value's rows of the range and
-- of the year before: with days and months, the 24 month rows of each of
-- the top 100 values were 2,400 of the 3,300 rows the statement summed,
-- and over half its time. trend_indicator_yearly holds, per Asia/Shanghai
-- calendar year, exactly the sum of the monthly (and daily) rows of that
-- year, so a range reads its whole years there and only the months and
-- days at its edges below (service/domain/trend_pieces.c cuts months into
-- months and years as it cuts days into days and months). The year's top
-- 100 phones on 10 million reports, the statement alone, the same answer
-- with a yearly tier: 4.64 -> 3.21 ms at the median of 8 alternated
-- rounds of 30. Its rank index gives a year's values in descending order
-- of reports, as a list of TREND_TOP_PRUNED_SQL (6 lists for that year
-- instead of 16).
--
--   trend_indicator_yearly  (kind, year, value, currency) -> counters
--     year   the first day of the Asia/Shanghai year; the rest as in
--            trend_indicator_monthly (0016, 0022).
--
-- Exactly once: trend_apply below upserts the yearly rows from the same
-- per-day sums as the daily and monthly ones, in the same statement as
-- the DELETE of the pending rows (see 0013, 0016). The backfill sums the
-- monthly rows as they are, with trend_apply held off by the lock; run it
-- with no trend worker running (as `fraud-intake serve` does: it migrates
-- before it starts its worker).
--
-- The pieces and reads the statements take say which rows are yearly: a
-- new last field of trend_piece and trend_read (monthly and yearly are
-- never both true; neither is a day).
LOCK TABLE trend_indicator_daily, trend_indicator_monthly IN EXCLUSIVE MODE;

CREATE TABLE trend_indicator_yearly (
    year               date NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('phone', 'app', 'account', 'url',
                           'region')),
    value              text NOT NULL,
    currency           text NOT NULL,
    reports            bigint NOT NULL,
    loss_minor_sum     numeric NOT NULL,
    victims_with_loss  bigint NOT NULL,
    value_key          bigint NOT NULL GENERATED ALWAYS AS (trend_value_key(value)) STORED,
    PRIMARY KEY (kind, year, value, currency)
);

INSERT INTO trend_indicator_yearly (year, kind, value, currency, reports, loss_minor_sum,
                                    victims_with_loss)
SELECT date_trunc('year', month::timestamp)::date, kind, value, currency, sum(reports),
       sum(loss_minor_sum), sum(victims_with_loss)
FROM trend_indicator_monthly
GROUP BY 1, 2, 3, 4
HAVING (sum(reports), sum(loss_minor_sum), sum(victims_with_loss)) <> (0, 0, 0);

CREATE INDEX trend_indicator_yearly_by_key_idx ON trend_indicator_yearly (value_key, year)
    INCLUDE (kind, value, currency, reports, loss_minor_sum, victims_with_loss);
CREATE INDEX trend_indicator_yearly_rank_idx
    ON trend_indicator_yearly (kind, year, currency, reports DESC, value);

ALTER TYPE trend_piece ADD ATTRIBUTE yearly boolean;
ALTER TYPE trend_read ADD ATTRIBUTE yearly boolean;

-- trend_apply as 0016 made it, with the yearly indicator rows.
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
indicators_yearly AS (
    INSERT INTO trend_indicator_yearly AS t (kind, year, value, currency, reports,
                                             loss_minor_sum, victims_with_loss)
    SELECT kind, date_trunc('year', day::timestamp)::date, value, currency, sum(reports),
           sum(loss), sum(victims)
    FROM indicator_cells
    GROUP BY 1, 2, 3, 4
    HAVING (sum(reports), sum(loss), sum(victims)) <> (0, 0, 0)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, year, value, currency) DO UPDATE
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

-- Trend rollups, kept asynchronously. 0011 updated its rollup rows inside
-- every writer's transaction, which made concurrent writers of the same
-- bucket wait for each other and kept buckets too fine (one hourly row per
-- report, nearly). Here a writer only appends its contributions to
-- trend_pending, in its own transaction, through the triggers below; a
-- background thread (service/trend_worker.c) moves them into the rollups
-- with trend_apply(), a batch per transaction.
--
-- Bucket rules (every query over base tables that must agree with the
-- rollups uses the same ones; the functions below are the definitions):
--   * Time: rollup_at(occurred_at, reported_at) (0011, kept) =
--     COALESCE(occurred_at, reported_at): a report that does not say when
--     it happened is counted when it was reported.
--   * Day: trend_day(t) = the calendar date in Asia/Shanghai (UTC+8, no DST
--     since 1992), because police count days in local time.
--     Hour: trend_hour(t) = the UTC hour, which serves every zone whose
--     offsets are whole hours.
--   * channel, impersonated: the code, '' when the report names none.
--     Codes match ^[a-z], so '' is never a real code, and keys need no NULL.
--   * Region levels from the GB/T 2260 code: trend_province(region) =
--     first two digits || '0000'; trend_prefecture(region) = first four ||
--     '00' (= rollup_prefecture of 0011); trend_county(region) = the code
--     itself; '000000' at every level when the report gives no region.
--   * currency: loss_currency, '' when no loss is stated. Losses in
--     different currencies are never added, so currency is part of every
--     key; a bucket's report count is the sum over its currencies.
--   * victims_with_loss: reports with loss_minor > 0.
--   * Indicators: phone by E.164 (rows without one are left out), app by
--     name, account by value, url as given. A report counts once per
--     distinct value it names, however often it names it.
--
-- Exactly once:
--   * Every contribution is one trend_pending row, written by a trigger in
--     the writer's transaction: it exists if and only if the write
--     committed. A crash before COMMIT leaves neither.
--   * trend_apply() deletes the rows it applies and adds them to the
--     rollups in one statement, so in one transaction: after a crash the
--     rows are either still pending and not applied, or gone and applied.
--   * Concurrent trend_apply() calls take disjoint rows: a row is locked
--     (FOR UPDATE SKIP LOCKED) by the call that will delete it; another
--     call skips it, and once the delete commits the row no longer exists.
--     Their upserts lock rollup keys in primary-key order, the tables in
--     the same order every time, so two calls wait for each other but
--     never deadlock.
--   * A report inserted together with its indicators in one statement
--     (POST, :batch, :import, COPY) is one 'report' row plus one row per
--     distinct indicator value: different kinds, never counted twice.
--     An indicator row counts only when no row of the same report with
--     the same value has a lower position, so a value named twice, or named
--     again by a PATCH (appended after the existing positions), counts once.
--   * A PATCH that changes a bucket column writes -1 for the report as it
--     was and +1 for it as it is, for the report row and for each of its
--     indicator values, before the row changes (BEFORE UPDATE: the PATCH
--     statement appends new indicators after the update, and those are
--     counted by their insert trigger, with the new values, at the end of
--     the statement). The -1 and +1 may be applied in different batches:
--     in between, the report is briefly in neither or both buckets.
--   * Reports are never deleted by the service (no DELETE route), and
--     indicator rows are only ever appended, so deletes and updates of
--     indicator rows are not subtracted.
--
-- Rows whose counters fall back to 0 stay (with zeros): deleting them would
-- race with a concurrent upsert of the same key. Readers add zeros
-- harmlessly, or skip rows WHERE reports <> 0 (a row with reports = 0 has
-- loss_minor_sum = 0 and victims_with_loss = 0 too).
--
-- Lag: trend_worker applies every TREND_APPLY_INTERVAL_MS (default 500)
-- and again at once while a call applied a full batch, so a committed
-- report is in the rollups within about one interval plus the apply time.
--
-- For readers of the rollups (the trend routes), exactly what each holds:
--
--   trend_daily (day, scope, dim, value, currency)
--       -> reports, loss_minor_sum, victims_with_loss
--     day       trend_day(rollup_at(...)): the Asia/Shanghai date.
--     scope     '' = all reports; a scam type code = only reports of that
--               type (each report is counted in '' and again in its type's
--               scope), so a scam_type filter reads scope = that code.
--     dim       one of 'total', 'scam_type', 'stage', 'channel', 'source',
--               'impersonated', 'province', 'prefecture', 'county'.
--     value     the report's value in dim: '' for total; the code for
--               scam_type, stage, source; code or '' for channel and
--               impersonated; trend_province/_prefecture/_county(region)
--               for the region levels ('000000' when no region).
--     currency  loss_currency or '' (no loss stated).
--     reports   number of reports; within one (day, scope, dim) the rows
--               of every value and currency add up to the reports of that
--               day and scope (every report has exactly one value per dim).
--     loss_minor_sum     sum of loss_minor (minor units of currency).
--     victims_with_loss  reports with loss_minor > 0.
--
--   trend_hourly (hour, scope, dim, value, currency) -> the same counters
--     hour      trend_hour(rollup_at(...)): the UTC hour (timestamptz).
--     scope, value, currency, counters: as in trend_daily.
--     dim       'total', 'scam_type', 'stage', 'channel', 'source',
--               'province', 'impersonated' (no prefecture, county).
--
--   trend_indicator_daily (kind, day, value, currency)
--       -> reports, loss_minor_sum, victims_with_loss
--     kind      'phone' (value = E.164), 'app' (name), 'account' (value),
--               'url' (url).
--     day       the Asia/Shanghai date, as in trend_daily.
--     reports   distinct reports naming the value whose bucket time falls
--               on that day; loss_minor_sum and victims_with_loss count
--               each such report once. No scope: a filter other than none
--               reads the base tables.
--     Index (kind, value, day) for lookups of one value.
--
--   First/last seen are not kept (min and max cannot be subtracted); all
--   rows may hold zeros (see above); rows appear in the rollups only once
--   trend_pending is applied (SELECT count(*) FROM trend_pending = 0 means
--   everything committed so far is in).

-- Writers of reports and indicators wait until this migration commits:
-- the old triggers go, the new ones come, and the backfill below reads a
-- set of rows that nobody changes meanwhile. Readers are not held up.
LOCK TABLE reports, report_phones, report_apps, report_accounts, report_urls
    IN SHARE ROW EXCLUSIVE MODE;

DROP TRIGGER rollup_reports_inserted ON reports;
DROP TRIGGER rollup_reports_updated ON reports;
DROP TRIGGER rollup_phones_inserted ON report_phones;
DROP TRIGGER rollup_apps_inserted ON report_apps;
DROP TRIGGER rollup_accounts_inserted ON report_accounts;
DROP TRIGGER rollup_urls_inserted ON report_urls;
DROP FUNCTION rollup_reports_inserted();
DROP FUNCTION rollup_reports_updated();
DROP FUNCTION rollup_indicators_inserted();
DROP FUNCTION rollup_hourly_apply(jsonb, integer);
DROP FUNCTION rollup_indicators_of(uuid, timestamptz, bigint, text, integer);
DROP FUNCTION rollup_indicators_reseen(uuid, timestamptz, text);
DROP TABLE rollup_hourly;
DROP TABLE rollup_indicator_daily;
-- rollup_at and rollup_prefecture stay: they are bucket rules, used by
-- queries over the base tables too.

CREATE FUNCTION trend_day(t timestamptz)
RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (t AT TIME ZONE 'Asia/Shanghai')::date
$$;
CREATE FUNCTION trend_hour(t timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc('hour', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;
CREATE FUNCTION trend_province(region char(6))
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(substr(region, 1, 2) || '0000', '000000')
$$;
CREATE FUNCTION trend_prefecture(region char(6))
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(substr(region, 1, 4) || '00', '000000')
$$;
CREATE FUNCTION trend_county(region char(6))
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(region::text, '000000')
$$;

-- One row per contribution waiting to be applied. No foreign key: rows are
-- only appended and deleted, and a report is never deleted. The bucket
-- columns hold the values the rollups key on ('' for no channel,
-- impersonated party or currency; loss_minor 0 when none is stated);
-- region stays the code (NULL when none), levelled when applied.
CREATE TABLE trend_pending (
    id            bigserial PRIMARY KEY,
    report_id     uuid NOT NULL,
    sign          smallint NOT NULL CHECK (sign IN (-1, 1)),
    kind          text NOT NULL CHECK (kind IN ('report', 'phone', 'app', 'account', 'url')),
    value         text NOT NULL,
    at            timestamptz NOT NULL,
    scam_type     text NOT NULL,
    stage         text NOT NULL,
    channel       text NOT NULL,
    source        text NOT NULL,
    region        char(6),
    impersonated  text NOT NULL,
    currency      text NOT NULL,
    loss_minor    bigint NOT NULL
);

CREATE TABLE trend_daily (
    day                date NOT NULL,
    scope              text NOT NULL,
    dim                text NOT NULL CHECK (dim IN ('total', 'scam_type', 'stage', 'channel',
                           'source', 'impersonated', 'province', 'prefecture', 'county')),
    value              text NOT NULL,
    currency           text NOT NULL,
    reports            bigint NOT NULL,
    loss_minor_sum     numeric NOT NULL,
    victims_with_loss  bigint NOT NULL,
    PRIMARY KEY (dim, scope, day, value, currency)
);

CREATE TABLE trend_hourly (
    hour               timestamptz NOT NULL,
    scope              text NOT NULL,
    dim                text NOT NULL CHECK (dim IN ('total', 'scam_type', 'stage', 'channel',
                           'source', 'impersonated', 'province')),
    value              text NOT NULL,
    currency           text NOT NULL,
    reports            bigint NOT NULL,
    loss_minor_sum     numeric NOT NULL,
    victims_with_loss  bigint NOT NULL,
    PRIMARY KEY (dim, scope, hour, value, currency)
);

CREATE TABLE trend_indicator_daily (
    day                date NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('phone', 'app', 'account', 'url')),
    value              text NOT NULL,
    currency           text NOT NULL,
    reports            bigint NOT NULL,
    loss_minor_sum     numeric NOT NULL,
    victims_with_loss  bigint NOT NULL,
    PRIMARY KEY (kind, day, value, currency)
);
CREATE INDEX trend_indicator_daily_value_idx ON trend_indicator_daily (kind, value, day);

-- A report's bucket columns, as trend_pending holds them.
CREATE FUNCTION trend_buckets(r reports)
RETURNS TABLE (at timestamptz, scam_type text, stage text, channel text, source text,
               region char(6), impersonated text, currency text, loss_minor bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT rollup_at(r.occurred_at, r.reported_at), r.scam_type, r.stage,
           COALESCE(r.channel, ''), r.source, r.region, COALESCE(r.impersonated, ''),
           COALESCE(r.loss_currency::text, ''), COALESCE(r.loss_minor, 0)
$$;

-- The distinct indicator values a report names, by kind.
CREATE FUNCTION trend_indicators(report uuid)
RETURNS TABLE (kind text, value text) LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT 'phone', e164 FROM report_phones WHERE report_id = report AND e164 IS NOT NULL
    UNION SELECT 'app', name FROM report_apps WHERE report_id = report
    UNION SELECT 'account', value FROM report_accounts WHERE report_id = report
    UNION SELECT 'url', url FROM report_urls WHERE report_id = report
$$;

-- Statement level with a transition table: a COPY or an import of
-- thousands of reports is one INSERT ... SELECT here.
CREATE FUNCTION trend_reports_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trend_pending (report_id, sign, kind, value, at, scam_type, stage, channel,
                               source, region, impersonated, currency, loss_minor)
    SELECT r.id, 1, 'report', '', b.*
    FROM new_reports r, trend_buckets(r) b;
    RETURN NULL;
END
$$;

CREATE TRIGGER trend_reports_inserted AFTER INSERT ON reports
    REFERENCING NEW TABLE AS new_reports
    FOR EACH STATEMENT EXECUTE FUNCTION trend_reports_inserted();

-- Indicators that arrive with a report or later (PATCH add_*), one
-- function for the four tables: TG_ARGV names the kind and the value
-- column. Runs after the whole statement, so the report row it joins is
-- the one the statement left (a PATCH's new values). A row counts only
-- when it is the report's first (lowest position) with that value.
-- Each new row looks up its own report and its report's other rows by
-- primary key: without hash and merge joins, which would read the whole
-- of reports and of the indicator table for every statement and so make
-- each COPY of a bulk load slower than the one before.
CREATE FUNCTION trend_indicators_inserted() RETURNS trigger LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off AS $$
BEGIN
    EXECUTE format($sql$
        INSERT INTO trend_pending (report_id, sign, kind, value, at, scam_type, stage,
                                   channel, source, region, impersonated, currency,
                                   loss_minor)
        SELECT r.id, 1, %1$L, n.%2$I, b.*
        FROM new_rows n JOIN reports r ON r.id = n.report_id, trend_buckets(r) b
        WHERE n.%2$I IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM %3$I o WHERE o.report_id = n.report_id
                          AND o.position < n.position AND o.%2$I = n.%2$I)
        $sql$, TG_ARGV[0], TG_ARGV[1], TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER trend_phones_inserted AFTER INSERT ON report_phones
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION trend_indicators_inserted('phone', 'e164');
CREATE TRIGGER trend_apps_inserted AFTER INSERT ON report_apps
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION trend_indicators_inserted('app', 'name');
CREATE TRIGGER trend_accounts_inserted AFTER INSERT ON report_accounts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION trend_indicators_inserted('account', 'value');
CREATE TRIGGER trend_urls_inserted AFTER INSERT ON report_urls
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION trend_indicators_inserted('url', 'url');

-- Row level, BEFORE: the report leaves its old buckets and enters its new
-- ones, with each indicator value it named before this statement (see the
-- header for why BEFORE). There is no other BEFORE UPDATE trigger on
-- reports, so NEW is the row that will be stored.
CREATE FUNCTION trend_reports_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trend_pending (report_id, sign, kind, value, at, scam_type, stage, channel,
                               source, region, impersonated, currency, loss_minor)
    SELECT OLD.id, v.sign, i.kind, i.value, b.*
    FROM (SELECT 'report' AS kind, '' AS value
          UNION ALL SELECT * FROM trend_indicators(OLD.id)) i,
         (VALUES (-1, OLD), (1, NEW)) v(sign, r),
         trend_buckets(v.r) b;
    RETURN NEW;
END
$$;

CREATE TRIGGER trend_reports_updated
    BEFORE UPDATE OF stage, scam_type, channel, source, region, impersonated, occurred_at,
        reported_at, loss_minor, loss_currency
    ON reports FOR EACH ROW
    WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.scam_type IS DISTINCT FROM NEW.scam_type
          OR OLD.channel IS DISTINCT FROM NEW.channel OR OLD.source IS DISTINCT FROM NEW.source
          OR OLD.region IS DISTINCT FROM NEW.region
          OR OLD.impersonated IS DISTINCT FROM NEW.impersonated
          OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at
          OR OLD.reported_at IS DISTINCT FROM NEW.reported_at
          OR OLD.loss_minor IS DISTINCT FROM NEW.loss_minor
          OR OLD.loss_currency IS DISTINCT FROM NEW.loss_currency)
    EXECUTE FUNCTION trend_reports_updated();

-- Applies the oldest max_rows pending rows that no other call holds and
-- returns how many it applied (0: nothing left, or all held). One
-- statement: the DELETE and the three upserts commit together.
-- Deltas are summed per key first, so a key is touched once per call, and
-- keys whose deltas cancel out (a PATCH that changed another dimension)
-- are skipped. The report rows are summed with GROUPING SETS, one set per
-- (scope, dim), instead of one row per report and dim: GROUPING() says
-- which set a result row belongs to (a bit per listed column, 1 = not
-- grouped, first column highest), and in that row the one grouped dim
-- column is the only one not NULL (bucket values are never NULL).
-- ORDER BY the primary key: concurrent calls lock keys in the same order.
CREATE FUNCTION trend_apply(max_rows integer) RETURNS integer LANGUAGE sql AS $$
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
)
SELECT count(*)::integer FROM taken
$$;

-- Backfill: whatever reports exist already become pending rows, exactly
-- as if they had been inserted now, and the worker applies them like any
-- other (until then the trend answers lag behind, as after any burst).
-- In bucket-time order, so that a batch covers few days and hours and its
-- deltas collapse into few keys.
INSERT INTO trend_pending (report_id, sign, kind, value, at, scam_type, stage, channel,
                           source, region, impersonated, currency, loss_minor)
SELECT x.report_id, 1, x.kind, x.value, b.*
FROM (SELECT r.id AS report_id, 'report' AS kind, '' AS value FROM reports r
      UNION
      SELECT report_id, 'phone', e164 FROM report_phones WHERE e164 IS NOT NULL
      UNION
      SELECT report_id, 'app', name FROM report_apps
      UNION
      SELECT report_id, 'account', value FROM report_accounts
      UNION
      SELECT report_id, 'url', url FROM report_urls) x
JOIN reports r ON r.id = x.report_id, trend_buckets(r) b
ORDER BY b.at, x.report_id, x.kind, x.value;

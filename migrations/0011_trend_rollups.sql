-- Pre-aggregated rollups for trend queries, maintained by triggers in the
-- transaction that writes the report. Every write path (POST /v1/reports,
-- :batch, :import's INSERT ... SELECT, PATCH, fraud-intake demo-data's
-- COPY) goes through these triggers, so the C code needs no rollup calls,
-- and a report is counted exactly once: its rows and its rollup deltas
-- commit or roll back together, also across a crash.
--
-- Bucket rules (a query reading the rollups must use the same ones):
--   * Time: COALESCE(occurred_at, reported_at), truncated in UTC. A report
--     that does not say when it happened is counted when it was reported.
--     Hourly UTC buckets serve every time zone whose offset is whole hours
--     exactly; zones with :30 or :45 offsets must read the base tables.
--   * channel: '' when the report names none. Codes match ^[a-z], so ''
--     can never be a real code, and a plain unique key works with
--     ON CONFLICT (NULL would never conflict).
--   * prefecture: the first four digits of region followed by '00'
--     (GB/T 2260 prefecture of a county, itself for a prefecture, the
--     first grouping row for a province code such as 440000 -> 440000);
--     '000000' when the report gives no region.
--   * currency: losses in different currencies cannot be added, so the
--     currency is part of every key; '' when no loss is stated. A bucket's
--     report count is the sum over its currencies.
--   * victims_with_loss counts reports with loss_minor > 0.
-- Rows whose counts fall to 0 after an update stay (with zeros): deleting
-- them would race with a concurrent upsert of the same key, and readers
-- add zeros harmlessly.
-- Deleting reports is not a path of the service (there is no DELETE
-- route), so deletes are not subtracted.
-- Concurrency: two transactions adding to the same key serialize on that
-- rollup row until the first commits. At national intake rates a key
-- (hour x scam type x stage x channel x source x prefecture x currency)
-- sees a few reports per hour, so the wait is rare and short; a bulk import
-- holds its keys until it commits, and other writers of the same keys wait
-- for it.

CREATE TABLE rollup_hourly (
    hour_utc           timestamptz NOT NULL,
    scam_type          text NOT NULL,
    stage              text NOT NULL,
    channel            text NOT NULL,
    source             text NOT NULL,
    prefecture         char(6) NOT NULL,
    currency           text NOT NULL,
    reports            bigint NOT NULL,
    loss_minor_sum     numeric NOT NULL,
    victims_with_loss  bigint NOT NULL,
    PRIMARY KEY (hour_utc, scam_type, stage, channel, source, prefecture, currency)
);

-- Per UTC day and indicator: phones by E.164 (numbers that could not be
-- normalised are left out), apps by name, accounts by value, URLs as given.
-- reports counts distinct reports naming the value; loss_minor_sum adds
-- each such report's loss once. first_seen/last_seen are the earliest and
-- latest bucket times of those reports within the day.
CREATE TABLE rollup_indicator_daily (
    day_utc         date NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('phone', 'app', 'account', 'url')),
    value           text NOT NULL,
    currency        text NOT NULL,
    reports         bigint NOT NULL,
    loss_minor_sum  numeric NOT NULL,
    first_seen      timestamptz,
    last_seen       timestamptz,
    PRIMARY KEY (day_utc, kind, value, currency)
);
CREATE INDEX rollup_indicator_daily_value_idx ON rollup_indicator_daily (kind, value, day_utc);

-- The bucket time of a report, and its UTC hour and day.
CREATE FUNCTION rollup_at(occurred_at timestamptz, reported_at timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(occurred_at, reported_at)
$$;
CREATE FUNCTION rollup_prefecture(region char(6))
RETURNS char(6) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(substr(region, 1, 4) || '00', '000000')
$$;

-- Adds (sign 1) or subtracts (sign -1) the reports of a set, grouped so
-- that a statement touches each rollup key once however many rows it wrote.
CREATE FUNCTION rollup_hourly_apply(rows_json jsonb, sign integer)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO rollup_hourly AS h
    SELECT date_trunc('hour', rollup_at(r.occurred_at, r.reported_at), 'UTC'), r.scam_type,
           r.stage, COALESCE(r.channel, ''), r.source, rollup_prefecture(r.region),
           COALESCE(r.loss_currency, ''), sign * count(*),
           sign * COALESCE(sum(r.loss_minor), 0),
           sign * count(*) FILTER (WHERE r.loss_minor > 0)
    FROM jsonb_populate_recordset(NULL::reports, rows_json) r
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (hour_utc, scam_type, stage, channel, source, prefecture, currency)
    DO UPDATE SET reports = h.reports + EXCLUDED.reports,
                  loss_minor_sum = h.loss_minor_sum + EXCLUDED.loss_minor_sum,
                  victims_with_loss = h.victims_with_loss + EXCLUDED.victims_with_loss
$$;

-- Statement level with a transition table: an import of thousands of rows
-- runs one aggregated upsert, not one per row.
CREATE FUNCTION rollup_reports_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_hourly AS h
    SELECT date_trunc('hour', rollup_at(r.occurred_at, r.reported_at), 'UTC'), r.scam_type,
           r.stage, COALESCE(r.channel, ''), r.source, rollup_prefecture(r.region),
           COALESCE(r.loss_currency, ''), count(*), COALESCE(sum(r.loss_minor), 0),
           count(*) FILTER (WHERE r.loss_minor > 0)
    FROM new_reports r
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (hour_utc, scam_type, stage, channel, source, prefecture, currency)
    DO UPDATE SET reports = h.reports + EXCLUDED.reports,
                  loss_minor_sum = h.loss_minor_sum + EXCLUDED.loss_minor_sum,
                  victims_with_loss = h.victims_with_loss + EXCLUDED.victims_with_loss;
    RETURN NULL;
END
$$;

CREATE TRIGGER rollup_reports_inserted AFTER INSERT ON reports
    REFERENCING NEW TABLE AS new_reports
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_reports_inserted();

-- Adds (sign 1) or subtracts (sign -1) one report's contribution to the
-- daily rollup of every indicator it names, as of bucket time `at` and
-- loss (loss, loss_currency).
CREATE FUNCTION rollup_indicators_of(report uuid, at timestamptz, loss bigint,
                                     loss_currency text, sign integer)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO rollup_indicator_daily AS d
    SELECT (at AT TIME ZONE 'UTC')::date, i.kind, i.value, COALESCE(loss_currency, ''), sign,
           sign * COALESCE(loss, 0), at, at
    FROM (SELECT 'phone' AS kind, e164 AS value FROM report_phones
          WHERE report_id = report AND e164 IS NOT NULL
          UNION SELECT 'app', name FROM report_apps WHERE report_id = report
          UNION SELECT 'account', value FROM report_accounts WHERE report_id = report
          UNION SELECT 'url', url FROM report_urls WHERE report_id = report) i
    ON CONFLICT (day_utc, kind, value, currency)
    DO UPDATE SET reports = d.reports + EXCLUDED.reports,
                  loss_minor_sum = d.loss_minor_sum + EXCLUDED.loss_minor_sum,
                  first_seen = CASE WHEN sign > 0 THEN LEAST(d.first_seen, EXCLUDED.first_seen)
                                    ELSE d.first_seen END,
                  last_seen = CASE WHEN sign > 0 THEN GREATEST(d.last_seen, EXCLUDED.last_seen)
                                   ELSE d.last_seen END
$$;

-- After a report leaves a day bucket, first_seen/last_seen of the rows it
-- left are recomputed from the base tables without it (min and max cannot
-- be subtracted), but only for the rows where it was the first or the last:
-- the recomputation reads every report naming the value, which for a number
-- named by many reports is the costly part. The rows are locked by the
-- subtraction, so writers of the same keys wait until the PATCH commits.
CREATE FUNCTION rollup_indicators_reseen(report uuid, at timestamptz, day_currency text)
RETURNS void LANGUAGE sql AS $$
    UPDATE rollup_indicator_daily d
    SET first_seen = s.first_seen, last_seen = s.last_seen
    FROM (SELECT i.kind, i.value, min(rollup_at(r.occurred_at, r.reported_at)) AS first_seen,
                 max(rollup_at(r.occurred_at, r.reported_at)) AS last_seen
          FROM (SELECT e.kind, e.value
                FROM (SELECT 'phone' AS kind, e164 AS value FROM report_phones
                      WHERE report_id = report AND e164 IS NOT NULL
                      UNION SELECT 'app', name FROM report_apps WHERE report_id = report
                      UNION SELECT 'account', value FROM report_accounts
                      WHERE report_id = report
                      UNION SELECT 'url', url FROM report_urls WHERE report_id = report) e
                JOIN rollup_indicator_daily x ON x.day_utc = (at AT TIME ZONE 'UTC')::date
                     AND x.kind = e.kind AND x.value = e.value AND x.currency = day_currency
                WHERE x.first_seen = at OR x.last_seen = at) i
          LEFT JOIN LATERAL (
                SELECT p.report_id FROM report_phones p
                WHERE i.kind = 'phone' AND p.e164 = i.value
                UNION SELECT a.report_id FROM report_apps a
                WHERE i.kind = 'app' AND a.name = i.value
                UNION SELECT a.report_id FROM report_accounts a
                WHERE i.kind = 'account' AND a.value = i.value
                UNION SELECT u.report_id FROM report_urls u
                WHERE i.kind = 'url' AND u.url = i.value) n ON n.report_id <> report
          LEFT JOIN reports r ON r.id = n.report_id
               AND (rollup_at(r.occurred_at, r.reported_at) AT TIME ZONE 'UTC')::date
                   = (at AT TIME ZONE 'UTC')::date
               AND COALESCE(r.loss_currency, '') = day_currency
          GROUP BY i.kind, i.value) s
    WHERE d.day_utc = (at AT TIME ZONE 'UTC')::date AND d.kind = s.kind AND d.value = s.value
      AND d.currency = day_currency
$$;

-- Row level: PATCH changes one report at a time. The old row's
-- contribution leaves its buckets and the new row's enters its own, in
-- the PATCH's transaction. BEFORE, not AFTER: the PATCH statement may add
-- indicators in the same statement (sibling INSERTs that read the updated
-- row, so they run after this trigger); here only the indicators the
-- report had before are moved, and the added ones are counted once, with
-- the new values, by their own insert triggers below.
CREATE FUNCTION rollup_reports_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_at timestamptz := rollup_at(OLD.occurred_at, OLD.reported_at);
    new_at timestamptz := rollup_at(NEW.occurred_at, NEW.reported_at);
BEGIN
    PERFORM rollup_hourly_apply(jsonb_build_array(to_jsonb(OLD)), -1);
    PERFORM rollup_hourly_apply(jsonb_build_array(to_jsonb(NEW)), 1);
    IF old_at IS DISTINCT FROM new_at OR OLD.loss_minor IS DISTINCT FROM NEW.loss_minor
       OR OLD.loss_currency IS DISTINCT FROM NEW.loss_currency THEN
        PERFORM rollup_indicators_of(OLD.id, old_at, OLD.loss_minor, OLD.loss_currency, -1);
        PERFORM rollup_indicators_reseen(OLD.id, old_at, COALESCE(OLD.loss_currency, ''));
        PERFORM rollup_indicators_of(NEW.id, new_at, NEW.loss_minor, NEW.loss_currency, 1);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER rollup_reports_updated
    BEFORE UPDATE OF stage, scam_type, channel, region, occurred_at, loss_minor, loss_currency
    ON reports FOR EACH ROW
    WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.scam_type IS DISTINCT FROM NEW.scam_type
          OR OLD.channel IS DISTINCT FROM NEW.channel OR OLD.region IS DISTINCT FROM NEW.region
          OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at
          OR OLD.loss_minor IS DISTINCT FROM NEW.loss_minor
          OR OLD.loss_currency IS DISTINCT FROM NEW.loss_currency)
    EXECUTE FUNCTION rollup_reports_updated();

-- Indicators that arrive with a report or later (PATCH adds them), one
-- function for the four tables: TG_ARGV names the kind and the column.
-- Statement level with a transition table, like reports. Only a
-- (report, value) pair new to the report counts: a row is counted when no
-- row of the same report with the same value has a lower position, so a
-- report naming a number twice, or a PATCH naming it again, still counts
-- the report once. Phones count by E.164; rows without one are left out.
CREATE FUNCTION rollup_indicators_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($sql$
        INSERT INTO rollup_indicator_daily AS d
        SELECT (rollup_at(r.occurred_at, r.reported_at) AT TIME ZONE 'UTC')::date, %L,
               n.%2$I, COALESCE(r.loss_currency, ''), count(*),
               COALESCE(sum(r.loss_minor), 0), min(rollup_at(r.occurred_at, r.reported_at)),
               max(rollup_at(r.occurred_at, r.reported_at))
        FROM new_rows n JOIN reports r ON r.id = n.report_id
        WHERE n.%2$I IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM %3$I o WHERE o.report_id = n.report_id AND o.%2$I = n.%2$I
              AND o.position < n.position)
        GROUP BY 1, 3, 4
        ON CONFLICT (day_utc, kind, value, currency)
        DO UPDATE SET reports = d.reports + EXCLUDED.reports,
                      loss_minor_sum = d.loss_minor_sum + EXCLUDED.loss_minor_sum,
                      first_seen = LEAST(d.first_seen, EXCLUDED.first_seen),
                      last_seen = GREATEST(d.last_seen, EXCLUDED.last_seen)
        $sql$, TG_ARGV[0], TG_ARGV[1], TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER rollup_phones_inserted AFTER INSERT ON report_phones
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION rollup_indicators_inserted('phone', 'e164');
CREATE TRIGGER rollup_apps_inserted AFTER INSERT ON report_apps
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION rollup_indicators_inserted('app', 'name');
CREATE TRIGGER rollup_accounts_inserted AFTER INSERT ON report_accounts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION rollup_indicators_inserted('account', 'value');
CREATE TRIGGER rollup_urls_inserted AFTER INSERT ON report_urls
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION rollup_indicators_inserted('url', 'url');

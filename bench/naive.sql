-- The plain GROUP BY over the base tables that answers each benchmark
-- request, timed by bench/trends.sh against the route. One query per kind
-- of route, after a "-- name:" line; trends.sh picks it from the request's
-- path and sets these psql variables from the request's query string:
--   :'from' :'to'       the range, half-open, as timestamptz text
--   :'tz' :'interval'   time zone (default Asia/Shanghai), day|week|month
--   :'scam_type' :'channel'  filters, '' when the request has none
--   :'phone'            the looked-up number (E.164)
--   :limit              top-N size (default 10)
--   :metric             count(*) | count(*) FILTER (WHERE r.loss_minor > 0)
--                       | sum of loss_minor in the request's currency
--   :by                 the column expression of the `by` dimension
--   :indicator_table, :indicator_value  report_phones/e164, report_apps/name,
--                       report_accounts/value
-- Bucket rules as in the rollups: a report's time is
-- COALESCE(occurred_at, reported_at); a missing channel or impersonated
-- party is ''; province/prefecture are the region's first 2/4 digits padded
-- with zeros, '000000' without a region; an indicator counts a report once.
-- Each query returns what the route returns (empty buckets included), so
-- both sides do the same work; none reads a victim column.

-- name: series
SELECT b.start, COALESCE(c.total, 0) AS total
FROM generate_series(date_trunc(:'interval', :'from'::timestamptz AT TIME ZONE :'tz'),
                     date_trunc(:'interval', (:'to'::timestamptz - interval '1 microsecond')
                                             AT TIME ZONE :'tz'),
                     ('1 ' || :'interval')::interval) AS b(start)
LEFT JOIN (
    SELECT date_trunc(:'interval', COALESCE(r.occurred_at, r.reported_at) AT TIME ZONE :'tz')
               AS start,
           :metric AS total
    FROM reports r
    WHERE COALESCE(r.occurred_at, r.reported_at) >= :'from'
      AND COALESCE(r.occurred_at, r.reported_at) < :'to'
      AND (:'scam_type' = '' OR r.scam_type = :'scam_type')
      AND (:'channel' = '' OR r.channel = :'channel')
    GROUP BY 1) c USING (start)
ORDER BY b.start;

-- name: series_by
WITH cells AS (
    SELECT date_trunc(:'interval', COALESCE(r.occurred_at, r.reported_at) AT TIME ZONE :'tz')
               AS start,
           :by AS value, :metric AS amount
    FROM reports r
    WHERE COALESCE(r.occurred_at, r.reported_at) >= :'from'
      AND COALESCE(r.occurred_at, r.reported_at) < :'to'
      AND (:'scam_type' = '' OR r.scam_type = :'scam_type')
      AND (:'channel' = '' OR r.channel = :'channel')
    GROUP BY 1, 2),
buckets AS (
    SELECT generate_series(date_trunc(:'interval', :'from'::timestamptz AT TIME ZONE :'tz'),
                           date_trunc(:'interval', (:'to'::timestamptz - interval '1 microsecond')
                                                   AT TIME ZONE :'tz'),
                           ('1 ' || :'interval')::interval) AS start)
SELECT b.start, v.value, COALESCE(c.amount, 0) AS amount,
       sum(COALESCE(c.amount, 0)) OVER (PARTITION BY b.start) AS total
FROM buckets b
CROSS JOIN (SELECT DISTINCT value FROM cells) v
LEFT JOIN cells c ON c.start = b.start AND c.value = v.value
ORDER BY b.start, v.value;

-- name: series_app
-- A report naming an app twice counts once for it; the bucket total is
-- every report, with or without an app.
WITH hits AS (
    SELECT r.*, date_trunc(:'interval', COALESCE(r.occurred_at, r.reported_at) AT TIME ZONE :'tz')
                    AS start
    FROM reports r
    WHERE COALESCE(r.occurred_at, r.reported_at) >= :'from'
      AND COALESCE(r.occurred_at, r.reported_at) < :'to'
      AND (:'scam_type' = '' OR r.scam_type = :'scam_type')
      AND (:'channel' = '' OR r.channel = :'channel')),
cells AS (
    SELECT r.start, a.name AS value, :metric AS amount
    FROM hits r
    JOIN (SELECT DISTINCT report_id, name FROM report_apps) a ON a.report_id = r.id
    GROUP BY 1, 2),
totals AS (SELECT r.start, :metric AS total FROM hits r GROUP BY 1),
buckets AS (
    SELECT generate_series(date_trunc(:'interval', :'from'::timestamptz AT TIME ZONE :'tz'),
                           date_trunc(:'interval', (:'to'::timestamptz - interval '1 microsecond')
                                                   AT TIME ZONE :'tz'),
                           ('1 ' || :'interval')::interval) AS start)
SELECT b.start, v.value, COALESCE(c.amount, 0) AS amount, COALESCE(t.total, 0) AS total
FROM buckets b
CROSS JOIN (SELECT DISTINCT value FROM cells) v
LEFT JOIN cells c ON c.start = b.start AND c.value = v.value
LEFT JOIN totals t ON t.start = b.start
ORDER BY b.start, v.value;

-- name: top_indicator
-- Current range and the equal range before it in one scan; loss per
-- currency, first and last seen within the range, of the top values.
WITH hits AS (
    SELECT DISTINCT i.:indicator_value AS value, r.id,
           COALESCE(r.occurred_at, r.reported_at) >= :'from' AS current,
           COALESCE(r.occurred_at, r.reported_at) AS at, r.loss_currency, r.loss_minor
    FROM :indicator_table i
    JOIN reports r ON r.id = i.report_id
    WHERE i.:indicator_value IS NOT NULL
      AND COALESCE(r.occurred_at, r.reported_at)
          >= :'from'::timestamptz - (:'to'::timestamptz - :'from'::timestamptz)
      AND COALESCE(r.occurred_at, r.reported_at) < :'to'
      AND (:'scam_type' = '' OR r.scam_type = :'scam_type')
      AND (:'channel' = '' OR r.channel = :'channel')),
top AS (
    SELECT value, count(*) FILTER (WHERE current) AS reports,
           count(*) FILTER (WHERE NOT current) AS previous_reports,
           min(at) FILTER (WHERE current) AS first_seen,
           max(at) FILTER (WHERE current) AS last_seen
    FROM hits
    GROUP BY value
    HAVING count(*) FILTER (WHERE current) > 0
    ORDER BY 2 DESC, value
    LIMIT :limit),
loss AS (
    SELECT h.value, json_object_agg(h.loss_currency, h.loss_minor_sum) AS loss
    FROM (SELECT value, loss_currency, sum(loss_minor) AS loss_minor_sum
          FROM hits
          WHERE current AND loss_currency IS NOT NULL AND value IN (SELECT value FROM top)
          GROUP BY 1, 2) h
    GROUP BY 1)
SELECT t.value, t.reports, l.loss, t.first_seen, t.last_seen, t.previous_reports
FROM top t
LEFT JOIN loss l USING (value)
ORDER BY t.reports DESC, t.value;

-- name: top_region
-- Regions at county level (the report's own code), as the route ranks them:
-- reports without a region are no region's; otherwise as top_indicator.
WITH hits AS (
    SELECT r.region::text AS value,
           COALESCE(r.occurred_at, r.reported_at) >= :'from' AS current,
           COALESCE(r.occurred_at, r.reported_at) AS at, r.loss_currency, r.loss_minor
    FROM reports r
    WHERE COALESCE(r.occurred_at, r.reported_at)
          >= :'from'::timestamptz - (:'to'::timestamptz - :'from'::timestamptz)
      AND COALESCE(r.occurred_at, r.reported_at) < :'to'
      AND (:'scam_type' = '' OR r.scam_type = :'scam_type')
      AND (:'channel' = '' OR r.channel = :'channel')
      AND r.region IS NOT NULL),
top AS (
    SELECT value, count(*) FILTER (WHERE current) AS reports,
           count(*) FILTER (WHERE NOT current) AS previous_reports,
           min(at) FILTER (WHERE current) AS first_seen,
           max(at) FILTER (WHERE current) AS last_seen
    FROM hits
    GROUP BY value
    HAVING count(*) FILTER (WHERE current) > 0
    ORDER BY 2 DESC, value
    LIMIT :limit),
loss AS (
    SELECT h.value, json_object_agg(h.loss_currency, h.loss_minor_sum) AS loss
    FROM (SELECT value, loss_currency, sum(loss_minor) AS loss_minor_sum
          FROM hits
          WHERE current AND loss_currency IS NOT NULL AND value IN (SELECT value FROM top)
          GROUP BY 1, 2) h
    GROUP BY 1)
SELECT t.value, t.reports, l.loss, t.first_seen, t.last_seen, t.previous_reports
FROM top t
LEFT JOIN loss l USING (value)
ORDER BY t.reports DESC, t.value;

-- name: funnel
-- reached = reports whose stage is at or after this one: a running sum
-- from the last stage back.
WITH per_stage AS (
    SELECT r.stage, count(*) AS reports
    FROM reports r
    WHERE COALESCE(r.occurred_at, r.reported_at) >= :'from'
      AND COALESCE(r.occurred_at, r.reported_at) < :'to'
      AND (:'scam_type' = '' OR r.scam_type = :'scam_type')
      AND (:'channel' = '' OR r.channel = :'channel')
    GROUP BY r.stage),
reached AS (
    SELECT s.code, s.position,
           sum(COALESCE(p.reports, 0)) OVER (ORDER BY s.position DESC) AS reached
    FROM stages s
    LEFT JOIN per_stage p ON p.stage = s.code)
SELECT code AS stage, reached,
       reached::numeric / NULLIF(first_value(reached) OVER (ORDER BY position), 0) AS share
FROM reached
ORDER BY position;

-- name: summary
-- Current and previous range in one scan, per currency ('' = no loss stated).
SELECT COALESCE(r.loss_currency, '') AS currency,
       count(*) FILTER (WHERE COALESCE(r.occurred_at, r.reported_at) >= :'from') AS reports,
       count(*) FILTER (WHERE COALESCE(r.occurred_at, r.reported_at) >= :'from'
                        AND r.loss_minor > 0) AS victims_with_loss,
       sum(r.loss_minor) FILTER (WHERE COALESCE(r.occurred_at, r.reported_at) >= :'from')
           AS loss_minor,
       count(*) FILTER (WHERE COALESCE(r.occurred_at, r.reported_at) < :'from')
           AS previous_reports,
       count(*) FILTER (WHERE COALESCE(r.occurred_at, r.reported_at) < :'from'
                        AND r.loss_minor > 0) AS previous_victims_with_loss,
       sum(r.loss_minor) FILTER (WHERE COALESCE(r.occurred_at, r.reported_at) < :'from')
           AS previous_loss_minor
FROM reports r
WHERE COALESCE(r.occurred_at, r.reported_at)
      >= :'from'::timestamptz - (:'to'::timestamptz - :'from'::timestamptz)
  AND COALESCE(r.occurred_at, r.reported_at) < :'to'
  AND (:'scam_type' = '' OR r.scam_type = :'scam_type')
  AND (:'channel' = '' OR r.channel = :'channel')
GROUP BY 1
ORDER BY 1;

-- name: lookup_phone
-- All time: every report naming the number, once each.
WITH hits AS (
    SELECT DISTINCT r.id, r.scam_type, r.stage, r.loss_currency, r.loss_minor,
           COALESCE(r.occurred_at, r.reported_at) AS at
    FROM report_phones p
    JOIN reports r ON r.id = p.report_id
    WHERE p.e164 = :'phone')
SELECT count(*) AS reports, min(at) AS first_seen, max(at) AS last_seen,
       array_agg(DISTINCT scam_type) AS scam_types, array_agg(DISTINCT stage) AS stages,
       (SELECT json_object_agg(loss_currency, loss_minor_sum)
        FROM (SELECT loss_currency, sum(loss_minor) AS loss_minor_sum
              FROM hits
              WHERE loss_currency IS NOT NULL
              GROUP BY 1) l) AS loss
FROM hits;

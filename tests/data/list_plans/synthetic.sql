-- 20,000 synthetic reports for tests/store/check_list_plans.c, so that the
-- planner has statistics to choose by. Every value is a function of g, the
-- row number, so the test knows what is selective:
--   id         00000000-0000-4000-8000-<g, 12 digits>
--   scam_type  'romance' on every 200th row, the other types in turn
--   region     every GB/T 2260 code in turn (about 6 rows each)
--   reported   g minutes before 2026-06-01T00:00:00Z; occurred (g mod 1000)
--              hours before that
--   police     every 5th row, at 'Station <g mod 400>'; 'closed' every 50th
--   phones     +86139 and g mod 10000 in 8 digits; apps 'app <g mod 500>';
--              accounts on even rows, 'account <g mod 5000>'; URLs on every
--              10th row, 'https://pay.example/<g mod 1000>'
INSERT INTO reports (id, source, scam_type, stage, channel, region, occurred_at, reported_at,
                     case_number, station, status)
SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
       CASE WHEN g % 5 = 0 THEN 'police' WHEN g % 5 < 3 THEN 'victim' ELSE 'public' END,
       CASE WHEN g % 200 = 0 THEN 'romance'
            ELSE l.scam_types[1 + g % cardinality(l.scam_types)] END,
       l.stages[1 + g % cardinality(l.stages)],
       l.channels[1 + g % cardinality(l.channels)],
       l.regions[1 + g % cardinality(l.regions)],
       timestamptz '2026-06-01T00:00:00Z' - g * interval '1 minute'
           - (g % 1000) * interval '1 hour',
       timestamptz '2026-06-01T00:00:00Z' - g * interval '1 minute',
       CASE WHEN g % 5 = 0 THEN 'CASE-' || g END,
       CASE WHEN g % 5 = 0 THEN 'Station ' || (g % 400) END,
       CASE WHEN g % 50 = 0 THEN 'closed' ELSE 'open' END
FROM generate_series(1, 20000) AS g,
     (SELECT (SELECT array_agg(code ORDER BY code) FROM regions) AS regions,
             (SELECT array_agg(code ORDER BY position) FROM scam_types
              WHERE code <> 'romance') AS scam_types,
             (SELECT array_agg(code ORDER BY position) FROM stages) AS stages,
             (SELECT array_agg(code ORDER BY position) FROM channels) AS channels) AS l;

CREATE TEMP TABLE synthetic AS
    SELECT id, right(id::text, 12)::bigint AS g FROM reports
    WHERE id::text LIKE '00000000-0000-4000-8000-%';

INSERT INTO report_phones (report_id, position, raw, e164, leading_plus, international, valid,
                           number_type, number_region)
SELECT id, 0, e164, e164, true, false, true, 'mobile', 'CN'
FROM (SELECT id, '+86139' || lpad((g % 10000)::text, 8, '0') AS e164 FROM synthetic) AS s;

INSERT INTO report_apps (report_id, position, name, role)
SELECT id, 0, 'app ' || (g % 500), 'chat' FROM synthetic;

INSERT INTO report_accounts (report_id, position, value, kind)
SELECT id, 0, 'account ' || (g % 5000), 'bank_card' FROM synthetic WHERE g % 2 = 0;

INSERT INTO report_urls (report_id, position, url)
SELECT id, 0, 'https://pay.example/' || (g % 1000) FROM synthetic WHERE g % 10 = 0;

ANALYZE;

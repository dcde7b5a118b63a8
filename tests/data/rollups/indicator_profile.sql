-- What trend_indicator_profile must hold: per indicator value (as in
-- indicator_daily.sql) and the scam type and stage the naming reports have
-- now, how many reports, each counted once however often it names the
-- value. The profile has no day, so it is all time: compared for the
-- values that reports in the window name. $1, $2: the window of bucket
-- times [from, to).
WITH named AS (
    SELECT DISTINCT report_id, kind, value
    FROM (SELECT report_id, 'phone' AS kind, e164 AS value FROM report_phones
          WHERE e164 IS NOT NULL
          UNION ALL SELECT report_id, 'app', name FROM report_apps
          UNION ALL SELECT report_id, 'account', value FROM report_accounts
          UNION ALL SELECT report_id, 'url', url FROM report_urls) n)
SELECT n.kind, n.value, r.scam_type, r.stage, count(*) AS reports
FROM named n JOIN reports r ON r.id = n.report_id
WHERE (n.kind, n.value) IN (
    SELECT w.kind, w.value FROM named w JOIN reports x ON x.id = w.report_id
    WHERE COALESCE(x.occurred_at, x.reported_at) >= $1::timestamptz
      AND COALESCE(x.occurred_at, x.reported_at) < $2::timestamptz)
GROUP BY 1, 2, 3, 4

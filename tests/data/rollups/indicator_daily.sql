-- What trend_indicator_daily must hold: per Asia/Shanghai day (as in
-- daily.sql), indicator value and currency, the reports naming the value,
-- each counted once however often it names it. Phones by E.164, left out
-- without one. Kind 'region': the report's county code, left out without
-- one. $1, $2: the window of bucket times [from, to).
SELECT i.kind, r.day, i.value, r.currency, count(*) AS reports,
       COALESCE(sum(r.loss_minor), 0) AS loss_minor_sum,
       count(*) FILTER (WHERE r.loss_minor > 0) AS victims_with_loss
FROM (SELECT DISTINCT report_id, kind, value
      FROM (SELECT report_id, 'phone' AS kind, e164 AS value FROM report_phones
            WHERE e164 IS NOT NULL
            UNION ALL SELECT report_id, 'app', name FROM report_apps
            UNION ALL SELECT report_id, 'account', value FROM report_accounts
            UNION ALL SELECT report_id, 'url', url FROM report_urls
            UNION ALL SELECT id, 'region', region::text FROM reports
            WHERE region IS NOT NULL) named) i
JOIN (SELECT id, (COALESCE(occurred_at, reported_at) AT TIME ZONE 'Asia/Shanghai')::date AS day,
             COALESCE(loss_currency::text, '') AS currency, loss_minor
      FROM reports
      WHERE COALESCE(occurred_at, reported_at) >= $1::timestamptz
        AND COALESCE(occurred_at, reported_at) < $2::timestamptz) r ON r.id = i.report_id
GROUP BY 1, 2, 3, 4

-- trend_pieces_paired (migrations/0020) over a grid of ranges and their
-- equal periods before: starts on every third day of 2024 (a leap year)
-- and January 2025, lengths from empty to more than a year. Every day
-- row and month row near the two periods must count toward each period
-- as trend_pieces' pieces of that period count it. Returns one row:
--   wrong     rows (a day of the daily tier, a month of the monthly one)
--             whose counts differ (62 days or 3 months beyond either end
--             are checked)
--   overlaps  rows that two reads of one range cover
--   too_many  ranges read in more than 4 reads
--   checked   rows checked, so that an empty grid cannot pass
WITH ranges AS (
    SELECT s.d0::date - len AS p0, s.d0::date AS d0, s.d0::date + len AS d1
    FROM generate_series(date '2024-01-01', date '2025-01-31', interval '3 days') s(d0),
         unnest(ARRAY[0, 1, 2, 5, 14, 15, 16, 17, 28, 29, 30, 31, 32, 45, 59, 60, 61, 62,
                      89, 92, 364, 365, 366, 400]) len
),
pieces AS (
    SELECT r.d0, r.d1, true AS current, p.* FROM ranges r, trend_pieces(r.d0, r.d1, true, true) p
    UNION ALL
    SELECT r.d0, r.d1, false, p.* FROM ranges r, trend_pieces(r.p0, r.d0, true, true) p
),
reads AS (SELECT r.d0, r.d1, x.* FROM ranges r, trend_pieces_paired(r.p0, r.d0, r.d1) x),
points AS (
    SELECT r.d0, r.d1, false AS monthly, g::date AS x
    FROM ranges r, generate_series(r.p0 - 62, r.d1 + 62, interval '1 day') g
    UNION ALL
    SELECT r.d0, r.d1, true, g::date
    FROM ranges r,
         generate_series(date_trunc('month', r.p0::timestamp) - interval '3 months',
                         date_trunc('month', r.d1::timestamp) + interval '3 months',
                         interval '1 month') g
),
expected AS (
    SELECT t.d0, t.d1, t.monthly, t.x,
           COALESCE(sum(p.sign) FILTER (WHERE p.current), 0) AS cur,
           COALESCE(sum(p.sign) FILTER (WHERE NOT p.current), 0) AS prev
    FROM points t LEFT JOIN pieces p
        ON p.d0 = t.d0 AND p.d1 = t.d1 AND p.monthly = t.monthly AND t.x >= p.lo AND t.x < p.hi
    GROUP BY 1, 2, 3, 4
),
got AS (
    SELECT t.d0, t.d1, t.monthly, t.x, count(r.lo) AS reads,
           COALESCE(sum(CASE WHEN t.x < r.cut1 THEN r.c0 WHEN t.x < r.cut2 THEN r.c1
                             ELSE r.c2 END), 0) AS cur,
           COALESCE(sum(CASE WHEN t.x < r.cut1 THEN r.p0 WHEN t.x < r.cut2 THEN r.p1
                             ELSE r.p2 END), 0) AS prev
    FROM points t LEFT JOIN reads r
        ON r.d0 = t.d0 AND r.d1 = t.d1 AND r.monthly = t.monthly AND t.x >= r.lo AND t.x < r.hi
    GROUP BY 1, 2, 3, 4
)
SELECT (SELECT count(*) FROM expected e JOIN got g USING (d0, d1, monthly, x)
        WHERE (e.cur, e.prev) <> (g.cur, g.prev)) AS wrong,
       (SELECT count(*) FROM got WHERE reads > 1) AS overlaps,
       (SELECT count(*) FROM (SELECT 1 FROM reads GROUP BY d0, d1 HAVING count(*) > 4) x)
           AS too_many,
       (SELECT count(*) FROM got) AS checked

-- trend_pieces (migrations/0019) over a grid of ranges: starts on every
-- other day of 2024 (a leap year) and January 2025, lengths from empty to
-- more than a year, cutting months anywhere, in its three modes. Returns
-- one row:
--   wrong     days whose signed coverage is not 1 inside the range and 0
--             outside it (a month piece covers each day of its months;
--             days up to 31 beyond either end are checked)
--   too_many  ranges cut into more than 3 pieces, or more than one of months
--   negative  pieces taken away although subtract is false, or month
--             pieces although months is false
--   dearer    ranges that the subtracting mode reads in more rows (a day
--             or month row per piece day or month) than the adding one
--   checked   days checked, so that an empty grid cannot pass
WITH ranges AS (
    SELECT s.d0::date AS d0, s.d0::date + len AS d1
    FROM generate_series(date '2024-01-01', date '2025-01-31', interval '2 days') s(d0),
         unnest(ARRAY[0, 1, 2, 5, 14, 15, 16, 17, 28, 29, 30, 31, 32, 45, 59, 60, 61, 62,
                      89, 92, 364, 365, 366, 400]) len
),
modes AS (SELECT * FROM (VALUES (true, true), (true, false), (false, true)) m(months, subtract)),
pieces AS (
    SELECT r.d0, r.d1, m.months, m.subtract, p.*
    FROM ranges r, modes m, trend_pieces(r.d0, r.d1, m.months, m.subtract) p
),
cost AS (
    SELECT d0, d1, subtract,
           sum(CASE WHEN monthly THEN (extract(year FROM age(hi, lo)) * 12
                                       + extract(month FROM age(hi, lo)))::integer
                    ELSE hi - lo END) AS rows_read
    FROM pieces WHERE months GROUP BY 1, 2, 3
),
days AS (
    SELECT r.d0, r.d1, m.months, m.subtract, g::date AS d
    FROM ranges r, modes m,
         generate_series(r.d0 - 31, r.d1 + 31, interval '1 day') g
),
coverage AS (
    SELECT d.d0, d.d1, d.d,
           COALESCE(sum(p.sign) FILTER (WHERE (NOT p.monthly AND d.d >= p.lo AND d.d < p.hi)
                         OR (p.monthly AND date_trunc('month', d.d)::date >= p.lo
                             AND date_trunc('month', d.d)::date < p.hi)), 0) AS covered
    FROM days d LEFT JOIN pieces p
        ON p.d0 = d.d0 AND p.d1 = d.d1 AND p.months = d.months AND p.subtract = d.subtract
    GROUP BY d.d0, d.d1, d.months, d.subtract, d.d
)
SELECT (SELECT count(*) FROM coverage
        WHERE covered <> CASE WHEN d >= d0 AND d < d1 THEN 1 ELSE 0 END) AS wrong,
       (SELECT count(*) FROM (SELECT 1 FROM pieces GROUP BY d0, d1, months, subtract
                              HAVING count(*) > 3 OR count(*) FILTER (WHERE monthly) > 1) x)
           AS too_many,
       (SELECT count(*) FROM pieces WHERE (NOT subtract AND sign < 0)
                                       OR (NOT months AND monthly)) AS negative,
       (SELECT count(*) FROM cost s JOIN cost a ON a.d0 = s.d0 AND a.d1 = s.d1
        WHERE s.subtract AND NOT a.subtract AND s.rows_read > a.rows_read) AS dearer,
       (SELECT count(*) FROM coverage) AS checked

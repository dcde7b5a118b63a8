-- How a range of days is read from the daily and monthly tiers (0016),
-- with as few rows per value as the tiers allow.
--
-- trend_pieces(d_from, d_to, months, subtract) returns the pieces whose
-- signed sum is exactly the days [d_from, d_to): (monthly, lo, hi, sign)
-- means the rows of the daily tier (monthly false) or of the monthly tier
-- (monthly true, lo and hi first days of months) in [lo, hi), added (sign
-- 1) or taken away (sign -1).
--   * months false: one piece, the days themselves (a series by day or
--     week, whose buckets do not hold whole months).
--   * Otherwise the whole months inside the range come from the monthly
--     tier, and each partly covered month at an edge either from its days
--     in the range, or, when subtract is true and that reads fewer rows,
--     as its month row less its days outside the range: the last 25 days
--     of a month are one month row and 5 day rows instead of 25 day rows.
--     A year then reads at most about 32 rows per value, and a month cut
--     anywhere at most 16.
--   * subtract false: only added pieces, each row counted at most once, for
--     readers that need every piece to be a subset of the range (the
--     ranked lists of the top-N statement).
-- Month rows always equal the sum of their days (0016), in every
-- snapshot, so the signed sum is exact whenever it is read.
-- The days [d_from, d_to) of the month starting at month, not all of it:
-- those days, or (subtract, when it reads fewer rows) the month row less
-- the days of the month outside them.
CREATE FUNCTION trend_month_part(month date, d_from date, d_to date, subtract boolean)
RETURNS TABLE (monthly boolean, lo date, hi date, sign integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH m AS (SELECT (month + interval '1 month')::date AS next)
    SELECT false, d_from, d_to, 1 FROM m
    WHERE NOT subtract OR d_to - d_from <= 1 + (d_from - month) + (m.next - d_to)
    UNION ALL
    SELECT p.* FROM m, LATERAL (VALUES (true, month, m.next, 1), (false, month, d_from, -1),
                                       (false, d_to, m.next, -1)) p(monthly, lo, hi, sign)
    WHERE subtract AND d_to - d_from > 1 + (d_from - month) + (m.next - d_to) AND p.lo < p.hi
$$;

CREATE FUNCTION trend_pieces(d_from date, d_to date, months boolean, subtract boolean)
RETURNS TABLE (monthly boolean, lo date, hi date, sign integer)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE ROWS 5 AS $$
DECLARE
    first_month date := date_trunc('month', d_from::timestamp)::date;
    last_month  date := date_trunc('month', (d_to - 1)::timestamp)::date;
    inner_from  date := (first_month + interval '1 month')::date;
BEGIN
    IF d_from >= d_to THEN
        RETURN;
    END IF;
    IF NOT months THEN
        RETURN QUERY SELECT false, d_from, d_to, 1;
        RETURN;
    END IF;
    IF d_from = first_month THEN
        inner_from := d_from;
    END IF;
    IF first_month = last_month AND d_from > first_month THEN
        -- Inside one month that the range does not fill.
        RETURN QUERY SELECT * FROM trend_month_part(first_month, d_from, d_to, subtract);
        RETURN;
    END IF;
    IF d_from > first_month THEN
        RETURN QUERY SELECT * FROM trend_month_part(first_month, d_from, inner_from, subtract);
    END IF;
    IF d_to = (last_month + interval '1 month')::date THEN
        IF inner_from < d_to THEN
            RETURN QUERY SELECT true, inner_from, d_to, 1;
        END IF;
    ELSE
        IF inner_from < last_month THEN
            RETURN QUERY SELECT true, inner_from, last_month, 1;
        END IF;
        RETURN QUERY SELECT * FROM trend_month_part(last_month, last_month, d_to, subtract);
    END IF;
END
$$;

-- 0016's way of cutting a range, which these replace.
DROP FUNCTION trend_month_from(date, date);
DROP FUNCTION trend_month_to(date, date);

-- trend_pieces (0017) with the whole months of a range in one piece.
--
-- A statement reads each piece of a range with one index scan per value
-- it sums (value = ANY (...)), so each piece costs a B-tree descent per
-- value even where it holds few rows. 0017 read a month at an edge that
-- was cheaper as its month row less the days outside the range as a
-- piece of its own, beside the piece of the months inside: a year cut
-- anywhere was 4 pieces, 5 at most. Here that month row joins the months
-- inside, so a range is at most three pieces: its first days (added, or
-- taken away from the first month), one piece of months, its last days
-- (likewise). The rows read and the signed sum are those of 0017; a top
-- 100 of a year sums three pieces per listed value instead of four, in
-- each period.
CREATE OR REPLACE FUNCTION trend_pieces(d_from date, d_to date, months boolean, subtract boolean)
RETURNS TABLE (monthly boolean, lo date, hi date, sign integer)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE ROWS 3 AS $$
DECLARE
    first_month date := date_trunc('month', d_from::timestamp)::date;
    last_month  date := date_trunc('month', (d_to - 1)::timestamp)::date;
    after_first date := (first_month + interval '1 month')::date;
    after_last  date := (last_month + interval '1 month')::date;
    months_lo   date := first_month;
    months_hi   date := after_last;
BEGIN
    IF d_from >= d_to THEN
        RETURN;
    END IF;
    IF NOT months THEN
        RETURN QUERY SELECT false, d_from, d_to, 1;
        RETURN;
    END IF;
    IF first_month = last_month THEN
        IF d_from > first_month OR d_to < after_last THEN
            -- The days, or the month row less its days outside them:
            -- whichever reads fewer rows.
            IF NOT subtract OR d_to - d_from <= 1 + (d_from - first_month) + (after_last - d_to) THEN
                RETURN QUERY SELECT false, d_from, d_to, 1;
                RETURN;
            END IF;
            RETURN QUERY SELECT false, first_month, d_from, -1 WHERE first_month < d_from;
            RETURN QUERY SELECT false, d_to, after_last, -1 WHERE d_to < after_last;
        END IF;
        RETURN QUERY SELECT true, first_month, after_last, 1;
        RETURN;
    END IF;
    IF d_from > first_month THEN
        IF NOT subtract OR after_first - d_from <= 1 + (d_from - first_month) THEN
            RETURN QUERY SELECT false, d_from, after_first, 1;
            months_lo := after_first;
        ELSE
            RETURN QUERY SELECT false, first_month, d_from, -1;
        END IF;
    END IF;
    IF d_to < after_last THEN
        IF NOT subtract OR d_to - last_month <= 1 + (after_last - d_to) THEN
            RETURN QUERY SELECT false, last_month, d_to, 1;
            months_hi := last_month;
        ELSE
            RETURN QUERY SELECT false, d_to, after_last, -1;
        END IF;
    END IF;
    IF months_lo < months_hi THEN
        RETURN QUERY SELECT true, months_lo, months_hi, 1;
    END IF;
END
$$;

-- Only 0017's trend_pieces called it.
DROP FUNCTION trend_month_part(date, date, date, boolean);

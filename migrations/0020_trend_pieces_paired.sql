-- The pieces of a range and of the equal period before it, read together.
--
-- A top-N list sums each listed value over the range's pieces (0019: up
-- to three) and then over the period before's, one B-tree descent per
-- value and piece: six per value for a year. The two periods touch, and
-- their pieces meet in the month that holds the range's first day (the
-- days around it are a piece of both, with opposite signs, or two
-- pieces side by side) and in the months, which follow one another. Read
-- as one, a year and the year before are four reads per value, not six.
--
-- A read ("scan") is a range [lo, hi) of days (monthly false) or months
-- of one tier, cut at cut1 and cut2 into up to three segments; a row of
-- segment i counts c_i times toward the range and p_i times toward the
-- period before (cut1 = cut2 = hi when there is one segment). Segments
-- are those between the pieces' bounds, each with the summed signs of the
-- pieces covering it: a row counts as trend_pieces' pieces of its period
-- count it. A month between pieces (the first day's month, when both
-- periods read its days) is read with signs 0 (one row per value costs
-- less than a descent); days between pieces end a read.
CREATE FUNCTION trend_pieces_paired(p_from date, d_from date, d_to date)
RETURNS TABLE (monthly boolean, lo date, hi date, cut1 date, cut2 date, c0 integer,
               p0 integer, c1 integer, p1 integer, c2 integer, p2 integer)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE ROWS 4 AS $$
DECLARE
    tier boolean;
    seg  record;
    los  date[];
    his  date[];
    cs   integer[];
    ps   integer[];
    kept integer;   -- segments of the read up to its last that counts
BEGIN
    FOREACH tier IN ARRAY ARRAY[false, true] LOOP
        los := '{}'; his := '{}'; cs := '{}'; ps := '{}'; kept := 0;
        FOR seg IN
            WITH pieces AS (
                SELECT p.lo, p.hi, p.sign AS cur, 0 AS prev
                FROM trend_pieces(d_from, d_to, true, true) p WHERE p.monthly = tier
                UNION ALL
                SELECT p.lo, p.hi, 0, p.sign
                FROM trend_pieces(p_from, d_from, true, true) p WHERE p.monthly = tier
            ),
            bounds AS (
                SELECT DISTINCT v.b FROM pieces, LATERAL (VALUES (pieces.lo), (pieces.hi)) v(b)
            ),
            segments AS (SELECT b AS lo, lead(b) OVER (ORDER BY b) AS hi FROM bounds)
            SELECT * FROM (
                SELECT s.lo, s.hi, COALESCE(sum(p.cur), 0)::integer AS cur,
                       COALESCE(sum(p.prev), 0)::integer AS prev, count(p.lo) AS covering
                FROM segments s LEFT JOIN pieces p ON p.lo <= s.lo AND s.hi <= p.hi
                WHERE s.hi IS NOT NULL
                GROUP BY s.lo, s.hi ORDER BY s.lo) x
            -- The end of the last read.
            UNION ALL SELECT NULL, NULL, 0, 0, 0
        LOOP
            -- A read ends at days between pieces, after three segments and
            -- at the end.
            IF (seg.covering = 0 AND (NOT tier OR seg.lo IS NULL)) OR cardinality(los) = 3 THEN
                IF kept > 0 THEN
                    RETURN QUERY SELECT tier, los[1], his[kept], his[1], his[LEAST(2, kept)],
                        cs[1], ps[1], COALESCE(cs[2], 0), COALESCE(ps[2], 0),
                        COALESCE(cs[3], 0), COALESCE(ps[3], 0);
                END IF;
                los := '{}'; his := '{}'; cs := '{}'; ps := '{}'; kept := 0;
            END IF;
            -- A read starts at a segment that counts.
            CONTINUE WHEN seg.lo IS NULL OR (kept = 0 AND seg.cur = 0 AND seg.prev = 0);
            los := los || seg.lo; his := his || seg.hi;
            cs := cs || seg.cur; ps := ps || seg.prev;
            IF seg.cur <> 0 OR seg.prev <> 0 THEN
                kept := cardinality(los);
            END IF;
        END LOOP;
    END LOOP;
END
$$;

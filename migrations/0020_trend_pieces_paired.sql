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
    pieces  record;
    tiers   boolean[] := '{}';   -- the pieces of both periods ...
    plo     date[] := '{}';
    phi     date[] := '{}';
    pcur    integer[] := '{}';   -- ... with their signs toward each
    pprev   integer[] := '{}';
    tier    boolean;
    bounds  date[];
    b       date;
    s_lo    date;
    s_hi    date;
    s_cur   integer;
    s_prev  integer;
    covered boolean;
    los     date[];
    his     date[];
    cs      integer[];
    ps      integer[];
    kept    integer;   -- segments of the read up to its last that counts
BEGIN
    FOR pieces IN
        SELECT p.*, 1 AS toward_cur FROM trend_pieces(d_from, d_to, true, true) p
        UNION ALL SELECT p.*, 0 FROM trend_pieces(p_from, d_from, true, true) p
    LOOP
        tiers := tiers || pieces.monthly; plo := plo || pieces.lo; phi := phi || pieces.hi;
        pcur := pcur || pieces.sign * pieces.toward_cur;
        pprev := pprev || pieces.sign * (1 - pieces.toward_cur);
    END LOOP;
    FOREACH tier IN ARRAY ARRAY[false, true] LOOP
        -- The tier's pieces' bounds, in order, each once.
        bounds := '{}';
        FOR i IN 1 .. cardinality(plo) LOOP
            CONTINUE WHEN tiers[i] <> tier;
            FOREACH b IN ARRAY ARRAY[plo[i], phi[i]] LOOP
                IF NOT b = ANY (bounds) THEN
                    bounds := bounds || b;
                    FOR j IN REVERSE cardinality(bounds) .. 2 LOOP
                        EXIT WHEN bounds[j - 1] < bounds[j];
                        b := bounds[j]; bounds[j] := bounds[j - 1]; bounds[j - 1] := b;
                    END LOOP;
                END IF;
            END LOOP;
        END LOOP;
        los := '{}'; his := '{}'; cs := '{}'; ps := '{}'; kept := 0;
        -- Each segment between bounds, then one past the last to end a read.
        FOR k IN 1 .. cardinality(bounds) LOOP
            s_lo := bounds[k]; s_hi := bounds[k + 1];
            s_cur := 0; s_prev := 0; covered := false;
            FOR i IN 1 .. cardinality(plo) LOOP
                IF tiers[i] = tier AND plo[i] <= s_lo AND s_hi <= phi[i] THEN
                    s_cur := s_cur + pcur[i]; s_prev := s_prev + pprev[i]; covered := true;
                END IF;
            END LOOP;
            -- A read ends at days between pieces, after three segments and
            -- at the end.
            IF (NOT covered AND (NOT tier OR s_hi IS NULL)) OR cardinality(los) = 3 THEN
                IF kept > 0 THEN
                    monthly := tier; lo := los[1]; hi := his[kept];
                    cut1 := his[1]; cut2 := his[LEAST(2, kept)];
                    c0 := cs[1]; p0 := ps[1];
                    c1 := COALESCE(cs[2], 0); p1 := COALESCE(ps[2], 0);
                    c2 := COALESCE(cs[3], 0); p2 := COALESCE(ps[3], 0);
                    RETURN NEXT;
                END IF;
                los := '{}'; his := '{}'; cs := '{}'; ps := '{}'; kept := 0;
            END IF;
            -- A read starts at a segment that counts.
            CONTINUE WHEN s_hi IS NULL OR (kept = 0 AND s_cur = 0 AND s_prev = 0);
            los := los || s_lo; his := his || s_hi; cs := cs || s_cur; ps := ps || s_prev;
            IF s_cur <> 0 OR s_prev <> 0 THEN
                kept := cardinality(los);
            END IF;
        END LOOP;
    END LOOP;
END
$$;

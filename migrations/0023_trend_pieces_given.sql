-- The pieces and reads of a range come from the service.
--
-- trend_pieces (0019) and trend_pieces_paired (0020) ran once per trend
-- statement as PL/pgSQL, each RETURN QUERY and loop over arrays executed
-- anew: on 10 million reports about a tenth of a year's top 100 phones
-- (statement alone, median of 8 alternated rounds of 30: 7.96 -> 5.88
-- ms). The service computes the same pieces (service/domain/trend_pieces.c;
-- identical to these functions' on 20,670 ranges of 2023 to 2025, lengths
-- 0 to 1,096 days) and passes them as arrays of these types, which the
-- statements unnest. Their fields are the functions' columns.
CREATE TYPE trend_piece AS (monthly boolean, lo date, hi date, sign integer);
CREATE TYPE trend_read AS (monthly boolean, lo date, hi date, cut1 date, cut2 date,
                           c0 integer, p0 integer, c1 integer, p1 integer, c2 integer,
                           p2 integer);

DROP FUNCTION trend_pieces_paired(date, date, date);
DROP FUNCTION trend_pieces(date, date, boolean, boolean);

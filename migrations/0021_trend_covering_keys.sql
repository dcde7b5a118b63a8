-- The primary keys of trend_daily and trend_monthly hold the counters too.
--
-- A series reads the rows of its dims, scope and days or months through
-- these keys, and then fetched each row from the table for its counters:
-- a year by prefecture is some 6,000 rows, and the heap fetches were a
-- seventh of the statement (measured: 7.6 -> 6.5 ms with index-only
-- scans). With the counters in the key's index, a row's page is read only
-- when the visibility map cannot vouch for it (recently written days).
-- Counter updates are no longer HOT: the trend worker writes an index
-- entry for each row it changes, and the keys hold three more columns
-- (trend_daily of 10 million reports: 371 MB rebuilt so, against 561 MB
-- for the key without them after the years of updates that filled it).
ALTER TABLE trend_daily
    DROP CONSTRAINT trend_daily_pkey,
    ADD CONSTRAINT trend_daily_pkey PRIMARY KEY (dim, scope, day, value, currency)
        INCLUDE (reports, loss_minor_sum, victims_with_loss);
ALTER TABLE trend_monthly
    DROP CONSTRAINT trend_monthly_pkey,
    ADD CONSTRAINT trend_monthly_pkey PRIMARY KEY (dim, scope, month, value, currency)
        INCLUDE (reports, loss_minor_sum, victims_with_loss);

-- The by-value indexes of the county rows (0016) likewise: without the
-- counters, trend_daily's key above, now read without the table, looked
-- cheaper for a listed county's days than its index and was chosen,
-- reading every county of each day of a read (the top 10 counties of one
-- scam type in a year went from some 4 ms to 7.5). The plan made for any
-- range would still read a listed county's months through trend_monthly's
-- key (it counts a range of months as a few rows); the statement keeps
-- that range out of the index conditions (TREND_MONTH_FILTERED in
-- service/store/statements.c).
DROP INDEX trend_daily_county_value_idx;
CREATE INDEX trend_daily_county_value_idx ON trend_daily (scope, value, day)
    INCLUDE (currency, reports, loss_minor_sum, victims_with_loss) WHERE dim = 'county';
DROP INDEX trend_monthly_county_value_idx;
CREATE INDEX trend_monthly_county_value_idx ON trend_monthly (scope, value, month)
    INCLUDE (currency, reports, loss_minor_sum, victims_with_loss) WHERE dim = 'county';

-- The indicator rollups read by value (a listed value's rows of a range:
-- its exact count, its count in the period before, its losses) through
-- indexes that hold every column those reads need, so that they are
-- index-only scans of a few entries. With only (kind, value, month) the
-- planner preferred the rank index of 0016, whose month range it could
-- read without the table, and read every value of each month in the range
-- to find one.
CREATE INDEX trend_indicator_daily_by_value_idx ON trend_indicator_daily (kind, value, day)
    INCLUDE (currency, reports, loss_minor_sum, victims_with_loss);
DROP INDEX trend_indicator_daily_value_idx;
CREATE INDEX trend_indicator_monthly_by_value_idx ON trend_indicator_monthly (kind, value, month)
    INCLUDE (currency, reports, loss_minor_sum, victims_with_loss);
DROP INDEX trend_indicator_monthly_value_idx;

-- Indexes for GET /v1/reports and for the seen-before counts on intake.
--
-- The list is newest first by (reported_at DESC, id DESC), a page at a time
-- from a cursor. A filter whose values are many and each rare gets an index
-- that starts with it and then keeps that order, so its pages are read in
-- order and stop after `limit` rows. Filters on columns with a handful of
-- common values (source, stage, stage_min, channel) get none: the list reads
-- reports_reported_at_idx (0001) newest first and drops the rows that do not
-- match, which is as fast while a value is common, and every index slows
-- intake. Indicator filters start from the indicator tables.

-- Analysts filter by scam type all the time; some types are rare.
CREATE INDEX reports_scam_type_idx ON reports (scam_type, reported_at DESC, id DESC);

-- A county code in order; a province or prefecture prefix as a code range.
CREATE INDEX reports_region_idx ON reports (region, reported_at DESC, id DESC);

-- A station's own cases. Only police reports carry a station.
CREATE INDEX reports_station_idx ON reports (station, reported_at DESC, id DESC)
    WHERE station IS NOT NULL;

-- When it happened, as a range.
CREATE INDEX reports_occurred_at_idx ON reports (occurred_at);

-- Cases being worked or closed are few among the open ones. A new report is
-- open, so intake never writes to this index; updates do.
CREATE INDEX reports_status_idx ON reports (status, reported_at DESC, id DESC)
    WHERE status <> 'open';

-- The indicator indexes of 0001 gain the report id, so that "which reports
-- name this number" and "how many others name it" are answered from the
-- index alone. Replaced rather than added: one index per table, as before.
CREATE INDEX report_phones_e164_report_idx ON report_phones (e164, report_id)
    WHERE e164 IS NOT NULL;
DROP INDEX report_phones_e164_idx;

CREATE INDEX report_accounts_value_report_idx ON report_accounts (value, report_id);
DROP INDEX report_accounts_value_idx;

CREATE INDEX report_urls_url_report_idx ON report_urls (url, report_id);
DROP INDEX report_urls_url_idx;

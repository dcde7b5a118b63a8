-- Staging for POST /v1/reports:import. Validated lines arrive here through
-- COPY as jsonb payloads (each report already normalised by the service);
-- every few thousand rows, and at the end, one statement moves the staged
-- rows into reports and the indicator tables and deletes them, all inside
-- the import's one transaction. Rows are never visible to any other
-- transaction, so the table needs no WAL: UNLOGGED (emptied after a crash,
-- which loses nothing committed).
CREATE UNLOGGED TABLE import_staging (
    batch_id  uuid   NOT NULL,
    line      bigint NOT NULL CHECK (line > 0),
    payload   jsonb  NOT NULL CHECK (jsonb_typeof(payload) = 'object')
);

-- Each move takes the lines after the last one moved: through this index
-- it reads only those, not the rows the same transaction already deleted.
CREATE INDEX import_staging_batch_line_idx ON import_staging (batch_id, line);

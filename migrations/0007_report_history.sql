-- Police updates: every change to a report leaves one row per changed
-- member, with the old and new value as the API showed them, written in
-- the transaction that makes the change; and links between reports that
-- belong to one case.

-- version is the report's version that the change produced (2 for the
-- first update). field is a JSON Pointer into the report ("/stage",
-- "/phones/3" for an appended phone, "/related/0" for a link). Values are
-- the representation's, so victim name and contact can never appear.
CREATE TABLE report_history (
    report_id   uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version > 1),
    position    smallint NOT NULL CHECK (position >= 0),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    -- Who made the change; until callers authenticate, their address.
    actor       text NOT NULL CHECK (octet_length(actor) BETWEEN 1 AND 200),
    field       text NOT NULL CHECK (field ~ '^(/[^/]*)+$'),
    old_value   jsonb NOT NULL,
    new_value   jsonb NOT NULL,
    PRIMARY KEY (report_id, version, position),
    UNIQUE (report_id, version, field)
);

-- A link is directed, from the report that was updated to the one it
-- names; position keeps the order links were made in, so that history
-- can name each one ("/related/0").
CREATE TABLE report_links (
    report_id   uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position    smallint NOT NULL CHECK (position >= 0),
    related_id  uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, position),
    UNIQUE (report_id, related_id),
    CHECK (related_id <> report_id)
);
CREATE INDEX report_links_related_idx ON report_links (related_id);

-- Idempotency keys (IETF httpapi Idempotency-Key header): one row per key a
-- caller sent, holding the first request's hash and, once it finished, its
-- exact answer for replay. The primary key is what makes two requests with
-- the same key exclusive, whatever the isolation level.

CREATE TABLE idempotency_keys (
    -- Whose key it is: the caller's identity (the client address until the
    -- service authenticates callers).
    scope         text        NOT NULL,
    key           text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- sha256 of method, path, query and body, in hex.
    request_hash  text        NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
    state         text        NOT NULL CHECK (state IN ('running', 'done')),
    status        integer     CHECK (status BETWEEN 100 AND 599),
    location      text,
    response_body text,
    -- When the key was claimed; also the claim's token, so a request whose
    -- claim was taken over as stale can neither finish nor release it.
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key),
    CONSTRAINT idempotency_keys_done_has_answer
        CHECK (state = 'running' OR (status IS NOT NULL AND response_body IS NOT NULL))
);

-- The purge walks expired keys oldest first, a small batch at a time.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

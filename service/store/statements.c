/*
 * The statement table. Reports are written in one round trip: the report
 * row and its indicator rows come from one statement whose indicator lists
 * arrive as JSON parameters, so a report with 100 phones is still one
 * statement inside one transaction.
 */
#include "store/statements.h"

#define REPORT_INSERT_SQL                                                                     \
    "WITH r AS ("                                                                             \
    "  INSERT INTO reports (source, scam_type, stage, channel, impersonated, info_leak,"      \
    "    region, locality, occurred_at, loss_minor, loss_currency, victim_age_band,"          \
    "    victim_gender, victim_name, victim_contact, narrative, case_number, station)"       \
    "  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"  \
    "    $18)"                                                                                \
    "  RETURNING id),"                                                                        \
    " phones AS ("                                                                            \
    "  INSERT INTO report_phones (report_id, position, raw, e164, leading_plus,"             \
    "    international, valid, number_type, number_region)"                                   \
    "  SELECT r.id, p.position, p.raw, p.e164, p.leading_plus, p.international, p.valid,"    \
    "    p.type, p.region"                                                                    \
    "  FROM r, jsonb_to_recordset($19::jsonb) AS p(position smallint, raw text, e164 text,"  \
    "    leading_plus boolean, international boolean, valid boolean, type text, region text)),"\
    " apps AS ("                                                                              \
    "  INSERT INTO report_apps (report_id, position, name, role)"                            \
    "  SELECT r.id, a.position, a.value, a.qualifier"                                         \
    "  FROM r, jsonb_to_recordset($20::jsonb) AS a(position smallint, value text,"           \
    "    qualifier text)),"                                                                   \
    " accounts AS ("                                                                          \
    "  INSERT INTO report_accounts (report_id, position, value, kind)"                       \
    "  SELECT r.id, a.position, a.value, a.qualifier"                                         \
    "  FROM r, jsonb_to_recordset($21::jsonb) AS a(position smallint, value text,"           \
    "    qualifier text)),"                                                                   \
    " urls AS ("                                                                              \
    "  INSERT INTO report_urls (report_id, position, url)"                                    \
    "  SELECT r.id, u.position, u.value"                                                      \
    "  FROM r, jsonb_to_recordset($22::jsonb) AS u(position smallint, value text)),"         \
    " chats AS ("                                                                             \
    "  INSERT INTO report_chat_ids (report_id, position, value, app)"                        \
    "  SELECT r.id, c.position, c.value, c.qualifier"                                         \
    "  FROM r, jsonb_to_recordset($23::jsonb) AS c(position smallint, value text,"           \
    "    qualifier text))"                                                                    \
    " SELECT id FROM r"

/* The representation lives in one SQL function (migrations 0005) so that
 * every route returning reports returns the same shape. */
#define REPORT_GET_SQL "SELECT report_json(r) FROM reports r WHERE r.id = $1::uuid"

#define VOCAB_CODES_SQL                                                                       \
    "SELECT kind, code, position FROM vocabulary_codes"                                       \
    " UNION ALL SELECT 'currencies', code, minor_unit FROM currencies"                        \
    " UNION ALL SELECT 'regions', code, 0 FROM regions"

#define VOCAB_JSON_SQL                                                                        \
    "SELECT json_object_agg(kind, items ORDER BY kind) FROM ("                                \
    "  SELECT kind, json_agg(json_build_object('code', code, 'position', position,"          \
    "      'zh', label_zh, 'en', label_en) ORDER BY position, code) AS items"                \
    "  FROM vocabulary_codes GROUP BY kind"                                                   \
    "  UNION ALL"                                                                             \
    "  SELECT 'currencies', json_agg(json_build_object('code', code, 'numeric', numeric,"    \
    "      'minor_unit', minor_unit, 'zh', label_zh, 'en', label_en) ORDER BY code)"         \
    "  FROM currencies) v"

/* Bulk import. The batch's transaction runs without the per-statement
 * timeout: its COPY lasts as long as the upload, which the connection's
 * idle timeout bounds instead. */
#define IMPORT_START_SQL                                                                      \
    "SELECT gen_random_uuid(), set_config('statement_timeout', '0', true)"

/* One statement moves what was staged since the last move (the lines
 * after $2): the staged rows are deleted and returned, each gets its id,
 * and the report and indicator rows are inserted from the payload as
 * REPORT_INSERT_SQL does for one report. */
#define IMPORT_MOVE_SQL                                                                       \
    "WITH moved AS ("                                                                         \
    "  DELETE FROM import_staging WHERE batch_id = $1::uuid AND line > $2::bigint"            \
    "  RETURNING line, payload),"                                                             \
    " item AS (SELECT gen_random_uuid() AS id, line, payload FROM moved),"                    \
    " r AS ("                                                                                 \
    "  INSERT INTO reports (id, source, scam_type, stage, channel, impersonated, info_leak,"  \
    "    region, locality, occurred_at, loss_minor, loss_currency, victim_age_band,"          \
    "    victim_gender, victim_name, victim_contact, narrative, case_number, station)"       \
    "  SELECT item.id, x.source, x.scam_type, x.stage, x.channel, x.impersonated,"           \
    "    x.info_leak, x.region, x.locality, x.occurred_at, x.loss_minor, x.loss_currency,"   \
    "    x.victim_age_band, x.victim_gender, x.victim_name, x.victim_contact, x.narrative,"  \
    "    x.case_number, x.station"                                                            \
    "  FROM item, jsonb_to_record(item.payload) AS x(source text, scam_type text,"           \
    "    stage text, channel text, impersonated text, info_leak text, region text,"          \
    "    locality text, occurred_at timestamptz, loss_minor bigint, loss_currency text,"     \
    "    victim_age_band text, victim_gender text, victim_name text, victim_contact text,"   \
    "    narrative text, case_number text, station text)"                                    \
    "  RETURNING id),"                                                                        \
    " phones AS ("                                                                            \
    "  INSERT INTO report_phones (report_id, position, raw, e164, leading_plus,"             \
    "    international, valid, number_type, number_region)"                                   \
    "  SELECT item.id, p.position, p.raw, p.e164, p.leading_plus, p.international, p.valid," \
    "    p.type, p.region"                                                                    \
    "  FROM item, jsonb_to_recordset(item.payload->'phones') AS p(position smallint,"        \
    "    raw text, e164 text, leading_plus boolean, international boolean, valid boolean,"   \
    "    type text, region text)),"                                                           \
    " apps AS ("                                                                              \
    "  INSERT INTO report_apps (report_id, position, name, role)"                            \
    "  SELECT item.id, a.position, a.value, a.qualifier"                                      \
    "  FROM item, jsonb_to_recordset(item.payload->'apps') AS a(position smallint,"          \
    "    value text, qualifier text)),"                                                       \
    " accounts AS ("                                                                          \
    "  INSERT INTO report_accounts (report_id, position, value, kind)"                       \
    "  SELECT item.id, a.position, a.value, a.qualifier"                                      \
    "  FROM item, jsonb_to_recordset(item.payload->'accounts') AS a(position smallint,"      \
    "    value text, qualifier text)),"                                                       \
    " urls AS ("                                                                              \
    "  INSERT INTO report_urls (report_id, position, url)"                                    \
    "  SELECT item.id, u.position, u.value"                                                   \
    "  FROM item, jsonb_to_recordset(item.payload->'urls') AS u(position smallint,"          \
    "    value text)),"                                                                       \
    " chats AS ("                                                                             \
    "  INSERT INTO report_chat_ids (report_id, position, value, app)"                        \
    "  SELECT item.id, c.position, c.value, c.qualifier"                                      \
    "  FROM item, jsonb_to_recordset(item.payload->'chat_ids') AS c(position smallint,"      \
    "    value text, qualifier text))"                                                        \
    " SELECT count(*) FROM r"

const char statements_import_copy_sql[] =
    "COPY import_staging (batch_id, line, payload) FROM STDIN";

/* Idempotency keys. The request is hashed by PostgreSQL, so the service
 * carries no hashing code; it arrives hex-encoded because a body may hold
 * any bytes. A claim is one INSERT that the primary key arbitrates; a
 * claim left 'running' for 60 s belongs to a request that died and may be
 * taken over. created_at is the claim's token: finish and release touch
 * the row only while it is still the same claim. */
#define IDEMPOTENCY_HASH_SQL "SELECT encode(sha256(decode($1, 'hex')), 'hex')"
#define IDEMPOTENCY_CLAIM_SQL                                                                 \
    "INSERT INTO idempotency_keys (scope, key, request_hash, state)"                          \
    " VALUES ($1, $2, $3, 'running') ON CONFLICT (scope, key) DO NOTHING"                     \
    " RETURNING created_at"
#define IDEMPOTENCY_TAKE_OVER_SQL                                                             \
    "UPDATE idempotency_keys SET request_hash = $3, created_at = now()"                       \
    " WHERE scope = $1 AND key = $2 AND state = 'running'"                                    \
    "   AND created_at < now() - interval '60 seconds'"                                       \
    " RETURNING created_at"
#define IDEMPOTENCY_LOOKUP_SQL                                                                \
    "SELECT state, request_hash = $3, status, location, response_body"                        \
    " FROM idempotency_keys WHERE scope = $1 AND key = $2"
#define IDEMPOTENCY_FINISH_SQL                                                                \
    "UPDATE idempotency_keys SET state = 'done', status = $4, location = $5,"                 \
    "   response_body = $6"                                                                   \
    " WHERE scope = $1 AND key = $2 AND state = 'running' AND created_at = $3::timestamptz"
#define IDEMPOTENCY_RELEASE_SQL                                                               \
    "DELETE FROM idempotency_keys"                                                            \
    " WHERE scope = $1 AND key = $2 AND state = 'running' AND created_at = $3::timestamptz"
/* ctid = ANY(ARRAY(...)) is a TID scan of at most $2 rows; the index on
 * created_at finds them; rows a request holds are skipped, not waited for. */
#define IDEMPOTENCY_PURGE_SQL                                                                 \
    "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY("                                   \
    "  SELECT ctid FROM idempotency_keys"                                                     \
    "  WHERE created_at < now() - make_interval(hours => $1::int)"                            \
    "  ORDER BY created_at LIMIT $2::int FOR UPDATE SKIP LOCKED))"

/* Police updates. The row is locked first and read after, in a statement
 * of its own, so the read sees every update committed before the lock was
 * granted. NO KEY UPDATE, as the UPDATE itself takes: it still lets other
 * reports' links point here (their foreign key takes KEY SHARE), so two
 * reports linked to each other at once cannot deadlock. An update names
 * only what changes: $2 is an object whose keys are the columns to set (a
 * JSON null clears one). Appended indicators and links go after the
 * positions already taken. */
#define REPORT_UPDATES_LOCK_SQL                                                               \
    "SELECT version FROM reports WHERE id = $1::uuid FOR NO KEY UPDATE"

#define REPORT_UPDATES_UNKNOWN_SQL                                                            \
    "SELECT t.i - 1 FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS t(id, i)"   \
    " WHERE t.id IS NOT NULL"                                                                 \
    "   AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = t.id::uuid)"                     \
    " ORDER BY t.i"

#define REPORT_UPDATES_SET(column, type)                                                      \
    " " column " = CASE WHEN $2::jsonb ? '" column "'"                                        \
    " THEN ($2::jsonb->>'" column "')::" type " ELSE " column " END,"

/* The first free position of an indicator table for report $1. */
#define REPORT_UPDATES_NEXT(table)                                                            \
    " (SELECT coalesce(max(position) + 1, 0) AS next FROM " table                             \
    "  WHERE report_id = $1::uuid) n"

#define REPORT_UPDATES_APPLY_SQL                                                              \
    "WITH r AS ("                                                                             \
    "  UPDATE reports SET"                                                                    \
    REPORT_UPDATES_SET("status", "text") REPORT_UPDATES_SET("scam_type", "text")              \
    REPORT_UPDATES_SET("stage", "text") REPORT_UPDATES_SET("channel", "text")                 \
    REPORT_UPDATES_SET("impersonated", "text") REPORT_UPDATES_SET("info_leak", "text")        \
    REPORT_UPDATES_SET("region", "text") REPORT_UPDATES_SET("locality", "text")               \
    REPORT_UPDATES_SET("narrative", "text") REPORT_UPDATES_SET("occurred_at", "timestamptz")  \
    REPORT_UPDATES_SET("loss_minor", "bigint") REPORT_UPDATES_SET("loss_currency", "text")    \
    REPORT_UPDATES_SET("recovered_minor", "bigint")                                           \
    "    version = version + 1"                                                               \
    "  WHERE id = $1::uuid RETURNING id),"                                                    \
    " phones AS ("                                                                            \
    "  INSERT INTO report_phones (report_id, position, raw, e164, leading_plus,"             \
    "    international, valid, number_type, number_region)"                                   \
    "  SELECT r.id, n.next + p.position, p.raw, p.e164, p.leading_plus, p.international,"    \
    "    p.valid, p.type, p.region"                                                           \
    "  FROM r," REPORT_UPDATES_NEXT("report_phones") ","                                      \
    "    jsonb_to_recordset($3::jsonb) AS p(position smallint, raw text, e164 text,"         \
    "    leading_plus boolean, international boolean, valid boolean, type text, region text)),"\
    " apps AS ("                                                                              \
    "  INSERT INTO report_apps (report_id, position, name, role)"                            \
    "  SELECT r.id, n.next + a.position, a.value, a.qualifier"                                \
    "  FROM r," REPORT_UPDATES_NEXT("report_apps") ","                                        \
    "    jsonb_to_recordset($4::jsonb) AS a(position smallint, value text, qualifier text)),"\
    " accounts AS ("                                                                          \
    "  INSERT INTO report_accounts (report_id, position, value, kind)"                       \
    "  SELECT r.id, n.next + a.position, a.value, a.qualifier"                                \
    "  FROM r," REPORT_UPDATES_NEXT("report_accounts") ","                                    \
    "    jsonb_to_recordset($5::jsonb) AS a(position smallint, value text, qualifier text)),"\
    " urls AS ("                                                                              \
    "  INSERT INTO report_urls (report_id, position, url)"                                    \
    "  SELECT r.id, n.next + u.position, u.value"                                             \
    "  FROM r," REPORT_UPDATES_NEXT("report_urls") ","                                        \
    "    jsonb_to_recordset($6::jsonb) AS u(position smallint, value text)),"                \
    " chats AS ("                                                                             \
    "  INSERT INTO report_chat_ids (report_id, position, value, app)"                        \
    "  SELECT r.id, n.next + c.position, c.value, c.qualifier"                                \
    "  FROM r," REPORT_UPDATES_NEXT("report_chat_ids") ","                                    \
    "    jsonb_to_recordset($7::jsonb) AS c(position smallint, value text, qualifier text)),"\
    " links AS ("                                                                             \
    "  INSERT INTO report_links (report_id, position, related_id)"                           \
    "  SELECT r.id, n.next + row_number() OVER (ORDER BY l.first) - 1, l.id"                  \
    "  FROM r," REPORT_UPDATES_NEXT("report_links") ","                                       \
    "    (SELECT t.id::uuid AS id, min(t.i) AS first"                                         \
    "     FROM jsonb_array_elements_text($8::jsonb) WITH ORDINALITY AS t(id, i)"              \
    "     WHERE NOT EXISTS (SELECT 1 FROM report_links k"                                     \
    "       WHERE k.report_id = $1::uuid AND k.related_id = t.id::uuid)"                      \
    "     GROUP BY t.id::uuid) l)"                                                            \
    " SELECT count(*) FROM r"

#define REPORT_UPDATES_RECORD_SQL                                                             \
    "INSERT INTO report_history (report_id, version, position, actor, field, old_value,"     \
    "  new_value)"                                                                            \
    " SELECT $1::uuid, $2::integer, c.i - 1, $3, c.item->>'field', c.item->'old',"           \
    "   c.item->'new'"                                                                        \
    " FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS c(item, i)"

#define REPORT_UPDATES_HISTORY_SQL                                                            \
    "SELECT json_build_object('items', coalesce((SELECT json_agg(v.item ORDER BY v.version)" \
    "  FROM (SELECT h.version, json_build_object('version', h.version,"                       \
    "      'changed_at', rfc3339(min(h.changed_at)), 'actor', min(h.actor),"                  \
    "      'changes', json_agg(json_build_object('field', h.field, 'old', h.old_value,"      \
    "        'new', h.new_value) ORDER BY h.position)) AS item"                               \
    "    FROM report_history h WHERE h.report_id = r.id GROUP BY h.version) v), '[]'))"      \
    " FROM reports r WHERE r.id = $1::uuid"

/* Listing reports (GET /v1/reports). One query shape with every filter a
 * parameter that may be NULL: $1 rows to fetch; $2, $3 the cursor
 * (reported_at in microseconds since 1970, id); $4 source; $5 scam_type;
 * $6 stage; $7 stage_min; $8 region; $9, $10 a region code range;
 * $11, $12 occurred_at from, to; $13, $14 reported_at from, to;
 * $15 channel; $16 app; $17 phone (E.164); $18 account; $19 station;
 * $20 status. It is planned with the values every time (see
 * reports_list_store.c), so an absent filter folds away and a given one
 * can use its index. An indicator filter inside an OR cannot start the
 * query from its index, so each indicator has a variant that joins from
 * it first ("drive"). */
#define REPORT_LIST_SQL(drive)                                                                \
    "SELECT report_json(r), (extract(epoch FROM r.reported_at) * 1000000)::bigint, r.id"     \
    " FROM reports r"                                                                         \
    " WHERE " drive                                                                           \
    " ($2::bigint IS NULL OR (r.reported_at, r.id)"                                           \
    "   < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))"          \
    " AND ($4::text IS NULL OR r.source = $4::text)"                                          \
    " AND ($5::text IS NULL OR r.scam_type = $5::text)"                                       \
    " AND ($6::text IS NULL OR r.stage = $6::text)"                                           \
    " AND ($7::text IS NULL OR r.stage IN (SELECT s.code FROM stages s"                       \
    "   JOIN stages m ON s.position >= m.position WHERE m.code = $7::text))"                  \
    " AND ($8::bpchar IS NULL OR r.region = $8::bpchar)"                                      \
    " AND ($9::bpchar IS NULL OR r.region BETWEEN $9::bpchar AND $10::bpchar)"                \
    " AND ($11::timestamptz IS NULL OR r.occurred_at >= $11::timestamptz)"                    \
    " AND ($12::timestamptz IS NULL OR r.occurred_at < $12::timestamptz)"                     \
    " AND ($13::timestamptz IS NULL OR r.reported_at >= $13::timestamptz)"                    \
    " AND ($14::timestamptz IS NULL OR r.reported_at < $14::timestamptz)"                     \
    " AND ($15::text IS NULL OR r.channel = $15::text)"                                       \
    " AND ($16::text IS NULL OR EXISTS (SELECT 1 FROM report_apps a"                          \
    "   WHERE a.report_id = r.id AND a.name = $16::text))"                                    \
    " AND ($17::text IS NULL OR EXISTS (SELECT 1 FROM report_phones p"                        \
    "   WHERE p.report_id = r.id AND p.e164 = $17::text))"                                    \
    " AND ($18::text IS NULL OR EXISTS (SELECT 1 FROM report_accounts c"                      \
    "   WHERE c.report_id = r.id AND c.value = $18::text))"                                   \
    " AND ($19::text IS NULL OR r.station = $19::text)"                                       \
    " AND ($20::text IS NULL OR r.status = $20::text)"                                        \
    " ORDER BY r.reported_at DESC, r.id DESC LIMIT $1::integer"

#define REPORT_LIST_DRIVE(table, column, param)                                              \
    "r.id IN (SELECT d.report_id FROM " table " d WHERE d." column " = " param "::text) AND"

/* Seen before: for each phone (E.164), account and URL of report $1, how
 * many other reports name it. Per value, the distinct report ids are read
 * in order from the (value, report_id) index, so no sort is needed even
 * for a number thousands of reports name; zero counts are left out. */
#define REPORT_SEEN_COUNTS(table, column)                                                    \
    "(SELECT COALESCE(json_object_agg(v.value, n.reports ORDER BY v.value)"                  \
    "   FILTER (WHERE n.reports > 0), '{}')"                                                 \
    " FROM (SELECT DISTINCT m." column " AS value FROM " table " m"                          \
    "   WHERE m.report_id = $1::uuid AND m." column " IS NOT NULL) v,"                       \
    " LATERAL (SELECT count(*) AS reports FROM (SELECT DISTINCT o.report_id"                 \
    "   FROM " table " o WHERE o." column " = v.value AND o.report_id <> $1::uuid) r) n)"

#define REPORT_SEEN_BEFORE_SQL                                                                \
    "SELECT json_build_object("                                                               \
    " 'phones', " REPORT_SEEN_COUNTS("report_phones", "e164") ","                           \
    " 'accounts', " REPORT_SEEN_COUNTS("report_accounts", "value") ","                      \
    " 'urls', " REPORT_SEEN_COUNTS("report_urls", "url") ")"

/* Organisations and API keys. Each change writes its audit_log row in the
 * same statement, so the change and its record commit together. A code
 * that is not in its reference table, a name or prefix already taken, all
 * come back as flags rather than errors, so the caller can say which. */
#define KEYS_ORG_CREATE_SQL                                                                   \
    "WITH k AS (SELECT code FROM organisation_kinds WHERE code = $2),"                        \
    " o AS ("                                                                                 \
    "  INSERT INTO organisations (name, kind) SELECT $1, k.code FROM k"                       \
    "  ON CONFLICT (name) DO NOTHING RETURNING id, name),"                                    \
    " a AS ("                                                                                 \
    "  INSERT INTO audit_log (action, subject)"                                               \
    "  SELECT 'organisation.create', o.name FROM o)"                                          \
    " SELECT EXISTS (SELECT 1 FROM k), (SELECT id FROM o)"

#define KEYS_ORG_LIST_SQL                                                                     \
    "SELECT coalesce(json_agg(json_build_object('name', name, 'kind', kind, 'id', id,"       \
    "    'created_at', rfc3339(created_at)) ORDER BY name), '[]')"                            \
    " FROM organisations"

#define KEYS_CREATE_SQL                                                                       \
    "WITH o AS (SELECT id FROM organisations WHERE name = $1),"                               \
    " r AS (SELECT code FROM roles WHERE code = $2),"                                         \
    " k AS ("                                                                                 \
    "  INSERT INTO api_keys (organisation_id, role, prefix, key_hash)"                        \
    "  SELECT o.id, r.code, $3, decode($4, 'hex') FROM o, r"                                  \
    "  ON CONFLICT (prefix) DO NOTHING RETURNING prefix),"                                    \
    " a AS ("                                                                                 \
    "  INSERT INTO audit_log (action, subject) SELECT 'key.create', k.prefix FROM k)"         \
    " SELECT EXISTS (SELECT 1 FROM o), EXISTS (SELECT 1 FROM r), EXISTS (SELECT 1 FROM k)"

#define KEYS_LIST_SQL                                                                         \
    "SELECT coalesce(json_agg(json_build_object('prefix', k.prefix, 'organisation', o.name," \
    "    'role', k.role, 'created_at', rfc3339(k.created_at),"                                \
    "    'revoked_at', rfc3339(k.revoked_at)) ORDER BY k.created_at, k.prefix), '[]')"        \
    " FROM api_keys k JOIN organisations o ON o.id = k.organisation_id"

/* Revoking again keeps the first time and adds no audit row. now() is the
 * transaction's start, so a time set by an earlier revocation differs from
 * it; the UPDATE, unlike a read, sees a revocation committed meanwhile. */
#define KEYS_REVOKE_SQL                                                                       \
    "WITH k AS ("                                                                             \
    "  UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE prefix = $1"        \
    "  RETURNING prefix, revoked_at, revoked_at = now() AS newly),"                           \
    " a AS ("                                                                                 \
    "  INSERT INTO audit_log (action, subject)"                                               \
    "  SELECT 'key.revoke', k.prefix FROM k WHERE k.newly)"                                   \
    " SELECT rfc3339(revoked_at), newly FROM k"

#define KEYS_LOOKUP_SQL                                                                       \
    "SELECT encode(key_hash, 'hex'), role, organisation_id, revoked_at IS NOT NULL"           \
    " FROM api_keys WHERE prefix = $1"

const struct statement_def statements[STMT_COUNT] = {
    [STMT_BEGIN] = {"begin", "BEGIN", 0},
    [STMT_COMMIT] = {"commit", "COMMIT", 0},
    [STMT_ROLLBACK] = {"rollback", "ROLLBACK", 0},
    [STMT_REPORT_INSERT] = {"report_insert", REPORT_INSERT_SQL, 23},
    [STMT_REPORT_GET] = {"report_get", REPORT_GET_SQL, 1},
    [STMT_VOCAB_CODES] = {"vocab_codes", VOCAB_CODES_SQL, 0},
    [STMT_VOCAB_JSON] = {"vocab_json", VOCAB_JSON_SQL, 0},
    [STMT_MIGRATIONS_APPLIED] = {"migrations_applied",
                                 "SELECT count(*) FROM schema_migrations", 0},
    /* Bulk import (POST /v1/reports:import). */
    [STMT_IMPORT_START] = {"import_start", IMPORT_START_SQL, 0},
    [STMT_IMPORT_MOVE] = {"import_move", IMPORT_MOVE_SQL, 2},
    /* Idempotency keys (Idempotency-Key on POST /v1/reports and :batch). */
    [STMT_IDEMPOTENCY_HASH] = {"idempotency_hash", IDEMPOTENCY_HASH_SQL, 1},
    [STMT_IDEMPOTENCY_CLAIM] = {"idempotency_claim", IDEMPOTENCY_CLAIM_SQL, 3},
    [STMT_IDEMPOTENCY_TAKE_OVER] = {"idempotency_take_over", IDEMPOTENCY_TAKE_OVER_SQL, 3},
    [STMT_IDEMPOTENCY_LOOKUP] = {"idempotency_lookup", IDEMPOTENCY_LOOKUP_SQL, 3},
    [STMT_IDEMPOTENCY_FINISH] = {"idempotency_finish", IDEMPOTENCY_FINISH_SQL, 6},
    [STMT_IDEMPOTENCY_RELEASE] = {"idempotency_release", IDEMPOTENCY_RELEASE_SQL, 3},
    [STMT_IDEMPOTENCY_PURGE] = {"idempotency_purge", IDEMPOTENCY_PURGE_SQL, 2},
    /* Police updates and their history (PATCH /v1/reports/{id}). */
    [STMT_REPORT_UPDATES_LOCK] = {"report_updates_lock", REPORT_UPDATES_LOCK_SQL, 1},
    [STMT_REPORT_UPDATES_UNKNOWN] = {"report_updates_unknown", REPORT_UPDATES_UNKNOWN_SQL, 1},
    [STMT_REPORT_UPDATES_APPLY] = {"report_updates_apply", REPORT_UPDATES_APPLY_SQL, 8},
    [STMT_REPORT_UPDATES_RECORD] = {"report_updates_record", REPORT_UPDATES_RECORD_SQL, 4},
    [STMT_REPORT_UPDATES_HISTORY] = {"report_updates_history", REPORT_UPDATES_HISTORY_SQL, 1},
    /* Listing reports (GET /v1/reports) and seen-before counts on intake. */
    [STMT_REPORT_LIST_CUSTOM_PLANS] = {"report_list_custom_plans",
                                       "SET LOCAL plan_cache_mode = force_custom_plan", 0},
    [STMT_REPORT_LIST] = {"report_list", REPORT_LIST_SQL(""), 20},
    [STMT_REPORT_LIST_BY_PHONE] = {"report_list_by_phone",
        REPORT_LIST_SQL(REPORT_LIST_DRIVE("report_phones", "e164", "$17")), 20},
    [STMT_REPORT_LIST_BY_ACCOUNT] = {"report_list_by_account",
        REPORT_LIST_SQL(REPORT_LIST_DRIVE("report_accounts", "value", "$18")), 20},
    [STMT_REPORT_LIST_BY_APP] = {"report_list_by_app",
        REPORT_LIST_SQL(REPORT_LIST_DRIVE("report_apps", "name", "$16")), 20},
    [STMT_REPORT_SEEN_BEFORE] = {"report_seen_before", REPORT_SEEN_BEFORE_SQL, 1},
    /* Organisations and API keys (fraud-intake orgs|keys, key lookup). */
    [STMT_KEYS_ORG_CREATE] = {"keys_org_create", KEYS_ORG_CREATE_SQL, 2},
    [STMT_KEYS_ORG_LIST] = {"keys_org_list", KEYS_ORG_LIST_SQL, 0},
    [STMT_KEYS_CREATE] = {"keys_create", KEYS_CREATE_SQL, 4},
    [STMT_KEYS_LIST] = {"keys_list", KEYS_LIST_SQL, 0},
    [STMT_KEYS_REVOKE] = {"keys_revoke", KEYS_REVOKE_SQL, 1},
    [STMT_KEYS_LOOKUP] = {"keys_lookup", KEYS_LOOKUP_SQL, 1},
    /* Trends foundation: fraud-intake demo-data reads the prefectures. */
    [STMT_DEMO_PREFECTURES] = {"demo_prefectures",
        "SELECT code FROM regions WHERE level = 'prefecture' ORDER BY code", 0},
};

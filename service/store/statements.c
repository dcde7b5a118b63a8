/*
 * The statement table. Reports are written in one round trip: the report
 * row and its indicator rows come from one statement whose indicator lists
 * arrive as JSON parameters, so a report with 100 phones is still one
 * statement inside one transaction.
 */
#include "store/statements.h"

#include "domain/trend_query.h"

/* A number macro as SQL text. */
#define SQL_NUMBER(n)  SQL_NUMBER_(n)
#define SQL_NUMBER_(n) #n

#define REPORT_INSERT_SQL                                                                     \
    "WITH r AS ("                                                                             \
    "  INSERT INTO reports (source, scam_type, stage, channel, impersonated, info_leak,"      \
    "    region, locality, occurred_at, loss_minor, loss_currency, victim_age_band,"          \
    "    victim_gender, victim_name, victim_contact, narrative, case_number, station,"       \
    "    organisation_id, receipt_hash)"                                                      \
    "  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"  \
    "    $18, $24::uuid, decode($25, 'hex'))"                                                 \
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
/* $2, when not NULL, is the organisation the caller sees reports of: a
 * report of another one is not found, so its existence does not show. */
#define REPORT_SCOPE(n) " AND (" n "::uuid IS NULL OR r.organisation_id = " n "::uuid)"

#define REPORT_GET_SQL                                                                        \
    "SELECT report_json(r) FROM reports r WHERE r.id = $1::uuid" REPORT_SCOPE("$2")

/* The victim's name and contact, for police of the report's own
 * organisation only; no row when the report has neither. */
#define REPORT_VICTIM_SQL                                                                     \
    "SELECT json_build_object('name', r.victim_name, 'contact', r.victim_contact)"           \
    " FROM reports r WHERE r.id = $1::uuid AND r.organisation_id = $2::uuid"                  \
    "   AND (r.victim_name IS NOT NULL OR r.victim_contact IS NOT NULL)"

#define REPORT_BY_RECEIPT_SQL                                                                 \
    "SELECT report_json(r) FROM reports r WHERE r.receipt_hash = sha256(convert_to($1, 'UTF8'))"

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
    "    victim_gender, victim_name, victim_contact, narrative, case_number, station,"       \
    "    organisation_id)"                                                                    \
    "  SELECT item.id, x.source, x.scam_type, x.stage, x.channel, x.impersonated,"           \
    "    x.info_leak, x.region, x.locality, x.occurred_at, x.loss_minor, x.loss_currency,"   \
    "    x.victim_age_band, x.victim_gender, x.victim_name, x.victim_contact, x.narrative,"  \
    "    x.case_number, x.station, $3::uuid"                                                  \
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
    "SELECT version FROM reports r WHERE r.id = $1::uuid" REPORT_SCOPE("$2")                  \
    " FOR NO KEY UPDATE"

#define REPORT_UPDATES_UNKNOWN_SQL                                                            \
    "SELECT t.i - 1 FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS t(id, i)"   \
    " WHERE t.id IS NOT NULL"                                                                 \
    "   AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = t.id::uuid" REPORT_SCOPE("$2") ")"\
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
    " FROM reports r WHERE r.id = $1::uuid" REPORT_SCOPE("$2")

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
    " AND ($20::text IS NULL OR r.status = $20::text)" REPORT_SCOPE("$21")                   \
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
/* Who made a change, as its audit_log row records it: six parameters
 * from the one numbered `first` on (see struct audit_actor), all NULL
 * when the command line acted. */
#define AUDIT_ACTOR_COLUMNS "request_id, key_prefix, organisation_id, role, method, route"
#define AUDIT_ACTOR_VALUES(a, b, c, d, e, f)                                                  \
    a ", " b ", " c "::uuid, " d ", " e ", " f

#define KEYS_ORG_CREATE_SQL                                                                   \
    "WITH k AS (SELECT code FROM organisation_kinds WHERE code = $2),"                        \
    " o AS ("                                                                                 \
    "  INSERT INTO organisations (name, kind) SELECT $1, k.code FROM k"                       \
    "  ON CONFLICT (name) DO NOTHING RETURNING id, name),"                                    \
    " a AS ("                                                                                 \
    "  INSERT INTO audit_log (" AUDIT_ACTOR_COLUMNS ", action, subject)"                      \
    "  SELECT " AUDIT_ACTOR_VALUES("$3", "$4", "$5", "$6", "$7", "$8") ","                    \
    "    'organisation.create', o.name FROM o)"                                               \
    " SELECT EXISTS (SELECT 1 FROM k), (SELECT id FROM o)"

#define KEYS_ORG_LIST_SQL                                                                     \
    "SELECT coalesce(json_agg(json_build_object('name', name, 'kind', kind, 'id', id,"       \
    "    'created_at', rfc3339(created_at)) ORDER BY name), '[]')"                            \
    " FROM organisations"

#define KEYS_CREATE_SQL                                                                       \
    "WITH o AS (SELECT id, kind FROM organisations WHERE name = $1),"                         \
    " r AS (SELECT code FROM roles WHERE code = $2),"                                         \
    " m AS (SELECT o.id, r.code FROM o, r"                                                    \
    "  WHERE r.code <> 'police' OR o.kind = 'police_station'),"                               \
    " k AS ("                                                                                 \
    "  INSERT INTO api_keys (organisation_id, role, prefix, key_hash)"                        \
    "  SELECT m.id, m.code, $3, decode($4, 'hex') FROM m"                                     \
    "  ON CONFLICT (prefix) DO NOTHING RETURNING prefix),"                                    \
    " a AS ("                                                                                 \
    "  INSERT INTO audit_log (" AUDIT_ACTOR_COLUMNS ", action, subject)"                      \
    "  SELECT " AUDIT_ACTOR_VALUES("$5", "$6", "$7", "$8", "$9", "$10") ","                   \
    "    'key.create', k.prefix FROM k)"                                                      \
    " SELECT EXISTS (SELECT 1 FROM o), EXISTS (SELECT 1 FROM r), EXISTS (SELECT 1 FROM k),"  \
    "  EXISTS (SELECT 1 FROM m)"

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
    "  INSERT INTO audit_log (" AUDIT_ACTOR_COLUMNS ", action, subject)"                      \
    "  SELECT " AUDIT_ACTOR_VALUES("$2", "$3", "$4", "$5", "$6", "$7") ","                    \
    "    'key.revoke', k.prefix FROM k WHERE k.newly)"                                        \
    " SELECT rfc3339(revoked_at), newly FROM k"

/* The audit trail: one row per audited event, and the admins' read of it,
 * newest first, every filter a parameter that may be NULL: $1 rows to
 * fetch, $2 the id the page starts below, $3 action, $4 key prefix, $5
 * organisation, $6 report, $7 and $8 the half-open time range. */
#define AUDIT_ADD_SQL                                                                         \
    "INSERT INTO audit_log (" AUDIT_ACTOR_COLUMNS ", report_id, action, subject)"             \
    " VALUES (" AUDIT_ACTOR_VALUES("$1", "$2", "$3", "$4", "$5", "$6") ", $7::uuid, $8, $9)"

#define AUDIT_LIST_SQL                                                                        \
    "SELECT json_build_object('id', a.id, 'at', rfc3339(a.at), 'request_id', a.request_id,"  \
    "    'key_prefix', a.key_prefix, 'organisation_id', a.organisation_id, 'role', a.role,"   \
    "    'method', a.method, 'route', a.route, 'report_id', a.report_id,"                     \
    "    'action', a.action, 'subject', a.subject), a.id"                                     \
    " FROM audit_log a"                                                                       \
    " WHERE ($2::bigint IS NULL OR a.id < $2::bigint)"                                        \
    " AND ($3::text IS NULL OR a.action = $3::text)"                                          \
    " AND ($4::text IS NULL OR a.key_prefix = $4::text)"                                      \
    " AND ($5::uuid IS NULL OR a.organisation_id = $5::uuid)"                                 \
    " AND ($6::uuid IS NULL OR a.report_id = $6::uuid)"                                       \
    " AND ($7::timestamptz IS NULL OR a.at >= $7::timestamptz)"                               \
    " AND ($8::timestamptz IS NULL OR a.at < $8::timestamptz)"                                \
    " ORDER BY a.id DESC LIMIT $1::integer"

#define KEYS_LOOKUP_SQL                                                                       \
    "SELECT encode(key_hash, 'hex'), role, organisation_id, revoked_at IS NOT NULL"           \
    " FROM api_keys WHERE prefix = $1"

/* Trends (GET /v1/trends/..., GET /v1/indicators/lookup). Each route has a
 * statement per source that fits it: the daily rollup, the hourly rollup
 * (UTC hours), and the base tables; every one answers the same JSON for
 * the same request, with the bucket rules of migrations/0013 (rollup_at,
 * trend_day, trend_province ...). Rollup statements read their table
 * through its primary key (dim, scope, day|hour, ...) or, for one
 * indicator, (value_key, day). Base statements take the report-list
 * filters as $3 .. $15, NULL when absent, and run with custom plans (see
 * trends_store.c); a report's bucket time is in range when its
 * occurred_at is, or, without one, its reported_at, so either index
 * serves the range. Counts and sums are JSON numbers; loss amounts are
 * minor units of their currency. */
#define TREND_PREVIOUS_FROM "($1::timestamptz - ($2::timestamptz - $1::timestamptz))"

/* The Asia/Shanghai days [from, to) of $1, $2. */
#define TREND_D_FROM "trend_day($1::timestamptz)"
#define TREND_D_TO   "trend_day($2::timestamptz)"

/* The rows of a daily rollup and its monthly tier whose signed sum is a
 * range of days, where `cond` holds: (period, monthly, `keys` (empty, or
 * columns of t each followed by a comma), currency, the counters reports,
 * loss_minor_sum, victims_with_loss times the piece's sign, and sign).
 * `pieces` is the parameter that holds the range's pieces, a trend_piece[]
 * (migrations/0023, 0024) from trend_pieces_range (domain/trend_pieces.c),
 * with whole months for the monthly tier or without. Each piece is one
 * range of the tables' keys. TREND_TIERED_YEARS reads a yearly tier too
 * (pieces with years); its rows are monthly as well (not days). */
#define TREND_TIERED_OPEN(keys, daily, monthly, cond, pieces)                                 \
    " SELECT x.*, p.sign FROM unnest(" pieces "::trend_piece[]) p CROSS JOIN LATERAL ("      \
    "  SELECT t.day AS period, false AS monthly, " keys TREND_SIGNED " FROM " daily " t"      \
    "  WHERE NOT p.monthly AND NOT p.yearly AND " cond " AND t.day >= p.lo AND t.day < p.hi"  \
    "  UNION ALL SELECT t.month, true, " keys TREND_SIGNED " FROM " monthly " t"              \
    "  WHERE p.monthly AND " cond " AND t.month >= p.lo AND t.month < p.hi"
#define TREND_TIERED(keys, daily, monthly, cond, pieces)                                      \
    TREND_TIERED_OPEN(keys, daily, monthly, cond, pieces) ") x"
#define TREND_TIERED_YEARS(keys, daily, monthly, yearly, cond, pieces)                        \
    TREND_TIERED_OPEN(keys, daily, monthly, cond, pieces)                                     \
    "  UNION ALL SELECT t.year, true, " keys TREND_SIGNED " FROM " yearly " t"                \
    "  WHERE p.yearly AND " cond " AND t.year >= p.lo AND t.year < p.hi) x"
#define TREND_SIGNED                                                                          \
    " t.currency, p.sign * t.reports AS reports,"                                             \
    " CASE WHEN p.sign < 0 THEN -t.loss_minor_sum ELSE t.loss_minor_sum END"                  \
    "   AS loss_minor_sum,"                                                                   \
    " p.sign * t.victims_with_loss AS victims_with_loss"

#define TREND_BASE_RANGE(from, to)                                                            \
    " (r.occurred_at >= " from " AND r.occurred_at < " to                                     \
    "  OR r.occurred_at IS NULL AND r.reported_at >= " from " AND r.reported_at < " to ")"

#define TREND_BASE_FILTERS                                                                    \
    " AND ($3::text IS NULL OR r.source = $3::text)"                                          \
    " AND ($4::text IS NULL OR r.scam_type = $4::text)"                                       \
    " AND ($5::text IS NULL OR r.stage = $5::text)"                                           \
    " AND ($6::text IS NULL OR r.stage IN (SELECT s.code FROM stages s"                       \
    "   JOIN stages m ON s.position >= m.position WHERE m.code = $6::text))"                  \
    " AND ($7::bpchar IS NULL OR r.region = $7::bpchar)"                                      \
    " AND ($8::bpchar IS NULL OR r.region BETWEEN $8::bpchar AND $9::bpchar)"                 \
    " AND ($10::text IS NULL OR r.channel = $10::text)"                                       \
    " AND ($11::text IS NULL OR EXISTS (SELECT 1 FROM report_apps a"                          \
    "   WHERE a.report_id = r.id AND a.name = $11::text))"                                    \
    " AND ($12::text IS NULL OR EXISTS (SELECT 1 FROM report_phones p"                        \
    "   WHERE p.report_id = r.id AND p.e164 = $12::text))"                                    \
    " AND ($13::text IS NULL OR EXISTS (SELECT 1 FROM report_accounts c"                      \
    "   WHERE c.report_id = r.id AND c.value = $13::text))"                                   \
    " AND ($14::text IS NULL OR r.station = $14::text)"                                       \
    " AND ($15::text IS NULL OR r.status = $15::text)"

/* The buckets of a series (local_start, ord from 0, start with the zone's
 * offset), from the one holding `from` to the one holding `to` minus 1 us. */
#define TREND_SERIES_BUCKETS(from, to, tz, interval)                                          \
    " buckets AS (SELECT s AS local_start, row_number() OVER (ORDER BY s) - 1 AS ord,"       \
    "   to_char(s, 'YYYY-MM-DD\"T\"HH24:MI:SS')"                                              \
    "     || CASE WHEN z.o < 0 THEN '-' ELSE '+' END || to_char(abs(z.o) / 3600, 'FM00')"    \
    "     || ':' || to_char(abs(z.o) % 3600 / 60, 'FM00') AS start"                           \
    "   FROM generate_series(date_trunc(" interval ", " from "::timestamptz AT TIME ZONE "   \
    tz "), date_trunc(" interval ", (" to "::timestamptz - interval '1 microsecond')"        \
    "     AT TIME ZONE " tz "), ('1 ' || " interval ")::interval) s,"                         \
    "   LATERAL (SELECT extract(epoch FROM s - ((s AT TIME ZONE " tz ") AT TIME ZONE 'UTC'))" \
    "     ::integer AS o) z)"

/* A series: `cells` (bucket start as local time, is_total, value, reports,
 * victims, loss and loss_victims in the asked currency) comes first; this
 * answers rows (kind, n, text, reports, metric, count), not JSON: building
 * a JSON value per cell cost more than finding the cells.
 *   kind 0  a bucket: its index n and start (with the zone's offset), for
 *           every bucket from the one holding `from` to the one holding
 *           `to` minus 1 us;
 *   kind 1  a cell that holds something: bucket index n, value (NULL for
 *           the bucket's total), reports, metric and the count suppression
 *           goes by (reports, reports; loss in the currency, victims with a
 *           loss in it; victims_with_loss twice);
 *   kind 2  alone, when more cells are found than TREND_QUERY_CELLS_MAX
 *           values could fill: n buckets, reports = the number of values.
 * trend_cells_grid (domain/trend_cells.c) makes the table. */
#define TREND_SERIES_TAIL(from, to, tz, interval, metric)                                    \
    TREND_SERIES_BUCKETS(from, to, tz, interval) ","                                           \
    " sizes AS (SELECT b, n > " SQL_NUMBER(TREND_QUERY_CELLS_MAX) " + b AS too_many"          \
    "   FROM (SELECT (SELECT count(*) FROM buckets) AS b, (SELECT count(*) FROM cells) AS n) x)" \
    " SELECT 0 AS kind, ord AS n, start AS text, NULL::numeric AS reports,"                   \
    "   NULL::numeric AS metric, NULL::numeric AS count"                                      \
    " FROM buckets WHERE NOT (SELECT too_many FROM sizes)"                                    \
    " UNION ALL"                                                                              \
    " SELECT 1, b.ord, CASE WHEN c.is_total THEN NULL ELSE c.value END, c.reports,"          \
    "   CASE " metric " WHEN 'loss' THEN c.loss WHEN 'victims_with_loss' THEN c.victims"      \
    "     ELSE c.reports END,"                                                                \
    "   CASE " metric " WHEN 'loss' THEN c.loss_victims WHEN 'victims_with_loss'"             \
    "     THEN c.victims ELSE c.reports END"                                                  \
    " FROM cells c JOIN buckets b ON b.local_start = c.local_start"                           \
    " WHERE NOT (SELECT too_many FROM sizes)"                                                 \
    " UNION ALL"                                                                              \
    " SELECT 2, sizes.b, NULL, (SELECT count(*) FROM (SELECT value FROM cells"                \
    "   WHERE NOT is_total GROUP BY value HAVING sum(reports) > 0) v), NULL, NULL"           \
    " FROM sizes WHERE sizes.too_many"

/* The counters of rollup rows t, per bucket and value, that metric $7
 * needs (the others stay 0: a sum of numeric costs an allocation per
 * group); currency $6. */
#define TREND_ROLLUP_SUMS                                                                     \
    " sum(t.reports) AS reports,"                                                             \
    " COALESCE(sum(t.victims_with_loss) FILTER (WHERE $7 = 'victims_with_loss'), 0)"          \
    "   AS victims,"                                                                          \
    " COALESCE(sum(t.loss_minor_sum) FILTER (WHERE $7 = 'loss' AND t.currency = $6), 0)"      \
    "   AS loss,"                                                                             \
    " COALESCE(sum(t.victims_with_loss) FILTER (WHERE $7 = 'loss' AND t.currency = $6), 0)"   \
    "   AS loss_victims"

/* $1 from, $2 to, $3 tz, $4 interval, $5 dim ('total' for none), $6
 * currency, $7 metric, $8 scope ('' or a scam type), $9 the range's pieces.
 * Reads the days of the range of dim $5 and of 'total', or for a monthly
 * series the month rows of the monthly tier and as few day rows as it
 * allows; an app breakdown (no filter) reads the indicator rollups' app
 * rows instead. */
#define TREND_SERIES_TIERED(keys, daily, monthly, cond)                                       \
    TREND_TIERED(keys, daily, monthly, cond, "$9")
#define TREND_SERIES_DAILY_SQL                                                                \
    "WITH cells AS ("                                                                         \
    "  SELECT date_trunc($4, t.period::timestamp) AS local_start,"                            \
    "    t.dim = 'total' AS is_total,"                                                         \
    "    CASE WHEN t.dim = 'total' THEN '' ELSE t.value END AS value," TREND_ROLLUP_SUMS      \
    "  FROM (" TREND_SERIES_TIERED("t.dim, t.value,", "trend_daily", "trend_monthly",         \
                                   "t.dim IN ('total', $5) AND t.scope = $8")                 \
    "  ) t GROUP BY 1, 2, 3"                                                                  \
    "  UNION ALL"                                                                             \
    "  SELECT date_trunc($4, t.period::timestamp), false, t.value," TREND_ROLLUP_SUMS         \
    "  FROM (" TREND_SERIES_TIERED("t.value,", "trend_indicator_daily",                       \
                                   "trend_indicator_monthly", "$5 = 'app' AND t.kind = 'app'") \
    "  ) t GROUP BY 1, 2, 3),"                                                                \
    TREND_SERIES_TAIL("$1", "$2", "$3", "$4", "$7")

/* The same parameters. The rollup rows of the range themselves, not
 * summed per cell (TREND_SERIES_TAIL's kinds 0 and 1, but the kind 1 rows
 * of one cell add up, and rows taken away count negative): summing them
 * in C halves the statement (a year by prefecture, measured: 8.5 ms
 * instead of 17). Days, not buckets: a bucket row's reports is the first
 * day of its bucket and a cell row's n the day of its rollup row, both
 * counted from the first bucket's (trend_cells_bucket_of finds the bucket;
 * finding it here, with date_part per row, was a sixth of the statement).
 * It stops one row past TREND_SERIES_ROWS_MAX: a series that large is
 * answered by TREND_SERIES_DAILY_SQL, which counts its cells before it
 * sends them. For the reports metric, metric and count are NULL: the same
 * as reports, sent once. */
#define TREND_SERIES_ROW_COUNTERS                                                             \
    " t.reports AS reports, CASE $7 WHEN 'victims_with_loss' THEN t.victims_with_loss"        \
    "   WHEN 'loss' THEN CASE WHEN t.currency = $6 THEN t.loss_minor_sum ELSE 0 END"          \
    "   END AS metric,"                                                                       \
    " CASE $7 WHEN 'victims_with_loss' THEN t.victims_with_loss"                              \
    "   WHEN 'loss' THEN CASE WHEN t.currency = $6 THEN t.victims_with_loss ELSE 0 END"       \
    "   END AS count"
#define TREND_SERIES_ROWS_SQL                                                                 \
    "WITH" TREND_SERIES_BUCKETS("$1", "$2", "$3", "$4") ","                                   \
    " origin AS (SELECT date_trunc($4, $1::timestamptz AT TIME ZONE $3)::date AS d0),"        \
    " cells AS (SELECT t.period - o.d0 AS n,"                                                 \
    "   CASE WHEN t.dim = 'total' THEN NULL ELSE t.value END AS value," TREND_SERIES_ROW_COUNTERS \
    "  FROM origin o, (" TREND_SERIES_TIERED("t.dim, t.value,", "trend_daily", "trend_monthly", \
                                            "t.dim IN ('total', $5) AND t.scope = $8") ") t" \
    "  UNION ALL"                                                                             \
    "  SELECT t.period - o.d0, t.value," TREND_SERIES_ROW_COUNTERS                            \
    "  FROM origin o, (" TREND_SERIES_TIERED("t.value,", "trend_indicator_daily",             \
                                            "trend_indicator_monthly",                       \
                                            "$5 = 'app' AND t.kind = 'app'") ") t"           \
    "  LIMIT " SQL_NUMBER(TREND_SERIES_ROWS_MAX) " + 1)"                                     \
    " SELECT 0 AS kind, ord AS n, start AS text,"                                             \
    "   (local_start::date - (SELECT d0 FROM origin))::bigint AS reports,"                    \
    "   NULL::numeric AS metric, NULL::numeric AS count FROM buckets"                         \
    " UNION ALL SELECT 1, n, value, reports, metric, count FROM cells"

/* The same parameters; UTC hours of the range, dims of trend_hourly. */
#define TREND_SERIES_HOURLY_SQL                                                               \
    "WITH cells AS ("                                                                         \
    "  SELECT date_trunc($4, t.hour AT TIME ZONE $3) AS local_start,"                         \
    "    t.dim = 'total' AS is_total, CASE WHEN t.dim = 'total' THEN '' ELSE t.value END"     \
    "    AS value," TREND_ROLLUP_SUMS                                                         \
    "  FROM trend_hourly t WHERE t.dim IN ('total', $5) AND t.scope = $8"                     \
    "    AND t.hour >= $1::timestamptz AND t.hour < $2::timestamptz"                          \
    "  GROUP BY 1, 2, 3),"                                                                    \
    TREND_SERIES_TAIL("$1", "$2", "$3", "$4", "$7")

/* $1 from, $2 to, $3 .. $15 filters, $16 tz, $17 interval, $18 dim, $19
 * currency, $20 metric. A report counts once per distinct app it names. */
#define TREND_SERIES_BASE_SQL                                                                 \
    "WITH r AS MATERIALIZED ("                                                                \
    "  SELECT r.id, date_trunc($17, rollup_at(r.occurred_at, r.reported_at) AT TIME ZONE $16)" \
    "    AS local_start,"                                                                      \
    "    CASE $18 WHEN 'scam_type' THEN r.scam_type WHEN 'stage' THEN r.stage"                \
    "      WHEN 'channel' THEN COALESCE(r.channel, '') WHEN 'source' THEN r.source"           \
    "      WHEN 'impersonated' THEN COALESCE(r.impersonated, '')"                             \
    "      WHEN 'province' THEN trend_province(r.region)"                                     \
    "      WHEN 'prefecture' THEN trend_prefecture(r.region)"                                 \
    "      WHEN 'county' THEN trend_county(r.region) END AS value,"                           \
    "    r.loss_minor, r.loss_currency::text AS currency"                                     \
    "  FROM reports r WHERE" TREND_BASE_RANGE("$1::timestamptz", "$2::timestamptz")           \
    TREND_BASE_FILTERS "),"                                                                   \
    " pairs AS ("                                                                             \
    "  SELECT r.local_start, r.value, r.loss_minor, r.currency FROM r"                        \
    "  WHERE $18 NOT IN ('total', 'app')"                                                     \
    "  UNION ALL"                                                                             \
    "  SELECT r.local_start, a.name, r.loss_minor, r.currency FROM r"                         \
    "  JOIN LATERAL (SELECT DISTINCT x.name FROM report_apps x WHERE x.report_id = r.id) a"   \
    "    ON true WHERE $18 = 'app'),"                                                          \
    " cells AS ("                                                                             \
    "  SELECT local_start, true AS is_total, ''::text AS value, count(*) AS reports,"         \
    "    count(*) FILTER (WHERE loss_minor > 0) AS victims,"                                  \
    "    COALESCE(sum(loss_minor) FILTER (WHERE currency = $19), 0) AS loss,"                 \
    "    count(*) FILTER (WHERE loss_minor > 0 AND currency = $19) AS loss_victims"          \
    "  FROM r GROUP BY 1"                                                                     \
    "  UNION ALL"                                                                             \
    "  SELECT local_start, false, value, count(*), count(*) FILTER (WHERE loss_minor > 0),"  \
    "    COALESCE(sum(loss_minor) FILTER (WHERE currency = $19), 0),"                         \
    "    count(*) FILTER (WHERE loss_minor > 0 AND currency = $19)"                           \
    "  FROM pairs GROUP BY 1, 3),"                                                            \
    TREND_SERIES_TAIL("$1", "$2", "$16", "$17", "$20")

/* First and last seen of a value: the first and last Asia/Shanghai day
 * (trend_day, "YYYY-MM-DD") with reports in the range (for a lookup, of
 * all days). Days, not times, so that the rollups, which keep days,
 * answer them in the aggregation that counts the reports; the times are
 * in the report list. `day` is a date expression, `counted` says whether
 * a row has reports. */
#define TREND_SEEN_DAYS(day, counted)                                                         \
    " to_char(min(" day ") FILTER (WHERE " counted "), 'YYYY-MM-DD') AS first_seen,"          \
    " to_char(max(" day ") FILTER (WHERE " counted "), 'YYYY-MM-DD') AS last_seen"

/* The answer of a top-N list from `top` (value, reports, previous_reports,
 * first_seen, last_seen) and `loss`, a listed value's losses by currency
 * (TREND_TOP_LOSS): a row per listed value, best first, those columns in
 * that order, when `proved` holds; when it does not, one row of NULLs (a
 * listed value is never NULL). Rows, not one JSON document: the service
 * reads the numbers as they are instead of PostgreSQL writing a document
 * and the service parsing it. */
#define TREND_TOP_ROWS(loss, proved)                                                          \
    " SELECT * FROM ("                                                                        \
    "  SELECT top.value, top.reports, top.previous_reports, " loss " AS loss,"                \
    "    top.first_seen, top.last_seen FROM top WHERE " proved                                \
    "  UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL WHERE NOT " proved ") a"           \
    " ORDER BY a.reports DESC, a.value COLLATE \"C\""

/* A value's losses as text, "CUR amount victims" per currency, joined by
 * spaces in no order (NULL when none), of the rows where `cond` holds;
 * the service orders them (trends_store.c, top_loss). Text, not JSON:
 * building a JSON object per value, ordered, took a tenth of a top-100
 * list of a year. */
#define TREND_TOP_LOSS(currency, amount, victims, cond)                                       \
    "string_agg(" currency " || ' ' || " amount " || ' ' || " victims ", ' ')"                \
    " FILTER (WHERE " cond ")"
/* The loss of a listed value from `losses` (value, currency, amount,
 * victims). */
#define TREND_TOP_LOSSES                                                                      \
    "(SELECT " TREND_TOP_LOSS("l.currency", "l.amount", "l.victims", "true")                  \
    " FROM losses l WHERE l.value = top.value)"

/* The rows of a daily rollup and its monthly tier that the range [$1, $2)
 * and the equal period before it count, where `cond` holds: (period,
 * monthly, value, currency, reports, loss_minor_sum, victims_with_loss,
 * cur and prev: how many times the row counts toward the range and toward
 * the period before, 1, 0 or -1). Each read is one range of the tables'
 * keys; a year and the year before are four. The reads are the CTE
 * TREND_READS, from the parameter that holds them, a trend_read[]
 * (migrations/0023) from trend_pieces_paired (domain/trend_pieces.c). */
#define TREND_READS(reads) " reads AS (SELECT * FROM unnest(" reads "::trend_read[])),"
#define TREND_PAIRED_SIGN(period, c)                                                          \
    " CASE WHEN t." period " < p.cut1 THEN p." c "0 WHEN t." period " < p.cut2"                \
    "   THEN p." c "1 ELSE p." c "2 END"
#define TREND_PAIRED_ROW(period)                                                              \
    " t.value, t.currency, t.reports, t.loss_minor_sum, t.victims_with_loss,"                 \
    TREND_PAIRED_SIGN(period, "c") " AS cur," TREND_PAIRED_SIGN(period, "p") " AS prev"
#define TREND_PAIRED(daily, monthly, month, years, cond)                                      \
    " SELECT x.* FROM reads p CROSS JOIN LATERAL ("                                           \
    "  SELECT t.day AS period, false AS monthly," TREND_PAIRED_ROW("day") " FROM " daily " t" \
    "  WHERE NOT p.monthly AND NOT p.yearly AND " cond " AND t.day >= p.lo AND t.day < p.hi"  \
    "  UNION ALL SELECT t.month, true," TREND_PAIRED_ROW("month") " FROM " monthly " t"       \
    "  WHERE p.monthly AND " cond " AND " month " >= p.lo AND " month " < p.hi" years(cond) ") x"
/* The rollups a top-N list reads, named by a prefix: _DAILY and _MONTHLY
 * the tiers; _YEARS the branch of TREND_PAIRED that reads the yearly tier
 * (none for counties: trend_daily has none) and _TIERED the TREND_TIERED
 * of all tiers; _ROWS the rows of the list ($3 the kind, or the scam type of
 * counties); _MONTH the month column for TREND_PAIRED's ranges of months;
 * _IN the rows of the values that the query `values` returns, _IS those
 * of the value `v`.
 * The indicator rollups find a value's rows through its value key
 * (migrations/0022) and check kind and value too, since two values may
 * share a key (TREND_TOP_SUMS drops the values it did not list).
 * County rows are found by value, and their month range is kept out of
 * the index conditions: the plan made for any range counts a range of
 * months as a few rows, so for a listed county's months it chose
 * trend_monthly's key, whose leading (dim, scope, month) read every county
 * of each month, over the county index, which reads the county's few
 * months (the top 10 counties of a scam type in a year: 5.2 -> 3.0 ms
 * with the range out of the index conditions). */
#define TREND_INDICATORS_DAILY   "trend_indicator_daily"
#define TREND_INDICATORS_MONTHLY "trend_indicator_monthly"
#define TREND_INDICATORS_YEARLY  "trend_indicator_yearly"
#define TREND_INDICATORS_YEARS(cond)                                                          \
    "  UNION ALL SELECT t.year, true," TREND_PAIRED_ROW("year") " FROM " TREND_INDICATORS_YEARLY \
    " t WHERE p.yearly AND " cond " AND t.year >= p.lo AND t.year < p.hi"
#define TREND_INDICATORS_TIERED(keys, cond, pieces)                                           \
    TREND_TIERED_YEARS(keys, TREND_INDICATORS_DAILY, TREND_INDICATORS_MONTHLY,                \
                       TREND_INDICATORS_YEARLY, cond, pieces)
#define TREND_INDICATORS_ROWS    "t.kind = $3"
#define TREND_INDICATORS_MONTH   "t.month"
#define TREND_INDICATORS_IN(values)                                                           \
    " t.value_key = ANY (ARRAY(SELECT trend_value_key(v.value) FROM (" values ") v))"
#define TREND_INDICATORS_IS(v) " t.value_key = trend_value_key(" v ") AND t.value = " v
#define TREND_COUNTIES_DAILY      "trend_daily"
#define TREND_COUNTIES_MONTHLY    "trend_monthly"
#define TREND_COUNTIES_YEARS(cond) ""
#define TREND_COUNTIES_TIERED(keys, cond, pieces)                                             \
    TREND_TIERED(keys, TREND_COUNTIES_DAILY, TREND_COUNTIES_MONTHLY, cond, pieces)
#define TREND_COUNTIES_ROWS       "t.dim = 'county' AND t.scope = $3"
#define TREND_COUNTIES_MONTH      "(t.month + 0)"
#define TREND_COUNTIES_IN(values) " t.value = ANY (ARRAY(" values "))"
#define TREND_COUNTIES_IS(v)      " t.value = " v

/* The values that the query `values` returns, each with its reports in
 * the range and in the period before (previous) and its losses in the
 * range by currency (loss: TREND_TOP_LOSS), from their rows of
 * the rollups `src` (TREND_INDICATORS or TREND_COUNTIES): one index scan
 * per read of TREND_PAIRED for all of them. With them, the first day with
 * reports in the range among the rows of added day pieces (first_day) and
 * the first month or year with reports among those of added pieces of
 * months and years (first_month): added day pieces lie outside those, so
 * a first_day before first_month is the first day seen in the range
 * (TREND_TOP_ROLLUP_TAIL). The plan
 * sums them in a hash table (trends_store.c turns sorting off for top-N
 * statements): sorting the rows of a year and the year before by value
 * took a fifth of the statement. */
#define TREND_TOP_SUMS(values, src)                                                           \
    "WITH listed AS MATERIALIZED (" values ")"                                                \
    " SELECT c.value, sum(c.reports) AS reports, sum(c.previous) AS previous,"                \
    "  " TREND_TOP_LOSS("c.currency", "c.amount", "c.victims",                                \
                        "c.currency <> '' AND c.reports > 0") " AS loss,"                     \
    "  min(c.first_day) AS first_day, min(c.first_month) AS first_month"                      \
    " FROM (SELECT t.value, t.currency, sum(t.cur * t.reports) AS reports,"                   \
    "   sum(t.prev * t.reports) AS previous,"                                                 \
    "   sum(CASE t.cur WHEN 0 THEN 0 WHEN 1 THEN t.loss_minor_sum"                            \
    "     ELSE -t.loss_minor_sum END) AS amount,"                                             \
    "   sum(t.cur * t.victims_with_loss) AS victims,"                                         \
    "   min(t.period) FILTER (WHERE t.cur > 0 AND t.reports > 0 AND NOT t.monthly)"           \
    "     AS first_day,"                                                                      \
    "   min(t.period) FILTER (WHERE t.cur > 0 AND t.reports > 0 AND t.monthly)"               \
    "     AS first_month FROM ("                                                              \
    TREND_PAIRED(src##_DAILY, src##_MONTHLY, src##_MONTH, src##_YEARS,                        \
                 src##_ROWS " AND" src##_IN("SELECT value FROM listed")) ") t"                \
    "   GROUP BY 1, 2) c WHERE c.value IN (SELECT value FROM listed) GROUP BY c.value"

/* The rest of a top-N list from the rollups, once `ranked` (TREND_TOP_SUMS'
 * columns) holds it: each value's first and last day with reports in the
 * range: the first from TREND_TOP_SUMS when its day pieces show it (a year
 * cut mid-month starts with days; a value listed for a year nearly always
 * has reports in them), otherwise, as the last, from the daily tier
 * (TREND_TOP_DAY). */
#define TREND_TOP_ROLLUP_TAIL(src, proved)                                                    \
    " top AS (SELECT r.value, r.reports, r.loss, r.previous AS previous_reports,"             \
    "   to_char(CASE WHEN r.first_day < COALESCE(r.first_month, 'infinity')"                  \
    "     THEN r.first_day ELSE " TREND_TOP_DAY(src, "") " END, 'YYYY-MM-DD') AS first_seen," \
    "   to_char(" TREND_TOP_DAY(src, " DESC") ", 'YYYY-MM-DD') AS last_seen"                  \
    "   FROM ranked r)"                                                                       \
    TREND_TOP_ROWS("top.loss", proved)
/* The first (`order` empty) or last (" DESC") day with reports in the
 * range of the listed value r.value. ORDER BY and LIMIT rather than min
 * or max: the plan made for any value expects a value key to have a row
 * or two, and would then read all of a key's days in the range for max. */
#define TREND_TOP_DAY(src, order)                                                             \
    "(SELECT t.day FROM " src##_DAILY " t WHERE " src##_ROWS " AND" src##_IS("r.value")       \
    "   AND t.day >= " TREND_D_FROM " AND t.day < " TREND_D_TO " AND t.reports > 0"           \
    "   ORDER BY t.day" order " LIMIT 1)"

/* A top-N list that sums every value of the range: the rows of `src`
 * (TREND_TOP_SUMS), of values where `listed` (empty, or " AND ..." on t)
 * holds too; $1 from, $2 to, $4 limit, $5 the range's pieces (with whole
 * months), $6 the reads of it and the period before. */
#define TREND_TOP_FULL(src, listed)                                                           \
    "WITH" TREND_READS("$6") " totals AS ("                                                   \
    "  SELECT t.value, sum(t.reports) AS reports FROM ("                                      \
    src##_TIERED("t.value,", src##_ROWS listed, "$5") ") t"                                   \
    "  GROUP BY t.value HAVING sum(t.reports) > 0"                                            \
    "  ORDER BY 2 DESC, t.value COLLATE \"C\" LIMIT $4::integer),"                            \
    " ranked AS (" TREND_TOP_SUMS("SELECT value FROM totals", src) "),"                       \
    TREND_TOP_ROLLUP_TAIL(src, "true")

/* $3 kind (phone, app, account, url, region): the answer when
 * TREND_TOP_PRUNED_SQL cannot prove its own. */
#define TREND_TOP_DAILY_SQL                                                                   \
    TREND_TOP_FULL(TREND_INDICATORS, "")

/* The same parameters and $7, the length of a list's head. A top-N list
 * without summing every value of the range (after Fagin's threshold
 * algorithm). The range is cut into pieces ($5, with years); each day,
 * month or year (tier 0, 1, 2) of an added piece, and currency, is a
 * list (the currencies of a year are those of its months' totals), read
 * best first through the rank indexes: its first $7 rows (the head), and
 * apart the count of the next one (the list's floor; 0 when the list is
 * shorter), which bounds the count there of every value outside the
 * head. Read apart, the floor is one more descent per list; found in the
 * head's own read, by a window over its rows, it took a fifth of the
 * heads' time.
 * Pieces taken away only lower counts, so a value has at most the sum
 * over the lists of its count where seen and the floor elsewhere (bound
 * + gain), and a value seen nowhere at most bound. The $4 values seen
 * most (leaders) are summed exactly; threshold is the least of those
 * sums, so at least $4 values reach it and no value whose most is below
 * it can be listed. Only the others that may reach it are summed too.
 * If bound is below threshold (or 0: every head was the whole list), no
 * unseen value can be listed either and the answer is exact; otherwise
 * the answer is a row of NULLs, and the caller tries a longer head or
 * runs TREND_TOP_DAILY_SQL. On skewed counts, as indicator counts are, a
 * head a little longer than the limit proves nearly every answer. */
#define TREND_TOP_TOTALS(period)                                                              \
    " t.dim = 'total' AND t.scope = '' AND t." period " >= p.lo AND t." period " < p.hi"
#define TREND_TOP_LIST(table, period, columns, rows)                                          \
    "(SELECT " columns " FROM " table " t WHERE t.kind = $3 AND t." period " = l.period"      \
    "    AND t.currency = l.currency ORDER BY t.reports DESC " rows ")"
#define TREND_TOP_HEAD(table, period)                                                         \
    TREND_TOP_LIST(table, period, "t.value, t.reports", "LIMIT $7::integer")
#define TREND_TOP_FLOOR(table, period)                                                        \
    TREND_TOP_LIST(table, period, "t.reports", "OFFSET $7::integer LIMIT 1")
#define TREND_TOP_TIERS(what)                                                                 \
    " CASE l.tier WHEN 0 THEN " what(TREND_INDICATORS_DAILY, "day")                           \
    " WHEN 1 THEN " what(TREND_INDICATORS_MONTHLY, "month")                                   \
    " ELSE " what(TREND_INDICATORS_YEARLY, "year") " END"
#define TREND_TOP_PRUNED_SQL                                                                  \
    "WITH" TREND_READS("$6") " lists AS (SELECT DISTINCT x.* FROM"                            \
    "  unnest($5::trend_piece[]) p CROSS JOIN LATERAL ("                                      \
    "   SELECT t.day AS period, 0 AS tier, t.currency FROM trend_daily t"                     \
    "   WHERE NOT p.monthly AND NOT p.yearly AND" TREND_TOP_TOTALS("day")                     \
    "   UNION ALL SELECT t.month, 1, t.currency FROM trend_monthly t"                         \
    "   WHERE p.monthly AND" TREND_TOP_TOTALS("month")                                        \
    "   UNION ALL SELECT date_trunc('year', t.month)::date, 2, t.currency FROM trend_monthly t" \
    "   WHERE p.yearly AND" TREND_TOP_TOTALS("month") ") x WHERE p.sign > 0),"                \
    " floors AS (SELECT l.*, COALESCE(" TREND_TOP_TIERS(TREND_TOP_FLOOR) ", 0) AS floor"      \
    "   FROM lists l),"                                                                       \
    " heads AS (SELECT h.value, h.reports, l.floor FROM floors l CROSS JOIN LATERAL ("        \
    "   SELECT * FROM " TREND_TOP_HEAD(TREND_INDICATORS_DAILY, "day") " d"                    \
    "   WHERE l.tier = 0 UNION ALL"                                                           \
    "   SELECT * FROM " TREND_TOP_HEAD(TREND_INDICATORS_MONTHLY, "month") " m"                \
    "   WHERE l.tier = 1 UNION ALL"                                                           \
    "   SELECT * FROM " TREND_TOP_HEAD(TREND_INDICATORS_YEARLY, "year") " y"                  \
    "   WHERE l.tier = 2) h),"                                                                \
    " bound AS (SELECT COALESCE(sum(floor), 0) AS reports FROM floors),"                      \
    " seen AS (SELECT value, sum(reports) AS low, sum(reports - floor) AS gain"               \
    "   FROM heads GROUP BY value),"                                                          \
    " leaders AS (" TREND_TOP_SUMS("SELECT value FROM seen"                                   \
                                   " ORDER BY low DESC, value COLLATE \"C\" LIMIT $4::integer", \
                                   TREND_INDICATORS) "),"                                     \
    " threshold AS (SELECT CASE WHEN count(*) = $4::integer THEN min(reports) ELSE 0 END"     \
    "   AS reports FROM leaders),"                                                            \
    " others AS (" TREND_TOP_SUMS("SELECT r.value FROM seen r"                                \
                                  " WHERE (SELECT reports FROM bound) + r.gain"               \
                                  "   >= (SELECT reports FROM threshold)"                     \
                                  "   AND r.value NOT IN (SELECT value FROM leaders)",        \
                                  TREND_INDICATORS) "),"                                      \
    " ranked AS (SELECT * FROM (SELECT * FROM leaders UNION ALL SELECT * FROM others) u"      \
    "   WHERE u.reports > 0 ORDER BY u.reports DESC, u.value COLLATE \"C\" LIMIT $4::integer)," \
    TREND_TOP_ROLLUP_TAIL(TREND_INDICATORS,                                                   \
                          "((SELECT reports FROM bound) = 0"                                  \
                          " OR (SELECT reports FROM bound) < (SELECT reports FROM threshold))")

/* Counties ('000000', no region, is none) of one scam type, $3 the scope:
 * sums the scope's county rows of the range (a few thousand counties;
 * without a scam type, the region rows of the indicator rollups answer
 * through TREND_TOP_PRUNED_SQL). */
#define TREND_TOP_REGIONS_DAILY_SQL                                                           \
    TREND_TOP_FULL(TREND_COUNTIES, " AND t.value <> '000000'")

/* $1 from, $2 to, $3 .. $15 filters, $16 kind, $17 limit. One pass over
 * the reports of both periods; a report counts once per distinct value. */
#define TREND_TOP_BASE_SQL                                                                    \
    "WITH r AS MATERIALIZED ("                                                                \
    "  SELECT r.id, r.region, rollup_at(r.occurred_at, r.reported_at) AS at, r.loss_minor,"  \
    "    r.loss_currency::text AS currency"                                                   \
    "  FROM reports r WHERE" TREND_BASE_RANGE(TREND_PREVIOUS_FROM, "$2::timestamptz")         \
    TREND_BASE_FILTERS "),"                                                                   \
    " pairs AS ("                                                                             \
    "  SELECT DISTINCT r.id, p.e164 AS value, r.at, r.loss_minor, r.currency"                 \
    "  FROM r JOIN report_phones p ON p.report_id = r.id"                                     \
    "  WHERE $16 = 'phone' AND p.e164 IS NOT NULL"                                            \
    "  UNION ALL SELECT DISTINCT r.id, a.name, r.at, r.loss_minor, r.currency"                \
    "  FROM r JOIN report_apps a ON a.report_id = r.id WHERE $16 = 'app'"                     \
    "  UNION ALL SELECT DISTINCT r.id, c.value, r.at, r.loss_minor, r.currency"               \
    "  FROM r JOIN report_accounts c ON c.report_id = r.id WHERE $16 = 'account'"             \
    "  UNION ALL SELECT DISTINCT r.id, u.url, r.at, r.loss_minor, r.currency"                 \
    "  FROM r JOIN report_urls u ON u.report_id = r.id WHERE $16 = 'url'"                     \
    "  UNION ALL SELECT r.id, r.region::text, r.at, r.loss_minor, r.currency FROM r"          \
    "  WHERE $16 = 'region' AND r.region IS NOT NULL),"                                       \
    " top AS ("                                                                               \
    "  SELECT value, count(*) FILTER (WHERE at >= $1::timestamptz) AS reports,"               \
    "    count(*) FILTER (WHERE at < $1::timestamptz) AS previous_reports,"                   \
    TREND_SEEN_DAYS("trend_day(at)", "at >= $1::timestamptz")                                 \
    "  FROM pairs GROUP BY value HAVING count(*) FILTER (WHERE at >= $1::timestamptz) > 0"    \
    "  ORDER BY 2 DESC, value COLLATE \"C\" LIMIT $17::integer),"                             \
    " losses AS MATERIALIZED ("                                                               \
    "  SELECT p.value, p.currency, sum(p.loss_minor) AS amount,"                              \
    "    count(*) FILTER (WHERE p.loss_minor > 0) AS victims"                                 \
    "  FROM pairs p JOIN top ON top.value = p.value"                                          \
    "  WHERE p.at >= $1::timestamptz AND p.currency IS NOT NULL GROUP BY 1, 2)"               \
    TREND_TOP_ROWS(TREND_TOP_LOSSES, "true")

/* A funnel from `counts` (stage, reports): per stage of the code list, in
 * order, the reports at that stage or a later one (a running sum from the
 * last stage back). */
#define TREND_FUNNEL_TAIL                                                                     \
    " SELECT json_build_object('stages', json_agg(json_build_object('stage', f.code,"         \
    "   'reached', f.reached) ORDER BY f.position))"                                          \
    " FROM (SELECT s.code, s.position, sum(COALESCE(c.reports, 0))"                           \
    "   OVER (ORDER BY s.position DESC) AS reached"                                            \
    "   FROM stages s LEFT JOIN counts c ON c.stage = s.code) f"

/* $1 scope, $2 the range's pieces: the stage rows of its days and whole
 * months. */
#define TREND_FUNNEL_DAILY_SQL                                                                \
    "WITH counts AS (SELECT t.value AS stage, sum(t.reports) AS reports FROM ("               \
    TREND_TIERED("t.value,", "trend_daily", "trend_monthly",                                  \
                 "t.dim = 'stage' AND t.scope = $1", "$2") ") t GROUP BY 1)"                  \
    TREND_FUNNEL_TAIL

/* $1 from, $2 to, $3 scope: the stage rows of the range's hours. */
#define TREND_FUNNEL_HOURLY_SQL                                                               \
    "WITH counts AS (SELECT t.value AS stage, sum(t.reports) AS reports FROM trend_hourly t" \
    "  WHERE t.dim = 'stage' AND t.scope = $3 AND t.hour >= $1::timestamptz"                  \
    "    AND t.hour < $2::timestamptz GROUP BY 1)"                                            \
    TREND_FUNNEL_TAIL

/* $1 from, $2 to, $3 .. $15 filters. */
#define TREND_FUNNEL_BASE_SQL                                                                 \
    "WITH counts AS (SELECT r.stage, count(*) AS reports FROM reports r"                     \
    "  WHERE" TREND_BASE_RANGE("$1::timestamptz", "$2::timestamptz") TREND_BASE_FILTERS      \
    "  GROUP BY 1)"                                                                           \
    TREND_FUNNEL_TAIL

/* A summary from `sums` (current: in [$1, $2) rather than the period
 * before, currency, reports, amount, victims). */
#define TREND_SUMMARY_PERIOD(current)                                                         \
    "json_build_object("                                                                      \
    " 'reports', (SELECT COALESCE(sum(reports), 0) FROM sums WHERE current = " current "),"  \
    " 'victims_with_loss', (SELECT COALESCE(sum(victims), 0) FROM sums"                       \
    "   WHERE current = " current "),"                                                        \
    " 'loss', (SELECT COALESCE(json_object_agg(currency, json_build_object('amount', amount," \
    "   'victims', victims) ORDER BY currency), '{}') FROM sums"                              \
    "   WHERE current = " current " AND currency <> '' AND reports > 0))"

#define TREND_SUMMARY_TAIL                                                                    \
    " SELECT json_build_object('current', " TREND_SUMMARY_PERIOD("true") ","                  \
    "   'previous', " TREND_SUMMARY_PERIOD("false") ")"

/* $1 from, $2 to, $3 scope: the total rows of both periods' days (hours). */
#define TREND_SUMMARY_DAILY_SQL                                                               \
    "WITH sums AS (SELECT t.day >= trend_day($1::timestamptz) AS current, t.currency,"       \
    "    sum(t.reports) AS reports, sum(t.loss_minor_sum) AS amount,"                         \
    "    sum(t.victims_with_loss) AS victims FROM trend_daily t"                              \
    "  WHERE t.dim = 'total' AND t.scope = $3"                                                \
    "    AND t.day >= trend_day(" TREND_PREVIOUS_FROM ")"                                     \
    "    AND t.day < trend_day($2::timestamptz) GROUP BY 1, 2)"                               \
    TREND_SUMMARY_TAIL

#define TREND_SUMMARY_HOURLY_SQL                                                              \
    "WITH sums AS (SELECT t.hour >= $1::timestamptz AS current, t.currency,"                 \
    "    sum(t.reports) AS reports, sum(t.loss_minor_sum) AS amount,"                         \
    "    sum(t.victims_with_loss) AS victims FROM trend_hourly t"                             \
    "  WHERE t.dim = 'total' AND t.scope = $3 AND t.hour >= " TREND_PREVIOUS_FROM             \
    "    AND t.hour < $2::timestamptz GROUP BY 1, 2)"                                         \
    TREND_SUMMARY_TAIL

/* $1 from, $2 to, $3 .. $15 filters. */
#define TREND_SUMMARY_BASE_SQL                                                                \
    "WITH sums AS (SELECT rollup_at(r.occurred_at, r.reported_at) >= $1::timestamptz"        \
    "    AS current, COALESCE(r.loss_currency::text, '') AS currency, count(*) AS reports,"   \
    "    COALESCE(sum(r.loss_minor), 0) AS amount,"                                           \
    "    count(*) FILTER (WHERE r.loss_minor > 0) AS victims FROM reports r"                  \
    "  WHERE" TREND_BASE_RANGE(TREND_PREVIOUS_FROM, "$2::timestamptz") TREND_BASE_FILTERS     \
    "  GROUP BY 1, 2)"                                                                        \
    TREND_SUMMARY_TAIL

/* $1 kind (phone, account, url), $2 value. Rollup rows only, all time:
 * counts and losses from the value's rows of trend_indicator_monthly,
 * first and last seen from its first and last daily row with reports
 * (both through the value key indexes, TREND_INDICATORS_IS); scam types
 * and stages from its rows of trend_indicator_profile. Known = counted by
 * the rollups (a report committed in the last moments is not yet). */
#define TREND_LOOKUP_VALUE " t.kind = $1 AND" TREND_INDICATORS_IS("$2")
#define TREND_LOOKUP_SEEN(order)                                                              \
    "(SELECT to_char(t.day, 'YYYY-MM-DD') FROM trend_indicator_daily t"                       \
    "  WHERE" TREND_LOOKUP_VALUE " AND t.reports > 0 ORDER BY t.day" order " LIMIT 1)"
#define TREND_LOOKUP_SQL                                                                      \
    "WITH sums AS (SELECT t.currency, sum(t.reports) AS reports,"                             \
    "    sum(t.loss_minor_sum) AS amount, sum(t.victims_with_loss) AS victims"                \
    "  FROM trend_indicator_monthly t WHERE" TREND_LOOKUP_VALUE " GROUP BY 1),"               \
    " profile AS (SELECT p.scam_type, p.stage FROM trend_indicator_profile p"                 \
    "  WHERE p.kind = $1 AND p.value = $2 AND p.reports > 0)"                                 \
    " SELECT json_build_object("                                                              \
    "  'known', (SELECT COALESCE(sum(reports), 0) > 0 FROM sums),"                            \
    "  'reports', (SELECT COALESCE(sum(reports), 0) FROM sums),"                              \
    "  'loss', (SELECT COALESCE(json_object_agg(currency, json_build_object('amount', amount,"\
    "     'victims', victims) ORDER BY currency), '{}') FROM sums"                            \
    "     WHERE currency <> '' AND reports > 0),"                                              \
    "  'first_seen', " TREND_LOOKUP_SEEN("") ","                                              \
    "  'last_seen', " TREND_LOOKUP_SEEN(" DESC") ","                                          \
    "  'scam_types', (SELECT COALESCE(json_agg(s.code ORDER BY s.position), '[]')"            \
    "     FROM scam_types s WHERE s.code IN (SELECT scam_type FROM profile)),"                \
    "  'stages', (SELECT COALESCE(json_agg(s.code ORDER BY s.position), '[]')"                \
    "     FROM stages s WHERE s.code IN (SELECT stage FROM profile)))"

/* For the transaction of one trend statement: no JIT compilation (it
 * takes longer than these statements run; the cost estimates of their
 * subqueries set it off), $1 the plan_cache_mode (force_custom_plan for
 * the base statements: an absent filter then folds away), and $2 the
 * parallel workers a plan may start: none for the rollup statements,
 * whose subqueries' estimates can ask for workers that take longer to
 * start than the statement runs (and 8 clients on 2 cores have no core
 * to spare); NULL keeps the server's setting; $3 enable_sort ('off' for
 * the top-N statements, see TREND_TOP_SUMS), NULL likewise. */
#define TREND_SETTINGS_SQL                                                                    \
    "SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', $1, true),"         \
    " set_config('max_parallel_workers_per_gather',"                                          \
    "   COALESCE($2, current_setting('max_parallel_workers_per_gather')), true),"                \
    " set_config('enable_sort', COALESCE($3, current_setting('enable_sort')), true)"

/* Every zone PostgreSQL knows and its offset now, in seconds: read once
 * (the view reads every zone file, some 50 ms). */
#define TREND_ZONES_SQL                                                                       \
    "SELECT name, extract(epoch FROM utc_offset)::integer FROM pg_timezone_names"

/* Upkeep of the rollups' indexes (janitor.c). Every index of them holds
 * the counters (INCLUDE), so each apply that changes a row adds an entry to
 * every one, and btree neither deduplicates nor deletes bottom-up in an
 * index with INCLUDE columns: the pages a busy row's versions split stay
 * half empty after VACUUM. On 10 million reports loaded through the queue
 * the indexes grew to 1.6 to 11 times their size when built afresh, and
 * the year's top lists and series cost more CPU per request on them
 * (README, Trend rollups).
 *
 * ROLLUPS_LOCK_KEY (statements.h) names the advisory lock that lets one
 * instance at a time do this work. ROLLUPS_INDEXES lists, in the order to
 * treat them, what is left of an interrupted REINDEX CONCURRENTLY (an
 * invalid index named *_ccnew or *_ccold, which writes still maintain:
 * drop it) and the valid btree indexes of at least $2 bytes larger than
 * $1 percent of the size a fresh build would have. That size is estimated
 * from the index's tuple count and the columns' average widths (pg_stats):
 * 12 bytes of header and line pointer per entry, data padded to 8 and
 * bigints to their alignment, leaves 90% full. Measured on the
 * 10-million-report database, it was within 11% of the size REINDEX left
 * for every full index, and above it for partial ones. An index whose
 * table has no statistics yet is left alone. */
#define ROLLUPS_TABLES                                                                        \
    "'trend_daily'::regclass, 'trend_monthly'::regclass, 'trend_hourly'::regclass,"           \
    " 'trend_indicator_daily'::regclass, 'trend_indicator_monthly'::regclass,"                \
    " 'trend_indicator_yearly'::regclass, 'trend_indicator_profile'::regclass"
#define ROLLUPS_ANALYZE_SQL                                                                   \
    "ANALYZE trend_daily, trend_monthly, trend_hourly, trend_indicator_daily,"                \
    " trend_indicator_monthly, trend_indicator_yearly, trend_indicator_profile"
#define ROLLUPS_INDEXES_SQL                                                                   \
    "SELECT c.relname, NOT i.indisvalid AS leftover, pg_relation_size(c.oid) AS bytes"       \
    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"                                \
    " JOIN pg_am a ON a.oid = c.relam AND a.amname = 'btree'"                                 \
    " JOIN pg_class t ON t.oid = i.indrelid,"                                                 \
    " LATERAL (SELECT count(s.avg_width) AS known,"                                           \
    "   sum(s.avg_width + CASE WHEN att.attlen = 8 THEN 4 ELSE 0 END) AS width"               \
    "   FROM unnest(i.indkey) k(attnum)"                                                      \
    "   JOIN pg_attribute att ON att.attrelid = t.oid AND att.attnum = k.attnum"              \
    "   JOIN pg_stats s ON s.schemaname = t.relnamespace::regnamespace::name"                 \
    "     AND s.tablename = t.relname AND s.attname = att.attname) w"                         \
    " WHERE t.oid IN (" ROLLUPS_TABLES ")"                                                    \
    " AND (NOT i.indisvalid AND c.relname ~ '_cc(new|old)[0-9]*$'"                            \
    "   OR i.indisvalid AND w.known = i.indnatts AND c.reltuples >= 0"                        \
    "     AND pg_relation_size(c.oid) >= $2::bigint"                                          \
    "     AND pg_relation_size(c.oid) * 100.0 > $1::integer * 8192.0"                         \
    "       * ceil(c.reltuples * (12 + 8 * ceil(w.width / 8.0)) / (8152 * 0.9)))"            \
    " ORDER BY i.indisvalid, c.relname"

const struct statement_def statements[STMT_COUNT] = {
    [STMT_BEGIN] = {"begin", "BEGIN", 0},
    [STMT_COMMIT] = {"commit", "COMMIT", 0},
    [STMT_ROLLBACK] = {"rollback", "ROLLBACK", 0},
    [STMT_REPORT_INSERT] = {"report_insert", REPORT_INSERT_SQL, 25},
    [STMT_REPORT_GET] = {"report_get", REPORT_GET_SQL, 2},
    [STMT_REPORT_VICTIM] = {"report_victim", REPORT_VICTIM_SQL, 2},
    [STMT_REPORT_BY_RECEIPT] = {"report_by_receipt", REPORT_BY_RECEIPT_SQL, 1},
    [STMT_VOCAB_CODES] = {"vocab_codes", VOCAB_CODES_SQL, 0},
    [STMT_VOCAB_JSON] = {"vocab_json", VOCAB_JSON_SQL, 0},
    [STMT_MIGRATIONS_APPLIED] = {"migrations_applied",
                                 "SELECT count(*) FROM schema_migrations", 0},
    /* Bulk import (POST /v1/reports:import). */
    [STMT_IMPORT_START] = {"import_start", IMPORT_START_SQL, 0},
    [STMT_IMPORT_MOVE] = {"import_move", IMPORT_MOVE_SQL, 3},
    /* Idempotency keys (Idempotency-Key on POST /v1/reports and :batch). */
    [STMT_IDEMPOTENCY_HASH] = {"idempotency_hash", IDEMPOTENCY_HASH_SQL, 1},
    [STMT_IDEMPOTENCY_CLAIM] = {"idempotency_claim", IDEMPOTENCY_CLAIM_SQL, 3},
    [STMT_IDEMPOTENCY_TAKE_OVER] = {"idempotency_take_over", IDEMPOTENCY_TAKE_OVER_SQL, 3},
    [STMT_IDEMPOTENCY_LOOKUP] = {"idempotency_lookup", IDEMPOTENCY_LOOKUP_SQL, 3},
    [STMT_IDEMPOTENCY_FINISH] = {"idempotency_finish", IDEMPOTENCY_FINISH_SQL, 6},
    [STMT_IDEMPOTENCY_RELEASE] = {"idempotency_release", IDEMPOTENCY_RELEASE_SQL, 3},
    [STMT_IDEMPOTENCY_PURGE] = {"idempotency_purge", IDEMPOTENCY_PURGE_SQL, 2},
    /* Police updates and their history (PATCH /v1/reports/{id}). */
    [STMT_REPORT_UPDATES_LOCK] = {"report_updates_lock", REPORT_UPDATES_LOCK_SQL, 2},
    [STMT_REPORT_UPDATES_UNKNOWN] = {"report_updates_unknown", REPORT_UPDATES_UNKNOWN_SQL, 2},
    [STMT_REPORT_UPDATES_APPLY] = {"report_updates_apply", REPORT_UPDATES_APPLY_SQL, 8},
    [STMT_REPORT_UPDATES_RECORD] = {"report_updates_record", REPORT_UPDATES_RECORD_SQL, 4},
    [STMT_REPORT_UPDATES_HISTORY] = {"report_updates_history", REPORT_UPDATES_HISTORY_SQL, 2},
    /* Listing reports (GET /v1/reports) and seen-before counts on intake. */
    [STMT_REPORT_LIST_CUSTOM_PLANS] = {"report_list_custom_plans",
                                       "SET LOCAL plan_cache_mode = force_custom_plan", 0},
    [STMT_REPORT_LIST] = {"report_list", REPORT_LIST_SQL(""), 21},
    [STMT_REPORT_LIST_BY_PHONE] = {"report_list_by_phone",
        REPORT_LIST_SQL(REPORT_LIST_DRIVE("report_phones", "e164", "$17")), 21},
    [STMT_REPORT_LIST_BY_ACCOUNT] = {"report_list_by_account",
        REPORT_LIST_SQL(REPORT_LIST_DRIVE("report_accounts", "value", "$18")), 21},
    [STMT_REPORT_LIST_BY_APP] = {"report_list_by_app",
        REPORT_LIST_SQL(REPORT_LIST_DRIVE("report_apps", "name", "$16")), 21},
    [STMT_REPORT_SEEN_BEFORE] = {"report_seen_before", REPORT_SEEN_BEFORE_SQL, 1},
    /* Organisations and API keys (fraud-intake orgs|keys, key lookup). */
    [STMT_KEYS_ORG_CREATE] = {"keys_org_create", KEYS_ORG_CREATE_SQL, 8},
    [STMT_KEYS_ORG_LIST] = {"keys_org_list", KEYS_ORG_LIST_SQL, 0},
    [STMT_KEYS_CREATE] = {"keys_create", KEYS_CREATE_SQL, 10},
    [STMT_KEYS_LIST] = {"keys_list", KEYS_LIST_SQL, 0},
    [STMT_KEYS_REVOKE] = {"keys_revoke", KEYS_REVOKE_SQL, 7},
    [STMT_KEYS_LOOKUP] = {"keys_lookup", KEYS_LOOKUP_SQL, 1},
    /* The audit trail (GET /v1/audit, and rows of audited reads and changes). */
    [STMT_AUDIT_ADD] = {"audit_add", AUDIT_ADD_SQL, 9},
    [STMT_AUDIT_LIST] = {"audit_list", AUDIT_LIST_SQL, 8},
    /* Trends foundation: fraud-intake demo-data reads the prefectures. */
    [STMT_DEMO_PREFECTURES] = {"demo_prefectures",
        "SELECT code FROM regions WHERE level = 'prefecture' ORDER BY code", 0},
    /* Trends (GET /v1/trends/..., GET /v1/indicators/lookup). */
    [STMT_TRENDS_SETTINGS] = {"trends_settings", TREND_SETTINGS_SQL, 3},
    [STMT_TRENDS_ZONES] = {"trends_zones", TREND_ZONES_SQL, 0},
    [STMT_TRENDS_SERIES_ROWS] = {"trends_series_rows", TREND_SERIES_ROWS_SQL, 9},
    [STMT_TRENDS_SERIES_DAILY] = {"trends_series_daily", TREND_SERIES_DAILY_SQL, 9},
    [STMT_TRENDS_SERIES_HOURLY] = {"trends_series_hourly", TREND_SERIES_HOURLY_SQL, 8},
    [STMT_TRENDS_SERIES_BASE] = {"trends_series_base", TREND_SERIES_BASE_SQL, 20},
    [STMT_TRENDS_TOP_PRUNED] = {"trends_top_pruned", TREND_TOP_PRUNED_SQL, 7},
    [STMT_TRENDS_TOP_DAILY] = {"trends_top_daily", TREND_TOP_DAILY_SQL, 6},
    [STMT_TRENDS_TOP_REGIONS_DAILY] = {"trends_top_regions_daily", TREND_TOP_REGIONS_DAILY_SQL,
                                       6},
    [STMT_TRENDS_TOP_BASE] = {"trends_top_base", TREND_TOP_BASE_SQL, 17},
    [STMT_TRENDS_FUNNEL_DAILY] = {"trends_funnel_daily", TREND_FUNNEL_DAILY_SQL, 2},
    [STMT_TRENDS_FUNNEL_HOURLY] = {"trends_funnel_hourly", TREND_FUNNEL_HOURLY_SQL, 3},
    [STMT_TRENDS_FUNNEL_BASE] = {"trends_funnel_base", TREND_FUNNEL_BASE_SQL, 15},
    [STMT_TRENDS_SUMMARY_DAILY] = {"trends_summary_daily", TREND_SUMMARY_DAILY_SQL, 3},
    [STMT_TRENDS_SUMMARY_HOURLY] = {"trends_summary_hourly", TREND_SUMMARY_HOURLY_SQL, 3},
    [STMT_TRENDS_SUMMARY_BASE] = {"trends_summary_base", TREND_SUMMARY_BASE_SQL, 15},
    [STMT_TRENDS_LOOKUP] = {"trends_lookup", TREND_LOOKUP_SQL, 2},
    /* Trend rollups: the worker applies pending contributions (0013). */
    [STMT_TREND_APPLY] = {"trend_apply", "SELECT trend_apply($1::integer)", 1},
    [STMT_TREND_PENDING] = {"trend_pending",
                            "SELECT EXISTS (SELECT 1 FROM trend_pending)", 0},
    /* Upkeep of the rollups' indexes (janitor.c). */
    [STMT_ROLLUPS_LOCK] = {"rollups_lock",
                           "SELECT pg_try_advisory_lock(" SQL_NUMBER(ROLLUPS_LOCK_KEY) ")", 0},
    [STMT_ROLLUPS_UNLOCK] = {"rollups_unlock",
                             "SELECT pg_advisory_unlock(" SQL_NUMBER(ROLLUPS_LOCK_KEY) ")", 0},
    [STMT_ROLLUPS_INDEXES] = {"rollups_indexes", ROLLUPS_INDEXES_SQL, 2},
    [STMT_ROLLUPS_INDEX_SIZE] = {"rollups_index_size",
                                 "SELECT pg_relation_size($1::regclass)", 1},
    [STMT_ROLLUPS_ANALYZE] = {"rollups_analyze", ROLLUPS_ANALYZE_SQL, 0},
};

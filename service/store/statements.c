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
};

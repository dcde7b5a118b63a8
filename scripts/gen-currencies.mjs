#!/usr/bin/env node
// Generates migrations/0003_currencies.sql: the ISO 4217 reference rows.
//
//   npm ci --prefix scripts && node scripts/gen-currencies.mjs > migrations/0003_currencies.sql
//
// Sources:
//   - Debian iso-codes: /usr/share/iso-codes/json/iso_4217.json (code, numeric,
//     English name) and /usr/share/locale/zh_CN/LC_MESSAGES/iso_4217.mo
//     (Simplified Chinese names, parsed here; no gettext dependency).
//   - npm currency-codes: the minor-unit exponent (`digits`), and the ISO 4217
//     "list one" XML it ships, which tells which codes are current and which
//     have no minor unit ("N.A.": currency-codes reports those as 0).
//
// Output is deterministic (sorted by code) so a re-run diffs cleanly.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';

const require = createRequire(import.meta.url);

const ISO_JSON = '/usr/share/iso-codes/json/iso_4217.json';
const ZH_MO = '/usr/share/locale/zh_CN/LC_MESSAGES/iso_4217.mo';

function die(msg) {
  process.stderr.write(`gen-currencies: ${msg}\n`);
  process.exit(1);
}

// --- GNU gettext .mo reader -------------------------------------------------
// Layout: magic, revision, N, offset of original table, offset of translation
// table; each table is N (length, offset) pairs. Either byte order.
function readMo(file) {
  const buf = readFileSync(file);
  let u32;
  if (buf.readUInt32LE(0) === 0x950412de) u32 = (o) => buf.readUInt32LE(o);
  else if (buf.readUInt32BE(0) === 0x950412de) u32 = (o) => buf.readUInt32BE(o);
  else die(`${file}: not a gettext .mo file`);
  const n = u32(8), origTab = u32(12), transTab = u32(16);
  const str = (tab, i) => {
    const len = u32(tab + 8 * i), off = u32(tab + 8 * i + 4);
    return buf.toString('utf8', off, off + len);
  };
  const map = new Map();
  let headers = '';
  for (let i = 0; i < n; i++) {
    let id = str(origTab, i);
    const tr = str(transTab, i);
    if (id === '') { headers = tr; continue; }
    if (id.includes('\u0004')) continue;            // msgctxt entries: none expected
    id = id.split('\u0000')[0];                      // plural: keep the singular id
    const first = tr.split('\u0000')[0];
    if (first !== '') map.set(id, first);
  }
  return { map, headers };
}

// --- ISO 4217 list one (shipped in currency-codes) ---------------------------
function readListOne(file) {
  const xml = readFileSync(file, 'utf8');
  const published = (xml.match(/Pblshd="([^"]+)"/) || [])[1] || 'unknown';
  const entries = new Map();
  for (const m of xml.matchAll(/<CcyNtry>([\s\S]*?)<\/CcyNtry>/g)) {
    const body = m[1];
    const code = (body.match(/<Ccy>([A-Z]{3})<\/Ccy>/) || [])[1];
    if (!code) continue;                             // e.g. "No universal currency"
    const name = (body.match(/<CcyNm[^>]*>([^<]*)<\/CcyNm>/) || [])[1];
    const numeric = (body.match(/<CcyNbr>(\d{3})<\/CcyNbr>/) || [])[1];
    const minor = (body.match(/<CcyMnrUnts>([^<]*)<\/CcyMnrUnts>/) || [])[1];
    entries.set(code, { code, name, numeric, minor });
  }
  return { published, entries };
}

function pkgVersion(name) {
  return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
}

function isoCodesVersion() {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'iso-codes'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

// The zh_CN catalogue has a few translations that name a different thing;
// these are corrected here and listed in the SQL header. Keep this short:
// fix the catalogue upstream rather than growing it.
const ZH_OVERRIDES = {
  BOV: '玻利维亚 Mvdol（资金代码）', // catalogue: 玻利维亚语 ("Bolivian language")
  CLF: '智利发展单位（UF）',         // catalogue: 智利比索, the same as CLP
};

const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;

// -----------------------------------------------------------------------------

const cc = require('currency-codes');
const isoList = JSON.parse(readFileSync(ISO_JSON, 'utf8'))['4217'];
const { map: zh, headers: moHeaders } = readMo(ZH_MO);
const moRevision = (moHeaders.match(/PO-Revision-Date: ([^\n]+)/) || [])[1] || 'unknown';
const listOne = readListOne(require.resolve('currency-codes/iso-4217-list-one.xml'));

const rows = [];
const skippedNA = [];
const skippedWithdrawn = [];
const seen = new Set();

function addRow(code, numeric, nameEn) {
  const entry = listOne.entries.get(code);
  if (!entry) { skippedWithdrawn.push(code); return; }
  if (entry.minor === 'N.A.') { skippedNA.push(code); return; }
  const info = cc.code(code);
  if (!info) die(`${code}: in ISO list one but not in currency-codes data`);
  const digits = info.digits;
  if (!Number.isInteger(digits) || digits < 0 || digits > 4) die(`${code}: bad digits ${digits}`);
  if (String(digits) !== entry.minor) die(`${code}: currency-codes digits ${digits} != list one ${entry.minor}`);
  if (info.number !== numeric) die(`${code}: numeric ${numeric} != currency-codes ${info.number}`);
  const zhName = ZH_OVERRIDES[code] ?? zh.get(nameEn) ?? nameEn;
  rows.push({ code, numeric, minor: digits, en: nameEn, zh: zhName, translated: code in ZH_OVERRIDES || zh.has(nameEn) });
  seen.add(code);
}

// 1. Every code Debian's iso-codes knows, if ISO still lists it.
for (const c of isoList) addRow(c.alpha_3, c.numeric, c.name);
// 2. Current codes newer than this iso-codes release (names from list one).
const newer = [];
for (const e of listOne.entries.values()) {
  if (seen.has(e.code) || skippedNA.includes(e.code)) continue;
  if (e.minor === 'N.A.') { skippedNA.push(e.code); continue; }
  newer.push(e.code);
  addRow(e.code, e.numeric, cc.code(e.code)?.currency ?? e.name);
}

rows.sort((a, b) => a.code.localeCompare(b.code));
skippedNA.sort();
skippedWithdrawn.sort();

for (const [code, want] of [['CNY', 2], ['JPY', 0], ['KWD', 3], ['USD', 2], ['HKD', 2]]) {
  const r = rows.find((x) => x.code === code);
  if (!r || r.minor !== want) die(`self-check failed: ${code} minor unit ${r?.minor} != ${want}`);
}

const untranslated = rows.filter((r) => !r.translated).map((r) => r.code);
const out = [];
out.push(`-- GENERATED FILE: do not edit by hand.
-- Regenerate from the repository root with:
--   npm ci --prefix scripts && node scripts/gen-currencies.mjs > migrations/0003_currencies.sql
--
-- ISO 4217 currencies that are current and have a defined minor unit.
-- Sources:
--   code, numeric, label_en: Debian iso-codes ${isoCodesVersion()} (${ISO_JSON})
--   label_zh: iso-codes zh_CN catalogue (${ZH_MO}, PO-Revision-Date ${moRevision});
--             falls back to the English name where there is no translation
--             (${untranslated.length ? untranslated.join(', ') : 'none'}).
--             Corrected where the catalogue names a different thing: ${Object.entries(ZH_OVERRIDES).map(([c, z]) => `${c} ${z}`).join('; ')}.
--   minor_unit: npm currency-codes ${pkgVersion('currency-codes')} (\`digits\`), checked against the ISO 4217
--             list one it ships (published ${listOne.published}).
--
-- Decisions:
--   * "Current" means listed in ISO 4217 list one (${listOne.published}). Codes that iso-codes
--     still carries but ISO has withdrawn are left out: ${skippedWithdrawn.join(', ') || 'none'}.
--     Current codes newer than iso-codes are added with their ISO English name: ${newer.join(', ') || 'none'}.
--   * Codes whose minor unit is "N.A." in ISO 4217 are left out: ${skippedNA.join(', ')}.
--     They are precious metals, bond-market units, SDR-like units and the test/"no currency"
--     codes. They have no exponent, so an amount in them cannot be stored as integer minor
--     units; inventing 0 would silently round 1.5 oz of gold to 1 and claim a fact ISO does not
--     state. A fraud loss in gold or SDR is not a case this service needs; if one appears it is
--     recorded in the narrative, and a row can be added by a later migration.
--
-- ${rows.length} rows.
`);
out.push('INSERT INTO currencies (code, numeric, minor_unit, label_zh, label_en) VALUES');
out.push(rows.map((r) => `    (${sq(r.code)}, ${sq(r.numeric)}, ${r.minor}, ${sq(r.zh)}, ${sq(r.en)})`).join(',\n') + ';');
process.stdout.write(out.join('\n') + '\n');

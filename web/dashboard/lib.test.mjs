// Tests of the dashboard's logic without a browser: node --test web/dashboard/
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { append, h } from './dom.js';
import {
  apiErrorText,
  buildTimeline,
  expectedPictureSize,
  formatBitrate,
  formatDuration,
  formatMediaTime,
  formatPercent,
  formatTimestamp,
  jobApiPath,
  jobHash,
  jobsApiPath,
  jobsHash,
  ladderRows,
  packageUrls,
  parseRoute,
  profileValue,
  renditionLabel,
  renditionName,
  sameSize,
  timelineBar,
  validationSummary,
} from './lib.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

test('formatDuration: ms under a second, then s, min, h', () => {
  assert.equal(formatDuration(null), '\u2014');
  assert.equal(formatDuration(undefined), '\u2014');
  assert.equal(formatDuration(Number.NaN), '\u2014');
  assert.equal(formatDuration(-1), '\u2014');
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(0.002222), '2 ms');
  assert.equal(formatDuration(0.899437), '899 ms');
  assert.equal(formatDuration(0.9996), '1.00 s');
  assert.equal(formatDuration(1.5), '1.50 s');
  assert.equal(formatDuration(9.996), '10.0 s');
  assert.equal(formatDuration(12.34), '12.3 s');
  assert.equal(formatDuration(59.96), '1 min 00 s');
  assert.equal(formatDuration(65), '1 min 05 s');
  assert.equal(formatDuration(3599.4), '59 min 59 s');
  assert.equal(formatDuration(3725), '1 h 02 min');
  assert.equal(formatDuration(90000), '25 h 00 min');
});

test('formatBitrate: bps, kbps with one decimal, Mbps with two', () => {
  assert.equal(formatBitrate(null), '\u2014');
  assert.equal(formatBitrate('800'), '\u2014');
  assert.equal(formatBitrate(950), '950 bps');
  assert.equal(formatBitrate(118683), '118.7 kbps');
  assert.equal(formatBitrate(999_949), '999.9 kbps');
  assert.equal(formatBitrate(999_950), '1.00 Mbps');
  assert.equal(formatBitrate(6_000_000), '6.00 Mbps');
});

test('formatPercent, formatMediaTime', () => {
  assert.equal(formatPercent(0.1484), '15 %');
  assert.equal(formatPercent(1.02), '102 %');
  assert.equal(formatPercent(null), '\u2014');
  assert.equal(formatPercent(Infinity), '\u2014');
  assert.equal(formatMediaTime(0), '0:00.0');
  assert.equal(formatMediaTime(75.24), '1:15.2');
  assert.equal(formatMediaTime(null), '\u2014');
});

test('formatTimestamp: local YYYY-MM-DD HH:MM:SS; garbage as given', () => {
  assert.equal(formatTimestamp('2026-12-01T19:59:13.151116+00:00', 'UTC'), '2026-12-01 19:59:13');
  assert.equal(formatTimestamp('2026-12-01T19:59:13+02:00', 'UTC'), '2026-12-01 17:59:13');
  assert.equal(formatTimestamp('yesterday', 'UTC'), 'yesterday');
  assert.equal(formatTimestamp('', 'UTC'), '\u2014');
  assert.equal(formatTimestamp(null, 'UTC'), '\u2014');
});

test('parseRoute: the list with its filter and page, a job, anything else', () => {
  for (const hash of ['', '#', '#/', '#/jobs', '#/jobs/']) {
    assert.deepEqual(parseRoute(hash), { view: 'jobs', state: '', offset: 0 }, hash);
  }
  assert.deepEqual(parseRoute('#/jobs?state=FAILED&offset=40'), { view: 'jobs', state: 'FAILED', offset: 40 });
  assert.deepEqual(parseRoute('#/jobs?state=nope&offset=-3'), { view: 'jobs', state: '', offset: 0 });
  assert.deepEqual(parseRoute('#/jobs?offset=abc'), { view: 'jobs', state: '', offset: 0 });
  assert.deepEqual(parseRoute('#/jobs/e7fbb8afa344d833'), { view: 'job', id: 'e7fbb8afa344d833' });
  assert.deepEqual(parseRoute('#/jobs/a%2Fb'), { view: 'job', id: 'a/b' });
  assert.deepEqual(parseRoute('#/jobs/%E0%A4%A'), { view: 'not-found', hash: '/jobs/%E0%A4%A' });
  assert.deepEqual(parseRoute('#/jobs/a/b'), { view: 'not-found', hash: '/jobs/a/b' });
  assert.deepEqual(parseRoute('#main'), { view: 'not-found', hash: 'main' });
});

test('hashes and API paths round-trip and encode ids', () => {
  assert.equal(jobsHash(), '#/jobs');
  assert.equal(jobsHash({ state: 'COMPLETE', offset: 20 }), '#/jobs?state=COMPLETE&offset=20');
  assert.deepEqual(parseRoute(jobsHash({ state: 'RUNNING', offset: 60 })), { view: 'jobs', state: 'RUNNING', offset: 60 });
  assert.equal(jobHash('a b/c'), '#/jobs/a%20b%2Fc');
  assert.deepEqual(parseRoute(jobHash('a b/c')), { view: 'job', id: 'a b/c' });
  assert.equal(jobsApiPath({ state: '', offset: 0 }, 20), '/v1/jobs?limit=20');
  assert.equal(jobsApiPath({ state: 'FAILED', offset: 40 }, 20), '/v1/jobs?state=FAILED&limit=20&offset=40');
  assert.equal(jobApiPath('x/../y', '/events'), '/v1/jobs/x%2F..%2Fy/events');
});

test('packageUrls: only a plain path below /out/ becomes player URLs', () => {
  assert.deepEqual(packageUrls({ package: '/out/show/s01/e001/e7fbb8afa344d833/' }), {
    base: '/out/show/s01/e001/e7fbb8afa344d833/',
    hls: '/out/show/s01/e001/e7fbb8afa344d833/master.m3u8',
    dash: '/out/show/s01/e001/e7fbb8afa344d833/manifest.mpd',
  });
  for (const bad of [undefined, null, 42, '', '/out/', 'javascript:alert(1)//out/', '//evil.example/out/x/',
    'https://evil.example/out/x/', '/out/../etc/', '/out/a/./b/', '/out/a//b/', '/out/a?x=1/', '/out/a#b/',
    '/out/a\\..\\b/', '/out/a b/', '/out/a\u0000/', '/out/show', '/v1/jobs/']) {
    assert.equal(packageUrls({ package: bad }), null, String(bad));
  }
  assert.equal(packageUrls(null), null);
});

// The journal of a real `atp run` (atp events --json), trimmed.
const t = (s) => `2026-12-01T19:59:${s}+00:00`;
const EVENTS = [
  { sequence: 1, run: 1, step: 'ingest', kind: 'start', attempt: 1, outcome: '', message: '', time: t('13.148894') },
  { sequence: 2, run: 1, step: 'ingest', kind: 'end', attempt: 1, outcome: 'OK', message: '', time: t('13.151116') },
  { sequence: 3, run: 1, step: 'transcode', kind: 'start', attempt: 1, outcome: '', message: '', time: t('13.160517') },
  { sequence: 4, run: 1, step: 'transcode/audio', kind: 'start', attempt: 1, outcome: '', message: '', time: t('13.161284') },
  { sequence: 5, run: 1, step: 'transcode/audio', kind: 'end', attempt: 1, outcome: 'OK', message: '', time: t('13.778755') },
  { sequence: 6, run: 1, step: 'transcode', kind: 'end', attempt: 1, outcome: 'OK', message: '', time: t('14.059954') },
  { sequence: 7, run: 1, step: 'publish', kind: 'start', attempt: 1, outcome: '', message: '', time: t('14.156000') },
  { sequence: 8, run: 1, step: 'publish', kind: 'end', attempt: 1, outcome: '', message: '', time: t('14.158000') },
];

test('buildTimeline: one row per step in start order, durations from start and end', () => {
  const [run, ...more] = buildTimeline(EVENTS);
  assert.equal(more.length, 0);
  assert.equal(run.run, 1);
  assert.deepEqual(run.steps.map((s) => [s.step, s.depth, s.attempts.length, s.status, s.outcome]), [
    ['ingest', 0, 1, 'ok', 'OK'],
    ['transcode', 0, 1, 'ok', 'OK'],
    ['transcode/audio', 1, 1, 'ok', 'OK'],
    ['publish', 0, 1, 'ok', ''],
  ]);
  assert.ok(Math.abs(run.steps[0].seconds - 0.002222) < 1e-3);
  assert.ok(Math.abs(run.steps[1].seconds - 0.899437) < 1e-3);
  assert.equal(run.start, Date.parse(t('13.148894')));
  assert.equal(run.end, Date.parse(t('14.158000')));
  // Given in another order, the same timeline (events are ordered by sequence).
  assert.deepEqual(buildTimeline([...EVENTS].reverse()), buildTimeline(EVENTS));
});

test('buildTimeline: a retried step keeps its attempts and the error message; a failed one fails', () => {
  const events = [
    { sequence: 1, run: 1, step: 'verify', kind: 'start', attempt: 1, time: t('00') },
    { sequence: 2, run: 1, step: 'verify', kind: 'end', attempt: 1, outcome: 'UNAVAILABLE', message: 'store busy', time: t('01') },
    { sequence: 3, run: 1, step: 'verify', kind: 'start', attempt: 2, time: t('03') },
    { sequence: 4, run: 1, step: 'verify', kind: 'end', attempt: 2, outcome: 'OK', message: '', time: t('04.5') },
    { sequence: 5, run: 1, step: 'check', kind: 'start', attempt: 1, time: t('05') },
    { sequence: 6, run: 1, step: 'check', kind: 'end', attempt: 1, outcome: 'FAILED_PRECONDITION', message: 'HLS-SEG-DUR: too long', time: t('06') },
    { sequence: 7, run: 1, step: 'notify', kind: 'start', attempt: 1, time: t('07') },
    { sequence: 8, run: 1, step: 'notify', kind: 'end', attempt: 1, outcome: 'CANCELLED', message: 'cancelled on request', time: t('08') },
  ];
  const [run] = buildTimeline(events);
  const [verify, check, notify] = run.steps;
  assert.equal(notify.status, 'cancelled');
  assert.equal(verify.status, 'retried');
  assert.equal(verify.outcome, 'OK');
  assert.equal(verify.message, 'store busy');
  assert.equal(verify.seconds, 4.5); // first start to last end, backoff included
  assert.deepEqual(verify.attempts.map((a) => [a.attempt, a.outcome, a.seconds, a.message]), [
    [1, 'UNAVAILABLE', 1, 'store busy'],
    [2, 'OK', 1.5, ''],
  ]);
  assert.equal(check.status, 'failed');
  assert.equal(check.outcome, 'FAILED_PRECONDITION');
  assert.equal(check.message, 'HLS-SEG-DUR: too long');
});

test('buildTimeline: an open attempt runs until now while the job runs, else is unfinished', () => {
  const events = [
    { sequence: 1, run: 1, step: 'transcode', kind: 'start', attempt: 1, time: t('10') },
    { sequence: 2, run: 1, step: 'transcode/video-001', kind: 'start', attempt: 1, time: t('11') },
  ];
  const now = Date.parse(t('15'));
  const [running] = buildTimeline(events, { now, running: true });
  assert.deepEqual(running.steps.map((s) => [s.step, s.status, s.seconds, s.outcome]), [
    ['transcode', 'running', 5, ''],
    ['transcode/video-001', 'running', 4, ''],
  ]);
  const [stopped] = buildTimeline(events, { now, running: false });
  assert.deepEqual(stopped.steps.map((s) => [s.status, s.seconds]), [['unfinished', null], ['unfinished', null]]);
});

test('buildTimeline: runs apart; only the newest run of a running job runs; a lone end stands', () => {
  const events = [
    { sequence: 1, run: 1, step: 'verify', kind: 'start', attempt: 1, time: t('00') },
    { sequence: 2, run: 2, step: 'verify', kind: 'start', attempt: 1, time: t('20') },
    { sequence: 3, run: 2, step: 'verify', kind: 'end', attempt: 1, outcome: 'OK', time: t('21') },
    { sequence: 4, run: 2, step: 'plan', kind: 'start', attempt: 1, time: t('22') },
    { sequence: 5, run: 2, step: 'notify', kind: 'end', attempt: 1, outcome: 'OK', time: t('23') },
  ];
  const runs = buildTimeline(events, { now: Date.parse(t('30')), running: true });
  assert.deepEqual(runs.map((r) => r.run), [1, 2]);
  assert.equal(runs[0].steps[0].status, 'unfinished');
  assert.deepEqual(runs[1].steps.map((s) => [s.step, s.status, s.seconds]), [
    ['verify', 'ok', 1],
    ['plan', 'running', 8],
    ['notify', 'ok', null],
  ]);
  assert.deepEqual(buildTimeline([]), []);
  assert.deepEqual(buildTimeline(undefined), []);
});

test('timelineBar: position and length within the run', () => {
  const run = { start: 1000, end: 3000 };
  assert.deepEqual(timelineBar({ start: 1000, end: 2000 }, run), { left: 0, width: 0.5 });
  assert.deepEqual(timelineBar({ start: 2500, end: 3000 }, run), { left: 0.75, width: 0.25 });
  assert.deepEqual(timelineBar({ start: 2000, end: null }, run), { left: 0.5, width: 0 });
  assert.deepEqual(timelineBar({ start: 1000, end: 1000 }, { start: 1000, end: 1000 }), { left: 0, width: 1 });
  assert.equal(timelineBar({ start: null, end: null }, run), null);
});

// A report.json of `atp run` (trimmed), with a rung measured above its max rate.
const REPORT = {
  ladder: [
    { name: 'h264_720p', width: 1280, height: 720, bitrate_kbps: 3500, maxrate_kbps: 5250, crf: 21, profile: 'high' },
    { name: 'h264_360p', width: 640, height: 360, bitrate_kbps: 800, maxrate_kbps: 1200, crf: 21, profile: 'main' },
  ],
  renditions: [
    { name: 'h264_720p', codecs: 'avc1.64001f', average_bitrate_bps: 2_100_000, peak_bitrate_bps: 5_500_000, segments: 2, duration_seconds: 12.012 },
    { name: 'h264_360p', codecs: 'avc1.4d401e', average_bitrate_bps: 118683, peak_bitrate_bps: 118684, segments: 1, duration_seconds: 6.006 },
    { name: 'audio_ja', codecs: 'mp4a.40.2', average_bitrate_bps: 106318, peak_bitrate_bps: 106325, segments: 1, duration_seconds: 6.04,
      loudness: { language: 'ja', after: { integrated_lufs: -24.00000684821977 } } },
  ],
  profile: 'version=1\nh264.crf=21\naudio.bitrate_kbps=128\naudio.sample_rate_hz=48000\n',
  validation: {
    ok: false,
    errors: 1,
    warnings: 1,
    findings: [
      { rule: 'HLS-TARGETDURATION', severity: 'warning', where: 'h264_360p/playlist.m3u8', message: 'close to the limit' },
      { rule: 'MP4-TFDT', severity: 'error', where: 'h264_720p/seg_00002.m4s', message: '<script>alert(1)</script>' },
    ],
  },
};

test('ladderRows: declared joined with measured by name; audio from the profile', () => {
  const rows = ladderRows(REPORT);
  assert.deepEqual(rows.map((r) => [r.name, r.kind, r.declared_bps, r.maxrate_bps, r.average_bps, r.peak_bps, r.over_max]), [
    ['h264_720p', 'video', 3_500_000, 5_250_000, 2_100_000, 5_500_000, true],
    ['h264_360p', 'video', 800_000, 1_200_000, 118683, 118684, false],
    ['audio_ja', 'audio', 128_000, null, 106318, 106325, false],
  ]);
  assert.equal(rows[0].average_ratio, 0.6);
  assert.ok(Math.abs(rows[0].peak_ratio - 5.5 / 5.25) < 1e-9);
  assert.equal(rows[0].width, 1280);
  assert.equal(rows[0].codecs, 'avc1.64001f');
  assert.equal(rows[2].language, 'ja');
  assert.ok(Math.abs(rows[2].loudness_lufs + 24) < 1e-4);
  assert.ok(Math.abs(rows[2].peak_ratio - 106325 / 128000) < 1e-9); // no max rate: against the target
  // A rung the package lacks is listed, unmeasured.
  const missing = ladderRows({ ladder: [{ name: 'h264_1080p', bitrate_kbps: 6000 }] });
  assert.deepEqual(missing.map((r) => [r.name, r.measured, r.average_bps, r.average_ratio]), [['h264_1080p', false, null, null]]);
  assert.deepEqual(ladderRows(null), []);
  assert.equal(profileValue(REPORT.profile, 'audio.sample_rate_hz'), '48000');
  assert.equal(profileValue(REPORT.profile, 'nope'), null);
});

test('validationSummary: errors first, counts as reported', () => {
  const v = validationSummary(REPORT);
  assert.equal(v.ok, false);
  assert.equal(v.errors, 1);
  assert.equal(v.warnings, 1);
  assert.deepEqual(v.findings.map((f) => f.rule), ['MP4-TFDT', 'HLS-TARGETDURATION']);
  assert.equal(v.findings[0].message, '<script>alert(1)</script>'); // kept as text; rendered as text
  assert.deepEqual(validationSummary({}), { ok: null, errors: 0, warnings: 0, findings: [] });
});

test('expectedPictureSize and sameSize follow Chromium for a DASH @sar', () => {
  assert.deepEqual(expectedPictureSize({ width: 1280, height: 720 }), { width: 1280, height: 720 });
  assert.deepEqual(expectedPictureSize({ width: 720, height: 480, sar: '32:27' }), { width: 853, height: 480 });
  assert.deepEqual(expectedPictureSize({ width: 720, height: 480, sar: '8:9' }), { width: 720, height: 540 });
  assert.deepEqual(expectedPictureSize({ width: 640, height: 360, sar: '1:1' }), { width: 640, height: 360 });
  assert.deepEqual(expectedPictureSize({ width: null, height: 360 }), { width: null, height: 360 });
  assert.ok(sameSize(854, 480, { width: 853, height: 480 }));
  assert.ok(!sameSize(640, 360, { width: 853, height: 480 }));
  assert.ok(!sameSize(640, 360, { width: null, height: 360 }));
});

test('renditionName and renditionLabel', () => {
  assert.equal(renditionName('h264_720p/playlist.m3u8'), 'h264_720p');
  assert.equal(renditionName('h264_720p/playlist.m3u8?x=1'), 'h264_720p');
  assert.equal(renditionName('h264_720p'), 'h264_720p');
  assert.equal(renditionName(undefined), '');
  assert.equal(renditionLabel({ width: 1280, height: 720, bitrate: 2_450_000, name: 'h264_720p' }), '1280\u00d7720 \u00b7 2.45 Mbps \u00b7 h264_720p');
  assert.equal(renditionLabel({ name: 'x' }), 'unknown size \u00b7 x');
});

test('apiErrorText: the API error object, else the status', () => {
  assert.equal(apiErrorText(404, { error: { code: 'NOT_FOUND', message: 'no job x' } }), 'NOT_FOUND: no job x');
  assert.equal(apiErrorText(502, null), 'HTTP 502');
});

// A document that records what is built, to see that h() never parses HTML.
function fakeDocument() {
  const node = (tag) => ({
    tag,
    attributes: {},
    children: [],
    dataset: {},
    listeners: {},
    textContent: '',
    setAttribute(name, value) { this.attributes[name] = value; },
    appendChild(child) { this.children.push(child); return child; },
    addEventListener(name, fn) { this.listeners[name] = fn; },
    set innerHTML(_) { throw new Error('innerHTML used'); },
  });
  return { createElement: node, createTextNode: (data) => ({ text: data }) };
}

test('h(): API text becomes text nodes and attributes, never markup', () => {
  h.document = fakeDocument();
  try {
    const evil = '<img src=x onerror=alert(1)>';
    const td = h('td', { title: evil, class: 'num', dataset: { step: evil }, hidden: false, onclick: () => 1 }, evil, 3, null, false, [h('b', { text: evil })]);
    assert.equal(td.tag, 'td');
    assert.deepEqual(td.attributes, { title: evil, class: 'num' });
    assert.deepEqual(td.dataset, { step: evil });
    assert.equal(typeof td.listeners.click, 'function');
    assert.deepEqual(td.children.slice(0, 2), [{ text: evil }, { text: '3' }]);
    assert.equal(td.children[2].textContent, evil);
    assert.equal(td.children.length, 3);
    append(td, ['a', ['b']], 'c', null);
    assert.deepEqual(td.children.slice(3), [{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
  } finally {
    delete h.document;
  }
});

test('the dashboard sources use no HTML sink and load nothing from another origin', async () => {
  const files = (await readdir(HERE)).filter((f) => /\.(js|html|css)$/.test(f));
  assert.ok(files.includes('app.js') && files.includes('index.html'));
  for (const file of files) {
    const text = await readFile(path.join(HERE, file), 'utf8');
    if (file.endsWith('.js')) {
      const code = text.replace(/^\s*\/\/.*$/gm, ''); // without its comment lines
      assert.doesNotMatch(code, /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, file);
      for (const [, spec] of text.matchAll(/\bimport\s*(?:[^'"]*from\s*)?['"]([^'"]+)['"]/g)) {
        assert.match(spec, /^\.\.?\//, `${file} imports ${spec}: only relative module paths`);
      }
    }
    assert.doesNotMatch(text, /(src|href)\s*=\s*["']?(https?:)?\/\//i, `${file} references another origin`);
    assert.doesNotMatch(text, /url\(\s*["']?(https?:)?\/\//i, `${file} references another origin`);
  }
});

test('the browser modules parse (app.js and player.js need a browser to run)', () => {
  for (const file of ['app.js', 'player.js', 'dashboard-check.mjs']) {
    const run = spawnSync(process.execPath, ['--check', path.join(HERE, file)], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${file}: ${run.stderr}`);
  }
});

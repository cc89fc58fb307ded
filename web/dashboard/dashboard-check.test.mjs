// Tests of dashboard-check.mjs without a browser: its command line and its verdict.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { UsageError, failuresOf, parseOptions } from './dashboard-check.mjs';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard-check.mjs');

test('parseOptions: defaults', () => {
  assert.deepEqual(parseOptions(['--url', 'http://127.0.0.1:8080', '--job', 'abc']), {
    url: 'http://127.0.0.1:8080/',
    job: 'abc',
    expectState: 'COMPLETE',
    players: ['hls', 'dash'],
    playSeconds: 2,
    timeoutMs: 120_000,
    screenshotPrefix: null,
  });
  const o = parseOptions(['--url', 'http://h:1/ui/', '--job', 'x', '--players', 'dash', '--play-seconds', '1.5',
    '--timeout-seconds', '30', '--screenshot-prefix', 'shots']);
  assert.deepEqual(o.players, ['dash']);
  assert.equal(o.playSeconds, 1.5);
  assert.equal(o.timeoutMs, 30_000);
  assert.equal(o.screenshotPrefix, path.resolve('shots'));
  assert.deepEqual(parseOptions(['--url', 'http://h:1/', '--job', 'x', '--players', '', '--expect-state', 'FAILED']).players, []);
});

test('parseOptions: refuses what it cannot do, naming the flag', () => {
  const cases = [
    [[], /--url is required/],
    [['--url', 'http://h/'], /--job is required/],
    [['--url', 'ftp://h/', '--job', 'x'], /--url must be an http URL/],
    [['--url', 'not a url', '--job', 'x'], /--url must be an http URL/],
    [['--url', 'http://h/', '--job', 'x', '--players', 'hls,mp4'], /--players/],
    [['--url', 'http://h/', '--job', 'x', '--players', 'hls,hls'], /twice/],
    [['--url', 'http://h/', '--job', 'x', '--expect-state', 'DONE'], /--expect-state/],
    [['--url', 'http://h/', '--job', 'x', '--expect-state', 'FAILED'], /only a COMPLETE job has a package/],
    [['--url', 'http://h/', '--job', 'x', '--play-seconds', '0'], /--play-seconds must be a positive number/],
    [['--url', 'http://h/', '--job', 'x', '--timeout-seconds', 'soon'], /--timeout-seconds must be a positive number/],
    [['--url', 'http://h/', '--job', 'x', '--screenshot-prefix', '/no/such/folder/x'], /folder \/no\/such\/folder does not exist/],
    [['--url', 'http://h/', '--job', 'x', '--bogus'], /bogus/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseOptions(argv), (e) => e instanceof UsageError && message.test(e.message), argv.join(' '));
  }
});

test('the CLI exits 2 with the usage on stderr and nothing on stdout for a usage error', () => {
  const run = spawnSync(process.execPath, [SCRIPT, '--url', 'http://127.0.0.1:1/'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /dashboard-check: --job is required\nusage: node dashboard-check.mjs/);
});

function passing() {
  const rendition = (name, height) => ({
    name, width: height * 16 / 9, height, selected: true, size_matches: true, played: true, ui_matches: true, ok: true,
    video_width: height * 16 / 9, video_height: height, expected_width: height * 16 / 9, expected_height: height,
    advanced_seconds: 1, ui_decoded: `${height * 16 / 9}\u00d7${height}`,
  });
  return {
    list: { found: true, state: 'COMPLETE', jobs_listed: 1, problem: null },
    job: {
      problem: null, state: 'COMPLETE', report: 'loaded',
      timeline: [{ run: 1, step: 'ingest' }, { run: 1, step: 'publish' }], timeline_rows: 2,
      ladder: [{ name: 'h264_720p', kind: 'video', average_bps: 2e6 }, { name: 'audio_ja', kind: 'audio', average_bps: 1e5 }], ladder_rows: 2,
      validation: { ok: true, errors: 0, warnings: 0, findings: [] }, findings_rows: 0,
    },
    players: ['hls', 'dash'].map((player) => ({
      player, available: true, errors: [], advanced_seconds: 2.1, ended: false, renditions: [rendition('h264_720p', 720), rendition('h264_360p', 360)],
    })),
    page_errors: [],
    api_errors: [],
    http_errors: [],
  };
}

const OPTIONS = { job: 'abc', expectState: 'COMPLETE', playSeconds: 2 };

test('failuresOf: none for a run that saw everything', () => {
  assert.deepEqual(failuresOf(passing(), OPTIONS), []);
});

test('failuresOf: one sentence per problem', () => {
  const r = passing();
  r.list = { found: false, problem: 'Could not load the jobs: HTTP 503.' };
  r.job.state = 'FAILED';
  r.job.timeline_rows = 1;
  r.job.ladder[0].average_bps = null;
  r.players[0].renditions[1] = { ...r.players[0].renditions[1], ok: false, size_matches: false, video_width: 1280, video_height: 720 };
  r.players[1].available = false;
  r.page_errors = [{ message: 'boom' }];
  r.api_errors = [{ status: 500, path: '/v1/jobs/abc/events', message: 'INTERNAL: db' }];
  r.http_errors = [{ status: 404, path: '/out/x/seg.m4s' }];
  assert.deepEqual(failuresOf(r, OPTIONS, ['timeout: x']), [
    'timeout: x',
    'job abc is not in the job list (the page says: Could not load the jobs: HTTP 503.)',
    'job abc is FAILED, expected COMPLETE',
    'the step table has 1 rows for 2 steps',
    'HLS: rendition h264_360p (640x360) was not shown: picture is 1280x720, expected 640x360',
    'DASH: the dashboard offers no manifest.mpd for this job',
    '1 page error(s), first: boom',
    '1 failed API call(s), first: 500 /v1/jobs/abc/events INTERNAL: db',
    '1 package request(s) failed, first: 404 /out/x/seg.m4s',
  ]);
  const slow = passing();
  slow.players[0].advanced_seconds = 0.5;
  slow.players[0].errors = [{ source: 'hls', details: 'manifestLoadError', message: 'HTTP 404' }];
  slow.players[0].renditions = [];
  assert.deepEqual(failuresOf(slow, OPTIONS), [
    'HLS: 1 fatal player error(s), first: hls manifestLoadError HTTP 404',
    'HLS: playback advanced 0.50 s, not the 2 s asked',
    'HLS: the rendition switcher lists no video rendition',
  ]);
  const short = passing();
  short.job.ladder[0].average_bps = null;
  assert.deepEqual(failuresOf(short, OPTIONS), ['ladder rendition h264_720p has no measured bitrate']);
});

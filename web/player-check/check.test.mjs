// Unit tests of check.mjs's command line and verdict (no browser): `node --test web/player-check/`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseOptions, failuresOf } from './check.mjs';

let root;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'player-check-cli-'));
  await writeFile(path.join(root, 'master.m3u8'), '#EXTM3U\n');
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('defaults', () => {
  const options = parseOptions(['--root', root, '--manifest', 'master.m3u8', '--player', 'hls']);
  assert.equal(options.root, root);
  assert.equal(options.manifest, 'master.m3u8');
  assert.equal(options.playSeconds, 2);
  assert.equal(options.timeoutMs, 60_000);
  assert.equal(options.screenshot, null);
  assert.equal(options.at, null);
});

test('every usage error names what to fix', () => {
  const cases = [
    [['--manifest', 'master.m3u8', '--player', 'hls'], /--root is required/],
    [['--root', root, '--manifest', 'master.m3u8', '--player', 'vlc'], /--player must be hls or dash/],
    [['--root', path.join(root, 'nope'), '--manifest', 'master.m3u8', '--player', 'hls'], /is not a directory/],
    [['--root', root, '--manifest', 'manifest.mpd', '--player', 'dash'], /manifest not found: .*manifest\.mpd/],
    [['--root', root, '--manifest', '../master.m3u8', '--player', 'hls'], /must be a path inside --root/],
    [['--root', root, '--manifest', '/etc/passwd', '--player', 'hls'], /must be a path inside --root/],
    [['--root', root, '--manifest', 'master.m3u8', '--player', 'hls', '--play-seconds', 'x'], /--play-seconds must be a positive number/],
    [['--root', root, '--manifest', 'master.m3u8', '--player', 'hls', '--at=-1'], /--at must be a number/],
    [['--root', root, '--manifest', 'master.m3u8', '--player', 'hls', '--bogus'], /Unknown option '--bogus'/],
    [['--root', root, '--manifest', 'master.m3u8', '--player', 'hls', '--screenshot', '/nonexistent/x.png'], /folder \/nonexistent does not exist/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseOptions(argv), message, argv.join(' '));
});

function result(overrides = {}) {
  return {
    errors: [],
    http_errors: [],
    advanced_seconds: 2.1,
    ended: false,
    renditions: [{ declared: { id: 'a', width: 1280, height: 720 }, ok: true }],
    ...overrides,
  };
}

test('a clean run has no failures', () => {
  assert.deepEqual(failuresOf(result(), 2), []);
});

test('a run that ended early but played is not a failure', () => {
  assert.deepEqual(failuresOf(result({ advanced_seconds: 1.2, ended: true }), 2), []);
});

test('each reason for not ok is listed', () => {
  const failures = failuresOf(
    result({
      errors: [{ source: 'hls', details: 'fragLoadError', message: 'HTTP Error 404' }],
      http_errors: [{ status: 404, path: 'h264_480p/seg_00001.m4s' }],
      advanced_seconds: 0.5,
      renditions: [
        {
          declared: { id: 'h264_480p', width: 854, height: 480 },
          selected: true,
          size_matches: false,
          video_width: 640,
          video_height: 360,
          expected_width: 854,
          expected_height: 480,
          ok: false,
        },
      ],
    }),
    2,
    ['timeout: x'],
  );
  assert.deepEqual(failures, [
    'timeout: x',
    '1 fatal error(s), first: hls fragLoadError HTTP Error 404',
    'playback advanced 0.50 s, not the 2 s asked',
    'rendition h264_480p (854x480) was not shown: picture is 640x360, expected 854x480',
    '1 package request(s) failed, first: 404 h264_480p/seg_00001.m4s',
  ]);
});
